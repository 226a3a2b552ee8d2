"""Cross-validated estimators: alpha (and the penalty) chosen along paths.

For each penalty and each training fold, the whole grid of alphas is solved as
one warm-started path (:func:`skmtl._path.solve_path`) on data laid out once,
and every solution is scored on the held-out fold. The best mean score picks
the penalty and alpha, and the model is refitted on all the data.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from ._base import _checked_sample_weight
from ._classifier import MultiTaskClassifier
from ._path import alpha_grid, solve_path
from ._regressor import MultiTaskRegressor
from .model_selection import TaskKFold
from .penalties.norms import Penalty

# Fitted attributes copied from the refitted estimator onto the CV estimator.
_COPIED = (
    "coef_", "intercept_", "n_iter_", "dual_gap_", "optimality_residual_",
    "objective_", "converged_", "n_tasks_", "tasks_", "n_features_in_",
    "feature_names_in_", "classes_", "task_classes_", "coef_rows_",
)  # fmt: skip


def _fold_scores(estimator, X, y, sample_weight, train, test, alphas, scorer):
    """Scores on ``test`` of the path fitted on ``train``."""
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    weight = None if sample_weight is None else sample_weight[train]
    test_weight = (
        {} if sample_weight is None else {"sample_weight": sample_weight[test]}
    )
    problem = estimator._problem(X_train, y_train, weight)
    scores = []
    for _, result in solve_path(
        problem, alphas, max_iter=estimator.max_iter, tol=estimator.tol
    ):
        estimator._store_result(result, problem)
        scores.append(scorer(estimator, X_test, y_test, **test_weight))
    return np.array(scores)


class _MultiTaskCV(BaseEstimator):
    """Shared fit and delegation of the CV estimators."""

    _estimator_class = None

    def __init__(
        self,
        penalty="group_lasso",
        *,
        l2=0.0,
        alphas=20,
        eps=1e-2,
        cv=None,
        scoring=None,
        n_jobs=None,
        task_column=None,
        task_weighting="observations",
        missing_targets="error",
        unknown_task="error",
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        verbose=0,
    ):
        self.penalty = penalty
        self.l2 = l2
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.task_column = task_column
        self.task_weighting = task_weighting
        self.missing_targets = missing_targets
        self.unknown_task = unknown_task
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose

    def _base_estimator(self, penalty):
        return self._estimator_class(
            penalty=penalty,
            l2=self.l2,
            task_column=self.task_column,
            task_weighting=self.task_weighting,
            missing_targets=self.missing_targets,
            unknown_task=self.unknown_task,
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )

    def _penalties(self):
        if isinstance(self.penalty, (str, Penalty)):
            return [self.penalty]
        try:
            penalties = list(self.penalty)
        except TypeError:
            penalties = []
        if not penalties:
            raise ValueError(
                "penalty must be a penalty (a name or a penalty object) or a "
                f"non-empty list of penalties, got {self.penalty!r}."
            )
        return penalties

    def _splitter(self, y):
        if self.cv is None and self.task_column is not None:
            return TaskKFold(5, task_column=self.task_column)
        if isinstance(self.cv, numbers.Integral) and self.task_column is not None:
            return TaskKFold(self.cv, task_column=self.task_column)
        classifier = self._estimator_class is MultiTaskClassifier
        return check_cv(self.cv, y, classifier=classifier)

    def fit(self, X, y, sample_weight=None, groups=None):
        """Choose the penalty and alpha by cross-validation, then refit.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Data, in either layout.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.
        groups : array-like of shape (n_samples,), default=None
            Group labels passed to the splitter (e.g. for ``GroupKFold``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        penalties = self._penalties()
        # Row indexing of the folds needs a row format or an array; DataFrames
        # stay DataFrames (a task column may be named).
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        X = X.tocsr() if sp.issparse(X) else X if hasattr(X, "iloc") else np.asarray(X)
        y = y if hasattr(y, "iloc") else np.asarray(y)
        if sample_weight is not None:
            sample_weight = _checked_sample_weight(sample_weight, X.shape[0])
        grids = []
        for name in penalties:
            problem = self._base_estimator(name)._problem(X, y, sample_weight)
            grids.append(alpha_grid(problem, self.alphas, self.eps))
        folds = list(self._splitter(y).split(X, y, groups))
        scorer = check_scoring(self._base_estimator(penalties[0]), scoring=self.scoring)
        jobs = (
            delayed(_fold_scores)(
                self._base_estimator(name),
                X,
                y,
                sample_weight,
                train,
                test,
                grid,
                scorer,
            )  # fmt: skip
            for name, grid in zip(penalties, grids, strict=True)
            for train, test in folds
        )
        scores = Parallel(n_jobs=self.n_jobs)(jobs)
        n_alphas = grids[0].size
        self.scores_ = np.array(scores).reshape(len(penalties), len(folds), n_alphas)
        self.scores_ = self.scores_.transpose(0, 2, 1)  # penalty, alpha, fold
        mean = self.scores_.mean(axis=2)
        best_penalty, best_alpha = np.unravel_index(np.argmax(mean), mean.shape)
        self.penalties_ = np.empty(len(penalties), dtype=object)
        self.penalties_[:] = penalties
        self.alphas_ = np.array(grids)
        self.penalty_ = penalties[best_penalty]
        self.alpha_ = float(grids[best_penalty][best_alpha])
        self.best_score_ = float(mean[best_penalty, best_alpha])
        estimator = self._base_estimator(self.penalty_).set_params(alpha=self.alpha_)
        self.estimator_ = estimator.fit(X, y, sample_weight=sample_weight)
        for name in _COPIED + self.estimator_._structure_attributes:
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
        return self

    def predict(self, X):
        """Predict with the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.

        Returns
        -------
        y_pred : ndarray
            As :meth:`MultiTaskRegressor.predict` or
            :meth:`MultiTaskClassifier.predict`.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def score(self, X, y, sample_weight=None):
        """Score of the refitted model (its own ``score``).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 for the regressor, mean accuracy over tasks for the classifier.
        """
        check_is_fitted(self)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator_tags = self._estimator_class().__sklearn_tags__()
        tags.target_tags = estimator_tags.target_tags
        tags.input_tags = estimator_tags.input_tags
        return tags


_CV_DOC = """{kind} with the penalty strength chosen by cross-validation.

    For each penalty in ``penalty`` and each training fold, the grid of alphas
    is solved as one warm-started path, and each solution is scored on the
    held-out fold; the penalty and alpha with the best mean score are refitted
    on all the data. The objective is that of :class:`{base}`.

    Parameters
    ----------
    penalty : str, Penalty or list of them, default="group_lasso"
        The penalty, or several to choose from: names (``"group_lasso"``,
        ``"trace_norm"``, ``"lasso"``, ``"ridge"``, the structures of
        :mod:`skmtl.structures`) or penalty objects.
    l2 : float, default=0.0
        Strength of an extra ridge term, fixed along the grid of alphas; see
        :class:`{base}`.
    alphas : int or array-like, default=20
        Number of alphas on a geometric grid from ``alpha_max`` (computed on all
        the data) down to ``eps * alpha_max``, or the alphas themselves. For
        penalties without ``alpha_max`` (ridge, clustered), a generated grid
        starts at ten times the Lipschitz constant of the data term's gradient.
    eps : float, default=1e-2
        Ratio of the smallest to the largest alpha of a generated grid.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn; None means 5 folds, and with a ``task_column`` an
        integer or None means :class:`~skmtl.model_selection.TaskKFold`, which
        keeps every task in every training fold.
    scoring : str or callable, default=None
        Scorer of the held-out folds; the estimator's own ``score`` when None.
    n_jobs : int, default=None
        Number of (penalty, fold) paths fitted in parallel with joblib.
    task_column : int or str, default=None
        See :class:`{base}`.
    task_weighting : {{"observations", "tasks"}}, default="observations"
        See :class:`{base}`.
    missing_targets : {{"error", "ignore"}}, default="error"
        See :class:`{base}`.
    unknown_task : {{"error", "mean"}}, default="error"
        See :class:`{base}`.
    fit_intercept : bool, default=True
        Whether to fit unpenalised intercepts.
    max_iter : int, default=1000
        Maximum number of solver iterations for each alpha.
    tol : float, default=1e-4
        Solver tolerance, see :class:`{base}`.
    verbose : int, default=0
        Print solver progress when positive.

    Attributes
    ----------
    penalty_ : str or Penalty
        The chosen penalty.
    alpha_ : float
        The chosen alpha.
    best_score_ : float
        Mean held-out score of the chosen penalty and alpha.
    penalties_ : ndarray of shape (n_penalties,)
        The penalties compared.
    alphas_ : ndarray of shape (n_penalties, n_alphas)
        The grid of each penalty.
    scores_ : ndarray of shape (n_penalties, n_alphas, n_folds)
        Held-out score of every penalty, alpha and fold.
    estimator_ : {base}
        The model refitted on all the data; ``coef_``, ``intercept_`` and the
        other fitted attributes of {base} (the parts of a decomposed structure
        included) are copied from it.

    See Also
    --------
    {base} : The estimator with a fixed alpha.
    skmtl.regularization_path : The warm-started path alone.

    Examples
    --------
    >>> from skmtl import {name}
    >>> from skmtl.datasets import {maker}
    >>> X, Y, _ = {maker}(120, 10, 3, n_informative=3, random_state=0)
    >>> model = {name}(penalty=["group_lasso", "trace_norm"], alphas=8, cv=3)
    >>> model = model.fit(X, Y)
    >>> model.scores_.shape
    (2, 8, 3)
    """


class MultiTaskRegressorCV(RegressorMixin, _MultiTaskCV):
    __doc__ = _CV_DOC.format(
        kind="Multi-task regression",
        base="MultiTaskRegressor",
        name="MultiTaskRegressorCV",
        maker="make_multitask_regression",
    )
    _estimator_class = MultiTaskRegressor
    score = _MultiTaskCV.score  # the refitted model's, not the mixin's


class MultiTaskClassifierCV(ClassifierMixin, _MultiTaskCV):
    __doc__ = _CV_DOC.format(
        kind="Multi-task classification",
        base="MultiTaskClassifier",
        name="MultiTaskClassifierCV",
        maker="make_multitask_classification",
    )
    _estimator_class = MultiTaskClassifier
    score = _MultiTaskCV.score  # mean accuracy over tasks, not subset accuracy

    def predict_proba(self, X):
        """Class probabilities from the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.

        Returns
        -------
        proba : ndarray or list of ndarray
            As :meth:`MultiTaskClassifier.predict_proba`.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def decision_function(self, X):
        """Scores from the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.

        Returns
        -------
        scores : ndarray
            As :meth:`MultiTaskClassifier.decision_function`.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)
