"""
Choosing the penalty and alpha with a Pipeline and GridSearchCV
===============================================================

skmtl's estimators are ordinary scikit-learn estimators: here a
:class:`~sklearn.pipeline.Pipeline` standardises the features and fits a
:class:`skmtl.MultiTaskRegressor`, and :class:`~sklearn.model_selection.GridSearchCV`
chooses both the penalty (the structure shared by the tasks) and its
strength. The grid of each penalty is relative to its own ``alpha_max``
(:func:`skmtl.alpha_max`), the smallest ``alpha`` at which every coefficient
is zero. The tasks have a low-rank coefficient matrix, so the trace norm
should win. (:class:`skmtl.MultiTaskRegressorCV` does the same search faster,
along warm-started paths.)
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import MultiTaskRegressor, alpha_max
from skmtl.datasets import make_multitask_regression

X, Y, _ = make_multitask_regression(
    n_samples=80, n_features=25, n_tasks=12, structure="low_rank", rank=2,
    noise=2.0, random_state=0,
)  # fmt: skip
X_scaled = StandardScaler().fit_transform(X)
ratios = np.logspace(-2.5, -0.25, 8)  # alpha / alpha_max
penalties = ["group_lasso", "trace_norm", "lasso"]
grid = [
    {
        "model__penalty": [penalty],
        "model__alpha": alpha_max(X_scaled, Y, penalty=penalty) * ratios,
    }
    for penalty in penalties
]
pipeline = Pipeline([("scale", StandardScaler()), ("model", MultiTaskRegressor())])
search = GridSearchCV(pipeline, grid, cv=4).fit(X, Y)
print("best:", search.best_params_, f"R^2 = {search.best_score_:.3f}")

# %%
# Mean cross-validated R^2 along each penalty's grid.

results = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 4))
for penalty in penalties:
    rows = np.flatnonzero(results["param_model__penalty"] == penalty)
    ax.plot(ratios, results["mean_test_score"][rows], marker="o", label=penalty)
ax.set_xscale("log")
ax.set_xlabel(r"$\alpha / \alpha_{\max}$")
ax.set_ylabel("mean cross-validated $R^2$")
ax.legend()
fig.tight_layout()
plt.show()
