"""Training of :class:`skmtl.neural.MultiTaskMLP`: epochs of minibatch Adam.

A :class:`Trainer` runs epochs on a :class:`~skmtl.neural.network.Network`:
it shuffles the rows, cuts them into :class:`Minibatches`, combines the
tasks' gradients (task weights from :mod:`~skmtl.neural.weighting`, gradient
surgery), steps Adam, records the loss and task weights of each epoch, and
stops when the watched loss (training loss, or validation loss with early
stopping) stalls. It lives as long as its
network, so that ``partial_fit`` calls and warm-started fits continue its loss
curves and its epoch and step counts. The held-out split of early stopping and
the convergence warning are here too.
"""

import warnings
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._layout.tasks import rows_by_task
from .network import LOSSES, Adam, build_network, initialize, null_loss
from .weighting import project_conflicts

# Tasks shown per epoch with ``verbose``: enough to follow, not a wall of text.
_MAX_REPORTED_TASKS = 10


class TrainingOptions(NamedTuple):
    """The estimator's parameters that shape an epoch and the stopping rule.

    Parameters
    ----------
    alpha : float
        Strength of the L2 penalty.
    batch_size : int or "auto"
        Rows per minibatch.
    shuffle : bool
        Whether to shuffle the rows at each epoch.
    tol : float
        Least decrease of the watched loss that counts as progress.
    n_iter_no_change : int
        Epochs without progress before stopping.
    verbose : int
        Print the losses of each epoch when positive.
    gradient_surgery : None or "pcgrad"
        Whether to project out conflicts between the tasks' trunk gradients.
    """

    alpha: float
    batch_size: object
    shuffle: bool
    tol: float
    n_iter_no_change: int
    verbose: int
    gradient_surgery: object = None


class EpochsResult(NamedTuple):
    """What a run of epochs reports.

    Parameters
    ----------
    converged : bool
        Whether the watched loss stalled before the last epoch allowed.
    validation_curve : ndarray of shape (n_epochs,) or None
        The validation loss after each epoch (None without validation).
    best_validation_loss : float or None
        Its smallest value, whose parameters were kept (None without
        validation).
    """

    converged: bool
    validation_curve: object = None
    best_validation_loss: object = None


def batch_rows(batch_size, n_rows):
    """Rows per minibatch: ``"auto"`` is ``min(200, n_rows)``.

    Parameters
    ----------
    batch_size : int or "auto"
        The ``batch_size`` parameter.
    n_rows : int
        Number of training rows.

    Returns
    -------
    batch_rows : int
        Rows per minibatch, at most ``n_rows``.
    """
    if batch_size == "auto":
        return min(200, n_rows)
    return min(int(batch_size), n_rows)


def full_batch(targets):
    """All observations as one batch, entries weighted ``w_i / S_t``.

    ``S_t`` is the total sample weight of task ``t`` (its count ``n_t``
    without sample weights), so that each task contributes its weighted mean
    loss.

    Parameters
    ----------
    targets : Targets
        The encoded observations.

    Returns
    -------
    batch : list of tuple
        ``(task, rows, targets, scale, weights)`` per observed task, as
        :meth:`skmtl.neural.network.Network.loss_and_gradient` reads them.
    """
    return [
        (
            t,
            targets.rows[t],
            targets.values[t],
            1.0 / targets.totals[t],
            targets.weights[t],
        )
        for t in range(targets.n_tasks)
        if targets.counts[t] > 0
    ]


class Minibatches:
    """The observations of every task, cut into minibatches of rows.

    An entry ``i`` of task ``t`` in a batch of ``m`` of the ``n`` rows has
    weight ``w_i n / (m S_t)``, ``w_i`` its sample weight and ``S_t`` the
    task's total (``n_t`` without sample weights): each batch's sum is an
    unbiased estimate of the task's mean loss (exact when the batch holds
    every row), which the network multiplies by the task weight. Unlike
    scikit-learn's MLPs, which divide each batch by its own total weight,
    this keeps a batch with little weight from counting as much as one with
    a lot.

    Parameters
    ----------
    targets : Targets
        The encoded observations.
    batch_size : int
        Rows per batch (the last one may have fewer).
    """

    def __init__(self, targets, batch_size):
        self.n_rows = targets.n_rows
        self.n_tasks = targets.n_tasks
        self.counts = targets.counts
        self.totals = targets.totals
        self.batch_size = batch_size
        # All observations in one table (task, row, value), grouped by task,
        # built once rather than at every epoch.
        self.obs_task = np.repeat(np.arange(self.n_tasks), self.counts)
        rows, values = targets.rows, targets.values
        self.obs_row = np.concatenate(rows) if rows else np.zeros(0, int)
        self.obs_value = np.concatenate(values) if values else np.zeros(0)
        weighted = any(w is not None for w in targets.weights)
        self.obs_weight = np.concatenate(targets.weights) if weighted else None

    def split(self, order):
        """Minibatches of consecutive rows of ``order``.

        Parameters
        ----------
        order : ndarray of shape (n_rows,)
            A permutation of the rows.

        Yields
        ------
        rows : ndarray
            Rows of ``X`` in the batch.
        batch : list of tuple
            ``(task, positions, targets, scale, weights)`` per task observed, as
            :meth:`skmtl.neural.network.Network.loss_and_gradient` reads
            them.
        """
        batch_size = self.batch_size
        position = np.empty(self.n_rows, dtype=np.intp)
        position[order] = np.arange(self.n_rows)
        obs_position = position[self.obs_row]
        obs_batch = obs_position // batch_size
        # Stable: within a batch the observations stay grouped by task.
        by_batch = np.argsort(obs_batch, kind="stable")
        n_batches = -(-self.n_rows // batch_size)
        bounds = np.searchsorted(obs_batch[by_batch], np.arange(n_batches + 1))
        all_tasks = np.arange(self.n_tasks + 1)
        for k in range(n_batches):
            start = k * batch_size
            rows = order[start : start + batch_size]
            members = by_batch[bounds[k] : bounds[k + 1]]
            task_bounds = np.searchsorted(self.obs_task[members], all_tasks)
            batch = []
            for t in np.flatnonzero(np.diff(task_bounds)):
                entries = members[task_bounds[t] : task_bounds[t + 1]]
                scale = self.n_rows / (rows.size * self.totals[t])
                weights = None
                if self.obs_weight is not None:
                    weights = self.obs_weight[entries]
                batch.append(
                    (
                        int(t),
                        obs_position[entries] - start,
                        self.obs_value[entries],
                        scale,
                        weights,
                    )
                )
            yield rows, batch


def initial_network(
    rng, n_features, hidden, specs, targets, activation, architecture, n_experts, tower
):
    """A new network whose heads start at the best constant prediction.

    Parameters
    ----------
    rng : numpy.random.RandomState
        Source of the random weights.
    n_features : int
        Width of the input.
    hidden : tuple of int
        Widths of the shared layers.
    specs : list of TaskSpec
        Kind and width of each task's head.
    targets : Targets
        The encoded observations, for the heads' initial intercepts.
    activation : {"relu", "tanh"}
        Activation of the hidden layers.
    architecture : {"shared", "mmoe"}
        Hard sharing or the multi-gate mixture of experts.
    n_experts : int
        Number of experts of a mixture of experts.
    tower : tuple of int
        Widths of each task's tower layers.

    Returns
    -------
    network : Network
        The initialised network.
    """
    head_bias = [
        null_loss(spec.kind, targets.values[t], spec.width, targets.weights[t])[1]
        for t, spec in enumerate(specs)
    ]
    network = build_network(
        architecture,
        [n_features, *hidden],
        [spec.width for spec in specs],
        [spec.kind for spec in specs],
        activation,
        n_experts,
        tower,
    )
    return initialize(network, rng, head_bias)


def validation_split(X, targets, task_index, fraction, rng, tasks):
    """Hold out ``fraction`` of the rows (of each task's rows) for early stopping.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
        Features.
    targets : Targets
        The encoded observations of the rows.
    task_index : ndarray of int of shape (n_rows,) or None
        With a task column, the task of each row: each task keeps its share
        of training rows. None: the rows are split together.
    fraction : float
        The ``validation_fraction`` parameter.
    rng : numpy.random.RandomState
        Chooses the held-out rows.
    tasks : ndarray of shape (n_tasks,)
        Task labels, for error messages.

    Returns
    -------
    X_train : ndarray or sparse matrix
        Features of the training rows.
    train : Targets
        Their observations.
    validation : tuple of (X_validation, Targets)
        The held-out rows and their observations.
    """
    n_rows = X.shape[0]
    groups = np.zeros(n_rows, dtype=np.intp) if task_index is None else task_index
    held_out = []
    for _, members in rows_by_task(groups):
        size = members.size
        n_held = min(int(np.ceil(fraction * size)), size - 1)
        held_out.append(rng.permutation(members)[:n_held])
    held_out = np.sort(np.concatenate(held_out))
    kept = np.setdiff1d(np.arange(n_rows), held_out)
    if held_out.size == 0:
        raise ValueError(
            "early_stopping needs a validation set, but validation_fraction="
            f"{fraction} of {n_rows} rows leaves none; use more "
            "data or turn early_stopping off."
        )
    train, validation = targets.subset(kept), targets.subset(held_out)
    empty = np.flatnonzero(train.counts == 0)
    if empty.size:
        names = tasks[empty][:5].tolist()
        raise ValueError(
            f"early_stopping leaves tasks {names} without a training target; "
            "lower validation_fraction or turn early_stopping off."
        )
    return X[kept], train, (X[held_out], validation)


def data_loss(network, X, targets, task_weights):
    """Weighted data term of the objective (full batch), without gradient.

    Parameters
    ----------
    network : Network
        The network.
    X : ndarray or sparse matrix of shape (n_rows, n_features)
        Features.
    targets : Targets
        The encoded observations of the rows.
    task_weights : ndarray of shape (n_tasks,)
        Task weights ``lambda_t``.

    Returns
    -------
    loss : float
        ``sum_t lambda_t`` times the mean loss of task ``t``.
    """
    forward = network.forward(X)
    total = 0.0
    for t, positions, values, scale, weights in full_batch(targets):
        scores = network.scores(forward, t, positions)
        losses, _ = LOSSES[network.kinds[t]](scores, values)
        if weights is not None:
            losses = losses * weights
        total += task_weights[t] * scale * float(losses.sum())
    return total


class _Plateau:
    """The best value of the watched loss and for how many epochs it stalled."""

    def __init__(self, tol):
        self.tol = tol
        self.best = np.inf
        self.stalled = 0

    def update(self, loss):
        """Record one epoch's loss; return whether it is the best so far."""
        if loss > self.best - self.tol:
            self.stalled += 1
        else:
            self.stalled = 0
        if loss < self.best:
            self.best = loss
            return True
        return False


def _epoch_line(epoch, total, task_loss, validation_curve):
    """The line ``verbose`` prints after an epoch."""
    shown = ", ".join(f"{v:.4g}" for v in task_loss[:_MAX_REPORTED_TASKS])
    more = ", ..." if task_loss.size > _MAX_REPORTED_TASKS else ""
    line = f"Epoch {epoch}: loss {total:.6g} (tasks: {shown}{more})"
    if validation_curve:
        line += f", validation loss {validation_curve[-1]:.6g}"
    return line


class Trainer:
    """Minibatch Adam on a network, and the record of the epochs it ran.

    Parameters
    ----------
    network : Network
        The network to train (updated in place).
    rng : numpy.random.RandomState
        Shuffles the rows (and orders PCGrad's projections).
    learning_rate : float
        Adam step size.
    weighting : FixedWeighting, UncertaintyWeighting or GradNormWeighting
        The task weights, learned or not (see
        :mod:`~skmtl.neural.weighting`).

    Attributes
    ----------
    loss_history : list of float
        The objective of each epoch, averaged over its batches.
    task_loss_history : list of ndarray
        The unweighted mean loss of each task in each epoch.
    task_weight_history : list of ndarray
        The task weights at the end of each epoch.
    n_epochs : int
        Epochs run.
    n_steps : int
        Adam steps (minibatches) taken.
    """

    def __init__(self, network, rng, learning_rate, weighting):
        self.network = network
        self.rng = rng
        self.optimizer = Adam(network.size, learning_rate)
        self.weighting = weighting
        self.loss_history = []
        self.task_loss_history = []
        self.task_weight_history = []
        self.n_epochs = 0
        self.n_steps = 0

    def restart(self, rng, learning_rate):
        """Continue with a fresh optimiser and rng (a warm-started ``fit``).

        Parameters
        ----------
        rng : numpy.random.RandomState
            Shuffles the rows from now on.
        learning_rate : float
            Adam step size.
        """
        self.rng = rng
        self.optimizer = Adam(self.network.size, learning_rate)
        self.weighting.set_learning_rate(learning_rate)

    def run(self, X, targets, n_epochs, options, validation=None):
        """Run up to ``n_epochs`` epochs of minibatch Adam.

        Stops when the training loss (the validation loss when ``validation``
        is given) has not decreased by ``tol`` for ``n_iter_no_change``
        epochs; both weigh the tasks by the weighting's ``watched_weights``
        (for learned weights, each task's loss over its baseline). With
        ``validation``, the parameters of the best validation epoch are
        restored.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_rows, n_features)
            Training features.
        targets : Targets
            Their encoded observations.
        n_epochs : int
            Most epochs to run.
        options : TrainingOptions
            Batch size, penalty, stopping rule and gradient surgery.
        validation : tuple of (X, Targets) or None, default=None
            Held-out rows for early stopping.

        Returns
        -------
        result : EpochsResult
            Whether the loss stalled, and the validation curve.
        """
        batches = Minibatches(targets, batch_rows(options.batch_size, X.shape[0]))
        plateau = _Plateau(options.tol)
        best_flat, validation_curve = None, []
        converged = False
        for _ in range(n_epochs):
            total, task_loss = self._epoch(X, batches, options)
            # Fixed weights watch the objective itself (their yardstick is
            # the weights, and they add no regularizer).
            yardstick = self.weighting.watched_weights()
            if validation is not None:
                watched = data_loss(self.network, *validation, yardstick)
                validation_curve.append(watched)
            else:
                observed = ~np.isnan(task_loss)
                watched = float(
                    np.sum(yardstick[observed] * task_loss[observed])
                ) + self.network.penalty(options.alpha)
            if options.verbose:
                print(_epoch_line(self.n_epochs, total, task_loss, validation_curve))
            if plateau.update(watched) and validation is not None:
                best_flat = self.network.flat.copy()
            # One epoch (partial_fit) is a step, never a verdict on convergence.
            if n_epochs > 1 and plateau.stalled >= options.n_iter_no_change:
                converged = True
                break
        if validation is None:
            return EpochsResult(converged)
        self.network.flat[...] = best_flat
        return EpochsResult(converged, np.array(validation_curve), float(plateau.best))

    def partial_fit_epoch(self, X, targets, options, learning_rate):
        """One epoch that continues the optimiser (``partial_fit``).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_rows, n_features)
            Features of this call.
        targets : Targets
            Their encoded observations.
        options : TrainingOptions
            Batch size and penalty.
        learning_rate : float
            Adam step size, which may have changed since the last call.
        """
        self.optimizer.learning_rate = learning_rate
        self.weighting.set_learning_rate(learning_rate)
        self.run(X, targets, 1, options)

    def _step_gradient(self, X, batch, options):
        """The gradient of one step, and each task's batch loss sum."""
        network, weights = self.network, self.weighting.weights
        surgery = options.gradient_surgery is not None
        if not (surgery or self.weighting.needs_task_gradients):
            _, task_sums, gradient = network.loss_and_gradient(
                X, batch, options.alpha, weights
            )
            return gradient, task_sums, None
        task_sums, gradients = network.task_gradients(X, batch)
        gradient = np.zeros(network.size)
        for task, task_gradient in gradients.items():
            gradient += weights[task] * task_gradient
        if surgery and len(gradients) > 1:
            trunk = network.trunk_index
            gradient[trunk] = project_conflicts(
                [weights[t] * g[trunk] for t, g in gradients.items()], self.rng
            )
        if options.alpha > 0:
            n_weights = network.n_weights
            gradient[:n_weights] += options.alpha * network.flat[:n_weights]
        return gradient, task_sums, gradients

    def _epoch(self, X, batches, options):
        """One pass over the rows; returns the objective and each task's loss."""
        network = self.network
        n_rows = X.shape[0]
        order = self.rng.permutation(n_rows) if options.shuffle else np.arange(n_rows)
        sums = np.zeros(batches.n_tasks)
        for rows, batch in batches.split(order):
            gradient, task_sums, gradients = self._step_gradient(
                X[rows], batch, options
            )
            task_means = {
                task: scale * task_sums[task] for task, _, _, scale, _ in batch
            }
            self.weighting.update(task_means, gradients)
            self.optimizer.step(network.flat, gradient)
            self.n_steps += 1
            for t, value in task_sums.items():
                sums[t] += value
        counts = batches.counts
        with np.errstate(invalid="ignore", divide="ignore"):
            task_loss = np.where(counts > 0, sums / batches.totals, np.nan)
        observed = counts > 0
        weights = np.array(self.weighting.weights, dtype=np.float64)
        weighted = np.sum(weights[observed] * task_loss[observed])
        total = (
            float(weighted)
            + network.penalty(options.alpha)
            + self.weighting.regularizer()
        )
        self.loss_history.append(total)
        self.task_loss_history.append(task_loss)
        self.task_weight_history.append(weights)
        self.n_epochs += 1
        return total, task_loss


def warn_not_converged(max_iter, tol, n_iter_no_change, early_stopping):
    """Warn that ``fit`` ran out of epochs while the watched loss still fell.

    Parameters
    ----------
    max_iter : int
        The epoch budget (``max_iter``, resolved when ``"auto"``).
    tol : float
        The ``tol`` parameter.
    n_iter_no_change : int
        The ``n_iter_no_change`` parameter.
    early_stopping : bool
        Whether the validation loss was watched.
    """
    watched = "validation loss" if early_stopping else "training loss"
    advice = "" if early_stopping else ", or set early_stopping=True"
    warnings.warn(
        f"MultiTaskMLP stopped at max_iter={max_iter} epochs while the "
        f"{watched} still decreased by more than tol={tol:g} within "
        f"n_iter_no_change={n_iter_no_change} epochs. Increase "
        "max_iter, raise learning_rate_init or standardise the features "
        f"(StandardScaler){advice}; or raise tol if a decrease of this size "
        "is small enough to stop at.",
        ConvergenceWarning,
        stacklevel=3,  # the caller of fit
    )
