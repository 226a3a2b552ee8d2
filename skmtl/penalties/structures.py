"""The structures of the literature as penalty classes.

Public in :mod:`skmtl.structures`, whose docstring gives their objectives.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans

from . import smooth_terms as _smooth
from .fused import FusedSparseGroupLasso
from .norms import (
    PENALTIES,
    GroupLasso,
    Lasso,
    Penalty,
    TaskGroupLasso,
    TraceNorm,
)
from .temporal import TemporalGroupLasso


def _positive_real(owner, name, value, *, auto=False):
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_real or not np.isfinite(value) or value <= 0:
        options = " or 'auto'" if auto else ""
        raise ValueError(
            f"{type(owner).__name__}: {name} must be a positive finite "
            f"number{options}, got {value!r}."
        )
    return float(value)


class _TwoParts(Penalty):
    """A model ``W = A + B`` with norms of relative weights 1 and ``weight``.

    Subclasses give the part names, the two norms (``_norms``), and the range
    of relative weights in which both parts can be non-zero
    (``_weight_range``): outside it one part is always zero. ``"auto"`` is the
    geometric middle of that range.
    """

    _part_names = ("P", "Q")
    _weight_name = None  # the constructor parameter holding the weight
    _weighted_part = 1  # index of the part the weight applies to

    def _norms(self):
        raise NotImplementedError

    def _weight_range(self, context):
        raise NotImplementedError

    def resolved_weight(self, context):
        """The relative weight, with ``"auto"`` resolved for the data's shape.

        Parameters
        ----------
        context : TaskContext
            Sizes of the coefficient matrix.

        Returns
        -------
        weight : float
            The weight :math:`\\rho`.
        """
        weight = getattr(self, self._weight_name)
        if isinstance(weight, str) and weight == "auto":
            low, high = self._weight_range(context)
            return float(np.sqrt(low * high))
        return _positive_real(self, self._weight_name, weight, auto=True)

    def _components(self, context):
        weights = [1.0, 1.0]
        weights[self._weighted_part] = self.resolved_weight(context)
        return [
            (name, norm._bind(context), weight)
            for name, norm, weight in zip(
                self._part_names, self._norms(), weights, strict=True
            )
        ]


class _OutlierTasks:
    """Reports the tasks whose outlier part (the last part) is not zero."""

    def _fitted_attributes(self, coef, parts, context):
        outlier_part = parts[self._part_names[-1]]
        norms = np.bincount(
            context.column_task, weights=np.sum(outlier_part**2, axis=0)
        )
        return {"outlier_tasks_": context.tasks[norms > 0]}


class Dirty(_TwoParts):
    """Dirty model: shared features plus task-specific exceptions.

    ``W = P + Q`` with a group lasso on the rows of ``P`` (features used by
    all tasks) and a lasso on ``Q`` (a feature used by one task only),
    Jalali, Ravikumar, Sanghavi & Ruan (2010):

    .. math::

        \\alpha \\Big(\\sum_j \\|P_{j,:}\\|_2 + \\rho \\sum_{j,t} |Q_{jt}|\\Big).

    Use it when the tasks share most of their support but each may also use a
    few features of its own; plain group lasso would then either miss those
    features or switch them on for every task. Both parts can be non-zero only
    for :math:`1/\\sqrt{T} < \\rho < 1` (``T`` columns of ``W``): above, ``Q``
    is zero (group lasso); below, ``P`` is zero (lasso).
    :math:`\\alpha_{\\max} = \\max(\\max_j \\|G_{j,:}\\|_2, \\max_{jt} |G_{jt}| /
    \\rho)` with ``G`` the gradient of the data term at the null model.

    Parameters
    ----------
    lasso_weight : float or "auto", default="auto"
        :math:`\\rho > 0`. ``"auto"`` is :math:`T^{-1/4}`, the geometric middle
        of the range where both parts are used.

    Notes
    -----
    The fitted estimator has ``P_`` and ``Q_`` (same shape as ``coef_``, and
    ``coef_ = P_ + Q_``).

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.structures import Dirty
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 12, 4, n_informative=3, random_state=0)
    >>> model = MultiTaskRegressor(penalty=Dirty(lasso_weight=0.7), alpha=0.05)
    >>> model = model.fit(X, Y)
    >>> bool(np.allclose(model.coef_, model.P_ + model.Q_))
    True
    """

    _weight_name = "lasso_weight"

    def __init__(self, lasso_weight="auto"):
        self.lasso_weight = lasso_weight

    def _norms(self):
        return GroupLasso(), Lasso()

    def _weight_range(self, context):
        return 1.0 / np.sqrt(context.n_columns), 1.0


class RobustTraceNorm(_OutlierTasks, _TwoParts):
    """Robust multi-task learning: a low-rank structure plus outlier tasks.

    ``W = L + S`` with a trace norm on ``L`` (the tasks share a
    low-dimensional representation) and a group lasso on the columns of ``S``
    (a few tasks do not), Chen, Zhou & Ye (2011):

    .. math::

        \\alpha \\Big(\\|L\\|_* + \\rho \\sum_t \\|S_{:,t}\\|_2\\Big).

    Use it when most tasks are alike but some are not: plain trace norm would
    bend the shared subspace towards the outliers. Both parts can be non-zero
    only for :math:`1/\\sqrt{T} < \\rho < \\sqrt{K}`, with ``T`` tasks and
    ``K`` the largest number of columns of a task (1 for regression and binary
    tasks, the number of classes of a multi-class task). :math:`\\alpha_{\\max}
    = \\max(\\|G\\|_2, \\max_t \\|G_{:,t}\\|_2 / \\rho)`.

    Parameters
    ----------
    outlier_weight : float or "auto", default="auto"
        :math:`\\rho > 0`: the larger, the fewer outlier tasks. ``"auto"`` is
        :math:`T^{-1/4} K^{1/4}`, the geometric middle of that range.

    Notes
    -----
    The fitted estimator has ``L_`` and ``S_`` (same shape as ``coef_``,
    ``coef_ = L_ + S_``) and ``outlier_tasks_``, the labels of the tasks whose
    column of ``S`` is not zero. A multi-class task's columns form one group.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.structures import RobustTraceNorm
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 5, rank=1, random_state=0)
    >>> model = MultiTaskRegressor(penalty=RobustTraceNorm(), alpha=0.1).fit(X, Y)
    >>> model.L_.shape, model.S_.shape
    ((5, 8), (5, 8))
    """

    _part_names = ("L", "S")
    _weight_name = "outlier_weight"

    def __init__(self, outlier_weight="auto"):
        self.outlier_weight = outlier_weight

    def _norms(self):
        return TraceNorm(), TaskGroupLasso()

    def _weight_range(self, context):
        widest = np.bincount(context.column_task).max()
        return 1.0 / np.sqrt(context.n_tasks), float(np.sqrt(widest))


class RobustGroupLasso(_OutlierTasks, _TwoParts):
    """Robust multi-task feature learning: shared features plus outlier tasks.

    ``W = P + Q`` with a group lasso on the rows of ``P`` (features shared by
    the tasks) and a group lasso on the columns of ``Q`` (tasks that do not
    follow the shared support), Gong, Ye & Zhang (2012):

    .. math::

        \\alpha \\Big(\\sum_j \\|P_{j,:}\\|_2 + \\rho \\sum_t \\|Q_{:,t}\\|_2\\Big).

    Use it for feature selection when a few tasks may be unrelated to the
    others. Both parts can be non-zero only for :math:`1/\\sqrt{T} < \\rho <
    \\sqrt{d}`. :math:`\\alpha_{\\max} = \\max(\\max_j \\|G_{j,:}\\|_2,
    \\max_t \\|G_{:,t}\\|_2 / \\rho)`.

    Parameters
    ----------
    outlier_weight : float or "auto", default="auto"
        :math:`\\rho > 0`: the larger, the fewer outlier tasks. ``"auto"`` is
        :math:`(d / T)^{1/4}`.

    Notes
    -----
    The fitted estimator has ``P_`` and ``Q_`` (``coef_ = P_ + Q_``) and
    ``outlier_tasks_``, the labels of the tasks whose column of ``Q`` is not
    zero.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.structures import RobustGroupLasso
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 5, n_informative=2, random_state=0)
    >>> model = MultiTaskRegressor(penalty=RobustGroupLasso(), alpha=0.1).fit(X, Y)
    >>> model.Q_.shape
    (5, 8)
    """

    _weight_name = "outlier_weight"

    def __init__(self, outlier_weight="auto"):
        self.outlier_weight = outlier_weight

    def _norms(self):
        return GroupLasso(), TaskGroupLasso()

    def _weight_range(self, context):
        return 1.0 / np.sqrt(context.n_tasks), np.sqrt(context.n_features)


class SparseLowRank(_TwoParts):
    """Sparse plus low-rank: a shared low-rank structure and sparse deviations.

    ``W = P + Q`` with a lasso on ``P`` and a trace norm on ``Q``, Chen, Liu &
    Ye (2010):

    .. math::

        \\alpha \\Big(\\rho \\sum_{j,t} |P_{jt}| + \\|Q\\|_*\\Big).

    Use it when the tasks share a low-dimensional representation up to a few
    individual coefficients. Both parts can be non-zero only for
    :math:`1/\\sqrt{d T} < \\rho < 1`. :math:`\\alpha_{\\max} =
    \\max(\\|G\\|_2, \\max_{jt} |G_{jt}| / \\rho)`.

    Parameters
    ----------
    lasso_weight : float or "auto", default="auto"
        :math:`\\rho > 0`. ``"auto"`` is :math:`(d T)^{-1/4}`.

    Notes
    -----
    The fitted estimator has ``P_`` (sparse) and ``Q_`` (low rank), with
    ``coef_ = P_ + Q_``.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.structures import SparseLowRank
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 5, rank=1, random_state=0)
    >>> model = MultiTaskRegressor(penalty=SparseLowRank(), alpha=0.1).fit(X, Y)
    >>> bool(np.allclose(model.coef_, model.P_ + model.Q_))
    True
    """

    _weight_name = "lasso_weight"
    _weighted_part = 0

    def __init__(self, lasso_weight="auto"):
        self.lasso_weight = lasso_weight

    def _norms(self):
        return Lasso(), TraceNorm()

    def _weight_range(self, context):
        return 1.0 / np.sqrt(context.n_features * context.n_columns), 1.0


def _task_graph_laplacian(graph, context):
    """The Laplacian of ``graph`` over the tasks, with checks on the input."""
    n_tasks = context.n_tasks
    if graph is None:  # complete graph, weights 1/T: sum_t ||w_t - mean||^2
        return np.eye(n_tasks) - np.full((n_tasks, n_tasks), 1.0 / n_tasks)
    if isinstance(graph, (list, tuple)):
        adjacency = _adjacency_from_edges(graph, context.tasks)
    else:
        if hasattr(graph, "index") and hasattr(graph, "columns"):  # DataFrame
            graph = _adjacency_frame_in_task_order(graph, context.tasks)
        adjacency = graph.toarray() if sp.issparse(graph) else np.asarray(graph)
        if adjacency.dtype.kind not in "biuf":
            raise ValueError(
                f"TaskGraph: the adjacency matrix must be numeric, got dtype "
                f"{adjacency.dtype}. Pass an edge list as a list of tuples."
            )
        adjacency = adjacency.astype(np.float64)
        if adjacency.shape != (n_tasks, n_tasks):
            raise ValueError(
                f"TaskGraph: the adjacency matrix must have shape ({n_tasks}, "
                f"{n_tasks}), one row and column per task in the order of tasks_, "
                f"got shape {adjacency.shape}."
            )
        if not np.all(np.isfinite(adjacency)) or np.any(adjacency < 0):
            raise ValueError(
                "TaskGraph: the adjacency matrix must hold finite, non-negative "
                "edge weights."
            )
        if not np.allclose(adjacency, adjacency.T, rtol=0, atol=0):
            raise ValueError(
                "TaskGraph: the adjacency matrix must be symmetric (an edge "
                "(s, t) is the same as (t, s)); pass A + A.T if each edge is "
                "listed once."
            )
    adjacency = adjacency.copy()
    np.fill_diagonal(adjacency, 0.0)  # a loop ||w_s - w_s||^2 adds nothing
    return np.diag(adjacency.sum(axis=1)) - adjacency


def _adjacency_frame_in_task_order(frame, tasks):
    labels = tasks.tolist()
    if set(frame.index) != set(labels) or set(frame.columns) != set(labels):
        raise ValueError(
            "TaskGraph: a DataFrame adjacency matrix must have the task labels "
            f"as its index and columns; the tasks are {labels[:10]}."
        )
    return frame.loc[labels, labels].to_numpy()


def _adjacency_from_edges(edges, tasks):
    labels = tasks.tolist()
    position = {label: index for index, label in enumerate(labels)}
    adjacency = np.zeros((len(labels), len(labels)))
    for edge in edges:
        if not isinstance(edge, (list, tuple)) or len(edge) not in (2, 3):
            raise ValueError(
                "TaskGraph: each edge must be a tuple (s, t) or (s, t, weight) of "
                f"task labels, got {edge!r}."
            )
        source, target = edge[0], edge[1]
        weight = edge[2] if len(edge) == 3 else 1.0
        is_real = isinstance(weight, numbers.Real) and not isinstance(weight, bool)
        weight = float(weight) if is_real else np.nan
        for label in (source, target):
            if label not in position:
                raise ValueError(
                    f"TaskGraph: the edge {edge!r} names the task {label!r}, which "
                    f"is not among the fitted tasks {labels[:10]}."
                )
        if source == target:
            raise ValueError(f"TaskGraph: the edge {edge!r} joins a task to itself.")
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(
                f"TaskGraph: the edge {edge!r} has a weight that is not a finite, "
                "non-negative number."
            )
        s, t = position[source], position[target]
        if adjacency[s, t] != 0:
            raise ValueError(f"TaskGraph: the edge {edge!r} is listed twice.")
        adjacency[s, t] = adjacency[t, s] = weight
    return adjacency


class TaskGraph(Penalty):
    """Task-graph regularisation: related tasks have similar coefficients.

    Adds to the penalty ``base`` (strength ``alpha``) a smooth term that pulls
    the coefficient vectors of neighbouring tasks together (Evgeniou & Pontil
    2004; SRMTL in MALSAR):

    .. math::

        \\alpha \\, \\Omega_{\\text{base}}(W) + \\beta \\sum_{s < t} a_{st}
        \\|W_{:,s} - W_{:,t}\\|_2^2
        = \\alpha \\, \\Omega_{\\text{base}}(W)
        + \\beta \\operatorname{tr}(W L W^\\top),

    with :math:`L` the Laplacian of the graph's adjacency matrix :math:`A`.
    Without a graph, every pair of tasks is joined with weight :math:`1/T`,
    so the term is :math:`\\beta \\sum_t \\|W_{:,t} - \\bar w\\|_2^2`: each task
    is pulled towards the mean task (mean-regularised multi-task learning).

    Use it when you know which tasks are related (neighbouring regions, time
    points, a hierarchy) or that all tasks are variations of one model. With
    ``base="lasso"`` (the default) this is SRMTL; ``base="ridge"`` gives the
    model of Evgeniou & Pontil; ``alpha=0`` keeps only the graph term.
    ``alpha_max`` is that of ``base`` (the graph term has a zero gradient at
    zero).

    Parameters
    ----------
    graph : ndarray, sparse matrix, DataFrame or list of tuples, default=None
        The task graph: a symmetric, non-negative adjacency matrix of shape
        (n_tasks, n_tasks) in the order of the fitted ``tasks_`` (a DataFrame
        is matched by its index and column labels), or a list of edges
        ``(s, t)`` or ``(s, t, weight)`` between task labels. None: the
        complete graph with weights :math:`1/T`.
    strength : float, default=1.0
        :math:`\\beta \\ge 0`, on the scale of the data term. ``np.inf``
        (without a graph) ties the tasks: every task has the same coefficient
        vector :math:`w` (:math:`W = w 1^\\top`), and the penalty is
        :math:`\\alpha \\, \\Omega_{\\text{base}}(w)` (plus ``l2``'s term on
        :math:`w`): one model pooled over the tasks, e.g. with
        ``base="ridge"`` and the estimators' ``intercept_shrinkage``, the
        random-intercept model.
    base : str or Penalty, default="lasso"
        The penalty multiplied by ``alpha``.

    Notes
    -----
    Each task must have one coefficient column (regression, or binary
    classification tasks).

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.structures import TaskGraph
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 3, random_state=0)
    >>> chain = [(0, 1), (1, 2)]
    >>> model = MultiTaskRegressor(penalty=TaskGraph(chain, strength=0.5), alpha=0.01)
    >>> model.fit(X, Y).coef_.shape
    (3, 8)
    """

    adds_smooth_terms = True

    def __init__(self, graph=None, strength=1.0, base="lasso"):
        self.graph = graph
        self.strength = strength
        self.base = base

    def _base_penalty(self):
        base = make_penalty(self.base)
        if base.adds_smooth_terms:
            raise ValueError(
                f"TaskGraph: base must be a penalty with no smooth term, got {base!r}."
            )
        return base

    def _checked_strength(self):
        strength = self.strength
        is_real = isinstance(strength, numbers.Real) and not isinstance(strength, bool)
        if not is_real or np.isnan(strength) or strength < 0:
            raise ValueError(
                f"TaskGraph: strength must be a number >= 0 (np.inf ties the "
                f"tasks), got {strength!r}."
            )
        if np.isinf(strength) and self.graph is not None:
            raise ValueError(
                "TaskGraph: strength=inf ties the tasks, which is defined for the "
                "complete graph only (graph=None: one coefficient vector for "
                "every task); pass a finite strength with a graph."
            )
        return float(strength)

    def _pools_tasks(self):
        return np.isinf(self._checked_strength())

    def _components(self, context):
        return self._base_penalty()._components(context)

    def _smooth_terms(self, alpha, context):
        strength = self._checked_strength()
        if np.isinf(strength):  # the tasks share one column: nothing to pull
            return []
        context.require_one_column_per_task("TaskGraph")
        if self.graph is None:  # the complete graph: a distance to the mean task
            return [_smooth.TaskMeanDistance(strength, context.n_tasks)]
        laplacian = _task_graph_laplacian(self.graph, context)
        return [_smooth.GraphLaplacian(strength, laplacian)]

    def _fitted_attributes(self, coef, parts, context):
        return self._base_penalty()._fitted_attributes(coef, parts, context)


class Clustered(Penalty):
    """Clustered multi-task learning, convex relaxation (Zhou, Chen & Ye 2011).

    The tasks fall into ``k`` clusters whose members have similar
    coefficients. The smooth penalty

    .. math::

        \\alpha \\, \\eta (1 + \\eta) \\min_{M} \\operatorname{tr}\\big(W
        (\\eta I + M)^{-1} W^\\top\\big) \\quad \\text{s.t.} \\quad
        \\operatorname{tr} M = k, \\; 0 \\preceq M \\preceq I,

    is the convex relaxation of k-means on the tasks' coefficient vectors
    (equivalent to alternating structure optimisation). When ``M`` is a
    cluster matrix (:math:`M_{st} = 1/|C|` for tasks ``s``, ``t`` of the same
    cluster ``C``), it equals :math:`\\alpha \\eta \\sum_C |C| \\|\\bar w_C\\|^2
    + \\alpha (1 + \\eta) \\sum_t \\|w_t - \\bar w_{C(t)}\\|^2`: ``alpha`` pulls
    each task towards its cluster's centre and ``alpha * eta`` shrinks the
    centres.

    Use it when the tasks form groups that you do not know in advance. The
    penalty is smooth and never sets coefficients to zero, so it has no
    ``alpha_max``; its scale is that of a ridge penalty of strength between
    :math:`2 \\alpha \\eta` and :math:`2 \\alpha (1 + \\eta)`.

    Parameters
    ----------
    n_clusters : int, default=2
        ``k``, between 1 and the number of tasks.
    eta : float, default=1.0
        Positive ratio of the shrinkage of the cluster centres to ``alpha``.

    Notes
    -----
    The fitted estimator has ``task_similarity_``, the optimal ``M``
    (n_tasks, n_tasks), and ``task_clusters_``, a cluster label per task from
    k-means on the leading ``k`` eigenvectors of ``M``. Each task must have
    one coefficient column.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.structures import Clustered
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 4, random_state=0)
    >>> model = MultiTaskRegressor(penalty=Clustered(n_clusters=2), alpha=0.1)
    >>> model.fit(X, Y).task_similarity_.shape
    (4, 4)
    """

    adds_smooth_terms = True

    def __init__(self, n_clusters=2, eta=1.0):
        self.n_clusters = n_clusters
        self.eta = eta

    def _checked(self, context):
        context.require_one_column_per_task("Clustered")
        k = self.n_clusters
        if (
            not isinstance(k, numbers.Integral)
            or isinstance(k, bool)
            or not 1 <= k <= context.n_tasks
        ):
            raise ValueError(
                f"Clustered: n_clusters must be an integer between 1 and the "
                f"number of tasks ({context.n_tasks}), got {k!r}."
            )
        return int(k), _positive_real(self, "eta", self.eta)

    def _components(self, context):
        self._checked(context)
        return []  # smooth only

    def _smooth_terms(self, alpha, context):
        n_clusters, eta = self._checked(context)
        return [_smooth.ClusterTerm(alpha, eta, n_clusters)]

    def _fitted_attributes(self, coef, parts, context):
        n_clusters, eta = self._checked(context)
        term = _smooth.ClusterTerm(1.0, eta, n_clusters)
        similarity = term.similarity(coef)
        if n_clusters == 1:
            labels = np.zeros(context.n_tasks, dtype=int)
        else:
            _, vectors = np.linalg.eigh(similarity)
            embedding = vectors[:, -n_clusters:]
            kmeans = KMeans(n_clusters, n_init=10, random_state=0).fit(embedding)
            labels = kmeans.labels_
        return {"task_similarity_": similarity, "task_clusters_": labels}


class CASO(Penalty):
    """Convex alternating structure optimisation (cASO; Chen, Tang, Liu & Ye 2009).

    The tasks' coefficient vectors lie close to a shared ``h``-dimensional
    subspace of the features. The smooth penalty

    .. math::

        \\alpha \\, \\eta (1 + \\eta) \\min_{M} \\operatorname{tr}\\big(W^\\top
        (\\eta I + M)^{-1} W\\big) \\quad \\text{s.t.} \\quad
        \\operatorname{tr} M = h, \\; 0 \\preceq M \\preceq I,

    over symmetric (n_features, n_features) matrices ``M``, is the convex
    relaxation of alternating structure optimisation: when ``M`` is the
    projection :math:`\\Theta^\\top \\Theta` on an ``h``-dimensional
    subspace (:math:`\\Theta` of shape (h, n_features) with orthonormal rows),
    it equals :math:`\\alpha \\eta \\|\\Theta W\\|_F^2 + \\alpha (1 + \\eta)
    \\|W - \\Theta^\\top \\Theta W\\|_F^2`: ``alpha`` pulls every task towards
    the subspace and ``alpha * eta`` shrinks the part of the tasks inside it.

    Use it when each task is a part in a few shared directions of the
    features plus a part of its own (the model of alternating structure
    optimisation). The term never sets a coefficient or a singular value to
    zero: with a clear gap after the ``h``-th singular value of ``W`` it acts
    like a ridge of strength :math:`2 \\alpha \\eta` inside the subspace and
    one of up to :math:`2 \\alpha (1 + \\eta)` outside; without one, the
    optimal ``M`` spreads over more directions and, where none of its weights
    is 0 or 1, the term is :math:`\\alpha \\eta (1 + \\eta) \\|W\\|_*^2 / (h +
    r \\eta)` (``r`` the rank of ``W``), a squared trace norm. On tasks exactly
    in a subspace the trace norm, which zeroes the other directions, does as
    well or better. The penalty is smooth, so it has no ``alpha_max``.

    Parameters
    ----------
    n_components : int, default=2
        ``h``, the dimension of the shared subspace: between 1 and the number
        of features. From the number of columns of ``W`` on, every direction of
        ``W`` fits in the subspace and the penalty is the ridge term
        :math:`\\alpha \\eta \\|W\\|_F^2`.
    eta : float, default=1.0
        Positive ratio of the shrinkage inside the subspace to ``alpha``
        (MALSAR's ``rho2 / rho1``).

    Notes
    -----
    The minimum over ``M`` depends on ``W`` only through its non-zero
    singular values, :math:`\\sum_i \\sigma_i^2 / (\\eta + m_i)` with the
    capped water-filling weights ``m`` of
    :func:`~skmtl.penalties.smooth_terms.cluster_weights`, so it costs a thin
    SVD of ``W`` per evaluation; no (n_features, n_features) matrix is formed.
    It is therefore the term of :class:`Clustered` with ``n_clusters = h``
    (Zhou, Chen & Ye 2011 prove the two relaxations equivalent); the two
    classes differ in the room for ``h`` (here up to the number of features),
    in what they report, and in that this one takes multi-class tasks (their
    class columns share the subspace too).

    The fitted estimator has ``feature_subspace_``, of shape (h,
    n_features): orthonormal rows spanning the learned subspace, the leading
    eigenvectors of the optimal ``M`` (the leading left singular vectors of
    ``coef_.T``), and ``feature_subspace_weights_``, the eigenvalues of ``M``
    along those rows (in [0, 1]; all close to 1 when ``W`` is close to rank
    ``h``). Where ``W`` has rank below ``h`` the optimal ``M`` is not unique
    and the rows beyond the rank are an arbitrary orthonormal completion.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.structures import CASO
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 4, structure="low_rank",
    ...                                     rank=2, random_state=0)
    >>> model = MultiTaskRegressor(penalty=CASO(n_components=2), alpha=0.1)
    >>> model.fit(X, Y).feature_subspace_.shape
    (2, 8)
    """

    adds_smooth_terms = True
    shared_structure = "subspace"

    def __init__(self, n_components=2, eta=1.0):
        self.n_components = n_components
        self.eta = eta

    def _checked(self, context):
        h = self.n_components
        if (
            not isinstance(h, numbers.Integral)
            or isinstance(h, bool)
            or not 1 <= h <= context.n_features
        ):
            raise ValueError(
                f"CASO: n_components must be an integer between 1 and the "
                f"number of features ({context.n_features}): the subspace "
                f"shared by the tasks lies in the space of the features, got "
                f"{h!r}."
            )
        return int(h), _positive_real(self, "eta", self.eta)

    def _components(self, context):
        self._checked(context)
        return []  # smooth only

    def _smooth_terms(self, alpha, context):
        # The feature-space minimum is the cluster term's (see Notes): the
        # term is a function of the non-zero spectrum of W, which W^T W and
        # W W^T share, so it also acts the same on a subset of the rows.
        n_components, eta = self._checked(context)
        return [_smooth.ClusterTerm(alpha, eta, n_components)]

    def _fitted_attributes(self, coef, parts, context):
        n_components, eta = self._checked(context)
        term = _smooth.ClusterTerm(1.0, eta, n_components)
        subspace, weights = term.feature_subspace(np.asarray(coef, dtype=float))
        return {"feature_subspace_": subspace, "feature_subspace_weights_": weights}


STRUCTURES = {
    "dirty": Dirty,
    "robust_trace_norm": RobustTraceNorm,
    "robust_group_lasso": RobustGroupLasso,
    "sparse_low_rank": SparseLowRank,
    "task_graph": TaskGraph,
    "clustered": Clustered,
    "caso": CASO,
    "temporal_group_lasso": TemporalGroupLasso,
    "fused_sparse_group_lasso": FusedSparseGroupLasso,
}
"""The structures by name, with default settings."""

PENALTY_NAMES = {**PENALTIES, **STRUCTURES}
"""Every name the ``penalty`` parameter of the estimators accepts."""


def make_penalty(penalty):
    """The penalty object for a name or a penalty object.

    Parameters
    ----------
    penalty : str or Penalty
        One of the keys of :data:`PENALTY_NAMES`, or a penalty object (returned
        as is; never modified).

    Returns
    -------
    penalty : Penalty
        A new instance for a name, else ``penalty`` itself.
    """
    if isinstance(penalty, Penalty):
        return penalty
    if not isinstance(penalty, str) or penalty not in PENALTY_NAMES:
        valid = ", ".join(repr(key) for key in PENALTY_NAMES)
        raise ValueError(
            f"Unknown penalty {penalty!r}. Valid penalties are: {valid}, or a "
            "penalty object from skmtl.penalties or skmtl.structures."
        )
    return PENALTY_NAMES[penalty]()
