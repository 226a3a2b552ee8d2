"""Disease progression: the temporal group lasso and the fused sparse group lasso.

Tasks are time points. Checked here, each from the definitions:

1. the prox of the fused sparse group lasso (1-D total variation, then soft
   thresholding, then group shrinkage): a subgradient certificate computed
   from scratch (an interval propagation, exact to rounding), agreement with
   cvxpy on the prox problem, and the vectorised result against row by row;
   its dual norm against cvxpy and against the prox;
2. fits against cvxpy + CLARABEL (squared and logistic losses) with the KKT
   conditions recomputed from the data, and ``alpha_max`` (above it every
   coefficient is zero, below it not);
3. the estimator API: scikit-learn's estimator checks, clone, pickle,
   GridSearchCV over the new parameters, both layouts, missing later targets,
   the order of the time points and the errors on bad input.
"""

import pickle
import time
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from _helpers import (
    MULTICLASS_Y_CHECKS,
    MULTIOUTPUT_REASON,
    data_term,
    loss_name,
    make_problem,
    melt,
    null_model,
)
from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from skmtl.penalties.fused import (
    fused_dual_norms,
    fused_sparse_group_prox,
    total_variation_prox,
)
from skmtl.structures import (
    FusedSparseGroupLasso,
    TemporalGroupLasso,
    make_penalty,
)

TIGHT = {"tol": 1e-12, "max_iter": 20_000}
# KKT violations relative to the largest entry of the null gradient.
KKT_RTOL = 1e-5
# (lasso_weight, fused_weight) pairs: every term alone and together.
WEIGHTS = [(0.0, 0.0), (0.3, 0.0), (0.0, 1.0), (0.2, 0.5), (1.5, 3.0)]


# --------------------------------------------------------------------------
# Helpers written from the definitions


def _omega(w, r1, r2):
    """The penalty of one row: ||w||_2 + r1 ||w||_1 + r2 sum |w_{t+1} - w_t|."""
    return np.linalg.norm(w) + r1 * np.abs(w).sum() + r2 * np.abs(np.diff(w)).sum()


def _fused_subgradient_contains(w, z, r1, r2, tol):
    """Whether ``z`` is in the subdifferential of omega at ``w != 0``, to ``tol``.

    ``z - w / ||w||`` must be ``a + D^T b`` with ``a`` a subgradient of
    ``r1 ||.||_1`` at ``w`` and ``b`` one of ``r2 ||.||_1`` at ``D w``
    (``(D^T b)_t = b_{t-1} - b_t``, ``b_{-1} = b_{T-1} = 0``). Each entry of
    ``a`` and ``b`` lies in an interval (a point where the entry is not
    zero), so the feasible values of ``b_t`` given ``b_{t-1}`` form an
    interval: propagating it from ``b_{-1} = 0`` decides feasibility exactly;
    every interval is widened by ``tol``.
    """
    r = z - w / np.linalg.norm(w)
    T = w.size

    def box(value, weight):
        return (weight * np.sign(value),) * 2 if value != 0 else (-weight, weight)

    low = high = 0.0  # the interval of b_{t-1}
    for t in range(T):
        a_low, a_high = box(w[t], r1)
        # a_t = r_t - b_{t-1} + b_t in [a_low, a_high]
        next_low, next_high = a_low - r[t] + low, a_high - r[t] + high
        if t == T - 1:  # b_{T-1} = 0
            return next_low - tol <= 0.0 <= next_high + tol
        b_low, b_high = box(w[t + 1] - w[t], r2)
        low, high = max(next_low, b_low) - tol, min(next_high, b_high) + tol
        if low > high:
            return False
    return True  # pragma: no cover (T >= 1 returns in the loop)


def _cvxpy_dual_norm(cp, g, r1, r2):
    """The dual norm of omega at ``g`` as cvxpy's min lambda problem.

    ``g = u + a + D^T b`` with ``||u|| <= lambda``, ``|a| <= r1 lambda`` and
    ``|b| <= r2 lambda``: ``g`` in lambda times the sum of the dual balls.
    """
    T = g.size
    lam, u, a = cp.Variable(), cp.Variable(T), cp.Variable(T)
    D = np.diff(np.eye(T), axis=0)
    constraints = [cp.norm(u, 2) <= lam, cp.abs(a) <= r1 * lam]
    rest = g - u - a
    if T > 1:
        b = cp.Variable(T - 1)
        constraints.append(cp.abs(b) <= r2 * lam)
        rest = rest - D.T @ b
    constraints.append(rest == 0)
    cp.Problem(cp.Minimize(lam), constraints).solve(solver="CLARABEL")
    return float(lam.value)


def _solve_quietly(problem, **options):
    with warnings.catch_warnings():
        # At tight tolerances CLARABEL may call its (good) solution inaccurate.
        warnings.simplefilter("ignore", UserWarning)
        problem.solve(solver="CLARABEL", **options)


# --------------------------------------------------------------------------
# 1. The prox and the dual norm


def _random_rows(rng, n_rows, T):
    V = rng.standard_normal((n_rows, T)) * rng.uniform(0.2, 3.0, (n_rows, 1))
    V[::4] = np.round(V[::4])  # ties: equal neighbours and zeros
    return V


@pytest.mark.parametrize("lasso_weight, fused_weight", WEIGHTS)
def test_prox_satisfies_its_optimality_conditions(lasso_weight, fused_weight):
    # P = prox(V) iff (V - P) / step is a subgradient of omega at each row of
    # P: checked from scratch, rows of 1 to 9 time points.
    rng = np.random.default_rng(0)
    for T in range(1, 10):
        V = _random_rows(rng, 30, T)
        for step in (0.05, 0.4, 1.5):
            P = fused_sparse_group_prox(V, step, lasso_weight, fused_weight)
            Z = (V - P) / step
            for p, z, v in zip(P, Z, V, strict=True):
                if np.any(p):
                    assert _fused_subgradient_contains(
                        p, z, lasso_weight, fused_weight, 1e-10
                    ), (v, step)
                else:  # a zero row: its dual norm is at most one
                    norm = fused_dual_norms(z[None], lasso_weight, fused_weight)
                    assert norm[0] <= 1 + 1e-12


@pytest.mark.parametrize("lasso_weight, fused_weight", WEIGHTS)
def test_prox_matches_cvxpy(lasso_weight, fused_weight):
    # The prox objective h(W) = 0.5 ||W - V||^2 + step omega(W) is 1-strongly
    # convex, so ||P - P*||^2 <= 2 (h(P) - h(P*)): ours is no worse than
    # CLARABEL's and within its accuracy of it.
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(1)
    for T in (2, 5, 8):
        V = _random_rows(rng, 6, T)
        step = 0.6
        P = fused_sparse_group_prox(V, step, lasso_weight, fused_weight)
        for p, v in zip(P, V, strict=True):
            w = cp.Variable(T)
            omega = (
                cp.norm(w, 2)
                + lasso_weight * cp.norm1(w)
                + fused_weight * cp.norm1(cp.diff(w))
            )
            problem = cp.Problem(
                cp.Minimize(0.5 * cp.sum_squares(w - v) + step * omega)
            )
            _solve_quietly(problem, tol_gap_abs=1e-12, tol_gap_rel=1e-12)
            ours = 0.5 * np.sum((p - v) ** 2) + step * _omega(
                p, lasso_weight, fused_weight
            )
            assert ours <= problem.value + 1e-12
            assert ours == pytest.approx(problem.value, rel=1e-8, abs=1e-12)
            gap = max(0.5 * np.sum((w.value - v) ** 2) + step * _omega(
                w.value, lasso_weight, fused_weight
            ) - ours, 0.0)  # fmt: skip
            # (plus the rounding of the two objective values)
            slack = 1e-14 * max(1.0, ours)
            assert np.linalg.norm(p - w.value) <= np.sqrt(2 * (gap + slack))


def test_total_variation_prox_is_the_fused_lasso_prox():
    # With no l1 and no group term, the composition is the total variation
    # prox alone: piecewise constant rows whose running sums of residuals
    # (the dual) stay in [-tau, tau], end at 0 and hit +-tau at each jump.
    rng = np.random.default_rng(2)
    V = _random_rows(rng, 200, 9)
    tau = rng.uniform(0.0, 2.0, 200)
    X = total_variation_prox(V, tau)
    dual = np.cumsum(X - V, axis=1)
    assert_allclose(dual[:, -1], 0.0, atol=1e-12)
    assert np.all(np.abs(dual[:, :-1]) <= tau[:, None] + 1e-12)
    jumps = np.diff(X, axis=1)
    expected = tau[:, None] * np.sign(jumps)
    assert_allclose(np.where(jumps != 0, dual[:, :-1], expected), expected, atol=1e-12)


def test_prox_vectorised_equals_row_by_row():
    rng = np.random.default_rng(3)
    V = _random_rows(rng, 300, 7)
    P = fused_sparse_group_prox(V, 0.3, 0.2, 0.7)
    rows = np.vstack([fused_sparse_group_prox(v[None], 0.3, 0.2, 0.7) for v in V])
    assert_allclose(P, rows, rtol=0, atol=1e-14)
    # Per-row thresholds of the total variation prox, row by row too.
    tau = rng.uniform(0, 2, 300)
    X = total_variation_prox(V, tau)
    one_by_one = [total_variation_prox(v[None], t) for v, t in zip(V, tau, strict=True)]
    assert_allclose(X, np.vstack(one_by_one), rtol=0, atol=1e-14)


@pytest.mark.parametrize("lasso_weight, fused_weight", WEIGHTS)
def test_dual_norm_is_exact(lasso_weight, fused_weight):
    # The prox residual (V - P) / step has dual norm exactly one where P != 0
    # (and at most one where P = 0); the dual norm is positively homogeneous
    # and agrees with cvxpy's min lambda problem.
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(4)
    V = _random_rows(rng, 100, 6)
    P = fused_sparse_group_prox(V, 0.5, lasso_weight, fused_weight)
    norms = fused_dual_norms((V - P) / 0.5, lasso_weight, fused_weight)
    nonzero = np.any(P != 0, axis=1)
    assert nonzero.any() and (~nonzero).any()
    assert_allclose(norms[nonzero], 1.0, rtol=1e-12)
    assert np.all(norms[~nonzero] <= 1 + 1e-12)
    G = V[:8]
    ours = fused_dual_norms(G, lasso_weight, fused_weight)
    assert_allclose(fused_dual_norms(3.0 * G, lasso_weight, fused_weight), 3 * ours)
    reference = [_cvxpy_dual_norm(cp, g, lasso_weight, fused_weight) for g in G]
    assert_allclose(ours, reference, rtol=1e-6)
    # Hoelder: <g, w> <= dual(g) omega(w).
    for g, norm in zip(G, ours, strict=True):
        for w in rng.standard_normal((5, 6)):
            assert g @ w <= norm * _omega(w, lasso_weight, fused_weight) * (1 + 1e-12)


def test_prox_is_fast():
    # 10,000 rows and 10 time points: well under 0.1 s (the benchmark,
    # benchmarks/bench_progression.py, measures 6 to 7.5 ms).
    V = np.random.default_rng(5).standard_normal((10_000, 10))
    fused_sparse_group_prox(V, 0.3, 0.1, 0.5)
    start = time.process_time()
    fused_sparse_group_prox(V, 0.3, 0.1, 0.5)
    assert time.process_time() - start < 0.1


# --------------------------------------------------------------------------
# 2. Fits: cvxpy, KKT conditions, alpha_max

_problem = partial(make_problem, n_samples=40, n_features=6, n_tasks=4)


def _fsgl_objective(kind, X, Y, W, b, alpha, r1, r2, l2=0.0):
    value = data_term(kind, X, Y, W, b)[0] + 0.5 * l2 * np.sum(W**2)
    return value + alpha * sum(_omega(w, r1, r2) for w in W)


def _tgl_objective(kind, X, Y, W, b, alpha, beta, l2=0.0):
    value = data_term(kind, X, Y, W, b)[0] + 0.5 * l2 * np.sum(W**2)
    return (
        value
        + alpha * np.sum(np.linalg.norm(W, axis=1))
        + beta * np.sum(np.diff(W, axis=1) ** 2)
    )


def _cvxpy_fit(cp, kind, X, Y, penalty_of):
    """Minimise the data term plus ``penalty_of(W)`` with CLARABEL."""
    n, d = X.shape
    Y = np.asarray(Y, dtype=float) if kind == "regression" else Y
    if kind != "regression":
        Y = (Y == np.unique(Y)[-1]).astype(float)  # binary tasks: the second class
    T = Y.shape[1]
    W, b = cp.Variable((d, T)), cp.Variable(T)
    Z = X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, T), order="C")
    if kind == "regression":
        data = 0.5 * cp.sum_squares(Z - Y) / n
    else:
        data = cp.sum(cp.logistic(Z) - cp.multiply(Y, Z)) / n
    problem = cp.Problem(cp.Minimize(data + penalty_of(W)))
    _solve_quietly(problem, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), problem.status
    return W.value, b.value, problem.value


def _check_fsgl_kkt(kind, X, Y, model, alpha, r1, r2):
    """The subgradient conditions of every row, from the data."""
    W = model.coef_.T
    _, G, g = data_term(kind, X, Y, W, model.intercept_)
    G = G + model.l2 * W
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    assert np.max(np.abs(g)) <= KKT_RTOL * scale  # intercepts
    tol = KKT_RTOL * scale / alpha
    zero_rows = 0
    for w, gradient in zip(W, G, strict=True):
        z = -gradient / alpha
        if np.any(w):
            assert _fused_subgradient_contains(w, z, r1, r2, tol)
        else:
            zero_rows += 1
            assert fused_dual_norms(z[None], r1, r2)[0] <= 1 + tol
    return zero_rows


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize(
    "lasso_weight, fused_weight, l2", [(0.2, 0.5, 0.0), (0.5, 2.0, 0.1)]
)
def test_fused_fit_matches_cvxpy(kind, lasso_weight, fused_weight, l2):
    cp = pytest.importorskip("cvxpy")
    X, Y, Estimator = _problem(kind, 0)
    penalty = FusedSparseGroupLasso(lasso_weight, fused_weight)
    alpha = alpha_max(X, Y, penalty=penalty, loss=loss_name(kind)) / 4
    model = Estimator(penalty, alpha, l2=l2, **TIGHT).fit(X, Y)
    assert model.converged_
    zero_rows = _check_fsgl_kkt(kind, X, Y, model, alpha, lasso_weight, fused_weight)
    assert 0 < zero_rows < X.shape[1]  # both kinds of rows are checked
    assert np.any(np.diff(model.coef_, axis=0)[:, np.any(model.coef_, axis=0)] == 0)

    def penalty_of(W):
        omega = (
            cp.sum(cp.norm(W, 2, axis=1))
            + lasso_weight * cp.sum(cp.abs(W))
            + fused_weight * cp.sum(cp.abs(W[:, 1:] - W[:, :-1]))
        )
        return alpha * omega + 0.5 * l2 * cp.sum_squares(W)

    W, b, optimum = _cvxpy_fit(cp, kind, X, Y, penalty_of)
    ours = _fsgl_objective(
        kind, X, Y, model.coef_.T, model.intercept_, alpha, lasso_weight,
        fused_weight, l2,
    )  # fmt: skip
    reference = _fsgl_objective(kind, X, Y, W, b, alpha, lasso_weight, fused_weight, l2)
    assert ours == pytest.approx(reference, rel=1e-6)
    assert ours == pytest.approx(optimum, rel=1e-6)
    assert ours <= reference + 1e-9
    assert model.objective_ == pytest.approx(ours, rel=1e-9)
    assert_allclose(model.coef_, W.T, atol=1e-4 * np.max(np.abs(W)))


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize("beta, l2", [(0.3, 0.0), (2.0, 0.05)])
def test_temporal_fit_matches_cvxpy(kind, beta, l2):
    cp = pytest.importorskip("cvxpy")
    X, Y, Estimator = _problem(kind, 1)
    penalty = TemporalGroupLasso(strength=beta)
    alpha = alpha_max(X, Y, penalty=penalty, loss=loss_name(kind)) / 2
    model = Estimator(penalty, alpha, l2=l2, **TIGHT).fit(X, Y)
    assert model.converged_

    def penalty_of(W):
        return (
            alpha * cp.sum(cp.norm(W, 2, axis=1))
            + beta * cp.sum_squares(W[:, 1:] - W[:, :-1])
            + 0.5 * l2 * cp.sum_squares(W)
        )

    W, b, optimum = _cvxpy_fit(cp, kind, X, Y, penalty_of)
    ours = _tgl_objective(kind, X, Y, model.coef_.T, model.intercept_, alpha, beta, l2)
    assert ours == pytest.approx(optimum, rel=1e-6)
    assert ours <= _tgl_objective(kind, X, Y, W, b, alpha, beta, l2) + 1e-9
    assert model.objective_ == pytest.approx(ours, rel=1e-9)
    # KKT: -(G + 2 beta W L) is alpha W_j / ||W_j|| on the nonzero rows and of
    # norm at most alpha on the zero rows (L the Laplacian of the chain).
    W = model.coef_.T
    _, G, _ = data_term(kind, X, Y, W, model.intercept_)
    chain = np.diff(np.eye(W.shape[1]), axis=0)
    G = G + l2 * W + 2 * beta * W @ chain.T @ chain
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    norms = np.linalg.norm(W, axis=1)
    nonzero = norms > 0
    assert 0 < nonzero.sum() < W.shape[0]
    residual = G[nonzero] + alpha * W[nonzero] / norms[nonzero, None]
    assert np.max(np.abs(residual)) <= KKT_RTOL * scale
    assert np.max(np.linalg.norm(G[~nonzero], axis=1)) <= alpha + KKT_RTOL * scale


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize(
    "penalty",
    [FusedSparseGroupLasso(0.2, 0.5), FusedSparseGroupLasso(0.0, 2.0),
     TemporalGroupLasso(1.0)],
    ids=["fsgl", "fused-group", "tgl"],
)  # fmt: skip
def test_alpha_max(kind, penalty):
    X, Y, Estimator = _problem(kind, 2)
    a_max = alpha_max(X, Y, penalty=penalty, loss=loss_name(kind))
    G = null_model(kind, X, Y)[1]
    if isinstance(penalty, TemporalGroupLasso):  # the smooth term: no change
        expected = np.max(np.linalg.norm(G, axis=1))
    else:  # the largest row dual norm, from cvxpy's min lambda problem
        cp = pytest.importorskip("cvxpy")
        expected = max(
            _cvxpy_dual_norm(cp, g, penalty.lasso_weight, penalty.fused_weight)
            for g in G
        )
    assert a_max == pytest.approx(expected, rel=1e-6)
    above = Estimator(penalty, a_max * (1 + 1e-9)).fit(X, Y)
    assert not np.any(above.coef_)
    below = Estimator(penalty, a_max * (1 - 1e-4), tol=1e-14).fit(X, Y)
    assert np.any(below.coef_)


# --------------------------------------------------------------------------
# 3. The estimators: checks, clone, pickle, grid search, layouts


def _expected_failed_checks(estimator):
    if not isinstance(estimator, MultiTaskClassifier):
        return {}
    # A fit on a multi-class y gives one task several columns: both
    # penalties compare a task's column with the next, so that is a
    # ValueError by design (test_multiclass_tasks_are_refused); the binary
    # case is test_classifier_binary_tasks_per_time_point.
    reason = "one coefficient column per task (time point) is required"
    expected = dict.fromkeys(MULTICLASS_Y_CHECKS, reason)
    if isinstance(estimator.penalty, FusedSparseGroupLasso):
        # These two accept any error that mentions "sparse", and this one's
        # names its class; test_classifier_binary_tasks_per_time_point fits
        # sparse X.
        del expected["check_estimator_sparse_array"]
        del expected["check_estimator_sparse_matrix"]
    expected["check_classifier_multioutput"] = MULTIOUTPUT_REASON
    return expected


# The classifier with the fused penalty only: most of its checks fit a
# multi-class y (expected failures), and a TemporalGroupLasso enters the
# classifier exactly as the TaskGraph of test_structures_api.py does.
CHECKED = [
    MultiTaskRegressor(penalty=FusedSparseGroupLasso(), tol=1e-12),
    MultiTaskRegressor(penalty=TemporalGroupLasso(), tol=1e-12),
    MultiTaskClassifier(penalty=FusedSparseGroupLasso(), tol=1e-10),
]


@parametrize_with_checks(
    CHECKED, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _progression(seed=0, n=60, d=8, T=5, dropout=0.0):
    """Scores at T visits from slowly changing effects of d features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    base = np.zeros(d)
    base[:3] = [1.5, -1.0, 0.8]
    W = base[:, None] + np.outer(base, np.linspace(0, 0.5, T))
    Y = X @ W + 0.5 * rng.standard_normal((n, T))
    if dropout:
        present = np.ones(n, dtype=bool)
        for t in range(1, T):
            present &= rng.uniform(size=n) > dropout
            Y[~present, t] = np.nan
    return X, Y


@pytest.mark.parametrize(
    "penalty, grid",
    [
        (FusedSparseGroupLasso(), {"penalty__lasso_weight": [0.0, 0.5],
                                   "penalty__fused_weight": [0.1, 2.0]}),
        (TemporalGroupLasso(), {"penalty__strength": [0.0, 1.0, 10.0]}),
    ],
    ids=["fsgl", "tgl"],
)  # fmt: skip
def test_grid_search_clone_and_pickle(penalty, grid):
    X, Y = _progression()
    estimator = MultiTaskRegressor(penalty=penalty, alpha=0.05)
    search = GridSearchCV(estimator, grid, cv=KFold(3, shuffle=True, random_state=0))
    search.fit(X, Y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and len(set(np.round(scores, 10))) > 1
    best = search.best_estimator_
    assert best.penalty is not penalty
    assert penalty.get_params() == type(penalty)().get_params()  # untouched
    direct = MultiTaskRegressor(
        penalty=clone(penalty).set_params(
            **{key.split("__")[1]: value for key, value in search.best_params_.items()}
        ),
        alpha=0.05,
    ).fit(X, Y)
    assert_allclose(best.coef_, direct.coef_)
    restored = pickle.loads(pickle.dumps(best))
    assert_array_equal(restored.predict(X), best.predict(X))
    cloned = clone(best)
    assert cloned.penalty.get_params() == best.penalty.get_params()


def test_names_and_nested_parameters():
    assert type(make_penalty("fused_sparse_group_lasso")) is FusedSparseGroupLasso
    assert type(make_penalty("temporal_group_lasso")) is TemporalGroupLasso
    X, Y = _progression()
    by_name = MultiTaskRegressor("fused_sparse_group_lasso", alpha=0.05).fit(X, Y)
    by_object = MultiTaskRegressor(FusedSparseGroupLasso(), alpha=0.05).fit(X, Y)
    assert_array_equal(by_name.coef_, by_object.coef_)
    est = MultiTaskRegressor(FusedSparseGroupLasso(order=[4, 3, 2, 1, 0]))
    assert est.get_params()["penalty__order"] == [4, 3, 2, 1, 0]


@pytest.mark.parametrize(
    "penalty", [FusedSparseGroupLasso(0.1, 1.0), TemporalGroupLasso(1.0)],
    ids=["fsgl", "tgl"],
)  # fmt: skip
def test_layouts_and_missing_later_targets(penalty):
    # Patients drop out: later visits are missing. The shared layout with
    # NaN targets and the task-column layout of the observed rows are the
    # same objective.
    X, Y = _progression(seed=1, n=80, dropout=0.3)
    assert np.isnan(Y[:, -1]).mean() > 0.5
    shared = MultiTaskRegressor(
        penalty, alpha=0.03, missing_targets="ignore", **TIGHT
    ).fit(X, Y)
    rows, y = melt(X, Y)
    observed = ~np.isnan(y)
    task_rows = MultiTaskRegressor(
        penalty, alpha=0.03, task_column=X.shape[1], **TIGHT
    ).fit(rows[observed], y[observed])
    assert_allclose(task_rows.coef_, shared.coef_, atol=1e-7)
    assert_allclose(task_rows.intercept_, shared.intercept_, atol=1e-7)
    assert np.any(shared.coef_)


@pytest.mark.parametrize(
    "penalty", [FusedSparseGroupLasso(0.1, 1.0), TemporalGroupLasso(0.5)],
    ids=["fsgl", "tgl"],
)  # fmt: skip
def test_classifier_binary_tasks_per_time_point(penalty):
    X, Y = _progression(seed=2, n=120, dropout=0.2)
    labels = np.where(np.isnan(Y), np.nan, (Y > 0).astype(float))
    clf = MultiTaskClassifier(penalty, alpha=0.02, missing_targets="ignore")
    clf.fit(X, labels)
    assert clf.converged_ and clf.coef_.shape == (5, 8)
    observed = ~np.isnan(labels)
    accuracy = np.mean(clf.predict(X)[observed] == labels[observed])
    assert accuracy > 0.8
    rows, y = melt(X, labels)
    keep = ~np.isnan(y)
    by_rows = MultiTaskClassifier(penalty, alpha=0.02, task_column=8, **TIGHT)
    shared = clone(clf).set_params(**TIGHT).fit(X, labels)
    assert_allclose(by_rows.fit(rows[keep], y[keep]).coef_, shared.coef_, atol=1e-6)
    sparse = clone(shared).fit(sp.csr_matrix(X), labels)
    assert_allclose(sparse.coef_, shared.coef_, atol=1e-6)


def test_order_of_the_time_points():
    # Columns given in reverse time order with order=... is the same model
    # as the columns in time order.
    X, Y = _progression(seed=3)
    names = [f"month_{6 * t}" for t in range(5)]
    in_order = pd.DataFrame(Y, columns=names)
    reverse = in_order[names[::-1]]
    for penalty in (FusedSparseGroupLasso(0.1, 1.0), TemporalGroupLasso(1.0)):
        fit = MultiTaskRegressor(penalty, alpha=0.05, **TIGHT).fit(X, in_order)
        ordered = clone(penalty).set_params(order=names)
        refit = MultiTaskRegressor(ordered, alpha=0.05, **TIGHT).fit(X, reverse)
        assert_allclose(refit.coef_[::-1], fit.coef_, atol=1e-8)
        # Without order, the reversed labels are an error (their numbers
        # say they are out of order), not a silently different model.
        with pytest.raises(ValueError, match="out of order"):
            MultiTaskRegressor(penalty, alpha=0.05).fit(X, reverse)


def test_task_column_labels_sorted_as_strings_need_an_order():
    X, Y = _progression(seed=4, T=3)
    rows, y = melt(X, Y)
    frame = pd.DataFrame(rows[:, :-1], columns=[f"x{j}" for j in range(8)])
    frame["visit"] = np.array(["m6", "m12", "m24"])[rows[:, -1].astype(int)]
    model = MultiTaskRegressor(FusedSparseGroupLasso(), task_column="visit")
    with pytest.raises(ValueError, match="order=\\[...\\]"):
        model.fit(frame, y)
    model.set_params(penalty__order=["m6", "m12", "m24"]).fit(frame, y)
    assert model.tasks_.tolist() == ["m12", "m24", "m6"]


@pytest.mark.parametrize("Penalty", [FusedSparseGroupLasso, TemporalGroupLasso])
@pytest.mark.parametrize(
    "order, message",
    [
        ([0, 1, 1, 2, 3], "twice"),
        ([0, 1, 2, 3, 7], "not among the fitted tasks"),
        ([0, 1, 2, 3], "leaves out the tasks"),
        ("0,1,2,3,4", "list of the task labels"),
    ],
)
def test_bad_orders_are_clear_errors(Penalty, order, message):
    X, Y = _progression(seed=5)
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor(Penalty(order=order)).fit(X, Y)


@pytest.mark.parametrize(
    "penalty, message",
    [
        (FusedSparseGroupLasso(lasso_weight=-1.0), "lasso_weight must be"),
        (FusedSparseGroupLasso(fused_weight=np.inf), "fused_weight must be"),
        (FusedSparseGroupLasso(fused_weight="big"), "fused_weight must be"),
        (TemporalGroupLasso(strength=-0.5), "strength must be"),
        (TemporalGroupLasso(strength=np.inf), "strength must be"),
    ],
)
def test_bad_weights_are_clear_errors(penalty, message):
    X, Y = _progression(seed=6)
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor(penalty).fit(X, Y)


@pytest.mark.parametrize("Penalty", [FusedSparseGroupLasso, TemporalGroupLasso])
def test_multiclass_tasks_are_refused(Penalty):
    X, Y = _progression(seed=7, T=3)
    labels = np.digitize(Y, [-1.0, 1.0])  # three classes per time point
    with pytest.raises(ValueError, match="one coefficient column per task"):
        MultiTaskClassifier(Penalty()).fit(X, labels)
