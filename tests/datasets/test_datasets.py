import numpy as np
import pytest
from scipy.special import expit

from skmtl.datasets import make_multitask_classification, make_multitask_regression

STRUCTURES = ["shared_support", "low_rank", "independent"]
GENERATORS = [make_multitask_regression, make_multitask_classification]


def _support(coef):
    """Features nonzero in at least one row of coef."""
    return np.flatnonzero(np.any(coef != 0, axis=0))


# --------------------------------------------------------------------------
# Shapes, dtypes, determinism


@pytest.mark.parametrize("structure", STRUCTURES)
def test_regression_shapes_and_dtypes(structure):
    X, Y, coef = make_multitask_regression(
        n_samples=30, n_features=12, n_tasks=4, structure=structure, random_state=0
    )
    assert X.shape == (30, 12) and X.dtype == np.float64
    assert Y.shape == (30, 4) and Y.dtype == np.float64
    assert coef.shape == (4, 12) and coef.dtype == np.float64


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize(
    "n_classes, n_rows", [(2, 4), (3, 12), ([2, 3, 2, 4], 9), ((5, 2, 2, 2), 8)]
)
def test_classification_shapes_and_dtypes(structure, n_classes, n_rows):
    X, Y, coef = make_multitask_classification(
        n_samples=60,
        n_features=12,
        n_tasks=4,
        n_classes=n_classes,
        structure=structure,
        random_state=0,
    )
    assert X.shape == (60, 12) and X.dtype == np.float64
    assert Y.shape == (60, 4) and Y.dtype == np.int64
    assert coef.shape == (n_rows, 12) and coef.dtype == np.float64


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("structure", STRUCTURES)
def test_determinism(make, structure):
    kwargs = dict(n_samples=40, n_features=10, n_tasks=3, structure=structure)
    first = make(**kwargs, random_state=3)
    second = make(**kwargs, random_state=np.random.RandomState(3))
    other = make(**kwargs, random_state=4)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[1], other[1])
    assert not np.array_equal(first[2], other[2])


def test_regression_X_is_standard_normal():
    X, _, _ = make_multitask_regression(
        n_samples=2000, n_features=5, n_tasks=2, n_informative=2, random_state=0
    )
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=0.1)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=0.1)


# --------------------------------------------------------------------------
# Coefficient structure (both generators draw it the same way)


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("n_informative", [1, 4, 20])
def test_shared_support(make, n_informative):
    _, _, coef = make(
        n_features=20,
        n_tasks=6,
        structure="shared_support",
        n_informative=n_informative,
        random_state=0,
    )
    W = coef.T
    support = _support(coef)
    assert support.size == n_informative
    # Rows of W outside the support are exactly zero ...
    outside = np.setdiff1d(np.arange(20), support)
    assert np.all(W[outside] == 0)
    # ... and every task uses every feature of the shared support.
    assert np.all(W[support] != 0)
    # The values differ from task to task.
    assert not np.allclose(coef, coef[0])


def test_shared_support_multiclass_rows():
    _, _, coef = make_multitask_classification(
        n_features=15, n_tasks=3, n_classes=[3, 2, 4], n_informative=3, random_state=1
    )
    assert coef.shape == (8, 15)
    support = _support(coef)
    assert support.size == 3
    assert np.all(coef[:, support] != 0)


@pytest.mark.parametrize("rank", [1, 2, 5])
def test_regression_low_rank(rank):
    _, _, coef = make_multitask_regression(
        n_features=20, n_tasks=6, structure="low_rank", rank=rank, random_state=0
    )
    assert np.linalg.matrix_rank(coef) == rank


@pytest.mark.parametrize("rank", [1, 3, 7])
def test_classification_low_rank_of_stacked_matrix(rank):
    _, _, coef = make_multitask_classification(
        n_features=20,
        n_tasks=3,
        n_classes=[2, 3, 3],
        structure="low_rank",
        rank=rank,
        random_state=0,
    )
    assert coef.shape == (7, 20)
    assert np.linalg.matrix_rank(coef) == rank


def test_low_rank_entries_have_unit_variance():
    _, _, coef = make_multitask_regression(
        n_features=200, n_tasks=50, structure="low_rank", rank=4, random_state=0
    )
    assert 0.7 < coef.var() < 1.3


@pytest.mark.parametrize("make", GENERATORS)
def test_independent_supports(make):
    _, _, coef = make(
        n_features=30,
        n_tasks=8,
        structure="independent",
        n_informative=4,
        random_state=0,
    )
    supports = [frozenset(np.flatnonzero(row)) for row in coef]
    assert all(len(s) == 4 for s in supports)
    assert len(set(supports)) > 1
    assert _support(coef).size > 4


# --------------------------------------------------------------------------
# Regression targets


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("bias", [0.0, -2.5, [1.0, 2.0, 3.0, -4.0]])
def test_regression_noiseless_targets(structure, bias):
    X, Y, coef = make_multitask_regression(
        n_samples=25,
        n_features=10,
        n_tasks=4,
        structure=structure,
        noise=0.0,
        bias=bias,
        random_state=0,
    )
    np.testing.assert_allclose(Y, X @ coef.T + np.asarray(bias))


def test_regression_noise_level():
    X, Y, coef = make_multitask_regression(
        n_samples=3000, n_features=5, n_tasks=3, n_informative=2, noise=0.5,
        bias=1.0, random_state=0,
    )  # fmt: skip
    residuals = Y - X @ coef.T - 1.0
    np.testing.assert_allclose(residuals.std(axis=0), 0.5, rtol=0.1)


# --------------------------------------------------------------------------
# Classification labels


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("n_classes", [2, 4, [2, 3, 5, 2, 3]])
def test_classification_labels_in_range(structure, n_classes):
    _, Y, _ = make_multitask_classification(
        n_samples=50,
        n_features=10,
        n_tasks=5,
        n_classes=n_classes,
        structure=structure,
        rank=2,
        random_state=0,
    )
    ks = np.broadcast_to(n_classes, (5,))
    for t, k in enumerate(ks):
        assert Y[:, t].min() >= 0 and Y[:, t].max() <= k - 1
        assert np.unique(Y[:, t]).size >= 2


@pytest.mark.parametrize("seed", range(10))
def test_every_task_has_two_classes_with_tiny_samples(seed):
    # With 2 or 3 samples single-class draws are frequent; they must be redrawn.
    for n_samples in (2, 3):
        _, Y, _ = make_multitask_classification(
            n_samples=n_samples, n_features=4, n_tasks=20, n_informative=2,
            random_state=seed,
        )  # fmt: skip
        assert all(np.unique(y).size == 2 for y in Y.T)


@pytest.mark.parametrize("n_classes", [2, 3, [2, 4, 3]])
def test_labels_follow_bayes_rule_at_large_scale(n_classes):
    X, Y, coef = make_multitask_classification(
        n_samples=2000,
        n_features=10,
        n_tasks=3,
        n_classes=n_classes,
        scale=20.0,
        random_state=0,
    )
    ks = np.broadcast_to(n_classes, (3,))
    scores = X @ coef.T
    start = 0
    for t, k in enumerate(ks):
        stop = start + (1 if k == 2 else k)
        block = scores[:, start:stop]
        bayes = (block[:, 0] > 0).astype(int) if k == 2 else block.argmax(axis=1)
        assert np.mean(Y[:, t] == bayes) > 0.9
        start = stop
    assert start == coef.shape[0]


def test_binary_labels_match_sigmoid_probabilities():
    # Calibration check: the positive rate within bins of the model
    # probability matches that probability.
    X, Y, coef = make_multitask_classification(
        n_samples=20000, n_features=3, n_tasks=1, n_informative=3, scale=0.5,
        random_state=0,
    )  # fmt: skip
    proba = expit(0.5 * X @ coef[0])
    bins = np.digitize(proba, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        mask = bins == b
        assert abs(Y[mask, 0].mean() - proba[mask].mean()) < 0.05


def test_zero_scale_gives_balanced_labels():
    _, Y, _ = make_multitask_classification(
        n_samples=4000, n_features=5, n_tasks=2, n_classes=4, scale=0.0,
        random_state=0,
    )  # fmt: skip
    for y in Y.T:
        np.testing.assert_allclose(np.bincount(y, minlength=4) / 4000, 0.25, atol=0.03)


# --------------------------------------------------------------------------
# Argument validation


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"structure": "sparse"}, "structure must be one of 'shared_support'"),
        ({"structure": "lowrank"}, "'low_rank', 'independent'"),
        ({"n_features": 5, "n_informative": 6}, r"n_informative must be <= n_fe"),
        (
            {"n_features": 5, "n_informative": 6, "structure": "independent"},
            r"n_informative must be <= n_features = 5",
        ),
        ({"n_informative": 0}, r"n_informative must be an integer >= 1"),
        ({"structure": "low_rank", "rank": 0}, r"rank must be an integer >= 1"),
        ({"n_features": 0}, r"n_features must be an integer >= 1"),
        ({"n_tasks": 0}, r"n_tasks must be an integer >= 1"),
        ({"n_tasks": -3}, r"n_tasks must be an integer >= 1, got -3"),
        ({"n_samples": 0}, r"n_samples must be an integer >= "),
        ({"n_samples": 10.0}, r"n_samples must be an integer"),
        ({"n_features": True}, r"n_features must be an integer"),
    ],
)
def test_invalid_arguments(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_regression_rank_too_large():
    with pytest.raises(ValueError, match=r"rank must be <= min\(n_features, n_tasks\)"):
        make_multitask_regression(
            n_features=20, n_tasks=3, structure="low_rank", rank=4
        )
    with pytest.raises(ValueError, match=r"= 2, got rank=3"):
        make_multitask_regression(
            n_features=2, n_tasks=10, structure="low_rank", rank=3
        )


def test_classification_rank_counts_coef_rows():
    # Two 3-class tasks give 6 coefficient rows, so rank 5 is allowed ...
    _, _, coef = make_multitask_classification(
        n_features=20, n_tasks=2, n_classes=3, structure="low_rank", rank=5,
        random_state=0,
    )  # fmt: skip
    assert np.linalg.matrix_rank(coef) == 5
    # ... but rank 7 is not.
    with pytest.raises(
        ValueError, match=r"rank must be <= min\(n_features, n_coef_rows\) = 6"
    ):
        make_multitask_classification(
            n_features=20, n_tasks=2, n_classes=3, structure="low_rank", rank=7
        )


def test_unused_size_parameter_is_not_checked():
    """rank is irrelevant to shared_support, n_informative to low_rank: an
    out-of-range value of the unused one is accepted and changes nothing."""
    common = dict(n_samples=20, n_features=4, n_tasks=2, random_state=0)
    unchecked = make_multitask_regression(rank=50, n_informative=2, **common)
    in_range = make_multitask_regression(rank=1, n_informative=2, **common)
    for got, expected in zip(unchecked, in_range, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert _support(unchecked[2]).size == 2

    common["structure"] = "low_rank"
    unchecked = make_multitask_regression(rank=2, n_informative=50, **common)
    in_range = make_multitask_regression(rank=2, n_informative=1, **common)
    for got, expected in zip(unchecked, in_range, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert np.linalg.matrix_rank(unchecked[2]) == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"noise": -1.0}, r"noise must be a finite number >= 0"),
        ({"noise": np.nan}, r"noise must be a finite number >= 0"),
        ({"bias": [1.0, 2.0]}, r"bias must be a float or an array of shape"),
        ({"bias": np.zeros((3, 1))}, r"\(n_tasks,\) = \(3,\), got shape \(3, 1\)"),
    ],
)
def test_regression_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_multitask_regression(n_tasks=3, **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_classes": 1}, r"number of classes >= 2, got 1"),
        ({"n_classes": [2, 3]}, r"one entry per task \(n_tasks=3\), got 2"),
        ({"n_classes": [2, 1, 3]}, r"number of classes >= 2, got 1"),
        ({"n_classes": [2, 2.5, 3]}, r"integer number of classes >= 2, got 2.5"),
        ({"n_classes": "abc"}, r"number of classes >= 2, got 'a'|one entry"),
        ({"n_classes": None}, r"n_classes must be an int >= 2 or a sequence"),
        ({"scale": -0.5}, r"scale must be a finite number >= 0"),
        ({"scale": np.inf}, r"scale must be a finite number >= 0"),
        ({"n_samples": 1}, r"n_samples must be an integer >= 2"),
    ],
)
def test_classification_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_multitask_classification(n_tasks=3, **kwargs)


def test_single_class_draws_raise(monkeypatch):
    # Force every draw to a single class to exercise the bounded redraw.
    import skmtl.datasets.generators as datasets

    monkeypatch.setattr(
        datasets, "_draw_labels", lambda scores, rng: np.zeros(len(scores), int)
    )
    with pytest.raises(ValueError, match=r"Task 0: .*Increase n_samples"):
        make_multitask_classification(n_samples=5, random_state=0)


@pytest.mark.parametrize("rate", [0.05, 0.3])
def test_positive_rate_sets_the_share_of_positives(rate):
    # 4,000 samples: the share of label 1 in each binary task is within four
    # binomial standard errors of the requested rate; the 3-class task is left
    # alone (all of its classes appear).
    n = 4000
    _, Y, _ = make_multitask_classification(
        n_samples=n, n_features=6, n_tasks=4, n_classes=[2, 2, 3, 2],
        positive_rate=rate, random_state=0,
    )  # fmt: skip
    shares = (Y[:, [0, 1, 3]] == 1).mean(axis=0)
    assert np.all(np.abs(shares - rate) <= 4 * np.sqrt(rate * (1 - rate) / n))
    assert set(np.unique(Y[:, 2])) == {0, 1, 2}


@pytest.mark.parametrize("rate", [0.0, 1.0, -0.1, True, "5%"])
def test_positive_rate_outside_the_open_interval_raises(rate):
    with pytest.raises(ValueError, match="positive_rate must be a number strictly"):
        make_multitask_classification(n_samples=20, positive_rate=rate)
