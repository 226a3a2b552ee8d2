"""Losses: the per-observation part of every skmtl objective.

A loss acts on a block of columns of the score matrix ``Z = X W + 1 c^T``
(one column per task for squared and logistic losses, one column per class of
a single task for the multinomial loss). The data-fitting term is

.. math::

    F(Z) = \\sum_{i} \\sum_{t} w_{it} \\, f(y_{it}, z_{it}),

with observation weights ``w`` (which sum to one over the samples of a task,
see the user guide). Each loss gives, for arrays of targets ``Y``, scores
``Z`` and weights ``w``:

- ``value(Y, Z, w)``: the weighted sum above;
- ``derivative(Y, Z)``: the unweighted derivative ``f'(y, z)`` per entry;
- ``curvature``: a bound on ``f''`` (for the multinomial loss, on the
  spectral norm of the Hessian in the class scores), which gives the
  Lipschitz constant of the gradient;
- ``conjugate(Y, V, w)``: :math:`\\sum w_{it} f^*(y_{it}, v_{it})`, used by the
  duality gap;
- ``null_intercept(Y, w, grouping)``: the best intercept of each column when
  all coefficients are zero;
- ``center_dual(Y, V, w, grouping)``: a point of the conjugate's domain whose
  weighted sums per column are zero, needed by the dual problem when
  intercepts are fitted, or ``None`` when the loss cannot provide one cheaply;
  ``dual_centring`` says how: ``"shift"`` (a constant subtracted per column:
  the centred design maps it to the same gradient, and the gap costs no
  product), ``"shrink"`` (entries scaled), or ``None`` (no such point);
- ``is_quadratic``: whether the loss is a quadratic in the score (the squared
  loss), so that its datafit on a shared design is determined by second
  moments (the Gram and residual forms).

``grouping`` says which column of ``W`` each entry belongs to: its ``sum(B)``
adds the entries of each column and ``spread(values)`` broadcasts one value per
column back to the entries (see :mod:`skmtl._layout.designs`).
"""

import numpy as np
from scipy.special import expit, logsumexp, softmax, xlogy

# Dual points are built to lie in the conjugate's domain; this is the rounding
# error tolerated at its boundary before a point counts as outside (+inf).
_DOMAIN_SLACK = 1e-10


def _probabilities_in_domain(P):
    """Clip ``P`` to [0, 1], or return None if it is outside beyond rounding."""
    if np.any(P < -_DOMAIN_SLACK) or np.any(P > 1.0 + _DOMAIN_SLACK):
        return None
    return np.clip(P, 0.0, 1.0)


class SquaredLoss:
    """Half squared error, :math:`f(y, z) = \\tfrac12 (y - z)^2`.

    Its conjugate is :math:`f^*(y, v) = \\tfrac12 v^2 + v y`, defined for every
    ``v``.
    """

    curvature = 1.0
    is_quadratic = True
    dual_centring = "shift"  # center_dual subtracts one constant per column

    def value(self, Y, Z, w):
        """Weighted sum of the loss; see the module docstring for arguments."""
        return 0.5 * float(np.sum(w * (Z - Y) ** 2))

    def derivative(self, Y, Z):
        """Derivative of the loss in the score, entry by entry."""
        return Z - Y

    def conjugate(self, Y, V, w):
        """Weighted sum of the conjugate at ``V``."""
        return float(np.sum(w * (0.5 * V**2 + V * Y)))

    def null_intercept(self, Y, w, grouping):
        """Weighted mean target of each column."""
        return grouping.sum(w * Y) / grouping.sum(w)

    def center_dual(self, Y, V, w, grouping):
        """Remove the weighted column means: the conjugate's domain is all reals."""
        return V - grouping.spread(grouping.sum(w * V) / grouping.sum(w))


class LogisticLoss:
    """Binary logistic loss for targets in {0, 1} and a real score.

    :math:`f(y, z) = \\log(1 + e^z) - y z`. Its conjugate is the negative
    binary entropy :math:`f^*(y, v) = p \\log p + (1 - p) \\log(1 - p)` with
    :math:`p = v + y \\in [0, 1]`.
    """

    curvature = 0.25
    is_quadratic = False
    dual_centring = "shrink"  # center_dual scales one sign of each column

    def value(self, Y, Z, w):
        """Weighted sum of the loss; see the module docstring for arguments."""
        return float(np.sum(w * (np.logaddexp(0.0, Z) - Y * Z)))

    def derivative(self, Y, Z):
        """Predicted probability minus target, entry by entry."""
        return expit(Z) - Y

    def conjugate(self, Y, V, w):
        """Weighted conjugate at ``V``; +inf unless ``V + Y`` is in [0, 1]."""
        P = _probabilities_in_domain(V + Y)
        if P is None:
            return np.inf
        return float(np.sum(w * (xlogy(P, P) + xlogy(1.0 - P, 1.0 - P))))

    def null_intercept(self, Y, w, grouping):
        """Log-odds of the weighted positive rate of each column."""
        rate = grouping.sum(w * Y) / grouping.sum(w)
        return np.log(rate) - np.log1p(-rate)

    def center_dual(self, Y, V, w, grouping):
        """Shrink one sign of ``V`` towards zero so weighted column sums vanish."""
        # Entries of V = p - y are positive where y = 0 and negative where
        # y = 1; shrinking entries towards zero keeps V + Y in [0, 1], so the
        # result stays in the conjugate's domain.
        positive = grouping.sum(w * np.maximum(V, 0.0))
        negative = grouping.sum(w * np.maximum(-V, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink_pos = np.where(positive > negative, negative / positive, 1.0)
            shrink_neg = np.where(negative > positive, positive / negative, 1.0)
        shrink = np.where(
            V > 0, grouping.spread(shrink_pos), grouping.spread(shrink_neg)
        )
        return V * shrink


class MultinomialLoss:
    """Multinomial (softmax cross-entropy) loss over the K class columns of one task.

    :math:`f(y, z) = \\log \\sum_k e^{z_k} - \\sum_k y_k z_k` for a one-hot
    target row ``y`` and a score row ``z``. The Hessian
    :math:`\\operatorname{diag}(p) - p p^T` has spectral norm at most 1/2. The
    conjugate is :math:`f^*(y, v) = \\sum_k p_k \\log p_k` with
    :math:`p = v + y` in the probability simplex.
    """

    curvature = 0.5
    is_quadratic = False
    dual_centring = None  # no cheap centred dual point: center_dual gives None

    def value(self, Y, Z, w):
        """Weighted sum of the loss; ``w`` is equal across the classes of a row."""
        per_row = logsumexp(Z, axis=1, keepdims=True) - np.sum(Y * Z, 1, keepdims=True)
        return float(np.sum(w[:, :1] * per_row))

    def derivative(self, Y, Z):
        """Softmax probabilities minus the one-hot target."""
        return softmax(Z, axis=1) - Y

    def conjugate(self, Y, V, w):
        """Weighted conjugate at ``V``; +inf outside the simplex (rows of V + Y)."""
        P = _probabilities_in_domain(V + Y)
        if P is None or np.any(np.abs(P.sum(axis=1) - 1.0) > _DOMAIN_SLACK):
            return np.inf
        return float(np.sum(w[:, :1] * np.sum(xlogy(P, P), axis=1, keepdims=True)))

    def null_intercept(self, Y, w, grouping):
        """Log of the weighted class frequencies (defined up to a common shift)."""
        return np.log(grouping.sum(w * Y) / grouping.sum(w))

    def center_dual(self, Y, V, w, grouping):
        """Not available: no cheap feasible point exists for the multinomial dual."""
        return None
