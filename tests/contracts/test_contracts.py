"""Every implementer of the solver contracts passes the same checks.

A solver calls the data term only through :class:`skmtl.datafits.base.Datafit`
and the non-smooth term only through
:class:`skmtl.penalties.base.SolverPenalty`. Each test below states one
property a solver relies on, in a comment with its mathematics, and checks it
from the contract's methods alone (no private state of the implementers), on
small random problems, for every implementer: the loss datafit (each loss, both
layouts, with and without intercept, dense and sparse, missing targets), its
Gram and residual forms, the smooth-term and parts wrappers, the dask datafit,
and every solver-side penalty.

Notation: ``F(W, c) = value(forward(W, c))``; ``<A, B>`` is the Frobenius
inner product; a "dual point" is ``(V, image) = dual_candidate(Z)``, whose
conjugate is ``conjugate(V, s)`` at the scale ``s``.
"""

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize

from skmtl import MultiTaskClassifier, MultiTaskRegressor
from skmtl._problem import NoPenalty, TaskContext
from skmtl.datafits.base import Datafit, require_datafit
from skmtl.datafits.gram import GramDatafit
from skmtl.datafits.parts import PartsDatafit
from skmtl.datafits.pooled import PooledDatafit
from skmtl.datafits.residual import ResidualDatafit
from skmtl.datafits.shared_intercept import SharedInterceptDatafit
from skmtl.datafits.shared_intercept_gram import SharedInterceptGramDatafit
from skmtl.datafits.smooth import SmoothDatafit
from skmtl.penalties.base import SolverPenalty, require_solver_penalty
from skmtl.penalties.fused import _FusedRows
from skmtl.penalties.norms import GroupLasso, Lasso, Ridge, TaskGroupLasso, TraceNorm
from skmtl.penalties.parts import PartsPenalty
from skmtl.penalties.smooth_terms import ClusterTerm, GraphLaplacian, SquaredFrobenius
from skmtl.solvers.gap import duality_gap
from skmtl.utils.contracts import protocol_members

N, D, T = 30, 6, 3
ROWS = np.array([0, 2, 3, 5])  # a sorted working set, as the solvers pass
FD_STEP = 1e-5
FD_RTOL = 1e-6


# --------------------------------------------------------------------------
# Data


def _features(rng, n, d, sparse=False, density=0.5):
    """Features with nonzero means (so that centring matters)."""
    X = rng.standard_normal((n, d)) + rng.uniform(-1.0, 1.0, d)
    if sparse:
        X = sp.csr_matrix(np.where(rng.uniform(size=X.shape) < density, X, 0.0))
    return X


def _scores(rng, X, t):
    return X @ rng.standard_normal((X.shape[1], t)) + 0.5 * rng.standard_normal(
        (X.shape[0], t)
    )


def _labels(score, n_classes):
    """Labels from quantiles of a score: every class present."""
    edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
    return np.digitize(score, edges)


def _task_rows(rng, sizes, d, sparse=False):
    """Task-column layout: the task label in column 0 of X, rows interleaved."""
    task = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    features = _features(rng, task.size, d)
    coef = rng.standard_normal((len(sizes), d))
    score = np.einsum("ij,ij->i", features, coef[task]) + 0.5 * rng.standard_normal(
        task.size
    )
    if sparse:
        features = np.where(rng.uniform(size=features.shape) < 0.5, features, 0.0)
    return np.column_stack([task, features]), task, score


@dataclass
class Built:
    """A datafit, the task of each column of its ``W``, and its number of parts."""

    datafit: object
    column_task: np.ndarray
    n_parts: int = 1


def _prepared(estimator, X, y, sample_weight=None):
    """The datafit exactly as the estimator builds it (as the solver tests do)."""
    datafit = estimator._prepare_datafit(X, y, sample_weight)
    return Built(datafit, estimator._column_task)


def _squared(seed, *, intercept=True, sparse=False, weighted=False, missing=False,
             n=N, d=D, density=0.5, zero=False):  # fmt: skip
    """Regression tasks (the squared loss); ``zero``: all targets zero."""
    rng = np.random.default_rng(seed)
    X = _features(rng, n, d, sparse, density)
    Y = _scores(rng, X, T) + 1.5
    if zero:
        Y = np.zeros_like(Y)
    if missing:
        Y[rng.uniform(size=Y.shape) < 0.2] = np.nan
    weight = rng.uniform(0.2, 3.0, n) if weighted else None
    estimator = MultiTaskRegressor(
        fit_intercept=intercept, missing_targets="ignore" if missing else "error"
    )
    return _prepared(estimator, X, Y, weight)


def _classification(seed, *, intercept=True, sparse=False, multiclass=False,
                    missing=False):  # fmt: skip
    """Binary tasks (logistic); with ``multiclass`` task 0 has three classes."""
    rng = np.random.default_rng(seed)
    X = _features(rng, N, D, sparse)
    score = _scores(rng, X, T)
    Y = np.column_stack(
        [_labels(score[:, t], 3 if multiclass and t == 0 else 2) for t in range(T)]
    ).astype(float)
    if missing:
        Y[rng.uniform(size=Y.shape) < 0.15] = np.nan
    estimator = MultiTaskClassifier(
        fit_intercept=intercept, missing_targets="ignore" if missing else "error"
    )
    return _prepared(estimator, X, Y)


def _squared_task_rows(seed, *, intercept=True, sparse=False, zero=False):
    X, _, score = _task_rows(np.random.default_rng(seed), (10, 8, 12), D, sparse)
    if sparse:
        X = sp.csr_matrix(X)
    estimator = MultiTaskRegressor(task_column=0, fit_intercept=intercept)
    return _prepared(estimator, X, np.zeros_like(score) if zero else score + 1.0)


def _classification_task_rows(seed, *, intercept=True, sparse=False):
    """Two binary tasks and one three-class task, each with its own rows."""
    X, task, score = _task_rows(np.random.default_rng(seed), (10, 9, 15), D, sparse)
    y = np.empty(task.size)
    for t, n_classes in enumerate((2, 2, 3)):
        y[task == t] = _labels(score[task == t], n_classes)
    if sparse:
        X = sp.csr_matrix(X)
    estimator = MultiTaskClassifier(task_column=0, fit_intercept=intercept)
    return _prepared(estimator, X, y)


def _fast(built, expected_type):
    """The fast form of a datafit, which must be of the expected type."""
    fast = built.datafit.fast_form()
    assert type(fast) is expected_type
    return Built(fast, built.column_task)


def _gram_per_task(seed):
    """The (n_tasks, d, d) Gram form the regressor builds from statistics."""
    from skmtl import outofcore
    from skmtl._layout.designs import InterceptMap

    # Being renamed: MultiTaskGram is the deprecated name of MultiTaskMoments.
    Moments = getattr(outofcore, "MultiTaskMoments", None) or outofcore.MultiTaskGram

    X, _, score = _task_rows(np.random.default_rng(seed), (10, 8, 12), D)
    stats = Moments(task_column=0).partial_fit(X, score)
    gram, cross, variation, y_mean, x_mean = stats.design_statistics()
    datafit = GramDatafit(gram, cross, variation, y_mean, InterceptMap(x_mean))
    return Built(datafit, np.arange(T))


def _laplacian(n_columns, seed):
    rng = np.random.default_rng(seed)
    A = rng.uniform(size=(n_columns, n_columns))
    A = A + A.T
    np.fill_diagonal(A, 0.0)
    return np.diag(A.sum(axis=1)) - A


def _smooth(built, *terms):
    return Built(SmoothDatafit(built.datafit, terms), built.column_task)


def _parts(built, n_parts):
    return Built(PartsDatafit(built.datafit, n_parts), built.column_task, n_parts)


def _shared_intercepts(built, strength):
    return Built(SharedInterceptDatafit(built.datafit, strength), built.column_task)


def _pooled(built):
    return Built(PooledDatafit(built.datafit), np.zeros(1, dtype=int))


def _dask(seed, *, intercept):
    """Binary tasks on a dask array of three row blocks."""
    import dask.array as da

    from skmtl.datafits.dask_logistic import DaskLogisticDatafit

    rng = np.random.default_rng(seed)
    X = _features(rng, N, D)
    score = _scores(rng, X, T)
    Y = np.column_stack([_labels(score[:, t], 2) for t in range(T)])
    X, Y = da.from_array(X, chunks=(10, D)), da.from_array(Y, chunks=(10, T))
    return Built(DaskLogisticDatafit.from_dask(X, Y, intercept), np.arange(T))


# name -> builder; every implementer of the datafit contract appears.
CASES = {
    # LossDatafit: squared loss
    "squared-shared": lambda: _squared(0),
    "squared-shared-no-intercept": lambda: _squared(1, intercept=False),
    "squared-shared-sparse-weighted": lambda: _squared(2, sparse=True, weighted=True),
    "squared-shared-missing": lambda: _squared(3, missing=True),
    "squared-task-rows": lambda: _squared_task_rows(4),
    "squared-task-rows-sparse-no-intercept": lambda: _squared_task_rows(
        5, intercept=False, sparse=True
    ),
    # LossDatafit: logistic and multinomial losses
    "logistic-shared": lambda: _classification(6),
    "logistic-shared-sparse-no-intercept": lambda: _classification(
        7, intercept=False, sparse=True
    ),
    "logistic-shared-missing": lambda: _classification(8, missing=True),
    "multinomial-shared": lambda: _classification(9, multiclass=True),
    "multinomial-shared-no-intercept": lambda: _classification(
        10, intercept=False, multiclass=True
    ),
    "multinomial-task-rows": lambda: _classification_task_rows(11),
    "multinomial-task-rows-sparse-no-intercept": lambda: _classification_task_rows(
        12, intercept=False, sparse=True
    ),
    # The Gram and residual forms, as LossDatafit.fast_form gives them
    "gram": lambda: _fast(_squared(13), GramDatafit),
    "gram-no-intercept": lambda: _fast(_squared(14, intercept=False), GramDatafit),
    "gram-sparse-weighted": lambda: _fast(
        _squared(15, sparse=True, weighted=True), GramDatafit
    ),
    "gram-per-task": lambda: _gram_per_task(16),
    # sparse with fewer non-zeros than d^2, or fewer samples than features
    "residual-sparse": lambda: _fast(
        _squared(17, sparse=True, n=20, d=8, density=0.25), ResidualDatafit
    ),
    "residual-wide-weighted": lambda: _fast(
        _squared(18, weighted=True, n=7, d=8), ResidualDatafit
    ),
    "residual-wide-no-intercept": lambda: _fast(
        _squared(19, intercept=False, n=7, d=8), ResidualDatafit
    ),
    # SmoothDatafit, one smooth term each, around various inner datafits
    "smooth-frobenius-squared": lambda: _smooth(_squared(20), SquaredFrobenius(0.3)),
    "smooth-laplacian-logistic": lambda: _smooth(
        _classification(21), GraphLaplacian(0.2, _laplacian(T, 21))
    ),
    "smooth-cluster-squared-task-rows": lambda: _smooth(
        _squared_task_rows(22), ClusterTerm(0.5, 0.5, 2)
    ),
    "smooth-all-multinomial-no-intercept": lambda: _smooth(
        _classification(23, intercept=False, multiclass=True),
        SquaredFrobenius(0.1),
        GraphLaplacian(0.1, _laplacian(T + 2, 23)),
        ClusterTerm(0.3, 1.0, 2),
    ),
    "smooth-gram": lambda: _smooth(
        _fast(_squared(24), GramDatafit), ClusterTerm(0.4, 0.5, 2)
    ),
    # cASO's regime: a subspace of the features wider than the tasks and than
    # the working set ROWS (the term depends on the non-zero spectrum only)
    "smooth-caso-wide-logistic": lambda: _smooth(
        _classification(38), ClusterTerm(0.3, 0.5, D - 1)
    ),
    # PartsDatafit: W as a sum of parts, also around a smooth wrapper
    "parts-squared": lambda: _parts(_squared(25), 2),
    "parts-smooth-logistic": lambda: _parts(
        _smooth(_classification(26), SquaredFrobenius(0.2)), 3
    ),
    # SharedInterceptDatafit: intercepts pulled to their mean, or tied
    "shared-intercepts-squared-task-rows": lambda: _shared_intercepts(
        _squared_task_rows(29), 0.7
    ),
    "shared-intercepts-logistic-missing": lambda: _shared_intercepts(
        _classification(30, missing=True), 0.5
    ),
    "tied-intercepts-squared-sparse-weighted": lambda: _shared_intercepts(
        _squared(31, sparse=True, weighted=True), np.inf
    ),
    "shared-intercepts-gram": lambda: _fast(
        _shared_intercepts(_squared_task_rows(35), 0.4), SharedInterceptGramDatafit
    ),
    "tied-intercepts-gram": lambda: _fast(
        _shared_intercepts(_squared_task_rows(36), np.inf), SharedInterceptGramDatafit
    ),
    "gram-per-task-rows": lambda: _fast(_squared_task_rows(37), GramDatafit),
    # PooledDatafit: one coefficient column for every task
    "pooled-squared-task-rows": lambda: _pooled(_squared_task_rows(32)),
    "pooled-shared-intercepts-logistic": lambda: _pooled(
        _shared_intercepts(_classification(33), 1.5)
    ),
    "smooth-pooled-tied-squared": lambda: _smooth(
        _pooled(_shared_intercepts(_squared_task_rows(34), np.inf)),
        SquaredFrobenius(0.2),
    ),
    # DaskLogisticDatafit
    "dask-logistic": lambda: _dask(27, intercept=True),
    "dask-logistic-no-intercept": lambda: _dask(28, intercept=False),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def built(request):
    import dask

    # The synchronous scheduler: no threads for a tiny array (also faster).
    with dask.config.set(scheduler="synchronous"):
        yield CASES[request.param]()


# --------------------------------------------------------------------------
# Helpers: the smooth objective through the contract only


def _state_and_value(datafit, W, c):
    Z = datafit.forward(W, c)
    return Z, datafit.value(Z)


def _objective(datafit, W, c):
    return datafit.value(datafit.forward(W, c))


def _gradient(datafit, W, c):
    return datafit.gradient_at(datafit.forward(W, c))


def _point(datafit, rng, scale=0.3):
    """Random coefficients, and intercepts near the null model's (if free)."""
    W = scale * rng.standard_normal((datafit.n_features, datafit.n_columns))
    c = datafit.null_model()[0]
    if datafit.fit_intercept:
        c = c + scale * rng.standard_normal(c.shape)
    return W, c


def _assert_close(actual, expected, rtol, floor=1e-12):
    """``||actual - expected|| <= rtol * max(||expected||, floor)``."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    error = np.linalg.norm(actual - expected)
    assert error <= rtol * max(np.linalg.norm(expected), floor), (error, expected)


def _central_differences(fun, x, step=FD_STEP):
    gradient = np.empty_like(x)
    for index in np.ndindex(x.shape):
        forward, backward = x.copy(), x.copy()
        forward[index] += step
        backward[index] -= step
        gradient[index] = (fun(forward) - fun(backward)) / (2 * step)
    return gradient


def _best_intercepts(datafit, W):
    """``argmin_c F(W, c)`` (the null model's when the intercepts are fixed)."""
    c = datafit.null_model()[0]
    if not datafit.fit_intercept:
        return c

    def fun(c):
        Z, value = _state_and_value(datafit, W, c)
        return value, datafit.gradient_at(Z)[1]

    options = {"gtol": 1e-14, "ftol": 0.0, "maxiter": 1000}
    return minimize(fun, c, jac=True, method="L-BFGS-B", options=options).x


def _lbfgs(datafit, objective, W, c, **options):
    """Minimise ``objective(W, c) -> (value, grad_W, grad_c)`` with L-BFGS.

    Over ``W`` and, when the intercepts are free, ``c`` (else held at ``c``).
    Returns the minimiser ``(W, c)`` and the norm of the gradient there.
    """
    shape, size = W.shape, W.size
    free_c = datafit.fit_intercept

    def unpack(x):
        return x[:size].reshape(shape), (x[size:] if free_c else c)

    def fun(x):
        value, grad_W, grad_c = objective(*unpack(x))
        return value, np.concatenate([grad_W.ravel(), grad_c if free_c else []])

    x0 = np.concatenate([W.ravel(), c if free_c else []])
    x = minimize(fun, x0, jac=True, method="L-BFGS-B", options=options).x
    return (*unpack(x), np.linalg.norm(fun(x)[1]))


def _norm_penalties(built):
    """The norm penalties that act on this datafit's ``W`` (or stacked parts)."""
    task_groups = TaskGroupLasso()._bind(
        TaskContext(
            built.datafit.n_features,
            built.column_task,
            np.arange(built.column_task.max() + 1),
        )
    )
    if built.n_parts == 1:
        return [GroupLasso(), TraceNorm(), Lasso(), task_groups, _FusedRows(0.3, 0.8)]
    width = built.column_task.size
    others = [Lasso(), TraceNorm(), GroupLasso()][: built.n_parts - 1]
    return [
        PartsPenalty([GroupLasso(), *others], [1.0, 0.6, 1.7][: built.n_parts], width),
        PartsPenalty([task_groups, *others], [0.8, 1.3, 0.5][: built.n_parts], width),
    ]


# --------------------------------------------------------------------------
# 1. Datafits


def test_datafit_protocol(built):
    # The solvers check require_datafit once before iterating; every member of
    # the Protocol exists, and the shapes are those the flags announce.
    datafit = built.datafit
    assert isinstance(datafit, Datafit)
    require_datafit(datafit)
    for flag in ("fit_intercept", "has_dual_point", "cheap_dual_point"):
        assert isinstance(getattr(datafit, flag), (bool, np.bool_)), flag
    W, c = _point(datafit, np.random.default_rng(0))
    grad_W, grad_c = _gradient(datafit, W, c)
    assert grad_W.shape == (datafit.n_features, datafit.n_columns)
    assert np.shape(grad_c) == c.shape
    assert np.isfinite(datafit.value(datafit.forward(W, c)))


# The members of the Protocol that are methods (the others are attributes).
_DATAFIT_METHODS = {name for name in vars(Datafit) if callable(vars(Datafit)[name])}


@pytest.mark.parametrize("missing", protocol_members(Datafit))
def test_require_datafit_rejects_a_missing_member(missing):
    # The check above can fail: an object lacking any one member is refused.
    members = {
        name: (lambda self, *args: None) if name in _DATAFIT_METHODS else 0
        for name in protocol_members(Datafit)
        if name != missing
    }
    partial = type("Partial", (), members)()
    assert not isinstance(partial, Datafit)
    with pytest.raises(TypeError, match=missing):
        require_datafit(partial)


def test_states_are_affine(built):
    # The solver extrapolates states, Z_y = Z + beta (Z - Z_prev), instead of
    # recomputing forward(W_y, c_y). That is exact when forward is affine in
    # (W, c): forward(x + beta (x - x')) = Z + beta (Z - Z'). States are
    # compared through what a solver reads from them (value, gradients).
    datafit = built.datafit
    rng = np.random.default_rng(1)
    (W1, c1), (W0, c0) = _point(datafit, rng), _point(datafit, rng)
    Z1, Z0 = datafit.forward(W1, c1), datafit.forward(W0, c0)
    for beta in (0.7, -0.4):
        extrapolated = Z1 + beta * (Z1 - Z0)
        direct = datafit.forward(W1 + beta * (W1 - W0), c1 + beta * (c1 - c0))
        expected = datafit.value(direct)
        assert datafit.value(extrapolated) == pytest.approx(expected, rel=1e-10)
        for got, want in zip(
            datafit.gradient_at(extrapolated), datafit.gradient_at(direct), strict=True
        ):
            _assert_close(got, want, 1e-10)


def test_gradient_matches_finite_differences(built):
    # grad_W[j, t] = dF/dW[j, t] and, when the intercepts are free,
    # grad_c[t] = dF/dc[t], against central differences (error O(h^2)).
    datafit = built.datafit
    W, c = _point(datafit, np.random.default_rng(2))
    grad_W, grad_c = _gradient(datafit, W, c)
    numerical_W = _central_differences(lambda V: _objective(datafit, V, c), W)
    _assert_close(grad_W, numerical_W, FD_RTOL)
    if datafit.fit_intercept:
        numerical_c = _central_differences(lambda b: _objective(datafit, W, b), c)
        _assert_close(grad_c, numerical_c, FD_RTOL, floor=1e-6)


def _no_dual_point(datafit, rng):
    # A declared lack of capability: no candidate (and, in the gap, a dual
    # value of -inf, checked in test_duality_gap_zero_at_reference_optimum).
    W, c = _point(datafit, rng)
    assert datafit.dual_candidate(datafit.forward(W, c)) is None


def test_fenchel_young_equality(built):
    # Let A map x = (W, c) to the scores, theta be the dual variable of the
    # candidate, image = A_W^T theta its image in W space, and conjugate(V, s)
    # = F*(s theta). Fenchel-Young: F(z) + F*(theta) = <theta, z> when theta
    # is the gradient of F at z. The candidate is the gradient moved to have
    # zero intercept part (<theta, A(0, c)> = 0), which changes nothing where
    # the gradient in c already vanishes: at the best intercepts of W (any c
    # when they are fixed). There, F(x) + conjugate(V, 1) = <image, W>.
    datafit = built.datafit
    rng = np.random.default_rng(3)
    if not datafit.has_dual_point:
        _no_dual_point(datafit, rng)
        return
    W, _ = _point(datafit, rng)
    c = _best_intercepts(datafit, W)
    Z, F = _state_and_value(datafit, W, c)
    if datafit.fit_intercept:
        assert np.linalg.norm(datafit.gradient_at(Z)[1]) <= 1e-9
    V, image = datafit.dual_candidate(Z)
    pairing = float(np.vdot(image, W))
    tol = 1e-9 * (abs(F) + abs(pairing))
    assert F + datafit.conjugate(V, 1.0) == pytest.approx(pairing, abs=tol)


def test_fenchel_young_inequality(built):
    # For a candidate taken anywhere (intercepts not optimal: the centring
    # acts) and any scale s: F(x) + F*(s theta) >= <s theta, A x> = s <image,
    # W> for every x = (W, c). This is weak duality for any penalty; it fails
    # if image is not the image of the theta that conjugate measures. Checked
    # at random x and at the x that makes the bound tightest, the minimiser of
    # F(x) - s <image, W> found by L-BFGS: there F* is attained when it is
    # finite (a wrong image makes the minimum lower, or unbounded).
    datafit = built.datafit
    rng = np.random.default_rng(30)
    if not datafit.has_dual_point:
        _no_dual_point(datafit, rng)
        return
    W0, c0 = _point(datafit, rng, scale=0.6)
    V, image = datafit.dual_candidate(datafit.forward(W0, c0))

    def check(W, c, s):
        F = _objective(datafit, W, c)
        bound = s * float(np.vdot(image, W))
        tol = 1e-9 * (abs(F) + abs(bound) + 1)
        assert F + datafit.conjugate(V, s) >= bound - tol, (F, bound, s)

    for s in (0.0, 0.3, 1.0):
        for _ in range(2):
            check(*_point(datafit, rng, scale=0.6), s)
    for s in (0.5, 1.0):

        def lower(W, c, s=s):
            Z, F = _state_and_value(datafit, W, c)
            grad_W, grad_c = datafit.gradient_at(Z)
            return F - s * float(np.vdot(image, W)), grad_W - s * image, grad_c

        W, c, _ = _lbfgs(datafit, lower, W0, c0, maxiter=500)
        check(W, c, s)


# Datafits that are positively homogeneous of degree 2 in W: squared loss with
# zero targets and no intercept, its fast forms, the smooth terms, the parts.
HOMOGENEOUS = {
    "squared": lambda: _squared(40, intercept=False, zero=True),
    "squared-task-rows": lambda: _squared_task_rows(41, intercept=False, zero=True),
    "gram": lambda: _fast(_squared(42, intercept=False, zero=True), GramDatafit),
    "residual": lambda: _fast(
        _squared(43, intercept=False, zero=True, n=7, d=8), ResidualDatafit
    ),
    "smooth": lambda: _smooth(
        _squared(44, intercept=False, zero=True),
        SquaredFrobenius(0.2),
        GraphLaplacian(0.3, _laplacian(T, 44)),
        ClusterTerm(0.5, 0.5, 2),
    ),
    "parts-smooth-gram": lambda: _parts(
        _smooth(
            _fast(_squared(45, intercept=False, zero=True), GramDatafit),
            ClusterTerm(1.0, 1.0, 2),
        ),
        2,
    ),
}


@pytest.mark.parametrize("name", list(HOMOGENEOUS))
def test_conjugate_at_scaled_dual_points(name):
    # The checks above pin the conjugate down at scale 1 only. For a data term
    # positively homogeneous of degree 2, G(s W) = s^2 G(W), the gradient is
    # 1-homogeneous, so s theta(W) is the dual variable at s W, and by
    # Fenchel-Young and Euler (<grad G(W), W> = 2 G(W)):
    # G*(s theta) = <s theta, s W> - G(s W) = s^2 G(W). With zero targets and
    # no intercept, every datafit here is such a G: conjugate(V, s) must be
    # s^2 value(Z) for the candidate (V, image) at Z = forward(W, c).
    datafit = HOMOGENEOUS[name]().datafit
    rng = np.random.default_rng(15)
    W, c = _point(datafit, rng)
    Z = datafit.forward(W, c)
    V, _ = datafit.dual_candidate(Z)
    value = datafit.value(Z)
    for s in (0.0, 0.3, 0.7, 1.0, 1.6):
        assert datafit.conjugate(V, s) == pytest.approx(s**2 * value, rel=1e-10)


def test_dual_candidate_reuses_the_gradient(built):
    # dual_candidate(Z, grad_W) with the gradient at Z must give the same dual
    # point as without it; when cheap_dual_point the image is that gradient.
    datafit = built.datafit
    W, c = _point(datafit, np.random.default_rng(4))
    Z = datafit.forward(W, c)
    candidate = datafit.dual_candidate(Z)
    if not datafit.has_dual_point:
        assert candidate is None
        return
    grad_W = datafit.gradient_at(Z)[0]
    V, image = candidate
    V_reused, image_reused = datafit.dual_candidate(Z, grad_W)
    _assert_close(image_reused, image, 1e-10)
    for s in (0.5, 1.0):
        expected = datafit.conjugate(V, s)
        assert datafit.conjugate(V_reused, s) == pytest.approx(expected, rel=1e-10)
    if datafit.cheap_dual_point:
        _assert_close(image, grad_W, 1e-10)


def test_duality_gap_zero_at_reference_optimum(built):
    # Ridge, alpha/2 ||W||^2: the objective is smooth and strongly convex; a
    # reference optimum from L-BFGS (scipy) has gap P - D = ||grad P||^2 / (2
    # alpha) ~ 0. Also the null model for a norm at alpha above alpha_max =
    # dual_norm(grad at the null model): W = 0 is optimal and the gap is zero.
    datafit = built.datafit
    if not datafit.has_dual_point:
        W, c = _point(datafit, np.random.default_rng(5))
        _, dual = duality_gap(datafit, Ridge(), 1.0, W, datafit.forward(W, c))
        assert dual == -np.inf
        return
    alpha, c_null = 0.1, datafit.null_model()[0]

    def ridge_objective(W, c):
        Z, value = _state_and_value(datafit, W, c)
        grad_W, grad_c = datafit.gradient_at(Z)
        return value + alpha * Ridge().value(W), grad_W + alpha * W, grad_c

    zeros = np.zeros((datafit.n_features, datafit.n_columns))
    options = {"gtol": 1e-12, "ftol": 0.0, "maxiter": 5000, "maxcor": 30}
    W, c, gradient_norm = _lbfgs(datafit, ridge_objective, zeros, c_null, **options)
    primal_ref = ridge_objective(W, c)[0]
    assert gradient_norm <= 1e-7 * max(1.0, primal_ref)
    primal, dual = duality_gap(datafit, Ridge(), alpha, W, datafit.forward(W, c))
    assert primal == pytest.approx(primal_ref, rel=1e-12)
    assert abs(primal - dual) <= 1e-8 * primal

    _, Z_null, grad_null = datafit.null_model()
    for penalty in _norm_penalties(built):
        alpha = 2.0 * penalty.dual_norm(grad_null) + 1e-3
        primal, dual = duality_gap(datafit, penalty, alpha, zeros, Z_null)
        assert abs(primal - dual) <= 1e-10 * abs(primal)


def test_dual_point_feasible_and_weak_duality(built):
    # For a norm, dual_point(-image, alpha) scales the candidate into the ball
    # dual_norm <= alpha, so D = -F*(s theta) is a lower bound (weak duality):
    # P(W, c) - D >= 0 at any (W, c), with the dual taken at any state. Ridge
    # needs no scaling (its conjugate is finite everywhere).
    datafit = built.datafit
    if not datafit.has_dual_point:
        pytest.skip("no dual point (a declared lack of capability)")
    rng = np.random.default_rng(6)
    grad_null = datafit.null_model()[2]
    for penalty in [*_norm_penalties(built), Ridge()]:
        if penalty.is_norm:
            alpha = 0.3 * penalty.dual_norm(grad_null)
        else:
            alpha = 0.1
        for _ in range(2):
            W, c = _point(datafit, rng, scale=0.5)
            Z = datafit.forward(W, c)
            _, image = datafit.dual_candidate(Z)
            scale, conjugate = penalty.dual_point(-image, alpha)
            assert 0.0 <= scale <= 1.0
            if penalty.is_norm:
                assert penalty.dual_norm(scale * image) <= alpha * (1 + 1e-12)
                assert conjugate == 0.0
            primal, dual = duality_gap(datafit, penalty, alpha, W, Z)
            assert primal - dual >= -1e-10 * abs(primal)
            # The dual at another state, its gradient reused (as FISTA does).
            W_other, c_other = _point(datafit, rng)
            Z_other = datafit.forward(W_other, c_other)
            grad_other = datafit.gradient_at(Z_other)[0]
            primal, dual = duality_gap(
                datafit, penalty, alpha, W, Z, Z_other, grad_other
            )
            assert primal - dual >= -1e-10 * abs(primal)


def test_restrict_matches_full_problem(built):
    # Working sets solve on rows ROWS of W: the restricted datafit at W[ROWS]
    # is the full one at W with zeros outside ROWS (value, gradient rows ROWS,
    # gradient in c, dual point, null model). The solver restricts, then takes
    # the fast form: restrict(ROWS).fast_form() is compared with the full fast
    # form, and so is fast_form().restrict(ROWS).
    datafit = built.datafit
    try:
        restricted = datafit.restrict(ROWS)
    except NotImplementedError:
        # Declared: working sets need a dual point, which this one lacks.
        assert not datafit.has_dual_point
        return
    fast = datafit.fast_form()
    pairs = [
        (datafit, restricted),
        (fast, restricted.fast_form()),
        (fast, fast.restrict(ROWS)),
    ]
    rng = np.random.default_rng(7)
    W, c = _point(datafit, rng)
    W[np.setdiff1d(np.arange(datafit.n_features), ROWS)] = 0.0
    for full, sub in pairs:
        assert sub.n_features == ROWS.size
        assert sub.n_columns == full.n_columns
        assert sub.fit_intercept == full.fit_intercept
        assert sub.has_dual_point == full.has_dual_point
        if not full.fit_intercept:
            c = full.null_model()[0]
        Z, Z_sub = full.forward(W, c), sub.forward(W[ROWS], c)
        assert sub.value(Z_sub) == pytest.approx(full.value(Z), rel=1e-12)
        (grad_W, grad_c), (sub_W, sub_c) = full.gradient_at(Z), sub.gradient_at(Z_sub)
        _assert_close(sub_W, grad_W[ROWS], 1e-10)
        if sub.fit_intercept:
            _assert_close(sub_c, grad_c, 1e-10)
        _assert_close(sub.null_model()[2], full.null_model()[2][ROWS], 1e-10)
        if full.has_dual_point:
            (V, image), (V_sub, image_sub) = (
                full.dual_candidate(Z),
                sub.dual_candidate(Z_sub),
            )
            _assert_close(image_sub, image[ROWS], 1e-10)
            for s in (0.5, 1.0):
                expected = full.conjugate(V, s)
                assert sub.conjugate(V_sub, s) == pytest.approx(expected, rel=1e-10)


def test_fast_form_is_equivalent(built):
    # fast_form() gives the same objective. A form with fixed intercepts (Gram,
    # residual: fit_intercept False) holds them at the best intercepts for
    # every W: F_fast(W) = min_c F(W, c), attained at its null model's c.
    datafit = built.datafit
    fast = datafit.fast_form()
    require_datafit(fast)
    assert (fast.n_features, fast.n_columns) == (datafit.n_features, datafit.n_columns)
    assert fast.fast_form() is fast  # already the cheapest
    c_fast = fast.null_model()[0]
    rng = np.random.default_rng(8)
    for _ in range(2):
        W, c = _point(datafit, rng)
        if not fast.fit_intercept:
            c = c_fast
        Z, Z_fast = datafit.forward(W, c), fast.forward(W, c)
        assert fast.value(Z_fast) == pytest.approx(datafit.value(Z), rel=1e-11)
        (grad_W, grad_c), (fast_W, fast_c) = (
            datafit.gradient_at(Z),
            fast.gradient_at(Z_fast),
        )
        _assert_close(fast_W, grad_W, 1e-10)
        if fast.fit_intercept:
            _assert_close(fast_c, grad_c, 1e-10)
        elif datafit.fit_intercept:
            # c_fast minimises over c: the original's gradient in c vanishes.
            assert np.linalg.norm(grad_c) <= 1e-10 * (1 + np.linalg.norm(grad_W))
    _assert_close(fast.null_model()[2], datafit.null_model()[2], 1e-10)


def test_null_model(built):
    # null_model() = (c0, Z0, g0): Z0 = forward(0, c0), g0 the gradient in W
    # there, and c0 = argmin_c F(0, c): the gradient in c vanishes (F is
    # convex in c, so that is the minimum) and perturbing c does not decrease F.
    datafit = built.datafit
    c0, Z0, g0 = datafit.null_model()
    zeros = np.zeros((datafit.n_features, datafit.n_columns))
    Z = datafit.forward(zeros, c0)
    assert datafit.value(Z0) == pytest.approx(datafit.value(Z), rel=1e-12)
    grad_W, grad_c = datafit.gradient_at(Z)
    _assert_close(g0, grad_W, 1e-12)
    _assert_close(datafit.gradient_at(Z0)[0], grad_W, 1e-12)
    if datafit.fit_intercept:
        assert np.linalg.norm(grad_c) <= 1e-10 * max(1.0, np.linalg.norm(grad_W))
        rng = np.random.default_rng(9)
        for step in (1e-1, 1e-3):
            perturbed = c0 + step * rng.standard_normal(c0.shape)
            assert _objective(datafit, zeros, perturbed) >= datafit.value(Z) * (
                1 - 1e-14
            )


def test_lipschitz_constant_bounds_the_gradient(built):
    # ||grad(x) - grad(y)|| <= L ||x - y|| for x = (W, c) (c only when free),
    # at random pairs. Then along the direction of largest curvature, found by
    # power iteration on gradient differences (tight for the quadratic loss):
    # the constants computed by power iteration (LossDatafit, the residual
    # form) stop at a 1e-2 relative change and may be a few percent low, which
    # the line search corrects; that direction gets a documented 5 % slack.
    datafit = built.datafit
    L = datafit.lipschitz_constant()
    rng = np.random.default_rng(10)
    free_c = datafit.fit_intercept

    def grad(W, c):
        grad_W, grad_c = _gradient(datafit, W, c)
        return np.concatenate([grad_W.ravel(), grad_c if free_c else []])

    def flat(W, c):
        return np.concatenate([W.ravel(), c if free_c else []])

    for _ in range(3):
        (W1, c1), (W2, c2) = _point(datafit, rng, 1.0), _point(datafit, rng, 1.0)
        change = np.linalg.norm(grad(W1, c1) - grad(W2, c2))
        assert change <= L * np.linalg.norm(flat(W1, c1) - flat(W2, c2)) * (1 + 1e-8)

    W, c = _point(datafit, rng)
    base, size = grad(W, c), 1e-3
    direction = rng.standard_normal(base.size)
    for _ in range(50):
        direction *= size / np.linalg.norm(direction)
        dW = direction[: W.size].reshape(W.shape)
        dc = direction[W.size :] if free_c else 0.0
        direction = grad(W + dW, c + dc) - base
    curvature = np.linalg.norm(direction) / size
    assert curvature <= 1.05 * L


# --------------------------------------------------------------------------
# 2. Penalties (solver side)


def _task_groups(n_features=6):
    context = TaskContext(n_features, np.array([0, 0, 1, 2]), np.arange(3))
    return TaskGroupLasso()._bind(context)


# name -> (penalty, shape of W)
PENALTIES = {
    "group-lasso": (GroupLasso(), (6, 4)),
    "trace-norm": (TraceNorm(), (6, 4)),
    "lasso": (Lasso(), (6, 4)),
    "ridge": (Ridge(), (6, 4)),
    "task-groups": (_task_groups(), (6, 4)),
    "parts-group-lasso-task-groups": (
        PartsPenalty([GroupLasso(), _task_groups()], [1.0, 0.5], 4),
        (6, 8),
    ),
    "parts-lasso-trace-norm": (
        PartsPenalty([Lasso(), TraceNorm()], [0.7, 1.3], 4),
        (6, 8),
    ),
    "parts-row-separable": (
        PartsPenalty([GroupLasso(), Lasso()], [1.0, 0.4], 4),
        (6, 8),
    ),
    "no-penalty": (NoPenalty(), (6, 4)),
    # The fused sparse group lasso, its columns in time order as given or
    # permuted (order=...), and without its l1 term.
    "fused-sparse-group-lasso": (_FusedRows(0.3, 0.8), (6, 4)),
    "fused-sparse-group-lasso-ordered": (
        _FusedRows(0.5, 1.5, np.array([2, 0, 3, 1])),
        (6, 4),
    ),
    "fused-group-lasso": (_FusedRows(0.0, 2.0), (6, 5)),
}


@pytest.fixture(params=list(PENALTIES), ids=list(PENALTIES))
def penalty_case(request):
    return PENALTIES[request.param]


def test_penalty_protocol(penalty_case):
    # Every member the Protocol lists, and each method a flag promises
    # (dual_point when has_dual_point, dual_norm when is_norm, row_dual_norms
    # when row_separable) is callable.
    penalty, _ = penalty_case
    assert isinstance(penalty, SolverPenalty)
    require_solver_penalty(penalty)
    for method, flag in (
        ("dual_point", "has_dual_point"),
        ("dual_norm", "is_norm"),
        ("row_dual_norms", "row_separable"),
    ):
        if getattr(penalty, flag):
            assert callable(getattr(penalty, method, None)), method


def _partial_penalty(missing, **flags):
    members = {
        "is_norm": False,
        "row_separable": False,
        "has_dual_point": False,
        "cheap_dual_point": True,
        "value": lambda self, W: 0.0,
        "prox": lambda self, V, step: V,
        "dual_point": lambda self, G, alpha: (1.0, 0.0),
        "dual_norm": lambda self, G: 0.0,
        "row_dual_norms": lambda self, G: np.zeros(G.shape[0]),
    }
    members.update(flags)
    del members[missing]
    return type("Partial", (), members)()


@pytest.mark.parametrize(
    "missing, flags",
    [
        ("value", {}),
        ("prox", {}),
        ("dual_norm", {"is_norm": True}),
        ("row_dual_norms", {"row_separable": True}),
        ("dual_point", {"has_dual_point": True}),
    ],
)
def test_require_solver_penalty_rejects_a_broken_promise(missing, flags):
    # A penalty lacking a Protocol member, or a method its flags promise, is
    # refused before the solver starts (not with an AttributeError mid-loop).
    with pytest.raises(TypeError, match=missing):
        require_solver_penalty(_partial_penalty(missing, **flags))


def test_prox_optimality(penalty_case):
    # P = prox(V, s) minimises h(W) = 0.5 ||W - V||^2 + s Omega(W), which is
    # 1-strongly convex: h(P + E) >= h(P) + 0.5 ||E||^2 for every E. For a norm
    # the optimality condition is G = (V - P) / s in the subdifferential of
    # Omega at P: dual_norm(G) <= 1 and <G, P> = Omega(P) (so dual_norm(G) = 1
    # when P != 0: this also checks that dual_norm is tight). V is not changed.
    penalty, shape = penalty_case
    rng = np.random.default_rng(11)
    for step in (0.05, 0.5, 3.0):
        V = rng.standard_normal(shape)
        V_before = V.copy()
        P = penalty.prox(V, step)
        np.testing.assert_array_equal(V, V_before)
        assert P.shape == shape

        def h(W, V=V, step=step):
            return 0.5 * np.sum((W - V) ** 2) + step * penalty.value(W)

        h_P = h(P)
        perturbations = [-P, V - P] + [
            size * rng.standard_normal(shape) for size in (1.0, 1e-2, 1e-4)
        ]
        for E in perturbations:
            assert h(P + E) >= h_P + 0.5 * np.sum(E**2) - 1e-12 * (1 + h_P)
        G = (V - P) / step
        if penalty.is_norm:
            assert penalty.dual_norm(G) <= 1 + 1e-9
            assert np.vdot(G, P) == pytest.approx(penalty.value(P), abs=1e-9)
            if np.any(P):
                assert penalty.dual_norm(G) == pytest.approx(1.0, rel=1e-9)


def test_dual_norm_is_the_dual_of_value(penalty_case):
    # Hoelder: <G, W> <= dual_norm(G) Omega(W); both are positively homogeneous.
    penalty, shape = penalty_case
    if not penalty.is_norm:
        pytest.skip("not a norm")
    rng = np.random.default_rng(12)
    for _ in range(5):
        G, W = rng.standard_normal(shape), rng.standard_normal(shape)
        assert np.vdot(G, W) <= penalty.dual_norm(G) * penalty.value(W) * (1 + 1e-12)
        assert penalty.dual_norm(2.5 * G) == pytest.approx(2.5 * penalty.dual_norm(G))
        assert penalty.value(2.5 * W) == pytest.approx(2.5 * penalty.value(W))


def test_dual_point(penalty_case):
    # dual_point(G, alpha) = (s, conj): s in [0, 1] puts s G in the domain of
    # the conjugate of alpha Omega, conj = (alpha Omega)*(s G). Fenchel-Young:
    # conj >= <s G, W> - alpha Omega(W) for every W, with equality at the
    # maximiser (ridge: W = s G / alpha). For a norm, the domain is the ball
    # dual_norm <= alpha, the conjugate is 0 there, and s is the largest such
    # factor (1 when G is inside).
    penalty, shape = penalty_case
    if not penalty.has_dual_point:
        pytest.skip("no dual point (a declared lack of capability)")
    rng = np.random.default_rng(13)
    for size in (0.1, 1.0, 10.0):
        G = size * rng.standard_normal(shape)
        for alpha in (0.5, 5.0):
            scale, conjugate = penalty.dual_point(G, alpha)
            assert 0.0 <= scale <= 1.0
            for _ in range(3):
                W = rng.standard_normal(shape)
                pairing = np.vdot(scale * G, W) - alpha * penalty.value(W)
                assert conjugate >= pairing - 1e-10 * (1 + abs(pairing))
            if penalty.is_norm:
                norm = penalty.dual_norm(G)
                assert conjugate == 0.0
                assert penalty.dual_norm(scale * G) <= alpha * (1 + 1e-12)
                if norm <= alpha:
                    assert scale == 1.0
                else:
                    assert scale * norm == pytest.approx(alpha, rel=1e-12)
            else:  # ridge: the supremum is attained at W = s G / alpha
                W = scale * G / alpha
                pairing = np.vdot(scale * G, W) - alpha * penalty.value(W)
                assert conjugate == pytest.approx(pairing, rel=1e-12)


def test_row_dual_norms(penalty_case):
    # A row-separable norm is a sum over rows, Omega(W) = sum_j omega(W_j),
    # and its dual norm is the largest row dual norm: max_j omega_dual(G_j), each
    # being the dual norm of G restricted to row j.
    penalty, shape = penalty_case
    if not penalty.row_separable:
        pytest.skip("not row-separable")
    rng = np.random.default_rng(14)
    G, W = rng.standard_normal(shape), rng.standard_normal(shape)
    rows = penalty.row_dual_norms(G)
    assert rows.shape == (shape[0],)
    assert np.max(rows) == pytest.approx(penalty.dual_norm(G), rel=1e-14)
    total = 0.0
    for j in range(shape[0]):
        only_G, only_W = np.zeros(shape), np.zeros(shape)
        only_G[j], only_W[j] = G[j], W[j]
        assert rows[j] == pytest.approx(penalty.dual_norm(only_G), rel=1e-14)
        total += penalty.value(only_W)
    assert penalty.value(W) == pytest.approx(total, rel=1e-12)
