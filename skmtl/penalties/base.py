"""The penalty contracts: the public parameter holder and the solver-side norm.

:class:`Penalty` is what users pass as ``penalty`` (hyperparameters, and how
the penalty enters the objective); :class:`SolverPenalty` is what a solver
calls on the non-smooth term; :class:`NormPenalty` is the base of the plain
norms, which are both.
"""

from typing import Protocol, runtime_checkable

from sklearn.base import BaseEstimator

from ..utils.contracts import require_members


class Penalty(BaseEstimator):
    """Base of the public penalties: hyperparameters and their place in the objective.

    An estimator minimises

    .. math::

        F(W) + \\alpha \\sum_k \\rho_k \\Omega_k(W_k) + S(W),
        \\qquad W = \\sum_k W_k,

    where the penalty says which norms :math:`\\Omega_k` (with relative weights
    :math:`\\rho_k`) act on the parts :math:`W_k` of ``W`` and which smooth
    terms :math:`S` are added to the data term :math:`F`. A plain norm is one
    part of weight 1 and no smooth term. Subclasses override the private hooks
    below; the solvers never see the subclass.
    """

    # Capabilities that other penalties and estimators read instead of
    # testing concrete classes: whether _smooth_terms adds anything, and which
    # structure the tasks share ("support": the same rows of W are nonzero,
    # "subspace": the columns of W span a shared subspace, or None).
    adds_smooth_terms = False
    shared_structure = None

    def _bind(self, context):
        """The object whose ``value``/``prox``/dual methods act on ``W`` (self)."""
        return self

    def _components(self, context):
        """The parts of ``W``: a list of ``(name, norm, weight)``.

        ``name`` is None for a penalty of one part (no fitted part attributes).
        """
        return [(None, self._bind(context), 1.0)]

    def _smooth_terms(self, alpha, context):
        """Smooth terms added to the data term at strength ``alpha`` (none)."""
        return []

    def _fitted_attributes(self, coef, parts, context):
        """Extra fitted attributes describing the learned structure (none)."""
        return {}

    def _pools_tasks(self):
        """Whether every task has the same coefficients (``W = w 1^T``; no).

        A penalty that pools the tasks gives its :meth:`_components` and
        :meth:`_smooth_terms` for one column, ``w``, shared by all tasks.
        """
        return False


class NormPenalty(Penalty):
    """Shared dual-side logic of penalties that are norms."""

    is_norm = True
    row_separable = False
    has_dual_point = True
    cheap_dual_point = True  # value and dual norm cost about one pass over W
    smooth_on_support = False

    def dual_point(self, G, alpha):
        """Scale ``G`` into the dual-norm ball of radius ``alpha``.

        Parameters
        ----------
        G : ndarray of shape (n_features, n_columns)
            Dual candidate in coefficient space (``-X^T theta``).
        alpha : float
            Strength of the penalty.

        Returns
        -------
        scale : float
            Largest factor in [0, 1] with ``dual_norm(scale * G) <= alpha``.
        conjugate : float
            Value of the conjugate of ``alpha * Omega`` at ``scale * G``: zero.
        """
        norm = self.dual_norm(G)
        scale = 1.0 if norm <= alpha else alpha / norm
        return scale, 0.0


@runtime_checkable
class SolverPenalty(Protocol):
    """What a solver may call on the non-smooth term :math:`\\Omega(W)`.

    The solvers receive this operator, never the public :class:`Penalty` (a
    structure becomes one through ``Penalty._components``). Two methods exist
    only where a capability flag promises them: ``dual_point(G, alpha)`` (the
    factor scaling ``G`` into the domain of the conjugate of ``alpha * Omega``,
    and the conjugate there) when ``has_dual_point``, ``dual_norm(G)`` when
    ``is_norm`` and ``row_dual_norms(G)`` when ``row_separable``.

    Attributes
    ----------
    is_norm : bool
        Whether :math:`\\Omega` is a norm: ``dual_norm`` exists, and
        ``alpha_max`` is its value at the gradient of the null model.
    row_separable : bool
        Whether :math:`\\Omega` is a sum over the rows of ``W`` whose dual norm
        is the largest row dual norm (``row_dual_norms``): working sets apply.
    has_dual_point : bool
        Whether ``dual_point`` exists (false for the empty penalty of a
        smooth-only objective: the solver stops on the prox-gradient residual).
    cheap_dual_point : bool
        Whether ``value`` and ``dual_point`` cost about one pass over ``W`` (no
        SVD), so a solver may evaluate the gap at every iteration.
    smooth_on_support : bool
        Whether :math:`\\Omega` is twice differentiable around ``W`` once the
        entries outside the support of ``W`` are held at zero, so that a
        Newton method may polish a solution on its support: ``support(W)``
        (a boolean mask of the free entries), ``support_gradient(W)`` and
        ``support_curvature(W, D)`` (the Hessian there times ``D``) exist.
    """

    is_norm: bool
    row_separable: bool
    has_dual_point: bool
    cheap_dual_point: bool
    smooth_on_support: bool

    def value(self, W):
        """:math:`\\Omega(W)`."""

    def prox(self, V, step):
        """The minimiser of ``0.5 ||W - V||_F^2 + step * Omega(W)``."""


# The methods that a capability flag of a SolverPenalty promises.
_PROMISED_BY = (
    ("dual_point", "has_dual_point"),
    ("dual_norm", "is_norm"),
    ("row_dual_norms", "row_separable"),
    ("support", "smooth_on_support"),
    ("support_gradient", "smooth_on_support"),
    ("support_curvature", "smooth_on_support"),
)


def require_solver_penalty(penalty):
    """Raise a TypeError if ``penalty`` lacks what its capability flags promise.

    Parameters
    ----------
    penalty : object
        The non-smooth term handed to a solver.
    """
    extra = [name for name, flag in _PROMISED_BY if getattr(penalty, flag, False)]
    require_members(penalty, SolverPenalty, "penalty", extra)
