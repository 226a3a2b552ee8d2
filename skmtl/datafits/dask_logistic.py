"""The logistic loss of binary tasks on a dask array, under the datafit contract.

The solver's state is the parameters themselves, ``(W, c)`` (linear, so FISTA
can extrapolate it); every value or gradient is one blockwise pass over the
rows of ``X``, reduced in a tree where the blocks live. A pass computes the
loss and the gradient together, and the last few results are cached, so an
iteration of :func:`skmtl.solvers.fista` costs two passes: the gradient at the
extrapolated point and the objective at the candidate of the line search.
There is no cheap dual point: the solver stops on the prox-gradient residual.
"""

import numpy as np
from scipy.special import expit, log_expit

from .._layout.designs import InterceptMap
from .smooth import _PairState


def tree_reduce(parts, combine):
    """Combine delayed values pairwise in a binary tree and compute the result.

    The tree is log2(len(parts)) deep, so no single task receives every part.
    """
    import dask

    while len(parts) > 1:
        merged = [
            dask.delayed(combine)(parts[i], parts[i + 1])
            for i in range(0, len(parts) - 1, 2)
        ]
        if len(parts) % 2:
            merged.append(parts[-1])
        parts = merged
    return dask.compute(parts[0])[0]


def _add_tuples(first, second):
    return tuple(a + b for a, b in zip(first, second, strict=True))


def _block_pass(X, labels, positive, W, c):
    """Loss sum and gradient sums in ``W`` and ``c`` of one block."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).reshape(X.shape[0], -1)
    Y = (labels == positive).astype(np.float64)
    Z = X @ W + c
    loss = float(np.sum(-log_expit(-Z) - Y * Z))  # log(1 + e^z) - y z
    residual = expit(Z) - Y
    return loss, X.T @ residual, residual.sum(axis=0)


def _block_moments(X, labels):
    """Rows, X^T X, column sums of X and the labels seen, for one block."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).reshape(X.shape[0], -1)
    seen = [set(np.unique(labels[:, t]).tolist()) for t in range(labels.shape[1])]
    return X.shape[0], X.T @ X, X.sum(axis=0), seen


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
        """Read the sizes, labels and curvature of the data in one pass."""
        import dask

        from ..outofcore.statistics import _row_blocks

        X_blocks, y_blocks = _row_blocks(X, "X"), _row_blocks(y, "y")
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
        classes = []
        for t in range(n_tasks):
            labels = set().union(*(r[3][t] for r in results))
            if len(labels) != 2:
                raise ValueError(
                    f"Task {t} has {len(labels)} classes; the dask logistic solver "
                    "fits binary tasks only (two labels per task)."
                )
            classes.append(np.array(sorted(labels)))
        # Curvature of the mean logistic loss: 1/4 times the top eigenvalue of
        # the Gram matrix of [X, 1] (without intercept, of X) over n.
        augmented = np.block([[gram, x_sum[:, None]], [x_sum[None], np.array([[n]])]])
        if not fit_intercept:
            augmented = gram
        top = np.linalg.eigvalsh(augmented / n)[-1] if augmented.size else 0.0
        datafit = cls(
            X_blocks, y_blocks, classes, n, 0.25 * top, np.zeros(n_tasks),
            fit_intercept,
        )  # fmt: skip
        datafit.n_features = gram.shape[0]
        if fit_intercept:
            datafit.null_offset = datafit._null_offset()
        # X is not centred: the intercepts are the raw c.
        datafit.data = InterceptMap(np.zeros((datafit.n_features, n_tasks)))
        return datafit

    def _null_offset(self):
        """Log-odds of each task's positive class (one pass)."""
        zeros = np.zeros((self.n_features, self.n_columns))
        _, _, grad_c = self._pass(_PairState(zeros, np.zeros(self.n_columns)))
        positive_rate = 0.5 - grad_c  # mean of expit(0) - y = 1/2 - mean(y)
        positive_rate = np.clip(positive_rate, 1e-12, 1 - 1e-12)
        return np.log(positive_rate / (1 - positive_rate))

    def _pass(self, Z):
        """Loss, gradients (cached for the last few states)."""
        for key, result in self._cache:
            if key is Z:
                return result
        import dask

        W, c = Z.scores, Z.coef  # the pair holds the parameters (W, c) here
        parts = [
            dask.delayed(_block_pass)(Xb, yb, self.positive, W, c)
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
        """The state: the parameters themselves."""
        return _PairState(W, c if self.fit_intercept else self.null_offset)

    def value(self, Z):
        """Mean logistic loss of each task, summed over tasks."""
        return self._pass(Z)[0]

    def gradient_at(self, Z):
        """Gradients in ``W`` and ``c``."""
        _, grad_W, grad_c = self._pass(Z)
        return grad_W, grad_c

    def dual_candidate(self, Z, grad_W=None):
        """None: the duality gap would cost extra passes; the residual is used."""
        return None

    def null_model(self):
        """Zero coefficients, the null intercepts, and the gradient there."""
        if getattr(self, "_null", None) is None:  # one pass, kept
            zeros = np.zeros((self.n_features, self.n_columns))
            Z = self.forward(zeros, self.null_offset.copy())
            self._null = (Z, self.gradient_at(Z)[0])
        Z, grad_W = self._null
        return self.null_offset.copy(), Z, grad_W

    def lipschitz_constant(self):
        """The curvature bound computed in :meth:`from_dask`."""
        return self._lipschitz

    def restrict(self, features):
        """Not available: the solver needs no working sets without a dual point."""
        raise NotImplementedError("Working sets need a dual point.")

    def fast_form(self):
        """No cheaper form: itself."""
        return self
