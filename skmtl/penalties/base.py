"""The penalty contracts: the public parameter holder and the solver-side norm."""

from sklearn.base import BaseEstimator


class Penalty(BaseEstimator):
    """Base of the public penalties: hyperparameters and their place in the objective.

    An estimator minimises

    .. math::

        F(W) + \\alpha \\sum_k \\rho_k \\Omega_k(W_k) + S(W),
        \\qquad W = \\sum_k W_k,

    where the penalty says which norms :math:`\\Omega_k` (with relative weights
    :math:`\\rho_k`) act on the parts :math:`W_k` of ``W`` and which smooth
    terms :math:`S` are added to the data term :math:`F`. A plain norm is one
    part of weight 1 and no smooth term. Subclasses override the private hooks
    below; the solvers never see the subclass.
    """

    def _bind(self, context):
        """The object whose ``value``/``prox``/dual methods act on ``W`` (self)."""
        return self

    def _components(self, context):
        """The parts of ``W``: a list of ``(name, norm, weight)``.

        ``name`` is None for a penalty of one part (no fitted part attributes).
        """
        return [(None, self._bind(context), 1.0)]

    def _smooth_terms(self, alpha, context):
        """Smooth terms added to the data term at strength ``alpha`` (none)."""
        return []

    def _fitted_attributes(self, coef, parts, context):
        """Extra fitted attributes describing the learned structure (none)."""
        return {}


class NormPenalty(Penalty):
    """Shared dual-side logic of penalties that are norms."""

    is_norm = True
    row_separable = False
    cheap_gap = True  # value and dual norm cost about one pass over W

    def dual_point(self, G, alpha):
        """Scale ``G`` into the dual-norm ball of radius ``alpha``.

        Parameters
        ----------
        G : ndarray of shape (n_features, n_columns)
            Dual candidate in coefficient space (``-X^T theta``).
        alpha : float
            Strength of the penalty.

        Returns
        -------
        scale : float
            Largest factor in [0, 1] with ``dual_norm(scale * G) <= alpha``.
        conjugate : float
            Value of the conjugate of ``alpha * Omega`` at ``scale * G``: zero.
        """
        norm = self.dual_norm(G)
        scale = 1.0 if norm <= alpha else alpha / norm
        return scale, 0.0
