"""The plain norms and ridge: the penalties that act on W as a whole."""

import numpy as np

from ..utils.linalg import row_norms
from .base import NormPenalty, Penalty
from .low_rank import TraceNormOperator, spectral_norm_bound
from .prox import (
    block_soft_threshold,
    column_group_soft_threshold,
    ridge_shrink,
    singular_value_threshold,
    soft_threshold,
)


class GroupLasso(NormPenalty):
    """L2,1 norm over feature rows: :math:`\\Omega(W) = \\sum_j \\|W_{j,:}\\|_2`.

    All tasks select the same features: a row of W is zero or not as a whole.
    Its dual norm is the largest row norm, :math:`\\max_j \\|G_{j,:}\\|_2`.
    """

    shared_structure = "support"

    row_separable = True

    def value(self, W):
        """Sum of the Euclidean norms of the rows of ``W``."""
        return float(np.sum(row_norms(W)))

    def prox(self, V, step):
        """Row-wise block soft thresholding at ``step``."""
        return block_soft_threshold(V, step)

    def dual_norm(self, G):
        """Largest Euclidean norm of a row of ``G``."""
        return float(np.max(self.row_dual_norms(G), initial=0.0))

    def row_dual_norms(self, G):
        """Euclidean norm of each row of ``G``."""
        return row_norms(G)

    smooth_on_support = True

    def support(self, W):
        """The nonzero rows of ``W``, as a mask of its shape (whole rows).

        Parameters
        ----------
        W : ndarray of shape (n_features, n_columns)
            Coefficients.

        Returns
        -------
        free : ndarray of bool, shape (n_features, n_columns)
            True on every entry of a nonzero row.
        """
        return np.broadcast_to((row_norms(W) > 0)[:, None], W.shape)

    def support_gradient(self, W):
        """Gradient on the support: each nonzero row over its norm.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_columns)
            Coefficients.

        Returns
        -------
        gradient : ndarray of shape (n_features, n_columns)
            ``W_j / ||W_j||`` on the nonzero rows, zero elsewhere.
        """
        norms = row_norms(W)
        return W / np.where(norms > 0, norms, 1.0)[:, None]

    def support_curvature(self, W, D):
        """Hessian on the support times ``D``: ``(D_j - u_j <u_j, D_j>) / ||W_j||``.

        ``u_j`` is row ``j`` of ``W`` over its norm: the norm curves only
        across the row's direction, by one over its length.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_columns)
            Coefficients.
        D : ndarray of shape (n_features, n_columns)
            Direction, zero off the support.

        Returns
        -------
        product : ndarray of shape (n_features, n_columns)
            The Hessian of the norm at ``W`` (on its support) times ``D``.
        """
        norms = row_norms(W)
        safe = np.where(norms > 0, norms, 1.0)[:, None]
        U = W / safe
        along = np.einsum("ij,ij->i", U, D)[:, None]
        return (D - U * along) / safe


class TraceNorm(NormPenalty):
    """Trace (nuclear) norm: :math:`\\Omega(W) = \\sum_k \\sigma_k(W)`.

    The tasks share a low-dimensional representation: the solution has low
    rank. Its dual norm is the spectral norm, the largest singular value.

    A fit binds it to a fresh
    :class:`~skmtl.penalties.low_rank.TraceNormOperator`, whose prox computes
    only the singular values above the threshold (a certified partial SVD,
    warm-started from the previous iteration) on large problems; this object
    itself holds no state.
    """

    shared_structure = "subspace"

    cheap_dual_point = False  # value and dual norm each need an SVD

    def _bind(self, context):
        # One operator per problem: the warm start of its partial SVD lives as
        # long as the problem, and never in the public (cloned, pickled,
        # shared) penalty.
        return TraceNormOperator()

    def value(self, W):
        """Sum of the singular values of ``W``."""
        return float(np.sum(np.linalg.svd(W, compute_uv=False)))

    def prox(self, V, step):
        """Singular value soft thresholding at ``step`` (full SVD, no state)."""
        return singular_value_threshold(V, step)

    def dual_norm(self, G):
        """Largest singular value of ``G`` (an upper bound tight to ~1e-9 if large)."""
        return spectral_norm_bound(G)


class Lasso(NormPenalty):
    """Entry-wise l1 norm: :math:`\\Omega(W) = \\sum_{j,t} |W_{jt}|`.

    Each task selects its own features, independently of the others. Its dual
    norm is the largest absolute entry.
    """

    row_separable = True

    def value(self, W):
        """Sum of the absolute values of the entries of ``W``."""
        return float(np.sum(np.abs(W)))

    def prox(self, V, step):
        """Entry-wise soft thresholding at ``step``."""
        return soft_threshold(V, step)

    def dual_norm(self, G):
        """Largest absolute entry of ``G``."""
        return float(np.max(np.abs(G), initial=0.0))

    def row_dual_norms(self, G):
        """Largest absolute entry of each row of ``G``."""
        return np.max(np.abs(G), axis=1, initial=0.0)

    smooth_on_support = True

    def support(self, W):
        """The nonzero entries of ``W``.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_columns)
            Coefficients.

        Returns
        -------
        free : ndarray of bool, shape (n_features, n_columns)
            True where ``W`` is nonzero.
        """
        return W != 0

    def support_gradient(self, W):
        """Gradient on the support: the signs of the entries.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_columns)
            Coefficients.

        Returns
        -------
        gradient : ndarray of shape (n_features, n_columns)
            ``sign(W)`` (zero off the support).
        """
        return np.sign(W)

    def support_curvature(self, W, D):
        """Hessian on the support times ``D``: zero (linear between sign changes).

        Parameters
        ----------
        W : ndarray of shape (n_features, n_columns)
            Coefficients.
        D : ndarray of shape (n_features, n_columns)
            Direction, zero off the support.

        Returns
        -------
        product : ndarray of shape (n_features, n_columns)
            Zeros.
        """
        return np.zeros_like(D)


class TaskGroupLasso(NormPenalty):
    """L2,1 norm over tasks: :math:`\\Omega(W) = \\sum_t \\|W_{:,t}\\|_2`.

    Each task's coefficient vector is zero or not as a whole (for a multi-class
    task, all its class columns together, in Frobenius norm). Alone it drops
    whole tasks; as a part of a decomposed model it marks *outlier tasks* (see
    :class:`~skmtl.structures.RobustTraceNorm`). Its dual norm is the largest
    norm of a task's columns.
    """

    def _bind(self, context):
        return _TaskColumnGroups(context.column_task)


class _TaskColumnGroups(NormPenalty):
    """:class:`TaskGroupLasso` bound to the map from columns to tasks."""

    def __init__(self, column_task=None):
        self.column_task = column_task

    def _task_norms(self, W):
        squares = np.bincount(self.column_task, weights=np.sum(W**2, axis=0))
        return np.sqrt(squares)

    def value(self, W):
        """Sum over tasks of the Euclidean norm of the task's columns."""
        return float(np.sum(self._task_norms(W)))

    def prox(self, V, step):
        """Block soft thresholding of each task's columns at ``step``."""
        return column_group_soft_threshold(V, step, self.column_task)

    def dual_norm(self, G):
        """Largest Euclidean norm of a task's columns of ``G``."""
        return float(np.max(self._task_norms(G), initial=0.0))


class Ridge(Penalty):
    """Half the squared Frobenius norm: :math:`\\Omega(W) = \\tfrac12 \\|W\\|_F^2`.

    An independent, dense baseline: no coefficient is ever exactly zero, so it
    has no ``alpha_max``. Its conjugate is
    :math:`(\\alpha\\Omega)^*(G) = \\|G\\|_F^2 / (2\\alpha)`.
    """

    is_norm = False
    row_separable = False  # separable, but never sparse: nothing to gain
    has_dual_point = True
    cheap_dual_point = True
    smooth_on_support = False

    def value(self, W):
        """Half the squared Frobenius norm of ``W``."""
        return 0.5 * float(np.sum(W**2))

    def prox(self, V, step):
        """Uniform shrinkage ``V / (1 + step)``."""
        return ridge_shrink(V, step)

    def dual_norm(self, G):
        """Not a norm penalty: there is no dual norm."""
        raise TypeError("Ridge is not a norm penalty and has no dual norm.")

    def dual_point(self, G, alpha):
        """Every dual candidate is feasible: scale 1 and the conjugate at ``G``.

        Parameters
        ----------
        G : ndarray of shape (n_features, n_columns)
            Dual candidate in coefficient space.
        alpha : float
            Strength of the penalty (positive).

        Returns
        -------
        scale : float
            Always 1.
        conjugate : float
            :math:`\\|G\\|_F^2 / (2\\alpha)`, infinite when ``alpha`` is 0 and ``G``
            is not zero.
        """
        squared = float(np.sum(G**2))
        if alpha > 0:
            return 1.0, squared / (2.0 * alpha)
        return 1.0, 0.0 if squared == 0 else np.inf


PENALTIES = {
    "group_lasso": GroupLasso,
    "trace_norm": TraceNorm,
    "lasso": Lasso,
    "ridge": Ridge,
    "task_group_lasso": TaskGroupLasso,
}
"""The plain penalties by name (the structures add theirs, see
:func:`skmtl.structures.make_penalty`)."""
