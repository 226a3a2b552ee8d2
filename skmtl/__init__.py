"""skmtl: multi-task learning for scikit-learn.

Fit many related prediction problems jointly, with structure shared through
the coefficient matrix: group lasso (shared features), trace norm (shared
low-dimensional representation), lasso and ridge baselines, the structures
of the literature (:mod:`skmtl.structures`), one model per missingness
pattern for incomplete multi-source data (:mod:`skmtl.multisource`), a
shared-bottom network (:class:`MultiTaskMLP`) and out-of-core fits
(:mod:`skmtl.outofcore`).
"""

from ._alpha_max import alpha_max
from ._classifier import MultiTaskClassifier
from ._cv import MultiTaskClassifierCV, MultiTaskRegressorCV
from ._path import GridEdgeWarning, penalty_grid, regularization_path
from ._regressor import MultiTaskRegressor
from .multisource import MultiSourceClassifier, MultiSourceRegressor
from .neural.estimator import (
    MultiTaskMLP,
    MultiTaskMLPClassifier,
    MultiTaskMLPRegressor,
)
from .representation import SharedSubspace

__version__ = "0.1.0.dev0"

__all__ = [
    "GridEdgeWarning",
    "MultiSourceClassifier",
    "MultiSourceRegressor",
    "MultiTaskClassifier",
    "MultiTaskClassifierCV",
    "MultiTaskMLP",
    "MultiTaskMLPClassifier",
    "MultiTaskMLPRegressor",
    "MultiTaskRegressor",
    "MultiTaskRegressorCV",
    "SharedSubspace",
    "alpha_max",
    "penalty_grid",
    "regularization_path",
]
