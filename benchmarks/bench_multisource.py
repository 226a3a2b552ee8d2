"""Incomplete multi-source data: iMSF against imputation and complete rows.

Data: three sources (blocks of features: "imaging" 40 columns, "genetics" 60,
"clinical" 20) and four missingness patterns (all three sources; imaging +
genetics; imaging + clinical; genetics + clinical), as many rows in each.
Four latent factors drive the target; each source measures each factor
through one noisy *marker* column (``x = u + 0.5 * noise``), and its other
columns are noise. The target is a sparse function of the features, the
same in every pattern: the sum of the 12 markers with weights (1, -0.8, 0.6,
0.5) per factor, times 2 for the imaging markers, 1 for genetics and 0.5 for
clinical (the sources are not equally informative; the score has variance
30.5), plus Gaussian noise of standard deviation 1 or 3 (R^2 of the complete
data 0.97 or 0.77); the binary version draws its label from the logistic of
0.3 times that score. The features are generated complete and the target from
them; the missing sources are removed afterwards. So a shared sparse set of
features (the markers) drives the target in every pattern, while a pattern
that lacks a source should weigh the markers of the other sources more (the
markers of one factor stand in for each other): the structure of iMSF (Yuan
et al. 2012), one model per pattern with the features selected jointly.

A second binary variant (``informative``) makes the missingness depend on
the outcome, as when the subjects who skip a test differ from those who take
it: each pattern adds its own offset (0, +1, -1, +0.5) to the logit.

Models, each chosen by 5-fold cross-validation on the training rows only
(the same folds for all, stratified by pattern; a grid of 25 strengths from
the model's alpha_max down to 1e-3 of it; scored by the mean squared error,
or by the log loss for the binary versions), then refitted on all training
rows and scored on held-out test rows of all four patterns:

- ``iMSF``: NaN-aware StandardScaler, then ``MultiSourceRegressor`` /
  ``MultiSourceClassifier`` with the three sources declared;
- ``mean imputation + lasso``: SimpleImputer(mean), StandardScaler, and one
  lasso for all rows (skmtl's single-task lasso: ``MultiTaskRegressor`` /
  ``MultiTaskClassifier`` with ``penalty="lasso"`` and a 1-D target; with
  one task the group lasso is the lasso);
- ``complete rows + lasso``: the same lasso fitted on the complete rows only
  (a quarter of the data), which predicts the other rows after filling their
  missing sources with the complete rows' means;
- ``mean imputation + indicators + lasso``: as the second, with one
  missingness indicator per source (``SimpleImputer(add_indicator=True)``),
  which gives each pattern its own intercept (not its own slopes);
- ``independent lasso per pattern``: one lasso per pattern without the
  coupling (the multi-task lasso on the same task-column form as iMSF), to
  show what the group lasso's coupling adds.

Reported: the held-out mean squared error (regression) and the AUC and log
loss (binary) over all test rows and per pattern, for each seed, and their
means over seeds. Then the time of a fit against cvxpy with CLARABEL (the
iMSF objective written out as in the tests, default tolerances) at
``alpha = alpha_max / 5``, skmtl with ``tol=1e-8``, with the relative
difference of the objectives; each time is the fastest of ``--repeats``
runs (the machine is shared: the fastest run is the one least disturbed),
BLAS limited to one thread. MALSAR (MATLAB) is not available on this
machine, so it is not timed.

Usage::

    python benchmarks/bench_multisource.py          # 3 seeds, n = 400 training rows
    python benchmarks/bench_multisource.py --quick  # 1 seed, fewer alphas
    python benchmarks/bench_multisource.py --part timing --repeats 7
"""

import argparse
import os
import platform
import sys
import time
import warnings
from datetime import datetime

import numpy as np
import scipy
import sklearn
from scipy.special import expit
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import log_loss, mean_squared_error, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import skmtl
from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from skmtl.multisource import (
    MultiSourceClassifier,
    MultiSourceRegressor,
    multisource_alpha_max,
    row_patterns,
)

SOURCE_SIZES = {"imaging": 40, "genetics": 60, "clinical": 20}
PATTERNS = np.array(
    [[True, True, True], [True, True, False], [True, False, True], [False, True, True]]
)
PATTERN_NAMES = ["all three", "no clinical", "no genetics", "no imaging"]
FACTOR_WEIGHTS = np.array([1.0, -0.8, 0.6, 0.5])
SOURCE_WEIGHTS = np.array([2.0, 1.0, 0.5])
MARKER_NOISE, LOGIT_SCALE = 0.5, 0.3
PATTERN_OFFSETS = np.array([0.0, 1.0, -1.0, 0.5])
# name: (kind, standard deviation of the noise of a regression target,
# whether the missingness is informative)
SCENARIOS = {
    "regression, noise sd 1": ("regression", 1.0, False),
    "regression, noise sd 3": ("regression", 3.0, False),
    "binary": ("binary", None, False),
    "binary, informative missingness": ("binary", None, True),
}


def sources():
    """``{name: column positions}`` of the three sources."""
    bounds = np.cumsum([0, *SOURCE_SIZES.values()])
    return {
        name: list(range(start, stop))
        for name, start, stop in zip(SOURCE_SIZES, bounds[:-1], bounds[1:], strict=True)
    }


def make_data(n_samples, rng, kind, noise=1.0, informative=False):
    """Features with whole sources missing, and the target (see the docstring)."""
    n_factors = FACTOR_WEIGHTS.size
    latent = rng.standard_normal((n_samples, n_factors))
    blocks, coef = [], []
    for size, weight in zip(SOURCE_SIZES.values(), SOURCE_WEIGHTS, strict=True):
        block = rng.standard_normal((n_samples, size))
        block[:, :n_factors] = latent + MARKER_NOISE * block[:, :n_factors]
        blocks.append(block)
        coef.append(np.r_[weight * FACTOR_WEIGHTS, np.zeros(size - n_factors)])
    X = np.hstack(blocks)
    score = X @ np.concatenate(coef)
    pattern = rng.permutation(np.arange(n_samples) % len(PATTERNS))
    if kind == "regression":
        y = score + noise * rng.standard_normal(n_samples)
    else:
        logit = LOGIT_SCALE * score
        if informative:
            logit = logit + PATTERN_OFFSETS[pattern]
        y = (rng.uniform(size=n_samples) < expit(logit)).astype(int)
    for k, cols in enumerate(sources().values()):
        X[np.ix_(~PATTERNS[pattern, k], cols)] = np.nan
    return X, y, pattern


class CompleteRows(BaseEstimator):
    """A model fitted on the complete rows, predicting others mean-imputed."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        rows = ~np.isnan(X).any(axis=1)
        self.model_ = make_pipeline(
            SimpleImputer(), StandardScaler(), clone(self.estimator)
        ).fit(X[rows], y[rows])
        self.classes_ = getattr(self.model_, "classes_", None)
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.estimator_type = clone(self.estimator).__sklearn_tags__().estimator_type
        return tags


def _grid(top, n_alphas):
    return top * np.logspace(0, -3, n_alphas)


def _models(X, y, kind, n_alphas):
    """``{name: (estimator, {parameter: grid})}``, grids on the training rows."""
    regression = kind == "regression"
    loss = "squared" if regression else "log_loss"
    Lasso = MultiTaskRegressor if regression else MultiTaskClassifier
    MultiSource = MultiSourceRegressor if regression else MultiSourceClassifier
    blocks = sources()

    scaled = StandardScaler().fit_transform(X)  # NaN-aware: keeps the NaN
    imsf = make_pipeline(StandardScaler(), MultiSource(blocks))
    top = multisource_alpha_max(MultiSource(blocks), scaled, y)

    imputed = StandardScaler().fit_transform(SimpleImputer().fit_transform(X))
    imputation = make_pipeline(SimpleImputer(), StandardScaler(), Lasso("lasso"))
    top_imputed = alpha_max(imputed, y, penalty="lasso", loss=loss)

    indicators = make_pipeline(
        SimpleImputer(add_indicator=True), StandardScaler(), Lasso("lasso")
    )
    with_indicators = StandardScaler().fit_transform(
        SimpleImputer(add_indicator=True).fit_transform(X)
    )
    top_indicators = alpha_max(with_indicators, y, penalty="lasso", loss=loss)

    rows = ~np.isnan(X).any(axis=1)
    complete = StandardScaler().fit_transform(X[rows])
    top_complete = alpha_max(complete, y[rows], penalty="lasso", loss=loss)

    independent = make_pipeline(StandardScaler(), PerPatternLasso(kind=kind))
    top_independent = PerPatternLasso(kind=kind).alpha_max(scaled, y)
    return {
        "iMSF": (imsf, {"multisource" + ("regressor" if regression else "classifier")
                        + "__alpha": _grid(top, n_alphas)}),
        "mean imputation + lasso": (
            imputation,
            {f"{Lasso.__name__.lower()}__alpha": _grid(top_imputed, n_alphas)},
        ),
        "complete rows + lasso": (
            CompleteRows(Lasso("lasso")),
            {"estimator__alpha": _grid(top_complete, n_alphas)},
        ),
        "mean imputation + indicators + lasso": (
            indicators,
            {f"{Lasso.__name__.lower()}__alpha": _grid(top_indicators, n_alphas)},
        ),
        "independent lasso per pattern": (
            independent,
            {"perpatternlasso__alpha": _grid(top_independent, n_alphas)},
        ),
    }  # fmt: skip


class PerPatternLasso(BaseEstimator):
    """One lasso per missingness pattern, uncoupled, with a shared alpha.

    The multi-task lasso on iMSF's task-column form: the missing sources
    filled with 0, a column holding each row's pattern. The objective is the
    sum of the patterns' lasso objectives, scaled as iMSF's.
    """

    def __init__(self, kind="regression", alpha=0.01):
        self.kind = kind
        self.alpha = alpha

    @staticmethod
    def _form(X, patterns=None):
        """``X`` with the missing sources at 0 and a last column holding each
        row's pattern, numbered as in ``patterns`` (those of ``X`` if None)."""
        found, index = row_patterns(X, sources())
        if patterns is None:
            patterns = found
        else:
            lookup = {tuple(p): i for i, p in enumerate(patterns)}
            index = np.array([lookup[tuple(p)] for p in found])[index]
        return np.column_stack([np.where(np.isnan(X), 0.0, X), index]), patterns

    def _estimator(self, n_patterns, task_column):
        regression = self.kind == "regression"
        Estimator = MultiTaskRegressor if regression else MultiTaskClassifier
        return Estimator(
            "lasso", n_patterns * self.alpha, task_column=task_column, max_iter=5000
        )

    def alpha_max(self, X, y):
        form, patterns = self._form(X)
        loss = "squared" if self.kind == "regression" else "log_loss"
        task_column = form.shape[1] - 1
        top = alpha_max(form, y, penalty="lasso", loss=loss, task_column=task_column)
        return top / len(patterns)

    def fit(self, X, y):
        form, self.patterns_ = self._form(X)
        self.model_ = self._estimator(len(self.patterns_), form.shape[1] - 1)
        self.model_.fit(form, y)
        self.classes_ = getattr(self.model_, "classes_", None)
        return self

    def predict(self, X):
        return self.model_.predict(self._form(X, self.patterns_)[0])

    def predict_proba(self, X):
        return self.model_.predict_proba(self._form(X, self.patterns_)[0])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.estimator_type = "regressor" if self.kind == "regression" else "classifier"
        return tags


def _scores(kind, y, prediction):
    """Held-out score(s): MSE, or (AUC, log loss) of the positive class."""
    if kind == "regression":
        return {"MSE": mean_squared_error(y, prediction)}
    return {
        "AUC": roc_auc_score(y, prediction),
        "log loss": log_loss(y, prediction, labels=[0, 1]),
    }


def compare(scenario, seed, n_train, n_test, n_alphas):
    kind, noise, informative = SCENARIOS[scenario]
    rng = np.random.default_rng(seed)
    X, y, pattern = make_data(n_train + n_test, rng, kind, noise, informative)
    train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    folds = list(
        StratifiedKFold(5, shuffle=True, random_state=seed).split(
            X[train], pattern[train]
        )
    )
    scoring = "neg_mean_squared_error" if kind == "regression" else "neg_log_loss"
    results = {}
    for name, (model, grid) in _models(X[train], y[train], kind, n_alphas).items():
        start = time.perf_counter()
        search = GridSearchCV(
            model, grid, cv=folds, scoring=scoring, error_score="raise"
        )
        search.fit(X[train], y[train])
        elapsed = time.perf_counter() - start
        best = search.best_estimator_
        if kind == "regression":
            prediction = best.predict(X[test])
        else:
            prediction = best.predict_proba(X[test])[:, 1]
        overall = _scores(kind, y[test], prediction)
        per_pattern = [
            _scores(kind, y[test][pattern[test] == p], prediction[pattern[test] == p])
            for p in range(len(PATTERNS))
        ]
        (value,) = grid.values()
        chosen = list(search.best_params_.values())[0]
        edge = "" if value.min() < chosen < value.max() else " (grid edge)"
        results[name] = {
            "overall": overall,
            "per_pattern": per_pattern,
            "alpha": f"{chosen / value.max():.3g} alpha_max{edge}",
            "seconds": elapsed,
        }
    return results


def _table(scenario, all_results, seeds):
    kind = SCENARIOS[scenario][0]
    metrics = ["MSE"] if kind == "regression" else ["AUC", "log loss"]
    names = list(all_results[0])
    lines = []
    for metric in metrics:
        lines.append(f"\n**{scenario}: held-out {metric}, all test rows**\n")
        header = " | ".join(f"seed {s}" for s in seeds)
        lines.append(f"| model | {header} | mean |")
        lines.append("|---|" + "---:|" * (len(seeds) + 1))
        for name in names:
            values = [r[name]["overall"][metric] for r in all_results]
            cells = " | ".join(f"{v:.4f}" for v in values)
            lines.append(f"| {name} | {cells} | {np.mean(values):.4f} |")
        lines.append(
            f"\n**{scenario}: held-out {metric} per pattern, mean over seeds**\n"
        )
        lines.append("| model | " + " | ".join(PATTERN_NAMES) + " |")
        lines.append("|---|" + "---:|" * len(PATTERN_NAMES))
        for name in names:
            values = [
                np.mean([r[name]["per_pattern"][p][metric] for r in all_results])
                for p in range(len(PATTERNS))
            ]
            lines.append(f"| {name} | " + " | ".join(f"{v:.4f}" for v in values) + " |")
    lines.append(f"\n**{scenario}: chosen alpha and time of the search**\n")
    lines.append("| model | " + " | ".join(f"seed {s}" for s in seeds) + " |")
    lines.append("|---|" + "---|" * len(seeds))
    for name in names:
        cells = " | ".join(
            f"{r[name]['alpha']}, {r[name]['seconds']:.1f} s" for r in all_results
        )
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Time against cvxpy


def _cvxpy_problem(kind, X, y, alpha):
    """The iMSF objective of the estimators' docstrings, in cvxpy."""
    import cvxpy as cp

    observed = ~np.isnan(X)
    sets, index = np.unique(observed, axis=0, return_inverse=True)
    index = np.ravel(index)
    c = np.full(y.size, 1.0 / y.size)
    terms, variables = [], []
    for p, columns in enumerate(sets):
        rows = index == p
        w, b = cp.Variable(int(columns.sum())), cp.Variable()
        z = X[np.ix_(rows, columns)] @ w + b
        if kind == "regression":
            terms.append(0.5 * c[rows] @ cp.square(y[rows] - z))
        else:
            terms.append(c[rows] @ (cp.logistic(z) - cp.multiply(y[rows], z)))
        variables.append(w)
    norms = []
    for j in range(X.shape[1]):
        entries = [
            w[int(sets[p, :j].sum())] for p, w in enumerate(variables) if sets[p, j]
        ]
        norms.append(cp.norm(cp.hstack(entries), 2))
    return cp.Problem(cp.Minimize(sum(terms) + alpha * sum(norms)))


def _objective(kind, model, X, y):
    """The same objective at a fitted model, in numpy."""
    filled = np.where(np.isnan(X), 0.0, X)
    index = model.pattern_index(X)
    z = np.einsum("ij,ij->i", filled, model.coef_[index]) + model.intercept_[index]
    if kind == "regression":
        loss = 0.5 * (y - z) ** 2
    else:
        loss = np.logaddexp(0.0, z) - y * z
    groups = np.linalg.norm(model.coef_, axis=0).sum()
    return loss.mean() + model.alpha * groups


def _ratio(value):
    return f"{value:.0f}x" if value >= 10 else f"{value:.1f}x"


def timing(kind, sizes, repeats):
    lines = [
        f"\n**{kind}: fit time against cvxpy + CLARABEL (alpha = alpha_max / 5)**\n",
        "| n | d | patterns | skmtl fit (ms) | cvxpy total (ms) | CLARABEL solve (ms) "
        "| total / skmtl | solve / skmtl | objective rel. diff. |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, per_source in sizes:
        rng = np.random.default_rng(0)
        saved = dict(SOURCE_SIZES)
        SOURCE_SIZES.update(dict.fromkeys(SOURCE_SIZES, per_source))
        try:
            X, y, _ = make_data(n, rng, kind)
            X = StandardScaler().fit_transform(X)
            blocks = sources()
        finally:
            SOURCE_SIZES.clear()
            SOURCE_SIZES.update(saved)
        Estimator = MultiSourceRegressor if kind == "regression" else (
            MultiSourceClassifier
        )  # fmt: skip
        model = Estimator(blocks, tol=1e-8, max_iter=10_000)
        alpha = multisource_alpha_max(model, X, y) / 5
        model.set_params(alpha=alpha)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - start)
        ours = min(times)
        totals, solves = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            problem = _cvxpy_problem(kind, X, y, alpha)
            problem.solve(solver="CLARABEL")
            totals.append(time.perf_counter() - start)
            solves.append(problem.solver_stats.solve_time)
        total, solve = min(totals), min(solves)
        gap = (_objective(kind, model, X, y) - problem.value) / abs(problem.value)
        lines.append(
            f"| {n} | {X.shape[1]} | {len(PATTERNS)} | {1e3 * ours:.2f} | "
            f"{1e3 * total:.0f} | {1e3 * solve:.1f} | {_ratio(total / ours)} | "
            f"{_ratio(solve / ours)} | {gap:+.1e} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=400)
    parser.add_argument("--n-test", type=int, default=4000)
    parser.add_argument("--n-alphas", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--part", choices=("all", "prediction", "timing"), default="all"
    )
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.n_alphas, args.repeats = 1, 10, 3
    seeds = list(range(args.seeds))
    print("# iMSF on incomplete multi-source data\n")
    print(f"- command: `python {' '.join(sys.argv)}`")
    print(f"- date: {datetime.now().isoformat(timespec='seconds')}")
    print(
        f"- machine: {platform.platform()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average at start "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    import cvxpy

    print(
        f"- versions: Python {platform.python_version()}, skmtl {skmtl.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn "
        f"{sklearn.__version__}, cvxpy {cvxpy.__version__}"
    )
    print(
        f"- data: {args.n_train} training rows, {args.n_test} test rows, "
        f"{sum(SOURCE_SIZES.values())} features in 3 sources {SOURCE_SIZES}, "
        f"4 patterns of equal size; {args.n_alphas} alphas; seeds {seeds}"
    )
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for scenario in SCENARIOS if args.part != "timing" else ():
            results = [
                compare(scenario, seed, args.n_train, args.n_test, args.n_alphas)
                for seed in seeds
            ]
            print(_table(scenario, results, seeds), flush=True)
        sizes = [(200, 10), (400, 40), (1000, 100), (2000, 200)]
        if args.quick:
            sizes = sizes[:2]
        for kind in ("regression", "binary") if args.part != "prediction" else ():
            print(timing(kind, sizes, args.repeats), flush=True)


if __name__ == "__main__":
    main()
