"""The duality gap certificate, and the null model that every solve checks first.

Any dual point gives a valid lower bound on the optimum. A datafit offers one
at any state (``dual_candidate``: the derivatives of its losses, moved to
satisfy the intercept constraint of the dual), and the penalty scales it into
the domain of its conjugate (``dual_point``).
"""

import numpy as np

from .result import SolverResult


def duality_gap(datafit, penalty, alpha, W, Z, Z_dual=None, grad_W=None):
    """Primal value and a dual value of the problem at ``W`` with state ``Z``.

    The dual candidate comes from the gradient of the data term at ``Z``
    (``datafit.dual_candidate``: moved to satisfy the intercept constraint of
    the dual) and is scaled into the domain of the penalty's conjugate.

    Parameters
    ----------
    datafit : Datafit
        The smooth part of the objective.
    penalty : SolverPenalty
        The penalty (see :mod:`skmtl.penalties`).
    alpha : float
        Strength of the penalty.
    W : ndarray of shape (n_features, n_columns)
        Coefficients at which the primal objective is evaluated.
    Z : ndarray
        State ``datafit.forward(W, c)``.
    Z_dual : ndarray, default=None
        State at which the dual candidate is taken; ``Z`` when None. Any state
        gives a valid bound: a solver passes the one it already has a gradient
        for.
    grad_W : ndarray of shape (n_features, n_columns), default=None
        Gradient at ``Z_dual``, reused when the datafit's dual point allows.

    Returns
    -------
    primal : float
        Objective value at ``(W, c)``.
    dual : float
        Dual objective at the candidate, ``-inf`` if the datafit has no dual
        point for its intercepts.
    """
    primal = datafit.value(Z) + alpha * penalty.value(W)
    return primal, dual_value(
        datafit, penalty, alpha, Z if Z_dual is None else Z_dual, grad_W
    )


def dual_value(datafit, penalty, alpha, Z, grad_W=None):
    """Dual objective at the dual candidate of the state ``Z``.

    Parameters
    ----------
    datafit : Datafit
        The smooth part of the objective.
    penalty : SolverPenalty
        The penalty (see :mod:`skmtl.penalties`).
    alpha : float
        Strength of the penalty.
    Z : ndarray
        Any state of the datafit: every one gives a valid lower bound.
    grad_W : ndarray of shape (n_features, n_columns), default=None
        Gradient at ``Z``, reused when the datafit's dual point allows.

    Returns
    -------
    dual : float
        Dual objective at the candidate, ``-inf`` if the datafit has no dual
        point for its intercepts.
    """
    candidate = datafit.dual_candidate(Z, grad_W)
    if candidate is None:
        return -np.inf
    V, grad_W = candidate
    scale, penalty_conjugate = penalty.dual_point(-grad_W, alpha)
    return -datafit.conjugate(V, scale) - penalty_conjugate


def gap_available(datafit, penalty, alpha):
    """Whether the duality gap can serve as the stopping rule.

    It needs a dual point from the datafit and a useful dual feasible set from
    the penalty. At ``alpha = 0`` a norm's dual set is only the origin (the
    gap would compare with the unregularised optimum of the loss alone) and
    the ridge conjugate is infinite; a smooth-only objective has no penalty at
    all: all of these stop on the prox-gradient residual instead.

    Parameters
    ----------
    datafit : Datafit
        The smooth part of the objective.
    penalty : SolverPenalty
        The non-smooth part.
    alpha : float
        Strength of the penalty.

    Returns
    -------
    available : bool
        True when both sides have a dual point.
    """
    return datafit.has_dual_point and penalty.has_dual_point and alpha != 0


def finite_null_objective(value):
    """The objective of the null model, which sets every tolerance; must be finite."""
    if not np.isfinite(value):
        raise FloatingPointError(
            "The objective of the all-zero model is not finite: the targets are "
            "too large for float64 arithmetic; scale the targets (and the "
            "features, e.g. with StandardScaler)."
        )
    return value


def null_result(datafit, penalty, alpha):
    """The null model as a result, if it is optimal; else None."""
    c_null, Z_null, grad_null = datafit.null_model()
    optimal = not np.any(grad_null) or (
        penalty.is_norm and penalty.dual_norm(grad_null) <= alpha
    )
    if not optimal:
        return None
    zeros = np.zeros((datafit.n_features, datafit.n_columns))
    # One iteration: the check of the optimality conditions at the null model.
    return SolverResult(zeros, c_null, 1, datafit.value(Z_null), 0.0, 0.0, "null", True)
