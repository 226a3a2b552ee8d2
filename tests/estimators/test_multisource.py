"""Incomplete multi-source data (iMSF): :mod:`skmtl.multisource`, from scratch.

The objective of the docstrings is written here again, from the data: one
model per missingness pattern on the features of its sources, a group lasso
over each feature's coefficients in the patterns that observe it. The fits
are compared with cvxpy (CLARABEL) on that objective, checked against their
optimality (KKT) conditions, and for the structural zeros (coefficients of
unobserved features exactly 0.0). The rest is the estimator's contract:
unseen patterns, bad NaN layouts, DataFrames, pipelines, scikit-learn's
checks.
"""

import inspect
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import ElasticNet, Lasso
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl import multisource
from skmtl.multisource import (
    MultiSourceClassifier,
    MultiSourceRegressor,
    multisource_alpha_max,
    row_patterns,
)

# Three sources: "imaging" (columns 0-1), "genetics" (2-4), "clinical" (5-6).
SOURCES = {"imaging": [0, 1], "genetics": [2, 3, 4], "clinical": [5, 6]}
SOURCE_OF_COLUMN = np.array([0, 0, 1, 1, 1, 2, 2])
# The patterns of make_data, and how many rows each has (of every 8 rows).
PATTERNS = np.array(
    [[True, True, True], [True, True, False], [False, True, True], [True, False, True]]
)
TIGHT = {"tol": 1e-12, "max_iter": 20_000}
KINDS = ["regression", "binary"]
ESTIMATOR = {"regression": MultiSourceRegressor, "binary": MultiSourceClassifier}


def make_data(kind, seed=0, n_samples=64, patterns=PATTERNS):
    """Rows cycling through ``patterns``, features of nonzero mean, the sources
    NaN where missing; the target from a shared sparse support."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 7)) + rng.uniform(-2, 2, 7)
    coef = np.array([1.5, 0.0, -1.0, 0.0, 0.5, 0.0, 1.0])
    score = (X - X.mean(axis=0)) @ coef + 0.5 * rng.standard_normal(n_samples)
    row_pattern = np.arange(n_samples) % len(patterns)
    missing = ~patterns[row_pattern][:, SOURCE_OF_COLUMN]
    X[missing] = np.nan
    if kind == "regression":
        return X, score + 3.0
    return X, (score > 0).astype(int)


# --------------------------------------------------------------------------
# The objective, written from the definition


def _groups(X):
    """Each row's pattern (the set of its observed columns), by index."""
    observed = ~np.isnan(X)
    sets, index = np.unique(observed, axis=0, return_inverse=True)
    return sets, np.ravel(index)


def _entry_weights(index, sample_weight, weighting):
    """``c_i`` such that the data term is ``sum_i c_i loss_i``."""
    s = np.ones(index.size) if sample_weight is None else np.asarray(sample_weight)
    if weighting == "rows":
        return s / s.sum()
    totals = np.bincount(index, weights=s)
    return s / totals[index] / totals.size


def _loss(kind, y, z):
    """Per-row loss and its derivative in the score ``z``."""
    if kind == "regression":
        return 0.5 * (y - z) ** 2, z - y
    return np.logaddexp(0.0, z) - y * z, expit(z) - y


def _model_coef(model, sets):
    """The fitted coefficients and intercepts in the order of ``sets``."""
    observed = model.patterns_[:, SOURCE_OF_COLUMN]
    order = [int(np.flatnonzero((observed == s).all(axis=1))[0]) for s in sets]
    return model.coef_[order], model.intercept_[order]


def objective(kind, X, y, coef, intercept, alpha, l2=0.0, weighting="rows", sw=None):
    """The docstring's objective at one coefficient matrix per pattern set."""
    sets, index = _groups(X)
    c = _entry_weights(index, sw, weighting)
    filled = np.where(np.isnan(X), 0.0, X)
    z = np.einsum("ij,ij->i", filled, coef[index] * sets[index]) + intercept[index]
    loss, _ = _loss(kind, y, z)
    group = np.sqrt((coef**2 * sets).sum(axis=0))
    return c @ loss + alpha * group.sum() + 0.5 * l2 * np.sum(coef**2 * sets)


def gradients(kind, X, y, coef, intercept, weighting="rows", sw=None):
    """Gradient of the data term in each (pattern, feature) and intercept."""
    sets, index = _groups(X)
    c = _entry_weights(index, sw, weighting)
    filled = np.where(np.isnan(X), 0.0, X)
    z = np.einsum("ij,ij->i", filled, coef[index] * sets[index]) + intercept[index]
    _, derivative = _loss(kind, y, z)
    grad = np.zeros_like(coef)
    grad_b = np.zeros(len(sets))
    for p in range(len(sets)):
        rows = index == p
        grad[p] = (c[rows] * derivative[rows]) @ filled[rows] * sets[p]
        grad_b[p] = c[rows] @ derivative[rows]
    return grad, grad_b


def cvxpy_solution(kind, X, y, alpha, fit_intercept, l2=0.0, weighting="rows", sw=None):
    """The optimum of the objective, each pattern's model on its own columns."""
    cp = pytest.importorskip("cvxpy")
    sets, index = _groups(X)
    c = _entry_weights(index, sw, weighting)
    variables, data_terms = [], []
    for p, columns in enumerate(sets):
        rows = index == p
        w = cp.Variable(int(columns.sum()))
        b = cp.Variable() if fit_intercept else 0.0
        z = X[np.ix_(rows, columns)] @ w + b
        if kind == "regression":
            data_terms.append(0.5 * c[rows] @ cp.square(y[rows] - z))
        else:
            data_terms.append(c[rows] @ (cp.logistic(z) - cp.multiply(y[rows], z)))
        variables.append((w, b))
    groups = []
    for j in range(X.shape[1]):
        entries = [
            w[int(np.sum(sets[p, :j]))]
            for p, (w, _) in enumerate(variables)
            if sets[p, j]
        ]
        groups.append(cp.norm(cp.hstack(entries), 2))
    ridge = sum(cp.sum_squares(w) for w, _ in variables)
    problem = cp.Problem(
        cp.Minimize(sum(data_terms) + alpha * sum(groups) + 0.5 * l2 * ridge)
    )
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12)
    coef = np.zeros(sets.shape)
    intercept = np.zeros(len(sets))
    for p, (w, b) in enumerate(variables):
        coef[p, sets[p]] = w.value
        intercept[p] = b.value if fit_intercept else 0.0
    return problem.value, coef, intercept


def _fit(kind, X, y, alpha_fraction=0.3, sw=None, **params):
    model = ESTIMATOR[kind](SOURCES, **params)
    top = multisource_alpha_max(model, X, y, sample_weight=sw)
    model.set_params(alpha=alpha_fraction * top, **TIGHT)
    return model.fit(X, y, sample_weight=sw)


# --------------------------------------------------------------------------
# Optimality


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"fit_intercept": False},
        {"pattern_weighting": "patterns", "l2": 0.05},
        {"sample_weight": True},
    ],
    ids=["default", "no_intercept", "patterns_l2", "sample_weight"],
)
def test_fit_is_the_cvxpy_optimum_of_the_stacked_group_lasso(kind, params):
    X, y = make_data(kind, seed=1, n_samples=48)
    params = dict(params)
    sw = None
    if params.pop("sample_weight", False):
        sw = np.random.default_rng(3).uniform(0.2, 2.0, y.size)
    # Without intercepts the features' means dominate alpha_max: a larger
    # fraction of it gives zero groups too.
    fraction = 0.3 if params.get("fit_intercept", True) else 0.7
    if params.get("l2"):
        fraction = 0.6
    model = _fit(kind, X, y, fraction, sw=sw, **params)
    alpha, l2 = model.alpha, model.l2
    weighting = model.pattern_weighting
    best, coef, intercept = cvxpy_solution(
        kind, X, y, alpha, model.fit_intercept, l2, weighting, sw
    )
    ours_coef, ours_intercept = _model_coef(model, _groups(X)[0])
    ours = objective(kind, X, y, ours_coef, ours_intercept, alpha, l2, weighting, sw)
    assert ours == pytest.approx(best, rel=1e-6)
    assert model.objective_ == pytest.approx(ours, rel=1e-9)
    np.testing.assert_allclose(ours_coef, coef, atol=2e-4)
    # the solution has zero groups and non-zero ones
    norms = np.linalg.norm(model.coef_, axis=0)
    assert np.any(norms == 0) and np.any(norms > 0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighting", ["rows", "patterns"])
def test_kkt_conditions_hold(kind, fit_intercept, weighting):
    X, y = make_data(kind, seed=2)
    sw = np.random.default_rng(0).uniform(0.5, 1.5, y.size)
    model = _fit(
        kind, X, y, 0.2, sw, fit_intercept=fit_intercept, pattern_weighting=weighting
    )
    sets = _groups(X)[0]
    coef, intercept = _model_coef(model, sets)
    grad, grad_b = gradients(kind, X, y, coef, intercept, weighting, sw)
    zero_grad, _ = gradients(
        kind, X, y, np.zeros_like(coef), intercept * 0, weighting, sw
    )
    scale = np.sqrt((zero_grad**2).sum(axis=0)).max()
    alpha = model.alpha
    if fit_intercept:
        assert np.abs(grad_b).max() <= 1e-7 * scale
    for j in range(X.shape[1]):
        g, w = grad[sets[:, j], j], coef[sets[:, j], j]
        norm = np.linalg.norm(w)
        if norm > 0:
            residual = g + alpha * w / norm
            assert np.linalg.norm(residual) <= 1e-5 * scale, j
        else:
            assert np.linalg.norm(g) <= alpha + 1e-5 * scale, j


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("fraction", [0.01, 0.3])
def test_unobserved_coefficients_are_exact_zeros(kind, fit_intercept, fraction):
    X, y = make_data(kind, seed=4)
    sw = np.random.default_rng(1).uniform(0.5, 1.5, y.size)
    for params in ({}, {"l2": 0.1, "pattern_weighting": "patterns"}):
        model = _fit(kind, X, y, fraction, sw, fit_intercept=fit_intercept, **params)
        observed = model.patterns_[:, SOURCE_OF_COLUMN]
        unobserved = model.coef_[~observed]
        assert unobserved.size and np.array_equal(unobserved, np.zeros_like(unobserved))
        # the observed ones are mostly non-zero at a small alpha
        if fraction < 0.1:
            assert np.all(model.coef_[observed] != 0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("weighting", ["rows", "patterns"])
def test_alpha_max_zeroes_every_coefficient(kind, weighting):
    X, y = make_data(kind, seed=5)
    model = ESTIMATOR[kind](SOURCES, pattern_weighting=weighting)
    top = multisource_alpha_max(model, X, y)
    assert np.all(model.set_params(alpha=top).fit(X, y).coef_ == 0.0)
    assert np.any(model.set_params(alpha=0.95 * top).fit(X, y).coef_ != 0.0)
    # from scratch: the largest norm over features of the null gradient
    _, index = _groups(X)
    null_intercept = np.zeros(len(np.unique(index)))
    for p in range(null_intercept.size):
        rows = index == p
        mean = y[rows].mean()
        null_intercept[p] = mean if kind == "regression" else np.log(mean / (1 - mean))
    sets = _groups(X)[0]
    grad, _ = gradients(kind, X, y, np.zeros(sets.shape), null_intercept, weighting)
    assert top == pytest.approx(np.sqrt((grad**2).sum(axis=0)).max(), rel=1e-10)


def test_one_pattern_is_scikit_learn_lasso_and_elastic_net():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5)) + 2.0
    y = X[:, 0] - X[:, 3] + rng.standard_normal(60)
    model = MultiSourceRegressor(alpha=0.1, **TIGHT).fit(X, y)
    lasso = Lasso(alpha=0.1, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(model.coef_[0], lasso.coef_, atol=1e-9)
    assert model.intercept_[0] == pytest.approx(lasso.intercept_, abs=1e-9)
    net = MultiSourceRegressor(alpha=0.1, l2=0.2, **TIGHT).fit(X, y)
    enet = ElasticNet(alpha=0.3, l1_ratio=1 / 3, tol=1e-14, max_iter=100_000)
    np.testing.assert_allclose(net.coef_[0], enet.fit(X, y).coef_, atol=1e-9)


# --------------------------------------------------------------------------
# Patterns and prediction


def test_patterns_are_ordered_and_counted():
    X, y = make_data("regression", n_samples=40)
    model = MultiSourceRegressor(SOURCES).fit(X, y)
    np.testing.assert_array_equal(model.patterns_, PATTERNS)
    np.testing.assert_array_equal(model.pattern_counts_, [10, 10, 10, 10])
    assert list(model.sources_) == list(SOURCES)
    patterns, index = row_patterns(X, SOURCES)
    np.testing.assert_array_equal(patterns, model.patterns_)
    np.testing.assert_array_equal(index, np.arange(40) % 4)
    np.testing.assert_array_equal(model.pattern_index(X), index)
    # the order does not depend on the order of the rows
    order = np.random.default_rng(0).permutation(40)
    shuffled = MultiSourceRegressor(SOURCES).fit(X[order], y[order])
    np.testing.assert_array_equal(shuffled.patterns_, model.patterns_)
    np.testing.assert_allclose(shuffled.coef_, model.coef_, atol=1e-6)


def test_undeclared_sources_give_the_same_fit_as_declared_blocks():
    X, y = make_data("regression")
    declared = MultiSourceRegressor(SOURCES, alpha=0.05, **TIGHT).fit(X, y)
    columns = MultiSourceRegressor(alpha=0.05, **TIGHT).fit(X, y)
    assert columns.patterns_.shape == (4, 7)
    np.testing.assert_array_equal(
        declared.patterns_[:, SOURCE_OF_COLUMN], columns.patterns_
    )
    np.testing.assert_allclose(columns.coef_, declared.coef_, atol=1e-9)
    np.testing.assert_allclose(columns.predict(X), declared.predict(X), atol=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_prediction_uses_each_rows_pattern(kind):
    X, y = make_data(kind)
    model = _fit(kind, X, y, 0.1)
    filled = np.where(np.isnan(X), 0.0, X)
    index = model.pattern_index(X)
    expected = np.einsum("ij,ij->i", filled, model.coef_[index])
    expected += model.intercept_[index]
    scores = model.predict(X) if kind == "regression" else model.decision_function(X)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def _training_means(X, sw, rows):
    return sw[rows] @ X[rows] / sw[rows].sum()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_unseen_subset_pattern_uses_the_restricted_model(kind, fit_intercept):
    # No complete pattern in fit; "imaging + genetics" has the most rows.
    patterns = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=bool)
    X, y = make_data(kind, seed=6, n_samples=80, patterns=patterns)
    sw = np.random.default_rng(2).uniform(0.5, 1.5, y.size)
    model = _fit(kind, X, y, 0.1, sw, fit_intercept=fit_intercept)
    assert model.patterns_.tolist() == [[1, 1, 0], [0, 1, 1], [1, 0, 1]]
    # Imaging only, never seen in fit: "imaging + clinical" covers it with
    # the fewest extra columns (2, against 3 for "imaging + genetics").
    chosen = 2
    rng = np.random.default_rng(7)
    test = rng.standard_normal((5, 7))
    test[:, 2:] = np.nan
    np.testing.assert_array_equal(model.pattern_index(test), [chosen] * 5)
    # From the definition: the missing clinical features at their means over
    # the training rows of "imaging + clinical".
    observed = ~np.isnan(X)
    rows = np.flatnonzero(observed[:, 0] & ~observed[:, 2] & observed[:, 5])
    means = _training_means(np.where(observed, X, 0.0), sw, rows)
    completed = test.copy()
    completed[:, 2:5] = 0.0
    completed[:, 5:] = means[5:]
    expected = completed @ model.coef_[chosen] + model.intercept_[chosen]
    scores = (
        model.predict(test) if kind == "regression" else model.decision_function(test)
    )
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
    np.testing.assert_allclose(model.pattern_means_[chosen, 5:], means[5:])
    assert np.all(np.isnan(model.pattern_means_[chosen, 2:5]))
    # the restricted model's mean prediction over the pattern's training
    # rows is the full model's: the dropped terms average to zero there
    if kind == "regression":
        train = X[rows].copy()
        full = model.predict(train)
        train[:, 5:] = np.nan
        restricted = model.predict(train)
        assert sw[rows] @ restricted == pytest.approx(sw[rows] @ full, rel=1e-10)

    # Not a subset of a fitted pattern: an error naming the sources.
    test[:, 2:] = rng.standard_normal((5, 5))  # all three sources
    with pytest.raises(ValueError, match=r"not a subset of any pattern seen in fit"):
        model.predict(test)
    with pytest.raises(ValueError, match=r"\['imaging', 'genetics', 'clinical'\]"):
        model.pattern_index(test)
    strict = clone(model).set_params(unseen_pattern="error").fit(X, y, sw)
    test[:, 2:] = np.nan
    with pytest.raises(ValueError, match="unseen_pattern='error'"):
        strict.predict(test)


def test_restricted_model_ties_go_to_the_pattern_with_most_weight():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 3))
    y = X.sum(axis=1) + rng.standard_normal(90)
    X[:60, 2] = np.nan  # 60 rows with sources a and b
    X[60:, 1] = np.nan  # 30 rows with a and c
    model = MultiSourceRegressor([[0], [1], [2]], alpha=0.01).fit(X, y)
    only_a = np.array([[1.0, np.nan, np.nan]])
    assert model.pattern_index(only_a).tolist() == [0]
    heavier = np.ones(90)
    heavier[60:] = 3.0  # now a and c weigh more
    model.fit(X, y, sample_weight=heavier)
    assert model.patterns_[model.pattern_index(only_a)[0]].tolist() == [1, 0, 1]


def test_zero_weight_rows_are_left_out():
    X, y = make_data("regression", n_samples=48)
    sw = np.ones(y.size)
    sw[3::4] = 0.0  # every row of the fourth pattern
    sw[:8] = 0.0
    model = MultiSourceRegressor(SOURCES, alpha=0.05, **TIGHT).fit(X, y, sw)
    kept = sw > 0
    dropped = MultiSourceRegressor(SOURCES, alpha=0.05, **TIGHT).fit(X[kept], y[kept])
    assert model.n_patterns_ == 3
    np.testing.assert_allclose(model.coef_, dropped.coef_, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, dropped.intercept_, atol=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_integer_weights_are_repeated_rows(kind):
    X, y = make_data(kind, seed=8)
    sw = np.random.default_rng(0).integers(1, 4, y.size)
    weighted = _fit(kind, X, y, 0.1, sw.astype(float))
    repeated = clone(weighted).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-7)


# --------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ({"a": [0, 1], "b": [2, 3, 4]}, r"columns \[5, 6\] belong to no source"),
        ({"a": [0, 1, 2], "b": [2, 3, 4], "c": [5, 6]}, r"'a' and 'b' overlap"),
        ({"a": [0, 1], "b": [2, 3, 4], "c": [5, 9]}, "position 9, but X has 7"),
        ({"a": [0, 0, 1], "b": [2, 3, 4], "c": [5, 6]}, "lists a column twice"),
        ({"a": [], "b": list(range(7))}, "declares no column"),
        ({"a": ["x"], "b": list(range(1, 7))}, "X has no column names"),
        ({"a": [0.5], "b": list(range(1, 7))}, r"position \(int\) or a name"),
        ("abc", "must be a mapping"),
        ({}, "declares no source"),
    ],
)
def test_bad_sources_are_clear_errors(sources, message):
    X, y = make_data("regression")
    with pytest.raises(ValueError, match=message):
        MultiSourceRegressor(sources).fit(X, y)


def test_nan_outside_whole_blocks_is_an_error_naming_rows_and_source():
    X, y = make_data("regression")
    X[[0, 5], 3] = np.nan  # part of "genetics" in two rows that have it
    message = (
        r"NaN in only some of the columns of source 'genetics' "
        r"\(columns \[2, 3, 4\]\) in the rows \[0, 5\]"
    )
    for estimator in (MultiSourceRegressor(SOURCES), MultiSourceClassifier(SOURCES)):
        target = y if isinstance(estimator, MultiSourceRegressor) else y > 3
        with pytest.raises(ValueError, match=message):
            estimator.fit(X, target)
    model = MultiSourceRegressor(SOURCES).fit(*make_data("regression"))
    with pytest.raises(ValueError, match=message):
        model.predict(X)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(7)])
    named = {name: [f"x{j}" for j in cols] for name, cols in SOURCES.items()}
    with pytest.raises(ValueError, match=r"\['x2', 'x3', 'x4'\]"):
        MultiSourceRegressor(named).fit(frame, y)


def test_infinity_is_an_error():
    X, y = make_data("regression")
    X[1, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        MultiSourceRegressor(SOURCES).fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"alpha": -1.0}, "alpha must be >= 0"),
        ({"pattern_weighting": "tasks"}, "pattern_weighting must be one of"),
        ({"unseen_pattern": "mean"}, "unseen_pattern must be one of"),
        ({"fit_intercept": "yes"}, "fit_intercept must be True or False"),
        ({"tol": 0.0}, "tol must be > 0"),
    ],
)
def test_bad_parameters_are_clear_errors(params, message):
    X, y = make_data("regression")
    with pytest.raises(ValueError, match=message):
        MultiSourceRegressor(SOURCES, **params).fit(X, y)


def test_classifier_needs_binary_targets_and_both_classes_in_every_pattern():
    X, y = make_data("binary")
    with pytest.raises(ValueError, match="Only binary classification"):
        MultiSourceClassifier(SOURCES).fit(X, np.arange(y.size) % 3)
    single = y.copy()
    single[2::4] = 1  # the rows with genetics and clinical only: one class
    with pytest.raises(ValueError, match=r"\['genetics', 'clinical'\] \(16 rows\)"):
        MultiSourceClassifier(SOURCES).fit(X, single)


def test_classifier_outputs_agree():
    X, y = make_data("binary", seed=9)
    labels = np.where(y == 1, "yes", "no")
    clf = _fit("binary", X, labels, 0.1)
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    scores = clf.decision_function(X)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:, 1], expit(scores))
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    np.testing.assert_array_equal(clf.predict(X), np.where(scores > 0, "yes", "no"))
    assert clf.score(X, labels) > 0.8


# --------------------------------------------------------------------------
# DataFrames, pipelines, model selection, persistence


def _frame(X):
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])


NAMED = {
    "imaging": ["x0", "x1"],
    "genetics": ["x2", "x3", "x4"],
    "clinical": slice(5, 7),
}


@pytest.mark.parametrize("kind", KINDS)
def test_dataframe_with_named_sources_equals_positions(kind):
    X, y = make_data(kind)
    by_position = _fit(kind, X, y, 0.1)
    by_name = ESTIMATOR[kind](NAMED, alpha=by_position.alpha, **TIGHT)
    by_name.fit(_frame(X), y)
    np.testing.assert_array_equal(by_name.feature_names_in_, _frame(X).columns)
    assert by_name.n_features_in_ == 7
    np.testing.assert_array_equal(by_name.sources_["clinical"], [5, 6])
    np.testing.assert_allclose(by_name.coef_, by_position.coef_, atol=1e-10)
    method = "predict" if kind == "regression" else "decision_function"
    np.testing.assert_allclose(
        getattr(by_name, method)(_frame(X)), getattr(by_position, method)(X)
    )
    with pytest.raises(ValueError, match="feature names should match"):
        getattr(by_name, method)(_frame(X).iloc[:, ::-1])
    # without declared sources, the columns are the sources, named
    assert list(ESTIMATOR[kind]().fit(_frame(X), y).sources_) == list(_frame(X))


def test_pipeline_with_a_nan_aware_scaler_and_grid_search():
    X, y = make_data("regression", n_samples=96)
    scaler = StandardScaler().set_output(transform="pandas")
    pipe = make_pipeline(scaler, MultiSourceRegressor(NAMED))
    scaled = scaler.fit_transform(_frame(X))
    top = multisource_alpha_max(MultiSourceRegressor(NAMED), scaled, y)
    grid = {"multisourceregressor__alpha": top * np.array([0.5, 0.05, 0.005])}
    cv = KFold(4, shuffle=True, random_state=0)
    search = GridSearchCV(pipe, grid, cv=cv).fit(_frame(X), y)
    assert search.best_params_["multisourceregressor__alpha"] < top * 0.5
    fitted = search.best_estimator_[-1]
    np.testing.assert_array_equal(fitted.patterns_, PATTERNS)
    assert search.best_estimator_.score(_frame(X), y) > 0.5


@pytest.mark.parametrize("kind", KINDS)
def test_clone_and_pickle(kind):
    X, y = make_data(kind)
    model = _fit(kind, X, y, 0.1)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "coef_")
    restored = pickle.loads(pickle.dumps(model))
    method = "predict" if kind == "regression" else "predict_proba"
    np.testing.assert_array_equal(
        getattr(restored, method)(X), getattr(model, method)(X)
    )


def _expected_failed_checks(estimator):
    if isinstance(estimator, MultiSourceClassifier):
        reason = (
            "the check puts 10 NaN at random into 30 rows: the missingness "
            "patterns it makes have rows of one class only, an error (each "
            "pattern's logistic model needs both classes); pickling is tested "
            "in test_clone_and_pickle"
        )
        return {
            "check_estimators_pickle": reason,
            "check_estimators_pickle(readonly_memmap=True)": reason,
        }
    return {}


# The checks feed no NaN blocks (one pattern: the lasso), except the pickle
# check, whose random NaN make one source of each column.
@parametrize_with_checks(
    [MultiSourceRegressor(), MultiSourceClassifier()],
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# Documentation


def _public():
    for name in multisource.__all__:
        obj = getattr(multisource, name)
        yield f"skmtl.multisource.{name}", obj
        if inspect.isclass(obj):
            for method in ("fit", "predict", "pattern_index", "decision_function",
                           "predict_proba", "predict_log_proba"):  # fmt: skip
                if method in vars(obj) or hasattr(obj, method):
                    yield f"skmtl.multisource.{name}.{method}", None


@pytest.mark.parametrize("name", sorted(dict(_public())))
def test_public_docstrings_are_valid_numpydoc(name):
    validate = pytest.importorskip("numpydoc.validate").validate
    enforced = {"PR01", "PR02", "PR03", "PR07", "PR10", "RT01", "SS01", "SS03", "GL08"}
    errors = [(c, m) for c, m in validate(name)["errors"] if c in enforced]
    assert not errors, f"{name}: {errors}"


def test_docstrings_state_the_objective():
    for estimator in (MultiSourceRegressor, MultiSourceClassifier):
        doc = inspect.getdoc(estimator)
        assert ".. math::" in doc and "\\alpha \\sum_{j=1}^{d}" in doc
        assert "j \\in A_p" in doc


DOCS = Path(__file__).resolve().parents[2] / "docs"


def _math_blocks(text):
    blocks = re.findall(r"\.\. math::\n\n((?:[ \t]+\S.*\n?)+)", text)
    return {" ".join(block.split()) for block in blocks}


def test_objectives_page_has_the_docstrings_formulas():
    guide = _math_blocks((DOCS / "objectives.rst").read_text())
    for estimator in (MultiSourceRegressor, MultiSourceClassifier):
        formulas = _math_blocks(inspect.getdoc(estimator) + "\n")
        assert formulas and formulas <= guide, estimator.__name__


def test_multisource_page_code_runs():
    text = (DOCS / "multisource.rst").read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:[ \t]+.*\n|\n)+)", text)
    assert len(blocks) == 2
    namespace = {}
    for block in blocks:
        code = "\n".join(line[4:] for line in block.splitlines())
        exec(compile(code, str(DOCS / "multisource.rst"), "exec"), namespace)
    fitted = namespace["search"].best_estimator_[-1]
    assert fitted.coef_.shape == (3, 9)
    np.testing.assert_array_equal(
        namespace["model"].patterns_, [[1, 1, 1], [1, 1, 0], [1, 0, 1]]
    )
