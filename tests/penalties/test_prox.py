"""Tests of the closed-form proximal operators in ``skmtl.prox``.

The norms (``penalty_value`` and ``dual_norm`` of ``tests/_helpers.py``) and
the projections onto their dual balls are written again, independently of the
package, and every operator is checked against the definition of the prox
(optimality of a strongly convex objective), its subgradient
characterisation, and Moreau's decomposition.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from _helpers import dual_norm, penalty_value
from skmtl.penalties.prox import (
    block_soft_threshold,
    ridge_shrink,
    singular_value_threshold,
    soft_threshold,
)

SEEDS = [0, 1, 2]
THRESHOLDS = [0.3, 1.0, 2.0]


# --------------------------------------------------------------------------
# Independent projections onto the dual unit balls


def proj_linf_ball(V):
    """Projection onto the unit ball of the max-abs norm (dual of l1)."""
    return np.clip(V, -1.0, 1.0)


def proj_l2inf_ball(V):
    """Projection onto the unit ball of the max row norm (dual of l2,1)."""
    norms = np.sqrt(np.sum(V**2, axis=1, keepdims=True))
    return V / np.maximum(norms, 1.0)


def proj_spectral_ball(V):
    """Projection onto the unit ball of the spectral norm (dual of trace)."""
    U, s, Vt = np.linalg.svd(V, full_matrices=False)
    return (U * np.minimum(s, 1.0)) @ Vt


# (prox, penalty (a name of _helpers.penalty_value), projection onto the dual
# unit ball or None)
CASES = {
    "soft_threshold": (soft_threshold, "lasso", proj_linf_ball),
    "block_soft_threshold": (block_soft_threshold, "group_lasso", proj_l2inf_ball),
    "singular_value_threshold": (
        singular_value_threshold,
        "trace_norm",
        proj_spectral_ball,
    ),
    "ridge_shrink": (ridge_shrink, "ridge", None),
}
NORM_CASES = [name for name, case in CASES.items() if case[2] is not None]


def objective(W, V, tau, penalty):
    return 0.5 * np.sum((W - V) ** 2) + tau * penalty_value(penalty, W)


def random_matrix(seed, shape=(6, 4)):
    return np.random.default_rng(seed).standard_normal(shape)


# --------------------------------------------------------------------------
# Optimality: the prox minimises a 1-strongly convex objective, so for every
# W', obj(W') >= obj(prox) + 0.5 * ||W' - prox||^2.


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("tau", THRESHOLDS)
def test_prox_beats_random_perturbations(name, seed, tau):
    prox, penalty, _ = CASES[name]
    rng = np.random.default_rng(seed + 100)
    V = random_matrix(seed)
    W = prox(V, tau)
    best = objective(W, V, tau, penalty)
    for scale in [1e-4, 1e-2, 1e-1, 1.0, 3.0]:
        for _ in range(40):
            D = scale * rng.standard_normal(V.shape)
            # Sparse directions too: perturb a single row / entry.
            if rng.random() < 0.3:
                D[rng.random(V.shape[0]) < 0.7] = 0.0
            other = objective(W + D, V, tau, penalty)
            assert other >= best + 0.5 * np.sum(D**2) - 1e-10


# Smooth upper approximations of the penalties, Omega <= Omega_eps <= Omega +
# eps * (number of terms), with their gradients, for a brute-force minimiser.


def smooth_l1(W, eps):
    r = np.sqrt(W**2 + eps**2)
    return np.sum(r), W / r


def smooth_l21(W, eps):
    r = np.sqrt(np.sum(W**2, axis=1, keepdims=True) + eps**2)
    return np.sum(r), W / r


def smooth_trace(W, eps):
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    r = np.sqrt(s**2 + eps**2)
    return np.sum(r), (U * (s / r)) @ Vt


def smooth_ridge(W, eps):
    return 0.5 * np.sum(W**2), W


SMOOTHED = {
    "soft_threshold": smooth_l1,
    "block_soft_threshold": smooth_l21,
    "singular_value_threshold": smooth_trace,
    "ridge_shrink": smooth_ridge,
}


def brute_force_prox(V, tau, smoothed, x0):
    """Minimise the smoothed objective with L-BFGS, by continuation in eps."""
    x = x0
    for eps in [1e-2, 1e-4, 1e-6]:

        def fun(flat, eps=eps):
            W = flat.reshape(V.shape)
            value, grad = smoothed(W, eps)
            return (
                0.5 * np.sum((W - V) ** 2) + tau * value,
                (W - V + tau * grad).ravel(),
            )

        options = {"maxiter": 2000, "gtol": 1e-12, "ftol": 1e-15}
        x = minimize(fun, x, jac=True, method="L-BFGS-B", options=options).x
    return x.reshape(V.shape)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_prox_matches_numerical_minimiser(name, seed):
    prox, penalty, _ = CASES[name]
    V = random_matrix(seed, (4, 3))
    tau = 0.8
    W = prox(V, tau)
    best = objective(W, V, tau, penalty)

    rng = np.random.default_rng(seed)
    for x0 in [np.zeros(V.size), V.ravel(), rng.standard_normal(V.size)]:
        # Multithreaded BLAS only slows these thousands of tiny iterations.
        with threadpool_limits(limits=1, user_api="blas"):
            found = brute_force_prox(V, tau, SMOOTHED[name], x0)
        value = objective(found, V, tau, penalty)
        # Nothing scipy finds beats the prox, and by strong convexity its point
        # is near the prox exactly as much as its value is near the optimum.
        assert best <= value + 1e-10
        assert value >= best + 0.5 * np.sum((found - W) ** 2) - 1e-10
        assert value - best < 1e-4
        assert_allclose(found, W, atol=1e-3)


# --------------------------------------------------------------------------
# Subgradient conditions: V - W lies in tau * subdifferential(Omega)(W)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("tau", THRESHOLDS)
def test_soft_threshold_subgradient(seed, tau):
    V = random_matrix(seed)
    W = soft_threshold(V, tau)
    nonzero = W != 0
    assert_allclose((V - W)[nonzero], tau * np.sign(W[nonzero]), atol=1e-12)
    assert np.all(np.abs(V[~nonzero]) <= tau + 1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("tau", THRESHOLDS)
def test_block_soft_threshold_subgradient(seed, tau):
    V = random_matrix(seed)
    W = block_soft_threshold(V, tau)
    row_norms = np.sqrt(np.sum(W**2, axis=1))
    nonzero = row_norms > 0
    # Rows are zero or not as a whole.
    assert np.all(np.all(W[~nonzero] == 0, axis=1))
    assert np.all(np.all(W[nonzero] != 0, axis=1))
    assert_allclose(
        (V - W)[nonzero],
        tau * W[nonzero] / row_norms[nonzero, None],
        atol=1e-12,
    )
    assert np.all(np.sqrt(np.sum(V[~nonzero] ** 2, axis=1)) <= tau + 1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("tau", THRESHOLDS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 5)])
def test_singular_value_threshold_subgradient(seed, tau, shape):
    V = random_matrix(seed, shape)
    W = singular_value_threshold(V, tau)
    U, s, Vt = np.linalg.svd(W, full_matrices=False)
    rank = int(np.sum(s > 1e-10))
    U, Vt = U[:, :rank], Vt[:rank]
    R = V - W - tau * U @ Vt
    assert_allclose(U.T @ R, 0.0, atol=1e-10)
    assert_allclose(R @ Vt.T, 0.0, atol=1e-10)
    spectral = np.linalg.norm(R, ord=2) if R.size else 0.0
    assert spectral <= tau + 1e-10
    # The rank is the number of singular values of V above tau.
    assert rank == np.sum(np.linalg.svd(V, compute_uv=False) > tau)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("tau", THRESHOLDS)
def test_ridge_shrink_gradient(seed, tau):
    V = random_matrix(seed)
    W = ridge_shrink(V, tau)
    # Smooth penalty: the optimality condition is a gradient equation.
    assert_allclose(V - W, tau * W, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------
# Moreau decomposition: prox_{tau Omega}(V) + tau * P_{dual ball}(V / tau) = V


@pytest.mark.parametrize("name", NORM_CASES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("tau", THRESHOLDS)
def test_moreau_decomposition(name, seed, tau):
    prox, _, projection = CASES[name]
    V = 1.5 * random_matrix(seed)
    assert_allclose(prox(V, tau) + tau * projection(V / tau), V, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("tau", THRESHOLDS)
def test_moreau_decomposition_ridge(seed, tau):
    # The conjugate of tau/2 ||.||^2 is ||.||^2 / (2 tau), whose prox at V is
    # argmin 0.5 ||W - V||^2 + ||W||^2 / (2 tau) = tau V / (1 + tau).
    V = random_matrix(seed)
    assert_allclose(ridge_shrink(V, tau) + tau * V / (1.0 + tau), V, atol=1e-12)


# --------------------------------------------------------------------------
# Firm non-expansiveness: ||P(A) - P(B)||^2 <= <P(A) - P(B), A - B>


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_firmly_nonexpansive(name, seed):
    prox, _, _ = CASES[name]
    rng = np.random.default_rng(seed)
    for _ in range(20):
        A = rng.standard_normal((5, 3))
        B = A + rng.choice([0.05, 1.0]) * rng.standard_normal((5, 3))
        tau = rng.uniform(0.1, 2.0)
        D = prox(A, tau) - prox(B, tau)
        assert np.sum(D**2) <= np.sum(D * (A - B)) + 1e-12


# --------------------------------------------------------------------------
# Invariances that follow from the invariances of the norms


@pytest.mark.parametrize("seed", SEEDS)
def test_orthogonal_equivariance(seed):
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((5, 4))
    P, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    tau = 1.2
    # Trace norm and Frobenius norm: invariant on both sides.
    for prox in [singular_value_threshold, ridge_shrink]:
        assert_allclose(prox(P @ V @ Q, tau), P @ prox(V, tau) @ Q, atol=1e-12)
    # l2,1 over rows: invariant to a rotation of the columns.
    assert_allclose(
        block_soft_threshold(V @ Q, tau), block_soft_threshold(V, tau) @ Q, atol=1e-12
    )
    # l1: invariant to signed permutations of rows and columns.
    perm = rng.permutation(5)
    signs = rng.choice([-1.0, 1.0], size=(5, 4))
    assert_allclose(
        soft_threshold(signs * V[perm], tau), signs * soft_threshold(V, tau)[perm]
    )


def test_single_row_and_single_column_agree_with_vector_prox():
    rng = np.random.default_rng(0)
    row = rng.standard_normal((1, 5))
    col = rng.standard_normal((5, 1))
    tau = 0.7
    # One row: l2,1 and trace norm are both the Euclidean norm of the row.
    assert_allclose(
        singular_value_threshold(row, tau), block_soft_threshold(row, tau), atol=1e-12
    )
    # One column: l2,1 is the l1 norm, trace norm is the Euclidean norm.
    assert_allclose(block_soft_threshold(col, tau), soft_threshold(col, tau))
    norm = np.linalg.norm(col)
    assert_allclose(singular_value_threshold(col, tau), (1 - tau / norm) * col)


# --------------------------------------------------------------------------
# Special thresholds and inputs


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_zero_threshold_is_identity(name, seed):
    prox, _, _ = CASES[name]
    V = random_matrix(seed)
    V[0] = 0.0  # a zero row must not produce NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        W = prox(V, 0.0)
    assert_allclose(W, V, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NORM_CASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_threshold_at_dual_norm_gives_exact_zeros(name, seed):
    prox, penalty, _ = CASES[name]
    V = random_matrix(seed)
    level = dual_norm(penalty, V)
    for tau in [level * (1 + 1e-9), 2 * level, 1e6]:
        W = prox(V, tau)
        assert W.shape == V.shape
        assert np.all(W == 0)
    # Just below the dual norm, the solution is not zero.
    assert np.any(prox(V, level * (1 - 1e-6)) != 0)


def test_ridge_shrink_is_never_sparse():
    V = random_matrix(0)
    W = ridge_shrink(V, 1e6)
    assert np.all(W != 0)
    assert np.all(np.sign(W) == np.sign(V))
    assert np.max(np.abs(W)) < 1e-5


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("tau", [0.0, 0.5, 100.0])
def test_input_not_modified(name, tau):
    prox, _, _ = CASES[name]
    V = random_matrix(3)
    V[1] = 0.0
    original = V.copy()
    W = prox(V, tau)
    assert_array_equal(V, original)
    assert W is not V
    assert not np.shares_memory(W, V)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("shape", [(1, 5), (5, 1), (1, 1), (4, 3), (0, 3), (3, 0)])
@pytest.mark.parametrize("tau", [0.0, 0.5])
def test_shapes_and_zero_matrix(name, shape, tau):
    prox, penalty, _ = CASES[name]
    Z = np.zeros(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        W0 = prox(Z, tau)
    assert W0.shape == shape
    assert_array_equal(W0, 0.0)

    V = np.random.default_rng(0).standard_normal(shape)
    W = prox(V, tau)
    assert W.shape == shape
    assert np.all(np.isfinite(W))
    # Optimality in these shapes too (trivially true for empty ones).
    rng = np.random.default_rng(1)
    best = objective(W, V, tau, penalty)
    for _ in range(50):
        D = rng.standard_normal(shape)
        assert objective(W + D, V, tau, penalty) >= best + 0.5 * np.sum(D**2) - 1e-10
