"""
Recovering a shared support with the group lasso
================================================

Eight regression tasks use the same five of forty features, with different
coefficients. With 60 samples per task, an independent lasso for each task
picks a different, noisy set of features in each; the group lasso
(:class:`skmtl.MultiTaskRegressor` with ``penalty="group_lasso"``) selects
features for all the tasks at once, so a feature is kept or dropped by every
task together. Both penalties' ``alpha`` is chosen by cross-validation
(:class:`skmtl.MultiTaskRegressorCV`); the heat maps
(:class:`skmtl.plotting.CoefficientDisplay`) show ``coef_`` next to the truth.
"""

import matplotlib.pyplot as plt
import numpy as np

from skmtl import MultiTaskRegressorCV
from skmtl.datasets import make_multitask_regression
from skmtl.plotting import CoefficientDisplay

X, Y, true_coef = make_multitask_regression(
    n_samples=60, n_features=40, n_tasks=8, n_informative=5, noise=1.0, random_state=0
)
group_lasso = MultiTaskRegressorCV(penalty="group_lasso", alphas=20, cv=5).fit(X, Y)
lasso = MultiTaskRegressorCV(penalty="lasso", alphas=20, cv=5).fit(X, Y)


def support(coef):
    """Features used by at least one task."""
    return set(np.flatnonzero(np.any(coef != 0, axis=0)).tolist())


truth = support(true_coef)
for name, model in [("group lasso", group_lasso), ("independent lasso", lasso)]:
    found = support(model.coef_)
    print(
        f"{name:>18}: {len(found & truth)} of {len(truth)} true features found, "
        f"{len(found - truth)} false ones, alpha = {model.alpha_:.3g}"
    )

# %%
# The rows are the tasks, the columns the features; the lightest colour is zero.
# The group lasso's nonzero cells form whole columns: large on the true
# features, faint on a few others. Cross-validation picks ``alpha`` for
# prediction, which tolerates small false positives; a larger ``alpha`` (see the
# regularization path example) removes them first. The independent lasso
# scatters its errors over many more cells, differently in each task.

vmax = np.abs(true_coef).max()
fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True)
CoefficientDisplay(true_coef, estimator_name="truth").plot(ax=axes[0], vmax=vmax)
CoefficientDisplay.from_estimator(
    group_lasso, ax=axes[1], vmax=vmax, name="group lasso (MultiTaskRegressorCV)"
)
CoefficientDisplay.from_estimator(
    lasso, ax=axes[2], vmax=vmax, name="independent lasso (penalty='lasso')"
)
for ax in axes[:2]:
    ax.set_xlabel("")
fig.tight_layout()
plt.show()
