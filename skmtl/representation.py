"""What a multi-task fit learned, reused as features for new tasks.

A trace-norm fit finds a low-dimensional subspace that every task's
coefficient vector lies in; a group-lasso fit finds the features that every
task uses. :class:`SharedSubspace` exposes either as a scikit-learn
transformer, so that a new task with few samples is fitted in that small
space: ``make_pipeline(SharedSubspace(fitted_model, prefit=True), RidgeCV())``
fits a new column of ``W`` restricted to the shared subspace (or support).
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from .penalties.structures import make_penalty

KINDS = ("auto", "subspace", "support")


def _shares_support(penalty):
    """Whether the tasks of ``penalty`` share a support (rows of W), not a subspace."""
    try:
        penalty = make_penalty(penalty)
    except (TypeError, ValueError):
        return False
    return penalty.shared_structure == "support"


class SharedSubspace(TransformerMixin, BaseEstimator):
    """Project the features on the structure shared by a multi-task linear fit.

    With ``W`` (n_features, n_columns) the coefficients of the multi-task
    model (``coef_.T``) and its thin SVD :math:`W = U \\Sigma V^\\top`, the
    ``"subspace"`` transform is :math:`x \\mapsto U_k^\\top x`: the
    coordinates of ``x`` along the ``k`` leading left singular vectors, the
    directions every task's predictions are made of. A linear model of these
    ``k`` features is a linear model of ``x`` whose coefficient vector lies in
    the shared subspace. The ``"support"`` transform keeps the features whose
    row of ``W`` is not zero.

    Parameters
    ----------
    estimator : estimator, default=None
        A multi-task linear model with a ``coef_`` of shape (n_columns,
        n_features): :class:`~skmtl.MultiTaskRegressor`,
        :class:`~skmtl.MultiTaskClassifier` or their CV versions. None means
        ``MultiTaskRegressor(penalty="trace_norm")``.
    n_components : int, float or None, default=None
        For ``"subspace"``: the number ``k`` of singular vectors kept; a float
        in (0, 1) keeps the fewest whose squared singular values make up that
        fraction of the total; None keeps the numerical rank of ``W`` (the
        singular values above ``1e-8`` times the largest; a trace-norm fit has
        exact zeros). Ignored for ``"support"``.
    kind : {"auto", "subspace", "support"}, default="auto"
        Which structure to keep; ``"auto"`` is ``"support"`` when the
        estimator's penalty is the group lasso and ``"subspace"`` otherwise.
    prefit : bool, default=False
        Whether ``estimator`` is already fitted (on the old tasks). Then
        ``fit`` does not refit it and only records the input size, so the
        transformer can sit at the start of a pipeline fitted on a new task.

    Attributes
    ----------
    estimator_ : estimator
        The fitted multi-task model (``estimator`` itself when ``prefit``).
    kind_ : str
        ``"subspace"`` or ``"support"``.
    components_ : ndarray of shape (n_components_, n_features)
        The rows that ``transform`` multiplies ``x`` by: leading left singular
        vectors of ``W``, or indicator rows of the supported features.
    singular_values_ : ndarray
        All singular values of ``W``, decreasing.
    support_ : ndarray of shape (n_features,)
        Boolean mask of the features whose row of ``W`` is not zero.
    n_components_ : int
        Number of output features.
    n_features_in_ : int
        Number of features of ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.

    See Also
    --------
    sklearn.frozen.FrozenEstimator : Another way to keep a fitted step frozen.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import RidgeCV
    >>> from sklearn.pipeline import make_pipeline
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> from skmtl.representation import SharedSubspace
    >>> X, Y, _ = make_multitask_regression(
    ...     200, 30, 11, structure="low_rank", rank=2, random_state=0)
    >>> old = MultiTaskRegressor(penalty="trace_norm", alpha=0.3).fit(X, Y[:, :10])
    >>> subspace = SharedSubspace(old, prefit=True)
    >>> new_task = make_pipeline(subspace, RidgeCV()).fit(X[:15], Y[:15, 10])
    >>> subspace.n_components_ <= 10
    True
    """

    def __init__(self, estimator=None, *, n_components=None, kind="auto", prefit=False):
        self.estimator = estimator
        self.n_components = n_components
        self.kind = kind
        self.prefit = prefit

    def fit(self, X, y=None, **fit_params):
        """Fit the multi-task model (unless ``prefit``) and extract its structure.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data of the multi-task model (the features only), or with
            ``prefit`` any data with the model's number of features.
        y : array-like of shape (n_samples, n_tasks), default=None
            Targets of the multi-task model; ignored with ``prefit``.
        **fit_params : dict
            Passed to the multi-task model's ``fit``.

        Returns
        -------
        self : SharedSubspace
            The fitted transformer.
        """
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            valid = ", ".join(repr(kind) for kind in KINDS)
            raise ValueError(f"kind must be one of {valid}, got {self.kind!r}.")
        if self.prefit:
            if self.estimator is None:
                raise ValueError("prefit=True needs a fitted estimator, got None.")
            check_is_fitted(self.estimator, "coef_")
            self.estimator_ = self.estimator
            validate_data(self, X, accept_sparse=("csr", "csc"), reset=True)
        else:
            if y is None:
                raise ValueError(
                    "SharedSubspace needs the multi-task targets y to fit its "
                    "estimator; pass prefit=True with an estimator fitted already."
                )
            from ._regressor import MultiTaskRegressor

            default = MultiTaskRegressor(penalty="trace_norm")
            model = clone(default if self.estimator is None else self.estimator)
            validate_data(self, X, accept_sparse=("csr", "csc"), reset=True)
            self.estimator_ = model.fit(X, y, **fit_params)
        W = np.asarray(self.estimator_.coef_, dtype=float).T
        if W.shape[0] != self.n_features_in_:
            raise ValueError(
                f"The multi-task model has {W.shape[0]} features but X has "
                f"{self.n_features_in_}. Pass X without a task column, with the "
                "features the model was fitted on."
            )
        self.kind_ = self._resolved_kind()
        self.support_ = np.any(W != 0, axis=1)
        U, singular_values, _ = np.linalg.svd(W, full_matrices=False)
        self.singular_values_ = singular_values
        # The SVD runs in float64; the components take the model's dtype, so
        # that a model fitted on float32 transforms float32 X into float32.
        dtype = np.asarray(self.estimator_.coef_).dtype
        dtype = dtype if dtype == np.float32 else np.float64
        if self.kind_ == "support":
            self.components_ = np.eye(W.shape[0], dtype=dtype)[self.support_]
        else:
            k = self._n_kept(singular_values)
            self.components_ = np.ascontiguousarray(U[:, :k].T, dtype=dtype)
        self.n_components_ = self.components_.shape[0]
        if self.n_components_ == 0:
            # As SelectFromModel does when nothing is selected: an empty
            # transform and a warning, not an error (the fit itself is valid).
            warnings.warn(
                "The multi-task model has all coefficients zero, so it shares no "
                "subspace or feature and transform returns no columns. Fit it with "
                "a smaller alpha.",
                UserWarning,
                stacklevel=2,
            )
        return self

    def _resolved_kind(self):
        if self.kind != "auto":
            return self.kind
        penalty = getattr(self.estimator_, "penalty_", None)
        if penalty is None:
            penalty = getattr(self.estimator_, "penalty", None)
        return "support" if _shares_support(penalty) else "subspace"

    def _n_kept(self, singular_values):
        top = singular_values[0] if singular_values.size else 0.0
        rank = int(np.count_nonzero(singular_values > 1e-8 * top)) if top > 0 else 0
        n = self.n_components
        if n is None:
            return rank
        if isinstance(n, numbers.Integral) and not isinstance(n, bool):
            if not 1 <= n <= singular_values.size:
                raise ValueError(
                    f"n_components must be between 1 and {singular_values.size} "
                    f"(the number of singular values of W), got {n}."
                )
            return int(n)
        if isinstance(n, numbers.Real) and 0 < n < 1:
            squares = singular_values**2
            energy = np.cumsum(squares) / max(np.sum(squares), np.finfo(float).tiny)
            return int(min(np.searchsorted(energy, n) + 1, rank))
        raise ValueError(
            f"n_components must be None, a positive integer or a float in (0, 1), "
            f"got {n!r}."
        )

    def transform(self, X):
        """Coordinates of ``X`` in the shared subspace, or its supported features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples (the features only, no task column).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components_)
            ``X @ components_.T``: float32 when ``X`` and the multi-task
            model's coefficients are float32, else float64.
        """
        check_is_fitted(self, "components_")
        X = validate_data(
            self,
            X,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            reset=False,
        )
        return np.asarray(X @ self.components_.T)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input features; ``feature_names_in_`` or
            ``x0, x1, ...`` when None.

        Returns
        -------
        names : ndarray of str
            The supported input names for ``"support"``, else
            ``sharedsubspace0``, ``sharedsubspace1``, ...
        """
        check_is_fitted(self, "components_")
        if self.kind_ == "support":
            if input_features is None:
                input_features = getattr(self, "feature_names_in_", None)
            if input_features is None:
                input_features = [f"x{j}" for j in range(self.n_features_in_)]
            return np.asarray(input_features, dtype=object)[self.support_]
        return np.asarray(
            [f"sharedsubspace{k}" for k in range(self.n_components_)], dtype=object
        )
