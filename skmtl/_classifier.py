"""MultiTaskClassifier: logistic / multinomial loss with a multi-task penalty."""

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import _MultiTaskLinear
from .losses import LogisticLoss, MultinomialLoss

_ACCEPT_SPARSE = ("csr", "csc")


def _column_labels(column):
    """The labels of one task with their own dtype (object columns converted).

    Columns of an object array (tasks with labels of different types) give
    their labels back as numbers or strings, so that integer labels stored as
    objects are treated as integers.
    """
    return np.asarray(column.tolist()) if column.dtype == object else column


def _task_accuracy(truth, prediction, sample_weight):
    """Accuracy of one task."""
    return float(
        accuracy_score(
            _column_labels(truth),
            _column_labels(prediction),
            sample_weight=sample_weight,
        )
    )


def _encode_tasks(Y, sample_weight):
    """Encode each task's labels into score columns and group them into loss blocks.

    A binary task gets one 0/1 column (1 for its second class); a task with
    K > 2 classes gets K one-hot columns. Consecutive binary tasks share one
    logistic block; each multi-class task is its own multinomial block.

    Returns
    -------
    classes : list of ndarray
        Sorted labels of each task.
    targets : ndarray of shape (n_samples, n_columns)
        Encoded targets.
    blocks : list of (slice, loss)
        Loss blocks covering the columns.
    task_columns : list of slice
        Columns of each task.
    """
    weight = np.ones(Y.shape[0]) if sample_weight is None else sample_weight
    classes, columns, blocks, task_columns = [], [], [], []
    start = 0
    for task in range(Y.shape[1]):
        labels, codes = np.unique(_column_labels(Y[:, task]), return_inverse=True)
        weight_per_class = np.bincount(codes, weights=weight, minlength=len(labels))
        if np.count_nonzero(weight_per_class) < 2:
            raise ValueError(
                f"Task {task} has a single class with positive sample weight "
                f"(labels {labels.tolist()}); a classifier can't train when only "
                "one class is present. Every task needs at least two classes."
            )
        if np.any(weight_per_class == 0):
            missing = labels[weight_per_class == 0].tolist()
            raise ValueError(
                f"Classes {missing} of task {task} have zero total sample weight. "
                "Give them positive weight or remove those samples."
            )
        classes.append(labels)
        if len(labels) == 2:
            columns.append((codes == 1).astype(np.float64)[:, None])
            stop = start + 1
            if blocks and isinstance(blocks[-1][1], LogisticLoss):
                blocks[-1] = (slice(blocks[-1][0].start, stop), blocks[-1][1])
            else:
                blocks.append((slice(start, stop), LogisticLoss()))
        else:
            columns.append(np.eye(len(labels))[codes])
            stop = start + len(labels)
            blocks.append((slice(start, stop), MultinomialLoss()))
        task_columns.append(slice(start, stop))
        start = stop
    return classes, np.hstack(columns), blocks, task_columns


class MultiTaskClassifier(ClassifierMixin, _MultiTaskLinear):
    """Linear classification of several related tasks with shared structure.

    Each task ``t`` has its own label set. A binary task has one score column
    (logistic loss); a task with :math:`K_t > 2` classes has :math:`K_t`
    score columns, one per class (multinomial loss). Stacking all columns
    gives ``W`` of shape (n_features, n_columns) and intercepts ``b``, and the
    estimator minimises

    .. math::

        \\frac{1}{n} \\sum_{i=1}^{n} s_i \\sum_{t=1}^{T}
        \\ell_t\\big(y_{it}, W_t^\\top x_i + b_t\\big) + \\alpha \\, \\Omega(W),

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
    penalty : {"group_lasso", "trace_norm", "lasso", "ridge"}, \
            default="group_lasso"
        The structure :math:`\\Omega`: :math:`\\sum_j \\|W_{j,:}\\|_2`,
        :math:`\\sum_k \\sigma_k(W)`, :math:`\\sum_{j,c} |W_{jc}|` or
        :math:`\\tfrac12\\|W\\|_F^2`.
    alpha : float, default=0.01
        Non-negative strength of the penalty. For the three norm penalties,
        all coefficients are exactly zero when ``alpha >= alpha_max``, see
        :func:`skmtl.alpha_max`.
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
        scikit-learn.
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
    converged_ : bool
        Whether the stopping criterion was met within ``max_iter``.
    n_features_in_ : int
        Number of features seen during fit.
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
        penalty = self._validated_penalty()
        datafit = self._prepare_datafit(X, y, sample_weight)
        self._solve(datafit, penalty)
        return self

    def _prepare_datafit(self, X, y, sample_weight):
        """Validate the data, set the input attributes and build the datafit."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=_ACCEPT_SPARSE,
            dtype=np.float64,
            multi_output=True,
        )
        if hasattr(y, "toarray"):
            y = y.toarray()
        y = np.asarray(y)
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D, got {y.ndim} dimensions.")
        for column in y.reshape(len(y), -1).T:  # tasks may have labels of any type
            check_classification_targets(_column_labels(column))
        self._single_task = y.ndim == 1
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        sample_weight = self._checked_sample_weight(sample_weight, X.shape[0])
        classes, targets, blocks, task_columns = _encode_tasks(Y, sample_weight)
        self.classes_ = classes[0] if self._single_task else classes
        self.coef_rows_ = task_columns
        self.n_tasks_ = Y.shape[1]
        return self._build_datafit(X, targets, blocks, sample_weight)

    def _task_classes(self):
        return [self.classes_] if self._single_task else self.classes_

    def _scores(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=_ACCEPT_SPARSE, dtype=np.float64, reset=False
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
            task, columns in the order of that task's ``classes_``.
        """
        scores = self._scores(X)
        probabilities = []
        for rows in self.coef_rows_:
            task_scores = scores[:, rows]
            if task_scores.shape[1] == 1:
                positive = expit(task_scores)
                probabilities.append(np.hstack([1.0 - positive, positive]))
            else:
                probabilities.append(softmax(task_scores, axis=1))
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
        scores = self._scores(X)
        predictions = []
        for labels, rows in zip(self._task_classes(), self.coef_rows_, strict=True):
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
