"""Newton's method on the support: the second-order finish of working sets.

Once a first-order method has found which rows (group lasso) or entries
(lasso) of ``W`` are nonzero, the objective restricted to them is smooth: a
quadratic data term plus a norm that is twice differentiable away from zero.
Newton's method then converges in a few steps where FISTA needs many, and it
reaches the optimum to rounding error, which a first-order method reaches only
at great cost. Each Newton system is solved by conjugate gradients on the
free entries; its products with the Hessian are differences of two gradients
of the datafit (exact for a quadratic data term) plus the penalty's curvature
(``support_curvature``), so the method needs nothing beyond the datafit and
penalty contracts and works on every form of the data term (Gram, residual,
design, with or without free intercepts, smooth terms).

The method never decides optimality: the caller certifies its result with the
duality gap of the whole problem, and if the support was wrong (a row that
should be zero, or one missing) the caller goes back to first-order steps.
"""

from math import sqrt

import numpy as np

from ..utils.linalg import inner

# Newton steps per call; a correct support converges in 2-5.
_MAX_NEWTON_STEPS = 12
# Conjugate-gradient iterations per Newton system, at most.
_MAX_CG = 250
# Each system is solved to this fraction of its right-hand side's norm at the
# first step, and more accurately as the gradient falls (superlinear rate).
_CG_RTOL = 1e-2
# Armijo's sufficient-decrease constant, and the backtracking limit.
_ARMIJO = 1e-4
_MAX_HALVINGS = 30


def applies(datafit, penalty):
    """Whether Newton's method on the support applies to this problem.

    It needs a quadratic data term (its Hessian products are then gradient
    differences) and a penalty that is smooth on the support of ``W``.

    Parameters
    ----------
    datafit : Datafit
        The data term.
    penalty : SolverPenalty
        The non-smooth term.

    Returns
    -------
    applies : bool
    """
    return bool(datafit.is_quadratic and penalty.smooth_on_support)


class _Objective:
    """The objective on the free entries of ``W`` (and the free intercepts)."""

    def __init__(self, datafit, penalty, alpha, W, c):
        self.datafit, self.penalty, self.alpha = datafit, penalty, alpha
        self.free = np.array(penalty.support(W), dtype=bool)
        # Whether the support is whole rows (group lasso) or entries (lasso):
        # what "crossing zero" means for a step.
        self.whole_rows = bool(np.all(self.free == self.free[:, :1]))
        self.fit_intercept = datafit.fit_intercept
        self.c_fixed = c
        # Hessian products are gradient differences from the origin.
        c0 = np.zeros_like(c) if self.fit_intercept else c
        self._c_origin = c0
        self._grad_origin = datafit.gradient_at(datafit.forward(np.zeros_like(W), c0))

    def vector(self, W_part, c_part):
        """The free entries and intercepts as one flat vector."""
        flat = W_part[self.free]
        if self.fit_intercept:
            return np.concatenate([flat, np.ravel(c_part)])
        return flat

    def split(self, x, shape):
        """``(W_part, c_part)`` from a flat vector (zeros off the support)."""
        W_part = np.zeros(shape)
        n_free = int(np.count_nonzero(self.free))
        W_part[self.free] = x[:n_free]
        c_part = x[n_free:] if self.fit_intercept else None
        return W_part, c_part

    def evaluate(self, W, c):
        """State and objective value at ``(W, c)``."""
        Z = self.datafit.forward(W, c)
        value = self.datafit.value(Z) + self.alpha * self.penalty.value(W)
        return Z, value

    def reduced_gradient(self, W, grad_W, grad_c):
        """The gradient of the restricted objective, as a flat vector."""
        full = grad_W + self.alpha * self.penalty.support_gradient(W)
        return self.vector(full, grad_c)

    def hessian_product(self, W, x):
        """The Hessian of the restricted objective at ``W`` times ``x``."""
        D, dc = self.split(x, W.shape)
        # Scale the direction to the size of W: the gradient difference then
        # loses no more digits to cancellation than the gradient itself.
        size = sqrt(inner(x, x))
        if size == 0.0:
            return np.zeros_like(x)
        scale = max(sqrt(inner(W, W)), 1.0) / size
        c = self._c_origin + scale * dc if self.fit_intercept else self.c_fixed
        grad_W, grad_c = self.datafit.gradient_at(self.datafit.forward(scale * D, c))
        data_W = (grad_W - self._grad_origin[0]) / scale
        data_c = (grad_c - self._grad_origin[1]) / scale if self.fit_intercept else None
        curvature = self.alpha * self.penalty.support_curvature(W, D)
        return self.vector(data_W + curvature, data_c)


def _conjugate_gradients(apply, rhs, rtol, max_iter):
    """Approximate solution of ``A x = rhs`` for a positive definite ``A``."""
    x = np.zeros_like(rhs)
    r = rhs.copy()
    p = r.copy()
    rz = inner(r, r)
    target = rtol**2 * inner(r, r)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        Ap = apply(p)
        curvature = inner(p, Ap)
        if curvature <= 0.0:  # not positive definite along p (rounding)
            break
        step = rz / curvature
        x += step * p
        r -= step * Ap
        if inner(r, r) <= target:
            break
        rz_new = inner(r, r)
        p = r + (rz_new / rz) * p
        rz = rz_new
    return x, n_iter


class NewtonResult:
    """What :func:`newton_on_support` reached: the point and its cost."""

    __slots__ = ("W", "c", "objective", "n_steps", "n_products", "support_kept")

    def __init__(self, W, c, objective, n_steps, n_products, support_kept):
        self.W, self.c, self.objective = W, c, objective
        self.n_steps, self.n_products = n_steps, n_products
        self.support_kept = support_kept


def newton_on_support(datafit, penalty, alpha, W, c, *, gradient_tol, max_products):
    """Newton-CG on the objective restricted to the support of ``W``.

    Minimises ``datafit + alpha * penalty`` over the entries of ``W`` in
    ``penalty.support(W)`` (the others held at zero) and the free intercepts,
    from ``(W, c)``, with a backtracking (Armijo) line search. It stops when the
    restricted gradient's norm is at most ``gradient_tol``, when a step no
    longer decreases the objective (rounding), or when a step would move a
    nonzero row or entry through zero (the support is then wrong: the caller's
    first-order steps, whose prox sets it to zero, take over).

    Parameters
    ----------
    datafit : Datafit
        A quadratic data term (``is_quadratic``).
    penalty : SolverPenalty
        A penalty with ``smooth_on_support``.
    alpha : float
        Strength of the penalty.
    W : ndarray of shape (n_features, n_columns)
        Starting coefficients; their support is kept.
    c : ndarray of shape (n_columns,)
        Starting intercepts.
    gradient_tol : float
        Stop when the restricted gradient's Euclidean norm is at most this.
    max_products : int
        Stop once this many Hessian products (conjugate-gradient iterations,
        each costing about one gradient) have been spent.

    Returns
    -------
    result : NewtonResult
        The last accepted point and its objective, the number of Newton
        steps and of Hessian products, and whether the support was kept.
    """
    objective = _Objective(datafit, penalty, alpha, W, c)
    Z, value = objective.evaluate(W, c)
    n_steps = n_products = 0
    support_kept = True
    for n_steps in range(1, _MAX_NEWTON_STEPS + 1):
        grad_W, grad_c = datafit.gradient_at(Z)
        gradient = objective.reduced_gradient(W, grad_W, grad_c)
        gradient_norm = sqrt(inner(gradient, gradient))
        if gradient_norm <= gradient_tol:
            n_steps -= 1
            break
        if n_steps == 1:
            first_norm = gradient_norm
        # Forcing sequence (Eisenstat-Walker style): each system is solved to
        # the gradient's decrease so far, loose far from the optimum and tight
        # near it, for a superlinear rate at the cost of few products.
        rtol = max(min(_CG_RTOL, gradient_norm / first_norm), 1e-12)
        direction, n_cg = _conjugate_gradients(
            lambda x, W=W: objective.hessian_product(W, x),
            -gradient,
            rtol,
            max(min(_MAX_CG, max_products - n_products), 1),
        )
        n_products += n_cg
        D, dc = objective.split(direction, W.shape)
        if _crosses_zero(objective, W, D):
            support_kept = False
            break
        slope = inner(gradient, direction)
        if slope >= 0.0:  # not a descent direction: rounding dominates
            break
        step = 1.0
        for _ in range(_MAX_HALVINGS):
            W_new = W + step * D
            c_new = c + step * dc if objective.fit_intercept else c
            Z_new, value_new = objective.evaluate(W_new, c_new)
            if value_new <= value + _ARMIJO * step * slope:
                break
            step *= 0.5
        else:
            break  # no decrease within rounding: as good as it gets
        W, c, Z, value = W_new, c_new, Z_new, value_new
        if n_products >= max_products:
            break
    return NewtonResult(W, c, value, n_steps, n_products, support_kept)


def _crosses_zero(objective, W, D):
    """Whether the full step ``W + D`` leaves the support's orthant or cone.

    A group-lasso row whose step reverses its direction (``<W_j, W_j + D_j> <=
    0``), or a lasso entry whose sign flips, belongs at zero: Newton's model,
    smooth only away from zero, cannot put it there. (If the full step does
    not, no shorter one does: the support stays that of the first ``W``.)
    """
    free = objective.free
    moved = W + D
    if objective.whole_rows:
        along = np.einsum("ij,ij->i", W, moved)
        rows = free[:, 0]
        return bool(np.any(along[rows] <= 0.0))
    return bool(np.any((W * moved)[free] <= 0.0))
