"""Scores of multi-task predictions: per task, and pooled over tasks."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import accuracy_score, make_scorer, r2_score

from ._layout.tasks import _is_missing, split_task_column, task_indices

_METRICS = {"r2": r2_score, "accuracy": accuracy_score}


def pooled_explained_variance(y_true, y_pred, *, sample_weight=None):
    """Explained variance pooled over all observations of all tasks.

    .. math::

        1 - \\frac{\\operatorname{MSE}(y, \\hat y)}{\\operatorname{Var}(y)},

    with the mean squared error and the variance taken over every observed
    (sample, task) pair together, the convention of the multi-task literature
    on school data. For a 1-D ``y`` it equals :func:`~sklearn.metrics.r2_score`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_tasks)
        True targets; NaN entries (unobserved pairs) are left out.
    y_pred : array-like of the same shape
        Predictions.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample.

    Returns
    -------
    score : float
        The pooled explained variance (1 is perfect, 0 predicts the mean).

    Examples
    --------
    >>> from skmtl.metrics import pooled_explained_variance
    >>> pooled_explained_variance([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 3.0]])
    0.8
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}."
        )
    weight = np.ones(y_true.shape[0]) if sample_weight is None else sample_weight
    weight = np.broadcast_to(
        np.asarray(weight, dtype=np.float64).reshape((-1,) + (1,) * (y_true.ndim - 1)),
        y_true.shape,
    )
    observed = ~np.isnan(y_true)
    truth, prediction, weight = y_true[observed], y_pred[observed], weight[observed]
    mse = np.average((truth - prediction) ** 2, weights=weight)
    variance = np.average(
        (truth - np.average(truth, weights=weight)) ** 2, weights=weight
    )
    return float(1.0 - mse / variance)


pooled_explained_variance_scorer = make_scorer(pooled_explained_variance)
"""Scorer for ``GridSearchCV(scoring=...)`` and ``cross_val_score``."""


def per_task_scores(estimator, X, y, *, metric=None):
    """Score of each task separately.

    Parameters
    ----------
    estimator : estimator
        A fitted :class:`~skmtl.MultiTaskRegressor` or
        :class:`~skmtl.MultiTaskClassifier`, or a fitted
        :class:`~sklearn.pipeline.Pipeline` ending with one.
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        Samples (with the task column when the estimator has one).
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        True targets; NaN marks unobserved pairs and is left out.
    metric : {"r2", "accuracy"} or callable, default=None
        ``metric(y_true, y_pred)`` for one task; R^2 for regressors and accuracy
        for classifiers when None.

    Returns
    -------
    scores : dict
        Task label to score, for every task present in ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.metrics import per_task_scores
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    >>> scores = per_task_scores(MultiTaskRegressor().fit(X, Y), X, Y)
    >>> sorted(scores)
    [0, 1]
    """
    if metric is None:
        metric = "accuracy" if is_classifier(estimator) else "r2"
    if isinstance(metric, str):
        if metric not in _METRICS:
            valid = ", ".join(repr(name) for name in _METRICS)
            raise ValueError(f"Unknown metric {metric!r}. Valid metrics are: {valid}.")
        metric = _METRICS[metric]
    prediction = estimator.predict(X)
    final = estimator
    while hasattr(final, "steps"):  # a Pipeline: the task model is its last step
        final = final.steps[-1][1]
    y = np.asarray(y)
    scores = {}
    if final.task_column is not None:
        labels = split_task_column(X, final.task_column)[1]
        tasks, index = task_indices(labels)
        for position, task in enumerate(tasks.tolist()):
            rows = (index == position) & ~_is_missing(y)
            scores[task] = float(metric(y[rows], prediction[rows]))
        return scores
    Y = y.reshape(-1, 1) if y.ndim == 1 else y
    P = prediction.reshape(-1, 1) if prediction.ndim == 1 else prediction
    for column, task in enumerate(final.tasks_.tolist()):
        rows = ~_is_missing(Y[:, column])
        scores[task] = float(metric(Y[rows, column], P[rows, column]))
    return scores
