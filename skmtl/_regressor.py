"""MultiTaskRegressor: squared loss with a multi-task penalty."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import _MultiTaskLinear
from .losses import SquaredLoss

_ACCEPT_SPARSE = ("csr", "csc")


class MultiTaskRegressor(RegressorMixin, _MultiTaskLinear):
    """Linear regression of several related tasks with shared structure.

    Minimises over the coefficients ``W`` (n_features, n_tasks) and the
    per-task intercepts ``b``

    .. math::

        \\frac{1}{2 n} \\sum_{i=1}^{n} s_i \\, \\|y_i - W^\\top x_i - b\\|_2^2
        + \\alpha \\, \\Omega(W),

    where ``n`` is the number of samples and the sample weights ``s_i``
    (all 1 by default) are rescaled to sum to ``n``. Without sample weights
    the data term is :math:`\\frac{1}{2n}\\|Y - XW - 1 b^\\top\\|_F^2`, and
    ``penalty="group_lasso"`` is exactly scikit-learn's
    :class:`~sklearn.linear_model.MultiTaskLasso`.

    Parameters
    ----------
    penalty : {"group_lasso", "trace_norm", "lasso", "ridge"}, \
            default="group_lasso"
        The structure :math:`\\Omega` shared by the tasks:

        - ``"group_lasso"``: :math:`\\sum_j \\|W_{j,:}\\|_2`, the tasks select
          the same features;
        - ``"trace_norm"``: :math:`\\sum_k \\sigma_k(W)`, the tasks share a
          low-dimensional representation (low-rank ``W``);
        - ``"lasso"``: :math:`\\sum_{j,t} |W_{jt}|`, independent sparse tasks;
        - ``"ridge"``: :math:`\\tfrac12 \\|W\\|_F^2`, independent dense tasks.
    alpha : float, default=0.01
        Non-negative strength of the penalty. For the three norm penalties,
        all coefficients are exactly zero when ``alpha >= alpha_max``, see
        :func:`skmtl.alpha_max`.
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
        :class:`~sklearn.linear_model.MultiTaskLasso`.
    intercept_ : ndarray of shape (n_tasks,)
        Per-task intercepts (zeros when ``fit_intercept=False``).
    n_tasks_ : int
        Number of tasks (1 for a 1-D ``y``).
    n_iter_ : int
        Number of solver iterations run.
    dual_gap_ : float
        Final duality gap of the objective above.
    optimality_residual_ : float
        Final prox-gradient residual, relative to the gradient of the null
        model.
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
    MultiTaskClassifier : The same structures with logistic/multinomial loss.
    sklearn.linear_model.MultiTaskLasso : The group-lasso case alone.

    Notes
    -----
    The solver is an accelerated proximal gradient method (FISTA) with line
    search and adaptive restart on the design centred by its (weighted) feature
    means, so that sparse ``X`` stays sparse. The duality gap is evaluated
    every few iterations; a :class:`~sklearn.exceptions.ConvergenceWarning` is
    raised if ``max_iter`` iterations do not bring it below the tolerance.

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
            Design matrix shared by all tasks.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets; a 1-D ``y`` is a single task.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.

        Returns
        -------
        self : MultiTaskRegressor
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
            y_numeric=True,
        )
        y = np.asarray(y, dtype=np.float64)
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D, got {y.ndim} dimensions.")
        self._single_task = y.ndim == 1
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_tasks_ = Y.shape[1]
        sample_weight = self._checked_sample_weight(sample_weight, X.shape[0])
        return self._build_datafit(
            X, Y, [(slice(0, Y.shape[1]), SquaredLoss())], sample_weight
        )

    def predict(self, X):
        """Predict every task for each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            Predictions; 1-D when the model was fitted on a 1-D ``y``.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=_ACCEPT_SPARSE, dtype=np.float64, reset=False
        )
        prediction = safe_sparse_dot(X, self.coef_.T, dense_output=True)
        prediction = prediction + self.intercept_
        return prediction.ravel() if self._single_task else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = True
        return tags
