"""The entry point: the fastest applicable method for a datafit and a penalty."""

from ..datafits.base import require_datafit
from ..penalties.base import require_solver_penalty
from .gap import gap_available, null_result
from .proximal_gradient import fista
from .working_sets import working_sets


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
    require_datafit(datafit)
    require_solver_penalty(penalty)
    # The fast form first: its null model costs no product, and its gradient
    # there is computed exactly as the design's (alpha_max agrees to the bit).
    datafit = datafit.fast_form()
    null = null_result(datafit, penalty, alpha)
    if null is not None:
        return null
    options = {
        "max_iter": max_iter,
        "tol": tol,
        "verbose": verbose,
        "lipschitz": lipschitz,
    }
    row_separable = penalty.is_norm and penalty.row_separable
    if row_separable and gap_available(datafit, penalty, alpha):
        return working_sets(datafit, penalty, alpha, coef_init, offset_init, **options)
    return fista(datafit, penalty, alpha, coef_init, offset_init, **options)
