"""Small numerical helpers shared by the solvers and datafits."""

import numpy as np

# Arrays up to this many entries go to a BLAS dot (a few times faster than an
# element-wise product and a sum); larger ones are summed element-wise, since a
# multithreaded BLAS level-1 call on them costs more in thread start-up and
# contention than it saves when other processes share the cores. OpenBLAS
# threads its dot above 10,000 entries: on a busy 2-core machine a dot of
# 14,460 entries was measured at 4.3 ms on average (2.9 us when idle).
_BLAS_DOT_MAX_SIZE = 10_000


def inner(a, b):
    """Frobenius inner product of two arrays of the same shape.

    Parameters
    ----------
    a, b : ndarray
        Arrays of the same shape.

    Returns
    -------
    value : float
        ``sum(a * b)``.
    """
    if a.size <= _BLAS_DOT_MAX_SIZE:
        return float(np.vdot(a, b))
    return float(np.einsum("ij,ij->", a, b) if a.ndim == 2 else np.sum(a * b))


class FactoredMatrix(np.ndarray):
    """A dense matrix that also carries a factorisation ``left @ right`` of itself.

    The trace norm's prox returns one (its output has low rank), so that a
    datafit can compute ``A @ W`` as ``(A @ left) @ right``
    (:func:`product_with`): for a rank-``r`` ``W`` of shape ``(d, T)`` that
    costs ``r (d + T)`` per row of ``A`` instead of ``d T``. Only the array the
    factors were made for carries them: arithmetic on it gives plain arrays,
    and its views carry no factors (they would be stale after a write).

    Parameters
    ----------
    left : ndarray of shape (n_rows, rank)
    right : ndarray of shape (rank, n_columns)
    """

    def __new__(cls, left, right):
        matrix = np.asarray(left @ right).view(cls)
        matrix.factors = (left, right)
        return matrix

    def __array_finalize__(self, source):
        self.factors = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # Results of arithmetic are plain arrays: they are not the product of
        # the factors.
        def plain(x):
            return x.view(np.ndarray) if isinstance(x, FactoredMatrix) else x

        if "out" in kwargs:
            for x in kwargs["out"]:
                if isinstance(x, FactoredMatrix):
                    x.factors = None  # written in place: no longer the product
            kwargs["out"] = tuple(plain(x) for x in kwargs["out"])
        return getattr(ufunc, method)(*(plain(x) for x in inputs), **kwargs)

    def __setitem__(self, key, value):
        self.factors = None  # written in place: no longer the product
        super().__setitem__(key, value)

    def __reduce__(self):
        # Pickles (and copies) as a plain array: the factors are a cache.
        return np.asarray(self).__reduce__()


def product_with(A, W):
    """``A @ W``, through ``W``'s factors when it carries cheaper ones.

    Parameters
    ----------
    A : ndarray or sparse matrix of shape (n_rows, n_features)
        Left operand.
    W : ndarray of shape (n_features, n_columns)
        Right operand, possibly a :class:`FactoredMatrix`.

    Returns
    -------
    product : ndarray of shape (n_rows, n_columns)
    """
    factors = getattr(W, "factors", None)
    if factors is not None:
        left, right = factors
        rank = left.shape[1]
        if rank * (W.shape[0] + W.shape[1]) < W.shape[0] * W.shape[1]:
            return np.asarray(A @ left) @ right
    return np.asarray(A @ np.asarray(W))


def row_norms(V):
    """Euclidean norm of each row of a 2-D array (one fused pass).

    Parameters
    ----------
    V : ndarray of shape (n_rows, n_columns)
        Real array.

    Returns
    -------
    norms : ndarray of shape (n_rows,)
        :math:`\\|V_{j,:}\\|_2` for each row ``j``.
    """
    return np.sqrt(np.einsum("ij,ij->i", V, V))


def cosine_matrix(vectors):
    """Cosine similarity of every pair of vectors, NaN where undefined.

    The vectors are grouped by length; each group costs one matrix product
    (one BLAS call), not one product per pair.

    Parameters
    ----------
    vectors : list of ndarray or ndarray of shape (n_items, n_values)
        One flat vector per item (any lengths), or the vectors as the rows of
        a 2-D array.

    Returns
    -------
    cosines : ndarray of shape (n_items, n_items)
        :math:`\\langle u, v \\rangle / (\\|u\\| \\|v\\|)`; NaN for vectors of
        different lengths or a zero vector.
    """
    if isinstance(vectors, np.ndarray) and vectors.ndim == 2:
        groups = {vectors.shape[1]: (np.arange(vectors.shape[0]), vectors)}
        n = vectors.shape[0]
    else:
        vectors = [np.ravel(v) for v in vectors]
        n = len(vectors)
        by_size = {}
        for index, vector in enumerate(vectors):
            by_size.setdefault(vector.size, []).append(index)
        groups = {
            size: (np.asarray(members), np.stack([vectors[i] for i in members]))
            for size, members in by_size.items()
        }
    cosines = np.full((n, n), np.nan)
    for members, stacked in groups.values():
        stacked = np.asarray(stacked, dtype=np.float64)
        norms = np.linalg.norm(stacked, axis=1)
        nonzero = norms > 0
        members, stacked, norms = members[nonzero], stacked[nonzero], norms[nonzero]
        if members.size == 0:
            continue
        block = stacked @ stacked.T
        block /= np.outer(norms, norms)
        if members.size == n:
            cosines[...] = block
        else:
            cosines[np.ix_(members, members)] = block
    return cosines


FEATURE_SCALE_MESSAGE = (
    "The features are too large for float64 arithmetic: products of X with "
    "itself overflow. Scale the features, e.g. with StandardScaler."
)


def require_finite_features(value):
    """Return ``value`` (a quantity computed from X^T X) or raise if it overflowed.

    Parameters
    ----------
    value : float or ndarray
        A curvature or Gram quantity of the design.

    Returns
    -------
    value : float or ndarray
        The same, when every entry is finite.
    """
    if not np.all(np.isfinite(value)):
        raise ValueError(FEATURE_SCALE_MESSAGE)
    return value
