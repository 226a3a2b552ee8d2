"""Intercepts pulled towards their mean (intercept_shrinkage), and pooled tasks.

The objective of a fit with ``intercept_shrinkage=gamma`` is written out here
independently of the library and minimised by scipy (or by scikit-learn where
the objectives coincide); the fits must reach it and certify their gap.
"""

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression, Ridge

from skmtl import MultiTaskClassifier, MultiTaskRegressor
from skmtl.structures import TaskGraph

T, D = 6, 3


def _task_rows(seed, classification=False, n=240):
    """Rows of T tasks of unequal sizes; features with non-zero means."""
    rng = np.random.default_rng(seed)
    task = rng.choice(T, size=n, p=np.linspace(1, 3, T) / np.linspace(1, 3, T).sum())
    X = rng.standard_normal((n, D)) + rng.uniform(-2, 2, D) + 0.3 * task[:, None]
    coef = rng.standard_normal(D) + 0.3 * rng.standard_normal((T, D))
    score = np.einsum("ij,ij->i", X, coef[task]) + rng.standard_normal(T)[task]
    if classification:
        y = (score + rng.logistic(size=n) > np.median(score)).astype(int)
    else:
        y = score + 0.5 * rng.standard_normal(n) + 2.0
    return X, task, y


def _objective(X, task, y, W, b, *, alpha, strength, gamma, logistic):
    """The documented objective, computed from scratch (observation weights T/n)."""
    n = y.size
    score = np.einsum("ij,ji->i", X, W[:, task]) + b[task]
    if logistic:
        data = np.sum(np.logaddexp(0, score) - y * score) * T / n
    else:
        data = 0.5 * np.sum((y - score) ** 2) * T / n
    penalty = 0.5 * alpha * np.sum(W**2)
    penalty += strength * np.sum((W - W.mean(axis=1, keepdims=True)) ** 2)
    x_mean = X.mean(axis=0)
    b_mean_features = b + x_mean @ W
    penalty += gamma * np.sum((b_mean_features - b_mean_features.mean()) ** 2)
    return data + penalty


def _reference(X, task, y, *, alpha, strength, gamma, logistic):
    """Minimiser of :func:`_objective` by L-BFGS (to a tight tolerance)."""

    def fun(theta):
        W, b = theta[: D * T].reshape(D, T), theta[D * T :]
        return _objective(
            X, task, y, W, b, alpha=alpha, strength=strength, gamma=gamma,
            logistic=logistic,
        )  # fmt: skip

    result = minimize(
        fun, np.zeros(D * T + T), method="L-BFGS-B",
        options={"maxiter": 50000, "ftol": 1e-15, "gtol": 1e-11},
    )  # fmt: skip
    return result.fun


@pytest.mark.parametrize("logistic", [False, True])
@pytest.mark.parametrize("gamma", [0.05, 2.0])
def test_reaches_the_documented_objective(logistic, gamma):
    X, task, y = _task_rows(0, classification=logistic)
    alpha, strength = 0.1, 0.2
    Estimator = MultiTaskClassifier if logistic else MultiTaskRegressor
    model = Estimator(
        penalty=TaskGraph(strength=strength, base="ridge"), alpha=alpha,
        intercept_shrinkage=gamma, task_column=0, tol=1e-10, max_iter=20000,
    ).fit(np.column_stack([task, X]), y)  # fmt: skip
    assert model.converged_
    W, b = model.coef_.T, model.intercept_
    ours = _objective(
        X, task, y, W, b, alpha=alpha, strength=strength, gamma=gamma,
        logistic=logistic,
    )  # fmt: skip
    reference = _reference(
        X, task, y, alpha=alpha, strength=strength, gamma=gamma, logistic=logistic
    )
    # The reported objective is the documented one, and it is optimal.
    assert model.objective_ == pytest.approx(ours, rel=1e-9)
    assert ours <= reference + 1e-8 * abs(reference)
    assert model.dual_gap_ <= 1e-8 * abs(ours)


def test_shrinkage_moves_intercepts_towards_their_mean():
    X, task, y = _task_rows(1)
    Xt = np.column_stack([task, X])
    pooled = TaskGraph(strength=np.inf, base="ridge")
    spreads = []
    for gamma in (0.0, 0.1, 1.0, 10.0, np.inf):
        model = MultiTaskRegressor(
            penalty=pooled, alpha=0.01, intercept_shrinkage=gamma, task_column=0,
            tol=1e-10,
        ).fit(Xt, y)  # fmt: skip
        spreads.append(np.std(model.intercept_))
    assert np.all(np.diff(spreads) < 0)
    assert spreads[-1] == pytest.approx(0.0, abs=1e-12)


def test_pooled_ridge_with_one_intercept_is_scikit_learn_ridge():
    # TaskGraph(strength=inf) and intercept_shrinkage=inf: one model for all
    # rows. The data term (T / 2n) * RSS + (alpha / 2) ||w||^2 is Ridge's
    # RSS + alpha' ||w||^2 with alpha' = alpha n / T.
    X, task, y = _task_rows(2)
    alpha = 0.3
    model = MultiTaskRegressor(
        penalty=TaskGraph(strength=np.inf, base="ridge"), alpha=alpha,
        intercept_shrinkage=np.inf, task_column=0, tol=1e-12, max_iter=10000,
    ).fit(np.column_stack([task, X]), y)  # fmt: skip
    ridge = Ridge(alpha=alpha * y.size / T, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef_, np.tile(ridge.coef_, (T, 1)), rtol=1e-7)
    np.testing.assert_allclose(model.intercept_, ridge.intercept_, rtol=1e-7)


def test_pooled_logistic_with_one_intercept_is_scikit_learn_logistic_regression():
    X, task, y = _task_rows(3, classification=True)
    alpha = 0.05
    model = MultiTaskClassifier(
        penalty=TaskGraph(strength=np.inf, base="ridge"), alpha=alpha,
        intercept_shrinkage=np.inf, task_column=0, tol=1e-12, max_iter=10000,
    ).fit(np.column_stack([task, X]), y)  # fmt: skip
    # (T / n) sum loss + (alpha / 2) ||w||^2  <=>  C sum loss + ||w||^2 / 2
    reference = LogisticRegression(C=T / (y.size * alpha), tol=1e-12, max_iter=10000)
    reference.fit(X, y)
    np.testing.assert_allclose(
        model.coef_, np.tile(reference.coef_, (T, 1)), rtol=1e-5, atol=1e-8
    )
    np.testing.assert_allclose(model.intercept_, reference.intercept_[0], rtol=1e-5)


def test_shifting_a_feature_changes_no_prediction():
    X, task, y = _task_rows(4)
    shifted = X + np.array([5.0, -3.0, 0.0])
    predictions = []
    for features in (X, shifted):
        Xt = np.column_stack([task, features])
        model = MultiTaskRegressor(
            penalty=TaskGraph(strength=0.5, base="ridge"), alpha=0.1,
            intercept_shrinkage=1.0, task_column=0, tol=1e-12, max_iter=20000,
        ).fit(Xt, y)  # fmt: skip
        predictions.append(model.predict(Xt))
    np.testing.assert_allclose(predictions[0], predictions[1], rtol=1e-6, atol=1e-8)


def test_shared_design_equals_its_task_rows():
    # One X for every task is the task-column layout of its stacked copies.
    rng = np.random.default_rng(5)
    n = 40
    X = rng.standard_normal((n, D)) + 1.0
    Y = X @ rng.standard_normal((D, T)) + rng.standard_normal(T) * 2
    params = dict(penalty="group_lasso", alpha=0.05, intercept_shrinkage=0.3, tol=1e-12)
    shared = MultiTaskRegressor(**params, max_iter=20000).fit(X, Y)
    stacked = np.column_stack([np.repeat(np.arange(T), n), np.tile(X, (T, 1))])
    rows = MultiTaskRegressor(**params, max_iter=20000, task_column=0)
    rows.fit(stacked, Y.T.ravel())
    np.testing.assert_allclose(shared.coef_, rows.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(shared.intercept_, rows.intercept_, rtol=1e-6)


def test_warm_start_reaches_the_same_fit():
    X, task, y = _task_rows(6)
    Xt = np.column_stack([task, X])
    params = dict(
        penalty="lasso", intercept_shrinkage=0.5, task_column=0, tol=1e-10,
        max_iter=20000,
    )  # fmt: skip
    cold = MultiTaskRegressor(alpha=0.02, **params).fit(Xt, y)
    warm = MultiTaskRegressor(alpha=0.05, warm_start=True, **params).fit(Xt, y)
    warm.set_params(alpha=0.02).fit(Xt, y)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-6)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, atol=1e-6)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"intercept_shrinkage": -1.0}, "intercept_shrinkage must be a number >= 0"),
        ({"intercept_shrinkage": np.nan}, "intercept_shrinkage must be a number >= 0"),
        ({"intercept_shrinkage": "high"}, "intercept_shrinkage must be a number >= 0"),
        (
            {"intercept_shrinkage": 1.0, "fit_intercept": False},
            "needs fit_intercept=True",
        ),
        (
            {"penalty": TaskGraph(graph=[(0, 1)], strength=np.inf)},
            "strength=inf ties the tasks, which is defined for the complete graph",
        ),
    ],
)
def test_bad_settings_say_what_to_do(params, message):
    X, task, y = _task_rows(7)
    with pytest.raises(ValueError, match=message):
        MultiTaskRegressor(task_column=0, **params).fit(np.column_stack([task, X]), y)


def test_multiclass_tasks_are_rejected():
    X, task, y = _task_rows(8)
    labels = np.digitize(y, np.quantile(y, [0.33, 0.66]))  # three classes
    model = MultiTaskClassifier(intercept_shrinkage=1.0, task_column=0)
    with pytest.raises(ValueError, match="one intercept per task, but some tasks"):
        model.fit(np.column_stack([task, X]), labels)
