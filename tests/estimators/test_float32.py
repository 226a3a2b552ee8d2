"""float32 in, float32 out: the dtype of the fitted model and its predictions.

As scikit-learn's linear models (``Lasso``, ``Ridge``, ``LogisticRegression``),
the estimators keep float32 features: ``coef_``, ``intercept_``, the parts of a
decomposed structure and every prediction (scores, probabilities, regression
targets) are float32, while class labels keep the labels' dtype. Any other
input (float64, integers, float16) gives float64 as before. The solver works in
float64 in every case, so the float32 fit is the float64 fit of the same
values, rounded: it is compared with the fit on the float64 data it came from.

Every case runs in both layouts (a shared ``X`` with one column of ``Y`` per
task, and ``task_column=`` with each row's task in ``X``) and for dense,
sparse and pandas ``X``.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _helpers import classification_data, melt, regression_data
from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from skmtl.representation import SharedSubspace
from skmtl.structures import Clustered, Dirty

KINDS = ["regression", "classification"]
LAYOUTS = ["shared", "task_column"]
CONTAINERS = ["numpy", "sparse", "pandas"]
TIGHT = {"tol": 1e-10, "max_iter": 20_000}
# The float32 fit solves the problem of the data rounded to float32 (relative
# error about 6e-8), then rounds the solution: both stay far below this.
RTOL = 1e-5


def _data(kind, layout, binary=False):
    """Estimator (unfitted, tight tolerance), float64 ``X`` and targets.

    With a ``task_column`` the task index is the last column of ``X``.
    ``binary`` gives only binary classification tasks with the same labels
    (so that ``decision_function`` exists in both layouts).
    """
    if kind == "regression":
        X, Y = regression_data(n_samples=40, n_features=5, n_tasks=3)
        estimator = MultiTaskRegressor(alpha=0.05, **TIGHT)
    else:
        n_classes = 2 if binary else (2, 2, 3)
        X, Y = classification_data(n_samples=60, n_features=5, n_classes=n_classes)
        estimator = MultiTaskClassifier(alpha=0.02, **TIGHT)
    if layout == "task_column":
        X, Y = melt(X, Y)
        estimator.set_params(task_column=X.shape[1] - 1)
    return estimator, X, Y


def _as(container, X, dtype, estimator):
    """``X`` in a container with features of ``dtype`` (the task column too,
    except in a DataFrame, where it is an integer column named "task")."""
    if container == "numpy":
        return X.astype(dtype)
    if container == "sparse":
        return sp.csr_matrix(X.astype(dtype))
    names = [f"x{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X.astype(dtype), columns=names)
    if estimator.task_column is not None:
        frame = frame.rename(columns={names[-1]: "task"})
        frame["task"] = X[:, -1].astype(np.int64)
        estimator.set_params(task_column="task")
    return frame


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fit must converge without warnings
        return clone(estimator).fit(X, y)


def _outputs(model, X):
    """Every real-valued output of ``model`` on ``X``: name -> array."""
    if isinstance(model, MultiTaskRegressor):
        return {"predict": model.predict(X)}
    outputs = {}
    for name in ("predict_proba", "predict_log_proba"):
        if not hasattr(model, name):  # (the CV estimators: no log)
            continue
        # With a task column a row's probability of a label its task lacks is
        # 0, whose log is -inf (a divide warning, whatever the dtype).
        with np.errstate(divide="ignore"):
            value = getattr(model, name)(X)
        for t, array in enumerate(value if isinstance(value, list) else [value]):
            outputs[f"{name}[{t}]"] = array
    if hasattr(model, "decision_function"):
        outputs["decision_function"] = model.decision_function(X)
    return outputs


def _assert_dtypes(model, X, dtype):
    assert model.coef_.dtype == dtype
    assert model.intercept_.dtype == dtype
    for name, output in _outputs(model, X).items():
        assert output.dtype == dtype, name


# ------------------------------------------------------------------ the dtypes
@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS)
def test_float32_input_gives_float32_coefficients_and_predictions(
    kind, layout, container
):
    estimator, X, y = _data(kind, layout)
    X32 = _as(container, X, np.float32, estimator)
    X64 = _as(container, X, np.float64, estimator)
    model32 = _fit(estimator, X32, y)
    model64 = _fit(estimator, X64, y)
    _assert_dtypes(model32, X32, np.float32)
    _assert_dtypes(model64, X64, np.float64)
    # The same model, to float32's precision.
    scale = np.abs(model64.coef_).max()
    assert_allclose(model32.coef_, model64.coef_, rtol=RTOL, atol=RTOL * scale)
    assert_allclose(model32.intercept_, model64.intercept_, rtol=RTOL, atol=RTOL)
    outputs64 = _outputs(model64, X64)
    for name, output in _outputs(model32, X32).items():
        if name.startswith("predict_log_proba"):
            continue  # log of a probability near 0: compared through proba
        assert_allclose(output, outputs64[name], rtol=RTOL, atol=RTOL, err_msg=name)
    if kind == "classification":  # labels keep their dtype, whatever X's
        assert model32.predict(X32).dtype == model64.predict(X64).dtype
        assert model32.predict(X32).dtype == np.asarray(y).dtype


@pytest.mark.parametrize("layout", LAYOUTS)
def test_decision_function_of_binary_tasks_is_float32(layout):
    estimator, X, y = _data("classification", layout, binary=True)
    model = _fit(estimator, X.astype(np.float32), y)
    assert model.decision_function(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "dtype", [np.float64, np.int64, np.int32, np.float16, bool], ids=str
)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS)
def test_other_dtypes_give_float64(kind, layout, dtype):
    estimator, X, y = _data(kind, layout)
    task = X[:, -1:] if layout == "task_column" else X[:, :0]
    features = X[:, : X.shape[1] - task.shape[1]]
    if np.dtype(dtype).kind in "biu":  # values the dtype can hold, tasks intact
        features = features > 0 if dtype is bool else np.round(3 * features)
    X = np.hstack([features, task]).astype(dtype)
    model = _fit(estimator, X, y)
    _assert_dtypes(model, X, np.float64)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS)
def test_predictions_follow_numpy_promotion_of_X_and_coef(kind, layout):
    # As scikit-learn's linear models: the dtype of X @ coef_.T.
    estimator, X, y = _data(kind, layout)
    model32 = _fit(estimator, X.astype(np.float32), y)
    model64 = _fit(estimator, X, y)
    for output in _outputs(model32, X).values():
        assert output.dtype == np.float64
    for output in _outputs(model64, X.astype(np.float32)).values():
        assert output.dtype == np.float64


def test_a_dataframe_with_a_float64_feature_column_gives_float64():
    estimator, X, Y = _data("regression", "shared")
    frame = pd.DataFrame(X.astype(np.float32)).add_prefix("x")
    frame["x0"] = frame["x0"].astype(np.float64)
    model = _fit(estimator, frame, Y)
    _assert_dtypes(model, frame, np.float64)


def test_a_polars_frame_is_read_as_float64():
    pl = pytest.importorskip("polars")
    estimator, X, Y = _data("regression", "shared")
    frame = pl.DataFrame(X.astype(np.float32), schema=[f"x{j}" for j in range(5)])
    model = _fit(estimator, frame, Y)
    _assert_dtypes(model, frame, np.float64)


# ------------------------------------------------- structures, tasks, restarts
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_parts_of_a_structure_are_float32(layout):
    estimator, X, y = _data("regression", layout)
    estimator.set_params(penalty=Dirty())
    model32 = _fit(estimator, X.astype(np.float32), y)
    model64 = _fit(estimator, X, y)
    for name in ("P_", "Q_"):
        assert getattr(model32, name).dtype == np.float32
        scale = np.abs(model64.coef_).max()
        assert_allclose(
            getattr(model32, name),
            getattr(model64, name),
            rtol=1e-4,
            atol=1e-4 * scale,
        )
    assert_allclose(model32.P_ + model32.Q_, model32.coef_, rtol=1e-6, atol=1e-6)


def test_the_other_attributes_of_a_structure_stay_float64():
    estimator, X, Y = _data("regression", "shared")
    estimator.set_params(penalty=Clustered(n_clusters=2), tol=1e-6)
    model = _fit(estimator, X.astype(np.float32), Y)
    assert model.coef_.dtype == np.float32
    assert model.task_similarity_.dtype == np.float64
    assert isinstance(model.dual_gap_, float)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_single_class_task_predicts_float32_probabilities(layout):
    _, X, Y = _data("classification", "shared", binary=True)
    Y[:, 1] = Y[0, 1]  # one class only: left out, predicted with probability 1
    estimator = MultiTaskClassifier(alpha=0.02)
    if layout == "task_column":
        X, Y = melt(X, Y)
        estimator.set_params(task_column=X.shape[1] - 1)
    X32 = X.astype(np.float32)
    with pytest.warns(UserWarning, match="single class"):
        model = clone(estimator).fit(X32, Y)
    _assert_dtypes(model, X32, np.float32)


def test_an_unknown_task_is_predicted_in_float32():
    estimator, X, y = _data("regression", "task_column")
    estimator.set_params(unknown_task="mean")
    model = _fit(estimator, X.astype(np.float32), y)
    unseen = X[:5].astype(np.float32)
    unseen[:, -1] = 99
    for rows in (unseen, sp.csr_matrix(unseen)):
        assert model.predict(rows).dtype == np.float32


@pytest.mark.parametrize("kind", KINDS)
def test_a_warm_start_from_float32_coefficients(kind):
    estimator, X, y = _data(kind, "shared")
    X32 = X.astype(np.float32)
    model = _fit(estimator.set_params(warm_start=True), X32, y)
    first = model.coef_.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X32, y)
    assert model.coef_.dtype == np.float32
    assert_allclose(model.coef_, first, rtol=RTOL, atol=RTOL)


def test_the_solver_works_on_a_float64_copy_and_X_is_unchanged():
    estimator, X, Y = _data("regression", "shared")
    X32 = X.astype(np.float32)
    before = X32.copy()
    problem = clone(estimator)._problem(X32, Y, None)
    assert problem.datafit.data.X.dtype == np.float64
    model = _fit(estimator, X32, Y)
    assert_array_equal(X32, before)
    # Predictions take float32 X as it is, without a float64 copy.
    assert model._prediction_rows(X32)[0].dtype == np.float32


# ------------------------------------------------------------ CV and pipelines
@pytest.mark.parametrize("container", ["numpy", "sparse"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS)
def test_cv_estimators_keep_float32(kind, layout, container):
    estimator, X, y = _data(kind, layout)
    CV = MultiTaskRegressorCV if kind == "regression" else MultiTaskClassifierCV
    cv = CV(
        penalty="group_lasso",
        alphas=3,
        cv=3,
        task_column=estimator.task_column,
        **TIGHT,
    )
    X32 = _as(container, X, np.float32, estimator)
    X64 = _as(container, X, np.float64, estimator)
    model32 = _fit(cv, X32, y)
    model64 = _fit(cv, X64, y)
    _assert_dtypes(model32, X32, np.float32)
    _assert_dtypes(model32.estimator_, X32, np.float32)
    _assert_dtypes(model64, X64, np.float64)
    # The same choice, and the same model to float32's precision.
    assert_allclose(model32.alpha_, model64.alpha_, rtol=1e-6)
    scale = np.abs(model64.coef_).max()
    assert_allclose(model32.coef_, model64.coef_, rtol=RTOL, atol=RTOL * scale)


@pytest.mark.parametrize("kind", KINDS)
def test_a_pipeline_with_standard_scaler_keeps_float32(kind):
    estimator, X, y = _data(kind, "shared")
    X32 = X.astype(np.float32)
    pipeline = make_pipeline(StandardScaler(), estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipeline.fit(X32, y)
    _assert_dtypes(pipeline[-1], pipeline[0].transform(X32), np.float32)
    if kind == "regression":
        assert pipeline.predict(X32).dtype == np.float32
    else:
        for proba in pipeline.predict_proba(X32):
            assert proba.dtype == np.float32


@pytest.mark.parametrize("kind", ["subspace", "support"])
def test_shared_subspace_transforms_float32_into_float32(kind):
    estimator, X, Y = _data("regression", "shared")
    penalty = "trace_norm" if kind == "subspace" else "group_lasso"
    estimator.set_params(penalty=penalty, tol=1e-6)
    X32 = X.astype(np.float32)
    fitted = SharedSubspace(estimator, kind=kind).fit(X32, Y)
    assert fitted.transform(X32).dtype == np.float32
    assert fitted.transform(sp.csr_matrix(X32)).dtype == np.float32
    model64 = _fit(estimator, X, Y)
    expected = SharedSubspace(model64, kind=kind, prefit=True).fit(X)
    # The float32 model's structure, to float32's precision (up to the signs
    # of the singular vectors).
    assert_allclose(
        np.abs(fitted.transform(X32)),
        np.abs(expected.transform(X)),
        rtol=1e-4,
        atol=1e-4,
    )
    # A float64 model transforms into float64, as scikit-learn's PCA.
    assert expected.transform(X32).dtype == np.float64
