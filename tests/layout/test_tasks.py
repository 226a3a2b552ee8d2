"""Tasks with their own samples: task column, missing targets, task weighting."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from _helpers import kkt_violations, melt, ridge_coef_atol
from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.metrics import (
    per_task_scores,
    pooled_explained_variance,
    pooled_explained_variance_scorer,
)
from skmtl.model_selection import TaskKFold

PENALTIES = ["group_lasso", "trace_norm", "lasso", "ridge"]
TIGHT = {"tol": 1e-14, "max_iter": 50_000}


def _coef_atol(penalty, alpha, *models):
    """Distance two converged fits may have, given their duality gaps: for ridge,
    the radius that its strong convexity gives (``ridge_coef_atol``); the norm
    penalties are compared at a fixed tolerance."""
    if penalty != "ridge":
        return 1e-8
    return ridge_coef_atol(alpha, [m.dual_gap_ for m in models], 1e-8)


def ragged_tasks(seed, n_tasks=4, n_features=5, sizes=(3, 8, 20, 40)):
    """Task-column data with tasks of very different sizes."""
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal((n_tasks, n_features))
    task = np.repeat(np.arange(n_tasks), sizes)
    X = rng.standard_normal((task.size, n_features)) + 1.0
    y = np.einsum("ij,ij->i", X, coef[task]) + task + rng.standard_normal(task.size)
    return np.column_stack([X, task]), y, task


# ---------------------------------------------------------------- equivalence
@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("sparse", [False, True])
def test_task_column_fit_equals_shared_fit_regression(penalty, sparse):
    X, Y, _ = make_multitask_regression(40, 6, 3, random_state=0)
    X = X + 2.0  # non-centred features exercise the per-task centring
    X_rows, y_rows = melt(X, Y)
    if sparse:
        X_rows = sp.csr_matrix(X_rows)
    shared = MultiTaskRegressor(penalty, alpha=0.05, **TIGHT).fit(X, Y)
    rows = MultiTaskRegressor(penalty, alpha=0.05, task_column=-1, **TIGHT)
    rows.fit(X_rows, y_rows)
    atol = _coef_atol(penalty, 0.05, shared, rows)
    np.testing.assert_allclose(rows.coef_, shared.coef_, atol=atol)
    np.testing.assert_allclose(rows.intercept_, shared.intercept_, atol=atol)
    expected = np.concatenate([shared.predict(X)[:, t] for t in range(Y.shape[1])])
    np.testing.assert_allclose(rows.predict(X_rows), expected, atol=100 * atol)


@pytest.mark.parametrize("penalty", PENALTIES)
def test_task_column_fit_equals_shared_fit_classification(penalty):
    X, Y, _ = make_multitask_classification(
        60, 5, 3, n_classes=[2, 3, 2], random_state=1
    )
    X_rows, y_rows = melt(X, Y)
    shared = MultiTaskClassifier(penalty, alpha=0.02, **TIGHT).fit(X, Y)
    rows = MultiTaskClassifier(penalty, alpha=0.02, task_column=-1, **TIGHT)
    rows.fit(X_rows, y_rows)
    np.testing.assert_allclose(rows.coef_, shared.coef_, atol=1e-6)
    proba = rows.predict_proba(X_rows)
    for t, shared_proba in enumerate(shared.predict_proba(X)):
        labels = shared.classes_[t]
        block = proba[t * 60 : (t + 1) * 60][:, np.searchsorted(rows.classes_, labels)]
        np.testing.assert_allclose(block, shared_proba, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_alpha_max_is_the_same_in_both_layouts():
    X, Y, _ = make_multitask_regression(30, 5, 3, random_state=2)
    X_rows, y_rows = melt(X, Y)
    for penalty in ["group_lasso", "trace_norm", "lasso"]:
        shared = alpha_max(X, Y, penalty=penalty)
        rows = alpha_max(X_rows, y_rows, penalty=penalty, task_column=-1)
        assert rows == pytest.approx(shared, rel=1e-12)


# ----------------------------------------------------------------------- KKT
def _task_gradient(X, y, task, coef, intercept, weights, loss):
    """Gradient of sum_i w_i loss(y_i, x_i . W_t + b_t) in W (d, T) and b (T,)."""
    scores = np.einsum("ij,ij->i", X, coef[task]) + intercept[task]
    if loss == "squared":
        residual = scores - y
    else:
        residual = 1.0 / (1.0 + np.exp(-scores)) - y
    n_tasks = coef.shape[0]
    grad_W = np.zeros((X.shape[1], n_tasks))
    for t in range(n_tasks):
        rows = task == t
        grad_W[:, t] = X[rows].T @ (weights[rows] * residual[rows])
    grad_b = np.bincount(task, weights=weights * residual, minlength=n_tasks)
    return grad_W, grad_b


def _assert_kkt(penalty, W, G, alpha, atol):
    stationarity, excess, _ = kkt_violations(penalty, alpha, W, G)
    assert stationarity <= atol, (stationarity, atol)
    assert excess <= atol, (excess, atol)


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("task_weighting", ["observations", "tasks"])
@pytest.mark.parametrize("loss", ["squared", "log_loss"])
def test_kkt_in_task_column_layout(penalty, task_weighting, loss):
    X_rows, y, task = ragged_tasks(seed=3)
    if loss == "log_loss":
        medians = np.array([np.median(y[task == t]) for t in range(task.max() + 1)])
        y = (y > medians[task]).astype(float)
        estimator = MultiTaskClassifier
    else:
        estimator = MultiTaskRegressor
    top = (
        1.0
        if penalty == "ridge"
        else alpha_max(
            X_rows, y, penalty=penalty, loss=loss, task_column=-1,
            task_weighting=task_weighting,
        )
    )  # fmt: skip
    alpha = 0.2 * top
    model = estimator(
        penalty, alpha, task_column=-1, task_weighting=task_weighting, **TIGHT
    ).fit(X_rows, y)
    assert np.any(model.coef_ != 0)
    # The documented weights: observations -> T / N each; tasks -> 1 / n_t.
    n_tasks = task.max() + 1
    if task_weighting == "observations":
        weights = np.full(task.size, n_tasks / task.size)
    else:
        weights = 1.0 / np.bincount(task)[task]
    G, g_b = _task_gradient(
        X_rows[:, :-1], y, task, model.coef_, model.intercept_, weights, loss
    )
    # A relative gap of 1e-12 (about 1e-11 here) bounds the optimality residual
    # by about sqrt(2 L gap), L ~ 10 with these row weights: 1e-5.
    atol = 1e-5
    np.testing.assert_allclose(g_b, 0.0, atol=atol)
    _assert_kkt(penalty, model.coef_.T, G, alpha, atol=atol)


def test_task_weighting_changes_the_fit_only_with_unequal_tasks():
    X_rows, y, _ = ragged_tasks(seed=4)
    by_obs = MultiTaskRegressor(alpha=0.05, task_column=-1, **TIGHT).fit(X_rows, y)
    by_task = MultiTaskRegressor(
        alpha=0.05, task_column=-1, task_weighting="tasks", **TIGHT
    ).fit(X_rows, y)
    assert np.abs(by_obs.coef_ - by_task.coef_).max() > 1e-3
    X, Y, _ = make_multitask_regression(30, 5, 3, random_state=4)
    X_rows, y_rows = melt(X, Y)
    equal = [
        MultiTaskRegressor(alpha=0.05, task_column=-1, task_weighting=w, **TIGHT)
        .fit(X_rows, y_rows)
        .coef_
        for w in ("observations", "tasks")
    ]
    np.testing.assert_allclose(equal[0], equal[1], atol=1e-10)


# ---------------------------------------------------------- missing targets
def test_masked_targets_are_ignored_whatever_their_value():
    X, Y, _ = make_multitask_regression(50, 6, 3, random_state=5)
    mask = np.zeros_like(Y, dtype=bool)
    mask[::3, 1] = mask[::4, 2] = True
    Y_nan = np.where(mask, np.nan, Y)
    masked = MultiTaskRegressor(alpha=0.05, missing_targets="ignore", **TIGHT)
    masked.fit(X, Y_nan)
    # Same fit as the task-column layout without the masked rows...
    X_rows, y_rows = melt(X, Y_nan)
    keep = ~np.isnan(y_rows)
    rows = MultiTaskRegressor(alpha=0.05, task_column=-1, **TIGHT)
    rows.fit(X_rows[keep], y_rows[keep])
    np.testing.assert_allclose(masked.coef_, rows.coef_, atol=1e-9)
    # ...and the values behind the mask do not matter: a row with every target
    # missing is ignored.
    Y_other = np.where(mask, 1e6, Y)
    Y_other[0] = np.nan
    Y_nan[0] = np.nan
    a = MultiTaskRegressor(alpha=0.05, missing_targets="ignore", **TIGHT).fit(X, Y_nan)
    b = MultiTaskRegressor(alpha=0.05, missing_targets="ignore", **TIGHT).fit(
        X, np.where(mask, np.nan, Y_other)
    )
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-12)


def test_missing_labels_in_classification():
    X, Y, _ = make_multitask_classification(80, 4, 2, n_informative=2, random_state=6)
    Y = Y.astype(object)
    Y[::5, 0] = None
    Y[::7, 1] = np.nan
    clf = MultiTaskClassifier(missing_targets="ignore").fit(X, Y)
    assert clf.predict(X).shape == (80, 2)
    with pytest.raises(ValueError, match="missing_targets='ignore'"):
        MultiTaskClassifier().fit(X, Y)


def test_nan_in_y_is_an_error_by_default_and_says_how_to_opt_in():
    X, Y, _ = make_multitask_regression(20, 3, 2, n_informative=2, random_state=0)
    Y[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing_targets='ignore'"):
        MultiTaskRegressor().fit(X, Y)


def test_nan_in_x_stays_an_error_with_missing_targets():
    X, Y, _ = make_multitask_regression(20, 3, 2, n_informative=2, random_state=0)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MultiTaskRegressor(missing_targets="ignore").fit(X, Y)


def test_task_with_no_observed_target_is_an_error():
    X, Y, _ = make_multitask_regression(20, 3, 2, n_informative=2, random_state=0)
    Y[:, 1] = np.nan
    with pytest.raises(ValueError, match="no observation"):
        MultiTaskRegressor(missing_targets="ignore").fit(X, Y)


# ------------------------------------------------------------ task labels
def test_string_task_labels_in_a_dataframe_and_feature_names():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "x1": rng.standard_normal(60),
            "school": rng.choice(["north", "south", "east"], 60),
            "x2": rng.standard_normal(60),
        }
    )
    y = frame.x1 + rng.standard_normal(60)
    model = MultiTaskRegressor(task_column="school").fit(frame, y)
    assert list(model.tasks_) == ["east", "north", "south"]
    assert list(model.feature_names_in_) == ["x1", "school", "x2"]
    assert model.n_features_in_ == 3 and model.coef_.shape == (3, 2)
    by_position = MultiTaskRegressor(task_column=1).fit(frame, y)
    np.testing.assert_allclose(by_position.coef_, model.coef_)
    np.testing.assert_allclose(model.predict(frame), by_position.predict(frame))


def test_unseen_task_is_an_error_or_the_mean_task():
    X_rows, y, _ = ragged_tasks(seed=8)
    model = MultiTaskRegressor(task_column=-1).fit(X_rows, y)
    new = X_rows[:2].copy()
    new[:, -1] = 99
    with pytest.raises(ValueError, match=r"tasks not seen in fit: \['99.0'\]"):
        model.predict(new)
    mean_model = MultiTaskRegressor(task_column=-1, unknown_task="mean").fit(X_rows, y)
    expected = (
        new[:, :-1] @ mean_model.coef_.mean(axis=0) + mean_model.intercept_.mean()
    )
    np.testing.assert_allclose(mean_model.predict(new), expected)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0, 1, np.nan, 1] * 5, dtype=object), "missing values"),
        (np.array([0, "a", 1, "b"] * 5, dtype=object), "mutually comparable"),
    ],
)
def test_bad_task_labels(labels, message):
    rng = np.random.default_rng(9)
    X = np.column_stack([rng.standard_normal((20, 2)), labels]).astype(object)
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor(task_column=2).fit(X, rng.standard_normal(20))


def test_bad_task_column():
    X = np.zeros((10, 3))
    with pytest.raises(ValueError, match="out of range"):
        MultiTaskRegressor(task_column=5).fit(X, np.zeros(10))
    with pytest.raises(ValueError, match="integer position"):
        MultiTaskRegressor(task_column="school").fit(X, np.zeros(10))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    with pytest.raises(ValueError, match="'school' is not a column of X"):
        MultiTaskRegressor(task_column="school").fit(frame, np.zeros(10))
    with pytest.raises(ValueError, match="y must be 1-D"):
        MultiTaskRegressor(task_column=0).fit(X, np.zeros((10, 2)))


def test_single_class_task_is_an_error():
    X_rows, y, task = ragged_tasks(seed=10)
    labels = np.where(y > np.median(y), "hi", "lo")
    labels[task == 0] = "hi"
    with pytest.raises(ValueError, match="single class"):
        MultiTaskClassifier(task_column=-1, single_class_tasks="error").fit(
            X_rows, labels
        )


@pytest.mark.parametrize(
    "option", ["task_weighting", "missing_targets", "unknown_task"]
)
def test_unknown_option_values_list_the_valid_ones(option):
    X, Y, _ = make_multitask_regression(20, 3, 2, n_informative=2, random_state=0)
    with pytest.raises(ValueError, match=f"{option} must be one of"):
        MultiTaskRegressor(**{option: "bogus"}).fit(X, Y)


# ---------------------------------------------------- splitter and scoring
def test_task_kfold_keeps_every_task_in_every_training_fold():
    task = np.repeat(np.arange(6), [1, 2, 3, 5, 8, 13])
    X = np.column_stack([np.zeros(task.size), task])
    cv = TaskKFold(n_splits=4, task_column=1, shuffle=True, random_state=0)
    seen_in_test = []
    for train, test in cv.split(X):
        assert set(task[train]) == set(task)
        assert not set(train) & set(test)
        seen_in_test.append(test)
    tested = np.concatenate(seen_in_test)
    # Every row of a task with >= 2 rows is tested exactly once; singletons never.
    assert sorted(tested) == sorted(np.flatnonzero(task != 0))
    sizes = [len(t) for t in seen_in_test]
    assert max(sizes) - min(sizes) <= 1
    groups_cv = TaskKFold(n_splits=4, shuffle=True, random_state=0)
    for (a, b), (c, d) in zip(
        cv.split(X), groups_cv.split(X, groups=task), strict=True
    ):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_task_kfold_bad_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        TaskKFold(n_splits=1)
    with pytest.raises(ValueError, match="groups"):
        list(TaskKFold(3).split(np.zeros((6, 2))))


def test_grid_search_with_column_transformer_and_task_kfold():
    rng = np.random.default_rng(11)
    n = 200
    frame = pd.DataFrame(
        {
            "a": rng.standard_normal(n) * 5 + 3,
            "b": rng.standard_normal(n),
            "school": rng.choice(["s1", "s2", "s3", "s4"], n),
        }
    )
    y = frame.a * np.where(frame.school == "s1", 1.0, 2.0) + rng.standard_normal(n)
    scale = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = Pipeline(
        [("scale", scale), ("mtl", MultiTaskRegressor(task_column="school"))]
    )
    cv = TaskKFold(n_splits=4, task_column="school", shuffle=True, random_state=0)
    search = GridSearchCV(
        pipe,
        {"mtl__alpha": [0.01, 0.1], "mtl__penalty": ["group_lasso", "trace_norm"]},
        cv=cv,
        scoring=pooled_explained_variance_scorer,
    ).fit(frame, y)
    assert search.best_score_ > 0.9
    scores = cross_val_score(pipe, frame, y, cv=cv)
    assert np.all(scores > 0.9)
    per_task = per_task_scores(search.best_estimator_, frame, y)
    assert sorted(per_task) == ["s1", "s2", "s3", "s4"]


def test_pooled_explained_variance():
    rng = np.random.default_rng(12)
    Y = rng.standard_normal((30, 3))
    P = Y + 0.1 * rng.standard_normal((30, 3))
    expected = 1 - np.mean((Y - P) ** 2) / np.var(Y)
    assert pooled_explained_variance(Y, P) == pytest.approx(expected)
    Y[0, 0] = np.nan
    observed = ~np.isnan(Y)
    expected = 1 - np.mean((Y[observed] - P[observed]) ** 2) / np.var(Y[observed])
    assert pooled_explained_variance(Y, P) == pytest.approx(expected)
    with pytest.raises(ValueError, match="shape"):
        pooled_explained_variance(Y, P[:, :2])
