"""What both estimators share: parameters, their validation, and the solve."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from ._data import SharedDesign
from ._datafit import Datafit
from .penalties import make_penalty
from .solvers import fista


def _check_real(name, value, *, low, include_low=True):
    """Raise a ValueError unless ``value`` is a finite real number above ``low``."""
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_real or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if value < low or (value == low and not include_low):
        bound = ">=" if include_low else ">"
        raise ValueError(f"{name} must be {bound} {low}, got {value!r}.")


class _MultiTaskLinear(BaseEstimator):
    """Parameters and fitting machinery shared by the regressor and the classifier."""

    def __init__(
        self,
        penalty="group_lasso",
        alpha=0.01,
        *,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        verbose=0,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose

    def _validated_penalty(self):
        """Check every hyperparameter and return the penalty object."""
        penalty = make_penalty(self.penalty)
        _check_real("alpha", self.alpha, low=0.0)
        _check_real("tol", self.tol, low=0.0, include_low=False)
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(
                f"max_iter must be a positive integer, got {self.max_iter!r}."
            )
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(
                f"fit_intercept must be True or False, got {self.fit_intercept!r}."
            )
        return penalty

    @staticmethod
    def _checked_sample_weight(sample_weight, n_samples):
        """Validate ``sample_weight``: one finite, non-negative weight per sample."""
        if sample_weight is None:
            return None
        sample_weight = np.asarray(sample_weight)
        if sample_weight.ndim == 0:
            sample_weight = np.full(n_samples, sample_weight)
        if sample_weight.shape != (n_samples,):
            raise ValueError(
                f"sample_weight must have shape ({n_samples},), one weight per "
                f"sample, got shape {sample_weight.shape}."
            )
        if sample_weight.dtype.kind not in "biuf":
            raise ValueError(
                f"sample_weight must be numeric, got dtype {sample_weight.dtype}."
            )
        sample_weight = sample_weight.astype(np.float64)
        if not np.all(np.isfinite(sample_weight)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.any(sample_weight < 0):
            raise ValueError("sample_weight has negative values; weights must be >= 0.")
        if sample_weight.sum() <= 0:
            raise ValueError(
                "sample_weight sums to zero: at least one sample needs a "
                "positive weight."
            )
        return sample_weight

    def _build_datafit(self, X, targets, blocks, sample_weight):
        data = SharedDesign(X, targets, sample_weight, self.fit_intercept)
        return Datafit(data, blocks)

    def _solve(self, datafit, penalty):
        """Run the solver (warm-started if asked) and store the fitted attributes."""
        data = datafit.data
        coef_init = offset_init = None
        expected = (data.n_columns, data.n_features)
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == expected:
                coef_init = self.coef_.T
                offset_init = data.offset(coef_init, self.intercept_)
        result = fista(
            datafit,
            penalty,
            float(self.alpha),
            coef_init,
            offset_init,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )
        if not result.converged:
            self._warn_not_converged(result)
        self.coef_ = np.ascontiguousarray(result.coef.T)
        intercept = data.intercept(result.coef, result.offset)
        self.intercept_ = intercept if self.fit_intercept else np.zeros_like(intercept)
        self.n_iter_ = result.n_iter
        self.dual_gap_ = result.dual_gap
        self.optimality_residual_ = result.residual
        self.objective_ = result.objective
        self.converged_ = result.converged
        return result

    def _warn_not_converged(self, result):
        if result.criterion == "duality_gap":
            achieved = f"duality gap {result.dual_gap:.3e}"
        else:
            achieved = f"relative prox-gradient residual {result.residual:.3e}"
        warnings.warn(
            f"{type(self).__name__} did not converge in max_iter={self.max_iter} "
            f"iterations ({achieved}, tol={self.tol:g}). Increase max_iter, "
            "loosen tol, standardise the features (StandardScaler) or increase "
            "alpha.",
            ConvergenceWarning,
            stacklevel=3,
        )
