"""Row blocks of dask collections, and the tree that combines their results.

Both out-of-core fits read dask data the same way: each collection is cut
into its blocks of rows (delayed objects), a function runs on every block
where it lives, and the results travel up a binary tree of pairwise merges.
This module is all they share, so the out-of-core fits
(:mod:`skmtl.outofcore`) and the datafit on dask blocks
(:mod:`skmtl.datafits.dask_logistic`) both import it and neither imports the
other. dask is imported only when a tree is computed: skmtl does not need it
otherwise.
"""


def row_blocks(collection, name):
    """The delayed blocks of rows of a dask array, DataFrame or Series.

    Parameters
    ----------
    collection : dask.array.Array or dask.dataframe.DataFrame or Series
        Data chunked by rows. A 2-D array chunked by columns too is rechunked
        so that every block holds whole rows.
    name : str
        The argument's name, for the error message.

    Returns
    -------
    blocks : list of dask.delayed.Delayed
        One delayed value per block of rows, in row order.

    Raises
    ------
    TypeError
        If ``collection`` is not a dask collection.
    """
    if hasattr(collection, "to_delayed") and hasattr(collection, "chunks"):
        if collection.ndim == 2 and len(collection.chunks[1]) > 1:
            collection = collection.rechunk({1: -1})  # whole rows in each block
        return list(collection.to_delayed().ravel())  # dask array
    if hasattr(collection, "to_delayed") and hasattr(collection, "npartitions"):
        return list(collection.to_delayed())  # dask DataFrame / Series
    raise TypeError(
        f"{name} must be a dask array, DataFrame or Series, got "
        f"{type(collection).__name__}. For in-memory data use partial_fit."
    )


def tree_reduce(parts, combine):
    """Combine delayed values pairwise in a binary tree and compute the result.

    The tree is ``log2(len(parts))`` deep, so no single task receives every
    part (and the driver receives only the root).

    Parameters
    ----------
    parts : list of dask.delayed.Delayed
        The values to combine, at least one.
    combine : callable
        ``combine(first, second)``: the value of two parts together
        (associative).

    Returns
    -------
    result : object
        The combination of all the parts, computed.
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
