"""The multi-task structures of the literature, as penalties.

Each class is a penalty for the ``penalty`` parameter of
:class:`~skmtl.MultiTaskRegressor` and :class:`~skmtl.MultiTaskClassifier`
(also by name, with default settings). With ``F`` the data term of the
estimator, they minimise:

- :class:`Dirty` (Jalali et al. 2010): ``W = P + Q``,
  :math:`F + \\alpha (\\|P\\|_{2,1} + \\rho \\|Q\\|_1)`;
- :class:`RobustTraceNorm` (Chen, Zhou & Ye 2011): ``W = L + S``,
  :math:`F + \\alpha (\\|L\\|_* + \\rho \\sum_t \\|S_{:,t}\\|_2)`;
- :class:`RobustGroupLasso` (Gong, Ye & Zhang 2012): ``W = P + Q``,
  :math:`F + \\alpha (\\|P\\|_{2,1} + \\rho \\sum_t \\|Q_{:,t}\\|_2)`;
- :class:`SparseLowRank` (Chen, Liu & Ye 2010): ``W = P + Q``,
  :math:`F + \\alpha (\\rho \\|P\\|_1 + \\|Q\\|_*)`;
- :class:`TaskGraph` (Evgeniou & Pontil 2004; SRMTL):
  :math:`F + \\alpha \\Omega(W) + \\beta \\sum_{(s,t)} a_{st} \\|w_s - w_t\\|_2^2`;
- :class:`Clustered` (Zhou, Chen & Ye 2011):
  :math:`F + \\alpha \\eta (1 + \\eta) \\min_M \\operatorname{tr}(W (\\eta I +
  M)^{-1} W^\\top)`.
- :class:`CASO` (Chen, Tang, Liu & Ye 2009):
  :math:`F + \\alpha \\eta (1 + \\eta) \\min_M \\operatorname{tr}(W^\\top
  (\\eta I + M)^{-1} W)`, ``M`` over the features.
- :class:`TemporalGroupLasso` (Zhou et al. 2011; MALSAR's TGL), tasks in time
  order :math:`t_1, \\dots, t_T`:
  :math:`F + \\alpha \\|W\\|_{2,1} + \\beta \\sum_k \\|w_{t_{k+1}} - w_{t_k}\\|_2^2`;
- :class:`FusedSparseGroupLasso` (Zhou et al. 2012; MALSAR's cFSGL):
  :math:`F + \\alpha (\\|W\\|_{2,1} + r_1 \\|W\\|_1 + r_2 \\sum_{j,k}
  |W_{j,t_{k+1}} - W_{j,t_k}|)`.

The parts of a decomposed model are optimised jointly (see
:mod:`skmtl.datafits.parts`); smooth terms enter the gradient (see
:mod:`skmtl.datafits.smooth`). Every estimator also accepts ``l2``, an extra ridge
term :math:`\\frac{l_2}{2} \\|W\\|_F^2` on any penalty.
"""

from .penalties.fused import FusedSparseGroupLasso
from .penalties.structures import (  # noqa: F401 (names by kind, for users)
    CASO,
    PENALTY_NAMES,
    STRUCTURES,
    Clustered,
    Dirty,
    RobustGroupLasso,
    RobustTraceNorm,
    SparseLowRank,
    TaskGraph,
    make_penalty,
)
from .penalties.temporal import TemporalGroupLasso

__all__ = [
    "CASO",
    "Clustered",
    "Dirty",
    "FusedSparseGroupLasso",
    "RobustGroupLasso",
    "RobustTraceNorm",
    "SparseLowRank",
    "TaskGraph",
    "TemporalGroupLasso",
    "make_penalty",
]
