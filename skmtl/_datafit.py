"""The smooth part of an objective: losses bound to a data layout.

A :class:`Datafit` holds a layout (see :mod:`skmtl._data`) and a list of
blocks ``(columns, loss)``: the squared or logistic loss applies entry-wise to
any set of columns, the multinomial loss to the class columns of one task. The
solver only talks to this class:

- ``forward(W, c)``: scores ``Z`` (linear in ``(W, c)``, so the solver may
  extrapolate them instead of recomputing them);
- ``value(Z)``, ``derivative(Z)``, ``gradient(V)``;
- ``conjugate(V)`` and ``center_dual(V)`` for the duality gap;
- ``null_intercept()`` and ``lipschitz()``.
"""

import numpy as np

# Power iteration for the largest eigenvalue of the weighted Gram operator: it
# only seeds the line search (which corrects an underestimate), so a loose
# relative accuracy suffices.
_POWER_ITERATIONS = 50
_POWER_RTOL = 1e-3


class Datafit:
    """Sum of per-block losses on the scores of a data layout.

    Parameters
    ----------
    data : SharedDesign
        Data layout giving ``forward``, ``adjoint``, ``targets``, ``weights``.
    blocks : list of (slice, loss)
        Column ranges of the score matrix and the loss applied to each; they
        must cover every column exactly once.
    """

    def __init__(self, data, blocks):
        self.data = data
        self.blocks = blocks
        self.fit_intercept = data.fit_intercept

    def forward(self, W, c):
        """Scores ``X_c W + 1 c^T`` (``c`` ignored without intercept)."""
        Z = self.data.forward(W)
        if self.fit_intercept:
            Z += c
        return Z

    def value(self, Z):
        """Value of the data term at scores ``Z``."""
        Y, w = self.data.targets, self.data.weights
        return sum(loss.value(Y[:, cols], Z[:, cols], w) for cols, loss in self.blocks)

    def derivative(self, Z):
        """Per-observation derivatives ``f'(y, z)``, same shape as ``Z``."""
        Y = self.data.targets
        V = np.empty_like(Z)
        for cols, loss in self.blocks:
            V[:, cols] = loss.derivative(Y[:, cols], Z[:, cols])
        return V

    def gradient(self, V):
        """Gradients in ``W`` and ``c`` from per-observation derivatives ``V``."""
        U = self.data.weights * V
        return self.data.adjoint(U), U.sum(axis=0)

    def conjugate(self, V):
        """Value of the conjugate of the data term at the dual point ``w * V``."""
        Y, w = self.data.targets, self.data.weights
        return sum(
            loss.conjugate(Y[:, cols], V[:, cols], w) for cols, loss in self.blocks
        )

    def center_dual(self, V):
        """A dual point with zero weighted column sums, or None if unavailable."""
        Y, w = self.data.targets, self.data.weights
        centred = np.empty_like(V)
        for cols, loss in self.blocks:
            part = loss.center_dual(Y[:, cols], V[:, cols], w)
            if part is None:
                return None
            centred[:, cols] = part
        return centred

    def null_intercept(self):
        """Best intercepts ``c`` when ``W = 0`` (zeros without intercept)."""
        c = np.zeros(self.data.n_columns)
        if self.fit_intercept:
            Y, w = self.data.targets, self.data.weights
            for cols, loss in self.blocks:
                c[cols] = loss.null_intercept(Y[:, cols], w)
        return c

    def null_model(self):
        """The model with all coefficients zero and the best intercepts.

        Returns
        -------
        offset : ndarray of shape (n_columns,)
            Its intercepts.
        scores : ndarray
            Its scores.
        grad_coef : ndarray of shape (n_features, n_columns)
            The gradient of the data term in ``W`` there; the dual norm of it is
            ``alpha_max``.
        """
        offset = self.null_intercept()
        zeros = np.zeros((self.data.n_features, self.data.n_columns))
        scores = self.forward(zeros, offset)
        grad_coef, _ = self.gradient(self.derivative(scores))
        return offset, scores, grad_coef

    def lipschitz(self):
        """Lipschitz constant of the gradient in ``(W, c)`` (estimated).

        The largest loss curvature times the largest eigenvalue of
        :math:`A^\\top \\operatorname{diag}(w) A`, with ``A`` the centred design
        augmented by a column of ones when intercepts are fitted.
        """
        curvature = max(loss.curvature for _, loss in self.blocks)
        return curvature * self._largest_gram_eigenvalue()

    def _largest_gram_eigenvalue(self):
        data = self.data
        rng = np.random.default_rng(0)
        v = rng.standard_normal((data.n_features, 1))
        v_c = np.ones(1) if self.fit_intercept else np.zeros(1)
        eigenvalue = 0.0
        for _ in range(_POWER_ITERATIONS):
            norm = np.sqrt(np.sum(v**2) + np.sum(v_c**2))
            if norm == 0:
                return 0.0
            v, v_c = v / norm, v_c / norm
            u = data.weights * (data.forward(v) + v_c)
            v, v_c = data.adjoint(u), u.sum(axis=0) * self.fit_intercept
            previous, eigenvalue = eigenvalue, np.sqrt(np.sum(v**2) + np.sum(v_c**2))
            if abs(eigenvalue - previous) <= _POWER_RTOL * eigenvalue:
                break
        return float(eigenvalue)
