"""Tests of the losses in ``skmtl.losses``.

Derivatives are checked by finite differences, conjugates by the
Fenchel-Young (in)equality, and values against scikit-learn's metrics.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.metrics import log_loss

from skmtl._layout.designs import ColumnGrouping
from skmtl.losses import LogisticLoss, MultinomialLoss, SquaredLoss

SEEDS = [0, 1, 2]
N_SAMPLES, N_TASKS, N_CLASSES = 8, 3, 4
LOSSES = [SquaredLoss, LogisticLoss, MultinomialLoss]


def columns(Y):
    """Grouping of a 2-D block whose columns are the columns of W."""
    return ColumnGrouping(np.arange(Y.shape[1]))


def make_weights(rng, n=N_SAMPLES):
    w = rng.uniform(0.2, 1.0, size=(n, 1))
    return w / np.sum(w)


def make_problem(cls, seed, n=N_SAMPLES):
    """Targets Y, scores Z and weights w of the shapes each loss expects."""
    rng = np.random.default_rng(seed)
    w = make_weights(rng, n)
    if cls is SquaredLoss:
        Y = rng.standard_normal((n, N_TASKS))
        Z = rng.standard_normal((n, N_TASKS))
    elif cls is LogisticLoss:
        Y = rng.integers(0, 2, size=(n, N_TASKS)).astype(float)
        Y[0], Y[1] = 0.0, 1.0  # both classes in every column
        Z = 2 * rng.standard_normal((n, N_TASKS))
    else:
        labels = np.concatenate([np.arange(N_CLASSES), rng.integers(0, N_CLASSES, n)])
        labels = labels[:n]
        Y = np.eye(N_CLASSES)[labels]
        Z = 2 * rng.standard_normal((n, N_CLASSES))
    return Y, Z, w


def random_dual_point(cls, Y, rng):
    """A V in the domain of the conjugate (V + Y a probability for logistic,
    a point of the simplex for multinomial)."""
    if cls is SquaredLoss:
        return 3 * rng.standard_normal(Y.shape)
    if cls is LogisticLoss:
        P = rng.uniform(size=Y.shape)
        P[0, 0], P[1, 0] = 0.0, 1.0  # boundary points of the domain
        return P - Y
    P = rng.dirichlet(np.ones(Y.shape[1]), size=Y.shape[0])
    P[0] = np.eye(Y.shape[1])[0]
    return P - Y


# --------------------------------------------------------------------------
# value: independent formulas


def test_squared_value_formula():
    Y = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 1.0]])
    Z = np.array([[0.0, -1.0], [0.5, 2.0], [1.0, 1.0]])
    w = np.array([[0.5], [0.25], [0.25]])
    # 0.5 * (0.5*(1 + 1) + 0.25*(0 + 4) + 0.25*(4 + 0))
    assert_allclose(SquaredLoss().value(Y, Z, w), 0.5 * (1.0 + 1.0 + 1.0))


@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_value_matches_sklearn_log_loss(seed):
    Y, Z, w = make_problem(LogisticLoss, seed)
    expected = sum(
        log_loss(Y[:, t], expit(Z[:, t]), sample_weight=w.ravel(), labels=[0, 1])
        for t in range(Y.shape[1])
    )
    # log_loss is a weighted mean; the weights sum to one.
    assert_allclose(LogisticLoss().value(Y, Z, w), expected * np.sum(w), rtol=1e-10)
    # Unnormalised weights: value is a weighted sum, log_loss a weighted mean.
    assert_allclose(
        LogisticLoss().value(Y, Z, 5 * w), 5 * expected * np.sum(w), rtol=1e-10
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_multinomial_value_matches_sklearn_log_loss(seed):
    Y, Z, w = make_problem(MultinomialLoss, seed)
    labels = np.argmax(Y, axis=1)
    P = np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)
    expected = log_loss(labels, P, sample_weight=w.ravel(), labels=np.arange(N_CLASSES))
    assert_allclose(MultinomialLoss().value(Y, Z, w), expected, rtol=1e-10)
    # Invariant to a common shift of the class scores of a sample.
    shift = np.random.default_rng(seed).standard_normal((Z.shape[0], 1))
    assert_allclose(
        MultinomialLoss().value(Y, Z + shift, w),
        MultinomialLoss().value(Y, Z, w),
        rtol=1e-12,
    )


def test_large_scores_do_not_overflow():
    w = np.array([[0.5], [0.5]])
    Y = np.array([[1.0], [0.0]])
    Z = np.array([[-800.0], [800.0]])
    # log(1 + e^800) - 0 ~ 800 and log(1 + e^-800) + 800 ~ 800.
    assert_allclose(LogisticLoss().value(Y, Z, w), 800.0, rtol=1e-12)
    assert np.all(np.isfinite(LogisticLoss().derivative(Y, Z)))

    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    Z = np.array([[-800.0, 800.0], [0.0, 0.0]])
    expected = 0.5 * 1600.0 + 0.5 * np.log(2.0)
    assert_allclose(MultinomialLoss().value(Y, Z, w), expected, rtol=1e-12)
    assert np.all(np.isfinite(MultinomialLoss().derivative(Y, Z)))


# --------------------------------------------------------------------------
# derivative: central finite differences of value


@pytest.mark.parametrize("cls", LOSSES)
@pytest.mark.parametrize("seed", SEEDS)
def test_derivative_matches_finite_differences(cls, seed):
    loss = cls()
    Y, Z, w = make_problem(cls, seed)
    D = loss.derivative(Y, Z)
    assert D.shape == Z.shape
    h = 1e-6
    numerical = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        numerical[idx] = (loss.value(Y, Z + E, w) - loss.value(Y, Z - E, w)) / (2 * h)
    assert_allclose(numerical, w * D, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cls", LOSSES)
@pytest.mark.parametrize("seed", SEEDS)
def test_derivative_does_not_depend_on_weights(cls, seed):
    # value is linear in w; the derivative is the unweighted f'.
    loss = cls()
    Y, Z, w = make_problem(cls, seed)
    gradient_of_sum = np.zeros_like(Z)
    h = 1e-6
    ones = np.ones_like(w)
    for idx in np.ndindex(Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        gradient_of_sum[idx] = (
            loss.value(Y, Z + E, ones) - loss.value(Y, Z - E, ones)
        ) / (2 * h)
    assert_allclose(gradient_of_sum, loss.derivative(Y, Z), rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------
# curvature


@pytest.mark.parametrize("cls", [SquaredLoss, LogisticLoss])
@pytest.mark.parametrize("seed", SEEDS)
def test_curvature_bounds_second_derivative(cls, seed):
    loss = cls()
    rng = np.random.default_rng(seed)
    n = 200
    Y = rng.integers(0, 2, size=(n, 1)).astype(float)
    Z = np.concatenate(
        [rng.standard_normal((n // 2, 1)), 5 * rng.standard_normal((n - n // 2, 1))]
    )
    Z[0] = 0.0  # where the logistic second derivative peaks
    h = 1e-5
    second = (loss.derivative(Y, Z + h) - loss.derivative(Y, Z - h)) / (2 * h)
    assert np.all(second >= -1e-8)  # convex
    assert np.all(second <= loss.curvature + 1e-8)
    # The bound is the supremum, not a loose constant.
    assert np.max(second) >= loss.curvature - 1e-6


def multinomial_hessian(z):
    p = np.exp(z - np.max(z))
    p /= np.sum(p)
    return np.diag(p) - np.outer(p, p)


@pytest.mark.parametrize("seed", SEEDS)
def test_multinomial_hessian_and_curvature(seed):
    loss = MultinomialLoss()
    rng = np.random.default_rng(seed)
    h = 1e-5
    for scale in [0.1, 1.0, 5.0]:
        for _ in range(20):
            z = scale * rng.standard_normal((1, N_CLASSES))
            y = np.eye(N_CLASSES)[[rng.integers(N_CLASSES)]]
            H = multinomial_hessian(z[0])
            # The analytic Hessian is the Jacobian of the derivative.
            jac = np.empty((N_CLASSES, N_CLASSES))
            for k in range(N_CLASSES):
                e = np.zeros((1, N_CLASSES))
                e[0, k] = h
                jac[:, k] = (loss.derivative(y, z + e) - loss.derivative(y, z - e))[
                    0
                ] / (2 * h)
            assert_allclose(jac, H, atol=1e-8)
            assert np.linalg.norm(H, ord=2) <= loss.curvature + 1e-12
    # Tight: p = (1/2, 1/2, 0, ...) gives spectral norm 1/2.
    z = np.array([0.0, 0.0] + [-50.0] * (N_CLASSES - 2))
    assert_allclose(np.linalg.norm(multinomial_hessian(z), ord=2), loss.curvature)


# --------------------------------------------------------------------------
# conjugate: Fenchel-Young


@pytest.mark.parametrize("cls", LOSSES)
@pytest.mark.parametrize("seed", SEEDS)
def test_fenchel_young_equality_at_gradient(cls, seed):
    loss = cls()
    Y, Z, w = make_problem(cls, seed)
    V = loss.derivative(Y, Z)
    lhs = loss.value(Y, Z, w) + loss.conjugate(Y, V, w)
    assert_allclose(lhs, np.sum(w * V * Z), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", LOSSES)
@pytest.mark.parametrize("seed", SEEDS)
def test_fenchel_young_inequality(cls, seed):
    loss = cls()
    rng = np.random.default_rng(seed)
    Y, Z, w = make_problem(cls, seed)
    V = loss.derivative(Y, Z)
    value = loss.value(Y, Z, w)
    # Shrunk gradients stay in the domain.
    for s in [0.0, 0.25, 0.5, 0.9, 1.0]:
        gap = value + loss.conjugate(Y, s * V, w) - np.sum(w * s * V * Z)
        assert gap >= -1e-12
        if s < 1.0:
            # Equality only at the gradient (strictly convex conjugates).
            assert gap > 1e-8
    # Arbitrary domain points and arbitrary scores.
    for _ in range(10):
        Vp = random_dual_point(cls, Y, rng)
        Zp = 3 * rng.standard_normal(Z.shape)
        gap = loss.value(Y, Zp, w) + loss.conjugate(Y, Vp, w) - np.sum(w * Vp * Zp)
        assert gap >= -1e-12


@pytest.mark.parametrize("cls", [LogisticLoss, MultinomialLoss])
def test_conjugate_is_negative_entropy(cls):
    # f*(y, p - y) = sum p log p: at a uniform p it is -log(K), at a vertex 0.
    loss = cls()
    if cls is LogisticLoss:
        Y = np.array([[0.0], [1.0], [1.0]])
        P = np.array([[0.5], [0.5], [1.0]])
        expected = np.array([-np.log(2), -np.log(2), 0.0])
    else:
        Y = np.eye(3)
        P = np.array([np.full(3, 1 / 3), np.full(3, 1 / 3), [0.0, 0.0, 1.0]])
        expected = np.array([-np.log(3), -np.log(3), 0.0])
    w = np.array([[0.2], [0.3], [0.5]])
    assert_allclose(loss.conjugate(Y, P - Y, w), np.sum(w.ravel() * expected))


# --------------------------------------------------------------------------
# null_intercept


@pytest.mark.parametrize("cls", LOSSES)
@pytest.mark.parametrize("seed", SEEDS)
def test_null_intercept_zeroes_the_intercept_gradient(cls, seed):
    loss = cls()
    Y, Z, w = make_problem(cls, seed)
    c = loss.null_intercept(Y, w, columns(Y))
    assert c.shape == (Y.shape[1],)
    Zc = 0 * Z + c
    assert_allclose(np.sum(w * loss.derivative(Y, Zc), axis=0), 0.0, atol=1e-12)
    # The intercept depends on the weights only through their proportions.
    assert_allclose(
        loss.null_intercept(Y, 7 * w, columns(Y)), c, rtol=1e-12, atol=1e-12
    )
    # And it minimises the loss over constant score columns.
    rng = np.random.default_rng(seed)
    best = loss.value(Y, Zc, w)
    for _ in range(20):
        delta = rng.standard_normal(c.shape) * rng.choice([1e-3, 1.0])
        assert loss.value(Y, Zc + delta, w) >= best - 1e-12


def test_null_intercept_closed_forms():
    w = np.array([[0.1], [0.2], [0.3], [0.4]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    assert_allclose(SquaredLoss().null_intercept(Y, w, columns(Y)), [0.5, 0.9])
    assert_allclose(
        LogisticLoss().null_intercept(Y, w, columns(Y)),
        [0.0, np.log(0.9 / 0.1)],
        atol=1e-12,
    )
    Y = np.eye(2)[[0, 1, 1, 1]]
    c = MultinomialLoss().null_intercept(Y, w, columns(Y))
    # Defined up to a common shift: only differences matter.
    assert_allclose(c[1] - c[0], np.log(0.9 / 0.1))


# --------------------------------------------------------------------------
# center_dual


def weighted_sums(V, w):
    return np.sum(w * V, axis=0)


@pytest.mark.parametrize("cls", [SquaredLoss, LogisticLoss])
@pytest.mark.parametrize("seed", SEEDS)
def test_center_dual_has_zero_weighted_sums(cls, seed):
    loss = cls()
    rng = np.random.default_rng(seed)
    Y, Z, w = make_problem(cls, seed)
    candidates = [loss.derivative(Y, Z)] + [
        random_dual_point(cls, Y, rng) for _ in range(5)
    ]
    for V in candidates:
        original = V.copy()
        R = loss.center_dual(Y, V, w, columns(Y))
        assert_array_equal(V, original)
        assert R.shape == V.shape
        assert_allclose(weighted_sums(R, w), 0.0, atol=1e-12)
        # Weights that do not sum to one: same zero sums.
        assert_allclose(
            weighted_sums(loss.center_dual(Y, V, 9 * w, columns(Y)), w), 0, atol=1e-12
        )
        assert np.isfinite(loss.conjugate(Y, R, w))
        if cls is LogisticLoss:
            assert np.all(R + Y >= -1e-12)
            assert np.all(R + Y <= 1 + 1e-12)
            # Entries only move towards zero.
            assert np.all(R * V >= 0)
            assert np.all(np.abs(R) <= np.abs(V) + 1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_squared_center_dual_is_weighted_projection(seed):
    # The closest point (in the w-weighted norm) with zero weighted sums.
    Y, Z, w = make_problem(SquaredLoss, seed)
    V = np.random.default_rng(seed).standard_normal(Y.shape)
    R = SquaredLoss().center_dual(Y, V, w, columns(Y))
    assert_allclose(weighted_sums(R, w), 0.0, atol=1e-12)
    # V - R is constant per column, i.e. orthogonal to the constraint set.
    assert_allclose(np.ptp(V - R, axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize("cls", [SquaredLoss, LogisticLoss])
@pytest.mark.parametrize("seed", SEEDS)
def test_center_dual_keeps_centered_columns(cls, seed):
    loss = cls()
    Y, Z, w = make_problem(cls, seed)
    # The gradient at the null intercept already has zero weighted sums.
    c = loss.null_intercept(Y, w, columns(Y))
    V = loss.derivative(Y, 0 * Z + c)
    assert_allclose(weighted_sums(V, w), 0.0, atol=1e-12)
    assert_allclose(loss.center_dual(Y, V, w, columns(Y)), V, rtol=1e-12, atol=1e-14)
    # Only the columns that are off get changed.
    V2 = V.copy()
    V2[:, 1] = loss.derivative(Y, Z)[:, 1]
    R = loss.center_dual(Y, V2, w, columns(Y))
    assert_allclose(R[:, [0, 2]], V[:, [0, 2]], rtol=1e-12, atol=1e-14)
    assert not np.allclose(R[:, 1], V2[:, 1])
    assert_allclose(weighted_sums(R, w), 0.0, atol=1e-12)


def test_logistic_center_dual_one_sided_column():
    # A column with a single class: V has one sign, the only centred point
    # obtained by shrinking is zero.
    loss = LogisticLoss()
    w = np.full((4, 1), 0.25)
    Y = np.zeros((4, 1))
    V = np.array([[0.2], [0.5], [0.1], [0.9]])
    R = loss.center_dual(Y, V, w, columns(Y))
    assert_allclose(R, 0.0)


def test_multinomial_center_dual_is_none():
    Y, Z, w = make_problem(MultinomialLoss, 0)
    V = MultinomialLoss().derivative(Y, Z)
    assert MultinomialLoss().center_dual(Y, V, w, columns(Y)) is None
