"""Determinism, thread safety, global state and honest convergence reports.

- The same fit gives bit-identical results run after run, whatever the
  number of CV jobs (``n_jobs``) and the joblib backend.
- Fits running at the same time in threads give the results of sequential
  fits: the estimators share no mutable state (not even a penalty object
  used by several estimators at once).
- Fitting changes no global state: numpy's and Python's random generators,
  numpy's floating-point error handling, scikit-learn's configuration and
  the warning filters.
- A fit stopped by ``max_iter`` says so: a ``ConvergenceWarning`` naming the
  achieved duality gap (or residual) and what to try, ``converged_`` False,
  and ``dual_gap_`` holding the achieved gap, a valid bound on the
  suboptimality of the returned coefficients.
"""

import random
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning

from _helpers import melt, param_id
from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.structures import Clustered, Dirty, RobustTraceNorm, TaskGraph

SINGLE = [MultiTaskRegressor, MultiTaskClassifier]
CV = [MultiTaskRegressorCV, MultiTaskClassifierCV]
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
# Penalties without a dual point: the fit stops on the prox-gradient residual.
RESIDUAL_PENALTIES = ("Clustered",)


def _data(estimator_class, layout, n_classes=2):
    """``(params, X, y)``: 3 related tasks, 30 samples, 6 features."""
    if issubclass(estimator_class, ClassifierMixin):
        X, Y, _ = make_multitask_classification(
            30, 6, 3, n_classes=n_classes, n_informative=3, random_state=0
        )
    else:
        X, Y, _ = make_multitask_regression(
            30, 6, 3, n_informative=3, bias=1.0, random_state=0
        )
    if layout == "shared":
        return {}, X, Y
    X_rows, y_rows = melt(X, Y)
    return {"task_column": -1}, X_rows, y_rows


def _make(estimator_class, layout="shared", n_classes=2, **params):
    extra, X, y = _data(estimator_class, layout, n_classes)
    if estimator_class in CV:
        params = {"alphas": 3, "cv": 3, **params}
    return estimator_class(**extra, **params), X, y


def _fitted_values(model):
    """Everything a fit reports, as arrays to compare exactly."""
    names = ["coef_", "intercept_", "n_iter_", "dual_gap_", "objective_"]
    names += ["optimality_residual_", "converged_"]
    names += [
        n for n in ("P_", "Q_", "L_", "S_", "task_similarity_") if hasattr(model, n)
    ]
    return {name: np.asarray(getattr(model, name)) for name in names}


def _assert_identical(first, second):
    assert first.keys() == second.keys()
    for name, value in first.items():
        assert_array_equal(second[name], value, err_msg=name, strict=True)


def _quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


# ================================================================ repeatability
@pytest.mark.parametrize("penalty", PENALTIES, ids=param_id)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_identical_results_across_runs(estimator_class, layout, penalty):
    estimator, X, y = _make(estimator_class, layout, penalty=penalty, alpha=0.05)
    runs = [_fitted_values(_quiet_fit(clone(estimator), X, y)) for _ in range(2)]
    runs.append(_fitted_values(_quiet_fit(estimator, X, y)))
    runs.append(_fitted_values(_quiet_fit(estimator, X, y)))  # refit in place
    for run in runs[1:]:
        _assert_identical(runs[0], run)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("estimator_class", CV, ids=param_id)
def test_cv_results_are_identical_across_n_jobs_and_backends(estimator_class, layout):
    estimator, X, y = _make(
        estimator_class, layout, penalty=["group_lasso", Dirty(), TaskGraph()]
    )
    reference = clone(estimator).set_params(n_jobs=1).fit(X, y)
    fits = [clone(estimator).set_params(n_jobs=2).fit(X, y)]  # processes (loky)
    with joblib.parallel_backend("threading"):
        fits.append(clone(estimator).set_params(n_jobs=2).fit(X, y))
    for fitted in fits:
        assert_array_equal(fitted.scores_, reference.scores_, strict=True)
        assert_array_equal(fitted.alphas_, reference.alphas_, strict=True)
        assert fitted.alpha_ == reference.alpha_
        assert repr(fitted.penalty_) == repr(reference.penalty_)
        _assert_identical(_fitted_values(reference), _fitted_values(fitted))


# ============================================================== thread safety
def _jobs():
    """Estimators of every kind, with one penalty object shared by several."""
    shared_penalty = Dirty(lasso_weight=0.7)
    jobs = []
    for estimator_class in SINGLE:
        for layout in LAYOUTS:
            for penalty in [*PENALTIES, shared_penalty]:
                jobs.append(_make(estimator_class, layout, penalty=penalty, alpha=0.05))
    return jobs


def test_fits_in_parallel_threads_match_sequential_fits():
    jobs = _jobs()
    sequential = [_fitted_values(_quiet_fit(clone(e), X, y)) for e, X, y in jobs]
    # Each job twice, so that identical fits also overlap in time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(
                lambda e, X, y: _fitted_values(_quiet_fit(clone(e), X, y)), *job
            )
            for job in jobs + jobs
        ]
        parallel = [future.result() for future in futures]
    for expected, got in zip(sequential + sequential, parallel, strict=True):
        _assert_identical(expected, got)


def test_one_estimator_object_predicting_from_several_threads():
    estimator, X, y = _make(MultiTaskClassifier, "task_column", penalty=Dirty())
    estimator.fit(X, y)
    expected = estimator.predict_proba(X)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: estimator.predict_proba(X), range(8)))
    for result in results:
        assert_array_equal(result, expected)


# ================================================================ global state
def _global_state():
    return {
        "numpy_random": np.random.get_state(legacy=False),  # noqa: NPY002
        "python_random": random.getstate(),
        "numpy_errors": np.geterr(),
        "sklearn_config": sklearn.get_config(),
        "warning_filters": list(warnings.filters),
    }


def _assert_same_state(before, after):
    numpy_before, numpy_after = before.pop("numpy_random"), after.pop("numpy_random")
    assert numpy_before["bit_generator"] == numpy_after["bit_generator"]
    assert_array_equal(numpy_before["state"]["key"], numpy_after["state"]["key"])
    assert numpy_before["state"]["pos"] == numpy_after["state"]["pos"]
    assert before == after


def _fits_that_touch_everything():
    """Fits of every penalty and estimator, a failing one and a warning one."""
    calls = []
    for estimator_class in SINGLE:
        for penalty in PENALTIES:
            estimator, X, y = _make(estimator_class, penalty=penalty, alpha=0.05)
            calls.append(lambda e=estimator, X=X, y=y: e.fit(X, y).predict(X))
    for estimator_class in CV:
        estimator, X, y = _make(estimator_class, "task_column")
        calls.append(lambda e=estimator, X=X, y=y: e.fit(X, y).predict(X))
    estimator, X, y = _make(MultiTaskRegressor, max_iter=2)
    calls.append(lambda e=estimator, X=X, y=y: e.fit(X, y))  # warns
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    calls.append(lambda e=estimator, X=X_bad, y=y: e.fit(X, y))  # raises
    return calls


@pytest.mark.parametrize(
    "errors",
    [None, {"all": "ignore"}, {"over": "warn", "invalid": "warn", "under": "print"}],
    ids=["default", "ignore-all", "custom"],
)
def test_fit_changes_no_global_state(errors):
    np.random.seed(12345)  # noqa: NPY002
    random.seed(12345)
    with np.errstate(**(errors or {})):
        before = _global_state()
        for call in _fits_that_touch_everything():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                try:
                    call()
                except ValueError as error:
                    assert "Input X contains NaN" in str(error)
        after = _global_state()
        # The global generators are where they were: the next draws agree.
        expected = np.random.RandomState(12345).random_sample()
        assert np.random.random() == expected  # noqa: NPY002
    _assert_same_state(before, after)


# ======================================================= honest convergence
def _achieved(model):
    """The part of the warning that reports the achieved accuracy."""
    if np.isnan(model.dual_gap_):
        return f"relative prox-gradient residual {model.optimality_residual_:.3e}"
    return f"duality gap {model.dual_gap_:.3e}"


CONVERGENCE_CASES = [
    pytest.param(
        cls, layout, penalty, 2, id=f"{param_id(cls)}-{layout}-{param_id(penalty)}"
    )
    for cls in SINGLE
    for layout in LAYOUTS
    for penalty in PENALTIES
] + [
    pytest.param(
        MultiTaskClassifier, layout, "group_lasso", 3, id=f"multinomial-{layout}"
    )
    for layout in LAYOUTS
]


@pytest.mark.parametrize(
    "estimator_class, layout, penalty, n_classes", CONVERGENCE_CASES
)
def test_stopping_at_max_iter_is_reported_honestly(
    estimator_class, layout, penalty, n_classes
):
    estimator, X, y = _make(
        estimator_class,
        layout,
        n_classes=n_classes,
        penalty=penalty,
        alpha=0.01,
        max_iter=2,
        tol=1e-8,
    )
    with pytest.warns(ConvergenceWarning) as record:
        estimator.fit(X, y)
    message = str(record[0].message)
    name = estimator_class.__name__
    assert message.startswith(f"{name} did not converge in max_iter=2 iterations")
    assert f"({_achieved(estimator)}, tol=1e-08)" in message
    for advice in ("Increase max_iter", "loosen tol", "StandardScaler", "alpha"):
        assert advice in message
    assert not estimator.converged_
    assert estimator.n_iter_ == 2
    assert np.all(np.isfinite(estimator.coef_))
    assert np.isfinite(estimator.objective_)
    # The reported gap is the achieved one: a valid bound on how far the
    # returned objective is from the optimum, and above the tolerance.
    tight = clone(estimator).set_params(max_iter=20_000, tol=1e-12)
    optimum = _quiet_fit(tight, X, y).objective_
    if np.isnan(estimator.dual_gap_):
        assert param_id(penalty) in RESIDUAL_PENALTIES or n_classes > 2
        assert estimator.tol < estimator.optimality_residual_ < np.inf
    else:
        assert 0 < estimator.dual_gap_ < np.inf
        suboptimality = estimator.objective_ - optimum
        assert suboptimality <= estimator.dual_gap_ * (1 + 1e-9) + 1e-12
    assert estimator.objective_ >= optimum - 1e-9 * abs(optimum)


@pytest.mark.parametrize("penalty", ["group_lasso", "trace_norm", "lasso", "ridge"])
def test_reported_objective_is_the_objective_of_the_returned_coefficients(penalty):
    alpha = 0.05
    estimator, X, Y = _make(MultiTaskRegressor, penalty=penalty, alpha=alpha)
    _quiet_fit(estimator.set_params(max_iter=3), X, Y)
    W = estimator.coef_.T
    residual = Y - X @ W - estimator.intercept_
    data_term = 0.5 * np.mean(np.sum(residual**2, axis=1))
    norm = {
        "group_lasso": np.sum(np.linalg.norm(W, axis=1)),
        "trace_norm": np.sum(np.linalg.svd(W, compute_uv=False)),
        "lasso": np.sum(np.abs(W)),
        "ridge": 0.5 * np.sum(W**2),
    }[penalty]
    assert_allclose(estimator.objective_, data_term + alpha * norm, rtol=1e-10)


@pytest.mark.parametrize("estimator_class", CV, ids=param_id)
def test_cv_estimators_report_the_refit_that_did_not_converge(estimator_class):
    # One small alpha: whatever the scoring prefers, the refit is far from the
    # null model and cannot converge in two iterations.
    estimator, X, y = _make(estimator_class, max_iter=2, tol=1e-8, alphas=[1e-3])
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2"):
        estimator.fit(X, y)
    assert not estimator.converged_
    assert estimator.dual_gap_ == estimator.estimator_.dual_gap_ > 0
    assert estimator.n_iter_ == 2


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("estimator_class", SINGLE, ids=param_id)
def test_converged_is_a_python_bool_with_a_duality_gap(estimator_class, layout):
    for max_iter in (2, 1000):
        estimator, X, y = _make(estimator_class, layout, max_iter=max_iter)
        _quiet_fit(estimator, X, y)
        assert type(estimator.converged_) is bool


@pytest.mark.parametrize(
    "estimator_class, penalty, n_classes",
    [
        (MultiTaskRegressor, Clustered(), 2),
        (MultiTaskClassifier, "group_lasso", 3),
    ],
    ids=["clustered", "multinomial"],
)
def test_converged_is_a_python_bool_with_the_residual(
    estimator_class, penalty, n_classes
):
    estimator, X, y = _make(estimator_class, n_classes=n_classes, penalty=penalty)
    _quiet_fit(estimator, X, y)
    assert type(estimator.converged_) is bool


def _ridge_solution(X, Y, l2):
    """Closed form of (1/2n)||Y - X W - 1 b^T||^2 + (l2/2)||W||^2."""
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    n = X.shape[0]
    return np.linalg.solve(Xc.T @ Xc / n + l2 * np.eye(X.shape[1]), Xc.T @ Yc / n).T


def test_a_norm_at_alpha_zero_with_l2_converges_to_the_ridge_solution():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((10, 30)), rng.standard_normal((10, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = MultiTaskRegressor("group_lasso", alpha=0.0, l2=1.0, tol=1e-8).fit(X, Y)
    assert model.converged_
    assert_allclose(model.coef_, _ridge_solution(X, Y, 1.0), atol=1e-6)


@pytest.mark.parametrize(
    "estimator_class, penalty, l2",
    [
        (MultiTaskRegressor, "ridge", 1.0),
        (MultiTaskRegressor, "ridge", 0.0),
        (MultiTaskRegressor, TaskGraph(base="ridge"), 0.0),
        (MultiTaskClassifier, "ridge", 0.0),
    ],
    ids=["ridge-l2", "ridge", "task-graph-ridge", "classifier-ridge"],
)
def test_ridge_at_alpha_zero_converges(estimator_class, penalty, l2):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 30))
    Y = rng.standard_normal((10, 2))
    if estimator_class is MultiTaskClassifier:
        X = rng.standard_normal((60, 3))
        Y = (X[:, :2] + rng.standard_normal((60, 2)) > 0).astype(int)  # overlapping
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = estimator_class(penalty, alpha=0.0, l2=l2, tol=1e-8).fit(X, Y)
    assert model.converged_
    if l2 > 0:
        assert_allclose(model.coef_, _ridge_solution(X, Y, l2), atol=1e-6)
