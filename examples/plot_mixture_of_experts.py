"""
==========================================
Which experts do the tasks use?
==========================================

Two regression tasks read the same inputs through directions ``w1`` and
``w2`` whose cosine ``p`` we choose (the synthetic tasks of Ma et al., KDD
2018): ``y_i = w_i^T x + sum_k sin(a_k w_i^T x + b_k)``. With ``p = 1`` the
tasks are the same function; with ``p = 0`` they depend on orthogonal
directions of ``x``.

A mixture of experts (``architecture="mmoe"``) gives each task a softmax gate
over a few expert networks. This example fits it and hard sharing at the same
total width for three correlations, and shows how much each task's gate uses
each expert: as the tasks drift apart, their gates drift apart too
(``task_relatedness_``, the overlap of the gates, falls). Unlike in Ma et
al.'s figure, hard sharing is not hurt by the drift here, and over five seeds
(``benchmarks/bench_mmoe.py``) the mixture's edge does not grow as ``p``
falls.
"""

# %%
# Tasks of a chosen correlation
import matplotlib.pyplot as plt
import numpy as np

from skmtl import MultiTaskMLP

rng = np.random.default_rng(0)
n_features, n_train, n_test = 50, 3000, 2000
basis, _ = np.linalg.qr(rng.standard_normal((n_features, 2)))
a, b = rng.standard_normal(10), rng.standard_normal(10)
X = rng.standard_normal((n_train + n_test, n_features))


def targets(p):
    w1 = basis[:, 0]
    w2 = p * basis[:, 0] + np.sqrt(1 - p**2) * basis[:, 1]
    columns = []
    for w in (w1, w2):
        z = X @ w
        columns.append(z + np.sin(np.outer(z, a) + b).sum(axis=1))
    Y = np.column_stack(columns)
    return (Y - Y[:n_train].mean(axis=0)) / Y[:n_train].std(axis=0)


# %%
# Hard sharing and a mixture of experts of the same total width
correlations = [1.0, 0.5, 0.0]
common = {"learning_rate_init": 3e-3, "early_stopping": True, "random_state": 0}
errors, gates, overlap = {"shared": [], "mmoe": []}, [], []
for p in correlations:
    Y = targets(p)
    shared = MultiTaskMLP((32,), **common).fit(X[:n_train], Y[:n_train])
    moe = MultiTaskMLP((8,), architecture="mmoe", n_experts=4, **common)
    moe.fit(X[:n_train], Y[:n_train])
    for name, model in (("shared", shared), ("mmoe", moe)):
        residual = model.predict(X[n_train:]) - Y[n_train:]
        errors[name].append(np.mean(residual**2))
    # Each task's gate, averaged over the held-out rows.
    mean_gates = []
    for G, c in zip(moe.gate_coefs_, moe.gate_intercepts_, strict=True):
        logits = X[n_train:] @ G + c
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        mean_gates.append((weights / weights.sum(axis=1, keepdims=True)).mean(0))
    gates.append(np.array(mean_gates))
    overlap.append(moe.task_relatedness_[0, 1])

# %%
# Held-out error, and the experts each task uses
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
axes[0].plot(correlations, errors["shared"], "o-", label="hard sharing (32,)")
axes[0].plot(correlations, errors["mmoe"], "s-", label="4 experts of (8,)")
axes[0].set_xlabel("correlation p of the tasks' directions")
axes[0].set_ylabel("held-out MSE (standardised)")
axes[0].invert_xaxis()
axes[0].legend(fontsize=8)
for ax, p, mean_gate, value in zip(axes[1:], correlations, gates, overlap, strict=True):
    ax.imshow(mean_gate, vmin=0, vmax=1, cmap="Blues")
    ax.set_title(f"p = {p}: gate overlap {value:.2f}", fontsize=9)
    ax.set_xticks(range(4), [f"expert {e}" for e in range(4)], fontsize=7)
    ax.set_yticks([0, 1], ["task 1", "task 2"])
fig.tight_layout()
plt.show()
