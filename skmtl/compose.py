"""Preprocessing in front of a task-column estimator.

A model with ``task_column="school"`` reads each row's task from a column of
``X``, so whatever transforms ``X`` before it must hand that column over
untouched and under its own name. scikit-learn's
:class:`~sklearn.compose.ColumnTransformer` does neither by default: it drops
the columns its transformers do not list (``remainder="drop"``), outputs
NumPy arrays without names, and, with pandas output, renames a passed-through
column ``remainder__school``; a numeric transformer that selects it scales
the ids (a ``StandardScaler`` turns school 7 into -1.62).
:func:`make_task_column_transformer` builds the one ColumnTransformer that
keeps the task column as it is.
"""

import numpy as np
from sklearn.compose import ColumnTransformer, make_column_transformer

__all__ = ["make_task_column_transformer"]

_OUTPUTS = ("pandas", "polars")


class _WithoutTaskColumn:
    """A callable column selector that never selects the task column.

    Parameters
    ----------
    selector : callable
        The selector it wraps, e.g. :func:`~sklearn.compose.make_column_selector`.
    task_column : str
        The task column's name.
    """

    def __init__(self, selector, task_column):
        self.selector = selector
        self.task_column = task_column

    def __call__(self, X):
        selected = self.selector(X)
        if isinstance(selected, str):
            selected = [selected]
        names = list(getattr(X, "columns", []))
        if self.task_column not in names:
            return selected
        selected = np.asarray(selected)
        position = names.index(self.task_column)
        if selected.dtype == bool:
            selected = selected.copy()
            selected[position] = False
            return selected
        if selected.dtype.kind in "iu":
            return [int(i) for i in selected if i % len(names) != position]
        return [name for name in selected.tolist() if name != self.task_column]

    def __repr__(self):
        return f"{self.selector!r} without {self.task_column!r}"


def _without_task_column(columns, task_column, name):
    """``columns`` of one transformer, checked or wrapped to leave out the task."""
    if callable(columns):
        return _WithoutTaskColumn(columns, task_column)
    listed = [columns] if isinstance(columns, str) else columns
    if isinstance(listed, (list, tuple, np.ndarray)) and any(
        isinstance(column, str) and column == task_column for column in listed
    ):
        raise ValueError(
            f"The columns of transformer {name!r} include the task column "
            f"{task_column!r}. make_task_column_transformer passes the task "
            "column through untouched by itself; remove it from that list."
        )
    return columns


def make_task_column_transformer(
    *transformers,
    task_column,
    remainder="drop",
    output="pandas",
    n_jobs=None,
    verbose=False,
):
    """A ColumnTransformer that passes the task column through untouched.

    Use it in front of an estimator with a ``task_column``, as
    ``make_pipeline(make_task_column_transformer(...), MultiTaskRegressor(
    task_column="school"))``: the transformers see the feature columns only,
    and the output holds the task column unchanged, under its own name, next
    to the transformed features. It is a plain
    :class:`~sklearn.compose.ColumnTransformer` with three settings fixed:

    - the task column is passed through first, by a transformer named
      ``"task_column"``; a column list of another transformer that names it
      is an error, and a callable selector (such as
      :func:`~sklearn.compose.make_column_selector`, which would pick integer
      ids as numbers) is wrapped so that it never selects it;
    - ``verbose_feature_names_out=False``: output columns keep their names
      (no ``remainder__`` prefix), so ``task_column`` names the same column
      before and after, and transformers must give distinct names;
    - dataframe output (``set_output(transform=output)``), so the names reach
      the estimator.

    This keeps the data's one source of truth, the task column, in ``X``: the
    estimator, :class:`~skmtl.model_selection.TaskKFold`, ``GridSearchCV`` and
    ``cross_val_score`` all read it there, with no metadata to route through
    the pipeline, and the same pipeline predicts on new rows with their tasks.

    Parameters
    ----------
    *transformers : tuples
        ``(transformer, columns)`` pairs, as for
        :func:`~sklearn.compose.make_column_transformer`: a transformer (or
        ``"drop"``, ``"passthrough"``) and the columns it transforms (names, a
        callable selector, ...). The transformers are named after their
        classes, so grid-search parameters read ``columntransformer__
        standardscaler__with_mean`` in a pipeline.
    task_column : str
        Name of the task column, as given to the estimator.
    remainder : {"drop", "passthrough"} or transformer, default="drop"
        What happens to the columns that no transformer lists (the task
        column is never among them).
    output : {"pandas", "polars"}, default="pandas"
        The dataframe library of the output (the library must be installed).
    n_jobs : int, default=None
        Number of transformers fitted in parallel, as in ColumnTransformer.
    verbose : bool, default=False
        Print the time of each transformer's fit, as in ColumnTransformer.

    Returns
    -------
    transformer : sklearn.compose.ColumnTransformer
        The unfitted transformer; its output has the task column first, then
        the transformed features.

    See Also
    --------
    skmtl.MultiTaskRegressor : An estimator with a ``task_column``.
    skmtl.model_selection.TaskKFold : Folds that keep every task in training.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.compose import make_task_column_transformer
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"hours": rng.uniform(0, 40, 60),
    ...                   "school": np.repeat([3, 7, 9], 20)})
    >>> y = X["hours"] / 10 + X["school"] + rng.standard_normal(60)
    >>> scale = make_task_column_transformer(
    ...     (StandardScaler(), ["hours"]), task_column="school")
    >>> scale.fit_transform(X).columns.tolist()
    ['school', 'hours']
    >>> model = make_pipeline(scale, MultiTaskRegressor(task_column="school"))
    >>> model.fit(X, y)[-1].tasks_
    array([3, 7, 9])
    """
    if not isinstance(task_column, str):
        raise ValueError(
            "task_column must be the name of the task column (a string), got "
            f"{task_column!r}: positions change as columns are transformed."
        )
    if output not in _OUTPUTS:
        valid = ", ".join(repr(name) for name in _OUTPUTS)
        raise ValueError(
            f"output must be one of {valid}, got {output!r}: the estimator finds "
            "the task column by its name, which arrays do not have."
        )
    named = make_column_transformer(*transformers).transformers
    named = [
        (name, transformer, _without_task_column(columns, task_column, name))
        for name, transformer, columns in named
    ]
    transformer = ColumnTransformer(
        [("task_column", "passthrough", [task_column]), *named],
        remainder=remainder,
        verbose_feature_names_out=False,
        n_jobs=n_jobs,
        verbose=verbose,
    )
    return transformer.set_output(transform=output)
