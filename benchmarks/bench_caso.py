"""cASO (``skmtl.structures.CASO``): speed, cost with many features, predictions.

Three parts, each printed as a Markdown table (results in RESULTS_caso.md):

1. **speed**: skmtl against cvxpy (CLARABEL) on small problems (d = 6 or 8
   features, T = 4 tasks, n = 40 samples, h = 2, eta = 0.5), squared and
   logistic losses. cvxpy solves the matrix-fraction form with ``M`` a
   (d, d) variable; skmtl the same objective through the closed form of the
   minimum over ``M``. Both objectives are evaluated by the same code here,
   and the relative difference is reported. Times are medians of repeats;
   cvxpy's is given in full (modelling + solve) and for CLARABEL alone.
2. **features**: one value and gradient of the term for many features
   (thin SVD of the (d, T) matrix ``W``), against one eigendecomposition of a
   (d, d) matrix, which MALSAR's ``Least_CASO`` performs at every step of its
   line search (it optimises over ``W`` and ``M`` jointly). MALSAR itself is
   Matlab, not available here.
3. **predict**: held-out error on seeded synthetic tasks that share an
   h = 3 dimensional subspace of d = 30 features, with column norms spread
   from 0.2 to 5 (T = 20 tasks, n = 60 training rows, noise 1, 5,000 test
   rows), (A) exactly in the subspace and (B) plus dense individual
   deviations of standard deviation 0.15 (the generative model of alternating
   structure optimisation). ``alpha`` is chosen by 5-fold CV on the training
   rows only (``MultiTaskRegressorCV``), for cASO together with ``h`` in
   1..4 and ``eta`` in {0.01, 0.1, 1}; the trace norm and independent ridge
   (one shared alpha) are chosen the same way.

Usage::

    python benchmarks/bench_caso.py                # all parts, about 3 minutes
    python benchmarks/bench_caso.py --part speed   # or features, predict
"""

import argparse
import platform
import statistics
import time
import warnings
from functools import partial

import numpy as np
import scipy
import sklearn
from sklearn.base import clone
from threadpoolctl import threadpool_limits

import skmtl
from skmtl import MultiTaskClassifier, MultiTaskRegressor, MultiTaskRegressorCV
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.penalties.smooth_terms import ClusterTerm
from skmtl.structures import CASO


def _fit(model, X, Y):
    return clone(model).fit(X, Y)


def _median_time(function, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# --------------------------------------------------------------------------
# 1. speed against cvxpy


def _small_problem(kind, d, T, seed):
    common = dict(
        n_samples=40 if d <= 8 else 100,
        n_features=d,
        n_tasks=T,
        structure="low_rank",
        rank=1,
        random_state=seed,
    )
    if kind == "squared":
        X, Y, _ = make_multitask_regression(bias=1.5, **common)
    else:
        X, Y, _ = make_multitask_classification(n_classes=2, **common)
    # Features of nonzero mean, so that the intercepts matter.
    X = X + np.random.default_rng(seed).uniform(-1.0, 1.0, d)
    return X, Y


def _targets(kind, Y):
    if kind == "squared":
        return np.asarray(Y, dtype=float)
    return np.column_stack(
        [Y[:, t] == np.unique(Y[:, t])[1] for t in range(Y.shape[1])]
    )


def _objective(kind, X, Y, alpha, eta, h, W, b):
    """The written objective: mean loss over samples plus the cASO term."""
    Z = X @ W + b
    targets = _targets(kind, Y).astype(float)
    if kind == "squared":
        data = 0.5 * np.sum((Z - targets) ** 2) / X.shape[0]
    else:
        data = np.sum(np.logaddexp(0.0, Z) - targets * Z) / X.shape[0]
    return data + ClusterTerm(alpha, eta, h).value(W)


def _cvxpy_solve(kind, X, Y, alpha, eta, h):
    import cvxpy as cp

    n, d = X.shape
    targets = _targets(kind, Y).astype(float)
    T = targets.shape[1]
    W = cp.Variable((d, T))
    M = cp.Variable((d, d), symmetric=True)
    b = cp.Variable(T)
    Z = X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, T), order="C")
    if kind == "squared":
        data = 0.5 * cp.sum_squares(Z - targets) / n
    else:
        data = cp.sum(cp.logistic(Z) - cp.multiply(targets, Z)) / n
    identity = np.eye(d)
    term = alpha * eta * (1 + eta) * cp.matrix_frac(W, eta * identity + M)
    problem = cp.Problem(
        cp.Minimize(data + term),
        [cp.trace(M) == h, M >> 0, identity - M >> 0],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "inaccurate" at 1e-10
        problem.solve(
            solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10
        )
    return W.value, b.value, problem.solver_stats.solve_time


def part_speed(repeats):
    alpha_of = {"squared": 0.1, "logistic": 0.02}
    eta, h = 0.5, 2
    print("\n## 1. Speed against cvxpy (CLARABEL)\n")
    print(
        "| loss | n | d | T | skmtl tol 1e-6 (ms) | rel. diff. | skmtl tol 1e-10 "
        "(ms) | rel. diff. | cvxpy total (ms) | CLARABEL alone (ms) | cvxpy total "
        "/ skmtl 1e-6 | CLARABEL / skmtl 1e-6 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    # cvxpy's first solve also pays for imports and caches: not timed.
    _cvxpy_solve("squared", *_small_problem("squared", 6, 4, seed=0), 0.1, eta, h)
    for kind in ("squared", "logistic"):
        for d, T in ((6, 4), (8, 4), (20, 10), (40, 10)):
            X, Y = _small_problem(kind, d, T, seed=d)
            alpha = alpha_of[kind]
            Estimator = MultiTaskRegressor if kind == "squared" else MultiTaskClassifier
            cvx_time, (W, b, solve_time) = _median_time(
                partial(_cvxpy_solve, kind, X, Y, alpha, eta, h), max(1, repeats // 3)
            )
            ref = _objective(kind, X, Y, alpha, eta, h, W, b)
            cells = []
            for tol in (1e-6, 1e-10):
                model = Estimator(CASO(h, eta), alpha, tol=tol, max_iter=100_000)
                seconds, fitted = _median_time(partial(_fit, model, X, Y), repeats)
                ours = _objective(
                    kind, X, Y, alpha, eta, h, fitted.coef_.T, fitted.intercept_
                )
                cells.append((seconds, (ours - ref) / abs(ref)))
            (fast, fast_diff), (tight, tight_diff) = cells
            print(
                f"| {kind} | {X.shape[0]} | {d} | {T} | {1e3 * fast:.2f} | "
                f"{fast_diff:+.1e} | {1e3 * tight:.2f} | {tight_diff:+.1e} | "
                f"{1e3 * cvx_time:.0f} | {1e3 * solve_time:.0f} | "
                f"{cvx_time / fast:.0f}x | {solve_time / fast:.0f}x |"
            )


# --------------------------------------------------------------------------
# 2. many features


def part_features(repeats):
    rng = np.random.default_rng(0)
    T, h, eta = 10, 3, 0.5
    print("\n## 2. Many features: one value and gradient of the term\n")
    print("| d | T | value + gradient (ms) | eigh of a (d, d) matrix (ms) |")
    print("|---:|---:|---:|---:|")
    for d in (1_000, 2_000, 10_000, 100_000):
        W = rng.standard_normal((d, T))
        term = ClusterTerm(1.0, eta, h)

        def evaluate(W=W, term=term):
            term._cache = []  # time a new point, not the cache
            return term.value(W), term.gradient(W)

        ours, _ = _median_time(evaluate, repeats)
        dense = "not run"
        if d <= 2_000:
            A = rng.standard_normal((d, d))
            A = A + A.T
            seconds, _ = _median_time(
                lambda A=A: np.linalg.eigh(A), max(1, repeats // 3)
            )
            dense = f"{1e3 * seconds:.0f}"
        print(f"| {d:,} | {T} | {1e3 * ours:.2f} | {dense} |")
    X, Y, _ = make_multitask_regression(
        n_samples=200, n_features=5_000, n_tasks=T, structure="low_rank", rank=3,
        random_state=0,
    )  # fmt: skip
    model = MultiTaskRegressor(CASO(h, eta), alpha=0.1)
    seconds, fitted = _median_time(lambda: _fit(model, X, Y), 1)
    print(
        f"\nA full fit with n = 200, d = 5,000, T = {T}: {seconds:.2f} s, "
        f"{fitted.n_iter_} iterations, converged: {fitted.converged_}."
    )


# --------------------------------------------------------------------------
# 3. predictive value


def _shared_subspace_tasks(seed, deviation, d=30, T=20, h=3, n_train=60):
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((d, h)))[0]
    V = rng.standard_normal((h, T))
    V *= np.geomspace(0.2, 5.0, T) / np.linalg.norm(V, axis=0)
    W = basis @ V + deviation * rng.standard_normal((d, T))
    X = rng.standard_normal((n_train + 5_000, d))
    Y = X @ W + rng.standard_normal((n_train + 5_000, T))
    return X[:n_train], Y[:n_train], X[n_train:], Y[n_train:], W


def _describe(model):
    penalty = model.penalty_
    if isinstance(penalty, CASO):
        return (
            f"h={penalty.n_components}, eta={penalty.eta:g}, alpha={model.alpha_:.3g}"
        )
    return f"alpha={model.alpha_:.3g}"


def part_predict(seeds):
    candidates = {
        "cASO": [CASO(h, eta) for h in (1, 2, 3, 4) for eta in (0.01, 0.1, 1.0)],
        "trace norm": "trace_norm",
        "ridge": "ridge",
    }
    print("\n## 3. Held-out error, alpha (and cASO's h, eta) by 5-fold CV\n")
    print(
        "| design | seed | model | test MSE | mean task R^2 | ||W - W*||_F^2 "
        "| chosen | CV time (s) |"
    )
    print("|---|---:|---|---:|---:|---:|---|---:|")
    for design, deviation in (("A: in the subspace", 0.0), ("B: + deviations", 0.15)):
        for seed in seeds:
            X, Y, X_test, Y_test, W = _shared_subspace_tasks(seed, deviation)
            for name, penalty in candidates.items():
                start = time.perf_counter()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    model = MultiTaskRegressorCV(penalty, baselines=False, cv=5)
                    model.fit(X, Y)
                seconds = time.perf_counter() - start
                predicted = model.predict(X_test)
                mse = float(np.mean((Y_test - predicted) ** 2))
                residual = np.sum((Y_test - predicted) ** 2, axis=0)
                total = np.sum((Y_test - Y_test.mean(axis=0)) ** 2, axis=0)
                r2 = float(np.mean(1.0 - residual / total))
                error = float(np.sum((model.coef_.T - W) ** 2))
                note = f" ({len(caught)} warnings)" if caught else ""
                print(
                    f"| {design} | {seed} | {name} | {mse:.4f} | {r2:.4f} | "
                    f"{error:.2f} | {_describe(model)}{note} | {seconds:.1f} |"
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("speed", "features", "predict"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, skmtl "
        f"{skmtl.__version__}; {platform.machine()}, BLAS threads: {args.threads}"
    )
    with threadpool_limits(args.threads):
        if args.part in (None, "speed"):
            part_speed(args.repeats)
        if args.part in (None, "features"):
            part_features(args.repeats)
        if args.part in (None, "predict"):
            part_predict(seeds=(0, 1, 2))


if __name__ == "__main__":
    main()
