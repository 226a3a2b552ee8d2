"""The fused sparse group lasso: sparse, shared features that change in steps.

For each feature ``j`` the row :math:`w = W_{j,:}` (its coefficients at the
``T`` time points, in time order) pays

.. math::

    \\omega(w) = \\|w\\|_2 + r_1 \\|w\\|_1 + r_2 \\sum_{k=1}^{T-1}
    |w_{k+1} - w_k|,

and the penalty is :math:`\\Omega(W) = \\sum_j \\omega(W_{j,:})`.

**Prox.** Row by row, the prox of :math:`\\tau \\omega` is the 1-D total
variation (fused lasso) prox at :math:`\\tau r_2`, then soft thresholding at
:math:`\\tau r_1`, then block soft thresholding at :math:`\\tau` (Friedman,
Hastie, Hoefling & Tibshirani 2007 for the first two; Zhou, Liu, Narayan & Ye
2012 for the third). The total variation prox is computed exactly (to
rounding) by the direct algorithm of Condat (2013), run on all rows at once:
see :func:`total_variation_prox`.

**Dual norm.** :math:`\\omega` is a sum of norms, so its unit dual ball is the
sum of the weighted dual balls and :math:`\\omega^\\circ(g)` is the smallest
:math:`\\lambda` with :math:`g \\in \\lambda (B_2 + r_1 B_\\infty + r_2 D^\\top
B_\\infty)` (``D`` the differences of consecutive entries). By Moreau's
identity the distance from ``g`` to :math:`\\lambda (r_1 B_\\infty + r_2 D^\\top
B_\\infty)` is the norm of the prox of :math:`\\lambda (r_1 \\|\\cdot\\|_1 + r_2
\\|D \\cdot\\|_1)` at ``g``, the composition above without its last step, so
:math:`\\omega^\\circ(g)` is the root of

.. math::

    \\varphi(\\lambda) = \\big\\|S_{\\lambda r_1}\\big(\\mathrm{TV}_{\\lambda
    r_2}(g)\\big)\\big\\|_2 - \\lambda.

The distance to a convex set scaled by :math:`\\lambda` is convex in
:math:`\\lambda`, so :math:`\\varphi` is convex, decreasing up to its root, and
piecewise smooth (the prox is piecewise affine in :math:`\\lambda`). Newton's
method from a lower bound therefore climbs to the root without overshooting
and ends in a few steps on the last smooth piece: the dual norm is exact to
rounding (:func:`fused_dual_norms`). The penalty is separable over rows with
the largest row dual norm as its dual norm, so ``alpha_max``, the duality gap
and the working sets of the group lasso apply unchanged.
"""

import numbers

import numpy as np

from .base import NormPenalty, Penalty
from .temporal import time_order

# Newton's method on the dual norm stops when a step changes lambda by less
# than this relative amount (it converges quadratically on the last piece).
_NEWTON_RTOL = 4 * np.finfo(float).eps
# Up to this many rows, the total variation prox runs row by row in Python:
# below it, the fixed cost of the vectorised loop's numpy calls dominates.
_ROWS_ONE_BY_ONE = 100
# At most this many Newton steps (in practice fewer than ten); each costs one
# total variation prox of the rows still moving.
_NEWTON_MAX_STEPS = 100


def _total_variation_row(y, lam):
    """The total variation prox of one row (a list), by the same algorithm.

    The loop of :func:`_total_variation_columns` for a single row, on Python
    floats: for a handful of rows, the few dozen numpy calls of each pass of
    the vectorised loop cost more than this whole loop.
    """
    T = len(y)
    x = [0.0] * T
    start, v_in = 0, 0.0
    while True:
        total, low, high = 0.0, -np.inf, np.inf
        k_low = k_high = k = start
        while True:
            total += y[k]
            length = k - start + 1
            slack = lam if k < T - 1 else 0.0
            centre = total - v_in
            new_low = (centre - slack) / length
            new_high = (centre + slack) / length
            if new_low > high:  # risen above the segment: it ends at k_high
                end, value, v_out = k_high, high, lam
                break
            if new_high < low:  # fallen below it
                end, value, v_out = k_low, low, -lam
                break
            if new_low >= low:
                low, k_low = new_low, k
            if new_high <= high:
                high, k_high = new_high, k
            if k == T - 1:  # the last segment: the end condition fixes it
                end, value, v_out = k, new_low, 0.0
                break
            k += 1
        x[start : end + 1] = [value] * (end + 1 - start)
        if end == T - 1:
            return x
        start, v_in = end + 1, v_out


def _total_variation_columns(Yt, threshold):
    """The total variation prox of each column of ``Yt`` (shape (T, n)).

    The direct algorithm of Condat (2013), in the form of a taut string built
    segment by segment, run in lockstep on all the rows (columns here): each
    pass of the loop advances every unfinished row by one position, with
    vectors of length ``n`` (the layout (T, n) keeps them contiguous).

    A segment starting at position ``k0``, entered with the dual value
    ``v_in`` (:math:`v_k = v_{k-1} + x_k - y_k` must stay in
    :math:`[-\\lambda, \\lambda]`, with :math:`v_{-1} = v_{T-1} = 0`), can keep
    one value ``c`` up to position ``k`` iff ``c`` lies between
    ``(Y(k0..t) - lambda - v_in) / len`` and ``(Y(k0..t) + lambda - v_in) /
    len`` for every ``t <= k`` (at the last position, the end condition
    :math:`v_{T-1} = 0` replaces the two bounds by their midpoint). When the
    interval of ``c`` empties, the data have risen above (or fallen below) the
    segment: it ends where its upper (lower) bound was last attained, at that
    bound, with :math:`v = \\lambda` (:math:`-\\lambda`) there, and the next
    segment starts right after it, so the positions after it are read again.
    A row costs O(T) passes in practice (O(T^2) at worst).
    """
    T, n = Yt.shape
    if n <= _ROWS_ONE_BY_ONE:
        lam = np.broadcast_to(np.asarray(threshold, dtype=float), (n,)).tolist()
        data = Yt.T.tolist()
        rows = [_total_variation_row(y, t) for y, t in zip(data, lam, strict=True)]
        return np.array(rows, dtype=float).reshape(n, T).T.copy()
    flat = Yt.ravel()
    # The slack of each position, read like the data: lambda, and none at the
    # last position, where the end condition v = 0 replaces the two bounds.
    slack_by_position = np.empty((T, n))
    slack_by_position[:-1] = threshold
    slack_by_position[-1] = 0.0
    slack_flat = slack_by_position.ravel()
    segment_value = np.zeros(T * n)  # at each segment's last position
    segment_end = np.zeros(T * n, dtype=bool)
    last_start = (T - 1) * n
    # The state of each unfinished row, compacted as rows finish. Positions
    # are flat indices into Yt (position * n + row), so no row index is kept.
    at = np.arange(n)  # the current position
    lam = np.broadcast_to(np.asarray(threshold, dtype=float), (n,)).copy()
    v_in = np.zeros(n)  # dual value entering the current segment
    total = np.zeros(n)  # sum of y over the segment so far
    length = np.zeros(n)
    low = np.full(n, -np.inf)  # the interval of the segment's value
    high = np.full(n, np.inf)
    at_low = at.copy()  # where each bound was last attained
    at_high = at.copy()
    while at.size:
        y = flat.take(at)
        slack = slack_flat.take(at)
        total += y
        length += 1.0
        centre = total - v_in
        new_low = (centre - slack) / length
        new_high = (centre + slack) / length
        rise = new_low > high
        fall = new_high < low
        jump = rise | fall
        any_jump = jump.any()
        if any_jump:
            # Close the segment at the bound that was crossed (before the
            # updates below overwrite it).
            j = np.flatnonzero(jump)
            up = rise[j]
            end = np.where(up, at_high[j], at_low[j])
            segment_value[end] = np.where(up, high[j], low[j])
            segment_end[end] = True
            v_restart = np.where(up, lam[j], -lam[j])
            restart = end + n
        np.putmask(at_low, new_low >= low, at)
        np.putmask(at_high, new_high <= high, at)
        np.maximum(low, new_low, out=low)
        np.minimum(high, new_high, out=high)
        last = at >= last_start
        if any_jump:
            # A segment that restarts at this very position takes it now (its
            # interval cannot be empty after one position): rows that jump
            # at every position then need one pass per position, not two.
            at_j = at[j]
            here = restart == at_j
            h, back = j[here], j[~here]
            v_h, y_h, slack_h = v_restart[here], y[h], slack[h]
            base = y_h - v_h
            v_in[h], total[h], length[h] = v_h, y_h, 1.0
            low[h] = new_low[h] = base - slack_h
            high[h] = base + slack_h
            at_low[h] = at_high[h] = at_j[here]
            if back.size:
                again = ~here
                v_in[back], total[back], length[back] = v_restart[again], 0.0, 0.0
                low[back], high[back] = -np.inf, np.inf
                at[back] = restart[again] - n  # (advanced below)
                last[back] = False
        at += n
        if last.any():
            # The rows at their last position end with the value of their
            # segment there (new_low: the bounds coincide, no slack).
            finished = np.flatnonzero(last)
            end = at[finished] - n
            segment_value[end] = new_low[finished]
            segment_end[end] = True
            keep = np.flatnonzero(~last)
            at, lam, v_in, total, length = (
                at[keep],
                lam[keep],
                v_in[keep],
                total[keep],
                length[keep],
            )
            low, high = low[keep], high[keep]
            at_low, at_high = at_low[keep], at_high[keep]
    # Each position takes the value of the segment it belongs to: that of the
    # next segment end at or after it.
    values = segment_value.reshape(T, n)
    ends = segment_end.reshape(T, n)
    X = np.empty((T, n))
    X[T - 1] = values[T - 1]
    for t in range(T - 2, -1, -1):
        X[t] = np.where(ends[t], values[t], X[t + 1])
    return X


def total_variation_prox(V, threshold):
    """Row-wise 1-D total variation (fused lasso) prox along the columns.

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\tau \\sum_j \\sum_{t=1}^{T-1}
        |W_{j,t+1} - W_{j,t}|,

    solved exactly (to rounding) by the direct algorithm of Condat (2013):
    vectorised over the rows (one pass of its loop advances every row by one
    position; about ``T`` to ``3 T`` passes), or row by row for at most 100
    rows, where the numpy calls of a pass would cost more than the work.

    Parameters
    ----------
    V : ndarray of shape (n_rows, T)
        Point at which the prox is evaluated.
    threshold : float or ndarray of shape (n_rows,)
        Non-negative ``tau``, one for all rows or one per row.

    Returns
    -------
    W : ndarray of shape (n_rows, T)
        The minimiser: each row is piecewise constant.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.fused import total_variation_prox
    >>> total_variation_prox(np.array([[0.0, 1.0, 3.0]]), 0.5)
    array([[0.5, 1. , 2.5]])
    """
    V = np.asarray(V, dtype=float)
    if V.shape[1] < 2 or V.shape[0] == 0:
        return V.copy()
    return _total_variation_columns(np.ascontiguousarray(V.T), threshold).T


def _soft(X, threshold):
    return np.sign(X) * np.maximum(np.abs(X) - threshold, 0.0)


def _fused_prox_columns(Vt, step, lasso_weight, fused_weight):
    """The prox of ``step * omega`` on each column of ``Vt`` (shape (T, n))."""
    # A row whose dual norm is at most step has a zero prox; its upper bound
    # (see _dual_norm_bounds) finds most such rows in one pass, so the costly
    # total variation prox runs on the others only (in a sparse model, on
    # little more than the support). When most rows survive, copying them out
    # and back costs more than the prox of the few others.
    _, upper = _dual_norm_bounds(Vt, lasso_weight, 0.0, lower=False)
    alive = np.flatnonzero(upper > step)
    if 2 * alive.size < Vt.shape[1]:
        result = np.zeros_like(Vt)
        if alive.size:
            result[:, alive] = _fused_prox_columns(
                np.ascontiguousarray(Vt[:, alive]), step, lasso_weight, fused_weight
            )
        return result
    X = Vt
    if fused_weight > 0 and X.shape[0] > 1:
        X = _total_variation_columns(X, step * fused_weight)
    if lasso_weight > 0:
        X = _soft(X, step * lasso_weight)
    norms = np.sqrt(np.einsum("tj,tj->j", X, X))
    # As in block_soft_threshold: exactly zero at norm <= step, no 0 / 0.
    shrink = 1.0 - step / np.maximum(norms, step)
    return X * shrink


def fused_sparse_group_prox(V, step, lasso_weight, fused_weight):
    """The prox of the fused sparse group lasso, row by row.

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\tau \\sum_j \\Big(
        \\|W_{j,:}\\|_2 + r_1 \\|W_{j,:}\\|_1 + r_2 \\sum_{t=1}^{T-1}
        |W_{j,t+1} - W_{j,t}|\\Big),

    the total variation prox at :math:`\\tau r_2`
    (:func:`total_variation_prox`), then soft thresholding at
    :math:`\\tau r_1`, then block soft thresholding of each row at
    :math:`\\tau`: the composition is exact (Friedman et al. 2007; Zhou et al.
    2012).

    Parameters
    ----------
    V : ndarray of shape (n_rows, T)
        Point at which the prox is evaluated (columns in time order).
    step : float
        Non-negative ``tau``.
    lasso_weight : float
        :math:`r_1 \\ge 0`.
    fused_weight : float
        :math:`r_2 \\ge 0`.

    Returns
    -------
    W : ndarray of shape (n_rows, T)
        The minimiser.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.fused import fused_sparse_group_prox
    >>> V = np.array([[3.0, 3.2, 0.1], [0.1, -0.2, 0.1]])
    >>> fused_sparse_group_prox(V, 0.2, 0.5, 1.0).round(3)
    array([[2.759, 2.759, 0.19 ],
           [0.   , 0.   , 0.   ]])
    """
    V = np.asarray(V, dtype=float)
    if step == 0 or V.shape[0] == 0:
        return V.copy()
    Vt = np.ascontiguousarray(V.T)
    return _fused_prox_columns(Vt, step, lasso_weight, fused_weight).T


def _fused_slopes(Xt):
    """The derivative of the total variation prox in its threshold.

    ``Xt`` (shape (T, n)) is the prox at :math:`\\mu`; its runs of equal
    entries are the fused groups. The value of a group ``G`` is :math:`(\\sum_G
    y + \\mu (s_R - s_L)) / |G|`, with :math:`s_R` (:math:`s_L`) the sign of the
    step from ``G`` to its right neighbour (from its left neighbour to ``G``),
    0 at an end; groups only merge as :math:`\\mu` grows (Friedman et al.
    2007), and adjacent equal groups have just merged, so this is the
    derivative from the right.
    """
    T, n = Xt.shape
    step = np.diff(Xt, axis=0)  # (T - 1, n)
    sign = np.sign(step)
    cut = step != 0
    run = np.ones((T, n))  # positions since the group started
    left = np.zeros((T, n))  # the sign entering the group
    for t in range(1, T):
        run[t] = np.where(cut[t - 1], 1.0, run[t - 1] + 1.0)
        left[t] = np.where(cut[t - 1], sign[t - 1], left[t - 1])
    size = np.empty((T, n))
    right = np.zeros((T, n))  # the sign leaving the group
    size[T - 1] = run[T - 1]
    for t in range(T - 2, -1, -1):
        size[t] = np.where(cut[t], run[t], size[t + 1])
        right[t] = np.where(cut[t], sign[t], right[t + 1])
    return (right - left) / size


def _row_value_columns(Wt, lasso_weight, fused_weight):
    """:math:`\\omega` of each column of ``Wt`` (shape (T, n))."""
    value = np.sqrt(np.einsum("tj,tj->j", Wt, Wt))
    if lasso_weight > 0:
        value = value + lasso_weight * np.sum(np.abs(Wt), axis=0)
    if fused_weight > 0 and Wt.shape[0] > 1:
        value = value + fused_weight * np.sum(np.abs(np.diff(Wt, axis=0)), axis=0)
    return value


def _dual_norm_bounds(Gt, lasso_weight, fused_weight, lower=True):
    """Lower and upper bounds on :math:`\\omega^\\circ` of each column of ``Gt``.

    Lower: Hoelder's inequality at ``w = g``, :math:`\\|g\\|^2 / \\omega(g)`
    (None when ``lower`` is False). Upper: :math:`\\omega \\ge \\|\\cdot\\|_2` and
    :math:`\\omega \\ge r_1 \\|\\cdot\\|_1`, so :math:`\\omega^\\circ` is at most
    :math:`\\|g\\|_2` and :math:`\\|g\\|_\\infty / r_1`.
    """
    squares = np.einsum("tj,tj->j", Gt, Gt)
    upper = np.sqrt(squares)
    if lasso_weight > 0:
        upper = np.minimum(upper, np.max(np.abs(Gt), axis=0) / lasso_weight)
    if not lower:
        return None, upper
    value = _row_value_columns(Gt, lasso_weight, fused_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(value > 0, squares / value, 0.0)
    return np.minimum(bound, upper), upper


def _fused_dual_norms_columns(Gt, lasso_weight, fused_weight):
    """Exact :math:`\\omega^\\circ` of each column of ``Gt`` (shape (T, n)).

    Newton's method on :math:`\\varphi(\\lambda) = \\|S_{\\lambda r_1}(
    \\mathrm{TV}_{\\lambda r_2}(g))\\|_2 - \\lambda` (see the module docstring)
    from the lower bound of :func:`_dual_norm_bounds`. Each step is taken from
    the right-derivative at a point left of the root, which convexity puts
    left of the root again (or on it); the bracket ``[lo, hi]`` (largest point
    known to be left of the root, smallest known to be right of it) only
    guards against rounding, with a bisection step should a step land right
    of the root by more than rounding.
    """
    lower, upper = _dual_norm_bounds(Gt, lasso_weight, fused_weight)
    fused = fused_weight > 0 and Gt.shape[0] > 1
    if not fused and lasso_weight == 0:
        return upper  # the group norm alone: its dual norm is the l2 norm
    norms = lower.copy()
    moving = np.flatnonzero(upper > lower)
    lam, lo, hi = lower[moving], lower[moving], upper[moving]
    for _ in range(_NEWTON_MAX_STEPS):
        if not moving.size:
            break
        G = Gt[:, moving]
        if fused:
            X = _total_variation_columns(G, lam * fused_weight)
            slope = fused_weight * _fused_slopes(X)
        else:
            X, slope = G, np.zeros_like(G)
        P = X
        if lasso_weight > 0:
            P = _soft(X, lam * lasso_weight)
            slope = np.where(P != 0, slope - lasso_weight * np.sign(X), 0.0)
        length = np.sqrt(np.einsum("tj,tj->j", P, P))
        phi = length - lam
        right = phi <= 0  # lam is at or right of the root
        hi = np.where(right, lam, hi)
        lo = np.where(right, lo, lam)
        with np.errstate(divide="ignore", invalid="ignore"):
            derivative = np.einsum("tj,tj->j", P, slope) / length - 1.0
            newton = lam - phi / derivative
        newton = np.clip(np.nan_to_num(newton, nan=hi, posinf=hi), lo, hi)
        # Right of the root by rounding only? phi is a non-increasing
        # distance minus lambda, so its slopes are at most -1 and lam is
        # within |phi| of the root.
        at_root = (hi - lo <= _NEWTON_RTOL * hi) | (phi >= -_NEWTON_RTOL * lam)
        settled = np.where(right, at_root, newton - lam <= _NEWTON_RTOL * newton)
        new = np.where(right, 0.5 * (lo + hi), newton)
        norms[moving] = np.where(right, lam, newton)
        keep = ~settled
        moving, lam, lo, hi = moving[keep], new[keep], lo[keep], hi[keep]
    return norms


def fused_dual_norms(G, lasso_weight, fused_weight):
    """The dual norm of the fused sparse group lasso of each row of ``G``.

    .. math::

        \\omega^\\circ(g) = \\max_{\\omega(w) \\le 1} \\langle g, w \\rangle
        = \\min \\{\\lambda \\ge 0 : \\|S_{\\lambda r_1}(\\mathrm{TV}_{\\lambda
        r_2}(g))\\|_2 \\le \\lambda\\},

    with :math:`\\omega(w) = \\|w\\|_2 + r_1 \\|w\\|_1 + r_2 \\sum_t |w_{t+1} -
    w_t|` (see the module docstring): the root of a convex, decreasing
    function, found by Newton's method from the lower bound :math:`\\|g\\|^2 /
    \\omega(g)`, exact to rounding.

    Parameters
    ----------
    G : ndarray of shape (n_rows, T)
        Rows whose dual norms are wanted (columns in time order).
    lasso_weight : float
        :math:`r_1 \\ge 0`.
    fused_weight : float
        :math:`r_2 \\ge 0`.

    Returns
    -------
    norms : ndarray of shape (n_rows,)
        :math:`\\omega^\\circ(G_{j,:})` for each row.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.fused import fused_dual_norms
    >>> fused_dual_norms(np.array([[1.0, 1.0], [1.0, -1.0]]), 0.0, 1.0).round(6)
    array([1.414214, 0.585786])
    """
    G = np.asarray(G, dtype=float)
    if G.shape[0] == 0:
        return np.zeros(0)
    return _fused_dual_norms_columns(
        np.ascontiguousarray(G.T), lasso_weight, fused_weight
    )


def _non_negative(owner, name, value):
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_real or not np.isfinite(value) or value < 0:
        raise ValueError(
            f"{owner}: {name} must be a finite number >= 0, got {value!r}."
        )
    return float(value)


class FusedSparseGroupLasso(Penalty):
    """Fused sparse group lasso: sparse features whose effects change in steps.

    One task per time point. For each feature the coefficients at the
    ``T`` time points pay a group norm (the feature is used at every time
    point or at none), an l1 norm (some time points may drop it) and a fused
    term on the changes between consecutive time points (its effect stays
    constant between a few change points): the convex fused sparse group lasso
    of Zhou, Liu, Narayan & Ye (2012), MALSAR's ``Least_CFGLasso``,
    ``Logistic_CFGLasso``:

    .. math::

        \\alpha \\sum_j \\Big(\\|W_{j,:}\\|_2 + r_1 \\sum_t |W_{jt}|
        + r_2 \\sum_{k=1}^{T-1} |W_{j,t_{k+1}} - W_{j,t_k}|\\Big),

    with :math:`t_1, \\dots, t_T` the tasks in time order (``order``). Its
    dual norm is the largest of the rows' dual norms (see
    :func:`~skmtl.penalties.fused.fused_dual_norms`, exact to rounding), so
    :math:`\\alpha_{\\max} = \\max_j \\omega^\\circ(G_{j,:})` with ``G`` the
    gradient of the data term at the null model, and the solver certifies its
    solutions with the duality gap and uses working sets of features, as for
    the group lasso.

    MALSAR's ``Least_CFGLasso(X, Y, rho1, rho2, rho3)`` minimises
    :math:`\\frac12 \\sum_t \\|y_t - X_t w_t\\|^2 + \\rho_1 \\|W\\|_1 + \\rho_2
    \\|W R\\|_1 + \\rho_3 \\|W\\|_{2,1}`: with ``c = N / T`` (``task_column``,
    ``task_weighting="observations"``, ``fit_intercept=False``, ``N``
    observations; ``c = 1`` for ``Logistic_CFGLasso`` with
    ``task_weighting="tasks"``), ``alpha = rho3 / c``, ``lasso_weight = rho1 /
    rho3`` and ``fused_weight = rho2 / rho3``. (``rho3 = 0`` has no
    counterpart: the group norm sets the scale.)

    Parameters
    ----------
    lasso_weight : float, default=0.1
        :math:`r_1 \\ge 0`, relative to the group norm: the larger, the more
        single time points drop a feature. 0: no l1 term.
    fused_weight : float, default=1.0
        :math:`r_2 \\ge 0`, relative to the group norm: the larger, the fewer
        changes of a feature's effect over time (0: the sparse group lasso).
        Worth tuning with ``alpha``: on the synthetic progression of
        ``benchmarks/bench_progression.py`` (6 visits) cross-validation chose
        1 or 3.
    order : array-like of task labels, default=None
        The tasks from the earliest to the latest time point, each once. None:
        the order of the fitted ``tasks_`` (the columns of ``Y``, or the sorted
        labels of a task column); labels that are numbers, or strings holding
        numbers, must then be increasing (``"m6"`` after ``"m12"`` is an
        error that asks for ``order``).

    Notes
    -----
    Each task must have one coefficient column (regression, or binary
    classification tasks). The prox is exact: the 1-D total variation prox of
    every row (Condat's direct algorithm, vectorised over the rows), soft
    thresholding and group shrinkage: 6 to 7.5 ms for 10,000 dense rows and
    10 time points, less when the group shrinkage zeroes rows (see
    ``benchmarks/RESULTS_progression.md``).

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskRegressor, alpha_max
    >>> from skmtl.structures import FusedSparseGroupLasso
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, _ = make_multitask_regression(60, 8, 4, random_state=0)
    >>> penalty = FusedSparseGroupLasso(lasso_weight=0.1, fused_weight=1.0)
    >>> a_max = alpha_max(X, Y, penalty=penalty)
    >>> model = MultiTaskRegressor(penalty=penalty, alpha=0.2 * a_max).fit(X, Y)
    >>> model.coef_.shape
    (4, 8)
    """

    shared_structure = "support"

    def __init__(self, lasso_weight=0.1, fused_weight=1.0, order=None):
        self.lasso_weight = lasso_weight
        self.fused_weight = fused_weight
        self.order = order

    def _components(self, context):
        name = "FusedSparseGroupLasso"
        lasso_weight = _non_negative(name, "lasso_weight", self.lasso_weight)
        fused_weight = _non_negative(name, "fused_weight", self.fused_weight)
        columns = time_order(self.order, context, name)
        return [(None, _FusedRows(lasso_weight, fused_weight, columns), 1.0)]


class _FusedRows(NormPenalty):
    """The solver side of :class:`FusedSparseGroupLasso`.

    Parameters
    ----------
    lasso_weight, fused_weight : float
        :math:`r_1, r_2 \\ge 0`.
    columns : ndarray of int, default=None
        The columns of ``W`` in time order; None: as they are.
    """

    row_separable = True
    # A dual point costs a total variation prox of the rows that may lie
    # outside the ball, and a few more (Newton's method) when some do: more
    # than one pass over W, so the solvers evaluate the gap every few
    # iterations rather than at each.
    cheap_dual_point = False

    def __init__(self, lasso_weight=0.1, fused_weight=1.0, columns=None):
        self.lasso_weight = lasso_weight
        self.fused_weight = fused_weight
        self.columns = columns

    def _in_time_order(self, W):
        """``W`` transposed, one row per time point (shape (T, n_rows))."""
        if self.columns is None:
            return np.ascontiguousarray(W.T)
        return np.ascontiguousarray(W.T[self.columns])

    def value(self, W):
        """Sum over rows of :math:`\\omega(W_{j,:})`."""
        if W.shape[0] == 0:
            return 0.0
        Wt = self._in_time_order(W)
        return float(
            np.sum(_row_value_columns(Wt, self.lasso_weight, self.fused_weight))
        )

    def prox(self, V, step):
        """Total variation prox, soft thresholding, group shrinkage, row by row."""
        if step == 0 or V.shape[0] == 0:
            return V.copy()
        Pt = _fused_prox_columns(
            self._in_time_order(V), step, self.lasso_weight, self.fused_weight
        )
        P = np.empty_like(V, dtype=float)
        if self.columns is None:
            P[...] = Pt.T
        else:
            P[:, self.columns] = Pt.T
        return P

    def row_dual_norms(self, G):
        """:math:`\\omega^\\circ` of each row of ``G``, exact to rounding."""
        if G.shape[0] == 0:
            return np.zeros(0)
        return _fused_dual_norms_columns(
            self._in_time_order(G), self.lasso_weight, self.fused_weight
        )

    def dual_point(self, G, alpha):
        """Scale ``G`` into the dual-norm ball of radius ``alpha``.

        As :meth:`NormPenalty.dual_point`, but the dual norm is computed only
        when ``G`` is outside the ball: a row is inside iff the prox of
        :math:`\\alpha (r_1 \\|\\cdot\\|_1 + r_2 \\|D \\cdot\\|_1)` at it has norm
        at most :math:`\\alpha` (one total variation prox of the rows whose
        upper bound exceeds ``alpha``), and only the rows outside can hold
        the maximum.

        Parameters
        ----------
        G : ndarray of shape (n_features, n_columns)
            Dual candidate in coefficient space.
        alpha : float
            Strength of the penalty.

        Returns
        -------
        scale : float
            Largest factor in [0, 1] with ``dual_norm(scale * G) <= alpha``.
        conjugate : float
            Zero: the conjugate of a norm vanishes on its dual ball.
        """
        if G.shape[0] == 0:
            return 1.0, 0.0
        Gt = self._in_time_order(G)
        _, upper = _dual_norm_bounds(Gt, self.lasso_weight, 0.0, lower=False)
        unsure = np.flatnonzero(upper > alpha)
        if unsure.size == 0:
            return 1.0, 0.0
        rows = np.ascontiguousarray(Gt[:, unsure])
        X = rows
        if self.fused_weight > 0 and X.shape[0] > 1:
            X = _total_variation_columns(X, alpha * self.fused_weight)
        if self.lasso_weight > 0:
            X = _soft(X, alpha * self.lasso_weight)
        outside = np.sqrt(np.einsum("tj,tj->j", X, X)) > alpha
        if not outside.any():
            return 1.0, 0.0
        norm = np.max(
            _fused_dual_norms_columns(
                np.ascontiguousarray(rows[:, outside]),
                self.lasso_weight,
                self.fused_weight,
            )
        )
        return (1.0 if norm <= alpha else alpha / norm), 0.0

    def dual_norm(self, G):
        """The largest row dual norm, computed only for rows that may hold it.

        A row whose upper bound (:func:`_dual_norm_bounds`) is below the
        largest lower bound cannot hold the maximum; the others get the exact
        computation, so the result is exactly the largest row dual norm.
        """
        if G.shape[0] == 0:
            return 0.0
        Gt = self._in_time_order(G)
        lower, upper = _dual_norm_bounds(Gt, self.lasso_weight, self.fused_weight)
        candidates = np.flatnonzero(upper >= np.max(lower))
        exact = _fused_dual_norms_columns(
            np.ascontiguousarray(Gt[:, candidates]),
            self.lasso_weight,
            self.fused_weight,
        )
        return float(np.max(exact, initial=0.0))
