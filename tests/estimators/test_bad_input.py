"""A catalogue of bad input: a correct result or an error that says what to fix.

Every case feeds one awkward input to the estimators (``MultiTaskRegressor``,
``MultiTaskClassifier`` and their CV versions) in either layout (a shared
``X`` with one column of ``Y`` per task, or ``task_column=`` with each row's
task in ``X``) and asserts the exact exception type and message, or the exact
correct result. Grouped by kind: non-finite values, shapes and dtypes, sparse
formats, degenerate data, parameters, state, task labels, extreme scales, and
the guarantee that no input array is ever modified.

Cases that reveal a library bug are written as the library should behave and
marked ``xfail(strict=True, reason="BUG: ...")``; docs/reliability.rst lists
what is validated.
"""

import copy
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import ClassifierMixin, clone, is_classifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, KFold

from _helpers import param_id
from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from skmtl.model_selection import TaskKFold
from skmtl.structures import Clustered, Dirty, RobustTraceNorm, TaskGraph

SINGLE = [MultiTaskRegressor, MultiTaskClassifier]
CV = [MultiTaskRegressorCV, MultiTaskClassifierCV]
ALL = SINGLE + CV
LAYOUTS = ["shared", "task_column"]
PENALTIES = [
    "group_lasso",
    "trace_norm",
    "lasso",
    "ridge",
    Dirty(),
    RobustTraceNorm(),
    TaskGraph(),
    Clustered(),
]
FAST_CV = {"alphas": 2, "cv": 2}
TIGHT = {"tol": 1e-10, "max_iter": 20_000}
N_SAMPLES, N_FEATURES, N_TASKS = 24, 4, 3


def _above_median(scores):
    """0/1 labels with both classes in every column (split at the median)."""
    return (scores > np.median(scores, axis=0)).astype(int)


def _data(classification, layout, seed=0):
    """``(params, X, y)`` of a small, well-posed problem in the given layout.

    Shared layout: ``X`` (24, 4) and ``y`` (24, 3). Task-column layout: the
    same features with each row's task (0, 1, 2) in the last column of ``X``
    and a 1-D ``y``. Classification labels are 0/1 with both classes in every
    task.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES))
    scores = X @ rng.standard_normal((N_FEATURES, N_TASKS))
    scores += 0.3 * rng.standard_normal((N_SAMPLES, N_TASKS))
    if layout == "shared":
        return {}, X, _above_median(scores) if classification else scores
    task = np.arange(N_SAMPLES) % N_TASKS
    y = scores[np.arange(N_SAMPLES), task]
    if classification:
        y = np.zeros(N_SAMPLES, dtype=int)
        for t in range(N_TASKS):
            rows = task == t
            y[rows] = _above_median(scores[rows, t])
    return {"task_column": -1}, np.column_stack([X, task]), y


def _make(estimator_class, layout="shared", seed=0, **params):
    """An estimator of ``estimator_class`` and matching data."""
    classification = issubclass(estimator_class, ClassifierMixin)
    extra, X, y = _data(classification, layout, seed)
    if estimator_class in CV:
        params = {**FAST_CV, **params}
    return estimator_class(**{**extra, **params}), X, y


def _frame(X, n_features=N_FEATURES):
    """A DataFrame of features f0.. and, if there is one more column, 'task'."""
    columns = [f"f{j}" for j in range(n_features)]
    if X.shape[1] > n_features:
        columns.append("task")
    return pd.DataFrame(X, columns=columns)


# ============================================================ non-finite values
NON_FINITE = [
    ("X", np.nan, "Input X contains NaN"),
    ("X", np.inf, "Input X contains infinity"),
    ("X", -np.inf, "Input X contains infinity"),
    (
        "y",
        np.nan,
        re.escape(
            "Input y contains NaN. If NaN marks targets a task did not observe, "
            "set missing_targets='ignore'"
        ),
    ),
    ("y", np.inf, "Input y contains infinity"),
    ("sample_weight", np.nan, "sample_weight contains NaN or infinity"),
    ("sample_weight", np.inf, "sample_weight contains NaN or infinity"),
]


@pytest.mark.parametrize("where, value, match", NON_FINITE, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("estimator_class", ALL, ids=param_id)
def test_non_finite_values_are_rejected(estimator_class, layout, where, value, match):
    estimator, X, y = _make(estimator_class, layout)
    X, y, weight = X.copy(), y.astype(float), np.ones(N_SAMPLES)
    if where == "X":
        X[1, 0] = value  # a feature, not the task column
    elif where == "y":
        y[1] = value
    else:
        weight[1] = value
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, y, sample_weight=weight)


@pytest.mark.parametrize("penalty", PENALTIES, ids=param_id)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_nan_in_X_is_rejected_for_every_penalty(estimator_class, penalty):
    estimator, X, y = _make(estimator_class, penalty=penalty)
    X = X.copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        estimator.fit(X, y)


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_infinite_targets_are_an_error_even_when_nan_means_missing(estimator_class):
    estimator, X, y = _make(estimator_class, missing_targets="ignore")
    y = y.astype(float)
    y[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input y contains infinity"):
        estimator.fit(X, y)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_non_finite_X_in_predict_is_rejected(estimator_class, layout):
    estimator, X, y = _make(estimator_class, layout)
    estimator.fit(X, y)
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        estimator.predict(X)
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        estimator.predict(X)


def test_nan_stored_in_a_sparse_matrix_is_rejected():
    estimator, X, Y = _make(MultiTaskRegressor)
    X = sp.csr_matrix(X)
    X.data[5] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        estimator.fit(X, Y)


# ========================================================== shapes and dtypes
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_complex_X_is_rejected(estimator_class):
    estimator, X, y = _make(estimator_class)
    with pytest.raises(ValueError, match="Complex data not supported"):
        estimator.fit(X.astype(complex), y)


def test_complex_targets_are_rejected():
    estimator, X, Y = _make(MultiTaskRegressor)
    with pytest.raises(ValueError, match="Complex data not supported"):
        estimator.fit(X, Y.astype(complex))


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(lambda X: X.astype(object), id="object-numbers"),
        pytest.param(lambda X: X.astype(str), id="numeric-strings"),
        pytest.param(lambda X: X.astype(np.float16), id="float16"),
        pytest.param(lambda X: X.astype(np.float32), id="float32"),
        pytest.param(lambda X: X > 0, id="bool"),
    ],
)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_convertible_dtypes_fit_exactly_like_their_float64_values(
    estimator_class, convert
):
    estimator, X, y = _make(estimator_class)
    converted = convert(X)
    as_float = np.asarray(converted, dtype=np.float64)
    expected = clone(estimator).fit(as_float, y)
    fitted = estimator.fit(converted, y)
    # float32 is kept, the fit cast to it (tests/estimators/test_float32.py).
    dtype = np.float32 if converted.dtype == np.float32 else np.float64
    assert fitted.coef_.dtype == dtype
    assert_array_equal(fitted.coef_, expected.coef_.astype(dtype))
    assert_array_equal(fitted.intercept_, expected.intercept_.astype(dtype))


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_strings_in_X_are_rejected(estimator_class):
    estimator, X, y = _make(estimator_class)
    X = X.astype(object)
    X[2, 1] = "abc"
    with pytest.raises(ValueError, match="could not convert string to float: 'abc'"):
        estimator.fit(X, y)


def test_a_string_feature_column_of_a_dataframe_is_rejected():
    estimator, X, Y = _make(MultiTaskRegressor)
    frame = _frame(X).assign(city="Paris")
    with pytest.raises(ValueError, match="could not convert string to float: 'Paris'"):
        estimator.fit(frame, Y)


def _extension_frame(X, dtype):
    values = {"Float64": X, "Int64": np.round(3 * X), "boolean": X > 0}[dtype]
    return _frame(values).astype(dtype)


@pytest.mark.parametrize("dtype", ["Float64", "Int64", "boolean"])
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_pandas_extension_dtypes_fit_exactly_like_numpy(estimator_class, dtype):
    estimator, X, y = _make(estimator_class)
    frame = _extension_frame(X, dtype)
    expected = clone(estimator).fit(frame.to_numpy(dtype=np.float64), y)
    assert_array_equal(estimator.fit(frame, y).coef_, expected.coef_)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["Float64", "Int64", "boolean"])
def test_pandas_na_in_features_is_rejected(dtype, layout):
    estimator, X, y = _make(MultiTaskRegressor, layout)
    frame = _extension_frame(X[:, :N_FEATURES], dtype)
    if layout == "task_column":
        frame["task"] = X[:, -1].astype(int)
        estimator.set_params(task_column="task")
    frame.iloc[1, 2] = pd.NA
    with pytest.raises(ValueError, match="Input X contains NaN"):
        estimator.fit(frame, y)


def test_pandas_na_in_float64_targets_is_missing():
    estimator, X, Y = _make(MultiTaskRegressor)
    frame = pd.DataFrame(Y, columns=["u", "v", "w"]).astype("Float64")
    frame.iloc[0, 0] = pd.NA
    with pytest.raises(ValueError, match="Input y contains NaN"):
        estimator.fit(X, frame)
    ignoring = estimator.set_params(missing_targets="ignore").fit(X, frame)
    as_nan = Y.copy()
    as_nan[0, 0] = np.nan
    expected = clone(estimator).fit(X, as_nan)
    assert_array_equal(ignoring.coef_, expected.coef_)
    assert_array_equal(ignoring.tasks_, ["u", "v", "w"])


@pytest.mark.parametrize("dtype", ["Int64", "boolean"])
def test_pandas_na_in_extension_labels_is_missing(dtype):
    estimator, X, Y = _make(MultiTaskClassifier)
    frame = pd.DataFrame(Y).astype(dtype)
    frame.iloc[0, 0] = pd.NA
    with pytest.raises(ValueError, match="Input y contains NaN"):
        estimator.fit(X, frame)
    estimator.set_params(missing_targets="ignore").fit(X, frame)
    # As in scikit-learn, nullable labels come back as floats 0.0 / 1.0.
    for classes in estimator.task_classes_:
        assert_array_equal(classes, [0.0, 1.0])


def test_pd_na_in_string_labels_is_a_missing_target():
    estimator, X, Y = _make(MultiTaskClassifier)
    labels = pd.Series(np.array(["no", "yes"])[Y[:, 0]], dtype="string")
    labels[0] = pd.NA
    with pytest.raises(ValueError, match="missing_targets='ignore'"):
        estimator.fit(X, labels)


def test_pd_na_in_string_labels_is_ignored_when_asked():
    estimator, X, Y = _make(MultiTaskClassifier, missing_targets="ignore")
    labels = pd.Series(np.array(["no", "yes"])[Y[:, 0]], dtype="string")
    labels[0] = pd.NA
    assert_array_equal(estimator.fit(X, labels).classes_, ["no", "yes"])


def test_pd_na_in_object_regression_targets_is_a_missing_target():
    estimator, X, Y = _make(MultiTaskRegressor)
    y = Y[:, 0].astype(object)
    y[0] = pd.NA
    with pytest.raises(ValueError, match="Input y contains NaN"):
        estimator.fit(X, y)


def test_none_in_object_regression_targets_is_a_missing_target():
    estimator, X, Y = _make(MultiTaskRegressor)
    y = Y[:, 0].astype(object)
    y[0] = None
    with pytest.raises(ValueError, match="missing_targets='ignore'"):
        estimator.fit(X, y)
    ignoring = estimator.set_params(missing_targets="ignore").fit(X, y)
    assert ignoring.coef_.shape == (1, N_FEATURES)


def test_labels_of_mixed_types_in_one_task_are_rejected():
    estimator, X, _ = _make(MultiTaskClassifier)
    labels = np.array([1, "a"] * (N_SAMPLES // 2), dtype=object)
    with pytest.raises(ValueError, match="mix types"):
        estimator.fit(X, labels)


def test_labels_of_different_types_in_different_tasks_keep_their_types():
    estimator, X, Y = _make(MultiTaskClassifier)
    labels = np.empty((N_SAMPLES, 2), dtype=object)
    labels[:, 0] = np.array(["no", "yes"])[Y[:, 0]]
    labels[:, 1] = Y[:, 1]
    estimator.fit(X, labels)
    assert_array_equal(estimator.task_classes_[0], ["no", "yes"])
    assert_array_equal(estimator.task_classes_[1], [0, 1])
    prediction = estimator.predict(X)
    assert prediction.dtype == object
    assert {type(v) for v in prediction[:, 0]} == {str}


def test_continuous_labels_are_rejected_by_the_classifier():
    estimator, X, _ = _make(MultiTaskClassifier)
    _, _, Y = _data(False, "shared")
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        estimator.fit(X, Y)


@pytest.mark.parametrize(
    "X_shape, y_shape, match",
    [
        ((N_SAMPLES,), (N_SAMPLES, 3), "Expected 2D array, got 1D array instead"),
        ((N_SAMPLES, 4, 1), (N_SAMPLES, 3), "Found array with dim 3"),
        ((N_SAMPLES, 4), (N_SAMPLES, 3, 1), "Found array with dim 3"),
        ((0, 4), (0, 3), re.escape("Found array with 0 sample(s) (shape=(0, 4))")),
        ((N_SAMPLES, 0), (N_SAMPLES, 3), re.escape("Found array with 0 feature(s)")),
        (
            (N_SAMPLES, 4),
            (N_SAMPLES - 1, 3),
            "inconsistent numbers of samples: X has 24 rows and y has 23",
        ),
    ],
    ids=["X-1d", "X-3d", "y-3d", "no-samples", "no-features", "y-length"],
)
def test_wrong_shapes_are_rejected(X_shape, y_shape, match):
    with pytest.raises(ValueError, match=match):
        MultiTaskRegressor().fit(np.ones(X_shape), np.ones(y_shape))


@pytest.mark.parametrize("estimator_class", ALL, ids=param_id)
def test_missing_y_is_rejected(estimator_class):
    estimator, X, _ = _make(estimator_class)
    name = estimator_class.__name__
    with pytest.raises(ValueError, match=f"{name} requires y to be passed"):
        estimator.fit(X, None)


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_two_dimensional_y_with_a_task_column_is_rejected(estimator_class):
    estimator, X, y = _make(estimator_class, "task_column")
    with pytest.raises(ValueError, match=re.escape("y must be 1-D (one target per")):
        estimator.fit(X, np.column_stack([y, y]))


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_predict_with_another_number_of_features_is_rejected(estimator_class):
    estimator, X, y = _make(estimator_class)
    estimator.fit(X, y)
    name = estimator_class.__name__
    match = f"X has 3 features, but {name} is expecting 4 features as input"
    with pytest.raises(ValueError, match=match):
        estimator.predict(X[:, :3])


BAD_WEIGHTS = [
    (np.ones(N_SAMPLES - 1), "sample_weight must have shape \\(24,\\), one weight"),
    (np.ones((N_SAMPLES, 1)), "got shape \\(24, 1\\)"),
    (-np.ones(N_SAMPLES), "sample_weight has negative values; weights must be >= 0"),
    (np.zeros(N_SAMPLES), "sample_weight sums to zero: at least one sample needs"),
    (
        pd.array([1.0] * (N_SAMPLES - 1) + [pd.NA], dtype="Float64"),
        "sample_weight contains NaN or infinity",
    ),
]


@pytest.mark.parametrize("weight, match", BAD_WEIGHTS)
@pytest.mark.parametrize("estimator_class", ALL, ids=param_id)
def test_bad_sample_weights_are_rejected(estimator_class, weight, match):
    estimator, X, y = _make(estimator_class)
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, y, sample_weight=weight)


@pytest.mark.parametrize(
    "weight, match",
    [
        (np.full(N_SAMPLES, "a"), "sample_weight must be numeric, got dtype <U1"),
        (np.ones(N_SAMPLES, dtype=object), "must be numeric, got dtype object"),
        (np.ones(N_SAMPLES) + 1j, "must be numeric, got dtype complex128"),
    ],
    ids=["str", "object", "complex"],
)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_non_numeric_sample_weights_are_rejected(estimator_class, weight, match):
    estimator, X, y = _make(estimator_class)
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, y, sample_weight=weight)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("estimator_class", CV, ids=param_id)
def test_cv_estimators_reject_complex_sample_weights(estimator_class):
    estimator, X, y = _make(estimator_class)
    with pytest.raises(ValueError, match="sample_weight must be numeric"):
        estimator.fit(X, y, sample_weight=np.ones(N_SAMPLES) + 1j)


def test_a_scalar_or_a_list_of_weights_is_a_weight_per_sample():
    estimator, X, Y = _make(MultiTaskRegressor)
    expected = clone(estimator).fit(X, Y)
    # Weights are rescaled to sum to n: a constant weight changes nothing.
    assert_allclose(clone(estimator).fit(X, Y, 2.0).coef_, expected.coef_, atol=1e-12)
    weights = [1.0] * N_SAMPLES
    assert_array_equal(clone(estimator).fit(X, Y, weights).coef_, expected.coef_)


# ============================================================== sparse formats
SPARSE_FORMATS = ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"]


@pytest.mark.parametrize("container", ["matrix", "array"])
@pytest.mark.parametrize("fmt", SPARSE_FORMATS)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_every_sparse_format_is_accepted_after_conversion(
    estimator_class, fmt, container
):
    estimator, X, y = _make(estimator_class, **TIGHT)
    X[np.abs(X) < 0.5] = 0.0
    make = sp.csr_matrix if container == "matrix" else sp.csr_array
    reference = clone(estimator).fit(make(X), y)
    fitted = estimator.fit(make(X).asformat(fmt), y)
    assert_allclose(fitted.coef_, reference.coef_, rtol=1e-10, atol=1e-12)
    dense = clone(estimator).fit(X, y)
    assert_allclose(fitted.coef_, dense.coef_, atol=1e-6)
    method = "predict_proba" if is_classifier(fitted) else "predict"
    prediction = getattr(fitted, method)(make(X).asformat(fmt))
    assert_allclose(prediction, getattr(dense, method)(X), atol=1e-6)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok"])
def test_sparse_formats_with_a_task_column(fmt):
    estimator, X, y = _make(MultiTaskRegressor, "task_column", **TIGHT)
    dense = clone(estimator).fit(X, y)
    fitted = estimator.fit(sp.csr_matrix(X).asformat(fmt), y)
    assert_allclose(fitted.coef_, dense.coef_, atol=1e-8)
    prediction = fitted.predict(sp.csr_matrix(X).asformat(fmt))
    assert_allclose(prediction, dense.predict(X), atol=1e-8)


@pytest.mark.parametrize("estimator_class", CV, ids=param_id)
def test_cv_estimators_accept_coo_input(estimator_class):
    estimator, X, y = _make(estimator_class)
    reference = clone(estimator).fit(sp.csr_matrix(X), y)
    fitted = estimator.fit(sp.coo_matrix(X), y)
    assert_array_equal(fitted.scores_, reference.scores_)
    assert_array_equal(fitted.coef_, reference.coef_)


# ============================================================= degenerate data
@pytest.mark.parametrize("penalty", PENALTIES, ids=param_id)
def test_duplicated_features_get_equal_coefficients(penalty):
    # l2 > 0 makes the solution unique, hence symmetric in the two copies.
    estimator, X, Y = _make(MultiTaskRegressor, penalty=penalty, alpha=0.05, l2=0.1)
    X = np.column_stack([X, X[:, 0]])
    coef = estimator.set_params(**TIGHT).fit(X, Y).coef_
    assert np.all(np.abs(coef[:, 0]) > 1e-3)
    assert_allclose(coef[:, 0], coef[:, -1], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("penalty", PENALTIES, ids=param_id)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_a_constant_feature_gets_a_zero_coefficient(estimator_class, penalty):
    estimator, X, y = _make(estimator_class, penalty=penalty, alpha=0.02)
    X = X.copy()
    X[:, 1] = 3.0
    coef = estimator.fit(X, y).coef_
    assert_allclose(coef[:, 1], 0.0, atol=1e-12)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("penalty", PENALTIES, ids=param_id)
def test_constant_targets_give_zero_coef_and_the_constant_as_intercept(penalty, layout):
    estimator, X, y = _make(MultiTaskRegressor, layout, penalty=penalty)
    constants = np.array([1.5, -2.0, 7.0])
    if layout == "shared":
        y = np.tile(constants, (N_SAMPLES, 1))
    else:
        y = constants[X[:, -1].astype(int)]
    estimator.fit(X, y)
    assert estimator.converged_
    assert_allclose(estimator.coef_, 0.0, atol=1e-12)
    assert_allclose(estimator.intercept_, constants, rtol=1e-14)


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_all_zero_features_give_the_null_model(estimator_class):
    estimator, X, y = _make(estimator_class)
    estimator.fit(np.zeros_like(X), y)
    assert_array_equal(estimator.coef_, 0.0)
    if is_classifier(estimator):
        rate = y.mean(axis=0)
        log_odds = np.log(rate / (1 - rate))
        assert_allclose(estimator.intercept_, log_odds, rtol=1e-12, atol=1e-12)
    else:
        assert_allclose(estimator.intercept_, y.mean(axis=0), rtol=1e-12)


def test_one_sample_per_task_gives_zero_coef_and_the_target_as_intercept():
    X = np.column_stack([np.arange(12.0).reshape(3, 4), [0, 1, 2]])
    estimator = MultiTaskRegressor(task_column=-1).fit(X, [1.0, 2.0, 3.0])
    assert_array_equal(estimator.coef_, 0.0)
    assert_allclose(estimator.intercept_, [1.0, 2.0, 3.0])


def test_a_single_sample_gives_zero_coef_and_the_targets_as_intercepts():
    estimator = MultiTaskRegressor().fit(np.ones((1, 3)), [[1.0, -2.0]])
    assert_array_equal(estimator.coef_, 0.0)
    assert_allclose(estimator.intercept_, [1.0, -2.0])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_task_with_no_observed_target_is_rejected(layout):
    estimator, X, y = _make(MultiTaskRegressor, layout, missing_targets="ignore")
    y = y.copy()
    if layout == "shared":
        y[:, 0] = np.nan
    else:
        y[X[:, -1] == 0] = np.nan
    match = re.escape("Tasks at positions [0] have no observation with positive")
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, y)


def test_a_task_with_zero_weight_only_is_rejected():
    estimator, X, y = _make(MultiTaskRegressor, "task_column")
    weight = np.where(X[:, -1] == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match=re.escape("Tasks at positions [2] have no")):
        estimator.fit(X, y, sample_weight=weight)


def test_grid_search_fold_without_a_task_says_which_task_and_what_to_do():
    # KFold without shuffling leaves task 0 (the first two rows) out of the
    # training part of the first fold.
    _, X, y = _data(False, "task_column")
    X = X.copy()
    X[:, -1] = np.r_[0, 0, np.arange(N_SAMPLES - 2) % 2 + 1]
    search = GridSearchCV(
        MultiTaskRegressor(task_column=-1),
        {"alpha": [0.1, 0.01]},
        cv=KFold(3),
        error_score="raise",
    )
    match = re.escape("X holds tasks not seen in fit: ['0.0']. Fit with those tasks")
    with pytest.raises(ValueError, match=match + ".*unknown_task='mean'"):
        search.fit(X, y)
    with pytest.raises(ValueError, match=match):
        MultiTaskRegressorCV(task_column=-1, cv=KFold(3), alphas=2).fit(X, y)
    # TaskKFold keeps every task in every training fold.
    search.set_params(cv=TaskKFold(3, task_column=-1)).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert MultiTaskRegressorCV(task_column=-1, cv=3, alphas=2).fit(X, y).alpha_ > 0


@pytest.mark.parametrize("penalty", ["group_lasso", "trace_norm", "lasso", "ridge"])
def test_perfectly_separable_classes_converge_or_warn_with_the_gap(penalty):
    estimator, X, _ = _make(MultiTaskClassifier, penalty=penalty, alpha=1e-6)
    separable = (X[:, :2] > 0).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, separable)
    gap_warnings = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert np.all(np.isfinite(estimator.coef_))
    assert_array_equal(estimator.predict(X), separable)
    if estimator.converged_:
        assert not gap_warnings
        null = clone(estimator).set_params(penalty="group_lasso", alpha=1e9)
        assert estimator.dual_gap_ <= 1e-4 * null.fit(X, separable).objective_
    else:
        assert f"duality gap {estimator.dual_gap_:.3e}" in str(gap_warnings[0].message)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "estimator_class", [MultiTaskClassifier, MultiTaskClassifierCV]
)
def test_a_task_with_a_single_class_is_rejected(estimator_class, layout):
    # The default, single_class_tasks="constant", predicts such a task
    # (tests/estimators/test_workflows.py); "error" rejects it.
    estimator, X, y = _make(estimator_class, layout, single_class_tasks="error")
    y = y.copy()
    if layout == "shared":
        y[:, 1] = 1
        task = "1"
    else:
        y[X[:, -1] == 1] = 1
        task = "1.0"
    match = f"Task {task} has a single class with positive sample weight"
    with pytest.raises(ValueError, match=match + ".*Every task needs at least two"):
        estimator.fit(X, y)


def test_a_class_with_zero_total_weight_is_rejected():
    estimator, X, Y = _make(MultiTaskClassifier)
    labels = Y[:, 0].copy()
    labels[0] = 2  # class 2 in row 0 only, which has weight zero
    weight = np.where(np.arange(N_SAMPLES) == 0, 0.0, 1.0)
    match = re.escape("Classes [2] of task 0 have zero total sample weight")
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, labels, sample_weight=weight)


def test_a_cv_fold_with_a_single_class_is_reported():
    estimator, X, _ = _make(
        MultiTaskClassifierCV, cv=KFold(8), single_class_tasks="error"
    )
    labels = (np.arange(N_SAMPLES) >= N_SAMPLES - 3).astype(int)
    match = "Task 0 has a single class with positive sample weight"
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, labels)


# ================================================================== parameters
BAD_PARAMETERS = [
    ({"alpha": -1.0}, "alpha must be >= 0.0, got -1.0."),
    ({"alpha": "0.1"}, "alpha must be a finite real number, got '0.1'."),
    ({"alpha": np.nan}, "alpha must be a finite real number, got nan."),
    ({"alpha": np.inf}, "alpha must be a finite real number, got inf."),
    ({"alpha": True}, "alpha must be a finite real number, got True."),
    ({"alpha": None}, "alpha must be a finite real number, got None."),
    ({"l2": -0.5}, "l2 must be >= 0.0, got -0.5."),
    ({"l2": np.nan}, "l2 must be a finite real number, got nan."),
    ({"l2": "x"}, "l2 must be a finite real number, got 'x'."),
    ({"tol": 0.0}, "tol must be > 0.0, got 0.0."),
    ({"tol": -1e-4}, "tol must be > 0.0, got -0.0001."),
    ({"tol": np.nan}, "tol must be a finite real number, got nan."),
    ({"max_iter": 0}, "max_iter must be a positive integer, got 0."),
    ({"max_iter": 2.5}, "max_iter must be a positive integer, got 2.5."),
    ({"max_iter": "10"}, "max_iter must be a positive integer, got '10'."),
    ({"fit_intercept": "yes"}, "fit_intercept must be True or False, got 'yes'."),
    ({"fit_intercept": 1}, "fit_intercept must be True or False, got 1."),
    ({"penalty": "l1"}, "Unknown penalty 'l1'. Valid penalties are: 'group_lasso'"),
    ({"penalty": None}, "Unknown penalty None. Valid penalties are"),
    (
        {"penalty": Clustered},
        "Unknown penalty <class 'skmtl.penalties.structures.Clustered'>",
    ),
    (
        {"task_weighting": "rows"},
        "task_weighting must be one of 'observations', 'tasks', got 'rows'.",
    ),
    (
        {"missing_targets": "drop"},
        "missing_targets must be one of 'error', 'ignore', got 'drop'.",
    ),
    ({"unknown_task": "zero"}, "unknown_task must be one of 'error', 'mean', got"),
    (
        {"penalty": Dirty(lasso_weight=-1)},
        "Dirty: lasso_weight must be a positive finite number or 'auto', got -1.",
    ),
    (
        {"penalty": RobustTraceNorm(outlier_weight=0)},
        "RobustTraceNorm: outlier_weight must be a positive finite number or 'auto'",
    ),
    (
        {"penalty": TaskGraph(strength=-1.0)},
        "TaskGraph: strength must be a number >= 0 (np.inf ties the tasks), got -1.0.",
    ),
    (
        {"penalty": TaskGraph(graph=np.ones((2, 2)))},
        "TaskGraph: the adjacency matrix must have shape (3, 3), one row and column",
    ),
    (
        {"penalty": TaskGraph(graph=np.triu(np.ones((3, 3)), 1))},
        "TaskGraph: the adjacency matrix must be symmetric",
    ),
    (
        {"penalty": TaskGraph(graph=[(0, 5)])},
        "TaskGraph: the edge (0, 5) names the task 5, which is not among the fitted",
    ),
    ({"penalty": TaskGraph(graph=[(0, 0)])}, "the edge (0, 0) joins a task to itself"),
    ({"penalty": TaskGraph(graph=[(0, 1), (1, 0)])}, "the edge (1, 0) is listed twice"),
    (
        {"penalty": TaskGraph(base="clustered")},
        "TaskGraph: base must be a penalty with no smooth term, got Clustered().",
    ),
    (
        {"penalty": Clustered(n_clusters=0)},
        "Clustered: n_clusters must be an integer between 1 and the number of tasks "
        "(3), got 0.",
    ),
    ({"penalty": Clustered(n_clusters=4)}, "and the number of tasks (3), got 4."),
    ({"penalty": Clustered(eta=0.0)}, "Clustered: eta must be a positive finite"),
]


@pytest.mark.parametrize(
    "params, message", BAD_PARAMETERS, ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_bad_parameters_are_rejected_at_fit(estimator_class, params, message):
    estimator, X, y = _make(estimator_class, **params)
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator.fit(X, y)


def test_penalties_of_multiclass_tasks_that_need_one_column_per_task():
    estimator, X, Y = _make(MultiTaskClassifier, penalty=TaskGraph())
    labels = np.column_stack([Y[:, 0], np.arange(N_SAMPLES) % 3])
    match = re.escape("TaskGraph compares the coefficient vectors of tasks, so it")
    with pytest.raises(ValueError, match=match + ".*Use binary tasks"):
        estimator.fit(X, labels)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"l2": -1.0}, "l2 must be >= 0.0, got -1.0."),
        ({"max_iter": 0}, "max_iter must be a positive integer, got 0."),
        ({"penalty": []}, "a penalty (a name or a penalty object) or a non-empty list"),
        ({"penalty": ["group_lasso", "l1"]}, "Unknown penalty 'l1'."),
        ({"alphas": 0}, "alphas must be a positive integer, got 0."),
        ({"alphas": [-1.0, 0.1]}, "alphas must be a positive integer or a non-empty"),
        ({"alphas": [np.nan]}, "alphas must be a positive integer or a non-empty"),
        ({"alphas": []}, "alphas must be a positive integer or a non-empty array"),
        ({"eps": 0.0}, "eps must be in (0, 1), got 0.0."),
        ({"eps": 2}, "eps must be in (0, 1), got 2."),
        ({"cv": 1}, "k-fold cross-validation requires at least one train/test split"),
        (
            {"cv": 40},
            "Cannot have number of splits n_splits=40 greater than the number",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("estimator_class", CV, ids=param_id)
def test_bad_cv_parameters_are_rejected(estimator_class, params, message):
    estimator, X, y = _make(estimator_class, **params)
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator.fit(X, y)


def test_unknown_parameter_names_are_rejected():
    with pytest.raises(TypeError, match="unexpected keyword argument 'lamda'"):
        MultiTaskRegressor(lamda=0.1)
    with pytest.raises(ValueError, match="Invalid parameter 'lamda' for estimator"):
        MultiTaskClassifier().set_params(lamda=0.1)
    with pytest.raises(ValueError, match="Invalid parameter 'rho' for estimator Dirty"):
        MultiTaskRegressor(penalty=Dirty()).set_params(penalty__rho=0.1)
    with pytest.raises(ValueError, match="Invalid parameter 'lamda' for estimator"):
        MultiTaskRegressorCV().set_params(lamda=0.1)
    with pytest.raises(TypeError, match="takes from 1 to 3 positional arguments"):
        MultiTaskRegressor("lasso", 0.1, 0.2)


def test_alpha_zero_and_huge_alpha_are_valid():
    estimator, X, Y = _make(MultiTaskRegressor, alpha=1e300)
    estimator.fit(X, Y)
    assert_array_equal(estimator.coef_, 0.0)
    assert_allclose(estimator.intercept_, Y.mean(axis=0), rtol=1e-12)
    estimator.set_params(alpha=0.0).fit(X, Y)
    assert estimator.converged_
    ols = np.linalg.lstsq(np.column_stack([X, np.ones(N_SAMPLES)]), Y, rcond=None)
    assert_allclose(estimator.coef_, ols[0][:-1].T, atol=1e-3)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_max_iter_true_is_rejected():
    estimator, X, Y = _make(MultiTaskRegressor, max_iter=True)
    with pytest.raises(ValueError, match="max_iter must be a positive integer"):
        estimator.fit(X, Y)


def test_verbose_of_the_wrong_type_is_rejected():
    estimator, X, Y = _make(MultiTaskRegressor, verbose="loud")
    with pytest.raises(ValueError, match="verbose must be"):
        estimator.fit(X, Y)


def test_warm_start_of_the_wrong_type_is_rejected():
    estimator, X, Y = _make(MultiTaskRegressor, warm_start="x")
    with pytest.raises(ValueError, match="warm_start must be True or False"):
        estimator.fit(X, Y)


def test_clustered_eta_error_does_not_offer_auto():
    estimator, X, Y = _make(MultiTaskRegressor, penalty=Clustered(eta="auto"))
    message = "Clustered: eta must be a positive finite number, got 'auto'."
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator.fit(X, Y)


def test_cv_alphas_of_the_wrong_type_name_the_parameter():
    estimator, X, Y = _make(MultiTaskRegressorCV, alphas="many")
    with pytest.raises(ValueError, match="alphas must be a positive integer or a"):
        estimator.fit(X, Y)


def test_task_graph_edge_weight_of_the_wrong_type_names_the_edge():
    estimator, X, Y = _make(MultiTaskRegressor, penalty=TaskGraph([(0, 1, "heavy")]))
    with pytest.raises(ValueError, match=re.escape("TaskGraph: the edge (0, 1, 'hea")):
        estimator.fit(X, Y)


def test_nested_parameters_of_a_penalty_given_by_name_say_what_to_do():
    with pytest.raises(ValueError, match="penalty object"):
        MultiTaskRegressor(penalty="dirty").set_params(penalty__lasso_weight=0.5)


# ======================================================================= state
METHODS = ["predict", "predict_proba", "decision_function", "score"]


@pytest.mark.parametrize(
    "estimator_class, method",
    [(cls, m) for cls in ALL for m in METHODS if hasattr(cls, m)],
    ids=lambda v: param_id(v),
)
def test_methods_before_fit_raise_not_fitted(estimator_class, method):
    estimator, X, y = _make(estimator_class)
    args = (X, y) if method == "score" else (X,)
    match = f"This {estimator_class.__name__} instance is not fitted yet"
    with pytest.raises(NotFittedError, match=match):
        getattr(estimator, method)(*args)


def test_task_relatedness_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        MultiTaskRegressor().task_relatedness_  # noqa: B018


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_refit_with_other_shapes_replaces_every_fitted_attribute(estimator_class):
    estimator, X, y = _make(estimator_class)
    estimator.fit(X, y)
    fresh = clone(estimator).fit(X[:, :2], y[:, :1])
    estimator.fit(X[:, :2], y[:, :1])
    assert estimator.coef_.shape == (1, 2)
    assert estimator.n_features_in_ == 2 and estimator.n_tasks_ == 1
    assert_array_equal(estimator.coef_, fresh.coef_)
    assert_array_equal(estimator.predict(X[:, :2]), fresh.predict(X[:, :2]))
    name = estimator_class.__name__
    with pytest.raises(ValueError, match=f"X has 4 features, but {name} is expecting"):
        estimator.predict(X)


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_warm_start_across_shape_changes_is_a_cold_start(estimator_class):
    estimator, X, y = _make(estimator_class, warm_start=True, **TIGHT)
    estimator.fit(X, y)
    for X_new, y_new in [(X[:, :3], y), (X, y[:, :2]), (X[:, :2], y[:, :1])]:
        cold = clone(estimator).set_params(warm_start=False).fit(X_new, y_new)
        estimator.fit(X_new, y_new)
        assert estimator.converged_
        assert_allclose(estimator.coef_, cold.coef_, atol=1e-5)


def test_warm_start_when_the_classes_of_a_task_change():
    estimator, X, Y = _make(MultiTaskClassifier, warm_start=True, **TIGHT)
    estimator.fit(X, Y)
    labels = np.column_stack([Y[:, 0], np.arange(N_SAMPLES) % 3, Y[:, 2]])
    cold = clone(estimator).set_params(warm_start=False).fit(X, labels)
    estimator.fit(X, labels)
    assert estimator.coef_.shape == (5, N_FEATURES)
    assert estimator.coef_rows_ == cold.coef_rows_
    assert_allclose(estimator.coef_, cold.coef_, atol=1e-4)


def test_warm_start_across_penalties_drops_the_old_structure():
    estimator, X, Y = _make(MultiTaskRegressor, penalty=Dirty(), warm_start=True)
    estimator.fit(X, Y)
    assert hasattr(estimator, "P_")
    estimator.set_params(penalty=RobustTraceNorm()).fit(X, Y)
    assert not hasattr(estimator, "P_") and hasattr(estimator, "L_")
    estimator.set_params(penalty="group_lasso", **TIGHT).fit(X, Y)
    assert not hasattr(estimator, "L_") and not hasattr(estimator, "outlier_tasks_")
    cold = MultiTaskRegressor(penalty="group_lasso", **TIGHT).fit(X, Y)
    assert_allclose(estimator.coef_, cold.coef_, atol=1e-6)


def test_feature_names_must_match_between_fit_and_predict():
    estimator, X, y = _make(MultiTaskRegressor, "task_column")
    frame = _frame(X)
    estimator.set_params(task_column="task").fit(frame, y)
    with pytest.raises(ValueError, match="Feature names seen at fit time, yet now"):
        estimator.predict(frame.drop(columns="f0"))
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        estimator.predict(frame[["task", "f0", "f1", "f2", "f3"]])


# ================================================================= task labels
@pytest.mark.parametrize("estimator_class", SINGLE + CV, ids=param_id)
def test_tasks_unseen_in_fit_are_an_error_in_predict(estimator_class):
    estimator, X, y = _make(estimator_class, "task_column")
    estimator.fit(X, y)
    X_new = X.copy()
    X_new[:2, -1] = 7
    match = re.escape("X holds tasks not seen in fit: ['7.0']. Fit with those tasks")
    with pytest.raises(ValueError, match=match + ".*unknown_task='mean'"):
        estimator.predict(X_new)


def test_unknown_task_mean_predicts_with_the_mean_coefficients():
    estimator, X, y = _make(MultiTaskRegressor, "task_column", unknown_task="mean")
    estimator.fit(X, y)
    X_new = X[:3].copy()
    X_new[:, -1] = 7
    expected = X_new[:, :-1] @ estimator.coef_.mean(axis=0)
    expected += estimator.intercept_.mean()
    assert_allclose(estimator.predict(X_new), expected, rtol=1e-12)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_predict_returns_one_prediction_per_row_in_input_order(estimator_class, layout):
    # Rows whose targets were missing in fit are still predicted: no row is
    # dropped, and the predictions follow the rows.
    estimator, X, y = _make(estimator_class, layout, missing_targets="ignore")
    y = y.astype(float)
    y[:5] = np.nan
    estimator.fit(X, y)
    prediction = estimator.predict(X)
    assert prediction.shape == y.shape
    order = np.random.default_rng(0).permutation(N_SAMPLES)
    assert_array_equal(estimator.predict(X[order]), prediction[order])


def test_task_labels_equal_in_value_match_across_types():
    estimator, X, y = _make(MultiTaskRegressor, "task_column")
    frame = _frame(X).astype({"task": int})
    estimator.set_params(task_column="task").fit(frame, y)
    as_float = frame.astype({"task": float})
    assert_array_equal(estimator.predict(as_float), estimator.predict(frame))
    with pytest.raises(ValueError, match=re.escape("not seen in fit: ['0', '1', '2']")):
        estimator.predict(frame.astype({"task": str}))


def _labelled_frame(X, labels):
    frame = _frame(X).drop(columns="task")
    frame["school"] = labels
    return frame


MISSING_LABELS = [
    pytest.param(lambda t: np.where(t == 1, np.nan, t), id="float-nan"),
    pytest.param(
        lambda t: pd.Series(np.array(["a", "b", "c"], dtype=object)[t]).where(
            np.arange(t.size) != 1, None
        ),
        id="none",
    ),
    pytest.param(
        lambda t: pd.Categorical(np.array(["a", "b", "c"])[t]).remove_categories("b"),
        id="category-nan",
    ),
    pytest.param(
        lambda t: pd.array([pd.NA if v == 1 else v for v in t], dtype="Int64"),
        id="Int64-na",
    ),
]


@pytest.mark.parametrize("make_labels", MISSING_LABELS)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_missing_task_labels_are_rejected(estimator_class, make_labels):
    estimator, X, y = _make(estimator_class, "task_column")
    task = X[:, -1].astype(int)
    frame = _labelled_frame(X, make_labels(task))
    estimator.set_params(task_column="school")
    match = re.escape("task labels contain missing values (NaN or None), e.g. in rows")
    with pytest.raises(ValueError, match=match + ".*Every row needs a task label"):
        estimator.fit(frame, y)
    estimator.fit(_labelled_frame(X, task), y)
    with pytest.raises(ValueError, match=match):
        estimator.predict(frame)


def test_pd_na_in_a_string_task_column_is_a_missing_label():
    estimator, X, y = _make(MultiTaskRegressor, "task_column", task_column="school")
    labels = pd.array(np.array(["a", "b", "c"])[X[:, -1].astype(int)], dtype="string")
    labels[1] = pd.NA
    with pytest.raises(ValueError, match="task labels contain missing values"):
        estimator.fit(_labelled_frame(X, labels), y)


@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_task_labels_of_mixed_types_are_rejected(estimator_class):
    estimator, X, y = _make(estimator_class, "task_column", task_column="school")
    labels = np.array(["a", "b", "c"], dtype=object)[X[:, -1].astype(int)]
    mixed = labels.copy()
    mixed[0] = 5
    match = re.escape(
        "task labels must be mutually comparable (all numbers or all strings), got "
        "values of types ['int', 'str']."
    )
    with pytest.raises(ValueError, match=match):
        estimator.fit(_labelled_frame(X, mixed), y)
    estimator.fit(_labelled_frame(X, labels), y)
    with pytest.raises(ValueError, match=match):
        estimator.predict(_labelled_frame(X, mixed))


@pytest.mark.parametrize(
    "task_column, match",
    [
        (7, "task_column=7 is out of range for X with 5 columns."),
        (-6, "task_column=-6 is out of range for X with 5 columns."),
        (1.5, "task_column=1.5 must be an integer position, or a column name when X"),
        (True, "task_column=True must be an integer position"),
        ("school", "task_column='school' must be an integer position, or a column"),
    ],
)
def test_bad_task_column_is_rejected(task_column, match):
    estimator, X, y = _make(MultiTaskRegressor, "task_column")
    estimator.set_params(task_column=task_column)
    with pytest.raises(ValueError, match=re.escape(match)):
        estimator.fit(X, y)


def test_a_task_column_name_missing_from_the_dataframe_is_named():
    estimator, X, y = _make(MultiTaskRegressor, "task_column", task_column="nope")
    with pytest.raises(ValueError, match="not a column of X"):
        estimator.fit(_frame(X), y)


def test_decision_function_is_unavailable_with_a_task_column_and_other_classes():
    estimator, X, y = _make(MultiTaskClassifier, "task_column")
    estimator.fit(X, y)
    assert hasattr(estimator, "decision_function")  # binary tasks, same classes
    y = np.where(X[:, -1] == X[0, -1], y + 2, y)  # one task's labels are 2 and 3
    estimator.fit(X, y)
    assert not hasattr(estimator, "decision_function")
    with pytest.raises(AttributeError, match="decision_function") as info:
        estimator.decision_function(X)
    assert "use predict_proba" in str(info.value.__cause__)


# ============================================================== extreme scales
def test_targets_too_large_for_float64_raise_floating_point_error():
    estimator, X, Y = _make(MultiTaskRegressor)
    match = "targets are too large for float64 arithmetic; scale the targets"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(FloatingPointError, match=match + ".*StandardScaler"):
            estimator.fit(X, Y * 1e200)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_features_whose_squares_overflow_are_reported_clearly():
    estimator, X, Y = _make(MultiTaskRegressor)
    with pytest.raises(ValueError, match="StandardScaler"):
        estimator.fit(X * 1e155, Y)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_huge_finite_sample_weights_are_rescaled():
    estimator, X, Y = _make(MultiTaskRegressor)
    expected = clone(estimator).fit(X, Y)
    fitted = estimator.fit(X, Y, sample_weight=np.full(N_SAMPLES, 1e308))
    assert_allclose(fitted.coef_, expected.coef_, atol=1e-10)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("penalty", ["ridge", "group_lasso"])
def test_targets_whose_squares_overflow_are_reported_clearly(penalty):
    estimator, X, Y = _make(MultiTaskRegressor, penalty=penalty)
    with pytest.raises((ValueError, FloatingPointError), match="scale"):
        estimator.fit(X, Y * 1e155)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_tiny_features_give_a_finite_residual():
    estimator, X, Y = _make(MultiTaskRegressor, penalty=Clustered())
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator.fit(X * 1e-300, Y)
    assert np.isfinite(estimator.optimality_residual_)


# ====================================================== inputs are not modified
def _snapshot(value):
    """A deep copy plus the structure that an in-place change could alter."""
    if sp.issparse(value):
        fields = ("data", "indices", "indptr", "row", "col")
        arrays = {k: np.array(getattr(value, k)) for k in fields if hasattr(value, k)}
        flags = getattr(value, "has_sorted_indices", None)
        return value.format, arrays, value.toarray(), flags
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=True)
    return np.array(value, copy=True), np.asarray(value).flags.writeable


def _assert_unchanged(before, value):
    if sp.issparse(value):
        fmt, arrays, dense, flags = before
        assert value.format == fmt
        for key, array in arrays.items():
            assert_array_equal(getattr(value, key), array, err_msg=key)
        assert_array_equal(value.toarray(), dense)
        assert getattr(value, "has_sorted_indices", None) == flags
    elif isinstance(value, (pd.DataFrame, pd.Series)):
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, before, check_exact=True)
        else:
            pd.testing.assert_series_equal(value, before, check_exact=True)
    else:
        array, writeable = before
        assert_array_equal(np.asarray(value), array)
        assert np.asarray(value).flags.writeable == writeable


def _unsorted_csr(X):
    """A CSR matrix with unsorted indices and duplicate entries (same values)."""
    rng = np.random.default_rng(1)
    coo = sp.coo_matrix(X)
    half = coo.data / 2
    rows = np.r_[coo.row, coo.row[:5]]
    cols = np.r_[coo.col, coo.col[:5]]
    data = np.r_[half[:5], coo.data[5:], half[:5]]
    order = np.lexsort((rng.random(rows.size), rows))
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=X.shape[0]))]
    matrix = sp.csr_matrix((data[order], cols[order], indptr), shape=X.shape)
    matrix.has_sorted_indices = False
    assert not matrix.has_canonical_format
    return matrix


def _read_only(array):
    array = np.array(array)
    array.flags.writeable = False
    return array


INPUT_KINDS = {
    "dense": lambda X: X.copy(),
    "fortran": np.asfortranarray,
    "read-only": _read_only,
    "csr-unsorted-duplicates": _unsorted_csr,
    "csc": sp.csc_matrix,
    "csr_array": sp.csr_array,
    "coo": sp.coo_matrix,
    "lil": sp.lil_matrix,
    "dataframe": _frame,
    "dataframe-Float64": lambda X: _frame(X).astype("Float64"),
}


@pytest.mark.parametrize("kind", list(INPUT_KINDS))
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("estimator_class", ALL, ids=param_id)
def test_fit_and_predict_never_modify_their_inputs(estimator_class, layout, kind):
    estimator, X, y = _make(estimator_class, layout)
    X = X.copy()
    X[np.abs(X) < 0.3] = 0.0
    if layout == "task_column":
        X[:, -1] = np.arange(N_SAMPLES) % N_TASKS
    X_in = INPUT_KINDS[kind](X)
    if kind.startswith("dataframe") and layout == "task_column":
        estimator.set_params(task_column="task")
    y_in = pd.DataFrame(y) if y.ndim == 2 else pd.Series(y)
    if kind == "read-only":
        y_in = _read_only(y)
    weight = _read_only(np.linspace(0.5, 2.0, N_SAMPLES))
    if kind == "dense":
        weight = pd.Series(np.linspace(0.5, 2.0, N_SAMPLES))
    inputs = (X_in, y_in, weight)
    before = [_snapshot(v) for v in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(*inputs[:2], sample_weight=weight)
        estimator.predict(X_in)
        if hasattr(estimator, "predict_proba"):
            estimator.predict_proba(X_in)
        estimator.score(X_in, y_in)
    for snapshot, value in zip(before, inputs, strict=True):
        _assert_unchanged(snapshot, value)


@pytest.mark.parametrize("penalty", PENALTIES, ids=param_id)
def test_no_penalty_modifies_its_inputs_or_its_penalty_object(penalty):
    estimator, X, Y = _make(MultiTaskRegressor, penalty=penalty)
    Y = Y.copy()
    Y[0, 0] = np.nan
    estimator.set_params(missing_targets="ignore")
    penalty_before = copy.deepcopy(estimator.penalty)
    before = [_snapshot(X), _snapshot(Y)]
    estimator.fit(X, Y).predict(X)
    _assert_unchanged(before[0], X)
    _assert_unchanged(before[1], Y)
    if not isinstance(penalty, str):
        assert repr(estimator.penalty) == repr(penalty_before)
        assert estimator.penalty.get_params() == penalty_before.get_params()
