"""cASO, the shared predictive subspace (:class:`skmtl.structures.CASO`).

The term :math:`\\eta (1 + \\eta) \\min_M \\operatorname{tr}(W^\\top (\\eta I +
M)^{-1} W)` over (d, d) matrices ``M`` with trace ``h`` and
:math:`0 \\preceq M \\preceq I` is checked from scratch: against the minimum
over ``M`` found by cvxpy and by our own water-filling on a full SVD (with
the (d, d) matrix formed here, as the package never does), its gradient
against finite differences, the learned subspace against the eigenvectors of
the optimal ``M``. Fits are compared with cvxpy (CLARABEL) on the
matrix-fraction form with ``M`` a variable, for both losses and both layouts,
and their gradient must vanish (the objective is smooth). Then the API:
scikit-learn's estimator checks, clone, pickle, grid search, bad input.
"""

import pickle
import re
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from _helpers import (
    MULTIOUTPUT_REASON,
    data_term,
    encode,
    make_problem,
    melt,
    null_model,
    water_filling_weights,
)
from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from skmtl.penalties.smooth_terms import ClusterTerm
from skmtl.representation import SharedSubspace
from skmtl.structures import CASO, Clustered, make_penalty

# A prox-gradient residual eps controls the gradient to O(eps): fit tightly.
TIGHT = {"tol": 1e-13, "max_iter": 20_000}


# --------------------------------------------------------------------------
# The term, from scratch


def _caso_term(W, eta, h):
    """eta (1 + eta) min_M tr(W^T (eta I + M)^-1 W): value, gradient and M*.

    M* (d, d) from the full SVD of W: its eigenvectors are the left singular
    vectors, its eigenvalues the water-filling weights of all d singular
    values.
    """
    d, T = W.shape
    U, sigma, _ = np.linalg.svd(W, full_matrices=True)
    padded = np.zeros(d)
    padded[: sigma.size] = sigma
    m = water_filling_weights(padded, eta, h)
    M = (U * m) @ U.T
    inverse = np.linalg.inv(eta * np.eye(d) + M)
    scale = eta * (1 + eta)
    return scale * np.trace(W.T @ inverse @ W), 2 * scale * inverse @ W, M


def _caso_objective(kind, X, Y, alpha, eta, h, W, b):
    return data_term(kind, X, Y, W, b)[0] + alpha * _caso_term(W, eta, h)[0]


def _random_feasible_m(rng, d, h):
    """A random (d, d) matrix with trace h and eigenvalues in [0, 1]."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = rng.uniform(0.0, 1.0, d)
    for _ in range(100):  # shift and clip until the trace is h
        lam = np.clip(lam + (h - lam.sum()) / d, 0.0, 1.0)
    assert lam.sum() == pytest.approx(h, abs=1e-9)
    return (Q * lam) @ Q.T


# (d, T, h): more features than tasks, fewer, a subspace wider than the
# number of tasks (the ridge regime), a subspace of every feature.
SHAPES = [(6, 4, 2), (4, 6, 2), (8, 3, 5), (5, 3, 5), (7, 4, 1)]


@pytest.mark.parametrize(("d", "T", "h"), SHAPES)
def test_term_is_the_minimum_over_feature_matrices(d, T, h):
    rng = np.random.default_rng(d * 10 + T)
    eta = 0.6
    W = rng.standard_normal((d, T)) * np.array([3.0, 1.0, 0.3, 0.1, 2.0, 0.5])[:T]
    value, gradient, M = _caso_term(W, eta, h)
    eigenvalues = np.linalg.eigvalsh(M)
    assert np.trace(M) == pytest.approx(h, abs=1e-10)
    assert eigenvalues.min() >= -1e-12 and eigenvalues.max() <= 1 + 1e-12
    for _ in range(30):
        other = _random_feasible_m(rng, d, h)
        inverse = np.linalg.inv(eta * np.eye(d) + other)
        assert value <= eta * (1 + eta) * np.trace(W.T @ inverse @ W) + 1e-10
    term = ClusterTerm(1.0, eta, h)  # what CASO adds at alpha = 1
    assert term.value(W) == pytest.approx(value, rel=1e-10)
    assert_allclose(term.gradient(W), gradient, rtol=0, atol=1e-10 * np.abs(W).max())
    # 2-homogeneous, and the gradient against central differences.
    assert term.value(3.0 * W) == pytest.approx(9.0 * value, rel=1e-10)
    step = 1e-6
    for _ in range(5):
        direction = rng.standard_normal(W.shape)
        numeric = (
            term.value(W + step * direction) - term.value(W - step * direction)
        ) / (2 * step)
        assert numeric == pytest.approx(np.sum(term.gradient(W) * direction), rel=1e-6)


def test_term_at_a_projection_and_without_clipped_weights():
    """The two readings of the term in the docs.

    At ``M`` the projection on ``h`` directions: alpha eta ||Theta W||^2 +
    alpha (1 + eta) ||W - Theta^T Theta W||^2. At the optimum with no weight
    clipped to 0 or 1: alpha eta (1 + eta) ||W||_*^2 / (h + r eta).
    """
    rng = np.random.default_rng(4)
    d, T, eta = 6, 3, 0.5
    theta = np.linalg.qr(rng.standard_normal((d, 2)))[0].T
    W = rng.standard_normal((d, T))
    inverse = np.linalg.inv(eta * np.eye(d) + theta.T @ theta)
    at_projection = eta * (1 + eta) * np.trace(W.T @ inverse @ W)
    inside = theta.T @ theta @ W
    expected = eta * np.sum(inside**2) + (1 + eta) * np.sum((W - inside) ** 2)
    assert at_projection == pytest.approx(expected, rel=1e-12)
    # Singular values 1, 0.9, 0.8 with h = 1: the weights are 0.43, 0.33, 0.24.
    left = np.linalg.qr(rng.standard_normal((d, T)))[0]
    right = np.linalg.qr(rng.standard_normal((T, T)))[0]
    W = (left * [1.0, 0.9, 0.8]) @ right.T
    squared_trace_norm = eta * (1 + eta) * 2.7**2 / (1 + 3 * eta)
    assert ClusterTerm(1.0, eta, 1).value(W) == pytest.approx(squared_trace_norm)
    _, weights = ClusterTerm(1.0, eta, 1).feature_subspace(W)
    assert 0 < weights[0] < 1


@pytest.mark.parametrize(("d", "T", "h"), SHAPES[:3])
def test_term_matches_cvxpy_semidefinite_program(d, T, h):
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(7 + d)
    eta = 0.8
    W = rng.standard_normal((d, T))
    M = cp.Variable((d, d), symmetric=True)
    identity = np.eye(d)
    problem = cp.Problem(
        cp.Minimize(cp.matrix_frac(W, eta * identity + M)),  # tr(W^T (.)^-1 W)
        [cp.trace(M) == h, M >> 0, identity - M >> 0],
    )
    problem.solve(solver="CLARABEL")
    expected = eta * (1 + eta) * problem.value
    assert ClusterTerm(1.0, eta, h).value(W) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("d", "T", "h"), SHAPES)
def test_feature_subspace_spans_the_leading_eigenvectors_of_m(d, T, h):
    rng = np.random.default_rng(3 * d + T)
    eta = 0.5
    W = rng.standard_normal((d, T))
    _, _, M = _caso_term(W, eta, h)
    components, weights = ClusterTerm(1.0, eta, h).feature_subspace(W)
    assert components.shape == (h, d) and weights.shape == (h,)
    assert_allclose(components @ components.T, np.eye(h), atol=1e-12)
    # Eigenvectors of M* with the reported eigenvalues, the h largest.
    assert_allclose(M @ components.T, components.T * weights, atol=1e-10)
    top = np.sort(np.linalg.eigvalsh(M))[::-1][:h]
    assert_allclose(weights, top, atol=1e-10)
    assert np.all(np.diff(weights) <= 1e-12)


def test_feature_subspace_below_the_rank():
    """W of rank 1 and h = 3: the first row is W's direction, all weights 1."""
    rng = np.random.default_rng(0)
    u = rng.standard_normal(10)
    W = np.outer(u, [1.0, -2.0, 0.5])
    components, weights = ClusterTerm(1.0, 1.0, 3).feature_subspace(W)
    assert_allclose(np.abs(components[0]), np.abs(u) / np.linalg.norm(u), atol=1e-12)
    assert_allclose(components @ components.T, np.eye(3), atol=1e-12)
    # sigma_1 > 0 takes m = 1; the 9 other directions share the remaining 2.
    assert_allclose(weights, [1.0, 2 / 9, 2 / 9], atol=1e-12)


def test_term_on_a_subset_of_rows():
    """Zero rows change no singular value: the term on the remaining rows is
    the same (what working sets and ``restrict`` rely on), even when fewer
    rows remain than ``h``, as long as ``h`` fits in all the features."""
    rng = np.random.default_rng(1)
    W = np.zeros((9, 4))
    rows = [1, 4, 6]
    W[rows] = rng.standard_normal((3, 4))
    for h in (1, 2, 5):
        term = ClusterTerm(0.7, 0.4, h)
        full, _, _ = _caso_term(W, 0.4, h)
        assert term.value(W) == pytest.approx(0.7 * full, rel=1e-12)
        assert term.value(W[rows]) == pytest.approx(term.value(W), rel=1e-12)
        assert_allclose(term.gradient(W[rows]), term.gradient(W)[rows], atol=1e-12)
        assert_allclose(np.delete(term.gradient(W), rows, axis=0), 0.0, atol=1e-15)


def test_many_features_never_form_a_feature_matrix():
    """d = 20,000 features: a (d, d) matrix would take 3.2 GB."""
    rng = np.random.default_rng(2)
    W = rng.standard_normal((20_000, 5))
    term = ClusterTerm(1.0, 0.5, 3)
    tracemalloc.start()
    start = time.perf_counter()
    term.value(W)
    term.gradient(W)
    components, _ = term.feature_subspace(W)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert components.shape == (3, 20_000)
    assert peak < 50e6, peak
    assert elapsed < 5.0


# --------------------------------------------------------------------------
# Fits: optimality and agreement with cvxpy


def _cvxpy_caso_fit(kind, X, Y, alpha, eta, h):
    """Data term + alpha eta (1 + eta) matrix_frac(W, eta I + M), M a variable."""
    cp = pytest.importorskip("cvxpy")
    targets, blocks, _ = encode(kind, Y)
    n, d = X.shape
    C = targets.shape[1]
    W = cp.Variable((d, C))
    M = cp.Variable((d, d), symmetric=True)
    b = cp.Variable(C)
    Z = X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, C), order="C")
    data = 0
    for cols, name in blocks:
        Zc, Tc = Z[:, cols], targets[:, cols]
        if name == "squared":
            data += 0.5 * cp.sum_squares(Zc - Tc) / n
        elif name == "logistic":
            data += cp.sum(cp.logistic(Zc) - cp.multiply(Tc, Zc)) / n
        else:
            per_sample = cp.log_sum_exp(Zc, axis=1) - cp.sum(cp.multiply(Tc, Zc), 1)
            data += cp.sum(per_sample) / n
    identity = np.eye(d)
    penalty = alpha * eta * (1 + eta) * cp.matrix_frac(W, eta * identity + M)
    constraints = [cp.trace(M) == h, M >> 0, identity - M >> 0]
    problem = cp.Problem(cp.Minimize(data + penalty), constraints)
    with warnings.catch_warnings():
        # CLARABEL may call its last step "inaccurate" at these tolerances;
        # the solution is still far better than the 1e-6 compared.
        warnings.simplefilter("ignore", UserWarning)
        problem.solve(
            solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10
        )
    assert problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), problem.status
    return W.value, b.value, M.value, problem.value


# (kind, d, T, h, eta): both losses, a multi-class task, h wider than T.
FITS = [
    ("regression", 6, 4, 2, 0.5),
    ("regression", 8, 3, 1, 2.0),
    ("regression", 6, 3, 4, 1.0),
    ("binary", 6, 4, 2, 1.0),
    ("binary", 7, 3, 1, 0.3),
    ("mixed", 6, 2, 2, 1.0),
]


@pytest.mark.parametrize(("kind", "d", "T", "h", "eta"), FITS)
def test_caso_matches_cvxpy(kind, d, T, h, eta):
    X, Y, Estimator = make_problem(
        kind, 4, n_samples=40, n_features=d, n_tasks=T, low_rank=True
    )
    alpha = 0.1 if kind == "regression" else 0.02
    model = Estimator(CASO(h, eta), alpha, **TIGHT).fit(X, Y)
    W, intercept, M, optimum = _cvxpy_caso_fit(kind, X, Y, alpha, eta, h)
    ours = _caso_objective(kind, X, Y, alpha, eta, h, model.coef_.T, model.intercept_)
    assert ours == pytest.approx(optimum, rel=1e-6)
    assert ours == pytest.approx(
        _caso_objective(kind, X, Y, alpha, eta, h, W, intercept), rel=1e-6
    )
    assert ours <= optimum + 1e-9 * abs(optimum)
    assert model.objective_ == pytest.approx(ours, rel=1e-9)
    scale = np.max(np.abs(W))
    assert_allclose(model.coef_, W.T, rtol=0, atol=1e-4 * scale)
    # The reported subspace: eigenvectors of cvxpy's M with its eigenvalues
    # (up to the rank of W; beyond it M is not unique).
    rows, weights = model.feature_subspace_, model.feature_subspace_weights_
    assert rows.shape == (h, d)
    rank = min(h, W.shape[1])
    assert_allclose(M @ rows[:rank].T, rows[:rank].T * weights[:rank], atol=1e-3)
    top = np.sort(np.linalg.eigvalsh(M))[::-1]
    assert_allclose(weights[:rank], top[:rank], atol=1e-3)
    assert weights.sum() <= h + 1e-12


@pytest.mark.parametrize(("kind", "d", "T", "h", "eta"), FITS)
def test_caso_gradient_vanishes(kind, d, T, h, eta):
    """Everything is smooth: at the solution the whole gradient is zero."""
    X, Y, Estimator = make_problem(kind, 5, n_features=d, n_tasks=T, low_rank=True)
    alpha = 0.05 if kind == "regression" else 0.01
    model = Estimator(CASO(h, eta), alpha, **TIGHT).fit(X, Y)
    assert model.converged_
    W = model.coef_.T
    data, G, g = data_term(kind, X, Y, W, model.intercept_)
    value, gradient, _ = _caso_term(W, eta, h)
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    assert np.max(np.abs(G + alpha * gradient)) <= 1e-6 * scale
    assert np.max(np.abs(g)) <= 1e-6 * scale
    assert np.max(np.abs(G)) > 1e-2 * scale  # not the trivial solution
    assert model.objective_ == pytest.approx(data + alpha * value, rel=1e-9)


@pytest.mark.parametrize("kind", ["regression", "binary", "mixed"])
def test_task_column_layout_gives_the_shared_fit(kind):
    X, Y, Estimator = make_problem(kind, 6, n_features=6, n_tasks=4, low_rank=True)
    X_rows, y_rows = melt(X, Y)
    penalty, alpha = CASO(2, 0.5), 0.05 if kind == "regression" else 0.02
    shared = Estimator(penalty, alpha, **TIGHT).fit(X, Y)
    rows = Estimator(penalty, alpha, task_column=-1, **TIGHT).fit(X_rows, y_rows)
    assert_allclose(rows.coef_, shared.coef_, rtol=0, atol=1e-6)
    assert_allclose(rows.intercept_, shared.intercept_, rtol=0, atol=1e-6)
    assert_allclose(
        np.abs(rows.feature_subspace_), np.abs(shared.feature_subspace_), atol=1e-5
    )


def test_same_fit_as_clustered_with_as_many_clusters():
    """The two relaxations are one function of W (Zhou, Chen & Ye 2011)."""
    X, Y, _ = make_problem("regression", 7, n_features=8, n_tasks=5)
    caso = MultiTaskRegressor(CASO(2, 0.7), 0.1, **TIGHT).fit(X, Y)
    clustered = MultiTaskRegressor(Clustered(2, 0.7), 0.1, **TIGHT).fit(X, Y)
    assert_allclose(caso.coef_, clustered.coef_, rtol=0, atol=1e-12)


def test_subspace_wider_than_the_tasks_is_a_ridge():
    """h >= T: every direction of W fits in M, the term is alpha eta ||W||^2."""
    X, Y, _ = make_problem("regression", 8, n_features=8, n_tasks=3)
    alpha, eta = 0.1, 0.4
    caso = MultiTaskRegressor(CASO(5, eta), alpha, **TIGHT).fit(X, Y)
    # The ridge solution in closed form: (X_c^T X_c / n + 2 alpha eta I) W = ...
    n, d = X.shape
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    ridge = np.linalg.solve(Xc.T @ Xc / n + 2 * alpha * eta * np.eye(d), Xc.T @ Yc / n)
    assert_allclose(caso.coef_.T, ridge, rtol=0, atol=1e-12)
    assert_allclose(caso.feature_subspace_weights_[:3], 1.0, atol=1e-12)


def test_recovers_a_shared_subspace():
    """Tasks in a planted 2-D subspace: the learned rows span it."""
    rng = np.random.default_rng(9)
    n, d, T = 300, 12, 8
    basis = np.linalg.qr(rng.standard_normal((d, 2)))[0]
    W = basis @ rng.standard_normal((2, T)) * np.geomspace(0.3, 3.0, T)
    X = rng.standard_normal((n, d))
    Y = X @ W + 0.3 * rng.standard_normal((n, T))
    model = MultiTaskRegressor(CASO(2, 0.1), 0.05).fit(X, Y)
    # The principal angles between the subspaces are small.
    cosines = np.linalg.svd(model.feature_subspace_ @ basis, compute_uv=False)
    assert cosines.min() > 0.99


# --------------------------------------------------------------------------
# API


def _expected_failed_checks(estimator):
    if isinstance(estimator, MultiTaskClassifier):
        return {"check_classifier_multioutput": MULTIOUTPUT_REASON}
    return {}


# n_components=1: the checks fit data with a single feature, where h = 2 is a
# ValueError (test_n_components_and_eta_are_validated). The subspace is of
# the features, so multi-class tasks work and no other check is expected to
# fail (unlike Clustered, which compares tasks).
@parametrize_with_checks(
    [
        MultiTaskRegressor(penalty=CASO(n_components=1), tol=1e-10),
        MultiTaskClassifier(penalty=CASO(n_components=1), tol=1e-8),
    ],
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_registered_by_name_and_exported():
    assert type(make_penalty("caso")) is CASO
    assert make_penalty("caso").get_params() == {"n_components": 2, "eta": 1.0}
    X, Y, _ = make_problem("regression", 0, n_features=6, n_tasks=3)
    model = MultiTaskRegressor(penalty="caso", alpha=0.1).fit(X, Y)
    assert model.feature_subspace_.shape == (2, 6)
    # No norm: alpha_max does not exist.
    with pytest.raises(ValueError, match="no alpha_max"):
        alpha_max(X, Y, penalty=CASO())


def test_clone_pickle_and_refit_removes_the_attributes():
    X, Y, _ = make_problem("regression", 1, n_features=6, n_tasks=3)
    est = MultiTaskRegressor(penalty=CASO(3, eta=0.5), alpha=0.2, l2=0.1)
    cloned = clone(est)
    assert cloned.penalty is not est.penalty
    assert cloned.penalty.get_params() == {"n_components": 3, "eta": 0.5}
    est.fit(X, Y)
    again = pickle.loads(pickle.dumps(est))
    assert_allclose(again.predict(X), est.predict(X))
    assert_allclose(again.feature_subspace_, est.feature_subspace_)
    est.set_params(penalty="group_lasso").fit(X, Y)
    assert not hasattr(est, "feature_subspace_")
    assert not hasattr(est, "feature_subspace_weights_")


@pytest.mark.parametrize("Estimator", [MultiTaskRegressor, MultiTaskClassifier])
def test_grid_search_over_the_parameters(Estimator):
    kind = "regression" if Estimator is MultiTaskRegressor else "binary"
    X, Y, _ = make_problem(kind, 2, n_features=6, n_tasks=3, low_rank=True)
    grid = {
        "penalty__n_components": [1, 2],
        "penalty__eta": [0.1, 1.0],
        "alpha": [0.01, 0.1],
    }
    search = GridSearchCV(Estimator(penalty=CASO()), grid, cv=3).fit(X, Y)
    assert set(search.best_params_) == set(grid)
    best = search.best_estimator_
    assert best.penalty.n_components == search.best_params_["penalty__n_components"]
    assert best.feature_subspace_.shape[0] == best.penalty.n_components


@pytest.mark.parametrize("bad", [0, -1, 7, 2.0, True, "2", None])
def test_n_components_and_eta_are_validated(bad):
    X, Y, _ = make_problem("regression", 3, n_features=6, n_tasks=3)
    message = "n_components must be an integer between 1 and the number of features (6)"
    with pytest.raises(ValueError, match=re.escape(message)):
        MultiTaskRegressor(penalty=CASO(n_components=bad)).fit(X, Y)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf, "1", None])
def test_eta_is_validated(bad):
    X, Y, _ = make_problem("regression", 3, n_features=6, n_tasks=3)
    with pytest.raises(ValueError, match="CASO: eta must be a positive finite number"):
        MultiTaskRegressor(penalty=CASO(eta=bad)).fit(X, Y)


def test_shared_subspace_transformer_reads_a_subspace():
    """SharedSubspace ("auto") projects on the subspace of a cASO fit."""
    X, Y, _ = make_problem("regression", 4, n_features=8, n_tasks=4, low_rank=True)
    model = MultiTaskRegressor(penalty=CASO(2), alpha=0.1).fit(X, Y)
    projection = SharedSubspace(model, prefit=True, n_components=2).fit(X)
    assert projection.kind_ == "subspace"
    cosines = np.linalg.svd(
        projection.components_ @ model.feature_subspace_.T, compute_uv=False
    )
    assert_allclose(cosines, 1.0, atol=1e-8)
