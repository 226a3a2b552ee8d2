"""Estimator-level tests: scikit-learn API compliance and integration.

Covers the scikit-learn estimator checks, composition with Pipeline,
GridSearchCV, cross_val_score, clone and pickle, sparse and pandas input,
single-task input, input validation, convergence reporting and verbosity.
"""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from _helpers import MULTIOUTPUT_REASON, classification_data, regression_data
from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)

PENALTIES = ["group_lasso", "trace_norm", "lasso", "ridge"]
ESTIMATORS = [MultiTaskRegressor, MultiTaskClassifier]


def _data_for(Estimator, **kwargs):
    if Estimator is MultiTaskRegressor:
        return regression_data(**kwargs)
    return classification_data(**kwargs)


# --------------------------------------------------------------------------
# scikit-learn estimator checks


def _expected_failed_checks(estimator):
    if isinstance(estimator, (MultiTaskClassifier, MultiTaskClassifierCV)):
        return {"check_classifier_multioutput": MULTIOUTPUT_REASON}
    return {}


# At their default settings: the checks compare fits that must agree at the
# optimum (sample weights against repeated rows, float32 against float64...),
# which the default tolerance meets because the solver polishes its solution
# on the support with Newton's method (skmtl.solvers.newton). The CV
# estimators use a small grid and few folds to stay fast.
CHECKED = [
    Estimator(penalty=penalty) for Estimator in ESTIMATORS for penalty in PENALTIES
] + [
    MultiTaskRegressorCV(penalty=["group_lasso", "trace_norm"], alphas=3, cv=3),
    MultiTaskClassifierCV(penalty="group_lasso", alphas=3, cv=3),
]


@parametrize_with_checks(
    CHECKED,
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("penalty", PENALTIES)
def test_classifier_multioutput_properties(penalty):
    """The properties of check_classifier_multioutput, in the multi-output
    convention (per-task classes_ and predict_proba)."""
    n_samples, n_classes = 42, 3
    X, y = make_multilabel_classification(
        n_samples=n_samples, n_labels=5, n_classes=n_classes, random_state=42
    )
    clf = MultiTaskClassifier(penalty=penalty).fit(X, y)

    y_pred = clf.predict(X)
    assert y_pred.shape == (n_samples, n_classes)
    assert y_pred.dtype.kind == "i"

    assert isinstance(clf.classes_, list) and len(clf.classes_) == n_classes
    decision = clf.decision_function(X)
    assert isinstance(decision, np.ndarray)
    assert decision.shape == (n_samples, n_classes)  # all tasks are binary
    for t in range(n_classes):
        assert_array_equal(clf.classes_[t], np.unique(y[:, t]))
        rows = clf.coef_rows_[t]
        assert rows.stop - rows.start == 1
        expected = clf.classes_[t][(decision[:, rows.start] > 0).astype(int)]
        assert_array_equal(expected, y_pred[:, t])

    proba = clf.predict_proba(X)
    assert isinstance(proba, list) and len(proba) == n_classes
    for t, task_proba in enumerate(proba):
        assert task_proba.shape == (n_samples, 2)
        assert_array_equal(clf.classes_[t][np.argmax(task_proba, axis=1)], y_pred[:, t])
        assert_allclose(task_proba.sum(axis=1), 1.0, rtol=1e-12)
        task_decision = decision[:, clf.coef_rows_[t].start]
        assert_array_equal(rankdata(task_proba[:, 1]), rankdata(task_decision))
        # The first class's probability ranks the other way.
        assert_array_equal(rankdata(-task_proba[:, 0]), rankdata(task_decision))


# --------------------------------------------------------------------------
# Composition with scikit-learn tools


def test_regressor_pipeline_grid_search():
    X, Y = regression_data(n_samples=90, random_state=1)
    pipe = make_pipeline(StandardScaler(), MultiTaskRegressor())
    grid = {
        "multitaskregressor__penalty": ["group_lasso", "trace_norm"],
        "multitaskregressor__alpha": [0.01, 0.1, 10.0],
    }
    search = GridSearchCV(pipe, grid, cv=3).fit(X, Y)

    assert len(search.cv_results_["params"]) == 6
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert search.best_score_ == pytest.approx(scores.max())
    # alpha=10 is beyond alpha_max here: the null model has R^2 <= 0 per fold.
    assert search.best_params_["multitaskregressor__alpha"] < 10.0
    assert search.best_score_ > 0.8
    best = search.best_estimator_
    assert isinstance(best, Pipeline)
    model = best[-1]
    assert model.penalty == search.best_params_["multitaskregressor__penalty"]
    assert model.alpha == search.best_params_["multitaskregressor__alpha"]
    assert model.coef_.shape == (3, X.shape[1])
    assert search.predict(X).shape == Y.shape


def test_regressor_cross_val_score():
    X, Y = regression_data(n_samples=90, random_state=2)
    pipe = make_pipeline(StandardScaler(), MultiTaskRegressor(alpha=0.05))
    scores = cross_val_score(pipe, X, Y, cv=3)
    assert scores.shape == (3,)
    assert np.all(scores > 0.8)
    # A hopeless alpha (null model) scores far worse.
    null_scores = cross_val_score(MultiTaskRegressor(alpha=1e6), X, Y, cv=3)
    assert np.all(null_scores < 0.05)


def test_classifier_pipeline_grid_search_uses_own_score():
    X, Y = classification_data(n_samples=120, random_state=3)
    pipe = make_pipeline(StandardScaler(), MultiTaskClassifier())
    grid = {
        "multitaskclassifier__penalty": ["group_lasso", "ridge"],
        "multitaskclassifier__alpha": [0.01, 0.1],
    }
    cv = KFold(n_splits=3, shuffle=True, random_state=0)
    search = GridSearchCV(pipe, grid, cv=cv).fit(X, Y)

    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (4,) and np.all(np.isfinite(scores))
    assert search.best_score_ == pytest.approx(scores.max())
    assert search.best_score_ > 0.7
    # The default scoring is the estimator's own score (mean accuracy over tasks).
    best = search.best_params_
    manual = []
    for train, test in cv.split(X):
        fold = clone(pipe).set_params(**best).fit(X[train], Y[train])
        per_task = np.mean(fold.predict(X[test]) == Y[test], axis=0)
        manual.append(per_task.mean())
        assert fold.score(X[test], Y[test]) == pytest.approx(per_task.mean())
    assert search.best_score_ == pytest.approx(np.mean(manual))
    assert search.predict(X).shape == Y.shape


def test_classifier_cross_val_score():
    X, Y = classification_data(n_samples=120, random_state=4)
    pipe = make_pipeline(StandardScaler(), MultiTaskClassifier(alpha=0.02))
    scores = cross_val_score(pipe, X, Y, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,)
    assert np.all(scores > 0.7)
    assert np.all(scores <= 1.0)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone_keeps_params_and_drops_fit(Estimator):
    params = dict(
        penalty="trace_norm",
        alpha=0.3,
        l2=0.2,
        intercept_shrinkage=0.0,
        task_column=None,
        task_weighting="tasks",
        missing_targets="ignore",
        unknown_task="mean",
        fit_intercept=False,
        max_iter=77,
        tol=1e-6,
        warm_start=True,
        verbose=0,
    )
    if Estimator is MultiTaskClassifier:
        params["single_class_tasks"] = "error"
    est = Estimator(**params)
    assert est.get_params() == params
    X, Y = _data_for(Estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    for source in (Estimator(**params), est):
        cloned = clone(source)
        assert cloned is not source
        assert cloned.get_params() == params
        with pytest.raises(NotFittedError):
            check_is_fitted(cloned)
        assert not hasattr(cloned, "coef_")
        with pytest.raises(NotFittedError):
            cloned.predict(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_round_trip(Estimator):
    X, Y = _data_for(Estimator)
    est = Estimator(penalty="group_lasso", alpha=0.05).fit(X, Y)
    restored = pickle.loads(pickle.dumps(est))
    assert restored.get_params() == est.get_params()
    assert_array_equal(restored.coef_, est.coef_)
    assert_array_equal(restored.intercept_, est.intercept_)
    assert_array_equal(restored.predict(X), est.predict(X))
    if Estimator is MultiTaskClassifier:
        for a, b in zip(restored.predict_proba(X), est.predict_proba(X), strict=True):
            assert_array_equal(a, b)
        for a, b in zip(restored.classes_, est.classes_, strict=True):
            assert_array_equal(a, b)
        assert restored.score(X, Y) == est.score(X, Y)


# --------------------------------------------------------------------------
# Sparse input


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_sparse_matches_dense(Estimator, penalty, fit_intercept):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 8)) * (rng.random((40, 8)) < 0.4)
    W = rng.standard_normal((8, 3))
    Y = X @ W + 0.5 * rng.standard_normal((40, 3)) + 2.0
    if Estimator is MultiTaskClassifier:
        Y = np.column_stack(
            [Y[:, 0] > 2, Y[:, 1] > 2, np.digitize(Y[:, 2], [1.0, 3.0])]
        ).astype(int)
    params = dict(
        penalty=penalty,
        alpha=0.05,
        fit_intercept=fit_intercept,
        tol=1e-12,
        max_iter=20_000,
    )
    dense = Estimator(**params).fit(X, Y)
    assert dense.converged_
    assert np.count_nonzero(dense.coef_) > 0  # not the trivial null model
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        X_sparse = fmt(X)
        model = Estimator(**params).fit(X_sparse, Y)
        assert model.converged_
        assert_allclose(model.coef_, dense.coef_, atol=1e-8, rtol=0)
        assert_allclose(model.intercept_, dense.intercept_, atol=1e-8, rtol=0)
        assert_allclose(model.predict(X_sparse), dense.predict(X), atol=1e-8)
        # Sparse fitted model predicts the same on dense input and vice versa.
        assert_allclose(model.predict(X), model.predict(X_sparse), atol=1e-12)
    if not fit_intercept:
        assert_array_equal(dense.intercept_, 0.0)


# --------------------------------------------------------------------------
# pandas input


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dataframe_feature_names(Estimator):
    X, Y = _data_for(Estimator)
    columns = [f"f{j}" for j in range(X.shape[1])]
    X_df = pd.DataFrame(X, columns=columns)
    est = Estimator(alpha=0.05).fit(X_df, Y)
    assert_array_equal(est.feature_names_in_, columns)
    assert est.n_features_in_ == X.shape[1]
    # Same fit as with the bare array.
    assert_allclose(est.coef_, Estimator(alpha=0.05).fit(X, Y).coef_, atol=1e-12)

    renamed = pd.DataFrame(X, columns=[f"g{j}" for j in range(X.shape[1])])
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(renamed)
    reordered = X_df[columns[::-1]]
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(reordered)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X)

    est_array = Estimator(alpha=0.05).fit(X, Y)
    assert not hasattr(est_array, "feature_names_in_")
    with pytest.warns(UserWarning, match="fitted without feature names"):
        est_array.predict(X_df)


def test_regressor_dataframe_targets():
    X, Y = regression_data()
    X_df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    Y_df = pd.DataFrame(Y, columns=["a", "b", "c"])
    est = MultiTaskRegressor(alpha=0.05).fit(X_df, Y_df)
    ref = MultiTaskRegressor(alpha=0.05).fit(X, Y)
    assert_allclose(est.coef_, ref.coef_, atol=1e-12)
    assert_allclose(est.intercept_, ref.intercept_, atol=1e-12)
    assert est.predict(X_df).shape == Y.shape
    # A Series is a single task.
    single = MultiTaskRegressor(alpha=0.05).fit(X_df, Y_df["a"])
    assert single.predict(X_df).shape == (X.shape[0],)


def test_classifier_string_labels():
    X, Y = classification_data()
    names = np.array(["cat", "dog"])
    Y_str = pd.DataFrame({"pet": names[Y[:, 0]], "other": names[Y[:, 1]]})
    clf = MultiTaskClassifier(alpha=0.02).fit(X, Y_str)
    for t in range(2):
        assert_array_equal(clf.classes_[t], names)
    pred = clf.predict(X)
    assert pred.shape == (X.shape[0], 2)
    assert set(np.unique(pred)) <= {"cat", "dog"}
    # Same model as on the integer codes.
    ref = MultiTaskClassifier(alpha=0.02).fit(X, Y[:, :2])
    assert_allclose(clf.coef_, ref.coef_, atol=1e-12)
    assert_array_equal(pred, names[ref.predict(X)])
    assert clf.score(X, Y_str) == pytest.approx(ref.score(X, Y[:, :2]))

    # Single task with string labels: classes_ is an array of the strings.
    single = MultiTaskClassifier(alpha=0.02).fit(X, names[Y[:, 0]])
    assert_array_equal(single.classes_, names)
    assert set(np.unique(single.predict(X))) <= {"cat", "dog"}


def test_classifier_tasks_with_different_label_sets():
    """One binary task with string labels and one three-class integer task."""
    X, Y = classification_data()
    Y_df = pd.DataFrame({"letters": np.array(["a", "b"])[Y[:, 0]], "digits": Y[:, 2]})
    assert set(Y_df["digits"]) == {0, 1, 2}
    clf = MultiTaskClassifier(alpha=0.02).fit(X, Y_df)
    assert_array_equal(clf.classes_[0], ["a", "b"])
    assert_array_equal(clf.classes_[1], [0, 1, 2])
    assert clf.coef_.shape == (1 + 3, X.shape[1])
    proba = clf.predict_proba(X)
    assert [p.shape[1] for p in proba] == [2, 3]
    pred = clf.predict(X)
    assert pred.shape == (X.shape[0], 2)
    assert set(pred[:, 0]) <= {"a", "b"}
    assert set(pred[:, 1]) <= {0, 1, 2}
    for t in range(2):
        assert_array_equal(clf.classes_[t][proba[t].argmax(axis=1)], pred[:, t])
    assert 0.5 < clf.score(X, Y_df) <= 1.0


# --------------------------------------------------------------------------
# Single task


@pytest.mark.parametrize("penalty", PENALTIES)
def test_regressor_single_task(penalty):
    X, Y = regression_data()
    y = Y[:, 0]
    est = MultiTaskRegressor(penalty=penalty, alpha=0.05).fit(X, y)
    assert est.n_tasks_ == 1
    assert est.coef_.shape == (1, X.shape[1])
    assert est.intercept_.shape == (1,)
    pred = est.predict(X)
    assert pred.shape == (X.shape[0],)
    # Same as a 2-D y with one column.
    ref = MultiTaskRegressor(penalty=penalty, alpha=0.05).fit(X, y[:, None])
    assert ref.predict(X).shape == (X.shape[0], 1)
    assert_allclose(pred, ref.predict(X).ravel(), atol=1e-12)
    assert est.score(X, y) > 0.5


@pytest.mark.parametrize("penalty", PENALTIES)
def test_classifier_single_binary_task(penalty):
    X, Y = classification_data()
    y = Y[:, 0]
    clf = MultiTaskClassifier(penalty=penalty, alpha=0.02).fit(X, y)
    assert isinstance(clf.classes_, np.ndarray)
    assert_array_equal(clf.classes_, [0, 1])
    assert clf.coef_.shape == (1, X.shape[1])
    assert clf.intercept_.shape == (1,)
    pred = clf.predict(X)
    assert pred.shape == (X.shape[0],)
    proba = clf.predict_proba(X)
    assert isinstance(proba, np.ndarray) and proba.shape == (X.shape[0], 2)
    assert_allclose(proba.sum(axis=1), 1.0)
    decision = clf.decision_function(X)
    assert decision.shape == (X.shape[0],)
    assert_array_equal(clf.classes_[(decision > 0).astype(int)], pred)
    assert_array_equal(proba.argmax(axis=1), pred)
    assert_allclose(np.log(proba), clf.predict_log_proba(X), rtol=1e-10)
    assert clf.score(X, y) > 0.7


def test_classifier_single_multiclass_task():
    X, Y = classification_data()
    y = Y[:, 2]
    clf = MultiTaskClassifier(alpha=0.02).fit(X, y)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.coef_.shape == (3, X.shape[1])
    proba = clf.predict_proba(X)
    assert proba.shape == (X.shape[0], 3)
    assert clf.decision_function(X).shape == (X.shape[0], 3)
    assert_array_equal(proba.argmax(axis=1), clf.predict(X))


# --------------------------------------------------------------------------
# Input validation


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_X_raises(Estimator, bad, word):
    X, Y = _data_for(Estimator)
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        Estimator().fit(X, Y)
    # Same at predict time.
    X_ok, _ = _data_for(Estimator)
    est = Estimator().fit(X_ok, Y)
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        est.predict(X)


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_Y_raises(bad, word):
    X, Y = regression_data()
    Y = Y.copy()
    Y[5, 1] = bad
    with pytest.raises(ValueError, match=f"Input y contains {word}"):
        MultiTaskRegressor().fit(X, Y)
    with pytest.raises(ValueError, match=f"Input y contains {word}"):
        MultiTaskRegressor().fit(X, Y[:, 1])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_mismatched_rows_raises(Estimator):
    X, Y = _data_for(Estimator)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Estimator().fit(X[:-1], Y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_hyperparameters_raise(Estimator):
    X, Y = _data_for(Estimator)
    with pytest.raises(ValueError, match="Unknown penalty 'elastic_net'") as info:
        Estimator(penalty="elastic_net").fit(X, Y)
    for name in PENALTIES:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        Estimator(alpha=-0.1).fit(X, Y)
    for alpha in (np.nan, np.inf):
        with pytest.raises(ValueError, match="alpha must be a finite real number"):
            Estimator(alpha=alpha).fit(X, Y)
    with pytest.raises(ValueError, match="max_iter must be a positive integer"):
        Estimator(max_iter=0).fit(X, Y)
    for tol in (0.0, -1e-3):
        with pytest.raises(ValueError, match="tol must be > 0"):
            Estimator(tol=tol).fit(X, Y)
    # Validation does not leave a fitted model behind.
    est = Estimator(alpha=-1.0)
    with pytest.raises(ValueError):
        est.fit(X, Y)
    assert not hasattr(est, "coef_")


def test_single_class_task_raises():
    X, Y = classification_data()
    Y = Y.copy()
    Y[:, 1] = 1
    with pytest.raises(ValueError, match="Task 1 has a single class"):
        MultiTaskClassifier(single_class_tasks="error").fit(X, Y)
    with pytest.raises(ValueError, match="class"):
        MultiTaskClassifier().fit(X, np.zeros(X.shape[0], dtype=int))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predict_wrong_number_of_features_raises(Estimator):
    X, Y = _data_for(Estimator)
    est = Estimator().fit(X, Y)
    pattern = re.escape(f"X has {X.shape[1] - 1} features") + ".*expecting"
    with pytest.raises(ValueError, match=pattern):
        est.predict(X[:, :-1])
    if Estimator is MultiTaskClassifier:
        for method in (est.predict_proba, est.decision_function):
            with pytest.raises(ValueError, match=pattern):
                method(X[:, :-1])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_sample_weight_raises(Estimator):
    X, Y = _data_for(Estimator)
    n = X.shape[0]
    negative = np.ones(n)
    negative[4] = -1.0
    with pytest.raises(ValueError, match="negative"):
        Estimator().fit(X, Y, sample_weight=negative)
    with pytest.raises(ValueError, match="shape"):
        Estimator().fit(X, Y, sample_weight=np.ones(n - 1))
    with pytest.raises(ValueError, match="sums to zero"):
        Estimator().fit(X, Y, sample_weight=np.zeros(n))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("fmt", [np.asarray, sp.csr_matrix, sp.csc_matrix])
def test_fit_does_not_modify_inputs(Estimator, fmt):
    X, Y = _data_for(Estimator)
    X = X * (np.abs(X) > 0.5)  # make sparse storage meaningful
    X_in = fmt(X)
    Y_in = Y.copy()
    weight = np.linspace(0.5, 2.0, X.shape[0])
    X_copy = X_in.copy()
    Y_copy = Y_in.copy()
    weight_copy = weight.copy()
    est = Estimator(alpha=0.05).fit(X_in, Y_in, sample_weight=weight)
    est.predict(X_in)
    if sp.issparse(X_in):
        assert X_in.format == X_copy.format
        assert_array_equal(X_in.data, X_copy.data)
        assert_array_equal(X_in.indices, X_copy.indices)
        assert_array_equal(X_in.indptr, X_copy.indptr)
    else:
        assert_array_equal(X_in, X_copy)
    assert_array_equal(Y_in, Y_copy)
    assert_array_equal(weight, weight_copy)


# --------------------------------------------------------------------------
# Convergence reporting and verbosity


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_convergence_warning(Estimator, penalty):
    X, Y = _data_for(Estimator)
    if Estimator is MultiTaskClassifier:
        Y = Y[:, :2]  # binary tasks only: the stopping rule is the duality gap
    est = Estimator(penalty=penalty, alpha=0.01, max_iter=1, tol=1e-14)
    with pytest.warns(ConvergenceWarning) as record:
        est.fit(X, Y)
    messages = [str(w.message) for w in record if w.category is ConvergenceWarning]
    assert len(messages) == 1
    message = messages[0]
    assert "duality gap" in message
    assert "max_iter" in message
    gap = float(re.search(r"duality gap ([-+.\deE]+)", message).group(1))
    assert gap == pytest.approx(est.dual_gap_, rel=1e-3)
    assert gap > 0
    assert not est.converged_
    assert est.n_iter_ == 1


def test_convergence_warning_residual_for_multiclass():
    X, Y = classification_data()  # has a three-class task: residual criterion
    est = MultiTaskClassifier(max_iter=1, tol=1e-14)
    with pytest.warns(ConvergenceWarning, match="residual.*max_iter") as record:
        est.fit(X, Y)
    assert "max_iter" in str(record[0].message)
    assert not est.converged_
    assert np.isnan(est.dual_gap_)
    assert est.optimality_residual_ > 1e-14


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_no_warning_on_easy_problem(Estimator, penalty):
    X, Y = _data_for(Estimator)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = Estimator(penalty=penalty).fit(X, Y)
    assert est.converged_
    assert est.n_iter_ < est.max_iter
    assert np.isfinite(est.objective_)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_verbose_output(Estimator, capsys):
    X, Y = _data_for(Estimator)
    Estimator(verbose=0).fit(X, Y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""

    est = Estimator(verbose=1).fit(X, Y)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) >= 1
    assert all("objective" in line for line in lines)
    # The last line reports the total iterations (a FISTA line "iter N" or a
    # working-set line "N iterations").
    pattern = rf"iter\s+{est.n_iter_}\b|\b{est.n_iter_} iterations"
    assert re.search(pattern, lines[-1])
