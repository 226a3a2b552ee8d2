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

The parts of a decomposed model are optimised jointly (see
:mod:`skmtl.datafits.parts`); smooth terms enter the gradient (see
:mod:`skmtl.datafits.smooth`). Every estimator also accepts ``l2``, an extra ridge
term :math:`\\frac{l_2}{2} \\|W\\|_F^2` on any penalty.
"""

from .penalties.structures import (  # noqa: F401 (names by kind, for users)
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

__all__ = [
    "Clustered",
    "Dirty",
    "RobustGroupLasso",
    "RobustTraceNorm",
    "SparseLowRank",
    "TaskGraph",
    "make_penalty",
]
