"""The logistic loss of binary tasks on a dask array, under the datafit contract.

The solver's state is the parameters themselves, ``(W, c)`` (linear, so FISTA
can extrapolate it); every value or gradient is one blockwise pass over the
rows of ``X``, reduced in a tree where the blocks live. Each block evaluates
:class:`~skmtl.losses.LogisticLoss`, the loss of the in-memory classifier's
binary tasks. A pass computes the loss and the gradient together, and the
last few results are cached, so an iteration of
:func:`skmtl.solvers.fista` costs two passes: the gradient at the
extrapolated point and the objective at the candidate of the line search.
There is no cheap dual point: the solver stops on the prox-gradient residual.
"""

from collections import Counter

import numpy as np

from .._layout.designs import ColumnGrouping, InterceptMap
from ..losses import LogisticLoss
from ..utils.dask_blocks import row_blocks, tree_reduce

_LOSS = LogisticLoss()


class _Parameters:
    """The state of :class:`DaskLogisticDatafit`: the parameters ``(W, c)``.

    The scores live in the blocks on the cluster, so the driver's state is the
    parameters they are computed from. It supports the linear combinations a
    solver forms with states (extrapolation).

    Parameters
    ----------
    coef : ndarray of shape (n_features, n_tasks)
        The coefficients ``W``.
    intercept : ndarray of shape (n_tasks,)
        The intercepts ``c``.
    """

    __slots__ = ("coef", "intercept")

    def __init__(self, coef, intercept):
        self.coef = coef
        self.intercept = intercept

    def __add__(self, other):
        return _Parameters(self.coef + other.coef, self.intercept + other.intercept)

    def __sub__(self, other):
        return _Parameters(self.coef - other.coef, self.intercept - other.intercept)

    def __mul__(self, factor):
        return _Parameters(factor * self.coef, factor * self.intercept)

    __rmul__ = __mul__


def _add_tuples(first, second):
    return tuple(a + b for a, b in zip(first, second, strict=True))


def _block_pass(X, labels, positive, W, c):
    """Loss sum and gradient sums in ``W`` and ``c`` of one block."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).reshape(X.shape[0], -1)
    Y = (labels == positive).astype(np.float64)
    Z = X @ W + c
    derivative = _LOSS.derivative(Y, Z)
    return _LOSS.value(Y, Z, 1.0), X.T @ derivative, derivative.sum(axis=0)


def _block_moments(X, labels):
    """Rows, X^T X, column sums of X and each task's label counts, for one block."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).reshape(X.shape[0], -1)
    counts = []
    for t in range(labels.shape[1]):
        values, numbers = np.unique(labels[:, t], return_counts=True)
        counts.append(
            Counter(dict(zip(values.tolist(), numbers.tolist(), strict=True)))
        )
    return X.shape[0], X.T @ X, X.sum(axis=0), counts


class DaskLogisticDatafit:
    """Mean logistic loss per binary task, summed over tasks, on dask blocks.

    Parameters
    ----------
    X_blocks, y_blocks : list of dask.delayed.Delayed
        Row blocks of the features (n, d) and labels (n, T).
    classes : list of ndarray
        The two labels of each task; the second is the positive class.
    n_samples : int
        Number of rows.
    lipschitz : float
        Lipschitz constant of the gradient in ``(W, c)``.
    null_offset : ndarray of shape (n_tasks,)
        Intercepts of the null model (log-odds of the positive class).
    fit_intercept : bool
        Whether the intercepts are free.
    """

    has_dual_point = False  # a gap would cost extra passes: residual stopping
    is_quadratic = False
    # Blocks computed by dask's own workers: never limit their threads.
    product_size = float("inf")
    cheap_dual_point = False
    _CACHE_SIZE = 3

    def __init__(
        self, X_blocks, y_blocks, classes, n_samples, lipschitz, null_offset,
        fit_intercept,
    ):  # fmt: skip
        self.X_blocks, self.y_blocks = X_blocks, y_blocks
        self.classes = classes
        # Each task's second label is its positive class (as in the classifier).
        self.positive = np.array([labels[1] for labels in classes])
        self.n_samples = n_samples
        self._lipschitz = lipschitz
        self.null_offset = null_offset if fit_intercept else np.zeros_like(null_offset)
        self.fit_intercept = fit_intercept
        self.n_columns = len(classes)
        self.n_features = None  # set by from_dask
        self.passes = 0
        self._cache = []

    @classmethod
    def from_dask(cls, X, y, fit_intercept):
        """Read the sizes, labels and curvature of the data in one pass.

        Parameters
        ----------
        X : dask.array.Array
            Features (n, d), chunked by rows.
        y : dask.array.Array
            Labels (n, T) or (n,), with the same row blocks as ``X``.
        fit_intercept : bool
            Whether the intercepts are free.

        Returns
        -------
        datafit : DaskLogisticDatafit
            The datafit of these blocks.
        """
        import dask

        X_blocks, y_blocks = row_blocks(X, "X"), row_blocks(y, "y")
        if len(X_blocks) != len(y_blocks):
            raise ValueError("X and y must have the same row blocks.")
        parts = [
            dask.delayed(_block_moments)(Xb, yb)
            for Xb, yb in zip(X_blocks, y_blocks, strict=True)
        ]
        results = dask.compute(*parts)
        n = sum(r[0] for r in results)
        gram = sum(r[1] for r in results)
        x_sum = sum(r[2] for r in results)
        n_tasks = len(results[0][3])
        classes, positive_rate = [], np.zeros(n_tasks)
        for t in range(n_tasks):
            counts = sum((r[3][t] for r in results), Counter())
            if len(counts) != 2:
                raise ValueError(
                    f"Task {t} has {len(counts)} classes; the dask logistic solver "
                    "fits binary tasks only (two labels per task)."
                )
            labels = sorted(counts)
            classes.append(np.array(labels))
            positive_rate[t] = counts[labels[1]] / n
        # The null model's intercepts are the loss's own: they depend on a
        # task's labels only through its rate of positives, so one entry per
        # task holding that rate gives them.
        null_offset = _LOSS.null_intercept(
            positive_rate[None, :],
            np.ones((1, n_tasks)),
            ColumnGrouping(np.arange(n_tasks)),
        )
        # Curvature of the mean logistic loss: the loss's curvature bound times
        # the top eigenvalue of the Gram matrix of [X, 1] (without intercept,
        # of X) over n.
        augmented = np.block([[gram, x_sum[:, None]], [x_sum[None], np.array([[n]])]])
        if not fit_intercept:
            augmented = gram
        top = np.linalg.eigvalsh(augmented / n)[-1] if augmented.size else 0.0
        datafit = cls(
            X_blocks, y_blocks, classes, n, _LOSS.curvature * top, null_offset,
            fit_intercept,
        )  # fmt: skip
        datafit.n_features = gram.shape[0]
        # X is not centred: the intercepts are the raw c.
        datafit.data = InterceptMap(np.zeros((datafit.n_features, n_tasks)))
        return datafit

    def _pass(self, Z):
        """Loss, gradients (cached for the last few states)."""
        for key, result in self._cache:
            if key is Z:
                return result
        import dask

        parts = [
            dask.delayed(_block_pass)(Xb, yb, self.positive, Z.coef, Z.intercept)
            for Xb, yb in zip(self.X_blocks, self.y_blocks, strict=True)
        ]
        loss, grad_W, grad_c = tree_reduce(parts, _add_tuples)
        self.passes += 1
        result = (
            loss / self.n_samples,
            grad_W / self.n_samples,
            grad_c / self.n_samples,
        )
        self._cache = [(Z, result)] + self._cache[: self._CACHE_SIZE - 1]
        return result

    def forward(self, W, c):
        """The state: the parameters themselves.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_tasks)
            Coefficients.
        c : ndarray of shape (n_tasks,)
            Intercepts (ignored without intercept: the null model's are used).

        Returns
        -------
        state : _Parameters
            The pair ``(W, c)``.
        """
        return _Parameters(W, c if self.fit_intercept else self.null_offset)

    def value(self, Z):
        """Mean logistic loss of each task, summed over tasks.

        Parameters
        ----------
        Z : _Parameters
            The state.

        Returns
        -------
        value : float
            The data term.
        """
        return self._pass(Z)[0]

    def gradient_at(self, Z):
        """Gradients in ``W`` and ``c``.

        Parameters
        ----------
        Z : _Parameters
            The state.

        Returns
        -------
        grad_W : ndarray of shape (n_features, n_tasks)
            Gradient in the coefficients.
        grad_c : ndarray of shape (n_tasks,)
            Gradient in the intercepts.
        """
        _, grad_W, grad_c = self._pass(Z)
        return grad_W, grad_c

    def dual_candidate(self, Z, grad_W=None):
        """None: the duality gap would cost extra passes; the residual is used.

        Parameters
        ----------
        Z : _Parameters
            The state.
        grad_W : ndarray, default=None
            The gradient at ``Z`` (unused).

        Returns
        -------
        candidate : None
            No dual point.
        """
        return None

    def conjugate(self, V, scale):
        """Not available: there is no dual point to evaluate it at.

        Parameters
        ----------
        V : object
            A dual direction.
        scale : float
            Its scale.

        Raises
        ------
        NotImplementedError
            Always: :meth:`dual_candidate` gives no dual point
            (``has_dual_point`` is False), so no solver calls this.
        """
        raise NotImplementedError("The dask logistic datafit has no dual point.")

    def null_model(self):
        """Zero coefficients, the null intercepts, and the gradient there.

        Returns
        -------
        offset : ndarray of shape (n_tasks,)
            The null model's intercepts.
        state : _Parameters
            The state at the null model.
        grad_W : ndarray of shape (n_features, n_tasks)
            The gradient in ``W`` there.
        """
        if getattr(self, "_null", None) is None:  # one pass, kept
            zeros = np.zeros((self.n_features, self.n_columns))
            Z = self.forward(zeros, self.null_offset.copy())
            self._null = (Z, self.gradient_at(Z)[0])
        Z, grad_W = self._null
        return self.null_offset.copy(), Z, grad_W

    def lipschitz_constant(self):
        """The curvature bound computed in :meth:`from_dask`.

        Returns
        -------
        lipschitz : float
            A Lipschitz constant of the gradient in ``(W, c)``.
        """
        return self._lipschitz

    def restrict(self, features):
        """Not available: the solver needs no working sets without a dual point.

        Parameters
        ----------
        features : ndarray
            Rows of ``W``.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError("Working sets need a dual point.")

    def fast_form(self):
        """No cheaper form: itself.

        Returns
        -------
        datafit : DaskLogisticDatafit
            This datafit.
        """
        return self
