"""Penalties on the coefficient matrix W of shape (n_features, n_columns).

Every estimator minimises ``loss + alpha * penalty.value(W)``. A penalty is a
small class with a fixed set of methods, the solver-side contract written as
code in :class:`skmtl.penalties.base.SolverPenalty`:

- ``value(W)``: :math:`\\Omega(W)`;
- ``prox(V, step)``: the minimiser of
  :math:`\\tfrac12\\|W - V\\|_F^2 + \\text{step}\\,\\Omega(W)`;
- ``dual_norm(G)``: for norms, :math:`\\Omega^\\circ(G) = \\max_{\\Omega(W) \\le 1}
  \\langle G, W\\rangle`, which gives ``alpha_max`` and the duality gap;
- ``dual_point(G, alpha)``: the factor ``s`` by which a dual candidate is scaled
  to be feasible, and the conjugate :math:`(\\alpha\\Omega)^*(s G)` there;
- ``has_dual_point``: whether ``dual_point`` exists (a norm or ridge; not the
  empty penalty of a smooth-only objective);
- ``cheap_dual_point``: whether ``value`` and ``dual_point`` cost about one pass
  over ``W`` (no SVD), so a solver may evaluate the gap at every iteration;
- ``row_separable`` and, when True, ``row_dual_norms(G)``: the penalty is a sum
  over the rows of ``W`` (features) and its dual norm the largest of the row
  dual norms, so a solver may work on a subset of the rows (working sets);
- ``smooth_on_support`` and, when True, ``support(W)``, ``support_gradient(W)``
  and ``support_curvature(W, D)``: the penalty is twice differentiable on the
  support of ``W`` (its nonzero rows or entries), so a Newton method may
  polish a solution there.

Columns are tasks (or, for a multi-class task, one column per class). Most
penalties see the whole stacked matrix and do not need to know which columns
belong to which task; one that does (:class:`TaskGroupLasso`) receives that
map when it is bound to the data (``_bind``).

Every public penalty is also a scikit-learn style parameter holder
(:class:`Penalty`): its hyperparameters are reachable from an estimator as
``penalty__<name>``, so ``GridSearchCV`` can tune them. How a penalty enters
the objective (the norms of the parts of ``W``, the smooth terms) is described
by the methods of :class:`Penalty`; the structures built from several norms
and smooth terms live in :mod:`skmtl.structures`.
"""

from .base import Penalty
from .norms import (  # noqa: F401 (PENALTIES: the plain penalties by name)
    PENALTIES,
    GroupLasso,
    Lasso,
    Ridge,
    TaskGroupLasso,
    TraceNorm,
)

__all__ = ["GroupLasso", "Lasso", "Penalty", "Ridge", "TaskGroupLasso", "TraceNorm"]
