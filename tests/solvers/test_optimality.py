"""Optimality of the fitted models, checked independently of the solver.

Every check here recomputes what it needs from the data and the fitted
attributes (``coef_``, ``intercept_``): the gradient of the objective, the
subgradient (KKT) conditions, a dual point and the duality gap, the value of
``alpha_max``. Solutions are also compared with scikit-learn where the
objectives coincide and with cvxpy (CLARABEL) on small problems.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression, MultiTaskLasso, Ridge

from _helpers import (
    data_term,
    dual_norm,
    encode,
    kkt_violations,
    loss_name,
    make_problem,
    normalised_weights,
    null_intercept,
    null_model,
    penalty_value,
)
from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max

PENALTIES = ["group_lasso", "trace_norm", "lasso", "ridge"]
NORM_PENALTIES = ["group_lasso", "trace_norm", "lasso"]
# "regression": squared loss; "binary": classifier with only binary tasks;
# "mixed": classifier with a 3-class task followed by a binary task.
PROBLEMS = ["regression", "binary", "mixed"]

# A duality gap eps only controls the gradient to O(sqrt(eps)): fit tightly so
# that the KKT conditions hold to KKT_RTOL with a wide margin.
# (Correct fits take a few hundred iterations: a low max_iter makes a broken
# solver fail fast.)
TIGHT = {"tol": 1e-13, "max_iter": 5_000}
# KKT violations, relative to the largest entry of the gradient at the null
# model (about alpha_max), that a correct solution must not exceed.
KKT_RTOL = 1e-5
RIDGE_ALPHA = 0.05


# --------------------------------------------------------------------------
# The objective, from the data term and penalties written from scratch in
# tests/_helpers.py (data: its make_problem)


def _objective(kind, penalty, alpha, X, Y, coef, intercept, sample_weight=None):
    """Objective of the docstrings at (coef, intercept)."""
    data = data_term(kind, X, Y, coef.T, intercept, sample_weight)[0]
    return float(data + alpha * penalty_value(penalty, coef.T))


def _null_objective(kind, X, Y, fit_intercept, sample_weight=None):
    """Objective of the null model (W = 0, best intercepts)."""
    return null_model(kind, X, Y, sample_weight, fit_intercept)[0]


def _fitted_objective(kind, penalty, alpha, model, X, Y, sample_weight=None):
    return _objective(
        kind, penalty, alpha, X, Y, model.coef_, model.intercept_, sample_weight
    )


# --------------------------------------------------------------------------
# KKT conditions


def _kkt_violations(penalty, alpha, W, G, grad_intercept, fit_intercept, scale):
    """Largest violation of each optimality condition, relative to ``scale``.

    ``W`` (n_features, C) are the coefficients, ``G`` the gradient of the data
    term in ``W`` and ``grad_intercept`` that in the intercepts. The
    conditions are ``0 in G + alpha * subdifferential(Omega)(W)`` and, with
    intercepts, ``grad_intercept = 0``. Violations are in units of the gradient,
    divided by ``scale`` (the size of the gradient at the null model).
    """
    stationarity, excess, structure = kkt_violations(penalty, alpha, W, G)
    out = {
        "intercept": 0.0,
        "stationarity": stationarity / scale,
        "dual_norm_excess": excess / scale,
    }
    if fit_intercept:
        out["intercept"] = np.max(np.abs(grad_intercept)) / scale
    if penalty == "trace_norm":
        out["rank"] = structure
    return out


def _assert_kkt(violations, rtol=KKT_RTOL):
    assert violations["intercept"] <= rtol, violations
    assert violations["stationarity"] <= rtol, violations
    assert violations["dual_norm_excess"] <= rtol, violations


def _check_kkt(kind, penalty, alpha, model, X, Y, sample_weight=None, rtol=KKT_RTOL):
    """Assert the KKT conditions of a fitted model; return the violations."""
    W = model.coef_.T
    _, G, g = data_term(kind, X, Y, W, model.intercept_, sample_weight)
    _, G0 = null_model(kind, X, Y, sample_weight, model.fit_intercept)
    violations = _kkt_violations(
        penalty, alpha, W, G, g, model.fit_intercept, np.max(np.abs(G0))
    )
    _assert_kkt(violations, rtol)
    return violations


def _fit_alpha(kind, penalty, X, Y, fit_intercept, divisor=3.0):
    if penalty == "ridge":
        return RIDGE_ALPHA
    a_max = alpha_max(
        X, Y, penalty=penalty, loss=loss_name(kind), fit_intercept=fit_intercept
    )
    return a_max / divisor


# --------------------------------------------------------------------------
# 1. KKT conditions


def _kkt_setup(penalty, kind, fit_intercept, seed):
    """Data and alpha with non-trivial structure at the solution.

    The trace norm gets low-rank data with 4 tasks and a larger alpha so that
    the solution is rank deficient.
    """
    low_rank = penalty == "trace_norm"
    X, Y, Estimator = make_problem(
        kind, seed, n_tasks=4 if low_rank else 3, low_rank=low_rank
    )
    alpha = _fit_alpha(
        kind, penalty, X, Y, fit_intercept, divisor=2.0 if low_rank else 3.0
    )
    return X, Y, Estimator, alpha


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_kkt_conditions(penalty, kind, fit_intercept, seed):
    X, Y, Estimator, alpha = _kkt_setup(penalty, kind, fit_intercept, seed)
    model = Estimator(penalty, alpha, fit_intercept=fit_intercept, **TIGHT).fit(X, Y)
    assert model.converged_
    if not fit_intercept:
        assert np.all(model.intercept_ == 0)
    W = model.coef_.T
    assert np.any(W != 0), "alpha too large: the solution is all zero"

    violations = _check_kkt(kind, penalty, alpha, model, X, Y)

    # The structure is non-trivial (some zeros, or rank deficiency, and some
    # nonzeros) so that both branches of the conditions are exercised.
    if penalty == "group_lasso":
        assert 0 < np.sum(np.linalg.norm(W, axis=1) > 0) < W.shape[0]
    elif penalty == "lasso":
        assert 0 < np.count_nonzero(W) < W.size
    elif penalty == "trace_norm":
        assert 0 < violations["rank"] < min(W.shape)

    # The reported objective is the objective of the docstring.
    expected = _objective(kind, penalty, alpha, X, Y, model.coef_, model.intercept_)
    assert model.objective_ == pytest.approx(expected, rel=1e-9)
    # The stopping rule: a duality gap, except for a multinomial task with
    # intercepts (no cheap dual point) where the relative residual is used.
    if kind == "mixed" and fit_intercept:
        assert np.isnan(model.dual_gap_)
        assert model.optimality_residual_ <= TIGHT["tol"]
    else:
        null_objective = _null_objective(kind, X, Y, fit_intercept)
        # (>= 0 up to rounding: the gap is not clipped.)
        assert -1e-12 <= model.dual_gap_ <= TIGHT["tol"] * null_objective


@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_kkt_check_rejects_suboptimal_points(penalty, kind):
    """The KKT check can fail: it rejects slightly perturbed solutions."""
    X, Y, Estimator, alpha = _kkt_setup(penalty, kind, True, 0)
    model = Estimator(penalty, alpha, **TIGHT).fit(X, Y)
    _check_kkt(kind, penalty, alpha, model, X, Y)
    coef, intercept = model.coef_.copy(), model.intercept_.copy()

    def assert_rejected(coef, intercept, alpha=alpha):
        model.coef_, model.intercept_ = coef, intercept
        with pytest.raises(AssertionError):
            _check_kkt(kind, penalty, alpha, model, X, Y)

    # Scaling keeps the zeros, the signs and the singular vectors.
    assert_rejected(1.001 * coef, intercept)
    assert_rejected(coef, intercept + 1e-3)
    # The solution of another alpha.
    assert_rejected(coef, intercept, alpha=1.01 * alpha)
    if penalty != "ridge":
        # A coefficient that should be zero (or a rank that should be lower).
        _, G, _ = data_term(kind, X, Y, coef.T, intercept)
        W = coef.T.copy()
        if penalty == "trace_norm":
            U, s, Vt = np.linalg.svd(W, full_matrices=False)
            W = W + 1e-4 * s[0] * np.outer(U[:, -1], Vt[-1])
        else:
            j, t = np.unravel_index(np.argmin(np.abs(W) + (W != 0) * 1e9), W.shape)
            W[j, t] = 1e-4 * np.max(np.abs(W))
        assert_rejected(W.T, intercept)


def test_kkt_sparse_design():
    """Sparse X reaches the same optimality (the centring is implicit)."""
    X, Y, _ = make_problem("regression", 3)
    X[np.abs(X) < 0.8] = 0.0
    alpha = _fit_alpha("regression", "group_lasso", X, Y, True)
    model = MultiTaskRegressor("group_lasso", alpha, **TIGHT).fit(sp.csr_matrix(X), Y)
    _check_kkt("regression", "group_lasso", alpha, model, X, Y)


@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", ["group_lasso", "ridge"])
def test_kkt_with_sample_weight(penalty, kind):
    X, Y, Estimator = make_problem(kind, 4)
    sample_weight = np.random.default_rng(4).uniform(0.2, 3.0, size=X.shape[0])
    alpha = RIDGE_ALPHA
    if penalty != "ridge":
        alpha = alpha_max(
            X, Y, penalty=penalty, loss=loss_name(kind), sample_weight=sample_weight
        )
        alpha /= 3
    model = Estimator(penalty, alpha, **TIGHT).fit(X, Y, sample_weight=sample_weight)
    _check_kkt(kind, penalty, alpha, model, X, Y, sample_weight)
    expected = _objective(
        kind, penalty, alpha, X, Y, model.coef_, model.intercept_, sample_weight
    )
    assert model.objective_ == pytest.approx(expected, rel=1e-9)


# --------------------------------------------------------------------------
# 2. Duality gap of the squared loss, computed from scratch


def _squared_loss_gap(penalty, alpha, X, Y, coef, intercept, fit_intercept, w):
    """Primal and dual objectives at the dual point built from the residual.

    With normalised weights ``w`` (summing to one), the primal is
    ``P = 1/2 sum_i w_i ||y_i - W^T x_i - b||^2 + alpha Omega(W)`` and for a
    dual variable ``theta`` (n, T) (with ``sum_i w_i theta_i = 0`` when
    intercepts are fitted),

    ``D = sum_i w_i (<y_i, theta_i> - 1/2 ||theta_i||^2) - (alpha Omega)^*(X^T
    diag(w) theta)``

    where the conjugate is the indicator of the dual-norm ball of radius
    ``alpha`` for a norm and ``||.||_F^2 / (2 alpha)`` for ridge.
    """
    residual = Y - (np.asarray(X @ coef.T) + intercept)
    primal = 0.5 * w @ np.sum(residual**2, axis=1) + alpha * penalty_value(
        penalty, coef.T
    )
    theta = residual
    if fit_intercept:
        theta = theta - w @ theta
    G = np.asarray(X.T @ (w[:, None] * theta))
    if penalty == "ridge":
        conjugate = np.sum(G**2) / (2 * alpha)
    else:
        theta = theta * min(1.0, alpha / dual_norm(penalty, G))
        conjugate = 0.0
    dual = w @ (np.sum(Y * theta, axis=1) - 0.5 * np.sum(theta**2, axis=1))
    return primal, dual - conjugate


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", PENALTIES)
def test_duality_gap_squared_loss(penalty, fit_intercept, weighted):
    X, Y, _ = make_problem("regression", 5)
    n = X.shape[0]
    sample_weight = None
    if weighted:
        sample_weight = np.random.default_rng(5).uniform(0.1, 2.0, size=n)
    w = normalised_weights(n, sample_weight)
    if penalty == "ridge":
        alpha = RIDGE_ALPHA
    else:
        alpha = alpha_max(
            X, Y, penalty=penalty, fit_intercept=fit_intercept,
            sample_weight=sample_weight,
        )  # fmt: skip
        alpha /= 3
    # Null objective: W = 0 and the best intercepts.
    b0 = (w @ Y) if fit_intercept else np.zeros(Y.shape[1])
    null_objective = 0.5 * w @ np.sum((Y - b0) ** 2, axis=1)

    # A tight fit certifies the optimum to 1e-12 with our own dual point.
    reference = MultiTaskRegressor(
        penalty, alpha, fit_intercept=fit_intercept, **TIGHT
    ).fit(X, Y, sample_weight=sample_weight)
    ref_primal, ref_dual = _squared_loss_gap(
        penalty, alpha, X, Y, reference.coef_, reference.intercept_, fit_intercept, w
    )
    assert -1e-12 <= ref_primal - ref_dual <= 1e-12 * max(1.0, null_objective)

    for tol in (1e-4, 1e-8):
        model = MultiTaskRegressor(
            penalty, alpha, fit_intercept=fit_intercept, tol=tol, max_iter=5_000
        ).fit(X, Y, sample_weight=sample_weight)
        assert model.converged_
        primal, dual = _squared_loss_gap(
            penalty, alpha, X, Y, model.coef_, model.intercept_, fit_intercept, w
        )
        gap = primal - dual
        # Weak duality, up to rounding.
        assert gap >= -1e-12
        assert primal == pytest.approx(model.objective_, rel=1e-10)
        # The reported gap is that of a (possibly earlier, better) dual point.
        assert 0 <= model.dual_gap_ <= tol * null_objective
        assert model.dual_gap_ <= gap + 1e-12
        # ... and the final point's own gap is small too.
        assert gap <= 10 * tol * null_objective
        # The suboptimality is at most the reported gap.
        assert primal - ref_dual <= tol * null_objective + 1e-12
        assert ref_primal <= primal + 1e-12


# --------------------------------------------------------------------------
# 3. Agreement with scikit-learn where the objectives coincide


def _maybe_sparse(X, sparse):
    return sp.csr_matrix(X) if sparse else X


def _assert_coef_close(actual, expected, rtol=1e-6):
    """Coefficients equal up to ``rtol`` times the largest coefficient."""
    scale = max(np.max(np.abs(expected)), 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_group_lasso_matches_sklearn_multitask_lasso(sparse, fit_intercept, seed):
    X, Y, _ = make_problem("regression", seed)  # features with nonzero means
    if sparse:
        X[np.abs(X) < 0.7] = 0.0
    alpha = _fit_alpha("regression", "group_lasso", X, Y, fit_intercept)
    Xs = _maybe_sparse(X, sparse)
    ours = MultiTaskRegressor(
        "group_lasso", alpha, fit_intercept=fit_intercept, **TIGHT
    ).fit(Xs, Y)
    ref = MultiTaskLasso(
        alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=1_000_000
    ).fit(Xs, Y)
    assert 0 < np.count_nonzero(np.any(ref.coef_ != 0, axis=0)) < X.shape[1]
    _assert_coef_close(ours.coef_, ref.coef_)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-6)
    # Same support exactly.
    np.testing.assert_array_equal(
        np.any(ours.coef_ != 0, axis=0), np.any(ref.coef_ != 0, axis=0)
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_lasso_single_task_matches_sklearn_lasso(sparse, fit_intercept, weighted):
    X, Y, _ = make_problem("regression", 2)
    y = Y[:, 0]
    sample_weight = None
    if weighted:
        sample_weight = np.random.default_rng(2).uniform(0.1, 2.0, size=len(y))
    alpha = (
        alpha_max(
            X, y, penalty="lasso", fit_intercept=fit_intercept,
            sample_weight=sample_weight,
        )
        / 4
    )  # fmt: skip
    Xs = _maybe_sparse(X, sparse)
    ours = MultiTaskRegressor("lasso", alpha, fit_intercept=fit_intercept, **TIGHT)
    ours.fit(Xs, y, sample_weight=sample_weight)
    ref = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=10**6)
    ref.fit(Xs, y, sample_weight=sample_weight)
    assert 0 < np.count_nonzero(ref.coef_) < X.shape[1]
    _assert_coef_close(np.ravel(ours.coef_), ref.coef_)
    np.testing.assert_allclose(
        np.ravel(ours.intercept_), np.ravel(ref.intercept_), rtol=0, atol=1e-6
    )
    np.testing.assert_array_equal(np.ravel(ours.coef_) != 0, ref.coef_ != 0)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_ridge_matches_sklearn_ridge(sparse, fit_intercept, weighted):
    """sklearn's Ridge minimises sum_i s_i r_i^2 + a ||W||^2: a = alpha sum(s)."""
    X, Y, _ = make_problem("regression", 3)
    n = X.shape[0]
    sample_weight = np.ones(n)
    if weighted:
        sample_weight = np.random.default_rng(3).uniform(0.1, 2.0, size=n)
    alpha = 0.3
    Xs = _maybe_sparse(X, sparse)
    ours = MultiTaskRegressor("ridge", alpha, fit_intercept=fit_intercept, **TIGHT)
    ours.fit(Xs, Y, sample_weight=sample_weight if weighted else None)
    ref = Ridge(alpha=alpha * sample_weight.sum(), fit_intercept=fit_intercept)
    ref.set_params(tol=1e-14).fit(Xs, Y, sample_weight=sample_weight)
    _assert_coef_close(ours.coef_, ref.coef_)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-6)


def _logistic_reference(X, y, alpha, fit_intercept, sample_weight):
    """sklearn's 0.5 ||W||^2 + C sum_i s_i loss_i with C = 1 / (alpha sum(s))."""
    n = X.shape[0]
    total = n if sample_weight is None else np.sum(sample_weight)
    ref = LogisticRegression(
        C=1.0 / (alpha * total), fit_intercept=fit_intercept, tol=1e-12,
        max_iter=100_000,
    )  # fmt: skip
    with warnings.catch_warnings():
        # lbfgs may stop on a line-search failure at a tolerance this tight.
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y, sample_weight=sample_weight)
    return ref


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_ridge_matches_sklearn_logistic(n_classes, fit_intercept, weighted):
    X, Y, _ = make_problem("mixed" if n_classes == 3 else "binary", 6, n_samples=80)
    y = Y[:, 0]
    assert len(np.unique(y)) == n_classes
    sample_weight = None
    if weighted:
        sample_weight = np.random.default_rng(6).uniform(0.1, 2.0, size=len(y))
    alpha = 0.02
    ours = MultiTaskClassifier("ridge", alpha, fit_intercept=fit_intercept, **TIGHT)
    ours.fit(X, y, sample_weight=sample_weight)
    ref = _logistic_reference(X, y, alpha, fit_intercept, sample_weight)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    # With a ridge penalty the multinomial coefficients are unique (their
    # class-sum is zero); the intercepts are unique up to a common shift.
    _assert_coef_close(ours.coef_, ref.coef_, rtol=1e-5)
    if n_classes == 2:
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    else:
        np.testing.assert_allclose(ours.coef_.sum(axis=0), 0, atol=1e-7)
        np.testing.assert_allclose(
            np.diff(ours.intercept_), np.diff(ref.intercept_), atol=1e-5
        )
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6
    )
    # Ours is at least as good on the shared objective.
    kind = "binary" if n_classes == 2 else "mixed"
    ref_intercept = ref.intercept_ if fit_intercept else np.zeros(len(ref.coef_))
    ours_obj = _objective(
        kind, "ridge", alpha, X, y[:, None], ours.coef_, ours.intercept_, sample_weight
    )
    ref_obj = _objective(
        kind, "ridge", alpha, X, y[:, None], ref.coef_, ref_intercept, sample_weight
    )
    assert ours_obj <= ref_obj + 1e-10


# --------------------------------------------------------------------------
# 4. Agreement with cvxpy


def _cvxpy_solution(kind, penalty, alpha, X, Y, sample_weight=None):
    """Solve the documented objective (with intercepts) with cvxpy + CLARABEL."""
    cp = pytest.importorskip("cvxpy")
    T, blocks, _ = encode(kind, Y)
    n, d = X.shape
    w = normalised_weights(n, sample_weight)
    W = cp.Variable((d, T.shape[1]))
    b = cp.Variable(T.shape[1])
    Z = X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, T.shape[1]), order="C")
    data = 0
    for cols, name in blocks:
        Zc, Tc = Z[:, cols], T[:, cols]
        if name == "squared":
            data += 0.5 * cp.sum(cp.sum_squares(Zc - Tc, axis=1) @ w)
        elif name == "logistic":
            data += cp.sum(w @ (cp.logistic(Zc) - cp.multiply(Tc, Zc)))
        else:
            per_sample = cp.log_sum_exp(Zc, axis=1) - cp.sum(cp.multiply(Tc, Zc), 1)
            data += w @ per_sample
    if penalty == "group_lasso":
        omega = cp.sum(cp.norm(W, 2, axis=1))
    elif penalty == "trace_norm":
        omega = cp.normNuc(W)
    elif penalty == "lasso":
        omega = cp.sum(cp.abs(W))
    else:
        omega = 0.5 * cp.sum_squares(W)
    problem = cp.Problem(cp.Minimize(data + alpha * omega))
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
    # At these tolerances CLARABEL sometimes stops one step short and says
    # "inaccurate" (it flips with the last bit of alpha); its solution is still
    # far more accurate than the 1e-6 the comparison below needs.
    assert problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), problem.status
    return W.value.T, b.value


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_matches_cvxpy(penalty, kind, weighted):
    X, Y, Estimator = make_problem(kind, 7, n_samples=40, n_features=6, n_tasks=3)
    sample_weight = None
    if weighted:
        sample_weight = np.random.default_rng(7).uniform(0.2, 2.0, size=X.shape[0])
    if penalty == "ridge":
        alpha = RIDGE_ALPHA
    else:
        alpha = alpha_max(
            X, Y, penalty=penalty, loss=loss_name(kind), sample_weight=sample_weight
        )
        alpha /= 3
    model = Estimator(penalty, alpha, **TIGHT).fit(X, Y, sample_weight=sample_weight)
    coef, intercept = _cvxpy_solution(kind, penalty, alpha, X, Y, sample_weight)

    ours = _objective(
        kind, penalty, alpha, X, Y, model.coef_, model.intercept_, sample_weight
    )
    ref = _objective(kind, penalty, alpha, X, Y, coef, intercept, sample_weight)
    assert ours == pytest.approx(ref, rel=1e-6)
    assert ours <= ref + 1e-9

    _assert_coef_close(model.coef_, coef, rtol=1e-4)
    if kind == "mixed":
        # The intercepts of the 3-class task are defined up to a common shift.
        rows = model.coef_rows_[0]
        intercept[rows] += np.mean(model.intercept_[rows] - intercept[rows])
    np.testing.assert_allclose(model.intercept_, intercept, rtol=0, atol=1e-4)


# --------------------------------------------------------------------------
# 5. alpha_max


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", NORM_PENALTIES)
def test_alpha_max_zeroes_the_solution(penalty, kind, fit_intercept, weighted):
    X, Y, Estimator = make_problem(kind, 8)
    sample_weight = None
    if weighted:
        sample_weight = np.random.default_rng(8).uniform(0.2, 2.0, size=X.shape[0])
    a_max = alpha_max(
        X, Y, penalty=penalty, loss=loss_name(kind), fit_intercept=fit_intercept,
        sample_weight=sample_weight,
    )  # fmt: skip

    # Our own formula: the dual norm of the gradient at the null model.
    _, G0 = null_model(kind, X, Y, sample_weight, fit_intercept)
    assert a_max == pytest.approx(dual_norm(penalty, G0), rel=1e-10)

    def fit(alpha):
        return Estimator(penalty, alpha, fit_intercept=fit_intercept, **TIGHT).fit(
            X, Y, sample_weight=sample_weight
        )

    for alpha in (a_max, 1.5 * a_max):
        model = fit(alpha)
        assert np.all(model.coef_ == 0)
        # The intercepts are those of the null model.
        b0 = null_intercept(kind, Y, sample_weight, fit_intercept)
        if kind == "mixed" and fit_intercept:
            rows = model.coef_rows_[0]
            b0[rows] += np.mean(model.intercept_[rows] - b0[rows])
        np.testing.assert_allclose(model.intercept_, b0, rtol=1e-10, atol=1e-12)

    model = fit(0.95 * a_max)
    assert np.any(model.coef_ != 0)
    _check_kkt(kind, penalty, 0.95 * a_max, model, X, Y, sample_weight)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_alpha_max_squared_loss_formula(sparse, fit_intercept):
    """alpha_max = dual norm of X_c^T Y_c / n (centred when fitting intercepts)."""
    X, Y, _ = make_problem("regression", 9)
    n = X.shape[0]
    Xc, Yc = X, Y
    if fit_intercept:
        Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    G = Xc.T @ Yc / n
    expected = {
        "group_lasso": np.max(np.sqrt(np.sum(G**2, axis=1))),
        "trace_norm": np.max(np.linalg.svd(G, compute_uv=False)),
        "lasso": np.max(np.abs(G)),
    }
    for penalty, value in expected.items():
        got = alpha_max(
            _maybe_sparse(X, sparse), Y, penalty=penalty, fit_intercept=fit_intercept
        )
        assert got == pytest.approx(value, rel=1e-12)
    # A single task: every norm reduces to max_j |x_j^T y| / n for lasso and
    # group lasso, and ||X_c^T y|| / n for the trace norm.
    g = G[:, 0]
    y = Y[:, 0]
    assert alpha_max(X, y, penalty="lasso", fit_intercept=fit_intercept) == (
        pytest.approx(np.max(np.abs(g)), rel=1e-12)
    )
    assert alpha_max(X, y, penalty="group_lasso", fit_intercept=fit_intercept) == (
        pytest.approx(np.max(np.abs(g)), rel=1e-12)
    )
    assert alpha_max(X, y, penalty="trace_norm", fit_intercept=fit_intercept) == (
        pytest.approx(np.linalg.norm(g), rel=1e-12)
    )


def test_alpha_max_errors():
    X, Y, _ = make_problem("regression", 0)
    with pytest.raises(ValueError, match="ridge"):
        alpha_max(X, Y, penalty="ridge")
    with pytest.raises(ValueError, match="ridge"):
        alpha_max(X, Y > 0, penalty="ridge", loss="log_loss")
    with pytest.raises(ValueError, match="loss"):
        alpha_max(X, Y, penalty="lasso", loss="hinge")
    with pytest.raises(ValueError):
        alpha_max(X, Y, penalty="elastic_net")


# --------------------------------------------------------------------------
# 6. Warm start


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_warm_start_from_solution_stops_at_once(penalty, kind, fit_intercept):
    X, Y, Estimator, alpha = _kkt_setup(penalty, kind, fit_intercept, 10)
    # Not tighter: near the optimum the trace-norm gap is first order in the
    # error of the coefficients, and noisy at the level of 1e-10.
    params = dict(fit_intercept=fit_intercept, tol=1e-8, max_iter=5_000)
    cold = Estimator(penalty, alpha, **params).fit(X, Y)
    model = Estimator(penalty, alpha, warm_start=True, **params).fit(X, Y)
    # The first fit of a warm-start model is a cold start.
    assert model.n_iter_ == cold.n_iter_
    np.testing.assert_array_equal(model.coef_, cold.coef_)
    coef, intercept = model.coef_.copy(), model.intercept_.copy()

    model.fit(X, Y)
    assert model.converged_
    assert model.n_iter_ <= 5 < cold.n_iter_
    _assert_coef_close(model.coef_, coef, rtol=1e-4)
    np.testing.assert_allclose(model.intercept_, intercept, rtol=0, atol=1e-4)
    # Both are within the tolerance of the optimum.
    reference = Estimator(penalty, alpha, fit_intercept=fit_intercept, **TIGHT)
    best = _fitted_objective(kind, penalty, alpha, reference.fit(X, Y), X, Y)
    bound = 1e-8 * _null_objective(kind, X, Y, fit_intercept) + 1e-12
    for fitted in (cold, model):
        assert _fitted_objective(kind, penalty, alpha, fitted, X, Y) - best <= bound


@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_warm_start_path_matches_cold_starts(penalty, kind):
    # With intercepts: the warm start then converts intercepts to the centred
    # parametrisation and back.
    X, Y, Estimator, alpha = _kkt_setup(penalty, kind, True, 11)
    warm = Estimator(penalty, warm_start=True, **TIGHT)
    for a in alpha * np.array([1.5, 0.75]):
        warm.set_params(alpha=a).fit(X, Y)
        cold = Estimator(penalty, a, **TIGHT).fit(X, Y)
        assert warm.converged_ and cold.converged_
        _assert_coef_close(warm.coef_, cold.coef_, rtol=1e-5)
        np.testing.assert_allclose(warm.intercept_, cold.intercept_, atol=1e-5)
        _check_kkt(kind, penalty, a, warm, X, Y)


# --------------------------------------------------------------------------
# 7. Invariances: duplicated tasks, sample weights


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize("penalty", PENALTIES)
def test_duplicated_task_gets_equal_coefficients(penalty, kind):
    """The objective is symmetric in two equal tasks and strictly convex here."""
    X, Y, Estimator = make_problem(kind, 12, n_tasks=2)
    Y = np.column_stack([Y[:, 0], Y[:, 1], Y[:, 0]])
    alpha = _fit_alpha(kind, penalty, X, Y, True)
    model = Estimator(penalty, alpha, **TIGHT).fit(X, Y)
    assert np.any(model.coef_ != 0)
    if penalty in ("group_lasso", "lasso"):
        assert np.any(model.coef_ == 0)
    _assert_coef_close(model.coef_[2], model.coef_[0], rtol=1e-6)
    assert model.intercept_[2] == pytest.approx(model.intercept_[0], abs=1e-6)
    # Compared with the two tasks alone: the separable penalties give the
    # same coefficients, the coupling ones do not (the duplicate doubles the
    # weight of task 0 in the shared structure).
    alone = Estimator(penalty, alpha, **TIGHT).fit(X, Y[:, :2])
    if penalty in ("lasso", "ridge"):
        _assert_coef_close(alone.coef_, model.coef_[:2], rtol=1e-6)
    else:
        assert not np.allclose(alone.coef_[0], model.coef_[0], atol=1e-3)


def _weighted_and_duplicated(kind, seed):
    X, Y, Estimator = make_problem(kind, seed, n_samples=40)
    rng = np.random.default_rng(seed)
    sample_weight = np.ones(X.shape[0])
    double = rng.choice(X.shape[0], size=5, replace=False)
    sample_weight[double] = 2.0
    X_dup = np.vstack([X, X[double]])
    Y_dup = np.vstack([Y, Y[double]])
    return X, Y, Estimator, sample_weight, X_dup, Y_dup


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_weight_two_equals_duplicating_rows(penalty, kind, fit_intercept):
    X, Y, Estimator, sw, X_dup, Y_dup = _weighted_and_duplicated(kind, 13)
    alpha = _fit_alpha(kind, penalty, X_dup, Y_dup, fit_intercept)
    params = dict(fit_intercept=fit_intercept, **TIGHT)
    # Weights are rescaled to sum to n: only their ratios matter, so 7.5 * sw
    # (weights 15 and 7.5) stands for duplicating the rows of weight 2.
    weighted = Estimator(penalty, alpha, **params).fit(X, Y, sample_weight=7.5 * sw)
    duplicated = Estimator(penalty, alpha, **params).fit(X_dup, Y_dup)
    assert np.any(weighted.coef_ != 0)
    _assert_coef_close(weighted.coef_, duplicated.coef_, rtol=1e-6)
    np.testing.assert_allclose(weighted.intercept_, duplicated.intercept_, atol=1e-6)
    # Not a no-op: uniform weights give another solution.
    uniform = Estimator(penalty, alpha, fit_intercept=fit_intercept, tol=1e-6)
    uniform.fit(X, Y)
    assert not np.allclose(uniform.coef_, weighted.coef_, atol=1e-3)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_zero_weight_equals_removing_rows(penalty, kind, fit_intercept):
    X, Y, Estimator = make_problem(kind, 14, n_samples=45)
    sample_weight = np.ones(X.shape[0])
    drop = np.random.default_rng(14).choice(X.shape[0], size=5, replace=False)
    sample_weight[drop] = 0.0
    keep = sample_weight > 0
    # The dropped rows get wild features and targets: they must not matter.
    X = X.copy()
    X[drop] *= 10.0
    alpha = _fit_alpha(kind, penalty, X[keep], Y[keep], fit_intercept)
    params = dict(fit_intercept=fit_intercept, **TIGHT)
    weighted = Estimator(penalty, alpha, **params)
    weighted.fit(X, Y, sample_weight=sample_weight)
    removed = Estimator(penalty, alpha, **params).fit(X[keep], Y[keep])
    assert np.any(weighted.coef_ != 0)
    _assert_coef_close(weighted.coef_, removed.coef_, rtol=1e-6)
    np.testing.assert_allclose(weighted.intercept_, removed.intercept_, atol=1e-6)
    if penalty != "ridge":
        assert alpha_max(
            X, Y, penalty=penalty, loss=loss_name(kind), fit_intercept=fit_intercept,
            sample_weight=sample_weight,
        ) == pytest.approx(3 * alpha, rel=1e-10)  # fmt: skip
