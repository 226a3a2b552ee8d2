"""
===============================================
Shared representations: network vs trace norm
===============================================

Ten regression tasks read the same three-dimensional representation of 20
features, through a non-linearity: :math:`y_t = v_t^\\top \\tanh(A^\\top x) +
\\varepsilon`. With few samples per task, how well do four ways of fitting
them predict held-out data?

- **per task**: one ridge regression per task (cross-validated);
- **pooled**: one ridge regression for all tasks together, as if they were one;
- **shared network**: :class:`~skmtl.MultiTaskMLP`, hidden layers shared by all
  tasks and one output head per task;
- **trace norm**: :class:`~skmtl.MultiTaskRegressorCV` with the trace norm, a
  linear model whose tasks share a low-dimensional subspace.
"""

# %%
# Tasks that share a representation
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import RidgeCV

from skmtl import MultiTaskMLP, MultiTaskRegressorCV

rng = np.random.default_rng(0)
n_features, n_tasks = 20, 10
A = rng.standard_normal((n_features, 3)) / np.sqrt(n_features)
V = rng.standard_normal((3, n_tasks)) * 2


def draw(n_samples):
    X = rng.standard_normal((n_samples, n_features))
    Y = np.tanh(X @ A * 2) @ V + 0.3 * rng.standard_normal((n_samples, n_tasks))
    return X, Y


X_test, Y_test = draw(2000)


def r2(Y_pred):
    residual = ((Y_test - Y_pred) ** 2).sum(axis=0)
    return float(np.mean(1 - residual / ((Y_test - Y_test.mean(0)) ** 2).sum(0)))


# %%
# Held-out R^2 against the number of samples per task
sizes = [10, 20, 40, 80, 160]
scores = {"per task": [], "pooled": [], "shared network": [], "trace norm": []}
for n in sizes:
    X, Y = draw(n)
    per_task = np.column_stack(
        [RidgeCV().fit(X, Y[:, t]).predict(X_test) for t in range(n_tasks)]
    )
    pooled = RidgeCV().fit(np.tile(X, (n_tasks, 1)), Y.T.ravel()).predict(X_test)
    network = MultiTaskMLP(
        (32,), activation="tanh", alpha=1e-3, learning_rate_init=0.01,
        max_iter=400, random_state=0,
    ).fit(X, Y)  # fmt: skip
    trace = MultiTaskRegressorCV(penalty="trace_norm", alphas=8, cv=3).fit(X, Y)
    scores["per task"].append(r2(per_task))
    scores["pooled"].append(r2(np.repeat(pooled[:, None], n_tasks, axis=1)))
    scores["shared network"].append(r2(network.predict(X_test).astype(float)))
    scores["trace norm"].append(r2(trace.predict(X_test)))

fig, ax = plt.subplots(figsize=(6, 4))
for (name, values), marker in zip(scores.items(), "osD^", strict=True):
    ax.plot(sizes, values, marker=marker, label=name)
ax.set_xscale("log")
ax.set_xlabel("training samples per task")
ax.set_ylabel("mean held-out $R^2$ over tasks")
ax.set_ylim(-0.2, 1.0)
ax.legend()
ax.set_title("Ten tasks, one shared representation")
fig.tight_layout()
plt.show()
