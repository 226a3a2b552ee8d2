"""Row selection for any input a fit accepts, with public APIs only.

Cross-validation hands each fold its rows of ``X``, ``y`` and the sample
weights. The input may be a numpy array, a scipy sparse matrix, a pandas or
polars DataFrame or Series, a pyarrow table, or a list; each keeps its type
(a dataframe keeps its column names, which a task column may need). The
helper here recognises a container by what it can do (``iloc``, ``gather``,
``take``) rather than by its class, so no dataframe library is imported.
"""

import numpy as np
import scipy.sparse as sp

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
