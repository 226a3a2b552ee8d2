"""SharedSubspace (transfer of a multi-task fit to new tasks) and task relatedness."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmtl import MultiTaskClassifier, MultiTaskRegressor
from skmtl.datasets import make_multitask_regression
from skmtl.representation import SharedSubspace


def _low_rank(seed, n_samples=300, n_tasks=11):
    return make_multitask_regression(
        n_samples, 30, n_tasks, structure="low_rank", rank=2, random_state=seed
    )


def test_subspace_is_the_leading_left_singular_vectors():
    X, Y, _ = _low_rank(0)
    model = MultiTaskRegressor(penalty="trace_norm", alpha=1.0).fit(X, Y)
    subspace = SharedSubspace(model, prefit=True, n_components=2).fit(X)
    U, sigma, _ = np.linalg.svd(model.coef_.T, full_matrices=False)
    # Same span as the top-2 left singular vectors (signs may differ).
    projector = subspace.components_.T @ subspace.components_
    np.testing.assert_allclose(projector, U[:, :2] @ U[:, :2].T, atol=1e-10)
    np.testing.assert_allclose(subspace.singular_values_, sigma)
    Z = subspace.transform(X)
    np.testing.assert_allclose(Z, X @ subspace.components_.T)
    assert Z.shape == (X.shape[0], 2)


def test_default_n_components_is_the_rank_of_the_trace_norm_fit():
    X, Y, _ = _low_rank(1)
    model = MultiTaskRegressor(penalty="trace_norm", alpha=1.0).fit(X, Y)
    rank = np.linalg.matrix_rank(model.coef_, tol=1e-8 * np.abs(model.coef_).max())
    subspace = SharedSubspace(model, prefit=True).fit(X)
    assert 1 <= subspace.n_components_ == rank < min(model.coef_.shape)


def test_energy_fraction_keeps_the_fewest_components():
    X, Y, _ = _low_rank(2)
    model = MultiTaskRegressor(penalty="trace_norm", alpha=0.05).fit(X, Y)
    sigma = np.linalg.svd(model.coef_, compute_uv=False)
    energy = np.cumsum(sigma**2) / np.sum(sigma**2)
    subspace = SharedSubspace(model, prefit=True, n_components=0.9).fit(X)
    k = subspace.n_components_
    assert energy[k - 1] >= 0.9 and (k == 1 or energy[k - 2] < 0.9)


def test_support_keeps_the_features_selected_by_group_lasso():
    X, Y, _ = make_multitask_regression(100, 20, 4, n_informative=3, random_state=0)
    model = MultiTaskRegressor(penalty="group_lasso", alpha=0.1).fit(X, Y)
    subspace = SharedSubspace(model, prefit=True).fit(X)
    support = np.any(model.coef_ != 0, axis=0)
    assert subspace.kind_ == "support" and 0 < support.sum() < 20
    np.testing.assert_array_equal(subspace.transform(X), X[:, support])
    names = subspace.get_feature_names_out()
    assert names.tolist() == [f"x{j}" for j in np.flatnonzero(support)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_transfer_beats_fitting_the_new_task_alone_at_small_n(seed):
    # Ten old tasks and a new one share a rank-2 structure; the new task has 12
    # samples. In the learned subspace it needs 2 coefficients, not 30.
    X, Y, _ = _low_rank(seed, n_samples=400)
    old = MultiTaskRegressor(penalty="trace_norm", alpha=0.5)
    old.fit(X[:200], Y[:200, :10])
    test = slice(200, None)
    n_new = 12
    transfer = make_pipeline(SharedSubspace(old, prefit=True), RidgeCV())
    transfer.fit(X[:n_new], Y[:n_new, 10])
    alone = RidgeCV().fit(X[:n_new], Y[:n_new, 10])
    transfer_r2 = transfer.score(X[test], Y[test, 10])
    alone_r2 = alone.score(X[test], Y[test, 10])
    assert transfer_r2 > alone_r2 + 0.2


def test_fit_without_prefit_fits_a_clone_of_the_estimator():
    X, Y, _ = _low_rank(3, n_samples=120)
    estimator = MultiTaskRegressor(penalty="trace_norm", alpha=1.0)
    subspace = SharedSubspace(estimator).fit(X, Y)
    assert not hasattr(estimator, "coef_")
    reference = clone(estimator).fit(X, Y)
    np.testing.assert_allclose(subspace.estimator_.coef_, reference.coef_)
    restored = pickle.loads(pickle.dumps(subspace))
    np.testing.assert_allclose(restored.transform(X), subspace.transform(X))


def test_bad_input_is_explained():
    X, Y, _ = _low_rank(4, n_samples=60)
    with pytest.raises(ValueError, match="needs the multi-task targets"):
        SharedSubspace().fit(X)
    with pytest.raises(ValueError, match="kind must be one of"):
        SharedSubspace(kind="pca").fit(X, Y)
    with pytest.raises(ValueError, match="n_components must be between"):
        SharedSubspace(n_components=50).fit(X, Y)
    with pytest.warns(UserWarning, match="all coefficients zero"):
        empty = SharedSubspace(MultiTaskRegressor(penalty="trace_norm", alpha=1e6))
        assert empty.fit(X, Y).transform(X).shape == (X.shape[0], 0)
    fitted = MultiTaskRegressor(alpha=0.1).fit(X, Y)
    with pytest.raises(ValueError, match="features"):
        SharedSubspace(fitted, prefit=True).fit(X[:, :10])


@parametrize_with_checks([SharedSubspace(MultiTaskRegressor(alpha=1e-3))])
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_task_relatedness_is_the_cosine_of_coefficient_vectors():
    X, Y, _ = _low_rank(5, n_samples=100, n_tasks=4)
    Y = np.column_stack([Y, Y[:, 0], -Y[:, 0]])  # a copy and an opposite task
    model = MultiTaskRegressor(penalty="ridge", alpha=0.01).fit(X, Y)
    relatedness = model.task_relatedness_
    W = model.coef_
    norms = np.linalg.norm(W, axis=1)
    expected = (W @ W.T) / np.outer(norms, norms)
    np.testing.assert_allclose(relatedness, expected, atol=1e-12)
    assert relatedness[0, 4] == pytest.approx(1.0)
    assert relatedness[0, 5] == pytest.approx(-1.0)


def test_task_relatedness_of_mixed_classification_tasks():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 5))
    Y = np.column_stack(
        [X[:, 0] > 0, X[:, 0] > 0.1, np.digitize(X[:, 1], [-0.5, 0.5])]
    ).astype(int)
    model = MultiTaskClassifier(penalty="ridge", alpha=0.01).fit(X, Y)
    relatedness = model.task_relatedness_
    assert relatedness.shape == (3, 3)
    assert relatedness[0, 1] > 0.9  # two nearly identical binary tasks
    assert np.isnan(relatedness[0, 2])  # one column against three
    assert relatedness[2, 2] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_frozen_network_transfers_to_a_new_task(seed):
    # Nine old tasks and a new one read one 2-dimensional representation of
    # 15 features; a new head on the frozen shared layers needs 2 weights.
    from sklearn.frozen import FrozenEstimator

    from skmtl import MultiTaskMLP

    rng = np.random.default_rng(seed)
    A = rng.standard_normal((15, 2)) / np.sqrt(15)
    V = rng.standard_normal((2, 10)) * 2
    X = rng.standard_normal((1400, 15))
    Y = np.tanh(2 * X @ A) @ V + 0.1 * rng.standard_normal((1400, 10))
    network = MultiTaskMLP(
        (16,), activation="tanh", learning_rate_init=0.01, max_iter=300,
        alpha=1e-3, random_state=0,
    ).fit(X[:400], Y[:400, :9])  # fmt: skip
    new, test = slice(400, 412), slice(600, None)
    transfer = make_pipeline(FrozenEstimator(network), RidgeCV())
    transfer.fit(X[new], Y[new, 9])
    alone = RidgeCV().fit(X[new], Y[new, 9])
    assert transfer.score(X[test], Y[test, 9]) > alone.score(X[test], Y[test, 9]) + 0.2
    relatedness = network.task_relatedness_
    heads = np.column_stack([np.ravel(h) for h in network.head_coefs_])
    norms = np.linalg.norm(heads, axis=0)
    np.testing.assert_allclose(relatedness, heads.T @ heads / np.outer(norms, norms))


def _pairwise_cosines(vectors):
    """Reference: one ``cosine_similarity`` call per pair of task vectors."""
    from sklearn.metrics.pairwise import cosine_similarity

    n = len(vectors)
    expected = np.full((n, n), np.nan)
    for s in range(n):
        for t in range(n):
            u, v = vectors[s], vectors[t]
            if u.size == v.size and np.any(u) and np.any(v):
                expected[s, t] = cosine_similarity(u[None], v[None])[0, 0]
    return expected


def test_task_relatedness_of_many_tasks_equals_pairwise_cosines():
    # 150 per-row tasks; the task group lasso sets whole tasks to zero (NaN).
    rng = np.random.default_rng(0)
    n_tasks, n_features = 150, 4
    task = np.repeat(np.arange(n_tasks), 6)
    X = np.column_stack([task, rng.standard_normal((task.size, n_features))])
    coef = (
        rng.standard_normal((n_tasks, n_features))
        * (rng.random(n_tasks) > 0.3)[:, None]
    )
    y = np.einsum("ij,ij->i", X[:, 1:], coef[task]) + rng.standard_normal(task.size)
    model = MultiTaskRegressor(
        penalty="task_group_lasso", alpha=0.2, task_column=0
    ).fit(X, y)
    zero = ~np.any(model.coef_, axis=1)
    assert 0 < zero.sum() < n_tasks
    relatedness = model.task_relatedness_
    expected = _pairwise_cosines(list(model.coef_))
    np.testing.assert_allclose(relatedness, expected, rtol=0, atol=1e-12)
    assert np.all(np.isnan(relatedness[zero]))
    np.testing.assert_allclose(np.diag(relatedness)[~zero], 1.0, atol=1e-12)


def test_task_relatedness_of_mixed_classes_equals_pairwise_cosines():
    # Binary tasks own one column of W, a 3-class task three: the vector of a
    # task is its columns, flattened; tasks of different widths give NaN.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((150, 5))
    Y = np.column_stack(
        [
            X[:, 0] > 0,
            np.digitize(X[:, 1], [-0.5, 0.5]),
            X[:, 2] - X[:, 0] > 0,
            np.digitize(X[:, 3] + X[:, 1], [-0.5, 0.5]),
        ]
    ).astype(int)
    model = MultiTaskClassifier(penalty="ridge", alpha=0.01).fit(X, Y)
    vectors = [model.coef_[rows].ravel() for rows in model.coef_rows_]
    assert [v.size for v in vectors] == [5, 15, 5, 15]
    expected = _pairwise_cosines(vectors)
    np.testing.assert_allclose(model.task_relatedness_, expected, rtol=0, atol=1e-12)
    assert np.isnan(model.task_relatedness_[0, 1])
    assert np.isfinite(model.task_relatedness_[1, 3])


class _CountingProducts(np.ndarray):
    """An array that counts the ``@`` products taken with it."""

    products = 0

    def __matmul__(self, other):
        type(self).products += 1
        return np.asarray(self) @ np.asarray(other)


def test_task_relatedness_is_one_matrix_product_not_one_per_pair():
    X, Y, _ = _low_rank(2, n_samples=60, n_tasks=40)
    model = MultiTaskRegressor(penalty="ridge", alpha=0.01).fit(X, Y)
    expected = model.task_relatedness_
    model.coef_ = model.coef_.view(_CountingProducts)
    _CountingProducts.products = 0
    np.testing.assert_array_equal(model.task_relatedness_, expected)
    # One product for the 40 tasks, not 40 * 41 / 2 = 820 products of pairs.
    assert _CountingProducts.products <= 1
