"""Newton's method on the support, and the BLAS thread policy of the solver.

The polish must land on the optimum that a first-order solve reaches at a
very tight tolerance (checked against FISTA with the polish switched off, and
against KKT conditions computed from scratch), in every form the data term
takes: dense and sparse X, with and without intercepts, sample weights, a
task column, the ridge term of the elastic net. The thread policy must limit
BLAS inside small solves, leave it alone in large ones, and restore the
caller's settings.
"""

import importlib

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_info, threadpool_limits

from _helpers import data_term, kkt_violations, melt, null_model, regression_data
from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from skmtl.penalties.norms import GroupLasso, Lasso, TraceNorm
from skmtl.solvers import newton
from skmtl.utils import threads

# (The package exports the functions under the modules' names.)
solve_module = importlib.import_module("skmtl.solvers.solve")
working_sets_module = importlib.import_module("skmtl.solvers.working_sets")

# The KKT conditions that the polish reaches at the DEFAULT tolerance, relative
# to the gradient at the null model (a first-order solve at tol=1e-4 meets
# them only to about 1e-3).
POLISHED_RTOL = 1e-8

CONFIGS = [
    {"fit_intercept": True, "weights": False, "l2": 0.0},
    {"fit_intercept": False, "weights": True, "l2": 0.0},
    {"fit_intercept": True, "weights": True, "l2": 0.5},
]


def _data(sparse, seed=0):
    X, Y = regression_data(n_samples=40, n_features=12, n_tasks=3, random_state=seed)
    if sparse:
        rng = np.random.default_rng(seed)
        X = X * (rng.random(X.shape) < 0.6)
        return sp.csr_matrix(X), Y
    return X, Y


def _fit(penalty, X, Y, config, layout, **params):
    """A fitted regressor (task column: every task sees the same rows)."""
    weights = None
    if config["weights"]:
        weights = np.random.default_rng(1).uniform(0.2, 3.0, Y.shape[0])
    a_max = alpha_max(X, Y, penalty=penalty, fit_intercept=config["fit_intercept"])
    model = MultiTaskRegressor(
        penalty=penalty,
        alpha=a_max / 8,
        l2=config["l2"],
        fit_intercept=config["fit_intercept"],
        **params,
    )
    if layout == "shared":
        return model.fit(X, Y, sample_weight=weights), weights
    dense = X.toarray() if sp.issparse(X) else X
    rows, y = melt(dense, Y)
    rows = sp.csr_matrix(rows) if sp.issparse(X) else rows
    row_weights = None if weights is None else np.tile(weights, Y.shape[1])
    model.set_params(task_column=-1)
    return model.fit(rows, y, sample_weight=row_weights), weights


def _relative_kkt(penalty, model, X, Y, weights, l2):
    """Largest KKT violation of a fit, relative to the null gradient's size."""
    dense = X.toarray() if sp.issparse(X) else X
    W = model.coef_.T
    _, G, g = data_term("regression", dense, Y, W, model.intercept_, weights)
    _, G0 = null_model("regression", dense, Y, weights, model.fit_intercept)
    # The elastic net's ridge term (l2/2 ||W||^2, scaled like alpha) is smooth:
    # its gradient joins the data term's.
    G = G + model.l2 * W
    stationarity, excess, _ = kkt_violations(penalty, model.alpha, W, G)
    violations = [stationarity, max(excess, 0.0)]
    if model.fit_intercept:
        violations.append(np.max(np.abs(g)))
    return max(violations) / np.max(np.abs(G0))


@pytest.mark.parametrize("config", CONFIGS, ids=["intercept", "weights", "l2"])
@pytest.mark.parametrize("layout", ["shared", "task_column"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("penalty", ["group_lasso", "lasso"])
def test_polish_at_default_tol_reaches_the_tight_first_order_optimum(
    penalty, sparse, layout, config, monkeypatch
):
    X, Y = _data(sparse)
    polished, weights = _fit(penalty, X, Y, config, layout)
    assert _relative_kkt(penalty, polished, X, Y, weights, config["l2"]) < (
        POLISHED_RTOL
    )
    # The reference: first-order steps only, to a very tight gap.
    monkeypatch.setattr(newton, "applies", lambda datafit, penalty: False)
    reference, _ = _fit(penalty, X, Y, config, layout, tol=1e-13, max_iter=20_000)
    scale = np.max(np.abs(reference.coef_))
    np.testing.assert_allclose(polished.coef_, reference.coef_, atol=1e-6 * scale)
    np.testing.assert_allclose(
        polished.intercept_, reference.intercept_, atol=1e-6 * max(scale, 1.0)
    )


def test_without_polish_the_default_tol_is_far_less_exact(monkeypatch):
    # What the polish buys (so the test above cannot pass without it).
    X, Y = _data(sparse=False)
    config = CONFIGS[0]
    monkeypatch.setattr(newton, "applies", lambda datafit, penalty: False)
    rough, weights = _fit("group_lasso", X, Y, config, "shared")
    assert _relative_kkt("group_lasso", rough, X, Y, weights, 0.0) > POLISHED_RTOL


def test_weighted_and_repeated_rows_agree_at_default_tol():
    # scikit-learn's check_sample_weight_equivalence at its rtol (1e-7), with
    # more tasks and features than the check uses.
    X, Y = regression_data(n_samples=30, n_features=20, n_tasks=4, random_state=3)
    counts = np.random.default_rng(0).integers(0, 4, X.shape[0])
    alpha = alpha_max(X, Y) / 20
    weighted = MultiTaskRegressor(alpha=alpha).fit(X, Y, sample_weight=counts)
    repeated = MultiTaskRegressor(alpha=alpha).fit(
        np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0)
    )
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-7)


def test_applies_only_to_quadratic_data_terms_and_smooth_supports():
    X, Y = regression_data(n_samples=30, n_features=6, n_tasks=2)
    regressor = MultiTaskRegressor(penalty="group_lasso")
    datafit, _ = regressor._memory_datafit(X, Y, None)
    assert datafit.is_quadratic
    y = (Y > np.median(Y, axis=0)).astype(int)
    classifier = MultiTaskClassifier(penalty="group_lasso")
    logistic, _ = classifier._memory_datafit(X, y, None)
    assert not logistic.is_quadratic
    assert newton.applies(datafit, GroupLasso())
    assert newton.applies(datafit, Lasso())
    assert not newton.applies(datafit, TraceNorm())
    assert not newton.applies(logistic, GroupLasso())


def test_newton_stops_when_a_row_must_leave_the_support():
    # Start on a support with one row too many: Newton must not converge to a
    # point with that row nonzero; it reports the support as broken.
    X, Y = regression_data(n_samples=50, n_features=8, n_tasks=3, random_state=2)
    model = MultiTaskRegressor(alpha=alpha_max(X, Y) / 3, tol=1e-12).fit(X, Y)
    datafit, _ = model._memory_datafit(X, Y, None)
    datafit = datafit.fast_form()
    W = model.coef_.T.copy()
    zero_rows = np.flatnonzero(~np.any(W, axis=1))
    assert zero_rows.size
    W[zero_rows[0]] = 1e-3  # a row that belongs at zero
    c = datafit.null_model()[0]
    result = newton.newton_on_support(
        datafit, GroupLasso(), model.alpha, W, c, gradient_tol=1e-12, max_products=500
    )
    assert not result.support_kept


# --------------------------------------------------------------------------
# The BLAS thread policy


def _blas_threads():
    return [
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
    ]


def _record_threads_inside_solves(monkeypatch):
    seen = []
    original = working_sets_module.working_sets

    def recording(*args, **kwargs):
        seen.append(_blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(solve_module, "working_sets", recording)
    return seen


def test_small_solves_use_one_blas_thread_and_restore_the_callers(monkeypatch):
    if not _blas_threads():
        pytest.skip("no BLAS thread pool that threadpoolctl can see")
    seen = _record_threads_inside_solves(monkeypatch)
    X, Y = regression_data()
    with threadpool_limits(2, user_api="blas"):
        before = threadpool_info()
        MultiTaskRegressor(alpha=0.1).fit(X, Y)
        after = threadpool_info()
    assert before == after
    assert seen and all(counts == [1] * len(counts) for counts in seen)


def test_large_solves_leave_blas_threads_as_they_are(monkeypatch):
    if not _blas_threads():
        pytest.skip("no BLAS thread pool that threadpoolctl can see")
    seen = _record_threads_inside_solves(monkeypatch)
    monkeypatch.setattr(threads, "THREADED_WORK", 0.0)  # every solve is "large"
    X, Y = regression_data()
    with threadpool_limits(2, user_api="blas"):
        outside = _blas_threads()
        MultiTaskRegressor(alpha=0.1).fit(X, Y)
    assert seen and all(counts == outside for counts in seen)


def test_the_fit_leaves_global_thread_settings_untouched():
    X, Y = regression_data()
    before = threadpool_info()
    MultiTaskRegressor(alpha=0.1).fit(X, Y)
    MultiTaskRegressor(penalty="trace_norm", alpha=0.1).fit(X, Y)
    assert threadpool_info() == before
