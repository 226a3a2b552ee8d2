"""Fits from sufficient statistics, dask reductions and the dask joblib backend."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV, KFold

from skmtl import MultiTaskRegressor, MultiTaskRegressorCV
from skmtl.outofcore import MultiTaskGram, MultiTaskMoments
from skmtl.structures import Dirty, RobustTraceNorm, TaskGraph

PENALTIES = [
    "group_lasso",
    "trace_norm",
    "lasso",
    "ridge",
    Dirty(0.7),
    RobustTraceNorm(0.8),
    TaskGraph(strength=0.1),
    "clustered",
]
TIGHT = {"tol": 1e-12, "max_iter": 20_000}
# Unequal chunks, one of a single row.
BOUNDS = [0, 130, 131, 170, 300]


def _shared(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 6)) * [1, 2, 3, 1, 1, 2] + [3, -3, 0, 1, 2, 5]
    W = rng.standard_normal((6, 4)) * (rng.uniform(size=(6, 1)) < 0.6)
    Y = X @ W + rng.standard_normal((300, 4)) + [1, 2, 3, 4]
    return X, Y


def _task_rows(seed):
    X, Y = _shared(seed)
    task = np.random.default_rng(seed).choice(
        ["a", "b", "c"], size=300, p=[0.5, 0.3, 0.2]
    )
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(6)])
    frame.insert(2, "task", task)
    y = Y[np.arange(300), pd.Categorical(task).codes]
    return frame, y


def _chunked(X, y, task_column=None, sample_weight=None):
    statistics = MultiTaskMoments(task_column=task_column)
    for start, stop in zip(BOUNDS[:-1], BOUNDS[1:], strict=True):
        rows = slice(start, stop)
        chunk = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
        weight = None if sample_weight is None else sample_weight[rows]
        statistics.partial_fit(chunk, y[rows], sample_weight=weight)
    return statistics


def _assert_same_fit(from_statistics, in_memory, X):
    # Both fits certify a duality gap of about 1e-11: with strong convexity mu
    # (at least alpha = 0.05 for ridge) that bounds the coefficient error by
    # sqrt(2 gap / mu), about 2e-5.
    assert from_statistics.converged_ and in_memory.converged_
    np.testing.assert_allclose(from_statistics.coef_, in_memory.coef_, atol=2e-5)
    np.testing.assert_allclose(
        from_statistics.intercept_, in_memory.intercept_, atol=2e-4
    )
    np.testing.assert_allclose(
        from_statistics.predict(X), in_memory.predict(X), atol=2e-4
    )
    for name in getattr(in_memory, "_structure_attributes", ()):
        expected, got = getattr(in_memory, name), getattr(from_statistics, name)
        if expected.dtype.kind in "fc":
            np.testing.assert_allclose(got, expected, atol=2e-5)
        else:  # labels (outlier tasks)
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("penalty", PENALTIES, ids=str)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_statistics_fit_equals_in_memory_fit_shared_design(penalty, fit_intercept):
    X, Y = _shared(0)
    params = dict(alpha=0.05, fit_intercept=fit_intercept, **TIGHT)
    in_memory = MultiTaskRegressor(penalty, **params).fit(X, Y)
    from_statistics = MultiTaskRegressor(penalty, **params).fit_from_statistics(
        _chunked(X, Y)
    )
    _assert_same_fit(from_statistics, in_memory, X)


@pytest.mark.parametrize("penalty", PENALTIES, ids=str)
@pytest.mark.parametrize("task_weighting", ["observations", "tasks"])
def test_statistics_fit_equals_in_memory_fit_task_column(penalty, task_weighting):
    frame, y = _task_rows(1)
    weight = np.random.default_rng(0).uniform(0.5, 2.0, size=y.size)
    params = dict(
        alpha=0.05, task_column="task", task_weighting=task_weighting, **TIGHT
    )
    in_memory = MultiTaskRegressor(penalty, **params).fit(frame, y, weight)
    statistics = _chunked(frame, y, task_column="task", sample_weight=weight)
    from_statistics = MultiTaskRegressor(penalty, **params).fit_from_statistics(
        statistics
    )
    assert from_statistics.tasks_.tolist() == ["a", "b", "c"]
    assert from_statistics.feature_names_in_.tolist() == frame.columns.tolist()
    _assert_same_fit(from_statistics, in_memory, frame)


def test_sparse_chunks_and_merge_give_the_same_statistics():
    X, Y = _shared(2)
    dense = _chunked(X, Y)
    sparse = MultiTaskMoments()
    for start, stop in zip(BOUNDS[:-1], BOUNDS[1:], strict=True):
        part = MultiTaskMoments().partial_fit(
            sp.csr_matrix(X[start:stop]), Y[start:stop]
        )
        sparse.merge(part)
    for expected, got in zip(
        dense.design_statistics(), sparse.design_statistics(), strict=True
    ):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    assert sparse.n_samples_seen_ == dense.n_samples_seen_ == 300


def test_centred_moments_keep_precision_with_large_feature_means():
    # Raw sums would lose the variance of a feature of mean 1e8 to rounding.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2000, 2)) + [1e8, 0]
    y = X[:, 0] - 1e8 + rng.standard_normal(2000) * 0.1
    statistics = MultiTaskMoments()
    for start in range(0, 2000, 100):
        statistics.partial_fit(X[start : start + 100], y[start : start + 100])
    gram, cross, *_ = statistics.design_statistics()
    centred = X - X.mean(axis=0)
    # Raw sums of squares (1e16 per row) would leave errors of order 1 here.
    expected = centred.T @ centred / 2000
    np.testing.assert_allclose(gram, expected, rtol=1e-7, atol=1e-9)
    expected = centred.T @ (y - y.mean()) / 2000
    np.testing.assert_allclose(cross[:, 0], expected, rtol=1e-7, atol=1e-9)


def test_statistics_errors_are_explained():
    X, Y = _shared(4)
    statistics = MultiTaskMoments().partial_fit(X[:10], Y[:10])
    with pytest.raises(ValueError, match="same columns"):
        statistics.partial_fit(X[:10, :5], Y[:10])
    with pytest.raises(ValueError, match="earlier chunks had 4"):
        statistics.partial_fit(X[:10], Y[:10, :3])
    with pytest.raises(ValueError, match="no rows yet"):
        MultiTaskRegressor().fit_from_statistics(MultiTaskMoments())
    with pytest.raises(ValueError, match="same layout"):
        MultiTaskRegressor(task_column=0).fit_from_statistics(statistics)
    with pytest.raises(ValueError, match="NaN|infinity"):
        MultiTaskMoments().partial_fit(X[:10], np.full((10, 4), np.nan))
    with pytest.raises(TypeError, match="dask array"):
        MultiTaskMoments.from_dask(X, Y)


def test_multitaskgram_is_a_deprecated_alias_of_multitaskmoments():
    X, Y = _shared(11)
    with pytest.warns(FutureWarning, match="use MultiTaskMoments"):
        old = MultiTaskGram()
    assert isinstance(old, MultiTaskMoments)
    for start, stop in zip(BOUNDS[:-1], BOUNDS[1:], strict=True):
        old.partial_fit(X[start:stop], Y[start:stop])
    new = _chunked(X, Y)
    for expected, got in zip(
        new.design_statistics(), old.design_statistics(), strict=True
    ):
        np.testing.assert_array_equal(got, expected)
    assert old.n_samples_seen_ == new.n_samples_seen_
    np.testing.assert_array_equal(old.tasks_, new.tasks_)
    from_old = MultiTaskRegressor(alpha=0.05).fit_from_statistics(old)
    from_new = MultiTaskRegressor(alpha=0.05).fit_from_statistics(new)
    np.testing.assert_array_equal(from_old.coef_, from_new.coef_)
    np.testing.assert_array_equal(from_old.intercept_, from_new.intercept_)


def test_fitted_estimators_pickle_without_data():
    # Nothing of size n (data, scores) or d x d (Gram matrices) is kept.
    X, Y = _shared(5)
    small = MultiTaskRegressor(alpha=0.05).fit(X[:50], Y[:50])
    large = MultiTaskRegressor(alpha=0.05).fit(np.tile(X, (20, 1)), np.tile(Y, (20, 1)))
    assert len(pickle.dumps(large)) == len(pickle.dumps(small))
    cv = MultiTaskRegressorCV(alphas=3, cv=2).fit(
        np.tile(X, (20, 1)), np.tile(Y, (20, 1))
    )
    assert len(pickle.dumps(cv)) < 20 * small.coef_.nbytes + 20_000


# --------------------------------------------------------------------------
# dask


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_from_dask_array_equals_in_memory_fit(dask_client):
    da = pytest.importorskip("dask.array")
    X, Y = _shared(6)
    chunks = tuple(np.diff(BOUNDS))
    statistics = MultiTaskMoments.from_dask(
        da.from_array(X, chunks=(chunks, 3)), da.from_array(Y, chunks=(chunks, 4))
    )
    assert statistics.n_samples_seen_ == 300
    model = MultiTaskRegressor("trace_norm", alpha=0.05, **TIGHT)
    _assert_same_fit(
        MultiTaskRegressor("trace_norm", alpha=0.05, **TIGHT).fit_from_statistics(
            statistics
        ),
        model.fit(X, Y),
        X,
    )


def test_deprecated_alias_reduces_dask_arrays_identically(dask_client):
    da = pytest.importorskip("dask.array")
    X, Y = _shared(12)
    chunks = tuple(np.diff(BOUNDS))
    Xd = da.from_array(X, chunks=(chunks, 6))
    Yd = da.from_array(Y, chunks=(chunks, 4))
    with pytest.warns(FutureWarning, match="use MultiTaskMoments"):
        old = MultiTaskGram.from_dask(Xd, Yd)
    assert isinstance(old, MultiTaskGram)
    new = MultiTaskMoments.from_dask(Xd, Yd)
    for expected, got in zip(
        new.design_statistics(), old.design_statistics(), strict=True
    ):
        np.testing.assert_array_equal(got, expected)
    assert old.n_samples_seen_ == new.n_samples_seen_ == 300


def test_from_dask_dataframe_with_task_column(dask_client):
    dd = pytest.importorskip("dask.dataframe")
    frame, y = _task_rows(7)
    statistics = MultiTaskMoments.from_dask(
        dd.from_pandas(frame, npartitions=4),
        dd.from_pandas(pd.Series(y), npartitions=4),
        task_column="task",
    )
    params = dict(alpha=0.05, task_column="task", **TIGHT)
    _assert_same_fit(
        MultiTaskRegressor(**params).fit_from_statistics(statistics),
        MultiTaskRegressor(**params).fit(frame, y),
        frame,
    )


def test_grid_search_on_the_dask_backend_matches_the_default(dask_client):
    joblib = pytest.importorskip("joblib")
    X, Y = _shared(8)
    grid = {"penalty": ["group_lasso", Dirty(0.7)], "alpha": [0.01, 0.1]}
    cv = KFold(3, shuffle=True, random_state=0)
    default = GridSearchCV(MultiTaskRegressor(), grid, cv=cv, n_jobs=2).fit(X, Y)
    with joblib.parallel_backend("dask"):
        on_dask = GridSearchCV(MultiTaskRegressor(), grid, cv=cv, n_jobs=2).fit(X, Y)
    assert on_dask.best_params_ == default.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], default.cv_results_["mean_test_score"]
    )
    with joblib.parallel_backend("dask"):
        cv_model = MultiTaskRegressorCV(alphas=4, cv=cv, n_jobs=2).fit(X, Y)
    reference = MultiTaskRegressorCV(alphas=4, cv=cv).fit(X, Y)
    np.testing.assert_allclose(cv_model.scores_, reference.scores_)


@pytest.mark.parametrize(
    ("penalty", "fit_intercept"),
    [("group_lasso", True), ("trace_norm", False), (TaskGraph(strength=0.1), True)],
    ids=str,
)
def test_dask_logistic_solver_equals_in_memory_fit(dask_client, penalty, fit_intercept):
    from skmtl import MultiTaskClassifier
    from skmtl.outofcore import fit_dask

    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(9)
    X = rng.standard_normal((601, 5)) + 0.5
    Y = X @ rng.standard_normal((5, 3)) + rng.standard_normal((601, 3)) > 0.5
    labels = np.where(Y, "yes", "no")
    params = dict(alpha=0.01, fit_intercept=fit_intercept, max_iter=5000)
    chunks = (300, 300, 1)  # unequal blocks, one of a single row
    on_dask = fit_dask(
        MultiTaskClassifier(penalty, tol=1e-7, **params),
        da.from_array(X, chunks=(chunks, 5)),
        da.from_array(labels, chunks=(chunks, 3)),
    )
    in_memory = MultiTaskClassifier(penalty, tol=1e-12, **params).fit(X, labels)
    assert on_dask.converged_
    # A residual of 1e-7 leaves coefficient errors of order 1e-5 here.
    np.testing.assert_allclose(on_dask.coef_, in_memory.coef_, atol=1e-4)
    np.testing.assert_allclose(on_dask.intercept_, in_memory.intercept_, atol=1e-4)
    assert on_dask.objective_ == pytest.approx(in_memory.objective_, rel=1e-8)
    np.testing.assert_array_equal(on_dask.predict(X), in_memory.predict(X))
    # About two passes over the data per iteration (a few more where the line
    # search backtracks), plus the set-up passes.
    assert on_dask.n_data_passes_ <= 2.2 * on_dask.n_iter_ + 6


def test_fit_dask_regressor_and_errors(dask_client):
    from skmtl import MultiTaskClassifier
    from skmtl.outofcore import fit_dask

    da = pytest.importorskip("dask.array")
    X, Y = _shared(10)
    Xd, Yd = da.from_array(X, chunks=(100, 6)), da.from_array(Y, chunks=(100, 4))
    model = fit_dask(MultiTaskRegressor(alpha=0.05, **TIGHT), Xd, Yd)
    _assert_same_fit(model, MultiTaskRegressor(alpha=0.05, **TIGHT).fit(X, Y), X)
    three_classes = da.from_array(np.digitize(Y, [-1, 1]), chunks=(100, 4))
    with pytest.raises(ValueError, match="binary tasks only"):
        fit_dask(MultiTaskClassifier(), Xd, three_classes)
    with pytest.raises(TypeError, match="MultiTaskRegressor or a MultiTaskClassifier"):
        fit_dask(MultiTaskRegressorCV(), Xd, Yd)


def test_fit_dask_dataframe_target_keeps_its_task_names(dask_client):
    # A dask DataFrame Y names its tasks as a pandas one does (issue 17).
    from skmtl.outofcore import fit_dask

    dd = pytest.importorskip("dask.dataframe")
    X, Y = _shared(11)
    names = ["math", "reading", "science", "art"]
    frame_X = pd.DataFrame(X, columns=[f"x{j}" for j in range(6)])
    frame_Y = pd.DataFrame(Y, columns=names)
    model = fit_dask(
        MultiTaskRegressor(alpha=0.05, **TIGHT),
        dd.from_pandas(frame_X, npartitions=3),
        dd.from_pandas(frame_Y, npartitions=3),
    )
    in_memory = MultiTaskRegressor(alpha=0.05, **TIGHT).fit(frame_X, frame_Y)
    assert model.tasks_.tolist() == names == in_memory.tasks_.tolist()
    assert model.tasks_.dtype == in_memory.tasks_.dtype
    _assert_same_fit(model, in_memory, frame_X)
    # A dask array and a dask Series keep the default names.
    da = pytest.importorskip("dask.array")
    on_array = fit_dask(
        MultiTaskRegressor(alpha=0.05), da.from_array(X, chunks=(100, 6)),
        da.from_array(Y, chunks=(100, 4)),
    )  # fmt: skip
    assert on_array.tasks_.tolist() == [0, 1, 2, 3]
    on_series = fit_dask(
        MultiTaskRegressor(alpha=0.05),
        dd.from_pandas(frame_X, npartitions=3),
        dd.from_pandas(frame_Y["art"], npartitions=3),
    )
    assert on_series.tasks_.tolist() == [0]
    assert on_series.predict(frame_X).shape == (300,)


def test_fit_dask_classifier_dataframe_target_keeps_its_task_names(dask_client):
    from skmtl import MultiTaskClassifier
    from skmtl.outofcore import fit_dask

    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(13)
    X = rng.standard_normal((240, 4))
    labels = pd.DataFrame(
        np.where(X[:, :3] + 0.5 * rng.standard_normal((240, 3)) > 0, "yes", "no"),
        columns=["flu", "cold", "covid"],
    )
    params = dict(alpha=0.01, max_iter=5000)
    model = fit_dask(
        MultiTaskClassifier(tol=1e-7, **params),
        dd.from_pandas(pd.DataFrame(X), npartitions=2).to_dask_array(lengths=True),
        dd.from_pandas(labels, npartitions=2),
    )
    in_memory = MultiTaskClassifier(tol=1e-12, **params).fit(X, labels)
    assert model.tasks_.tolist() == ["flu", "cold", "covid"]
    assert model.tasks_.tolist() == in_memory.tasks_.tolist()
    np.testing.assert_array_equal(model.predict(X), in_memory.predict(X))
