"""Any dataframe for the task column: polars, the interchange protocol, narwhals.

A task column is read from pandas, from polars, from any dataframe with the
dataframe interchange protocol (``__dataframe__``) and from any dataframe with
column access by name (``columns``, ``get_column``), by capability: the fit,
its predictions, its scores and its feature names are those of the same data
as a pandas DataFrame, in the estimators, the CV estimators and ``TaskKFold``.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from skmtl.model_selection import TaskKFold

pl = pytest.importorskip("polars")

TIGHT = {"tol": 1e-10, "max_iter": 20_000}


def _school_frame(seed=0, n=150, string_tasks=False):
    """A pandas frame with features, an integer (or string) task column, targets."""
    rng = np.random.default_rng(seed)
    school = rng.integers(1, 6, n)
    frame = pd.DataFrame(
        {
            "hours": rng.uniform(0, 4, n),
            "school": school,
            "female": rng.integers(0, 2, n).astype(float),
            "score": rng.standard_normal(n),
        }
    )
    if string_tasks:
        frame["school"] = [f"s{k}" for k in school]
    y = frame["hours"] + school - 2 * frame["female"] + rng.standard_normal(n)
    label = np.where(y > np.median(y), "pass", "fail")
    return frame, y.to_numpy(), label


class InterchangeOnly:
    """A dataframe that offers nothing but the dataframe interchange protocol."""

    def __init__(self, table):
        self._table = table

    def __dataframe__(self, nan_as_null=False, allow_copy=True):
        return self._table.__dataframe__(nan_as_null, allow_copy)


def _fit_both(estimator, pandas_X, other_X, y, y_other=None):
    """The estimator fitted on both inputs (a copy each)."""
    from sklearn.base import clone

    reference = clone(estimator).fit(pandas_X, y)
    other = clone(estimator).fit(other_X, y if y_other is None else y_other)
    return reference, other


def _assert_same_model(reference, other, pandas_X, other_X, y):
    assert_allclose(other.coef_, reference.coef_, rtol=0, atol=1e-12)
    assert_allclose(other.intercept_, reference.intercept_, rtol=0, atol=1e-12)
    assert_array_equal(other.tasks_, reference.tasks_)
    assert_array_equal(other.feature_names_in_, reference.feature_names_in_)
    assert other.n_features_in_ == reference.n_features_in_
    assert_array_equal(other.predict(other_X), reference.predict(pandas_X))
    assert other.score(other_X, y) == pytest.approx(reference.score(pandas_X, y))


# ====================================================================== polars
@pytest.mark.parametrize("string_tasks", [False, True])
def test_polars_regression_is_the_pandas_fit(string_tasks):
    frame, y, _ = _school_frame(string_tasks=string_tasks)
    polars_frame = pl.from_pandas(frame)
    estimator = MultiTaskRegressor("group_lasso", alpha=0.05, task_column="school")
    reference, other = _fit_both(
        estimator.set_params(**TIGHT), frame, polars_frame, y, pl.Series(y)
    )
    _assert_same_model(reference, other, frame, polars_frame, y)
    assert list(other.feature_names_in_) == ["hours", "school", "female", "score"]
    assert other.coef_.shape == (5, 3)


def test_polars_classification_is_the_pandas_fit():
    frame, _, label = _school_frame(seed=1)
    polars_frame = pl.from_pandas(frame)
    estimator = MultiTaskClassifier("trace_norm", alpha=0.01, task_column="school")
    reference, other = _fit_both(
        estimator.set_params(**TIGHT), frame, polars_frame, label
    )
    _assert_same_model(reference, other, frame, polars_frame, label)
    assert_allclose(
        other.predict_proba(polars_frame), reference.predict_proba(frame), atol=1e-12
    )


def test_polars_task_column_by_position_and_predict_on_new_rows():
    frame, y, _ = _school_frame(seed=2)
    polars_frame = pl.from_pandas(frame)
    by_name = MultiTaskRegressor(task_column="school").fit(polars_frame, y)
    by_position = MultiTaskRegressor(task_column=1).fit(polars_frame, y)
    assert_allclose(by_position.coef_, by_name.coef_, atol=1e-12)
    new_rows = polars_frame.head(7)
    assert_allclose(by_name.predict(new_rows), by_name.predict(frame.head(7)))


def test_polars_feature_names_are_checked_at_predict():
    frame, y, _ = _school_frame(seed=3)
    model = MultiTaskRegressor(task_column="school").fit(pl.from_pandas(frame), y)
    renamed = pl.from_pandas(frame.rename(columns={"hours": "minutes"}))
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(renamed)
    with pytest.raises(ValueError, match="X has 3 features, but"):
        model.predict(pl.from_pandas(frame.drop(columns="score")))
    reordered = pl.from_pandas(frame[["school", "hours", "female", "score"]])
    with pytest.raises(ValueError, match="the order differs"):
        model.predict(reordered)


def test_polars_missing_task_label_is_an_error():
    frame, y, _ = _school_frame(seed=4)
    polars_frame = pl.from_pandas(frame).with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(None)
        .otherwise(pl.col("school"))
        .alias("school")
    )
    with pytest.raises(ValueError, match="task labels contain missing values"):
        MultiTaskRegressor(task_column="school").fit(polars_frame, y)


def test_task_kfold_splits_a_polars_frame_as_a_pandas_one():
    frame, _, label = _school_frame(seed=5)
    for cv in (
        TaskKFold(3, task_column="school", shuffle=True, random_state=0),
        TaskKFold(3, task_column="school", stratify=True),
    ):
        expected = list(cv.split(frame, label))
        found = list(cv.split(pl.from_pandas(frame), pl.Series(label)))
        assert len(found) == len(expected) == 3
        for (train, test), (train_ref, test_ref) in zip(found, expected, strict=True):
            assert_array_equal(train, train_ref)
            assert_array_equal(test, test_ref)


def test_cv_estimators_take_a_polars_frame():
    frame, y, label = _school_frame(seed=6)
    polars_frame = pl.from_pandas(frame)
    params = {"task_column": "school", "alphas": 4, "cv": 3}
    reference = MultiTaskRegressorCV(**params).fit(frame, y)
    other = MultiTaskRegressorCV(**params).fit(polars_frame, pl.Series(y))
    assert other.alpha_ == reference.alpha_
    assert_allclose(other.scores_, reference.scores_, atol=1e-10)
    _assert_same_model(reference, other, frame, polars_frame, y)
    classifier = MultiTaskClassifierCV(**params).fit(polars_frame, label)
    assert classifier.predict(polars_frame).shape == (len(label),)
    assert list(classifier.feature_names_in_) == list(frame.columns)


def test_polars_design_without_a_task_column_keeps_its_names_through_cv():
    frame, y, _ = _school_frame(seed=10)
    Y = np.column_stack([y, y + frame["hours"], y - frame["female"]])
    polars_frame = pl.from_pandas(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no feature-name warning
        model = MultiTaskRegressorCV(alphas=3, cv=3).fit(polars_frame, Y)
        prediction = model.predict(polars_frame)
    reference = MultiTaskRegressorCV(alphas=3, cv=3).fit(frame, Y)
    assert list(model.feature_names_in_) == list(frame.columns)
    assert_allclose(model.coef_, reference.coef_, atol=1e-12)
    assert_allclose(prediction, reference.predict(frame), atol=1e-12)


# ============================================== the dataframe interchange protocol
def test_a_frame_with_only_the_interchange_protocol_is_read_like_pandas():
    pa = pytest.importorskip("pyarrow")
    frame, y, label = _school_frame(seed=7, string_tasks=True)
    table = InterchangeOnly(pa.Table.from_pandas(frame, preserve_index=False))
    assert not hasattr(table, "columns") and not hasattr(table, "shape")
    estimator = MultiTaskRegressor("group_lasso", alpha=0.05, task_column="school")
    reference, other = _fit_both(estimator.set_params(**TIGHT), frame, table, y)
    _assert_same_model(reference, other, frame, table, y)
    classifier = MultiTaskClassifier(alpha=0.01, task_column="school", **TIGHT)
    reference, other = _fit_both(classifier, frame, table, label)
    _assert_same_model(reference, other, frame, table, label)
    cv = TaskKFold(3, task_column="school")
    assert_array_equal(next(cv.split(table))[1], next(cv.split(frame))[1])
    model = MultiTaskRegressorCV(task_column="school", alphas=3, cv=3).fit(table, y)
    assert list(model.feature_names_in_) == list(frame.columns)


def test_interchange_columns_keep_nulls_chunks_offsets_and_categories():
    from skmtl._layout.tasks import as_column_frame

    pa = pytest.importorskip("pyarrow")
    table = pa.table(
        {
            "x": pa.array([1.5, None, 3.0, 4.0]),
            "n": pa.array([1, 2, None, 4]),
            "u": pa.array([1, 2, 3, 4], pa.uint8()),
            "s": pa.array(["a", None, "ccc", "dd"]),
            "b": pa.array([True, False, True, True]),
            "c": pa.array(["x", "y", "x", None]).dictionary_encode(),
        }
    )
    chunked = pa.concat_tables([table, table.slice(2)])
    assert chunked.column("x").num_chunks == 2
    expected = {
        "x": [1.5, np.nan, 3.0, 4.0, 3.0, 4.0],
        "n": [1.0, 2.0, np.nan, 4.0, np.nan, 4.0],
        "u": [1, 2, 3, 4, 3, 4],
        "s": ["a", None, "ccc", "dd", "ccc", "dd"],
        "b": [True, False, True, True, True, True],
        "c": ["x", "y", "x", None, "x", None],
    }
    for source, rows in [(table, slice(0, 4)), (chunked, slice(None))]:
        frame = as_column_frame(InterchangeOnly(source))
        assert frame.columns == list(expected)
        for name, values in expected.items():
            column = frame.get_column(name)
            if name in ("x", "n"):
                assert_allclose(column, np.array(values[rows]), equal_nan=True)
            else:
                assert column.tolist() == values[rows]
    sliced = as_column_frame(InterchangeOnly(table.slice(1, 2)))
    assert sliced.get_column("s").tolist() == [None, "ccc"]
    assert sliced.get_column("c").tolist() == ["y", "x"]


# ========================================================= narwhals-style access
def test_a_narwhals_frame_is_read_by_column_name():
    nw = pytest.importorskip("narwhals")
    frame, y, _ = _school_frame(seed=8)
    wrapped = nw.from_native(pl.from_pandas(frame), eager_only=True)
    estimator = MultiTaskRegressor(alpha=0.05, task_column="school", **TIGHT)
    reference, other = _fit_both(estimator, frame, wrapped, y)
    _assert_same_model(reference, other, frame, wrapped, y)


def test_pandas_input_is_still_read_as_pandas():
    # Nullable and categorical pandas columns keep going through pandas.
    from skmtl._layout.tasks import as_column_frame

    frame, y, _ = _school_frame(seed=9)
    frame["school"] = frame["school"].astype("category")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no interchange-protocol deprecation
        model = MultiTaskRegressor(task_column="school").fit(frame, y)
    assert as_column_frame(frame) is None
    assert model.tasks_.tolist() == [1, 2, 3, 4, 5]
