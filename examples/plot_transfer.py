"""
========================================
Transfer a shared subspace to a new task
========================================

Ten tasks share a rank-2 structure: every task's coefficient vector is a
combination of the same two directions in a 40-dimensional feature space. A
trace-norm fit on those tasks finds the subspace. A new task with only a handful
of samples is then fitted in that subspace, with two or three coefficients
instead of forty, by putting :class:`~skmtl.representation.SharedSubspace` in
front of a ridge regression.

The learning curve compares that transfer with fitting the new task alone on
all the features; the heat map shows ``task_relatedness_``, the cosine
similarity of the tasks' learned coefficient vectors.
"""

# %%
# Old tasks, and a new one that follows the same structure
import matplotlib.pyplot as plt
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline

from skmtl import MultiTaskRegressor
from skmtl.datasets import make_multitask_regression
from skmtl.representation import SharedSubspace

X, Y, W_true = make_multitask_regression(
    n_samples=600, n_features=40, n_tasks=11, structure="low_rank", rank=2,
    noise=0.5, random_state=0,
)  # fmt: skip
X_old, Y_old = X[:200], Y[:200, :10]
X_test, y_test = X[300:], Y[300:, 10]

old = MultiTaskRegressor(penalty="trace_norm", alpha=0.3).fit(X_old, Y_old)
subspace = SharedSubspace(old, prefit=True)

# %%
# Learning curve of the new task
sizes = [5, 8, 12, 20, 35, 60, 100]
transfer_scores, alone_scores = [], []
for n in sizes:
    X_new, y_new = X[200 : 200 + n], Y[200 : 200 + n, 10]
    transfer = make_pipeline(subspace, RidgeCV()).fit(X_new, y_new)
    alone = RidgeCV().fit(X_new, y_new)
    transfer_scores.append(transfer.score(X_test, y_test))
    alone_scores.append(alone.score(X_test, y_test))
print(f"shared subspace: {subspace.n_components_} dimensions")

fig, (ax_curve, ax_related) = plt.subplots(1, 2, figsize=(10, 4))
ax_curve.plot(sizes, transfer_scores, "o-", label="shared subspace + ridge")
ax_curve.plot(sizes, alone_scores, "s--", label="ridge on all features")
ax_curve.set_xscale("log")
ax_curve.set_xlabel("samples of the new task")
ax_curve.set_ylabel("held-out $R^2$")
ax_curve.set_ylim(-0.5, 1.0)
ax_curve.legend()
ax_curve.set_title("New task: transfer vs alone")

# %%
# Which old tasks are related?
image = ax_related.imshow(old.task_relatedness_, cmap="RdBu_r", vmin=-1, vmax=1)
ax_related.set_title("task_relatedness_ (cosine)")
ax_related.set_xlabel("task")
ax_related.set_ylabel("task")
fig.colorbar(image, ax=ax_related)
fig.tight_layout()
plt.show()
