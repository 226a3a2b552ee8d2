"""Proximal operators of the norms that skmtl penalties are made of.

Each function solves one small convex problem in closed form,

.. math::

    \\operatorname{prox}_{\\tau \\Omega}(V) = \\arg\\min_W \\; \\tfrac12 \\|W - V\\|_F^2
    + \\tau \\, \\Omega(W),

for a coefficient matrix ``V`` of shape (n_features, n_columns) and a threshold
``tau >= 0``. They never modify their input.
"""

import numpy as np

from ..utils.linalg import row_norms


def soft_threshold(V, threshold):
    """Entry-wise soft thresholding: the prox of the l1 norm.

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\tau \\sum_{j,t} |W_{jt}|
        = \\operatorname{sign}(V) \\max(|V| - \\tau, 0).

    Parameters
    ----------
    V : ndarray of shape (n_features, n_columns)
        Point at which the prox is evaluated.
    threshold : float
        Non-negative threshold ``tau``.

    Returns
    -------
    W : ndarray of shape (n_features, n_columns)
        The minimiser.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.prox import soft_threshold
    >>> soft_threshold(np.array([[3.0, -0.5]]), 1.0)
    array([[ 2., -0.]])
    """
    return np.sign(V) * np.maximum(np.abs(V) - threshold, 0.0)


def block_soft_threshold(V, threshold):
    """Row-wise block soft thresholding: the prox of the L2,1 norm over rows.

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\tau \\sum_j \\|W_{j,:}\\|_2,
        \\qquad W_{j,:} = \\max\\Big(1 - \\frac{\\tau}{\\|V_{j,:}\\|_2}, 0\\Big)
        V_{j,:}.

    Parameters
    ----------
    V : ndarray of shape (n_features, n_columns)
        Point at which the prox is evaluated; each row is one group.
    threshold : float
        Non-negative threshold ``tau``.

    Returns
    -------
    W : ndarray of shape (n_features, n_columns)
        The minimiser: rows whose norm is at most ``tau`` are exactly zero.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.prox import block_soft_threshold
    >>> block_soft_threshold(np.array([[3.0, 4.0], [0.3, 0.4]]), 1.0)
    array([[2.4, 3.2],
           [0. , 0. ]])
    """
    if threshold == 0:
        return V.copy()
    # 1 - tau / max(norm, tau) is 0 for a row of norm at most tau (exactly:
    # tau / tau == 1.0) and never divides by zero for tau > 0.
    norms = row_norms(V)
    shrink = 1.0 - threshold / np.maximum(norms, threshold)
    return shrink[:, None] * V


def column_group_soft_threshold(V, threshold, column_group):
    """Block soft thresholding of groups of columns: the prox of a column L2,1 norm.

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\tau \\sum_g \\|W_{:,g}\\|_F,
        \\qquad W_{:,g} = \\max\\Big(1 - \\frac{\\tau}{\\|V_{:,g}\\|_F}, 0\\Big)
        V_{:,g},

    where each group ``g`` is a set of columns (the columns of one task).

    Parameters
    ----------
    V : ndarray of shape (n_features, n_columns)
        Point at which the prox is evaluated.
    threshold : float
        Non-negative threshold ``tau``.
    column_group : ndarray of shape (n_columns,)
        Group index (0, 1, ...) of each column.

    Returns
    -------
    W : ndarray of shape (n_features, n_columns)
        The minimiser: each group of columns is shrunk towards zero as a whole.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.prox import column_group_soft_threshold
    >>> V = np.array([[3.0, 0.3], [4.0, 0.4]])
    >>> column_group_soft_threshold(V, 1.0, np.array([0, 1]))
    array([[2.4, 0. ],
           [3.2, 0. ]])
    """
    norms = np.sqrt(np.bincount(column_group, weights=np.sum(V**2, axis=0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(norms > threshold, 1.0 - threshold / norms, 0.0)
    return V * factor[column_group]


def singular_value_threshold(V, threshold):
    """Singular value soft thresholding: the prox of the trace (nuclear) norm.

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\tau \\|W\\|_*
        = U \\operatorname{diag}(\\max(\\sigma - \\tau, 0)) V_r^\\top,

    where :math:`V = U \\operatorname{diag}(\\sigma) V_r^\\top` is a thin SVD.

    Parameters
    ----------
    V : ndarray of shape (n_features, n_columns)
        Point at which the prox is evaluated.
    threshold : float
        Non-negative threshold ``tau``.

    Returns
    -------
    W : ndarray of shape (n_features, n_columns)
        The minimiser, of rank equal to the number of singular values of ``V``
        above ``tau``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.prox import singular_value_threshold
    >>> singular_value_threshold(np.diag([3.0, 0.5]), 1.0)
    array([[2., 0.],
           [0., 0.]])
    """
    U, singular_values, Vt = np.linalg.svd(V, full_matrices=False)
    shrunk = np.maximum(singular_values - threshold, 0.0)
    keep = shrunk > 0
    if not np.any(keep):
        return np.zeros(V.shape)
    return (U[:, keep] * shrunk[keep]) @ Vt[keep]


def ridge_shrink(V, threshold):
    """Uniform shrinkage: the prox of half the squared Frobenius norm.

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\frac{\\tau}{2} \\|W\\|_F^2
        = \\frac{V}{1 + \\tau}.

    Parameters
    ----------
    V : ndarray of shape (n_features, n_columns)
        Point at which the prox is evaluated.
    threshold : float
        Non-negative weight ``tau`` of the squared norm.

    Returns
    -------
    W : ndarray of shape (n_features, n_columns)
        The minimiser.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.prox import ridge_shrink
    >>> ridge_shrink(np.array([[2.0, 4.0]]), 1.0)
    array([[1., 2.]])
    """
    return V / (1.0 + threshold)
