"""The entry point: the fastest applicable method for a datafit and a penalty."""

from ..datafits.base import require_datafit
from ..penalties.base import require_solver_penalty
from ..utils.threads import blas_threads_for
from .gap import gap_available, null_result
from .proximal_gradient import fista
from .working_sets import working_sets


def solve(
    datafit, penalty, alpha, coef_init=None, offset_init=None, *,
    max_iter=1000, tol=1e-4, verbose=0, lipschitz=None, polish=True,
):  # fmt: skip
    """Minimise ``datafit + alpha * penalty`` with the fastest applicable method.

    Row-separable norm penalties (group lasso, lasso) are solved by working
    sets: FISTA on a few rows of ``W`` at a time, the set grown from the rows
    that violate the optimality conditions most, until the duality gap of the
    whole problem meets the tolerance; for a quadratic data term, Newton's
    method on the solution's support then polishes it to near rounding error
    (:mod:`skmtl.solvers.newton`). Every (sub)problem of the squared loss
    with more samples than features is solved on its Gram matrix. Other
    penalties run :func:`fista` on the whole problem.

    While it iterates, BLAS is limited to one thread when an iteration's
    products are small (:func:`skmtl.utils.threads.blas_threads_for`); the
    caller's thread settings are restored on return.

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
    polish : bool, default=True
        Whether the working sets end with Newton's method on the support
        (quadratic data terms): a solution exact to about 1e-9 instead of to
        the tolerance, for up to a tenth more work. Paths and cross-validation
        folds skip it (their solutions are compared at the tolerance).

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
    method = fista
    if row_separable and gap_available(datafit, penalty, alpha):
        method = working_sets
        options["polish"] = polish
    with blas_threads_for(_iteration_work(datafit, penalty)):
        return method(datafit, penalty, alpha, coef_init, offset_init, **options)


def _iteration_work(datafit, penalty):
    """Multiply-adds of the largest operation of an iteration.

    A gradient of the data term, or, for a penalty whose value and dual point
    need an SVD (no ``cheap_dual_point``), a thin SVD of ``W`` if larger.
    """
    work = datafit.product_size
    if not penalty.cheap_dual_point:
        d, C = datafit.n_features, datafit.n_columns
        work = max(work, float(d) * C * min(d, C))
    return work
