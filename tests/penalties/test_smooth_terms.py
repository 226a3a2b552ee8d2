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
