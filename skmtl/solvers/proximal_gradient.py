"""FISTA: accelerated proximal gradient with line search and adaptive restart.

It works for every datafit and penalty: the datafit gives values, gradients
and dual points at states that are linear in ``(W, c)`` (so momentum
extrapolates states instead of recomputing products), the penalty its prox.
The iteration is split into named steps: :class:`_BacktrackingStep` (the
prox-gradient step and its line search) and :class:`_GapCertificate` (the
stopping rule).
"""

from math import sqrt

import numpy as np

from ..utils.linalg import inner
from .gap import (
    dual_value,
    duality_gap,
    finite_null_objective,
    gap_available,
    null_result,
)
from .result import SolverResult

# How often (in iterations) the duality gap is evaluated when it costs an extra
# product with X^T or an SVD: rarely enough to keep its cost small, often
# enough to waste few iterations after convergence. A gap that costs nothing
# extra is evaluated at every iteration.
_GAP_INTERVAL = 5
# The sufficient-decrease test of the line search tolerates rounding errors of
# this size relative to the null objective (the scale of the terms whose
# difference is the objective, e.g. in the Gram form), so that L does not grow
# from noise.
_LINE_SEARCH_RTOL = 1e-12
# A line search that doubles L this many times has met a non-finite objective.
_MAX_BACKTRACKS = 60
# Each iteration first tries a slightly longer step than the last accepted one
# (L shrinks by this factor; the line search doubles it back when needed): the
# curvature bound behind the initial L is loose (for the logistic loss 1/4,
# whatever the fit), and the local curvature is what sets the best step.
_LIPSCHITZ_SHRINK = 0.9
# A decrease below this multiple of the line search's rounding slack is noise:
# it does not show that a longer step would be safe.
_NOISE_MULTIPLE = 100.0


def _norm(array):
    """Euclidean norm that neither underflows nor overflows (scaled by the max).

    The plain norm (one pass) is kept unless its squares overflowed or
    underflowed, which only the scaled one survives.
    """
    plain = sqrt(max(inner(array, array), 0.0))  # (no threaded BLAS, see inner)
    if 1e-150 < plain < np.inf:
        return plain
    largest = float(np.max(np.abs(array), initial=0.0))
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    return largest * float(np.linalg.norm(array / largest))


def fista(
    datafit, penalty, alpha, coef_init=None, offset_init=None, *,
    max_iter=1000, tol=1e-4, verbose=0, lipschitz=None,
):  # fmt: skip
    """Accelerated proximal gradient with line search and adaptive restart.

    Minimises ``datafit(W, c) + alpha * penalty.value(W)`` over ``W`` and the
    unpenalised intercepts ``c`` (FISTA, Beck & Teboulle 2009). The step is
    ``1 / L``: ``L`` starts at a power-iteration estimate of the Lipschitz
    constant and doubles until the quadratic upper bound holds. Momentum is
    reset whenever it points uphill (gradient restart, O'Donoghue & Candes
    2015).

    Parameters
    ----------
    datafit : Datafit
        The smooth part of the objective (see :class:`skmtl.datafits.base.Datafit`).
    penalty : SolverPenalty
        The non-smooth part (see :class:`skmtl.penalties.base.SolverPenalty`).
    alpha : float
        Non-negative strength of the penalty.
    coef_init : ndarray of shape (n_features, n_columns), default=None
        Starting coefficients; zeros when None.
    offset_init : ndarray of shape (n_columns,), default=None
        Starting centred intercepts; those of the null model when None.
    max_iter : int, default=1000
        Maximum number of iterations.
    tol : float, default=1e-4
        Stopping tolerance, see Notes.
    verbose : int, default=0
        Print the objective and gap at each check when positive.
    lipschitz : float, default=None
        Initial inverse step size; ``datafit.lipschitz_constant()`` when None. The line
        search adapts it either way.

    Returns
    -------
    result : SolverResult
        Coefficients, intercepts and convergence information.

    Notes
    -----
    The solver stops when the duality gap is at most ``tol`` times the
    objective of the null model (all coefficients zero, best intercepts),
    with the dual point taken at the returned coefficients' own scores (so
    that the gap can be recomputed from them alone); the reported gap uses
    the best dual value seen, which is never worse.
    When the datafit has no dual point (multinomial loss with intercepts) or
    the penalty no useful dual set (a norm at ``alpha = 0``, or no non-smooth
    term at all), it stops when the prox-gradient residual
    ``L * ||x_{k+1} - y_k||`` is at most ``tol`` times the gradient norm of the
    null model.

    When the penalty is a norm and ``alpha`` is at least the dual norm of the
    gradient at the null model (``alpha_max``), the null model is optimal and is
    returned exactly, without iterating.
    """
    fit_intercept = datafit.fit_intercept
    if coef_init is None or not np.any(coef_init):
        # (From a warm start the prox reaches exact zeros if they are optimal.)
        null = null_result(datafit, penalty, alpha)
        if null is not None:
            return null
    c_null, Z_null, grad_null = datafit.null_model()
    null_objective = finite_null_objective(datafit.value(Z_null))
    grad_null_norm = _norm(grad_null)
    use_gap = gap_available(datafit, penalty, alpha)
    criterion = "duality_gap" if use_gap else "prox_grad_residual"
    certificate = _GapCertificate(datafit, penalty, alpha, tol * null_objective)

    W, c = _starting_point(datafit, coef_init, offset_init, c_null)
    Z = datafit.forward(W, c)
    f = datafit.value(Z)
    W_prev, c_prev, Z_prev = W, c, Z
    if lipschitz is None:
        lipschitz = datafit.lipschitz_constant()
    line_search = _BacktrackingStep(
        datafit, penalty, alpha, lipschitz, _LINE_SEARCH_RTOL * null_objective
    )
    momentum = 1.0
    residual, converged = np.inf, False
    start_gradient = None  # computed for the check below, reused by iteration 1
    if use_gap and coef_init is not None and np.any(W):
        # A warm start may already be certified (a refit at the same alpha).
        start_gradient = datafit.gradient_at(Z)
        if certificate.certifies_start(W, Z, start_gradient[0]):
            return SolverResult(
                W, c, 0, certificate.primal, certificate.gap, 0.0, criterion, True,
                line_search.lipschitz,
            )  # fmt: skip

    for n_iter in range(1, max_iter + 1):
        momentum_next = 0.5 * (1.0 + sqrt(1.0 + 4.0 * momentum**2))
        beta = (momentum - 1.0) / momentum_next
        W_y, Z_y, f_y = _extrapolate(datafit, beta, W, W_prev, Z, Z_prev, f)
        if start_gradient is not None:  # the first iteration: Z_y is Z
            (grad_W, grad_c), start_gradient = start_gradient, None
        else:
            grad_W, grad_c = datafit.gradient_at(Z_y)
        c_y = c + beta * (c - c_prev) if fit_intercept else c
        if use_gap:
            # Taken now, where the gradient is known (free when cheap), so that
            # no old state outlives this point: the line search then holds
            # only the current and the new state (the memory peak).
            certificate.take_dual_at_extrapolation(Z_y, grad_W)
        W_prev = Z_prev = Z_y = None

        step = line_search.take(W_y, c_y, f_y, grad_W, grad_c)
        residual = line_search.lipschitz * sqrt(step.norm_sq) / grad_null_norm
        # Gradient restart: drop the momentum when it points uphill, i.e. when
        # <y - x_new, x_new - x> > 0 (with y - x_new = -step).
        uphill = -inner(step.W_change, step.W - W)
        if fit_intercept:
            uphill -= inner(step.c_change, step.c - c)
            c_prev, c = c, step.c
        if uphill > 0:
            momentum_next = 1.0
        W_prev, Z_prev = W, Z
        W, Z, f = step.W, step.Z, step.f
        momentum = momentum_next

        if use_gap:
            converged = certificate.check(W, Z, f, n_iter, max_iter)
            if converged is None:  # not evaluated at this iteration
                continue
        else:
            certificate.primal = f + alpha * penalty.value(W)
            converged = residual <= tol
        if verbose:
            print(
                f"[skmtl.fista] iter {n_iter:5d}  objective {certificate.primal:.10e}"
                f"  gap {certificate.gap:.3e}  residual {residual:.3e}"
            )
        if converged:
            break

    if use_gap and not converged:
        certificate.certify_own(W, Z)
    primal = certificate.primal
    if not np.isfinite(primal):
        primal = f + alpha * penalty.value(W)
    return SolverResult(
        W, c, n_iter, primal, certificate.gap, residual, criterion, bool(converged),
        line_search.lipschitz,
    )  # fmt: skip


def _starting_point(datafit, coef_init, offset_init, c_null):
    """The first iterate ``(W, c)``: the given one, or zeros and the null intercepts."""
    if coef_init is None:
        W = np.zeros((datafit.n_features, datafit.n_columns))
    else:
        W = np.array(coef_init, dtype=float)
    if offset_init is None or not datafit.fit_intercept:
        # Fixed intercepts stay at the null model's: zero, or the optimum the
        # datafit already knows.
        return W, c_null
    return W, np.array(offset_init, dtype=float)


def _extrapolate(datafit, beta, W, W_prev, Z, Z_prev, f):
    """The momentum point ``y = x + beta (x - x_prev)``, its state and value."""
    if not beta:  # no momentum (first iteration, after a restart): no copies
        return W, Z, f
    Z_y = Z + beta * (Z - Z_prev)  # states are linear in (W, c)
    return W + beta * (W - W_prev), Z_y, datafit.value(Z_y)


class _Step:
    """An accepted proximal-gradient step from the extrapolated point."""

    __slots__ = ("W", "c", "Z", "f", "W_change", "c_change", "norm_sq")

    def __init__(self, W, c, Z, f, W_change, c_change, norm_sq):
        self.W, self.c, self.Z, self.f = W, c, Z, f
        self.W_change, self.c_change, self.norm_sq = W_change, c_change, norm_sq


class _BacktrackingStep:
    """The proximal-gradient step with its backtracking line search.

    Holds the inverse step size ``lipschitz`` (``L``) across iterations: each
    step first tries ``0.9 L`` when the last was accepted on its merits, and
    ``L`` doubles until the quadratic upper bound holds up to ``slack``.
    """

    def __init__(self, datafit, penalty, alpha, lipschitz, slack):
        self.datafit, self.penalty, self.alpha = datafit, penalty, alpha
        self.lipschitz = max(lipschitz, np.finfo(float).tiny)
        self.slack = slack
        self.try_longer_step = False

    def take(self, W_y, c_y, f_y, grad_W, grad_c):
        """The accepted step from ``(W_y, c_y)`` with gradients ``grad_W, grad_c``."""
        datafit, fit_intercept = self.datafit, self.datafit.fit_intercept
        if self.try_longer_step:
            self.lipschitz *= _LIPSCHITZ_SHRINK
        c_new, c_change = c_y, None
        for _ in range(_MAX_BACKTRACKS):
            L = self.lipschitz
            W_new = self.penalty.prox(W_y - grad_W / L, self.alpha / L)
            W_change = W_new - W_y
            norm_sq, decrease = inner(W_change, W_change), inner(grad_W, W_change)
            if fit_intercept:
                c_new = c_y - grad_c / L
                c_change = c_new - c_y
                norm_sq += inner(c_change, c_change)
                decrease += inner(grad_c, c_change)
            Z_new = datafit.forward(W_new, c_new)
            f_new = datafit.value(Z_new)
            upper = f_y + decrease + 0.5 * L * norm_sq
            if f_new <= upper + self.slack:
                break
            self.lipschitz *= 2.0
            self.try_longer_step = False
        else:
            raise FloatingPointError(
                "The line search could not find a step with a finite objective. "
                "Check the data for extreme values, and scale the features "
                "(e.g. with StandardScaler)."
            )
        # Try a longer step next time only if this one was accepted on its
        # merits, not within rounding errors (near the optimum every step is).
        self.try_longer_step = (
            f_new <= upper and f_y - f_new > _NOISE_MULTIPLE * self.slack
        )
        return _Step(W_new, c_new, Z_new, f_new, W_change, c_change, norm_sq)


class _GapCertificate:
    """The duality gap as FISTA's stopping rule.

    When the gap is cheap (the datafit's dual point is its gradient and the
    penalty needs no SVD) a dual value is taken at every extrapolated point,
    where the gradient is known; else the gap is evaluated at the iterate
    every ``_GAP_INTERVAL`` iterations. Either way the solver stops only when
    the returned coefficients certify themselves, with the dual point at their
    own state: a gap anyone can recompute from the coefficients alone. The
    reported gap uses the best dual value seen, which is never worse.
    """

    def __init__(self, datafit, penalty, alpha, threshold):
        self.datafit, self.penalty, self.alpha = datafit, penalty, alpha
        self.threshold = threshold
        self.cheap = datafit.cheap_dual_point and penalty.cheap_dual_point
        self.primal, self.best_dual, self.gap = np.inf, -np.inf, np.nan
        self._extrapolated_dual = -np.inf

    def _gap_at(self, W, Z, grad_W=None):
        """Primal and own dual value at ``(W, Z)``; records the best dual."""
        primal, dual = duality_gap(
            self.datafit, self.penalty, self.alpha, W, Z, Z, grad_W
        )
        self.primal, self.best_dual = primal, max(self.best_dual, dual)
        self.gap = primal - self.best_dual
        return primal - dual

    def certifies_start(self, W, Z, grad_W):
        """Whether a warm start is already optimal to the tolerance."""
        return self._gap_at(W, Z, grad_W) <= self.threshold

    def take_dual_at_extrapolation(self, Z_y, grad_W):
        """Record the dual value at the extrapolated point, when it is free."""
        if self.cheap:
            self._extrapolated_dual = dual_value(
                self.datafit, self.penalty, self.alpha, Z_y, grad_W
            )

    def check(self, W, Z, f, n_iter, max_iter):
        """Whether ``W`` is certified; None when the gap is not evaluated now."""
        if self.cheap:
            self.primal = f + self.alpha * self.penalty.value(W)
            self.best_dual = max(self.best_dual, self._extrapolated_dual)
            self.gap = self.primal - self.best_dual
            if self.gap > self.threshold:
                return False
            # The dual points so far are at extrapolated iterates: certify
            # the returned coefficients with their own.
            return self._gap_at(W, Z) <= self.threshold
        if n_iter % _GAP_INTERVAL and n_iter != max_iter:
            return None
        return self._gap_at(W, Z) <= self.threshold

    def certify_own(self, W, Z):
        """The gap at the returned coefficients' own dual point (on exit)."""
        if self.cheap:  # (done by check when the gap is costly)
            self._gap_at(W, Z)
