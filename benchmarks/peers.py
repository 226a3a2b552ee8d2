"""Solvers of skmtl and of its peers on one common objective, for bench_peers.py.

Every solver function here takes a :class:`Problem`, a penalty strength
``alpha`` (or a decreasing array of them, for the path functions) and a
relative tolerance ``tol``, and returns a :class:`Fit` (or a list of them):
the coefficients ``W`` of shape (n_features, n_tasks) and the intercepts ``b``
of shape (n_tasks,), **in skmtl's parametrisation**. The benchmark then
recomputes the objective and a duality gap from ``(W, b)`` alone, with
:func:`objective` and :func:`relative_gap`; no solver's own objective or gap
is ever used.

The common objectives (skmtl's scaling, ``n`` samples, ``T`` tasks):

- squared loss (group lasso, trace norm)::

      P(W, b) = 1/(2n) ||Y - X W - 1 b^T||_F^2 + alpha * Omega(W)

  with ``Omega`` the sum of the row norms of ``W`` (group lasso) or its
  nuclear norm (trace norm);
- squared loss with the group lasso and a ridge term (elastic net)::

      P(W, b) = 1/(2n) ||Y - X W - 1 b^T||_F^2 + alpha * sum_j ||W_j,:||_2
                + l2/2 * ||W||_F^2,

  skmtl's ``MultiTaskRegressor(penalty="group_lasso", alpha=alpha, l2=l2)``.
  A problem of this kind carries scikit-learn's ``l1_ratio`` (< 1) and its
  rows are given skmtl's ``alpha``; ``l2 = alpha * (1 - l1_ratio) / l1_ratio``
  (:meth:`Problem.l2`), i.e. a fixed mix along ``alpha`` as in scikit-learn;
- logistic loss with the group lasso, ``Y`` in {0, 1}::

      P(W, b) = 1/n sum_i sum_t [log(1 + exp(z_it)) - y_it z_it]
                + alpha * sum_j ||W_j,:||_2,     Z = X W + 1 b^T.

Tolerances. ``tol`` is skmtl's: a duality gap at most ``tol`` times the
objective of the null model ``P_null = P(0, b_null)`` (optimal intercepts,
``||Y_c||_F^2 / (2n)`` for the squared loss, with ``Y_c`` the centred
targets). The peers get the closest setting they have:

- scikit-learn ``MultiTaskLasso`` / ``MultiTaskLasso.path``: its coordinate
  descent works on ``n * P`` and stops when that gap is at most
  ``tol_sk * ||Y_c||_F^2``, i.e. ``gap(P) <= tol_sk * 2 * P_null``: so
  ``tol_sk = tol / 2``. Same objective, ``alpha`` identical, ``coef_`` is
  ``W.T`` and ``intercept_`` is ``b``.
- scikit-learn ``MultiTaskElasticNet(alpha=a, l1_ratio=r)`` minimises
  ``1/(2n) ||Y - X W||_F^2 + a r ||W||_21 + a (1 - r)/2 ||W||_F^2`` (``W``
  its ``coef_.T``, ``X``, ``Y`` centred for the intercept): skmtl's objective
  with ``alpha = a r`` and ``l2 = a (1 - r)``, so it is called with
  ``a = alpha / r`` and the problem's ``r``. Its coordinate descent works on
  ``n * P`` (``l1_reg = a r n``, ``l2_reg = a (1 - r) n``) with the same
  stopping rule as ``MultiTaskLasso``: ``tol_sk = tol / 2``. Since scikit-learn
  puts its own ``alpha_max`` of the elastic net at that of the lasso divided
  by ``r``, a row at ``alpha = f * alpha_max`` (skmtl's) is scikit-learn's
  ``f * alpha_max`` too. The other peers do not run on the elastic net:
  celer's ``mtl_path`` and skglm's ``MultiTaskLasso`` have no ridge term, and
  SPAMS' ``regul`` list has no sum of row norms plus ridge (its
  ``elastic-net`` is entrywise); cvxpy runs there as the reference.
- celer ``mtl_path`` (the solver behind ``celer.MultiTaskLasso``): gap of
  ``P`` (same 1/(2n) scaling) at most ``tol_c * ||Y||_F^2 / n``: so
  ``tol_c = tol / 2`` on centred data. celer's ``MultiTaskLasso.fit`` calls
  ``self._validate_data``, which scikit-learn 1.6 removed: the estimator is
  tried and its failure reported; ``mtl_path`` is then called directly on
  centred ``X``, ``Y`` (intercepts ``b = mean(Y) - mean(X) W``).
- skglm ``MultiTaskLasso`` (objective ``1/(2n)||Y - XW||^2 + alpha ||W||_21``
  with an unpenalised intercept row, identical to ours): its ``tol`` is not a
  gap but the largest distance of a feature's negative gradient to the
  subdifferential of ``alpha ||W_j||`` (a KKT violation, in units of the
  gradient, absolute). We pass ``tol_skglm = tol * alpha_max``; the gap it
  actually reaches is measured and shown. skglm's ``fit`` ignores
  ``warm_start`` (its solver is not given the previous ``coef_``), so the
  path uses ``MultiTaskLasso.path``, which warm-starts (intercept included).
  skglm has no multi-task logistic datafit (only ``QuadraticMultiTask``;
  ``LogisticGroup`` is single-task), so it has no logistic row.
- SPAMS ``fistaFlat``: its square loss is ``0.5 ||Y - X W||_F^2`` (not
  divided by n), so ``lambda1 = n * alpha``; we centre ``X`` and ``Y``
  ourselves (intercepts ``b = mean(Y) - mean(X) W``; exact, since the optimal
  ``b`` for any ``W`` is that one). Its logistic loss for a matrix penalty is
  ``sum_t (1/n) sum_i log(1 + exp(-y_it x_i^T w_t))`` with ``y`` in {-1, +1}:
  a mean over samples, summed over tasks, i.e. exactly ours, so
  ``lambda1 = alpha``; the intercept is the last row of ``W`` with
  ``intercept=True`` and a column of ones appended to ``X``. ``regul="l1l2"``
  is the sum of row norms, ``"trace-norm"`` the nuclear norm. ``tol`` is a
  duality gap relative to the current objective (<= P_null), so
  ``tol_spams = tol`` is at least as strict; the gap is checked every
  ``it0 = 10`` iterations, ``ista=False`` (FISTA), at most ``max_it = 5000``
  iterations (a run that reaches it shows ``5001`` iterations in the table).
  ``linesearch_mode`` (0: monotonic backtracking, SPAMS' default; 2:
  Barzilai-Borwein steps): 2 for the squared-loss group lasso (2-3x faster
  than 0 there), 0 for the logistic group lasso (2 stalls at relative gaps of
  1e-2..1e-4 on some problems; 0 gets within ~1e-9 of the optimum in
  objective but its own gap estimate, with the intercept, stalls around
  3e-6, so it runs to ``max_it``) and 0 for the trace norm (2 diverges to an
  infinite objective there).
- cvxpy with CLARABEL (default tolerances, 1e-8): the squared-loss problems
  are written on centred data, the logistic one with an explicit intercept;
  the ridge term, where there is one, is ``l2/2 * sum_squares(W)``.
  Exact reference on the small problems only (minutes beyond them).
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, xlogy
from sklearn.exceptions import ConvergenceWarning

from skmtl import MultiTaskClassifier, MultiTaskRegressor

SKMTL_MAX_ITER = 100_000
SKLEARN_MAX_ITER = 100_000
SKGLM_MAX_ITER = 1_000  # outer (working-set) iterations; epochs: its default
SPAMS_MAX_IT = 5_000
SPAMS_IT0 = 10
CELER_MAX_ITER = 1_000

# How many BLAS/OpenMP threads the peers that take the number as a parameter
# (SPAMS, CLARABEL) may use; None leaves their defaults.
THREADS = None


@dataclass
class Problem:
    """One benchmark problem: data, penalty and loss."""

    name: str
    penalty: str  # "group_lasso" or "trace_norm"
    loss: str  # "squared" or "log_loss"
    X: np.ndarray
    Y: np.ndarray  # floats (squared) or 0/1 integers (log_loss)
    alpha_max: float
    small: bool = False
    # scikit-learn's l1_ratio: 1 for a plain penalty, < 1 for an elastic net
    # (group lasso + ridge, squared loss only).
    l1_ratio: float = 1.0
    _cache: dict = field(default_factory=dict, repr=False)

    def l2(self, alpha):
        """skmtl's ``l2`` that goes with skmtl's ``alpha`` on this problem."""
        return alpha * (1.0 - self.l1_ratio) / self.l1_ratio

    @property
    def shape(self):
        return self.X.shape[0], self.X.shape[1], self.Y.shape[1]

    def centred(self):
        """Centred ``X``, ``Y`` and the means (cached, Fortran order)."""
        if "centred" not in self._cache:
            x_mean, y_mean = self.X.mean(axis=0), self.Y.mean(axis=0)
            self._cache["centred"] = (
                np.asfortranarray(self.X - x_mean),
                np.asfortranarray(self.Y - y_mean),
                x_mean,
                y_mean,
            )
        return self._cache["centred"]


@dataclass
class Fit:
    """Coefficients (n_features, n_tasks) and intercepts (n_tasks,)."""

    W: np.ndarray
    b: np.ndarray
    n_iter: object = None


class SolverFailed(Exception):
    """A solver that raised: the message goes into the table."""


# ---------------------------------------------------------------- objectives
def penalty_value(penalty, W):
    if penalty == "group_lasso":
        return float(np.linalg.norm(W, axis=1).sum())
    if penalty == "trace_norm":
        return float(np.linalg.svd(W, compute_uv=False).sum())
    raise ValueError(penalty)


def dual_norm(penalty, G):
    if penalty == "group_lasso":
        return float(np.linalg.norm(G, axis=1).max())
    if penalty == "trace_norm":
        return float(np.linalg.norm(G, ord=2))
    raise ValueError(penalty)


def _logistic_terms(Z, Y):
    return np.logaddexp(0.0, Z) - Y * Z


def objective(problem, alpha, fit):
    """Objective of ``fit`` in skmtl's scaling, from its ``W`` and ``b`` only."""
    X, Y = problem.X, problem.Y
    n = X.shape[0]
    Z = X @ fit.W + fit.b
    if problem.loss == "squared":
        data = 0.5 * np.sum((Y - Z) ** 2) / n
    else:
        data = np.sum(_logistic_terms(Z, Y)) / n
    ridge = 0.5 * problem.l2(alpha) * np.sum(fit.W**2)
    return float(data + alpha * penalty_value(problem.penalty, fit.W) + ridge)


def null_objective(problem):
    """Objective of the null model (W = 0, optimal intercepts)."""
    if "null" not in problem._cache:
        Y = problem.Y
        if problem.loss == "squared":
            value = 0.5 * np.sum((Y - Y.mean(axis=0)) ** 2) / Y.shape[0]
        else:
            p = Y.mean(axis=0)
            value = -np.sum(xlogy(p, p) + xlogy(1 - p, 1 - p))
        problem._cache["null"] = float(value)
    return problem._cache["null"]


def relative_gap(problem, alpha, fit):
    """Duality gap at ``fit`` divided by the null objective (skmtl's ``tol``).

    The dual point is built from ``(W, b)`` alone. Squared loss: the centred
    residual ``R = Y_c - X_c W`` (intercepts optimal for ``W``), scaled by
    ``max(1, Omega^o(X_c^T R) / (n alpha))``; dual value
    ``(||Y_c||^2 - ||Y_c - R'||^2) / (2n)``. Logistic loss: ``G = sigmoid(Z) - Y``
    with each column's sum moved to zero by shrinking its entries of the
    larger-sum sign (which keeps ``Y + G`` in [0, 1]), then scaled likewise;
    dual value ``-1/n sum h(Y + G')`` with ``h(p) = p log p + (1-p) log(1-p)``.
    The primal is the objective at ``(W, b)`` itself, so a gap also charges
    suboptimal intercepts.

    With a ridge term ``l2/2 ||W||_F^2`` (elastic net, squared loss) the
    problem is the group lasso on the augmented data ``[X_c; sqrt(n l2) I]``,
    ``[Y_c; 0]`` (same 1/(2n) scaling), whose residual is
    ``[R; -sqrt(n l2) W]``: the dual point is that residual, scaled by
    ``max(1, Omega^o(X_c^T R - n l2 W) / (n alpha))``, and the dual value
    ``(||Y_c||^2 - ||Y_c - R / s||^2 - n l2 ||W||^2 / s^2) / (2n)``. The null
    objective is the same (``W = 0``), so the relative gap is comparable.
    """
    X, Y = problem.X, problem.Y
    n = X.shape[0]
    l2 = problem.l2(alpha)
    primal = objective(problem, alpha, fit)
    if problem.loss == "squared":
        Xc, Yc, _, _ = problem.centred()
        R = Yc - Xc @ fit.W
        G = Xc.T @ R - n * l2 * fit.W
        scale = max(1.0, dual_norm(problem.penalty, G) / (n * alpha))
        ridge = n * l2 * np.sum(fit.W**2) / scale**2
        R /= scale
        dual = 0.5 * (np.sum(Yc**2) - np.sum((Yc - R) ** 2) - ridge) / n
    elif l2:
        raise NotImplementedError("no gap for the logistic loss with a ridge term")
    else:
        G = expit(X @ fit.W + fit.b) - Y
        for t in range(G.shape[1]):
            column = G[:, t]
            total = column.sum()
            side = column > 0 if total > 0 else column < 0
            mass = column[side].sum()
            if mass != 0:
                column[side] *= 1.0 - total / mass
        scale = max(1.0, dual_norm(problem.penalty, X.T @ G) / (n * alpha))
        P = Y + G / scale
        dual = -np.sum(xlogy(P, P) + xlogy(1 - P, 1 - P)) / n
    return float((primal - dual) / null_objective(problem))


# ------------------------------------------------------------------- skmtl
def _skmtl_estimator(problem, alpha, tol, **kwargs):
    cls = MultiTaskRegressor if problem.loss == "squared" else MultiTaskClassifier
    return cls(
        penalty=problem.penalty,
        alpha=alpha,
        l2=problem.l2(alpha),
        tol=tol,
        max_iter=SKMTL_MAX_ITER,
        **kwargs,
    )


def _no_path_with_ridge(problem):
    # A path at a fixed l1_ratio moves l2 with alpha; skmtl's path keeps the
    # estimator's l2 fixed, so the two would not solve the same problems.
    if problem.l1_ratio != 1:
        raise ValueError("no path rows for an elastic net (l1_ratio < 1)")


def skmtl_fit(problem, alpha, tol):
    model = _skmtl_estimator(problem, alpha, tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(problem.X, problem.Y)
    return Fit(model.coef_.T.copy(), model.intercept_.copy(), model.n_iter_)


def skmtl_path(problem, alphas, tol):
    """``skmtl.regularization_path``: data laid out once, warm starts."""
    from skmtl import regularization_path

    _no_path_with_ridge(problem)
    model = _skmtl_estimator(problem, alphas[0], tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, coefs, intercepts, _, n_iters = regularization_path(
            problem.X, problem.Y, estimator=model, alphas=alphas
        )
    return [
        Fit(coef.T.copy(), intercept.copy(), int(n_iter))
        for coef, intercept, n_iter in zip(coefs, intercepts, n_iters, strict=True)
    ]


# ------------------------------------------------------------ scikit-learn
def sklearn_fit(problem, alpha, tol):
    """``MultiTaskLasso``, or ``MultiTaskElasticNet`` when ``l1_ratio < 1``."""
    from sklearn.linear_model import MultiTaskElasticNet, MultiTaskLasso

    if problem.l1_ratio == 1:
        model = MultiTaskLasso(alpha=alpha, tol=tol / 2, max_iter=SKLEARN_MAX_ITER)
    else:
        model = MultiTaskElasticNet(
            alpha=alpha / problem.l1_ratio,
            l1_ratio=problem.l1_ratio,
            tol=tol / 2,
            max_iter=SKLEARN_MAX_ITER,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(problem.X, problem.Y)
    return Fit(model.coef_.T.copy(), model.intercept_.copy(), model.n_iter_)


def sklearn_path(problem, alphas, tol):
    """``lasso_path`` (``enet_path`` with ``l1_ratio=1``) on centred data.

    Not ``MultiTaskLasso.path``: that is ``enet_path`` itself, whose default
    ``l1_ratio=0.5`` silently solves an elastic net.
    """
    from sklearn.linear_model import lasso_path

    _no_path_with_ridge(problem)
    Xc, Yc, x_mean, y_mean = problem.centred()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, coefs, _ = lasso_path(
            Xc, Yc, alphas=alphas, tol=tol / 2, max_iter=SKLEARN_MAX_ITER
        )
    # coefs: (n_tasks, n_features, n_alphas)
    return [_from_centred(coefs[:, :, k].T, x_mean, y_mean) for k in range(len(alphas))]


def _from_centred(W, x_mean, y_mean):
    W = np.ascontiguousarray(W)
    return Fit(W, y_mean - x_mean @ W)


# ------------------------------------------------------------------- skglm
def skglm_fit(problem, alpha, tol):
    from skglm import MultiTaskLasso

    model = MultiTaskLasso(
        alpha=alpha, tol=tol * problem.alpha_max, max_iter=SKGLM_MAX_ITER
    )
    model.fit(problem.X, problem.Y)
    return Fit(model.coef_.T.copy(), np.asarray(model.intercept_).copy(), model.n_iter_)


def skglm_path(problem, alphas, tol):
    from skglm import MultiTaskLasso

    model = MultiTaskLasso(tol=tol * problem.alpha_max, max_iter=SKGLM_MAX_ITER)
    _, coefs, _ = model.path(problem.X, problem.Y, alphas)
    # coefs: (n_tasks, n_features + 1, n_alphas), the intercept last.
    return [
        Fit(np.ascontiguousarray(coefs[:, :-1, k].T), coefs[:, -1, k].copy())
        for k in range(len(alphas))
    ]


# ------------------------------------------------------------------- SPAMS
_SPAMS_REGUL = {"group_lasso": "l1l2", "trace_norm": "trace-norm"}
# linesearch_mode by (penalty, loss): see the module docstring.
_SPAMS_LINESEARCH = {
    ("group_lasso", "squared"): 2,
    ("group_lasso", "log_loss"): 0,
    ("trace_norm", "squared"): 0,
}


def _spams_call(problem, alpha, tol, W0):
    import spams

    n = problem.X.shape[0]
    options = dict(
        regul=_SPAMS_REGUL[problem.penalty],
        tol=tol,
        max_it=SPAMS_MAX_IT,
        it0=SPAMS_IT0,
        ista=False,
        linesearch_mode=_SPAMS_LINESEARCH[problem.penalty, problem.loss],
        numThreads=-1 if THREADS is None else THREADS,
        return_optim_info=True,
    )
    if problem.loss == "squared":
        Xc, Yc, x_mean, y_mean = problem.centred()
        W, info = spams.fistaFlat(
            Yc, Xc, W0, loss="square", lambda1=n * alpha, intercept=False, **options
        )
        fit = _from_centred(W, x_mean, y_mean)
    else:
        X1, Ypm = _spams_logistic_data(problem)
        W, info = spams.fistaFlat(
            Ypm, X1, W0, loss="logistic", lambda1=alpha, intercept=True, **options
        )
        fit = Fit(np.ascontiguousarray(W[:-1]), W[-1].copy())
    fit.n_iter = int(np.ravel(info)[3])
    return fit, W


def _spams_logistic_data(problem):
    if "spams_logistic" not in problem._cache:
        n = problem.X.shape[0]
        X1 = np.asfortranarray(np.hstack([problem.X, np.ones((n, 1))]))
        Ypm = np.asfortranarray(2.0 * problem.Y - 1.0)
        problem._cache["spams_logistic"] = X1, Ypm
    return problem._cache["spams_logistic"]


def _spams_w0(problem):
    rows = problem.X.shape[1] + (problem.loss != "squared")
    return np.zeros((rows, problem.Y.shape[1]), order="F")


def spams_fit(problem, alpha, tol):
    return _spams_call(problem, alpha, tol, _spams_w0(problem))[0]


def spams_path(problem, alphas, tol):
    """Loop over ``alphas``, each solve started from the previous ``W``."""
    W = _spams_w0(problem)
    fits = []
    for alpha in alphas:
        fit, W = _spams_call(problem, alpha, tol, W)
        fits.append(fit)
    return fits


# ------------------------------------------------------------------- celer
def celer_fit(problem, alpha, tol):
    """celer's scikit-learn estimator (fails on scikit-learn >= 1.6)."""
    from celer import MultiTaskLasso

    try:
        model = MultiTaskLasso(alpha=alpha, tol=tol / 2).fit(problem.X, problem.Y)
    except Exception as exc:  # noqa: BLE001 -- reported in the table
        raise SolverFailed(f"{type(exc).__name__}: {exc}") from exc
    return Fit(model.coef_.T.copy(), model.intercept_.copy())


def celer_path(problem, alphas, tol):
    """The estimator in a warm-started loop (fails like :func:`celer_fit`)."""
    return [celer_fit(problem, alpha, tol) for alpha in alphas]


def celer_mtl_fit(problem, alpha, tol):
    return celer_mtl_path(problem, np.array([alpha]), tol)[0]


def celer_mtl_path(problem, alphas, tol):
    """``celer.homotopy.mtl_path`` called directly, on centred data."""
    from celer.homotopy import mtl_path

    Xc, Yc, x_mean, y_mean = problem.centred()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, coefs, _ = mtl_path(
            Xc, Yc, alphas=np.asarray(alphas), tol=tol / 2, max_iter=CELER_MAX_ITER
        )
    # coefs: (n_tasks, n_features, n_alphas), alphas sorted decreasingly.
    return [_from_centred(coefs[:, :, k].T, x_mean, y_mean) for k in range(len(alphas))]


# ------------------------------------------------------------------- cvxpy
def cvxpy_fit(problem, alpha, tol):
    """Interior point (CLARABEL, default 1e-8 tolerances); ``tol`` unused."""
    import cvxpy as cp

    n, d, T = problem.shape
    W = cp.Variable((d, T))
    if problem.penalty == "group_lasso":
        penalty = cp.sum(cp.norm(W, 2, axis=1))
    else:
        penalty = cp.normNuc(W)
    if problem.loss == "squared":
        Xc, Yc, x_mean, y_mean = problem.centred()
        data = cp.sum_squares(Yc - Xc @ W) / (2 * n)
        b = None
    else:
        b = cp.Variable(T)
        Z = problem.X @ W + np.ones((n, 1)) @ cp.reshape(b, (1, T), order="C")
        data = (cp.sum(cp.logistic(Z)) - cp.sum(cp.multiply(problem.Y, Z))) / n
    cost = data + alpha * penalty
    if problem.l1_ratio != 1:
        cost = cost + 0.5 * problem.l2(alpha) * cp.sum_squares(W)
    options = {} if THREADS is None else {"max_threads": THREADS}
    cp.Problem(cp.Minimize(cost)).solve(solver="CLARABEL", **options)
    if W.value is None:
        raise SolverFailed("CLARABEL returned no solution")
    if b is None:
        return _from_centred(W.value, x_mean, y_mean)
    return Fit(np.ascontiguousarray(W.value), np.asarray(b.value).copy())


def cvxpy_path(problem, alphas, tol):
    return [cvxpy_fit(problem, alpha, tol) for alpha in alphas]


# ---------------------------------------------------------------- registry
def _squared_group_lasso(problem):
    """Squared-loss group lasso, with or without a ridge term."""
    return problem.penalty == "group_lasso" and problem.loss == "squared"


def _plain_group_lasso(problem):
    """Squared-loss group lasso without a ridge term."""
    return _squared_group_lasso(problem) and problem.l1_ratio == 1


#: name -> (single-alpha function, path function, problems it applies to)
SOLVERS = {
    "skmtl": (skmtl_fit, skmtl_path, lambda p: True),
    "sklearn": (sklearn_fit, sklearn_path, _squared_group_lasso),
    "skglm": (skglm_fit, skglm_path, _plain_group_lasso),
    "spams": (spams_fit, spams_path, lambda p: p.l1_ratio == 1),
    "celer": (celer_fit, celer_path, _plain_group_lasso),
    "celer-mtl_path": (celer_mtl_fit, celer_mtl_path, _plain_group_lasso),
    "cvxpy": (cvxpy_fit, cvxpy_path, lambda p: p.small),
}


def timed(function, repeats, budget=10.0):
    """Median wall time over up to ``repeats`` calls.

    No further call once the calls so far took more than ``budget`` seconds
    in all: a call of more than 10 s runs once, one of 5-10 s twice.
    Returns ``(seconds, result of the last call)``.
    """
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        if sum(times) > budget:
            break
    return float(np.median(times)), result
