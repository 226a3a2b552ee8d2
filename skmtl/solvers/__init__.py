"""Solvers: accelerated proximal gradient and working sets, for any datafit and penalty.

:func:`solve` is the entry point. The solvers call only the datafit contract
(:class:`skmtl.datafits.Datafit`) and the solver-side penalty contract
(:class:`skmtl.penalties.base.SolverPenalty`); they never look at which loss or
penalty they were given.
"""

from .fista import SolverResult, dual_value, duality_gap, fista, solve

__all__ = ["SolverResult", "dual_value", "duality_gap", "fista", "solve"]
