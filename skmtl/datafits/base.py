"""The datafit contract, and the base of datafits that wrap another.

A solver minimises ``datafit + alpha * penalty`` and calls the data term only
through :class:`Datafit`. The state ``Z`` it passes around is whatever
``forward`` returns (entry scores, a residual, a Gram product, a pair with
``W``): it is affine in ``(W, c)``, so a solver may extrapolate states instead
of recomputing them.
"""

from typing import Protocol, runtime_checkable

from ..utils.contracts import require_members


@runtime_checkable
class Datafit(Protocol):
    """What a solver may call on the smooth data term ``F(W, c)``.

    Attributes
    ----------
    n_features : int
        Number of rows of ``W``.
    n_columns : int
        Number of columns of the solver's variable ``W`` (for a decomposed
        model, the parts side by side: then ``c`` has fewer entries).
    fit_intercept : bool
        Whether the intercepts ``c`` are free variables; when False they stay
        at the null model's.
    has_dual_point : bool
        Whether :meth:`dual_candidate` always gives a dual point (else it
        returns None and a solver stops on the prox-gradient residual).
    cheap_dual_point : bool
        Whether the image in coefficient space of the dual point at a state is
        the gradient there, so a solver that has the gradient gets the dual
        point with no extra product.
    is_quadratic : bool
        Whether the data term is quadratic in ``(W, c)``: its gradient is then
        affine, so the difference of two gradients is an exact product with
        the Hessian (what a Newton method needs).
    product_size : float
        About how many multiply-adds one state and gradient cost: what a
        solver weighs to decide whether BLAS threads pay
        (:func:`skmtl.utils.threads.blas_threads_for`).
    """

    n_features: int
    n_columns: int
    fit_intercept: bool
    has_dual_point: bool
    cheap_dual_point: bool
    is_quadratic: bool
    product_size: float

    def forward(self, W, c):
        """The state at coefficients ``W`` and intercepts ``c`` (affine in both)."""

    def value(self, Z):
        """The data term at state ``Z``."""

    def gradient_at(self, Z):
        """Gradients ``(grad_W, grad_c)`` at state ``Z``."""

    def dual_candidate(self, Z, grad_W=None):
        """``(V, image)``: a dual direction at ``Z`` and its image in ``W`` space.

        None when the datafit has no dual point. ``grad_W``, the gradient at
        ``Z`` if the caller has it, is reused when ``cheap_dual_point``.
        """

    def conjugate(self, V, scale):
        """Conjugate of the data term at the dual point ``scale * V``."""

    def null_model(self):
        """``(c, Z, grad_W)``: best intercepts at ``W = 0``, the state, the gradient."""

    def lipschitz_constant(self):
        """An estimate of the Lipschitz constant of the gradient in ``(W, c)``.

        It only seeds the line search, which adapts it: an estimate by power
        iteration may fall a little short of the exact constant.
        """

    def restrict(self, features):
        """The same datafit with ``W`` restricted to the rows ``features``."""

    def fast_form(self):
        """An equivalent, cheaper datafit, or ``self``."""


def require_datafit(datafit):
    """Raise a TypeError if ``datafit`` lacks a member of :class:`Datafit`.

    Parameters
    ----------
    datafit : object
        The data term handed to a solver.
    """
    require_members(datafit, Datafit, "datafit")


class DatafitWrapper:
    """Base of datafits that transform another one.

    It forwards every member of :class:`Datafit` to ``inner``; a subclass
    overrides what it changes and :meth:`_rewrap`, which builds the same
    wrapper around another inner datafit (for :meth:`restrict` and
    :meth:`fast_form`).

    Parameters
    ----------
    inner : Datafit
        The wrapped data term.
    """

    def __init__(self, inner):
        self.inner = inner

    @property
    def n_features(self):
        """Rows of ``W``: the inner datafit's."""
        return self.inner.n_features

    @property
    def n_columns(self):
        """Columns of ``W``: the inner datafit's."""
        return self.inner.n_columns

    @property
    def fit_intercept(self):
        """Whether the intercepts are free: the inner datafit's."""
        return self.inner.fit_intercept

    @property
    def has_dual_point(self):
        """Whether a dual point exists: the inner datafit's."""
        return self.inner.has_dual_point

    @property
    def cheap_dual_point(self):
        """Whether the dual point is the gradient: the inner datafit's."""
        return self.inner.cheap_dual_point

    @property
    def is_quadratic(self):
        """Whether the data term is quadratic: the inner datafit's."""
        return self.inner.is_quadratic

    @property
    def product_size(self):
        """Multiply-adds of a state and gradient: the inner datafit's."""
        return self.inner.product_size

    def forward(self, W, c):
        """The inner state."""
        return self.inner.forward(W, c)

    def value(self, Z):
        """The inner value."""
        return self.inner.value(Z)

    def gradient_at(self, Z):
        """The inner gradients."""
        return self.inner.gradient_at(Z)

    def dual_candidate(self, Z, grad_W=None):
        """The inner dual candidate."""
        return self.inner.dual_candidate(Z, grad_W)

    def conjugate(self, V, scale):
        """The inner conjugate."""
        return self.inner.conjugate(V, scale)

    def null_model(self):
        """The inner null model."""
        return self.inner.null_model()

    def lipschitz_constant(self):
        """The inner Lipschitz constant."""
        return self.inner.lipschitz_constant()

    def _rewrap(self, inner):
        """This wrapper around another inner datafit."""
        raise NotImplementedError

    def restrict(self, features):
        """This wrapper around the restricted inner datafit."""
        return self._rewrap(self.inner.restrict(features))

    def fast_form(self):
        """This wrapper around the inner fast form, or ``self``."""
        inner = self.inner.fast_form()
        return self if inner is self.inner else self._rewrap(inner)
