"""Property-based fuzzing of the estimators with hypothesis.

Random small problems (shapes, sparsity, layouts, feature scalings, penalties,
strengths) check properties that must hold whatever the data:

- the fit is finite, and its certificate honest: when it says it converged,
  the duality gap is at most ``tol`` times the null objective (or, where no
  dual point exists, the prox-gradient residual is at most ``tol``);
- predictions do not depend on the order of the rows;
- relabelling / permuting the tasks permutes the rows of ``coef_``;
- scaling the targets by ``c`` and ``alpha`` by ``c`` scales ``coef_`` by
  ``c`` (regressor, norm penalties);
- a sample of weight zero changes nothing;
- refitting gives bit-identical results.

Two fits of one convex problem agree only up to their tolerances, so each
comparison is made within the distance that the fits' own duality gaps
certify: with ``l2 > 0`` the objective is ``l2``-strongly convex in ``W``, so
a gap ``g`` puts ``W`` within ``sqrt(2 g / l2)`` of the optimum; the squared
loss is ``(1/n)``-strongly convex in the predictions, so a gap ``g`` puts the
training predictions within ``sqrt(2 n g)`` of the optimal ones.

The examples are derandomised (the same on every run) to keep the suite
deterministic; set ``SKMTL_FUZZ=1`` to draw fresh, more numerous examples.
"""

import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from skmtl.structures import Clustered, Dirty, RobustTraceNorm, TaskGraph

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_EXPLORE = bool(os.environ.get("SKMTL_FUZZ"))
SETTINGS = settings(
    max_examples=200 if _EXPLORE else 20,
    deadline=None,
    derandomize=not _EXPLORE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Penalties with a duality gap (norms, ridge, and structures built on them).
GAP_PENALTIES = [
    "group_lasso",
    "trace_norm",
    "lasso",
    "ridge",
    "dirty",
    "robust",
    "graph",
]
# Penalties whose value is positively homogeneous of degree one in W (the
# graph term of TaskGraph is of degree two, like l2, and is left unscaled).
HOMOGENEOUS = ["group_lasso", "trace_norm", "lasso", "dirty", "robust", "graph"]
ALL_PENALTIES = GAP_PENALTIES + ["clustered"]
TIGHT = {"tol": 1e-10, "max_iter": 5000}


def _penalty(name, n_tasks):
    """A fresh penalty object (or name) for a problem with ``n_tasks`` tasks."""
    return {
        "dirty": lambda: Dirty(),
        "robust": lambda: RobustTraceNorm(),
        "graph": lambda: TaskGraph(strength=0.5),
        "clustered": lambda: Clustered(n_clusters=min(2, n_tasks)),
    }.get(name, lambda: name)()


class Problem:
    """A random problem in one layout, with what the properties need."""

    def __init__(self, features, y, task, layout, fmt, classification, drawn):
        self.drawn = drawn  # what the strategy drew, to reproduce a failure
        self.features = features  # dense (n, d), without the task column
        self.y = y
        self.task = task  # (n,) task index of each row (task-column layout)
        self.layout = layout
        self.fmt = fmt
        self.classification = classification
        self.n_tasks = int(task.max()) + 1 if layout == "task_column" else y.shape[1]

    def __repr__(self):
        return f"Problem({self.drawn})"

    @property
    def n_samples(self):
        return self.features.shape[0]

    def X(self, features=None, task=None):
        """The estimator's input: features, plus the task column, in format."""
        features = self.features if features is None else features
        if self.layout == "task_column":
            labels = self.task if task is None else task
            features = np.column_stack([features, labels])
        return (
            features if self.fmt is None else sp.csr_matrix(features).asformat(self.fmt)
        )

    @property
    def params(self):
        return {"task_column": -1} if self.layout == "task_column" else {}

    def estimator(self, penalty, **params):
        cls = MultiTaskClassifier if self.classification else MultiTaskRegressor
        return cls(penalty=_penalty(penalty, self.n_tasks), **self.params, **params)

    def alpha_scale(self):
        """alpha_max of the group lasso: the scale of useful alphas."""
        loss = "log_loss" if self.classification else "squared"
        value = alpha_max(
            self.X(), self.y, penalty="group_lasso", loss=loss, **self.params
        )
        return value if value > 0 else 1.0

    def l2(self):
        """A ridge strength on the scale of the data term's curvature."""
        return 0.1 * float(np.mean(self.features**2)) + 1e-3


def _labels(scores):
    """0/1 labels with both classes (split at the median of distinct scores)."""
    return (scores > np.median(scores)).astype(int)


@st.composite
def problems(draw, classification=False, layouts=("shared", "task_column")):
    layout = draw(st.sampled_from(layouts))
    n_tasks = draw(st.integers(1, 4))
    n_features = draw(st.integers(1, 6))
    n_samples = draw(st.integers(3 * n_tasks + 2, 30))
    density = draw(st.sampled_from([1.0, 0.6, 0.3]))
    fmt = draw(st.sampled_from([None, None, "csr", "csc"]))
    scale = 10.0 ** draw(st.integers(-2, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    column_scale = scale * 10.0 ** rng.uniform(-1, 1, n_features)
    features = rng.standard_normal((n_samples, n_features)) * column_scale
    features[rng.random(features.shape) > density] = 0.0
    coef = rng.standard_normal((n_features, n_tasks)) / column_scale[:, None]
    scores = features @ coef + 0.5 * rng.standard_normal((n_samples, n_tasks))
    scores += rng.standard_normal(n_tasks)  # per-task offsets
    if layout == "shared":
        task = np.zeros(n_samples, dtype=int)
        y = scores
        if classification:
            y = np.column_stack([_labels(s) for s in scores.T])
    else:
        task = rng.permutation(np.arange(n_samples) % n_tasks)
        y = scores[np.arange(n_samples), task]
        if classification:
            labels = np.zeros(n_samples, dtype=int)
            for t in range(n_tasks):
                labels[task == t] = _labels(y[task == t])
            y = labels
    drawn = dict(
        classification=classification, layout=layout, n_tasks=n_tasks,
        n_features=n_features, n_samples=n_samples, density=density, fmt=fmt,
        scale=scale, seed=seed,
    )  # fmt: skip
    return Problem(features, y, task, layout, fmt, classification, drawn)


def _fit(estimator, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, sample_weight=sample_weight)


def _coef_radius(model, l2):
    """Distance to the optimal W that the model's gap certifies (l2 > 0)."""
    return float(np.sqrt(2.0 * max(model.dual_gap_, 0.0) / l2))


def _prediction_radius(model, n_samples):
    """Distance to the optimal training predictions the gap certifies (squared)."""
    return float(np.sqrt(2.0 * n_samples * max(model.dual_gap_, 0.0)))


def _null_objective(problem, estimator, sample_weight=None):
    """Objective of the null model (W = 0, best intercepts)."""
    null = clone(estimator).set_params(
        penalty="group_lasso", alpha=2.0 * problem.alpha_scale(), l2=0.0
    )
    null = _fit(null, problem.X(), problem.y, sample_weight)
    assert np.all(null.coef_ == 0)
    return null.objective_


# ===================================================== finite and certified
@SETTINGS
@given(
    problem=st.one_of(problems(), problems(classification=True)),
    penalty=st.sampled_from(ALL_PENALTIES),
    fraction=st.sampled_from([0.5, 0.1, 0.01]),
    l2=st.sampled_from([0.0, 0.1]),
)
def test_fit_is_finite_and_its_certificate_honest(problem, penalty, fraction, l2):
    alpha = fraction * problem.alpha_scale()
    estimator = problem.estimator(penalty, alpha=alpha, l2=l2 * problem.l2())
    X = problem.X()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, problem.y)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    for name in ("coef_", "intercept_", "objective_", "optimality_residual_"):
        assert np.all(np.isfinite(getattr(estimator, name))), name
    assert len(estimator.predict(X)) == problem.n_samples
    if problem.classification:
        outputs = np.vstack(estimator.predict_proba(X))
    else:
        outputs = estimator.predict(X)
    assert np.all(np.isfinite(outputs))
    null = _null_objective(problem, estimator)
    assert bool(estimator.converged_) == (not convergence)
    if np.isnan(estimator.dual_gap_):  # no dual point: the residual criterion
        assert penalty == "clustered" or problem.classification
        if estimator.converged_:
            assert estimator.optimality_residual_ <= estimator.tol
    else:
        assert np.isfinite(estimator.dual_gap_)
        assert estimator.dual_gap_ >= -1e-12 * null
        if estimator.converged_:
            assert estimator.dual_gap_ <= estimator.tol * null * (1 + 1e-9)
            assert estimator.objective_ <= null * (1 + estimator.tol) + 1e-300
        else:
            assert f"duality gap {estimator.dual_gap_:.3e}" in str(
                convergence[0].message
            )


# =================================================== invariances and scaling
@SETTINGS
@given(
    problem=problems(),
    penalty=st.sampled_from(GAP_PENALTIES),
    fraction=st.sampled_from([0.3, 0.03]),
    seed=st.integers(0, 2**32 - 1),
)
def test_predictions_do_not_depend_on_row_order(problem, penalty, fraction, seed):
    estimator = problem.estimator(penalty, alpha=fraction * problem.alpha_scale())
    estimator.set_params(**TIGHT)
    order = np.random.default_rng(seed).permutation(problem.n_samples)
    reference = _fit(clone(estimator), problem.X(), problem.y)
    X_perm = problem.X(problem.features[order], problem.task[order])
    permuted = _fit(clone(estimator), X_perm, problem.y[order])
    radius = _prediction_radius(reference, problem.n_samples)
    radius += _prediction_radius(permuted, problem.n_samples)
    scale = np.abs(reference.predict(problem.X())).max()
    assert_allclose(
        permuted.predict(problem.X()),
        reference.predict(problem.X()),
        rtol=0,
        atol=radius + 1e-8 * scale,
    )


@SETTINGS
@given(
    problem=st.one_of(problems(), problems(classification=True)),
    penalty=st.sampled_from(GAP_PENALTIES),
    seed=st.integers(0, 2**32 - 1),
    as_strings=st.booleans(),
)
def test_permuting_the_tasks_permutes_the_rows_of_coef(
    problem, penalty, seed, as_strings
):
    l2 = problem.l2()
    alpha = 0.1 * problem.alpha_scale()
    estimator = problem.estimator(penalty, alpha=alpha, l2=l2, **TIGHT)
    reference = _fit(clone(estimator), problem.X(), problem.y)
    perm = np.random.default_rng(seed).permutation(problem.n_tasks)
    if problem.layout == "shared":
        # Column j of the new Y is task perm[j] of the old one.
        relabelled = _fit(clone(estimator), problem.X(), problem.y[:, perm])
        expected = reference.coef_[perm]
    else:
        # Task t gets the label perm[t]; labels are sorted in tasks_.
        if as_strings:
            X = np.column_stack([problem.features, problem.task]).astype(object)
            X[:, -1] = np.array([f"task{p}" for p in perm])[problem.task]
        else:
            X = problem.X(task=perm[problem.task])
        relabelled = _fit(clone(estimator), X, problem.y)
        expected = np.empty_like(reference.coef_)
        expected[perm] = reference.coef_
    radius = _coef_radius(reference, l2) + _coef_radius(relabelled, l2)
    scale = np.abs(reference.coef_).max()
    assert_allclose(relabelled.coef_, expected, rtol=0, atol=radius + 1e-8 * scale)


@SETTINGS
@given(
    problem=problems(),
    penalty=st.sampled_from(HOMOGENEOUS),
    c=st.sampled_from([1e-3, 0.1, 0.5, 3.0, 1e3]),
)
def test_scaling_targets_and_alpha_scales_coef(problem, penalty, c):
    l2 = problem.l2()
    alpha = 0.1 * problem.alpha_scale()
    estimator = problem.estimator(penalty, alpha=alpha, l2=l2, **TIGHT)
    reference = _fit(clone(estimator), problem.X(), problem.y)
    scaled = _fit(estimator.set_params(alpha=c * alpha), problem.X(), c * problem.y)
    # The scaled problem is c^2 times the original at W / c: its gap divided
    # by c^2 bounds the suboptimality of scaled.coef_ / c.
    radius = _coef_radius(reference, l2) + _coef_radius(scaled, l2) / c
    scale = np.abs(reference.coef_).max()
    assert_allclose(
        scaled.coef_ / c, reference.coef_, rtol=0, atol=radius + 1e-8 * scale
    )
    radius = _prediction_radius(reference, problem.n_samples)
    radius += _prediction_radius(scaled, problem.n_samples) / c
    X = problem.X()
    prediction_scale = np.abs(reference.predict(X)).max()
    assert_allclose(
        scaled.predict(X) / c,
        reference.predict(X),
        rtol=0,
        atol=radius + 1e-8 * prediction_scale,
    )


@SETTINGS
@given(
    problem=st.one_of(problems(), problems(classification=True)),
    penalty=st.sampled_from(GAP_PENALTIES),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_sample_of_weight_zero_changes_nothing(problem, penalty, seed):
    rng = np.random.default_rng(seed)
    l2 = problem.l2()
    estimator = problem.estimator(
        penalty, alpha=0.1 * problem.alpha_scale(), l2=l2, **TIGHT
    )
    weight = rng.uniform(0.5, 2.0, problem.n_samples)
    reference = _fit(clone(estimator), problem.X(), problem.y, weight)
    # One more row, anywhere, with random features and target and weight 0.
    position = rng.integers(problem.n_samples + 1)
    row = rng.standard_normal((1, problem.features.shape[1])) * 10
    features = np.insert(problem.features, position, row, axis=0)
    task = np.insert(problem.task, position, rng.integers(problem.n_tasks))
    extra_target = problem.y[rng.integers(problem.n_samples)]  # a valid label
    if not problem.classification:
        extra_target = extra_target + 100.0
    y = np.insert(problem.y, position, extra_target, axis=0)
    weights = np.insert(weight, position, 0.0)
    padded = _fit(clone(estimator), problem.X(features, task), y, weights)
    radius = _coef_radius(reference, l2) + _coef_radius(padded, l2)
    scale = np.abs(reference.coef_).max()
    assert_allclose(padded.coef_, reference.coef_, rtol=0, atol=radius + 1e-8 * scale)


# ================================================================ refitting
@SETTINGS
@given(
    problem=st.one_of(problems(), problems(classification=True)),
    penalty=st.sampled_from(ALL_PENALTIES),
    l2=st.sampled_from([0.0, 0.1]),
)
def test_refits_are_bit_identical(problem, penalty, l2):
    estimator = problem.estimator(
        penalty, alpha=0.1 * problem.alpha_scale(), l2=l2 * problem.l2()
    )
    first = _fit(estimator, problem.X(), problem.y)
    coef, intercept = first.coef_.copy(), first.intercept_.copy()
    n_iter, gap, objective = first.n_iter_, first.dual_gap_, first.objective_
    again = _fit(estimator, problem.X(), problem.y)  # the same object
    cloned = _fit(clone(estimator), problem.X(), problem.y)
    for model in (again, cloned):
        assert_array_equal(model.coef_, coef)
        assert_array_equal(model.intercept_, intercept)
        assert model.n_iter_ == n_iter
        assert_array_equal(model.dual_gap_, gap)  # NaN == NaN here
        assert model.objective_ == objective
