"""Trace-norm prox and spectral norm at scale: partial SVDs with certificates.

The prox of the trace norm, singular value thresholding (SVT), keeps only the
singular values of ``V`` above the threshold ``tau``. Along a low-rank fit
they are few, so a full SVD of the ``d x T`` iterate (``O(d T min(d, T))``)
is mostly spent on singular values that the prox sets to zero.
:func:`partial_singular_value_threshold` computes only the leading singular
triplets, by subspace iteration warm-started from the previous call's right
singular subspace, and then *certifies* that no singular value above
``tau`` was missed. :func:`spectral_norm_bound` gives a certified upper
bound of the spectral norm (the dual norm of the trace norm) from a Gram
matrix instead of an SVD.

How exactness is ensured
------------------------
Work with a tall ``A`` (``V`` or its transpose), ``n x m`` with ``n >= m``.
A Rayleigh-Ritz step on an orthonormal right basis ``Q`` gives triplets
``(sigma_i, u_i, r_i)`` with ``A r_i = sigma_i u_i`` and a residual
``e_i = A^T u_i - sigma_i r_i`` on the other side. Take a set ``J`` of them
containing every Ritz value above ``tau`` and split

.. math::

    A = \\underbrace{U_J \\Sigma_J R_J^\\top + (I - U_J U_J^\\top) A}_{A'}
        + U_J E_J^\\top .

The two terms of ``A'`` have orthogonal column *and* row spaces, so the SVD
of ``A'`` is the union of theirs. If the spectral norm of the deflated
matrix ``D = (I - U_J U_J^T) A`` is at most ``tau``, SVT of ``A'`` is exactly
``U_J (Sigma_J - tau)_+ R_J^T``, our output; SVT being 1-Lipschitz in
Frobenius norm, the output is then within ``||E_J||_F`` of the exact prox of
``A``. Both conditions are checked:

- ``||E_J||_F <= rtol * sigma_1`` (the subspace iteration continues until
  the residuals are that small);
- ``||D||_2 <= tau``, by one of two certificates:

  * a Cholesky factorisation of ``c^2 I - D^T D``: the factor exists if
    and only if every singular value of ``D`` is below ``c``. First ``c`` is
    the geometric middle of ``tau`` and the largest Ritz value left out of
    ``J`` (a lower bound of ``||D||_2``), to leave a margin for the next
    call; else ``tau`` itself, enlarged by a relative ``1e-12`` so that a
    singular value *at* the threshold, which the prox sets to zero anyway,
    does not fail it. It costs a Gram product, about a tenth of a full SVD.
    When it fails, the directions it missed join the block and the
    iteration resumes.
  * a perturbation bound from the last certified call (matrix ``A_0``, its
    deflated right vectors ``R_0`` and a certified
    ``beta_0 >= ||A_0 (I - R_0 R_0^T)||_2``): by the triangle inequality,

    .. math::

        \\|D\\|_2 \\le \\|(I - U_J U_J^\\top) A R_0\\|_F + \\beta_0
        + \\|(A - A_0)(I - R_0 R_0^\\top)\\|_F ,

    which costs one product with the ``k`` columns of ``R_0`` and a few
    passes over ``A``. Along a solver's iterations ``A`` moves little
    outside the retained subspace, and this bound usually proves
    ``||D||_2 <= tau`` without any Gram product. After either certificate,
    ``beta = c + ||E_J||_F`` (plus rounding) bounds
    ``||A (I - R_J R_J^T)||_2`` for the next call.

The result therefore differs from the full-SVD prox by at most
``rtol * sigma_1`` (``rtol = 1e-12``) plus rounding errors: those of the
Gram product may hide a singular value within about
``sqrt(n) * eps * tau`` of the threshold, whose contribution to the prox is
of that size. No probabilistic argument is involved: random vectors only
start the iteration.

The same kind of certificate bounds the spectral norm: the largest
eigenvalue ``lambda`` of the Gram matrix ``A^T A`` (from LAPACK) is enlarged
to ``mu`` until ``mu I - A^T A`` has a Cholesky factor, which proves
``||A||_2^2 < mu`` up to the rounding errors of the Gram product and of the
factorisation, which are bounded a priori and added.

Small matrices, and iterates whose rank is not small, go to the full SVD,
which is faster there (see the constants below, measured on a 2-core AMD
EPYC with one BLAS thread), and so do calls whose iteration would cost more
than about a full SVD (singular values clustered at the threshold converge
slowly); after such a call the next ones skip the attempt (1, 2, 4, ... up
to 32 calls).
"""

import numpy as np
from scipy.linalg import eigh, lapack

from ..utils.linalg import FactoredMatrix
from .base import NormPenalty

# Below this many columns of the tall orientation (min(d, T)) the prox uses
# the full SVD. Measured crossovers (one BLAS thread): a cold partial prox
# (random start, Cholesky certificate) matches the full SVD at min(d, T) = 80
# (200 x 80: 1.1 ms both) and is 1.5x faster at 100; a warm-started sequence
# is 2x faster at 100, 5x at 300.
_SMALL_SIDE = 100
# The same for the spectral norm: the bound matches the SVD at 200 x 100
# (0.75 ms) on a generic matrix (where the block estimate does not converge
# and LAPACK's eigenvalue is needed), is 1.3x faster at 300 x 150; on a
# gradient of a fit at 1000 x 500, 3x faster (11 ms against 34 ms).
_SMALL_SIDE_NORM = 150
# The block is never wider than this fraction of min(d, T): beyond, the
# iteration costs as much as the full SVD.
_MAX_BLOCK_FRACTION = 0.25
# Columns added to the block beyond the number of singular values above the
# threshold: they speed up the convergence of the retained triplets (rate
# (sigma_{b+1} / sigma_k)^2 per iteration for a block of width b) and warm
# start the singular values that cross the threshold next.
_OVERSAMPLING = 10
# Relative size (to sigma_1) of the residuals of the retained triplets, and so
# of the distance of the result to the exact prox.
_RESIDUAL_RTOL = 1e-12
# Relative enlargement of tau^2 in the Cholesky certificate: a singular value
# at the threshold contributes nothing to the prox, and must not fail it.
_THRESHOLD_SLACK = 1e-12
# The work of one call's iteration, as the sum of its block widths (each
# width w costs a product with A and one with A^T, 4 n m w flops), is capped
# at this multiple of min(d, T) before it gives up for the full SVD: about
# two thirds of the cost of the full SVD (one iteration with 20 columns costs
# 1/75 of a full SVD at 2000 x 1000).
_WORK_BUDGET = 1.0
# ... but at least this many iterations (a cold start from random vectors
# needs 5 to 10 to reach the tolerance).
_MIN_ITERATIONS = 10
# After a call that gave up, the next calls go straight to the full SVD: 1,
# then 2, 4, ... up to this many after consecutive failures.
_MAX_SKIPPED = 32
# Magnitudes (of ||V||_F) within which squares and Gram products neither
# overflow nor lose the small entries; outside, the full SVD (which scales).
_SAFE_RANGE = (2.0**-250, 2.0**250)
# Certificates that may fail (directions added) before the full SVD.
_MAX_RESTARTS = 3
# Power steps on the deflated Gram matrix that turn a failed certificate into
# the directions it missed.
_MISSED_POWER_STEPS = 4
_EPS = np.finfo(float).eps


class _Anchor:
    """The last certified call, which the perturbation bound starts from.

    ``A`` (a copy), the orthonormal right vectors ``R`` it deflated, and
    ``beta >= ||A (I - R R^T)||_2``.
    """

    __slots__ = ("A", "R", "beta", "frobenius")

    def __init__(self, A, R, beta, frobenius):
        self.A, self.R, self.beta, self.frobenius = A, R, beta, frobenius


class LowRankState:
    """What one trace-norm operator carries from a prox to the next.

    A warm start only: the right singular subspace of the last prox, the
    number of singular values that were above the threshold, and the last
    certified matrix (for the perturbation certificate). The result of a prox
    never depends on it beyond the tolerance of the certificate.

    Parameters
    ----------
    seed : int, default=0
        Seed of the random vectors that fill the block, so that a sequence of
        calls is reproducible.

    Attributes
    ----------
    basis : ndarray of shape (m, b) or None
        Orthonormal right singular vectors of the last prox, in the tall
        orientation (``m = min(d, T)``), by decreasing singular value.
    shape : tuple or None
        Shape of the last ``V``; the state is used only for the same shape.
    rank : int
        Number of singular values above the threshold at the last prox.
    calls, partial_calls, full_calls : int
        Every prox, those done by the partial SVD, those by the full SVD.
    iterations, restarts : int
        Subspace iterations, and failed certificates (directions added).
    failures, skipped : int
        Consecutive calls whose partial SVD gave up, and the number of calls
        that go straight to the full SVD because of them.
    gram_certificates, chained_certificates : int
        Partial SVDs certified by a Cholesky factorisation, and by the
        perturbation bound from the previous call.
    """

    def __init__(self, seed=0):
        self.seed = seed
        self.reset()

    def reset(self):
        """Forget the warm start and the counters."""
        self.basis, self.shape, self.rank, self.anchor = None, None, 0, None
        self.rng = np.random.default_rng(self.seed)
        self.calls = self.partial_calls = self.full_calls = 0
        self.iterations = self.restarts = 0
        self.gram_certificates = self.chained_certificates = 0
        self.failures = self.skipped = 0

    def _remember(self, shape, basis, rank, anchor=None):
        # (Each attribute is consistent on its own: another thread sharing the
        # operator sees an old or a new one, either of which is only a start
        # or is checked against the shape.)
        self.basis, self.shape, self.rank, self.anchor = basis, shape, int(rank), anchor


def _tall(V):
    """``V`` as a tall matrix (a view), and whether it was transposed."""
    if V.shape[0] >= V.shape[1]:
        return V, False
    return V.T, True


def _orthonormal(block):
    return np.linalg.qr(block)[0]


def _full_svt(A, threshold, state, shape):
    """Exact SVT of the tall ``A`` by a full SVD; records the warm start."""
    U, singular_values, Vt = np.linalg.svd(A, full_matrices=False)
    rank = int(np.count_nonzero(singular_values > threshold))
    width = min(rank + _OVERSAMPLING, singular_values.size)
    state._remember(shape, Vt[:width].T.copy(), rank)
    return U[:, :rank], singular_values[:rank], Vt[:rank].T


def _cholesky_succeeds(gram, level_sq):
    """Whether ``level_sq I - gram`` has a Cholesky factor (is positive definite)."""
    shifted = -gram
    shifted.flat[:: gram.shape[0] + 1] += level_sq
    return lapack.dpotrf(shifted, lower=0, clean=0, overwrite_a=1)[1] == 0


def _chained_bound(A, U, anchor):
    """The perturbation bound of ``||(I - U U^T) A||_2`` from the anchor."""
    Y = A @ anchor.R
    outside = np.linalg.norm(Y - U @ (U.T @ Y))
    delta = A - anchor.A
    # ||delta (I - R R^T)||_F^2 = ||delta||_F^2 - ||delta R||_F^2 (R orthonormal).
    change = np.linalg.norm(delta)
    along = np.linalg.norm(delta @ anchor.R)
    drift = np.sqrt(max(change**2 - along**2, 0.0))
    frobenius = np.linalg.norm(A)
    # Rounding errors: of delta, of the norms and of A R = U s, a few ulps of
    # the Frobenius norms; of the difference of squares, whose square root
    # may hide sqrt(eps) ||delta||_F.
    rounding = 64 * _EPS * (frobenius + anchor.frobenius) * np.sqrt(A.shape[1])
    rounding += 4 * np.sqrt(_EPS) * change
    return outside + anchor.beta + drift + rounding, frobenius


def _gram_level(A, threshold, U, Z, lower):
    """A certified ``c >= ||(I - U U^T) A||_2``, ``c <= tau``; else the Gram matrix.

    ``Z = A^T U``; ``lower`` is a lower bound of ``||(I - U U^T) A||_2`` (the
    largest Ritz value left out of ``U``). Returns ``(c, None)`` on success,
    ``(None, D^T D)`` when a singular value of ``D`` is above ``tau``.
    """
    D = A - U @ Z.T
    gram = D.T @ D
    m = gram.shape[0]
    threshold_sq = threshold**2 * (1.0 + _THRESHOLD_SLACK)
    # The Cholesky factorisation proves lambda_max < level^2 up to its backward
    # error, (m + 1)^2 eps level^2, and that of the Gram product,
    # gamma_n ||D||_F^2 <= n m eps level^2 (relative 1e-9 at m = n = 3e4):
    # the certified level is enlarged by both, relatively.
    rounding = 1.0 + ((m + 1) ** 2 + A.shape[0] * m) * _EPS
    # First the geometric middle of the lower bound and tau: a margin for the
    # next call's chained bound when it passes.
    middle_sq = max(lower * threshold, 1e-6 * threshold**2)
    levels = [middle_sq, threshold_sq] if middle_sq < threshold_sq else [threshold_sq]
    for level_sq in levels:
        if _cholesky_succeeds(gram, level_sq):
            return np.sqrt(level_sq * rounding), None
    return None, gram


def _missed_directions(gram, width, rng):
    """Leading eigenvectors (approximately) of the deflated Gram matrix."""
    block = rng.standard_normal((gram.shape[0], width))
    for _ in range(_MISSED_POWER_STEPS):
        block = _orthonormal(gram @ block)
    return block


def _certify(A, threshold, U, Z, R, residual, lower, state):
    """Whether ``||(I - U U^T) A||_2 <= tau``; records the anchor when it is.

    ``U, Z = A^T U, R`` are the deflated triplets' vectors, ``residual``
    their residual norm ``||E_J||_F`` and ``lower`` the largest Ritz value
    left out. Returns True, or the deflated Gram matrix when singular values
    above the threshold were missed.
    """
    anchor, frobenius = state.anchor, None
    level = None
    if anchor is not None and anchor.A.shape == A.shape:
        bound, frobenius = _chained_bound(A, U, anchor)
        if bound <= threshold:
            level = bound
            state.chained_certificates += 1
    if level is None:
        level, gram = _gram_level(A, threshold, U, Z, lower)
        if level is None:
            return gram
        state.gram_certificates += 1
    if frobenius is None:
        frobenius = np.linalg.norm(A)
    # ||A (I - R R^T)||_2 = ||D + U E^T||_2 <= level + ||E||_F, plus the
    # rounding of A R = U s (a few ulps of ||A||_F).
    beta = level + residual + 64 * _EPS * frobenius * np.sqrt(A.shape[1])
    state.anchor = _Anchor(np.array(A, order="C"), R.copy(), beta, frobenius)
    return True


def _initial_block(state, shape, m, widest):
    """The starting right basis: the last call's, filled with random vectors."""
    rng = state.rng
    width = min(max(state.rank + _OVERSAMPLING, 2 * _OVERSAMPLING), widest)
    warm = state.basis if state.shape == shape else None
    if warm is None:
        return _orthonormal(rng.standard_normal((m, width)))
    width = min(max(width, warm.shape[1]), widest)
    kept = warm[:, :width]
    if kept.shape[1] == width:
        return kept
    fill = rng.standard_normal((m, width - kept.shape[1]))
    return _orthonormal(np.hstack([kept, fill]))


def _too_slow(excess_history, iterations_left):
    """Whether the residuals will not reach the tolerance in time.

    ``excess_history`` holds, per iteration, the residual of the retained
    triplets over its tolerance; the rate is read over the last 3 iterations.
    """
    if len(excess_history) < 4:
        return False
    rate = (excess_history[-1] / excess_history[-4]) ** (1.0 / 3.0)
    if rate >= 1.0:
        return True
    needed = np.log(excess_history[-1]) / -np.log(rate)
    return needed > iterations_left


def _partial_triplets(A, threshold, state, shape):
    """Certified leading singular triplets of the tall ``A`` above ``tau``.

    Returns ``(U_k, sigma_k, R_k)``, or None when the full SVD should be used
    instead: the block would be too wide, or the iteration converges too
    slowly (clustered singular values at the threshold) or fails its
    certificate too often.
    """
    m = A.shape[1]
    rng = state.rng
    widest = max(int(_MAX_BLOCK_FRACTION * m), 1)
    Q = _initial_block(state, shape, m, widest)
    restarts = widenings = spent = 0
    budget = max(_WORK_BUDGET * m, _MIN_ITERATIONS * Q.shape[1])
    excess_history = []
    while spent + Q.shape[1] <= budget:
        spent += Q.shape[1]
        state.iterations += 1
        # Rayleigh-Ritz on span(Q): A R = U diag(s), with R = Q W; the
        # residuals A^T u_i - s_i r_i measure the distance to exact triplets.
        U, s, Wt = np.linalg.svd(A @ Q, full_matrices=False)
        R = Q @ Wt.T
        Z = A.T @ U
        residuals = np.linalg.norm(Z - R * s, axis=0)
        rank = int(np.count_nonzero(s > threshold))
        grow = rank + _OVERSAMPLING - Q.shape[1]
        if rank < Q.shape[1]:
            # The converged prefix J of the triplets: it must hold every
            # retained one; converged ones below the threshold are deflated
            # too, which can only help the certificate.
            tolerance = _RESIDUAL_RTOL * s[0]
            cumulative = np.sqrt(np.cumsum(residuals**2))
            j = int(np.count_nonzero(cumulative <= tolerance))
            if j >= rank:
                residual = cumulative[j - 1] if j else 0.0
                lower = s[j] if j < s.size else 0.0
                outcome = _certify(
                    A, threshold, U[:, :j], Z[:, :j], R[:, :j], residual, lower, state
                )
                if outcome is True:
                    state._remember(
                        shape, R[:, : rank + _OVERSAMPLING].copy(), rank, state.anchor
                    )
                    return U[:, :rank], s[:rank], R[:, :rank]
                # Singular values above the threshold were missed: add the
                # leading directions of the deflated matrix to the block.
                restarts += 1
                state.restarts += 1
                if restarts > _MAX_RESTARTS or Q.shape[1] + _OVERSAMPLING > widest:
                    return None
                missed = _missed_directions(outcome, _OVERSAMPLING, rng)
                Q = _orthonormal(np.hstack([R, missed]))
                continue
            excess_history.append(cumulative[rank - 1] / tolerance)
            if _too_slow(excess_history, (budget - spent) // Q.shape[1]):
                # Subspace iteration converges at the rate
                # (sigma_{b+1} / sigma_k)^2: a wider block speeds it up.
                widenings += 1
                if widenings > 2:
                    return None
                grow = max(grow, _OVERSAMPLING)
                excess_history.clear()
        if grow > 0:
            if Q.shape[1] + grow > widest:
                return None
            Z = np.hstack([Z, rng.standard_normal((m, grow))])
        # One step of subspace iteration on A^T A: span(Z) = span(A^T A Q).
        Q = _orthonormal(Z)
    return None


class _Factors:
    """A thresholded matrix as ``U diag(shrunk) R^T`` in the tall orientation."""

    __slots__ = ("shape", "U", "shrunk", "R", "transposed", "product_factors")

    def __init__(self, shape, U, shrunk, R, transposed):
        self.shape, self.U, self.shrunk, self.R = shape, U, shrunk, R
        self.transposed = transposed
        self.product_factors = None  # those of the matrix made from them


def _svt_factors(V, threshold, state):
    """The factors of SVT of ``V`` at ``threshold > 0``, partial SVD or full."""
    state.calls += 1
    A, transposed = _tall(V)
    shape = V.shape
    triplets = None
    if _worth_trying(A, state, shape):
        frobenius = np.linalg.norm(A)
        if frobenius <= threshold:
            # Every singular value is at most the Frobenius norm.
            state._remember(shape, None, 0)
            state.partial_calls += 1
            return _Factors(shape, A[:, :0], np.zeros(0), A[:0].T, transposed)
        if _SAFE_RANGE[0] < frobenius < _SAFE_RANGE[1]:
            triplets = _partial_triplets(A, threshold, state, shape)
            if triplets is None:
                state.failures += 1
                state.skipped = min(2 ** (state.failures - 1), _MAX_SKIPPED)
            else:
                state.failures = 0
                state.partial_calls += 1
    if triplets is None:
        state.full_calls += 1
        triplets = _full_svt(A, threshold, state, shape)
    U, s, R = triplets
    return _Factors(shape, U, s - threshold, R, transposed)


def _worth_trying(A, state, shape):
    """Whether to try the partial SVD on the tall ``A`` (else the full SVD)."""
    m = A.shape[1]
    if m < _SMALL_SIDE:
        return False
    if state.skipped:
        state.skipped -= 1
        return False
    # At the last call of this shape, too many singular values were kept.
    widest = _MAX_BLOCK_FRACTION * m
    return state.shape != shape or state.rank + _OVERSAMPLING <= widest


def _low_rank_product(factors):
    """``U diag(shrunk) R^T`` in the original orientation, carrying its factors.

    The result is a :class:`~skmtl.utils.linalg.FactoredMatrix`: a datafit's
    products with it then cost ``rank (d + T)`` per row instead of ``d T``.
    """
    U, shrunk, R = factors.U, factors.shrunk, factors.R
    if shrunk.size == 0:
        return np.zeros(factors.shape)
    if factors.transposed:
        return FactoredMatrix(R * shrunk, U.T)
    return FactoredMatrix(U * shrunk, R.T)


def partial_singular_value_threshold(V, threshold, state=None):
    """Singular value soft thresholding by a certified partial SVD.

    Computes the same minimiser as
    :func:`skmtl.penalties.prox.singular_value_threshold`,

    .. math::

        \\arg\\min_W \\tfrac12 \\|W - V\\|_F^2 + \\tau \\|W\\|_*,

    from the singular triplets of ``V`` above ``tau`` only, when they are
    few; see the module docstring for how the result is certified to be the
    exact prox up to ``1e-12 * ||V||_2`` and rounding.

    Parameters
    ----------
    V : ndarray of shape (n_features, n_columns)
        Point at which the prox is evaluated.
    threshold : float
        Non-negative threshold ``tau``.
    state : LowRankState, default=None
        Warm start from (and for) a sequence of calls, e.g. the iterations of
        a solver; a fresh one when None.

    Returns
    -------
    W : ndarray of shape (n_features, n_columns)
        The minimiser.
    shrunk : ndarray of shape (rank,) or None
        Its nonzero singular values, ``sigma_i - tau`` for the singular
        values ``sigma_i > tau`` of ``V``, by decreasing size: their sum is
        the trace norm of ``W``. None for ``tau = 0`` (``W`` is ``V``).

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.low_rank import partial_singular_value_threshold
    >>> W, shrunk = partial_singular_value_threshold(np.diag([3.0, 0.5]), 1.0)
    >>> W
    array([[2., 0.],
           [0., 0.]])
    >>> shrunk
    array([2.])
    """
    if threshold <= 0:
        return np.array(V, dtype=float), None  # the identity
    factors = _svt_factors(V, threshold, LowRankState() if state is None else state)
    # A plain array for callers (the factors are the solvers' cache).
    return np.asarray(_low_rank_product(factors)), factors.shrunk


def _block_estimate(gram):
    """The top Ritz value of a few steps of block power iteration, and its residual.

    Close to the largest eigenvalue when the eigenvalues near the top (a
    gradient's spectrum at a low-rank solution has a cluster of the rank's
    size there) fit in the block and the rest are well below: 24 columns and
    5 steps (seeded) cost 5% of the Gram product at 1000 columns.
    """
    m = gram.shape[0]
    Q = _orthonormal(np.random.default_rng(0).standard_normal((m, min(m, 24))))
    for _ in range(5):
        Q = _orthonormal(gram @ Q)
    HQ = gram @ Q
    values, vectors = np.linalg.eigh(Q.T @ HQ)
    theta = float(values[-1])
    residual = float(np.linalg.norm(HQ @ vectors[:, -1] - theta * (Q @ vectors[:, -1])))
    return theta, residual


def spectral_norm_bound(G):
    """An upper bound of the spectral norm of ``G``, tight to about ``1e-9``.

    Small matrices get the largest singular value from an SVD, as before.
    Larger ones get an estimate ``lambda`` of the largest eigenvalue of the
    Gram matrix ``H = G^T G`` (of the smaller side), enlarged to ``mu`` until
    ``mu I - H`` has a Cholesky factor, which proves ``lambda_max(H) < mu``
    whatever the accuracy of ``lambda``. The estimate is first a few steps of
    block power iteration (plus its residual, tight to ``1e-8``), else, when
    they have not converged or the factorisation fails, the eigenvalue from
    LAPACK (tridiagonalisation and bisection). The rounding
    errors of the Gram product (at most ``gamma_n ||G||_F^2``,
    ``gamma_n = n eps / (1 - n eps)``) and of the factorisation (at most
    ``(m + 1)^2 eps mu``) are bounded a priori and added before the square
    root, so the result is never below the spectral norm. It is a
    deterministic function of ``G``.

    Parameters
    ----------
    G : ndarray of shape (n_features, n_columns)
        The matrix.

    Returns
    -------
    bound : float
        Upper bound of :math:`\\sigma_1(G)`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.penalties.low_rank import spectral_norm_bound
    >>> float(spectral_norm_bound(np.diag([3.0, 0.5])))
    3.0
    """
    if G.size == 0:
        return 0.0
    A, _ = _tall(G)
    n, m = A.shape
    frobenius = np.linalg.norm(A) if m >= _SMALL_SIDE_NORM else 0.0
    if not _SAFE_RANGE[0] < frobenius < _SAFE_RANGE[1]:
        # Small, zero, or of extreme magnitude: the SVD.
        return float(np.linalg.norm(A, ord=2))
    gram = A.T @ A
    gram_error = n * _EPS / (1.0 - n * _EPS) * frobenius**2
    tight = 4 * m * _EPS
    theta, residual = _block_estimate(gram)
    # A converged Ritz pair is within its residual of an eigenvalue (almost
    # always the largest: the certificate checks it).
    mu = (theta + residual) * (1.0 + tight) + tight * gram_error
    if residual > 1e-8 * theta or not _cholesky_succeeds(gram, mu):
        # The eigenvalue from LAPACK, accurate to about m eps ||H||.
        mu = eigh(gram, eigvals_only=True, subset_by_index=[m - 1, m - 1])[0]
        for growth in (tight, 1e-9, 1e-6, 1e-3, 1e-1, None):
            if growth is None:
                # Not reached in practice: the exact value, rounded up.
                return float(np.linalg.norm(A, ord=2)) * (1.0 + m * _EPS)
            mu = max(mu, 0.0) * (1.0 + growth) + growth * gram_error
            if _cholesky_succeeds(gram, mu):
                break
    chol_error = (m + 1) ** 2 * _EPS * mu
    return float(np.sqrt(mu + chol_error + gram_error))


class TraceNormOperator(NormPenalty):
    """The trace norm as the solvers see it, with the state of its partial SVD.

    :class:`~skmtl.penalties.TraceNorm` binds to a fresh one for each problem
    (see ``TraceNorm._bind``), so that the warm start never leaks from one fit
    into another and the public penalty stays free of state (clone, pickle
    and sharing between threads are unaffected). Within a problem the state
    only speeds things up: each prox is certified on its own (module
    docstring), and a sequence of calls is reproducible (seeded).

    - ``prox`` is :func:`partial_singular_value_threshold`, warm-started from
      the previous call's right singular subspace.
    - ``value`` reuses the singular values of the last prox output when
      ``W`` is that output (the solver evaluates the objective at the point
      the prox returned): the trace norm of ``U diag(s) R^T`` with orthonormal
      ``U, R`` is ``sum(s)``. Whether it is that output is checked on the
      contents (the low-rank product is recomputed and compared exactly), not
      on the object, so that an array modified in place, or a copy (a part of
      a decomposed model), is never mistaken for it. Otherwise the singular
      values come from a full SVD.
    - ``dual_norm`` is :func:`spectral_norm_bound`: never below the spectral
      norm, so the duality gap stays a valid certificate.
    """

    shared_structure = "subspace"

    cheap_dual_point = False  # value and dual norm each need an SVD or a Gram

    def __init__(self):
        self._state = LowRankState()
        self._last = None

    def value(self, W):
        """Sum of the singular values of ``W``."""
        last = self._last  # (read once: another thread may replace it)
        if last is not None and getattr(W, "factors", None) is last.product_factors:
            return float(np.sum(last.shrunk))  # the last output itself
        if (
            last is not None
            and W.shape == last.shape
            and np.array_equal(W, _low_rank_product(last))
        ):
            return float(np.sum(last.shrunk))
        if W.size == 0 or not np.any(W):
            return 0.0
        return float(np.sum(np.linalg.svd(W, compute_uv=False)))

    def prox(self, V, step):
        """Singular value soft thresholding at ``step``, by a partial SVD."""
        if step <= 0:
            return np.array(V, dtype=float)  # the identity
        factors = _svt_factors(V, step, self._state)
        W = _low_rank_product(factors)
        factors.product_factors = getattr(W, "factors", None)
        self._last = factors if factors.shrunk.size else None
        return W

    def dual_norm(self, G):
        """An upper bound of the largest singular value of ``G``, tight to ~1e-9."""
        return spectral_norm_bound(G)
