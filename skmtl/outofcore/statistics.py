"""Sufficient statistics of the squared loss, accumulated chunk by chunk."""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from .._layout.tasks import split_task_column, task_indices
from ..utils.dask_blocks import row_blocks, tree_reduce
from ..utils.validation import check_sample_weight


class _Moments:
    """Weighted count, means and centred co-moments of (x, y) for one task.

    ``y`` has one column per task of the group (all tasks of a shared design,
    or the one task of a task-column group).
    """

    def __init__(self, n_features, n_targets):
        self.weight = 0.0
        self.count = 0
        self.x_mean = np.zeros(n_features)
        self.y_mean = np.zeros(n_targets)
        self.xx = np.zeros((n_features, n_features))
        self.xy = np.zeros((n_features, n_targets))
        self.yy = np.zeros(n_targets)  # sum of squares per target column

    @classmethod
    def of_chunk(cls, X, Y, weight):
        moments = cls(X.shape[1], Y.shape[1])
        total = float(weight.sum())
        if total <= 0:
            return moments
        x_mean = np.asarray(weight @ X).ravel() / total
        y_mean = weight @ Y / total
        root = np.sqrt(weight)[:, None]
        if sp.issparse(X):  # centre the products, not the (sparse) matrix
            Xw = X.multiply(root).tocsr()
            xx = np.asarray((Xw.T @ Xw).todense()) - total * np.outer(x_mean, x_mean)
            xy = np.asarray(X.T @ (weight[:, None] * Y)) - total * np.outer(
                x_mean, y_mean
            )
        elif np.all(weight == weight[0]):  # uniform weights: no scaled copy
            Xc = X - x_mean
            xx = (Xc.T @ Xc) * weight[0]
            xy = (Xc.T @ (Y - y_mean)) * weight[0]
        else:
            Xc = (X - x_mean) * root
            xx = Xc.T @ Xc
            xy = Xc.T @ ((Y - y_mean) * root)
        moments.weight, moments.count = total, X.shape[0]
        moments.x_mean, moments.y_mean = x_mean, y_mean
        moments.xx, moments.xy = xx, xy
        moments.yy = weight @ (Y - y_mean) ** 2
        return moments

    def merge(self, other):
        """Moments of the union of both samples (pairwise update)."""
        if other.weight == 0:
            return self
        if self.weight == 0:
            return other
        total = self.weight + other.weight
        dx, dy = other.x_mean - self.x_mean, other.y_mean - self.y_mean
        factor = self.weight * other.weight / total
        merged = _Moments(self.x_mean.size, self.y_mean.size)
        merged.weight, merged.count = total, self.count + other.count
        merged.x_mean = self.x_mean + dx * (other.weight / total)
        merged.y_mean = self.y_mean + dy * (other.weight / total)
        merged.xx = self.xx + other.xx + factor * np.outer(dx, dx)
        merged.xy = self.xy + other.xy + factor * np.outer(dx, dy)
        merged.yy = self.yy + other.yy + factor * dy**2
        return merged


class MultiTaskMoments:
    """Sufficient statistics of multi-task squared-loss data, built in chunks.

    In the shared layout (no ``task_column``) every chunk has the same
    features ``X`` for all tasks and ``Y`` with one column per task. With a
    ``task_column``, each row of ``X`` names its task and ``y`` is 1-D; the
    statistics are kept per task (a (d, d) matrix each). Memory is
    O(d^2) (shared) or O(T d^2) (per task), whatever the number of rows.

    Parameters
    ----------
    task_column : int or str, default=None
        Column of ``X`` holding each row's task label, as in
        :class:`~skmtl.MultiTaskRegressor`.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of ``X`` (the task column included).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X``, when the first chunk is a DataFrame.
    n_samples_seen_ : int
        Number of rows accumulated.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.outofcore import MultiTaskMoments
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((1000, 5)), rng.standard_normal((1000, 3))
    >>> stats = MultiTaskMoments()
    >>> for start in range(0, 1000, 300):  # chunks of 300 rows
    ...     stats = stats.partial_fit(X[start:start + 300], Y[start:start + 300])
    >>> chunked = MultiTaskRegressor(alpha=0.01).fit_from_statistics(stats)
    >>> in_memory = MultiTaskRegressor(alpha=0.01).fit(X, Y)
    >>> bool(np.allclose(chunked.coef_, in_memory.coef_, atol=1e-6))
    True
    """

    def __init__(self, task_column=None):
        self.task_column = task_column

    # ------------------------------------------------------------ building
    def partial_fit(self, X, y, sample_weight=None):
        """Add a chunk of rows to the statistics.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_columns)
            The chunk's features (and task column, if any).
        y : array-like of shape (n_rows,) or (n_rows, n_tasks)
            The chunk's targets (numbers; no NaN).
        sample_weight : array-like of shape (n_rows,), default=None
            Non-negative weight of each row.

        Returns
        -------
        self : MultiTaskMoments
            The updated statistics.
        """
        features, labels, Y, weight = self._validated_chunk(X, y, sample_weight)
        if labels is None:
            chunk = {None: _Moments.of_chunk(features, Y, weight)}
        else:
            tasks, index = task_indices(labels)
            chunk = {
                task: _Moments.of_chunk(
                    features[index == t], Y[index == t], weight[index == t]
                )
                for t, task in enumerate(tasks.tolist())
            }
        self._merge_groups(chunk)
        self.n_samples_seen_ = getattr(self, "n_samples_seen_", 0) + Y.shape[0]
        return self

    def _validated_chunk(self, X, y, sample_weight):
        names = getattr(X, "columns", None)
        n_columns = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else None
        if hasattr(self, "n_features_in_"):
            if n_columns != self.n_features_in_:
                raise ValueError(
                    f"X has {n_columns} columns, but the statistics so far have "
                    f"{self.n_features_in_}: every chunk must have the same columns."
                )
        elif n_columns is not None:
            self.n_features_in_ = n_columns
            if names is not None and all(isinstance(n, str) for n in names):
                self.feature_names_in_ = np.asarray(names, dtype=object)
        labels = None
        if self.task_column is not None:
            X, labels = split_task_column(X, self.task_column)
        X = check_array(X, accept_sparse=("csr", "csc"), dtype=np.float64)
        Y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if not hasattr(self, "_single_task"):
            self._single_task = Y.ndim == 1
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different numbers of rows: {X.shape[0]} and "
                f"{Y.shape[0]}."
            )
        if labels is not None and Y.shape[1] != 1:
            raise ValueError(
                "With task_column set, y must be 1-D (one target per row), got "
                f"shape {Y.shape}."
            )
        groups = getattr(self, "_groups", None)
        if groups and labels is None:
            expected = next(iter(groups.values())).y_mean.size
            if Y.shape[1] != expected:
                raise ValueError(
                    f"y has {Y.shape[1]} columns, but earlier chunks had {expected}."
                )
        if sample_weight is None:
            weight = np.ones(X.shape[0])
        elif X.shape[0] == 0:
            weight = np.zeros(0)
        else:
            weight = check_sample_weight(sample_weight, X.shape[0], rescale=False)
        return X, labels, Y, weight

    def _merge_groups(self, groups):
        mine = getattr(self, "_groups", None)
        if mine is None:
            self._groups = dict(groups)
            return
        for key, moments in groups.items():
            mine[key] = mine[key].merge(moments) if key in mine else moments

    def merge(self, other):
        """Add the statistics of another :class:`MultiTaskMoments` (other rows).

        Parameters
        ----------
        other : MultiTaskMoments
            Statistics of other rows, with the same columns and layout.

        Returns
        -------
        self : MultiTaskMoments
            The statistics of both sets of rows.
        """
        if not hasattr(other, "_groups"):
            return self
        if other.task_column != self.task_column:
            raise ValueError("Cannot merge statistics of different layouts.")
        if not hasattr(self, "_groups"):
            self._single_task = other._single_task
            self.n_features_in_ = other.n_features_in_
            if hasattr(other, "feature_names_in_"):
                self.feature_names_in_ = other.feature_names_in_
        elif other.n_features_in_ != self.n_features_in_:
            raise ValueError(
                f"Cannot merge statistics of {other.n_features_in_} and "
                f"{self.n_features_in_} columns."
            )
        self._merge_groups(other._groups)
        self.n_samples_seen_ = getattr(self, "n_samples_seen_", 0) + getattr(
            other, "n_samples_seen_", 0
        )
        return self

    @classmethod
    def from_dask(cls, X, y, sample_weight=None, *, task_column=None):
        """Reduce dask collections blockwise (on the cluster, if one is active).

        Each block of rows is reduced to its statistics where it lives, and
        the statistics are merged in a tree; only (d, d) matrices travel.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame
            Features (and task column), chunked by rows only.
        y : dask.array.Array or dask.dataframe.Series or DataFrame
            Targets, with the same row blocks as ``X``.
        sample_weight : dask.array.Array or dask.dataframe.Series, default=None
            Row weights, with the same row blocks as ``X``.
        task_column : int or str, default=None
            Column of ``X`` holding each row's task label.

        Returns
        -------
        statistics : MultiTaskMoments
            The statistics of all the rows.
        """
        import dask

        blocks_X = row_blocks(X, "X")
        blocks_y = row_blocks(y, "y")
        blocks_w = (
            [None] * len(blocks_X)
            if sample_weight is None
            else row_blocks(sample_weight, "sample_weight")
        )
        if not len(blocks_X) == len(blocks_y) == len(blocks_w):
            raise ValueError(
                "X, y and sample_weight must have the same row blocks; rechunk "
                "them alike (e.g. y.rechunk(X.chunks[0]))."
            )
        parts = [
            dask.delayed(_reduce_block)(task_column, Xb, yb, wb)
            for Xb, yb, wb in zip(blocks_X, blocks_y, blocks_w, strict=True)
        ]
        # The blocks reduce to MultiTaskMoments; the total, merged into an
        # empty instance of the class called, has that class (a subclass's
        # __init__ then runs once, on the driver, not once per block).
        return cls(task_column).merge(tree_reduce(parts, _merge_pair))

    # ------------------------------------------------------------ reading
    def _check_fitted(self):
        if not hasattr(self, "_groups"):
            raise ValueError(
                "These statistics hold no rows yet: call partial_fit (or "
                "from_dask) before fitting from them."
            )

    @property
    def tasks_(self):
        """Task labels, sorted (or ``0, ..., n_tasks - 1`` in the shared layout)."""
        self._check_fitted()
        if self.task_column is None:
            return np.arange(self._groups[None].y_mean.size)
        return np.asarray(sorted(self._groups), dtype=object if self._mixed() else None)

    def _mixed(self):
        return len({type(key) for key in self._groups}) > 1

    def _task_moments(self):
        """Per task: its moments object and the column of ``y`` it reads."""
        if self.task_column is None:
            moments = self._groups[None]
            return [(moments, t) for t in range(moments.y_mean.size)]
        return [(self._groups[key], 0) for key in sorted(self._groups)]

    def design_statistics(self, fit_intercept=True, task_weighting="observations"):
        """The weighted statistics of the objective, per column of ``W``.

        Parameters
        ----------
        fit_intercept : bool, default=True
            Whether the statistics are centred (intercepts fitted).
        task_weighting : {"observations", "tasks"}, default="observations"
            The estimators' task weighting (task-column layout only).

        Returns
        -------
        gram : ndarray of shape (d, d) or (n_tasks, d, d)
            :math:`X_c^\\top D X_c`, shared or per task.
        cross : ndarray of shape (d, n_tasks)
            :math:`X_c^\\top D Y_c`.
        variation : float
            :math:`\\sum w (y - \\bar y)^2` over all observations.
        y_mean : ndarray of shape (n_tasks,)
            Weighted target means (zeros without intercept).
        x_mean : ndarray of shape (d, n_tasks)
            Weighted feature means of each task's rows (zeros without
            intercept).
        """
        self._check_fitted()
        entries = self._task_moments()
        n_tasks = len(entries)
        if self.task_column is None:
            scales = np.full(n_tasks, 1.0 / entries[0][0].weight)
        elif task_weighting == "observations":
            total = sum(moments.weight for moments, _ in entries)
            scales = np.full(n_tasks, n_tasks / total)
        else:
            scales = np.array([1.0 / moments.weight for moments, _ in entries])
        grams, crosses, variation = [], [], 0.0
        y_means, x_means = np.zeros(n_tasks), []
        for t, (moments, column) in enumerate(entries):
            xx, xy = moments.xx, moments.xy[:, column]
            yy = moments.yy[column]
            x_mean, y_mean = moments.x_mean, moments.y_mean[column]
            if fit_intercept:
                y_means[t] = y_mean
                x_means.append(x_mean)
            else:  # raw products: centred ones plus the mean terms
                xx = xx + moments.weight * np.outer(x_mean, x_mean)
                xy = xy + moments.weight * x_mean * y_mean
                yy = yy + moments.weight * y_mean**2
                x_means.append(np.zeros_like(x_mean))
            grams.append(scales[t] * xx)
            crosses.append(scales[t] * xy)
            variation += scales[t] * yy
        gram = grams[0] if self.task_column is None else np.stack(grams)
        return (
            gram,
            np.column_stack(crosses),
            variation,
            y_means,
            np.column_stack(x_means),
        )


def _reduce_block(task_column, X, y, sample_weight):
    """The statistics of one block of rows (run where the block lives)."""
    return MultiTaskMoments(task_column).partial_fit(X, y, sample_weight)


def _merge_pair(first, second):
    """The statistics of two sets of rows (a node of the reduction tree)."""
    return first.merge(second)


class MultiTaskGram(MultiTaskMoments):
    """Deprecated alias of :class:`MultiTaskMoments`.

    .. deprecated:: 0.1
        ``MultiTaskGram`` was renamed :class:`MultiTaskMoments`: it holds the
        moments of the data (counts, means, centred co-moments), not a Gram
        matrix. The alias will be removed in a later release.

    Parameters
    ----------
    task_column : int or str, default=None
        Column of ``X`` holding each row's task label.
    """

    def __init__(self, task_column=None):
        warnings.warn(
            "MultiTaskGram is deprecated and will be removed in a later release; "
            "use MultiTaskMoments (same parameters and methods) instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(task_column)
