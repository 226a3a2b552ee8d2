"""The Display objects draw what they claim: coef_ as the image, path row norms."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skmtl import (  # noqa: E402
    MultiTaskClassifier,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    regularization_path,
)
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
def regression_data():
    return make_multitask_regression(
        n_samples=60, n_features=12, n_tasks=4, n_informative=3, random_state=0
    )


def test_coefficient_display_image_is_coef(regression_data):
    X, Y, _ = regression_data
    model = MultiTaskRegressor(penalty="group_lasso", alpha=0.1).fit(X, Y)
    display = CoefficientDisplay.from_estimator(model)
    assert isinstance(display, CoefficientDisplay)
    np.testing.assert_array_equal(display.image_.get_array(), model.coef_)
    # Symmetric colour scale around zero, at the largest absolute coefficient.
    vmin, vmax = display.image_.get_clim()
    assert vmax == pytest.approx(np.abs(model.coef_).max())
    assert vmin == pytest.approx(-vmax)
    assert display.ax_.figure is display.figure_
    assert display.colorbar_ is not None
    assert display.ax_.get_title() == "MultiTaskRegressor"
    # Rows are labelled by the tasks.
    labels = [tick.get_text() for tick in display.ax_.get_yticklabels()]
    assert labels == [str(task) for task in model.tasks_]


def test_coefficient_display_on_given_axes_with_options(regression_data):
    _, _, true_coef = regression_data
    fig, ax = plt.subplots()
    display = CoefficientDisplay(true_coef, estimator_name="truth")
    returned = display.plot(ax=ax, vmax=5.0, colorbar=False, cmap="bwr")
    assert returned is display
    assert display.ax_ is ax and display.figure_ is fig
    assert display.colorbar_ is None
    assert display.image_.get_clim() == (-5.0, 5.0)
    assert display.image_.get_cmap().name == "bwr"
    np.testing.assert_array_equal(display.image_.get_array(), true_coef)
    assert ax.get_title() == "truth"


def test_coefficient_display_feature_names_leave_out_task_column():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(rng.standard_normal((90, 3)), columns=["age", "iq", "ses"])
    rows.insert(1, "school", [f"s{i % 3}" for i in range(90)])
    y = rows["iq"].to_numpy() + rng.standard_normal(90)
    model = MultiTaskRegressor(alpha=0.01, task_column="school").fit(rows, y)
    display = CoefficientDisplay.from_estimator(model, name="per school")
    x_labels = [tick.get_text() for tick in display.ax_.get_xticklabels()]
    y_labels = [tick.get_text() for tick in display.ax_.get_yticklabels()]
    assert x_labels == ["age", "iq", "ses"]
    assert y_labels == ["s0", "s1", "s2"]
    np.testing.assert_array_equal(display.image_.get_array(), model.coef_)
    assert display.ax_.get_title() == "per school"


def test_coefficient_display_rows_of_multiclass_tasks():
    X, Y, _ = make_multitask_classification(
        n_samples=120, n_features=6, n_tasks=2, n_classes=[2, 3], random_state=0
    )
    model = MultiTaskClassifier(alpha=0.01).fit(X, Y)
    display = CoefficientDisplay.from_estimator(model)
    assert display.image_.get_array().shape == model.coef_.shape == (4, 6)
    np.testing.assert_array_equal(display.image_.get_array(), model.coef_)
    labels = [tick.get_text() for tick in display.ax_.get_yticklabels()]
    assert labels == ["0", "1: 0", "1: 1", "1: 2"]


def test_coefficient_display_of_cv_estimator(regression_data):
    X, Y, _ = regression_data
    model = MultiTaskRegressorCV(alphas=5, cv=3).fit(X, Y)
    display = CoefficientDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.image_.get_array(), model.coef_)


def test_coefficient_display_errors():
    with pytest.raises(ValueError, match="fit it before plotting"):
        CoefficientDisplay.from_estimator(MultiTaskRegressor())
    with pytest.raises(ValueError, match="n_rows, n_features"):
        CoefficientDisplay(np.zeros((2, 3, 4)))


def test_path_display_lines_are_row_norms_of_the_path(regression_data):
    X, Y, _ = regression_data
    estimator = MultiTaskRegressor(penalty="group_lasso")
    display = RegularizationPathDisplay.from_estimator(estimator, X, Y, alphas=8)
    alphas, coefs, *_ = regularization_path(X, Y, estimator=estimator, alphas=8)
    expected = np.linalg.norm(coefs, axis=1)  # (n_alphas, n_features)
    assert len(display.lines_) == X.shape[1]
    for j, line in enumerate(display.lines_):
        np.testing.assert_allclose(line.get_xdata(), alphas)
        np.testing.assert_allclose(line.get_ydata(), expected[:, j], atol=1e-10)
    np.testing.assert_allclose(display.row_norms, expected, atol=1e-10)
    # Every row is zero at alpha_max (the first alpha), some are not at the end.
    assert np.all(display.row_norms[0] == 0)
    assert np.any(display.row_norms[-1] > 0)
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.figure is display.figure_
    assert display.ax_.get_legend() is None  # 12 features: no legend by default
    assert "group_lasso" in display.ax_.get_title()


def test_path_display_names_from_dataframe_and_legend(regression_data):
    pd = pytest.importorskip("pandas")
    X, Y, _ = regression_data
    frame = pd.DataFrame(X[:, :5], columns=[f"f{j}" for j in range(5)])
    fig, ax = plt.subplots()
    display = RegularizationPathDisplay.from_estimator(
        MultiTaskRegressor(penalty="trace_norm"), frame, Y, alphas=4, ax=ax
    )
    assert display.ax_ is ax
    assert [line.get_label() for line in display.lines_] == list(frame.columns)
    legend = ax.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == list(frame.columns)


def test_path_display_from_computed_path_and_classifier():
    X, Y, _ = make_multitask_classification(
        n_samples=80, n_features=5, n_tasks=3, random_state=0
    )
    estimator = MultiTaskClassifier(penalty="group_lasso")
    alphas, coefs, *_ = regularization_path(X, Y, estimator=estimator, alphas=5)
    display = RegularizationPathDisplay(alphas, coefs, estimator_name="logistic")
    returned = display.plot(legend=False)
    assert returned is display
    assert display.ax_.get_legend() is None
    for j, line in enumerate(display.lines_):
        np.testing.assert_allclose(
            line.get_ydata(), np.linalg.norm(coefs[:, :, j], axis=1)
        )
    with pytest.raises(ValueError, match="one entry per alpha"):
        RegularizationPathDisplay(alphas[:2], coefs)
