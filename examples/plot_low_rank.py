"""
Recovering a low-rank coefficient matrix with the trace norm
============================================================

Twenty regression tasks whose coefficient vectors all lie in a
three-dimensional subspace of the thirty features: the coefficient matrix
``W`` has rank 3. With 40 samples per task, ridge regression (independent,
dense) spreads its estimate over every direction; the trace norm
(:class:`skmtl.MultiTaskRegressor` with ``penalty="trace_norm"``) soft-thresholds
the singular values of ``W``, so its estimate has few nonzero singular values:
the tasks share a low-dimensional representation. ``alpha`` is chosen by
cross-validation for both.
"""

import matplotlib.pyplot as plt
import numpy as np

from skmtl import MultiTaskRegressorCV
from skmtl.datasets import make_multitask_regression

X, Y, true_coef = make_multitask_regression(
    n_samples=40,
    n_features=30,
    n_tasks=20,
    structure="low_rank",
    rank=3,
    noise=1.0,
    random_state=0,
)
models = {
    "trace norm": MultiTaskRegressorCV(penalty="trace_norm", alphas=15, cv=4),
    "ridge": MultiTaskRegressorCV(penalty="ridge", alphas=15, cv=4),
}
singular_values = {"truth": np.linalg.svd(true_coef, compute_uv=False)}
for name, model in models.items():
    model.fit(X, Y)
    singular_values[name] = np.linalg.svd(model.coef_, compute_uv=False)


def effective_rank(values, rtol=0.1):
    """Number of singular values above ``rtol`` times the largest."""
    return int(np.sum(values > rtol * values[0]))


for name, values in singular_values.items():
    error = ""
    if name in models:
        distance = np.linalg.norm(models[name].coef_ - true_coef)
        error = f", relative error of W {distance / np.linalg.norm(true_coef):.2f}"
    print(
        f"{name:>10}: singular values {np.round(values[:5], 2)}, "
        f"{effective_rank(values)} above 10% of the largest{error}"
    )

# %%
# The singular values of ``W`` (``coef_`` transposed), largest first. The trace
# norm keeps three large values, close to the true ones, and shrinks the
# others by an order of magnitude or to exactly zero (drawn at the bottom of
# the logarithmic axis); ridge spreads its estimate over all twenty.

fig, ax = plt.subplots(figsize=(6, 4))
floor = 1e-3
for (name, values), marker in zip(singular_values.items(), "o^s", strict=True):
    ax.plot(
        np.arange(1, values.size + 1), np.maximum(values, floor), marker, label=name
    )
ax.set_yscale("log")
ax.set_ylim(bottom=floor / 2)
ax.set_xticks(np.arange(1, 21, 2))
ax.set_xlabel("index k")
ax.set_ylabel(r"singular value $\sigma_k(W)$")
ax.legend()
fig.tight_layout()
plt.show()
