"""penalty="auto", the searched intercept strengths and the built-in baselines."""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skmtl import (
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from skmtl.model_selection import TaskKFold

T, D = 6, 4


def _task_rows(seed, n=240, spread=1.0, classification=False):
    """Rows of T tasks with related slopes and intercepts (task label first)."""
    rng = np.random.default_rng(seed)
    task = rng.integers(0, T, n)
    X = rng.standard_normal((n, D))
    coef = rng.standard_normal(D) + 0.3 * rng.standard_normal((T, D))
    score = np.einsum("ij,ij->i", X, coef[task]) + spread * rng.standard_normal(T)[task]
    if classification:
        y = (score + rng.logistic(size=n) > 0).astype(int)
    else:
        y = score + rng.standard_normal(n)
    return np.column_stack([task, X]), y


def _quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit()


@pytest.fixture(scope="module")
def auto_fit():
    X, y = _task_rows(0)
    model = MultiTaskRegressorCV(penalty="auto", task_column=0, alphas=5, cv=3)
    return _quiet(lambda: model.fit(X, y)), X, y


def test_auto_never_loses_to_a_baseline_in_cv(auto_fit):
    model, _, _ = auto_fit
    assert set(model.baseline_scores_) == {"independent", "pooled", "random_intercept"}
    # The baselines are points of the searched family: the choice is at least
    # as good as each of them, on the same folds.
    assert model.best_score_ >= max(model.baseline_scores_.values())
    results = model.cv_results_
    splits = np.column_stack([results[f"split{k}_test_score"] for k in range(3)])

    def row(params):
        return next(
            i for i, p in enumerate(results["params"])
            if p["alpha"] == params["alpha"]
            and repr(p["penalty"]) == repr(params["penalty"])
            and p["intercept_shrinkage"] == params["intercept_shrinkage"]
        )  # fmt: skip

    chosen = row({
        "penalty": model.penalty_, "alpha": model.alpha_,
        "intercept_shrinkage": model.intercept_shrinkage_,
    })  # fmt: skip
    best_baseline = max(model.baseline_scores_, key=model.baseline_scores_.get)
    baseline = row(model.baseline_params_[best_baseline])
    best = int(
        np.nanargmax(np.where(results["eligible"], results["mean_test_score"], np.nan))
    )
    gain = splits[best] - splits[baseline]
    significant = gain.mean() > gain.std(ddof=1) / np.sqrt(3)
    # The best structure is kept when its paired gain over the best baseline
    # exceeds one standard error; else the baseline is.
    assert chosen == (best if significant else baseline)


def test_cv_results_are_a_consistent_table(auto_fit):
    model, _, _ = auto_fit
    results = model.cv_results_
    n_rows = len(results["params"])
    splits = np.column_stack([results[f"split{k}_test_score"] for k in range(3)])
    assert splits.shape == (n_rows, 3)
    np.testing.assert_allclose(results["mean_test_score"], splits.mean(axis=1))
    best = results["rank_test_score"] == 1
    assert np.all(
        results["mean_test_score"][best] == np.nanmax(results["mean_test_score"])
    )
    for key in ("param_penalty", "param_alpha", "param_intercept_shrinkage"):
        assert len(results[key]) == n_rows
    # The first stage searched free and shared intercepts, and the pooled
    # model with one intercept.
    gammas = set(results["param_intercept_shrinkage"].tolist())
    assert 0.0 in gammas and np.inf in gammas and len(gammas) >= 4


def test_baseline_params_refit_the_baselines(auto_fit):
    model, X, y = auto_fit
    pooled = MultiTaskRegressor(**model.baseline_params_["pooled"], task_column=0)
    pooled.fit(X, y)
    # One model for every row: the same coefficients and intercept per task.
    np.testing.assert_allclose(pooled.coef_, np.tile(pooled.coef_[0], (T, 1)))
    np.testing.assert_allclose(pooled.intercept_, pooled.intercept_[0])
    independent = model.baseline_params_["independent"]
    assert independent["penalty"] == "ridge"
    assert independent["intercept_shrinkage"] == 0.0


def test_task_scores_cover_the_choice_and_the_baselines(auto_fit):
    model, _, _ = auto_fit
    assert set(model.task_scores_) == {"chosen", *model.baseline_scores_}
    for scores in model.task_scores_.values():
        assert scores.shape == (T,)
        assert np.isfinite(scores).sum() >= T - 1


def test_given_penalties_report_the_baselines_without_choosing_them():
    X, y = _task_rows(1)
    model = MultiTaskRegressorCV(
        penalty=["lasso", "group_lasso"], task_column=0, alphas=5, cv=3
    )
    model = _quiet(lambda: model.fit(X, y))
    assert model.penalty_ in ("lasso", "group_lasso")
    assert list(model.penalties_) == ["lasso", "group_lasso"]
    assert model.scores_.shape == (2, 5, 3)
    assert set(model.baseline_scores_) == {"independent", "pooled", "random_intercept"}
    baseline_rows = model.cv_results_["baseline"] != ""
    assert (
        baseline_rows.any() and not model.cv_results_["eligible"][baseline_rows].any()
    )
    quiet = MultiTaskRegressorCV(
        penalty="lasso", task_column=0, alphas=5, cv=3, baselines=False
    )
    quiet = _quiet(lambda: quiet.fit(X, y))
    assert quiet.baseline_scores_ == {}
    assert not (quiet.cv_results_["baseline"] != "").any()


def test_searched_intercept_strengths_score_as_grid_search():
    X, y = _task_rows(2, spread=2.0)
    folds = list(TaskKFold(3, task_column=0).split(X, y))
    alphas = [1.0, 0.1, 0.01]
    gammas = [0.0, 0.5, np.inf]
    model = MultiTaskRegressorCV(
        penalty="ridge", intercept_shrinkage=gammas, alphas=alphas, cv=folds,
        task_column=0, baselines=False, tol=1e-10, max_iter=10000,
    ).fit(X, y)  # fmt: skip
    grid = GridSearchCV(
        MultiTaskRegressor(penalty="ridge", task_column=0, tol=1e-10, max_iter=10000),
        {"alpha": alphas, "intercept_shrinkage": gammas},
        cv=folds,
    ).fit(X, y)
    ours = {
        (p["alpha"], p["intercept_shrinkage"]): score
        for p, score in zip(
            model.cv_results_["params"],
            model.cv_results_["mean_test_score"],
            strict=True,
        )
    }
    for params, score in zip(
        grid.cv_results_["params"], grid.cv_results_["mean_test_score"], strict=True
    ):
        key = (params["alpha"], params["intercept_shrinkage"])
        assert ours[key] == pytest.approx(score, rel=1e-6)
    assert model.intercept_shrinkage_ == grid.best_params_["intercept_shrinkage"]


def test_auto_skips_what_multiclass_tasks_cannot_take_and_says_so():
    X, y = _task_rows(3, classification=True)
    labels = y.copy()
    first = X[:, 0] == 0
    labels[first] = np.arange(first.sum()) % 3  # task 0: three classes
    model = MultiTaskClassifierCV(penalty="auto", task_column=0, alphas=3, cv=3)
    with pytest.warns(UserWarning, match="skipped the task graphs, the pooled model"):
        model.fit(X, labels)
    assert model.intercept_shrinkage_ == 0.0
    assert model.baseline_scores_.keys() == {"independent"}


def test_auto_with_a_single_task_says_so():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((80, D))
    y = X @ rng.standard_normal(D) + rng.standard_normal(80)
    model = MultiTaskRegressorCV(penalty="auto", alphas=3, cv=3)
    with pytest.warns(UserWarning, match="a single task: nothing to share"):
        model.fit(X, y)
    assert model.predict(X).shape == (80,)


def test_auto_classifier_with_shared_intercepts():
    X, y = _task_rows(5, classification=True, spread=1.5)
    model = MultiTaskClassifierCV(
        penalty="auto", task_column=0, alphas=4, cv=3, scoring="roc_auc"
    )
    model = _quiet(lambda: model.fit(X, y))
    assert model.best_score_ >= max(model.baseline_scores_.values())
    proba = model.predict_proba(X)
    assert proba.shape == (X.shape[0], 2)


@pytest.mark.parametrize(
    "value, message",
    [
        (-1.0, "intercept_shrinkage must be None, 'auto'"),
        ([0.0, "x"], "intercept_shrinkage must be None, 'auto'"),
        ([], "must not be an empty list"),
    ],
)
def test_bad_intercept_strengths_say_what_to_pass(value, message):
    X, y = _task_rows(6)
    model = MultiTaskRegressorCV(intercept_shrinkage=value, task_column=0)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)


def test_bad_baselines_flag():
    X, y = _task_rows(7)
    with pytest.raises(ValueError, match="baselines must be True or False"):
        MultiTaskRegressorCV(baselines="yes", task_column=0).fit(X, y)
