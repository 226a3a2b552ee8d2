"""The network of :class:`skmtl.neural.MultiTaskMLP`: parameters, loss, Adam.

Pure numpy, no estimator logic. A network's parameters are the arrays of the
shared layers and then of one head per task::

    [W_1, b_1, ..., W_L, b_L, V_1, c_1, ..., V_T, c_T]

``W_l`` of shape (fan_in, fan_out), ``V_t`` of shape (h_L, width_t) with
width 1 for regression and binary tasks and ``K_t`` for a multi-class task,
all views of one flat vector.

A *batch* is the data of one gradient step: rows ``X_B`` of the design and,
for every task observed in it, a tuple
``(task, positions, targets, scale, weights)``: the positions (in ``X_B``) of
the rows where the task is observed, their encoded targets (numbers, or class
codes ``0..K-1``; binary tasks code the second class as 1), the weight of the
task's entries in the objective and the sample weight ``w_i`` of each entry
(None for all 1). :meth:`Network.loss_and_gradient` returns

    sum_t scale_t sum_{i in positions_t} w_i loss_t(targets_i, head_t(X_B)_i)
    + (alpha / 2) * (sum_l ||W_l||^2 + sum_t ||V_t||^2)

and its gradient with respect to every parameter.
"""

import numpy as np
from scipy.special import expit
from sklearn.utils.extmath import safe_sparse_dot

ACTIVATIONS = ("relu", "tanh")
TASK_KINDS = ("regression", "binary", "multiclass")


def _squared_loss(scores, targets):
    residual = scores[:, 0] - targets
    return 0.5 * residual**2, residual[:, None]


def _logistic_loss(scores, targets):
    z = scores[:, 0]
    return np.logaddexp(0.0, z) - targets * z, (expit(z) - targets)[:, None]


def log_softmax(scores):
    """Row-wise ``z - log sum_k exp(z_k)``, shifted by the row maximum."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _softmax_loss(scores, targets):
    codes = targets.astype(np.intp)
    rows = np.arange(codes.size)
    log_proba = log_softmax(scores)
    derivative = np.exp(log_proba)
    derivative[rows, codes] -= 1.0
    return -log_proba[rows, codes], derivative


# Per-entry loss and its derivative in the scores, for each kind of task.
LOSSES = {
    "regression": _squared_loss,
    "binary": _logistic_loss,
    "multiclass": _softmax_loss,
}


def null_loss(kind, targets, n_classes, weights=None):
    """Mean loss of the best constant prediction, and that prediction.

    Parameters
    ----------
    kind : {"regression", "binary", "multiclass"}
        Kind of task.
    targets : ndarray of shape (n_observations,)
        Encoded targets of the task.
    n_classes : int
        Number of classes (ignored for regression).
    weights : ndarray of shape (n_observations,) or None, default=None
        Sample weights: the weighted mean loss and its best constant, so
        that integer weights match repeated rows.

    Returns
    -------
    loss : float
        Half the variance (regression) or the entropy of the class
        frequencies (classification); 0 when there are no targets.
    scores : ndarray of shape (width,)
        The constant scores: the mean, the log-odds or the centred log
        frequencies (frequencies clipped away from 0 and 1).
    """
    width = n_classes if kind == "multiclass" else 1
    if targets.size == 0:
        return 0.0, np.zeros(width)
    if kind == "regression":
        mean = float(np.average(targets, weights=weights))
        variance = float(np.average((targets - mean) ** 2, weights=weights))
        return 0.5 * variance, np.array([mean])
    counts = np.bincount(targets.astype(np.intp), weights=weights, minlength=n_classes)
    frequency = counts / counts.sum()
    present = frequency[frequency > 0]
    loss = float(-np.sum(present * np.log(present)))
    log_frequency = np.log(np.clip(frequency, 1e-4, 1.0 - 1e-4))
    if kind == "binary":
        return loss, np.array([log_frequency[1] - log_frequency[0]])
    return loss, log_frequency - log_frequency.mean()


class Network:
    """Shared layers and one head per task, stored in one flat vector.

    The weights of every layer and head come first in ``flat`` (the part
    under the L2 penalty), the biases after them; ``params`` are views of
    ``flat`` in the order of the module docstring, so Adam updates the
    whole network with a few vector operations.

    Parameters
    ----------
    sizes : list of int
        Widths of the input and of each shared layer.
    widths : list of int
        Width of each head.
    kinds : list of str
        Kind of each task's head.
    activation : {"relu", "tanh"}
        Activation of the shared layers.
    """

    def __init__(self, sizes, widths, kinds, activation):
        self.n_layers = len(sizes) - 1
        self.kinds = list(kinds)
        self.activation = activation
        self.shapes = [
            ((fan_in, fan_out), fan_out)
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True)
        ] + [((sizes[-1], width), width) for width in widths]
        self.n_weights = sum(rows * columns for (rows, columns), _ in self.shapes)
        self.size = self.n_weights + sum(bias for _, bias in self.shapes)
        self.flat = np.zeros(self.size)
        self.params = self.views(self.flat)

    def views(self, buffer):
        """``[W_1, b_1, ..., V_T, c_T]`` as views of a flat vector."""
        views, weight_start, bias_start = [], 0, self.n_weights
        for (rows, columns), bias in self.shapes:
            weight_stop = weight_start + rows * columns
            views.append(buffer[weight_start:weight_stop].reshape(rows, columns))
            views.append(buffer[bias_start : bias_start + bias])
            weight_start, bias_start = weight_stop, bias_start + bias
        return views

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["params"]  # views of flat: rebuilt on unpickling
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.params = self.views(self.flat)

    @classmethod
    def initialize(cls, rng, n_features, hidden, kinds, widths, head_bias, activation):
        """Glorot-uniform weights, zero hidden biases, heads at the null model.

        Parameters
        ----------
        rng : numpy.random.RandomState
            Source of the random weights.
        n_features : int
            Width of the input.
        hidden : sequence of int
            Widths of the shared layers.
        kinds : list of str
            Kind of each task.
        widths : list of int
            Width of each head.
        head_bias : list of ndarray
            Initial intercepts of each head (the best constant prediction).
        activation : {"relu", "tanh"}
            Activation of the shared layers.

        Returns
        -------
        network : Network
            The initialised network.
        """
        network = cls([n_features, *hidden], widths, kinds, activation)
        for index, ((fan_in, fan_out), _) in enumerate(network.shapes):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            network.params[2 * index][...] = rng.uniform(
                -bound, bound, size=(fan_in, fan_out)
            )
        for bias, initial in zip(network.head_intercepts, head_bias, strict=True):
            bias[...] = initial
        return network

    # ------------------------------------------------------------- views
    @property
    def coefs(self):
        """Weights of the shared layers."""
        return self.params[0 : 2 * self.n_layers : 2]

    @property
    def intercepts(self):
        """Biases of the shared layers."""
        return self.params[1 : 2 * self.n_layers : 2]

    @property
    def head_coefs(self):
        """Weights of the heads."""
        return self.params[2 * self.n_layers :: 2]

    @property
    def head_intercepts(self):
        """Biases of the heads."""
        return self.params[2 * self.n_layers + 1 :: 2]

    # ----------------------------------------------------------- forward
    def shared(self, X):
        """Activations of every shared layer, the last one the representation."""
        activations = []
        H = X
        for W, b in zip(self.coefs, self.intercepts, strict=True):
            Z = safe_sparse_dot(H, W, dense_output=True)
            Z += b
            if self.activation == "relu":
                H = np.maximum(Z, 0.0, out=Z)
            else:
                H = np.tanh(Z, out=Z)
            activations.append(H)
        return activations

    def scores(self, representation, task):
        """Scores of one head on rows of the shared representation."""
        return representation @ self.head_coefs[task] + self.head_intercepts[task]

    def penalty(self, alpha):
        """``(alpha / 2)`` times the squared norm of every weight matrix."""
        weights = self.flat[: self.n_weights]
        return 0.5 * alpha * float(weights @ weights)

    # ---------------------------------------------------------- backward
    def loss_and_gradient(self, X, batch, alpha):
        """Objective of one batch and its gradient.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_rows, n_features)
            Rows of the batch.
        batch : list of tuple
            ``(task, positions, targets, scale, weights)`` for each task
            observed in the batch, see the module docstring.
        alpha : float
            Strength of the L2 penalty.

        Returns
        -------
        objective : float
            Weighted data term plus penalty.
        task_sums : dict
            Sum of the entry losses of each task in the batch, each times its
            sample weight (not its task's ``scale``).
        gradient : ndarray of shape (size,)
            Gradient with respect to ``flat``.
        """
        activations = self.shared(X)
        representation = activations[-1]
        gradient = np.zeros(self.size)
        grads = self.views(gradient)
        d_representation = np.zeros_like(representation)
        objective, task_sums = 0.0, {}
        first_head = 2 * self.n_layers
        for task, positions, targets, scale, weights in batch:
            rows = representation[positions]
            V = self.head_coefs[task]
            losses, d_scores = LOSSES[self.kinds[task]](
                rows @ V + self.head_intercepts[task], targets
            )
            if weights is not None:
                losses = losses * weights
                d_scores *= weights[:, None]
            task_sums[task] = float(losses.sum())
            objective += scale * task_sums[task]
            d_scores *= scale
            grads[first_head + 2 * task][...] = rows.T @ d_scores
            grads[first_head + 2 * task + 1][...] = d_scores.sum(axis=0)
            # Positions are distinct within a task: no repeated index here.
            d_representation[positions] += d_scores @ V.T
        d_H = d_representation
        for layer in range(self.n_layers - 1, -1, -1):
            H = activations[layer]
            if self.activation == "relu":
                d_Z = d_H * (H > 0)
            else:
                d_Z = d_H * (1.0 - H**2)
            below = X if layer == 0 else activations[layer - 1]
            grads[2 * layer][...] = safe_sparse_dot(below.T, d_Z, dense_output=True)
            grads[2 * layer + 1][...] = d_Z.sum(axis=0)
            if layer > 0:
                d_H = d_Z @ self.coefs[layer].T
        if alpha > 0:
            gradient[: self.n_weights] += alpha * self.flat[: self.n_weights]
        return objective + self.penalty(alpha), task_sums, gradient


class Adam:
    """Adam (Kingma & Ba, 2015) on a flat parameter vector, updated in place.

    Parameters
    ----------
    size : int
        Number of parameters.
    learning_rate : float
        Step size.
    beta_1, beta_2, epsilon : float
        Decay of the first and second moment estimates, and the constant
        added to the denominator.
    """

    def __init__(self, size, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first = np.zeros(size)
        self.second = np.zeros(size)

    def step(self, flat, gradient):
        """One bias-corrected Adam update of ``flat``."""
        self.t += 1
        step = (
            self.learning_rate
            * np.sqrt(1.0 - self.beta_2**self.t)
            / (1.0 - self.beta_1**self.t)
        )
        self.first *= self.beta_1
        self.first += (1.0 - self.beta_1) * gradient
        self.second *= self.beta_2
        self.second += (1.0 - self.beta_2) * gradient**2
        flat -= step * self.first / (np.sqrt(self.second) + self.epsilon)
