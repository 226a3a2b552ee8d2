"""MultiTaskClassifier: logistic / multinomial loss with a multi-task penalty."""

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets

from ._base import _MultiTaskLinear, _TaskInfo
from ._layout.tasks import _is_missing, rows_by_task
from .datafits.dask_logistic import DaskLogisticDatafit
from .losses import LogisticLoss, MultinomialLoss


def _task_accuracy(truth, prediction, sample_weight):
    """Accuracy of one task over its observed (non-missing) labels."""
    observed = ~_is_missing(truth)
    # Columns of an object array: give the labels their own dtype back, so
    # that integer labels stored as objects compare as integers.
    truth = np.asarray(truth[observed].tolist())
    prediction = np.asarray(prediction[observed].tolist())
    weight = None if sample_weight is None else np.asarray(sample_weight)[observed]
    return float(accuracy_score(truth, prediction, sample_weight=weight))


class MultiTaskClassifier(ClassifierMixin, _MultiTaskLinear):
    """Linear classification of several related tasks with shared structure.

    Each task ``t`` has its own label set. A binary task has one score column
    (logistic loss); a task with :math:`K_t > 2` classes has :math:`K_t`
    score columns, one per class (multinomial loss). Stacking all columns
    gives ``W`` of shape (n_features, n_columns) and intercepts ``b``, and the
    estimator minimises

    .. math::

        \\frac{1}{n} \\sum_{i=1}^{n} s_i \\sum_{t=1}^{T}
        \\ell_t\\big(y_{it}, W_t^\\top x_i + b_t\\big) + \\alpha \\, \\Omega(W)
        + \\frac{l_2}{2} \\|W\\|_F^2,

    where :math:`W_t, b_t` are the columns of task ``t``, the sample weights
    ``s_i`` (all 1 by default) are rescaled to sum to ``n``, and
    :math:`\\ell_t` is the logistic loss
    :math:`\\log(1 + e^{z}) - [y = c_1]\\, z` of a binary task (``c_1`` its
    second class) or the multinomial loss
    :math:`\\log \\sum_k e^{z_k} - z_{y}` of a multi-class task. The data term
    is the sum over tasks of each task's mean loss.

    The penalty acts on the whole stacked matrix ``W``: each class column of a
    multi-class task is one column of ``W`` like the single column of a binary
    task. So ``"group_lasso"`` selects a feature for all tasks and all their
    classes at once, ``"trace_norm"`` asks the class and task columns together
    to share a low-rank subspace, and ``"lasso"`` and ``"ridge"`` act on each
    entry.

    Parameters
    ----------
    penalty : str or Penalty, default="group_lasso"
        The structure :math:`\\Omega`, by name or as a penalty object (see
        :class:`MultiTaskRegressor` for the list): for instance
        ``"group_lasso"`` :math:`\\sum_j \\|W_{j,:}\\|_2`, ``"trace_norm"``
        :math:`\\sum_k \\sigma_k(W)`, ``"lasso"`` :math:`\\sum_{j,c} |W_{jc}|`,
        ``"ridge"`` :math:`\\tfrac12\\|W\\|_F^2`, or a structure of
        :mod:`skmtl.structures`. ``"task_graph"`` and ``"clustered"`` compare
        tasks' coefficient vectors and need one column per task (binary
        tasks); the robust models group a multi-class task's columns.
    alpha : float, default=0.01
        Non-negative strength of the penalty. For norm penalties, all
        coefficients are exactly zero when ``alpha >= alpha_max``, see
        :func:`skmtl.alpha_max`.
    l2 : float, default=0.0
        Strength of an extra ridge term :math:`\\frac{l_2}{2} \\|W\\|_F^2`,
        available with every penalty.
    task_column : int or str, default=None
        Where ``X`` says which task each row belongs to: a column name (for a
        DataFrame) or a position. Then ``y`` is 1-D (one label per row), the
        task column is not a feature, and ``predict`` uses each row's task.
    task_weighting : {"observations", "tasks"}, default="observations"
        Whether each observation or each task counts equally in the loss when
        tasks have different numbers of observations; see
        :class:`MultiTaskRegressor` for the weights :math:`w_{it}`, which
        replace :math:`s_i / n` in the objective above.
    missing_targets : {"error", "ignore"}, default="error"
        What a missing label (NaN or None) means: an error, or an unobserved
        (sample, task) pair left out of the loss.
    unknown_task : {"error", "mean"}, default="error"
        With a ``task_column``: what ``predict`` does with a task not seen in
        fit. ``"mean"`` averages the coefficients of the fitted tasks, which
        needs every task to have the same classes.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept per score column.
    max_iter : int, default=1000
        Maximum number of solver iterations.
    tol : float, default=1e-4
        Stopping tolerance: the fit stops when the duality gap is at most
        ``tol`` times the objective of the null model (coefficients zero,
        intercepts at the class log-odds). When a multi-class task is present
        and intercepts are fitted no cheap dual point exists, and the fit stops
        when the prox-gradient residual, relative to the null model's gradient,
        is at most ``tol``.
    warm_start : bool, default=False
        Start from the previous solution when the shapes agree.
    verbose : int, default=0
        Print solver progress when positive.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Labels of each task; a single array when fitted on a 1-D ``y``, as in
        scikit-learn. With a ``task_column``, the sorted union of the labels of
        all tasks: the columns of :meth:`predict_proba`.
    task_classes_ : list of ndarray
        Labels of each task, in the order of ``tasks_``.
    tasks_ : ndarray of shape (n_tasks,)
        Task labels: the sorted labels of the task column, the column names of
        a DataFrame ``y``, or ``0, ..., n_tasks - 1``.
    coef_ : ndarray of shape (n_columns, n_features)
        Coefficients, one row per score column: one row for a binary task and
        one per class for a multi-class task, task after task. With only binary
        tasks this is (n_tasks, n_features).
    intercept_ : ndarray of shape (n_columns,)
        Intercept of each score column.
    coef_rows_ : list of slice
        Rows of ``coef_`` (and entries of ``intercept_``) of each task.
    n_tasks_ : int
        Number of tasks.
    n_iter_ : int
        Number of solver iterations run.
    dual_gap_ : float
        Final duality gap; NaN when the stopping rule used the residual.
    optimality_residual_ : float
        Final prox-gradient residual, relative to the null model's gradient.
    objective_ : float
        Final value of the objective.
    P_, Q_, L_, S_ : ndarray of shape like ``coef_``
        Only for a decomposed structure (see :mod:`skmtl.structures`): its
        parts, which sum to ``coef_``.
    outlier_tasks_ : ndarray
        Only for ``RobustTraceNorm`` and ``RobustGroupLasso``: labels of the
        tasks with a non-zero outlier part.
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        Only for ``Clustered``: the learned task-similarity matrix ``M``.
    task_clusters_ : ndarray of shape (n_tasks,)
        Only for ``Clustered``: a cluster label per task.
    converged_ : bool
        Whether the stopping criterion was met within ``max_iter``.
    n_features_in_ : int
        Number of columns of ``X`` seen during fit (the task column included).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiTaskRegressor : The same structures with the squared loss.

    Notes
    -----
    Solved by accelerated proximal gradient (FISTA) with line search and
    adaptive restart; see :class:`MultiTaskRegressor`.

    Examples
    --------
    >>> from skmtl import MultiTaskClassifier
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, Y, coef = make_multitask_classification(
    ...     n_samples=100, n_features=10, n_tasks=3, random_state=0)
    >>> clf = MultiTaskClassifier(penalty="group_lasso", alpha=0.01).fit(X, Y)
    >>> clf.predict(X).shape
    (100, 3)
    >>> len(clf.predict_proba(X))
    3
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the coefficients of all tasks jointly.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Design matrix shared by all tasks.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels; a 1-D ``y`` is a single task. Each task may have its
            own labels (numbers or strings).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.

        Returns
        -------
        self : MultiTaskClassifier
            The fitted estimator.
        """
        return self._fit_datafit(self._memory_datafit, X, y, sample_weight)

    def _dask_datafit(self, X, y, sample_weight=None):
        """The logistic datafit of dask arrays, evaluated blockwise on the cluster.

        The capability :func:`skmtl.outofcore.fit_dask` looks for: binary
        tasks on a shared design, without sample weights. One pass reads the
        labels and the curvature (:meth:`DaskLogisticDatafit.from_dask`).
        """
        if self.task_column is not None or sample_weight is not None:
            raise ValueError(
                "The dask logistic solver supports the shared layout without sample "
                "weights; unset task_column and sample_weight."
            )
        datafit = DaskLogisticDatafit.from_dask(X, y, self.fit_intercept)
        n_tasks = len(datafit.classes)
        tasks = _TaskInfo(
            labels=np.arange(n_tasks),
            task_losses=[(1, LogisticLoss())] * n_tasks,
            classes=list(datafit.classes),
            single_task=getattr(y, "ndim", 2) == 1,
            n_features_in=datafit.n_features,
        )
        return datafit, tasks

    _numeric_targets = False

    def _encode_task(self, task, values, weights):
        """Binary task: one 0/1 column; K classes: K one-hot columns."""
        name = self.tasks_.tolist()[task]
        if values.dtype == object:
            # Left over from missing labels in an object array: infer the dtype
            # of the labels that remain (numbers or strings), refusing a mix
            # that numpy would silently turn into strings.
            is_text = [isinstance(v, (str, bytes)) for v in values.tolist()]
            if any(is_text) and not all(is_text):
                raise ValueError(
                    f"The labels of task {name!r} mix types (numbers and "
                    "strings); give each task labels of one type."
                )
            values = np.asarray(values.tolist())
        check_classification_targets(values)
        try:
            labels, codes = np.unique(values, return_inverse=True)
        except TypeError as error:
            raise ValueError(
                f"The labels of task {name!r} mix types that cannot be "
                "compared (e.g. numbers and strings)."
            ) from error
        weight_per_class = np.bincount(codes, weights=weights, minlength=len(labels))
        if np.count_nonzero(weight_per_class) < 2:
            raise ValueError(
                f"Task {name!r} has a single class with positive sample "
                f"weight (labels {labels.tolist()}); a classifier can't train when "
                "only one class is present. Every task needs at least two classes."
            )
        if np.any(weight_per_class == 0):
            missing = labels[weight_per_class == 0].tolist()
            raise ValueError(
                f"Classes {missing} of task {name!r} have zero total "
                "sample weight. Give them positive weight or remove those samples."
            )
        if len(labels) == 2:
            return 1, LogisticLoss(), (codes == 1).astype(np.float64)[:, None], labels
        one_hot = np.eye(len(labels))[codes]
        return len(labels), MultinomialLoss(), one_hot, labels

    def _store_task_info(self, infos, task_losses):
        """Store the classes of each task and the coef_ rows of each task."""
        self.task_classes_ = infos
        bounds = np.cumsum([0] + [width for width, _ in task_losses])
        self.coef_rows_ = [
            slice(int(start), int(stop))
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        if self.task_column is not None:
            try:
                self.classes_ = np.unique(np.concatenate(infos))
            except TypeError as error:
                raise ValueError(
                    "With a task column, the labels of all tasks must be mutually "
                    "comparable (all numbers or all strings)."
                ) from error
        elif self._single_task:
            self.classes_ = infos[0]
        else:
            self.classes_ = infos

    @staticmethod
    def _task_probabilities(task_scores):
        if task_scores.shape[1] == 1:
            positive = expit(task_scores)
            return np.hstack([1.0 - positive, positive])
        return softmax(task_scores, axis=1)

    def _row_model(self, task):
        """Coefficients, intercepts and classes for rows of ``task`` (-1: mean)."""
        if task >= 0:
            rows = self.coef_rows_[task]
            return self.coef_[rows], self.intercept_[rows], self.task_classes_[task]
        first = self.task_classes_[0]
        same = all(
            len(c) == len(first) and np.all(c == first) for c in self.task_classes_
        )
        if not same:
            raise ValueError(
                "unknown_task='mean' needs every task to have the same classes; "
                "the fitted tasks have different label sets."
            )
        coef = np.mean([self.coef_[rows] for rows in self.coef_rows_], axis=0)
        intercept = np.mean([self.intercept_[rows] for rows in self.coef_rows_], 0)
        return coef, intercept, first

    def _task_rows_proba(self, X, index):
        """Probabilities over ``classes_`` for rows that each belong to one task."""
        proba = np.zeros((X.shape[0], len(self.classes_)))
        for task, rows in rows_by_task(index):
            coef, intercept, labels = self._row_model(task)
            scores = safe_sparse_dot(X[rows], coef.T, dense_output=True) + intercept
            columns = np.searchsorted(self.classes_, labels)
            proba[np.ix_(rows, columns)] = self._task_probabilities(scores)
        return proba

    def _scores(self, X):
        X, index = self._prediction_rows(X)
        if index is not None:
            raise AttributeError(
                "decision_function is not available with a task_column, where "
                "tasks may have different classes; use predict_proba."
            )
        return safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_

    def decision_function(self, X):
        """Scores of every score column.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_columns)
            ``X @ coef_.T + intercept_``. For a single binary task, a 1-D array
            (positive means the second class), as in scikit-learn; column ``j``
            belongs to the task whose ``coef_rows_`` contains ``j``.
        """
        scores = self._scores(X)
        if self._single_task and scores.shape[1] == 1:
            return scores.ravel()
        return scores

    def predict_proba(self, X):
        """Class probabilities of every task.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or list of such arrays
            For a model fitted on a 1-D ``y`` one array, else one array per
            task, columns in the order of that task's ``classes_``. With a
            ``task_column``, one (n_samples, len(classes_)) array: each row's
            probabilities over the union of labels, zero for the labels its
            task does not have.
        """
        if self.task_column is not None:
            return self._task_rows_proba(*self._prediction_rows(X))
        scores = self._scores(X)
        probabilities = [
            self._task_probabilities(scores[:, rows]) for rows in self.coef_rows_
        ]
        return probabilities[0] if self._single_task else probabilities

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities of every task.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes) or list of such arrays
            Same layout as :meth:`predict_proba`.
        """
        proba = self.predict_proba(X)
        if self._single_task:
            return np.log(proba)
        return [np.log(p) for p in proba]

    def predict(self, X):
        """Predict the label of every task for each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            Predicted labels; 1-D when the model was fitted on a 1-D ``y``.
        """
        if self.task_column is not None:
            proba = self.predict_proba(X)
            return self.classes_[np.argmax(proba, axis=1)]
        scores = self._scores(X)
        predictions = []
        for labels, rows in zip(self.task_classes_, self.coef_rows_, strict=True):
            task_scores = scores[:, rows]
            if task_scores.shape[1] == 1:
                index = (task_scores[:, 0] > 0).astype(int)
            else:
                index = np.argmax(task_scores, axis=1)
            predictions.append(labels[index])
        if self._single_task:
            return predictions[0]
        # Labels of one kind (all numbers, all strings) share a dtype; tasks with
        # labels of different kinds keep their own values in an object array.
        same_kind = len({p.dtype.kind for p in predictions}) == 1
        dtype = np.result_type(*predictions) if same_kind else object
        return np.column_stack([p.astype(dtype) for p in predictions])

    def score(self, X, y, sample_weight=None):
        """Mean accuracy over tasks.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The accuracy of each task, averaged over tasks with equal weight.
        """
        prediction = self.predict(X)
        y = np.asarray(y)
        if y.shape != prediction.shape:
            raise ValueError(
                f"y has shape {y.shape}, but the model predicts {prediction.shape}."
            )
        if y.ndim == 1:
            return _task_accuracy(y, prediction, sample_weight)
        accuracies = [
            _task_accuracy(y[:, t], prediction[:, t], sample_weight)
            for t in range(y.shape[1])
        ]
        return float(np.mean(accuracies))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags
