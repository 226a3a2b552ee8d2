"""The squared loss from sufficient statistics: cost per iteration free of n.

For the squared loss on a shared design with the same weights for every task,
the data term depends on the data only through

.. math::

    Q = X_c^\\top D X_c, \\qquad C = X_c^\\top D Y_c, \\qquad
    \\gamma_t = \\sum_i w_i (y_{it} - \\bar y_t)^2,

with :math:`D = \\operatorname{diag}(w)` and ``X_c``, ``Y_c`` centred by their
weighted means:

.. math::

    F(W) = \\tfrac12 \\langle W, Q W \\rangle - \\langle W, C \\rangle
    + \\tfrac12 \\textstyle\\sum_t \\gamma_t.

The optimal intercepts are the target means whatever ``W`` (the centred
columns are orthogonal to the constant), so they are fixed, not optimised.
One iteration costs O(d^2 T) instead of O(n d T); building ``Q`` costs
O(n d^2) once. The solver state is the stacked matrix ``[Q W; W]``, linear in
``W`` like the scores of :class:`skmtl.datafits.loss.LossDatafit`.
"""

import numpy as np
from scipy.linalg import eigh
from scipy.sparse.linalg import eigsh

from ..utils.linalg import inner, product_with

# Up to this many features, all eigenvalues (numpy, little call overhead)
# cost less than the top one alone through scipy's subset driver.
_FULL_EIGEN_MAX_FEATURES = 40
# Above this many features, the top eigenvalue by Lanczos iterations costs less
# than LAPACK's subset driver (0.46 s against 0.07 s at 2,000 features, 7 ms
# against 1.5 ms at 400).
_SUBSET_EIGEN_MAX_FEATURES = 200


class GramDatafit:
    """Squared loss of a shared design, from ``Q``, ``C`` and ``gamma``.

    Parameters
    ----------
    gram : ndarray of shape (n_features, n_features) or \
            (n_columns, n_features, n_features)
        Weighted Gram matrix of the centred design, shared by all columns, or
        one per column (tasks with their own samples or weights).
    cross : ndarray of shape (n_features, n_columns)
        Weighted products of the centred design and centred targets.
    target_variation : float
        Weighted sum of squares of the centred targets (all columns).
    target_mean : ndarray of shape (n_columns,)
        Weighted mean of each target column: the intercepts ``c``.
    data : object
        Layout whose ``intercept`` and ``offset`` convert intercepts (kept for
        the estimator) and whose sizes are reported.
    """

    fit_intercept = False  # the intercepts are fixed at their optimum
    has_dual_point = True  # the residual is a dual point whatever W
    is_quadratic = True
    cheap_dual_point = True

    def __init__(self, gram, cross, target_variation, target_mean, data):
        self.gram_matrix = gram
        self.cross = cross
        self.target_variation = target_variation
        self.target_mean = target_mean
        self.data = data
        self.n_features, self.n_columns = cross.shape

    @property
    def product_size(self):
        """Multiply-adds of a state: ``Q W`` (d^2 per column)."""
        return float(self.n_features) ** 2 * self.n_columns

    def _stack(self, W, QW):
        return np.vstack([QW, W])

    def forward(self, W, c):
        """The state ``[Q W; W]`` (``c`` is fixed and ignored)."""
        if self.gram_matrix.ndim == 3:
            return self._stack(W, np.einsum("cjk,kc->jc", self.gram_matrix, W))
        return self._stack(W, product_with(self.gram_matrix, W))

    def value(self, Z):
        """Data term at the state ``Z``."""
        QW, W = Z[: self.n_features], Z[self.n_features :]
        return 0.5 * float(
            inner(W, QW) - 2.0 * inner(W, self.cross) + self.target_variation
        )

    def gradient_at(self, Z):
        """Gradient ``Q W - C`` in ``W``, zero in the (fixed) intercepts."""
        return Z[: self.n_features] - self.cross, np.zeros(self.cross.shape[1])

    def dual_candidate(self, Z, grad_W=None):
        """The residual, held implicitly by the state, and ``X_c^T D R``."""
        if grad_W is None:
            grad_W = Z[: self.n_features] - self.cross
        return Z, grad_W

    def conjugate(self, V, scale):
        """Conjugate of the data term at the scaled residual ``scale * D R``.

        With :math:`R = X_c W - Y_c`, this is
        :math:`\\tfrac12 s^2 \\sum w r^2 + s \\sum w r y_c`, both sums taken
        from the statistics.
        """
        QW, W = V[: self.n_features], V[self.n_features :]
        W_cross = inner(W, self.cross)
        residual_sq = inner(W, QW) - 2.0 * W_cross + self.target_variation
        residual_dot_target = W_cross - self.target_variation
        return float(0.5 * scale**2 * residual_sq + scale * residual_dot_target)

    def null_intercept(self):
        """The target means."""
        return self.target_mean.copy()

    def null_model(self):
        """Intercepts, state and gradient of the all-zero model."""
        zeros = np.zeros_like(self.cross)
        return self.null_intercept(), self._stack(zeros, zeros), -self.cross

    def lipschitz_constant(self):
        """Largest eigenvalue of ``Q`` (of any column's ``Q``)."""
        if self.n_features == 0:
            return 0.0
        grams = self.gram_matrix
        grams = grams[None] if grams.ndim == 2 else grams
        if self.n_features <= _FULL_EIGEN_MAX_FEATURES:
            return max(float(np.linalg.eigvalsh(gram)[-1]) for gram in grams)
        if self.n_features <= _SUBSET_EIGEN_MAX_FEATURES:
            last = [self.n_features - 1, self.n_features - 1]
            return max(
                float(eigh(gram, eigvals_only=True, subset_by_index=last)[0])
                for gram in grams
            )
        # Lanczos: a few products with Q instead of a reduction to tridiagonal
        # form (O(d^3)); the value only seeds the line search, which adapts it.
        start = np.ones(self.n_features)
        return max(
            float(eigsh(gram, k=1, which="LA", v0=start, tol=1e-4)[0][0])
            for gram in grams
        )

    def restrict(self, features):
        """The statistics of a subset of the features."""
        return GramDatafit(
            self.gram_matrix[..., features[:, None], features],
            self.cross[features],
            self.target_variation,
            self.target_mean,
            self.data,
        )

    def fast_form(self):
        """Already in Gram form."""
        return self
