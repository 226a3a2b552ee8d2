"""Solvers: accelerated proximal gradient for any datafit and penalty.

:func:`solve` is the entry point: it runs :func:`fista` inside a working-set
loop when the penalty is a sum over the rows of ``W`` (group lasso, lasso), and
hands each subproblem to the cheapest equivalent datafit (the Gram form of the
squared loss when there are more samples than features).

The solvers use only the datafit contract of :mod:`skmtl._datafit` and, from
the penalty, ``value``, ``prox``, ``dual_point``, ``is_norm``, ``dual_norm``,
``row_separable`` and ``row_dual_norms`` (see :mod:`skmtl.penalties`). They
never look at which loss or penalty they were given.
"""

from dataclasses import dataclass
from math import sqrt

import numpy as np

from ..utils.linalg import inner

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
# Working sets: the first holds the active rows and at least this many more;
# each subproblem is solved to this fraction of the current full duality gap
# (solving it more accurately wastes time, less accurately stalls the outer
# loop).
_WORKING_SET_MIN_SIZE = 10
_WORKING_SET_GAP_RATIO = 0.1
# A round that does not divide the full gap by at least 1 / this factor doubles
# the working set (else it only keeps room for twice the support).
_WORKING_SET_STALL = 0.5


@dataclass
class SolverResult:
    """What a solver returns.

    Parameters
    ----------
    coef : ndarray of shape (n_features, n_columns)
        The coefficient matrix ``W``.
    offset : ndarray of shape (n_columns,)
        Intercepts ``c`` of the centred model (see :mod:`skmtl._data`).
    n_iter : int
        Number of iterations run (1 when the null model is found optimal by
        checking its optimality conditions).
    objective : float
        Final value of the objective.
    dual_gap : float
        Final duality gap (absolute), NaN when the datafit cannot provide one.
    residual : float
        Final prox-gradient residual, relative to the gradient norm of the
        null model.
    criterion : str
        ``"duality_gap"`` or ``"prox_grad_residual"``: what the stopping rule
        compared with ``tol``.
    converged : bool
        Whether the stopping rule was met within ``max_iter``.
    lipschitz : float, default=nan
        The inverse step size in use at the end, a good start for a related
        problem.
    """

    coef: np.ndarray
    offset: np.ndarray
    n_iter: int
    objective: float
    dual_gap: float
    residual: float
    criterion: str
    converged: bool
    lipschitz: float = np.nan


def duality_gap(datafit, penalty, alpha, W, Z, Z_dual=None, grad_W=None):
    """Primal value and a dual value of the problem at ``W`` with state ``Z``.

    The dual candidate comes from the gradient of the data term at ``Z``
    (``datafit.dual_candidate``: moved to satisfy the intercept constraint of
    the dual) and is scaled into the domain of the penalty's conjugate.

    Parameters
    ----------
    datafit : LossDatafit or GramDatafit
        The smooth part of the objective.
    penalty : object
        The penalty (see :mod:`skmtl.penalties`).
    alpha : float
        Strength of the penalty.
    W : ndarray of shape (n_features, n_columns)
        Coefficients at which the primal objective is evaluated.
    Z : ndarray
        State ``datafit.forward(W, c)``.
    Z_dual : ndarray, default=None
        State at which the dual candidate is taken; ``Z`` when None. Any state
        gives a valid bound: a solver passes the one it already has a gradient
        for.
    grad_W : ndarray of shape (n_features, n_columns), default=None
        Gradient at ``Z_dual``, reused when the datafit's dual point allows.

    Returns
    -------
    primal : float
        Objective value at ``(W, c)``.
    dual : float
        Dual objective at the candidate, ``-inf`` if the datafit has no dual
        point for its intercepts.
    """
    primal = datafit.value(Z) + alpha * penalty.value(W)
    return primal, dual_value(
        datafit, penalty, alpha, Z if Z_dual is None else Z_dual, grad_W
    )


def dual_value(datafit, penalty, alpha, Z, grad_W=None):
    """Dual objective at the dual candidate of the state ``Z``.

    Parameters
    ----------
    datafit : LossDatafit or GramDatafit
        The smooth part of the objective.
    penalty : object
        The penalty (see :mod:`skmtl.penalties`).
    alpha : float
        Strength of the penalty.
    Z : ndarray
        Any state of the datafit: every one gives a valid lower bound.
    grad_W : ndarray of shape (n_features, n_columns), default=None
        Gradient at ``Z``, reused when the datafit's dual point allows.

    Returns
    -------
    dual : float
        Dual objective at the candidate, ``-inf`` if the datafit has no dual
        point for its intercepts.
    """
    candidate = datafit.dual_candidate(Z, grad_W)
    if candidate is None:
        return -np.inf
    V, grad_W = candidate
    scale, penalty_conjugate = penalty.dual_point(-grad_W, alpha)
    return -datafit.conjugate(V, scale) - penalty_conjugate


def _penalty_has_dual(penalty, alpha):
    """Whether the penalty term has a useful dual feasible set.

    At ``alpha = 0`` a norm's dual set is only the origin (the gap would
    compare with the unregularised optimum of the loss alone) and the ridge
    conjugate is infinite; a smooth-only objective has no penalty at all: all
    of these stop on the prox-gradient residual instead.
    """
    return getattr(penalty, "has_dual", True) and alpha != 0


def _norm(array):
    """Euclidean norm that neither underflows nor overflows (scaled by the max).

    The plain norm (one pass) is kept unless its squares overflowed or
    underflowed, which only the scaled one survives.
    """
    plain = float(np.linalg.norm(array))
    if 1e-150 < plain < np.inf:
        return plain
    largest = float(np.max(np.abs(array), initial=0.0))
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    return largest * float(np.linalg.norm(array / largest))


def _finite_null_objective(value):
    """The objective of the null model, which sets every tolerance; must be finite."""
    if not np.isfinite(value):
        raise FloatingPointError(
            "The objective of the all-zero model is not finite: the targets are "
            "too large for float64 arithmetic; scale the targets (and the "
            "features, e.g. with StandardScaler)."
        )
    return value


def _has_dual(datafit):
    """Whether the datafit can give a dual point (probed on the null model).

    The squared-loss forms say so themselves (``always_dual``): no probe.
    """
    if getattr(datafit, "always_dual", False):
        return True
    _, Z_null, _ = datafit.null_model()
    return datafit.dual_candidate(Z_null) is not None


def _null_result(datafit, penalty, alpha):
    """The null model as a result, if it is optimal; else None."""
    c_null, Z_null, grad_null = datafit.null_model()
    optimal = not np.any(grad_null) or (
        penalty.is_norm and penalty.dual_norm(grad_null) <= alpha
    )
    if not optimal:
        return None
    zeros = np.zeros((datafit.n_features, datafit.n_columns))
    # One iteration: the check of the optimality conditions at the null model.
    return SolverResult(zeros, c_null, 1, datafit.value(Z_null), 0.0, 0.0, "null", True)


def solve(
    datafit, penalty, alpha, coef_init=None, offset_init=None, *,
    max_iter=1000, tol=1e-4, verbose=0, lipschitz=None,
):  # fmt: skip
    """Minimise ``datafit + alpha * penalty`` with the fastest applicable method.

    Row-separable norm penalties (group lasso, lasso) are solved by working
    sets: FISTA on a few rows of ``W`` at a time, the set grown from the rows
    that violate the optimality conditions most, until the duality gap of the
    whole problem meets the tolerance. Every (sub)problem of the squared loss
    with more samples than features is solved on its Gram matrix. Other
    penalties run :func:`fista` on the whole problem.

    Parameters
    ----------
    datafit : LossDatafit or GramDatafit
        The smooth part of the objective.
    penalty : object
        The penalty (see :mod:`skmtl.penalties`).
    alpha : float
        Non-negative strength of the penalty.
    coef_init : ndarray of shape (n_features, n_columns), default=None
        Starting coefficients; zeros when None.
    offset_init : ndarray of shape (n_columns,), default=None
        Starting centred intercepts; those of the null model when None.
    max_iter : int, default=1000
        Maximum number of FISTA iterations, all subproblems together.
    tol : float, default=1e-4
        Stopping tolerance of :func:`fista`, applied to the whole problem.
    verbose : int, default=0
        Print progress when positive.
    lipschitz : float, default=None
        Initial inverse step size (e.g. that of a neighbouring solution on a
        path); estimated when None.

    Returns
    -------
    result : SolverResult
        Coefficients, intercepts and convergence information.
    """
    # The fast form first: its null model costs no product, and its gradient
    # there is computed exactly as the design's (alpha_max agrees to the bit).
    datafit = datafit.fast_form()
    null = _null_result(datafit, penalty, alpha)
    if null is not None:
        return null
    options = {
        "max_iter": max_iter,
        "tol": tol,
        "verbose": verbose,
        "lipschitz": lipschitz,
    }
    row_separable = penalty.is_norm and penalty.row_separable
    if row_separable and _penalty_has_dual(penalty, alpha) and _has_dual(datafit):
        return _working_sets(datafit, penalty, alpha, coef_init, offset_init, **options)
    return fista(datafit, penalty, alpha, coef_init, offset_init, **options)


def _working_set_rows(penalty, active, grad_W, size):
    """The ``active`` rows of ``W`` and the rows that violate optimality most."""
    n_rows = grad_W.shape[0]
    size = min(n_rows, max(size, 2 * active.size))
    if size == n_rows:
        return np.arange(n_rows)
    score = penalty.row_dual_norms(grad_W)
    score[active] = np.inf
    return np.sort(np.argsort(-score, kind="stable")[:size])


def _working_sets(
    datafit, penalty, alpha, coef_init, offset_init, *, max_iter, tol, verbose,
    lipschitz=None,
):  # fmt: skip
    """Working-set loop around :func:`fista` for row-separable norm penalties."""
    n_features, n_columns = datafit.n_features, datafit.n_columns
    c_null, Z_null, grad_null = datafit.null_model()
    gap_threshold = tol * _finite_null_objective(datafit.value(Z_null))
    W = np.zeros((n_features, n_columns)) if coef_init is None else coef_init.copy()
    c = c_null if offset_init is None or not datafit.fit_intercept else offset_init
    if np.any(W) or c is not c_null:
        Z = datafit.forward(W, c)
        grad_W, _ = datafit.gradient_at(Z)
    else:  # the null model, whose state and gradient the datafit knows
        Z, grad_W = Z_null, grad_null
    size = _WORKING_SET_MIN_SIZE
    n_iter, converged = 0, False
    # The gap at the start sets how accurately the first subproblem is solved
    # (a warm start near the optimum needs little), or ends the work at once.
    primal, best_dual = duality_gap(datafit, penalty, alpha, W, Z, Z, grad_W)
    gap = previous_gap = primal - best_dual
    if gap <= gap_threshold:
        step = np.nan if lipschitz is None else lipschitz
        return SolverResult(W, c, 0, primal, gap, 0.0, "duality_gap", True, step)
    last_form = None  # the form of the last subproblem, whose step carries over
    support_before = None
    while True:
        support = np.flatnonzero(penalty.row_dual_norms(W) > 0)
        rows = _working_set_rows(penalty, support, grad_W, size)
        whole = rows.size == n_features
        # A fraction of the current gap; the full accuracy once the support
        # is stable (the last round kept it): a fraction would then only
        # divide the gap by a constant per round, each round paying products
        # with the whole design.
        stable = support_before is not None and np.array_equal(support, support_before)
        inner_tol = tol
        if not (whole or stable):
            inner_tol = max(tol, _WORKING_SET_GAP_RATIO * tol * gap / gap_threshold)
        support_before = support
        # Only one subproblem (its slice of X) and no full-size state are
        # alive while a subproblem is solved: that is the memory peak.
        Z = grad_W = None
        subproblem = datafit.restrict(rows).fast_form()
        # A subproblem of the same form as the last starts from its step size.
        same_form = type(subproblem) is last_form or (
            last_form is None and lipschitz is not None  # given by the caller
        )
        result = fista(
            subproblem, penalty, alpha, W[rows], c,
            max_iter=max(max_iter - n_iter, 1), tol=inner_tol,
            verbose=max(verbose - 1, 0),
            lipschitz=lipschitz if same_form else None,
        )  # fmt: skip
        lipschitz, last_form = result.lipschitz, type(subproblem)
        subproblem = None
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
        if gap > _WORKING_SET_STALL * previous_gap:
            size = min(n_features, 2 * rows.size)
        previous_gap = gap
    return SolverResult(
        W,
        c,
        n_iter,
        primal,
        gap,
        result.residual,
        "duality_gap",
        bool(converged),
        result.lipschitz,
    )


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
    datafit : LossDatafit
        The smooth part of the objective.
    penalty : object
        The penalty (see :mod:`skmtl.penalties`).
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
    n_features, n_columns = datafit.n_features, datafit.n_columns
    fit_intercept = datafit.fit_intercept
    if coef_init is None or not np.any(coef_init):
        # (From a warm start the prox reaches exact zeros if they are optimal.)
        null = _null_result(datafit, penalty, alpha)
        if null is not None:
            return null
    c_null, Z_null, grad_null = datafit.null_model()
    null_objective = _finite_null_objective(datafit.value(Z_null))
    grad_null_norm = _norm(grad_null)

    use_gap = _penalty_has_dual(penalty, alpha) and _has_dual(datafit)
    criterion = "duality_gap" if use_gap else "prox_grad_residual"
    cheap_gap = datafit.cheap_dual and penalty.cheap_gap
    slack = _LINE_SEARCH_RTOL * null_objective
    gap_threshold = tol * null_objective

    if coef_init is None:
        W = np.zeros((n_features, n_columns))
    else:
        W = np.array(coef_init, dtype=float)
    c = c_null if offset_init is None else np.array(offset_init, dtype=float)
    if not fit_intercept:
        c = c_null  # fixed: zero, or the optimum the datafit already knows
    Z = datafit.forward(W, c)
    f = datafit.value(Z)
    W_prev, c_prev, Z_prev = W, c, Z
    if lipschitz is None:
        lipschitz = datafit.lipschitz_constant()
    lipschitz = max(lipschitz, np.finfo(float).tiny)
    momentum = 1.0
    try_longer_step = False
    gap, residual, primal, best_dual = np.nan, np.inf, np.inf, -np.inf
    converged = False
    start_gradient = None  # computed for the check below, reused by iteration 1
    if use_gap and coef_init is not None and np.any(W):
        # A warm start may already be certified (a refit at the same alpha).
        start_gradient = datafit.gradient_at(Z)
        primal, best_dual = duality_gap(
            datafit, penalty, alpha, W, Z, Z, start_gradient[0]
        )
        gap = primal - best_dual
        if gap <= gap_threshold:
            return SolverResult(W, c, 0, primal, gap, 0.0, criterion, True, lipschitz)

    for n_iter in range(1, max_iter + 1):
        momentum_next = 0.5 * (1.0 + sqrt(1.0 + 4.0 * momentum**2))
        beta = (momentum - 1.0) / momentum_next
        if beta:
            W_y = W + beta * (W - W_prev)
            Z_y = Z + beta * (Z - Z_prev)  # scores are linear in (W, c)
            f_y = datafit.value(Z_y)
        else:  # no momentum (first iteration, after a restart): no copies
            W_y, Z_y, f_y = W, Z, f
        if start_gradient is not None:  # the first iteration: Z_y is Z
            (grad_W, grad_c), start_gradient = start_gradient, None
        else:
            grad_W, grad_c = datafit.gradient_at(Z_y)
        if fit_intercept:
            c_y = c + beta * (c - c_prev)
        if use_gap and cheap_gap:
            # Free: the dual point is taken where the gradient is known. Taken
            # now, so that no old state outlives this point: the line search
            # then holds only the current and the new state (the memory peak).
            dual = dual_value(datafit, penalty, alpha, Z_y, grad_W)
        W_prev = Z_prev = Z_y = None

        if try_longer_step:
            lipschitz *= _LIPSCHITZ_SHRINK
        for _ in range(_MAX_BACKTRACKS):
            W_new = penalty.prox(W_y - grad_W / lipschitz, alpha / lipschitz)
            step_W = W_new - W_y
            step_sq, decrease = inner(step_W, step_W), inner(grad_W, step_W)
            if fit_intercept:
                c_new = c_y - grad_c / lipschitz
                step_c = c_new - c_y
                step_sq += inner(step_c, step_c)
                decrease += inner(grad_c, step_c)
            Z_new = datafit.forward(W_new, c_new if fit_intercept else c)
            f_new = datafit.value(Z_new)
            upper = f_y + decrease + 0.5 * lipschitz * step_sq
            if f_new <= upper + slack:
                break
            lipschitz *= 2.0
            try_longer_step = False
        else:
            raise FloatingPointError(
                "The line search could not find a step with a finite objective. "
                "Check the data for extreme values, and scale the features "
                "(e.g. with StandardScaler)."
            )

        # Try a longer step next time only if this one was accepted on its
        # merits, not within rounding errors (near the optimum every step is).
        try_longer_step = f_new <= upper and f_y - f_new > _NOISE_MULTIPLE * slack
        residual = lipschitz * sqrt(step_sq) / grad_null_norm
        # Gradient restart: drop the momentum when it points uphill, i.e. when
        # <y - x_new, x_new - x> > 0 (with y - x_new = -step).
        uphill = -inner(step_W, W_new - W)
        if fit_intercept:
            uphill -= inner(step_c, c_new - c)
            c_prev, c = c, c_new
        if uphill > 0:
            momentum_next = 1.0
        W_prev, Z_prev = W, Z
        W, Z, f = W_new, Z_new, f_new
        momentum = momentum_next

        if use_gap and cheap_gap:
            primal = f + alpha * penalty.value(W)
        elif use_gap:
            if n_iter % _GAP_INTERVAL and n_iter != max_iter:
                continue
            primal, dual = duality_gap(datafit, penalty, alpha, W, Z)
        if use_gap:
            best_dual = max(best_dual, dual)
            gap = primal - best_dual
            converged = gap <= gap_threshold
            if converged and cheap_gap:
                # The dual points above are at the extrapolated iterates. Stop
                # only when the returned coefficients certify themselves, with
                # the dual point at their own scores: a gap anyone can
                # recompute from the coefficients alone.
                primal, own_dual = duality_gap(datafit, penalty, alpha, W, Z)
                best_dual = max(best_dual, own_dual)
                gap = primal - best_dual
                converged = primal - own_dual <= gap_threshold
            elif converged:  # the dual point was already the own one
                converged = primal - dual <= gap_threshold
        else:
            primal = f + alpha * penalty.value(W)
            converged = residual <= tol
        if verbose:
            print(
                f"[skmtl.fista] iter {n_iter:5d}  objective {primal:.10e}  "
                f"gap {gap:.3e}  residual {residual:.3e}"
            )
        if converged:
            break

    if use_gap and cheap_gap and not converged:
        # Certify the returned coefficients with the dual point at their own
        # scores too (done above when the loop stopped on the gap).
        primal, dual = duality_gap(datafit, penalty, alpha, W, Z)
        gap = primal - max(best_dual, dual)
    if not np.isfinite(primal):
        primal = f + alpha * penalty.value(W)
    return SolverResult(
        W, c, n_iter, primal, gap, residual, criterion, bool(converged), lipschitz
    )
