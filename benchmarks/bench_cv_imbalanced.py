"""Model choice on imbalanced tasks: skmtl's CV classifier against tuned baselines.

Many small, imbalanced binary tasks (one row per observation and a task
column): ``--tasks`` tasks (29), ``--rows`` training rows per task (80) and as
many held-out rows, about 5% positives in every task, features shared through
a low-rank coefficient matrix (``make_multitask_classification(...,
positive_rate=0.05)``). Over ``--splits`` seeds (3), every model is tuned on
the same folds of the training rows (3 folds, stratified by class within each
task) and scored on the held-out rows by the mean per-task ROC AUC (tasks whose
held-out rows have one class are skipped):

- ``skmtl default``: ``MultiTaskClassifierCV(task_column="task", cv=folds)``,
  every other parameter at its default;
- ``skmtl trace_norm`` and ``skmtl every penalty``: the same with
  ``penalty="trace_norm"`` and with the list of every penalty name;
- ``independent``: one ``LogisticRegressionCV(scoring="roc_auc")`` per task,
  on that task's rows of the same folds (a task with one class in its training
  rows predicts that class; one whose training folds lose a class falls back
  to ``LogisticRegression()`` untuned);
- ``pooled``: one ``LogisticRegressionCV(scoring="roc_auc")`` on all rows,
  ignoring the task, on the same folds.

Usage::

    python benchmarks/bench_cv_imbalanced.py            # 3 splits, about 2-4 min
    python benchmarks/bench_cv_imbalanced.py --splits 5 --output out.md
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from skmtl import MultiTaskClassifierCV
from skmtl.datasets import make_multitask_classification
from skmtl.structures import PENALTY_NAMES

N_FOLDS = 3
N_FEATURES = 20


def make_split(seed, n_tasks, n_rows, positive_rate, scale):
    """Training and held-out frames of one split (a task column ``task``)."""
    per_task = 2 * n_rows
    X, Y, _ = make_multitask_classification(
        n_samples=n_tasks * per_task, n_features=N_FEATURES, n_tasks=n_tasks,
        structure="low_rank", rank=2, scale=scale, positive_rate=positive_rate,
        random_state=seed,
    )  # fmt: skip
    task = np.repeat(np.arange(n_tasks), per_task)
    y = Y[np.arange(task.size), task]  # each row's label in its own task
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])
    frame["task"] = [f"t{t:02d}" for t in task]
    rng = np.random.default_rng(seed)
    held_out = np.zeros(task.size, dtype=bool)
    for t in range(n_tasks):
        rows = np.flatnonzero(task == t)
        held_out[rng.permutation(rows)[n_rows:]] = True
    train = frame[~held_out].reset_index(drop=True), y[~held_out]
    test = frame[held_out].reset_index(drop=True), y[held_out]
    return train, test


def task_stratified_folds(tasks, y, seed):
    """Folds that spread each task's positives and negatives over the folds."""
    fold_of = np.empty(y.size, dtype=int)
    for task in np.unique(tasks):
        rows = np.flatnonzero(tasks == task)
        splitter = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
        with warnings.catch_warnings():  # fewer positives than folds: allowed
            warnings.simplefilter("ignore", UserWarning)
            for k, (_, test) in enumerate(splitter.split(rows, y[rows])):
                fold_of[rows[test]] = k
    return [
        (np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k))
        for k in range(N_FOLDS)
    ]


def mean_task_auc(tasks, y, score):
    """Mean over tasks of the held-out ROC AUC (tasks with one class skipped)."""
    aucs = [
        roc_auc_score(y[tasks == t], score[tasks == t])
        for t in np.unique(tasks)
        if np.unique(y[tasks == t]).size == 2
    ]
    return float(np.mean(aucs))


def positive_scores(model, X):
    """Each row's probability of the positive class of its own task."""
    proba = model.predict_proba(X)
    if isinstance(proba, list):  # one array per task: not with a task column
        raise TypeError("expected one row of probabilities per sample")
    return proba[:, -1]


def fit_skmtl(train, folds, **params):
    X, y = train
    return MultiTaskClassifierCV(task_column="task", cv=folds, **params).fit(X, y)


def fit_independent(train, folds):
    X, y = train
    tasks, features = X["task"].to_numpy(), X.drop(columns="task").to_numpy()
    models = {}
    for t in np.unique(tasks):
        rows = np.flatnonzero(tasks == t)
        position = np.full(y.size, -1)
        position[rows] = np.arange(rows.size)
        task_folds = [
            (position[np.intersect1d(tr, rows)], position[np.intersect1d(te, rows)])
            for tr, te in folds
        ]
        if np.unique(y[rows]).size < 2:  # one class: predict it (as skmtl does)
            models[t] = float(y[rows][0])
            continue
        try:
            models[t] = LogisticRegressionCV(
                Cs=10, cv=task_folds, scoring="roc_auc", max_iter=2000
            ).fit(features[rows], y[rows])
        except ValueError:  # a training fold with one class: no tuning possible
            models[t] = LogisticRegression(max_iter=2000).fit(features[rows], y[rows])
    return models


def independent_scores(models, X):
    tasks, features = X["task"].to_numpy(), X.drop(columns="task").to_numpy()
    score = np.empty(len(X))
    for t, model in models.items():
        rows = tasks == t
        if isinstance(model, float):
            score[rows] = model
        else:
            score[rows] = model.predict_proba(features[rows])[:, 1]
    return score


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=29)
    parser.add_argument("--rows", type=int, default=80)
    parser.add_argument("--positive-rate", type=float, default=0.05)
    parser.add_argument(
        "--scale", type=float, default=2.0, help="signal strength (label noise)"
    )
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    # The single-class tasks, undefined fold AUCs and scikit-learn's deprecation
    # notices are expected here: one line per split is the report.
    for category in (ConvergenceWarning, UserWarning, FutureWarning):
        warnings.simplefilter("ignore", category)

    every_penalty = list(PENALTY_NAMES)
    models = {
        "skmtl default": lambda tr, f: fit_skmtl(tr, f),
        "skmtl trace_norm": lambda tr, f: fit_skmtl(tr, f, penalty="trace_norm"),
        "skmtl every penalty": lambda tr, f: fit_skmtl(tr, f, penalty=every_penalty),
        "independent": fit_independent,
        "pooled": lambda tr, f: LogisticRegressionCV(
            Cs=10, cv=f, scoring="roc_auc", max_iter=2000
        ).fit(tr[0].drop(columns="task").to_numpy(), tr[1]),
    }
    results = {name: [] for name in models}
    seconds = {name: [] for name in models}
    choices = []
    for seed in range(args.splits):
        train, (X_test, y_test) = make_split(
            seed, args.tasks, args.rows, args.positive_rate, args.scale
        )
        folds = task_stratified_folds(train[0]["task"].to_numpy(), train[1], seed)
        test_tasks = X_test["task"].to_numpy()
        for name, fit in models.items():
            start = time.perf_counter()
            model = fit(train, folds)
            seconds[name].append(time.perf_counter() - start)
            if name == "independent":
                score = independent_scores(model, X_test)
            elif name == "pooled":
                score = model.predict_proba(X_test.drop(columns="task").to_numpy())
                score = score[:, 1]
            else:
                score = positive_scores(model, X_test)
                if name == "skmtl every penalty":
                    choices.append(str(model.penalty_))
            results[name].append(mean_task_auc(test_tasks, y_test, score))
        print(f"split {seed}: " + ", ".join(
            f"{name} {results[name][-1]:.3f}" for name in models
        ), flush=True)  # fmt: skip

    lines = [
        f"Imbalanced tasks: {args.tasks} tasks, {args.rows} training rows each, "
        f"{args.positive_rate:.0%} positives, scale {args.scale}, {args.splits} "
        "splits; mean per-task "
        "held-out ROC AUC (mean, std over splits) and fit time.",
        "",
        "| model | AUC mean | AUC std | per split | fit time (s) |",
        "|---|---|---|---|---|",
    ]
    for name in models:
        auc = np.array(results[name])
        per_split = " ".join(f"{a:.3f}" for a in auc)
        spread = auc.std(ddof=1) if auc.size > 1 else 0.0
        lines.append(
            f"| {name} | {auc.mean():.3f} | {spread:.3f} | {per_split} "
            f"| {np.mean(seconds[name]):.2f} |"
        )
    lines += ["", f"Penalties chosen among every name: {', '.join(choices)}"]
    report = "\n".join(lines)
    print(report)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(report + "\n")


if __name__ == "__main__":
    main()
