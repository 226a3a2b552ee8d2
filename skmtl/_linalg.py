"""Small numerical helpers shared by the solvers and datafits."""

import numpy as np


def inner(a, b):
    """Frobenius inner product of two arrays of the same shape.

    Computed with an element-wise product rather than a BLAS dot: for the
    matrix sizes of one solver iteration, multithreaded BLAS level-1 calls cost
    more in thread start-up and contention than they save.

    Parameters
    ----------
    a, b : ndarray
        Arrays of the same shape.

    Returns
    -------
    value : float
        ``sum(a * b)``.
    """
    return float(np.sum(np.multiply(a, b)))
