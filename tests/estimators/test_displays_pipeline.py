"""The Displays take a Pipeline ending in a skmtl estimator (issue 17)."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skmtl import MultiTaskClassifier, MultiTaskRegressor  # noqa: E402
from skmtl.datasets import (  # noqa: E402
    make_multitask_classification,
    make_multitask_regression,
)
from skmtl.plotting import CoefficientDisplay, RegularizationPathDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def data():
    X, Y, _ = make_multitask_regression(
        n_samples=60, n_features=8, n_tasks=4, n_informative=3, random_state=0
    )
    # Features on different scales, so that the scaler changes the solution.
    return X * np.arange(1, 9), Y


def _tick_labels(ticks):
    return [tick.get_text() for tick in ticks]


def test_coefficient_display_of_a_pipeline_shows_its_last_step(data):
    X, Y = data
    pipeline = make_pipeline(StandardScaler(), MultiTaskRegressor(alpha=0.1))
    pipeline.fit(X, Y)
    bare = MultiTaskRegressor(alpha=0.1).fit(pipeline[:-1].transform(X), Y)

    display = CoefficientDisplay.from_estimator(pipeline)
    reference = CoefficientDisplay.from_estimator(bare)
    np.testing.assert_allclose(
        display.image_.get_array(), reference.image_.get_array(), atol=1e-12
    )
    np.testing.assert_array_equal(display.coef, pipeline[-1].coef_)
    assert display.ax_.get_title() == "MultiTaskRegressor"
    # Names of the transformed features, from the steps before the model.
    assert _tick_labels(display.ax_.get_xticklabels()) == [f"x{j}" for j in range(8)]
    assert _tick_labels(display.ax_.get_yticklabels()) == ["0", "1", "2", "3"]


def test_coefficient_display_of_an_unfitted_pipeline_says_so():
    pipeline = make_pipeline(StandardScaler(), MultiTaskRegressor())
    with pytest.raises(ValueError, match="last step of the pipeline.*fit it"):
        CoefficientDisplay.from_estimator(pipeline)


def test_coefficient_display_of_a_task_column_pipeline():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(rng.standard_normal((90, 3)), columns=["age", "iq", "ses"])
    rows["age"] *= 10.0
    rows.insert(1, "school", [f"s{i % 3}" for i in range(90)])
    y = rows["iq"].to_numpy() + rng.standard_normal(90)
    # numpy output: the model itself sees no column names.
    scale = ColumnTransformer(
        [("num", StandardScaler(), ["age", "iq", "ses"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    pipeline = Pipeline(
        [("scale", scale), ("mtl", MultiTaskRegressor(alpha=0.01, task_column=3))]
    ).fit(rows, y)
    assert not hasattr(pipeline[-1], "feature_names_in_")

    display = CoefficientDisplay.from_estimator(pipeline, name="per school")
    bare = MultiTaskRegressor(alpha=0.01, task_column=3).fit(scale.transform(rows), y)
    np.testing.assert_allclose(display.image_.get_array(), bare.coef_, atol=1e-12)
    assert _tick_labels(display.ax_.get_xticklabels()) == ["age", "iq", "ses"]
    assert _tick_labels(display.ax_.get_yticklabels()) == ["s0", "s1", "s2"]
    assert display.ax_.get_title() == "per school"


def test_coefficient_display_of_a_classifier_pipeline_with_multiclass_task():
    X, Y, _ = make_multitask_classification(
        n_samples=120, n_features=6, n_tasks=2, n_classes=[2, 3], random_state=0
    )
    pipeline = make_pipeline(StandardScaler(), MultiTaskClassifier(alpha=0.01))
    pipeline.fit(X, Y)
    display = CoefficientDisplay.from_estimator(pipeline)
    np.testing.assert_array_equal(display.image_.get_array(), pipeline[-1].coef_)
    labels = _tick_labels(display.ax_.get_yticklabels())
    assert labels == ["0", "1: 0", "1: 1", "1: 2"]


def test_path_display_of_a_fitted_pipeline_runs_on_transformed_data(data):
    X, Y = data
    pipeline = make_pipeline(
        StandardScaler(), MultiTaskRegressor(penalty="group_lasso")
    ).fit(X, Y)
    display = RegularizationPathDisplay.from_estimator(pipeline, X, Y, alphas=6)
    reference = RegularizationPathDisplay.from_estimator(
        MultiTaskRegressor(penalty="group_lasso"),
        pipeline[:-1].transform(X),
        Y,
        alphas=6,
    )
    np.testing.assert_allclose(display.alphas, reference.alphas, rtol=1e-12)
    np.testing.assert_allclose(display.row_norms, reference.row_norms, atol=1e-10)
    # Not the path of the raw data: the scaler was applied.
    raw = RegularizationPathDisplay.from_estimator(
        MultiTaskRegressor(penalty="group_lasso"), X, Y, alphas=6
    )
    assert not np.allclose(display.alphas, raw.alphas)
    names = list(pipeline[:-1].get_feature_names_out())
    assert [line.get_label() for line in display.lines_] == names
    assert "group_lasso" in display.ax_.get_title()
    assert display.ax_.get_title().startswith("MultiTaskRegressor")


def test_path_display_of_an_unfitted_pipeline_fits_a_copy_of_its_transformers(data):
    X, Y = data
    pipeline = make_pipeline(StandardScaler(), MultiTaskRegressor())
    display = RegularizationPathDisplay.from_estimator(pipeline, X, Y, alphas=5)
    fitted = clone(pipeline).fit(X, Y)
    reference = RegularizationPathDisplay.from_estimator(fitted, X, Y, alphas=5)
    np.testing.assert_allclose(display.row_norms, reference.row_norms, atol=1e-10)
    assert not hasattr(pipeline[0], "mean_")  # the pipeline itself is untouched


def test_path_display_of_a_pandas_pipeline_with_task_column():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    rows = pd.DataFrame(rng.standard_normal((120, 3)), columns=["a", "b", "c"])
    rows["school"] = [f"s{i % 4}" for i in range(120)]
    y = rows["a"].to_numpy() - rows["c"].to_numpy() + rng.standard_normal(120)
    scale = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b", "c"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    model = MultiTaskRegressor(penalty="group_lasso", task_column="school")
    pipeline = Pipeline([("scale", scale), ("mtl", model)]).fit(rows, y)
    display = RegularizationPathDisplay.from_estimator(pipeline, rows, y, alphas=4)
    reference = RegularizationPathDisplay.from_estimator(
        clone(model), scale.transform(rows), y, alphas=4
    )
    np.testing.assert_allclose(display.row_norms, reference.row_norms, atol=1e-10)
    assert [line.get_label() for line in display.lines_] == ["a", "b", "c"]
