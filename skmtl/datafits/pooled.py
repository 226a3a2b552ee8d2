"""One coefficient vector for every task: the pooled model as a datafit of ``w``.

A ``TaskGraph`` of infinite strength (see
:class:`skmtl.structures.TaskGraph`) ties the tasks' coefficient vectors:
``W = w 1^T``. :class:`PooledDatafit` is the datafit of ``W`` seen as a
datafit of the one column ``w``: the map is linear, so its adjoint (the sum
over the columns) gives the gradient and the image of any dual point, and the
duality gap carries over unchanged.
"""

import numpy as np

from .base import DatafitWrapper

_POWER_ITERATIONS = 30
_POWER_RTOL = 1e-2


class PooledDatafit(DatafitWrapper):
    """A datafit of ``W`` seen as a datafit of the shared column ``w``.

    Parameters
    ----------
    inner : Datafit
        The datafit of ``W`` (n_features, n_tasks).
    """

    cheap_dual_point = False  # the inner cheap path needs the full gradient

    @property
    def offset_scale(self):
        """The inner intercepts are this times the solver's (``sqrt(T)``).

        The shared column moves every task's scores: its curvature is about
        ``T`` times a task's intercept's. Scaling the intercepts balances the
        two, as the solver's step is one for all its variables.
        """
        return float(np.sqrt(self.inner.n_columns))

    @property
    def n_columns(self):
        """One column: ``w``."""
        return 1

    def expand(self, w):
        """``W = w 1^T``."""
        return np.repeat(w, self.inner.n_columns, axis=1)

    def forward(self, w, c):
        """The inner state at ``W = w 1^T``."""
        return self.inner.forward(self.expand(w), c * self.offset_scale)

    def gradient_at(self, Z):
        """The gradient in ``w``: the sum of the columns of that in ``W``."""
        grad_W, grad_c = self.inner.gradient_at(Z)
        return grad_W.sum(axis=1, keepdims=True), grad_c * self.offset_scale

    def dual_candidate(self, Z, grad_W=None):
        """The inner dual point, its image summed over the columns."""
        candidate = self.inner.dual_candidate(Z)
        if candidate is None:
            return None
        V, image = candidate
        return V, image.sum(axis=1, keepdims=True)

    def null_model(self):
        """The inner null model, its gradient summed over the columns."""
        offset, scores, grad_coef = self.inner.null_model()
        offset = offset / self.offset_scale
        return offset, scores, grad_coef.sum(axis=1, keepdims=True)

    def lipschitz_constant(self):
        """An estimate of the curvature in ``(w, c)``.

        The inner constant bounds the curvature in ``c``; that in ``w`` (at
        most ``T`` times the inner one, far less when the tasks' rows differ)
        is estimated by power iteration on differences of gradients at the
        null model, exact for the squared loss. The line search corrects
        either.
        """
        inner_constant = self.inner.lipschitz_constant()
        offset, Z_null, grad_null = self.null_model()
        v = np.ones((self.n_features, 1)) / np.sqrt(max(self.n_features, 1))
        step = 1e-3 / np.sqrt(max(inner_constant, np.finfo(float).tiny))
        eigenvalue = 0.0
        for _ in range(_POWER_ITERATIONS):
            moved, _ = self.gradient_at(self.forward(step * v, offset))
            Hv = (moved - grad_null) / step
            previous, eigenvalue = eigenvalue, float(np.linalg.norm(Hv))
            if eigenvalue == 0 or not np.isfinite(eigenvalue):
                break
            v = Hv / eigenvalue
            if abs(eigenvalue - previous) <= _POWER_RTOL * eigenvalue:
                break
        intercepts = inner_constant * self.offset_scale**2
        return max(intercepts, eigenvalue * (1.0 + _POWER_RTOL))

    def _rewrap(self, inner):
        return PooledDatafit(inner)
