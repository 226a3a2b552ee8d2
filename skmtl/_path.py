"""Regularisation paths: solutions along a decreasing grid of alphas.

Each solution starts from the previous one (warm start), and the data are
validated, laid out and (for the squared loss) reduced to their Gram matrix
once for the whole grid.
"""

import numbers

import numpy as np

from .solvers import solve

# Ridge has no alpha_max: its grid starts at this multiple of the Lipschitz
# constant of the data term's gradient, where the fit is already shrunk about
# tenfold, and goes down from there.
_RIDGE_GRID_TOP = 10.0


def alpha_grid(problem, alphas, eps):
    """A decreasing grid of penalty strengths.

    Parameters
    ----------
    problem : Problem
        The penalty bound to the data of the full problem.
    alphas : int or array-like
        Number of values on a geometric grid from the top value down to
        ``eps`` times it, or the values themselves.
    eps : float
        Ratio of the smallest to the largest alpha of a generated grid.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The grid, decreasing. The top of a generated grid is ``alpha_max`` for
        norm penalties and ``10 L`` for the others (ridge, clustered; ``L`` the
        Lipschitz constant of the data term's gradient); 1 when the null model
        is optimal for every alpha (constant targets).
    """
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
        if alphas < 1:
            raise ValueError(f"alphas must be a positive integer, got {alphas}.")
        if not 0 < eps < 1:
            raise ValueError(f"eps must be in (0, 1), got {eps!r}.")
        if problem.norm.is_norm:
            top = problem.alpha_max()
        else:
            top = _RIDGE_GRID_TOP * problem.datafit.lipschitz_constant()
        if top <= 0:  # constant targets: every alpha gives the null model
            top = 1.0
        return np.geomspace(top, top * eps, alphas)
    message = (
        "alphas must be a positive integer or a non-empty array of finite, "
        f"non-negative values, got {alphas!r}."
    )
    try:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    except (TypeError, ValueError) as error:
        raise ValueError(message) from error
    if grid.size == 0 or not np.all(np.isfinite(grid)) or grid[-1] < 0:
        raise ValueError(message)
    return grid


def solve_path(problem, alphas, *, max_iter, tol, verbose=0):
    """Yield ``(alpha, SolverResult)`` along ``alphas``, warm-starting each.

    Parameters
    ----------
    problem : Problem
        The penalty bound to the data.
    alphas : ndarray of shape (n_alphas,)
        Decreasing penalty strengths.
    max_iter : int
        Iteration budget of each solve.
    tol : float
        Tolerance of each solve.
    verbose : int, default=0
        Solver verbosity.

    Yields
    ------
    alpha : float
        The penalty strength.
    result : SolverResult
        The solution at ``alpha``.
    """
    fast = problem.fast_form()  # computed once for the whole path
    lipschitz = None
    previous = []  # the last two (alpha, result), for the secant start
    for alpha in map(float, alphas):
        datafit = fast.datafit_at(alpha)
        coef, offset = _secant_start(datafit, fast.norm, alpha, previous)
        result = solve(
            datafit, fast.norm, alpha, coef, offset,
            max_iter=max_iter, tol=tol, verbose=verbose, lipschitz=lipschitz,
        )  # fmt: skip
        previous = [*previous[-1:], (alpha, result)]
        if np.isfinite(result.lipschitz):
            lipschitz = result.lipschitz
        yield alpha, result


def _objective(datafit, penalty, alpha, coef, offset):
    return datafit.value(datafit.forward(coef, offset)) + alpha * penalty.value(coef)


def _secant_start(datafit, penalty, alpha, previous):
    """The better of the last solution and its secant extrapolation to ``alpha``.

    Along a path the solution moves smoothly with ``alpha`` while its support
    is fixed, so the line through the last two solutions predicts the next
    one more closely than the last solution alone; the prediction is kept
    only if its objective at ``alpha`` is lower.
    """
    if not previous:
        return None, None
    alpha_last, last = previous[-1]
    if len(previous) < 2:
        return last.coef, last.offset
    alpha_before, before = previous[0]
    ratio = (alpha - alpha_last) / (alpha_last - alpha_before)
    coef = last.coef + ratio * (last.coef - before.coef)
    offset = last.offset + ratio * (last.offset - before.offset)
    predicted = _objective(datafit, penalty, alpha, coef, offset)
    if predicted < _objective(datafit, penalty, alpha, last.coef, last.offset):
        return coef, offset
    return last.coef, last.offset


def regularization_path(
    X, y, *, estimator=None, alphas=20, eps=1e-2, sample_weight=None,
):  # fmt: skip
    """Coefficients along a geometric grid of alphas, warm-started.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        Data, in either layout (with the task column when the estimator has
        one).
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Targets.
    estimator : MultiTaskRegressor or MultiTaskClassifier, default=None
        Gives the penalty, loss, layout and solver settings (its ``alpha`` and
        ``warm_start`` are ignored). A default ``MultiTaskRegressor`` when None.
    alphas : int or array-like, default=20
        Number of alphas on a geometric grid from ``alpha_max`` down to
        ``eps * alpha_max``, or the alphas themselves (sorted decreasing).
    eps : float, default=1e-2
        Ratio of the smallest to the largest alpha of a generated grid.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each sample.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas, decreasing.
    coefs : ndarray of shape (n_alphas, n_columns, n_features)
        ``coef_`` at each alpha.
    intercepts : ndarray of shape (n_alphas, n_columns)
        ``intercept_`` at each alpha.
    dual_gaps : ndarray of shape (n_alphas,)
        Final duality gap at each alpha.
    n_iters : ndarray of shape (n_alphas,)
        Solver iterations at each alpha.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor, regularization_path
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(50, 10, 3, n_informative=3, random_state=0)
    >>> alphas, coefs, *_ = regularization_path(X, Y, alphas=5)
    >>> coefs.shape
    (5, 3, 10)
    >>> bool((coefs[0] == 0).all())
    True
    """
    from ._regressor import MultiTaskRegressor

    estimator = MultiTaskRegressor() if estimator is None else estimator
    problem = estimator._problem(X, y, sample_weight)
    grid = alpha_grid(problem, alphas, eps)
    data = problem.datafit.data
    coefs, intercepts, gaps, n_iters = [], [], [], []
    for _, result in solve_path(
        problem, grid, max_iter=estimator.max_iter, tol=estimator.tol
    ):
        W, _ = problem.split(result.coef)
        coefs.append(W.T)
        intercept = data.intercept(W, result.offset)
        intercepts.append(intercept if estimator.fit_intercept else 0 * intercept)
        gaps.append(result.dual_gap)
        n_iters.append(result.n_iter)
    return (
        grid,
        np.array(coefs),
        np.array(intercepts),
        np.array(gaps),
        np.array(n_iters),
    )
