"""Every fast path of the solver gives the solution of the plain solver.

The reference is :func:`skmtl.solvers.fista` run to a very tight tolerance on
the design :class:`~skmtl._datafit.Datafit` (no Gram form, no working sets).
It is compared with :func:`skmtl.solvers.solve` (working sets for the group
lasso and the lasso, the Gram form when there are more samples than features),
with FISTA on the Gram form alone, with the estimators, and with the
warm-started path. The Gram form is also checked piece by piece against the
design datafit, and the working-set solutions against the KKT conditions of
the whole problem.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from _helpers import kkt_violations, ridge_coef_atol
from skmtl import (
    MultiTaskClassifier,
    MultiTaskRegressor,
    alpha_max,
    regularization_path,
)
from skmtl._path import _objective, _secant_start, alpha_grid, solve_path
from skmtl.datafits.gram import GramDatafit
from skmtl.datafits.loss import LossDatafit
from skmtl.datafits.residual import ResidualDatafit
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.penalties import Ridge
from skmtl.solvers import duality_gap, fista, solve
from skmtl.solvers import proximal_gradient as solvers_module
from skmtl.structures import make_penalty

PENALTIES = ["group_lasso", "trace_norm", "lasso", "ridge"]
ROW_PENALTIES = ["group_lasso", "lasso"]
# (n_samples, n_features): the Gram form is used for the squared loss when
# n > d; with n < d the working sets run on the design and the Gram form on
# their subproblems (small enough to have more samples than rows).
SHAPES = {"tall": (40, 12), "wide": (15, 30)}
# A duality gap eps controls the coefficients only to O(sqrt(eps)) (e.g. ridge
# stops early, its gap being quadratic in the error): solve far tighter than
# the 1e-7 compared, and well above the rounding floor of the gap (~1e-16).
# Tight, but above the rounding floor of the gap (about 1e-15 relative).
TOL = 1e-14
MAX_ITER = 100_000
COEF_ATOL = 1e-7
OBJECTIVE_RTOL = 1e-10


# --------------------------------------------------------------------------
# Data and datafits


def _data(loss, shape, seed, *, sparse=False, n_tasks=3):
    """``X``, ``Y`` and the estimator class; features with nonzero means."""
    n_samples, n_features = SHAPES[shape] if isinstance(shape, str) else shape
    rng = np.random.default_rng(100 + seed)
    common = dict(n_informative=3, random_state=seed)
    if loss == "squared":
        X, Y, _ = make_multitask_regression(
            n_samples, n_features, n_tasks, bias=1.5, **common
        )
        estimator = MultiTaskRegressor
    else:
        X, Y, _ = make_multitask_classification(
            n_samples, n_features, n_tasks, n_classes=2, **common
        )
        estimator = MultiTaskClassifier
    if sparse:
        # About 30 % nonzeros, shifted so that the columns have nonzero means.
        X = sp.csr_matrix(np.where(rng.uniform(size=X.shape) < 0.3, X + 1.0, 0.0))
    else:
        X = X + rng.uniform(-1.0, 1.0, size=n_features)
    return X, Y, estimator


def _weights(n_samples, seed):
    return np.random.default_rng(200 + seed).uniform(0.2, 3.0, size=n_samples)


def _prepare(estimator, X, y, sample_weight=None):
    """Penalty object and design datafit exactly as the estimator builds them."""
    penalty = estimator._validated_penalty()
    return penalty, estimator._prepare_datafit(X, y, sample_weight)


def _alpha(penalty, datafit, fraction=0.25):
    """A penalty strength giving a non-trivial solution."""
    if penalty.is_norm:
        return fraction * penalty.dual_norm(datafit.null_model()[2])
    return 0.1 * datafit.lipschitz_constant()


def _reference(datafit, penalty, alpha):
    result = fista(datafit, penalty, alpha, tol=TOL, max_iter=MAX_ITER)
    assert result.converged
    return result


def _intercept(datafit, result):
    return datafit.data.intercept(result.coef, result.offset)


def _design_objective(datafit, penalty, alpha, result):
    """Objective of a result recomputed on the design datafit."""
    Z = datafit.forward(result.coef, result.offset)
    return datafit.value(Z) + alpha * penalty.value(result.coef)


def _coef_atol(penalty, alpha, result, reference):
    """How close two solutions must be, given their duality gaps: for ridge, the
    radius that its strong convexity gives (``ridge_coef_atol``); elsewhere a
    fixed tolerance."""
    if not isinstance(penalty, Ridge):
        return COEF_ATOL
    return ridge_coef_atol(alpha, [result.dual_gap, reference.dual_gap], COEF_ATOL)


def _assert_same_solution(datafit, penalty, alpha, result, reference):
    atol = _coef_atol(penalty, alpha, result, reference)
    np.testing.assert_allclose(result.coef, reference.coef, rtol=0, atol=atol)
    np.testing.assert_allclose(
        _intercept(datafit, result), _intercept(datafit, reference),
        rtol=0, atol=atol,
    )  # fmt: skip
    assert result.objective == pytest.approx(reference.objective, rel=OBJECTIVE_RTOL)
    # The objective reported by a fast path is that of the design.
    recomputed = _design_objective(datafit, penalty, alpha, result)
    assert recomputed == pytest.approx(reference.objective, rel=OBJECTIVE_RTOL)


def _task_rows_data(seed, n_tasks=4, n_features=6, sizes=(12, 9, 15, 7)):
    """Task-column layout: X with the task label in column 0, y 1-D.

    Tasks of different sizes, their rows interleaved.
    """
    rng = np.random.default_rng(300 + seed)
    task = rng.permutation(np.repeat(np.arange(n_tasks), sizes))
    n_samples = task.size
    features = rng.standard_normal((n_samples, n_features)) + rng.uniform(
        -1, 1, n_features
    )
    coef = rng.standard_normal((n_tasks, n_features)) * (
        rng.uniform(size=n_features) < 0.6
    )
    y = np.einsum("ij,ij->i", features, coef[task]) + 0.5 * rng.standard_normal(
        n_samples
    )
    return np.column_stack([task, features]), y


def _masked_data(seed):
    X, Y, _ = _data("squared", "tall", seed)
    Y = Y.copy()
    Y[np.random.default_rng(seed).uniform(size=Y.shape) < 0.2] = np.nan
    return X, Y


# --------------------------------------------------------------------------
# 1. Every fast path gives the reference solution

# (sparse X, fit_intercept, sample weights): every option is on in some variant
# and off in another.
VARIANTS = {
    "dense": (False, True, False),
    "sparse-weighted": (True, True, True),
    "no-intercept-weighted": (False, False, True),
    "sparse-no-intercept": (True, False, False),
}
# Near the rounding floor of the gap, the working-set loop can return
# converged=False although its last FISTA run on the whole problem converged
# (see test_working_sets_converged_when_whole_problem_converges): here only
# the solutions are compared, and the estimators may warn.
_IGNORE_CONVERGENCE = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def _check_estimator(estimator, X, y, sample_weight, alpha, datafit, reference,
                     atol=COEF_ATOL):  # fmt: skip
    """The estimator (which calls solve) gives the reference solution."""
    model = estimator.set_params(alpha=alpha, tol=TOL, max_iter=MAX_ITER)
    model.fit(X, y, sample_weight=sample_weight)
    np.testing.assert_allclose(model.coef_.T, reference.coef, rtol=0, atol=atol)
    expected = _intercept(datafit, reference)
    if not estimator.fit_intercept:
        expected = np.zeros_like(expected)
    np.testing.assert_allclose(model.intercept_, expected, rtol=0, atol=atol)
    assert model.objective_ == pytest.approx(reference.objective, rel=OBJECTIVE_RTOL)


@_IGNORE_CONVERGENCE
@pytest.mark.parametrize(
    "variant", ["dense", "sparse-weighted", "no-intercept-weighted"]
)
@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize("penalty_name", PENALTIES)
def test_fast_paths_match_plain_fista_squared(penalty_name, shape, variant):
    sparse, fit_intercept, weighted = VARIANTS[variant]
    X, Y, Estimator = _data("squared", shape, 0, sparse=sparse)
    sample_weight = _weights(X.shape[0], 0) if weighted else None
    estimator = Estimator(penalty_name, fit_intercept=fit_intercept)
    penalty, datafit = _prepare(estimator, X, Y, sample_weight)
    gram = datafit.fast_form()
    # The Gram form is chosen exactly when there are more samples than features
    # and, for a sparse X, the dense d x d matrix is no larger than X's non-zeros.
    n_samples, n_features = X.shape
    small_enough = not sparse or n_features**2 <= X.nnz
    assert isinstance(gram, GramDatafit) == (n_samples > n_features and small_enough)
    alpha = _alpha(penalty, datafit)
    reference = _reference(datafit, penalty, alpha)
    assert np.any(reference.coef != 0)

    fast = solve(datafit, penalty, alpha, tol=TOL, max_iter=MAX_ITER)
    assert fast.n_iter < MAX_ITER  # stopped by its own criterion
    _assert_same_solution(datafit, penalty, alpha, fast, reference)
    if penalty.is_norm:  # the same exact zeros
        np.testing.assert_array_equal(fast.coef == 0, reference.coef == 0)
    if gram is not datafit:
        on_gram = fista(gram, penalty, alpha, tol=TOL, max_iter=MAX_ITER)
        assert on_gram.converged
        _assert_same_solution(datafit, penalty, alpha, on_gram, reference)
    if variant in ("dense", "no-intercept-weighted"):
        _check_estimator(estimator, X, Y, sample_weight, alpha, datafit, reference)


@_IGNORE_CONVERGENCE
@pytest.mark.parametrize("variant", ["sparse-weighted", "no-intercept-weighted"])
@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize("penalty_name", PENALTIES)
def test_fast_paths_match_plain_fista_logistic(penalty_name, shape, variant):
    sparse, fit_intercept, weighted = VARIANTS[variant]
    X, Y, Estimator = _data("logistic", shape, 1, sparse=sparse)
    sample_weight = _weights(X.shape[0], 1) if weighted else None
    estimator = Estimator(penalty_name, fit_intercept=fit_intercept)
    penalty, datafit = _prepare(estimator, X, Y, sample_weight)
    assert datafit.fast_form() is datafit  # no Gram form for the logistic loss
    alpha = _alpha(penalty, datafit)
    reference = _reference(datafit, penalty, alpha)
    assert np.any(reference.coef != 0)
    fast = solve(datafit, penalty, alpha, tol=TOL, max_iter=MAX_ITER)
    assert fast.n_iter < MAX_ITER
    _assert_same_solution(datafit, penalty, alpha, fast, reference)
    if shape == "tall":
        _check_estimator(estimator, X, Y, sample_weight, alpha, datafit, reference)


@_IGNORE_CONVERGENCE
@pytest.mark.parametrize("penalty_name", PENALTIES)
@pytest.mark.parametrize("layout", ["task_column", "masked"])
def test_layouts_without_gram_match_plain_fista(layout, penalty_name):
    if layout == "task_column":
        X, y = _task_rows_data(0)
        estimator = MultiTaskRegressor(penalty_name, task_column=0)
    else:
        X, y = _masked_data(2)
        estimator = MultiTaskRegressor(penalty_name, missing_targets="ignore")
    penalty, datafit = _prepare(estimator, X, y)
    # More samples than features and the squared loss, yet no shared Gram
    # form: the columns of W do not see the same rows with the same weights.
    # Tasks with their own rows have one Gram matrix each (cheaper than the
    # rows here); missing targets keep the rows.
    assert X.shape[0] > datafit.n_features
    fast_form = type(datafit.fast_form())
    assert fast_form is (GramDatafit if layout == "task_column" else LossDatafit)
    alpha = _alpha(penalty, datafit)
    reference = _reference(datafit, penalty, alpha)
    assert np.any(reference.coef != 0)
    fast = solve(datafit, penalty, alpha, tol=TOL, max_iter=MAX_ITER)
    assert fast.n_iter < MAX_ITER
    _assert_same_solution(datafit, penalty, alpha, fast, reference)
    atol = COEF_ATOL
    if penalty_name == "ridge":
        # Strongly convex (modulus alpha): two solutions certified to a gap of
        # TOL times the null objective are within twice sqrt(2 gap / alpha).
        null_objective = datafit.value(datafit.null_model()[1])
        atol = max(atol, 2 * np.sqrt(2 * TOL * null_objective / alpha))
    _check_estimator(estimator, X, y, None, alpha, datafit, reference, atol)


@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize("penalty_name", PENALTIES)
def test_returned_coefficients_certify_themselves(penalty_name, shape):
    # The stopping rule uses the dual point at the returned coefficients' own
    # scores: recomputed on the plain design datafit, from the coefficients
    # alone, the gap meets the tolerance (the fast forms, the extrapolated
    # dual points and the best dual value seen play no part).
    X, Y, Estimator = _data("squared", shape, 9)
    penalty, datafit = _prepare(Estimator(penalty_name), X, Y)
    alpha = _alpha(penalty, datafit)
    tol = 1e-6
    null_objective = datafit.value(datafit.null_model()[1])
    problem = Estimator(penalty_name)._problem(X, Y, None)
    # One cold solve and a warm-started path (whose starts are near-optimal).
    path = solve_path(
        problem, alpha_grid(problem, 12, 0.01), max_iter=MAX_ITER, tol=tol
    )
    cold = solve(datafit, penalty, alpha, tol=tol, max_iter=MAX_ITER)
    for strength, result in [(alpha, cold), *path]:
        assert result.converged
        W, c = result.coef, datafit.null_intercept()  # the target means
        Z = datafit.forward(W, c)
        primal, dual = duality_gap(datafit, penalty, strength, W, Z)
        assert primal - dual <= tol * null_objective
        assert result.dual_gap <= primal - dual + 1e-12 * null_objective


# --------------------------------------------------------------------------
# 2. The Gram form against the design datafit


def _gram_case(sparse, fit_intercept, weighted, seed=3):
    X, Y, Estimator = _data("squared", (50, 8), seed, sparse=sparse, n_tasks=4)
    sample_weight = _weights(X.shape[0], seed) if weighted else None
    estimator = Estimator(fit_intercept=fit_intercept)
    penalty, datafit = _prepare(estimator, X, Y, sample_weight)
    return X, Y, sample_weight, estimator, datafit


def _true_hessian(X, sample_weight, fit_intercept):
    """The Hessian X_c^T D X_c of the regressor's data term, from scratch."""
    dense = X.toarray() if sp.issparse(X) else X
    w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    w = w / w.sum()  # the regressor's normalisation: the weights sum to one
    mean = w @ dense if fit_intercept else np.zeros(X.shape[1])
    centred = dense - mean
    return centred.T @ (w[:, None] * centred)


def _assert_form_agrees_with_design(form, datafit, seed):
    """A fast form's value, gradient and duality gaps equal the design's.

    Checked at random ``W`` of three scales; returns the design's state at
    each, for the caller's own checks.
    """
    states = []
    c = datafit.null_intercept()
    rng = np.random.default_rng(seed)
    for scale in (0.01, 0.3, 3.0):
        W = scale * rng.standard_normal((datafit.n_features, datafit.n_columns))
        Z, Z_form = datafit.forward(W, c), form.forward(W, c)
        _rel_close(form.value(Z_form), datafit.value(Z))
        _rel_close(form.gradient_at(Z_form)[0], datafit.gradient_at(Z)[0])
        for name in PENALTIES:
            penalty = make_penalty(name)
            primal, dual = duality_gap(datafit, penalty, 0.05, W, Z)
            primal_form, dual_form = duality_gap(form, penalty, 0.05, W, Z_form)
            assert np.isfinite(dual)
            _rel_close(primal_form, primal)
            _rel_close(dual_form, dual)
            # Weak duality, and a gap that is not trivially zero.
            assert dual <= primal and primal - dual > 1e-6 * abs(primal)
        states.append(Z)
    return states


def _rel_close(a, b, rtol=1e-10):
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), np.finfo(float).tiny)
    assert np.max(np.abs(np.asarray(a) - np.asarray(b))) <= rtol * scale


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_gram_datafit_agrees_with_design(sparse, fit_intercept, weighted):
    X, Y, _, _, datafit = _gram_case(sparse, fit_intercept, weighted)
    gram = datafit.fast_form()
    assert isinstance(gram, GramDatafit)
    c = datafit.null_intercept()  # the target means (zeros without intercept)
    np.testing.assert_allclose(gram.null_intercept(), c, rtol=1e-12, atol=1e-14)
    for Z in _assert_form_agrees_with_design(gram, datafit, seed=0):
        # The intercepts are at their optimum: zero gradient in the design too.
        if fit_intercept:
            assert np.max(np.abs(datafit.gradient_at(Z)[1])) <= 1e-12


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_squared_design_datafit_agrees_with_design(sparse, fit_intercept, weighted):
    # Fewer samples than features: the residual form, not the Gram form.
    X, Y, Estimator = _data("squared", (12, 30), 4, sparse=sparse, n_tasks=4)
    sample_weight = _weights(X.shape[0], 4) if weighted else None
    estimator = Estimator(fit_intercept=fit_intercept)
    _, datafit = _prepare(estimator, X, Y, sample_weight)
    lean = datafit.fast_form()
    assert isinstance(lean, ResidualDatafit)
    assert not lean.fit_intercept  # fixed at the target means
    c = datafit.null_intercept()
    np.testing.assert_array_equal(lean.null_intercept(), c)
    # The same null gradient to the bit: alpha_max and the null check agree.
    np.testing.assert_array_equal(lean.null_model()[2], datafit.null_model()[2])
    _assert_form_agrees_with_design(lean, datafit, seed=1)
    # The step-size seed: the top eigenvalue of X_c^T D X_c, to the power
    # iteration's accuracy.
    top = np.linalg.eigvalsh(_true_hessian(X, sample_weight, fit_intercept))[-1]
    assert lean.lipschitz_constant() == pytest.approx(top, rel=0.05)
    # A working set's form equals the form of those columns alone.
    rows = np.array([0, 3, 4, 7, 20])
    restricted = lean.restrict(rows)
    direct = estimator._prepare_datafit(X[:, rows], Y, sample_weight).fast_form()
    W = np.random.default_rng(2).standard_normal((rows.size, datafit.n_columns))
    assert type(restricted.fast_form()) is type(direct)  # the same choice of form
    for form in (restricted, restricted.fast_form()):
        _rel_close(form.value(form.forward(W, c)), direct.value(direct.forward(W, c)))
        _rel_close(
            form.gradient_at(form.forward(W, c))[0],
            direct.gradient_at(direct.forward(W, c))[0],
        )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
def test_gram_lipschitz_and_restrict(sparse, fit_intercept, weighted):
    X, Y, sample_weight, estimator, datafit = _gram_case(
        sparse, fit_intercept, weighted
    )
    gram = datafit.fast_form()
    hessian = _true_hessian(X, sample_weight, fit_intercept)
    np.testing.assert_allclose(gram.gram_matrix, hessian, rtol=1e-10, atol=1e-13)
    top = np.linalg.eigvalsh(hessian)[-1]
    assert gram.lipschitz_constant() >= top * (1 - 1e-12)
    assert gram.lipschitz_constant() <= top * (1 + 1e-8)  # exact, not a loose bound

    rows = np.array([0, 3, 4, 7])
    restricted = gram.restrict(rows)
    expected = estimator._prepare_datafit(X[:, rows], Y, sample_weight).fast_form()
    also = datafit.restrict(rows).fast_form()
    for other in (expected, also):
        assert isinstance(other, GramDatafit)
        np.testing.assert_allclose(
            restricted.gram_matrix, other.gram_matrix, rtol=1e-12, atol=1e-14
        )
        np.testing.assert_allclose(
            restricted.cross, other.cross, rtol=1e-12, atol=1e-14
        )
        assert restricted.target_variation == pytest.approx(
            other.target_variation, rel=1e-12
        )
        np.testing.assert_allclose(
            restricted.target_mean, other.target_mean, rtol=1e-12
        )
    np.testing.assert_allclose(
        restricted.gram_matrix, hessian[np.ix_(rows, rows)], rtol=1e-10, atol=1e-13
    )


# --------------------------------------------------------------------------
# 3. Working sets


def _kkt_row_check(penalty_name, alpha, W, G, rtol=1e-6):
    """Assert the KKT conditions of a row-separable norm penalty on the whole
    problem (every zero row, or entry for the lasso, in or out of the working
    set); return the support (nonzero rows)."""
    stationarity, excess, _ = kkt_violations(penalty_name, alpha, W, G)
    assert excess <= alpha * rtol
    assert stationarity <= alpha * rtol
    return np.any(W != 0, axis=1)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("penalty_name", ROW_PENALTIES)
def test_working_sets_sparse_solution(penalty_name, loss, fit_intercept, monkeypatch):
    # n < d: the working sets run on the design; for the squared loss their
    # subproblems (fewer rows than samples) run on the Gram form.
    X, Y, Estimator = _data(loss, (20, 60), 4, n_tasks=3)
    n_features = X.shape[1]
    penalty, datafit = _prepare(
        Estimator(penalty_name, fit_intercept=fit_intercept), X, Y
    )
    alpha = _alpha(penalty, datafit, fraction=0.5)

    inner = []  # (rows, Gram form?, n_iter) of every subproblem solved

    def counting_fista(sub, *args, **kwargs):
        result = fista(sub, *args, **kwargs)
        inner.append((sub.n_features, isinstance(sub, GramDatafit), result.n_iter))
        return result

    monkeypatch.setattr(solvers_module, "fista", counting_fista)
    result = solve(datafit, penalty, alpha, tol=1e-14, max_iter=MAX_ITER)
    monkeypatch.undo()

    assert result.converged
    assert result.n_iter > 0
    assert result.n_iter == sum(n for *_, n in inner)  # all inner iterations
    assert inner[0][0] < n_features  # a working set smaller than the problem
    # Gram form on the subproblems with fewer rows than samples.
    for rows, on_gram, _ in inner:
        assert on_gram == (loss == "squared" and rows < X.shape[0])
    # KKT on the whole problem, with the gradient of the design datafit.
    Z = datafit.forward(result.coef, result.offset)
    G, g = datafit.gradient_at(Z)
    support = _kkt_row_check(penalty_name, alpha, result.coef, G)
    assert 0 < support.sum() < n_features
    if fit_intercept:
        assert np.max(np.abs(g)) <= 1e-6 * alpha
    # The same exact zeros as the reference.
    reference = _reference(datafit, penalty, alpha)
    np.testing.assert_array_equal(result.coef == 0, reference.coef == 0)
    np.testing.assert_allclose(result.coef, reference.coef, rtol=0, atol=COEF_ATOL)


@pytest.mark.parametrize("penalty_name", ROW_PENALTIES)
def test_working_sets_not_converged(penalty_name):
    X, Y, Estimator = _data("squared", (20, 60), 5)
    penalty, datafit = _prepare(Estimator(penalty_name), X, Y)
    alpha = _alpha(penalty, datafit, fraction=0.1)
    result = solve(datafit, penalty, alpha, tol=1e-10, max_iter=3)
    assert not result.converged
    assert 0 < result.n_iter <= 3
    assert result.dual_gap > 1e-10 * datafit.value(datafit.null_model()[1])
    model = Estimator(penalty_name, alpha, tol=1e-10, max_iter=3)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model.fit(X, Y)
    assert not model.converged_
    # With enough iterations: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.set_params(max_iter=MAX_ITER).fit(X, Y)
    assert model.converged_


# Found by a scan over seeds: the working-set loop stops when FISTA on the
# whole problem converges, but then re-certifies the result with the dual
# point at the last iterate only, forgetting the better dual points FISTA saw.
@pytest.mark.parametrize(
    ("seed", "penalty_name", "fraction", "tol", "shape"),
    [(5, "group_lasso", 0.2, 1e-4, (15, 30)), (12, "lasso", 0.05, 1e-6, (20, 60))],
)
def test_working_sets_converged_when_whole_problem_converges(
    seed, penalty_name, fraction, tol, shape
):
    X, Y, _ = make_multitask_regression(
        *shape, 3, n_informative=3, bias=1.5, random_state=seed
    )
    X = X + np.random.default_rng(seed).uniform(-1, 1, size=shape[1])
    estimator = MultiTaskRegressor(penalty_name)
    penalty, datafit = _prepare(estimator, X, Y)
    alpha = fraction * penalty.dual_norm(datafit.null_model()[2])
    result = solve(datafit, penalty, alpha, tol=tol, max_iter=10_000)
    plain = fista(datafit, penalty, alpha, tol=tol, max_iter=10_000)
    assert plain.converged
    # Far fewer iterations than max_iter: it stopped because it converged.
    assert result.n_iter < 10_000
    assert result.converged, (result.n_iter, result.dual_gap)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MultiTaskRegressor(penalty_name, alpha, tol=tol, max_iter=10_000).fit(X, Y)


# --------------------------------------------------------------------------
# 4. Warm starts along a path


@pytest.mark.parametrize(
    ("penalty_name", "loss", "shape"),
    [(name, "squared", "tall") for name in PENALTIES]
    + [
        ("group_lasso", "squared", "wide"),  # working sets, Gram subproblems
        ("trace_norm", "squared", "wide"),
        ("lasso", "logistic", "tall"),  # working sets on the design
        ("ridge", "logistic", "tall"),
    ],
)
def test_warm_started_path_matches_cold_solves(penalty_name, loss, shape):
    X, Y, Estimator = _data(loss, shape, 6)
    problem = Estimator(penalty_name)._problem(X, Y, None)
    penalty, datafit = problem.norm, problem.datafit
    grid = alpha_grid(problem, 10, 0.1)
    assert grid.size == 10 and np.all(np.diff(grid) < 0)
    path = list(solve_path(problem, grid, max_iter=MAX_ITER, tol=TOL))
    assert [alpha for alpha, _ in path] == grid.tolist()
    for alpha, warm in path[1::2]:  # every other alpha, to save time
        cold = solve(datafit, penalty, alpha, tol=TOL, max_iter=MAX_ITER)
        assert warm.n_iter < MAX_ITER and cold.n_iter < MAX_ITER
        atol = _coef_atol(penalty, alpha, warm, cold)
        if loss == "logistic":  # flatter curvature: the same gap, larger errors
            atol = max(atol, 10 * COEF_ATOL)
        np.testing.assert_allclose(warm.coef, cold.coef, rtol=0, atol=atol)
        np.testing.assert_allclose(
            _intercept(datafit, warm), _intercept(datafit, cold), rtol=0, atol=atol
        )
        assert warm.objective == pytest.approx(cold.objective, rel=OBJECTIVE_RTOL)
    # A warm start must never be harmful. It saves the set-up (layout, Gram
    # form) more than iterations: FISTA from a nearby point still needs most of
    # its iterations, and the working sets start small either way, so the
    # totals are compared with a margin rather than strictly.
    tol = 1e-8
    path = solve_path(problem, grid, max_iter=MAX_ITER, tol=tol)
    warm_iters = cold_iters = 0
    for alpha, warm in path:
        cold = solve(datafit, penalty, alpha, tol=tol, max_iter=MAX_ITER)
        assert warm.converged and cold.converged
        warm_iters += warm.n_iter
        cold_iters += cold.n_iter
    if loss == "squared":
        assert warm_iters <= 1.25 * cold_iters
    # Known limitation, not asserted: with the logistic loss a warm-started
    # path has been measured to take up to 1.6 times the iterations of cold
    # solves (ridge, tall problem); its time is still saved on set-up.


@pytest.mark.parametrize(
    ("penalty_name", "loss"), [("ridge", "squared"), ("group_lasso", "logistic")]
)
def test_path_secant_start_is_never_worse(penalty_name, loss):
    X, Y, Estimator = _data(loss, "tall", 8)
    problem = Estimator(penalty_name)._problem(X, Y, None).fast_form()
    alphas = (
        [0.3, 0.2, 0.13]
        if penalty_name == "ridge"
        else list(alpha_grid(problem, 6, 0.1)[2:5])
    )
    previous = []
    for alpha in alphas[:2]:
        result = solve(problem.datafit_at(alpha), problem.norm, alpha, tol=1e-10)
        previous.append((alpha, result))
    datafit, penalty, alpha = problem.datafit_at(alphas[2]), problem.norm, alphas[2]
    coef, offset = _secant_start(datafit, penalty, alpha, previous)
    last = previous[-1][1]
    start = _objective(datafit, penalty, alpha, coef, offset)
    assert start <= _objective(datafit, penalty, alpha, last.coef, last.offset)
    if penalty_name == "ridge":  # a smooth path: the secant is strictly closer
        optimum = solve(datafit, penalty, alpha, tol=1e-12)
        assert np.linalg.norm(coef - optimum.coef) < 0.5 * np.linalg.norm(
            last.coef - optimum.coef
        )


# --------------------------------------------------------------------------
# 5. alpha_max is exact through the fast paths


@pytest.mark.parametrize("seed", [4, 7])
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("penalty_name", ["group_lasso", "trace_norm", "lasso"])
def test_alpha_max_exact_with_gram(penalty_name, variant, seed):
    sparse, fit_intercept, weighted = VARIANTS[variant]
    X, Y, _ = _data("squared", (60, 10), seed, sparse=sparse)
    sample_weight = _weights(X.shape[0], seed) if weighted else None
    estimator = MultiTaskRegressor(penalty_name, fit_intercept=fit_intercept)
    penalty, datafit = _prepare(estimator, X, Y, sample_weight)
    gram = datafit.fast_form()
    assert isinstance(gram, GramDatafit)
    top = alpha_max(
        X, Y, penalty=penalty_name, fit_intercept=fit_intercept,
        sample_weight=sample_weight,
    )  # fmt: skip
    model = estimator.set_params(alpha=top).fit(X, Y, sample_weight=sample_weight)
    assert np.all(model.coef_ == 0)
    alphas, coefs, intercepts, _, _ = regularization_path(
        X, Y, estimator=estimator, alphas=4, sample_weight=sample_weight
    )
    assert alphas[0] == top
    assert np.all(coefs[0] == 0), np.max(np.abs(coefs[0]))
    np.testing.assert_allclose(intercepts[0], model.intercept_, rtol=0, atol=1e-12)
    # What the path relies on (and _gram.py promises): the Gram form has the
    # same alpha_max as the design, to the last bit.
    assert penalty.dual_norm(gram.null_model()[2]) == top
    # Just below alpha_max the solution is no longer zero.
    below = estimator.set_params(alpha=top * (1 - 1e-3), tol=1e-10)
    assert np.any(below.fit(X, Y, sample_weight=sample_weight).coef_ != 0)


@pytest.mark.parametrize("penalty_name", ["group_lasso", "trace_norm", "lasso"])
def test_regularization_path_starts_at_zero_minimal(penalty_name):
    # Minimal case of the above: unweighted, dense, with intercepts.
    X, Y, _ = make_multitask_regression(60, 10, 3, bias=1.5, random_state=4)
    estimator = MultiTaskRegressor(penalty_name)
    _, coefs, *_ = regularization_path(X, Y, estimator=estimator, alphas=3)
    assert np.all(coefs[0] == 0), np.max(np.abs(coefs[0]))


# --------------------------------------------------------------------------
# 6. regularization_path


@pytest.mark.parametrize("penalty_name", PENALTIES)
def test_regularization_path_shapes_and_solutions(penalty_name):
    X, Y, _ = _data("squared", "tall", 8)
    estimator = MultiTaskRegressor(penalty_name, tol=1e-12, max_iter=MAX_ITER)
    alphas, coefs, intercepts, gaps, n_iters = regularization_path(
        X, Y, estimator=estimator, alphas=6, eps=0.05
    )
    n_tasks, n_features = Y.shape[1], X.shape[1]
    assert alphas.shape == (6,) and coefs.shape == (6, n_tasks, n_features)
    assert intercepts.shape == (6, n_tasks)
    assert gaps.shape == n_iters.shape == (6,)
    assert np.all(np.diff(alphas) < 0)
    assert alphas[-1] == pytest.approx(0.05 * alphas[0], rel=1e-12)
    if penalty_name != "ridge":
        assert np.all(coefs[0] == 0)
    assert np.any(coefs[-1] != 0)
    # Each point is the estimator's solution at that alpha.
    for alpha, coef, intercept in zip(alphas[[1, 3, 5]], coefs[[1, 3, 5]],
                                      intercepts[[1, 3, 5]], strict=True):  # fmt: skip
        model = MultiTaskRegressor(penalty_name, alpha, tol=TOL, max_iter=MAX_ITER)
        model.fit(X, Y)
        np.testing.assert_allclose(coef, model.coef_, rtol=0, atol=1e-5)
        np.testing.assert_allclose(intercept, model.intercept_, rtol=0, atol=1e-5)


def test_regularization_path_user_alphas_sorted():
    X, Y, _ = _data("squared", "tall", 9)
    given = [0.01, 0.2, 0.05]
    estimator = MultiTaskRegressor(tol=1e-12, max_iter=MAX_ITER)
    alphas, coefs, *_ = regularization_path(X, Y, estimator=estimator, alphas=given)
    np.testing.assert_array_equal(alphas, [0.2, 0.05, 0.01])
    for alpha, coef in zip(alphas, coefs, strict=True):
        model = MultiTaskRegressor(alpha=alpha, tol=TOL, max_iter=MAX_ITER).fit(X, Y)
        np.testing.assert_allclose(coef, model.coef_, rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "alphas",
    [0, -3, [], [0.1, -0.1], [0.1, np.inf], [np.nan], np.array([[0.1, np.nan]])],
)
def test_regularization_path_bad_alphas(alphas):
    X, Y, _ = _data("squared", "tall", 9)
    with pytest.raises(ValueError, match="alphas"):
        regularization_path(X, Y, alphas=alphas)
