"""Shared intercepts for the squared loss, from per-task statistics.

The fast form of :class:`~skmtl.datafits.shared_intercept.SharedInterceptDatafit`
when every task has one column and the loss is squared: with each task's rows
centred by their weighted means, the data term splits exactly into a part in
``W`` and one in the centred intercepts ``c``,

.. math::

    F(W, c) = \\tfrac12 \\sum_t \\big(w_t^\\top G_t w_t - 2 w_t^\\top r_t
    + v_t\\big) + \\tfrac12 \\sum_t S_t (c_t - \\bar y_t)^2,

with ``G_t`` the weighted Gram matrix of task ``t``'s centred rows, ``r_t``
their products with the targets, ``v_t`` the weighted sum of squares of the
centred targets, ``S_t`` the task's total weight and :math:`\\bar y_t` its
mean target. The solver's intercepts are ``b`` (at the features' overall
mean), ``c_t = b_t + \\delta_t^\\top w_t``, and the intercept term
:math:`\\gamma \\sum_t (b_t - \\bar b)^2` is added. One evaluation costs
O(d^2 T) instead of O(nnz(X)).

The dual point is that of the rows (the residual, moved to a zero weighted
total; see :mod:`skmtl.datafits.shared_intercept`), whose sums are all
available from the statistics: the gap is the same number as on the rows.
"""

import numpy as np

from ..utils.linalg import inner


class _GramState:
    """``(Q W, W, c, b)``: linear in the solver's ``(W, u)``."""

    __slots__ = ("QW", "W", "c", "b")

    def __init__(self, QW, W, c, b):
        self.QW, self.W, self.c, self.b = QW, W, c, b

    def __add__(self, other):
        return _GramState(
            self.QW + other.QW, self.W + other.W, self.c + other.c, self.b + other.b
        )

    def __sub__(self, other):
        return _GramState(
            self.QW - other.QW, self.W - other.W, self.c - other.c, self.b - other.b
        )

    def __mul__(self, factor):
        return _GramState(
            factor * self.QW, factor * self.W, factor * self.c, factor * self.b
        )

    __rmul__ = __mul__


class SharedInterceptGramDatafit:
    """The squared loss with shared intercepts, from per-task statistics.

    Parameters
    ----------
    gram : ndarray of shape (n_columns, n_features, n_features)
        ``G_t``.
    cross : ndarray of shape (n_features, n_columns)
        ``r_t``.
    variation : ndarray of shape (n_columns,)
        ``v_t``.
    mean : ndarray of shape (n_columns,)
        :math:`\\bar y_t`.
    total : ndarray of shape (n_columns,)
        ``S_t``.
    intercepts : SharedInterceptDatafit
        The datafit on the rows, whose intercept maps (``shift``,
        ``task_intercepts``, ``n_offsets``, the term and its strength) are
        reused.
    """

    fit_intercept = True
    has_dual_point = True
    is_quadratic = True
    cheap_dual_point = False  # the image is not the gradient (O(d T) from Z)

    def __init__(self, gram, cross, variation, mean, total, intercepts):
        self.gram_matrix, self.cross = gram, cross
        self.variation, self.mean, self.total = variation, mean, total
        self.intercepts = intercepts
        self.shift = intercepts.shift
        self.n_features, self.n_columns = cross.shape
        self._null = None

    @property
    def product_size(self):
        """Multiply-adds of a state: ``Q W`` (d^2 per column)."""
        return float(self.n_features) ** 2 * self.n_columns

    @property
    def n_offsets(self):
        """Length of the solver's intercept variable."""
        return self.intercepts.n_offsets

    def forward(self, W, u):
        """The state at coefficients ``W`` and solver intercepts ``u``."""
        b = self.intercepts.task_intercepts(u)
        c = b + np.einsum("jc,jc->c", self.shift, W)
        return _GramState(np.einsum("cjk,kc->jc", self.gram_matrix, W), W, c, b)

    def _residual_sums(self, Z):
        """Per column, ``sum w r^2`` and ``sum w r`` of ``r = X_c W + c - y``."""
        per_column = np.einsum("jc,jc->c", Z.W, Z.QW) - 2.0 * np.einsum(
            "jc,jc->c", Z.W, self.cross
        )
        offset = Z.c - self.mean
        squares = per_column + self.variation + self.total * offset**2
        return squares, self.total * offset

    def value(self, Z):
        """Data term plus the intercept term."""
        squares, _ = self._residual_sums(Z)
        return 0.5 * float(squares.sum()) + self.intercepts._term(Z.b)

    def gradient_at(self, Z):
        """Gradients in ``W`` and in the solver's intercepts."""
        sums = self.total * (Z.c - self.mean)
        grad_W = Z.QW - self.cross + self.shift * sums[None, :]
        grad_b = sums + self.intercepts._term_gradient(Z.b)
        return grad_W, self.intercepts._reduce(grad_b)

    def dual_candidate(self, Z, grad_W=None):
        """The residual moved to a zero weighted total, as its sums.

        Returns the sums the conjugate needs and the image ``X_c^T D theta +
        delta (column sums)``.
        """
        _, sums = self._residual_sums(Z)
        shift = sums.sum() / self.total.sum()  # the residual's weighted mean
        moved = sums - shift * self.total  # column sums of w * theta
        image = Z.QW - self.cross + self.shift * moved[None, :]
        return (Z, shift, moved), image

    def conjugate(self, V, scale):
        """Conjugate of the squared loss at ``scale`` times the moved residual.

        :math:`\\sum w (\\tfrac12 s^2 \\theta^2 + s \\theta y)` with
        :math:`\\theta = r - m`, from the statistics, plus the intercept
        term's :math:`\\|s \\eta\\|^2 / (4 \\gamma)`, :math:`\\eta` the negated
        column sums.
        """
        Z, m, moved = V
        squares, sums = self._residual_sums(Z)
        S = self.total
        theta_sq = squares.sum() - 2.0 * m * sums.sum() + m**2 * S.sum()
        # sum w r y = sum_t [w_t . r_t + (c_t - ybar_t) S_t ybar_t - v_t]
        r_dot_y = (
            inner(Z.W, self.cross)
            + float(np.sum((Z.c - self.mean) * S * self.mean))
            - float(self.variation.sum())
        )
        theta_dot_y = r_dot_y - m * float(S @ self.mean)
        value = 0.5 * scale**2 * theta_sq + scale * theta_dot_y
        intercepts = self.intercepts
        if not intercepts.tied:
            value += scale**2 * float(moved @ moved) / (4.0 * intercepts.strength)
        return float(value)

    def null_model(self):
        """Best intercepts at ``W = 0`` (a Newton step is exact), state, gradient."""
        if self._null is None:
            zeros = np.zeros((self.n_features, self.n_columns))
            u = np.zeros(self.n_offsets)
            Z = self.forward(zeros, u)
            _, grad_u = self.gradient_at(Z)
            u = u - self.intercepts._newton_step(self.total, grad_u)
            Z = self.forward(zeros, u)
            self._null = (u, Z, self.gradient_at(Z)[0])
        u, Z, gradient = self._null
        return u.copy(), Z, gradient.copy()

    def lipschitz_constant(self):
        """A bound: the largest ``G_t`` plus the intercept part's curvature."""
        if self.n_features:
            top = float(np.linalg.eigvalsh(self.gram_matrix)[:, -1].max())
        else:
            top = 0.0
        S = self.total
        coupling = 1.0 + np.sum(self.shift**2, axis=0)
        if self.intercepts.tied:
            intercept_part = float(S.sum()) * self.intercepts.tie_scale**2
        else:
            intercept_part = float(S.max())
        term = 0.0 if self.intercepts.tied else 2.0 * self.intercepts.strength
        return top + intercept_part * float(coupling.max()) + term

    def restrict(self, features):
        """The statistics of a subset of the features."""
        restricted = SharedInterceptGramDatafit.__new__(SharedInterceptGramDatafit)
        restricted.__dict__.update(self.__dict__)
        restricted.gram_matrix = self.gram_matrix[:, features[:, None], features]
        restricted.cross = self.cross[features]
        restricted.shift = self.shift[features]
        restricted.n_features = len(features)
        restricted._null = None
        return restricted

    def fast_form(self):
        """Already in Gram form."""
        return self
