"""What every solver returns."""

from dataclasses import dataclass

import numpy as np


@dataclass
class SolverResult:
    """What a solver returns.

    Parameters
    ----------
    coef : ndarray of shape (n_features, n_columns)
        The coefficient matrix ``W``.
    offset : ndarray of shape (n_columns,)
        Intercepts ``c`` of the centred model (see :mod:`skmtl._layout.designs`).
    n_iter : int
        Number of iterations run (1 when the null model is found optimal by
        checking its optimality conditions).
    objective : float
        Final value of the objective.
    dual_gap : float
        Final duality gap (absolute), NaN when the datafit cannot provide one.
    residual : float
        Final prox-gradient residual, relative to the gradient norm of the
        null model.
    criterion : str
        ``"duality_gap"`` or ``"prox_grad_residual"``: what the stopping rule
        compared with ``tol``.
    converged : bool
        Whether the stopping rule was met within ``max_iter``.
    lipschitz : float, default=nan
        The inverse step size in use at the end, a good start for a related
        problem.
    """

    coef: np.ndarray
    offset: np.ndarray
    n_iter: int
    objective: float
    dual_gap: float
    residual: float
    criterion: str
    converged: bool
    lipschitz: float = np.nan

    def __post_init__(self):
        # A plain array: the factors a prox output may carry are a cache of
        # the solver's, not part of the result.
        self.coef = np.asarray(self.coef)
