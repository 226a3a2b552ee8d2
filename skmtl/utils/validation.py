"""Input checks shared by the estimators, the CV and the scores.

Sample weights are checked once here for every caller. Row selection works
for any input a fit accepts, with public APIs only.

Cross-validation hands each fold its rows of ``X``, ``y`` and the sample
weights. The input may be a numpy array, a scipy sparse matrix, a pandas or
polars DataFrame or Series, a pyarrow table, or a list; each keeps its type
(a dataframe keeps its column names, which a task column may need). The
helper here recognises a container by what it can do (``iloc``, ``gather``,
``take``) rather than by its class, so no dataframe library is imported.
"""

import numpy as np
import scipy.sparse as sp


def check_sample_weight(sample_weight, n_samples, *, rescale=True):
    """One finite, non-negative weight per sample (a scalar is broadcast).

    With ``rescale``, the weights are divided by their maximum: only their
    ratios matter to a fit, and this keeps their sum finite; they must then
    have a positive sum. Weights of one chunk among several (out-of-core
    statistics) and the weights of a score are not rescaled.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), scalar or None
        The weights; None gives ones.
    n_samples : int
        Number of samples.
    rescale : bool, default=True
        Whether to divide by the largest weight (and require a positive sum).

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,)
        The checked weights, float64.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    sample_weight = np.asarray(sample_weight)
    if sample_weight.ndim == 0:
        sample_weight = np.full(n_samples, sample_weight)
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per row, "
            f"got shape {sample_weight.shape}."
        )
    if sample_weight.dtype.kind not in "biuf":
        raise ValueError(
            f"sample_weight must be numeric, got dtype {sample_weight.dtype}."
        )
    sample_weight = sample_weight.astype(np.float64)
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight has negative values; weights must be >= 0.")
    if rescale and sample_weight.size and sample_weight.max() > 0:
        # Only relative weights matter (they are normalised later); dividing
        # by the largest keeps their sum finite.
        sample_weight = sample_weight / sample_weight.max()
    if rescale and sample_weight.sum() <= 0:
        raise ValueError(
            "sample_weight sums to zero: at least one sample needs a positive weight."
        )
    return sample_weight


# Sparse formats that support row indexing with an integer array.
_ROW_INDEXABLE_SPARSE = ("csr", "csc", "lil", "dok")


def take_rows(data, indices):
    """The rows ``indices`` of ``data``, in a container of the same kind.

    Parameters
    ----------
    data : array-like, sparse matrix, DataFrame, Series, table or None
        Rows to select from.
    indices : array-like of int
        Positions of the rows (not labels: a pandas index is ignored).

    Returns
    -------
    rows : same kind as ``data``, or None
        The selected rows, in the order of ``indices``. pandas objects go
        through ``iloc``; polars frames and series through ``gather``;
        pyarrow tables through ``take``; numpy arrays, sparse matrices (COO,
        DIA and BSR as CSR) and other objects with a ``shape`` through
        integer indexing; lists as numpy arrays.

    Raises
    ------
    TypeError
        If ``data`` offers no way to select rows by position.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.utils.validation import take_rows
    >>> take_rows(np.arange(10).reshape(5, 2), [4, 0])
    array([[8, 9],
           [0, 1]])
    """
    if data is None:
        return None
    indices = np.asarray(indices, dtype=np.intp)
    if isinstance(data, np.ndarray):
        return data[indices]
    if sp.issparse(data):
        rows = data if data.format in _ROW_INDEXABLE_SPARSE else data.tocsr()
        return rows[indices]
    if hasattr(data, "iloc"):  # pandas (and look-alikes: modin, cudf)
        return data.iloc[indices]
    if hasattr(data, "gather"):  # polars DataFrame and Series
        return data.gather(indices)
    if hasattr(data, "take"):  # pyarrow Table and Array
        return data.take(indices)
    if hasattr(data, "__getitem__") and hasattr(data, "shape"):
        return data[indices]
    if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
        return np.asarray(data)[indices]
    raise TypeError(
        f"Cannot select rows of an object of type {type(data).__name__}: pass a "
        "numpy array, a sparse matrix, or a DataFrame or Series (pandas, polars)."
    )
