"""The norm of a decomposed model: a weighted sum of its parts' norms.

The parts ``W_1, ..., W_K`` of ``W = W_1 + ... + W_K`` are stored side by
side in one variable ``V`` (see :mod:`skmtl.datafits.parts`); the penalty is
:math:`\\sum_k \\rho_k \\Omega_k(W_k)`, whose prox is each part's prox and
whose dual norm is :math:`\\max_k \\Omega_k^\\circ(G) / \\rho_k`.
"""

import numpy as np

from .base import NormPenalty


class PartsPenalty(NormPenalty):
    """Weighted sum of norms, one per block of columns of ``V``.

    Parameters
    ----------
    norms : list
        Bound norm penalties, one per part.
    weights : list of float
        Positive relative weights :math:`\\rho_k`.
    n_columns : int
        Number of columns of each part (of ``W``).
    """

    def __init__(self, norms, weights, n_columns):
        self.norms = norms
        self.weights = weights
        self.n_columns = n_columns
        self.row_separable = all(norm.row_separable for norm in norms)
        self.cheap_dual_point = all(norm.cheap_dual_point for norm in norms)

    def _parts(self, V):
        """``(norm, weight, block)`` for each part of ``V``."""
        width = self.n_columns
        for k, (norm, weight) in enumerate(zip(self.norms, self.weights, strict=True)):
            yield norm, weight, V[:, k * width : (k + 1) * width]

    def value(self, V):
        """:math:`\\sum_k \\rho_k \\Omega_k(W_k)`."""
        return sum(weight * norm.value(block) for norm, weight, block in self._parts(V))

    def prox(self, V, step):
        """Each part's prox at its own threshold ``step * rho_k``."""
        return np.hstack(
            [norm.prox(block, step * weight) for norm, weight, block in self._parts(V)]
        )

    def dual_norm(self, G):
        """:math:`\\max_k \\Omega_k^\\circ(G_k) / \\rho_k`."""
        return max(
            norm.dual_norm(block) / weight for norm, weight, block in self._parts(G)
        )

    def row_dual_norms(self, G):
        """Per row, the largest of the parts' row dual norms over their weights."""
        return np.max(
            [
                norm.row_dual_norms(block) / weight
                for norm, weight, block in self._parts(G)
            ],
            axis=0,
        )
