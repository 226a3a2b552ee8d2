"""The data term of a layout: the sum of its blocks' per-entry losses.

:class:`LossDatafit` holds a layout (see :mod:`skmtl._layout.designs`), whose
blocks say which loss (:mod:`skmtl.losses`) applies to which entries; its
state is the entry scores ``X_c W + c``. It implements the contract of
:class:`skmtl.datafits.base.Datafit`, and its :meth:`LossDatafit.fast_form`
hands a quadratic loss on a shared design to the Gram or residual form.
"""

import numpy as np

from ..utils.linalg import require_finite_features
from .gram import GramDatafit
from .residual import ResidualDatafit


def column_gram_is_cheaper(data):
    """Whether one Gram matrix per column costs less than the rows (task layouts).

    A product with the per-column Gram matrices costs O(d^2 C), one with the
    rows O(nnz(X)); the statistics cost one pass over the rows.
    """
    if not getattr(data, "has_column_statistics", False):
        return False
    X = data.X
    nnz = X.nnz if hasattr(X, "nnz") else X.size
    return data.n_features * data.n_features * data.n_columns <= nnz


class _WholeGrouping:
    """One group holding every entry of a block (a grouping of the losses)."""

    def sum(self, B):
        """The sum of all the entries, as a one-element array."""
        return np.array([B.sum()])

    def spread(self, values):
        """The one value, broadcast to any entry array."""
        return values[0]


_WHOLE = _WholeGrouping()


class LossDatafit:
    """Sum of the block losses on the entry scores of a data layout.

    Parameters
    ----------
    data : SharedDesign or TaskRowsDesign
        Data layout giving entries, blocks and the linear maps.
    """

    def __init__(self, data):
        self.data = data
        self.fit_intercept = data.fit_intercept
        self.n_features = data.n_features
        self.n_columns = data.n_columns
        centring = {block.loss.dual_centring for block in data.blocks}
        # Without intercepts the derivatives are a dual point as they are.
        self.has_dual_point = not self.fit_intercept or None not in centring
        # The dual point costs no extra product when centring it only shifts
        # each column: the centred design maps a constant column to zero.
        self.cheap_dual_point = not self.fit_intercept or centring == {"shift"}
        self.is_quadratic = all(block.loss.is_quadratic for block in data.blocks)
        self._fast = None

    @property
    def product_size(self):
        """Multiply-adds of a state and gradient: two products with ``X``."""
        return self.data.product_size

    def forward(self, W, c):
        """Entry scores ``X_c W + c`` (``c`` ignored without intercept)."""
        Z = self.data.forward(W)
        if self.fit_intercept:
            Z += self.data.spread(c)
        return Z

    def value(self, Z):
        """Value of the data term at scores ``Z``."""
        Y, w = self.data.targets, self.data.weights
        return sum(
            block.loss.value(block.view(Y), block.view(Z), block.view(w))
            for block in self.data.blocks
        )

    def derivative(self, Z):
        """Per-entry derivatives ``f'(y, z)``, same shape as ``Z``."""
        Y = self.data.targets
        V = np.empty_like(Z)
        for block in self.data.blocks:
            block.view(V)[...] = block.loss.derivative(block.view(Y), block.view(Z))
        return V

    def gradient(self, V):
        """Gradients in ``W`` and ``c`` from per-entry derivatives ``V``."""
        U = self.data.weights * V
        return self.data.adjoint(U), self.data.column_sum(U)

    def gradient_at(self, Z):
        """Gradients in ``W`` and ``c`` at scores ``Z``."""
        return self.gradient(self.derivative(Z))

    def dual_candidate(self, Z, grad_W=None):
        """Per-entry dual direction at ``Z`` and its image in coefficient space.

        The derivatives of the losses at ``Z``, moved (when intercepts are
        fitted) to have zero weighted sums per column; None when a loss cannot
        provide such a point. ``grad_W``, the gradient at ``Z`` if the caller
        has it, is reused when :attr:`cheap_dual_point`.
        """
        V = self.derivative(Z)
        if self.fit_intercept:
            V = self.center_dual(V)
            if V is None:
                return None
        if grad_W is not None and self.cheap_dual_point:
            return V, grad_W
        return V, self.gradient(V)[0]

    def conjugate(self, V, scale):
        """Conjugate of the data term at the dual point ``scale * w * V``."""
        Y, w = self.data.targets, self.data.weights
        V = scale * V
        return sum(
            block.loss.conjugate(block.view(Y), block.view(V), block.view(w))
            for block in self.data.blocks
        )

    def center_dual(self, V, total=False):
        """A dual point with zero weighted column sums, or None if unavailable.

        With ``total``, the weighted sum over each block's entries (so over
        all entries) is zero instead: what shared intercepts need (see
        :mod:`skmtl.datafits.shared_intercept`).
        """
        Y, w = self.data.targets, self.data.weights
        centred = np.empty_like(V)
        for block in self.data.blocks:
            grouping = _WHOLE if total else block.grouping
            part = block.loss.center_dual(
                block.view(Y), block.view(V), block.view(w), grouping
            )
            if part is None:
                return None
            block.view(centred)[...] = part
        return centred

    def null_intercept(self):
        """Best intercepts ``c`` when ``W = 0`` (zeros without intercept)."""
        c = np.zeros(self.data.n_columns)
        if self.fit_intercept:
            Y, w = self.data.targets, self.data.weights
            for block in self.data.blocks:
                grouping = block.grouping
                c[grouping.columns] = block.loss.null_intercept(
                    block.view(Y), block.view(w), grouping
                )
        return c

    def null_model(self):
        """The model with all coefficients zero and the best intercepts.

        Returns
        -------
        offset : ndarray of shape (n_columns,)
            Its intercepts.
        scores : ndarray
            Its entry scores.
        grad_coef : ndarray of shape (n_features, n_columns)
            The gradient of the data term in ``W`` there; its dual norm is
            ``alpha_max``.
        """
        offset = self.null_intercept()
        # X_c 0 = 0: the scores are the intercepts alone (no product with X).
        scores = np.zeros(self.data.targets.shape)
        if self.fit_intercept:
            scores += self.data.spread(offset)
        grad_coef, _ = self.gradient_at(scores)
        return offset, scores, grad_coef

    def lipschitz_constant(self):
        """Lipschitz constant of the gradient in ``(W, c)`` (estimated).

        The largest loss curvature times the largest eigenvalue of
        :math:`A^\\top \\operatorname{diag}(w) A`, with ``A`` the map from
        ``(W, c)`` to the entry scores.
        """
        curvature = max(block.loss.curvature for block in self.data.blocks)
        with np.errstate(over="ignore", invalid="ignore"):
            eigenvalue = self.data.gram_eigenvalue(self.fit_intercept)
        return curvature * require_finite_features(eigenvalue)

    def restrict(self, features):
        """The same datafit with ``W`` restricted to the rows ``features``."""
        return LossDatafit(self.data.restrict(features))

    def fast_form(self):
        """The cheapest equivalent form, or ``self``.

        The squared loss on a shared design whose columns all have the same
        weights has its intercepts at the target means whatever ``W``: it is
        solved without them, on its residual
        (:class:`~skmtl.datafits.residual.ResidualDatafit`) or, with more
        samples than features, on its Gram matrix
        (:class:`~skmtl.datafits.gram.GramDatafit`). On a task layout (one
        column per task, intercepts fitted) the same holds task by task: one
        Gram matrix per task, when those cost less than the rows.
        """
        # Computed once: every penalty bound to these data (the candidates of
        # a CV fold, the alphas of a path) asks for it.
        if self._fast is None:
            self._fast = self._fastest_form()
        return self._fast

    def _fastest_form(self):
        data = self.data
        quadratic = all(block.loss.is_quadratic for block in data.blocks)
        if quadratic and data.columns_alike:
            lean = ResidualDatafit.from_design(data, self.null_intercept())
            return lean.fast_form()
        if quadratic and column_gram_is_cheaper(data):
            gram, cross, variation, mean, _ = data.column_statistics()
            return GramDatafit(gram, cross, float(variation.sum()), mean, data)
        return self
