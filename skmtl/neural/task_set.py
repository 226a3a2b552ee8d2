"""The task set of :class:`skmtl.neural.MultiTaskMLP`: from ``y`` to encoded tasks.

Both layouts (a ``y`` with one column per task, or a task column and a 1-D
``y``) are reduced to the observed targets of each task, ``(rows, values)``
with the values in their own dtype. Each task then gets a :class:`TaskSpec`
(its kind and classes), declared or inferred; its values are encoded
(numbers, or class codes) into :class:`Targets`; and it gets its weight
:math:`\\lambda_t`. Missing values, task columns and task labels are read by
:mod:`skmtl._layout.tasks`, as for the linear estimators.
"""

import numbers

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from .._layout.tasks import (
    _is_dataframe,
    _is_missing,
    lookup_tasks,
    rows_by_task,
    task_indices,
    validate_targets,
)
from .network import TASK_KINDS, null_loss

# ----------------------------------------------------------- reading y


def own_dtype(values):
    """The values of an object array in the dtype of what they hold.

    Parameters
    ----------
    values : ndarray of shape (n_values,)
        Targets or labels, of any dtype.

    Returns
    -------
    values : ndarray of shape (n_values,)
        Unchanged unless a non-empty object array: then numbers, strings or
        booleans as numpy stores them.
    """
    if values.dtype == object and values.size:
        return np.asarray(values.tolist())
    return values


def missing_mask(values):
    """NaN, None and pandas' NA / NaT entries of a 1-D array.

    Parameters
    ----------
    values : ndarray of shape (n_values,)
        Targets of one task, or of the rows of a task column.

    Returns
    -------
    missing : ndarray of bool of shape (n_values,)
        Where a target is missing.
    """
    missing = _is_missing(values)
    if values.dtype == object:
        # NaT marks a missing label in a column of dates, which the linear
        # estimators (numbers and plain labels only) never see.
        not_a_time = [type(v).__name__ == "NaTType" for v in values]
        missing |= np.array(not_a_time, dtype=bool).reshape(missing.shape)
    return missing


def observed(column):
    """Rows and values of the non-missing entries of one column.

    The values of an object column get the dtype of what remains (numbers,
    strings, booleans), so that a column of labels with ``None`` for the
    missing ones is read like the same labels without them.

    Parameters
    ----------
    column : ndarray of shape (n_rows,)
        One task's targets, missing ones included.

    Returns
    -------
    rows : ndarray of int
        Rows of the observed targets.
    values : ndarray
        The observed targets, in their own dtype.
    """
    rows = np.flatnonzero(~missing_mask(column))
    return rows, own_dtype(column[rows])


def observed_by_task(y, index, n_tasks):
    """Rows and values of each task's observed targets, with a task column.

    Parameters
    ----------
    y : ndarray of shape (n_rows,)
        The target of each row, for its own task.
    index : ndarray of int of shape (n_rows,)
        The task of each row, ``0..n_tasks - 1``.
    n_tasks : int
        Number of tasks (some may have no row).

    Returns
    -------
    found : list of (ndarray, ndarray)
        For each task, the rows (increasing) and values (own dtype) of its
        observed targets.
    """
    observed_rows = np.flatnonzero(~missing_mask(y))
    members = {
        task: observed_rows[positions]
        for task, positions in rows_by_task(index[observed_rows])
    }
    no_rows = observed_rows[:0]
    found = []
    for task in range(n_tasks):
        rows = members.get(task, no_rows)
        found.append((rows, own_dtype(y[rows])))
    return found


def series_values(y):
    """A pandas Series as an array that keeps its kind of values.

    Float columns become float arrays (NaN for missing); others (nullable
    integers and booleans, categories, strings) object arrays with None for
    missing values, so that their labels keep their type.

    Parameters
    ----------
    y : object
        Targets: a Series, or anything else.

    Returns
    -------
    y : object
        The Series as an ndarray; anything else unchanged.
    """
    if not (hasattr(y, "to_numpy") and getattr(y, "ndim", 0) == 1):
        return y
    if getattr(y.dtype, "kind", "O") == "f":
        return y.to_numpy(dtype=np.float64, na_value=np.nan)
    return y.to_numpy(dtype=object, na_value=None)


def target_columns(y, n_samples, name):
    """The columns of a shared-layout ``y``, one per task.

    Parameters
    ----------
    y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_tasks)
        Targets; NaN or None where a task is unobserved.
    n_samples : int
        Number of rows of ``X``.
    name : str
        Estimator name for error messages.

    Returns
    -------
    columns : list of ndarray of shape (n_samples,)
        Each task's column, in its own dtype (a DataFrame's column dtypes are
        kept).
    names : ndarray or None
        The column names of a DataFrame.
    single : bool
        Whether ``y`` is 1-D.
    """
    if _is_dataframe(y):
        if y.shape[1] == 0:
            raise ValueError("y has no column: it needs one column per task.")
        columns = [
            validate_targets(
                series_values(y.iloc[:, j]),
                n_samples,
                numeric=False,
                allow_missing=True,
                name=name,
            )
            for j in range(y.shape[1])
        ]
        return columns, np.asarray(y.columns), False
    y = validate_targets(
        series_values(y), n_samples, numeric=False, allow_missing=True, name=name
    )
    if y.ndim == 1:
        return [y], None, True
    if y.shape[1] == 0:
        raise ValueError("y has no column: it needs one column per task.")
    return [y[:, j] for j in range(y.shape[1])], None, False


def known_task_index(tasks, labels):
    """The index of each row's task among the fitted tasks.

    Parameters
    ----------
    tasks : ndarray of shape (n_tasks,)
        The fitted tasks.
    labels : ndarray of shape (n_rows,)
        The task label of each row.

    Returns
    -------
    index : ndarray of int of shape (n_rows,)
        Position of each row's task in ``tasks``.
    """
    task_indices(labels)  # same checks on labels as in fit
    index = lookup_tasks(tasks, labels)
    if np.any(index < 0):
        unseen = np.unique(labels[index < 0].astype(str))[:5].tolist()
        raise ValueError(
            f"X holds tasks not seen in fit: {unseen}. A MultiTaskMLP predicts "
            "only the tasks it was fitted with."
        )
    return index


def observed_targets(y, n_rows, name, labels=None, fitted_tasks=None, extra_tasks=()):
    """Tasks, whether ``y`` is 1-D, and each task's observed targets.

    Parameters
    ----------
    y : array-like or DataFrame of shape (n_rows,) or (n_rows, n_tasks)
        Targets: one column per task, or with a task column one per row.
    n_rows : int
        Number of rows of ``X``.
    name : str
        Estimator name for error messages.
    labels : ndarray of shape (n_rows,) or None, default=None
        The task label of each row when ``X`` has a task column.
    fitted_tasks : ndarray of shape (n_tasks,) or None, default=None
        The tasks of a fitted model, which ``y`` must hold.
    extra_tasks : sequence, default=()
        With a task column, tasks to add though no row holds them (declared
        in dicts on a first ``partial_fit`` call).

    Returns
    -------
    tasks : ndarray of shape (n_tasks,)
        The task labels.
    single : bool
        Whether ``y`` is a 1-D shared-layout ``y``: one task, whose outputs
        are 1-D. False with a task column, where ``classes`` is per task.
    found : list of (ndarray, ndarray)
        For each task, the rows and values (own dtype) of its observed
        targets.
    """
    if labels is None:
        columns, names, single = target_columns(y, n_rows, name)
        tasks = names if names is not None else np.arange(len(columns))
        if fitted_tasks is not None:
            _check_fitted_columns(len(columns), names, fitted_tasks)
            tasks = fitted_tasks
        return tasks, single, [observed(column) for column in columns]
    y = validate_targets(
        series_values(y), n_rows, numeric=False, allow_missing=True, name=name
    )
    if y.ndim != 1:
        raise ValueError(
            f"With task_column set, y must be 1-D (one target per row), got "
            f"shape {y.shape}."
        )
    if fitted_tasks is not None:
        tasks = fitted_tasks
        index = known_task_index(fitted_tasks, labels)
    elif extra_tasks:
        all_labels = np.asarray(labels.tolist() + list(extra_tasks))
        tasks, index = task_indices(all_labels)
        index = index[: labels.size]
    else:
        tasks, index = task_indices(labels)
    return tasks, False, observed_by_task(y, index, tasks.size)


def _check_fitted_columns(n_columns, names, fitted_tasks):
    """A shared-layout ``y`` must have the fitted tasks' columns."""
    if n_columns != len(fitted_tasks):
        raise ValueError(
            f"y has {n_columns} task column(s) but the model was "
            f"fitted with {len(fitted_tasks)} tasks."
        )
    if names is not None and not np.array_equal(
        np.asarray(names, dtype=object),
        np.asarray(fitted_tasks, dtype=object),
    ):
        raise ValueError(
            f"The columns of y {list(names)[:10]} are not the tasks the "
            f"model was fitted with {fitted_tasks.tolist()[:10]}."
        )


def require_observed(tasks, found):
    """Raise unless every task has an observed target (as :meth:`fit` needs).

    Parameters
    ----------
    tasks : ndarray of shape (n_tasks,)
        The task labels.
    found : list of (ndarray, ndarray)
        Each task's observed rows and values.
    """
    for task, (rows, _) in zip(tasks.tolist(), found, strict=True):
        if rows.size == 0:
            raise ValueError(
                f"Task {task!r} has no observed target (NaN / None everywhere): "
                "every task needs at least one observed target."
            )


# ----------------------------------------------------------- task specs


class TaskSpec:
    """Kind and classes of one task.

    Parameters
    ----------
    kind : {"regression", "binary", "multiclass"}
        Kind of task.
    classes : ndarray or None
        Sorted labels of a classification task.
    """

    def __init__(self, kind, classes=None):
        self.kind = kind
        self.classes = classes

    @property
    def width(self):
        """Number of score columns of the task's head."""
        return len(self.classes) if self.kind == "multiclass" else 1

    def same_as(self, other):
        """Whether two specs have the same kind and classes.

        Parameters
        ----------
        other : TaskSpec
            The spec to compare with.

        Returns
        -------
        same : bool
            Whether kinds and classes are equal.
        """
        if self.kind != other.kind:
            return False
        if self.classes is None or other.classes is None:
            return self.classes is None and other.classes is None
        return len(self.classes) == len(other.classes) and bool(
            np.all(self.classes == other.classes)
        )


def _keyed(option, values, tasks, what):
    """A per-task list from None, a sequence (one entry per task) or a dict."""
    n_tasks = len(tasks)
    if values is None:
        return [None] * n_tasks
    if isinstance(values, dict):
        # fromiter keeps tuple keys (columns of a MultiIndex) whole.
        keys = np.fromiter(values, dtype=object, count=len(values))
        positions = lookup_tasks(tasks, keys)
        unknown = [key for key, t in zip(values, positions, strict=True) if t < 0]
        if unknown:
            raise ValueError(
                f"{option} has keys {unknown[:5]} that are not tasks; the tasks "
                f"are {tasks.tolist()[:10]}."
            )
        result = [None] * n_tasks
        for t, value in zip(positions, values.values(), strict=True):
            result[t] = value
        return result
    if isinstance(values, str) or not hasattr(values, "__len__"):
        raise ValueError(
            f"{option} must be None, a list with one {what} per task or a dict "
            f"keyed by task, got {values!r}."
        )
    if len(values) != n_tasks:
        raise ValueError(
            f"{option} has {len(values)} entries but y has {n_tasks} tasks: give "
            f"one {what} per task (in the order of the tasks), or a dict keyed by "
            "task."
        )
    return list(values)


def declared_types(task_types, tasks):
    """The declared kind of each task (None where it is to be inferred).

    Parameters
    ----------
    task_types : None, sequence or dict
        The ``task_types`` parameter.
    tasks : ndarray of shape (n_tasks,)
        Task labels.

    Returns
    -------
    kinds : list of str or None
        One entry per task.
    """
    kinds = _keyed("task_types", task_types, tasks, "type")
    for kind in kinds:
        if kind is not None and (not isinstance(kind, str) or kind not in TASK_KINDS):
            valid = ", ".join(repr(k) for k in TASK_KINDS)
            raise ValueError(
                f"task_types entries must be one of {valid}, got {kind!r}."
            )
    return kinds


def given_classes(classes, tasks, single):
    """The ``classes`` of ``partial_fit`` as one entry (labels or None) per task.

    Parameters
    ----------
    classes : None, array-like, sequence or dict
        For a single task (1-D ``y``) the labels themselves; else one entry
        per task (None for a regression task) or a dict keyed by task.
    tasks : ndarray of shape (n_tasks,)
        Task labels.
    single : bool
        Whether the model has a single task fitted on a 1-D ``y``.

    Returns
    -------
    classes : list of ndarray or None
        One entry per task.
    """
    if single and classes is not None and not isinstance(classes, dict):
        classes = [classes]
    entries = _keyed("classes", classes, tasks, "array of labels (or None)")
    return [None if entry is None else np.asarray(entry) for entry in entries]


def _sorted_labels(labels, task):
    try:
        return np.unique(own_dtype(np.asarray(labels)))
    except TypeError as error:
        raise ValueError(
            f"The labels of task {task!r} mix types that cannot be compared "
            "(e.g. numbers and strings)."
        ) from error


def make_spec(task, declared, values, classes, first_partial_fit=False):
    """Kind and classes of one task, declared or inferred.

    Inference: targets of a floating-point dtype make a regression task;
    anything else (integers, booleans, strings, categories) a classification
    task, binary with two labels and multi-class with more.

    Parameters
    ----------
    task : object
        Task label, for error messages.
    declared : str or None
        Declared kind.
    values : ndarray of shape (n_observations,)
        Observed targets, in their own dtype.
    classes : ndarray or None
        Labels given to ``partial_fit``.
    first_partial_fit : bool, default=False
        Whether this is the first call of ``partial_fit``, which needs the
        classes of every classification task.

    Returns
    -------
    spec : TaskSpec
        Kind and classes of the task.
    """
    if classes is not None:
        if declared == "regression":
            raise ValueError(
                f"Task {task!r} is declared a regression task in task_types but "
                "classes were given for it."
            )
        labels = _sorted_labels(classes, task)
        return _classification_spec(task, declared, labels, "the classes given")
    if values.size == 0 and declared is None:
        raise ValueError(
            f"Task {task!r} has no observed target to infer its type from: "
            "declare it in task_types (and, for a classification task, give its "
            "classes)."
        )
    if declared == "regression" or (declared is None and values.dtype.kind == "f"):
        # No observed target (a chunk of an object y) has nothing non-numeric.
        if values.size and values.dtype.kind not in "biuf":
            raise ValueError(
                f"Task {task!r} is a regression task but its targets are not "
                f"numbers (dtype {values.dtype}). Declare it 'binary' or "
                "'multiclass' in task_types if these are class labels."
            )
        return TaskSpec("regression")
    if first_partial_fit:
        raise ValueError(
            f"classes must be given on the first call to partial_fit for the "
            f"classification task {task!r} (e.g. classes=[labels of task 0, None "
            "for a regression task, ...]), or declare it 'regression' in "
            "task_types."
        )
    if values.dtype.kind == "c":
        raise ValueError(f"Complex targets are not supported (task {task!r}).")
    check_classification_targets(values)
    labels = _sorted_labels(values, task)
    return _classification_spec(task, declared, labels, "its observed targets")


def _classification_spec(task, declared, labels, source):
    if len(labels) < 2:
        raise ValueError(
            f"Task {task!r} has only one class ({labels.tolist()}) among "
            f"{source}: a classification task needs at least 2 classes. Declare "
            "it 'regression' in task_types if its targets are numbers."
        )
    kind = declared or ("binary" if len(labels) == 2 else "multiclass")
    if kind == "binary" and len(labels) > 2:
        raise ValueError(
            f"Task {task!r} is declared 'binary' but has {len(labels)} classes "
            f"({labels.tolist()[:10]}); declare it 'multiclass'."
        )
    return TaskSpec(kind, labels)


def new_specs(
    tasks, found, task_types, classes=None, single=False, first_partial_fit=False
):
    """Kind and classes of every task, declared or inferred.

    Parameters
    ----------
    tasks : ndarray of shape (n_tasks,)
        Task labels.
    found : list of (ndarray, ndarray)
        Each task's observed rows and values.
    task_types : None, sequence or dict
        The ``task_types`` parameter.
    classes : None, array-like, sequence or dict, default=None
        The ``classes`` of ``partial_fit``.
    single : bool, default=False
        Whether ``y`` is 1-D (then ``classes`` is the labels themselves).
    first_partial_fit : bool, default=False
        Whether this is the first call of ``partial_fit``.

    Returns
    -------
    specs : list of TaskSpec
        One per task.
    """
    declared = declared_types(task_types, tasks)
    given = given_classes(classes, tasks, single)
    return [
        make_spec(task, kind, values, labels, first_partial_fit)
        for task, kind, (_, values), labels in zip(
            tasks.tolist(), declared, found, given, strict=True
        )
    ]


def check_same_tasks(specs, tasks, task_types, classes, single):
    """Declared types and given classes must agree with the fitted tasks.

    Parameters
    ----------
    specs : list of TaskSpec
        The fitted tasks' specs.
    tasks : ndarray of shape (n_tasks,)
        The fitted tasks' labels.
    task_types : None, sequence or dict
        The ``task_types`` parameter.
    classes : None, array-like, sequence or dict
        The ``classes`` of this ``partial_fit`` call.
    single : bool
        Whether the model was fitted on a 1-D ``y``.
    """
    declared = declared_types(task_types, tasks)
    given = given_classes(classes, tasks, single)
    for task, kind, labels, spec in zip(
        tasks.tolist(), declared, given, specs, strict=True
    ):
        if kind is not None and kind != spec.kind:
            raise ValueError(
                f"task_types declares task {task!r} {kind!r}, but the model was "
                f"fitted with it as a {spec.kind!r} task. Fit a new model to "
                "change task types."
            )
        if labels is not None and (
            spec.classes is None or not np.array_equal(np.unique(labels), spec.classes)
        ):
            raise ValueError(
                f"classes of task {task!r} differ from those of the first call "
                f"({None if spec.classes is None else spec.classes.tolist()})."
            )


def same_task_set(tasks, specs, other_tasks, other_specs):
    """Whether two task sets have the same tasks, kinds and classes.

    Parameters
    ----------
    tasks : ndarray of shape (n_tasks,)
        Task labels of one set.
    specs : list of TaskSpec
        Their specs.
    other_tasks : ndarray of shape (n_other_tasks,)
        Task labels of the other set.
    other_specs : list of TaskSpec
        Their specs.

    Returns
    -------
    same : bool
        Whether a network fitted on one fits the other.
    """
    same_labels = len(specs) == len(other_specs) and np.array_equal(
        np.asarray(tasks, dtype=object), np.asarray(other_tasks, dtype=object)
    )
    return same_labels and all(
        spec.same_as(other) for spec, other in zip(specs, other_specs, strict=True)
    )


def union_of_classes(specs):
    """Sorted union of the labels of the classification tasks.

    Parameters
    ----------
    specs : list of TaskSpec
        The tasks' specs.

    Returns
    -------
    classes : ndarray or None
        The union; None when no task is a classification task.
    """
    labelled = [spec.classes for spec in specs if spec.classes is not None]
    if not labelled:
        return None
    try:
        return np.unique(np.concatenate(labelled))
    except TypeError as error:
        raise ValueError(
            "With a task column, the labels of all classification tasks "
            "must be mutually comparable (all numbers or all strings)."
        ) from error


# ------------------------------------------------------------- encoding


def encode(spec, task, values):
    """Targets of one task as numbers (regression) or class codes.

    Parameters
    ----------
    spec : TaskSpec
        Kind and classes of the task.
    task : object
        Task label, for error messages.
    values : ndarray of shape (n_observations,)
        Observed targets.

    Returns
    -------
    encoded : ndarray of shape (n_observations,)
        Float targets, or class codes (as floats) in ``0..K-1``.
    """
    if spec.kind == "regression":
        if values.size and values.dtype.kind not in "biuf":
            raise ValueError(
                f"Task {task!r} is a regression task but y holds non-numeric "
                f"targets for it (dtype {values.dtype})."
            )
        encoded = values.astype(np.float64)
        if not np.all(np.isfinite(encoded)):
            raise ValueError(f"Input y contains infinity (task {task!r}).")
        return encoded
    if values.size == 0:
        return np.zeros(0)
    try:
        codes = np.searchsorted(spec.classes, values)
        codes = np.minimum(codes, len(spec.classes) - 1)
        known = spec.classes[codes] == values
    except (TypeError, ValueError, np.exceptions.DTypePromotionError):
        known = np.zeros(values.shape, dtype=bool)
    if not np.all(known):
        unknown = np.unique(values[~known].astype(str))[:5].tolist()
        raise ValueError(
            f"y holds labels {unknown} for task {task!r}, which are not among its "
            f"classes {spec.classes.tolist()[:10]} (the classes of the first fit "
            "or partial_fit call)."
        )
    return codes.astype(np.float64)


class Targets:
    """Encoded observations of every task.

    Parameters
    ----------
    n_rows : int
        Number of rows of ``X``.
    rows : list of ndarray
        Rows of each task's observations.
    values : list of ndarray
        Encoded targets of each task, aligned with ``rows``.
    sample_weight : ndarray of shape (n_rows,) or None, default=None
        Weight of each row. Observations of zero weight are dropped here, so
        that every later step (counts, batches, the best constant prediction)
        sees exactly the data of a fit without those rows.

    Attributes
    ----------
    weights : list of (ndarray or None)
        Weight of each observation, aligned with ``rows``; None entries when
        no ``sample_weight`` was given (all weights 1, the fast path).
    totals : ndarray of shape (n_tasks,)
        Total weight of each task's observations (its count when unweighted):
        the denominator of the task's weighted mean loss.
    """

    def __init__(self, n_rows, rows, values, sample_weight=None):
        self.n_rows = n_rows
        self.n_tasks = len(rows)
        self.sample_weight = sample_weight
        rows = [np.asarray(r, dtype=np.intp) for r in rows]
        values = [np.asarray(v, dtype=np.float64) for v in values]
        if sample_weight is None:
            self.weights = [None] * self.n_tasks
        else:
            keep = [sample_weight[r] > 0 for r in rows]
            rows = [r[k] for r, k in zip(rows, keep, strict=True)]
            values = [v[k] for v, k in zip(values, keep, strict=True)]
            self.weights = [sample_weight[r] for r in rows]
        self.rows, self.values = rows, values
        self.counts = np.array([r.size for r in self.rows])
        self.totals = np.array(
            [
                r.size if w is None else float(w.sum())
                for r, w in zip(self.rows, self.weights, strict=True)
            ],
            dtype=np.float64,
        )

    def subset(self, rows):
        """The observations of some rows, renumbered ``0..len(rows) - 1``.

        Parameters
        ----------
        rows : ndarray of int
            Rows to keep, in their new order.

        Returns
        -------
        targets : Targets
            The observations of those rows.
        """
        new_index = np.full(self.n_rows, -1)
        new_index[rows] = np.arange(len(rows))
        keep = [new_index[r] >= 0 for r in self.rows]
        weight = None if self.sample_weight is None else self.sample_weight[rows]
        return Targets(
            len(rows),
            [new_index[r[k]] for r, k in zip(self.rows, keep, strict=True)],
            [v[k] for v, k in zip(self.values, keep, strict=True)],
            weight,
        )


def encode_targets(specs, tasks, found, n_rows, sample_weight=None):
    """Encode every task's observed targets.

    Parameters
    ----------
    specs : list of TaskSpec
        The tasks' specs.
    tasks : ndarray of shape (n_tasks,)
        Task labels, for error messages.
    found : list of (ndarray, ndarray)
        Each task's observed rows and values.
    n_rows : int
        Number of rows of ``X``.
    sample_weight : ndarray of shape (n_rows,) or None, default=None
        Validated weight of each row (see :func:`check_sample_weight`).

    Returns
    -------
    targets : Targets
        The encoded observations.
    """
    values = [
        encode(spec, task, task_values)
        for spec, task, (_, task_values) in zip(
            specs, tasks.tolist(), found, strict=True
        )
    ]
    return Targets(n_rows, [rows for rows, _ in found], values, sample_weight)


# --------------------------------------------------------- task weights


def balanced_task_weights(specs, targets):
    """``1 / null loss`` per task: 1 for constant targets, NaN if unobserved.

    Parameters
    ----------
    specs : list of TaskSpec
        The tasks' specs.
    targets : Targets
        Their encoded observations.

    Returns
    -------
    weights : ndarray of shape (n_tasks,)
        The balanced weights.
    """
    weights = np.full(len(specs), np.nan)
    for t, spec in enumerate(specs):
        values, row_weights = targets.values[t], targets.weights[t]
        if values.size == 0:
            continue
        loss, _ = null_loss(spec.kind, values, spec.width, row_weights)
        # The scale of the targets tells a constant from a small variance.
        scale = (
            0.5 * float(np.average(values**2, weights=row_weights))
            if spec.kind == "regression"
            else 1
        )
        weights[t] = 1.0 if loss <= 1e-12 * scale else 1.0 / loss
    return weights


def fixed_task_weights(task_weights, specs, targets):
    """The weights :math:`\\lambda_t` of a fit, from the ``task_weights`` parameter.

    Parameters
    ----------
    task_weights : None, "balanced" or array-like of shape (n_tasks,)
        The ``task_weights`` parameter.
    specs : list of TaskSpec
        The tasks' specs.
    targets : Targets
        Their encoded observations (for balanced weights).

    Returns
    -------
    weights : ndarray of shape (n_tasks,)
        The weights; NaN for a balanced weight of a task not yet observed.
    """
    if task_weights is None:
        return np.ones(len(specs))
    if isinstance(task_weights, str):
        return balanced_task_weights(specs, targets)
    return check_task_weights(task_weights, len(specs))


def check_task_weights(task_weights, n_tasks):
    """Fixed task weights: one finite, non-negative weight per task.

    Parameters
    ----------
    task_weights : array-like of shape (n_tasks,)
        The weights.
    n_tasks : int
        Number of tasks.

    Returns
    -------
    task_weights : ndarray of shape (n_tasks,)
        The validated weights.
    """
    if isinstance(task_weights, numbers.Real):
        task_weights = np.full(n_tasks, float(task_weights))
    weights = np.asarray(task_weights)
    if weights.dtype.kind not in "biuf" or weights.shape != (n_tasks,):
        raise ValueError(
            "task_weights must be None, 'balanced', 'uncertainty', 'gradnorm' "
            f"or an array of {n_tasks} non-negative numbers (one per task), got "
            f"{task_weights!r}."
        )
    weights = weights.astype(np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(
            "task_weights must be finite and non-negative with a positive sum, "
            f"got {weights.tolist()}."
        )
    return weights
