"""The CV estimators: the same choice and scores as GridSearchCV, and their API.

``MultiTaskRegressorCV`` and ``MultiTaskClassifierCV`` solve each training
fold as one warm-started path; ``GridSearchCV`` over the plain estimators
fits every (alpha, fold) from scratch. Solved tightly, both reach the same
optima, hence the same held-out scores and the same choice.
"""

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, KFold

from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    alpha_max,
)
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.metrics import neg_log_loss_scorer
from skmtl.model_selection import TaskKFold

# Tight enough that a path and cold fits agree on the held-out scores.
TIGHT = {"tol": 1e-12, "max_iter": 20_000}
SCORE_ATOL = 1e-6


def _kfold():
    return KFold(5, shuffle=True, random_state=0)


def _regression(seed=0, n_samples=80, n_features=15, n_tasks=3):
    X, Y, _ = make_multitask_regression(
        n_samples, n_features, n_tasks, n_informative=3, bias=1.0, random_state=seed
    )
    return X, Y


def _classification(seed=0, n_samples=100, n_features=10, n_tasks=3):
    X, Y, _ = make_multitask_classification(
        n_samples, n_features, n_tasks, n_informative=3, random_state=seed
    )
    return X, Y


def _grid_search(estimator, param_grid, X, Y, **kwargs):
    return GridSearchCV(estimator, param_grid, cv=_kfold(), **kwargs).fit(X, Y)


# --------------------------------------------------------------------------
# 1. Same choice and scores as GridSearchCV


@pytest.mark.parametrize("alphas", [8, "given"])
def test_regressor_cv_matches_grid_search(alphas):
    X, Y = _regression()
    if alphas == "given":
        top = alpha_max(X, Y)
        alphas = top * np.array([0.02, 0.5, 0.1, 0.005, 0.2, 0.05])
    model = MultiTaskRegressorCV(alphas=alphas, cv=_kfold(), **TIGHT).fit(X, Y)
    if not isinstance(alphas, int):  # used as given, sorted decreasing
        np.testing.assert_array_equal(model.alphas_, [np.sort(alphas)[::-1]])
    search = _grid_search(
        MultiTaskRegressor(**TIGHT), {"alpha": model.alphas_[0]}, X, Y
    )
    mean = model.scores_[0].mean(axis=1)
    np.testing.assert_allclose(
        mean, search.cv_results_["mean_test_score"], rtol=0, atol=SCORE_ATOL
    )
    assert model.alpha_ == search.best_params_["alpha"]
    assert model.best_score_ == pytest.approx(search.best_score_, abs=SCORE_ATOL)
    # A real choice: the best alpha is inside the grid, not at an end.
    assert 0 < np.argmax(mean) < mean.size - 1
    np.testing.assert_allclose(model.coef_, search.best_estimator_.coef_, atol=1e-6)


def test_classifier_cv_matches_grid_search():
    X, Y = _classification()
    model = MultiTaskClassifierCV(alphas=6, cv=_kfold(), **TIGHT).fit(X, Y)
    # The default held-out score is the mean per-task log loss, negated.
    search = _grid_search(
        MultiTaskClassifier(**TIGHT),
        {"alpha": model.alphas_[0]},
        X,
        Y,
        scoring=neg_log_loss_scorer,
    )
    mean = model.scores_[0].mean(axis=1)
    np.testing.assert_allclose(
        mean, search.cv_results_["mean_test_score"], rtol=0, atol=SCORE_ATOL
    )
    assert model.alpha_ == search.best_params_["alpha"]
    assert 0 < np.argmax(mean) < mean.size - 1
    fold_model = MultiTaskClassifier(alpha=model.alpha_, **TIGHT)
    train, test = next(_kfold().split(X))
    fold_model.fit(X[train], Y[train])
    proba = fold_model.predict_proba(X[test])
    log_loss = np.mean(
        [
            -np.log(p[np.arange(len(test)), Y[test, t]]).mean()
            for t, p in enumerate(proba)
        ]
    )
    k = int(np.argmax(mean))
    assert model.scores_[0, k, 0] == pytest.approx(-log_loss, abs=1e-9)
    # With scoring="accuracy", the estimator's score (mean accuracy over tasks).
    by_accuracy = MultiTaskClassifierCV(
        alphas=model.alphas_[0], cv=_kfold(), scoring="accuracy", **TIGHT
    ).fit(X, Y)
    default_scoring = _grid_search(
        MultiTaskClassifier(**TIGHT), {"alpha": model.alphas_[0]}, X, Y
    )
    np.testing.assert_allclose(
        by_accuracy.scores_[0].mean(axis=1),
        default_scoring.cv_results_["mean_test_score"],
        rtol=0,
        atol=SCORE_ATOL,
    )


def test_penalty_list_matches_grid_search():
    X, Y = _regression(1)
    penalties = ["group_lasso", "trace_norm"]
    model = MultiTaskRegressorCV(penalties, alphas=5, cv=_kfold(), **TIGHT).fit(X, Y)
    assert model.alphas_.shape == (2, 5)
    # Each penalty has its own grid, from its own alpha_max.
    for name, alphas in zip(penalties, model.alphas_, strict=True):
        assert alphas[0] == alpha_max(X, Y, penalty=name)
    assert model.alphas_[0, 0] != model.alphas_[1, 0]
    grid = [
        {"penalty": [name], "alpha": alphas}
        for name, alphas in zip(penalties, model.alphas_, strict=True)
    ]
    search = _grid_search(MultiTaskRegressor(**TIGHT), grid, X, Y)
    expected = search.cv_results_["mean_test_score"].reshape(2, 5)
    for p in range(2):  # per penalty, in the order of its grid
        np.testing.assert_allclose(
            model.scores_[p].mean(axis=1), expected[p], rtol=0, atol=SCORE_ATOL
        )
    assert model.penalty_ == search.best_params_["penalty"]
    assert model.alpha_ == search.best_params_["alpha"]


def test_scoring_string_matches_grid_search():
    X, Y = _regression(2)
    scoring = "neg_mean_squared_error"
    model = MultiTaskRegressorCV(alphas=6, cv=_kfold(), scoring=scoring, **TIGHT)
    model.fit(X, Y)
    search = _grid_search(
        MultiTaskRegressor(**TIGHT), {"alpha": model.alphas_[0]}, X, Y, scoring=scoring
    )
    assert np.all(model.scores_ < 0)
    np.testing.assert_allclose(
        model.scores_[0].mean(axis=1),
        search.cv_results_["mean_test_score"],
        rtol=1e-6,
    )
    assert model.alpha_ == search.best_params_["alpha"]
    # Not the default score (R^2) under another name.
    default = MultiTaskRegressorCV(alphas=6, cv=_kfold(), **TIGHT).fit(X, Y)
    assert not np.allclose(default.scores_, model.scores_)


# --------------------------------------------------------------------------
# 2. Attributes and delegation


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_fitted_attributes_and_delegation(kind):
    if kind == "regressor":
        X, Y = _regression(3)
        CV, Estimator = MultiTaskRegressorCV, MultiTaskRegressor
    else:
        X, Y = _classification(3)
        CV, Estimator = MultiTaskClassifierCV, MultiTaskClassifier
    penalties = ["group_lasso", "lasso"]
    model = CV(penalties, alphas=7, cv=4, tol=1e-6).fit(X, Y)
    assert model.alphas_.shape == (2, 7)
    assert np.all(np.diff(model.alphas_, axis=1) < 0)
    assert model.scores_.shape == (2, 7, 4)
    np.testing.assert_array_equal(model.penalties_, penalties)
    mean = model.scores_.mean(axis=2)
    assert model.best_score_ == mean.max()
    p, a = np.unravel_index(np.argmax(mean), mean.shape)
    assert model.penalty_ == penalties[p]
    assert model.alpha_ == model.alphas_[p, a]

    refit = model.estimator_
    assert isinstance(refit, Estimator)
    assert refit.alpha == model.alpha_ and refit.penalty == model.penalty_
    alone = Estimator(model.penalty_, model.alpha_, tol=1e-6).fit(X, Y)
    np.testing.assert_allclose(refit.coef_, alone.coef_, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.coef_, refit.coef_)
    np.testing.assert_array_equal(model.intercept_, refit.intercept_)
    assert model.n_features_in_ == X.shape[1]

    X_new = X[:7] + 0.1
    np.testing.assert_array_equal(model.predict(X_new), refit.predict(X_new))
    assert model.score(X, Y) == refit.score(X, Y)
    if kind == "classifier":
        for got, want in zip(
            model.predict_proba(X_new), refit.predict_proba(X_new), strict=True
        ):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(
            model.decision_function(X_new), refit.decision_function(X_new)
        )


def test_user_alphas_are_used_sorted_decreasing():
    X, Y = _regression(4)
    given = [0.01, 0.5, 0.1, 0.03]
    model = MultiTaskRegressorCV(alphas=given, cv=3, tol=1e-6).fit(X, Y)
    np.testing.assert_array_equal(model.alphas_, [[0.5, 0.1, 0.03, 0.01]])
    assert model.alpha_ in given
    assert model.scores_.shape == (1, 4, 3)


# --------------------------------------------------------------------------
# 3. Task column: TaskKFold by default, parallel folds


def _school_data(seed=5):
    """Rows of tasks of very different sizes, some tiny (1 to 3 rows)."""
    rng = np.random.default_rng(seed)
    sizes = [20, 16, 12, 3, 2, 1]
    school = np.repeat([f"s{t}" for t in range(len(sizes))], sizes)
    n_samples, n_features = school.size, 5
    features = rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal((len(sizes), n_features))
    task = np.repeat(np.arange(len(sizes)), sizes)
    y = np.einsum("ij,ij->i", features, coef[task]) + 0.3 * rng.standard_normal(
        n_samples
    )
    X = pd.DataFrame(features, columns=[f"x{j}" for j in range(n_features)])
    X["school"] = school
    order = rng.permutation(n_samples)  # tasks interleaved, as in real data
    return X.iloc[order].reset_index(drop=True), y[order]


def test_task_column_defaults_to_task_kfold():
    X, y = _school_data()
    params = dict(task_column="school", alphas=4, eps=0.05)
    model = MultiTaskRegressorCV(**params).fit(X, y)  # cv=None
    assert model.scores_.shape == (1, 4, 5)
    assert model.n_tasks_ == 6
    explicit = MultiTaskRegressorCV(cv=TaskKFold(5, task_column="school"), **params)
    np.testing.assert_array_equal(model.scores_, explicit.fit(X, y).scores_)
    # An integer cv also means TaskKFold with a task column.
    as_int = MultiTaskRegressorCV(cv=3, **params).fit(X, y)
    expected = MultiTaskRegressorCV(cv=TaskKFold(3, task_column="school"), **params)
    np.testing.assert_array_equal(as_int.scores_, expected.fit(X, y).scores_)
    # The data need it: plain k-fold leaves tiny tasks out of a training fold.
    with pytest.raises(ValueError, match="not seen in fit"):
        MultiTaskRegressorCV(cv=_kfold(), **params).fit(X, y)


def test_n_jobs_gives_identical_results():
    X, y = _school_data(6)
    params = dict(
        penalty=["group_lasso", "trace_norm"], task_column="school", alphas=4,
        eps=0.05, cv=3,
    )  # fmt: skip
    serial = MultiTaskRegressorCV(n_jobs=1, **params).fit(X, y)
    # Threads: the jobs share the process, so any state shared between the
    # (penalty, fold) jobs would show; and no process start-up to wait for.
    with parallel_config(backend="threading"):
        parallel = MultiTaskRegressorCV(n_jobs=2, **params).fit(X, y)
    np.testing.assert_array_equal(serial.scores_, parallel.scores_)
    np.testing.assert_array_equal(serial.alphas_, parallel.alphas_)
    assert serial.alpha_ == parallel.alpha_ and serial.penalty_ == parallel.penalty_
    np.testing.assert_array_equal(serial.coef_, parallel.coef_)


# --------------------------------------------------------------------------
# 4. Sample weights


@pytest.mark.parametrize("dropped_in", ["train", "train_and_test"])
def test_zero_weights_equal_removing_rows(dropped_in):
    X, Y = _regression(7, n_samples=70)
    rng = np.random.default_rng(7)
    drop = np.sort(rng.choice(X.shape[0], size=8, replace=False))
    keep = np.setdiff1d(np.arange(X.shape[0]), drop)
    X, Y = X.copy(), Y.copy()
    X[drop] *= 10.0  # wild rows: they must not matter
    Y[drop] += 50.0
    sample_weight = np.ones(X.shape[0])
    sample_weight[drop] = 0.0
    # Folds of the kept rows, and the same folds of all the rows: the dropped
    # rows in every training fold, and ("train_and_test") also in test folds.
    folds_kept = list(KFold(4, shuffle=True, random_state=1).split(keep))
    folds_full = []
    for k, (train, test) in enumerate(folds_kept):
        held_out = drop[k::4] if dropped_in == "train_and_test" else drop[:0]
        in_train = np.setdiff1d(drop, held_out)
        folds_full.append(
            (
                np.concatenate([keep[train], in_train]),
                np.concatenate([keep[test], held_out]),
            )
        )
    params = dict(penalty=["group_lasso", "ridge"], alphas=5, **TIGHT)
    weighted = MultiTaskRegressorCV(cv=folds_full, **params)
    weighted.fit(X, Y, sample_weight=sample_weight)
    removed = MultiTaskRegressorCV(cv=folds_kept, **params).fit(X[keep], Y[keep])
    np.testing.assert_allclose(weighted.alphas_, removed.alphas_, rtol=1e-10)
    # A zero weight removes a row from the held-out scores too.
    np.testing.assert_allclose(weighted.scores_, removed.scores_, rtol=0, atol=1e-6)
    assert weighted.alpha_ == pytest.approx(removed.alpha_, rel=1e-10)
    assert weighted.penalty_ == removed.penalty_
    np.testing.assert_allclose(weighted.coef_, removed.coef_, rtol=0, atol=1e-6)
    # Not a no-op: without the weights the wild rows change everything.
    unweighted = MultiTaskRegressorCV(cv=folds_full, **params).fit(X, Y)
    assert not np.allclose(unweighted.scores_, weighted.scores_, atol=1e-2)


def test_sample_weight_matches_grid_search():
    # GridSearchCV (scikit-learn >= 1.8 without metadata routing) passes
    # sample_weight to fit and to the scorer of the held-out fold.
    X, Y = _regression(8)
    sample_weight = np.random.default_rng(8).uniform(0.1, 5.0, size=X.shape[0])
    model = MultiTaskRegressorCV(alphas=6, cv=_kfold(), **TIGHT)
    model.fit(X, Y, sample_weight=sample_weight)
    search = GridSearchCV(
        MultiTaskRegressor(**TIGHT), {"alpha": model.alphas_[0]}, cv=_kfold()
    ).fit(X, Y, sample_weight=sample_weight)
    unweighted = MultiTaskRegressorCV(alphas=6, cv=_kfold(), **TIGHT).fit(X, Y)
    assert not np.allclose(unweighted.scores_, model.scores_, atol=1e-4)
    np.testing.assert_allclose(
        model.scores_[0].mean(axis=1),
        search.cv_results_["mean_test_score"],
        rtol=0,
        atol=SCORE_ATOL,
    )


# --------------------------------------------------------------------------
# 5. Errors


@pytest.mark.parametrize("CV", [MultiTaskRegressorCV, MultiTaskClassifierCV])
def test_errors(CV):
    X, Y = _classification(9, n_samples=40)
    with pytest.raises(ValueError, match="non-empty"):
        CV(penalty=[]).fit(X, Y)
    with pytest.raises(ValueError, match="Valid penalties are: 'group_lasso'"):
        CV(penalty=["group_lasso", "sparse_group"]).fit(X, Y)
    with pytest.raises(ValueError, match="alphas"):
        CV(alphas=0).fit(X, Y)
    with pytest.raises(ValueError, match="alphas"):
        CV(alphas=[0.1, -1.0]).fit(X, Y)
