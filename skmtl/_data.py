"""Internal forms of multi-task data: the only module that knows the layouts.

A layout turns validated user data into the few linear maps a solver needs,

- ``forward(W)``: the scores :math:`X_c W` of every observation,
- ``adjoint(U)``: :math:`X_c^\\top U`, back into coefficient space,

where :math:`X_c` is the design implicitly centred by the weighted feature
means when intercepts are fitted. Centring is a change of variable,
``z = (x - x_offset) @ w + c`` with ``b = c - x_offset @ w``: it leaves the
optimum unchanged, keeps sparse ``X`` sparse (the centring is never
materialised) and makes the intercept of the squared loss decouple from ``W``,
which conditions every solver better.

Observation weights ``weights`` have shape (n_samples, 1) and sum to one, so
the data term is a weighted mean over samples (see the user guide).
"""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot


class SharedDesign:
    """One design matrix shared by all tasks: ``X`` (n, d) with targets (n, C).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated design, float64.
    targets : ndarray of shape (n_samples, n_columns)
        Numeric targets, one column per task (or per class of a multi-class
        task, one-hot encoded).
    sample_weight : ndarray of shape (n_samples,) or None
        Non-negative weights with a positive sum; ``None`` means uniform.
    fit_intercept : bool
        Whether intercepts are fitted, and hence whether ``X`` is centred.
    """

    def __init__(self, X, targets, sample_weight, fit_intercept):
        n_samples = X.shape[0]
        if sample_weight is None:
            weights = np.full(n_samples, 1.0 / n_samples)
        else:
            weights = sample_weight / np.sum(sample_weight)
        self.X = X
        self.targets = targets
        self.weights = weights[:, None]
        self.fit_intercept = fit_intercept
        if fit_intercept:
            self.x_offset = np.asarray(safe_sparse_dot(X.T, weights)).ravel()
        else:
            self.x_offset = np.zeros(X.shape[1])

    @property
    def n_features(self):
        """Number of features (rows of W)."""
        return self.X.shape[1]

    @property
    def n_columns(self):
        """Number of score columns (columns of W)."""
        return self.targets.shape[1]

    def forward(self, W):
        """Scores of the centred design, :math:`X_c W`, shape (n_samples, n_columns)."""
        return safe_sparse_dot(self.X, W, dense_output=True) - self.x_offset @ W

    def adjoint(self, U):
        """Back-projection :math:`X_c^\\top U`, shape (n_features, n_columns)."""
        XtU = safe_sparse_dot(self.X.T, U, dense_output=True)
        return XtU - np.outer(self.x_offset, U.sum(axis=0))

    def intercept(self, W, c):
        """Intercepts ``b`` of the original (uncentred) model."""
        return c - self.x_offset @ W

    def offset(self, W, b):
        """Inverse of :meth:`intercept`: the centred-model intercepts ``c``."""
        return b + self.x_offset @ W
