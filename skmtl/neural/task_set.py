"""Targets of :class:`skmtl.neural.MultiTaskMLP`: task types, labels, batches.

Both layouts (a ``y`` with one column per task, or a task column and a 1-D
``y``) are reduced to the observed targets of each task, ``(rows, values)``
with the values in their own dtype. Each task then gets a :class:`TaskSpec`
(its kind and classes), declared or inferred, its values are encoded
(numbers, or class codes), and :class:`Targets` holds all observations and
cuts them into minibatches.
"""

import numbers

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from .._layout.tasks import _is_missing, validate_targets
from .network import TASK_KINDS


def missing_mask(values):
    """NaN, None and pandas' NA / NaT entries of a 1-D array."""
    missing = _is_missing(values)
    if values.dtype == object:
        pandas_missing = [type(v).__name__ in ("NAType", "NaTType") for v in values]
        missing |= np.array(pandas_missing, dtype=bool).reshape(missing.shape)
    return missing


def observed(column):
    """Rows and values of the non-missing entries of one column.

    The values of an object column get the dtype of what remains (numbers,
    strings, booleans), so that a column of labels with ``None`` for the
    missing ones is read like the same labels without them.
    """
    rows = np.flatnonzero(~missing_mask(column))
    values = column[rows]
    if values.dtype == object and values.size:
        values = np.asarray(values.tolist())
    return rows, values


def _is_frame(y):
    return hasattr(y, "columns") and hasattr(y, "iloc")


def series_values(y):
    """A pandas Series as an array that keeps its kind of values.

    Float columns become float arrays (NaN for missing); others (nullable
    integers and booleans, categories, strings) object arrays with None for
    missing values, so that their labels keep their type. Anything else is
    returned unchanged.
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
    if _is_frame(y):
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
        """Whether two specs have the same kind and classes."""
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
        known = {task: t for t, task in enumerate(tasks.tolist())}
        unknown = [key for key in values if key not in known]
        if unknown:
            raise ValueError(
                f"{option} has keys {unknown[:5]} that are not tasks; the tasks "
                f"are {tasks.tolist()[:10]}."
            )
        result = [None] * n_tasks
        for key, value in values.items():
            result[known[key]] = value
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
    labels = np.asarray(labels)
    if labels.dtype == object:
        labels = np.asarray(labels.tolist())
    try:
        return np.unique(labels)
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
        if values.dtype.kind not in "biuf":
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
        if values.dtype.kind not in "biuf":
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
    """Encoded observations of all tasks, and their minibatches.

    Parameters
    ----------
    n_rows : int
        Number of rows of ``X``.
    rows : list of ndarray
        Rows of each task's observations.
    values : list of ndarray
        Encoded targets of each task, aligned with ``rows``.
    """

    def __init__(self, n_rows, rows, values):
        self.n_rows = n_rows
        self.n_tasks = len(rows)
        self.rows = [np.asarray(r, dtype=np.intp) for r in rows]
        self.values = [np.asarray(v, dtype=np.float64) for v in values]
        self.counts = np.array([r.size for r in self.rows])
        self.obs_task = np.repeat(np.arange(self.n_tasks), self.counts)
        self.obs_row = np.concatenate(self.rows) if self.rows else np.zeros(0, int)
        self.obs_value = np.concatenate(self.values) if self.values else np.zeros(0)

    def subset(self, rows):
        """The observations of some rows, renumbered ``0..len(rows) - 1``."""
        new_index = np.full(self.n_rows, -1)
        new_index[rows] = np.arange(len(rows))
        keep = [new_index[r] >= 0 for r in self.rows]
        return Targets(
            len(rows),
            [new_index[r[k]] for r, k in zip(self.rows, keep, strict=True)],
            [v[k] for v, k in zip(self.values, keep, strict=True)],
        )

    def full_batch(self, task_weights):
        """All observations as one batch, entries weighted ``lambda_t / n_t``."""
        return [
            (t, self.rows[t], self.values[t], task_weights[t] / self.counts[t])
            for t in range(self.n_tasks)
            if self.counts[t] > 0
        ]

    def batches(self, order, batch_size, task_weights):
        """Minibatches of consecutive rows of ``order``.

        Each yields ``(rows, batch)``: the rows of ``X`` in the batch and the
        tuples of :meth:`skmtl._mlp_core.Network.loss_and_gradient`. An entry
        of task ``t`` in a batch of ``m`` of the ``n`` rows has weight
        ``lambda_t n / (m n_t)``: the batch objective is an unbiased estimate
        of the full objective (exact when the batch holds every row).

        Parameters
        ----------
        order : ndarray of shape (n_rows,)
            A permutation of the rows.
        batch_size : int
            Rows per batch (the last one may have fewer).
        task_weights : ndarray of shape (n_tasks,)
            Task weights ``lambda_t``.

        Yields
        ------
        rows : ndarray
            Rows of ``X`` in the batch.
        batch : list of tuple
            ``(task, positions, targets, scale)`` per task observed.
        """
        position = np.empty(self.n_rows, dtype=np.intp)
        position[order] = np.arange(self.n_rows)
        obs_position = position[self.obs_row]
        obs_batch = obs_position // batch_size
        # Stable: within a batch the observations stay grouped by task.
        by_batch = np.argsort(obs_batch, kind="stable")
        n_batches = -(-self.n_rows // batch_size)
        bounds = np.searchsorted(obs_batch[by_batch], np.arange(n_batches + 1))
        all_tasks = np.arange(self.n_tasks + 1)
        for k in range(n_batches):
            start = k * batch_size
            rows = order[start : start + batch_size]
            members = by_batch[bounds[k] : bounds[k + 1]]
            task_bounds = np.searchsorted(self.obs_task[members], all_tasks)
            batch = []
            for t in np.flatnonzero(np.diff(task_bounds)):
                entries = members[task_bounds[t] : task_bounds[t + 1]]
                scale = task_weights[t] * self.n_rows / (rows.size * self.counts[t])
                batch.append(
                    (
                        int(t),
                        obs_position[entries] - start,
                        self.obs_value[entries],
                        scale,
                    )
                )
            yield rows, batch


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
            f"task_weights must be None, 'balanced' or an array of {n_tasks} "
            f"non-negative numbers (one per task), got {task_weights!r}."
        )
    weights = weights.astype(np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(
            "task_weights must be finite and non-negative with a positive sum, "
            f"got {weights.tolist()}."
        )
    return weights
