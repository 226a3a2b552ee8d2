"""Disease progression: the fused sparse group lasso and the temporal group lasso.

Three parts, each printed as a Markdown table (results in
RESULTS_progression.md):

1. **prox**: the prox of the fused sparse group lasso
   (``skmtl.penalties.fused.fused_sparse_group_prox``: total variation prox
   of every row, soft thresholding, group shrinkage) on d = 10,000 rows and
   T = 10 time points, at several steps, with every row surviving the group
   shrinkage (random rows, the worst case) and with 95% of the rows zeroed by
   it (a sparse model); also the total variation prox alone and the exact
   dual norms of all rows. CPU time of this process (``time.process_time``)
   and wall time, min and median of repeats.
2. **speed**: skmtl against cvxpy (CLARABEL) on small problems (n = 40 to
   200, d = 6 to 50, T = 4 to 6), squared and logistic losses, both
   structures at ``alpha_max / 4``. Both objectives are evaluated by the same
   code here; cvxpy's time is given in full (modelling + solve) and for
   CLARABEL alone.
3. **predict**: a seeded synthetic progression: scores at 6 visits of
   patients from d = 40 baseline features, 6 of which act at every visit with
   effects that change slowly over time (a drift and one step), noise 1;
   after each visit 30% of the remaining patients drop out (their later
   scores are missing). Every model's ``alpha`` (and structure parameters) is
   chosen by 5-fold CV on the training patients only
   (``MultiTaskRegressorCV``, ``missing_targets="ignore"``, scored by the
   mean over visits of each visit's held-out MSE, so that every visit counts
   equally as in the error reported: see ``neg_mean_visit_mse``); the
   held-out error is the mean squared error per visit on 2,000 test patients
   with every visit observed. Fused (``FusedSparseGroupLasso``) and temporal
   (``TemporalGroupLasso``) models against the group lasso and the
   independent lasso, over 3 seeds.

MALSAR (Matlab) is not available here, so no timing against it.

Usage::

    python benchmarks/bench_progression.py                # all parts
    python benchmarks/bench_progression.py --part prox    # or speed, predict
"""

import argparse
import platform
import statistics
import time
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.base import clone
from threadpoolctl import threadpool_limits

import skmtl
from skmtl import MultiTaskClassifier, MultiTaskRegressor, MultiTaskRegressorCV
from skmtl import alpha_max as skmtl_alpha_max
from skmtl.penalties.fused import (
    _total_variation_columns,
    fused_dual_norms,
    fused_sparse_group_prox,
)
from skmtl.structures import FusedSparseGroupLasso, TemporalGroupLasso

# --------------------------------------------------------------------------
# 1. the prox


def _times(function, repeats):
    """(min, median) of CPU and wall times in ms."""
    cpu, wall = [], []
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        function()
        cpu.append(1e3 * (time.process_time() - start_cpu))
        wall.append(1e3 * (time.perf_counter() - start_wall))
    return min(cpu), statistics.median(cpu), min(wall), statistics.median(wall)


def part_prox(repeats):
    d, T = 10_000, 10
    rng = np.random.default_rng(0)
    V = rng.standard_normal((d, T))
    lasso_weight, fused_weight = 0.1, 0.5
    print(f"\n### Prox, d = {d:,} rows, T = {T}\n")
    print(
        "| operation | step | rows kept | CPU min (ms) | CPU median (ms) "
        "| wall min (ms) | wall median (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")

    def row(name, step, kept, function):
        timed = _times(function, repeats)
        cells = " | ".join(f"{value:.2f}" for value in timed)
        print(f"| {name} | {step} | {kept} | {cells} |")

    for step in (0.05, 0.3, 1.0):
        P = fused_sparse_group_prox(V, step, lasso_weight, fused_weight)
        kept = f"{np.mean(np.any(P, axis=1)):.0%}"
        row(
            "fused sparse group prox (random rows)",
            step,
            kept,
            lambda step=step: fused_sparse_group_prox(
                V, step, lasso_weight, fused_weight
            ),
        )
    # A sparse model: 5% of the rows carry signal, the rest is small noise.
    sparse = 0.1 * rng.standard_normal((d, T))
    sparse[:500] += 3.0 * rng.standard_normal((500, 1))
    P = fused_sparse_group_prox(sparse, 1.0, lasso_weight, fused_weight)
    row(
        "fused sparse group prox (sparse model)",
        1.0,
        f"{np.mean(np.any(P, axis=1)):.0%}",
        lambda: fused_sparse_group_prox(sparse, 1.0, lasso_weight, fused_weight),
    )
    Vt = np.ascontiguousarray(V.T)
    for threshold in (0.015, 0.15, 0.5):
        row(
            "total variation prox alone",
            threshold,
            "all",
            lambda threshold=threshold: _total_variation_columns(Vt, threshold),
        )
    row(
        "exact dual norms of all rows",
        "-",
        "all",
        lambda: fused_dual_norms(V, lasso_weight, fused_weight),
    )


# --------------------------------------------------------------------------
# 2. speed against cvxpy


def _small_problem(kind, n, d, T, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + rng.uniform(-1, 1, d)
    W = np.zeros((d, T))
    W[:3] = rng.standard_normal((3, 1)) + 0.3 * np.cumsum(
        rng.standard_normal((3, T)), axis=1
    )
    scores = X @ W + 0.5 * rng.standard_normal((n, T))
    if kind == "squared":
        return X, scores + 1.5, MultiTaskRegressor
    labels = (scores > np.median(scores, axis=0)).astype(int)
    return X, labels, MultiTaskClassifier


def _data_term(kind, X, Y, W, b):
    Z = X @ W + b
    if kind == "squared":
        return 0.5 * np.mean(np.sum((Z - Y) ** 2, axis=1))
    return np.mean(np.sum(np.logaddexp(0, Z) - Y * Z, axis=1))


def _penalty_value(structure, W):
    if isinstance(structure, FusedSparseGroupLasso):
        return np.sum(
            np.linalg.norm(W, axis=1)
            + structure.lasso_weight * np.sum(np.abs(W), axis=1)
            + structure.fused_weight * np.sum(np.abs(np.diff(W, axis=1)), axis=1)
        )
    return np.sum(np.linalg.norm(W, axis=1))


def _objective(kind, X, Y, structure, alpha, W, b):
    value = _data_term(kind, X, Y, W, b) + alpha * _penalty_value(structure, W)
    if isinstance(structure, TemporalGroupLasso):
        value += structure.strength * np.sum(np.diff(W, axis=1) ** 2)
    return value


def _cvxpy_solve(cp, kind, X, Y, structure, alpha):
    n, d = X.shape
    T = Y.shape[1]
    W, b = cp.Variable((d, T)), cp.Variable(T)
    Z = X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, T), order="C")
    if kind == "squared":
        data = 0.5 * cp.sum_squares(Z - Y) / n
    else:
        data = cp.sum(cp.logistic(Z) - cp.multiply(Y, Z)) / n
    penalty = alpha * cp.sum(cp.norm(W, 2, axis=1))
    if isinstance(structure, FusedSparseGroupLasso):
        penalty += alpha * (
            structure.lasso_weight * cp.sum(cp.abs(W))
            + structure.fused_weight * cp.sum(cp.abs(W[:, 1:] - W[:, :-1]))
        )
    else:
        penalty += structure.strength * cp.sum_squares(W[:, 1:] - W[:, :-1])
    problem = cp.Problem(cp.Minimize(data + penalty))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        problem.solve(
            solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10
        )
    return W.value, b.value, problem.solver_stats.solve_time


def part_speed(repeats):
    import cvxpy as cp

    structures = {
        "fused": FusedSparseGroupLasso(lasso_weight=0.2, fused_weight=0.5),
        "temporal": TemporalGroupLasso(strength=0.5),
    }
    print("\n### skmtl against cvxpy + CLARABEL\n")
    print(
        "| structure | loss | n | d | T | skmtl tol 1e-6 (ms) | rel. diff. "
        "| skmtl tol 1e-10 (ms) | rel. diff. | cvxpy total (ms) "
        "| CLARABEL alone (ms) | cvxpy total / skmtl 1e-6 |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    sizes = [(40, 6, 4), (100, 20, 6), (200, 50, 6), (500, 200, 10)]
    for name, structure in structures.items():
        for kind in ("squared", "logistic"):
            for n, d, T in sizes:
                X, Y, Estimator = _small_problem(kind, n, d, T, seed=d)
                loss = "squared" if kind == "squared" else "log_loss"
                alpha = skmtl_alpha_max(X, Y, penalty=structure, loss=loss) / 4
                cvxpy_times, solve_times = [], []
                for _ in range(1 + max(1, repeats // 3)):
                    start = time.perf_counter()
                    W_ref, b_ref, solve = _cvxpy_solve(cp, kind, X, Y, structure, alpha)
                    cvxpy_times.append(time.perf_counter() - start)
                    solve_times.append(solve)
                reference = _objective(kind, X, Y, structure, alpha, W_ref, b_ref)
                cells = []
                for tol in (1e-6, 1e-10):
                    model = Estimator(structure, alpha, tol=tol, max_iter=100_000)
                    times = []
                    for _ in range(repeats):
                        start = time.perf_counter()
                        fitted = clone(model).fit(X, Y)
                        times.append(time.perf_counter() - start)
                    ours = _objective(
                        kind, X, Y, structure, alpha, fitted.coef_.T, fitted.intercept_
                    )
                    cells.append(1e3 * statistics.median(times))
                    cells.append((ours - reference) / abs(reference))
                total = 1e3 * statistics.median(cvxpy_times[1:])
                solve = 1e3 * statistics.median(solve_times[1:])
                print(
                    f"| {name} | {kind} | {n} | {d} | {T} | {cells[0]:.2f} | "
                    f"{cells[1]:+.1e} | {cells[2]:.2f} | {cells[3]:+.1e} | "
                    f"{total:.0f} | {solve:.0f} | {total / cells[0]:.0f}x |"
                )


# --------------------------------------------------------------------------
# 3. predictions on a synthetic progression

N_VISITS, N_FEATURES, N_ACTIVE = 6, 40, 6


def progression_coefficients(rng):
    """Effects of the active features at each visit: a drift and one step."""
    W = np.zeros((N_FEATURES, N_VISITS))
    time_points = np.linspace(0.0, 1.0, N_VISITS)
    for j in range(N_ACTIVE):
        start = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.0)
        drift = rng.uniform(-0.5, 0.5)
        step = np.where(np.arange(N_VISITS) >= rng.integers(2, N_VISITS), 0.3, 0.0)
        W[j] = start + drift * time_points + np.sign(start) * step
    return W


def progression_data(rng, W, n_patients, dropout):
    """Baseline features and scores at each visit; later visits go missing."""
    X = rng.standard_normal((n_patients, N_FEATURES))
    Y = X @ W + rng.standard_normal((n_patients, N_VISITS))
    if dropout:
        present = np.ones(n_patients, dtype=bool)
        for visit in range(1, N_VISITS):
            present &= rng.uniform(size=n_patients) >= dropout
            Y[~present, visit] = np.nan
    return X, Y


def _candidates():
    fused = [
        FusedSparseGroupLasso(lasso_weight=lasso, fused_weight=fused)
        for lasso in (0.0, 0.2)
        for fused in (0.3, 1.0, 3.0, 10.0)
    ]
    temporal = [TemporalGroupLasso(strength=s) for s in (0.1, 0.3, 1.0, 3.0, 10.0)]
    return {
        "fused sparse group lasso": fused,
        "temporal group lasso": temporal,
        "group lasso": ["group_lasso"],
        "independent lasso": ["lasso"],
    }


def neg_mean_visit_mse(estimator, X, Y):
    """CV score: minus the mean over visits of each visit's MSE (NaN skipped).

    Every visit counts equally, as in the held-out error reported. The
    regressor's default score, R^2 averaged over the visits with their numbers
    of observed targets as weights, lets the first visits (where coupling the
    visits matters least) decide alone; averaged with equal weights
    (``task_weighting="tasks"``), the R^2 of the last visit's 4 to 7 held-out
    patients per fold is noisy enough to pick far too strong penalties (one
    seed of three, in a trial run). The MSE needs no variance of the fold.
    """
    Y = np.asarray(Y, dtype=float)
    squared = (estimator.predict(X) - Y) ** 2
    observed = ~np.isnan(Y)
    per_visit = [
        squared[observed[:, t], t].mean()
        for t in range(Y.shape[1])
        if observed[:, t].any()
    ]
    return -float(np.mean(per_visit))


def part_predict(seeds, n_train, dropout, n_jobs):
    print(
        f"\n### Held-out MSE per visit (n_train = {n_train} patients, "
        f"{dropout:.0%} drop out after each visit, {N_FEATURES} features, "
        f"{N_ACTIVE} active)\n"
    )
    results = {}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        W = progression_coefficients(rng)
        X, Y = progression_data(rng, W, n_train, dropout)
        X_test, Y_test = progression_data(rng, W, 2000, 0.0)
        observed = np.sum(~np.isnan(Y), axis=0)
        for name, penalties in _candidates().items():
            model = MultiTaskRegressorCV(
                penalty=penalties,
                alphas=20,
                cv=5,
                missing_targets="ignore",
                scoring=neg_mean_visit_mse,
                baselines=False,
                n_jobs=n_jobs,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, Y)
            error = np.mean((model.predict(X_test) - Y_test) ** 2, axis=0)
            chosen = model.penalty_
            if not isinstance(chosen, str):  # every parameter, defaults too
                params = ", ".join(f"{k}={v}" for k, v in chosen.get_params().items())
                chosen = f"{type(chosen).__name__}({params})"
            results[seed, name] = (error, chosen, model.alpha_, observed)
    names = list(_candidates())
    header = " | ".join(f"visit {t + 1}" for t in range(N_VISITS))
    print(f"| seed | model | {header} | mean | chosen |")
    print("|---|---|" + "---:|" * (N_VISITS + 1) + "---|")
    for seed in seeds:
        observed = results[seed, names[0]][3]
        counts = " | ".join(str(c) for c in observed)
        print(f"| {seed} | (training patients observed) | {counts} | | |")
        for name in names:
            error, penalty, alpha, _ = results[seed, name]
            cells = " | ".join(f"{e:.3f}" for e in error)
            print(
                f"| {seed} | {name} | {cells} | {error.mean():.3f} | "
                f"{penalty!s}, alpha={alpha:.3g} |"
            )
    print("\nRange over seeds of the mean MSE per visit (min - max):\n")
    print(f"| model | {header} | mean |")
    print("|---|" + "---:|" * (N_VISITS + 1))
    for name in names:
        errors = np.array([results[seed, name][0] for seed in seeds])
        cells = " | ".join(
            f"{low:.3f}-{high:.3f}"
            for low, high in zip(errors.min(0), errors.max(0), strict=True)
        )
        means = errors.mean(axis=1)
        print(f"| {name} | {cells} | {means.min():.3f}-{means.max():.3f} |")
    print("\nWins (lower mean MSE over the visits than both baselines):\n")
    for name in names[:2]:
        wins = [
            seed
            for seed in seeds
            if all(
                results[seed, name][0].mean() < results[seed, other][0].mean()
                for other in names[2:]
            )
        ]
        print(f"- {name}: {len(wins)} of {len(seeds)} seeds {wins}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["prox", "speed", "predict", "all"])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-train", type=int, default=150)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    part = args.part or "all"
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, skmtl "
        f"{skmtl.__version__}, {platform.machine()}, BLAS threads {args.threads}"
    )
    with threadpool_limits(args.threads):
        if part in ("prox", "all"):
            part_prox(args.repeats)
        if part in ("speed", "all"):
            part_speed(args.repeats)
        if part in ("predict", "all"):
            part_predict(args.seeds, args.n_train, args.dropout, args.n_jobs)


if __name__ == "__main__":
    main()
