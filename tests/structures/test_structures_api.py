"""API tests for the structures of :mod:`skmtl.structures`.

Covers the scikit-learn estimator checks with every structure, tuning the
structures' own parameters with GridSearchCV (``penalty__<name>``) and the
penalty itself, clone and pickle, the ``l2`` term, the error messages on bad
input, the removal of a previous fit's part attributes, warm starts with
decomposed models, and the CV estimators with a structure.
"""

import pickle
import re
from functools import partial

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from _helpers import (
    MULTICLASS_Y_CHECKS,
    MULTIOUTPUT_REASON,
    classification_data,
    regression_data,
)
from skmtl import (
    MultiTaskClassifier,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    alpha_max,
)
from skmtl.structures import (
    STRUCTURES,
    Clustered,
    Dirty,
    RobustGroupLasso,
    RobustTraceNorm,
    SparseLowRank,
    TaskGraph,
)

ESTIMATORS = [MultiTaskRegressor, MultiTaskClassifier]
DECOMPOSED = [Dirty, RobustTraceNorm, RobustGroupLasso, SparseLowRank]
PARTS = {
    Dirty: ("P_", "Q_"),
    RobustTraceNorm: ("L_", "S_"),
    RobustGroupLasso: ("P_", "Q_"),
    SparseLowRank: ("P_", "Q_"),
}
ALL_STRUCTURE_ATTRIBUTES = (
    "P_",
    "Q_",
    "L_",
    "S_",
    "outlier_tasks_",
    "task_similarity_",
    "task_clusters_",
)


# Four tasks (three for the classifiers): room for the task structures.
_regression_data = partial(regression_data, n_tasks=4)
# Three binary tasks (one coefficient column each).
_binary_classification_data = partial(
    classification_data, n_features=6, n_classes=2, n_informative=3
)
# Two binary tasks and one three-class task.
_multiclass_classification_data = partial(
    classification_data, n_features=6, n_informative=3
)


# --------------------------------------------------------------------------
# scikit-learn estimator checks

_ONE_COLUMN_PER_TASK_REASON = (
    "{name} compares the coefficient vectors of tasks, so it needs one "
    "coefficient column per task (documented in its Notes and in "
    "MultiTaskClassifier's penalty parameter). This check fits a multi-class y "
    "(one task with more than two classes, hence several columns), which "
    "raises a ValueError by design; test_one_column_structures_reject_"
    "multiclass_tasks checks that error and test_one_column_structures_on_"
    "binary_tasks the binary case."
)


def _expected_failed_checks(estimator):
    if not isinstance(estimator, MultiTaskClassifier):
        return {}
    expected = {}
    penalty = estimator.penalty
    if isinstance(penalty, (TaskGraph, Clustered)):
        reason = _ONE_COLUMN_PER_TASK_REASON.format(name=type(penalty).__name__)
        expected = dict.fromkeys(MULTICLASS_Y_CHECKS, reason)
    expected["check_classifier_multioutput"] = MULTIOUTPUT_REASON
    return expected


def _checked_structures():
    """One instance of each structure for the estimator checks.

    - Clustered with n_clusters=1: most checks fit a single task (a 1-D y),
      and n_clusters must be at most the number of tasks (the default 2 is a
      ValueError there, as documented; test_clustered_n_clusters_bounds).
    - RobustGroupLasso and SparseLowRank with tol=1e-15: with one task they are
      an l1 + l2 infimal convolution, and on the underdetermined data of
      check_sample_weight_equivalence (15 samples, 30 features) a duality gap
      of 1e-10 times the null objective still leaves prediction differences of
      about 5e-6 between the weighted and the repeated fit (still 1e-7 at
      1e-14), above the check's rtol of 1e-7; at 1e-15 both fits agree.
    """
    return [
        (Dirty(), 1e-10),
        (RobustTraceNorm(), 1e-10),
        (RobustGroupLasso(), 1e-15),
        (SparseLowRank(), 1e-15),
        (TaskGraph(), 1e-10),
        (Clustered(n_clusters=1), 1e-10),
    ]


# The classifiers' fits with a multi-class task stop on the prox-gradient
# residual, which needs many more iterations at 1e-10 for the decomposed
# models; every check passes at 1e-8, in a fraction of the time.
CHECKED = [
    MultiTaskRegressor(penalty=penalty, tol=tol)
    for penalty, tol in _checked_structures()
] + [
    MultiTaskClassifier(penalty=penalty, tol=1e-8)
    for penalty, _ in _checked_structures()
]


@parametrize_with_checks(
    CHECKED,
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("penalty", [TaskGraph(strength=0.1), Clustered()])
def test_one_column_structures_on_binary_tasks(penalty):
    """What the expected-failed checks would test, on binary tasks."""
    X, Y = _binary_classification_data()
    clf = MultiTaskClassifier(penalty=penalty, alpha=0.05).fit(X, Y)
    assert clf.coef_.shape == (3, X.shape[1])
    assert clf.predict(X).shape == Y.shape
    assert clf.score(X, Y) > 0.7
    for task_proba in clf.predict_proba(X):
        assert task_proba.shape == (X.shape[0], 2)
        assert_allclose(task_proba.sum(axis=1), 1.0)
    # Integer sample weights (zeros included) are repeated rows.
    weight = np.arange(X.shape[0]) % 3
    repeated = np.repeat(np.arange(X.shape[0]), weight)
    exact = clone(clf).set_params(tol=1e-10)
    weighted = clone(exact).fit(X, Y, sample_weight=weight)
    again = clone(exact).fit(X[repeated], Y[repeated])
    assert_allclose(weighted.coef_, again.coef_, atol=1e-6)


# --------------------------------------------------------------------------
# GridSearchCV over the structures' parameters and over the penalty


@pytest.mark.parametrize(
    "penalty, name, values",
    [
        (Dirty(), "lasso_weight", [0.3, 0.6, 0.9]),
        (RobustTraceNorm(), "outlier_weight", [0.4, 0.9]),
        (RobustGroupLasso(), "outlier_weight", [0.5, 1.5]),
        (SparseLowRank(), "lasso_weight", [0.2, 0.6]),
        (TaskGraph(), "strength", [0.0, 1.0, 10.0]),
        (Clustered(), "n_clusters", [1, 2, 3]),
    ],
)
def test_grid_search_over_structure_parameter(penalty, name, values):
    X, Y = _regression_data()
    estimator = MultiTaskRegressor(penalty=penalty, alpha=0.05)
    grid = {f"penalty__{name}": values}
    search = GridSearchCV(
        estimator, grid, cv=KFold(3, shuffle=True, random_state=0)
    ).fit(X, Y)

    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (len(values),) and np.all(np.isfinite(scores))
    assert len(set(np.round(scores, 10))) == len(values)  # the parameter acts
    best = search.best_params_[f"penalty__{name}"]
    assert best == values[int(np.argmax(scores))]
    refitted = search.best_estimator_
    assert getattr(refitted.penalty, name) == best
    # The estimator's own penalty object was cloned, never modified.
    assert getattr(penalty, name) == type(penalty)().get_params()[name]
    assert refitted.penalty is not penalty
    # The refitted model is the one fitted directly with that parameter.
    direct = MultiTaskRegressor(
        penalty=clone(penalty).set_params(**{name: best}), alpha=0.05
    ).fit(X, Y)
    assert_allclose(refitted.coef_, direct.coef_)


def test_grid_search_over_penalty_names_and_objects():
    X, Y = _regression_data()
    penalties = [
        "group_lasso",
        "dirty",
        Dirty(lasso_weight=0.5),
        "robust_trace_norm",
        RobustGroupLasso(outlier_weight=1.0),
        TaskGraph(strength=0.5),
        Clustered(n_clusters=2),
    ]
    search = GridSearchCV(
        MultiTaskRegressor(alpha=0.05),
        {"penalty": penalties},
        cv=KFold(3, shuffle=True, random_state=0),
        error_score="raise",
    ).fit(X, Y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (len(penalties),) and np.all(np.isfinite(scores))
    assert search.cv_results_["param_penalty"].tolist() == penalties
    best = penalties[int(np.argmax(scores))]
    chosen = search.best_estimator_.penalty
    if isinstance(best, str):
        assert chosen == best
    else:
        assert type(chosen) is type(best)
        assert chosen.get_params() == best.get_params()


def test_grid_search_over_penalty_and_its_parameters():
    """A list of grids: each structure with its own parameter."""
    X, Y = _regression_data()
    grid = [
        {"penalty": [Dirty()], "penalty__lasso_weight": [0.4, 0.8]},
        {"penalty": [TaskGraph()], "penalty__strength": [0.1, 1.0]},
        {"penalty": ["group_lasso"]},
    ]
    search = GridSearchCV(MultiTaskRegressor(alpha=0.05), grid, cv=3).fit(X, Y)
    assert len(search.cv_results_["params"]) == 5
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# --------------------------------------------------------------------------
# get_params, clone, pickle


def test_penalty_parameters_are_nested_parameters():
    est = MultiTaskRegressor(penalty=TaskGraph([(0, 1)], strength=2.0, base="ridge"))
    params = est.get_params(deep=True)
    assert params["penalty__strength"] == 2.0
    assert params["penalty__base"] == "ridge"
    assert params["penalty__graph"] == [(0, 1)]
    est.set_params(penalty__strength=3.0)
    assert est.penalty.strength == 3.0
    assert "penalty__lasso_weight" not in est.get_params()


@pytest.mark.parametrize("Structure", list(STRUCTURES.values()))
def test_clone_copies_the_penalty(Structure):
    penalty = Structure()
    est = MultiTaskRegressor(penalty=penalty, alpha=0.2, l2=0.1)
    cloned = clone(est)
    assert cloned.penalty is not penalty
    assert type(cloned.penalty) is Structure
    assert cloned.penalty.get_params() == penalty.get_params()
    assert cloned.get_params()["l2"] == 0.1


@pytest.mark.parametrize("Structure", DECOMPOSED + [Clustered])
def test_pickle_round_trip_keeps_parts(Structure):
    X, Y = _regression_data()
    est = MultiTaskRegressor(penalty=Structure(), alpha=0.05).fit(X, Y)
    restored = pickle.loads(pickle.dumps(est))
    assert restored.get_params()["penalty"].get_params() == Structure().get_params()
    names = [name for name in ALL_STRUCTURE_ATTRIBUTES if hasattr(est, name)]
    assert names  # every one of these structures has fitted parts
    for name in names:
        assert_array_equal(getattr(restored, name), getattr(est, name))
    assert_array_equal(restored.predict(X), est.predict(X))
    # The restored model can be refitted (its penalty object works).
    assert_allclose(restored.fit(X, Y).coef_, est.coef_)


# --------------------------------------------------------------------------
# The ridge term l2


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_l2_is_validated(Estimator):
    X, Y = (
        _regression_data()
        if Estimator is MultiTaskRegressor
        else _binary_classification_data()
    )
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        Estimator(penalty=Dirty(), l2=-0.1).fit(X, Y)
    for bad in (np.nan, np.inf, "big", None):
        with pytest.raises(ValueError, match="l2 must be a finite real number"):
            Estimator(penalty="clustered", l2=bad).fit(X, Y)
    est = Estimator(penalty=Dirty(), l2=-1.0)
    with pytest.raises(ValueError):
        est.fit(X, Y)
    assert not hasattr(est, "coef_")


def test_l2_is_a_ridge_term():
    """l2 alone is ridge; with a structure it shrinks the fit."""
    X, Y = _regression_data()
    ridge = MultiTaskRegressor(penalty="ridge", alpha=0.3, tol=1e-10).fit(X, Y)
    l2_only = MultiTaskRegressor(penalty="lasso", alpha=0.0, l2=0.3, tol=1e-10)
    assert_allclose(l2_only.fit(X, Y).coef_, ridge.coef_, atol=1e-6)
    for penalty in (Dirty(), RobustTraceNorm(), TaskGraph(), Clustered()):
        plain = MultiTaskRegressor(penalty=penalty, alpha=0.05).fit(X, Y)
        shrunk = MultiTaskRegressor(penalty=penalty, alpha=0.05, l2=1.0).fit(X, Y)
        assert np.linalg.norm(shrunk.coef_) < 0.9 * np.linalg.norm(plain.coef_)


def test_l2_does_not_change_alpha_max():
    X, Y = _regression_data()
    penalty = Dirty()
    a_max = alpha_max(X, Y, penalty=penalty)
    at_max = MultiTaskRegressor(penalty=penalty, alpha=a_max, l2=5.0).fit(X, Y)
    assert np.all(at_max.coef_ == 0)
    below = MultiTaskRegressor(penalty=penalty, alpha=0.9 * a_max, l2=5.0)
    assert np.any(below.fit(X, Y).coef_ != 0)


# --------------------------------------------------------------------------
# Errors on bad input


def _fit_graph(graph, Y_columns=None):
    X, Y = _regression_data(n_tasks=3)
    if Y_columns is not None:
        Y = pd.DataFrame(Y, columns=Y_columns)
    return MultiTaskRegressor(penalty=TaskGraph(graph), alpha=0.05).fit(X, Y)


def test_task_graph_adjacency_errors():
    with pytest.raises(ValueError, match=re.escape("must have shape (3, 3)")):
        _fit_graph(np.ones((2, 2)))
    with pytest.raises(ValueError, match=re.escape("must have shape (3, 3)")):
        _fit_graph(np.ones((3, 4)))
    asymmetric = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    with pytest.raises(ValueError, match="must be symmetric.*A \\+ A.T"):
        _fit_graph(asymmetric)
    negative = np.array([[0, -1, 0], [-1, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="finite, non-negative"):
        _fit_graph(negative)
    infinite = np.array([[0, np.inf, 0], [np.inf, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="finite, non-negative"):
        _fit_graph(infinite)
    with pytest.raises(ValueError, match="must be numeric"):
        _fit_graph(np.array([["a", "b", "c"]] * 3))
    labels = ["north", "south", "east"]
    wrong = pd.DataFrame(np.zeros((3, 3)), index=[0, 1, 2], columns=[0, 1, 2])
    with pytest.raises(ValueError, match="task labels as its index and columns"):
        _fit_graph(wrong, labels)


def test_task_graph_edge_list_errors():
    labels = ["north", "south", "east"]
    with pytest.raises(ValueError, match="'west'.*not among the fitted tasks"):
        _fit_graph([("north", "west")], labels)
    with pytest.raises(ValueError, match="not among the fitted tasks"):
        _fit_graph([(0, 5)])
    with pytest.raises(ValueError, match="listed twice"):
        _fit_graph([("north", "south"), ("north", "south")], labels)
    with pytest.raises(ValueError, match="listed twice"):
        _fit_graph([("north", "south"), ("south", "north", 2.0)], labels)
    with pytest.raises(ValueError, match="joins a task to itself"):
        _fit_graph([("east", "east")], labels)
    with pytest.raises(ValueError, match="not a finite, non-negative number"):
        _fit_graph([("north", "south", -1.0)], labels)
    with pytest.raises(ValueError, match=re.escape("tuple (s, t) or (s, t, weight)")):
        _fit_graph([("north", "south", 1.0, 2.0)], labels)
    with pytest.raises(ValueError, match=re.escape("tuple (s, t) or (s, t, weight)")):
        _fit_graph(["north"], labels)


def test_task_graph_accepted_forms_agree():
    """An edge list, a dense, sparse or DataFrame adjacency: the same model."""
    labels = ["north", "south", "east"]
    edges = [("north", "south", 2.0), ("south", "east")]
    adjacency = np.array([[0, 2.0, 0], [2.0, 0, 1.0], [0, 1.0, 0]])
    frame = pd.DataFrame(adjacency, index=labels, columns=labels)
    reference = _fit_graph(edges, labels).coef_
    for graph in (adjacency, sp.csr_matrix(adjacency), frame.iloc[::-1, ::-1]):
        assert_allclose(_fit_graph(graph, labels).coef_, reference, atol=1e-10)
    # A loop ||w_s - w_s||^2 adds nothing: the diagonal of a matrix is ignored
    # (while an edge list naming a loop is an error, see above).
    looped = adjacency + 5.0 * np.eye(3)
    assert_allclose(_fit_graph(looped, labels).coef_, reference, atol=1e-10)


def test_task_graph_bad_strength_and_base():
    X, Y = _regression_data(n_tasks=3)
    for strength in (-1.0, np.nan, "strong", True):
        with pytest.raises(ValueError, match="strength must be a number >= 0"):
            MultiTaskRegressor(penalty=TaskGraph(strength=strength)).fit(X, Y)
    with pytest.raises(ValueError, match="base must be a penalty with no smooth"):
        MultiTaskRegressor(penalty=TaskGraph(base=TaskGraph())).fit(X, Y)
    with pytest.raises(ValueError, match="Unknown penalty 'elastic'"):
        MultiTaskRegressor(penalty=TaskGraph(base="elastic")).fit(X, Y)


def test_clustered_n_clusters_bounds():
    X, Y = _regression_data(n_tasks=4)
    for bad in (0, 5, -1, 2.0, True, "two"):
        with pytest.raises(
            ValueError,
            match=re.escape("n_clusters must be an integer between 1 and the number")
            + ".*"
            + re.escape("(4)"),
        ):
            MultiTaskRegressor(penalty=Clustered(n_clusters=bad)).fit(X, Y)
    for good in (1, 4):
        model = MultiTaskRegressor(penalty=Clustered(n_clusters=good)).fit(X, Y)
        assert len(np.unique(model.task_clusters_)) <= good
    with pytest.raises(ValueError, match="eta must be a positive finite number"):
        MultiTaskRegressor(penalty=Clustered(eta=0.0)).fit(X, Y)


@pytest.mark.parametrize(
    "Structure, name",
    [
        (Dirty, "lasso_weight"),
        (RobustTraceNorm, "outlier_weight"),
        (RobustGroupLasso, "outlier_weight"),
        (SparseLowRank, "lasso_weight"),
    ],
)
def test_relative_weight_errors(Structure, name):
    X, Y = _regression_data()
    for bad in (0.0, -0.5, np.inf, np.nan, "automatic", None, True):
        with pytest.raises(
            ValueError,
            match=f"{Structure.__name__}: {name} must be a positive finite number "
            "or 'auto'",
        ):
            MultiTaskRegressor(penalty=Structure(**{name: bad})).fit(X, Y)
    # alpha_max reads the weight too.
    with pytest.raises(ValueError, match=f"{name} must be a positive"):
        alpha_max(X, Y, penalty=Structure(**{name: 0.0}))


@pytest.mark.parametrize("Structure", [TaskGraph, Clustered])
def test_one_column_structures_reject_multiclass_tasks(Structure):
    X, Y = _multiclass_classification_data()
    with pytest.raises(
        ValueError,
        match=f"{Structure.__name__} compares the coefficient vectors of tasks.*"
        "one coefficient column per task.*multi-class",
    ):
        MultiTaskClassifier(penalty=Structure()).fit(X, Y)


@pytest.mark.parametrize("Structure", [RobustTraceNorm, RobustGroupLasso])
def test_robust_models_group_multiclass_columns(Structure):
    """A multi-class task's columns form one outlier group."""
    X, Y = _multiclass_classification_data()
    clf = MultiTaskClassifier(penalty=Structure(), alpha=0.01).fit(X, Y)
    outlier_part = clf.S_ if Structure is RobustTraceNorm else clf.Q_
    rows = clf.coef_rows_[2]
    assert rows.stop - rows.start == 3
    task_norms = [
        np.linalg.norm(outlier_part[clf.coef_rows_[t]]) for t in range(clf.n_tasks_)
    ]
    assert_array_equal(clf.outlier_tasks_, np.flatnonzero(task_norms))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_unknown_penalty_lists_structures(Estimator):
    X, Y = (
        _regression_data()
        if Estimator is MultiTaskRegressor
        else _binary_classification_data()
    )
    with pytest.raises(ValueError, match="Unknown penalty 'dirt'") as info:
        Estimator(penalty="dirt").fit(X, Y)
    message = str(info.value)
    for name in (*STRUCTURES, "group_lasso", "trace_norm"):
        assert repr(name) in message
    assert "skmtl.structures" in message
    with pytest.raises(ValueError, match="Unknown penalty"):
        Estimator(penalty=Dirty).fit(X, Y)  # the class, not an instance


@pytest.mark.parametrize(
    "penalty",
    [Clustered(n_clusters=10), TaskGraph(np.ones((2, 2))), Dirty(lasso_weight=-1.0)],
)
def test_structure_errors_leave_no_fitted_model(penalty):
    X, Y = _regression_data()
    est = MultiTaskRegressor(penalty=penalty)
    with pytest.raises(ValueError):
        est.fit(X, Y)
    with pytest.raises(NotFittedError):
        est.predict(X)
    # A failed refit of a fitted model leaves no stale coefficients either.
    est.set_params(penalty="lasso").fit(X, Y)
    with pytest.raises(ValueError):
        est.set_params(penalty=penalty).fit(X[:, :5], Y)
    with pytest.raises(NotFittedError):
        est.predict(X[:, :5])


def test_eta_error_does_not_offer_auto():
    X, Y = _regression_data()
    with pytest.raises(
        ValueError, match=r"eta must be a positive finite number, got 0"
    ):
        MultiTaskRegressor(penalty=Clustered(eta=0)).fit(X, Y)


# --------------------------------------------------------------------------
# Refitting and warm starts


def test_refit_with_another_penalty_removes_old_parts():
    X, Y = _regression_data()
    est = MultiTaskRegressor(penalty=Dirty(), alpha=0.05).fit(X, Y)
    assert hasattr(est, "P_") and hasattr(est, "Q_")
    assert_allclose(est.coef_, est.P_ + est.Q_)

    est.set_params(penalty="lasso").fit(X, Y)
    for name in ALL_STRUCTURE_ATTRIBUTES:
        assert not hasattr(est, name), name

    est.set_params(penalty=RobustTraceNorm()).fit(X, Y)
    assert hasattr(est, "L_") and hasattr(est, "outlier_tasks_")
    est.set_params(penalty=Clustered()).fit(X, Y)
    assert hasattr(est, "task_clusters_") and hasattr(est, "task_similarity_")
    for name in ("L_", "S_", "outlier_tasks_", "P_", "Q_"):
        assert not hasattr(est, name), name
    est.set_params(penalty=SparseLowRank()).fit(X, Y)
    assert hasattr(est, "P_") and hasattr(est, "Q_")
    for name in ("task_clusters_", "task_similarity_", "L_", "S_"):
        assert not hasattr(est, name), name


@pytest.mark.parametrize("Structure", DECOMPOSED)
def test_warm_start_with_parts(Structure):
    """Warm starts resume from the fitted parts: a refit at the same alpha
    takes a few iterations; at a neighbouring alpha it reaches the cold fit's
    solution."""
    X, Y = _regression_data()
    penalty = Structure()
    a_max = alpha_max(X, Y, penalty=penalty)
    params = dict(penalty=penalty, tol=1e-8, max_iter=5000)
    cold = MultiTaskRegressor(alpha=0.1 * a_max, **params).fit(X, Y)
    assert cold.n_iter_ > 15

    warm = MultiTaskRegressor(alpha=0.1 * a_max, warm_start=True, **params)
    warm.fit(X, Y)
    warm.fit(X, Y)
    assert warm.n_iter_ <= 5 < cold.n_iter_
    assert_allclose(warm.coef_, cold.coef_, atol=1e-6)
    for name in PARTS[Structure]:
        assert_allclose(getattr(warm, name), getattr(cold, name), atol=1e-5)

    neighbour = MultiTaskRegressor(alpha=0.08 * a_max, **params).fit(X, Y)
    warm.set_params(alpha=0.08 * a_max).fit(X, Y)
    assert_allclose(warm.coef_, neighbour.coef_, atol=1e-5)


def test_warm_start_across_penalties():
    """Switching structures keeps warm_start working (same solution)."""
    X, Y = _regression_data()
    est = MultiTaskRegressor(penalty=Dirty(), alpha=0.05, tol=1e-8, warm_start=True)
    est.fit(X, Y)
    for penalty in (RobustGroupLasso(), RobustTraceNorm(), "lasso", SparseLowRank()):
        est.set_params(penalty=penalty).fit(X, Y)
        cold = MultiTaskRegressor(penalty=penalty, alpha=0.05, tol=1e-8).fit(X, Y)
        assert_allclose(est.coef_, cold.coef_, atol=1e-5)


# --------------------------------------------------------------------------
# CV estimators with structures


def test_regressor_cv_with_a_structure():
    rng = np.random.default_rng(0)
    n_features, n_tasks = 15, 5
    W = np.zeros((n_features, n_tasks))
    W[:3] = rng.uniform(1, 2, (3, n_tasks))
    for t in range(n_tasks):  # one task-specific feature each: Dirty wins
        W[3 + t, t] = 3.0
    X = rng.standard_normal((90, n_features))
    Y = X @ W + rng.standard_normal((90, n_tasks))
    cv = MultiTaskRegressorCV(penalty=[Dirty(), "group_lasso"], alphas=5, cv=3)
    cv.fit(X, Y)

    assert cv.scores_.shape == (2, 5, 3)
    assert cv.alphas_.shape == (2, 5)
    assert isinstance(cv.penalty_, Dirty)
    model = cv.estimator_
    assert isinstance(model.penalty, Dirty)
    assert model.alpha == cv.alpha_
    assert_allclose(model.coef_, model.P_ + model.Q_)
    assert_array_equal(cv.coef_, model.coef_)
    assert_allclose(cv.predict(X), model.predict(X))
    direct = MultiTaskRegressor(penalty=Dirty(), alpha=cv.alpha_).fit(X, Y)
    assert_allclose(model.P_, direct.P_)
