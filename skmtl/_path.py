"""Regularisation paths: solutions along a decreasing grid of alphas.

Each solution starts from the previous one (warm start), and the data are
validated, laid out and (for the squared loss) reduced to their Gram matrix
once for the whole grid. The grid comes from the data: ``alpha_max`` for norm
penalties, the curvature of the data term for smooth ones
(:func:`penalty_grid`).
"""

import numbers
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from .solvers import solve

# A generated grid for a smooth term (ridge, Clustered, l2, a TaskGraph's
# strength) spans the curvature the term adds, compared with the curvature of
# the data term: from this multiple of the data term's largest curvature
# (every direction of every task shrunk at least tenfold, close to the null
# model) ...
_SMOOTH_GRID_TOP = 10.0
# ... down to this fraction of the curvature of a typical coefficient (the
# median over the features and the columns of W of the data term's second
# derivative in one coefficient), where a typical coefficient is shrunk by
# about 1% and the fit barely changes further.
_SMOOTH_GRID_BOTTOM = 1e-2
# The widest ratio a generated grid takes from the curvature alone (tasks with
# nearly no curvature must not stretch it indefinitely; eps can go further).
_SMOOTH_GRID_WIDEST = 1e-8
# eps=None: the ratio of a norm's grid, and the narrowest of a smooth one's.
_DEFAULT_EPS = 1e-2
# The typical curvature is measured on at most this many features (drawn at
# random, seeded): one Hessian product per feature and class.
_CURVATURE_FEATURES = 128
# The parameters penalty_grid builds a grid for.
GRID_PARAMETERS = ("alpha", "l2", "penalty__strength")
# What to try when fits do not converge (the solver-independent advice).
CONVERGENCE_ADVICE = (
    "Increase max_iter, loosen tol, standardise the features (StandardScaler), "
    "or leave the smallest alphas out of the grid (a larger eps): they are the "
    "slowest to solve, and smooth terms (ridge, l2, a TaskGraph's strength) "
    "weaker than the data's curvature make the problem ill-conditioned."
)


class GridEdgeWarning(UserWarning):
    """The best value of a cross-validated grid is at one of its ends.

    The optimum may lie beyond that end, so the score of the choice may be
    improved by a grid that reaches further. The CV estimators extend a grid
    they generated before they warn; a grid that was given is used as is.
    Silence it with ``warnings.filterwarnings("ignore",
    category=skmtl.GridEdgeWarning)`` when the held-out score is flat there.
    """


def _check_eps(eps):
    if eps is None:
        return
    is_real = isinstance(eps, numbers.Real) and not isinstance(eps, bool)
    if not is_real or not 0 < eps < 1:
        raise ValueError(
            f"eps must be in (0, 1), got {eps!r}. It is the ratio of the smallest "
            "to the largest alpha of a generated grid, e.g. eps=1e-3 for a grid "
            "three decades wide, or None to take it from the data."
        )


def _check_n_values(name, value):
    is_integer = isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )
    if not is_integer or value < 1:
        raise ValueError(
            f"{name} must be a positive integer, got {value!r}. It is the number "
            f"of values of a generated grid, e.g. {name}=20."
        )


def _terms_curvature(terms):
    """Sum of the Lipschitz constants of the gradients of smooth terms."""
    return float(sum(term.lipschitz_constant() for term in terms))


def curvature_scales(datafit, column_task):
    """The largest curvature of a data term and that of a typical coefficient.

    Parameters
    ----------
    datafit : Datafit
        The data term (see :class:`skmtl.datafits.base.Datafit`).
    column_task : ndarray of shape (n_columns,)
        The task of each column of ``W`` (a multi-class task owns several).

    Returns
    -------
    largest : float
        Its Lipschitz constant (the largest curvature, intercepts included).
    typical : float
        The median, over the features and the columns of ``W``, of the data
        term's second derivative in one coefficient ``W[j, c]`` at the null
        model (for the squared loss, the weighted variance of feature ``j``
        over the rows of column ``c``, scaled by the column's share of the
        data term). Coefficients with none (a feature constant within a
        task) are left out; 0 when every one is. Measured on at most
        ``_CURVATURE_FEATURES`` features, drawn at random (seeded).
    """
    largest = float(datafit.lipschitz_constant())
    n_features, n_columns = datafit.n_features, datafit.n_columns
    if not np.isfinite(largest) or largest <= 0 or n_features * n_columns == 0:
        return largest, 0.0
    fast = datafit.fast_form()
    offset, _, gradient = fast.null_model()
    # Hessian products as differences of gradients at the null model: exact for
    # the squared loss; for the others the step keeps the scores within about
    # 1e-3 (weighted root mean square) of the null model's, where the loss is
    # close to its second-order expansion.
    step = 1e-3 / np.sqrt(largest * n_columns)
    # The columns of different tasks do not interact, those of one
    # (multi-class) task do: one product per feature and class position gives
    # every task's second derivative at once.
    position = np.zeros(n_columns, dtype=int)
    for task in np.unique(column_task):
        columns = np.flatnonzero(column_task == task)
        position[columns] = np.arange(columns.size)
    features = np.arange(n_features)
    if n_features > _CURVATURE_FEATURES:
        rng = np.random.default_rng(0)
        features = np.sort(rng.choice(n_features, _CURVATURE_FEATURES, replace=False))
    second = []
    for k in range(position.max() + 1):
        columns = position == k
        for j in features:
            probe = np.zeros((n_features, n_columns))
            probe[j, columns] = step
            moved, _ = fast.gradient_at(fast.forward(probe, offset))
            second.append((moved - gradient)[j, columns] / step)
    second = np.concatenate(second)
    positive = second[np.isfinite(second) & (second > 1e-12 * largest)]
    return largest, float(np.median(positive)) if positive.size else 0.0


def _unit_curvature(problem, parameter):
    """The curvature one unit of ``parameter`` adds to the objective."""
    context = problem.solver_context
    if parameter == "l2":
        return 1.0  # (l2 / 2) ||W||_F^2
    if parameter == "alpha":
        added = _terms_curvature(problem.penalty._smooth_terms(1.0, context))
        added -= _terms_curvature(problem.penalty._smooth_terms(0.0, context))
        # A quadratic penalty (ridge) has the prox V / (1 + c step): read c off
        # it. No non-smooth term (Clustered alone) has the identity: c = 0.
        width = problem.n_parts * context.n_columns
        ones = np.ones((problem.datafit.n_features, width))
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.mean(ones / problem.norm.prox(ones, 1.0)) - 1.0
        if np.isfinite(shrink) and shrink > 0:
            added += float(shrink)
        return added
    name = parameter.split("__", 1)[1]
    if name not in problem.penalty.get_params(deep=False):
        raise ValueError(
            f"parameter={parameter!r} is the strength of a TaskGraph penalty, but "
            f"penalty={problem.penalty!r} has no parameter {name!r}. Pass an "
            "estimator with penalty=skmtl.structures.TaskGraph(...)."
        )

    def curvature(value):
        penalty = clone(problem.penalty).set_params(**{name: value})
        return _terms_curvature(penalty._smooth_terms(1.0, context))

    return curvature(1.0) - curvature(0.0)


def _generated_grid(problem, n_values, eps, parameter="alpha"):
    """A decreasing geometric grid of ``n_values`` values of ``parameter``."""
    if parameter == "alpha" and problem.has_alpha_max:
        top = problem.alpha_max()
        if not top > 0:  # constant targets: every alpha gives the null model
            top = 1.0
        ratio = _DEFAULT_EPS if eps is None else eps
        return np.geomspace(top, top * ratio, n_values)
    unit = _unit_curvature(problem, parameter)
    largest, typical = curvature_scales(
        problem.core, problem.solver_context.column_task
    )
    if unit > 0 and np.isfinite(largest) and largest > 0:
        top = _SMOOTH_GRID_TOP * largest / unit
    else:
        top = 1.0  # nothing to scale by
    if eps is not None:
        return np.geomspace(top, top * eps, n_values)
    lowest = max(_SMOOTH_GRID_BOTTOM * typical / unit, _SMOOTH_GRID_WIDEST * top)
    return np.geomspace(top, min(_DEFAULT_EPS * top, lowest), n_values)


def alpha_grid(problem, alphas, eps):
    """A decreasing grid of penalty strengths.

    Parameters
    ----------
    problem : Problem
        The penalty bound to the data of the full problem.
    alphas : int or array-like
        Number of values on a generated geometric grid, or the values
        themselves.
    eps : float or None
        Ratio of the smallest to the largest alpha of a generated grid. None:
        1e-2 for norm penalties; for the others, from the data.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The grid, decreasing. A generated grid starts at ``alpha_max`` for norm
        penalties. For the others (ridge, Clustered, a TaskGraph on ridge) it
        spans the curvature ``alpha`` adds: from ten times the data term's
        largest curvature (``L``, the Lipschitz constant of its gradient) down
        to a hundredth of a typical coefficient's curvature (see
        :func:`curvature_scales`), and at least to ``L / 10``, unless ``eps``
        is given. It is 1 at the top when the scale is degenerate (constant
        targets).
    """
    _check_eps(eps)
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
        _check_n_values("alphas", alphas)
        return _generated_grid(problem, int(alphas), eps)
    message = (
        "alphas must be a positive integer or a non-empty array of finite, "
        f"non-negative values, got {alphas!r}. Pass the number of values of a "
        "grid generated from the data (e.g. alphas=20) or the values themselves "
        "(e.g. alphas=np.geomspace(1.0, 1e-3, 20))."
    )
    try:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    except (TypeError, ValueError) as error:
        raise ValueError(message) from error
    if grid.size == 0 or not np.all(np.isfinite(grid)) or grid[-1] < 0:
        raise ValueError(message)
    return grid


def penalty_grid(
    X, y, *, estimator=None, parameter="alpha", n_values=20, eps=None,
    sample_weight=None,
):  # fmt: skip
    """A grid of penalty strengths on the scale of the data, for GridSearchCV.

    The grid that :func:`regularization_path` and the CV estimators generate,
    for ``alpha`` and also for the strengths of the smooth terms that they do
    not search (``l2``, a :class:`~skmtl.structures.TaskGraph`'s
    ``strength``), so that ``GridSearchCV`` searches where the penalty
    matters. Nothing is fitted.

    ``alpha`` is on the scale of the data term, a mean of squared errors (or
    of log losses) over the observations. For a norm penalty every
    coefficient is zero from :func:`alpha_max` on, which grows with the
    scales of the targets and of the features: a fixed grid such as
    ``np.geomspace(1e-3, 3, 10)`` is far too small for targets in the tens
    (exam scores) and too large for standardised ones. The grid goes from
    ``alpha_max`` down to ``eps * alpha_max``. A smooth term has no such end;
    its strength compares with the curvature of the data term, which grows
    with the square of the features' scale (not with the targets'). Its grid
    goes from ten times the data term's largest curvature (``L``, the
    Lipschitz constant of its gradient: every coefficient shrunk at least
    tenfold) down to a hundredth of the curvature of a typical coefficient
    (the median over features and tasks of the data term's second
    derivative in one coefficient: a typical coefficient shrunk by about
    1%), and at least two decades down; or to ``eps`` times the top when
    ``eps`` is given. Each grid is divided by the curvature one unit of the
    parameter adds (1 for ridge and ``l2``, :math:`2 (1 + \\eta)` for
    ``Clustered``, twice the largest eigenvalue of the graph's Laplacian for a
    TaskGraph's ``strength``).

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        Data, in either layout (with the task column when the estimator has
        one). Pass the data as the estimator will see them: scaled, if a
        scaler comes first in a pipeline.
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Targets.
    estimator : MultiTaskRegressor or MultiTaskClassifier, default=None
        Gives the penalty, loss, layout and ``task_weighting``; its value of
        ``parameter`` is ignored. A default ``MultiTaskRegressor`` when None.
    parameter : {"alpha", "l2", "penalty__strength"}, default="alpha"
        The parameter the grid is for: the penalty's ``alpha``, the strength
        ``l2`` of the ridge term added to any penalty, or the ``strength`` of
        a TaskGraph penalty (as ``GridSearchCV`` names it).
    n_values : int, default=20
        Number of values.
    eps : float, default=None
        Ratio of the smallest to the largest value. None: 1e-2 for a norm's
        ``alpha``; from the data for a smooth term.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each sample.

    Returns
    -------
    grid : ndarray of shape (n_values,)
        The values, decreasing.

    See Also
    --------
    alpha_max : The top of the grid of a norm penalty.
    regularization_path : Solutions along the same grid of ``alpha``.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skmtl import MultiTaskRegressor, penalty_grid
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 3, random_state=0)
    >>> ridge = MultiTaskRegressor(penalty="ridge")
    >>> alphas = penalty_grid(X, 100 * Y, estimator=ridge, n_values=8)
    >>> search = GridSearchCV(ridge, {"alpha": alphas}, cv=3).fit(X, 100 * Y)
    >>> bool(alphas[-1] < search.best_params_["alpha"] < alphas[0])
    True
    """
    if parameter not in GRID_PARAMETERS:
        valid = ", ".join(repr(name) for name in GRID_PARAMETERS)
        raise ValueError(
            f"parameter must be one of {valid}, got {parameter!r}. Grids of other "
            "parameters (a structure's weights, n_clusters) are not on the "
            "scale of the data: choose them from their documented ranges."
        )
    _check_n_values("n_values", n_values)
    _check_eps(eps)
    problem = _estimator(estimator, "penalty_grid")._problem(X, y, sample_weight)
    return _generated_grid(problem, int(n_values), eps, parameter)


def _estimator(estimator, caller):
    """A copy of the estimator that gives the problem (the user's stays unfitted)."""
    from ._base import _MultiTaskLinear
    from ._regressor import MultiTaskRegressor

    if estimator is None:
        return MultiTaskRegressor()
    if not isinstance(estimator, _MultiTaskLinear):
        raise ValueError(
            f"{caller}: estimator must be a MultiTaskRegressor or a "
            f"MultiTaskClassifier (it gives the penalty, the loss and the data "
            f"layout), got {estimator!r}. For a CV estimator or a pipeline, pass "
            "the multi-task estimator inside it."
        )
    return clone(estimator)


def describe_alphas(alphas):
    """A short description of a set of alphas, for messages.

    Parameters
    ----------
    alphas : array-like of float
        The alphas.

    Returns
    -------
    text : str
        ``"alpha 0.1, 0.01"`` for up to four distinct alphas, else
        ``"12 alphas from 0.1 down to 0.0001"``.
    """
    alphas = np.unique(np.asarray(alphas, dtype=float))[::-1]
    if alphas.size <= 4:
        return "alpha " + ", ".join(f"{alpha:.3g}" for alpha in alphas)
    return f"{alphas.size} alphas from {alphas[0]:.3g} down to {alphas[-1]:.3g}"


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
            polish=False,
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
    X, y, *, estimator=None, alphas=20, eps=None, sample_weight=None,
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
        Number of alphas on a geometric grid generated from the data (that of
        :func:`penalty_grid`: from ``alpha_max`` down to ``eps * alpha_max``
        for a norm penalty; for ridge and the other smooth penalties, over the
        range where the penalty's curvature meets the data term's), or the
        alphas themselves (sorted decreasing).
    eps : float, default=None
        Ratio of the smallest to the largest alpha of a generated grid. None:
        1e-2 for a norm penalty; from the data for the others.
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

    Warns
    -----
    ConvergenceWarning
        Once, when the solver did not converge at some alphas: how many, and
        at which alphas.

    See Also
    --------
    penalty_grid : The generated grid alone.

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
    estimator = _estimator(estimator, "regularization_path")
    problem = estimator._problem(X, y, sample_weight)
    grid = alpha_grid(problem, alphas, eps)
    coefs, intercepts, gaps, n_iters, not_converged = [], [], [], [], []
    for alpha, result in solve_path(
        problem, grid, max_iter=estimator.max_iter, tol=estimator.tol
    ):
        W, _ = problem.split(result.coef)
        coefs.append(W.T)
        intercept = problem.intercepts(W, result.offset)
        intercepts.append(intercept if estimator.fit_intercept else 0 * intercept)
        gaps.append(result.dual_gap)
        n_iters.append(result.n_iter)
        if not result.converged:
            not_converged.append(alpha)
    if not_converged:  # one warning for the whole path
        warnings.warn(
            f"regularization_path: {len(not_converged)} of {grid.size} fits did "
            f"not converge in max_iter={estimator.max_iter} iterations "
            f"(tol={estimator.tol:g}), at {describe_alphas(not_converged)}. "
            f"{CONVERGENCE_ADVICE}",
            ConvergenceWarning,
            stacklevel=2,
        )
    return (
        grid,
        np.array(coefs),
        np.array(intercepts),
        np.array(gaps),
        np.array(n_iters),
    )
