"""
Disease progression: one task per visit, patients dropping out
==============================================================

A clinical score is measured at six visits; we predict it at each visit from
the patients' baseline measurements (30 features, 5 of which matter), one
task per visit. The same features matter at every visit and their effects
change slowly, by a drift and a step. After each visit 30% of the remaining
patients drop out, so the last visit has about a sixth of the patients of the
first: their later scores are missing (``missing_targets="ignore"``).

Four models, each with ``alpha`` (and its structure's parameter) chosen by
cross-validation on the training patients
(:class:`skmtl.MultiTaskRegressorCV`):

- the **fused sparse group lasso**
  (:class:`~skmtl.structures.FusedSparseGroupLasso`): the features used at
  every visit, with effects constant between a few change points;
- the **temporal group lasso** (:class:`~skmtl.structures.TemporalGroupLasso`):
  the features used at every visit, consecutive visits pulled together;
- the **group lasso**: the same features at every visit, visits otherwise
  unrelated;
- the **independent lasso**: one lasso per visit.

Every visit should count equally in the choice, whatever its number of
patients, so the cross-validation score is the mean over visits of each
visit's squared error on the held-out patients seen there (the regressor's
default score weighs each visit by its number of patients, and the first
visits, where borrowing across visits matters least, would decide alone).
"""

import matplotlib.pyplot as plt
import numpy as np

from skmtl import MultiTaskRegressorCV
from skmtl.structures import FusedSparseGroupLasso, TemporalGroupLasso

N_VISITS, N_FEATURES, N_ACTIVE = 6, 30, 5
rng = np.random.default_rng(0)

# The effects of the active features: a start, a drift and one step.
true_coef = np.zeros((N_FEATURES, N_VISITS))
for j in range(N_ACTIVE):
    start = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.0)
    step = np.arange(N_VISITS) >= rng.integers(2, N_VISITS)
    drift = rng.uniform(-0.5, 0.5) * np.linspace(0.0, 1.0, N_VISITS)
    true_coef[j] = start + drift + 0.3 * np.sign(start) * step


def patients(n, dropout):
    """Baseline features and the score at each visit (NaN after dropping out)."""
    X = rng.standard_normal((n, N_FEATURES))
    Y = X @ true_coef + rng.standard_normal((n, N_VISITS))
    present = np.ones(n, dtype=bool)
    for visit in range(1, N_VISITS):
        present &= rng.uniform(size=n) >= dropout
        Y[~present, visit] = np.nan
    return X, Y


X, Y = patients(150, dropout=0.3)
X_test, Y_test = patients(1000, dropout=0.0)  # every visit, to measure error
print("patients seen at each visit:", np.sum(~np.isnan(Y), axis=0))


def mean_visit_error(model, X, Y):
    """Minus the mean over visits of the held-out MSE (missing scores skipped)."""
    squared = (model.predict(X) - Y) ** 2
    observed = ~np.isnan(Y)
    seen = [t for t in range(N_VISITS) if observed[:, t].any()]
    per_visit = [squared[observed[:, t], t].mean() for t in seen]
    return -np.mean(per_visit)


candidates = {
    "fused sparse group lasso": [
        FusedSparseGroupLasso(lasso_weight=0.1, fused_weight=w) for w in (1.0, 3.0)
    ],
    "temporal group lasso": [TemporalGroupLasso(strength=s) for s in (0.3, 1.0)],
    "group lasso": ["group_lasso"],
    "independent lasso": ["lasso"],
}
errors, models = {}, {}
for name, penalties in candidates.items():
    model = MultiTaskRegressorCV(
        penalty=penalties,
        alphas=8,
        cv=3,
        missing_targets="ignore",
        scoring=mean_visit_error,
        baselines=False,
    ).fit(X, Y)
    models[name] = model
    errors[name] = np.mean((model.predict(X_test) - Y_test) ** 2, axis=0)
    print(f"{name:>25}: mean held-out MSE {errors[name].mean():.3f}")

# %%
# Held-out error at each visit. The later the visit, the fewer patients fit
# it: the independent lasso's error grows fastest, the group lasso's a little
# slower (it borrows the choice of features, not their effects). The two
# progression models borrow the effects from the neighbouring visits too, and
# their error stays close to the noise level (1) up to the last visit.

fig, (ax_error, ax_coef) = plt.subplots(1, 2, figsize=(10, 4))
visits = np.arange(1, N_VISITS + 1)
for name, error in errors.items():
    ax_error.plot(visits, error, marker="o", label=name)
ax_error.axhline(1.0, color="grey", linestyle=":", label="noise level")
ax_error.set_xlabel("visit")
ax_error.set_ylabel("held-out mean squared error")
ax_error.legend(fontsize=8)

# %%
# The effect of the first feature over the visits: the truth, the fused
# model's piecewise-constant estimate and the group lasso's, fitted visit by
# visit on fewer and fewer patients.

for name, style in [("fused sparse group lasso", "-o"), ("group lasso", "--s")]:
    ax_coef.plot(visits, models[name].coef_[:, 0], style, label=name)
ax_coef.plot(visits, true_coef[0], "k:", label="truth")
ax_coef.set_xlabel("visit")
ax_coef.set_ylabel("coefficient of feature 0")
ax_coef.legend(fontsize=8)
fig.tight_layout()
plt.show()
