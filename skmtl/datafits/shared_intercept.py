"""Task intercepts pulled towards their mean: the random intercept of a mixed model.

With free intercepts, a task with few rows gets an intercept that is mostly
noise. :class:`SharedInterceptDatafit` adds to a datafit the term

.. math::

    \\gamma \\sum_t (b_t - \\bar b)^2, \\qquad \\bar b = \\frac1T \\sum_t b_t,

where :math:`b_t` is task ``t``'s intercept *at the mean of the features over
all rows* (:math:`\\bar x`, weighted as the data term weighs the rows), so the
term does not change when a feature is shifted by a constant. It is the
penalised form of a random intercept (:math:`b_t = \\mu + u_t`, :math:`u_t`
shrunk to zero, :math:`\\mu` free): minimising over :math:`\\mu` leaves the
distance to the mean. ``gamma = inf`` ties the intercepts: one intercept for
all tasks, as in a pooled model.

The solver's intercept variable is ``b`` itself (one entry when tied); the
inner datafit's centred intercepts are ``c_t = b_t + (\\bar x_t - \\bar x)^\\top
w_t``, with :math:`\\bar x_t` the mean of task ``t``'s rows.

Duality gap. A dual point of the inner losses, ``theta``, moved so that its
weighted sum over *all* entries is zero (not per column, as free intercepts
need), gives the dual variable of the intercept term, ``eta = -(column sums
of w theta)``, which sums to zero; the conjugate of the term there is
:math:`\\|\\eta\\|^2 / (4\\gamma)`. Tied intercepts need only the zero total.
"""

import numpy as np

from .base import DatafitWrapper
from .loss import column_gram_is_cheaper
from .shared_intercept_gram import SharedInterceptGramDatafit

# The null intercepts (W = 0) solve a small smooth problem in b by Newton's
# method; the loss curvature comes from a difference of derivatives.
_NEWTON_MAX_ITER = 100
_NEWTON_RTOL = 1e-12
_CURVATURE_STEP = 1e-6
_POWER_ITERATIONS = 30
_POWER_RTOL = 1e-2


class _InterceptState:
    """Inner state and the task intercepts ``b`` it was computed with (affine)."""

    __slots__ = ("scores", "intercepts")

    def __init__(self, scores, intercepts):
        self.scores = scores
        self.intercepts = intercepts

    def __add__(self, other):
        return _InterceptState(
            self.scores + other.scores, self.intercepts + other.intercepts
        )

    def __sub__(self, other):
        return _InterceptState(
            self.scores - other.scores, self.intercepts - other.intercepts
        )

    def __mul__(self, factor):
        return _InterceptState(factor * self.scores, factor * self.intercepts)

    __rmul__ = __mul__


def intercept_curvature(datafit, scores, derivative=None):
    """Second derivative of a loss datafit in each column's intercept at ``scores``.

    From a difference of the losses' derivatives (``derivative``: those at
    ``scores``, if known), exact for the squared loss.
    """
    if derivative is None:
        derivative = datafit.derivative(scores)
    moved = datafit.derivative(scores + _CURVATURE_STEP) - derivative
    data = datafit.data
    return data.column_sum(data.weights * moved) / _CURVATURE_STEP


def shares_intercepts(datafit):
    """Whether ``datafit`` can take shared intercepts (in-memory losses on a layout)."""
    return (
        getattr(datafit, "fit_intercept", False)
        and hasattr(datafit, "center_dual")
        and hasattr(getattr(datafit, "data", None), "x_offset")
    )


class SharedInterceptDatafit(DatafitWrapper):
    """A datafit whose task intercepts are pulled towards their mean.

    Parameters
    ----------
    inner : LossDatafit
        The data term of an in-memory layout, with intercepts.
    strength : float
        :math:`\\gamma > 0`; ``inf`` ties the intercepts.
    """

    cheap_dual_point = False  # the dual point's image costs one product

    def __init__(self, inner, strength):
        super().__init__(inner)
        self.strength = float(strength)
        self.tied = np.isinf(self.strength)
        data = inner.data
        weight = data.column_sum(data.weights)
        self.x_mean = np.asarray(data.x_offset) @ (weight / weight.sum())
        # Feature means of each task's rows minus those of all rows.
        self.shift = np.asarray(data.x_offset) - self.x_mean[:, None]
        # The one tied intercept moves every task's: its curvature is T times
        # a task's. The solver's variable is scaled to balance them (as the
        # step is one for all variables).
        self.tie_scale = 1.0 / np.sqrt(self.n_columns) if self.tied else 1.0
        self._null = None

    @property
    def n_offsets(self):
        """Length of the solver's intercept variable."""
        return 1 if self.tied else self.n_columns

    # ----------------------------------------------------------- intercepts
    def task_intercepts(self, u):
        """Intercepts at the mean features, one per column, from the solver's ``u``."""
        u = np.asarray(u, dtype=float)
        return np.full(self.n_columns, u[0] * self.tie_scale) if self.tied else u

    def centred_offset(self, W, u):
        """The inner datafit's centred intercepts ``c``."""
        return self.task_intercepts(u) + np.einsum("jc,jc->c", self.shift, W)

    def model_intercepts(self, W, u):
        """Intercepts of the model at ``x = 0`` (what ``intercept_`` holds)."""
        return self.task_intercepts(u) - self.x_mean @ W

    def solver_offset(self, W, intercepts):
        """Inverse of :meth:`model_intercepts` (the mean over tasks when tied)."""
        b = np.asarray(intercepts, dtype=float) + self.x_mean @ W
        return np.array([b.mean() / self.tie_scale]) if self.tied else b

    def _term(self, b):
        if self.tied:
            return 0.0
        return self.strength * float(np.sum((b - b.mean()) ** 2))

    def _term_gradient(self, b):
        if self.tied:
            return np.zeros_like(b)
        return 2.0 * self.strength * (b - b.mean())

    def _reduce(self, grad_b):
        """Gradient in ``u`` from the gradient in the per-column ``b``."""
        return np.array([grad_b.sum() * self.tie_scale]) if self.tied else grad_b

    # ------------------------------------------------------------- contract
    def forward(self, W, u):
        """The inner state at the centred intercepts, with ``b``."""
        b = self.task_intercepts(u)
        c = b + np.einsum("jc,jc->c", self.shift, W)
        return _InterceptState(self.inner.forward(W, c), b)

    def value(self, Z):
        """Inner value plus :math:`\\gamma \\sum_t (b_t - \\bar b)^2`."""
        return self.inner.value(Z.scores) + self._term(Z.intercepts)

    def gradient_at(self, Z):
        """Gradients in ``W`` and in the solver's intercepts."""
        grad_W, grad_c = self.inner.gradient_at(Z.scores)
        grad_W = grad_W + self.shift * grad_c[None, :]
        return grad_W, self._reduce(grad_c + self._term_gradient(Z.intercepts))

    def dual_candidate(self, Z, grad_W=None):
        """Loss derivatives with a zero total, and the intercept term's dual."""
        inner, data = self.inner, self.inner.data
        theta = inner.center_dual(inner.derivative(Z.scores), total=True)
        if theta is None:
            return None
        U = data.weights * theta
        sums = data.column_sum(U)
        image = data.adjoint(U) + self.shift * sums[None, :]
        return (theta, -sums), image

    def conjugate(self, V, scale):
        """Inner conjugate plus :math:`\\|s \\eta\\|^2 / (4 \\gamma)` (0 when tied)."""
        theta, eta = V
        value = self.inner.conjugate(theta, scale)
        if not self.tied:
            value += scale**2 * float(np.sum(eta**2)) / (4.0 * self.strength)
        return value

    def null_model(self):
        """Best intercepts at ``W = 0`` (Newton's method), the state, the gradient.

        Computed once: every solve along a path asks for it.
        """
        if self._null is None:
            u = self._null_intercepts()
            zeros = np.zeros((self.n_features, self.n_columns))
            Z = self.forward(zeros, u)
            self._null = (u, Z, self.gradient_at(Z)[0])
        u, Z, gradient = self._null
        return u.copy(), Z, gradient.copy()

    def _null_intercepts(self):
        data, inner = self.inner.data, self.inner
        weights = data.weights
        zeros = np.zeros((self.n_features, self.n_columns))
        u = np.zeros(self.n_offsets)

        def objective(u):
            return self.value(self.forward(zeros, u))

        f = objective(u)
        for _ in range(_NEWTON_MAX_ITER):
            Z = self.forward(zeros, u)
            derivative = inner.derivative(Z.scores)
            curvature = intercept_curvature(inner, Z.scores, derivative)
            gradient = self._reduce(
                data.column_sum(weights * derivative)
                + self._term_gradient(Z.intercepts)
            )
            step = self._newton_step(np.maximum(curvature, 0.0), gradient)
            t = 1.0
            while True:  # backtracking on the objective (logistic losses)
                candidate = u - t * step
                f_new = objective(candidate)
                if f_new <= f - 0.25 * t * float(gradient @ step) or t < 1e-10:
                    break
                t *= 0.5
            decrease = f - f_new
            u, f = candidate, min(f, f_new)
            if decrease <= _NEWTON_RTOL * max(abs(f), 1.0):
                break
        return u

    def _newton_step(self, curvature, gradient):
        """Solve ``(diag(h) + 2 gamma (I - 1 1^T / T)) step = gradient``."""
        if self.tied:
            total = curvature.sum() * self.tie_scale**2
            return gradient / total if total > 0 else 0.0 * gradient
        two_gamma = 2.0 * self.strength
        diagonal = curvature + two_gamma  # > 0
        # Sherman-Morrison for the rank-one correction -(2 gamma / T) 1 1^T.
        inv_g, inv_1 = gradient / diagonal, 1.0 / diagonal
        rank_one = two_gamma / self.n_columns
        denominator = 1.0 - rank_one * inv_1.sum()
        if denominator <= 0:  # no curvature at all in the mean: stay put there
            return inv_g - inv_1 * inv_g.sum() / inv_1.sum()
        return inv_g + inv_1 * rank_one * inv_g.sum() / denominator

    def lipschitz_constant(self):
        """Largest loss curvature times the top eigenvalue of the map to scores.

        By power iteration on the map ``(W, u) -> scores``, plus the
        intercept term's ``2 gamma``.
        """
        inner, data = self.inner, self.inner.data
        curvature = max(block.loss.curvature for block in data.blocks)
        rng = np.random.default_rng(0)
        W = rng.standard_normal((self.n_features, self.n_columns))
        u = np.ones(self.n_offsets)
        eigenvalue = 0.0
        for _ in range(_POWER_ITERATIONS):
            norm = np.sqrt(np.sum(W**2) + np.sum(u**2))
            if norm == 0:
                break
            W, u = W / norm, u / norm
            scores = inner.forward(W, self.centred_offset(W, u))
            U = data.weights * scores
            sums = data.column_sum(U)
            W = data.adjoint(U) + self.shift * sums[None, :]
            u = self._reduce(sums)
            previous = eigenvalue
            eigenvalue = float(np.sqrt(np.sum(W**2) + np.sum(u**2)))
            if abs(eigenvalue - previous) <= _POWER_RTOL * eigenvalue:
                break
        term = 0.0 if self.tied else 2.0 * self.strength
        return curvature * eigenvalue * (1.0 + _POWER_RTOL) + term

    def fast_form(self):
        """For the squared loss with one column per task, per-task statistics.

        Else ``self``: the intercepts no longer decouple from ``W``.
        """
        data = self.inner.data
        quadratic = all(block.loss.is_quadratic for block in data.blocks)
        if quadratic and column_gram_is_cheaper(data):
            gram, cross, variation, mean, total = data.column_statistics()
            return SharedInterceptGramDatafit(gram, cross, variation, mean, total, self)
        return self

    def _rewrap(self, inner):
        return SharedInterceptDatafit(inner, self.strength)
