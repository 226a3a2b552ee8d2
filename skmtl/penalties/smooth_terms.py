"""Smooth terms of ``W`` added to the data term, and the datafit that adds them.

A smooth term :math:`S(W)` enters the gradient, not the prox, so any penalty
can be combined with it and no solver needs to know it is there. Every term
here has two properties that the rest of the machinery relies on:

- it is a function of :math:`W^\\top W` (the tasks' inner products), so it acts
  the same on any subset of the rows of ``W`` padded with zeros: working sets
  may restrict ``W`` to a few features;
- it is convex, differentiable and positively homogeneous of degree 2
  (:math:`S(sW) = s^2 S(W)`). Then the Fenchel-Young equality gives its
  conjugate at a scaled gradient in closed form,
  :math:`S^*(s \\nabla S(W)) = s^2 S(W)`, which is all the duality gap needs
  (see :meth:`SmoothDatafit.conjugate`).
"""

import numpy as np
from scipy.linalg import eigh


class SquaredFrobenius:
    """The ridge term :math:`\\frac{\\lambda}{2} \\|W\\|_F^2`.

    Parameters
    ----------
    strength : float
        :math:`\\lambda \\ge 0`.
    """

    is_quadratic = True  # a quadratic form in W

    def __init__(self, strength):
        self.strength = strength
        self._lipschitz = strength

    def lipschitz_constant(self):
        """Lipschitz constant of the gradient."""
        return self._lipschitz

    def value(self, W):
        """:math:`\\frac{\\lambda}{2} \\|W\\|_F^2`."""
        return 0.5 * self.strength * float(np.sum(W**2))

    def gradient(self, W):
        """:math:`\\lambda W`."""
        return self.strength * W


class GraphLaplacian:
    """Task-graph smoothing :math:`\\beta \\sum_{s<t} a_{st} \\|w_s - w_t\\|^2`.

    Equal to :math:`\\beta \\operatorname{tr}(W L W^\\top)` with the graph
    Laplacian :math:`L = \\operatorname{diag}(A 1) - A` of the symmetric,
    non-negative adjacency matrix ``A`` over the columns of ``W``.

    Parameters
    ----------
    strength : float
        :math:`\\beta \\ge 0`.
    laplacian : ndarray of shape (n_columns, n_columns)
        The Laplacian ``L``.
    """

    is_quadratic = True  # a quadratic form in W

    def __init__(self, strength, laplacian):
        self.strength = strength
        self.laplacian = laplacian
        top = eigh(laplacian, eigvals_only=True)[-1] if laplacian.size else 0.0
        self._lipschitz = 2.0 * strength * max(float(top), 0.0)

    def lipschitz_constant(self):
        """Lipschitz constant of the gradient."""
        return self._lipschitz

    def value(self, W):
        """:math:`\\beta \\operatorname{tr}(W L W^\\top)`."""
        return self.strength * float(np.sum((W @ self.laplacian) * W))

    def gradient(self, W):
        """:math:`2 \\beta W L`."""
        return 2.0 * self.strength * (W @ self.laplacian)


class TaskMeanDistance:
    """Distance to the mean task, :math:`\\beta \\sum_t \\|w_t - \\bar w\\|^2`.

    The :class:`GraphLaplacian` of the complete graph with weights ``1 / T``
    (``L = I - 1 1^T / T``), computed in O(d T) from the mean column instead of
    a product with a dense (T, T) Laplacian and its eigendecomposition, which
    cost O(d T^2) per iteration and O(T^3) to set up: with thousands of tasks
    the difference is that of seconds against hours.

    Parameters
    ----------
    strength : float
        :math:`\\beta \\ge 0`.
    n_columns : int
        Number of columns of ``W`` (the top eigenvalue of ``L`` is 1 for two
        columns or more, 0 for one).
    """

    is_quadratic = True  # a quadratic form in W

    def __init__(self, strength, n_columns):
        self.strength = strength
        self._lipschitz = 2.0 * strength if n_columns > 1 else 0.0

    def lipschitz_constant(self):
        """Lipschitz constant of the gradient."""
        return self._lipschitz

    def _centred(self, W):
        return W - W.mean(axis=1, keepdims=True)

    def value(self, W):
        """:math:`\\beta \\sum_t \\|w_t - \\bar w\\|^2`."""
        return self.strength * float(np.sum(self._centred(W) ** 2))

    def gradient(self, W):
        """:math:`2 \\beta (W - \\bar w 1^\\top)`."""
        return 2.0 * self.strength * self._centred(W)


# cluster_weights evaluates its piecewise-linear sum at every breakpoint at
# once (a (2n, n) array) up to this many positive singular values.
_ALL_BREAKPOINTS_AT_ONCE = 256


def cluster_weights(singular_values, eta, n_clusters):
    """Eigenvalues of the optimal task-similarity matrix of the cluster term.

    Solves :math:`\\min_m \\sum_i \\sigma_i^2 / (\\eta + m_i)` subject to
    :math:`\\sum_i m_i = k` and :math:`0 \\le m_i \\le 1`. The optimality
    conditions give :math:`m_i = \\operatorname{clip}(s \\sigma_i - \\eta, 0, 1)`
    for the scalar ``s`` at which the sum is ``k``; the sum is piecewise linear
    and increasing in ``s``, so ``s`` is found exactly between two of its
    breakpoints.

    Parameters
    ----------
    singular_values : ndarray of shape (n,)
        Non-negative :math:`\\sigma_i`.
    eta : float
        Positive :math:`\\eta`.
    n_clusters : int
        ``k``, at most ``n``.

    Returns
    -------
    m : ndarray of shape (n,)
        The optimal :math:`m_i`. Directions with :math:`\\sigma_i = 0` do not
        change the objective; they share equally what the others leave of ``k``.
    """
    sigma = np.asarray(singular_values, dtype=float)
    positive = sigma > 0
    if np.count_nonzero(positive) <= n_clusters:
        m = positive.astype(float)
        if not np.all(positive):
            m[~positive] = (n_clusters - m.sum()) / np.count_nonzero(~positive)
        return m
    s_pos = sigma[positive]
    breaks = np.sort(np.concatenate([eta / s_pos, (1.0 + eta) / s_pos]))

    def total(s):
        return float(np.sum(np.clip(s * s_pos - eta, 0.0, 1.0)))

    # The first breakpoint where the sum reaches k (the last one gives the
    # number of positive sigmas, more than k). With few sigmas, the sums at
    # every breakpoint in one small product: the solver calls this at every
    # step, and a Python bisection cost more than the eigendecomposition.
    # With many, a bisection keeps the memory linear.
    if s_pos.size <= _ALL_BREAKPOINTS_AT_ONCE:
        totals = np.clip(breaks[:, None] * s_pos - eta, 0.0, 1.0).sum(axis=1)
        low = int(np.argmax(totals >= n_clusters))
    else:
        low, high = 0, breaks.size - 1
        while low < high:
            middle = (low + high) // 2
            if total(breaks[middle]) >= n_clusters:
                high = middle
            else:
                low = middle + 1
    end = breaks[low]
    start = breaks[low - 1] if low > 0 else 0.0
    total_start, total_end = total(start), total(end)
    s = end
    if total_end > total_start:  # linear in between
        slope = (end - start) / (total_end - total_start)
        s = start + (n_clusters - total_start) * slope
    m = np.zeros_like(sigma)
    m[positive] = np.clip(s * s_pos - eta, 0.0, 1.0)
    return m


class ClusterTerm:
    """Convex clustered multi-task term (Zhou, Chen & Ye 2011).

    .. math::

        S(W) = \\lambda \\, \\eta (1 + \\eta) \\min_{M}
        \\operatorname{tr}\\big(W (\\eta I + M)^{-1} W^\\top\\big)
        \\quad \\text{s.t.} \\quad \\operatorname{tr} M = k,\\;
        0 \\preceq M \\preceq I,

    over symmetric task-similarity matrices ``M`` (n_columns, n_columns). The
    minimiser shares the eigenvectors of :math:`W^\\top W`; its eigenvalues are
    :func:`cluster_weights` of the singular values of ``W``. ``S`` is convex and
    differentiable, with gradient
    :math:`2 \\lambda \\eta (1 + \\eta) W (\\eta I + M^\\star)^{-1}`, Lipschitz
    with constant :math:`2 \\lambda (1 + \\eta)`.

    The same term written over the features is cASO's (Chen, Tang, Liu & Ye
    2009): :math:`\\min_M \\operatorname{tr}(W^\\top (\\eta I + M)^{-1} W)`
    over (n_features, n_features) matrices with the same constraints. Both
    minima equal :math:`\\sum_i \\sigma_i^2 / (\\eta + m_i)` over the
    non-zero singular values of ``W``, with the same optimal ``m``; only the
    room for ``M`` differs (``k`` at most the number of columns, or of
    features), which the penalties check. :meth:`similarity` gives the
    optimal ``M`` over the columns, :meth:`feature_subspace` the leading
    eigenvectors of the one over the features.

    Parameters
    ----------
    strength : float
        :math:`\\lambda \\ge 0`.
    eta : float
        Positive :math:`\\eta`.
    n_clusters : int
        ``k``.
    """

    # The solver asks for the value and the gradient at the same few points
    # (the new iterate, the extrapolated one): one eigendecomposition each.
    _CACHE_SIZE = 2

    is_quadratic = False  # its weights depend on the spectrum of W

    def __init__(self, strength, eta, n_clusters):
        self.strength = strength
        self.eta = eta
        self.n_clusters = n_clusters
        self._lipschitz = 2.0 * strength * (1.0 + eta)
        self._cache = []

    def lipschitz_constant(self):
        """Lipschitz constant of the gradient."""
        return self._lipschitz

    def _spectrum(self, W):
        """sigma^2, eigenvectors of W^T W, the optimal m and W times them.

        Only the row space of ``W`` matters for the value and the gradient
        (``W v = 0`` elsewhere), so with fewer features than tasks a thin SVD
        of ``W`` (O(d^2 T)) replaces the eigendecomposition of the (T, T)
        matrix ``W^T W`` (O(T^3)): with thousands of tasks, milliseconds
        against seconds per iteration. Cached by identity.
        """
        for key, spectrum in self._cache:
            if key is W:
                return spectrum
        if W.shape[0] < W.shape[1]:
            left, sigma, vectors_t = np.linalg.svd(W, full_matrices=False)
            squares, vectors, image = sigma**2, vectors_t.T, left * sigma
        else:  # (numpy's eigh: a fraction of scipy's overhead on small T)
            squares, vectors = np.linalg.eigh(W.T @ W)
            squares, image = np.maximum(squares, 0.0), None
        m = cluster_weights(np.sqrt(squares), self.eta, self.n_clusters)
        spectrum = (squares, vectors, m, image)
        self._cache = [(W, spectrum)] + self._cache[: self._CACHE_SIZE - 1]
        return spectrum

    def value(self, W):
        """:math:`S(W)` at the optimal ``M``."""
        squares, _, m, _ = self._spectrum(W)
        scale = self.strength * self.eta * (1.0 + self.eta)
        return scale * float(np.sum(squares / (self.eta + m)))

    def gradient(self, W):
        """:math:`2 \\lambda \\eta (1 + \\eta) W (\\eta I + M^\\star)^{-1}`."""
        _, vectors, m, image = self._spectrum(W)
        if image is None:
            image = W @ vectors
        scale = 2.0 * self.strength * self.eta * (1.0 + self.eta)
        return scale * (image / (self.eta + m)) @ vectors.T

    def similarity(self, W):
        """The optimal task-similarity matrix :math:`M^\\star` at ``W``.

        It needs every eigenvector of ``W^T W`` (the null space of ``W`` takes
        what the row space leaves of ``k``): one full eigendecomposition.
        """
        squares, vectors = eigh(W.T @ W)
        m = cluster_weights(
            np.sqrt(np.maximum(squares, 0.0)), self.eta, self.n_clusters
        )
        return (vectors * m) @ vectors.T

    def feature_subspace(self, W):
        """Leading eigenvectors of the optimal ``M`` over the features (cASO).

        The minimiser of :math:`\\operatorname{tr}(W^\\top (\\eta I + M)^{-1}
        W)` over (n_features, n_features) matrices ``M`` with trace ``k`` and
        :math:`0 \\preceq M \\preceq I` is :math:`U \\operatorname{diag}(m)
        U^\\top` on the left singular vectors ``U`` of ``W``, ``m`` the
        :func:`cluster_weights` of all ``n_features`` singular values (zeros
        included). Computed from a thin SVD of ``W``: the (n_features,
        n_features) matrix is never formed.

        Parameters
        ----------
        W : ndarray of shape (n_features, n_columns)
            Coefficients; ``k`` must be at most ``n_features``.

        Returns
        -------
        components : ndarray of shape (k, n_features)
            Orthonormal rows: the left singular vectors of ``W`` by decreasing
            singular value. Beyond the rank of ``W``, where ``M`` is not unique
            (any orthonormal completion is optimal), a completion.
        weights : ndarray of shape (k,)
            The eigenvalues of ``M`` along these rows, decreasing, in [0, 1].
        """
        n_features, k = W.shape[0], self.n_clusters
        left, sigma, _ = np.linalg.svd(W, full_matrices=False)
        # Rounding leaves singular values of about eps where W has rank below
        # k; as positive values they would take a weight of 1 that any other
        # null direction could take as well (numpy's matrix_rank threshold).
        rank_floor = sigma.max(initial=0.0) * max(W.shape) * np.finfo(float).eps
        sigma = np.where(sigma > rank_floor, sigma, 0.0)
        # The zero singular values of the directions outside the thin SVD take
        # their share of k when W has rank below k.
        padded = np.zeros(n_features)
        padded[: sigma.size] = sigma
        weights = cluster_weights(padded, self.eta, k)[:k]
        if left.shape[1] < k:  # more components than columns of W
            start = np.hstack([left, np.eye(n_features, k - left.shape[1])])
            basis = np.linalg.qr(start)[0]  # orthonormal whatever ``start`` is
            left = np.hstack([left, basis[:, left.shape[1] : k]])
        return left[:, :k].T, weights
