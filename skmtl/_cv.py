"""Cross-validated estimators: alpha (and the penalty) chosen along paths.

For each penalty and each training fold, the whole grid of alphas is solved as
one warm-started path (:func:`skmtl._path.solve_path`) on data laid out once,
and every solution is scored on the held-out fold. The best mean score picks
the penalty and alpha, and the model is refitted on all the data. A generated
grid whose best alpha is at an open end is moved beyond that end (the paths
refitted there) a few times, and a choice still at an end is reported
(``skmtl.GridEdgeWarning``). Convergence failures of every path
and of the refit are reported once, and fits that raise are reported with the
setting that raised.
"""

import contextlib
import numbers
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import (
    ConvergenceWarning,
    FitFailedWarning,
    UndefinedMetricWarning,
)
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import check_intercept_shrinkage, reuse_prediction_rows
from ._catalogue import (
    BASELINES,
    Candidate,
    Scales,
    auto_structures,
    baseline_candidates,
    first_stage,
    second_stage,
    third_stage,
)
from ._classifier import MultiTaskClassifier
from ._layout.tasks import as_column_frame, label_codes
from ._path import (
    CONVERGENCE_ADVICE,
    GridEdgeWarning,
    alpha_grid,
    describe_alphas,
    solve_path,
)
from ._regressor import MultiTaskRegressor
from .metrics import MultiTaskScorer, _selection_scorer, per_task_scores
from .model_selection import TaskKFold
from .penalties.norms import Penalty
from .penalties.structures import make_penalty
from .solvers import solve
from .utils.validation import check_sample_weight, take_rows

# Fitted attributes copied from the refitted estimator onto the CV estimator.
_COPIED = (
    "coef_", "intercept_", "n_iter_", "dual_gap_", "optimality_residual_",
    "objective_", "converged_", "n_tasks_", "tasks_", "n_features_in_",
    "feature_names_in_", "classes_", "task_classes_", "coef_rows_",
    "constant_tasks_",
)  # fmt: skip


# A generated grid whose best alpha is at an open end is moved beyond it at
# most this many times, by half its length each time.
_MAX_EXTENSIONS = 3
# Grids shorter than this have no interior: an end is not a sign of anything.
_MIN_EDGE_GRID = 3
# With penalty="auto", the grids of this many best candidates (and of the
# baselines) are moved when their best alpha is at an end.
_N_EXTENDED = 3


@dataclass
class _PathFit:
    """One warm-started path fitted on a training fold, scored on its test fold.

    What a joblib job returns to the parent, which prints and reports it.
    """

    scores: np.ndarray  # (n_alphas,), NaN when the path failed
    n_iter: np.ndarray  # (n_alphas,)
    converged: np.ndarray  # (n_alphas,) bool
    seconds: float
    error: Exception | None = None

    @classmethod
    def failed(cls, n_alphas, seconds, error):
        """A path that raised ``error``: every score NaN."""
        nan = np.full(n_alphas, np.nan)
        return cls(nan, np.zeros(n_alphas, dtype=int), np.ones(n_alphas, bool),
                   seconds, error)  # fmt: skip


@contextlib.contextmanager
def _ignoring(category):
    """Ignore warnings of ``category``, in a process's main thread only.

    The warning filters are global to a process: changed in a thread (a
    joblib threading backend), they would change the caller's too.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category)
        yield


def _read_fold(cv, X, y, sample_weight, train, test, candidate):
    """The datafit of a fold's training rows, and its held-out rows and weights.

    Returns ``((datafit, tasks), X_test, y_test, test_weight)``; the test
    weights are None without sample weights.
    """
    X_train, y_train = take_rows(X, train), take_rows(y, train)
    weight = None if sample_weight is None else sample_weight[train]
    test_weight = None if sample_weight is None else sample_weight[test]
    reader = cv._base_estimator(candidate)
    reader._validated_penalty()
    # What reading the data says (single-class tasks, ...) was said once, by
    # the read of all the data in the parent.
    with _ignoring(UserWarning):
        data = reader._memory_datafit(X_train, y_train, weight)
    return data, take_rows(X, test), take_rows(y, test), test_weight


def _fit_fold(cv, X, y, sample_weight, train, test, settings, scorer, verbose):
    """The paths of ``settings`` fitted on the rows ``train``, scored on ``test``.

    The data of the fold are read and laid out once (a Gram matrix, where the
    datafit forms one, computed once: the datafit keeps its fast form), and
    every candidate's penalty is bound to them. Returns one :class:`_PathFit`
    per setting.
    """
    fits = []
    try:
        data, X_test, y_test, test_weight = _read_fold(
            cv, X, y, sample_weight, train, test, settings[0][0]
        )
    except Exception as error:  # every setting fails on this fold
        return [_PathFit.failed(alphas.size, 0.0, error) for _, alphas in settings]
    test_weight = {} if test_weight is None else {"sample_weight": test_weight}
    with reuse_prediction_rows(X_test):  # validated once for every model
        for candidate, alphas in settings:
            fits.append(
                _fit_candidate(cv, data, candidate, alphas, scorer, verbose,
                               X_test, y_test, test_weight)
            )  # fmt: skip
    return fits


def _fit_candidate(cv, data, candidate, alphas, scorer, verbose, X_test, y_test,
                   test_weight):  # fmt: skip
    """One candidate's path on the data of a fold, scored on its held-out rows."""
    start = time.perf_counter()
    n_alphas = alphas.size
    scores = np.full(n_alphas, np.nan)
    n_iter = np.zeros(n_alphas, dtype=int)
    converged = np.ones(n_alphas, dtype=bool)
    try:
        estimator = cv._base_estimator(candidate)
        problem = estimator._bound_problem(lambda: data)
        path = solve_path(
            problem, alphas, max_iter=estimator.max_iter, tol=estimator.tol,
            verbose=verbose,
        )  # fmt: skip
        # A score undefined for some tasks of a held-out fold (ROC AUC of a
        # task whose held-out rows hold one class) would be said by the scorer
        # at every alpha of every path: the scoring docs say it once.
        with _ignoring(UndefinedMetricWarning):
            for k, (_, result) in enumerate(path):
                estimator._store_result(result, problem)
                scores[k] = scorer(estimator, X_test, y_test, **test_weight)
                n_iter[k], converged[k] = result.n_iter, result.converged
    except Exception as error:  # the parent reports it with its setting
        return _PathFit.failed(n_alphas, time.perf_counter() - start, error)
    return _PathFit(scores, n_iter, converged, time.perf_counter() - start)


def _stratification_labels(y):
    """One label per row to stratify the folds of a multi-task classifier by.

    A 1-D ``y`` gives its own labels. With several tasks, folds can be
    stratified by one task only (the combinations of all the tasks' labels
    are nearly unique to each row); the task whose least frequent class is
    rarest (the first such) is the one most likely to lose a class from a
    training fold, which cannot then be fitted. Stratified on it, every class
    of it with two rows or more is in every training fold.
    """
    Y = np.asarray(y)
    if Y.ndim == 1:
        return label_codes(Y)
    codes = [label_codes(Y[:, task]) for task in range(Y.shape[1])]

    def rarest_class(task_codes):
        counts = np.bincount(task_codes[task_codes >= 0])
        counts = counts[counts > 0]
        return counts.min() if counts.size else np.inf

    return min(codes, key=rarest_class)


class _TaskStratifiedKFold(StratifiedKFold):
    """Stratified k-fold on the labels of one task (see _stratification_labels).

    The default splitter of the classifier without a task column: a 2-D ``y``
    of labels of mixed types (a task labelled "yes"/"no", another 0/1) would
    make scikit-learn compare labels across tasks.
    """

    def split(self, X, y, groups=None):
        """Train and test indices of each fold, stratified by one task's labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Data (only their number of rows is used).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Labels, one column per task.
        groups : None
            Ignored.

        Yields
        ------
        train : ndarray
            Training indices of the fold.
        test : ndarray
            Test indices of the fold.
        """
        return super().split(X, _stratification_labels(y), groups)


def _open_ends(problem, grid):
    """Whether the optimum may lie beyond the low and the high end of ``grid``.

    Below the grid unless it reaches alpha = 0; above it unless it reaches
    ``alpha_max``, from where every alpha gives the same (null) model.
    """
    below = grid[-1] > 0
    above = not problem.has_alpha_max or grid[0] < problem.alpha_max()
    return below, above


def _edge(mean, n_alphas, ends):
    """``"below"`` or ``"above"`` when the best of ``mean`` is at an open end."""
    finite = np.isfinite(mean)
    if n_alphas < _MIN_EDGE_GRID or not finite.any():
        return None
    if np.ptp(mean[finite]) == 0:  # flat (constant targets): nothing to gain
        return None
    best = int(np.argmax(np.where(finite, mean, -np.inf)))
    if best == n_alphas - 1 and ends[0]:
        return "below"
    if best == 0 and ends[1]:
        return "above"
    return None


@dataclass
class _Setting:
    """The scores of one penalty's grid on every fold, and the folds that failed."""

    scores: np.ndarray  # (n_alphas, n_folds)
    errors: list  # (fold, exception)


class _Table:
    """Every candidate searched so far: its grid, open ends and scores.

    Parameters
    ----------
    cv : _MultiTaskCV
        The CV estimator (base estimators, ``alphas`` and ``eps``).
    data : tuple
        The datafit of all the data and its task information, from which each
        candidate's grid is generated.
    shares_intercepts : bool
        Whether the task intercepts can be shared (several tasks, one column
        each, intercepts fitted).
    """

    def __init__(self, cv, data, shares_intercepts):
        self.cv, self.data = cv, data
        self.shares_intercepts = shares_intercepts
        self.candidates, self.grids, self.ends, self.tops = [], [], [], []
        self.scores, self.results = [], {}
        self.eligible, self.failed = set(), set()
        self._index = {}

    def add(self, pairs):
        """Add ``(candidate, eligible)`` pairs; the settings of the new ones.

        A candidate already searched keeps its scores (and becomes eligible if
        asked).
        """
        settings = []
        for candidate, eligible in pairs:
            index = self._index.get(candidate.key())
            if index is None:
                estimator = self.cv._base_estimator(candidate)
                problem = estimator._bound_problem(lambda: self.data)
                grid = alpha_grid(problem, self.cv.alphas, self.cv.eps)
                index = len(self.candidates)
                self._index[candidate.key()] = index
                self.candidates.append(candidate)
                self.grids.append(grid)
                self.tops.append(grid[0])
                self.ends.append(_open_ends(problem, grid))
                self.scores.append(np.full((grid.size, 0), np.nan))
                settings.append((index, candidate, grid, ""))
            elif candidate.baseline and not self.candidates[index].baseline:
                self.candidates[index] = candidate  # the same setting, named
            if eligible:
                self.eligible.add(index)
        return settings

    def best_scores(self):
        """Each candidate's best mean score (-inf when none is finite)."""
        best = np.full(len(self.candidates), -np.inf)
        for index, scores in enumerate(self.scores):
            if scores.size and index in self.results:
                mean = scores.mean(axis=1)
                if np.any(np.isfinite(mean)):
                    best[index] = np.nanmax(mean)
        return best

    def ranked(self):
        """Eligible candidates that did not fail, best first."""
        best = self.best_scores()
        usable = [
            i for i in self.eligible
            if not self.results[i].errors and np.isfinite(best[i])
        ]  # fmt: skip
        return sorted(usable, key=lambda i: -best[i])


def _cv_results(candidates, table, scores):
    """The search as a table of columns, one row per candidate and alpha."""
    n_candidates, n_alphas, n_folds = scores.shape
    rows = [(i, k) for i in range(n_candidates) for k in range(n_alphas)]

    def column(values):
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array

    flat = scores.reshape(n_candidates * n_alphas, n_folds)
    mean = flat.mean(axis=1)
    order = np.argsort(np.where(np.isfinite(mean), -mean, np.inf), kind="stable")
    rank = np.empty(mean.size, dtype=int)
    rank[order] = np.arange(1, mean.size + 1)
    finite = np.isfinite(mean)
    for position in range(1, mean.size):  # ties share the better rank
        a, b = order[position - 1], order[position]
        if finite[a] and finite[b] and mean[a] == mean[b]:
            rank[b] = rank[a]
    results = {
        "params": [
            {**candidates[i].params(), "alpha": float(table.grids[i][k])}
            for i, k in rows
        ],
        "param_penalty": column([candidates[i].penalty for i, _ in rows]),
        "param_alpha": np.array([table.grids[i][k] for i, k in rows]),
        "param_l2": np.array([candidates[i].l2 for i, _ in rows]),
        "param_intercept_shrinkage": np.array(
            [candidates[i].intercept_shrinkage for i, _ in rows]
        ),
        "baseline": column([candidates[i].baseline or "" for i, _ in rows]),
        "eligible": np.array([i in table.eligible for i, _ in rows]),
    }
    for fold in range(n_folds):
        results[f"split{fold}_test_score"] = flat[:, fold]
    results["mean_test_score"] = mean
    results["std_test_score"] = flat.std(axis=1)
    results["rank_test_score"] = rank
    return results


def _task_metric(scorer, estimator_class, scoring):
    """The per-task metric of the selection scorer, or None if it has none."""
    if isinstance(scorer, MultiTaskScorer):
        return scorer.metric
    if scoring is None and estimator_class is MultiTaskRegressor:
        return "r2"
    return None


def _task_scores_fold(cv, X, y, sample_weight, train, test, models, metric):
    """Per-task held-out scores of each ``(candidate, alpha)`` on one fold."""
    data, X_test, y_test, test_weight = _read_fold(
        cv, X, y, sample_weight, train, test, models[0][0]
    )
    scores = []
    for candidate, alpha in models:
        estimator = cv._base_estimator(candidate).set_params(alpha=alpha)
        try:
            problem = estimator._bound_problem(lambda: data)
            result = solve(  # (non-convergence is reported by the search)
                problem.datafit_at(alpha), problem.norm, alpha,
                max_iter=estimator.max_iter, tol=estimator.tol,
            )  # fmt: skip
            estimator._store_result(result, problem)
            with _ignoring(UndefinedMetricWarning):
                scores.append(
                    per_task_scores(
                        estimator, X_test, y_test, metric=metric,
                        sample_weight=test_weight,
                    )
                )  # fmt: skip
        except Exception:  # (the search reported this setting's failures)
            scores.append({})
    return scores


def _chunks(settings, n_folds, n_jobs):
    """``settings`` split so that the jobs (folds times chunks) keep every worker busy.

    One job per fold reads the fold's data once for all its settings; with
    several workers and few folds (5 folds on 2 workers leave one idle for a
    third of the time), the settings are split into a few chunks per fold,
    each reading the fold again (a small cost next to the paths).
    """
    workers = effective_n_jobs(n_jobs)
    if workers <= 1 or len(settings) <= 1:
        return [settings]
    n_chunks = min(len(settings), max(1, -(-4 * workers // n_folds)))
    return [settings[k::n_chunks] for k in range(n_chunks)]


class _Search:
    """The paths of one CV fit: run in parallel, printed and tallied in the parent.

    Parameters
    ----------
    cv_estimator : _MultiTaskCV
        The CV estimator (its settings, and base estimators for the paths).
    X, y, sample_weight : array-like
        The data, indexable by rows.
    folds : list of (ndarray, ndarray)
        Train and test indices of each fold.
    scorer : callable
        Scorer of the held-out folds.
    """

    def __init__(self, cv_estimator, X, y, sample_weight, folds, scorer):
        self.cv = cv_estimator
        self.data = (X, y, sample_weight)
        self.folds = folds
        self.scorer = scorer
        self.name = type(cv_estimator).__name__
        self.n_fits = 0
        self.not_converged = {}  # penalty index: [(fold, alpha), ...]
        self.extension_failures = {}  # penalty index: description of the error

    def run(self, settings):
        """Fit and score the paths of ``settings`` on every fold.

        Parameters
        ----------
        settings : list of (int, penalty, ndarray, str)
            Penalty index, penalty, decreasing alphas, and a label for the
            printed lines ("" for the first grid).

        Returns
        -------
        results : dict of int to _Setting
            The scores of each setting (NaN on a fold that failed).
        """
        cv, n_folds = self.cv, len(self.folds)
        chunks = _chunks(settings, n_folds, cv.n_jobs)
        jobs = (
            delayed(_fit_fold)(
                cv,
                *self.data,
                train,
                test,
                [(candidate, alphas) for _, candidate, alphas, _ in chunk],
                self.scorer,
                cv._solver_verbose(),
            )
            for train, test in self.folds
            for chunk in chunks
        )
        results = {
            index: _Setting(np.full((alphas.size, n_folds), np.nan), [])
            for index, _, alphas, _ in settings
        }
        outputs = Parallel(n_jobs=cv.n_jobs, return_as="generator")(jobs)
        fold_fits = {}
        for position, fits in enumerate(outputs):  # in order, as they finish
            fold, chunk = divmod(position, len(chunks))
            fold_fits.update(
                (index, fit)
                for (index, _, _, _), fit in zip(chunks[chunk], fits, strict=True)
            )
            if chunk < len(chunks) - 1:
                continue
            # A fold is complete: its lines in the order of the settings,
            # whatever the chunks (the same output as one job per fold).
            for index, candidate, alphas, label in settings:
                fit = fold_fits.pop(index)
                self._print(candidate, fold, alphas, label, fit)
                if fit.error is not None:
                    results[index].errors.append((fold, fit.error))
                    continue
                results[index].scores[:, fold] = fit.scores
                self.n_fits += alphas.size
                failures = self.not_converged.setdefault(index, [])
                failures += [(fold, alpha) for alpha in alphas[~fit.converged]]
        return results

    def tally(self, table, settings):
        """Run ``settings`` and record their results in ``table``."""
        if not settings:
            return
        results = self.run(settings)
        for index, _, _, _ in settings:
            table.results[index] = results[index]
            table.scores[index] = results[index].scores

    def task_scores(self, models, metric, tasks):
        """Mean held-out score of each task for each named ``(candidate, alpha)``.

        Returns
        -------
        scores : dict of str to ndarray of shape (n_tasks,)
            In the order of ``tasks``; NaN where a task was never scored.
            The log loss is negated (greater is better, as the scorers).
        """
        names = list(models)
        jobs = (
            delayed(_task_scores_fold)(
                self.cv, *self.data, train, test, [models[n] for n in names], metric
            )
            for train, test in self.folds
        )
        sums = {name: np.zeros(len(tasks)) for name in names}
        counts = {name: np.zeros(len(tasks)) for name in names}
        position = {label: i for i, label in enumerate(tasks.tolist())}
        sign = -1.0 if metric == "log_loss" else 1.0
        for fold_scores in Parallel(n_jobs=self.cv.n_jobs)(jobs):
            for name, per_task in zip(names, fold_scores, strict=True):
                for label, score in per_task.items():
                    i = position.get(label)
                    if i is not None and np.isfinite(score):
                        sums[name][i] += sign * score
                        counts[name][i] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            return {name: sums[name] / counts[name] for name in names}

    def _print(self, penalty, fold, alphas, label, fit):
        verbose = self.cv.verbose
        if verbose < 1:
            return
        where = f"[{self.name}] penalty {penalty!r}, fold {fold + 1}/{len(self.folds)}"
        where += f", {label}" if label else ""
        if fit.error is not None:
            print(
                f"{where}: failed after {fit.seconds:.3f} s: "
                f"{type(fit.error).__name__}: {fit.error}"
            )
            return
        finite = np.isfinite(fit.scores)
        if finite.any():
            best = int(np.argmax(np.where(finite, fit.scores, -np.inf)))
            result = f"best score {fit.scores[best]:.6g} at alpha {alphas[best]:.3g}"
        else:
            result = "every score NaN"
        print(f"{where}: {alphas.size} alphas in {fit.seconds:.3f} s, {result}")
        if verbose < 2:
            return
        for alpha, score, n_iter, converged in zip(
            alphas, fit.scores, fit.n_iter, fit.converged, strict=True
        ):
            state = "" if converged else ", not converged"
            print(
                f"    alpha {alpha:.4g}: score {score:.6g}, {n_iter} iterations{state}"
            )

    def report_failures(self, penalties, results, eligible):
        """Raise if every eligible setting failed on some fold; warn for the others.

        Returns
        -------
        failed : set of int
            The penalties left out of the choice.
        """
        failed = {index for index, setting in results.items() if setting.errors}
        if not failed:
            return failed
        lines = []
        for index in sorted(failed):
            errors = results[index].errors
            fold, error = errors[0]
            lines.append(
                f"penalty {penalties[index]!r}: {len(errors)} of {len(self.folds)} "
                f"folds failed, first fold {fold + 1} with "
                f"{type(error).__name__}: {error}"
            )
        if set(eligible) <= failed:
            first = results[min(failed)].errors[0][1]
            raise ValueError(
                f"{self.name}: every setting failed on the cross-validation folds, "
                "so there is nothing to choose from. "
                + "; ".join(lines)
                + ". Fit the estimator alone on one training fold to see the "
                "error with its traceback."
            ) from first
        warnings.warn(
            f"{self.name}: some settings failed on the cross-validation folds and "
            "were left out of the choice. " + "; ".join(lines) + ".",
            FitFailedWarning,
            stacklevel=3,
        )
        return failed

    def extend(self, penalties, grids, scores, ends, skip):
        """Move each generated grid whose best alpha is at an open end beyond it.

        ``grids`` and ``scores`` (lists, one per penalty) are updated in place:
        the grid keeps its length and spacing, losing at its far end the
        points it gains beyond the near one, whose paths are fitted on every
        fold. At most ``_MAX_EXTENSIONS`` times per penalty.

        Returns
        -------
        extensions : list of int
            How many times each penalty's grid was moved.
        """
        extensions = [0] * len(penalties)
        blocked = set(skip)
        for _ in range(_MAX_EXTENSIONS):
            settings = []
            for index, grid in enumerate(grids):
                side = None
                if index not in blocked:
                    mean = scores[index].mean(axis=1)
                    side = _edge(mean, grid.size, ends[index])
                if side is None:
                    continue
                shift = max(1, grid.size // 2)
                if side == "below":
                    ratio = grid[-1] / grid[-2]
                    alphas = grid[-1] * ratio ** np.arange(1, shift + 1)
                else:
                    ratio = grid[1] / grid[0]
                    alphas = grid[0] / ratio ** np.arange(shift, 0, -1)
                label = f"grid extended {side} {grid[-1 if side == 'below' else 0]:.3g}"
                settings.append((index, penalties[index], alphas, label))
            if not settings:
                break
            results = self.run(settings)
            for index, _, alphas, _ in settings:
                if results[index].errors:  # keep the grid that worked
                    fold, error = results[index].errors[0]
                    self.extension_failures[index] = (
                        f"moving its grid failed on fold {fold + 1} with "
                        f"{type(error).__name__}: {error}"
                    )
                    blocked.add(index)
                    continue
                shift, new = alphas.size, results[index].scores
                if alphas[0] < grids[index][-1]:  # below
                    grids[index] = np.concatenate([grids[index][shift:], alphas])
                    scores[index] = np.concatenate([scores[index][shift:], new])
                else:
                    grids[index] = np.concatenate([alphas, grids[index][:-shift]])
                    scores[index] = np.concatenate([new, scores[index][:-shift]])
                extensions[index] += 1
        return extensions

    def warn_edges(self, penalties, grids, mean, ends, extensions, failed, tops):
        """One GridEdgeWarning for the penalties whose best alpha is at an open end.

        ``tops`` are the tops of the generated grids, before any move: a grid
        generated with ``eps = edge / (100 top)`` reaches two decades below
        the edge.
        """
        generated = isinstance(self.cv.alphas, numbers.Integral)
        lines = []
        for index, grid in enumerate(grids):
            side = (
                None if index in failed else _edge(mean[index], grid.size, ends[index])
            )
            if side is None:
                continue
            edge = grid[-1] if side == "below" else grid[0]
            end = "smallest" if side == "below" else "largest"
            line = f"penalty {penalties[index]!r}: the best alpha, {edge:.3g}, is"
            line += f" the {end}"
            if not generated:
                line += " of the alphas given"
            else:
                times = extensions[index]
                line += " of its grid" + (
                    f" after extending it {times} time{'s' * (times != 1)}"
                    if times
                    else ""
                )
            if index in self.extension_failures:
                line += f" ({self.extension_failures[index]})"
            if side == "below" and generated:
                line += (
                    f"; pass a smaller eps (e.g. eps={edge / tops[index] / 100:.0e})"
                    f" or alphas reaching below {edge:.3g}"
                )
            elif side == "below":
                line += (
                    f"; pass alphas reaching below {edge:.3g}, or alphas=20 for a "
                    "grid generated from the data and extended where needed"
                )
            else:
                line += (
                    f"; pass alphas reaching above {edge:.3g}. The intercepts alone "
                    "may predict about as well: the features may carry little signal "
                    "this penalty can use"
                )
            lines.append(line)
        if lines:
            warnings.warn(
                f"{self.name}: the optimum may lie beyond the grid. "
                + "; ".join(lines)
                + ". Ignore this warning if the held-out score is flat there "
                "(scores_ holds it).",
                GridEdgeWarning,
                stacklevel=3,
            )

    def warn_not_converged(self, penalties, refit_converged, alpha, keep=None):
        """One ConvergenceWarning for all the fits (paths, refit) not converged.

        ``keep``: the candidates whose fits are reported (all when None); the
        others' are dropped (with ``penalty="auto"``, those of candidates
        that lost: their scores did not decide anything).
        """
        if keep is not None:
            self.not_converged = {
                index: failures
                for index, failures in self.not_converged.items()
                if index in keep
            }
        total = self.n_fits + 1
        count = sum(len(failures) for failures in self.not_converged.values())
        count += 0 if refit_converged else 1
        if count == 0:
            return
        cv = self.cv
        parts = []
        for index in sorted(self.not_converged):
            failures = self.not_converged[index]
            if not failures:
                continue
            folds = sorted({fold + 1 for fold, _ in failures})
            parts.append(
                f"penalty {penalties[index]!r}: {len(failures)} fits, at "
                f"{describe_alphas([alpha for _, alpha in failures])} in fold"
                f"{'s' * (len(folds) > 1)} {', '.join(map(str, folds))}"
            )
        if not refit_converged:
            parts.append(f"the refit on all the data at alpha={alpha:.3g}")
        warnings.warn(
            f"{self.name}: {count} of {total} fits did not converge in "
            f"max_iter={cv.max_iter} iterations (tol={cv.tol:g}): "
            + "; ".join(parts)
            + f". {CONVERGENCE_ADVICE}",
            ConvergenceWarning,
            stacklevel=3,
        )


class _MultiTaskCV(BaseEstimator):
    """Shared fit and delegation of the CV estimators."""

    _estimator_class = None

    def __init__(
        self,
        penalty="group_lasso",
        *,
        l2=0.0,
        intercept_shrinkage=None,
        baselines=True,
        alphas=20,
        eps=None,
        cv=None,
        scoring=None,
        n_jobs=None,
        task_column=None,
        task_weighting="observations",
        missing_targets="error",
        unknown_task="error",
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        verbose=0,
    ):
        self.penalty = penalty
        self.l2 = l2
        self.intercept_shrinkage = intercept_shrinkage
        self.baselines = baselines
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.task_column = task_column
        self.task_weighting = task_weighting
        self.missing_targets = missing_targets
        self.unknown_task = unknown_task
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose

    def _base_estimator(self, candidate):
        """The estimator of one candidate (a :class:`Candidate` or a penalty)."""
        if not isinstance(candidate, Candidate):
            candidate = Candidate(candidate, float(self.l2))
        return self._estimator_class(
            **candidate.params(),
            task_column=self.task_column,
            task_weighting=self.task_weighting,
            missing_targets=self.missing_targets,
            unknown_task=self.unknown_task,
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self._solver_verbose(),
        )

    def _solver_verbose(self):
        """The solver's verbosity: its progress from verbose=3 on."""
        return max(int(self.verbose) - 2, 0)

    def _penalties(self):
        """The penalties to compare, each checked (a name must be known)."""
        if isinstance(self.penalty, str) and self.penalty == "auto":
            return "auto"
        if isinstance(self.penalty, (str, Penalty)):
            return [self.penalty]
        try:
            penalties = list(self.penalty)
        except TypeError:
            penalties = []
        if not penalties:
            raise ValueError(
                "penalty must be 'auto', a penalty (a name or a penalty object) "
                f"or a non-empty list of penalties, got {self.penalty!r}."
            )
        for position, penalty in enumerate(penalties):
            try:
                make_penalty(penalty)
            except ValueError as error:
                raise ValueError(f"penalty list, item {position}: {error}") from error
        return penalties

    def _intercept_shrinkages(self):
        """The intercept strengths to search: a tuple, or "auto" (a data grid)."""
        value = self.intercept_shrinkage
        if value is None:
            return "auto" if self.penalty == "auto" else (0.0,)
        if isinstance(value, str) and value == "auto":
            return "auto"
        values = (value,) if isinstance(value, numbers.Real) else value
        try:
            values = tuple(values)
            for item in values:
                check_intercept_shrinkage(item)
        except (TypeError, ValueError) as error:
            raise ValueError(
                "intercept_shrinkage must be None, 'auto' (a grid from the data, "
                "0 and inf included), a number >= 0 or a list of them (np.inf: "
                f"one intercept for every task), got {value!r}."
            ) from error
        if not values:
            raise ValueError(
                "intercept_shrinkage must not be an empty list; pass None for free "
                "intercepts (or the 'auto' grid with penalty='auto')."
            )
        return tuple(float(v) for v in values)

    def _check_search_parameters(self):
        """Check the parameters of the search itself (the grid's in alpha_grid)."""
        if not isinstance(self.baselines, (bool, np.bool_)):
            raise ValueError(
                f"baselines must be True or False, got {self.baselines!r}: whether "
                "to score the independent, pooled and random-intercept ridge "
                "models on the same folds (baseline_scores_)."
            )
        l2 = self.l2
        if (
            not isinstance(l2, numbers.Real)
            or isinstance(l2, bool)
            or not np.isfinite(l2)
        ):
            raise ValueError(
                f"l2 must be a finite real number, got {l2!r}. It is the strength "
                "of a ridge term added to every penalty and fixed along the grid "
                "(0 for none); search it with GridSearchCV over "
                "skmtl.penalty_grid(X, y, parameter='l2')."
            )
        if l2 < 0:
            raise ValueError(
                f"l2 must be >= 0.0, got {l2!r}. It is the strength of a ridge "
                "term added to every penalty (0 for none)."
            )
        cv = self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 2:
                raise ValueError(
                    f"cv={cv}: k-fold cross-validation requires at least one "
                    "train/test split, so at least 2 folds. Pass cv=5 (five "
                    "folds), a splitter such as KFold(5), or an iterable of "
                    "(train, test) index arrays."
                )
        elif cv is not None and not (
            hasattr(cv, "split") and hasattr(cv, "get_n_splits")
        ):
            if isinstance(cv, (str, bytes, bool)) or not hasattr(cv, "__iter__"):
                raise ValueError(
                    "cv must be None (5 folds), an integer >= 2 (the number of "
                    "folds), a cross-validation splitter (e.g. KFold(5)) or an "
                    f"iterable of (train, test) index arrays, got {cv!r}."
                )
        n_jobs = self.n_jobs
        is_integer = isinstance(n_jobs, numbers.Integral) and not isinstance(
            n_jobs, bool
        )
        if n_jobs is not None and (not is_integer or n_jobs == 0):
            raise ValueError(
                "n_jobs must be None (one job unless a joblib context says "
                "otherwise), a positive integer (the number of paths fitted at "
                f"once) or a negative one (-1: all processors), got {n_jobs!r}."
            )
        verbose = self.verbose
        if not isinstance(verbose, numbers.Integral) or verbose < 0:
            raise ValueError(
                f"verbose must be an integer >= 0, got {verbose!r}: 0 prints "
                "nothing, 1 a line per penalty and fold, 2 also a line per alpha, "
                "3 the solver's progress as well."
            )

    def _splitter(self, y):
        classifier = self._estimator_class is MultiTaskClassifier
        # With a task column: folds by task, and for a classifier by class
        # within each task too, so that no training fold loses a task's class.
        if self.cv is None and self.task_column is not None:
            return TaskKFold(5, task_column=self.task_column, stratify=classifier)
        if isinstance(self.cv, numbers.Integral) and self.task_column is not None:
            return TaskKFold(self.cv, task_column=self.task_column, stratify=classifier)
        if classifier and (self.cv is None or isinstance(self.cv, numbers.Integral)):
            # Stratified by one task, each task's labels compared only among
            # themselves (tasks may use labels of different types).
            return _TaskStratifiedKFold(5 if self.cv is None else self.cv)
        return check_cv(self.cv, y, classifier=classifier)

    def fit(self, X, y, sample_weight=None, groups=None):
        """Choose the penalty and alpha by cross-validation, then refit.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Data, in either layout.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.
        groups : array-like of shape (n_samples,), default=None
            Group labels passed to the splitter (e.g. for ``GroupKFold``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        penalties = self._penalties()
        gammas = self._intercept_shrinkages()
        self._check_search_parameters()
        # Row indexing of the folds needs a row format or an array; DataFrames
        # stay DataFrames (a task column may be named).
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        frame = as_column_frame(X)  # any dataframe but a pandas-like one
        if frame is not None:
            X = frame  # named columns, indexed by rows like an array
        elif sp.issparse(X):
            X = X.tocsr()
        elif not hasattr(X, "iloc"):
            X = np.asarray(X)
        y = y if hasattr(y, "iloc") else np.asarray(y)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        # All the data, read once: every candidate's grid is generated on them.
        reader = self._base_estimator(Candidate("ridge"))
        reader._validated_penalty()
        data = reader._memory_datafit(X, y, sample_weight)
        scales, one_column, n_tasks = self._describe(reader, data)
        candidates = self._first_candidates(
            penalties, gammas, scales, one_column, n_tasks
        )
        folds = list(self._splitter(y).split(X, y, groups))
        if not folds:
            raise ValueError(
                f"cv={self.cv!r} gave no (train, test) split; pass cv=5 or a "
                "splitter that yields at least one."
            )
        # Classifiers: None is the mean per-task log loss (negated), and
        # scikit-learn's names of the per-task scores are skmtl's scorers; why in
        # skmtl.metrics._selection_scorer.
        scorer = _selection_scorer(reader, self.scoring)
        search = _Search(self, X, y, sample_weight, folds, scorer)
        table = _Table(self, data, one_column and n_tasks > 1 and self.fit_intercept)
        search.tally(table, table.add(candidates))
        if penalties == "auto" and gammas == "auto" and table.shares_intercepts:
            # Coarse to fine: every intercept strength for the best structures,
            # then the neighbours of the best strengths.
            ranked = [table.candidates[i] for i in table.ranked()]
            refined = second_stage(ranked, scales)
            search.tally(table, table.add([(c, True) for c in refined]))
            best = table.candidates[table.ranked()[0]]
            search.tally(
                table, table.add([(c, True) for c in third_stage(best, scales)])
            )
        failed = search.report_failures(table.candidates, table.results, table.eligible)
        table.failed = failed
        extensions = [0] * len(table.candidates)
        skip = set(failed)
        if penalties == "auto":  # only the contenders and the baselines move
            contenders = set(table.ranked()[:_N_EXTENDED])
            skip |= {
                i
                for i, c in enumerate(table.candidates)
                if i not in contenders and c.baseline is None
            }
        if isinstance(self.alphas, numbers.Integral):  # a grid given is kept
            extensions = search.extend(
                table.candidates, table.grids, table.scores, table.ends, skip=skip
            )
        self._store_search(table)
        search.warn_edges(
            table.candidates, table.grids, np.array(table.scores).mean(axis=2),
            table.ends, extensions,
            skip | (set(range(len(table.candidates))) - table.eligible), table.tops,
        )  # fmt: skip
        best = table.candidates[self._best_index]
        estimator = self._base_estimator(best).set_params(alpha=self.alpha_)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.estimator_ = estimator.fit(X, y, sample_weight=sample_weight)
        for caught_warning in caught:  # non-convergence is reported below
            if not issubclass(caught_warning.category, ConvergenceWarning):
                warnings.warn_explicit(
                    caught_warning.message,
                    caught_warning.category,
                    caught_warning.filename,
                    caught_warning.lineno,
                )
        if self.verbose >= 1:
            print(
                f"[{type(self).__name__}] chose penalty {best!r}, alpha "
                f"{self.alpha_:.3g} (mean held-out score {self.best_score_:.6g}); "
                f"refitted on all the data in {time.perf_counter() - start:.3f} s"
            )
        keep = None
        if penalties == "auto":  # the choice and the baselines, not the losers
            keep = {self._best_index} | {
                i for i, c in enumerate(table.candidates) if c.baseline
            }
        search.warn_not_converged(
            table.candidates, self.estimator_.converged_, self.alpha_, keep
        )
        for name in _COPIED + self.estimator_._structure_attributes:
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
        self._score_tasks(search, table, scorer)
        if self.verbose >= 1 and self.baseline_scores_:
            self._print_baselines()
        return self

    def _describe(self, reader, data):
        """The data's scales, whether every task has one column, the task count."""
        _, tasks = data
        widths = [width for width, _ in tasks.task_losses]
        problem = reader._bound_problem(lambda: data)
        scales = Scales.of(problem.core, problem.solver_context.column_task)
        return scales, all(width == 1 for width in widths), len(widths)

    def _first_candidates(self, penalties, gammas, scales, one_column, n_tasks):
        """The candidates of the first round, and the indices eligible to win."""
        shares = one_column and n_tasks > 1 and self.fit_intercept
        if penalties == "auto":
            structures, skipped = auto_structures(scales, one_column, n_tasks)
            if not self.fit_intercept and gammas != (0.0,):
                skipped.append("shared intercepts (fit_intercept=False)")
            if skipped:
                warnings.warn(
                    f"{type(self).__name__}(penalty='auto') skipped "
                    + "; ".join(skipped)
                    + ".",
                    UserWarning,
                    stacklevel=3,
                )
            if gammas == "auto":
                chosen = first_stage(structures, scales, shares)
            else:
                chosen = [
                    Candidate(penalty, l2, gamma)
                    for penalty, l2 in structures
                    for gamma in (gammas if shares else (0.0,))
                ]
        else:
            if gammas == "auto":
                gammas = (0.0, *scales.intercept_grid(), np.inf) if shares else (0.0,)
            chosen = [
                Candidate(penalty, float(self.l2), gamma)
                for penalty in penalties
                for gamma in gammas
            ]
        candidates = [(candidate, True) for candidate in chosen]
        if self.baselines:
            for candidate in baseline_candidates(
                scales, one_column and n_tasks > 1, self.fit_intercept
            ):
                candidates.append((candidate, penalties == "auto"))
        return candidates

    def _store_search(self, table):
        """Set the attributes of the search: scores, grids, the choice.

        ``scores_``, ``alphas_`` and ``penalties_`` hold the candidates that
        could be chosen; ``cv_results_`` every one, the baselines included.
        """
        candidates = table.candidates
        main = sorted(table.eligible)
        every = np.array(table.scores)  # candidate, alpha, fold
        self.scores_ = every[main]
        mean = self.scores_.mean(axis=2)
        usable = np.array([i not in table.failed for i in main])
        finite = np.isfinite(mean) & usable[:, None]
        if not np.any(finite):
            raise ValueError(
                f"{type(self).__name__}: every held-out score is NaN (scoring="
                f"{self.scoring!r}), so there is nothing to choose from. Check that "
                "the scorer suits this estimator and that every held-out fold "
                "holds what it needs (e.g. both classes of every task for ROC AUC)."
            )
        best, best_alpha = np.unravel_index(
            np.argmax(np.where(finite, mean, -np.inf)), mean.shape
        )
        every_mean = every.mean(axis=2)
        self.baseline_scores_ = {}
        self._baseline_best = {}
        best_baseline = None  # (score, candidate index, alpha index)
        for name in BASELINES:
            rows = [
                i for i, c in enumerate(candidates)
                if c.baseline == name and i not in table.failed
                and np.any(np.isfinite(every_mean[i]))
            ]  # fmt: skip
            if not rows:
                continue
            i = max(rows, key=lambda i: np.nanmax(every_mean[i]))
            k = int(np.nanargmax(every_mean[i]))
            self.baseline_scores_[name] = float(every_mean[i, k])
            self._baseline_best[name] = (candidates[i], float(table.grids[i][k]))
            if best_baseline is None or every_mean[i, k] > best_baseline[0]:
                best_baseline = (every_mean[i, k], i, k)
        chosen_index, chosen_alpha = main[best], best_alpha
        if self.penalty == "auto" and best_baseline is not None:
            # The best of hundreds of settings is an optimistic estimate: a
            # structure replaces the best baseline only if its gain, fold by
            # fold on the same folds, exceeds one standard error.
            _, i, k = best_baseline
            gain = every[chosen_index, chosen_alpha] - every[i, k]
            error = gain.std(ddof=1) / np.sqrt(gain.size) if gain.size > 1 else 0.0
            if not gain.mean() > error:
                chosen_index, chosen_alpha = i, k
        self._best_index = chosen_index
        self.penalties_ = np.empty(len(main), dtype=object)
        self.penalties_[:] = [candidates[i].penalty for i in main]
        self.alphas_ = np.array([table.grids[i] for i in main])
        chosen = candidates[chosen_index]
        self.penalty_ = chosen.penalty
        self.l2_ = chosen.l2
        self.intercept_shrinkage_ = chosen.intercept_shrinkage
        self.alpha_ = float(table.grids[chosen_index][chosen_alpha])
        self.best_score_ = float(every_mean[chosen_index, chosen_alpha])
        self.cv_results_ = _cv_results(candidates, table, every)
        self.baseline_params_ = {
            name: {**candidate.params(), "alpha": alpha}
            for name, (candidate, alpha) in self._baseline_best.items()
        }

    def _score_tasks(self, search, table, scorer):
        """Per-task held-out scores of the chosen model and the baselines."""
        metric = _task_metric(scorer, self._estimator_class, self.scoring)
        self.task_scores_ = None
        if metric is None:
            return
        models = {"chosen": (table.candidates[self._best_index], self.alpha_)}
        models.update(self._baseline_best)
        self.task_scores_ = search.task_scores(models, metric, self.tasks_)

    def _print_baselines(self):
        name = type(self).__name__
        parts = [f"{k} {v:.6g}" for k, v in self.baseline_scores_.items()]
        gain = self.best_score_ - max(self.baseline_scores_.values())
        print(
            f"[{name}] baselines (best mean held-out score): {', '.join(parts)}; "
            f"the chosen model scores {self.best_score_:.6g} ({gain:+.3g} over the "
            "best baseline)"
        )

    def predict(self, X):
        """Predict with the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.

        Returns
        -------
        y_pred : ndarray
            As :meth:`MultiTaskRegressor.predict` or
            :meth:`MultiTaskClassifier.predict`.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def score(self, X, y, sample_weight=None):
        """Score of the refitted model (its own ``score``).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 for the regressor, mean accuracy over tasks for the classifier.
        """
        check_is_fitted(self)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator_tags = self._estimator_class().__sklearn_tags__()
        tags.target_tags = estimator_tags.target_tags
        tags.input_tags = estimator_tags.input_tags
        return tags


_CV_DOC = """{kind} with the model chosen by cross-validation.

    For each candidate (a penalty, with its ``l2`` and ``intercept_shrinkage``)
    and each training fold, the grid of alphas is solved as one warm-started
    path, and each solution is scored on the held-out fold; the candidate and
    alpha with the best mean score are refitted on all the data. The
    objective is that of :class:`{base}`. The data of each fold are read
    once for all the candidates.

    The baselines a careful analyst fits first are scored on the same folds,
    each tuned by its own alpha path (``baseline_scores_``, ``task_scores_``):
    ``"independent"`` (one ridge model per task), ``"pooled"`` (one ridge
    model for every row: ``TaskGraph(strength=np.inf, base="ridge")`` and
    ``intercept_shrinkage=np.inf``) and ``"random_intercept"`` (pooled slopes,
    task intercepts shrunk towards their mean, the penalised mixed model, its
    ``intercept_shrinkage`` searched on ten strengths from :math:`0.01 S` to
    :math:`10 S`, :math:`S` as below) -- ridge-logistic for the
    classifier. So a fit says whether multi-task learning helps on these data,
    and by how much.

    ``penalty="auto"`` searches the catalogue, coarse to fine: first
    ``"ridge"``, ``"lasso"``, ``"group_lasso"``, ``"trace_norm"``,
    :class:`~skmtl.structures.Dirty`, ``"group_lasso"`` with an ``l2`` term,
    :class:`~skmtl.structures.TaskGraph` on ridge at three strengths and at
    infinite strength (the pooled model), each with free intercepts and with
    moderately shared ones (``intercept_shrinkage`` at the middle of its grid);
    then, for the three best, every intercept strength of the grid (and
    ``np.inf``); then the strengths (of the intercepts and of the task graph)
    a factor :math:`\\sqrt{{10}}` either side of the best (and, for the pooled
    model, the task graph at ten times its top finite strength). Strengths are
    scaled to the data: those of the intercepts to the median curvature
    :math:`S` of the data term in one task's intercept (about
    :math:`T n_t / n` for the squared loss), at :math:`0.05 S, 0.5 S, 5 S`
    (a task keeps about :math:`S / (S + 2\\gamma)` of its own intercept
    deviation), and those of the task graph and of ``l2`` likewise to a typical
    coefficient's curvature. The baselines are part of the family, so a
    baseline that wins is chosen; and as the best of several hundred settings
    scores optimistically, a structure replaces the best baseline only if its
    held-out gain over it, fold by fold on the same folds, exceeds one
    standard error of that gain (else the baseline is refitted). Structures
    that do not apply (task graphs, pooling and shared intercepts with
    multi-class tasks or a single task) are skipped with one warning.

    Parameters
    ----------
    penalty : "auto", str, Penalty or list of them, default="group_lasso"
        ``"auto"`` (the catalogue above), the penalty, or several to choose
        from: names (``"group_lasso"``, ``"trace_norm"``, ``"lasso"``,
        ``"ridge"``, the structures of :mod:`skmtl.structures`) or penalty
        objects.
    l2 : float, default=0.0
        Strength of an extra ridge term, fixed along the grid of alphas; see
        :class:`{base}`. To search it, use ``GridSearchCV`` over
        ``skmtl.penalty_grid(X, y, parameter="l2")``; ``penalty="auto"`` sets
        its own.
    intercept_shrinkage : None, "auto", float or list of floats, default=None
        Strengths of the pull of the task intercepts towards their mean to
        search (see :class:`{base}`), each with every penalty. ``"auto"``: 0,
        three strengths scaled to the data (see above) and ``np.inf``. None:
        ``"auto"`` with ``penalty="auto"`` (searched coarse to fine), else 0
        (free intercepts).
    baselines : bool, default=True
        Whether to score the independent, pooled and random-intercept ridge
        models on the same folds. They are always eligible with
        ``penalty="auto"``; with penalties given, they are reported only.
    alphas : int or array-like, default=20
        Number of alphas on a geometric grid generated from the data (computed
        on all of them, see :func:`skmtl.penalty_grid`), or the alphas
        themselves, used as given. ``alpha`` is on the scale of the data term
        (for a norm penalty it grows with the scales of the targets and of the
        features, for a smooth one with the square of the features' scale),
        so a fixed grid rarely fits: a generated grid goes from ``alpha_max``
        (every coefficient zero) down to ``eps * alpha_max`` for norm
        penalties; for penalties without ``alpha_max`` (ridge, ``Clustered``,
        a ``TaskGraph`` on ridge) it spans the curvature the penalty adds
        compared with the data term's, from ten times the largest curvature of
        the data term down to a hundredth of a typical coefficient's. When the
        best alpha of a generated grid (of three alphas or more) is at an end
        beyond which the model still changes (below the grid, or above it for
        penalties without ``alpha_max``), the grid is moved beyond that end by
        half its length, the paths fitted there on every fold, up to three
        times.
    eps : float, default=None
        Ratio of the smallest to the largest alpha of a generated grid. None
        means 1e-2 for norm penalties, and for the others the ratio the data's
        curvature gives (at least two decades).
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn; None means 5 folds, and with a ``task_column`` an
        integer or None means :class:`~skmtl.model_selection.TaskKFold`, which
        keeps every task in every training fold (for the classifier,
        ``stratify=True``: every class of every task, too).
        For the classifier without a task column, an integer or None
        stratifies the folds by the labels of the task whose least frequent
        class is rarest, so that each of its classes with two rows or more is
        in every training fold; labels are compared only within a task, so
        tasks may use labels of different types.
    scoring : str or callable, default=None
        Scorer of the held-out folds (greater is better), as in scikit-learn.
        None means, for the regressor, its own ``score`` (:math:`R^2`, missing
        targets skipped); for the classifier, the mean per-task log loss,
        negated (``skmtl.metrics.neg_log_loss_scorer``), not the accuracy
        of ``score``: on imbalanced tasks nearly every model predicts the
        majority class and accuracy cannot rank them, while the log loss rates
        the predicted probabilities, is defined on every held-out fold (ROC
        AUC is undefined for a task whose held-out rows hold one class, most
        small imbalanced tasks) and uses every held-out row. For the
        classifier, ``"neg_log_loss"``, ``"roc_auc"`` (and ``"roc_auc_ovr"``),
        ``"accuracy"`` and ``"balanced_accuracy"`` mean the per-task scores of
        :mod:`skmtl.metrics` averaged over tasks (weighted as
        ``task_weighting`` says, missing labels skipped, binary and
        multi-class tasks mixed), not scikit-learn's scorers of all outputs
        at once, which give NaN or fail on several tasks.
    n_jobs : int, default=None
        Number of jobs run in parallel with joblib (None: one, unless a joblib
        context says otherwise; -1: all processors). A job fits the paths of
        some candidates on one fold, whose data it reads once; with several
        workers the candidates of a fold are split into a few jobs so that
        every worker stays busy. The main process collects the scores, prints
        the ``verbose`` lines and reports the warnings.
    task_column : int or str, default=None
        See :class:`{base}`.
    task_weighting : {{"observations", "tasks"}}, default="observations"
        See :class:`{base}`.
    missing_targets : {{"error", "ignore"}}, default="error"
        See :class:`{base}`.
    unknown_task : {{"error", "mean"}}, default="error"
        See :class:`{base}`.{single_class_tasks}
    fit_intercept : bool, default=True
        Whether to fit unpenalised intercepts.
    max_iter : int, default=1000
        Maximum number of solver iterations for each alpha.
    tol : float, default=1e-4
        Solver tolerance, see :class:`{base}`.
    verbose : int, default=0
        0 prints nothing; 1 prints a line for each (penalty, fold) path (its
        time, and its best held-out score and alpha) and one for the choice;
        2 also a line for each alpha (score, iterations, convergence); 3 also
        the solver's progress.

    Attributes
    ----------
    penalty_ : str or Penalty
        The chosen penalty.
    alpha_ : float
        The chosen alpha.
    l2_ : float
        The ``l2`` of the chosen candidate.
    intercept_shrinkage_ : float
        The ``intercept_shrinkage`` of the chosen candidate.
    best_score_ : float
        Mean held-out score of the chosen penalty and alpha.
    penalties_ : ndarray of shape (n_candidates,)
        The penalty of each candidate compared (the penalties given, each with
        every intercept strength, then the baselines).
    alphas_ : ndarray of shape (n_candidates, n_alphas)
        The grid of each candidate, as last searched (a generated grid may
        have been moved beyond an end).
    scores_ : ndarray of shape (n_candidates, n_alphas, n_folds)
        Held-out score of every candidate, alpha and fold.
    cv_results_ : dict of ndarray
        One row per candidate and alpha, as ``GridSearchCV``'s (``pandas.
        DataFrame(cv_results_)`` is a table): ``params``, ``param_penalty``,
        ``param_alpha``, ``param_l2``, ``param_intercept_shrinkage``,
        ``baseline`` (the baseline a row belongs to, or ""), ``eligible``
        (whether the row could be chosen), ``split<k>_test_score``,
        ``mean_test_score``, ``std_test_score`` and ``rank_test_score``.
    baseline_scores_ : dict of str to float
        Best mean held-out score of each baseline scored (``"independent"``,
        ``"pooled"``, ``"random_intercept"``), to compare with
        ``best_score_``; empty with ``baselines=False``.
    baseline_params_ : dict of str to dict
        The parameters of each baseline at its best score (``penalty``,
        ``l2``, ``intercept_shrinkage``, ``alpha``): ``{base}(**params)``
        refits it.
    task_scores_ : dict of str to ndarray of shape (n_tasks,) or None
        Mean held-out score of each task (in the order of ``tasks_``; NaN
        where never defined) for the chosen model (``"chosen"``) and each
        baseline at its best setting, refitted on the same folds: which tasks
        gain from multi-task learning. The metric is that of ``scoring`` for
        the multi-task scorers (the log loss negated) and :math:`R^2` for the
        regressor's default; None for other scorers.
    estimator_ : {base}
        The model refitted on all the data; ``coef_``, ``intercept_`` and the
        other fitted attributes of {base} (the parts of a decomposed structure
        included) are copied from it.

    Warns
    -----
    ConvergenceWarning
        Once per fit, when some fits (a path's alphas on a fold, or the refit)
        did not converge: how many out of how many, for which penalties,
        alphas and folds, and what to try.
    GridEdgeWarning
        When the best alpha of a penalty is still at an end of its grid beyond
        which the model changes (see ``alphas``), with what to pass instead.
    FitFailedWarning
        When the paths of some penalties raised on some folds: those penalties
        are left out of the choice, and the warning gives the first error of
        each. When every penalty fails, a ValueError says the same.

    See Also
    --------
    {base} : The estimator with a fixed alpha.
    skmtl.regularization_path : The warm-started path alone.
    skmtl.penalty_grid : The generated grid alone, for ``GridSearchCV``.

    Examples
    --------
    >>> from skmtl import {name}
    >>> from skmtl.datasets import {maker}
    >>> X, Y, _ = {maker}(120, 10, 3, n_informative=3, random_state=0)
    >>> model = {name}(penalty=["group_lasso", "trace_norm"], alphas=8, cv=3)
    >>> model = model.fit(X, Y)
    >>> model.scores_.shape
    (2, 8, 3)
    """


class MultiTaskRegressorCV(RegressorMixin, _MultiTaskCV):
    __doc__ = _CV_DOC.format(
        kind="Multi-task regression",
        base="MultiTaskRegressor",
        name="MultiTaskRegressorCV",
        maker="make_multitask_regression",
        single_class_tasks="",
    )
    _estimator_class = MultiTaskRegressor
    score = _MultiTaskCV.score  # the refitted model's, not the mixin's


class MultiTaskClassifierCV(ClassifierMixin, _MultiTaskCV):
    __doc__ = _CV_DOC.format(
        kind="Multi-task classification",
        base="MultiTaskClassifier",
        name="MultiTaskClassifierCV",
        maker="make_multitask_classification",
        single_class_tasks="""
    single_class_tasks : {"constant", "error"}, default="constant"
        See :class:`MultiTaskClassifier`: a task with a single class predicts
        it (with a warning naming it), or is an error. With a task column the
        folds keep every class of every task in training (stratified
        :class:`~skmtl.model_selection.TaskKFold`), so only tasks with one
        class in all the data are constant.""",
    )
    _estimator_class = MultiTaskClassifier

    def __init__(
        self,
        penalty="group_lasso",
        *,
        l2=0.0,
        intercept_shrinkage=None,
        baselines=True,
        alphas=20,
        eps=None,
        cv=None,
        scoring=None,
        n_jobs=None,
        task_column=None,
        task_weighting="observations",
        missing_targets="error",
        unknown_task="error",
        single_class_tasks="constant",
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        verbose=0,
    ):
        super().__init__(
            penalty,
            l2=l2,
            intercept_shrinkage=intercept_shrinkage,
            baselines=baselines,
            alphas=alphas,
            eps=eps,
            cv=cv,
            scoring=scoring,
            n_jobs=n_jobs,
            task_column=task_column,
            task_weighting=task_weighting,
            missing_targets=missing_targets,
            unknown_task=unknown_task,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            verbose=verbose,
        )
        self.single_class_tasks = single_class_tasks

    def _base_estimator(self, penalty):
        estimator = super()._base_estimator(penalty)
        return estimator.set_params(single_class_tasks=self.single_class_tasks)

    score = _MultiTaskCV.score  # mean accuracy over tasks, not subset accuracy

    def predict_proba(self, X):
        """Class probabilities from the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.

        Returns
        -------
        proba : ndarray or list of ndarray
            As :meth:`MultiTaskClassifier.predict_proba`.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(
        lambda self: (
            not hasattr(self, "estimator_")
            or hasattr(self.estimator_, "decision_function")
        )
    )
    def decision_function(self, X):
        """Scores from the refitted model.

        Available when the refitted model's is (see
        :meth:`MultiTaskClassifier.decision_function`).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Samples.

        Returns
        -------
        scores : ndarray
            As :meth:`MultiTaskClassifier.decision_function`.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)
