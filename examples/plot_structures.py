"""
The multi-task structures, each on data that has it
===================================================

Each structure of :mod:`skmtl.structures` encodes a different belief about how
the tasks are related. Here every one of them gets a small generated problem
whose true coefficient matrix ``W`` (features x tasks) has exactly that
structure, and is fitted by :class:`skmtl.MultiTaskRegressor` at an ``alpha``
chosen on a validation set. The heat maps at the end put the truth next to the
learned ``W`` and, for the decomposed models (``W = P + Q`` or ``L + S``),
next to the two parts the model separates.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from skmtl import MultiTaskRegressor, alpha_max
from skmtl.structures import (
    Clustered,
    Dirty,
    RobustGroupLasso,
    RobustTraceNorm,
    SparseLowRank,
    TaskGraph,
)

rng = np.random.default_rng(0)


def make_data(W, n_train, noise=1.0, n_validation=100):
    """Training and validation sets for ``Y = X W + noise``, shared design."""
    n = n_train + n_validation
    X = rng.standard_normal((n, W.shape[0]))
    Y = X @ W + noise * rng.standard_normal((n, W.shape[1]))
    return (X[:n_train], Y[:n_train]), (X[n_train:], Y[n_train:])


def fit_on_validation(penalty, train, validation, alphas=None):
    """The model with the best validation error over a grid of alphas.

    Without ``alphas``, the grid runs from ``alpha_max`` down to a hundredth
    of it.
    """
    if alphas is None:
        alphas = alpha_max(*train, penalty=penalty) * np.geomspace(1, 0.01, 11)
    best_error, best_model = np.inf, None
    for alpha in alphas:
        model = MultiTaskRegressor(penalty=penalty, alpha=alpha).fit(*train)
        error = np.mean((model.predict(validation[0]) - validation[1]) ** 2)
        if error < best_error:
            best_error, best_model = error, model
    return best_model


# Heat maps to draw at the end: one row per structure, (title, matrix) panels.
rows = {}

# %%
# Dirty model: shared features plus a few of each task's own
# -----------------------------------------------------------
#
# Three features are used by all eight tasks; besides, task ``t`` alone uses
# feature ``3 + t``. :class:`~skmtl.structures.Dirty` writes ``W = P + Q``
# with a group lasso on the rows of ``P`` (the shared features) and a lasso on
# ``Q`` (the exceptions). A group lasso alone would have to switch the
# exceptions on for every task, or miss them. At the ``alpha`` that predicts
# best, ``P`` also keeps small values on a few of the task-specific rows, while
# the largest entry of ``Q`` in each task is that task's own feature.

n_features, n_tasks = 20, 8
W = np.zeros((n_features, n_tasks))
W[:3] = rng.choice([-1, 1], (3, n_tasks)) * rng.uniform(1, 2, (3, n_tasks))
for t in range(n_tasks):
    W[3 + t, t] = 2.5
train, validation = make_data(W, n_train=40)
dirty = fit_on_validation(Dirty(), train, validation)
print(f"Dirty: alpha = {dirty.alpha:.3g}")
print("  features used by P (shared):", np.flatnonzero(np.any(dirty.P_ != 0, axis=0)))
print(
    "  largest entry of Q for each task, at feature:",
    np.argmax(np.abs(dirty.Q_), axis=1),
    "(planted: 3 + t)",
)
rows["Dirty"] = [
    ("true W", W),
    ("learned W", dirty.coef_.T),
    ("P (group lasso)", dirty.P_.T),
    ("Q (lasso)", dirty.Q_.T),
]

# %%
# Robust trace norm: a low-rank structure and two outlier tasks
# -------------------------------------------------------------
#
# Eighteen of twenty tasks have coefficient vectors along one direction (``W``
# has rank one on them); tasks 2 and 6 are unrelated random vectors.
# :class:`~skmtl.structures.RobustTraceNorm` writes ``W = L + S`` with a trace
# norm on ``L`` and a group lasso on the columns of ``S``: the tasks with a
# non-zero column of ``S`` are reported in ``outlier_tasks_``. The relative
# weight ``outlier_weight`` must be below 1 (above, ``S`` is always zero) but
# not much below when the tasks have many features: 0.95 here.

n_features, n_tasks = 10, 20
u = rng.standard_normal(n_features)
u /= np.linalg.norm(u)
W = np.outer(u, rng.choice([-1, 1], n_tasks) * rng.uniform(2, 3, n_tasks))
for t in (2, 6):
    w = rng.standard_normal(n_features)
    W[:, t] = 2.5 * w / np.linalg.norm(w)
train, validation = make_data(W, n_train=60)
robust_trace = fit_on_validation(RobustTraceNorm(0.95), train, validation)
print(f"RobustTraceNorm: alpha = {robust_trace.alpha:.3g}")
print("  outlier tasks:", robust_trace.outlier_tasks_, "(planted: [2 6])")
print(
    "  singular values of L:",
    np.round(np.linalg.svd(robust_trace.L_, compute_uv=False)[:4], 2),
)
rows["RobustTraceNorm"] = [
    ("true W", W),
    ("learned W", robust_trace.coef_.T),
    ("L (trace norm)", robust_trace.L_.T),
    ("S (columns)", robust_trace.S_.T),
]

# %%
# Robust group lasso: a shared support and two outlier tasks
# ----------------------------------------------------------
#
# Twenty-two of twenty-four tasks use features 0 to 2; tasks 5 and 17 use six
# other features. :class:`~skmtl.structures.RobustGroupLasso` writes
# ``W = P + Q`` with a group lasso on the rows of ``P`` and on the columns of
# ``Q``. An outlier task is cheaper in ``Q`` than in ``P`` when the relative
# weight is below the square root of its number of features (here
# :math:`\sqrt{6}`), and the noise of an inlier task stays out of ``Q`` when it
# is above about :math:`\sqrt{d / T}`: 1.5 sits in between.

n_features, n_tasks = 20, 24
W = np.zeros((n_features, n_tasks))
W[:3] = rng.choice([-1, 1], (3, n_tasks)) * rng.uniform(1, 2, (3, n_tasks))
for t in (5, 17):
    W[:, t] = 0.0
    own = rng.choice(np.arange(3, n_features), 6, replace=False)
    W[own, t] = rng.choice([-1, 1], 6) * rng.uniform(1, 2, 6)
train, validation = make_data(W, n_train=40)
robust_group = fit_on_validation(RobustGroupLasso(1.5), train, validation)
print(f"RobustGroupLasso: alpha = {robust_group.alpha:.3g}")
print("  outlier tasks:", robust_group.outlier_tasks_, "(planted: [ 5 17])")
rows["RobustGroupLasso"] = [
    ("true W", W),
    ("learned W", robust_group.coef_.T),
    ("P (rows)", robust_group.P_.T),
    ("Q (columns)", robust_group.Q_.T),
]

# %%
# Sparse plus low rank: a rank-one ``W`` with six spikes
# ------------------------------------------------------
#
# :class:`~skmtl.structures.SparseLowRank` writes ``W = P + Q`` with a lasso
# on ``P`` and a trace norm on ``Q``. The trace norm alone would spread the
# spikes over the singular vectors; here they end up in ``P``.

n_features, n_tasks = 20, 20
u = rng.standard_normal(n_features)
u /= np.linalg.norm(u)
W = np.outer(u, rng.choice([-1, 1], n_tasks) * rng.uniform(2, 3, n_tasks))
spikes = rng.choice(W.size, 6, replace=False)
W.flat[spikes] += rng.choice([-1, 1], 6) * 4.0
train, validation = make_data(W, n_train=40)
sparse_low_rank = fit_on_validation(SparseLowRank(0.5), train, validation)
trace = fit_on_validation("trace_norm", train, validation)
print(f"SparseLowRank: alpha = {sparse_low_rank.alpha:.3g}")
for name, model in [("sparse + low rank", sparse_low_rank), ("trace norm", trace)]:
    error = np.linalg.norm(model.coef_.T - W) / np.linalg.norm(W)
    print(f"  {name:>17}: relative error of W {error:.2f}")
P = sparse_low_rank.P_.T
largest = np.sort(np.argsort(np.abs(P).ravel())[::-1][: spikes.size])
print(
    "  largest entries of P are the spikes:", np.array_equal(largest, np.sort(spikes))
)
rows["SparseLowRank"] = [
    ("true W", W),
    ("learned W", sparse_low_rank.coef_.T),
    ("P (lasso)", P),
    ("Q (trace norm)", sparse_low_rank.Q_.T),
]

# %%
# Task graph: coefficients drifting along a chain of tasks
# --------------------------------------------------------
#
# Twelve tasks, each with 15 samples for 10 features, whose coefficients turn
# slowly from one vector to another: neighbouring tasks are alike.
# :class:`~skmtl.structures.TaskGraph` with the chain's edges ``(t, t + 1)``
# adds :math:`\beta \sum_t \|w_t - w_{t+1}\|^2` to a lasso; ``strength=0`` is
# the independent lasso, shown for comparison.

n_features, n_tasks = 10, 12
a, b = rng.standard_normal((2, n_features))
angle = np.linspace(0, np.pi / 2, n_tasks)
W = np.outer(a, np.cos(angle)) + np.outer(b, np.sin(angle))
W[n_features // 2 :] = 0.0
train, validation = make_data(W, n_train=15)
chain = [(t, t + 1) for t in range(n_tasks - 1)]
graph = fit_on_validation(TaskGraph(chain, strength=1.0), train, validation)
independent = fit_on_validation(TaskGraph(chain, strength=0.0), train, validation)
print(f"TaskGraph: alpha = {graph.alpha:.3g}")
for name, model in [("chain graph", graph), ("independent lasso", independent)]:
    error = np.linalg.norm(model.coef_.T - W) / np.linalg.norm(W)
    print(f"  {name:>17}: relative error of W {error:.2f}")
rows["TaskGraph"] = [
    ("true W", W),
    ("learned W (chain)", graph.coef_.T),
    ("independent lasso", independent.coef_.T),
]

# %%
# Clustered tasks
# ---------------
#
# Six tasks in three clusters (tasks 0 and 3, 1 and 4, 2 and 5) share a
# cluster centre up to small task-specific deviations.
# :class:`~skmtl.structures.Clustered` needs only the number of clusters; it
# learns a task-similarity matrix ``task_similarity_`` and a cluster label per
# task, ``task_clusters_``. The penalty is smooth and has no ``alpha_max``:
# ``alpha`` is chosen on a fixed grid.

n_features, clusters = 10, np.array([0, 1, 2, 0, 1, 2])
centres = 1.5 * rng.standard_normal((n_features, 3))
W = centres[:, clusters] + 0.1 * rng.standard_normal((n_features, clusters.size))
train, validation = make_data(W, n_train=15)
clustered = fit_on_validation(
    Clustered(n_clusters=3), train, validation, alphas=[0.003, 0.01, 0.03, 0.1]
)
print(f"Clustered: alpha = {clustered.alpha:.3g}")
print("  clusters found:", clustered.task_clusters_, "(planted:", clusters, ")")
rows["Clustered"] = [
    ("true W", W),
    ("learned W", clustered.coef_.T),
    ("task similarity M", clustered.task_similarity_),
]

# %%
# Truth and estimates side by side
# --------------------------------
#
# Each row is one problem: features down, tasks across, one symmetric colour
# scale per row (white is zero). The decomposed models split the learned ``W``
# into their two parts; for the task graph the third panel is the independent
# lasso, and for the clustered tasks the learned similarity between tasks
# (grey scale from 0 to 1), whose blocks are the clusters.

n_columns = max(len(panels) for panels in rows.values())
fig, axes = plt.subplots(
    len(rows),
    n_columns,
    figsize=(2.4 * n_columns + 1, 2.3 * len(rows)),
    layout="constrained",
)
for ax_row, (structure, panels) in zip(axes, rows.items(), strict=True):
    scale = np.abs(panels[0][1]).max()
    for ax, (title, matrix) in zip(ax_row, panels, strict=False):
        if title == "task similarity M":
            ax.imshow(matrix, cmap="Greys", vmin=0, vmax=1)
            ax.set_ylabel("task")
        else:
            ax.imshow(matrix, cmap="RdBu_r", vmin=-scale, vmax=scale, aspect="auto")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("task", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_row[0].set_ylabel(f"{structure}\nfeature")
    for ax in ax_row[len(panels) :]:
        ax.axis("off")
    fig.colorbar(ax_row[0].images[0], ax=ax_row[len(panels) - 1], shrink=0.9)
plt.show()
