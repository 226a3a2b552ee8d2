"""From user input to a layout: task columns, missing targets, task weighting.

The two public layouts reach the solver as one internal form (see
:mod:`skmtl._layout.designs`):

- shared design: ``X`` (n, d) and ``Y`` (n, T), optionally with NaN where a task
  is unobserved;
- task column: one row per observation, the task of each row in a column of
  ``X``, and a 1-D ``y``.

Both are first reduced to *observations* (row, task, target), each task's
targets are encoded by the estimator (numbers, or classes), and the layout is
built from those.
"""

import ctypes
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from .designs import SharedDesign, TaskRowsDesign, observation_weights


def _is_pandas_na(value):
    # pandas' NA singleton, recognised without importing pandas.
    return type(value).__name__ == "NAType"


def _is_dataframe(X):
    """Whether ``X`` is a pandas DataFrame, recognised without importing pandas."""
    return hasattr(X, "columns") and hasattr(X, "iloc")


# ------------------------------------------------------------------ dataframes
# Any dataframe is read through what it can do, never through its class: a
# pandas-like frame (``iloc``) is used as it is; any other frame, one with
# column access by name (``columns`` and ``get_column``, as polars and
# narwhals have) or one with the dataframe interchange protocol
# (``__dataframe__``, as pyarrow has), becomes a :class:`ColumnFrame` of NumPy
# columns. No dataframe library is imported.

# Kinds of the interchange protocol's dtypes (``DtypeKind``) and null
# descriptions (``ColumnNullType``), by value.
_INT, _UINT, _FLOAT, _BOOL, _STRING, _CATEGORICAL = 0, 1, 2, 20, 21, 23
_NO_NULLS, _NULL_IS_NAN, _NULL_SENTINEL = 0, 1, 2  # 3, 4: bit and byte masks


def _buffer_bytes(buffer):
    """A copy of an interchange buffer's bytes (the frame keeps the memory)."""
    if buffer.bufsize == 0:
        return np.zeros(0, dtype=np.uint8)
    raw = (ctypes.c_uint8 * buffer.bufsize).from_address(buffer.ptr)
    return np.frombuffer(raw, dtype=np.uint8).copy()


def _buffer_values(buffer, dtype, offset, size):
    """``size`` values of a data buffer of the interchange protocol, from ``offset``."""
    kind, bits = int(dtype[0]), int(dtype[1])
    raw = _buffer_bytes(buffer)
    if bits == 1:  # bit-packed booleans, least significant bit first
        bits_ = np.unpackbits(raw, bitorder="little")
        return bits_[offset : offset + size].astype(bool)
    codes = {_INT: "i", _UINT: "u", _FLOAT: "f", _BOOL: "u", _CATEGORICAL: "i"}
    if kind not in codes or bits % 8:
        raise ValueError(f"unsupported buffer dtype {dtype!r}")
    values = raw.view(f"={codes[kind]}{bits // 8}")[offset : offset + size]
    return values.astype(bool) if kind == _BOOL else values


def _interchange_values(column):
    """One column of the dataframe interchange protocol as a 1-D NumPy array.

    Numbers and booleans come out as numbers (float with NaN where values are
    missing), strings and categories as objects (None where missing).
    """
    if column.num_chunks() > 1:
        return np.concatenate([_interchange_values(c) for c in column.get_chunks()])
    kind = int(column.dtype[0])
    size, offset = column.size(), column.offset
    buffers = column.get_buffers()
    data, data_dtype = buffers["data"]
    if kind == _STRING:
        bounds_buffer, bounds_dtype = buffers["offsets"]
        bounds = _buffer_values(bounds_buffer, bounds_dtype, offset, size + 1)
        text = _buffer_bytes(data).tobytes()
        pairs = zip(bounds[:-1], bounds[1:], strict=True)
        values = np.array([text[a:b].decode() for a, b in pairs], dtype=object)
    elif kind == _CATEGORICAL:
        codes = _buffer_values(data, data_dtype, offset, size).astype(np.intp)
        categories = _interchange_values(column.describe_categorical["categories"])
        valid = (codes >= 0) & (codes < categories.size)
        values = np.full(size, None, dtype=object)
        values[valid] = categories[codes[valid]]
    elif kind in (_INT, _UINT, _FLOAT, _BOOL):
        values = _buffer_values(data, data_dtype, offset, size)
    else:
        raise ValueError(
            f"A column of dtype {column.dtype!r} (e.g. dates) is not supported; "
            "convert it to numbers or strings."
        )
    missing = _interchange_missing(column, buffers, values, offset, size)
    if missing is None or not missing.any():
        return values
    if values.dtype.kind in "biuf":
        values = values.astype(np.float64)
        values[missing] = np.nan
    else:
        values[missing] = None
    return values


def _interchange_missing(column, buffers, values, offset, size):
    """Mask of the missing values of an interchange column, or None."""
    null_kind, null_value = column.describe_null
    null_kind = int(null_kind)
    if null_kind in (_NO_NULLS, _NULL_IS_NAN) or column.null_count == 0:
        return None
    if null_kind == _NULL_SENTINEL:
        return values == null_value
    validity = buffers.get("validity")
    if validity is None:
        return None
    mask = _buffer_values(validity[0], validity[1], offset, size).astype(bool)
    return mask if null_value == 1 else ~mask


class ColumnFrame:
    """Named 1-D NumPy columns: the one form of the dataframes skmtl reads.

    Any dataframe other than a pandas-like one (see :func:`as_column_frame`)
    becomes this before its task column is taken out. It has what the
    estimators, ``TaskKFold`` and the CV estimators need: column names, one
    column by name, a shape, and rows by position (``frame[rows]``, as a
    NumPy array is indexed).

    Parameters
    ----------
    names : list
        Column names.
    columns : list of ndarray of shape (n_rows,)
        The columns, in the order of ``names``.
    """

    def __init__(self, names, columns):
        self.columns = list(names)
        self._values = list(columns)

    @property
    def shape(self):
        """``(n_rows, n_columns)``."""
        n_rows = self._values[0].shape[0] if self._values else 0
        return n_rows, len(self.columns)

    def __len__(self):
        return self.shape[0]

    def get_column(self, name):
        """The column called ``name``, a 1-D ndarray."""
        return self._values[self.columns.index(name)]

    def __getitem__(self, rows):
        # ``frame[rows]`` and ``frame[rows, ...]`` (scikit-learn's row indexing).
        if isinstance(rows, tuple) and len(rows) == 2 and rows[1] is Ellipsis:
            rows = rows[0]
        if isinstance(rows, str):
            return self.get_column(rows)
        return ColumnFrame(self.columns, [values[rows] for values in self._values])

    def to_numpy(self, drop=()):
        """The columns side by side, except those named in ``drop``."""
        pairs = zip(self.columns, self._values, strict=True)
        kept = [values for name, values in pairs if name not in drop]
        if not kept:
            return np.empty((self.shape[0], 0))
        return np.column_stack(kept)

    def __array__(self, dtype=None, copy=None):
        values = self.to_numpy()
        return values if dtype is None else values.astype(dtype)


def as_column_frame(X):
    """A :class:`ColumnFrame` of a dataframe that is not pandas-like, else None.

    Recognised by capability: column access by name (``columns`` and
    ``get_column``: polars, narwhals, a ``ColumnFrame``) or the dataframe
    interchange protocol (``__dataframe__``). Pandas-like frames (``iloc``),
    arrays and sparse matrices give None: they are read as they are.

    Parameters
    ----------
    X : object
        Input data.

    Returns
    -------
    frame : ColumnFrame or None
        The columns of ``X``, or None when ``X`` is not such a dataframe.
    """
    if isinstance(X, ColumnFrame):
        return X
    if _is_dataframe(X) or sp.issparse(X) or isinstance(X, np.ndarray):
        return None
    if hasattr(X, "columns") and hasattr(X, "get_column"):
        names = list(X.columns)
        return ColumnFrame(names, [_to_numpy(X.get_column(n)) for n in names])
    if hasattr(X, "__dataframe__"):
        protocol = X.__dataframe__()
        names = list(protocol.column_names())
        return ColumnFrame(
            names,
            [_interchange_values(protocol.get_column_by_name(n)) for n in names],
        )
    return None


def _to_numpy(series):
    """A 1-D column of a dataframe library as a NumPy array."""
    values = series.to_numpy() if hasattr(series, "to_numpy") else series
    return np.asarray(values)


def _is_missing(values):
    """Mask of NaN / None / pandas NA entries of a 1-D or 2-D array of any dtype."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        flat = [
            v is None or _is_pandas_na(v) or (isinstance(v, float) and np.isnan(v))
            for v in values.ravel()
        ]
        return np.array(flat, dtype=bool).reshape(values.shape)
    return np.zeros(values.shape, dtype=bool)


def label_codes(labels):
    """Integer codes of class labels, -1 for a missing label.

    Labels of several types (a task labelled ``"yes"``/``"no"`` beside one
    labelled 0/1, in one task column) cannot be sorted together: they are then
    coded in order of first appearance, else in sorted order.

    Parameters
    ----------
    labels : array-like of shape (n_rows,)
        Labels, NaN / None / pandas NA for a missing one.

    Returns
    -------
    codes : ndarray of shape (n_rows,)
        The code of each row's label, from 0, or -1.
    """
    labels = np.asarray(labels)
    missing = _is_missing(labels)
    codes = np.full(labels.shape[0], -1, dtype=np.intp)
    present = labels[~missing]
    try:
        _, inverse = np.unique(present, return_inverse=True)
    except TypeError:  # labels of several types: first-seen order
        index = {}
        inverse = [index.setdefault(label, len(index)) for label in present.tolist()]
    codes[~missing] = np.asarray(inverse, dtype=np.intp).ravel()
    return codes


def _pandas_na_as_none(y):
    """Object or nullable-string targets with pandas' NA replaced by None.

    None is what the checks below (and numpy's float conversion, which turns
    it into NaN) understand as a missing target; pd.NA would raise on
    comparison or conversion instead.
    """
    if hasattr(y, "dtype"):
        dtypes = [y.dtype]
    else:  # a DataFrame, or a list
        dtypes = list(getattr(y, "dtypes", []))
    if not any(getattr(dtype, "kind", None) == "O" for dtype in dtypes):
        return y
    y = np.asarray(y, dtype=object)
    if any(_is_pandas_na(v) for v in y.ravel()):
        y = y.copy()
        y[np.vectorize(_is_pandas_na, otypes=[bool])(y)] = None
    return y


# How a ColumnTransformer (or any transformer with prefixed output names)
# renames a column: "<transformer name>__<column name>".
_PREFIX = "__"


def _how_to_keep(name):
    """The one setting that keeps a task column through a pipeline's transformers."""
    return (
        f"put skmtl.compose.make_task_column_transformer(..., task_column={name!r}) "
        "in front of the estimator (it passes the task column through untouched, "
        "under its own name)."
    )


def _column_position(X, task_column, n_columns):
    if isinstance(task_column, str):
        raise ValueError(
            f"task_column={task_column!r} must be an integer position, or a column "
            "name when X is a dataframe, but X has no column names: it is an "
            "array, as a transformer outputs unless set_output(transform='pandas') "
            "(and a ColumnTransformer drops the task column by default). Pass X "
            "as a dataframe, give the task column's position, or "
            + _how_to_keep(task_column)
        )
    if isinstance(task_column, (bool, np.bool_)) or not isinstance(
        task_column, numbers.Integral
    ):
        raise ValueError(
            f"task_column={task_column!r} must be an integer position, or a column "
            "name when X is a dataframe."
        )
    if not -n_columns <= task_column < n_columns:
        raise ValueError(
            f"task_column={task_column} is out of range for X with {n_columns} columns."
        )
    return int(task_column) % n_columns


def _missing_column_message(task_column, columns):
    """Why ``task_column`` is not among ``columns``, and what to change."""
    names = [str(column) for column in columns]
    renamed = [n for n in names if n.endswith(_PREFIX + task_column)]
    if renamed:
        return (
            f"task_column={task_column!r} is not a column of X, but {renamed[0]!r} "
            "is: a ColumnTransformer renamed the task column (it prefixes its "
            "outputs with the transformer's name). To keep its name, "
            + _how_to_keep(task_column)
            + " (Setting task_column="
            f"{renamed[0]!r} also works, but the name changes with the pipeline.)"
        )
    if any(_PREFIX in n for n in names):
        return (
            f"task_column={task_column!r} is not a column of X, whose columns "
            f"{names[:5]} look like the output of a ColumnTransformer: it drops "
            "the columns its transformers do not list (remainder='drop'). To "
            "keep the task column, " + _how_to_keep(task_column)
        )
    return (
        f"task_column={task_column!r} is not a column of X; its columns are "
        f"{names[:10]}."
    )


def split_task_column(X, task_column):
    """Separate the task column from the features.

    Parameters
    ----------
    X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_columns)
        Input holding the features and the task column: an array, a sparse
        matrix, or any dataframe (see :func:`as_column_frame`).
    task_column : int or str
        Column name (dataframe) or position of the task column.

    Returns
    -------
    features : array-like or sparse matrix of shape (n_samples, n_columns - 1)
        ``X`` without the task column.
    labels : ndarray of shape (n_samples,)
        Task label of each row.
    """
    frame = X if _is_dataframe(X) else as_column_frame(X)
    if frame is not None:
        columns = list(frame.columns)
        if task_column in columns:
            name = task_column
        elif isinstance(task_column, str):
            raise ValueError(_missing_column_message(task_column, columns))
        else:
            name = columns[_column_position(frame, task_column, len(columns))]
        if _is_dataframe(frame):
            return frame.drop(columns=[name]), frame[name].to_numpy()
        return frame.to_numpy(drop=(name,)), frame.get_column(name)
    if sp.issparse(X):
        X = X.tocsc()
        position = _column_position(X, task_column, X.shape[1])
        keep = np.delete(np.arange(X.shape[1]), position)
        return X[:, keep].tocsr(), X[:, [position]].toarray().ravel()
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D with a task column, got an array of shape {X.shape}."
        )
    position = _column_position(X, task_column, X.shape[1])
    return np.delete(X, position, axis=1), X[:, position]


def warn_if_transformed(labels, task_column):
    """Warn when task labels look like the output of a numeric transformer.

    Integer task ids (schools, districts) scaled by a transformer become
    non-integral floats, centred near 0 by a ``StandardScaler``: each value
    still names one task, but the labels are no longer those of the data and
    nothing else would say so.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Task label of each row.
    task_column : int or str
        The task column, to name it in the warning.
    """
    values = np.asarray(labels)
    if values.dtype.kind == "O":
        if not all(isinstance(v, (float, np.floating)) for v in values.tolist()):
            return
        values = values.astype(np.float64)
    if values.dtype.kind != "f" or values.size == 0:
        return
    values = values[np.isfinite(values)]
    fractional = values[values != np.round(values)]
    if fractional.size == 0:
        return
    examples = ", ".join(f"{v:.3g}" for v in np.unique(fractional)[:3])
    centred = abs(values.mean()) <= 0.1 * values.std() and values.std() > 0
    how = (
        "centred near 0, as a StandardScaler makes of integer ids"
        if centred
        else "as a numeric transformer makes of integer ids"
    )
    warnings.warn(
        f"The task column {task_column!r} holds non-integral numbers (e.g. "
        f"{examples}): task labels that look transformed, {how}. Each distinct "
        "value is taken as a task. Keep the task column out of numeric "
        "transformers: "
        + _how_to_keep(task_column)
        + " If these numbers really are task labels, convert them to strings.",
        UserWarning,
        stacklevel=6,
    )


def task_indices(labels, what="task labels"):
    """Sorted distinct task labels and the index of each row's task.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Task label of each row.
    what : str, default="task labels"
        How to name the labels in error messages.

    Returns
    -------
    tasks : ndarray of shape (n_tasks,)
        The distinct labels, sorted.
    index : ndarray of shape (n_samples,)
        Position of each row's label in ``tasks``.
    """
    missing = _is_missing(labels)
    if np.any(missing):
        rows = np.flatnonzero(missing)[:5].tolist()
        raise ValueError(
            f"{what} contain missing values (NaN or None), e.g. in rows {rows}. "
            "Every row needs a task label."
        )
    try:
        tasks, index = np.unique(labels, return_inverse=True)
    except TypeError as error:
        kinds = sorted({type(label).__name__ for label in labels})
        raise ValueError(
            f"{what} must be mutually comparable (all numbers or all strings), "
            f"got values of types {kinds}."
        ) from error
    return tasks, index


def lookup_tasks(tasks, labels):
    """Index of each label in ``tasks``, -1 for labels not among them.

    Parameters
    ----------
    tasks : ndarray of shape (n_tasks,)
        Known task labels.
    labels : ndarray of shape (n_samples,)
        Labels to look up.

    Returns
    -------
    index : ndarray of shape (n_samples,)
        Positions in ``tasks``, -1 where unknown.
    """
    position = {label: i for i, label in enumerate(tasks.tolist())}
    return np.array(
        [position.get(label, -1) for label in labels.tolist()], dtype=np.intp
    )


def rows_by_task(index):
    """Group rows by task: the rows of each task that ``index`` holds.

    Parameters
    ----------
    index : ndarray of int of shape (n_rows,)
        Task index of each row (-1 for an unknown task makes a group too).

    Yields
    ------
    task : int
        A task index present in ``index``, in increasing order.
    rows : ndarray of int
        Positions of that task's rows in ``index``, in increasing order.

    Examples
    --------
    >>> import numpy as np
    >>> [(task, rows.tolist()) for task, rows in rows_by_task(np.array([2, 0, 2, 0]))]
    [(0, [1, 3]), (2, [0, 2])]
    """
    # One stable sort instead of a mask per task: O(n log n) for any number
    # of tasks, and each task's rows stay in their original order.
    order = np.argsort(index, kind="stable")
    tasks, starts = np.unique(index[order], return_index=True)
    bounds = np.append(starts, index.size)
    for task, start, stop in zip(tasks, bounds[:-1], bounds[1:], strict=True):
        yield int(task), order[start:stop]


def validate_targets(y, n_samples, *, numeric, allow_missing, name):
    """Check ``y``: its length, its dtype and (unless allowed) missing values.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Targets.
    n_samples : int
        Number of rows of ``X``.
    numeric : bool
        Whether targets must be numbers (regression).
    allow_missing : bool
        Whether NaN / None mark unobserved targets.
    name : str
        Estimator name for error messages.

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_samples, n_tasks)
        Validated targets.
    """
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None.")
    if sp.issparse(y):
        y = y.toarray()
    y = _pandas_na_as_none(y)
    finite = "allow-nan" if allow_missing else True
    dtype = np.float64 if numeric else None
    try:
        y = check_array(
            y, ensure_2d=False, dtype=dtype, ensure_all_finite=finite, input_name="y"
        )
    except ValueError as error:
        if allow_missing or "NaN" not in str(error):
            raise
        raise ValueError(
            f"{error} If NaN marks targets a task did not observe, set "
            "missing_targets='ignore' to leave them out of the loss."
        ) from error
    if not numeric and not allow_missing and np.any(_is_missing(y)):
        raise ValueError(
            "Input y contains NaN or None. Set missing_targets='ignore' to leave "
            "those targets out of the loss."
        )
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got {y.ndim} dimensions.")
    if y.shape[0] != n_samples:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"X has {n_samples} rows and y has {y.shape[0]}."
        )
    return y


class Observations:
    """Observed (row, task, target) triples before encoding.

    Parameters
    ----------
    row : ndarray of shape (n_observations,)
        Row of ``X`` of each observation.
    task : ndarray of shape (n_observations,)
        Task index of each observation.
    value : ndarray of shape (n_observations,)
        Raw target of each observation.
    sample_weight : ndarray of shape (n_observations,)
        Weight of the observation's sample.
    n_tasks : int
        Number of tasks.
    """

    def __init__(self, row, task, value, sample_weight, n_tasks):
        self.row = row
        self.task = task
        self.value = value
        self.sample_weight = sample_weight
        self.n_tasks = n_tasks
        counts = np.bincount(task[sample_weight > 0], minlength=n_tasks)
        if np.any(counts == 0):
            empty = np.flatnonzero(counts == 0)[:5].tolist()
            raise ValueError(
                f"Tasks at positions {empty} have no observation with positive "
                "weight: every task needs at least one observed target."
            )
        self.order = np.argsort(task, kind="stable")
        self.starts = np.searchsorted(task[self.order], np.arange(n_tasks + 1))

    @classmethod
    def from_matrix(cls, Y, sample_weight):
        """Observations of a shared design: every non-missing entry of ``Y``."""
        n_samples, n_tasks = Y.shape
        row, task = np.nonzero(~_is_missing(Y))
        return cls(row, task, Y[row, task], sample_weight[row], n_tasks)

    @classmethod
    def from_rows(cls, task_index, n_tasks, y, sample_weight):
        """Observations of a task column: every row with a non-missing target."""
        row = np.flatnonzero(~_is_missing(y))
        return cls(row, task_index[row], y[row], sample_weight[row], n_tasks)

    def encode(self, encode_task, task_weighting):
        """Encode each task's targets and weight the observations.

        Parameters
        ----------
        encode_task : callable
            ``encode_task(task, values, weights) -> (width, loss, encoded, info)``
            with ``encoded`` of shape (n_task_observations, width).
        task_weighting : {"observations", "tasks"}
            See :func:`skmtl._layout.designs.observation_weights`.

        Returns
        -------
        encoded : list of ndarray
            Encoded targets of each task, rows in the order of ``rows_of(t)``.
        task_losses : list of (width, loss)
            Columns and loss of each task.
        infos : list
            What ``encode_task`` returned about each task (e.g. its classes).
        weights : ndarray of shape (n_observations,)
            Final observation weights.
        """
        weights = observation_weights(
            self.sample_weight, self.task, self.n_tasks, task_weighting
        )
        encoded, task_losses, infos = [], [], []
        for t in range(self.n_tasks):
            members = self.members(t)
            width, loss, codes, info = encode_task(
                t, self.value[members], self.sample_weight[members]
            )
            encoded.append(codes)
            task_losses.append((width, loss))
            infos.append(info)
        return encoded, task_losses, infos, weights

    def members(self, task):
        """Positions of the observations of one task."""
        return self.order[self.starts[task] : self.starts[task + 1]]

    def subset(self, tasks):
        """The observations of some tasks only, renumbered in the order given.

        Parameters
        ----------
        tasks : ndarray of int
            Indices of the tasks kept.

        Returns
        -------
        observations : Observations
            Their observations; task ``tasks[k]`` becomes task ``k``.
        """
        renumber = np.full(self.n_tasks, -1)
        renumber[tasks] = np.arange(len(tasks))
        keep = renumber[self.task] >= 0
        return Observations(
            self.row[keep],
            renumber[self.task[keep]],
            self.value[keep],
            self.sample_weight[keep],
            len(tasks),
        )


def _solver_design(X):
    """``X`` in float64, the solver's precision: a copy only of float32 ``X``.

    The duality gap that certifies a fit is not reliable in float32, so the
    solver works in float64 whatever the input; the estimator casts the
    solution back to float32 (see ``_MultiTaskLinear._store_result``).
    """
    return X.astype(np.float64, copy=False)


def complete_shared_layout(X, Y, sample_weight, encode_task, fit_intercept):
    """Build a :class:`SharedDesign` when every target is observed.

    No per-observation bookkeeping: each column of ``Y`` is encoded whole, and
    every entry of a row gets that row's weight ``s_i / sum(s)`` (both task
    weightings agree when every task observes every sample).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design, float64 or float32 (converted to float64).
    Y : ndarray of shape (n_samples, n_tasks)
        Targets, none missing.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    encode_task : callable
        As in :meth:`Observations.encode`.
    fit_intercept : bool
        Whether intercepts are fitted.

    Returns
    -------
    layout : SharedDesign
        The layout.
    infos : list
        What ``encode_task`` returned about each task.
    task_losses : list of (width, loss)
        Columns and loss of each task.
    """
    encoded, task_losses, infos = [], [], []
    for task in range(Y.shape[1]):
        width, loss, codes, info = encode_task(task, Y[:, task], sample_weight)
        encoded.append(codes)
        task_losses.append((width, loss))
        infos.append(info)
    targets = np.hstack(encoded)
    row_weight = (sample_weight / sample_weight.sum())[:, None]
    weights = np.broadcast_to(row_weight, targets.shape)
    layout = SharedDesign(
        _solver_design(X), targets, weights, task_losses, fit_intercept
    )
    return layout, infos, task_losses


def shared_layout(X, observations, encoded, task_losses, weights, fit_intercept):
    """Build a :class:`SharedDesign` from encoded observations.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design, float64 or float32 (converted to float64).
    observations : Observations
        The observations, already encoded.
    encoded : list of ndarray
        Encoded targets of each task.
    task_losses : list of (width, loss)
        Columns and loss of each task.
    weights : ndarray of shape (n_observations,)
        Final observation weights.
    fit_intercept : bool
        Whether intercepts are fitted.

    Returns
    -------
    layout : SharedDesign
        The layout.
    """
    n_columns = sum(width for width, _ in task_losses)
    targets = np.zeros((X.shape[0], n_columns))
    entry_weights = np.zeros((X.shape[0], n_columns))
    start = 0
    for t, (width, _) in enumerate(task_losses):
        members = observations.members(t)
        rows = observations.row[members]
        targets[rows, start : start + width] = encoded[t]
        entry_weights[rows, start : start + width] = weights[members, None]
        start += width
    return SharedDesign(
        _solver_design(X), targets, entry_weights, task_losses, fit_intercept
    )


def task_rows_layout(X, observations, encoded, task_losses, weights, fit_intercept):
    """Build a :class:`TaskRowsDesign` from encoded observations.

    Rows of one-column tasks come first, grouped by task, then the rows of each
    multi-class task; ``X`` is reordered (copied) once here, and a float32
    ``X`` converted to float64 after that copy, so that the float32 copy is
    the one freed.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design, one row per observation, float64 or float32.
    observations : Observations
        The observations, already encoded.
    encoded : list of ndarray
        Encoded targets of each task.
    task_losses : list of (width, loss)
        Columns and loss of each task.
    weights : ndarray of shape (n_observations,)
        Final observation weights.
    fit_intercept : bool
        Whether intercepts are fitted.

    Returns
    -------
    layout : TaskRowsDesign
        The layout.
    """
    widths = [width for width, _ in task_losses]
    task_order = [t for t in range(len(widths)) if widths[t] == 1]
    task_order += [t for t in range(len(widths)) if widths[t] > 1]
    members = [observations.members(t) for t in task_order]
    rows = np.concatenate([observations.row[m] for m in members])
    pairs = list(zip(task_order, members, strict=True))
    row_task = np.concatenate([np.full(m.size, t) for t, m in pairs])
    targets = np.concatenate([encoded[t].ravel() for t in task_order])
    entry_weights = np.concatenate([np.repeat(weights[m], widths[t]) for t, m in pairs])
    X_rows = X[rows]
    if sp.issparse(X_rows):
        X_rows = sp.csr_matrix(X_rows)
    X_rows = _solver_design(X_rows)
    return TaskRowsDesign(
        X_rows, row_task, targets, entry_weights, task_losses, fit_intercept
    )
