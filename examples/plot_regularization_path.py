"""
The regularization path of the group lasso
==========================================

:func:`skmtl.regularization_path` solves a whole grid of ``alpha`` values,
from ``alpha_max`` (every coefficient zero) down, each fit warm-started from
the previous one. :class:`skmtl.plotting.RegularizationPathDisplay` draws, for
each feature, the Euclidean norm of its row of ``W`` (its coefficients in all
the tasks) along the path: with the group lasso a feature enters for every
task at once. The five features that the tasks truly use are drawn in colour,
the others in grey; the dotted line marks the ``alpha`` chosen by
cross-validation.
"""

import matplotlib.pyplot as plt
import numpy as np

from skmtl import MultiTaskRegressor, MultiTaskRegressorCV, alpha_max
from skmtl.datasets import make_multitask_regression
from skmtl.plotting import RegularizationPathDisplay

X, Y, true_coef = make_multitask_regression(
    n_samples=60, n_features=20, n_tasks=6, n_informative=5, random_state=1
)
informative = np.flatnonzero(np.any(true_coef != 0, axis=0))
print(f"alpha_max = {alpha_max(X, Y, penalty='group_lasso'):.3f}")
cv_model = MultiTaskRegressorCV(penalty="group_lasso", alphas=20, cv=5).fit(X, Y)
print(f"alpha chosen by 5-fold CV = {cv_model.alpha_:.3f}")

# %%
# The path, 40 alphas from ``alpha_max`` down to ``alpha_max / 1000``. The
# display keeps its lines (``display.lines_``, one per feature, in feature
# order), so they can be restyled after plotting.

display = RegularizationPathDisplay.from_estimator(
    MultiTaskRegressor(penalty="group_lasso"), X, Y, alphas=40, eps=1e-3, legend=False
)
for j, line in enumerate(display.lines_):
    if j in informative:
        line.set_color(f"C{np.searchsorted(informative, j)}")
        line.set_linewidth(2)
    else:
        line.set_color("lightgray")
        line.set_label("_nolegend_")
display.ax_.axvline(cv_model.alpha_, color="black", linestyle=":", label="CV alpha")
display.ax_.legend(fontsize="small")
display.figure_.set_size_inches(6, 4)
display.figure_.tight_layout()
plt.show()
