"""MultiTaskClassifier: logistic / multinomial loss with a multi-task penalty."""

import warnings

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from ._base import _check_option, _MultiTaskLinear, _TaskInfo
from ._layout.tasks import rows_by_task
from .datafits.dask_logistic import DaskLogisticDatafit
from .losses import LogisticLoss, MultinomialLoss
from .metrics import mean_task_score
from .outofcore.dask import dask_task_labels

SINGLE_CLASS = ("constant", "error")


def _has_decision_function(estimator):
    """Whether ``decision_function`` works: the check of ``available_if``.

    Always with a shared design. With a task column, a row's scores are those of
    its own task, so one score per row needs every task to be binary with the
    same two classes (``classes_`` holds exactly those two, and no task is a
    single-class one); before fit the method is there, and raises
    ``NotFittedError``.
    """
    if estimator.task_column is None or not hasattr(estimator, "coef_rows_"):
        return True
    classes = estimator.classes_
    if not isinstance(classes, np.ndarray):
        return True  # a fit of the other layout: the call says what is wrong
    if len(classes) == 2 and all(len(c) == 2 for c in estimator.task_classes_):
        return True
    raise AttributeError(
        "decision_function is not available with a task_column unless every task "
        "is binary with the same two classes (the fitted tasks have the classes "
        f"{classes.tolist()[:10]} between them, a single-class task one of them); "
        "use predict_proba."
    )


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

    With ``intercept_shrinkage`` :math:`\\gamma > 0`, the objective also has the
    term :math:`\\gamma \\sum_t (\\tilde b_t - \\bar b)^2` on the intercepts
    at the features' mean (see the parameter); its duality gap is certified
    as the rest's.

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
        Non-negative strength of the penalty. Its scale is that of the data
        term, the mean log loss (about 0.7 per observation at the null model):
        for norm penalties all coefficients are exactly zero when
        ``alpha >= alpha_max`` (:func:`skmtl.alpha_max`),
        and :func:`skmtl.penalty_grid` gives a grid from the data for
        ``GridSearchCV``.
    l2 : float, default=0.0
        Strength of an extra ridge term :math:`\\frac{l_2}{2} \\|W\\|_F^2`,
        available with every penalty.
    intercept_shrinkage : float, default=0.0
        Strength :math:`\\gamma \\ge 0` of the pull of the task intercepts
        (at the features' mean) towards their mean, the random intercept of a
        mixed logistic model; the term is that of :class:`MultiTaskRegressor`.
        A task keeps about :math:`S_t / (S_t + 2\\gamma)` of its own
        deviation, with :math:`S_t` its weight in the data term times the
        logistic curvature :math:`p (1 - p) \\le 1/4`. 0: free intercepts;
        ``np.inf``: one intercept for every task. Needs ``fit_intercept=True``
        and binary tasks (one column each).
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
    single_class_tasks : {"constant", "error"}, default="constant"
        What a task whose labels (of positive sample weight) hold a single
        class means. ``"constant"``: the task is left out of the fit (the
        penalty sees the other tasks only), it predicts its class with
        probability 1, and a warning names it; its row of ``coef_`` and its
        ``intercept_`` are zero (so ``decision_function`` gives it 0), its
        ``task_classes_`` entry holds its one class, and ``constant_tasks_``
        lists it. Many small tasks make this common (a district where every
        woman answered the same), and cross-validation folds make it more
        common. ``"error"``: such a task is an error, as in scikit-learn's
        classifiers. A fit where every task has a single class is always an
        error.
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
        tasks this is (n_tasks, n_features). A single-class task (see
        ``single_class_tasks``) has one row, of zeros.
    intercept_ : ndarray of shape (n_columns,)
        Intercept of each score column.
    coef_rows_ : list of slice
        Rows of ``coef_`` (and entries of ``intercept_``) of each task.
    constant_tasks_ : ndarray
        Labels of the single-class tasks left out of the fit and predicted
        constant (``single_class_tasks="constant"``); empty when there are
        none. Structures that describe tasks (``outlier_tasks_``,
        ``task_similarity_``, ``task_clusters_``) and a ``TaskGraph``'s graph
        concern the other tasks, in the order of ``tasks_``.
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
    feature_subspace_ : ndarray of shape (n_components, n_features)
        Only for ``CASO``: orthonormal rows spanning the learned subspace of
        the features.
    feature_subspace_weights_ : ndarray of shape (n_components,)
        Only for ``CASO``: the eigenvalues of the optimal ``M`` along the rows
        of ``feature_subspace_``.
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

    float32 input gives float32 coefficients and predictions: for float32
    ``X``, ``coef_``, ``intercept_``, :meth:`decision_function`,
    :meth:`predict_proba` and :meth:`predict_log_proba` are float32, and
    :meth:`predict` returns labels of their own dtype. The solver works in
    float64 on a copy of ``X``, as :class:`MultiTaskRegressor`'s.

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

    def __init__(
        self,
        penalty="group_lasso",
        alpha=0.01,
        *,
        l2=0.0,
        intercept_shrinkage=0.0,
        task_column=None,
        task_weighting="observations",
        missing_targets="error",
        unknown_task="error",
        single_class_tasks="constant",
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        verbose=0,
    ):
        super().__init__(
            penalty,
            alpha,
            l2=l2,
            intercept_shrinkage=intercept_shrinkage,
            task_column=task_column,
            task_weighting=task_weighting,
            missing_targets=missing_targets,
            unknown_task=unknown_task,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            verbose=verbose,
        )
        self.single_class_tasks = single_class_tasks

    def _validated_penalty(self):
        """Check every hyperparameter and return the penalty object."""
        penalty = super()._validated_penalty()
        _check_option("single_class_tasks", self.single_class_tasks, SINGLE_CLASS)
        return penalty

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
        labels and the curvature (:meth:`DaskLogisticDatafit.from_dask`). The
        columns of a DataFrame ``y`` name the tasks, as in an in-memory fit.
        """
        if self.task_column is not None or sample_weight is not None:
            raise ValueError(
                "The dask logistic solver supports the shared layout without sample "
                "weights; unset task_column and sample_weight."
            )
        datafit = DaskLogisticDatafit.from_dask(X, y, self.fit_intercept)
        n_tasks = len(datafit.classes)
        tasks = _TaskInfo(
            labels=dask_task_labels(y, n_tasks),
            task_losses=[(1, LogisticLoss())] * n_tasks,
            classes=list(datafit.classes),
            single_task=getattr(y, "ndim", 2) == 1,
            n_features_in=datafit.n_features,
        )
        return datafit, tasks

    _numeric_targets = False

    def _constant_tasks(self, per_task):
        """Tasks with one class (of positive weight), with ``"constant"``.

        Each is left out of the fit and predicts its class; a warning names
        them. With ``"error"`` none is left out (:meth:`_encode_task` raises).
        """
        if self.single_class_tasks != "constant":
            return {}
        constant = {}
        for task, (values, weights) in enumerate(per_task):
            labels, codes = self._task_labels(task, values)
            present = np.bincount(codes, weights=weights, minlength=len(labels)) > 0
            if np.count_nonzero(present) == 1:
                constant[task] = labels[present]
        if not constant:
            return constant
        names = [self.tasks_.tolist()[task] for task in constant]
        classes = [constant[task].tolist()[0] for task in constant]
        if len(constant) == self.n_tasks_:
            raise ValueError(
                f"Every task has only one class (tasks {names[:10]}): there is "
                "nothing to learn. A classifier needs two classes in some task."
            )
        shown = ", ".join(
            f"{name!r} (always {label!r})"
            for name, label in zip(names[:10], classes[:10], strict=True)
        )
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        warnings.warn(
            f"{len(names)} of {self.n_tasks_} tasks have a single class: "
            f"{shown}{more}. They are left out of the fit, predict that class "
            "with probability 1 and keep zero coefficients "
            "(single_class_tasks='constant'); set single_class_tasks='error' to "
            "make this an error.",
            UserWarning,
            stacklevel=6,
        )
        return constant

    def _task_labels(self, task, values):
        """Sorted classes of one task and the class index of each value."""
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
        return labels, codes

    def _encode_task(self, task, values, weights):
        """Binary task: one 0/1 column; K classes: K one-hot columns."""
        name = self.tasks_.tolist()[task]
        labels, codes = self._task_labels(task, values)
        weight_per_class = np.bincount(codes, weights=weights, minlength=len(labels))
        if np.count_nonzero(weight_per_class) < 2:
            raise ValueError(
                f"Task {name!r} has a single class with positive sample "
                f"weight (labels {labels.tolist()}); a classifier can't train when "
                "only one class is present. Every task needs at least two classes, "
                "unless single_class_tasks='constant': then such a task predicts "
                "its one class."
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
        constant = [loss is None for _, loss in task_losses]
        self.constant_tasks_ = self.tasks_[np.flatnonzero(constant)]
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
    def _task_probabilities(task_scores, labels):
        """Probabilities over a task's ``labels`` from its score columns."""
        if len(labels) == 1:  # a single-class task: its class, surely
            return np.ones((task_scores.shape[0], 1), dtype=task_scores.dtype)
        if task_scores.shape[1] == 1:
            positive = expit(task_scores)
            return np.hstack([1.0 - positive, positive])
        return softmax(task_scores, axis=1)

    def _row_model(self, task):
        """Coefficients, intercepts and classes for rows of ``task`` (-1: mean)."""
        if task >= 0:
            rows = self.coef_rows_[task]
            return self.coef_[rows], self.intercept_[rows], self.task_classes_[task]
        # The mean of the tasks that were fitted (not the single-class ones).
        fitted = [
            (rows, classes)
            for rows, classes in zip(self.coef_rows_, self.task_classes_, strict=True)
            if len(classes) > 1
        ]
        first = fitted[0][1]
        same = all(
            len(classes) == len(first) and np.all(classes == first)
            for _, classes in fitted
        )
        if not same:
            raise ValueError(
                "unknown_task='mean' needs every task to have the same classes; "
                "the fitted tasks have different label sets."
            )
        coef = np.mean([self.coef_[rows] for rows, _ in fitted], axis=0)
        intercept = np.mean([self.intercept_[rows] for rows, _ in fitted], axis=0)
        return coef, intercept, first

    def _task_rows_proba(self, X, index):
        """Probabilities over ``classes_`` for rows that each belong to one task."""
        proba = np.zeros((X.shape[0], len(self.classes_)), dtype=self._output_dtype(X))
        for task, rows in rows_by_task(index):
            coef, intercept, labels = self._row_model(task)
            scores = safe_sparse_dot(X[rows], coef.T, dense_output=True) + intercept
            columns = np.searchsorted(self.classes_, labels)
            proba[np.ix_(rows, columns)] = self._task_probabilities(scores, labels)
        return proba

    def _scores(self, X):
        """Scores of every score column, for a shared design."""
        X, _ = self._prediction_rows(X)
        return safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_

    def _task_rows_scores(self, X, index):
        """Score of each row's own binary task (positive: ``classes_[1]``)."""
        scores = np.empty(X.shape[0], dtype=self._output_dtype(X))
        for task, rows in rows_by_task(index):
            coef, intercept, _ = self._row_model(task)
            row_scores = safe_sparse_dot(X[rows], coef.T, dense_output=True)
            scores[rows] = row_scores[:, 0] + intercept[0]
        return scores

    @available_if(_has_decision_function)
    def decision_function(self, X):
        """Scores of every score column.

        Available with a shared design, and with a ``task_column`` when every
        task is binary with the same two classes (else ``hasattr`` is False,
        and scikit-learn's scorers use :meth:`predict_proba`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples (with the task column when the model has one).

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_columns)
            ``X @ coef_.T + intercept_``. For a single binary task, a 1-D array
            (positive means the second class), as in scikit-learn; column ``j``
            belongs to the task whose ``coef_rows_`` contains ``j``. With a
            ``task_column``, a 1-D array: the score of each row's own task,
            positive meaning ``classes_[1]``.
        """
        X, index = self._prediction_rows(X)
        if index is not None:
            return self._task_rows_scores(X, index)
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
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
            self._task_probabilities(scores[:, rows], labels)
            for rows, labels in zip(self.coef_rows_, self.task_classes_, strict=True)
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
            if len(labels) == 1:  # a single-class task
                index = np.zeros(task_scores.shape[0], dtype=int)
            elif task_scores.shape[1] == 1:
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
        """Mean accuracy over tasks, skipping missing labels.

        The accuracy of each task on its observed labels (NaN, None or pandas'
        NA mark a missing label, skipped; the row's other labels count),
        averaged over tasks with the weights of ``task_weighting``: each task's
        number of observed labels for ``"observations"`` (then the accuracy of
        all observed labels pooled), equal weights for ``"tasks"``. With a
        complete ``Y`` every task has the same weight. Other scores:
        :mod:`skmtl.metrics`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples (with the task column when the model has one).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The mean per-task accuracy (:func:`skmtl.metrics.mean_task_score`
            with ``metric="accuracy"``).
        """
        return mean_task_score(
            self, X, y, metric="accuracy", sample_weight=sample_weight
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags
