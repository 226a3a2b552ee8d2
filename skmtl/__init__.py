"""skmtl: multi-task learning for scikit-learn.

Fit many related prediction problems jointly, with structure shared through
the coefficient matrix: group lasso (shared features), trace norm (shared
low-dimensional representation), lasso and ridge baselines.
"""

from ._alpha_max import alpha_max
from ._classifier import MultiTaskClassifier
from ._regressor import MultiTaskRegressor

__version__ = "0.1.0.dev0"

__all__ = ["MultiTaskClassifier", "MultiTaskRegressor", "alpha_max"]
