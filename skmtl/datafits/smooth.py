"""A datafit plus smooth terms of ``W`` (task graph, clustered, ridge).

The terms (:mod:`skmtl.penalties.smooth_terms`) enter the gradient, not the
prox; their conjugate at a scaled gradient has a closed form (each term is
2-homogeneous), so the duality gap stays exact (see
:meth:`SmoothDatafit.conjugate`).
"""

import numpy as np

from .base import DatafitWrapper


class _PairState:
    """A datafit state together with the coefficients it was computed from.

    Supports the linear combinations a solver forms with states (extrapolation).
    """

    __slots__ = ("scores", "coef")

    def __init__(self, scores, coef):
        self.scores = scores
        self.coef = coef

    def __add__(self, other):
        return _PairState(self.scores + other.scores, self.coef + other.coef)

    def __sub__(self, other):
        return _PairState(self.scores - other.scores, self.coef - other.coef)

    def __mul__(self, factor):
        return _PairState(factor * self.scores, factor * self.coef)

    __rmul__ = __mul__


class SmoothDatafit(DatafitWrapper):
    """A datafit plus smooth terms of ``W``, under the datafit contract.

    Parameters
    ----------
    inner : LossDatafit or GramDatafit or SmoothDatafit
        The data term.
    terms : list
        Smooth terms (``value``, ``gradient``, ``lipschitz_constant``), each convex,
        2-homogeneous and a function of ``W^T W`` (see the module docstring).
    """

    def __init__(self, inner, terms):
        super().__init__(inner)
        self.terms = list(terms)

    @property
    def is_quadratic(self):
        """Whether the data term and every smooth term are quadratic."""
        return self.inner.is_quadratic and all(t.is_quadratic for t in self.terms)

    def _smooth_value(self, W):
        return sum(term.value(W) for term in self.terms)

    def _smooth_gradient(self, W):
        gradient = np.zeros_like(W)
        for term in self.terms:
            gradient += term.gradient(W)
        return gradient

    def forward(self, W, c):
        """The inner state, paired with ``W``."""
        return _PairState(self.inner.forward(W, c), W)

    def value(self, Z):
        """Data term plus the smooth terms."""
        return self.inner.value(Z.scores) + self._smooth_value(Z.coef)

    def gradient_at(self, Z):
        """Gradients in ``W`` (data plus smooth terms) and in ``c``."""
        grad_W, grad_c = self.inner.gradient_at(Z.scores)
        return grad_W + self._smooth_gradient(Z.coef), grad_c

    def dual_candidate(self, Z, grad_W=None):
        """The inner dual point with the smooth terms' gradients as their duals.

        The dual direction is the pair (inner direction, ``W``): the dual
        variable of each smooth term is its gradient at ``W``, and the image in
        coefficient space is the total gradient.
        """
        smooth_gradient = self._smooth_gradient(Z.coef)
        inner_grad = None if grad_W is None else grad_W - smooth_gradient
        candidate = self.inner.dual_candidate(Z.scores, inner_grad)
        if candidate is None:
            return None
        V, inner_grad = candidate
        return (V, Z.coef), inner_grad + smooth_gradient

    def conjugate(self, V, scale):
        """Conjugates at the scaled dual point, :math:`S^*(s \\nabla S(W)) = s^2 S(W)`.

        Parameters
        ----------
        V : tuple
            The pair (inner dual direction, ``W``) from :meth:`dual_candidate`.
        scale : float
            The factor ``s`` of the dual point.

        Returns
        -------
        conjugate : float
            The inner conjugate plus :math:`s^2 S(W)`.
        """
        inner_V, W = V
        return self.inner.conjugate(inner_V, scale) + scale**2 * self._smooth_value(W)

    def null_model(self):
        """The inner null model: every smooth term has a zero gradient at 0."""
        offset, scores, grad_coef = self.inner.null_model()
        zeros = np.zeros((self.n_features, self.n_columns))
        return offset, _PairState(scores, zeros), grad_coef

    def lipschitz_constant(self):
        """Inner Lipschitz constant plus those of the smooth terms."""
        return self.inner.lipschitz_constant() + sum(
            term.lipschitz_constant() for term in self.terms
        )

    def _rewrap(self, inner):
        # The same terms on a subset of the rows (they depend on W^T W only),
        # or on the inner fast form.
        return SmoothDatafit(inner, self.terms)
