"""Tests of the partial-SVD trace-norm prox and spectral-norm bound.

``skmtl.penalties.low_rank`` must give the same prox as the full SVD
(``singular_value_threshold``) up to ``1e-10`` of the scale of ``V``, whatever
the shape, rank, threshold and warm start, and its spectral norm must never
be below the exact one. Most tests lower the size below which the full SVD is
used, so that small (fast) matrices take the partial path.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.linalg import eigh
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from skmtl import MultiTaskRegressor, alpha_max
from skmtl.datasets import make_multitask_regression
from skmtl.penalties import TraceNorm, low_rank
from skmtl.penalties.low_rank import (
    LowRankState,
    TraceNormOperator,
    partial_singular_value_threshold,
    spectral_norm_bound,
)
from skmtl.penalties.prox import singular_value_threshold
from skmtl.structures import RobustTraceNorm, SparseLowRank

RTOL = 1e-10


@pytest.fixture(autouse=True)
def one_thread():
    # (Threaded BLAS on small matrices, on a loaded machine, is slower.)
    with threadpool_limits(1):
        yield


@pytest.fixture
def partial_everywhere(monkeypatch):
    """The partial SVD and the Gram bound for every matrix of 8 columns or more."""
    monkeypatch.setattr(low_rank, "_SMALL_SIDE", 8)
    monkeypatch.setattr(low_rank, "_SMALL_SIDE_NORM", 8)


def low_rank_plus_noise(seed, shape, rank, noise=0.05):
    rng = np.random.default_rng(seed)
    d, T = shape
    signal = rng.standard_normal((d, rank)) @ rng.standard_normal((rank, T))
    return signal / np.sqrt(T) + noise * rng.standard_normal(shape)


def with_spectrum(seed, shape, singular_values):
    """A matrix with the given singular values and random singular vectors."""
    rng = np.random.default_rng(seed)
    d, T = shape
    k = len(singular_values)
    U = np.linalg.qr(rng.standard_normal((d, k)))[0]
    R = np.linalg.qr(rng.standard_normal((T, k)))[0]
    return (U * singular_values) @ R.T


def assert_same_prox(V, tau, state=None):
    W, shrunk = partial_singular_value_threshold(V, tau, state)
    expected = singular_value_threshold(V, tau)
    scale = np.linalg.norm(V, ord=2)
    assert np.linalg.norm(W - expected) <= RTOL * scale
    s = np.linalg.svd(V, compute_uv=False)
    # The thresholded singular values, up to the same tolerance (and those at
    # the threshold, within rounding, may be counted or not).
    n_above = np.count_nonzero(s > tau * (1 + 1e-9))
    assert n_above <= shrunk.size <= np.count_nonzero(s > tau * (1 - 1e-9))
    assert_allclose(shrunk[:n_above], s[:n_above] - tau, atol=RTOL * scale)
    return W


# At least 80 columns both ways: the block (20 columns at least) may use a
# quarter of them.
SHAPES = [(200, 90), (90, 200), (120, 120)]


@pytest.mark.usefixtures("partial_everywhere")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("rank", [0, 1, 4])
def test_partial_prox_matches_full_svd(shape, rank):
    V = low_rank_plus_noise(0, shape, rank)
    s = np.linalg.svd(V, compute_uv=False)
    thresholds = [
        1.1 * s[0],  # nothing above: W = 0
        s[rank],  # at the first noise singular value
        0.5 * (s[rank] + s[rank + 1]),  # between two noise singular values
        0.999 * s[rank + 1],  # just below one
        s[rank + 8],  # inside the noise: several noise values above
    ]
    if rank:
        thresholds.append(s[rank - 1])  # at the smallest signal value
    for tau in thresholds:
        assert_same_prox(V, tau)


@pytest.mark.usefixtures("partial_everywhere")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_full_rank_falls_back_to_the_full_svd(shape):
    V = np.random.default_rng(1).standard_normal(shape)
    s = np.linalg.svd(V, compute_uv=False)
    state = LowRankState()
    for _ in range(4):
        assert_same_prox(V, 0.5 * s[-1], state)  # every singular value is kept
    assert state.full_calls == 4
    # Only the first call tries (until the block is too wide): then the rank
    # is known.
    assert state.iterations <= 2


@pytest.mark.usefixtures("partial_everywhere")
def test_partial_path_is_taken_for_low_rank():
    state = LowRankState()
    V = low_rank_plus_noise(2, (200, 90), 3)
    assert_same_prox(V, 2 * np.linalg.svd(V, compute_uv=False)[3], state)
    assert state.partial_calls == 1 and state.full_calls == 0


@pytest.mark.usefixtures("partial_everywhere")
def test_thresholds_exactly_at_singular_values():
    singular_values = np.array([5.0, 3.0, 3.0, 2.0, 1.0, 0.5, 0.25])
    V = with_spectrum(3, (200, 100), singular_values)
    for tau in [5.0, 3.0, 2.0, 1.0, 0.25, 0.1]:
        assert_same_prox(V, tau)


@pytest.mark.usefixtures("partial_everywhere")
def test_tau_zero_and_empty():
    V = low_rank_plus_noise(4, (30, 20), 2)
    W, shrunk = partial_singular_value_threshold(V, 0.0)
    assert_array_equal(W, V)
    assert W is not V and shrunk is None
    W, shrunk = partial_singular_value_threshold(np.zeros((0, 5)), 1.0)
    assert W.shape == (0, 5) and shrunk.size == 0


@pytest.mark.usefixtures("partial_everywhere")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_warm_started_sequence_with_a_crossing(shape):
    # The matrix moves at each call, and two singular values cross the
    # threshold on the way (the partial SVD may then give up for the full).
    base = low_rank_plus_noise(5, shape, 4, noise=0.02)
    drift = low_rank_plus_noise(6, shape, 2, noise=0.01)
    tau = 1.5 * np.linalg.svd(base, compute_uv=False)[4]
    state = LowRankState()
    for step in range(12):
        assert_same_prox(base + 0.01 * step * drift, tau, state)
    assert state.partial_calls >= 2


@pytest.mark.usefixtures("partial_everywhere")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_solver_like_sequence_is_certified_by_the_perturbation_bound(shape):
    # Along a solver's iterations the leading part moves and the rest stays
    # well below the threshold: after the first call, no Gram product.
    rng = np.random.default_rng(12)
    signal = low_rank_plus_noise(12, shape, 5, noise=0.0)
    noise = 0.01 * rng.standard_normal(shape)
    state = LowRankState()
    for step in range(12):
        wobble = 1e-4 * np.sin(step) * rng.standard_normal(shape)
        assert_same_prox((1 + 0.02 * step) * signal + noise + wobble, 1.0, state)
    assert state.partial_calls == 12
    assert state.gram_certificates == 1 and state.chained_certificates == 11


@pytest.mark.usefixtures("partial_everywhere")
def test_a_new_direction_outside_the_warm_subspace_is_found():
    # The second matrix has a large singular value orthogonal to everything
    # the state knows: the chained bound must not certify it.
    rng = np.random.default_rng(7)
    V = low_rank_plus_noise(7, (150, 100), 3, noise=0.01)
    U, s, Rt = np.linalg.svd(V)
    tau = 2 * s[3]
    state = LowRankState()
    assert_same_prox(V, tau, state)
    jump = 2 * tau * np.outer(U[:, -1], Rt[-1]) + 1e-4 * rng.standard_normal(V.shape)
    W = assert_same_prox(V + jump, tau, state)
    assert np.linalg.matrix_rank(W, tol=1e-8) == 4


@pytest.mark.usefixtures("partial_everywhere")
def test_misleading_warm_start_still_exact():
    # A state left by a matrix of the same shape with another subspace, and
    # a state with no oversampling columns.
    state = LowRankState()
    for seed, rank in [(8, 6), (9, 2), (10, 5)]:
        V = low_rank_plus_noise(seed, (200, 90), rank, noise=0.01)
        assert_same_prox(V, 0.5, state)


@pytest.mark.usefixtures("partial_everywhere")
def test_clustered_singular_values_at_the_threshold():
    # Many singular values within 1e-3 of tau: slow subspace iteration, which
    # either converges or gives up for the full SVD; the result is exact.
    spectrum = np.concatenate([[4.0, 3.0], 1.0 + 1e-3 * np.linspace(-1, 1, 12)])
    V = with_spectrum(11, (200, 120), spectrum)
    V += 1e-4 * np.random.default_rng(11).standard_normal(V.shape)
    assert_same_prox(V, 1.0)


# --------------------------------------------------------------------------
# The spectral norm bound


@pytest.mark.usefixtures("partial_everywhere")
@pytest.mark.parametrize(
    "G",
    [
        np.random.default_rng(0).standard_normal((60, 30)),
        np.random.default_rng(1).standard_normal((30, 60)),
        low_rank_plus_noise(2, (80, 40), 3, noise=1e-6),
        with_spectrum(3, (50, 50), np.array([2.0, 2.0, 2.0, 2.0 - 1e-9, 1.0])),
        np.ones((40, 20)),
        1e-200 * np.random.default_rng(4).standard_normal((30, 20)),
        1e150 * np.random.default_rng(5).standard_normal((30, 20)),
    ],
    ids=["tall", "wide", "low-rank", "clustered-top", "rank-one", "tiny", "huge"],
)
def test_spectral_norm_bound_never_below_the_norm(G):
    exact = np.linalg.norm(G, ord=2)
    bound = spectral_norm_bound(G)
    assert exact <= bound <= exact * (1 + 1e-8)


@pytest.mark.usefixtures("partial_everywhere")
def test_spectral_norm_bound_takes_lapack_when_the_block_estimate_fails(monkeypatch):
    calls = []

    def counting_eigh(*args, **kwargs):
        calls.append(1)
        return eigh(*args, **kwargs)

    monkeypatch.setattr(low_rank, "eigh", counting_eigh)
    # A gradient-like spectrum: a cluster of 10 at the top, the rest far below.
    gradient = with_spectrum(14, (300, 150), np.full(10, 3.0)) + 0.01 * (
        np.random.default_rng(14).standard_normal((300, 150))
    )
    generic = np.random.default_rng(15).standard_normal((300, 150))
    for G, lapack_calls in [(gradient, 0), (generic, 1)]:
        exact = np.linalg.norm(G, ord=2)
        assert exact <= spectral_norm_bound(G) <= exact * (1 + 1e-8)
        assert len(calls) == lapack_calls


def test_spectral_norm_bound_edge_cases(partial_everywhere):
    assert spectral_norm_bound(np.zeros((0, 3))) == 0.0
    assert spectral_norm_bound(np.zeros((20, 10))) == 0.0
    # Small matrices keep the exact SVD value.
    small = np.random.default_rng(0).standard_normal((6, 4))
    assert spectral_norm_bound(small) == np.linalg.norm(small, ord=2)


# --------------------------------------------------------------------------
# The operator a fit binds to


@pytest.mark.usefixtures("partial_everywhere")
def test_operator_value_reuses_the_last_prox_only_for_that_output():
    op = TraceNorm()._bind(None)
    assert isinstance(op, TraceNormOperator)
    assert op is not TraceNorm()._bind(None)  # a fresh state per problem
    V = low_rank_plus_noise(12, (70, 30), 3)
    W = op.prox(V, 0.3)
    exact = np.sum(np.linalg.svd(W, compute_uv=False))
    assert_allclose(op.value(W), exact, rtol=1e-12)
    assert_allclose(op.value(W.copy()), exact, rtol=1e-12)  # a copy is fine
    # Modified in place, or another matrix: computed afresh, never stale.
    W *= 2.0
    assert_allclose(op.value(W), 2 * exact, rtol=1e-12)
    other = low_rank_plus_noise(13, (70, 30), 2)
    assert_allclose(
        op.value(other), np.sum(np.linalg.svd(other, compute_uv=False)), rtol=1e-12
    )
    assert op.value(np.zeros((70, 30))) == 0.0
    assert op.dual_norm(other) >= np.linalg.norm(other, ord=2)
    assert_array_equal(op.prox(V, 0.0), V)


def _fit(penalty, X, Y):
    # A rank-4 solution of a 160 x 120 coefficient matrix.
    alpha = alpha_max(X, Y, penalty=penalty) / 10
    model = MultiTaskRegressor(penalty=penalty, alpha=alpha, tol=1e-9)
    return model.fit(X, Y)


def _data():
    X, Y, _ = make_multitask_regression(
        300, 160, 120, structure="low_rank", rank=4, noise=0.5, random_state=0
    )
    return X, Y


@pytest.mark.parametrize(
    "penalty",
    ["trace_norm", RobustTraceNorm(outlier_weight=0.7), SparseLowRank()],
    ids=["trace_norm", "robust", "sparse-low-rank"],
)
def test_fit_reaches_the_full_svd_objective(monkeypatch, penalty):
    X, Y = _data()
    partial = _fit(penalty, X, Y)
    # The full SVD only.
    monkeypatch.setattr(low_rank, "_SMALL_SIDE", 10**9)
    monkeypatch.setattr(low_rank, "_SMALL_SIDE_NORM", 10**9)
    full = _fit(penalty, X, Y)
    assert partial.converged_ and full.converged_
    slack = partial.dual_gap_ + full.dual_gap_ + 1e-12 * abs(full.objective_)
    assert abs(partial.objective_ - full.objective_) <= slack
    assert_allclose(partial.coef_, full.coef_, atol=1e-4 * np.abs(full.coef_).max())


def test_fit_takes_the_partial_path_and_is_reproducible(monkeypatch):
    bound = []
    original = TraceNorm._bind

    def spy(self, context):
        bound.append(original(self, context))
        return bound[-1]

    monkeypatch.setattr(TraceNorm, "_bind", spy)
    X, Y = _data()
    penalty = TraceNorm()
    first = _fit(penalty, X, Y)
    state = bound[-1]._state
    assert state.partial_calls > 0 and state.full_calls == 0
    assert state.chained_certificates > state.gram_certificates
    second = _fit(penalty, X, Y)
    assert_array_equal(first.coef_, second.coef_)
    assert first.objective_ == second.objective_
    # The public penalty holds no state: clone and pickle as before.
    assert vars(penalty) == {}
    restored = pickle.loads(pickle.dumps(first))
    assert_array_equal(restored.predict(X), first.predict(X))
    assert clone(first).get_params()["penalty"] is not penalty


def test_factored_matrix_carries_its_factors_only_while_it_is_their_product():
    import pickle

    from skmtl.utils.linalg import FactoredMatrix, product_with

    rng = np.random.default_rng(0)
    left, right = rng.standard_normal((300, 2)), rng.standard_normal((2, 200))
    W = FactoredMatrix(left, right)
    A = rng.standard_normal((5, 300))
    np.testing.assert_allclose(product_with(A, W), A @ (left @ right), rtol=1e-12)
    # Arithmetic gives plain arrays; views and pickles carry no factors.
    assert type(W + 1.0) is np.ndarray and type(W * 2.0) is np.ndarray
    assert W[:10].factors is None
    assert type(pickle.loads(pickle.dumps(W))) is np.ndarray
    # A write in place drops the factors (they would be stale).
    V = original = FactoredMatrix(left, right)
    V *= 2.0
    assert original.factors is None and getattr(V, "factors", None) is None
    np.testing.assert_allclose(product_with(A, original), 2.0 * A @ (left @ right))
    U = FactoredMatrix(left, right)
    U[0, 0] = 5.0
    assert U.factors is None
    np.testing.assert_allclose(product_with(A, U), A @ np.asarray(U))


def test_trace_norm_fit_returns_plain_coefficients():
    from skmtl import MultiTaskRegressor
    from skmtl.datasets import make_multitask_regression

    X, Y, _ = make_multitask_regression(
        300, 150, 120, structure="low_rank", rank=3, random_state=0
    )
    model = MultiTaskRegressor(penalty="trace_norm", alpha=5.0).fit(X, Y)
    assert type(model.coef_) is np.ndarray
