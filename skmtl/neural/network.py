"""The networks of :class:`skmtl.neural.MultiTaskMLP`: parameters, loss, Adam.

Pure numpy, no estimator logic. A network is a *trunk* that every task
shares, task-specific parts (the gates of a mixture of experts) and one
linear head per task, all stored in one flat vector (weights first, then
biases, so that the L2 penalty reads a prefix):

- :class:`HardSharing`: shared hidden layers ``W_l, b_l``; every head reads
  the last one, the shared representation ``h_L(x)``;
- :class:`MixtureOfExperts`: ``E`` expert networks of the same hidden
  layers; task ``t`` reads the mixture ``sum_e g_te(x) h_L^e(x)`` of their
  outputs, weighted by its softmax gate ``g_t(x) = softmax(G_t^T x + a_t)``
  (Ma et al., KDD 2018).

Heads ``V_t`` have shape (h_L, width_t): width 1 for regression and binary
tasks and ``K_t`` for a multi-class task.

A *batch* is the data of one gradient step: rows ``X_B`` of the design and,
for every task observed in it, a tuple
``(task, positions, targets, scale, weights)``: the positions (in ``X_B``) of
the rows where the task is observed, their encoded targets (numbers, or class
codes ``0..K-1``; binary tasks code the second class as 1), the factor
``scale`` that makes the task's weighted sum of losses an estimate of its mean
loss, and the sample weight ``w_i`` of each entry (None for all 1).
:meth:`Network.loss_and_gradient` returns

    sum_t lambda_t scale_t sum_{i in positions_t} w_i loss_t(targets_i, f_t(X_B)_i)
    + (alpha / 2) * ||every weight matrix||^2

and its gradient with respect to every parameter; :meth:`Network.task_gradients`
returns the gradient of each task's term apart, for the strategies that
compare them (GradNorm, PCGrad).
"""

from typing import NamedTuple

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
    """``z - log sum_k exp(z_k)`` along the last axis, shifted by its maximum."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


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


ARCHITECTURES = ("shared", "mmoe")


def _activate(Z, activation):
    """Apply the activation in place; return the activations."""
    if activation == "relu":
        return np.maximum(Z, 0.0, out=Z)
    return np.tanh(Z, out=Z)


def _activation_derivative(H, activation):
    """Derivative of the activation, read from its output ``H``."""
    if activation == "relu":
        return H > 0
    return 1.0 - H**2


def _is_every_row(positions, n_rows):
    """Whether ``positions`` are ``0, 1, ..., n_rows - 1`` in order."""
    return positions.size == n_rows and bool(np.all(positions == np.arange(n_rows)))


def _rows(array, positions, every_row, axis=0):
    """``array`` at ``positions`` along ``axis``; no copy when ``every_row``."""
    if every_row:
        return array
    return array[positions] if axis == 0 else array[:, positions]


class Network:
    """A trunk, task-specific parts and one head per task, in one flat vector.

    Subclasses lay out the trunk and the task-specific parts and run them
    forward and backward (``_trunk_shapes``, ``_task_part_shapes``,
    ``forward``, ``representation``, ``task_input``, ``task_backward``,
    ``new_upstream``, ``trunk_backward``; ``task_inputs`` and
    ``tasks_backward`` to treat a batch's tasks at once); the heads, the
    losses, the penalty, the per-task gradients and the flat storage are
    here. ``params`` are views of ``flat`` in the order trunk,
    task parts, heads (weight then bias of each), so Adam updates the whole
    network with a few vector operations.

    Parameters
    ----------
    sizes : list of int
        Widths of the input and of each hidden layer.
    widths : list of int
        Width of each head.
    kinds : list of str
        Kind of each task's head.
    activation : {"relu", "tanh"}
        Activation of the hidden layers.
    tower : tuple of int, default=()
        Widths of each task's own hidden layers (its *tower*) between what
        it reads and its output layer; empty for a linear head.
    """

    architecture = None

    def __init__(self, sizes, widths, kinds, activation, tower=()):
        self.sizes = list(sizes)
        self.n_layers = len(sizes) - 1
        self.kinds = list(kinds)
        self.n_tasks = len(self.kinds)
        self.activation = activation
        self.tower = tuple(tower)
        # Layers of each head: its tower, then its output layer.
        self.n_head_layers = len(self.tower) + 1
        trunk, task_parts = self._trunk_shapes(), self._task_part_shapes()
        heads = []
        for width in widths:
            dims = [sizes[-1], *self.tower, width]
            heads += [((i, o), (o,)) for i, o in zip(dims[:-1], dims[1:], strict=True)]
        self.shapes = trunk + task_parts + heads
        self.n_trunk, self.n_task_parts = len(trunk), len(task_parts)
        self.n_weights = sum(int(np.prod(w)) for w, _ in self.shapes)
        self.size = self.n_weights + sum(int(np.prod(b)) for _, b in self.shapes)
        self.flat = np.zeros(self.size)
        self.params = self.views(self.flat)
        # Where the trunk's parameters sit in ``flat``: the part every task
        # shares, which gradient surgery projects.
        marks = np.zeros(self.size, dtype=bool)
        for view in self.views(marks)[: 2 * self.n_trunk]:
            view[...] = True
        self.trunk_index = np.flatnonzero(marks)
        # And the weights of its last layer, whose gradient norms GradNorm
        # balances.
        marks[...] = False
        self.views(marks)[2 * self.n_trunk - 2][...] = True
        self.last_layer_index = np.flatnonzero(marks)

    def views(self, buffer):
        """Every weight and bias as a view of a flat vector, in ``shapes`` order."""
        views, weight_start, bias_start = [], 0, self.n_weights
        for weight_shape, bias_shape in self.shapes:
            weight_stop = weight_start + int(np.prod(weight_shape))
            bias_stop = bias_start + int(np.prod(bias_shape))
            views.append(buffer[weight_start:weight_stop].reshape(weight_shape))
            views.append(buffer[bias_start:bias_stop].reshape(bias_shape))
            weight_start, bias_start = weight_stop, bias_stop
        return views

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["params"]  # views of flat: rebuilt on unpickling
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.params = self.views(self.flat)

    # ------------------------------------------------------------- views
    @property
    def trunk_coefs(self):
        """Weights of the trunk's layers."""
        return self.params[0 : 2 * self.n_trunk : 2]

    @property
    def trunk_intercepts(self):
        """Biases of the trunk's layers."""
        return self.params[1 : 2 * self.n_trunk : 2]

    @property
    def _first_head(self):
        return 2 * (self.n_trunk + self.n_task_parts)

    def _head_layer(self, task, layer):
        """Index in ``params`` of the weights of a head's layer."""
        return self._first_head + 2 * (task * self.n_head_layers + layer)

    @property
    def head_coefs(self):
        """Weights of the heads' output layers."""
        last = self.n_head_layers - 1
        return [self.params[self._head_layer(t, last)] for t in range(self.n_tasks)]

    @property
    def head_intercepts(self):
        """Biases of the heads' output layers."""
        last = self.n_head_layers - 1
        return [self.params[self._head_layer(t, last) + 1] for t in range(self.n_tasks)]

    @property
    def tower_coefs(self):
        """Weights of each task's tower layers (a list per task)."""
        return [
            [self.params[self._head_layer(t, j)] for j in range(len(self.tower))]
            for t in range(self.n_tasks)
        ]

    @property
    def tower_intercepts(self):
        """Biases of each task's tower layers (a list per task)."""
        return [
            [self.params[self._head_layer(t, j) + 1] for j in range(len(self.tower))]
            for t in range(self.n_tasks)
        ]

    def head_forward(self, task, inputs):
        """A head's scores on what it reads, and the inputs of its layers."""
        H, layer_inputs = inputs, []
        for layer in range(self.n_head_layers):
            index = self._head_layer(task, layer)
            layer_inputs.append(H)
            Z = H @ self.params[index]
            Z += self.params[index + 1]
            H = Z if layer == self.n_head_layers - 1 else _activate(Z, self.activation)
        return H, layer_inputs

    def head_backward(self, task, layer_inputs, d_scores, grads):
        """Gradients of a head's layers; returns the gradient of its input."""
        d_out = d_scores
        for layer in range(self.n_head_layers - 1, -1, -1):
            index = self._head_layer(task, layer)
            H = layer_inputs[layer]
            grads[index][...] = H.T @ d_out
            grads[index + 1][...] = d_out.sum(axis=0)
            d_out = d_out @ self.params[index].T
            if layer > 0:
                d_out *= _activation_derivative(H, self.activation)
        return d_out

    def penalty(self, alpha):
        """``(alpha / 2)`` times the squared norm of every weight array."""
        weights = self.flat[: self.n_weights]
        return 0.5 * alpha * float(weights @ weights)

    # ----------------------------------------------------------- forward
    def scores(self, forward, task, positions):
        """Scores of one task's head on some rows of a forward pass.

        Parameters
        ----------
        forward : tuple
            What :meth:`forward` returned for the rows ``X``.
        task : int
            The task.
        positions : ndarray of int
            Rows of ``X`` to score.

        Returns
        -------
        scores : ndarray of shape (len(positions), width)
            The head's scores.
        """
        inputs, _ = self.task_input(forward, task, positions)
        return self.head_forward(task, inputs)[0]

    def _task_terms(self, forward, batch, task_weights, grads, upstream):
        """Heads, losses and task parts of a batch, gradients accumulated.

        ``upstream`` collects the gradient flowing from the tasks into the
        trunk's output.
        """
        objective, task_sums, d_inputs = 0.0, {}, []
        inputs_and_locals = self.task_inputs(forward, batch)
        for (task, _, targets, scale, weights), (inputs, _) in zip(
            batch, inputs_and_locals, strict=True
        ):
            scores, layer_inputs = self.head_forward(task, inputs)
            losses, d_scores = LOSSES[self.kinds[task]](scores, targets)
            if weights is not None:
                losses = losses * weights
                d_scores *= weights[:, None]
            task_sums[task] = float(losses.sum())
            factor = scale * task_weights[task]
            objective += factor * task_sums[task]
            d_scores *= factor
            d_inputs.append(self.head_backward(task, layer_inputs, d_scores, grads))
        self.tasks_backward(
            forward,
            batch,
            [local for _, local in inputs_and_locals],
            d_inputs,
            grads,
            upstream,
        )
        return objective, task_sums

    def task_inputs(self, forward, batch):
        """What each head of the batch reads: ``(inputs, local)`` per task.

        ``local`` is what :meth:`tasks_backward` needs of the task's forward.
        """
        return [self.task_input(forward, term[0], term[1]) for term in batch]

    def tasks_backward(self, forward, batch, locals_, d_inputs, grads, upstream):
        """Gradients of the task parts, and of the trunk's output, of a batch."""
        for term, local, d_input in zip(batch, locals_, d_inputs, strict=True):
            self.task_backward(
                forward, term[0], term[1], local, d_input, grads, upstream
            )

    def loss_and_gradient(self, X, batch, alpha, task_weights):
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
        task_weights : ndarray of shape (n_tasks,)
            The task weights ``lambda_t``.

        Returns
        -------
        objective : float
            Weighted data term plus penalty.
        task_sums : dict
            Sum of the entry losses of each task in the batch, each times its
            sample weight (not its ``scale`` nor its task weight).
        gradient : ndarray of shape (size,)
            Gradient with respect to ``flat``.
        """
        forward = self.forward(X)
        gradient = np.zeros(self.size)
        grads = self.views(gradient)
        upstream = self.new_upstream(forward)
        objective, task_sums = self._task_terms(
            forward, batch, task_weights, grads, upstream
        )
        self.trunk_backward(forward, upstream, grads)
        if alpha > 0:
            gradient[: self.n_weights] += alpha * self.flat[: self.n_weights]
        return objective + self.penalty(alpha), task_sums, gradient

    def task_gradients(self, X, batch):
        """Each task's term of one batch and its gradient, apart.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_rows, n_features)
            Rows of the batch.
        batch : list of tuple
            ``(task, positions, targets, scale, weights)`` for each task
            observed in the batch, see the module docstring.

        Returns
        -------
        task_sums : dict
            As in :meth:`loss_and_gradient`.
        gradients : dict
            For each task of the batch, the gradient (shape (size,)) of its
            unweighted term ``scale_t sum_i w_i loss_t`` (no penalty): zero
            outside the trunk, its task part and its head.
        """
        forward = self.forward(X)
        ones = np.ones(self.n_tasks)
        gradients, task_sums = {}, {}
        for term in batch:
            task = term[0]
            gradient = np.zeros(self.size)
            grads = self.views(gradient)
            upstream = self.new_upstream(forward)
            _, sums = self._task_terms(forward, [term], ones, grads, upstream)
            self.trunk_backward(forward, upstream, grads)
            gradients[task], task_sums[task] = gradient, sums[task]
        return task_sums, gradients


class HardSharing(Network):
    """Shared hidden layers, read by every head (hard parameter sharing).

    The trunk is ``[W_1, b_1, ..., W_L, b_L]``, ``W_l`` of shape
    (fan_in, fan_out); no task-specific part.
    """

    architecture = "shared"

    def _trunk_shapes(self):
        sizes = self.sizes
        return [((i, o), (o,)) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]

    def _task_part_shapes(self):
        return []

    def forward(self, X):
        """Activations of every hidden layer, the last one the representation."""
        activations, H = [], X
        for W, b in zip(self.trunk_coefs, self.trunk_intercepts, strict=True):
            Z = safe_sparse_dot(H, W, dense_output=True)
            Z += b
            H = _activate(Z, self.activation)
            activations.append(H)
        return X, activations

    def representation(self, X):
        """The shared representation ``h_L(x)``, shape (n_rows, h_L)."""
        return self.forward(X)[1][-1]

    def task_input(self, forward, task, positions):
        """What the task's head reads on its rows: the shared representation."""
        representation = forward[1][-1]
        every_row = _is_every_row(positions, representation.shape[0])
        return _rows(representation, positions, every_row), None

    def new_upstream(self, forward):
        """A zero gradient of the shared representation."""
        return np.zeros_like(forward[1][-1])

    def task_backward(self, forward, task, positions, local, d_inputs, grads, upstream):
        """Add the head's gradient on its rows to the representation's."""
        # Positions are distinct within a task: no repeated index here.
        upstream[positions] += d_inputs

    def trunk_backward(self, forward, upstream, grads):
        """Backpropagate the representation's gradient through the layers."""
        X, activations = forward
        d_H = upstream
        for layer in range(self.n_layers - 1, -1, -1):
            d_Z = d_H * _activation_derivative(activations[layer], self.activation)
            below = X if layer == 0 else activations[layer - 1]
            grads[2 * layer][...] = safe_sparse_dot(below.T, d_Z, dense_output=True)
            grads[2 * layer + 1][...] = d_Z.sum(axis=0)
            if layer > 0:
                d_H = d_Z @ self.trunk_coefs[layer].T


class _DenseGates(NamedTuple):
    """The gates of all the tasks of a batch on all its rows."""

    tasks: np.ndarray  # the batch's tasks, in its order
    gates: np.ndarray  # (n_rows, n_batch_tasks, n_experts)
    outputs: np.ndarray  # the experts' outputs, (n_rows, n_experts, h_L)


class _GatheredGates(NamedTuple):
    """The gates of the observations of a batch, each on its own row."""

    tasks: np.ndarray  # the batch's tasks, in its order
    rows: np.ndarray  # (n_obs,) the row of each observation
    slots: np.ndarray  # (n_obs,) the position of its task in ``tasks``
    bounds: np.ndarray  # (n_batch_tasks + 1,) where each task's observations start
    gates: np.ndarray  # (n_obs, n_experts)
    outputs: np.ndarray  # the experts' outputs on its row, (n_obs, n_experts, h_L)


class MixtureOfExperts(Network):
    """Experts of the same hidden layers and one softmax gate per task (MMoE).

    The trunk holds ``n_experts`` networks of the hidden layers, stacked:
    the first layer's weights of shape (n_features, n_experts, h_1), so that
    one product computes every expert's first layer, the others of shape
    (n_experts, h_{l-1}, h_l); biases of shape (n_experts, h_l). Task
    ``t``'s gate ``G_t, a_t`` (shapes (n_features, n_experts) and
    (n_experts,), slices of one block of shape (n_features, n_tasks,
    n_experts) and its biases) weights the experts' outputs ``h_L^e(x)`` by
    ``softmax(G_t^T x + a_t)``; its head reads the mixture, a vector of
    width h_L.

    Parameters
    ----------
    sizes, widths, kinds, activation
        As in :class:`Network`.
    n_experts : int
        Number of expert networks.
    """

    architecture = "mmoe"

    def __init__(self, sizes, widths, kinds, activation, n_experts, tower=()):
        self.n_experts = int(n_experts)
        super().__init__(sizes, widths, kinds, activation, tower)

    def _trunk_shapes(self):
        E, sizes = self.n_experts, self.sizes
        shapes = [((sizes[0], E, sizes[1]), (E, sizes[1]))]
        for fan_in, fan_out in zip(sizes[1:-1], sizes[2:], strict=True):
            shapes.append(((E, fan_in, fan_out), (E, fan_out)))
        return shapes

    def _task_part_shapes(self):
        # Every gate in one block, so that one product computes them all.
        d, T, E = self.sizes[0], self.n_tasks, self.n_experts
        return [((d, T, E), (T, E))]

    @property
    def gate_coefs(self):
        """Weights ``G_t`` of each task's gate, (n_features, n_experts) views."""
        block = self.params[2 * self.n_trunk]
        return [block[:, t, :] for t in range(self.n_tasks)]

    @property
    def gate_intercepts(self):
        """Biases ``a_t`` of each task's gate, (n_experts,) views."""
        block = self.params[2 * self.n_trunk + 1]
        return [block[t] for t in range(self.n_tasks)]

    def forward(self, X):
        """Activations of every layer of every expert, (n_experts, n_rows, h_l)."""
        E, n_rows = self.n_experts, X.shape[0]
        W, b = self.trunk_coefs[0], self.trunk_intercepts[0]
        Z = safe_sparse_dot(X, W.reshape(W.shape[0], -1), dense_output=True)
        Z += b.ravel()
        H = _activate(Z, self.activation).reshape(n_rows, E, -1).transpose(1, 0, 2)
        activations = [H]
        for W, b in zip(self.trunk_coefs[1:], self.trunk_intercepts[1:], strict=True):
            Z = np.matmul(H, W)
            Z += b[:, None, :]
            H = _activate(Z, self.activation)
            activations.append(H)
        return X, activations

    def representation(self, X):
        """The experts' outputs side by side, shape (n_rows, n_experts * h_L)."""
        outputs = self.forward(X)[1][-1]
        return outputs.transpose(1, 0, 2).reshape(X.shape[0], -1)

    def gates(self, X, task):
        """The task's gate on the rows of ``X``, shape (n_rows, n_experts)."""
        # One task's slice of the gate block (not the list of every task's).
        block, bias = self.params[2 * self.n_trunk], self.params[2 * self.n_trunk + 1]
        logits = safe_sparse_dot(X, block[:, task, :], dense_output=True)
        logits += bias[task]
        return np.exp(log_softmax(logits))

    def task_input(self, forward, task, positions):
        """The gated mixture of the experts' outputs on the task's rows."""
        X, activations = forward
        every_row = _is_every_row(positions, X.shape[0])
        rows_X = _rows(X, positions, every_row)
        gate = self.gates(rows_X, task)
        outputs = _rows(activations[-1], positions, every_row, axis=1)
        mixture = gate[:, 0, None] * outputs[0]
        for expert in range(1, self.n_experts):
            mixture += gate[:, expert, None] * outputs[expert]
        return mixture, (rows_X, gate, outputs, every_row)

    def task_inputs(self, forward, batch):
        """The mixtures of every task of the batch.

        One product computes the gates of all the batch's tasks on all its
        rows: cheaper than a product per task unless the batch holds many
        more tasks than the first hidden layer has units (then task by task,
        on its rows). When the tasks observe most (row, task) pairs (one
        ``X`` for all tasks), the mixtures are computed on every pair in one
        product; otherwise (a task column: each row one task) each
        observation gathers its row's expert outputs.
        """
        X, activations = forward
        n_rows = X.shape[0]
        tasks = np.array([term[0] for term in batch], dtype=np.intp)
        if not 2 <= tasks.size <= 4 * self.sizes[1]:
            return super().task_inputs(forward, batch)
        block, bias = self.params[2 * self.n_trunk], self.params[2 * self.n_trunk + 1]
        every_task = tasks.size == self.n_tasks and np.all(
            tasks == np.arange(self.n_tasks)
        )
        chosen = block if every_task else block[:, tasks, :]
        logits = safe_sparse_dot(
            X, chosen.reshape(chosen.shape[0], -1), dense_output=True
        ).reshape(n_rows, tasks.size, self.n_experts)
        logits += bias[tasks]
        outputs = activations[-1].transpose(1, 0, 2)  # (n_rows, E, h_L)
        counts = [term[1].size for term in batch]
        if 2 * sum(counts) >= n_rows * tasks.size:
            gates = np.exp(log_softmax(logits))
            mixtures = np.matmul(gates, outputs)  # (n_rows, n_batch_tasks, h_L)
            local = _DenseGates(tasks, gates, outputs)
            return [
                (_rows(mixtures[:, i], term[1], _is_every_row(term[1], n_rows)), local)
                for i, term in enumerate(batch)
            ]
        rows = np.concatenate([term[1] for term in batch])
        slots = np.repeat(np.arange(tasks.size), counts)
        gates = np.exp(log_softmax(logits[rows, slots]))
        outputs = outputs[rows]  # (n_obs, E, h_L)
        mixtures = np.matmul(gates[:, None, :], outputs)[:, 0, :]
        bounds = np.cumsum([0, *counts])
        local = _GatheredGates(tasks, rows, slots, bounds, gates, outputs)
        return [
            (mixtures[start:stop], local)
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True)
        ]

    def tasks_backward(self, forward, batch, locals_, d_inputs, grads, upstream):
        """Gradients of the gates and of the experts' outputs, of a batch."""
        local = locals_[0] if locals_ else None
        if isinstance(local, _DenseGates):
            d_logits = self._dense_backward(forward, batch, local, d_inputs, upstream)
        elif isinstance(local, _GatheredGates):
            d_logits = self._gathered_backward(
                forward, batch, local, d_inputs, upstream
            )
        else:
            return super().tasks_backward(
                forward, batch, locals_, d_inputs, grads, upstream
            )
        X = forward[0]
        tasks = local.tasks
        d_block = safe_sparse_dot(
            X.T, d_logits.reshape(X.shape[0], -1), dense_output=True
        )
        grads[2 * self.n_trunk][:, tasks, :] += d_block.reshape(
            X.shape[1], tasks.size, self.n_experts
        )
        grads[2 * self.n_trunk + 1][tasks] += d_logits.sum(axis=0)

    def _dense_backward(self, forward, batch, local, d_inputs, upstream):
        """Backward of :class:`_DenseGates`; the logits' gradient, (n, k, E)."""
        n_rows = forward[0].shape[0]
        tasks, gates, outputs = local
        d_mixtures = np.zeros((n_rows, tasks.size, outputs.shape[2]))
        for i, (term, d_input) in enumerate(zip(batch, d_inputs, strict=True)):
            d_mixtures[term[1], i] = d_input  # unobserved pairs stay 0
        d_gates = np.matmul(d_mixtures, outputs.transpose(0, 2, 1))
        upstream += np.matmul(gates.transpose(0, 2, 1), d_mixtures)
        return gates * (d_gates - np.sum(gates * d_gates, axis=2, keepdims=True))

    def _gathered_backward(self, forward, batch, local, d_inputs, upstream):
        """Backward of :class:`_GatheredGates`; the logits' gradient, (n, k, E)."""
        n_rows = forward[0].shape[0]
        tasks, rows, slots, bounds, gates, outputs = local
        d_mixtures = np.concatenate(d_inputs)  # (n_obs, h_L)
        d_gates = np.matmul(outputs, d_mixtures[:, :, None])[:, :, 0]
        d_logits = gates * (d_gates - np.sum(gates * d_gates, axis=1, keepdims=True))
        # Each (row, task) pair is observed once: a plain scatter.
        d_all = np.zeros((n_rows, tasks.size, self.n_experts))
        d_all[rows, slots] = d_logits
        d_outputs = gates[:, :, None] * d_mixtures[:, None, :]
        # A row observed by several tasks sums their gradients; within a task
        # its rows are distinct, so each task's scatter is a plain one.
        for (_, positions, *_), start, stop in zip(
            batch, bounds[:-1], bounds[1:], strict=True
        ):
            if _is_every_row(positions, n_rows):
                upstream += d_outputs[start:stop]
            else:
                upstream[positions] += d_outputs[start:stop]
        return d_all

    def new_upstream(self, forward):
        """A zero gradient of the experts' outputs, (n_rows, n_experts, h_L)."""
        return np.zeros(forward[1][-1].transpose(1, 0, 2).shape)

    def task_backward(self, forward, task, positions, local, d_inputs, grads, upstream):
        """Gradients of the task's gate, and of the experts' outputs."""
        rows_X, gate, outputs, every_row = local
        # d mixture / d gate_e = output_e; softmax backward to the logits.
        d_gate = np.einsum("nh,enh->ne", d_inputs, outputs)
        d_logits = gate * (d_gate - np.sum(gate * d_gate, axis=1, keepdims=True))
        grads[2 * self.n_trunk][:, task, :] += safe_sparse_dot(
            rows_X.T, d_logits, dense_output=True
        )
        grads[2 * self.n_trunk + 1][task] += d_logits.sum(axis=0)
        contribution = gate[:, :, None] * d_inputs[:, None, :]
        if every_row:
            upstream += contribution
        else:
            upstream[positions] += contribution

    def trunk_backward(self, forward, upstream, grads):
        """Backpropagate the experts' output gradients through their layers."""
        X, activations = forward
        d_H = upstream.transpose(1, 0, 2)
        for layer in range(self.n_layers - 1, 0, -1):
            d_Z = d_H * _activation_derivative(activations[layer], self.activation)
            below = activations[layer - 1]
            grads[2 * layer][...] = np.matmul(below.transpose(0, 2, 1), d_Z)
            grads[2 * layer + 1][...] = d_Z.sum(axis=1)
            d_H = np.matmul(d_Z, self.trunk_coefs[layer].transpose(0, 2, 1))
        d_Z = d_H * _activation_derivative(activations[0], self.activation)
        d_Z = d_Z.transpose(1, 0, 2).reshape(X.shape[0], -1)
        grads[0][...] = safe_sparse_dot(X.T, d_Z, dense_output=True).reshape(
            grads[0].shape
        )
        grads[1][...] = d_Z.sum(axis=0).reshape(grads[1].shape)


def build_network(
    architecture, sizes, widths, kinds, activation, n_experts=1, tower=()
):
    """An uninitialised network of the given architecture.

    Parameters
    ----------
    architecture : {"shared", "mmoe"}
        Hard sharing or the multi-gate mixture of experts.
    sizes, widths, kinds, activation
        As in :class:`Network`.
    n_experts : int, default=1
        Number of experts (``"mmoe"`` only).
    tower : tuple of int, default=()
        Widths of each task's tower layers.

    Returns
    -------
    network : Network
        Its parameters all zero.
    """
    if architecture == "mmoe":
        return MixtureOfExperts(sizes, widths, kinds, activation, n_experts, tower)
    return HardSharing(sizes, widths, kinds, activation, tower)


def initialize(network, rng, head_bias):
    """Glorot-uniform weights, zero hidden biases and gates, heads at the null model.

    Parameters
    ----------
    network : Network
        The network, updated in place.
    rng : numpy.random.RandomState
        Source of the random weights.
    head_bias : list of ndarray
        Initial intercepts of each head (the best constant prediction).

    Returns
    -------
    network : Network
        The same network. Gates start at zero: every task mixes the experts
        equally until training tells them apart.
    """
    first_layer = network.trunk_coefs[0]
    head_layers = network.params[network._first_head :: 2]  # towers and outputs
    for weights in network.trunk_coefs + head_layers:
        # One expert's fans: the first layer of a mixture of experts is
        # stacked as (n_features, n_experts, h_1), the others (.., in, out).
        if weights is first_layer and weights.ndim == 3:
            fan_in, fan_out = weights.shape[0], weights.shape[2]
        else:
            fan_in, fan_out = weights.shape[-2], weights.shape[-1]
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        weights[...] = rng.uniform(-bound, bound, size=weights.shape)
    for bias, initial in zip(network.head_intercepts, head_bias, strict=True):
        bias[...] = initial
    return network


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
