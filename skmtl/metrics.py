"""Scores of multi-task predictions: per task, averaged over tasks, pooled.

Multi-task scores are computed task by task, on the observed targets of each
task only (NaN, None and pandas' NA mark a missing target and are skipped; a
row keeps its other targets), and averaged over tasks with the weights of the
estimator's ``task_weighting``: ``"observations"`` weighs each task by its
number of observed targets (the total sample weight of its observed rows),
``"tasks"`` weighs every task equally. Both layouts are read: ``Y`` with a
column per task, or a 1-D ``y`` with the task of each row in ``X``'s
``task_column``.

Scorers, for ``GridSearchCV(scoring=...)``, ``cross_val_score`` and the
``scoring`` of the CV estimators (``scorer(estimator, X, y,
sample_weight=None)``, greater is better):

- ``roc_auc_scorer``: mean per-task ROC AUC, one-vs-rest macro for a
  multi-class task;
- ``neg_log_loss_scorer``: mean per-task log loss, negated (the default
  selection criterion of :class:`~skmtl.MultiTaskClassifierCV`);
- ``accuracy_scorer`` and ``balanced_accuracy_scorer``: mean per-task
  (balanced) accuracy;
- ``r2_scorer``: mean per-task :math:`R^2`;
- ``pooled_explained_variance_scorer``: explained variance of all
  observations of all tasks together.

:func:`get_scorer` gives the scorer with the meaning of a scikit-learn scoring
name; :class:`MultiTaskScorer` builds one with a fixed task weighting.

Scikit-learn's own scoring strings score all tasks at once, which means
something in a few cases only. With a shared ``Y``:

- the regression strings (``"r2"``, ``"neg_mean_squared_error"``, ...) give
  the mean over tasks of a complete ``Y``, and fail with missing targets (use
  ``r2_scorer`` or the regressor's ``score``);
- ``"roc_auc"`` (and ``"f1_macro"`` and the like) give the unweighted mean
  over tasks of a complete ``Y`` of binary tasks; ``"accuracy"`` gives the
  subset accuracy (every task right at once); ``"neg_log_loss"`` gives a
  number that is no per-task log loss (a row's probabilities of all tasks read
  as one distribution); ``"balanced_accuracy"`` fails. Every classification
  string fails with a multi-class task or missing labels.

With a task column (a 1-D ``y``) every string scores all rows pooled as one
task: ``"accuracy"`` and ``"neg_log_loss"`` then equal ``accuracy_scorer``
and ``neg_log_loss_scorer`` with ``task_weighting="observations"``;
``"roc_auc"`` is one AUC of all rows together (it needs every task binary with
the same two classes), and ``"balanced_accuracy"`` is that of all rows, not a
mean over tasks. A string that fails gives NaN in ``cross_val_score`` and
``GridSearchCV`` (their ``error_score``).

:class:`~skmtl.MultiTaskClassifierCV` maps ``scoring="roc_auc"``,
``"roc_auc_ovr"``, ``"neg_log_loss"``, ``"accuracy"`` and
``"balanced_accuracy"`` to the scorers of this module.
"""

import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import check_scoring, make_scorer

from ._layout.tasks import (
    _is_missing,
    _pandas_na_as_none,
    rows_by_task,
    split_task_column,
    task_indices,
)
from .utils.validation import check_sample_weight

__all__ = [
    "MultiTaskScorer",
    "accuracy_scorer",
    "balanced_accuracy_scorer",
    "get_scorer",
    "mean_task_score",
    "neg_log_loss_scorer",
    "per_task_scores",
    "pooled_explained_variance",
    "pooled_explained_variance_scorer",
    "r2_scorer",
    "roc_auc_scorer",
]

# Named metrics of one task, and what each reads from the estimator.
_RESPONSE = {
    "roc_auc": "predict_proba",
    "log_loss": "predict_proba",
    "accuracy": "predict",
    "balanced_accuracy": "predict",
    "r2": "predict",
}
_CLASSIFICATION = ("roc_auc", "log_loss", "accuracy", "balanced_accuracy")
_TASK_WEIGHTINGS = ("observations", "tasks")
_UNDEFINED = {
    "roc_auc": "their held-out rows hold a single class",
    "r2": "they have fewer than two observed targets",
}


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


# ---------------------------------------------------------------- the tasks
def _final_estimator(estimator):
    """The task model: the last step of a (nested) Pipeline, or the estimator."""
    final = estimator
    while hasattr(final, "steps"):
        final = final.steps[-1][1]
    return final


def _task_labels(estimator, X):
    """The task of each row, read where the task model reads it.

    Through a Pipeline, that is the input of its last step: ``X`` transformed
    by the steps before it (a transformer that renames or moves the task column
    is then no different from what ``predict`` sees).
    """
    while hasattr(estimator, "steps"):
        if len(estimator.steps) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator.steps[-1][1]
    return split_task_column(X, estimator.task_column)[1]


def _own_dtype(values):
    """Values of an object array with the dtype of their kind (numbers, strings).

    Labels of a column of an object array (a DataFrame with columns of
    several kinds, missing labels as None) compare as their own type then.
    """
    values = np.asarray(values)
    if values.dtype == object:
        return np.asarray(values.tolist())
    return values


def _task_blocks(estimator, X, y, sample_weight, response):
    """The observed rows of every task, with the estimator's output for them.

    Yields ``(task, truth, output, classes, weight)`` for every task with an
    observed target in ``y``: the task label, its observed targets, the rows of
    ``response`` (``"predict"``: labels or values; ``"predict_proba"``: the
    probabilities over ``classes``, the task's classes), and the rows' sample
    weights (None without weights).
    """
    final = _final_estimator(estimator)
    y = np.asarray(_pandas_na_as_none(y))
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}.")
    weight = None
    if sample_weight is not None:  # scores take the weights as they are
        weight = check_sample_weight(sample_weight, y.shape[0], rescale=False)
    output = getattr(estimator, response)(X)
    missing = _is_missing(y)
    if getattr(final, "task_column", None) is not None:
        if y.ndim != 1:
            raise ValueError(
                f"With a task_column, y must be 1-D (one target per row), got shape "
                f"{y.shape}."
            )
        tasks, index = task_indices(_task_labels(estimator, X))
        tasks = tasks.tolist()
        if response == "predict_proba":
            fitted = {task: k for k, task in enumerate(final.tasks_.tolist())}
            # A task not seen in fit (unknown_task="mean") has the classes of
            # the fitted tasks (a single-class task is not among them).
            shared = next(
                (k for k, c in enumerate(final.task_classes_) if len(c) > 1), 0
            )
        for position, rows in rows_by_task(index):
            rows = rows[~missing[rows]]
            task, classes = tasks[position], None
            if response == "predict_proba":
                classes = final.task_classes_[fitted.get(task, shared)]
                block = output[rows][:, np.searchsorted(final.classes_, classes)]
            else:
                block = output[rows]
            yield (
                task,
                y[rows],
                block,
                classes,
                None if weight is None else weight[rows],
            )
        return
    Y = y.reshape(-1, 1) if y.ndim == 1 else y
    missing = missing.reshape(Y.shape)
    n_tasks = len(final.tasks_)
    if Y.shape[1] != n_tasks:
        raise ValueError(
            f"y has {Y.shape[1]} task column(s), but the model was fitted on "
            f"{n_tasks} tasks."
        )
    if response == "predict_proba":
        outputs = output if isinstance(output, list) else [output]
    else:
        output = np.asarray(output)
        outputs = list((output.reshape(-1, 1) if output.ndim == 1 else output).T)
    classes = getattr(final, "task_classes_", [None] * n_tasks)
    for t, task in enumerate(final.tasks_.tolist()):
        rows = np.flatnonzero(~missing[:, t])
        rows_weight = None if weight is None else weight[rows]
        yield task, Y[rows, t], outputs[t][rows], classes[t], rows_weight


# ------------------------------------------------------------ one task's score
# Written with plain numpy rather than by calling scikit-learn's metrics: a
# search scores every task at every alpha of every fold, and their input
# validation costs about a millisecond a call, more than the fits on thousands
# of small tasks. tests/estimators/test_scoring.py checks each against
# scikit-learn's metric.


def _with_unseen_labels(truth, proba, classes):
    """Probabilities over the task's classes and any held-out label it lacks.

    A label the task's model never saw gets probability zero, in its sorted
    place among the classes (the order of ``np.unique``, as the classes are).
    """
    classes = np.asarray(classes)
    unseen = np.setdiff1d(np.unique(truth), classes)
    if unseen.size == 0:
        return proba, classes
    labels = np.concatenate([classes, unseen])
    proba = np.hstack([proba, np.zeros((proba.shape[0], unseen.size))])
    order = np.argsort(labels, kind="stable")
    return proba[:, order], labels[order]


def _binary_auc(positive, score, weight):
    """Area under the ROC curve: P(a positive scores above a negative), ties half.

    The (weighted) Mann-Whitney statistic, equal to the trapezoidal area under
    the ROC curve that :func:`~sklearn.metrics.roc_auc_score` computes.
    """
    weight = np.ones(score.size) if weight is None else weight
    values, group = np.unique(score, return_inverse=True)
    pos = np.bincount(group, weights=weight * positive, minlength=values.size)
    neg = np.bincount(group, weights=weight * ~positive, minlength=values.size)
    below = np.cumsum(neg) - neg  # negative weight strictly below each score
    return float(np.sum(pos * (below + 0.5 * neg)) / (pos.sum() * neg.sum()))


def _roc_auc(truth, proba, classes, weight):
    """ROC AUC of one task, one-vs-rest macro for several classes; None if undefined.

    Equals ``roc_auc_score(truth, proba, multi_class="ovr")`` when every class
    is present; a class absent from ``truth`` has no one-vs-rest AUC and is
    left out of the mean. Undefined (None) with fewer than two classes present.
    """
    mass = np.ones(truth.size) if weight is None else weight
    members = [truth == c for c in classes]
    present = [j for j, rows in enumerate(members) if mass[rows].sum() > 0]
    if len(present) < 2:
        return None
    if len(classes) == 2:
        return _binary_auc(members[1], proba[:, 1], weight)
    scores = [_binary_auc(members[j], proba[:, j], weight) for j in present]
    return float(np.mean(scores))


def _log_loss(truth, proba, classes, weight):
    """Mean negative log-probability of the true labels (clipped as scikit-learn)."""
    p = proba[np.arange(truth.size), np.searchsorted(classes, truth)]
    eps = np.finfo(np.float64).eps
    return float(np.average(-np.log(np.clip(p, eps, 1 - eps)), weights=weight))


def _balanced_accuracy(truth, prediction, weight):
    """Mean recall of the classes present (with positive weight) in ``truth``."""
    weight = np.ones(truth.size) if weight is None else weight
    hit = weight * (truth == prediction)
    recalls = []
    for label in np.unique(truth):
        rows = truth == label
        total = weight[rows].sum()
        if total > 0:
            recalls.append(hit[rows].sum() / total)
    return float(np.mean(recalls))


def _r2(truth, prediction, weight):
    """Coefficient of determination; 1 or 0 for constant targets (scikit-learn's)."""
    mean = np.average(truth, weights=weight)
    residual = np.average((truth - prediction) ** 2, weights=weight)
    spread = np.average((truth - mean) ** 2, weights=weight)
    if spread == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1.0 - residual / spread)


def _task_score(metric, truth, output, classes, weight):
    """Score of one task on its observed rows; None when it is undefined there."""
    truth = _own_dtype(truth)
    if metric == "r2":
        if truth.size < 2:
            return None
        truth = truth.astype(np.float64)
        return _r2(truth, np.asarray(output, dtype=np.float64), weight)
    if metric == "accuracy":
        correct = truth == _own_dtype(output)
        return float(np.average(correct, weights=weight))
    if metric == "balanced_accuracy":
        return _balanced_accuracy(truth, _own_dtype(output), weight)
    proba, classes = _with_unseen_labels(truth, np.asarray(output), classes)
    if metric == "log_loss":
        return _log_loss(truth, proba, classes, weight)
    return _roc_auc(truth, proba, classes, weight)


# -------------------------------------------------------------- public API
def _checked_metric(metric, estimator):
    if metric is None:
        return "accuracy" if is_classifier(estimator) else "r2"
    if metric not in _RESPONSE:
        valid = ", ".join(repr(name) for name in _RESPONSE)
        raise ValueError(f"Unknown metric {metric!r}. Valid metrics are: {valid}.")
    return metric


def _warn_undefined(metric, skipped, n_tasks, all_skipped):
    """One warning naming the tasks left out of a mean (and whether all were)."""
    shown = ", ".join(repr(task) for task in skipped[:10])
    if len(skipped) > 10:
        shown += f" and {len(skipped) - 10} more"
    reason = _UNDEFINED[metric]
    message = (
        f"{metric} is undefined for {len(skipped)} of {n_tasks} tasks ({shown}): "
        f"{reason}. They are left out of the mean over tasks."
    )
    if all_skipped:
        message = (
            f"{metric} is undefined for every task ({shown}): {reason}. The score "
            "is NaN (a search ranks it last). Split with folds stratified by "
            "class within each task, or score with a metric defined on every "
            "task (neg_log_loss)."
        )
    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)


def mean_task_score(
    estimator, X, y, *, metric=None, sample_weight=None, task_weighting=None
):
    """Score of each task on its observed targets, averaged over tasks.

    Each task is scored on its rows with an observed target (NaN, None or
    pandas' NA mark a missing target: that (row, task) pair is skipped, the
    row's other targets are kept), and the scores are averaged with the task
    weights of ``task_weighting``. Tasks on which the metric is undefined
    (ROC AUC of held-out rows with a single class, :math:`R^2` of fewer than
    two targets) are left out of the mean and named in one
    :class:`~sklearn.exceptions.UndefinedMetricWarning`; when every task is,
    the score is NaN, as scikit-learn's :func:`~sklearn.metrics.roc_auc_score`
    of a single class: a search (``GridSearchCV``, the CV estimators) keeps
    the other scores and ranks that candidate last instead of failing.

    Parameters
    ----------
    estimator : estimator
        A fitted :class:`~skmtl.MultiTaskClassifier` or
        :class:`~skmtl.MultiTaskRegressor` (or their CV versions), or a fitted
        :class:`~sklearn.pipeline.Pipeline` ending with one.
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        Samples (with the task column when the estimator has one).
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        True targets, in the layout of the estimator's fit.
    metric : {"roc_auc", "log_loss", "accuracy", "balanced_accuracy", "r2"}, \
default=None
        The score of one task, as scikit-learn's metric of the same name on
        that task's rows: :func:`~sklearn.metrics.roc_auc_score` (one-vs-rest
        macro for a multi-class task, over the classes present in its rows),
        :func:`~sklearn.metrics.log_loss` (lower is better),
        :func:`~sklearn.metrics.accuracy_score`,
        :func:`~sklearn.metrics.balanced_accuracy_score`,
        :func:`~sklearn.metrics.r2_score`. Accuracy for classifiers and
        :math:`R^2` for regressors when None.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each row, in every task's score and in the task weights.
    task_weighting : {"observations", "tasks"}, default=None
        Weight of each task in the mean: its number of observed targets (their
        total sample weight) for ``"observations"``, one for ``"tasks"``. The
        estimator's ``task_weighting`` when None.

    Returns
    -------
    score : float
        The weighted mean over tasks; NaN when no task has a defined score.

    See Also
    --------
    per_task_scores : The score of each task.
    MultiTaskScorer : This mean as a scorer.

    Notes
    -----
    With ``"observations"`` the mean of the per-task accuracy (or log loss) is
    the accuracy (log loss) of all observed targets pooled; with a complete
    ``Y`` both weightings give every task the same weight.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskClassifier
    >>> from skmtl.metrics import mean_task_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 3))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(float)
    >>> Y[:5, 1] = np.nan  # five unobserved targets of the second task
    >>> model = MultiTaskClassifier(missing_targets="ignore").fit(X, Y)
    >>> float(mean_task_score(model, X, Y, metric="roc_auc")) > 0.9
    True
    """
    metric = _checked_metric(metric, estimator)
    final = _final_estimator(estimator)
    if task_weighting is None:
        task_weighting = getattr(final, "task_weighting", "observations")
    if task_weighting not in _TASK_WEIGHTINGS:
        raise ValueError(
            f"task_weighting must be 'observations' or 'tasks', got {task_weighting!r}."
        )
    scores, weights, skipped, n_tasks = [], [], [], 0
    for task, truth, output, classes, weight in _task_blocks(
        estimator, X, y, sample_weight, _RESPONSE[metric]
    ):
        total = float(truth.size if weight is None else weight.sum())
        if total <= 0:
            continue  # no observed target of this task here: nothing to score
        n_tasks += 1
        score = _task_score(metric, truth, output, classes, weight)
        if score is None:
            skipped.append(task)
            continue
        scores.append(score)
        weights.append(total if task_weighting == "observations" else 1.0)
    if skipped:
        _warn_undefined(metric, skipped, n_tasks, all_skipped=not scores)
    if not scores:
        if not skipped:
            warnings.warn(
                "y holds no observed target with positive sample weight: the "
                "score is NaN.",
                UndefinedMetricWarning,
                stacklevel=2,
            )
        return float("nan")
    return float(np.average(scores, weights=weights))


def per_task_scores(estimator, X, y, *, metric=None, sample_weight=None):
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
        True targets; NaN (or None) marks unobserved pairs and is left out.
    metric : str or callable, default=None
        A metric of :func:`mean_task_score` (``"roc_auc"``, ``"log_loss"``,
        ``"accuracy"``, ``"balanced_accuracy"``, ``"r2"``), or a callable
        ``metric(y_true, y_pred)`` of one task's observed targets and
        predictions (``sample_weight=`` is passed too when given). R^2 for
        regressors and accuracy for classifiers when None.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each row.

    Returns
    -------
    scores : dict
        Task label to score, for every task with an observed target in ``y``;
        NaN where the metric is undefined (ROC AUC of a single class, R^2 of
        fewer than two targets).

    See Also
    --------
    mean_task_score : Their weighted mean.

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
    if callable(metric):
        function, response = metric, "predict"
    else:
        metric = _checked_metric(metric, estimator)
        function, response = None, _RESPONSE[metric]
    scores = {}
    for task, truth, output, classes, weight in _task_blocks(
        estimator, X, y, sample_weight, response
    ):
        if truth.size == 0:
            continue
        if weight is not None and weight.sum() <= 0:
            scores[task] = float("nan")  # no weight: no score
            continue
        if function is None:
            score = _task_score(metric, truth, output, classes, weight)
        else:
            extra = {} if weight is None else {"sample_weight": weight}
            score = function(_own_dtype(truth), _own_dtype(output), **extra)
        scores[task] = float("nan") if score is None else float(score)
    return scores


class MultiTaskScorer:
    """A scorer of the mean per-task score, for scikit-learn's model selection.

    Calling it as ``scorer(estimator, X, y, sample_weight=None)`` returns
    :func:`mean_task_score` (negated for the log loss, so that greater is
    better, as scikit-learn's ``"neg_log_loss"``): usable as ``scoring=`` of
    ``GridSearchCV``, ``cross_val_score``, ``cross_validate`` and the CV
    estimators, on both layouts, with missing targets skipped and mixed binary
    and multi-class tasks.

    Parameters
    ----------
    metric : {"roc_auc", "log_loss", "accuracy", "balanced_accuracy", "r2"}
        The score of one task; see :func:`mean_task_score`.
    task_weighting : {"observations", "tasks"}, default=None
        Weight of each task in the mean; the estimator's ``task_weighting``
        when None.

    See Also
    --------
    get_scorer : The scorers of this module by scikit-learn's names.
    mean_task_score : The score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skmtl import MultiTaskClassifier
    >>> from skmtl.metrics import MultiTaskScorer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((90, 3))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5])
    >>> scorer = MultiTaskScorer("log_loss", task_weighting="tasks")
    >>> scorer
    MultiTaskScorer('log_loss', task_weighting='tasks')
    >>> scores = cross_val_score(MultiTaskClassifier(), X, Y, cv=3, scoring=scorer)
    >>> bool(np.all(scores < 0))
    True
    """

    def __init__(self, metric, *, task_weighting=None):
        if metric not in _RESPONSE:
            valid = ", ".join(repr(name) for name in _RESPONSE)
            raise ValueError(f"Unknown metric {metric!r}. Valid metrics are: {valid}.")
        if task_weighting is not None and task_weighting not in _TASK_WEIGHTINGS:
            raise ValueError(
                "task_weighting must be None, 'observations' or 'tasks', got "
                f"{task_weighting!r}."
            )
        self.metric = metric
        self.task_weighting = task_weighting

    def __call__(self, estimator, X, y, sample_weight=None):
        """Score a fitted estimator on ``X`` and ``y`` (greater is better).

        Parameters
        ----------
        estimator : estimator
            A fitted multi-task estimator, or a Pipeline ending with one.
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets; missing ones are skipped.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row.

        Returns
        -------
        score : float
            The mean per-task score; the negated log loss for ``"log_loss"``.
        """
        score = mean_task_score(
            estimator,
            X,
            y,
            metric=self.metric,
            sample_weight=sample_weight,
            task_weighting=self.task_weighting,
        )
        return -score if self.metric == "log_loss" else score

    def __repr__(self):
        weighting = (
            ""
            if self.task_weighting is None
            else f", task_weighting={self.task_weighting!r}"
        )
        return f"{type(self).__name__}({self.metric!r}{weighting})"


roc_auc_scorer = MultiTaskScorer("roc_auc")
neg_log_loss_scorer = MultiTaskScorer("log_loss")
accuracy_scorer = MultiTaskScorer("accuracy")
balanced_accuracy_scorer = MultiTaskScorer("balanced_accuracy")
r2_scorer = MultiTaskScorer("r2")

# scikit-learn's scoring names and the scorer of this module with their meaning.
_SCORERS = {
    "roc_auc": roc_auc_scorer,
    "roc_auc_ovr": roc_auc_scorer,
    "neg_log_loss": neg_log_loss_scorer,
    "accuracy": accuracy_scorer,
    "balanced_accuracy": balanced_accuracy_scorer,
    "r2": r2_scorer,
}
# The names the CV classifiers read as these scorers rather than scikit-learn's.
_CLASSIFIER_SCORING = ("roc_auc", "roc_auc_ovr", "neg_log_loss", "accuracy")
_CLASSIFIER_SCORING += ("balanced_accuracy",)


def get_scorer(scoring):
    """The multi-task scorer with the meaning of a scikit-learn scoring name.

    Parameters
    ----------
    scoring : {"roc_auc", "roc_auc_ovr", "neg_log_loss", "accuracy", \
"balanced_accuracy", "r2"}
        A scikit-learn scoring name.

    Returns
    -------
    scorer : MultiTaskScorer
        The mean over tasks of that score (``roc_auc_scorer``,
        ``neg_log_loss_scorer``, ``accuracy_scorer``,
        ``balanced_accuracy_scorer`` or ``r2_scorer``), weighted by the
        estimator's ``task_weighting``.

    Examples
    --------
    >>> from skmtl.metrics import get_scorer
    >>> get_scorer("neg_log_loss")
    MultiTaskScorer('log_loss')
    """
    if scoring not in _SCORERS:
        valid = ", ".join(repr(name) for name in _SCORERS)
        raise ValueError(
            f"No multi-task scorer for {scoring!r}. Valid names are: {valid}; or "
            "build one with MultiTaskScorer."
        )
    return _SCORERS[scoring]


def _selection_scorer(estimator, scoring):
    """The scorer of the CV estimators' held-out folds.

    For a classifier, None is the mean per-task log loss (negated), and the
    scikit-learn names of :data:`_CLASSIFIER_SCORING` are the multi-task scorers
    of the same meaning; anything else is scikit-learn's ``check_scoring``.
    """
    if is_classifier(estimator):
        if scoring is None:
            # Why the log loss and not the estimator's accuracy or the AUC: on
            # imbalanced tasks nearly every model predicts the majority class,
            # so accuracy ties them all and picks by noise. The AUC ranks them,
            # but is undefined for a task whose held-out rows hold one class:
            # with 5% positives and 80 rows per task, most tasks of a 3- or
            # 5-fold split, so each fold would average over a different handful
            # of tasks. The log loss is a proper scoring rule, defined on every
            # held-out row of every task, rewards calibrated probabilities (what
            # predict_proba promises) and varies smoothly with alpha, so the
            # choice along a path is stable.
            return neg_log_loss_scorer
        if isinstance(scoring, str) and scoring in _CLASSIFIER_SCORING:
            return _SCORERS[scoring]
    return check_scoring(estimator, scoring=scoring)
