"""Optimality of the structures of :mod:`skmtl.structures`, checked from scratch.

Every check recomputes what it needs from the data and the fitted attributes
(``coef_``, ``intercept_``, the parts ``P_``/``Q_``/``L_``/``S_``): the
gradient of the data term, the subgradient (KKT) conditions of each part, the
objective, ``alpha_max``, a dual point of the squared loss, the optimal
task-similarity matrix of the clustered term. Solutions are also compared with
cvxpy (CLARABEL) on small problems and, for ``l2``, with scikit-learn's
elastic nets.
"""

import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.linear_model import ElasticNet, MultiTaskElasticNet

from _helpers import (
    data_term,
    dual_norm,
    encode,
    group_norms,
    kkt_violations,
    loss_name,
    make_problem,
    melt,
    null_model,
    penalty_value,
    water_filling_weights,
)
from skmtl import MultiTaskRegressor, alpha_max
from skmtl._problem import TaskContext
from skmtl.penalties import TaskGroupLasso
from skmtl.penalties.prox import column_group_soft_threshold
from skmtl.penalties.smooth_terms import cluster_weights
from skmtl.structures import (
    Clustered,
    Dirty,
    RobustGroupLasso,
    RobustTraceNorm,
    SparseLowRank,
    TaskGraph,
)

# A duality gap eps only controls the gradient to O(sqrt(eps)): fit tightly.
TIGHT = {"tol": 1e-13, "max_iter": 20_000}
# KKT violations, relative to the largest entry of the gradient at the null
# model (about alpha_max), that a correct solution must not exceed.
KKT_RTOL = 1e-5
# "regression": squared loss; "binary": classifier with binary tasks only;
# "mixed": classifier with a 3-class task followed by a binary task.
KINDS = ["regression", "binary", "mixed"]

# name: (class, fitted part attributes, norm of each part, index of the part
# that carries the relative weight rho).
DECOMPOSED = {
    "dirty": (Dirty, ("P_", "Q_"), ("group_lasso", "lasso"), 1),
    "robust_trace_norm": (
        RobustTraceNorm,
        ("L_", "S_"),
        ("trace_norm", "task_group_lasso"),
        1,
    ),
    "robust_group_lasso": (
        RobustGroupLasso,
        ("P_", "Q_"),
        ("group_lasso", "task_group_lasso"),
        1,
    ),
    "sparse_low_rank": (SparseLowRank, ("P_", "Q_"), ("lasso", "trace_norm"), 0),
}
# Low-rank data for the structures with a trace norm.
LOW_RANK = {"robust_trace_norm", "sparse_low_rank"}
# (rho, alpha_max / alpha) per structure and kind, chosen so that both parts
# are non-zero and at least one of them has zeros (or a deficient rank).
SETTINGS = {
    ("dirty", "regression"): (0.7, 3.0),
    ("dirty", "binary"): (0.7, 3.0),
    ("dirty", "mixed"): (0.7, 3.0),
    ("robust_trace_norm", "regression"): (0.7, 3.0),
    ("robust_trace_norm", "binary"): (0.7, 3.0),
    ("robust_trace_norm", "mixed"): (1.0, 3.0),
    ("robust_group_lasso", "regression"): (1.0, 3.0),
    ("robust_group_lasso", "binary"): (1.0, 3.0),
    ("robust_group_lasso", "mixed"): (1.5, 2.0),
    ("sparse_low_rank", "regression"): (0.4, 3.0),
    ("sparse_low_rank", "binary"): (0.4, 3.0),
    ("sparse_low_rank", "mixed"): (0.4, 3.0),
}
# Task graphs over 4 tasks: a weighted chain and a weighted adjacency matrix.
EDGES = [(0, 1), (1, 2, 0.5), (2, 3, 2.0)]
ADJACENCY = np.array(
    [
        [0.0, 1.0, 0.0, 0.3],
        [1.0, 0.0, 0.5, 0.0],
        [0.0, 0.5, 0.0, 2.0],
        [0.3, 0.0, 2.0, 0.0],
    ]
)


# --------------------------------------------------------------------------
# Data and structures

# make_problem's data, with 8 features and 4 tasks by default.
_problem = partial(make_problem, n_features=8, n_tasks=4)


def _structure(name, kind, weight=None):
    cls, attributes, norms, weighted = DECOMPOSED[name]
    rho = SETTINGS[name, kind][0] if weight is None else weight
    weights = [1.0, 1.0]
    weights[weighted] = rho
    return cls(rho), attributes, norms, weights


def _parts(model, attributes):
    return [getattr(model, attribute).T for attribute in attributes]


def _decomposed_objective(kind, X, Y, alpha, parts, norms, weights, b, l2=0.0):
    groups = encode(kind, Y)[2]
    W = sum(parts)
    value = data_term(kind, X, Y, W, b)[0] + 0.5 * l2 * np.sum(W**2)
    for part, norm, weight in zip(parts, norms, weights, strict=True):
        value += alpha * weight * penalty_value(norm, part, groups)
    return value


def _check_decomposed_kkt(kind, X, Y, alpha, model, attributes, norms, weights):
    """Assert the KKT conditions of every part; return their structure."""
    groups = encode(kind, Y)[2]
    parts = _parts(model, attributes)
    W = model.coef_.T
    np.testing.assert_allclose(sum(parts), W, rtol=0, atol=1e-12)
    _, G, g = data_term(kind, X, Y, W, model.intercept_)
    G = G + model.l2 * W
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    assert np.max(np.abs(g)) <= KKT_RTOL * scale
    structure = []
    for part, norm, weight in zip(parts, norms, weights, strict=True):
        stationarity, excess, zeros = kkt_violations(
            norm, alpha * weight, part, G, groups
        )
        assert stationarity <= KKT_RTOL * scale, (norm, stationarity / scale)
        assert excess <= KKT_RTOL * scale, (norm, excess / scale)
        structure.append(zeros)
    return structure


# --------------------------------------------------------------------------
# 1. KKT conditions of each part


def _decomposed_fit(name, kind, seed=0, l2=0.0, **params):
    X, Y, Estimator = _problem(kind, seed, low_rank=name in LOW_RANK)
    penalty, attributes, norms, weights = _structure(name, kind)
    a_max = alpha_max(X, Y, penalty=penalty, loss=loss_name(kind))
    alpha = a_max / SETTINGS[name, kind][1]
    model = Estimator(penalty, alpha, l2=l2, **{**TIGHT, **params}).fit(X, Y)
    return X, Y, alpha, model, attributes, norms, weights


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", DECOMPOSED)
def test_decomposed_kkt_conditions(name, kind):
    X, Y, alpha, model, attributes, norms, weights = _decomposed_fit(name, kind)
    assert model.converged_
    structure = _check_decomposed_kkt(
        kind, X, Y, alpha, model, attributes, norms, weights
    )
    parts = _parts(model, attributes)
    # Both parts are used, and the conditions on zeros (or on the rank) are
    # exercised by at least one of them.
    assert all(np.any(part != 0) for part in parts), structure
    deficient = [
        zeros < min(part.shape) if norm == "trace_norm" else zeros > 0
        for part, norm, zeros in zip(parts, norms, structure, strict=True)
    ]
    assert any(deficient), structure
    # The robust models report the tasks with a non-zero outlier part.
    if name.startswith("robust"):
        groups = encode(kind, Y)[2]
        outliers = np.flatnonzero(group_norms(parts[1], groups) > 0)
        np.testing.assert_array_equal(model.outlier_tasks_, model.tasks_[outliers])
    # The reported objective is that of the parts; the stopping rule is a
    # duality gap, except for a multinomial task with intercepts (no cheap
    # dual point), where it is the relative prox-gradient residual.
    expected = _decomposed_objective(
        kind, X, Y, alpha, parts, norms, weights, model.intercept_
    )
    assert model.objective_ == pytest.approx(expected, rel=1e-9)
    if kind == "mixed":
        assert np.isnan(model.dual_gap_)
        assert model.optimality_residual_ <= TIGHT["tol"]
    else:
        null_objective = null_model(kind, X, Y)[0]
        assert -1e-12 <= model.dual_gap_ <= TIGHT["tol"] * null_objective


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize("name", DECOMPOSED)
def test_task_graph_on_a_decomposed_base_kkt(name, kind):
    """A graph term added to a decomposed model: KKT of each part."""
    X, Y, Estimator = _problem(kind, 0, low_rank=name in LOW_RANK)
    base, attributes, norms, weights = _structure(name, kind)
    alpha = alpha_max(X, Y, penalty=base, loss=loss_name(kind)) / 3
    beta = 0.3
    model = Estimator(TaskGraph(EDGES, beta, base), alpha, **TIGHT).fit(X, Y)
    parts = _parts(model, attributes)
    W = model.coef_.T
    np.testing.assert_allclose(sum(parts), W, rtol=0, atol=1e-12)
    data, G, g = data_term(kind, X, Y, W, model.intercept_)
    graph_value, graph_gradient = _graph_term(EDGES, W)
    groups = np.arange(W.shape[1])
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    assert np.max(np.abs(g)) <= KKT_RTOL * scale
    for part, norm, weight in zip(parts, norms, weights, strict=True):
        violations = kkt_violations(
            norm, alpha * weight, part, G + beta * graph_gradient, groups
        )
        assert max(violations[:2]) <= KKT_RTOL * scale, (norm, violations)
    # Without the graph gradient the conditions fail for some part.
    without = [
        max(kkt_violations(norm, alpha * weight, part, G, groups)[:2])
        for part, norm, weight in zip(parts, norms, weights, strict=True)
    ]
    assert max(without) > 100 * KKT_RTOL * scale
    expected = beta * graph_value + _decomposed_objective(
        kind, X, Y, alpha, parts, norms, weights, model.intercept_
    )
    assert model.objective_ == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize("name", DECOMPOSED)
def test_decomposed_kkt_with_l2(name, kind):
    """The ridge term l2/2 ||P + Q||^2 acts on the sum of the parts."""
    X, Y, alpha, model, attributes, norms, weights = _decomposed_fit(name, kind, l2=0.3)
    _check_decomposed_kkt(kind, X, Y, alpha, model, attributes, norms, weights)
    expected = _decomposed_objective(
        kind, X, Y, alpha, _parts(model, attributes), norms, weights,
        model.intercept_, l2=0.3,
    )  # fmt: skip
    assert model.objective_ == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", DECOMPOSED)
def test_decomposed_kkt_check_rejects_suboptimal_points(name):
    """The check can fail: moving mass between the parts breaks it."""
    X, Y, alpha, model, attributes, norms, weights = _decomposed_fit(name, "regression")
    first, second = (getattr(model, a).copy() for a in attributes)
    # Same sum W (same gradient), but a part no longer optimal.
    setattr(model, attributes[0], first + 1e-3 * second)
    setattr(model, attributes[1], (1 - 1e-3) * second)
    with pytest.raises(AssertionError):
        _check_decomposed_kkt(
            "regression", X, Y, alpha, model, attributes, norms, weights
        )
    # Another alpha.
    setattr(model, attributes[0], first)
    setattr(model, attributes[1], second)
    _check_decomposed_kkt("regression", X, Y, alpha, model, attributes, norms, weights)
    with pytest.raises(AssertionError):
        _check_decomposed_kkt(
            "regression", X, Y, 1.01 * alpha, model, attributes, norms, weights
        )


# --------------------------------------------------------------------------
# 2. Task graph and clustered terms, written from scratch


def _graph_term(graph, W):
    """beta = 1: sum over edges of a_st ||w_s - w_t||^2, and its gradient in W."""
    T = W.shape[1]
    if graph is None:  # every pair with weight 1 / T
        edges = [(s, t, 1.0 / T) for s in range(T) for t in range(s + 1, T)]
    elif isinstance(graph, np.ndarray):
        edges = [(s, t, graph[s, t]) for s in range(T) for t in range(s + 1, T)]
    else:
        edges = [(e[0], e[1], e[2] if len(e) == 3 else 1.0) for e in graph]
    value, gradient = 0.0, np.zeros_like(W)
    for s, t, a in edges:
        difference = W[:, s] - W[:, t]
        value += a * difference @ difference
        gradient[:, s] += 2 * a * difference
        gradient[:, t] -= 2 * a * difference
    return value, gradient


def _cluster_term(W, eta, k):
    """eta (1 + eta) min_M tr(W (eta I + M)^-1 W^T): value, gradient and M*."""
    squares, V = np.linalg.eigh(W.T @ W)
    m = water_filling_weights(np.sqrt(np.maximum(squares, 0.0)), eta, k)
    M = (V * m) @ V.T
    inverse = np.linalg.inv(eta * np.eye(W.shape[1]) + M)
    scale = eta * (1 + eta)
    return scale * np.trace(W @ inverse @ W.T), 2 * scale * W @ inverse, M


def _cluster_objective(kind, X, Y, alpha, eta, k, W, b):
    return data_term(kind, X, Y, W, b)[0] + alpha * _cluster_term(W, eta, k)[0]


def test_cluster_term_helper_is_the_minimum_over_m_and_its_gradient():
    """Our own cluster term: a minimum over feasible M, with the right gradient."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 4))
    eta, k = 0.5, 2
    value, gradient, M = _cluster_term(W, eta, k)
    eigenvalues = np.linalg.eigvalsh(M)
    assert np.trace(M) == pytest.approx(k, abs=1e-10)
    assert eigenvalues.min() >= -1e-12 and eigenvalues.max() <= 1 + 1e-12
    for _ in range(50):  # random feasible M: trace k, eigenvalues in [0, 1]
        Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
        lam = water_filling_weights(rng.uniform(0.1, 2.0, 4), rng.uniform(0.1, 1), k)
        other = (
            eta
            * (1 + eta)
            * np.trace(W @ np.linalg.inv(eta * np.eye(4) + (Q * lam) @ Q.T) @ W.T)
        )
        assert value <= other + 1e-12
    step = 1e-6
    for _ in range(5):
        direction = rng.standard_normal(W.shape)
        numeric = (
            _cluster_term(W + step * direction, eta, k)[0]
            - _cluster_term(W - step * direction, eta, k)[0]
        ) / (2 * step)
        assert numeric == pytest.approx(np.sum(gradient * direction), rel=1e-6)


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize("base", ["lasso", "ridge"])
@pytest.mark.parametrize("graph", ["adjacency", "edges", None])
def test_task_graph_kkt_conditions(graph, base, kind):
    graph = {"adjacency": ADJACENCY, "edges": EDGES, None: None}[graph]
    X, Y, Estimator = _problem(kind, 1)
    beta = 0.2
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    alpha = scale / 3 if base == "lasso" else 0.05
    penalty = TaskGraph(graph, strength=beta, base=base)
    model = Estimator(penalty, alpha, **TIGHT).fit(X, Y)
    assert model.converged_
    W = model.coef_.T
    data, G, g = data_term(kind, X, Y, W, model.intercept_)
    graph_value, graph_gradient = _graph_term(graph, W)
    G = G + beta * graph_gradient
    assert np.max(np.abs(g)) <= KKT_RTOL * scale
    if base == "lasso":
        stationarity, excess, zeros = kkt_violations("lasso", alpha, W, G)
        assert stationarity <= KKT_RTOL * scale and excess <= KKT_RTOL * scale
        assert 0 < zeros < W.size
        omega = np.sum(np.abs(W))
    else:
        assert np.max(np.abs(G + alpha * W)) <= KKT_RTOL * scale
        omega = 0.5 * np.sum(W**2)
    expected = data + alpha * omega + beta * graph_value
    assert model.objective_ == pytest.approx(expected, rel=1e-9)
    null_objective = null_model(kind, X, Y)[0]
    assert -1e-12 <= model.dual_gap_ <= TIGHT["tol"] * null_objective
    # The graph term matters: without it the solution is another one.
    alone = Estimator(base, alpha, **TIGHT).fit(X, Y)
    assert not np.allclose(alone.coef_, model.coef_, atol=1e-3)


@pytest.mark.parametrize(
    ("kind", "n_tasks", "n_clusters", "eta"),
    [("regression", 4, 2, 0.5), ("regression", 5, 1, 1.0), ("binary", 3, 2, 0.3)],
)
def test_clustered_gradient_vanishes(kind, n_tasks, n_clusters, eta):
    X, Y, Estimator = _problem(kind, 2, n_tasks=n_tasks)
    alpha = 0.05
    model = Estimator(Clustered(n_clusters, eta), alpha, **TIGHT).fit(X, Y)
    assert model.converged_
    W = model.coef_.T
    data, G, g = data_term(kind, X, Y, W, model.intercept_)
    value, gradient, M = _cluster_term(W, eta, n_clusters)
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    assert np.max(np.abs(G + alpha * gradient)) <= 1e-6 * scale
    assert np.max(np.abs(g)) <= 1e-6 * scale
    # Not the trivial solution: the data term pulls W away from zero.
    assert np.max(np.abs(G)) > 1e-2 * scale
    assert model.objective_ == pytest.approx(data + alpha * value, rel=1e-9)
    # The learned similarity is M*: trace k and eigenvalues in [0, 1].
    similarity = model.task_similarity_
    np.testing.assert_allclose(similarity, similarity.T, atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(similarity)
    assert np.trace(similarity) == pytest.approx(n_clusters, abs=1e-9)
    assert eigenvalues.min() >= -1e-10 and eigenvalues.max() <= 1 + 1e-10
    np.testing.assert_allclose(similarity, M, atol=1e-6)
    assert model.task_clusters_.shape == (n_tasks,)
    assert len(np.unique(model.task_clusters_)) == n_clusters


def test_cluster_weights_match_our_water_filling():
    """skmtl's exact breakpoint search against our bisection, random inputs."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = rng.integers(1, 7)
        k = rng.integers(1, n + 1)
        eta = 10 ** rng.uniform(-2, 1)
        sigma = np.abs(rng.standard_normal(n)) * 10 ** rng.uniform(-2, 2)
        if rng.random() < 0.3:
            sigma[rng.integers(n)] = 0.0
        m = cluster_weights(sigma, eta, k)
        assert m.sum() == pytest.approx(k, abs=1e-10)
        assert m.min() >= -1e-12 and m.max() <= 1 + 1e-12
        ours = water_filling_weights(sigma, eta, k)
        value, best = np.sum(sigma**2 / (eta + m)), np.sum(sigma**2 / (eta + ours))
        assert value == pytest.approx(best, rel=1e-9)


def test_task_graph_formats_agree():
    """An adjacency matrix, a sparse one, a DataFrame and edge lists agree."""
    X, Y, _ = _problem("regression", 1)
    names = list("abcd")
    edges = [(s, t, ADJACENCY[s, t]) for s in range(4) for t in range(s + 1, 4)]
    edges = [edge for edge in edges if edge[2] > 0]
    frame = pd.DataFrame(ADJACENCY, index=names, columns=names)
    graphs = [
        (ADJACENCY, Y),
        (sp.csr_matrix(ADJACENCY), Y),
        (edges, Y),
        # By labels: a shuffled DataFrame and named edges.
        (frame.loc[names[::-1], ["b", "d", "a", "c"]], pd.DataFrame(Y, columns=names)),
        (
            [(names[s], names[t], a) for s, t, a in edges],
            pd.DataFrame(Y, columns=names),
        ),
    ]
    coefs = [
        MultiTaskRegressor(TaskGraph(graph, 0.3), 0.05, **TIGHT).fit(X, targets).coef_
        for graph, targets in graphs
    ]
    for coef in coefs[1:]:
        np.testing.assert_allclose(coef, coefs[0], rtol=0, atol=1e-10)
    # ... and differ from another graph.
    other = MultiTaskRegressor(TaskGraph(EDGES, 0.3), 0.05, **TIGHT).fit(X, Y)
    assert not np.allclose(other.coef_, coefs[0], atol=1e-3)


# --------------------------------------------------------------------------
# 3. Agreement with cvxpy


def _cvxpy_fit(kind, X, Y, penalty_of):
    """Minimise the data term plus ``penalty_of(cp, d, C)`` with CLARABEL.

    ``penalty_of`` returns ``W`` (a cvxpy expression), the penalty expression,
    constraints and the variables to return. Returns their values and ``b``.
    """
    cp = pytest.importorskip("cvxpy")
    T, blocks, groups = encode(kind, Y)
    n, d = X.shape
    C = T.shape[1]
    W, penalty, constraints, variables = penalty_of(cp, d, C, groups)
    b = cp.Variable(C)
    Z = X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, C), order="C")
    data = 0
    for cols, name in blocks:
        Zc, Tc = Z[:, cols], T[:, cols]
        if name == "squared":
            data += 0.5 * cp.sum_squares(Zc - Tc) / n
        elif name == "logistic":
            data += cp.sum(cp.logistic(Zc) - cp.multiply(Tc, Zc)) / n
        else:
            per_sample = cp.log_sum_exp(Zc, axis=1) - cp.sum(cp.multiply(Tc, Zc), 1)
            data += cp.sum(per_sample) / n
    problem = cp.Problem(cp.Minimize(data + penalty), constraints)
    with warnings.catch_warnings():
        # At these tolerances CLARABEL may stop a step short and say
        # "inaccurate"; its solution is still far better than the 1e-6 needed.
        warnings.simplefilter("ignore", UserWarning)
        problem.solve(
            solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10
        )
    assert problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), problem.status
    return [v.value for v in variables], b.value, problem.value


def _cvxpy_norm(cp, norm, V, groups):
    if norm == "lasso":
        return cp.sum(cp.abs(V))
    if norm == "group_lasso":
        return cp.sum(cp.norm(V, 2, axis=1))
    if norm == "task_group_lasso":
        return sum(
            cp.norm(cp.vec(V[:, groups == t], order="F"), 2) for t in np.unique(groups)
        )
    return cp.normNuc(V)


def _assert_same_solution(kind, model, coef, intercept):
    scale = np.max(np.abs(coef))
    np.testing.assert_allclose(model.coef_, coef, rtol=0, atol=1e-4 * scale)
    if kind == "mixed":  # the 3-class task's intercepts are defined up to a shift
        rows = model.coef_rows_[0]
        intercept = intercept.copy()
        intercept[rows] += np.mean(model.intercept_[rows] - intercept[rows])
    np.testing.assert_allclose(model.intercept_, intercept, rtol=0, atol=1e-4)


@pytest.mark.parametrize(
    ("name", "kind", "l2"),
    [
        *[
            (name, kind, 0.0)
            for name in DECOMPOSED
            for kind in ("regression", "binary")
        ],
        ("dirty", "mixed", 0.0),
        ("robust_trace_norm", "mixed", 0.0),
        ("dirty", "regression", 0.2),
        ("sparse_low_rank", "binary", 0.2),
    ],
)
def test_decomposed_matches_cvxpy(name, kind, l2):
    X, Y, alpha, model, attributes, norms, weights = _decomposed_fit(name, kind, l2=l2)

    def penalty_of(cp, d, C, groups):
        parts = [cp.Variable((d, C)) for _ in norms]
        W = parts[0] + parts[1]
        penalty = alpha * sum(
            weight * _cvxpy_norm(cp, norm, part, groups)
            for part, norm, weight in zip(parts, norms, weights, strict=True)
        )
        return W, penalty + 0.5 * l2 * cp.sum_squares(W), [], parts

    parts, intercept, optimum = _cvxpy_fit(kind, X, Y, penalty_of)
    ours = _decomposed_objective(
        kind, X, Y, alpha, _parts(model, attributes), norms, weights,
        model.intercept_, l2,
    )  # fmt: skip
    ref = _decomposed_objective(kind, X, Y, alpha, parts, norms, weights, intercept, l2)
    assert ours == pytest.approx(ref, rel=1e-6)
    assert ours == pytest.approx(optimum, rel=1e-6)
    assert ours <= ref + 1e-9
    _assert_same_solution(kind, model, sum(parts).T, intercept)


@pytest.mark.parametrize(
    ("kind", "graph", "base"),
    [
        ("regression", "edges", "lasso"),
        ("regression", "edges", "ridge"),
        ("regression", None, "lasso"),
        ("regression", None, "ridge"),
        ("binary", "edges", "lasso"),
        ("binary", None, "ridge"),
    ],
)
def test_task_graph_matches_cvxpy(kind, graph, base):
    graph = EDGES if graph == "edges" else None
    X, Y, Estimator = _problem(kind, 3, n_samples=40, n_features=6)
    beta = 0.3
    alpha = np.max(np.abs(null_model(kind, X, Y)[1])) / 4 if base == "lasso" else 0.05
    penalty = TaskGraph(graph, strength=beta, base=base)
    model = Estimator(penalty, alpha, **TIGHT).fit(X, Y)

    def penalty_of(cp, d, C, groups):
        W = cp.Variable((d, C))
        omega = cp.sum(cp.abs(W)) if base == "lasso" else 0.5 * cp.sum_squares(W)
        if graph is None:
            smooth = cp.sum_squares(W - W @ np.full((C, C), 1.0 / C))
        else:
            smooth = sum(
                (edge[2] if len(edge) == 3 else 1.0)
                * cp.sum_squares(W[:, edge[0]] - W[:, edge[1]])
                for edge in graph
            )
        return W, alpha * omega + beta * smooth, [], [W]

    (W,), intercept, optimum = _cvxpy_fit(kind, X, Y, penalty_of)

    def objective(W, b):
        omega = np.sum(np.abs(W)) if base == "lasso" else 0.5 * np.sum(W**2)
        data = data_term(kind, X, Y, W, b)[0]
        return data + alpha * omega + beta * _graph_term(graph, W)[0]

    ours = objective(model.coef_.T, model.intercept_)
    assert ours == pytest.approx(objective(W, intercept), rel=1e-6)
    assert ours == pytest.approx(optimum, rel=1e-6)
    assert model.objective_ == pytest.approx(ours, rel=1e-9)
    _assert_same_solution(kind, model, W.T, intercept)


@pytest.mark.parametrize(
    ("kind", "n_tasks", "n_clusters", "eta"),
    [("regression", 4, 2, 0.5), ("regression", 3, 1, 2.0), ("binary", 3, 2, 1.0)],
)
def test_clustered_matches_cvxpy(kind, n_tasks, n_clusters, eta):
    X, Y, Estimator = _problem(kind, 4, n_samples=40, n_features=5, n_tasks=n_tasks)
    alpha = 0.1
    model = Estimator(Clustered(n_clusters, eta), alpha, **TIGHT).fit(X, Y)

    def penalty_of(cp, d, C, groups):
        W = cp.Variable((d, C))
        M = cp.Variable((C, C), symmetric=True)
        identity = np.eye(C)
        frac = cp.matrix_frac(W.T, eta * identity + M)  # tr(W (eta I + M)^-1 W^T)
        constraints = [cp.trace(M) == n_clusters, M >> 0, identity - M >> 0]
        return W, alpha * eta * (1 + eta) * frac, constraints, [W, M]

    (W, M), intercept, optimum = _cvxpy_fit(kind, X, Y, penalty_of)
    ours = _cluster_objective(
        kind, X, Y, alpha, eta, n_clusters, model.coef_.T, model.intercept_
    )
    ref = _cluster_objective(kind, X, Y, alpha, eta, n_clusters, W, intercept)
    assert ours == pytest.approx(ref, rel=1e-6)
    assert ours == pytest.approx(optimum, rel=1e-6)
    _assert_same_solution(kind, model, W.T, intercept)
    np.testing.assert_allclose(model.task_similarity_, M, atol=1e-3)


# --------------------------------------------------------------------------
# 4. l2: the elastic nets


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l2", [0.05, 0.5])
def test_lasso_with_l2_matches_sklearn_elastic_net(l2, fit_intercept):
    """(1/2n)||y - Xw||^2 + alpha |w|_1 + l2/2 |w|^2, task by task."""
    X, Y, _ = _problem("regression", 5, n_features=10)
    alpha = alpha_max(X, Y, penalty="lasso", fit_intercept=fit_intercept) / 4
    model = MultiTaskRegressor(
        "lasso", alpha, l2=l2, fit_intercept=fit_intercept, **TIGHT
    ).fit(X, Y)
    for t in range(Y.shape[1]):
        ref = ElasticNet(
            alpha=alpha + l2, l1_ratio=alpha / (alpha + l2),
            fit_intercept=fit_intercept, tol=1e-14, max_iter=1_000_000,
        ).fit(X, Y[:, t])  # fmt: skip
        scale = np.max(np.abs(ref.coef_))
        np.testing.assert_allclose(model.coef_[t], ref.coef_, atol=1e-6 * scale)
        assert model.intercept_[t] == pytest.approx(ref.intercept_, abs=1e-6)
        np.testing.assert_array_equal(model.coef_[t] != 0, ref.coef_ != 0)
    assert 0 < np.count_nonzero(model.coef_) < model.coef_.size
    # l2 changes the solution.
    plain = MultiTaskRegressor("lasso", alpha, fit_intercept=fit_intercept, **TIGHT)
    assert not np.allclose(plain.fit(X, Y).coef_, model.coef_, atol=1e-3)


@pytest.mark.parametrize("kind", KINDS)
def test_group_lasso_with_l2_kkt(kind):
    X, Y, Estimator = _problem(kind, 6)
    l2 = 0.2
    alpha = alpha_max(X, Y, penalty="group_lasso", loss=loss_name(kind)) / 3
    model = Estimator("group_lasso", alpha, l2=l2, **TIGHT).fit(X, Y)
    W = model.coef_.T
    data, G, g = data_term(kind, X, Y, W, model.intercept_)
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    stationarity, excess, zeros = kkt_violations("group_lasso", alpha, W, G + l2 * W)
    assert stationarity <= KKT_RTOL * scale and excess <= KKT_RTOL * scale
    assert np.max(np.abs(g)) <= KKT_RTOL * scale
    assert 0 < zeros < W.shape[0]
    expected = data + alpha * penalty_value("group_lasso", W) + 0.5 * l2 * np.sum(W**2)
    assert model.objective_ == pytest.approx(expected, rel=1e-9)
    # Without the l2 term in the gradient the conditions fail.
    assert kkt_violations("group_lasso", alpha, W, G)[0] > 100 * KKT_RTOL * scale
    if kind == "regression":
        ref = MultiTaskElasticNet(
            alpha=alpha + l2, l1_ratio=alpha / (alpha + l2), tol=1e-14,
            max_iter=1_000_000,
        ).fit(X, Y)  # fmt: skip
        scale = np.max(np.abs(ref.coef_))
        np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6 * scale)


# --------------------------------------------------------------------------
# 5. alpha_max


def _auto_weight(name, context):
    """The documented "auto" weights: geometric middles of the useful ranges."""
    d, C, T = context.n_features, context.n_columns, context.n_tasks
    K = np.bincount(context.column_task).max()  # columns of the widest task
    return {
        "dirty": C**-0.25,
        "robust_trace_norm": (K / T) ** 0.25,
        "robust_group_lasso": (d / T) ** 0.25,
        "sparse_low_rank": (d * C) ** -0.25,
    }[name]


@pytest.mark.parametrize("weight", ["explicit", "auto"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", DECOMPOSED)
def test_decomposed_alpha_max(name, kind, weight):
    X, Y, Estimator = _problem(kind, 8, low_rank=name in LOW_RANK)
    _, G0 = null_model(kind, X, Y)
    groups = encode(kind, Y)[2]
    cls, attributes, norms, weighted = DECOMPOSED[name]
    context = TaskContext(X.shape[1], groups, np.arange(Y.shape[1]))
    if weight == "auto":
        penalty = cls()
        rho = _auto_weight(name, context)
        assert penalty.resolved_weight(context) == pytest.approx(rho, rel=1e-12)
    else:
        rho = SETTINGS[name, kind][0]
        penalty = cls(rho)
    weights = [1.0, 1.0]
    weights[weighted] = rho
    expected = max(
        dual_norm(norm, G0, groups) / w for norm, w in zip(norms, weights, strict=True)
    )
    a_max = alpha_max(X, Y, penalty=penalty, loss=loss_name(kind))
    assert a_max == pytest.approx(expected, rel=1e-10)

    model = Estimator(penalty, a_max, **TIGHT).fit(X, Y)
    assert np.all(model.coef_ == 0)
    assert all(np.all(getattr(model, a) == 0) for a in attributes)
    model = Estimator(penalty, 0.95 * a_max, **TIGHT).fit(X, Y)
    assert np.any(model.coef_ != 0)
    _check_decomposed_kkt(kind, X, Y, 0.95 * a_max, model, attributes, norms, weights)


@pytest.mark.parametrize("kind", KINDS)
def test_alpha_max_of_task_group_lasso_and_task_graph(kind):
    X, Y, Estimator = _problem(kind, 9)
    _, G0 = null_model(kind, X, Y)
    groups = encode(kind, Y)[2]
    loss = loss_name(kind)
    a_max = alpha_max(X, Y, penalty="task_group_lasso", loss=loss)
    assert a_max == pytest.approx(np.max(group_norms(G0, groups)), rel=1e-10)
    model = Estimator("task_group_lasso", a_max, **TIGHT).fit(X, Y)
    assert np.all(model.coef_ == 0)
    model = Estimator("task_group_lasso", 0.95 * a_max, **TIGHT).fit(X, Y)
    assert np.any(model.coef_ != 0)
    if kind == "mixed":
        return  # the task graph needs one column per task
    # The graph term has a zero gradient at W = 0: alpha_max is the base's.
    penalty = TaskGraph(EDGES[: Y.shape[1] - 1], strength=2.0, base="group_lasso")
    a_max = alpha_max(X, Y, penalty=penalty, loss=loss)
    assert a_max == pytest.approx(np.max(np.linalg.norm(G0, axis=1)), rel=1e-10)
    assert np.all(Estimator(penalty, a_max, **TIGHT).fit(X, Y).coef_ == 0)
    assert np.any(Estimator(penalty, 0.95 * a_max, **TIGHT).fit(X, Y).coef_ != 0)
    with pytest.raises(ValueError, match="alpha_max"):
        alpha_max(X, Y, penalty=Clustered(), loss=loss)


# --------------------------------------------------------------------------
# 6. Duality gap


def _squared_loss_dual(X, Y, alpha, W, b, norms, weights):
    """Dual objective at the rescaled, centred residual.

    For the squared loss with intercepts, a dual point ``theta`` (n, T) with
    zero column sums is feasible when every part's dual norm of ``X^T theta /
    n`` is at most ``alpha * rho_k``; the dual objective is
    ``(1/n) sum_i <y_i, theta_i> - ||theta_i||^2 / 2``.
    """
    n = X.shape[0]
    theta = Y - X @ W - b
    theta = theta - theta.mean(axis=0)
    G = X.T @ theta / n
    groups = np.arange(Y.shape[1])
    norm = max(dual_norm(k, G, groups) / w for k, w in zip(norms, weights, strict=True))
    theta = theta * min(1.0, alpha / norm)
    return np.sum(Y * theta - 0.5 * theta**2) / n


@pytest.mark.parametrize("kind", ["regression", "binary"])
@pytest.mark.parametrize("name", DECOMPOSED)
def test_decomposed_duality_gap(name, kind):
    tol = 1e-8
    X, Y, alpha, model, attributes, norms, weights = _decomposed_fit(
        name, kind, tol=tol, max_iter=5_000
    )
    assert model.converged_
    null_objective = null_model(kind, X, Y)[0]
    # (>= 0 up to rounding: the gap is not clipped.)
    assert -1e-12 <= model.dual_gap_ <= tol * null_objective
    primal = _decomposed_objective(
        kind, X, Y, alpha, _parts(model, attributes), norms, weights, model.intercept_
    )
    assert model.objective_ == pytest.approx(primal, rel=1e-9)
    # The reported gap bounds the suboptimality.
    best = _decomposed_fit(name, kind)[3]
    optimum = _decomposed_objective(
        kind, X, Y, alpha, _parts(best, attributes), norms, weights, best.intercept_
    )
    assert optimum <= primal + 1e-12
    assert primal - optimum <= model.dual_gap_ + 1e-12
    if kind == "regression":
        # Our own dual point certifies both fits.
        dual = _squared_loss_dual(
            X, Y, alpha, model.coef_.T, model.intercept_, norms, weights
        )
        assert -1e-12 <= primal - dual <= 10 * tol * null_objective
        dual = _squared_loss_dual(
            X, Y, alpha, best.coef_.T, best.intercept_, norms, weights
        )
        assert -1e-12 <= optimum - dual <= 1e-11 * null_objective


# --------------------------------------------------------------------------
# 7. Both data layouts


@pytest.mark.parametrize(
    ("penalty", "kind"),
    [
        (Dirty(0.7), "regression"),
        (Dirty(0.7), "binary"),
        (RobustTraceNorm(0.7), "regression"),
        (RobustGroupLasso(1.0), "regression"),
        (SparseLowRank(0.4), "regression"),
        (RobustTraceNorm(0.7), "binary"),
        (TaskGraph(EDGES, strength=0.3), "regression"),
        (TaskGraph(None, strength=0.3, base="ridge"), "binary"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else value,
)
def test_task_column_layout_matches_shared_layout(penalty, kind):
    X, Y, Estimator = _problem(kind, 10, n_samples=40, n_features=6)
    X_rows, y_rows = melt(X, Y)
    alpha = 0.05 if kind == "regression" else 0.02
    shared = Estimator(penalty, alpha, **TIGHT).fit(X, Y)
    rows = Estimator(penalty, alpha, task_column=-1, **TIGHT).fit(X_rows, y_rows)
    assert np.any(shared.coef_ != 0)
    np.testing.assert_allclose(rows.coef_, shared.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(rows.intercept_, shared.intercept_, rtol=0, atol=1e-6)
    parts = [getattr(rows, a) for a in ("P_", "Q_", "L_", "S_") if hasattr(rows, a)]
    assert len(parts) == (0 if isinstance(penalty, TaskGraph) else 2)
    if parts:
        np.testing.assert_allclose(sum(parts), rows.coef_, rtol=0, atol=1e-12)
    assert rows.objective_ == pytest.approx(shared.objective_, rel=1e-9)


# --------------------------------------------------------------------------
# 8. The prox of the task group lasso and its norm


def _task_group_norm(context):
    return TaskGroupLasso()._bind(context)


def test_column_group_soft_threshold_is_the_prox():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((3, 5))
    groups = np.array([0, 0, 1, 2, 2])
    V[:, 1] *= 0.1
    V[:, 2] *= 0.2  # a group below the threshold
    tau = 0.8

    def objective(w):
        W = w.reshape(V.shape)
        return 0.5 * np.sum((W - V) ** 2) + tau * np.sum(group_norms(W, groups))

    prox = column_group_soft_threshold(V, tau, groups)
    norms = group_norms(V, groups)
    assert np.any(norms <= tau) and np.any(norms > tau)
    np.testing.assert_array_equal(group_norms(prox, groups) == 0, norms <= tau)
    best = minimize(
        objective, V.ravel(), method="Powell", options={"xtol": 1e-10, "ftol": 1e-14}
    )
    assert objective(prox.ravel()) <= best.fun + 1e-12
    assert objective(prox.ravel()) == pytest.approx(best.fun, abs=1e-8)
    np.testing.assert_allclose(prox, best.x.reshape(V.shape), atol=1e-4)
    # No random point does better (convexity: the prox is the minimiser).
    for _ in range(100):
        other = prox + 1e-3 * rng.standard_normal(V.shape)
        assert objective(prox.ravel()) <= objective(other.ravel())
    # Moreau: V = prox(V) + tau * projection of V / tau on the dual-norm ball.
    projection = V / np.maximum(1.0, group_norms(V, groups) / tau)[groups]
    np.testing.assert_allclose(prox + projection, V, atol=1e-14)
    # Fixed point: prox(W + tau U) = W for U in the subdifferential at W.
    U = (
        prox
        / np.where(group_norms(prox, groups) > 0, group_norms(prox, groups), 1)[groups]
    )
    U[:, groups == 1] = 0.3 * rng.standard_normal((3, 1)) / 3  # a zero group
    np.testing.assert_allclose(
        column_group_soft_threshold(prox + tau * U, tau, groups), prox, atol=1e-14
    )


@pytest.mark.parametrize("kind", ["regression", "mixed"])
def test_task_group_lasso_solution_is_a_prox_fixed_point(kind):
    X, Y, Estimator = _problem(kind, 11)
    groups = encode(kind, Y)[2]
    # The tasks are separate problems: task t is zero iff ||G0_t|| <= alpha.
    # Between the two largest norms of G0, one task only is used.
    null_norms = np.sort(group_norms(null_model(kind, X, Y)[1], groups))
    alpha = 0.5 * (null_norms[-1] + null_norms[-2])
    model = Estimator("task_group_lasso", alpha, **TIGHT).fit(X, Y)
    W = model.coef_.T
    norms = group_norms(W, groups)
    np.testing.assert_array_equal(norms > 0, norms == norms.max())
    _, G, _ = data_term(kind, X, Y, W, model.intercept_)
    scale = np.max(np.abs(null_model(kind, X, Y)[1]))
    for step in (0.1, 1.0, 10.0):
        image = column_group_soft_threshold(W - step * G, step * alpha, groups)
        assert np.max(np.abs(image - W)) <= step * KKT_RTOL * scale
    stationarity, excess, zeros = kkt_violations(
        "task_group_lasso", alpha, W, G, groups
    )
    assert stationarity <= KKT_RTOL * scale and excess <= KKT_RTOL * scale


def test_task_group_lasso_value_and_dual_norm():
    rng = np.random.default_rng(1)
    groups = np.array([0, 0, 0, 1, 2])  # a 3-class task and two binary tasks
    context = TaskContext(4, groups, np.array(["a", "b", "c"]))
    norm = _task_group_norm(context)
    for _ in range(100):
        W, G = rng.standard_normal((2, 4, 5))
        value = sum(np.linalg.norm(W[:, groups == t]) for t in range(3))
        dual = max(np.linalg.norm(G[:, groups == t]) for t in range(3))
        assert norm.value(W) == pytest.approx(value, rel=1e-12)
        assert norm.dual_norm(G) == pytest.approx(dual, rel=1e-12)
        assert np.sum(W * G) <= norm.value(W) * norm.dual_norm(G) + 1e-12
    # Equality: all of W on the task where G is largest, aligned with G.
    top = np.argmax([np.linalg.norm(G[:, groups == t]) for t in range(3)])
    W = np.where(groups == top, G, 0.0)
    assert np.sum(W * G) == pytest.approx(norm.value(W) * norm.dual_norm(G), rel=1e-12)
    assert norm.dual_norm(np.zeros((4, 5))) == 0.0
    assert norm.value(np.zeros((4, 5))) == 0.0
