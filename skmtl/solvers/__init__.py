"""Solvers: accelerated proximal gradient and working sets, for any datafit and penalty.

:func:`solve` is the entry point. The solvers call only the datafit contract
(:class:`skmtl.datafits.base.Datafit`) and the solver-side penalty contract
(:class:`skmtl.penalties.base.SolverPenalty`); they never look at which loss or
penalty they were given.
"""

from .gap import dual_value, duality_gap
from .proximal_gradient import fista
from .result import SolverResult
from .solve import solve

__all__ = ["SolverResult", "dual_value", "duality_gap", "fista", "solve"]
