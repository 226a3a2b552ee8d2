"""What the CV estimators tell the user, and the input they take.

Convergence failures of every path and of the refit come in one warning with
their count and place; ``verbose`` prints a line per (penalty, fold) and per
alpha from the main process, also with ``n_jobs``; a search whose settings
raise says which and why. The classifier's folds accept tasks labelled with
different types; every option of the search is checked with a message that
says what to pass; rows are taken with public APIs only.
"""

import ast
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.model_selection import KFold, StratifiedKFold

import skmtl
from skmtl import (
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    alpha_max,
    regularization_path,
)
from skmtl._path import solve_path
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.utils.validation import take_rows

CV = [MultiTaskRegressorCV, MultiTaskClassifierCV]


def _regression(seed=0, n_samples=60):
    X, Y, _ = make_multitask_regression(
        n_samples, 8, 3, n_informative=3, bias=1.0, random_state=seed
    )
    return X, Y


def _classification(seed=0, n_samples=60):
    X, Y, _ = make_multitask_classification(
        n_samples, 6, 3, n_informative=3, random_state=seed
    )
    return X, Y


def _caught(fit):
    """The warnings ``fit()`` raises, all of them recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return caught


def _of(category, caught):
    return [w for w in caught if issubclass(w.category, category)]


# --------------------------------------------------------------------------
# 1. Convergence: one warning, with the count and the place


def _not_converged(penalty, X, Y, folds, alphas, max_iter, tol):
    """Fits along ``alphas`` on each training fold that do not converge."""
    count = 0
    for train, _ in folds:
        estimator = MultiTaskRegressor(penalty, max_iter=max_iter, tol=tol)
        problem = estimator._problem(X[train], Y[train], None)
        path = solve_path(problem, alphas, max_iter=max_iter, tol=tol)
        count += sum(not result.converged for _, result in path)
    return count


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_one_convergence_warning_counts_every_fit(n_jobs):
    X, Y = _regression()
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    alphas = alpha_max(X, Y) * np.array([1.0, 0.3, 0.1, 0.03])
    settings = dict(max_iter=5, tol=1e-8)
    penalties = ["group_lasso", "ridge"]
    model = MultiTaskRegressorCV(
        penalties, alphas=alphas, cv=folds, n_jobs=n_jobs, baselines=False,
        **settings,
    )  # fmt: skip
    with parallel_config(backend="threading"):  # jobs share the process
        caught = _caught(lambda: model.fit(X, Y))
    convergence = _of(ConvergenceWarning, caught)
    assert len(convergence) == 1
    expected = sum(
        _not_converged(penalty, X, Y, folds, alphas, **settings)
        for penalty in penalties
    )
    refit = MultiTaskRegressor(model.penalty_, model.alpha_, **settings)
    _caught(lambda: refit.fit(X, Y))
    expected += 0 if refit.converged_ else 1
    assert 0 < expected < 2 * 3 * 4 + 1  # alpha_max converges at once
    message = str(convergence[0].message)
    assert message.startswith(
        f"MultiTaskRegressorCV: {expected} of 25 fits did not converge in "
        "max_iter=5 iterations (tol=1e-08): penalty 'group_lasso': "
    )
    assert "penalty 'ridge': 12 fits, at alpha" in message
    assert "in folds 1, 2, 3" in message
    assert "Increase max_iter" in message


def test_converged_search_does_not_warn():
    X, Y = _regression(1)
    caught = _caught(lambda: MultiTaskRegressorCV(alphas=5, cv=3).fit(X, Y))
    assert not _of(ConvergenceWarning, caught)


def test_regularization_path_warns_once_with_the_count():
    X, Y = _regression(2)
    estimator = MultiTaskRegressor("trace_norm", max_iter=3, tol=1e-10)
    grid = alpha_max(X, Y, penalty="trace_norm") * np.geomspace(1, 1e-2, 6)
    caught = _caught(
        lambda: regularization_path(X, Y, estimator=estimator, alphas=grid)
    )
    convergence = _of(ConvergenceWarning, caught)
    assert len(convergence) == 1
    problem = estimator._problem(X, Y, None)
    path = solve_path(problem, grid, max_iter=3, tol=1e-10)
    expected = sum(not result.converged for _, result in path)
    assert expected > 0
    assert str(convergence[0].message).startswith(
        f"regularization_path: {expected} of 6 fits did not converge in "
        "max_iter=3 iterations (tol=1e-10), at "
    )


# --------------------------------------------------------------------------
# 2. verbose: a line per (penalty, fold), and per alpha


FOLD_LINE = re.compile(
    r"\[MultiTaskRegressorCV\] penalty '(group_lasso|ridge)', fold [123]/3: "
    r"4 alphas in \d+\.\d{3} s, best score -?\d\.\d+(e-\d+)? at alpha \S+"
)


@pytest.mark.filterwarnings("ignore::skmtl.GridEdgeWarning")
@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_verbose_prints_a_line_per_penalty_and_fold(verbose, capsys):
    X, Y = _regression(3)
    alphas = alpha_max(X, Y) * np.array([0.5, 0.2, 0.05, 0.01])
    params = dict(alphas=alphas, cv=3, verbose=verbose, baselines=False)
    model = MultiTaskRegressorCV(["group_lasso", "ridge"], **params).fit(X, Y)
    lines = capsys.readouterr().out.splitlines()
    if verbose == 0:
        assert lines == []
        return
    fold_lines = [line for line in lines if line.startswith("[")][:-1]
    assert len(fold_lines) == 2 * 3
    assert all(FOLD_LINE.fullmatch(line) for line in fold_lines), fold_lines
    assert lines[-1].startswith(
        f"[MultiTaskRegressorCV] chose penalty {model.penalty_!r}, alpha "
    )
    alpha_lines = [line for line in lines if line.startswith("    alpha ")]
    assert len(lines) == 2 * 3 + 1 + len(alpha_lines)
    assert len(alpha_lines) == (2 * 3 * 4 if verbose == 2 else 0)


@pytest.mark.filterwarnings("ignore::skmtl.GridEdgeWarning")
def test_verbose_lines_come_from_the_main_process_in_order(capsys):
    X, Y = _regression(4)
    alphas = alpha_max(X, Y) * np.array([0.5, 0.2, 0.05, 0.01])
    params = dict(alphas=alphas, cv=3, verbose=1)
    penalties = ["group_lasso", "ridge"]
    MultiTaskRegressorCV(penalties, **params).fit(X, Y)
    serial = capsys.readouterr().out
    with parallel_config(backend="threading"):
        MultiTaskRegressorCV(penalties, n_jobs=2, **params).fit(X, Y)
    parallel = capsys.readouterr().out

    def without_times(text):
        return re.sub(r"\d+\.\d{3} s", "T s", text)

    assert without_times(parallel) == without_times(serial)


# --------------------------------------------------------------------------
# 3. Settings that fail


def _tiny_task_rows():
    """Rows of three tasks, one with a single row: KFold leaves it untrained."""
    rng = np.random.default_rng(0)
    task = np.r_[np.zeros(15), np.ones(14), 2]
    X = np.column_stack([rng.standard_normal((30, 3)), task])
    y = X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(30)
    return X, y


def test_a_search_where_every_setting_fails_says_which_and_why():
    X, y = _tiny_task_rows()
    model = MultiTaskRegressorCV(
        ["group_lasso", "ridge"], task_column=-1, alphas=3, cv=KFold(3)
    )
    with pytest.raises(ValueError) as raised:
        model.fit(X, y)
    message = str(raised.value)
    assert message.startswith(
        "MultiTaskRegressorCV: every setting failed on the cross-validation folds"
    )
    for penalty in ["group_lasso", "ridge"]:
        assert (
            f"penalty '{penalty}': 1 of 3 folds failed, first fold 3 with "
            "ValueError: X holds tasks not seen in fit: ['2.0']"
        ) in message


def _failing_for_trace_norm(estimator, X, y):
    if estimator.penalty == "trace_norm":
        raise RuntimeError("no score for this one")
    return estimator.score(X, y)


def test_settings_that_fail_are_left_out_with_a_warning():
    X, Y = _regression(5)
    model = MultiTaskRegressorCV(
        ["trace_norm", "group_lasso"], alphas=4, cv=3, scoring=_failing_for_trace_norm
    )
    caught = _caught(lambda: model.fit(X, Y))
    failed = _of(FitFailedWarning, caught)
    assert len(failed) == 1
    assert (
        "penalty 'trace_norm': 3 of 3 folds failed, first fold 1 with "
        "RuntimeError: no score for this one"
    ) in str(failed[0].message)
    assert model.penalty_ == "group_lasso"
    assert np.all(np.isnan(model.scores_[0]))
    assert np.all(np.isfinite(model.scores_[1]))


def test_scores_nan_everywhere_are_an_error():
    X, Y = _regression(6)
    model = MultiTaskRegressorCV(alphas=3, cv=3, scoring=lambda *args: np.nan)
    with pytest.raises(ValueError, match="every held-out score is NaN"):
        model.fit(X, Y)


# --------------------------------------------------------------------------
# 4. Labels of different types in different tasks


def test_tasks_labelled_with_different_types_are_cross_validated():
    X, Y = _classification(7, n_samples=90)
    rng = np.random.default_rng(7)
    Y[:, 2] = 0
    Y[rng.choice(90, 9, replace=False), 2] = 1  # the rarest class
    mixed = pd.DataFrame(
        {"answer": np.where(Y[:, 0] == 1, "yes", "no"), "b": Y[:, 1], "c": Y[:, 2]}
    )
    params = dict(alphas=3, tol=1e-8)
    model = MultiTaskClassifierCV(cv=3, **params).fit(X, mixed)
    assert set(model.predict(X)[:, 0]) <= {"no", "yes"}
    numeric = MultiTaskClassifierCV(cv=3, **params).fit(X, Y)
    np.testing.assert_allclose(model.scores_, numeric.scores_, rtol=0, atol=1e-12)
    # The folds are stratified by the task whose rarest class is rarest.
    folds = list(StratifiedKFold(3).split(X, Y[:, 2]))
    explicit = MultiTaskClassifierCV(cv=folds, **params).fit(X, Y)
    np.testing.assert_array_equal(numeric.scores_, explicit.scores_)


def test_a_rare_class_stays_in_every_training_fold():
    X, Y = _classification(8, n_samples=60)
    Y[:, 1] = 0
    Y[-4:, 1] = 1  # unshuffled k-fold would put all four in one test fold
    caught = _caught(lambda: MultiTaskClassifierCV(alphas=3, cv=3).fit(X, Y))
    assert not [w for w in caught if "single class" in str(w.message)]


# --------------------------------------------------------------------------
# 5. Options of the search, each checked with what to pass


BAD_OPTIONS = [
    ({"alphas": 0}, "alphas must be a positive integer, got 0. It is the number"),
    ({"alphas": "many"}, "alphas must be a positive integer or a non-empty array"),
    ({"alphas": [0.1, -1.0]}, "(e.g. alphas=20) or the values themselves"),
    ({"alphas": []}, "alphas must be a positive integer or a non-empty array"),
    ({"eps": 0.0}, "eps must be in (0, 1), got 0.0. It is the ratio of the"),
    ({"eps": True}, "eps must be in (0, 1), got True. It is the ratio"),
    ({"eps": "small"}, "eps must be in (0, 1), got 'small'."),
    (
        {"cv": 1},
        "cv=1: k-fold cross-validation requires at least one train/test split, "
        "so at least 2 folds. Pass cv=5",
    ),
    ({"cv": "5"}, "cv must be None (5 folds), an integer >= 2 (the number of"),
    ({"cv": 2.5}, "cv must be None (5 folds), an integer >= 2"),
    ({"cv": True}, "cv must be None (5 folds), an integer >= 2"),
    ({"cv": []}, "cv=[] gave no (train, test) split; pass cv=5"),
    ({"n_jobs": 0}, "n_jobs must be None (one job unless a joblib context"),
    ({"n_jobs": 1.5}, "or a negative one (-1: all processors), got 1.5."),
    ({"n_jobs": "2"}, "n_jobs must be None"),
    ({"verbose": -1}, "verbose must be an integer >= 0, got -1: 0 prints nothing"),
    ({"verbose": "loud"}, "verbose must be an integer >= 0, got 'loud'"),
    (
        {"penalty": ["group_lasso", "l1"]},
        "penalty list, item 1: Unknown penalty 'l1'. Valid penalties are:",
    ),
    ({"penalty": ["lasso", None]}, "penalty list, item 1: Unknown penalty None."),
    ({"l2": -1.0}, "l2 must be >= 0.0, got -1.0. It is the strength of a ridge"),
    ({"l2": "x"}, "l2 must be a finite real number, got 'x'. It is the strength"),
    ({"l2": np.nan}, "l2 must be a finite real number, got nan."),
]


@pytest.mark.parametrize(
    ("options", "message"), BAD_OPTIONS, ids=[str(o) for o, _ in BAD_OPTIONS]
)
@pytest.mark.parametrize("CVEstimator", CV, ids=lambda c: c.__name__)
def test_bad_search_options_say_what_to_pass(CVEstimator, options, message):
    X, Y = _classification(9, n_samples=30)
    with pytest.raises(ValueError, match=re.escape(message)):
        CVEstimator(**options).fit(X, Y)


# --------------------------------------------------------------------------
# 6. Rows by position, with public APIs only


def test_no_private_scikit_learn_import():
    root = Path(skmtl.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules, names = [node.module], [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                modules, names = [alias.name for alias in node.names], []
            else:
                continue
            for module in modules:
                if module.split(".")[0] != "sklearn":
                    continue
                parts = module.split(".") + names
                if any(part.startswith("_") for part in parts):
                    found.append(f"{path.relative_to(root)}: {module} {names}")
    assert not found


def _containers():
    values = np.arange(12.0).reshape(6, 2)
    yield "ndarray", values
    yield "list", values.tolist()
    yield "coo", sp.coo_matrix(values)
    yield "csc", sp.csc_array(values)
    frame = pd.DataFrame(values, columns=["a", "b"], index=[10, 3, 7, 1, 0, 2])
    yield "pandas", frame
    yield "pandas series", frame["a"]
    polars = pytest.importorskip("polars")
    yield "polars", polars.DataFrame({"a": values[:, 0], "b": values[:, 1]})
    yield "polars series", polars.Series("a", values[:, 0])
    pyarrow = pytest.importorskip("pyarrow")
    yield "pyarrow", pyarrow.table({"a": values[:, 0], "b": values[:, 1]})


def test_take_rows_selects_by_position_and_keeps_the_kind():
    rows = np.array([4, 0, 4, 2])
    expected = np.arange(12.0).reshape(6, 2)[rows]
    for name, data in _containers():
        taken = take_rows(data, rows)
        if sp.issparse(data):
            taken = taken.toarray()
        elif hasattr(taken, "to_numpy"):
            assert type(taken) is type(data), name
            taken = taken.to_numpy()
        elif hasattr(taken, "to_pydict"):  # pyarrow
            taken = np.column_stack(list(taken.to_pydict().values()))
        taken = np.asarray(taken)
        want = expected if taken.ndim == 2 else expected[:, 0]
        np.testing.assert_array_equal(taken, want, err_msg=name)
    assert take_rows(None, rows) is None


def test_dataframes_with_any_index_give_the_scores_of_arrays():
    X, Y = _regression(10)
    order = np.random.default_rng(10).permutation(X.shape[0])
    frame = pd.DataFrame(X, index=order * 3 + 5).add_prefix("x")
    targets = pd.DataFrame(Y, index=order)
    params = dict(alphas=4, cv=KFold(3), tol=1e-8)
    from_frames = MultiTaskRegressorCV(**params).fit(frame, targets)
    from_arrays = MultiTaskRegressorCV(**params).fit(X, Y)
    np.testing.assert_allclose(
        from_frames.scores_, from_arrays.scores_, rtol=0, atol=1e-8
    )
