"""Scores and scorers of multi-task models: per task, averaged, in model selection.

The scorers of ``skmtl.metrics`` must agree with scikit-learn's metric computed
task by task on the observed targets and averaged with the weights of
``task_weighting``; both layouts must give the same score on the same data;
missing targets are skipped (a row keeps its other targets); and the workflows
of issue 17 (``cross_val_score`` with NaN targets, AUC with a task column, the
CV classifiers' scoring) give finite, meaningful scores.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    log_loss,
    r2_score,
    roc_auc_score,
)
from sklearn.metrics import get_scorer as get_sklearn_scorer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    metrics,
)
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.model_selection import TaskKFold

TIGHT = {"tol": 1e-10, "max_iter": 20_000}
CLASSIFICATION = ["roc_auc", "log_loss", "accuracy", "balanced_accuracy"]


def _mixed_tasks(seed=0, n_samples=150, missing=0.2, strings=True):
    """``X, Y``: two binary tasks and a 3-class task, labels of two kinds.

    About ``missing`` of the targets are None (object ``Y``); with ``strings``
    the first task has string labels, the others integers.
    """
    X, Y, _ = make_multitask_classification(
        n_samples, 6, 3, n_classes=(2, 2, 3), n_informative=4, scale=2.0,
        random_state=seed,
    )  # fmt: skip
    Y = Y.astype(object)
    if strings:
        Y[:, 0] = np.where(Y[:, 0] == 1, "yes", "no")
    rng = np.random.default_rng(seed)
    Y[rng.random(Y.shape) < missing] = None
    return X, Y


def _observed(column):
    """Rows with a label, and the labels with their own dtype."""
    rows = np.array([value is not None for value in column])
    return rows, np.asarray(column[rows].tolist())


def _expected_mean(model, X, Y, metric, weighting, sample_weight=None):
    """scikit-learn's metric task by task, averaged with the stated weights."""
    proba = model.predict_proba(X)
    prediction = model.predict(X)
    scores, weights = [], []
    for t in range(Y.shape[1]):
        rows, truth = _observed(Y[:, t])
        w = None if sample_weight is None else sample_weight[rows]
        classes = model.task_classes_[t]
        if metric == "roc_auc":
            p = proba[t][rows]
            if classes.size == 2:
                score = roc_auc_score(truth, p[:, 1], sample_weight=w)
            else:
                score = roc_auc_score(truth, p, multi_class="ovr", sample_weight=w)
        elif metric == "log_loss":
            score = log_loss(truth, proba[t][rows], labels=classes, sample_weight=w)
        elif metric == "accuracy":
            truth_p = np.asarray(prediction[rows, t].tolist())
            score = accuracy_score(truth, truth_p, sample_weight=w)
        else:
            truth_p = np.asarray(prediction[rows, t].tolist())
            score = balanced_accuracy_score(truth, truth_p, sample_weight=w)
        scores.append(score)
        total = rows.sum() if w is None else w.sum()
        weights.append(total if weighting == "observations" else 1.0)
    return np.average(scores, weights=weights)


def _task_rows(X, Y):
    """The task-column layout of a shared ``X, Y``: a row per observed target."""
    frames, targets = [], []
    for t in range(Y.shape[1]):
        rows, _ = _observed(Y[:, t])
        frame = pd.DataFrame(X[rows], columns=[f"x{j}" for j in range(X.shape[1])])
        frame["task"] = t
        frames.append(frame)
        targets.append(Y[rows, t])
    return pd.concat(frames, ignore_index=True), np.concatenate(targets)


# --------------------------------------------------------------------------
# 1. Agreement with scikit-learn's metrics, task by task


@pytest.mark.parametrize("weighting", ["observations", "tasks"])
@pytest.mark.parametrize("metric", CLASSIFICATION)
def test_scorer_is_sklearns_metric_per_task_averaged_with_the_task_weights(
    metric, weighting
):
    X, Y = _mixed_tasks(0)
    model = MultiTaskClassifier(
        alpha=0.01, missing_targets="ignore", task_weighting=weighting
    ).fit(X[:100], Y[:100])
    X_test, Y_test = X[100:], Y[100:]
    expected = _expected_mean(model, X_test, Y_test, metric, weighting)
    scorer = metrics.get_scorer("neg_log_loss" if metric == "log_loss" else metric)
    sign = -1 if metric == "log_loss" else 1
    assert scorer(model, X_test, Y_test) == pytest.approx(sign * expected, rel=1e-12)
    # The two weightings differ here (the tasks observe different rows).
    other = "tasks" if weighting == "observations" else "observations"
    assert expected != pytest.approx(
        _expected_mean(model, X_test, Y_test, metric, other), rel=1e-9
    )
    # A scorer with its own weighting overrides the estimator's.
    fixed = metrics.MultiTaskScorer(metric, task_weighting=other)
    assert fixed(model, X_test, Y_test) == pytest.approx(
        sign * _expected_mean(model, X_test, Y_test, metric, other), rel=1e-12
    )


@pytest.mark.parametrize("metric", CLASSIFICATION)
def test_sample_weight_reaches_every_task_and_the_task_weights(metric):
    X, Y = _mixed_tasks(1)
    model = MultiTaskClassifier(missing_targets="ignore").fit(X[:100], Y[:100])
    weight = np.random.default_rng(1).uniform(0.2, 3.0, size=50)
    expected = _expected_mean(
        model, X[100:], Y[100:], metric, "observations", sample_weight=weight
    )
    score = metrics.mean_task_score(
        model, X[100:], Y[100:], metric=metric, sample_weight=weight
    )
    assert score == pytest.approx(expected, rel=1e-12)
    unweighted = metrics.mean_task_score(model, X[100:], Y[100:], metric=metric)
    assert score != pytest.approx(unweighted, rel=1e-9)


def test_multiclass_auc_is_one_vs_rest_macro():
    X, Y, _ = make_multitask_classification(
        120, 5, 2, n_classes=(3, 4), scale=2.0, random_state=3
    )
    model = MultiTaskClassifier().fit(X[:80], Y[:80])
    proba = model.predict_proba(X[80:])
    per_task = metrics.per_task_scores(model, X[80:], Y[80:], metric="roc_auc")
    for t in range(2):
        expected = roc_auc_score(Y[80:, t], proba[t], multi_class="ovr")
        assert per_task[t] == pytest.approx(expected, rel=1e-12)


def test_observation_weighting_is_the_pooled_accuracy_and_log_loss():
    X, Y = _mixed_tasks(2)
    model = MultiTaskClassifier(missing_targets="ignore").fit(X, Y)
    prediction, proba = model.predict(X), model.predict_proba(X)
    hits, losses = [], []
    for t in range(3):
        rows, truth = _observed(Y[:, t])
        hits.append(np.asarray(prediction[rows, t].tolist()) == truth)
        codes = np.searchsorted(model.task_classes_[t], truth)
        losses.append(-np.log(proba[t][rows][np.arange(rows.sum()), codes]))
    assert metrics.accuracy_scorer(model, X, Y) == pytest.approx(
        np.concatenate(hits).mean(), rel=1e-12
    )
    assert metrics.neg_log_loss_scorer(model, X, Y) == pytest.approx(
        -np.concatenate(losses).mean(), rel=1e-9
    )
    # The estimator's score is that accuracy (scikit-learn's convention).
    assert model.score(X, Y) == metrics.accuracy_scorer(model, X, Y)


# --------------------------------------------------------------------------
# 2. Missing targets are skipped; rows keep their other targets


def test_missing_targets_are_skipped_whatever_their_marker():
    X, Y = _mixed_tasks(4)
    model = MultiTaskClassifier(missing_targets="ignore").fit(X, Y)
    as_nan = Y.copy()
    as_nan[as_nan == None] = np.nan  # noqa: E711 (elementwise on an object array)
    frame = pd.DataFrame(Y).astype(object).where(pd.DataFrame(Y).notna(), pd.NA)
    for metric in CLASSIFICATION:
        reference = metrics.mean_task_score(model, X, Y, metric=metric)
        assert np.isfinite(reference)
        for other in (as_nan, frame):
            score = metrics.mean_task_score(model, X, other, metric=metric)
            assert score == pytest.approx(reference, rel=1e-12)


def test_a_row_with_a_missing_target_keeps_its_other_targets():
    X, Y = _mixed_tasks(5, missing=0.0)
    model = MultiTaskClassifier().fit(X, Y)
    Y_missing = Y.copy()
    Y_missing[:40, 2] = None  # rows 0-39 still label tasks 0 and 1
    per_task = metrics.per_task_scores(model, X, Y_missing, metric="log_loss")
    full = metrics.per_task_scores(model, X, Y, metric="log_loss")
    assert per_task[0] == full[0] and per_task[1] == full[1]
    only_rest = metrics.per_task_scores(model, X[40:], Y[40:], metric="log_loss")
    assert per_task[2] == pytest.approx(only_rest[2], rel=1e-12)
    assert per_task[0] != pytest.approx(only_rest[0], rel=1e-9)


def test_regressor_score_skips_missing_targets():
    X, Y, _ = make_multitask_regression(90, 8, 3, random_state=0)
    rng = np.random.default_rng(0)
    Y_nan = Y.copy()
    Y_nan[rng.random(Y.shape) < 0.2] = np.nan
    model = MultiTaskRegressor(missing_targets="ignore").fit(X, Y_nan)
    prediction = model.predict(X)
    r2, counts = [], []
    for t in range(3):
        rows = ~np.isnan(Y_nan[:, t])
        r2.append(r2_score(Y_nan[rows, t], prediction[rows, t]))
        counts.append(rows.sum())
    score = model.score(X, Y_nan)
    assert np.isfinite(score)
    assert score == pytest.approx(np.average(r2, weights=counts), rel=1e-12)
    # With a complete Y: scikit-learn's R^2 of several outputs, unchanged.
    complete = MultiTaskRegressor().fit(X, Y)
    assert complete.score(X, Y) == pytest.approx(
        r2_score(Y, complete.predict(X)), rel=1e-12
    )
    equal = MultiTaskRegressor(missing_targets="ignore", task_weighting="tasks")
    equal.fit(X, Y_nan)
    r2_equal = [
        r2_score(
            Y_nan[~np.isnan(Y_nan[:, t]), t],
            equal.predict(X)[~np.isnan(Y_nan[:, t]), t],
        )
        for t in range(3)
    ]
    assert equal.score(X, Y_nan) == pytest.approx(np.mean(r2_equal), rel=1e-12)


def test_cross_val_score_of_the_regressor_with_missing_targets_is_finite():
    X, Y, _ = make_multitask_regression(90, 8, 3, random_state=1)
    Y = Y.copy()
    Y[np.random.default_rng(1).random(Y.shape) < 0.2] = np.nan
    scores = cross_val_score(MultiTaskRegressor(missing_targets="ignore"), X, Y, cv=3)
    assert np.all(np.isfinite(scores)) and np.all(scores > 0.3)
    model = MultiTaskRegressorCV(alphas=4, cv=3, missing_targets="ignore").fit(X, Y)
    assert np.all(np.isfinite(model.scores_))


def test_regressor_score_with_a_task_column_is_the_pooled_r2_of_observed_rows():
    X, Y, _ = make_multitask_regression(60, 5, 3, random_state=2)
    frame, y = _task_rows(X, Y.astype(object))
    y = y.astype(float)
    model = MultiTaskRegressor(task_column="task", missing_targets="ignore")
    model.fit(frame, y)
    y_nan = y.copy()
    y_nan[::7] = np.nan
    keep = ~np.isnan(y_nan)
    expected = r2_score(y[keep], model.predict(frame)[keep])
    assert model.score(frame, y_nan) == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------
# 3. Both layouts, the same score


@pytest.mark.parametrize("weighting", ["observations", "tasks"])
def test_task_column_and_shared_layouts_give_the_same_scores(weighting):
    X, Y = _mixed_tasks(6, strings=False)  # a task column needs one label kind
    params = dict(missing_targets="ignore", task_weighting=weighting, **TIGHT)
    shared = MultiTaskClassifier(**params).fit(X[:100], Y[:100])
    frame, y = _task_rows(X[:100], Y[:100])
    rows = MultiTaskClassifier(task_column="task", **params).fit(frame, y)
    np.testing.assert_allclose(rows.coef_, shared.coef_, atol=1e-6)
    frame_test, y_test = _task_rows(X[100:], Y[100:])
    for metric in CLASSIFICATION:
        on_shared = metrics.mean_task_score(shared, X[100:], Y[100:], metric=metric)
        on_rows = metrics.mean_task_score(rows, frame_test, y_test, metric=metric)
        assert on_rows == pytest.approx(on_shared, rel=1e-6), metric
    assert rows.score(frame_test, y_test) == pytest.approx(
        shared.score(X[100:], Y[100:]), rel=1e-9
    )


# --------------------------------------------------------------------------
# 4. AUC with a task column; decision_function available exactly when it works


def _binary_task_rows(seed=0, n_tasks=4, per_task=40):
    X, Y, _ = make_multitask_classification(
        n_tasks * per_task, 6, n_tasks, scale=2.0, random_state=seed
    )
    task = np.repeat(np.arange(n_tasks), per_task)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(6)])
    frame["task"] = [f"t{t}" for t in task]
    return frame, Y[np.arange(task.size), task]


def test_cross_val_score_roc_auc_with_a_task_column_is_finite():
    frame, y = _binary_task_rows(0)
    model = MultiTaskClassifier(task_column="task")
    cv = TaskKFold(3, task_column="task", shuffle=True, random_state=0)
    # scikit-learn's own "roc_auc" works (decision_function exists for these
    # binary tasks): one AUC of all the rows pooled.
    pooled = cross_val_score(model, frame, y, cv=cv, scoring="roc_auc")
    assert np.all(np.isfinite(pooled))
    # The mean over tasks of each task's AUC.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        scores = cross_val_score(model, frame, y, cv=cv, scoring=metrics.roc_auc_scorer)
    assert np.all(np.isfinite(scores)) and np.all(scores > 0.6)
    # And a search with the multi-task AUC.
    search = GridSearchCV(
        model, {"alpha": [0.001, 0.1]}, cv=cv, scoring=metrics.roc_auc_scorer
    ).fit(frame, y)
    assert np.isfinite(search.best_score_)


def test_decision_function_with_a_task_column_scores_each_row_for_its_task():
    frame, y = _binary_task_rows(1)
    model = MultiTaskClassifier(task_column="task").fit(frame, y)
    assert hasattr(model, "decision_function")
    decision = model.decision_function(frame)
    assert decision.shape == (len(frame),)
    features = frame.drop(columns="task").to_numpy()
    for t, task in enumerate(model.tasks_):
        rows = (frame["task"] == task).to_numpy()
        expected = features[rows] @ model.coef_[t] + model.intercept_[t]
        np.testing.assert_allclose(decision[rows], expected, rtol=1e-12)
    # Positive means classes_[1], as predict and predict_proba say.
    np.testing.assert_array_equal(
        model.classes_[(decision > 0).astype(int)], model.predict(frame)
    )
    np.testing.assert_allclose(
        model.predict_proba(frame)[:, 1], 1 / (1 + np.exp(-decision)), rtol=1e-12
    )
    # A task unseen in fit, with unknown_task="mean": the mean model.
    model.set_params(unknown_task="mean")
    new = frame.iloc[:3].assign(task="new")
    expected = new.drop(columns="task").to_numpy() @ model.coef_.mean(axis=0)
    np.testing.assert_allclose(
        model.decision_function(new), expected + model.intercept_.mean(), rtol=1e-12
    )


def test_decision_function_is_unavailable_when_tasks_have_other_classes():
    X, Y, _ = make_multitask_classification(
        120, 5, 2, n_classes=(2, 3), scale=2.0, random_state=2
    )
    frame, y = _task_rows(X, Y.astype(object))
    y = y.astype(int)
    model = MultiTaskClassifier(task_column="task")
    assert hasattr(model, "decision_function")  # before fit: NotFittedError
    model.fit(frame, y)
    assert not hasattr(model, "decision_function")
    with pytest.raises(
        AttributeError, match="no attribute 'decision_function'"
    ) as info:
        model.decision_function(frame)
    # What to do instead, in the cause (scikit-learn's available_if chains it).
    assert "same two classes" in str(info.value.__cause__)
    assert "use predict_proba" in str(info.value.__cause__)
    # Two binary tasks with different labels: unavailable as well.
    binary, y_binary = _binary_task_rows(2, n_tasks=2)
    y_binary = np.where(binary["task"] == "t1", y_binary + 5, y_binary)
    other = MultiTaskClassifier(task_column="task").fit(binary, y_binary)
    assert other.classes_.tolist() == [0, 1, 5, 6]
    assert not hasattr(other, "decision_function")
    # The multi-task scorers do not need it.
    scores = cross_val_score(
        model, frame, y, cv=TaskKFold(3, task_column="task"),
        scoring=metrics.roc_auc_scorer,
    )  # fmt: skip
    assert np.all(np.isfinite(scores))
    # The CV classifier follows its refitted model.
    cv_model = MultiTaskClassifierCV(task_column="task", alphas=3, cv=3)
    assert not hasattr(cv_model.fit(frame, y), "decision_function")
    shared = MultiTaskClassifierCV(alphas=3, cv=3).fit(X, Y)
    assert hasattr(shared, "decision_function")


# --------------------------------------------------------------------------
# 5. Undefined AUC: tasks skipped and named, NaN when every task is


def test_tasks_with_one_held_out_class_are_skipped_and_named_once():
    X, Y = _mixed_tasks(7, missing=0.0)
    model = MultiTaskClassifier().fit(X, Y)
    Y_test = Y[:30].copy()
    Y_test[:, 0] = "yes"  # task 0: a single class in these rows
    with pytest.warns(UndefinedMetricWarning) as record:
        score = metrics.roc_auc_scorer(model, X[:30], Y_test)
    assert len(record) == 1
    assert "1 of 3 tasks (0)" in str(record[0].message)
    expected = metrics.per_task_scores(model, X[:30], Y_test, metric="roc_auc")
    assert np.isnan(expected[0])
    assert score == pytest.approx(np.mean([expected[1], expected[2]]), rel=1e-12)


def test_auc_undefined_for_every_task_is_nan_with_a_warning():
    frame, y = _binary_task_rows(3)
    model = MultiTaskClassifier(task_column="task").fit(frame, y)
    ones = np.ones_like(y)
    with pytest.warns(UndefinedMetricWarning, match="undefined for every task"):
        score = metrics.roc_auc_scorer(model, frame, ones)
    assert np.isnan(score)
    # Log loss stays defined there.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        assert np.isfinite(metrics.neg_log_loss_scorer(model, frame, ones))


def test_a_search_ranks_an_undefined_auc_last_instead_of_failing():
    frame, y = _binary_task_rows(4)
    # Fold 0 holds 20 rows of task t0 only, all of one class: AUC undefined.
    single = np.flatnonzero(frame["task"] == "t0")[:20]
    y = y.copy()
    y[single] = 1
    rest = np.setdiff1d(np.arange(len(y)), single)
    folds = [(rest, single), (np.concatenate([single, rest[::2]]), rest[1::2])]
    search = GridSearchCV(
        MultiTaskClassifier(task_column="task"),
        {"alpha": [0.01]},
        cv=folds,
        scoring=metrics.roc_auc_scorer,
        error_score="raise",
    )
    with pytest.warns(UndefinedMetricWarning):
        search.fit(frame, y)
    assert np.isnan(search.cv_results_["split0_test_score"][0])
    assert np.isfinite(search.cv_results_["split1_test_score"][0])


# --------------------------------------------------------------------------
# 6. The CV classifiers: default criterion and scikit-learn names


def test_cv_classifier_selects_by_mean_task_log_loss_by_default():
    X, Y = _mixed_tasks(8, missing=0.1)
    cv = KFold(4, shuffle=True, random_state=0)
    params = dict(missing_targets="ignore", **TIGHT)
    model = MultiTaskClassifierCV(alphas=5, cv=cv, **params).fit(X, Y)
    assert np.all(model.scores_ < 0)
    # By hand on one fold: minus the log loss of all held-out observed labels.
    train, test = next(cv.split(X))
    fold = MultiTaskClassifier(alpha=model.alphas_[0, 2], **params)
    fold.fit(X[train], Y[train])
    proba = fold.predict_proba(X[test])
    losses = []
    for t in range(3):
        rows, truth = _observed(Y[test, t])
        codes = np.searchsorted(fold.task_classes_[t], truth)
        losses.append(-np.log(proba[t][rows][np.arange(rows.sum()), codes]))
    expected = -np.concatenate(losses).mean()
    assert model.scores_[0, 2, 0] == pytest.approx(expected, abs=1e-6)
    search = GridSearchCV(
        MultiTaskClassifier(**params),
        {"alpha": model.alphas_[0]},
        cv=cv,
        scoring=metrics.neg_log_loss_scorer,
    ).fit(X, Y)
    np.testing.assert_allclose(
        model.scores_[0].mean(axis=1),
        search.cv_results_["mean_test_score"],
        rtol=0,
        atol=1e-6,
    )
    assert model.alpha_ == search.best_params_["alpha"]
    # score() stays the accuracy (scikit-learn's convention).
    assert model.score(X, Y) == metrics.accuracy_scorer(model.estimator_, X, Y)


@pytest.mark.parametrize(
    "scoring, metric",
    [
        ("roc_auc", "roc_auc"),
        ("neg_log_loss", "log_loss"),
        ("balanced_accuracy", "balanced_accuracy"),
        ("accuracy", "accuracy"),
    ],
)
def test_cv_classifier_reads_sklearn_names_as_the_multi_task_scores(scoring, metric):
    X, Y = _mixed_tasks(9, missing=0.1)
    cv = KFold(3, shuffle=True, random_state=0)
    params = dict(missing_targets="ignore", **TIGHT)
    model = MultiTaskClassifierCV(alphas=4, cv=cv, scoring=scoring, **params)
    model.fit(X, Y)
    assert np.all(np.isfinite(model.scores_))
    search = GridSearchCV(
        MultiTaskClassifier(**params),
        {"alpha": model.alphas_[0]},
        cv=cv,
        scoring=metrics.MultiTaskScorer(metric),
    ).fit(X, Y)
    np.testing.assert_allclose(
        model.scores_[0].mean(axis=1),
        search.cv_results_["mean_test_score"],
        rtol=0,
        atol=1e-6,
    )


def test_cv_classifier_with_a_task_column_and_roc_auc():
    frame, y = _binary_task_rows(5, n_tasks=5, per_task=40)
    model = MultiTaskClassifierCV(
        task_column="task", alphas=4, cv=3, scoring="roc_auc"
    ).fit(frame, y)
    assert np.all(np.isfinite(model.scores_))
    assert 0.5 < model.best_score_ <= 1.0


# --------------------------------------------------------------------------
# 7. The scorer protocol, elsewhere in scikit-learn


def test_scorers_work_in_cross_validate_and_through_a_pipeline():
    X, Y = _mixed_tasks(10)
    pipe = make_pipeline(
        StandardScaler(), MultiTaskClassifier(missing_targets="ignore")
    )
    scoring = {
        "auc": metrics.roc_auc_scorer,
        "log_loss": metrics.neg_log_loss_scorer,
        "balanced": metrics.balanced_accuracy_scorer,
    }
    result = cross_validate(pipe, X, Y, cv=KFold(3), scoring=scoring)
    for name in scoring:
        assert np.all(np.isfinite(result[f"test_{name}"])), name
    fitted = pipe.fit(X, Y)
    assert metrics.roc_auc_scorer(fitted, X, Y) == pytest.approx(
        metrics.mean_task_score(fitted[-1], fitted[0].transform(X), Y, metric="roc_auc")
    )


def test_get_scorer_and_scorer_validation():
    assert metrics.get_scorer("roc_auc") is metrics.roc_auc_scorer
    assert metrics.get_scorer("roc_auc_ovr") is metrics.roc_auc_scorer
    assert metrics.get_scorer("neg_log_loss") is metrics.neg_log_loss_scorer
    assert repr(metrics.neg_log_loss_scorer) == "MultiTaskScorer('log_loss')"
    with pytest.raises(ValueError, match="No multi-task scorer for 'f1_macro'"):
        metrics.get_scorer("f1_macro")
    with pytest.raises(ValueError, match="Unknown metric 'auc'"):
        metrics.MultiTaskScorer("auc")
    with pytest.raises(ValueError, match="task_weighting must be"):
        metrics.MultiTaskScorer("roc_auc", task_weighting="rows")
    X, Y = _mixed_tasks(11, missing=0.0)
    model = MultiTaskClassifier().fit(X, Y)
    with pytest.raises(ValueError, match="y has 2 task column"):
        metrics.roc_auc_scorer(model, X, Y[:, :2])
    with pytest.raises(ValueError, match="one weight per row"):
        metrics.roc_auc_scorer(model, X, Y, sample_weight=np.ones(3))


def test_a_held_out_label_the_task_never_saw_is_scored_not_an_error():
    X, Y, _ = make_multitask_classification(
        90, 5, 2, n_classes=(2, 3), scale=2.0, random_state=12
    )
    train = np.flatnonzero(Y[:, 1] != 2)[:50]  # task 1 trained on two classes
    model = MultiTaskClassifier().fit(X[train], Y[train])
    assert model.task_classes_[1].tolist() == [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        log = metrics.per_task_scores(model, X, Y, metric="log_loss")
        auc = metrics.per_task_scores(model, X, Y, metric="roc_auc")
    assert np.isfinite(log[1]) and log[1] > log[0]
    assert 0 <= auc[1] <= 1


def test_the_metrics_of_one_task_are_sklearns_with_ties_and_weights():
    # The per-task metrics are written with numpy (scikit-learn's validation
    # costs more than the fits of many small tasks): they must be its metrics,
    # ties of scores, sample weights and unobserved classes included.
    rng = np.random.default_rng(13)
    for trial in range(20):
        n = int(rng.integers(5, 40))
        truth = rng.integers(0, 3, n)
        truth[:3] = [0, 1, 2]
        proba = rng.dirichlet(np.ones(3), n).round(1)  # many ties
        proba /= proba.sum(axis=1, keepdims=True)
        weight = None if trial % 2 else rng.uniform(0.1, 2.0, n)
        classes = np.arange(3)
        assert metrics._task_score(
            "roc_auc", truth, proba, classes, weight
        ) == pytest.approx(
            roc_auc_score(truth, proba, multi_class="ovr", sample_weight=weight),
            rel=1e-12,
        )
        binary = truth > 0
        two_columns = np.column_stack([1 - proba[:, 0], proba[:, 0]])
        assert metrics._task_score(
            "roc_auc", binary, two_columns, np.array([False, True]), weight
        ) == pytest.approx(
            roc_auc_score(binary, proba[:, 0], sample_weight=weight), rel=1e-12
        )
        assert metrics._task_score(
            "log_loss", truth, proba, classes, weight
        ) == pytest.approx(
            log_loss(truth, proba, labels=classes, sample_weight=weight), rel=1e-12
        )
        prediction = rng.integers(0, 4, n)  # a class absent from truth too
        for name, function in [
            ("accuracy", accuracy_score),
            ("balanced_accuracy", balanced_accuracy_score),
        ]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                expected = function(truth, prediction, sample_weight=weight)
            assert metrics._task_score(
                name, truth, prediction, classes, weight
            ) == pytest.approx(expected, rel=1e-12)
        values = rng.standard_normal(n).round(0)
        guess = values + rng.standard_normal(n)
        assert metrics._task_score("r2", values, guess, None, weight) == pytest.approx(
            r2_score(values, guess, sample_weight=weight), rel=1e-12
        )


def test_sklearn_strings_with_a_task_column_pool_rows_as_documented():
    # With a task column scikit-learn's "accuracy" and "neg_log_loss" score
    # all rows pooled: the observation-weighted mean of the per-task scores.
    X, Y, _ = make_multitask_classification(
        150, 5, 3, n_classes=(2, 2, 3), scale=2.0, random_state=14
    )
    frame, y = _task_rows(X, Y.astype(object))
    y = y.astype(int)
    model = MultiTaskClassifier(task_column="task", task_weighting="tasks")
    model.fit(frame.iloc[::2], y[::2])
    held_out = np.arange(1, len(y), 2)
    held_out = held_out[40:]  # task 0 (the first rows) keeps fewer rows
    test, y_test = frame.iloc[held_out], y[held_out]
    for name, metric in [("accuracy", "accuracy"), ("neg_log_loss", "log_loss")]:
        pooled = get_sklearn_scorer(name)(model, test, y_test)
        by_observation = metrics.MultiTaskScorer(metric, task_weighting="observations")
        assert pooled == pytest.approx(by_observation(model, test, y_test), rel=1e-9)
        # The estimator's own weighting (tasks) differs: the tasks' sizes do.
        assert pooled != pytest.approx(
            metrics.get_scorer(name)(model, test, y_test), rel=1e-6
        )


def test_scorers_read_the_task_column_where_the_pipelines_last_step_does():
    frame, y = _binary_task_rows(15)
    features = [f"x{j}" for j in range(6)]
    scale = ColumnTransformer(
        [("num", StandardScaler(), features)],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = Pipeline(
        [("scale", scale), ("mtl", MultiTaskClassifier(task_column="task"))]
    ).fit(frame, y)
    # The scaled columns come first, the task column last (moved, not renamed).
    alone = pipe[-1]
    moved = pipe[:-1].transform(frame)
    for scorer in (metrics.roc_auc_scorer, metrics.neg_log_loss_scorer):
        assert scorer(pipe, frame, y) == pytest.approx(scorer(alone, moved, y))
    # A task unseen in fit, predicted by the mean model (unknown_task="mean").
    pipe.set_params(mtl__unknown_task="mean")
    new = frame.assign(task=np.where(frame["task"] == "t0", "new", frame["task"]))
    per_task = metrics.per_task_scores(pipe, new, y, metric="log_loss")
    assert sorted(per_task) == ["new", "t1", "t2", "t3"]
    assert np.isfinite(per_task["new"])
