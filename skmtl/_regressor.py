"""MultiTaskRegressor: squared loss with a multi-task penalty."""

from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.extmath import safe_sparse_dot

from ._base import _MultiTaskLinear, _TaskInfo
from ._layout.designs import InterceptMap
from ._layout.tasks import _is_missing, _pandas_na_as_none, rows_by_task
from .datafits.gram import GramDatafit
from .losses import SquaredLoss
from .metrics import mean_task_score
from .outofcore.dask import dask_task_labels
from .outofcore.statistics import MultiTaskMoments


class MultiTaskRegressor(RegressorMixin, _MultiTaskLinear):
    """Linear regression of several related tasks with shared structure.

    Minimises over the coefficients ``W`` (n_features, n_tasks) and the
    per-task intercepts ``b``

    .. math::

        \\frac{1}{2 n} \\sum_{i=1}^{n} s_i \\, \\|y_i - W^\\top x_i - b\\|_2^2
        + \\alpha \\, \\Omega(W) + \\frac{l_2}{2} \\|W\\|_F^2,

    where ``n`` is the number of samples and the sample weights ``s_i``
    (all 1 by default) are rescaled to sum to ``n``. Without sample weights
    the data term is :math:`\\frac{1}{2n}\\|Y - XW - 1 b^\\top\\|_F^2`, and
    ``penalty="group_lasso"`` is exactly scikit-learn's
    :class:`~sklearn.linear_model.MultiTaskLasso`.

    In general, when tasks do not observe the same samples (a ``task_column``,
    or missing targets), the objective is a weighted sum over the observed
    (sample, task) pairs :math:`(i, t) \\in \\mathcal{O}`,

    .. math::

        \\frac12 \\sum_{(i, t) \\in \\mathcal{O}} w_{it}
        \\big(y_{it} - W_{:,t}^\\top x_i - b_t\\big)^2 + \\alpha \\, \\Omega(W)
        + \\frac{l_2}{2} \\|W\\|_F^2,

    with :math:`w_{it} = T s_i / \\sum_{\\mathcal{O}} s` when
    ``task_weighting="observations"`` (each observation counts equally) and
    :math:`w_{it} = s_i / \\sum_{j : (j, t) \\in \\mathcal{O}} s_j` when
    ``task_weighting="tasks"`` (each task counts equally, whatever its size).
    Both weightings sum to the number of tasks ``T``, coincide when every task
    has the same total weight, and then reduce to the objective above.

    With ``intercept_shrinkage`` :math:`\\gamma > 0`, the objective also has the
    term :math:`\\gamma \\sum_t (\\tilde b_t - \\bar b)^2` on the intercepts
    at the features' mean (see the parameter); its duality gap is certified
    as the rest's.

    Parameters
    ----------
    penalty : str or Penalty, default="group_lasso"
        The structure :math:`\\Omega` shared by the tasks, by name (default
        settings) or as a penalty object whose parameters ``GridSearchCV`` can
        tune as ``penalty__<name>``:

        - ``"group_lasso"``: :math:`\\sum_j \\|W_{j,:}\\|_2`, the tasks select
          the same features;
        - ``"trace_norm"``: :math:`\\sum_k \\sigma_k(W)`, the tasks share a
          low-dimensional representation (low-rank ``W``);
        - ``"lasso"``: :math:`\\sum_{j,t} |W_{jt}|`, independent sparse tasks;
        - ``"ridge"``: :math:`\\tfrac12 \\|W\\|_F^2`, independent dense tasks;
        - ``"task_group_lasso"``: :math:`\\sum_t \\|W_{:,t}\\|_2`, whole tasks
          switched off (mostly a part of the robust models);
        - the structures of :mod:`skmtl.structures`: ``"dirty"``,
          ``"robust_trace_norm"``, ``"robust_group_lasso"``,
          ``"sparse_low_rank"`` (``W`` as a sum of parts, each with its norm;
          the parts are fitted attributes), ``"task_graph"``,
          ``"clustered"`` and ``"caso"`` (smooth terms relating the tasks).
          Each class documents its exact term.
    alpha : float, default=0.01
        Non-negative strength of the penalty. Its scale is that of the data
        term, half the mean squared error of the targets (targets such as exam
        scores in points need a much larger alpha than standardised ones): for
        norm penalties all coefficients are exactly zero when
        ``alpha >= alpha_max`` (:func:`skmtl.alpha_max`),
        and :func:`skmtl.penalty_grid` gives a grid from the data for
        ``GridSearchCV``.
    l2 : float, default=0.0
        Strength of an extra ridge term :math:`\\frac{l_2}{2} \\|W\\|_F^2`,
        available with every penalty (with a sparse penalty, the l2 mix of an
        elastic net). It does not change ``alpha_max``.
    intercept_shrinkage : float, default=0.0
        Strength :math:`\\gamma \\ge 0` of the term
        :math:`\\gamma \\sum_t (\\tilde b_t - \\bar b)^2` that pulls the task
        intercepts towards their mean (:math:`\\bar b`, the plain mean over
        tasks), as a mixed model's random intercept does: with few rows per
        task, free intercepts are mostly noise. :math:`\\tilde b_t =
        b_t + \\bar x^\\top W_{:,t}` is task ``t``'s intercept at the mean
        :math:`\\bar x` of the features over all rows (weighted as in the data
        term), so shifting a feature changes nothing. 0: free intercepts;
        ``np.inf``: one intercept for every task. On the scale of the data
        term: a task whose rows weigh :math:`S_t` in it (:math:`S_t \\approx
        T n_t / n` for the squared loss) keeps about :math:`S_t / (S_t +
        2\\gamma)` of its own deviation. Needs ``fit_intercept=True``, one
        column per task (regression or binary tasks) and data in memory.
    task_column : int or str, default=None
        Where ``X`` says which task each row belongs to: a column name (for a
        DataFrame) or a position. Then ``y`` is 1-D, each row is one observation
        of its task, the task column is not a feature, and ``predict`` uses each
        row's task. When None, all tasks share ``X`` and ``y`` has one column per
        task.
    task_weighting : {"observations", "tasks"}, default="observations"
        Whether each observation or each task counts equally in the loss when
        tasks have different numbers of observations (see the objective).
    missing_targets : {"error", "ignore"}, default="error"
        What a NaN target means. ``"error"``: NaN in ``y`` is an error, as in
        scikit-learn, so that a NaN introduced by mistake is never silently
        dropped. ``"ignore"``: NaN marks an unobserved (sample, task) pair,
        which is left out of the loss (never imputed); a sample with no
        observed target does not contribute. NaN in ``X`` is always an error.
    unknown_task : {"error", "mean"}, default="error"
        With a ``task_column``: what ``predict`` does with a task not seen in
        fit. ``"error"`` raises a ValueError; ``"mean"`` predicts with the mean
        of the fitted tasks' coefficients and intercepts.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept per task.
    max_iter : int, default=1000
        Maximum number of solver iterations.
    tol : float, default=1e-4
        Stopping tolerance: the fit stops when the duality gap is at most
        ``tol`` times the objective of the null model (all coefficients zero,
        intercepts at the task means).
    warm_start : bool, default=False
        Start from the previous solution when the shapes agree.
    verbose : int, default=0
        Print solver progress when positive.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
        Coefficients, one row per task (``W`` transposed), as in
        :class:`~sklearn.linear_model.MultiTaskLasso`. With a ``task_column``
        the features are the columns of ``X`` other than the task column, in
        order.
    intercept_ : ndarray of shape (n_tasks,)
        Per-task intercepts (zeros when ``fit_intercept=False``).
    n_tasks_ : int
        Number of tasks (1 for a 1-D ``y`` without task column).
    tasks_ : ndarray of shape (n_tasks,)
        Task labels, in the order of the rows of ``coef_``: the sorted labels of
        the task column, the column names of a DataFrame ``y``, or
        ``0, ..., n_tasks - 1``.
    n_iter_ : int
        Number of solver iterations run.
    dual_gap_ : float
        Final duality gap of the objective above.
    optimality_residual_ : float
        Final prox-gradient residual, relative to the gradient of the null
        model.
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
    MultiTaskClassifier : The same structures with logistic/multinomial loss.
    sklearn.linear_model.MultiTaskLasso : The group-lasso case alone.

    Notes
    -----
    The solver is an accelerated proximal gradient method (FISTA) with line
    search and adaptive restart on the design centred by its (weighted) feature
    means, so that sparse ``X`` stays sparse. The duality gap is evaluated
    every few iterations; a :class:`~sklearn.exceptions.ConvergenceWarning` is
    raised if ``max_iter`` iterations do not bring it below the tolerance.

    float32 input gives float32 coefficients and predictions: for float32
    ``X`` (a DataFrame: every feature column float32), ``coef_``,
    ``intercept_``, the parts ``P_``, ``Q_``, ... and :meth:`predict` are
    float32; any other dtype gives float64. The solver works in float64 (its
    duality gap needs the precision), on a float64 copy of a float32 ``X``
    that lives as long as the fit: with a shared ``X``, fitting on float32
    takes more memory than on float64 (4 + 8 bytes per entry instead of 8).
    :meth:`predict` uses float32 ``X`` as it is (see the user guide, "What is
    validated").

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, coef = make_multitask_regression(
    ...     n_samples=60, n_features=20, n_tasks=5, n_informative=3, random_state=0)
    >>> model = MultiTaskRegressor(penalty="group_lasso", alpha=0.1).fit(X, Y)
    >>> model.coef_.shape
    (5, 20)
    >>> int((abs(model.coef_).sum(axis=0) > 0).sum()) <= 20
    True
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the coefficients of all tasks jointly.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Design matrix shared by all tasks, or with a ``task_column`` one row
            per observation.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets; a 1-D ``y`` is a single task, or with a ``task_column``
            the target of each row.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.

        Returns
        -------
        self : MultiTaskRegressor
            The fitted estimator.
        """
        return self._fit_datafit(self._memory_datafit, X, y, sample_weight)

    def _encode_task(self, task, values, weights):
        """A regression task: one column, the squared loss, targets as given."""
        return 1, SquaredLoss(), np.asarray(values, dtype=np.float64)[:, None], None

    def _store_task_info(self, infos, task_losses):
        """Nothing to store beyond the common attributes."""

    def fit_from_statistics(self, statistics):
        """Fit from sufficient statistics instead of the data.

        The objective is the one of :meth:`fit` on the rows the statistics
        were built from, so the solution is the same (to the solver's
        tolerance); the cost of the fit does not depend on the number of rows.

        Parameters
        ----------
        statistics : MultiTaskMoments
            Statistics built by :meth:`skmtl.outofcore.MultiTaskMoments.partial_fit`
            or :meth:`~skmtl.outofcore.MultiTaskMoments.from_dask`, with the same
            ``task_column`` as this estimator.

        Returns
        -------
        self : MultiTaskRegressor
            The fitted estimator.
        """
        return self._fit_datafit(self._statistics_datafit, statistics)

    def _statistics_datafit(self, statistics):
        """The Gram datafit of sufficient statistics, and their task information."""
        if statistics.task_column != self.task_column:
            raise ValueError(
                f"The statistics were built with task_column="
                f"{statistics.task_column!r} but the estimator has task_column="
                f"{self.task_column!r}; use the same layout for both."
            )
        gram, cross, variation, y_mean, x_mean = statistics.design_statistics(
            self.fit_intercept, self.task_weighting
        )
        datafit = GramDatafit(gram, cross, variation, y_mean, InterceptMap(x_mean))
        labels = statistics.tasks_
        tasks = _TaskInfo(
            labels=labels,
            task_losses=[(1, SquaredLoss())] * labels.size,
            classes=[None] * labels.size,
            single_task=self.task_column is not None or statistics._single_task,
            n_features_in=statistics.n_features_in_,
            feature_names_in=getattr(statistics, "feature_names_in_", None),
        )
        return datafit, tasks

    def _dask_datafit(self, X, y, sample_weight=None):
        """The datafit of dask collections: their statistics, reduced blockwise.

        The capability :func:`skmtl.outofcore.fit_dask` looks for; one pass
        over the blocks (:meth:`MultiTaskMoments.from_dask`). The columns of
        a DataFrame ``y`` name the tasks, as in an in-memory fit.
        """
        statistics = MultiTaskMoments.from_dask(
            X, y, sample_weight, task_column=self.task_column
        )
        datafit, tasks = self._statistics_datafit(statistics)
        if self.task_column is None:
            tasks = replace(tasks, labels=dask_task_labels(y, tasks.labels.size))
        return datafit, tasks

    def predict(self, X):
        """Predict every task for each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples (with the task column when the model has one).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            Predictions; 1-D when the model was fitted on a 1-D ``y``, and with
            a task column the prediction of each row's task.
        """
        X, index = self._prediction_rows(X)
        if index is None:
            prediction = safe_sparse_dot(X, self.coef_.T, dense_output=True)
            prediction = prediction + self.intercept_
            return prediction.ravel() if self._single_task else prediction
        if not sp.issparse(X):
            # Every row with its task's coefficients at once (a loop over
            # thousands of tasks cost more than the products): row -1 (an
            # unknown task) reads the mean task, stored last.
            coef = np.vstack([self.coef_, self.coef_.mean(axis=0)])
            intercept = np.append(self.intercept_, self.intercept_.mean())
            rows = np.where(index >= 0, index, self.coef_.shape[0])
            # (C order: the same sums whatever the layout of the input)
            X = np.ascontiguousarray(X)
            return np.einsum("ij,ij->i", X, coef[rows]) + intercept[rows]
        prediction = np.empty(X.shape[0], dtype=self._output_dtype(X))
        for task, rows in rows_by_task(index):
            if task >= 0:
                coef, intercept = self.coef_[task], self.intercept_[task]
            else:
                coef, intercept = self.coef_.mean(axis=0), self.intercept_.mean()
            prediction[rows] = safe_sparse_dot(X[rows], coef) + intercept
        return prediction

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination :math:`R^2`, skipping missing targets.

        A missing target (NaN, None or pandas' NA) is left out, and the row's
        other targets count. With a shared design: the :math:`R^2` of each
        task on its observed targets, averaged over tasks with the weights of
        ``task_weighting`` (each task's number of observed targets for
        ``"observations"``, equal for ``"tasks"``); with a complete ``Y`` every
        task has the same weight, as in scikit-learn's ``r2_score`` of several
        outputs. With a ``task_column``: the :math:`R^2` of all observed rows
        together, as scikit-learn's ``score`` of a 1-D ``y`` (the pooled
        explained variance); ``skmtl.metrics.r2_scorer`` averages per task.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples (with the task column when the model has one).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :math:`R^2` (1 is perfect, 0 predicts the mean of each task).
        """
        if self.task_column is None:
            return mean_task_score(self, X, y, metric="r2", sample_weight=sample_weight)
        prediction = self.predict(X)
        y = np.asarray(_pandas_na_as_none(y))
        if y.shape != prediction.shape:
            raise ValueError(
                f"y has shape {y.shape}, but the model predicts {prediction.shape}."
            )
        observed = ~_is_missing(y)
        weight = None if sample_weight is None else np.asarray(sample_weight)[observed]
        truth = np.asarray(y[observed], dtype=np.float64)
        return float(r2_score(truth, prediction[observed], sample_weight=weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = True
        return tags
