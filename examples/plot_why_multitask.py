"""
Pooling, independent fits or a multi-task penalty?
==================================================

Ten related regression tasks share one design and the same five relevant
features, but each task weighs them differently: every task's coefficients are
a common profile plus a task-specific deviation. We vary the number of
training samples per task and compare, on a large held-out set, three ways to
fit them:

- **pooled**: one lasso model for all the tasks together (all rows stacked),
  which ignores their differences;
- **independent**: one lasso model per task (:class:`~sklearn.linear_model.LassoCV`
  on that task's samples alone), which ignores what they share;
- **multi-task**: :class:`skmtl.MultiTaskRegressorCV` with the group lasso,
  which fits every task its own coefficients but asks them to use the same
  features.

Pooling has the lowest variance but a bias that no amount of data removes;
independent fits are unbiased but need many samples per task; the multi-task
penalty borrows strength across tasks where samples are few and catches up
with the independent fits where they are many.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV

from skmtl import MultiTaskRegressorCV, alpha_max
from skmtl.datasets import make_multitask_regression

N_TASKS, N_FEATURES, NOISE = 10, 20, 1.0
SAMPLES_PER_TASK = [10, 20, 40, 80, 160]
N_TEST, N_REPEATS = 1000, 2


def related_tasks(n_samples, seed):
    """Training and test data of tasks that share a support and a profile."""
    rng = np.random.default_rng(seed)
    X, _, deviation = make_multitask_regression(
        n_samples + N_TEST, N_FEATURES, N_TASKS, n_informative=5, random_state=seed
    )
    support = np.flatnonzero(np.any(deviation != 0, axis=0))
    coef = 0.5 * deviation  # each task: its own deviation ...
    coef[:, support] += 2.0 * rng.standard_normal(support.size)  # ... + the profile
    Y = X @ coef.T + NOISE * rng.standard_normal((len(X), N_TASKS))
    return X[:n_samples], Y[:n_samples], X[n_samples:], Y[n_samples:]


def held_out_mse(Y_true, Y_pred):
    return float(np.mean((Y_true - Y_pred) ** 2))


def lasso_cv(X, y):
    """LassoCV on 20 alphas from the lasso's own alpha_max down to 1/1000 of it."""
    alphas = alpha_max(X, y, penalty="lasso") * np.geomspace(1, 1e-3, 20)
    return LassoCV(alphas=alphas, cv=3).fit(X, y)


errors = {"pooled": [], "independent": [], "multi-task": []}
for n in SAMPLES_PER_TASK:
    totals = dict.fromkeys(errors, 0.0)
    for seed in range(N_REPEATS):
        X, Y, X_test, Y_test = related_tasks(n, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # One model for all tasks: the rows of every task stacked.
            pooled = lasso_cv(np.tile(X, (N_TASKS, 1)), Y.T.ravel())
            prediction = np.tile(pooled.predict(X_test)[:, None], (1, N_TASKS))
            totals["pooled"] += held_out_mse(Y_test, prediction)
            # One model per task, each with its own cross-validated alpha.
            prediction = np.column_stack(
                [lasso_cv(X, Y[:, t]).predict(X_test) for t in range(N_TASKS)]
            )
            totals["independent"] += held_out_mse(Y_test, prediction)
            # All tasks jointly, sharing their features.
            model = MultiTaskRegressorCV(alphas=10, cv=3, tol=1e-3)  # group lasso
            model.fit(X, Y)
            totals["multi-task"] += held_out_mse(Y_test, model.predict(X_test))
    for name in errors:
        errors[name].append(totals[name] / N_REPEATS)

print(f"{'samples per task':>16}" + "".join(f"{name:>13}" for name in errors))
for i, n in enumerate(SAMPLES_PER_TASK):
    print(f"{n:>16}" + "".join(f"{errors[name][i]:>13.2f}" for name in errors))

# %%
# Held-out error against the number of samples per task. The dashed line is
# the noise variance, the error of the true coefficients.

fig, ax = plt.subplots(figsize=(6, 4))
for name, marker in zip(errors, "sov", strict=True):
    ax.plot(SAMPLES_PER_TASK, errors[name], marker=marker, label=name)
ax.axhline(NOISE**2, color="gray", linestyle="--", label="noise variance")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xticks(SAMPLES_PER_TASK, [str(n) for n in SAMPLES_PER_TASK])
ax.set_yticks([1, 2, 3, 4, 6], ["1", "2", "3", "4", "6"])
ax.minorticks_off()
ax.set_xlabel("training samples per task")
ax.set_ylabel("held-out mean squared error")
ax.set_title(f"{N_TASKS} related tasks, {N_FEATURES} features")
ax.legend()
fig.tight_layout()
plt.show()
