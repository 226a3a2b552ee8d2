"""Internal forms of multi-task data: the only module that knows the layouts.

Every layout stores its observed *entries* (a sample seen through one column of
``W``) and gives the few operations a solver needs:

- ``forward(W)``: the score of every entry, :math:`x_i^\\top W_{:,c} -
  \\bar x_c^\\top W_{:,c}`;
- ``adjoint(U)``: the transpose map back to an (n_features, n_columns) matrix;
- ``column_sum(U)`` and ``spread(c)``: sums of entries per column, and a
  per-column vector broadcast to the entries (the intercepts);
- ``blocks``: the groups of entries sharing one loss, each with a writable
  ``view`` of an entry array and a ``grouping`` (sums per column inside it).

Two layouts exist:

- :class:`SharedDesign`: one ``X`` (n, d) for all columns; entries are the
  (n, C) matrix, missing targets have weight zero;
- :class:`TaskRowsDesign`: each task has its own rows; rows are stored
  grouped by task and entries form a 1-D array, so one pass costs O(nnz(X))
  and never O(n x d x T).

``X`` is centred per column by the weighted means of the rows that column
observes, without materialising the centring (sparse ``X`` stays sparse). This
is a change of variable ``b = c - x_offset_c^T W_c``: it leaves the optimum
unchanged and makes the squared-loss intercepts decouple from ``W``.

Weights are final: the layouts receive them already normalised (see
:func:`observation_weights`).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

# Power iteration for the largest eigenvalue of the weighted Gram operator: it
# only seeds the solver's line search (which corrects an underestimate), so a
# loose relative accuracy suffices.
_POWER_ITERATIONS = 30
_POWER_RTOL = 1e-2

TASK_WEIGHTINGS = ("observations", "tasks")


def observation_weights(sample_weight, observed_task, n_tasks, task_weighting):
    """Normalised weight of every observation (a sample seen by one task).

    Parameters
    ----------
    sample_weight : ndarray of shape (n_observations,)
        Non-negative weight of each observation's sample.
    observed_task : ndarray of shape (n_observations,)
        Task index of each observation.
    n_tasks : int
        Number of tasks ``T``.
    task_weighting : {"observations", "tasks"}
        ``"observations"``: every observation counts equally,
        ``w = T s / sum(s)``; ``"tasks"``: every task counts equally,
        ``w = s / sum_{task} s``. Both give weights summing to ``T``, and they
        coincide when all tasks have the same total sample weight.

    Returns
    -------
    weights : ndarray of shape (n_observations,)
        The weights ``w`` of the data term ``sum_i w_i loss_i``.
    """
    if task_weighting == "observations":
        return n_tasks * sample_weight / np.sum(sample_weight)
    per_task = np.bincount(observed_task, weights=sample_weight, minlength=n_tasks)
    return sample_weight / per_task[observed_task]


class ColumnGrouping:
    """Grouping of a 2-D entry view whose columns are columns of ``W``."""

    def __init__(self, columns):
        self.columns = columns

    def sum(self, B):
        """Sum of each column of the view."""
        return B.sum(axis=0)

    def spread(self, values):
        """Broadcast one value per column to the view's shape."""
        return values[None, :]


class IndexGrouping:
    """Grouping of an (m, 1) entry view whose rows belong to various columns."""

    def __init__(self, columns, group):
        self.columns = columns
        self.group = group

    def sum(self, B):
        """Sum of the entries of each column."""
        return np.bincount(self.group, weights=B[:, 0], minlength=self.columns.size)

    def spread(self, values):
        """Each entry's column value, shape (m, 1)."""
        return values[self.group][:, None]


class Block:
    """Entries sharing one loss: a view into entry arrays and their grouping."""

    def __init__(self, loss, view, grouping):
        self.loss = loss
        self.view = view
        self.grouping = grouping


class InterceptMap:
    """Intercepts of the uncentred model from those of the centred one.

    A model centred by the feature means ``x_offset`` (n_features, n_columns)
    has intercepts ``c``; the original model has ``b = c - x_offset_c^T W_c``.
    The layouts below are such maps; a fit that has no layout (from
    statistics, on dask blocks) uses this class alone.

    Parameters
    ----------
    x_offset : ndarray of shape (n_features, n_columns)
        Feature means of each column's rows (zeros when nothing is centred).
    """

    def __init__(self, x_offset):
        self.x_offset = x_offset
        self.n_features, self.n_columns = x_offset.shape

    def intercept(self, W, c):
        """Intercepts ``b`` of the original (uncentred) model."""
        return c - np.einsum("jc,jc->c", self.x_offset, W)

    def offset(self, W, b):
        """Inverse of :meth:`intercept`: the centred-model intercepts ``c``."""
        return b + np.einsum("jc,jc->c", self.x_offset, W)


class _Layout(InterceptMap):
    """Centring and the Gram eigenvalue, from raw maps."""

    def _init_offsets(self, fit_intercept):
        self.fit_intercept = fit_intercept
        if fit_intercept and self.columns_alike:  # one column of weights suffices
            first = self.weights[:, :1]
            offset = self._raw_adjoint(first) / first.sum()
            self.x_offset = np.broadcast_to(offset, (self.n_features, self.n_columns))
        elif fit_intercept:
            total = self.column_sum(self.weights)
            self.x_offset = self._raw_adjoint(self.weights) / total
        else:
            self.x_offset = np.zeros((self.n_features, self.n_columns))

    def restrict(self, features):
        """The same layout on a subset of the features (rows of ``W``)."""
        if np.array_equal(features, np.arange(self.n_features)):  # all, in order
            return self  # no copy of X
        X = self.X[:, features]
        return type(self)(X, *self._arguments)

    def forward(self, W):
        """Scores of the centred design for every entry."""
        shift = np.einsum("jc,jc->c", self.x_offset, W)
        return self._raw_forward(W) - self.spread(shift)

    def adjoint(self, U):
        """Transpose of :meth:`forward`, shape (n_features, n_columns)."""
        return self._raw_adjoint(U) - self.x_offset * self.column_sum(U)

    def gram_eigenvalue(self, with_intercept):
        """Largest eigenvalue of :math:`A^\\top \\operatorname{diag}(w) A`.

        ``A`` maps ``(W, c)`` to the entry scores (``c`` only when
        ``with_intercept``); the operator is block diagonal over the columns,
        so power iteration on one column suffices when every column has the
        same weights and design (:attr:`columns_alike`).
        """
        n_columns = 1 if self.columns_alike else self.n_columns
        rng = np.random.default_rng(0)
        v = rng.standard_normal((self.n_features, self.n_columns))
        v[:, n_columns:] = 0.0
        v_c = np.zeros(self.n_columns)
        v_c[:n_columns] = 1.0 if with_intercept else 0.0
        eigenvalue = 0.0
        for _ in range(_POWER_ITERATIONS):
            norm = np.sqrt(np.sum(v**2) + np.sum(v_c**2))
            if norm == 0:
                return 0.0
            v, v_c = v / norm, v_c / norm
            u = self.weights * (self.forward(v) + self.spread(v_c))
            v, v_c = self.adjoint(u), self.column_sum(u) * with_intercept
            previous, eigenvalue = eigenvalue, np.sqrt(np.sum(v**2) + np.sum(v_c**2))
            if abs(eigenvalue - previous) <= _POWER_RTOL * eigenvalue:
                break
        return float(eigenvalue)


def _stored_entries(X):
    """The entries of ``X`` a product touches: ``nnz`` if sparse, else all."""
    return X.nnz if sp.issparse(X) else X.size


class SharedDesign(_Layout):
    """One design matrix ``X`` (n, d) shared by all columns.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design, float64.
    targets : ndarray of shape (n_samples, n_columns)
        Numeric targets, one column per task (or per class of a multi-class
        task, one-hot encoded); any finite value where the weight is zero.
    weights : ndarray of shape (n_samples, n_columns)
        Final observation weights; zero for missing targets.
    task_losses : list of (width, loss)
        For each task, its number of columns and its loss, in column order.
    fit_intercept : bool
        Whether intercepts are fitted, and hence whether ``X`` is centred.
    """

    def __init__(self, X, targets, weights, task_losses, fit_intercept):
        self._arguments = (targets, weights, task_losses, fit_intercept)
        self.X = X
        self.targets = targets
        self.weights = weights
        self.n_features = X.shape[1]
        self.n_columns = targets.shape[1]
        self.columns_alike = bool(np.all(weights == weights[:, :1]))
        # Multiply-adds of a forward and an adjoint product.
        self.product_size = 2.0 * _stored_entries(X) * self.n_columns
        self.blocks = self._make_blocks(task_losses)
        self._init_offsets(fit_intercept)

    @staticmethod
    def _make_blocks(task_losses):
        # Consecutive tasks with the same entry-wise loss share one block.
        spans, start = [], 0
        for width, loss in task_losses:
            stop = start + width
            entrywise = width == 1
            if entrywise and spans and spans[-1][2] is loss.__class__:
                spans[-1] = (spans[-1][0], stop, loss.__class__, spans[-1][3])
            else:
                spans.append((start, stop, loss.__class__ if entrywise else None, loss))
            start = stop
        blocks = []
        for start, stop, _, loss in spans:
            columns = np.arange(start, stop)

            def view(A, start=start, stop=stop):
                return A[:, start:stop]

            blocks.append(Block(loss, view, ColumnGrouping(columns)))
        return blocks

    def _raw_forward(self, W):
        return safe_sparse_dot(self.X, W, dense_output=True)

    def _raw_adjoint(self, U):
        return safe_sparse_dot(self.X.T, U, dense_output=True)

    def column_sum(self, U):
        """Sum of the entries of each column, shape (n_columns,)."""
        return U.sum(axis=0)

    def spread(self, values):
        """One value per column, broadcast to the entries."""
        return values[None, :]


class TaskRowsDesign(_Layout):
    """Each task its own rows: ``X`` (n, d) with one task per row.

    Rows are stored grouped: first the rows of the tasks with one column
    (regression, binary), task by task, then each multi-class task's rows.
    An entry is one (row, column) pair: one per row for a one-column task and
    ``K`` per row (row-major) for a ``K``-class task.

    Parameters
    ----------
    X : ndarray or sparse CSR matrix of shape (n_rows, n_features)
        Validated design, float64, rows already grouped as described.
    row_task : ndarray of shape (n_rows,)
        Task index of each row (non-decreasing within each group).
    targets : ndarray of shape (n_entries,)
        Numeric target of each entry.
    weights : ndarray of shape (n_entries,)
        Final weight of each entry (the row's weight, repeated for classes).
    task_losses : list of (width, loss)
        For each task, its number of columns and its loss; task ``t`` owns the
        columns ``sum(widths[:t])`` to ``sum(widths[:t+1])``.
    fit_intercept : bool
        Whether intercepts are fitted, and hence whether ``X`` is centred.
    """

    def __init__(self, X, row_task, targets, weights, task_losses, fit_intercept):
        self._arguments = (row_task, targets, weights, task_losses, fit_intercept)
        widths = np.array([width for width, _ in task_losses])
        first_column = np.concatenate([[0], np.cumsum(widths)[:-1]])
        narrow = widths[row_task] == 1
        self.n_narrow = n_narrow = int(np.sum(narrow))
        if n_narrow and not np.all(narrow[:n_narrow]):
            raise ValueError("rows of one-column tasks must come first")
        self.X = X
        self.targets = targets
        self.weights = weights
        self.n_features = X.shape[1]
        self.n_columns = int(widths.sum())
        self.columns_alike = False
        # Each row meets only its own task's columns.
        self.product_size = 2.0 * _stored_entries(X) * int(widths.max(initial=1))

        # Rows of one-column tasks: one entry each, in column first_column[t].
        self.narrow_column = first_column[row_task[:n_narrow]]
        self._X_narrow = X[:n_narrow]
        self._narrow_indptr = np.arange(n_narrow + 1)
        if sp.issparse(X):
            X_narrow = self._X_narrow
            self._nz_row = np.repeat(np.arange(n_narrow), np.diff(X_narrow.indptr))
            self._nz_flat = (
                X_narrow.indices * self.n_columns + (self.narrow_column[self._nz_row])
            )
        elif n_narrow:
            # The narrow rows come column by column: the adjoint sums each
            # column's run of rows (one pass, no sparse matrix to build).
            column = self.narrow_column
            self._narrow_starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
            self._narrow_present = column[self._narrow_starts]
        # Multi-class tasks: a contiguous row range and entry range each.
        self._wide = []
        entry = n_narrow
        row = n_narrow
        for task in np.unique(row_task[n_narrow:]):
            n_rows = int(np.sum(row_task[n_narrow:] == task))
            width = int(widths[task])
            columns = np.arange(first_column[task], first_column[task] + width)
            rows = slice(row, row + n_rows)
            entries = slice(entry, entry + n_rows * width)
            self._wide.append((X[rows], columns, entries))
            row += n_rows
            entry += n_rows * width
        wide_columns = [np.tile(cols, X_t.shape[0]) for X_t, cols, _ in self._wide]
        self.entry_column = np.concatenate([self.narrow_column, *wide_columns]).astype(
            np.intp
        )
        self.blocks = self._make_blocks(task_losses, row_task)
        self._init_offsets(fit_intercept)

    def _make_blocks(self, task_losses, row_task):
        blocks = []
        n_narrow = self.n_narrow
        if n_narrow:
            narrow_tasks = np.unique(row_task[:n_narrow])
            loss_classes = {task_losses[t][1].__class__ for t in narrow_tasks}
            if len(loss_classes) != 1:
                raise ValueError("one-column tasks must share one loss")
            columns = np.unique(self.narrow_column)
            group = np.searchsorted(columns, self.narrow_column)

            def narrow_view(A):
                return A[:n_narrow, None]

            loss = task_losses[narrow_tasks[0]][1]
            blocks.append(Block(loss, narrow_view, IndexGrouping(columns, group)))
        task_of_column = np.repeat(
            np.arange(len(task_losses)), [w for w, _ in task_losses]
        )
        for _, columns, entries in self._wide:

            def wide_view(A, entries=entries, width=columns.size):
                return A[entries].reshape(-1, width)

            loss = task_losses[task_of_column[columns[0]]][1]
            blocks.append(Block(loss, wide_view, ColumnGrouping(columns)))
        return blocks

    def _raw_forward(self, W):
        n_narrow = self.n_narrow
        Z = np.empty(self.entry_column.size)
        if n_narrow:
            if sp.issparse(self.X):
                products = self._X_narrow.data * W.ravel()[self._nz_flat]
                Z[:n_narrow] = np.bincount(self._nz_row, products, minlength=n_narrow)
            else:
                gathered = W[:, self.narrow_column]
                Z[:n_narrow] = np.einsum("ij,ji->i", self._X_narrow, gathered)
        for X_task, columns, entries in self._wide:
            Z[entries] = safe_sparse_dot(
                X_task, W[:, columns], dense_output=True
            ).ravel()
        return Z

    def _raw_adjoint(self, U):
        n_narrow = self.n_narrow
        G = np.zeros((self.n_features, self.n_columns))
        if n_narrow:
            if sp.issparse(self.X):
                products = self._X_narrow.data * U[self._nz_row]
                G += np.bincount(self._nz_flat, products, minlength=G.size).reshape(
                    G.shape
                )
            else:
                sums = np.add.reduceat(
                    self._X_narrow * U[:n_narrow, None], self._narrow_starts, axis=0
                )
                G[:, self._narrow_present] += sums.T
        for X_task, columns, entries in self._wide:
            U_task = U[entries].reshape(-1, columns.size)
            G[:, columns] += safe_sparse_dot(X_task.T, U_task, dense_output=True)
        return G

    @property
    def has_column_statistics(self):
        """Whether :meth:`column_statistics` applies: one column per task, centred."""
        return self.fit_intercept and self.n_narrow == self.entry_column.size

    def column_statistics(self):
        """The sufficient statistics of a squared loss, column by column.

        Each column's rows are contiguous (one-column tasks come task by
        task), so each statistic is a pass over that column's rows.

        Returns
        -------
        gram : ndarray of shape (n_columns, n_features, n_features)
            Weighted Gram matrix of each column's centred rows.
        cross : ndarray of shape (n_features, n_columns)
            Weighted products of the centred rows and the targets.
        variation : ndarray of shape (n_columns,)
            Weighted sum of squares of each column's centred targets.
        mean : ndarray of shape (n_columns,)
            Weighted mean target of each column.
        total : ndarray of shape (n_columns,)
            Sum of each column's weights.
        """
        if getattr(self, "_column_statistics", None) is None:  # computed once
            self._column_statistics = self._compute_column_statistics()
        return self._column_statistics

    def _compute_column_statistics(self):
        n, d, n_columns = self.n_narrow, self.n_features, self.n_columns
        starts = np.flatnonzero(
            np.r_[True, self.narrow_column[1:] != self.narrow_column[:-1]]
        )
        stops = np.r_[starts[1:], n]
        gram = np.zeros((n_columns, d, d))
        cross = np.zeros((d, n_columns))
        variation = np.zeros(n_columns)
        mean = np.zeros(n_columns)
        total = np.zeros(n_columns)
        y, w = self.targets, self.weights
        for start, stop in zip(starts, stops, strict=True):
            column = self.narrow_column[start]
            rows = slice(start, stop)
            X_t, w_t, y_t = self.X[rows], w[rows], y[rows]
            S = w_t.sum()
            x_mean = self.x_offset[:, column]
            weighted = (
                X_t.multiply(w_t[:, None]) if sp.issparse(X_t) else X_t * w_t[:, None]
            )
            product = safe_sparse_dot(X_t.T, weighted, dense_output=True)
            product = product.toarray() if sp.issparse(product) else product
            gram[column] = product - S * np.outer(x_mean, x_mean)
            y_mean = float(w_t @ y_t) / S
            centred = y_t - y_mean
            cross[:, column] = safe_sparse_dot(
                weighted.T, centred, dense_output=True
            ).ravel()
            variation[column] = float(w_t @ centred**2)
            mean[column], total[column] = y_mean, S
        return gram, cross, variation, mean, total

    def column_sum(self, U):
        """Sum of the entries of each column, shape (n_columns,)."""
        return np.bincount(self.entry_column, weights=U, minlength=self.n_columns)

    def spread(self, values):
        """Each entry's column value, shape (n_entries,)."""
        return values[self.entry_column]
