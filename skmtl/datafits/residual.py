"""The squared loss on a shared design, held as its residual.

For the squared loss on one design shared by every column, with the same
weights ``w`` in every column, the optimal intercepts are the weighted target
means whatever ``W`` (the centred columns of ``X`` are orthogonal to the
constant). They are fixed, and the data term is a function of ``W`` alone:

.. math::

    F(W) = \\tfrac12 \\sum_i w_i \\|r_i\\|^2, \\qquad R = X_c W - Y_c,

with ``X_c`` and ``Y_c`` centred by their weighted means (never
materialised: ``X_c W = X W - 1 \\bar x^\\top W``). The solver state is the
residual ``R``, affine in ``W``, so a solver may extrapolate it.

This is the form the solvers use when the Gram form
(:class:`skmtl.datafits.gram.GramDatafit`, whose iterations do not depend on ``n``)
is not cheaper: at most as many samples as features, or a sparse ``X`` with
fewer non-zeros than the (d, d) Gram matrix would hold. Compared with the general
:class:`skmtl.datafits.loss.LossDatafit` it drops the intercept variables, the loss
blocks and the centring of the dual point: an iteration is the two products
with ``X`` and a few element-wise operations, which is what sets the speed on
problems of a few hundred samples.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from ..utils.linalg import inner, product_with, require_finite_features
from .gram import GramDatafit

# The Gram form stores a dense (d, d) matrix: beyond this many features (200 MB
# of float64), or for a sparse X with fewer non-zeros than d^2, the design
# itself is used instead.
GRAM_MAX_FEATURES = 5000
# Power iteration for the largest eigenvalue of X_c^T D X_c: it only seeds the
# line search (which corrects an underestimate), so a loose accuracy suffices.
_POWER_ITERATIONS = 30
_POWER_RTOL = 1e-2


def gram_is_cheaper(X):
    """Whether the Gram form of ``X`` beats products with ``X`` itself.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The design (or the columns of a working set).

    Returns
    -------
    cheaper : bool
        True when there are more samples than features, the (d, d) matrix is
        not too large, and (sparse ``X``) it has no more entries than ``X``.
    """
    n_samples, n_features = X.shape
    return (
        n_samples > n_features
        and n_features <= GRAM_MAX_FEATURES
        and (not sp.issparse(X) or n_features**2 <= X.nnz)
    )


class ResidualDatafit:
    """Weighted squared loss of a shared design, intercepts at their optimum.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The (uncentred) design, or the columns of a working set.
    x_mean : ndarray of shape (n_features,)
        Weighted feature means (zeros without intercept).
    sample_weight : ndarray of shape (n_samples,)
        The weight of each row, the same in every column.
    centred_targets : ndarray of shape (n_samples, n_columns)
        Targets minus ``target_mean``.
    target_mean : ndarray of shape (n_columns,)
        The fixed intercepts ``c`` (zeros without intercept).
    cross : ndarray of shape (n_features, n_columns)
        ``X_c^T D Y_c``, minus the gradient of the null model (given so that
        it agrees to the bit with the layout's, and hence with
        ``alpha_max``).
    data : object
        Layout whose ``intercept`` and ``offset`` convert intercepts (kept for
        the estimator).
    """

    fit_intercept = False  # the intercepts are fixed at their optimum
    has_dual_point = True  # the residual is a dual point whatever W
    is_quadratic = True
    cheap_dual_point = True

    def __init__(
        self, X, x_mean, sample_weight, centred_targets, target_mean, cross, data
    ):
        self.X = X
        self.x_mean = x_mean
        self.sample_weight = sample_weight
        self.centred_targets = centred_targets
        self.target_mean = target_mean
        self.cross = cross
        self.data = data
        self.n_features, self.n_columns = cross.shape
        self._dense = not sp.issparse(X)
        self._no_intercept_gradient = np.zeros(self.n_columns)
        uniform = np.all(sample_weight == sample_weight[0])
        # Uniform weights are one scalar: no (n, T) product per evaluation.
        self._scalar_weight = float(sample_weight[0]) if uniform else None
        self._row_weight = None if uniform else sample_weight[:, None]
        # D Y_c, for the conjugate; not stored for uniform weights (a scalar).
        self._weighted_targets = None if uniform else self._weighted(centred_targets)
        self.target_variation = 2.0 * self.value(centred_targets)

    @classmethod
    def from_design(cls, data, target_mean):
        """The form of a shared design (:class:`~skmtl._layout.designs.SharedDesign`).

        Parameters
        ----------
        data : SharedDesign
            A layout of the squared loss whose columns all have the same
            weights.
        target_mean : ndarray of shape (n_columns,)
            The intercepts of the null model as the layout computes them.

        Returns
        -------
        datafit : ResidualDatafit
            The equivalent datafit.
        """
        Y = data.targets
        # The null gradient exactly as the layout computes it (the same
        # operations in the same order), its (n, T) temporary freed before the
        # centred targets are made.
        weighted_null_residual = target_mean - Y
        weighted_null_residual *= data.weights
        cross = -data.adjoint(weighted_null_residual)
        del weighted_null_residual
        return cls(
            data.X,
            np.ascontiguousarray(data.x_offset[:, 0]),
            data.weights[:, 0],
            Y - target_mean,
            target_mean,
            cross,
            data,
        )

    def _weighted(self, R):
        if self._scalar_weight is not None:
            return self._scalar_weight * R
        return self._row_weight * R

    def _design_product(self, V):
        """``X_c V`` without forming ``X_c``."""
        product = product_with(self.X, V)
        product -= self.x_mean @ V
        return product

    def _adjoint(self, U):
        """``X_c^T U`` for a ``U`` whose columns sum to zero.

        Every ``U`` the solvers pass (a weighted residual, or the weighted
        image of ``X_c``) has zero column sums, because the centred columns
        of ``X`` and the centred targets are orthogonal to ``w``; then
        ``X_c^T U = X^T U`` and the centring term, a multiple of those sums,
        is left out.
        """
        if self._dense:
            return self.X.T @ U
        return safe_sparse_dot(self.X.T, U, dense_output=True)

    @property
    def product_size(self):
        """Multiply-adds of a state and gradient: two products with ``X``."""
        stored = self.X.nnz if sp.issparse(self.X) else self.X.size
        return 2.0 * stored * self.n_columns

    def forward(self, W, c=None):
        """The residual ``X_c W - Y_c`` (``c`` is fixed and ignored)."""
        R = self._design_product(W)
        R -= self.centred_targets
        return R

    def value(self, R):
        """Data term at the residual ``R``."""
        if self._scalar_weight is not None:
            return 0.5 * self._scalar_weight * inner(R, R)
        return 0.5 * inner(self._row_weight * R, R)

    def gradient_at(self, R):
        """Gradient ``X_c^T D R`` in ``W``, zero in the (fixed) intercepts."""
        return self._adjoint(self._weighted(R)), self._no_intercept_gradient

    def dual_candidate(self, R, grad_W=None):
        """The residual and ``X_c^T D R`` (reused when given)."""
        if grad_W is None:
            grad_W, _ = self.gradient_at(R)
        return R, grad_W

    def conjugate(self, R, scale):
        """Conjugate of the data term at the scaled residual ``scale * D R``.

        It is :math:`\\tfrac12 s^2 \\sum w r^2 + s \\sum w r y_c`.
        """
        if self._weighted_targets is None:
            residual_dot_target = self._scalar_weight * inner(R, self.centred_targets)
        else:
            residual_dot_target = inner(R, self._weighted_targets)
        return float(scale**2 * self.value(R) + scale * residual_dot_target)

    def null_intercept(self):
        """The target means."""
        return self.target_mean.copy()

    def null_model(self):
        """Intercepts, state and gradient of the all-zero model."""
        return self.null_intercept(), -self.centred_targets, -self.cross

    def lipschitz_constant(self):
        """Largest eigenvalue of ``X_c^T D X_c`` (power iteration, seeded)."""
        v = np.random.default_rng(0).standard_normal((self.n_features, 1))
        eigenvalue = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(_POWER_ITERATIONS):
                norm = np.linalg.norm(v)
                if norm == 0:
                    return 0.0
                v = self._adjoint(self._weighted(self._design_product(v / norm)))
                previous, eigenvalue = eigenvalue, float(np.linalg.norm(v))
                if abs(eigenvalue - previous) <= _POWER_RTOL * eigenvalue:
                    break
        return require_finite_features(eigenvalue)

    def restrict(self, features):
        """The same datafit with ``W`` restricted to the rows ``features``."""
        if np.array_equal(features, np.arange(self.n_features)):
            return self  # no copy of X
        return ResidualDatafit(
            self.X[:, features],
            self.x_mean[features],
            self.sample_weight,
            self.centred_targets,
            self.target_mean,
            self.cross[features],
            self.data,
        )

    def fast_form(self):
        """The Gram form when it is cheaper (more samples than features)."""
        if not gram_is_cheaper(self.X):
            return self
        X, w = self.X, self.sample_weight
        if self._scalar_weight is not None:
            gram = (X.T @ X) * self._scalar_weight
        else:
            root = np.sqrt(w)[:, None]
            scaled_X = X.multiply(root).tocsr() if sp.issparse(X) else X * root
            gram = scaled_X.T @ scaled_X
        gram = gram.toarray() if sp.issparse(gram) else np.asarray(gram)
        gram -= w.sum() * np.outer(self.x_mean, self.x_mean)
        require_finite_features(gram)
        return GramDatafit(
            gram, self.cross, self.target_variation, self.target_mean, self.data
        )
