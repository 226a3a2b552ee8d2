"""Decomposed models: ``W`` as a sum of parts, each with its own norm.

A decomposed model minimises

.. math::

    F\\Big(\\sum_k W_k\\Big) + \\alpha \\sum_k \\rho_k \\, \\Omega_k(W_k)

jointly over the parts. The parts are stored side by side, as the columns of
one variable ``V = [W_1 | W_2 | ...]`` of shape (n_features, n_parts *
n_columns), so that the problem is an ordinary one for the solvers: a data
term of ``V`` (:class:`PartsDatafit`, the sum map composed with the datafit)
and a norm of ``V`` (:class:`PartsPenalty`, separable over the blocks). Rows
of ``V`` are still features, so working sets apply when every part's norm is
a sum over rows (the dirty model).

The dual norm of the sum is the largest of the parts' dual norms, each divided
by its weight: that gives ``alpha_max`` and the duality gap unchanged.
"""

import numpy as np

from .base import DatafitWrapper


class PartsDatafit(DatafitWrapper):
    """A datafit of ``W`` seen as a datafit of its stacked parts ``V``.

    Parameters
    ----------
    inner : object
        The datafit of ``W`` (any object with the datafit contract).
    n_parts : int
        Number of parts.
    """

    def __init__(self, inner, n_parts):
        super().__init__(inner)
        self.n_parts = n_parts

    @property
    def n_columns(self):
        """Columns of the stacked parts ``V``."""
        return self.n_parts * self.inner.n_columns

    def total(self, V):
        """``W``: the sum of the parts."""
        width = self.inner.n_columns
        W = V[:, :width].copy()
        for k in range(1, self.n_parts):
            W += V[:, k * width : (k + 1) * width]
        return W

    def _spread(self, grad_W):
        """Gradient in ``V`` from the gradient in ``W`` (the same for every part)."""
        return np.tile(grad_W, (1, self.n_parts))

    def forward(self, V, c):
        """The inner state at the sum of the parts."""
        return self.inner.forward(self.total(V), c)

    def gradient_at(self, Z):
        """Gradients in ``V`` and ``c``."""
        grad_W, grad_c = self.inner.gradient_at(Z)
        return self._spread(grad_W), grad_c

    def dual_candidate(self, Z, grad_W=None):
        """The inner dual point, its image copied for every part."""
        if grad_W is not None:
            grad_W = grad_W[:, : self.inner.n_columns]
        candidate = self.inner.dual_candidate(Z, grad_W)
        if candidate is None:
            return None
        V, grad_W = candidate
        return V, self._spread(grad_W)

    def null_model(self):
        """The inner null model, with its gradient copied for every part."""
        offset, scores, grad_coef = self.inner.null_model()
        return offset, scores, self._spread(grad_coef)

    def lipschitz_constant(self):
        """``n_parts`` times the inner constant (the sum map has norm sqrt(n_parts))."""
        return self.n_parts * self.inner.lipschitz_constant()

    def _rewrap(self, inner):
        return PartsDatafit(inner, self.n_parts)
