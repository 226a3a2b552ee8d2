"""The mixture of experts, learned task weights and gradient surgery.

Gradients against finite differences for every new piece (the experts and
gates, the batched and the task-by-task paths, each task's gradient apart),
the weightings' update rules against their papers' formulas, PCGrad's
projections, and the estimator's contracts: the documented model recomputed
from the fitted attributes, one expert equal to hard sharing, scikit-learn's
checks, grid search, pickling, warm starts, partial_fit and bad input.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from _helpers import MIXED_CLASSES as CLASSES
from _helpers import SMALL_MLP as SMALL
from _helpers import mixed_tasks
from skmtl.neural import MultiTaskMLP, MultiTaskMLPRegressor
from skmtl.neural.network import (
    MixtureOfExperts,
    Network,
    build_network,
    initialize,
    log_softmax,
)
from skmtl.neural.weighting import (
    GradNormWeighting,
    UncertaintyWeighting,
    project_conflicts,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

KINDS, WIDTHS = ["regression", "binary", "multiclass"], [1, 1, 3]


def random_network(architecture, hidden, activation, n_experts=3, seed=0, tower=()):
    rng = np.random.RandomState(seed)
    network = build_network(
        architecture, [4, *hidden], WIDTHS, KINDS, activation, n_experts, tower
    )
    initialize(network, rng, [np.zeros(w) for w in WIDTHS])
    network.flat[...] = 0.5 * rng.standard_normal(network.size)
    return network


def batches(n_rows=12, seed=0):
    """Batches whose tasks observe most rows (missing targets, sample
    weights), every row, or rows of their own (a task column): the mixture
    of experts computes the first two on every (row, task) pair and gathers
    each observation's row for the third."""
    rng = np.random.RandomState(seed)
    some = [
        (0, np.arange(n_rows), rng.randn(n_rows), 1 / n_rows, None),
        (1, np.array([0, 3, 5, 7, 2]), rng.randint(0, 2, 5) * 1.0, 0.2, rng.rand(5)),
        (2, np.array([9, 1, 4]), np.array([0.0, 2, 1]), 1 / 3, None),
    ]
    every = [
        (2, np.arange(n_rows), rng.randint(0, 3, n_rows) * 1.0, 1 / n_rows, None),
        (0, np.arange(n_rows), rng.randn(n_rows), 1 / n_rows, rng.rand(n_rows)),
    ]
    own = [  # a task column: each row one task's
        (0, np.array([0, 3, 6, 9]), rng.randn(4), 0.25, None),
        (2, np.array([1, 4, 7, 10]), np.array([0.0, 2, 1, 2]), 0.25, rng.rand(4)),
        (1, np.array([2, 5, 8, 11]), np.array([1.0, 0, 0, 1]), 0.25, None),
    ]
    return {"some rows": some, "every row": every, "own rows": own}


def numeric_gradient(function, flat, step=1e-6):
    numeric = np.empty_like(flat)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + step
        up = function()
        flat[i] = saved - step
        down = function()
        flat[i] = saved
        numeric[i] = (up - down) / (2 * step)
    return numeric


# --------------------------------------------------------------- gradients
@pytest.mark.parametrize("layout", ["some rows", "every row", "own rows"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize(
    ("architecture", "hidden", "tower"),
    [
        ("shared", (5,), ()),
        ("shared", (5, 3), ()),
        ("shared", (5,), (4, 2)),
        ("mmoe", (5,), ()),
        ("mmoe", (5, 3), ()),
        ("mmoe", (5,), (3,)),
    ],
)
def test_network_gradient_matches_finite_differences(
    architecture, hidden, tower, activation, layout
):
    """Weighted objective of a batch (task weights, sample weights, L2) and
    its gradient, with and without task towers; each task's gradient apart
    sums to it."""
    network = random_network(architecture, hidden, activation, tower=tower)
    X = np.random.RandomState(1).standard_normal((12, 4))
    batch = batches()[layout]
    task_weights = np.array([1.0, 2.0, 0.5])
    _, _, gradient = network.loss_and_gradient(X, batch, 0.1, task_weights)
    numeric = numeric_gradient(
        lambda: network.loss_and_gradient(X, batch, 0.1, task_weights)[0],
        network.flat,
    )
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-8)

    _, apart = network.task_gradients(X, batch)
    summed = sum(task_weights[t] * g for t, g in apart.items())
    summed[: network.n_weights] += 0.1 * network.flat[: network.n_weights]
    np.testing.assert_allclose(summed, gradient, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("layout", ["some rows", "every row", "own rows"])
def test_batched_gates_equal_task_by_task(layout, monkeypatch):
    """The mixture of experts computes all gates of a batch in one product;
    the task-by-task path (used when a batch holds many tasks) gives the same
    mixtures and gradients."""
    network = random_network("mmoe", (5,), "tanh")
    X = np.random.RandomState(2).standard_normal((12, 4))
    batch = batches(seed=3)[layout]
    forward = network.forward(X)
    batched = network.task_inputs(forward, batch)
    dense = layout != "own rows"  # most (row, task) pairs observed
    assert type(batched[0][1]).__name__ == (
        "_DenseGates" if dense else "_GatheredGates"
    )
    one_by_one = Network.task_inputs(network, forward, batch)
    for (a, _), (b, _) in zip(batched, one_by_one, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)

    weights = np.ones(3)
    _, _, gradient = network.loss_and_gradient(X, batch, 0.0, weights)
    monkeypatch.setattr(MixtureOfExperts, "task_inputs", Network.task_inputs)
    monkeypatch.setattr(MixtureOfExperts, "tasks_backward", Network.tasks_backward)
    _, _, task_by_task = network.loss_and_gradient(X, batch, 0.0, weights)
    np.testing.assert_allclose(gradient, task_by_task, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("task_column", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_mixture_of_experts_objective_gradient(activation, task_column):
    """The estimator's full-batch objective (missing targets, or a task
    column with each task its own rows) against central differences."""
    X, Y = mixed_tasks(n=9, seed=1)
    params = {}
    if task_column:
        X = np.column_stack([np.arange(9) % 3, X])
        Y = np.array([0.5, "a", 2, -1.0, "b", 0, 0.3, "a", 1], dtype=object)
        kinds = {0: "regression", 1: "binary", 2: "multiclass"}
        params = {"task_column": 0, "task_types": kinds}
    model = MultiTaskMLP(
        hidden_layer_sizes=(4, 3),
        activation=activation,
        architecture="mmoe",
        n_experts=3,
        alpha=0.3,
        max_iter=3,
        random_state=0,
        **params,
    ).fit(X, Y)
    flat = model._network.flat
    flat += 0.3 * np.random.default_rng(0).standard_normal(flat.size)
    _, gradient = model._objective(X, Y)
    numeric = numeric_gradient(lambda: model._objective(X, Y)[0], flat)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------- the documented model
def test_mixture_of_experts_is_the_documented_model():
    """Predictions recomputed from coefs_, intercepts_, gate_coefs_,
    gate_intercepts_ and head_coefs_ with the formula of the docstring."""
    X, Y = mixed_tasks(n=40)
    params = {**SMALL, "hidden_layer_sizes": (6, 4)}
    model = MultiTaskMLP(architecture="mmoe", n_experts=3, **params).fit(X, Y)
    experts = []
    for e in range(3):
        H = X
        for W, b in zip(model.coefs_, model.intercepts_, strict=True):
            H = np.maximum(H @ W[e] + b[e], 0.0)
        experts.append(H)
    np.testing.assert_allclose(model.transform(X), np.hstack(experts), rtol=1e-12)
    scores = []
    for t in range(3):
        logits = X @ model.gate_coefs_[t] + model.gate_intercepts_[t]
        gate = np.exp(log_softmax(logits))
        mixture = sum(gate[:, [e]] * experts[e] for e in range(3))
        scores.append(mixture @ model.head_coefs_[t] + model.head_intercepts_[t])
    np.testing.assert_allclose(
        model.predict(X)[:, 0].astype(float), scores[0][:, 0], rtol=1e-10
    )
    positive = 1 / (1 + np.exp(-scores[1][:, 0]))
    np.testing.assert_allclose(model.predict_proba(X)[1][:, 1], positive, rtol=1e-10)
    proba = np.exp(log_softmax(scores[2]))
    np.testing.assert_allclose(model.predict_proba(X)[2], proba, rtol=1e-10)
    assert model.get_feature_names_out().size == 3 * 4
    assert [W.shape for W in model.coefs_] == [(3, 5, 6), (3, 6, 4)]
    assert [G.shape for G in model.gate_coefs_] == [(5, 3)] * 3


def test_one_expert_is_hard_sharing():
    """With one expert every gate is 1: the same network, fitted alike."""
    X, Y = mixed_tasks()
    shared = MultiTaskMLP(**SMALL).fit(X, Y)
    single = MultiTaskMLP(architecture="mmoe", n_experts=1, **SMALL).fit(X, Y)
    np.testing.assert_allclose(single.loss_curve_, shared.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(
        single.predict_proba(X)[2], shared.predict_proba(X)[2], rtol=1e-8
    )
    np.testing.assert_allclose(single.task_relatedness_, np.ones((3, 3)))


def test_gate_relatedness_is_the_mean_bhattacharyya_overlap():
    X, Y = mixed_tasks(n=50, missing=False)
    model = MultiTaskMLP(architecture="mmoe", n_experts=4, **SMALL).fit(X, Y)
    gates = [
        np.exp(log_softmax(X @ G + a))
        for G, a in zip(model.gate_coefs_, model.gate_intercepts_, strict=True)
    ]
    expected = np.array(
        [[np.mean(np.sum(np.sqrt(p * q), axis=1)) for q in gates] for p in gates]
    )
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(model.task_relatedness_, expected, rtol=1e-10)
    assert np.all((expected >= 0) & (expected <= 1 + 1e-12))


# ------------------------------------------------------------- weightings
def test_uncertainty_weights_settle_at_half_the_inverse_loss():
    """Kendall et al.'s term exp(-s) L + s/2 is smallest at s = log(2 L):
    the update's gradient is the derivative of that term, and repeated steps
    at fixed losses reach that point. It starts at the baselines."""
    baseline = np.array([4.0, 0.5])
    weighting = UncertaintyWeighting(baseline, learning_rate=0.05)
    np.testing.assert_allclose(weighting.weights, 1 / (2 * baseline))
    losses = {0: 0.2, 1: 0.8}
    s = weighting.log_variance.copy()
    term = lambda s_t, L: np.exp(-s_t) * L + 0.5 * s_t  # noqa: E731
    derivative = [
        (term(s[t] + 1e-6, L) - term(s[t] - 1e-6, L)) / 2e-6 for t, L in losses.items()
    ]
    expected_direction = -np.sign(derivative)
    weighting.update(losses)
    np.testing.assert_array_equal(
        np.sign(weighting.log_variance - s), expected_direction
    )
    for _ in range(3000):
        weighting.update(losses)
    np.testing.assert_allclose(weighting.weights, [1 / 0.4, 1 / 1.6], rtol=1e-3)


def test_gradnorm_raises_the_weight_of_the_lagging_task():
    """Equal gradient norms: the task whose loss fell less relative to its
    baseline gets more weight; the weights keep summing to the task count."""
    network = random_network("shared", (5,), "tanh")
    weighting = GradNormWeighting(
        np.array([1.0, 1.0, 1.0]), 0.01, network.last_layer_index
    )
    gradient = np.zeros(network.size)
    gradient[network.last_layer_index] = 1.0
    gradients = {0: gradient, 1: gradient, 2: gradient}
    for _ in range(20):
        weighting.update({0: 0.9, 1: 0.3, 2: 0.3}, gradients)
    assert weighting.weights[0] > 1 > weighting.weights[1]
    np.testing.assert_allclose(weighting.weights[1], weighting.weights[2])
    np.testing.assert_allclose(weighting.weights.sum(), 3.0)


def test_pcgrad_projects_out_conflicts_only():
    rng = np.random.RandomState(0)
    g1, g2 = np.array([1.0, 0.0]), np.array([-1.0, 1.0])
    total = project_conflicts([g1, g2], rng)
    # Each gradient loses its component along the other's: by hand.
    p1 = g1 - (g1 @ g2) / (g2 @ g2) * g2
    p2 = g2 - (g2 @ g1) / (g1 @ g1) * g1
    np.testing.assert_allclose(total, p1 + p2)
    assert abs(p1 @ g2) < 1e-12 and abs(p2 @ g1) < 1e-12
    agreeing = [np.array([1.0, 0.2]), np.array([0.5, 1.0]), np.array([0.3, 0.3])]
    np.testing.assert_allclose(project_conflicts(agreeing, rng), sum(agreeing))


# ---------------------------------------------------------- the estimator
@pytest.mark.parametrize(
    "params",
    [
        {"task_weights": "uncertainty"},
        {"task_weights": "gradnorm"},
        {"gradient_surgery": "pcgrad"},
        {
            "architecture": "mmoe",
            "task_weights": "gradnorm",
            "gradient_surgery": "pcgrad",
        },
    ],
)
def test_learned_weights_and_surgery_fit_and_report(params):
    X, Y = mixed_tasks()
    model = MultiTaskMLP(**{**SMALL, **params}).fit(X, Y)
    assert model.task_weight_curve_.shape == (model.n_iter_, 3)
    np.testing.assert_array_equal(model.task_weights_, model.task_weight_curve_[-1])
    assert np.all(model.task_weights_ > 0)
    if params.get("task_weights") == "gradnorm":
        np.testing.assert_allclose(model.task_weights_.sum(), 3.0)
    assert np.isfinite(model.loss_curve_).all()
    assert model.score(X, Y) > 0.3


def test_fixed_weights_keep_their_curve_flat():
    model = MultiTaskMLP(task_weights=[0.5, 1.0, 2.0], **SMALL).fit(*mixed_tasks())
    np.testing.assert_array_equal(
        model.task_weight_curve_, np.tile([0.5, 1.0, 2.0], (model.n_iter_, 1))
    )


def test_uncertainty_weighting_stops_on_its_yardstick():
    """Its objective falls without bound as a task's training loss goes to 0;
    the stopping rule watches each task's loss over its baseline instead,
    so a fit on small data stops before the epoch budget."""
    X, Y = mixed_tasks(n=60, missing=False)
    model = MultiTaskMLP(
        hidden_layer_sizes=(8,),
        task_weights="uncertainty",
        max_iter=3000,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, Y)
    assert model.n_iter_ < 3000


FULL_BATCH = {**SMALL, "batch_size": 1000, "shuffle": False, "tol": 0.0}


@pytest.mark.parametrize("task_weights", ["uncertainty", "gradnorm"])
def test_mixture_partial_fit_epochs_equal_fit(task_weights):
    X, Y = mixed_tasks()
    params = {**FULL_BATCH, "architecture": "mmoe", "n_experts": 2}
    params.update(task_weights=task_weights, max_iter=4)
    fitted = MultiTaskMLP(**params).fit(X, Y)
    streamed = MultiTaskMLP(**params)
    for _ in range(4):
        streamed.partial_fit(X, Y, classes=CLASSES)
    np.testing.assert_allclose(streamed.loss_curve_, fitted.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(streamed.task_weights_, fitted.task_weights_, rtol=1e-10)


def test_integer_sample_weights_equal_repeated_rows_with_experts():
    X, Y = mixed_tasks()
    counts = np.random.default_rng(1).integers(0, 4, size=X.shape[0])
    params = {**FULL_BATCH, "architecture": "mmoe", "task_weights": "uncertainty"}
    weighted = MultiTaskMLP(**params).fit(X, Y, sample_weight=counts)
    repeated = MultiTaskMLP(**params).fit(
        np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0)
    )
    np.testing.assert_allclose(weighted.task_weights_, repeated.task_weights_)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_)


def test_warm_start_continues_learned_weights_and_experts():
    X, Y = mixed_tasks()
    params = {**SMALL, "architecture": "mmoe", "task_weights": "uncertainty"}
    model = MultiTaskMLP(warm_start=True, **params).fit(X, Y)
    first_weights = model.task_weights_.copy()
    model.fit(X, Y)
    assert model.n_iter_ == 40
    # The weights went on from where they were, not from the baselines.
    fresh = MultiTaskMLP(**params).fit(X, Y)
    np.testing.assert_allclose(fresh.task_weights_, first_weights)
    assert not np.allclose(model.task_weights_, first_weights)
    # A different architecture or expert count starts afresh.
    model.set_params(n_experts=2).fit(X, Y)
    assert model.n_iter_ == 20


def test_pickle_and_clone_mixture_with_learned_weights():
    X, Y = mixed_tasks()
    params = {**SMALL, "architecture": "mmoe", "task_weights": "gradnorm"}
    model = MultiTaskMLP(**params).fit(X, Y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    restored.partial_fit(X, Y)
    model.partial_fit(X, Y)
    np.testing.assert_array_equal(restored.coefs_[0], model.coefs_[0])
    np.testing.assert_array_equal(restored.task_weights_, model.task_weights_)
    assert clone(model).get_params() == model.get_params()


def test_grid_search_over_experts_and_weighting():
    X, Y = mixed_tasks(n=80, missing=False)
    grid = {
        "architecture": ["shared", "mmoe"],
        "n_experts": [2, 4],
        "task_weights": [None, "balanced", "uncertainty", "gradnorm"],
    }
    search = GridSearchCV(MultiTaskMLP((8,), max_iter=15, random_state=0), grid, cv=2)
    search.fit(X, Y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["n_experts"] in (2, 4)


@parametrize_with_checks(
    [
        MultiTaskMLP(
            hidden_layer_sizes=(8,),
            max_iter=20,
            architecture="mmoe",
            n_experts=2,
            task_types=["regression"],
        ),
        MultiTaskMLPRegressor(
            hidden_layer_sizes=(16,),
            max_iter=500,
            learning_rate_init=0.01,
            architecture="mmoe",
            n_experts=2,
        ),
    ],
    xfail_strict=True,
)
def test_mixture_of_experts_passes_the_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "params",
    [
        {"task_weights": "uncertainty"},
        {"task_weights": "gradnorm"},
        {"gradient_surgery": "pcgrad"},
    ],
)
def test_balancing_a_single_task_is_an_error(params):
    X, Y = mixed_tasks(missing=False)
    y = Y[:, 0].astype(float)
    with pytest.raises(ValueError, match="balances the tasks against each other"):
        MultiTaskMLP(**{**SMALL, **params}).fit(X, y)
    with pytest.raises(ValueError, match="but y has 1 task"):
        MultiTaskMLPRegressor(**{**SMALL, **params}).partial_fit(X, y)


def test_learned_weights_on_regression_only_tasks():
    """Nothing forbids learned weights on regression tasks (Kendall et al.'s
    own derivation is for Gaussian likelihoods); the regressor takes them."""
    X, Y = mixed_tasks(missing=False)
    y = np.column_stack([Y[:, 0].astype(float), 100 * Y[:, 0].astype(float)])
    model = MultiTaskMLPRegressor(task_weights="uncertainty", **SMALL).fit(X, y)
    # The task in larger units starts 10^4 times lighter.
    ratio = model.task_weight_curve_[0, 1] / model.task_weight_curve_[0, 0]
    assert 1e-5 < ratio < 1e-3


def test_partial_fit_rejects_a_different_network():
    X, Y = mixed_tasks()
    model = MultiTaskMLP(**SMALL).partial_fit(X, Y, classes=CLASSES)
    with pytest.raises(ValueError, match="n_experts or tower_layer_sizes changed"):
        model.set_params(architecture="mmoe").partial_fit(X, Y)


# ----------------------------------------------------------------- towers
def test_towers_are_the_documented_model():
    """Each task's tower layers between the shared layers and its output:
    predictions recomputed from coefs_, tower_coefs_ and head_coefs_."""
    X, Y = mixed_tasks(n=40)
    model = MultiTaskMLP(tower_layer_sizes=(3, 2), **SMALL).fit(X, Y)
    shared = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0.0)
    for t in range(3):
        H = shared
        for U, u in zip(model.tower_coefs_[t], model.tower_intercepts_[t], strict=True):
            H = np.maximum(H @ U + u, 0.0)
        scores = H @ model.head_coefs_[t] + model.head_intercepts_[t]
        if t == 2:
            np.testing.assert_allclose(
                model.predict_proba(X)[2], np.exp(log_softmax(scores)), rtol=1e-10
            )
    assert [U.shape for U in model.tower_coefs_[0]] == [(8, 3), (3, 2)]
    assert model.head_coefs_[2].shape == (2, 3)
    # Relatedness reads the directions each tower takes from the representation.
    reads = [U[0] @ U[0].T for U in model.tower_coefs_]
    a, b = np.ravel(reads[0]), np.ravel(reads[1])
    np.testing.assert_allclose(
        model.task_relatedness_[0, 1],
        a @ b / np.linalg.norm(a) / np.linalg.norm(b),
        rtol=1e-10,
    )


def test_towers_change_the_network_for_warm_start():
    X, Y = mixed_tasks()
    model = MultiTaskMLP(warm_start=True, tower_layer_sizes=(4,), **SMALL).fit(X, Y)
    model.fit(X, Y)
    assert model.n_iter_ == 40
    model.set_params(tower_layer_sizes=(3,)).fit(X, Y)
    assert model.n_iter_ == 20


@pytest.mark.parametrize("sizes", [(0,), (4, -1), "wide", 2.5])
def test_bad_tower_layer_sizes(sizes):
    X, Y = mixed_tasks()
    with pytest.raises(ValueError, match="tower_layer_sizes must be a positive"):
        MultiTaskMLP(tower_layer_sizes=sizes, **SMALL).fit(X, Y)


def test_warm_start_takes_new_fixed_weights():
    """A warm-started fit continues the network but uses the task weights the
    parameter names now, fixed or learned."""
    X, Y = mixed_tasks()
    model = MultiTaskMLP(warm_start=True, task_weights=[1.0, 2.0, 3.0], **SMALL)
    model.fit(X, Y)
    model.set_params(task_weights=None).fit(X, Y)
    np.testing.assert_array_equal(model.task_weights_, np.ones(3))
    assert model.n_iter_ == 40
    model.set_params(task_weights="gradnorm").fit(X, Y)
    np.testing.assert_allclose(model.task_weight_curve_[40:].sum(axis=1), 3.0)
    model.set_params(task_weights="balanced").fit(X, Y)
    assert not np.allclose(model.task_weights_, 1.0)


@pytest.mark.parametrize("task_weights", ["balanced", "uncertainty"])
def test_partial_fit_sets_a_late_task_weight_from_its_first_chunk(task_weights):
    """A task absent from the first partial_fit call gets its balanced weight
    (or its uncertainty weight's starting point, half of it) from the first
    call that observes it."""
    X, Y = mixed_tasks(missing=False)
    first, second = Y.copy(), Y.copy()
    first[:, 0] = np.nan
    kinds = ["regression", "binary", "multiclass"]
    model = MultiTaskMLP(task_weights=task_weights, task_types=kinds, **SMALL)
    model.partial_fit(X, first, classes=CLASSES)
    assert np.isnan(model.task_weights_[0]) == (task_weights == "balanced")
    # A step too small to move the learned weight: it is at its start.
    regression = Y[:, 0].astype(float)
    inverse_null_loss = 1 / (0.5 * regression.var())
    model.set_params(learning_rate_init=1e-12).partial_fit(X, second)
    expected = (
        inverse_null_loss if task_weights == "balanced" else inverse_null_loss / 2
    )
    np.testing.assert_allclose(model.task_weights_[0], expected, rtol=1e-6)
