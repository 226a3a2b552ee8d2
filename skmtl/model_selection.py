"""Cross-validation that keeps every task in every training fold."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from ._layout.tasks import label_codes, split_task_column, task_indices


class TaskKFold:
    """K-fold cross-validation stratified by task, and optionally by class.

    The rows of each task are spread over the folds as evenly as possible, so
    every test fold holds a share of every task and every task keeps rows in
    every training fold: a multi-task model never has to predict a task it was
    not fitted on. A task with a single row is never put in a test fold (it
    would leave its training fold empty); it stays in every training fold.

    With ``stratify=True`` the same holds for every class within every task:
    the rows of each (task, class) pair are spread over the folds like
    scikit-learn's :class:`~sklearn.model_selection.StratifiedKFold` spreads a
    class, and a class that a task has only once is never tested. So every
    training fold holds every class of every task, and a classifier never
    meets a task that lost a class in its training fold. The CV classifiers
    use it with a task column.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    task_column : int or str, default=None
        Column of ``X`` holding each row's task, as in the estimators. When
        None, the task labels are taken from the ``groups`` argument of
        :meth:`split`.
    shuffle : bool, default=False
        Whether to shuffle the rows of each task before assigning folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffling; ignored when ``shuffle=False``.
    stratify : bool, default=False
        Whether to spread each class of each task over the folds; the classes
        are the ``y`` given to :meth:`split` (1-D, one label per row; missing
        labels form a class of their own).

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.model_selection import TaskKFold
    >>> X = np.column_stack([np.arange(8.0), [0, 0, 0, 0, 1, 1, 1, 1]])
    >>> cv = TaskKFold(n_splits=2, task_column=1)
    >>> for train, test in cv.split(X):
    ...     print(train, test)
    [1 3 5 7] [0 2 4 6]
    [0 2 4 6] [1 3 5 7]

    Plain folds can leave a task with one class in a training fold (with the
    labels ``y`` below, the first fold above trains task 0 on rows 1 and 3,
    both labelled 1); stratified by class, each task keeps both classes:

    >>> y = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    >>> cv = TaskKFold(n_splits=2, task_column=1, stratify=True)
    >>> for train, test in cv.split(X, y):
    ...     print(train, test, y[train])
    [2 3 6 7] [0 1 4 5] [0 1 0 1]
    [0 1 4 5] [2 3 6 7] [0 1 1 0]
    """

    def __init__(
        self,
        n_splits=5,
        *,
        task_column=None,
        shuffle=False,
        random_state=None,
        stratify=False,
    ):
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
            raise ValueError(f"n_splits must be an integer, got {n_splits!r}.")
        if n_splits < 2:
            raise ValueError(f"n_splits must be at least 2, got {n_splits}.")
        self.n_splits = int(n_splits)
        self.task_column = task_column
        self.shuffle = shuffle
        self.random_state = random_state
        if not isinstance(stratify, (bool, np.bool_)):
            raise ValueError(f"stratify must be True or False, got {stratify!r}.")
        self.stratify = bool(stratify)

    def __repr__(self):
        return (
            f"TaskKFold(n_splits={self.n_splits}, task_column={self.task_column!r}, "
            f"shuffle={self.shuffle}, random_state={self.random_state!r}, "
            f"stratify={self.stratify})"
        )

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits.

        Parameters
        ----------
        X : object, default=None
            Ignored.
        y : object, default=None
            Ignored.
        groups : object, default=None
            Ignored.

        Returns
        -------
        n_splits : int
            The number of folds.
        """
        return self.n_splits

    def _task_labels(self, X, groups):
        if self.task_column is not None:
            return split_task_column(X, self.task_column)[1]
        if groups is None:
            raise ValueError(
                "TaskKFold needs the task of each row: set task_column, or pass the "
                "task labels as groups to split()."
            )
        return np.asarray(groups)

    def _strata(self, task, y):
        """Stratum of each row: its task, or (task, class) with ``stratify``."""
        if not self.stratify:
            return task
        if y is None:
            raise ValueError(
                "TaskKFold(stratify=True) spreads the classes of each task over "
                "the folds: pass the labels as y to split()."
            )
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != task.size:
            raise ValueError(
                "TaskKFold(stratify=True) needs a 1-D y with one label per row of "
                f"X ({task.size}), got shape {y.shape}."
            )
        classes = label_codes(y)  # -1 for a missing label
        return task * (classes.max(initial=-1) + 2) + classes + 1

    def split(self, X, y=None, groups=None):
        """Generate train and test indices, stratified by task.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Data, holding the task column when ``task_column`` is set.
        y : array-like of shape (n_samples,), default=None
            Class labels, used with ``stratify=True``; ignored otherwise.
        groups : array-like of shape (n_samples,), default=None
            Task labels of the rows, used when ``task_column`` is None.

        Yields
        ------
        train : ndarray
            Training row indices.
        test : ndarray
            Test row indices.
        """
        _, task = task_indices(self._task_labels(X, groups))
        stratum = self._strata(task, y)
        rng = check_random_state(self.random_state)
        fold = np.full(task.size, -1)
        order = np.argsort(stratum, kind="stable")
        starts = np.flatnonzero(np.diff(stratum[order], prepend=-1))
        next_fold = 0
        for rows in np.split(order, starts[1:]):
            if rows.size < 2:
                continue
            if self.shuffle:
                rows = rng.permutation(rows)
            # Continue the round robin across strata (the classes of a task,
            # then the next task) so that tasks and folds stay balanced too.
            fold[rows] = (next_fold + np.arange(rows.size)) % self.n_splits
            next_fold = (next_fold + rows.size) % self.n_splits
        for k in range(self.n_splits):
            yield np.flatnonzero(fold != k), np.flatnonzero(fold == k)
