"""Does ``penalty="auto"`` beat the models an analyst fits first? Real data.

For each real data set of :mod:`skmtl.datasets` (Exam, Hsb82, Chem97 and
Gcsemv for regression, Contraception for binary classification), each
training fraction of ``--fractions`` (0.75 and 0.30) and each of ``--splits``
random splits (seeds 0, 1, ...), the rows of every task are split at random:
that fraction of the task's rows trains (at least one row, and at least one
row is held out of a task with two rows or more). Gcsemv has no task column
(its two tasks, the written and the coursework score, are the columns of a
``Y`` with missing values): there the observed targets of each task are split
the same way, and a row's other target may fall on the other side.

On the training rows, the script fits, as a user would:

- ``auto``: ``MultiTaskRegressorCV(penalty="auto", cv=5, n_jobs=2)``
  (``MultiTaskClassifierCV(..., scoring="roc_auc")`` for Contraception, so
  the choice is made on the reported metric), with ``task_column`` where the
  data set has one. Gcsemv: ``missing_targets="ignore"``, shuffled 5-fold
  ``KFold`` (its rows are sorted by school, so unshuffled folds would hold out
  whole schools, unlike the held-out split) and the pooled explained
  variance as scoring (the CV's default there is the mean per-task R^2);
- ``independent``, ``pooled``, ``random_intercept``: the baselines that the
  same CV fit tuned on its folds (``baseline_params_``), refitted on the
  training rows with ``MultiTaskRegressor`` / ``MultiTaskClassifier``;
- ``MixedLM`` (regression only): statsmodels' linear mixed model with a
  random intercept per task, REML, on the features plus a constant (columns
  linearly dependent on the earlier ones, such as the last level of each
  one-hot group, dropped); predictions are the fixed effects plus the task's
  BLUP (``random_effects``).

Every model predicts the held-out rows, scored by the pooled explained
variance over all of them (``skmtl.metrics.pooled_explained_variance``) for
regression and by the mean per-task ROC AUC for classification
(``skmtl.metrics.mean_task_score(..., metric="roc_auc")``, tasks weighted by
their held-out rows, tasks whose held-out rows hold one class skipped).

Reported for each data set: the mean and standard deviation over splits of
each model's held-out score at each fraction; for ``auto``, the mean paired
difference to the best other model (the one with the best mean at that
fraction), its standard error (standard deviation of the per-split
differences / sqrt(splits)) and whether the difference exceeds it; the choice
``auto`` made on each split; and the mean wall time of the fits (the
baselines are single refits at the alpha the auto search found for them, their
tuning is part of the auto fit).

``--timing`` measures instead the cost of the search on Exam and Chem97 (all
rows): ``MultiTaskRegressorCV(penalty="auto", cv=folds, n_jobs=2)`` against
``GridSearchCV(MultiTaskRegressor(task_column=...), n_jobs=2)`` over the same
settings (every row of the auto fit's ``cv_results_``: penalty, l2,
intercept_shrinkage and alpha) and the same folds (``TaskKFold(5)``
materialised once). GridSearchCV first runs a seeded random sample of
``--grid-sample`` settings; when that projects the whole grid beyond
``--grid-budget`` seconds, the sample's time is extrapolated linearly to the
whole grid (and the output says so), otherwise the whole grid runs.

The tables are printed and written, with the command, date, machine and
package versions, to ``--out``, with a tally of the warnings each fit raised
in this process. The CV fits run their paths in joblib worker processes, which
do not inherit this process's warning filters; there, every fold's scoring of
a task whose held-out rows hold one class (ROC AUC undefined) warns, thousands
of lines per Contraception fit. So the workers start with
``PYTHONWARNINGS=ignore::UserWarning`` unless ``PYTHONWARNINGS`` is set
(``PYTHONWARNINGS=default`` shows them); the CV estimators report the
failures and non-convergence of the workers' fits in this process.

Usage::

    python benchmarks/bench_model_choice.py            # all five data sets, 5 splits
    python benchmarks/bench_model_choice.py --quick    # Exam, Contraception, 2 splits
    python benchmarks/bench_model_choice.py --datasets exam,hsb82 --splits 3
    python benchmarks/bench_model_choice.py --timing   # auto against GridSearchCV
    python benchmarks/bench_model_choice.py --timing --quick  # the same, Exam only
"""

import argparse
import collections
import datetime
import os
import platform
import re
import shlex
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning
from sklearn.model_selection import GridSearchCV, KFold

import skmtl
from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from skmtl.datasets import (
    load_chem97,
    load_contraception,
    load_exam,
    load_gcsemv,
    load_hsb82,
)
from skmtl.metrics import (
    mean_task_score,
    pooled_explained_variance,
    pooled_explained_variance_scorer,
)
from skmtl.model_selection import TaskKFold

N_FOLDS = 5
N_JOBS = 2
BASELINES = ("independent", "pooled", "random_intercept")


@dataclass
class DataSet:
    """A real data set and how its models are fitted and scored."""

    name: str
    loader: object
    task_column: str | None  # None: the tasks are the columns of y
    classification: bool = False

    @property
    def metric_name(self):
        if self.classification:
            return "mean per-task ROC AUC"
        return "pooled explained variance"

    def load(self):
        X, y = self.loader(return_X_y=True)
        return X.reset_index(drop=True), y.reset_index(drop=True)

    def estimator_params(self):
        """Parameters shared by the CV estimator and the baseline refits."""
        if self.task_column is None:
            return {"missing_targets": "ignore"}
        return {"task_column": self.task_column}

    def cv_params(self, seed):
        """Folds and scoring of the auto fit (see the module docstring)."""
        if self.classification:
            return {"cv": N_FOLDS, "scoring": "roc_auc"}
        if self.task_column is None:
            return {
                "cv": KFold(N_FOLDS, shuffle=True, random_state=seed),
                "scoring": pooled_explained_variance_scorer,
            }
        return {"cv": N_FOLDS}  # TaskKFold, scored by the pooled R^2

    def score(self, model, X, y):
        """Held-out score of a fitted skmtl model."""
        if self.classification:
            with warnings.catch_warnings():  # single-class tasks: skipped
                warnings.simplefilter("ignore", UndefinedMetricWarning)
                return mean_task_score(model, X, y, metric="roc_auc")
        return pooled_explained_variance(np.asarray(y), model.predict(X))


DATASETS = {
    "exam": DataSet("Exam", load_exam, "school"),
    "hsb82": DataSet("Hsb82", load_hsb82, "school"),
    "chem97": DataSet("Chem97", load_chem97, "school"),
    "gcsemv": DataSet("Gcsemv", load_gcsemv, None),
    "contraception": DataSet(
        "Contraception", load_contraception, "district", classification=True
    ),
}


# ----------------------------------------------------------------- splitting
def _split_positions(positions, fraction, rng):
    """Training and held-out positions of one task's rows."""
    n = positions.size
    n_train = int(round(fraction * n))
    n_train = max(n_train, 1)
    if n >= 2:
        n_train = min(n_train, n - 1)
    shuffled = rng.permutation(positions)
    return shuffled[:n_train], shuffled[n_train:]


def task_split(data, X, y, fraction, seed):
    """One random per-task split: ``(X_train, y_train), (X_test, y_test)``.

    With a task column, the rows of each task are split (``fraction`` of them,
    at least one, to training; at least one held out of a task with two rows
    or more). Without one (the tasks are the columns of ``y``), the observed
    targets of each task are split the same way: each side keeps the rows with
    at least one of its targets, the targets of the other side set to NaN.
    """
    rng = np.random.default_rng(seed)
    if data.task_column is not None:
        tasks = X[data.task_column].to_numpy()
        train = []
        for task in np.unique(tasks):
            rows, _ = _split_positions(np.flatnonzero(tasks == task), fraction, rng)
            train.append(rows)
        in_train = np.zeros(len(X), dtype=bool)
        in_train[np.concatenate(train)] = True
        return (
            (X[in_train].reset_index(drop=True), y[in_train].reset_index(drop=True)),
            (X[~in_train].reset_index(drop=True), y[~in_train].reset_index(drop=True)),
        )
    Y = y.to_numpy(dtype=np.float64)
    Y_train, Y_test = np.full_like(Y, np.nan), np.full_like(Y, np.nan)
    for j in range(Y.shape[1]):
        train, test = _split_positions(
            np.flatnonzero(~np.isnan(Y[:, j])), fraction, rng
        )
        Y_train[train, j] = Y[train, j]
        Y_test[test, j] = Y[test, j]
    sides = []
    for part in (Y_train, Y_test):
        keep = ~np.isnan(part).all(axis=1)
        frame = pd.DataFrame(part[keep], columns=y.columns)
        sides.append((X[keep].reset_index(drop=True), frame))
    return tuple(sides)


# ------------------------------------------------------------------- MixedLM
def _independent_columns(exog):
    """Columns of ``exog`` each linearly independent of the ones kept before."""
    kept = []
    for j in range(exog.shape[1]):
        trial = kept + [j]
        if np.linalg.matrix_rank(exog[:, trial]) == len(trial):
            kept = trial
    return kept


def _long_format(data, X, y):
    """``(endog, features, groups, rows, columns)``: one entry per observed target.

    ``rows`` and ``columns`` place each entry in the predictions of ``y``'s
    shape (``columns`` is None for a 1-D ``y``).
    """
    if data.task_column is not None:
        features = X.drop(columns=data.task_column).to_numpy(dtype=np.float64)
        rows = np.arange(len(X))
        return (
            y.to_numpy(np.float64),
            features,
            X[data.task_column].to_numpy(),
            rows,
            None,
        )
    Y = y.to_numpy(dtype=np.float64)
    rows, columns = np.nonzero(~np.isnan(Y))
    features = X.to_numpy(dtype=np.float64)[rows]
    return Y[rows, columns], features, np.asarray(y.columns)[columns], rows, columns


def mixedlm_score(data, train, test):
    """Held-out pooled explained variance of a random-intercept MixedLM."""
    endog, features, groups, _, _ = _long_format(data, *train)
    exog = np.column_stack([np.ones(endog.size), features])
    kept = _independent_columns(exog)
    result = sm.MixedLM(endog, exog[:, kept], groups).fit(reml=True)
    blup = {group: float(np.asarray(effect)[0]) for group, effect in
            result.random_effects.items()}  # fmt: skip
    _, features, groups, rows, columns = _long_format(data, *test)
    exog = np.column_stack([np.ones(rows.size), features])[:, kept]
    fitted = exog @ np.asarray(result.fe_params)
    fitted += np.array([blup.get(group, 0.0) for group in groups])
    y_test = test[1].to_numpy(dtype=np.float64)
    prediction = np.full(y_test.shape, np.nan)
    if columns is None:
        prediction[rows] = fitted
    else:
        prediction[rows, columns] = fitted
    return pooled_explained_variance(y_test, prediction)


# -------------------------------------------------------------------- models
_FLOAT = r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+"


def _round_numbers(text, digits=2):
    """``text`` with its decimal numbers rounded to ``digits`` significant digits."""
    return re.sub(_FLOAT, lambda m: f"{float(m.group()):.{digits}g}", text)


def _intercepts(gamma):
    if gamma == 0:
        return "free intercepts"
    return "one intercept" if np.isinf(gamma) else "shrunk intercepts"


def describe_choice(model):
    """``(family, detail)`` of the model ``auto`` chose.

    The family names the penalty with its numbers elided, whether ``l2`` is
    used, how the intercepts are shared, and the baseline of the same structure
    (penalty, l2, intercept_shrinkage; alpha may differ), if any;
    the detail gives every number, and the mean CV scores of the choice and
    of the best baseline.
    """
    penalty = (
        model.penalty_ if isinstance(model.penalty_, str) else repr(model.penalty_)
    )
    family = re.sub(f"=(?:{_FLOAT})", "=.", penalty)
    family += (
        (" + l2" if model.l2_ > 0 else "")
        + ", "
        + _intercepts(model.intercept_shrinkage_)
    )
    same = ""
    for name, params in model.baseline_params_.items():
        if (
            repr(params["penalty"]) == repr(model.penalty_)
            and params["l2"] == model.l2_
            and params["intercept_shrinkage"] == model.intercept_shrinkage_
        ):
            same = f" (= {name})"
            break
    best = max(model.baseline_scores_, key=model.baseline_scores_.get)
    detail = (
        f"{_round_numbers(penalty)}, alpha={model.alpha_:.2g}, l2={model.l2_:.2g}, "
        f"intercept_shrinkage={model.intercept_shrinkage_:.2g}{same}; mean CV score "
        f"{model.best_score_:.4f}, best baseline's {model.baseline_scores_[best]:.4f}"
        f" ({best})"
    )
    family += same
    return family, detail


@dataclass
class Record:
    """Scores, fit times and auto's choices of one (data set, fraction)."""

    scores: dict = field(default_factory=lambda: collections.defaultdict(list))
    times: dict = field(default_factory=lambda: collections.defaultdict(list))
    choices: list = field(default_factory=list)


class WarningTally:
    """Counts the warnings raised while fitting each model, by category."""

    def __init__(self):
        self.counts = collections.Counter()
        self.examples = {}

    def record(self, data_name, model_name, caught):
        for item in caught:
            category = f"{item.category.__module__}.{item.category.__name__}"
            key = (data_name, model_name, category)
            self.counts[key] += 1
            self.examples.setdefault(key, " ".join(str(item.message).split()))

    def lines(self, width=300):
        out = []
        for key, count in sorted(self.counts.items()):
            data_name, model, category = key
            example = self.examples[key]
            if len(example) > width:
                example = example[:width] + " [...]"
            out.append(f"- {data_name}, {model}: {count} x {category}, e.g. {example}")
        return out


def _timed(fit, tally, data_name, model_name):
    """``(result, seconds)`` of ``fit()``, its warnings recorded in ``tally``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        result = fit()
        seconds = time.perf_counter() - start
    tally.record(data_name, model_name, caught)
    return result, seconds


def run_split(data, train, test, seed, record, tally):
    """Fit every model on ``train``, score it on ``test``, add to ``record``."""
    common = data.estimator_params()
    if data.classification:
        CV, Estimator = MultiTaskClassifierCV, MultiTaskClassifier
    else:
        CV, Estimator = MultiTaskRegressorCV, MultiTaskRegressor
    auto = CV(penalty="auto", n_jobs=N_JOBS, **data.cv_params(seed), **common)
    auto, seconds = _timed(lambda: auto.fit(*train), tally, data.name, "auto")
    scores = {"auto": data.score(auto, *test)}
    record.times["auto"].append(seconds)
    record.choices.append(describe_choice(auto))
    for name in BASELINES:
        if name not in auto.baseline_params_:
            scores[name] = np.nan  # not scored by the CV fit (e.g. failed)
            continue
        model = Estimator(**auto.baseline_params_[name], **common)
        model, seconds = _timed(lambda m=model: m.fit(*train), tally, data.name, name)
        scores[name] = data.score(model, *test)
        record.times[name].append(seconds)
    if not data.classification:
        scores["MixedLM"], seconds = _timed(
            lambda: mixedlm_score(data, train, test), tally, data.name, "MixedLM"
        )
        record.times["MixedLM"].append(seconds)
    for name, value in scores.items():
        record.scores[name].append(value)
    return scores


# ------------------------------------------------------------------- tables
def _std(values):
    values = np.asarray(values, dtype=np.float64)
    return float(np.std(values, ddof=1)) if values.size > 1 else float("nan")


def _fraction_label(fraction):
    return f"{100 * fraction:g}%"


def _auto_label(record_by_fraction):
    """``auto: <most frequent choice> (k/n)`` over every split and fraction."""
    families = [
        family for record in record_by_fraction.values() for family, _ in record.choices
    ]
    family, count = collections.Counter(families).most_common(1)[0]
    return f"auto: {family} ({count}/{len(families)})"


def _difference(record):
    """``(mean, se, best other)`` of auto minus the best other model."""
    others = {
        name: np.mean(values)
        for name, values in record.scores.items()
        if name != "auto" and not np.isnan(values).any()
    }
    best = max(others, key=others.get)
    paired = np.asarray(record.scores["auto"]) - np.asarray(record.scores[best])
    se = _std(paired) / np.sqrt(paired.size)
    return float(paired.mean()), se, best


def table(data, X, y, record_by_fraction):
    """The markdown lines of one data set's results."""
    fractions = list(record_by_fraction)
    n_splits = len(next(iter(record_by_fraction.values())).choices)
    n_tasks = y.shape[1] if data.task_column is None else X[data.task_column].nunique()
    lines = [
        f"### {data.name} ({len(X):,} rows, {n_tasks:,} tasks; {data.metric_name}, "
        f"{n_splits} splits)",
        "",
    ]
    header = ["model"]
    for fraction in fractions:
        label = _fraction_label(fraction)
        header += [f"{label} mean", f"{label} sd", f"{label}: auto - best other"]
    lines += ["| " + " | ".join(header) + " |"]
    lines += ["|---" + "|---:|---:|---" * len(fractions) + "|"]
    models = list(next(iter(record_by_fraction.values())).scores)
    for name in models:
        label = _auto_label(record_by_fraction) if name == "auto" else name
        cells = [label]
        for record in record_by_fraction.values():
            values = record.scores[name]
            cells += [f"{np.mean(values):.4f}", f"{_std(values):.4f}"]
            if name == "auto":
                mean, se, best = _difference(record)
                exceeds = "yes" if abs(mean) > se else "no"
                cells.append(
                    f"{mean:+.4f} +- {se:.4f} vs {best}; exceeds its SE: {exceeds}"
                )
            else:
                cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    times = []
    for name in models:
        parts = [
            f"{np.mean(record.times[name]):.2f} s ({_fraction_label(fraction)})"
            for fraction, record in record_by_fraction.items()
        ]
        times.append(f"{name} {', '.join(parts)}")
    lines.append("Mean wall time of a fit: " + "; ".join(times) + ".")
    lines.append("")
    lines.append("Choices of auto:")
    lines.append("")
    for fraction, record in record_by_fraction.items():
        for seed, (_, detail) in enumerate(record.choices):
            lines.append(f"- {_fraction_label(fraction)}, split {seed}: {detail}")
    lines.append("")
    return lines


def header_lines(title):
    """Command, date, machine and package versions."""
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return [
        f"# {title}",
        "",
        f"- command: `{command}`",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: {platform.platform()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average at start {load}",
        f"- versions: Python {platform.python_version()}, skmtl {skmtl.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn "
        f"{sklearn.__version__}, pandas {pd.__version__}, statsmodels "
        f"{statsmodels.__version__}",
        "",
    ]


def emit(lines, path):
    """Print ``lines`` and write them to ``path``."""
    text = "\n".join(lines).rstrip() + "\n"
    print(text)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)
    print(f"written to {path}")


# ------------------------------------------------------------------ choice
def benchmark(args):
    lines = header_lines("Model choice on real data: penalty='auto' against baselines")
    lines += [
        "Held-out scores over random per-task splits (see the docstring of "
        "`benchmarks/bench_model_choice.py`). `auto - best other`: mean paired "
        "difference to the model with the best mean at that fraction +- its "
        "standard error over splits (the standard deviation of the per-split "
        "differences / sqrt(splits)); `exceeds its SE`: whether |difference| > SE.",
        "",
    ]
    tally = WarningTally()
    start = time.perf_counter()
    for key in args.datasets:
        data = DATASETS[key]
        X, y = data.load()
        record_by_fraction = {}
        for fraction in args.fractions:
            record = record_by_fraction.setdefault(fraction, Record())
            for seed in range(args.splits):
                train, test = task_split(data, X, y, fraction, seed)
                scores = run_split(data, train, test, seed, record, tally)
                parts = ", ".join(f"{k} {v:.4f}" for k, v in scores.items())
                print(
                    f"{data.name} {_fraction_label(fraction)} split {seed}: {parts}; "
                    f"auto {record.times['auto'][-1]:.1f} s, chose "
                    f"{record.choices[-1][1]}",
                    flush=True,
                )
        lines += table(data, X, y, record_by_fraction)
    lines += [f"Total wall time: {time.perf_counter() - start:.0f} s.", ""]
    lines += ["## Warnings raised during the fits", ""]
    lines += tally.lines() or ["None."]
    emit(lines, args.out)


# ------------------------------------------------------------------ timing
def time_search(data, X, y, args):
    """Lines reporting the auto search against GridSearchCV on the same folds."""
    folds = list(TaskKFold(N_FOLDS, task_column=data.task_column).split(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model = MultiTaskRegressorCV(
            penalty="auto", task_column=data.task_column, cv=folds, n_jobs=N_JOBS
        ).fit(X, y)
        t_auto = time.perf_counter() - start
    params = model.cv_results_["params"]
    rng = np.random.default_rng(0)
    sample = rng.choice(
        len(params), size=min(args.grid_sample, len(params)), replace=False
    )

    def grid_search(indices):
        grid = [{k: [v] for k, v in params[i].items()} for i in indices]
        search = GridSearchCV(
            MultiTaskRegressor(task_column=data.task_column),
            param_grid=grid,
            cv=folds,
            n_jobs=N_JOBS,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            search.fit(X, y)
        return time.perf_counter() - start, search

    t_sample, search = grid_search(sample)
    projected = t_sample * len(params) / len(sample)
    if len(sample) == len(params):
        t_grid, how = t_sample, "the whole grid"
    elif projected > args.grid_budget:
        t_grid = projected
        how = (
            f"extrapolated linearly from {len(sample)} settings drawn at random "
            f"(seed 0), which took {t_sample:.1f} s (its refit included)"
        )
    else:
        t_grid, search = grid_search(range(len(params)))
        how = "the whole grid"
    same = ""
    if how == "the whole grid":
        same = (
            f"; GridSearchCV best score {search.best_score_:.6f} against auto's "
            f"{model.best_score_:.6f}"
        )
    return [
        f"| {data.name} ({len(X):,} rows) | {len(params)} | {t_auto:.1f} | "
        f"{t_grid:.1f} | {t_grid / t_auto:.1f}x | {how}{same} |"
    ]


def timing(args):
    lines = header_lines("Cost of penalty='auto' against GridSearchCV")
    lines += [
        f"`MultiTaskRegressorCV(penalty='auto', n_jobs={N_JOBS})` against "
        f"`GridSearchCV(MultiTaskRegressor(), n_jobs={N_JOBS})` over the same "
        f"settings (every row of the auto fit's `cv_results_`) and the same "
        f"{N_FOLDS} folds (`TaskKFold`), all rows; refit included in both. "
        f"Grid budget {args.grid_budget:g} s, sample {args.grid_sample} settings.",
        "",
        "| data | settings | auto (s) | GridSearchCV (s) | ratio | GridSearchCV "
        "timed on |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for key in args.datasets:
        data = DATASETS[key]
        X, y = data.load()
        row = time_search(data, X, y, args)
        print(row[0], flush=True)
        lines += row
    emit(lines, args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets",
        default=None,
        help="comma list of " + ", ".join(DATASETS) + " (default: all; "
        "exam,chem97 with --timing)",
    )
    parser.add_argument(
        "--splits", type=int, default=5, help="random splits, seeds 0, 1, ..."
    )
    parser.add_argument(
        "--fractions", default="0.75,0.3", help="training fractions, comma list"
    )
    parser.add_argument(
        "--timing", action="store_true", help="time auto against GridSearchCV"
    )
    parser.add_argument(
        "--grid-budget",
        type=float,
        default=300.0,
        help="seconds beyond which GridSearchCV is extrapolated from a sample",
    )
    parser.add_argument(
        "--grid-sample",
        type=int,
        default=30,
        help="settings GridSearchCV runs first, to project the whole grid",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Exam and Contraception, 2 splits (with --timing: Exam)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="results file (default: benchmarks/RESULTS_model_choice[_timing].md)",
    )
    args = parser.parse_args()
    # Read by the joblib workers when they start; see the module docstring.
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")
    if args.datasets is None:
        if args.timing:
            args.datasets = "exam" if args.quick else "exam,chem97"
        else:
            args.datasets = "exam,contraception" if args.quick else ",".join(DATASETS)
    if args.quick:
        args.splits = 2
    args.datasets = [name.strip().lower() for name in args.datasets.split(",")]
    unknown = set(args.datasets) - set(DATASETS)
    if unknown:
        parser.error(f"unknown data sets {sorted(unknown)}; known: {list(DATASETS)}")
    if args.timing and any(DATASETS[k].task_column is None for k in args.datasets):
        parser.error("--timing needs data sets with a task column")
    if args.timing and any(DATASETS[k].classification for k in args.datasets):
        parser.error("--timing times the regressor: pick regression data sets")
    args.fractions = [float(f) for f in args.fractions.split(",")]
    if args.out is None:
        name = (
            "RESULTS_model_choice_timing.md"
            if args.timing
            else "RESULTS_model_choice.md"
        )
        args.out = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    if args.timing:
        timing(args)
    else:
        benchmark(args)


if __name__ == "__main__":
    main()
