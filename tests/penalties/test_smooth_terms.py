"""Smooth terms: the fast mean-task term against the dense Laplacian it replaces."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skmtl.penalties.smooth_terms import GraphLaplacian, TaskMeanDistance


@pytest.mark.parametrize("n_columns", [1, 2, 7])
def test_task_mean_distance_is_the_complete_graph_laplacian(n_columns):
    # beta sum_t ||w_t - mean||^2 = beta tr(W L W^T) with L = I - 1 1^T / T:
    # same value, gradient and Lipschitz constant (the top eigenvalue of L).
    rng = np.random.default_rng(n_columns)
    W = rng.standard_normal((5, n_columns))
    laplacian = np.eye(n_columns) - np.full((n_columns, n_columns), 1 / n_columns)
    dense, fast = GraphLaplacian(0.7, laplacian), TaskMeanDistance(0.7, n_columns)
    assert_allclose(fast.value(W), dense.value(W), rtol=1e-12, atol=1e-14)
    assert_allclose(fast.gradient(W), dense.gradient(W), rtol=1e-12, atol=1e-14)
    assert_allclose(fast.lipschitz_constant(), dense.lipschitz_constant(), atol=1e-12)


def test_task_mean_distance_is_two_homogeneous_and_smooth():
    # S(sW) = s^2 S(W), and the gradient is the derivative of the value.
    rng = np.random.default_rng(0)
    W, direction = rng.standard_normal((2, 4, 6))
    term = TaskMeanDistance(1.3, 6)
    assert_allclose(term.value(2.5 * W), 2.5**2 * term.value(W), rtol=1e-12)
    step = 1e-6
    numeric = term.value(W + step * direction) - term.value(W - step * direction)
    assert_allclose(
        numeric / (2 * step), np.sum(term.gradient(W) * direction), rtol=1e-7
    )


@pytest.mark.parametrize("rank", [1, 3, 4])
def test_cluster_term_thin_svd_agrees_with_the_eigendecomposition(rank):
    # Fewer features (4) than tasks (9): value and gradient from the thin SVD
    # of W equal those from the eigendecomposition of the (9, 9) matrix W^T W
    # (computed here by hand), for full-rank and rank-deficient W, with fewer
    # and more clusters than the rank.
    from scipy.linalg import eigh

    from skmtl.penalties.smooth_terms import ClusterTerm, cluster_weights

    rng = np.random.default_rng(rank)
    W = rng.standard_normal((4, rank)) @ rng.standard_normal((rank, 9))
    for n_clusters in (2, 5):
        term = ClusterTerm(0.8, 0.3, n_clusters)
        squares, vectors = eigh(W.T @ W)
        m = cluster_weights(np.sqrt(np.maximum(squares, 0)), 0.3, n_clusters)
        scale = 0.8 * 0.3 * 1.3
        value = scale * np.sum(np.maximum(squares, 0) / (0.3 + m))
        gradient = 2 * scale * ((W @ vectors) / (0.3 + m)) @ vectors.T
        assert_allclose(term.value(W), value, rtol=1e-10)
        assert_allclose(term.gradient(W), gradient, rtol=1e-9, atol=1e-12)
