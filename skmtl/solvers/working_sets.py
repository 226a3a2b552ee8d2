"""Working sets: FISTA on a few rows of ``W`` at a time, for row-separable norms.

For a penalty that is a sum over the rows of ``W`` (group lasso, lasso), rows
whose gradient scores are far below ``alpha`` stay at zero. Each round solves
the subproblem on the active rows plus those that violate the optimality
conditions most (on the cheapest form of the datafit restricted to them), then
certifies the whole problem with its duality gap.
"""

from math import sqrt

import numpy as np

from ..utils.linalg import inner
from . import newton, proximal_gradient
from .gap import duality_gap, finite_null_objective
from .result import SolverResult

# The first working set holds the active rows and at least this many more.
_MIN_SIZE = 10
# While the support changes, each subproblem is solved to this fraction of the
# current full duality gap: more accurately wastes time, less stalls the loop.
_GAP_RATIO = 0.1
# A round that does not divide the full gap by at least 1 / this factor doubles
# the working set (else it only keeps room for twice the support).
_STALL = 0.5
# Newton's method on the support stops when its gradient is this fraction of
# the gradient at the null model.
_NEWTON_GRADIENT_RTOL = 1e-10
# The polish may spend a tenth of the first-order work in Hessian products
# (each costs about one first-order iteration), and at least this many...
_MIN_BUDGET = 20
# ... but that minimum only where a product is cheap (below this many
# multiply-adds, well under a millisecond): on large problems the polish
# never costs more than a tenth of the first-order work.
_CHEAP_PRODUCT = 1e7


def working_set_rows(penalty, active, grad_W, size):
    """The ``active`` rows of ``W`` and the rows that violate optimality most.

    Parameters
    ----------
    penalty : SolverPenalty
        A row-separable norm (its ``row_dual_norms`` score the rows).
    active : ndarray of int
        Rows with a nonzero coefficient: always kept.
    grad_W : ndarray of shape (n_features, n_columns)
        Gradient of the data term at the current point.
    size : int
        Target size of the set (at least twice the active rows).

    Returns
    -------
    rows : ndarray of int
        Sorted row indices.
    """
    n_rows = grad_W.shape[0]
    size = min(n_rows, max(size, 2 * active.size))
    if size == n_rows:
        return np.arange(n_rows)
    score = penalty.row_dual_norms(grad_W)
    score[active] = np.inf
    return np.sort(np.argsort(-score, kind="stable")[:size])


class _Round:
    """The state carried from one working-set round to the next."""

    def __init__(self, lipschitz):
        self.lipschitz = lipschitz  # the step of the last subproblem's form
        self.form = None  # the form of the last subproblem (Gram, residual...)
        self.support = None  # the support at the start of the last round


def _solve_subproblem(datafit, penalty, alpha, W, c, rows, carried, **options):
    """FISTA on the rows ``rows`` of ``W``; returns its result."""
    # Only one subproblem (its slice of X) and no full-size state are alive
    # while it is solved: that is the memory peak.
    subproblem = datafit.restrict(rows).fast_form()
    # A subproblem of the same form as the last starts from its step size (or
    # from the one the caller gave, for the first).
    same_form = type(subproblem) is carried.form or (
        carried.form is None and carried.lipschitz is not None
    )
    result = proximal_gradient.fista(
        subproblem, penalty, alpha, W[rows], c,
        lipschitz=carried.lipschitz if same_form else None, **options,
    )  # fmt: skip
    carried.lipschitz, carried.form = result.lipschitz, type(subproblem)
    return subproblem, result


def _inner_tolerance(tol, gap, gap_threshold, whole, stable):
    """Accuracy of a subproblem: a fraction of the current gap, or ``tol``.

    The full accuracy once the support is stable (the last round kept it) or
    the set is the whole problem: a fraction would then only divide the gap by
    a constant per round, each round paying products with the whole design.
    """
    if whole or stable:
        return tol
    return max(tol, _GAP_RATIO * tol * gap / gap_threshold)


def working_sets(
    datafit, penalty, alpha, coef_init, offset_init, *, max_iter, tol, verbose,
    lipschitz=None, polish=True,
):  # fmt: skip
    """Working-set loop around :func:`~skmtl.solvers.fista`.

    Parameters are those of :func:`~skmtl.solvers.solve`; ``penalty`` must be
    a row-separable norm and the gap available (:func:`gap_available`).

    Returns
    -------
    result : SolverResult
        Coefficients, intercepts and convergence information; the gap is that
        of the whole problem.
    """
    n_features, n_columns = datafit.n_features, datafit.n_columns
    c_null, Z_null, grad_null = datafit.null_model()
    gap_threshold = tol * finite_null_objective(datafit.value(Z_null))
    W = np.zeros((n_features, n_columns)) if coef_init is None else coef_init.copy()
    c = c_null if offset_init is None or not datafit.fit_intercept else offset_init
    if np.any(W) or c is not c_null:
        Z = datafit.forward(W, c)
        grad_W, _ = datafit.gradient_at(Z)
    else:  # the null model, whose state and gradient the datafit knows
        Z, grad_W = Z_null, grad_null
    # The gap at the start sets how accurately the first subproblem is solved
    # (a warm start near the optimum needs little), or ends the work at once.
    primal, best_dual = duality_gap(datafit, penalty, alpha, W, Z, Z, grad_W)
    gap = previous_gap = primal - best_dual
    if gap <= gap_threshold:
        step = np.nan if lipschitz is None else lipschitz
        return SolverResult(W, c, 0, primal, gap, 0.0, "duality_gap", True, step)
    carried = _Round(lipschitz)
    size, n_iter, converged = _MIN_SIZE, 0, False
    while True:
        support = np.flatnonzero(penalty.row_dual_norms(W) > 0)
        rows = working_set_rows(penalty, support, grad_W, size)
        whole = rows.size == n_features
        stable = carried.support is not None and np.array_equal(
            support, carried.support
        )
        carried.support = support
        Z = grad_W = None  # no full-size state alive during the subproblem
        subproblem, result = _solve_subproblem(
            datafit, penalty, alpha, W, c, rows, carried,
            max_iter=max(max_iter - n_iter, 1),
            tol=_inner_tolerance(tol, gap, gap_threshold, whole, stable),
            verbose=max(verbose - 1, 0),
        )  # fmt: skip
        n_iter += result.n_iter
        W = np.zeros((n_features, n_columns))
        W[rows] = result.coef
        c = result.offset
        Z = datafit.forward(W, c)
        grad_W, _ = datafit.gradient_at(Z)
        primal, dual = duality_gap(datafit, penalty, alpha, W, Z, Z, grad_W)
        # Converged when the coefficients certify themselves (the dual point
        # at their own scores, as in fista); the reported gap uses the best
        # dual value seen.
        own_gap = primal - dual
        if whole:  # the subproblem was the whole problem: its dual values count
            dual = max(dual, result.objective - result.dual_gap)
        best_dual = max(best_dual, dual)
        gap = primal - best_dual
        if verbose:
            print(
                f"[skmtl.solve] {rows.size} rows in the working set, {n_iter} "
                f"iterations, objective {primal:.10e}, gap {gap:.3e}"
            )
        converged = own_gap <= gap_threshold
        if converged or n_iter >= max_iter or (whole and result.converged):
            break
        # Keep room for twice the support; grow the set when the gap stalls.
        if gap > _STALL * previous_gap:
            size = min(n_features, 2 * rows.size)
        previous_gap = gap
    if polish and converged and newton.applies(datafit, penalty) and np.any(W):
        polish = _Polish(datafit, penalty, alpha, grad_null)
        budget = n_iter // 10
        if subproblem.product_size <= _CHEAP_PRODUCT:
            budget = max(budget, _MIN_BUDGET)
        if budget and polish.run(subproblem, W, c, rows, own_gap, budget):
            W, c, primal = polish.W, polish.c, polish.primal
            gap = primal - max(best_dual, polish.dual)
            if verbose:
                print(
                    f"[skmtl.solve] {n_iter} iterations, then Newton on the "
                    f"support: {polish.n_steps} steps, "
                    f"{polish.n_products} Hessian products, objective "
                    f"{primal:.10e}, gap {gap:.3e}"
                )
    return SolverResult(
        W, c, n_iter, primal, gap, result.residual, "duality_gap",
        bool(converged), result.lipschitz,
    )  # fmt: skip


class _Polish:
    """Newton's method on the support of a certified solution (the last step).

    The working sets stop at the tolerance; this step then solves the problem
    on the solution's support to near rounding error (a few Newton steps when
    the data term is quadratic), so that fits of the same problem in
    different forms (weights or repeated rows, dense or sparse ``X``) agree to
    many more digits than the tolerance promises. Its result is kept only if
    its own duality gap is no larger than the first-order one's.
    """

    def __init__(self, datafit, penalty, alpha, grad_null):
        self.datafit, self.penalty, self.alpha = datafit, penalty, alpha
        self.gradient_tol = _NEWTON_GRADIENT_RTOL * sqrt(inner(grad_null, grad_null))
        self.W = self.c = None
        self.primal = self.dual = -np.inf
        self.n_steps = self.n_products = 0

    def run(self, subproblem, W, c, rows, own_gap, budget):
        """Polish ``(W, c)`` on ``rows``; whether the result is kept."""
        result = newton.newton_on_support(
            subproblem, self.penalty, self.alpha, W[rows], c,
            gradient_tol=self.gradient_tol, max_products=budget,
        )  # fmt: skip
        self.n_steps, self.n_products = result.n_steps, result.n_products
        if result.n_steps == 0:
            return False
        W_new = np.zeros_like(W)
        W_new[rows] = result.W
        Z = self.datafit.forward(W_new, result.c)
        grad_W, _ = self.datafit.gradient_at(Z)
        primal, dual = duality_gap(
            self.datafit, self.penalty, self.alpha, W_new, Z, Z, grad_W
        )
        if primal - dual > own_gap:
            return False
        self.W, self.c, self.primal, self.dual = W_new, result.c, primal, dual
        return True
