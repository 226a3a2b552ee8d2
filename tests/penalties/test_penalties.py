"""Tests of the penalty classes in ``skmtl.penalties``.

Norms, dual norms and conjugates are written again here from their
definitions and the package is checked against them.
"""

import numpy as np
import pytest
import scipy.linalg
from numpy.testing import assert_allclose, assert_array_equal

from skmtl.penalties import (
    PENALTIES,
    GroupLasso,
    Lasso,
    Ridge,
    TaskGroupLasso,
    TraceNorm,
)
from skmtl.penalties import prox as prox_module
from skmtl.structures import PENALTY_NAMES, STRUCTURES, make_penalty

SEEDS = [0, 1, 2]
NORMS = [GroupLasso, TraceNorm, Lasso]
ALL = [GroupLasso, TraceNorm, Lasso, Ridge]
SHAPES = [(6, 4), (3, 5), (1, 4), (4, 1)]


# --------------------------------------------------------------------------
# Independent formulas


def expected_value(cls, W):
    if cls is GroupLasso:
        return sum(np.sqrt(np.sum(row**2)) for row in W)
    if cls is TraceNorm:
        # Singular values by another LAPACK driver than numpy's.
        if W.size == 0:
            return 0.0
        return np.sum(scipy.linalg.svd(W, compute_uv=False, lapack_driver="gesvd"))
    if cls is Lasso:
        return sum(abs(x) for x in W.ravel())
    return 0.5 * sum(x * x for x in W.ravel())


def attaining_point(cls, G):
    """A W with value(W) = 1 and <G, W> = dual_norm(G)."""
    W = np.zeros_like(G)
    if cls is GroupLasso:
        norms = np.sqrt(np.sum(G**2, axis=1))
        j = np.argmax(norms)
        W[j] = G[j] / norms[j]
    elif cls is TraceNorm:
        U, _, Vt = np.linalg.svd(G)
        W = np.outer(U[:, 0], Vt[0])
    else:
        j = np.unravel_index(np.argmax(np.abs(G)), G.shape)
        W[j] = np.sign(G[j])
    return W


def random_matrices(seed, shape, count=10):
    rng = np.random.default_rng(seed)
    # Mix scales and sparsity so that zero rows / entries appear.
    out = []
    for k in range(count):
        M = rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 2)
        if k % 3 == 1:
            M[rng.random(shape[0]) < 0.5] = 0.0
        if k % 3 == 2:
            M[rng.random(shape) < 0.5] = 0.0
        if not np.any(M):
            M[-1, -1] = 1.5
        out.append(M)
    return out


# --------------------------------------------------------------------------
# value


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_value_matches_formula(cls, seed, shape):
    penalty = cls()
    for W in random_matrices(seed, shape):
        value = penalty.value(W)
        assert isinstance(value, float)
        assert_allclose(value, expected_value(cls, W), rtol=1e-10)


@pytest.mark.parametrize("cls", ALL)
def test_value_of_zero_and_empty(cls):
    penalty = cls()
    for shape in [(3, 2), (0, 3), (3, 0)]:
        assert penalty.value(np.zeros(shape)) == 0.0


@pytest.mark.parametrize("cls", NORMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_value_is_a_norm(cls, seed):
    penalty = cls()
    rng = np.random.default_rng(seed)
    Ws = random_matrices(seed, (5, 3))
    for A, B in zip(Ws, Ws[1:] + Ws[:1], strict=True):
        c = rng.uniform(-3, 3)
        assert_allclose(penalty.value(c * A), abs(c) * penalty.value(A), rtol=1e-12)
        assert penalty.value(A + B) <= penalty.value(A) + penalty.value(B) + 1e-12
        assert penalty.value(A) > 0
        # Equality in the triangle inequality for positive multiples.
        assert_allclose(penalty.value(A + 2 * A), 3 * penalty.value(A), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_ridge_value_is_quadratic_and_convex(seed):
    penalty = Ridge()
    rng = np.random.default_rng(seed)
    Ws = random_matrices(seed, (5, 3))
    for A, B in zip(Ws, Ws[1:] + Ws[:1], strict=True):
        c = rng.uniform(-3, 3)
        assert_allclose(penalty.value(c * A), c**2 * penalty.value(A), rtol=1e-12)
        # Parallelogram law of a squared Euclidean norm.
        assert_allclose(
            penalty.value(A + B) + penalty.value(A - B),
            2 * penalty.value(A) + 2 * penalty.value(B),
            rtol=1e-10,
        )
        t = rng.uniform()
        mix = penalty.value(t * A + (1 - t) * B)
        assert mix <= t * penalty.value(A) + (1 - t) * penalty.value(B) + 1e-12


def test_is_norm_flags():
    for cls in NORMS:
        assert cls.is_norm is True
    assert Ridge.is_norm is False


# --------------------------------------------------------------------------
# dual_norm


@pytest.mark.parametrize("cls", NORMS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_hoelder_inequality(cls, seed, shape):
    penalty = cls()
    Gs = random_matrices(seed, shape)
    Ws = random_matrices(seed + 10, shape)
    for G in Gs:
        dual = penalty.dual_norm(G)
        assert isinstance(dual, float)
        for W in Ws:
            bound = penalty.value(W) * dual
            assert np.sum(G * W) <= bound * (1 + 1e-12) + 1e-15


@pytest.mark.parametrize("cls", NORMS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_hoelder_is_tight(cls, seed, shape):
    penalty = cls()
    for G in random_matrices(seed, shape):
        W = attaining_point(cls, G)
        assert_allclose(penalty.value(W), 1.0, rtol=1e-12)
        assert_allclose(
            np.sum(G * W), penalty.value(W) * penalty.dual_norm(G), rtol=1e-10
        )


@pytest.mark.parametrize("cls", NORMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_dual_norm_is_a_norm(cls, seed):
    penalty = cls()
    rng = np.random.default_rng(seed)
    Gs = random_matrices(seed, (5, 3))
    for A, B in zip(Gs, Gs[1:] + Gs[:1], strict=True):
        c = rng.uniform(-3, 3)
        assert_allclose(
            penalty.dual_norm(c * A), abs(c) * penalty.dual_norm(A), rtol=1e-12
        )
        assert (
            penalty.dual_norm(A + B)
            <= penalty.dual_norm(A) + penalty.dual_norm(B) + 1e-12
        )
        assert penalty.dual_norm(A) > 0


@pytest.mark.parametrize("cls", NORMS)
def test_dual_norm_of_zero_and_empty(cls):
    penalty = cls()
    for shape in [(3, 2), (0, 3), (3, 0)]:
        assert penalty.dual_norm(np.zeros(shape)) == 0.0


@pytest.mark.parametrize("cls", NORMS)
@pytest.mark.parametrize("seed", SEEDS)
def test_dual_norm_is_the_prox_zero_level(cls, seed):
    # The smallest step at which the prox of V is zero is dual_norm(V): the
    # property that gives alpha_max.
    penalty = cls()
    V = np.random.default_rng(seed).standard_normal((5, 3))
    level = penalty.dual_norm(V)
    assert np.all(penalty.prox(V, level * (1 + 1e-9)) == 0)
    assert np.any(penalty.prox(V, level * (1 - 1e-6)) != 0)


def test_ridge_has_no_dual_norm():
    with pytest.raises(TypeError, match="not a norm"):
        Ridge().dual_norm(np.ones((2, 2)))


# --------------------------------------------------------------------------
# dual_point


@pytest.mark.parametrize("cls", NORMS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ratio", [0.0, 0.3, 1.0, 1.7])
def test_dual_point_scales_into_the_ball(cls, seed, ratio):
    penalty = cls()
    rng = np.random.default_rng(seed)
    for G in random_matrices(seed, (5, 3)):
        alpha = ratio * penalty.dual_norm(G)
        scale, conjugate = penalty.dual_point(G, alpha)
        assert 0.0 <= scale <= 1.0
        assert conjugate == 0.0
        assert penalty.dual_norm(scale * G) <= alpha * (1 + 1e-12)
        if ratio >= 1.0:
            # Already feasible: left alone.
            assert scale == 1.0
        else:
            # The largest feasible factor puts scale * G on the sphere.
            assert_allclose(penalty.dual_norm(scale * G), alpha, rtol=1e-12)
        # Conjugate 0 means Fenchel-Young: alpha * value(W) >= <s G, W>.
        for _ in range(5):
            W = rng.standard_normal(G.shape)
            assert alpha * penalty.value(W) + conjugate >= np.sum(
                scale * G * W
            ) - 1e-12 * (1 + abs(np.sum(G * W)))


@pytest.mark.parametrize("cls", NORMS)
def test_dual_point_of_zero(cls):
    penalty = cls()
    G = np.zeros((4, 3))
    for alpha in [0.0, 1.0]:
        scale, conjugate = penalty.dual_point(G, alpha)
        assert 0.0 <= scale <= 1.0
        assert conjugate == 0.0
        assert np.all(np.isfinite(scale * G))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("alpha", [0.1, 1.0, 7.0])
def test_ridge_dual_point(seed, alpha):
    penalty = Ridge()
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((5, 3))
    scale, conjugate = penalty.dual_point(G, alpha)
    assert scale == 1.0
    assert_allclose(conjugate, np.sum(G**2) / (2 * alpha), rtol=1e-12)

    # Fenchel-Young equality at G = alpha * W (the gradient of alpha * Omega).
    W = rng.standard_normal((5, 3))
    G = alpha * W
    _, conj = penalty.dual_point(G, alpha)
    assert_allclose(alpha * penalty.value(W) + conj, np.sum(G * W), rtol=1e-12)

    # Fenchel-Young inequality elsewhere.
    for _ in range(10):
        G = rng.standard_normal((5, 3))
        W = rng.standard_normal((5, 3))
        _, conj = penalty.dual_point(G, alpha)
        assert alpha * penalty.value(W) + conj >= np.sum(G * W) - 1e-12


def test_ridge_dual_point_alpha_zero():
    penalty = Ridge()
    assert penalty.dual_point(np.zeros((3, 2)), 0.0) == (1.0, 0.0)
    scale, conjugate = penalty.dual_point(np.ones((3, 2)), 0.0)
    assert scale == 1.0
    assert conjugate == np.inf


# --------------------------------------------------------------------------
# prox


PROX_OF = {
    GroupLasso: prox_module.block_soft_threshold,
    TraceNorm: prox_module.singular_value_threshold,
    Lasso: prox_module.soft_threshold,
    Ridge: prox_module.ridge_shrink,
}


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("step", [0.0, 0.4, 1.5, 100.0])
def test_prox_is_the_matching_operator(cls, seed, step):
    V = np.random.default_rng(seed).standard_normal((5, 3))
    original = V.copy()
    assert_array_equal(cls().prox(V, step), PROX_OF[cls](V, step))
    assert_array_equal(V, original)


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("seed", SEEDS)
def test_prox_minimises_with_penalty_value(cls, seed):
    # Tie prox and value together: the prox output minimises the 1-strongly
    # convex 0.5 ||W - V||^2 + step * value(W).
    penalty = cls()
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((5, 3))
    step = 0.9
    W = penalty.prox(V, step)
    best = 0.5 * np.sum((W - V) ** 2) + step * penalty.value(W)
    for _ in range(50):
        D = rng.standard_normal(V.shape) * rng.choice([1e-2, 1.0])
        other = 0.5 * np.sum((W + D - V) ** 2) + step * penalty.value(W + D)
        assert other >= best + 0.5 * np.sum(D**2) - 1e-10


# --------------------------------------------------------------------------
# make_penalty


NAMES = {
    "group_lasso": GroupLasso,
    "trace_norm": TraceNorm,
    "lasso": Lasso,
    "ridge": Ridge,
    "task_group_lasso": TaskGroupLasso,
}


@pytest.mark.parametrize("name", NAMES)
def test_make_penalty_by_name(name):
    penalty = make_penalty(name)
    assert type(penalty) is NAMES[name]
    # A new instance each time.
    assert make_penalty(name) is not penalty


def test_registry_lists_exactly_the_penalties():
    assert set(PENALTIES) == set(NAMES)
    assert set(PENALTY_NAMES) == set(NAMES) | set(STRUCTURES)


@pytest.mark.parametrize("name", STRUCTURES)
def test_make_penalty_builds_structures_by_name(name):
    penalty = make_penalty(name)
    assert type(penalty) is STRUCTURES[name]
    assert make_penalty(name) is not penalty


def test_make_penalty_returns_a_penalty_object_unchanged():
    penalty = Lasso()
    assert make_penalty(penalty) is penalty


@pytest.mark.parametrize(
    "bad", ["nope", "", "Lasso", "group-lasso", None, 1, ["lasso"], Lasso]
)
def test_make_penalty_rejects_unknown(bad):
    with pytest.raises(ValueError, match="[Vv]alid penalties") as excinfo:
        make_penalty(bad)
    message = str(excinfo.value)
    for name in NAMES:
        assert repr(name) in message
