"""Tasks ordered in time: the order of the tasks, and the temporal group lasso.

Disease-progression models (Zhou et al. 2011, 2012) fit one task per time
point and couple each task to the next. :func:`time_order` reads that order
(given, or that of the fitted tasks) and checks it; :class:`TemporalGroupLasso`
is the smooth coupling on a group-lasso base, and
:class:`~skmtl.penalties.fused.FusedSparseGroupLasso` the non-smooth one.
"""

import numbers
import re

import numpy as np

from . import smooth_terms as _smooth
from .base import Penalty
from .norms import GroupLasso


def _natural_key(label):
    """``"m12"`` -> ``("m", 12, "")``: numbers inside labels compared as numbers."""
    parts = re.split(r"(\d+(?:\.\d+)?)", str(label))
    return tuple(float(part) if i % 2 else part for i, part in enumerate(parts))


def _looks_unordered(labels):
    """Whether labels that name time points are listed out of their order.

    Labels that are all numbers, or all strings holding a number ("m6",
    "month_12"), say their own order; other labels ("baseline", "follow-up")
    say nothing and are taken as listed.
    """
    if all(
        isinstance(label, numbers.Real) and not isinstance(label, bool)
        for label in labels
    ):
        keys = [float(label) for label in labels]
    elif all(isinstance(label, str) and re.search(r"\d", label) for label in labels):
        keys = [_natural_key(label) for label in labels]
        if len({key[0] for key in keys}) > 1:  # different prefixes: not one scale
            return False
    else:
        return False
    return any(after < before for before, after in zip(keys, keys[1:], strict=False))


def time_order(order, context, owner):
    """The columns of ``W`` in time order, checked.

    Parameters
    ----------
    order : array-like of task labels or None
        Every fitted task once, earliest first; None: the order of the fitted
        tasks (``tasks_``: the columns of ``Y``, or the sorted labels of a task
        column).
    context : TaskContext
        The tasks of the columns of ``W``; each task must have one column.
    owner : str
        Name of the penalty, for the error messages.

    Returns
    -------
    columns : ndarray of int, shape (n_tasks,)
        Column indices of ``W``, earliest task first.

    Raises
    ------
    ValueError
        When a task has several columns, ``order`` repeats a label, names a
        task that was not fitted or leaves one out, or, with ``order=None``,
        when the task labels are numbers (or strings holding numbers, such as
        ``"m6"``, ``"m12"``) that are not increasing: the order of ``tasks_``
        is then not the order in time (a task column's labels are sorted as
        strings, which puts ``"m12"`` before ``"m6"``).
    """
    context.require_one_column_per_task(owner)
    labels = context.tasks.tolist()
    if order is None:
        if _looks_unordered(labels):
            raise ValueError(
                f"{owner}: the tasks are taken in the order of tasks_, "
                f"{labels[:12]}, but these labels name time points out of "
                "order (a task column's labels are sorted as strings, so 'm12' "
                "comes before 'm6'). Pass order=[...], the task labels from the "
                "earliest to the latest time point."
            )
        return np.arange(len(labels))
    if isinstance(order, str) or not hasattr(order, "__len__"):
        raise ValueError(
            f"{owner}: order must be a list of the task labels from the earliest "
            f"to the latest time point, got {order!r}."
        )
    order = list(order.tolist() if hasattr(order, "tolist") else order)
    position = {label: index for index, label in enumerate(labels)}
    seen, columns = set(), []
    for label in order:
        if label not in position:
            raise ValueError(
                f"{owner}: order names the task {label!r}, which is not among the "
                f"fitted tasks {labels[:12]}."
            )
        if label in seen:
            raise ValueError(
                f"{owner}: order lists the task {label!r} twice; each time point "
                "must appear once."
            )
        seen.add(label)
        columns.append(position[label])
    missing = [label for label in labels if label not in seen]
    if missing:
        raise ValueError(
            f"{owner}: order leaves out the tasks {missing[:12]}; it must list "
            "every fitted task once."
        )
    return np.asarray(columns, dtype=np.intp)


def _chain_laplacian(columns):
    """The Laplacian of the path ``columns[0] - columns[1] - ...`` over columns."""
    n_columns = len(columns)
    laplacian = np.zeros((n_columns, n_columns))
    for earlier, later in zip(columns[:-1], columns[1:], strict=True):
        laplacian[earlier, earlier] += 1.0
        laplacian[later, later] += 1.0
        laplacian[earlier, later] -= 1.0
        laplacian[later, earlier] -= 1.0
    return laplacian


class TemporalGroupLasso(Penalty):
    """Temporal group lasso: shared features that change smoothly over time.

    One task per time point (a score at 6, 12, 24 months...). A group lasso
    selects the features used at every time point, and a smooth term pulls the
    coefficients of consecutive time points together (Zhou, Yuan, Liu & Ye
    2011; MALSAR's ``Least_TGL``, ``Logistic_TGL``):

    .. math::

        \\alpha \\sum_j \\|W_{j,:}\\|_2 + \\beta \\sum_{k=1}^{T-1}
        \\|W_{:,t_{k+1}} - W_{:,t_k}\\|_2^2,

    with :math:`t_1, \\dots, t_T` the tasks in time order (``order``). It is
    the :class:`~skmtl.structures.TaskGraph` of the chain of time points on a
    group-lasso base. With the estimators' ``l2`` it is the whole temporal
    group lasso,
    :math:`\\frac{l_2}{2} \\|W\\|_F^2 + \\beta \\|W R\\|_F^2 + \\alpha
    \\|W\\|_{2,1}` (``R`` the differences of consecutive columns).
    ``alpha_max`` is the group lasso's, :math:`\\max_j \\|G_{j,:}\\|_2` with
    ``G`` the gradient of the data term at the null model: the smooth terms
    have a zero gradient at zero.

    MALSAR's ``Least_TGL(X, Y, theta1, theta2, delta)`` minimises
    :math:`\\frac12 \\sum_t \\|y_t - X_t w_t\\|^2 + \\theta_1 \\|W\\|_F^2 +
    \\theta_2 \\|W R\\|_F^2 + \\delta \\|W\\|_{2,1}` (its ``rho1``, ``rho2``,
    ``rho3``). Its data term is :math:`c = N / T` times skmtl's
    (``task_column``, ``task_weighting="observations"``, ``fit_intercept=False``,
    ``N`` observations), so ``alpha = delta / c``, ``strength = theta2 / c``
    and ``l2 = 2 theta1 / c``; for ``Logistic_TGL``, ``c = 1`` with
    ``task_weighting="tasks"``.

    Parameters
    ----------
    strength : float, default=1.0
        :math:`\\beta \\ge 0`, on the scale of the data term, as
        :class:`~skmtl.structures.TaskGraph`'s ``strength``; 0 is the plain
        group lasso.
    order : array-like of task labels, default=None
        The tasks from the earliest to the latest time point, each once. None:
        the order of the fitted ``tasks_`` (the columns of ``Y``, or the sorted
        labels of a task column); labels that are numbers, or strings holding
        numbers, must then be increasing (``"m6"`` after ``"m12"`` is an
        error that asks for ``order``).

    Notes
    -----
    Each task must have one coefficient column (regression, or binary
    classification tasks). The time points are equally weighted neighbours:
    the spacing between them does not enter.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskRegressor, alpha_max
    >>> from skmtl.structures import TemporalGroupLasso
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 4, random_state=0)
    >>> penalty = TemporalGroupLasso(strength=0.5)
    >>> a_max = alpha_max(X, Y, penalty=penalty)
    >>> model = MultiTaskRegressor(penalty=penalty, alpha=0.1 * a_max, l2=0.01)
    >>> model.fit(X, Y).coef_.shape
    (4, 8)
    """

    adds_smooth_terms = True
    shared_structure = "support"

    def __init__(self, strength=1.0, order=None):
        self.strength = strength
        self.order = order

    def _checked_strength(self):
        strength = self.strength
        is_real = isinstance(strength, numbers.Real) and not isinstance(strength, bool)
        if not is_real or not np.isfinite(strength) or strength < 0:
            raise ValueError(
                "TemporalGroupLasso: strength must be a finite number >= 0, got "
                f"{strength!r}."
            )
        return float(strength)

    def _components(self, context):
        time_order(self.order, context, "TemporalGroupLasso")
        return GroupLasso()._components(context)

    def _smooth_terms(self, alpha, context):
        strength = self._checked_strength()
        columns = time_order(self.order, context, "TemporalGroupLasso")
        return [_smooth.GraphLaplacian(strength, _chain_laplacian(columns))]
