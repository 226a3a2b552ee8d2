"""A penalty bound to data: the datafit, norm and strength that a solver gets.

The estimators, paths and CV all go through :class:`Problem`: it asks the
penalty (see :class:`skmtl.penalties.Penalty`) for the parts of ``W`` and
their norms and for its smooth terms, wraps the datafit accordingly
(:class:`~skmtl.datafits.smooth.SmoothDatafit`,
:class:`~skmtl.datafits.parts.PartsDatafit`)
and splits a solution back into ``W`` and its named parts. Nothing here knows
a concrete penalty.
"""

from dataclasses import dataclass

import numpy as np

from .datafits.parts import PartsDatafit
from .datafits.pooled import PooledDatafit
from .datafits.shared_intercept import SharedInterceptDatafit, shares_intercepts
from .datafits.smooth import SmoothDatafit
from .penalties.parts import PartsPenalty
from .penalties.smooth_terms import SquaredFrobenius


@dataclass(frozen=True)
class TaskContext:
    """What a penalty may need to know about the columns of ``W``.

    Parameters
    ----------
    n_features : int
        Number of rows of ``W``.
    column_task : ndarray of shape (n_columns,)
        Index of the task of each column (a multi-class task owns several).
    tasks : ndarray of shape (n_tasks,)
        Task labels, in column order.
    """

    n_features: int
    column_task: np.ndarray
    tasks: np.ndarray

    @property
    def n_columns(self):
        """Number of columns of ``W``."""
        return self.column_task.size

    @property
    def n_tasks(self):
        """Number of tasks."""
        return self.tasks.size

    def pooled(self):
        """The context of one coefficient column shared by every task."""
        tasks = np.empty(1, dtype=object)
        tasks[0] = "all tasks"
        return TaskContext(self.n_features, np.zeros(1, dtype=int), tasks)

    def require_one_column_per_task(self, name):
        """Raise a ValueError if a task has several columns (multi-class)."""
        if self.n_columns != self.n_tasks:
            raise ValueError(
                f"{name} compares the coefficient vectors of tasks, so it needs "
                "one coefficient column per task, but some tasks are multi-class "
                f"({self.n_columns} columns for {self.n_tasks} tasks). Use binary "
                "tasks (e.g. one-vs-rest), or another penalty."
            )


class NoPenalty:
    """No non-smooth term: the objective is smooth (e.g. only a cluster term).

    It has no dual feasible set worth using, so a solver stops on the
    prox-gradient residual.
    """

    is_norm = False
    row_separable = False
    has_dual_point = False
    cheap_dual_point = True
    smooth_on_support = False

    def value(self, W):
        """Zero."""
        return 0.0

    def prox(self, V, step):
        """The identity."""
        return V


class Problem:
    """A penalty bound to a datafit.

    Parameters
    ----------
    datafit : object
        The data term of ``W`` (see :mod:`skmtl.datafits.base`).
    penalty : Penalty
        The public penalty object.
    context : TaskContext
        Sizes and task map of ``W``.
    l2 : float, default=0.0
        Strength of an extra ridge term :math:`\\frac{l_2}{2}\\|W\\|_F^2`.
    """

    def __init__(self, datafit, penalty, context, l2=0.0, intercept_shrinkage=0.0):
        self.datafit = datafit
        self.penalty = penalty
        self.context = context
        self.l2 = l2
        self.intercept_shrinkage = intercept_shrinkage
        # A penalty may tie every task to one coefficient column (a TaskGraph
        # of infinite strength): the solver then works on that column.
        self.pooled = penalty._pools_tasks()
        if self.pooled:
            context.require_one_column_per_task(f"penalty={penalty!r}")
        self.solver_context = context.pooled() if self.pooled else context
        self.components = penalty._components(self.solver_context)
        norms = [norm for _, norm, _ in self.components]
        weights = [weight for _, _, weight in self.components]
        if not norms:
            self.norm = NoPenalty()
        elif len(norms) == 1 and weights[0] == 1.0:
            self.norm = norms[0]
        else:
            self.norm = PartsPenalty(norms, weights, self.solver_context.n_columns)
        self.shared_intercepts = None
        core = datafit
        if intercept_shrinkage > 0:
            self._check_shared_intercepts()
            core = self.shared_intercepts = SharedInterceptDatafit(
                datafit, intercept_shrinkage
            )
        # The datafit of the solver's coefficients, before smooth terms and parts.
        self.core = PooledDatafit(core) if self.pooled else core

    def _check_shared_intercepts(self):
        if not getattr(self.datafit, "fit_intercept", False):
            raise ValueError(
                "intercept_shrinkage pulls the task intercepts towards their "
                "mean, so it needs fit_intercept=True; set intercept_shrinkage=0."
            )
        if not shares_intercepts(self.datafit):
            raise ValueError(
                "intercept_shrinkage > 0 needs the data in memory (the "
                "out-of-core and dask fits have free intercepts only); set "
                "intercept_shrinkage=0."
            )
        if self.context.n_columns != self.context.n_tasks:
            raise ValueError(
                "intercept_shrinkage compares one intercept per task, but some "
                f"tasks are multi-class ({self.context.n_columns} intercepts for "
                f"{self.context.n_tasks} tasks). Use binary tasks, or "
                "intercept_shrinkage=0."
            )

    @property
    def n_parts(self):
        """Number of parts of ``W`` the solver optimises."""
        return max(len(self.components), 1)

    def fast_form(self):
        """The same problem on the cheapest equivalent form of the datafit."""
        fast = self.core.fast_form()
        if fast is self.core:
            return self
        problem = object.__new__(Problem)
        problem.__dict__.update(self.__dict__, core=fast)
        return problem

    def datafit_at(self, alpha):
        """The datafit the solver minimises with ``alpha * self.norm``."""
        terms = list(self.penalty._smooth_terms(alpha, self.solver_context))
        if self.l2 > 0:
            terms.append(SquaredFrobenius(self.l2))
        datafit = SmoothDatafit(self.core, terms) if terms else self.core
        if self.n_parts > 1:
            datafit = PartsDatafit(datafit, self.n_parts)
        return datafit

    @property
    def has_alpha_max(self):
        """Whether every part of the penalty is a norm (so ``W = 0`` is reachable)."""
        return self.norm.is_norm and all(n.is_norm for _, n, _ in self.components)

    def alpha_max(self):
        """Smallest ``alpha`` whose solution is all zeros.

        Raises a ValueError for a penalty that has no norm part (the
        solution is never exactly zero).
        """
        if not self.has_alpha_max:
            raise ValueError(
                f"penalty={self.penalty!r} is not a norm: no finite alpha makes every "
                "coefficient zero, so it has no alpha_max."
            )
        _, _, grad_coef = self.datafit_at(1.0).null_model()
        return self.norm.dual_norm(grad_coef)

    def _every_task(self, V):
        """A solver column for every task (the shared one, when pooled)."""
        return np.repeat(V, self.context.n_columns, axis=1) if self.pooled else V

    def split(self, V):
        """``W`` and the named parts (each of shape (n_features, n_columns))."""
        if self.n_parts == 1:
            return self._every_task(V), {}
        width = self.solver_context.n_columns
        parts = {
            name: self._every_task(V[:, k * width : (k + 1) * width])
            for k, (name, _, _) in enumerate(self.components)
        }
        return sum(parts.values()), parts

    def stack(self, W, parts):
        """The solver variable from ``W`` or, for a decomposed model, its parts."""

        def solver_columns(V):
            return V.mean(axis=1, keepdims=True) if self.pooled else V

        if self.n_parts == 1:
            return solver_columns(W)
        if any(name not in parts for name, _, _ in self.components):
            return None
        return np.hstack([solver_columns(parts[n]) for n, _, _ in self.components])

    def intercepts(self, W, offset):
        """The model's intercepts (at ``x = 0``) from the solver's ``offset``."""
        if self.pooled:  # (the pooled solver scales its intercepts)
            offset = offset * self.core.offset_scale
        if self.shared_intercepts is not None:
            return self.shared_intercepts.model_intercepts(W, offset)
        return self.datafit.data.intercept(W, offset)

    def solver_offset(self, W, intercepts):
        """Inverse of :meth:`intercepts`: the solver's offset for a warm start."""
        if self.shared_intercepts is not None:
            offset = self.shared_intercepts.solver_offset(W, intercepts)
        else:
            offset = self.datafit.data.offset(W, intercepts)
        return offset / self.core.offset_scale if self.pooled else offset

    def fitted_attributes(self, W, parts):
        """The penalty's description of the learned structure."""
        return self.penalty._fitted_attributes(W, parts, self.context)
