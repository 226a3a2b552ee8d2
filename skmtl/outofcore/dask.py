"""Fits on dask collections: each estimator builds its datafit from the blocks.

:func:`fit_dask` knows no estimator: it asks the estimator for the datafit of
the dask data (its ``_dask_datafit`` method, which returns the datafit and the
task information) and lets it fit on that, through the same
``_fit_datafit`` as an in-memory fit. An estimator class that can fit dask
data implements ``_dask_datafit``; nothing here changes.
"""

import numpy as np

__all__ = ["fit_dask"]


def dask_task_labels(y, n_tasks):
    """Task labels of a dask target in the shared layout, as for pandas data.

    Parameters
    ----------
    y : dask.array.Array or dask.dataframe.Series or DataFrame
        The targets given to :func:`fit_dask`.
    n_tasks : int
        Number of tasks (columns of ``y``) the datafit found.

    Returns
    -------
    labels : ndarray of shape (n_tasks,)
        The column names of a DataFrame ``y`` (known without computing it),
        else ``0, ..., n_tasks - 1``.
    """
    columns = getattr(y, "columns", None)
    if columns is None or getattr(y, "ndim", 2) != 2:
        return np.arange(n_tasks)
    labels = np.asarray(columns)
    if labels.size != n_tasks:
        raise ValueError(
            f"y has {labels.size} columns but the data hold {n_tasks} tasks."
        )
    return labels


def fit_dask(estimator, X, y, sample_weight=None):
    """Fit a multi-task estimator on dask collections, block by block.

    - :class:`~skmtl.MultiTaskRegressor`: one pass reduces the data to
      :class:`MultiTaskMoments` statistics (:meth:`MultiTaskMoments.from_dask`),
      then the solver runs on the (d, d) statistics, exactly as
      :meth:`~skmtl.MultiTaskRegressor.fit_from_statistics` and as an
      in-memory fit.
    - :class:`~skmtl.MultiTaskClassifier` (binary tasks, shared design): the
      solver runs on the driver with the parameters ``(W, c)`` as its state;
      every objective or gradient is one pass over the blocks, each block
      returning a (d, T) gradient sum, reduced in a tree. About two passes per
      iteration (gradient at the extrapolated point, objective for the line
      search), plus two at the start (labels and curvature, null model). It
      stops on the prox-gradient residual (``tol``), not on a duality gap.
      Persist ``X`` on the cluster (``X.persist()``) when it fits in the
      cluster's memory, or every pass recomputes or re-reads the blocks.

    Parameters
    ----------
    estimator : MultiTaskRegressor or MultiTaskClassifier
        The estimator to fit (its parameters give the penalty, ``alpha``,
        ``l2``, ``tol``, ...).
    X : dask.array.Array or dask.dataframe.DataFrame
        Features, chunked by rows (with the task column for a regressor with
        ``task_column``).
    y : dask.array.Array or dask.dataframe.Series or DataFrame
        Targets, with the same row blocks as ``X``. The columns of a DataFrame
        are the tasks: their names become ``tasks_``, as with a pandas ``y``.
    sample_weight : dask.array.Array, default=None
        Row weights (regressor only).

    Returns
    -------
    estimator : MultiTaskRegressor or MultiTaskClassifier
        The fitted estimator.
    """
    # The estimator says whether and how it reads dask data (a capability),
    # so that a new estimator needs no change here.
    dask_datafit = getattr(estimator, "_dask_datafit", None)
    if dask_datafit is None:
        raise TypeError(
            "fit_dask fits a MultiTaskRegressor or a MultiTaskClassifier, got "
            f"{type(estimator).__name__}."
        )
    return estimator._fit_datafit(dask_datafit, X, y, sample_weight)
