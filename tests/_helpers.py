"""Helpers shared by the tests, written from the definitions (not from skmtl).

Import them with ``from _helpers import ...``: ``tests/conftest.py`` puts this
folder on ``sys.path`` for every test, whichever sub-folder it is in.

- Data: :func:`make_problem` (the three kinds of problem of the optimality
  tests), :func:`regression_data` and :func:`classification_data` (the
  estimator and structure API tests), :func:`melt` (shared layout to
  task-column layout).
- The objective from scratch: :func:`encode`, :func:`loss_and_derivative`,
  :func:`normalised_weights`, :func:`data_term`, :func:`null_intercept`,
  :func:`null_model`, :func:`loss_name`.
- Norms and optimality: :func:`group_norms`, :func:`penalty_value`,
  :func:`dual_norm`, :func:`kkt_violations`, :func:`ridge_coef_atol`.
- Test ids and xfail reasons: :func:`param_id`, :data:`MULTIOUTPUT_REASON`.

The penalties are named as in skmtl: ``"lasso"`` (every entry of ``W`` is a
group), ``"group_lasso"`` (rows: features), ``"task_group_lasso"`` (columns
grouped by task), ``"trace_norm"`` and ``"ridge"``. Coefficient matrices ``W``
are ``(n_features, n_columns)``, the transpose of ``coef_``.
"""

import numpy as np
from scipy.special import expit, logsumexp, softmax

from skmtl import MultiTaskClassifier, MultiTaskRegressor
from skmtl.datasets import make_multitask_classification, make_multitask_regression

# --------------------------------------------------------------------------
# Data


def make_problem(kind, seed, *, n_samples=50, n_features=12, n_tasks=3, low_rank=False):
    """``X`` (features of nonzero mean), ``Y`` (2-D) and the estimator class.

    ``kind`` is ``"regression"`` (squared loss), ``"binary"`` (a classifier
    with binary tasks only) or ``"mixed"`` (a classifier with a 3-class task
    followed by a binary task; ``n_tasks`` is then ignored). ``low_rank``
    draws rank-one coefficients instead of a shared support of 3 features.
    """
    rng = np.random.default_rng(1000 + seed)
    common = dict(
        n_samples=n_samples,
        n_features=n_features,
        structure="low_rank" if low_rank else "shared_support",
        n_informative=3,
        rank=1,
        random_state=seed,
    )
    if kind == "regression":
        X, Y, _ = make_multitask_regression(n_tasks=n_tasks, bias=1.5, **common)
        estimator = MultiTaskRegressor
    elif kind == "binary":
        X, Y, _ = make_multitask_classification(n_tasks=n_tasks, n_classes=2, **common)
        estimator = MultiTaskClassifier
    elif kind == "mixed":
        X, Y, _ = make_multitask_classification(n_tasks=2, n_classes=[3, 2], **common)
        estimator = MultiTaskClassifier
    else:  # pragma: no cover
        raise ValueError(kind)
    X = X + rng.uniform(-1.0, 1.0, size=n_features)
    return X, Y, estimator


def regression_data(n_samples=60, n_features=8, n_tasks=3, random_state=0):
    """``X, Y``: related regression tasks, 4 informative features, intercept 2."""
    X, Y, _ = make_multitask_regression(
        n_samples=n_samples,
        n_features=n_features,
        n_tasks=n_tasks,
        n_informative=4,
        noise=0.5,
        bias=2.0,
        random_state=random_state,
    )
    return X, Y


def classification_data(
    n_samples=80, n_features=8, n_classes=(2, 2, 3), n_informative=4, random_state=0
):
    """``X, Y``: three classification tasks, by default two binary tasks and one
    three-class task (``n_classes`` an int for the same number in every task)."""
    X, Y, _ = make_multitask_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_tasks=3,
        n_classes=n_classes,
        n_informative=n_informative,
        scale=3.0,
        random_state=random_state,
    )
    return X, Y


def melt(X, Y):
    """Shared layout -> one row per (sample, task), task index in the last column."""
    n, T = Y.shape
    rows = np.vstack([np.column_stack([X, np.full(n, t)]) for t in range(T)])
    return rows, np.concatenate([Y[:, t] for t in range(T)])


# --------------------------------------------------------------------------
# The objective, written from scratch


def loss_name(kind):
    """The ``loss`` of :func:`skmtl.alpha_max` for a kind of :func:`make_problem`."""
    return "squared" if kind == "regression" else "log_loss"


def normalised_weights(n_samples, sample_weight=None):
    """Sample weights summing to one (``1 / n`` each without ``sample_weight``)."""
    if sample_weight is None:
        return np.full(n_samples, 1.0 / n_samples)
    sample_weight = np.asarray(sample_weight, dtype=float)
    return sample_weight / sample_weight.sum()


def encode(kind, Y):
    """Targets matrix, loss blocks ``[(columns, name)]`` and the task of each column.

    Binary task: one column, 1 for its second (sorted) class. Task with K > 2
    classes: K one-hot columns.
    """
    if kind == "regression":
        Y = np.asarray(Y, dtype=float)
        return Y, [(slice(0, Y.shape[1]), "squared")], np.arange(Y.shape[1])
    columns, blocks, column_task, start = [], [], [], 0
    for t in range(Y.shape[1]):
        labels = np.unique(Y[:, t])
        if len(labels) == 2:
            columns.append((Y[:, t] == labels[1]).astype(float)[:, None])
            blocks.append((slice(start, start + 1), "logistic"))
        else:
            columns.append((Y[:, t][:, None] == labels[None, :]).astype(float))
            blocks.append((slice(start, start + len(labels)), "multinomial"))
        column_task += [t] * columns[-1].shape[1]
        start += columns[-1].shape[1]
    return np.hstack(columns), blocks, np.array(column_task)


def loss_and_derivative(blocks, T, Z):
    """Per-sample loss (n,) and its derivative in the scores (n, C)."""
    per_sample = np.zeros(Z.shape[0])
    D = np.empty_like(Z)
    for cols, name in blocks:
        y, z = T[:, cols], Z[:, cols]
        if name == "squared":
            per_sample += 0.5 * np.sum((z - y) ** 2, axis=1)
            D[:, cols] = z - y
        elif name == "logistic":
            per_sample += np.sum(np.logaddexp(0.0, z) - y * z, axis=1)
            D[:, cols] = expit(z) - y
        else:
            per_sample += logsumexp(z, axis=1) - np.sum(y * z, axis=1)
            D[:, cols] = softmax(z, axis=1) - y
    return per_sample, D


def data_term(kind, X, Y, W, b, sample_weight=None):
    """Data term at ``W`` (n_features, C) and intercepts ``b`` (C,), and its
    gradients in ``W`` and in ``b``.

    The data term is ``sum_i w_i loss_i`` with the weights of
    :func:`normalised_weights`.
    """
    T, blocks, _ = encode(kind, Y)
    w = normalised_weights(X.shape[0], sample_weight)
    per_sample, D = loss_and_derivative(blocks, T, np.asarray(X @ W) + b)
    U = w[:, None] * D
    return float(w @ per_sample), np.asarray(X.T @ U), U.sum(axis=0)


def null_intercept(kind, Y, sample_weight=None, fit_intercept=True):
    """Best intercepts when all coefficients are zero (zero without intercepts)."""
    T, blocks, _ = encode(kind, Y)
    b = np.zeros(T.shape[1])
    if not fit_intercept:
        return b
    w = normalised_weights(T.shape[0], sample_weight)
    for cols, name in blocks:
        mean = w @ T[:, cols]
        if name == "squared":
            b[cols] = mean
        elif name == "logistic":
            b[cols] = np.log(mean / (1.0 - mean))
        else:
            b[cols] = np.log(mean)
    return b


def null_model(kind, X, Y, sample_weight=None, fit_intercept=True):
    """Data term and its gradient in ``W`` at ``W = 0`` with the best intercepts.

    The data term there is the objective of the null model (every penalty is
    zero at ``W = 0``), and the dual norm of the gradient is ``alpha_max``.
    """
    T, _, _ = encode(kind, Y)
    W = np.zeros((X.shape[1], T.shape[1]))
    b = null_intercept(kind, Y, sample_weight, fit_intercept)
    value, G0, _ = data_term(kind, X, Y, W, b, sample_weight)
    return value, G0


# --------------------------------------------------------------------------
# Norms, dual norms and optimality conditions


def group_norms(W, groups):
    """Euclidean norm of each group of columns of ``W`` (``groups[j]``: column j's)."""
    return np.sqrt(np.bincount(groups, weights=np.sum(W**2, axis=0)))


def penalty_value(name, W, groups=None):
    """The penalty ``name`` at ``W``; ``groups``: the task of each column."""
    if name == "lasso":
        return np.sum(np.abs(W))
    if name == "group_lasso":
        return np.sum(np.linalg.norm(W, axis=1))
    if name == "task_group_lasso":
        return np.sum(group_norms(W, groups))
    if name == "trace_norm":
        if W.size == 0:
            return 0.0
        return np.sum(np.linalg.svd(W, compute_uv=False))
    if name == "ridge":
        return 0.5 * np.sum(W**2)
    raise ValueError(name)  # pragma: no cover


def dual_norm(name, G, groups=None):
    """Dual norm of the norm ``name`` at ``G``; ``groups``: the task of each column."""
    if name == "lasso":
        return np.max(np.abs(G))
    if name == "group_lasso":
        return np.max(np.linalg.norm(G, axis=1))
    if name == "task_group_lasso":
        return np.max(group_norms(G, groups))
    if name == "trace_norm":
        return np.linalg.norm(G, ord=2)
    raise ValueError(f"{name} is not a norm")  # pragma: no cover


def kkt_violations(name, lam, W, G, groups=None):
    """How far ``W`` is from satisfying ``-G in lam * subdifferential(penalty)(W)``.

    ``G`` is the gradient of the rest of the objective in ``W`` (both
    ``(n_features, C)``) and ``lam`` the weight of the penalty ``name``.
    Returns ``(stationarity, excess, structure)``, the first two in the units
    of ``G`` and zero (or below) at the optimum:

    - ``stationarity``: the largest norm of ``G + lam * U`` over the nonzero
      groups, ``U`` the gradient of the norm there (for the trace norm, the
      spectral norm of the residual restricted to the row and column spaces
      of ``W``; for ridge, the largest entry of ``G + lam * W``);
    - ``excess``: how much the dual norm of ``G`` on the zero groups (on the
      complement of the row and column spaces of ``W`` for the trace norm)
      exceeds ``lam`` (0 for ridge, which has no such condition);
    - ``structure``: the rank of ``W`` (trace norm), its number of zero groups
      (other norms) or None (ridge).
    """
    if name == "ridge":
        return np.max(np.abs(G + lam * W)), 0.0, None
    if name == "trace_norm":
        # Subdifferential at W = U_r S V_r^T: {U_r V_r^T + R : U_r^T R = 0,
        # R V_r = 0, ||R||_2 <= 1}.
        U, s, Vt = np.linalg.svd(W, full_matrices=False)
        rank = int(np.sum(s > 1e-9 * s[0])) if s[0] > 0 else 0
        U_r, V_r = U[:, :rank], Vt[:rank].T
        R = -G / lam - U_r @ V_r.T
        stationarity = lam * max(
            np.linalg.norm(U_r.T @ R, ord=2), np.linalg.norm(R @ V_r, ord=2)
        )
        return stationarity, lam * (np.linalg.norm(R, ord=2) - 1.0), rank
    if name == "lasso":  # every entry is a group
        W, G = W.ravel()[None, :], G.ravel()[None, :]
        groups = np.arange(W.size)
    elif name == "group_lasso":  # rows as groups: transpose
        W, G = W.T, G.T
        groups = np.arange(W.shape[1])
    elif name != "task_group_lasso":  # pragma: no cover
        raise ValueError(name)
    norms = group_norms(W, groups)
    nonzero = norms > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        direction = W / norms[groups]
    residual = (G + lam * direction)[:, nonzero[groups]]
    stationarity = np.max(group_norms(residual, groups[nonzero[groups]]), initial=0)
    excess = np.max(group_norms(G, groups)[~nonzero], initial=0.0) - lam
    return stationarity, excess, int(np.sum(~nonzero))


def ridge_coef_atol(alpha, gaps, floor):
    """How far two solutions of a ridge problem may be, given their duality gaps.

    Ridge makes the objective alpha-strongly convex: a gap g puts the
    coefficients within ``sqrt(2 g / alpha)`` of the optimum (the gap is
    quadratic in the error, so even a gap at the rounding floor leaves errors
    of order ``sqrt(1e-15)``). Never below ``floor``.
    """
    radius = sum(np.sqrt(2 * max(gap, 0.0) / alpha) for gap in gaps)
    return max(floor, radius)


# --------------------------------------------------------------------------
# Test ids and reasons


def param_id(value):
    """Readable test ids for estimator classes and penalty objects."""
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, str):
        return value
    return type(value).__name__


MULTIOUTPUT_REASON = (
    "check_classifier_multioutput assumes the multilabel-indicator convention: "
    "classes_ a single array indexed by label column, and predict_proba a 2-D "
    "array of positive-class probabilities. MultiTaskClassifier follows the "
    "multi-output convention of MultiOutputClassifier and "
    "RandomForestClassifier instead: classes_ is a list with one array per "
    "task and predict_proba a list of per-task (n_samples, n_classes_t) "
    "arrays. test_classifier_multioutput_properties (in "
    "tests/estimators/test_estimators.py) checks the same properties in that "
    "convention."
)


# The checks of scikit-learn that fit a classifier on a multi-class y (found
# by running them: every other check passes with TaskGraph and Clustered).
MULTICLASS_Y_CHECKS = (
    "check_classifiers_classes",
    "check_classifiers_train",
    "check_classifiers_train(readonly_memmap=True)",
    "check_classifiers_train(readonly_memmap=True,X_dtype=float32)",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimator_sparse_tag",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_f_contiguous_array_estimator",
    "check_fit2d_predict1d",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in_after_fitting",
    "check_non_transformer_estimators_n_iter",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
    "check_sample_weights_list",
    "check_supervised_y_2d",
)


def water_filling_weights(sigma, eta, k):
    """argmin_m sum sigma^2 / (eta + m), sum m = k, 0 <= m <= 1, by bisection.

    The eigenvalues of the optimal ``M`` of the clustered and cASO terms, for
    the singular values ``sigma`` of ``W`` (zeros included). The optimality
    conditions give m = clip(s sigma - eta, 0, 1) for a scalar s; the zero
    singular values share what the others leave of k.
    """
    positive = sigma > 1e-12 * max(sigma.max(), 1e-300)
    if positive.sum() <= k:
        m = positive.astype(float)
        m[~positive] = (k - m.sum()) / max((~positive).sum(), 1)
        return m
    low, high = 0.0, (1.0 + eta) / sigma[positive].min()
    for _ in range(200):
        s = 0.5 * (low + high)
        if np.sum(np.clip(s * sigma[positive] - eta, 0.0, 1.0)) < k:
            low = s
        else:
            high = s
    m = np.zeros_like(sigma)
    m[positive] = np.clip(0.5 * (low + high) * sigma[positive] - eta, 0.0, 1.0)
    return m


# ------------------------------------------------- MultiTaskMLP test data
# A small, quick MultiTaskMLP (tests of behaviour, not of fit quality).
SMALL_MLP = {"hidden_layer_sizes": (8,), "max_iter": 20, "random_state": 0}


def mixed_tasks(n=60, seed=0, missing=True):
    """A regression, a binary (string labels) and a 3-class (integer) task
    driven by a shared 2-D representation, in an object array; None marks
    unobserved targets."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5))
    Z = np.tanh(X @ rng.standard_normal((5, 2)))
    Y = np.empty((n, 3), dtype=object)
    Y[:, 0] = 2.0 * Z[:, 0] - Z[:, 1] + 0.1 * rng.standard_normal(n)
    Y[:, 1] = np.where(Z[:, 0] + 0.2 * rng.standard_normal(n) > 0, "yes", "no")
    Y[:, 2] = np.digitize(Z[:, 1], [-0.3, 0.3])
    if missing:
        for t in range(3):
            Y[rng.choice(n, size=n // 5, replace=False), t] = None
    return X, Y


# The classes of the tasks of mixed_tasks, for partial_fit.
MIXED_CLASSES = [None, ["no", "yes"], [0, 1, 2]]
