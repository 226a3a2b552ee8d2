"""The training module: minibatches against the full-batch objective."""

import numpy as np
import pytest

from skmtl.neural.network import build_network, initialize
from skmtl.neural.task_set import Targets
from skmtl.neural.training import Minibatches, data_loss


@pytest.mark.parametrize("architecture", ["shared", "mmoe"])
def test_minibatch_objectives_add_up_to_the_full_objective(architecture):
    """Every observation lands in exactly one batch of an epoch, and the batch
    objectives weighted by their share of the rows (m_k / n) add up to the
    full-batch objective: batches of unequal sizes, tasks that observe only
    some rows, unequal task weights."""
    rng = np.random.default_rng(0)
    n_rows, n_features = 23, 4
    X = rng.standard_normal((n_rows, n_features))
    network = build_network(
        architecture,
        [n_features, 5],
        [1, 1, 3],
        ["regression", "binary", "multiclass"],
        "tanh",
        n_experts=3,
    )
    initialize(
        network,
        np.random.RandomState(0),
        [np.zeros(1), np.zeros(1), np.zeros(3)],
    )
    rows = [rng.choice(n_rows, size=size, replace=False) for size in (20, 9, 14)]
    values = [rng.standard_normal(20), rng.integers(0, 2, 9), rng.integers(0, 3, 14)]
    targets = Targets(n_rows, rows, values)
    weights = np.array([0.5, 2.0, 1.3])

    batches = list(Minibatches(targets, 7).split(rng.permutation(n_rows)))

    assert [batch_rows.size for batch_rows, _ in batches] == [7, 7, 7, 2]
    seen = sorted(
        (task, int(batch_rows[position]))
        for batch_rows, batch in batches
        for task, positions, _, _, _ in batch
        for position in positions
    )
    assert seen == sorted(
        (t, int(r)) for t, task_rows in enumerate(rows) for r in task_rows
    )
    weighted_sum = sum(
        batch_rows.size
        / n_rows
        * network.loss_and_gradient(X[batch_rows], batch, 0.0, weights)[0]
        for batch_rows, batch in batches
    )
    full = data_loss(network, X, targets, weights)
    np.testing.assert_allclose(weighted_sum, full, rtol=1e-12)
