"""How the tasks' losses are combined at each step of :class:`MultiTaskMLP`.

A *weighting* holds the task weights :math:`\\lambda_t` and, when they are
learned, updates them after each gradient step from the batch estimates of the
tasks' mean losses :math:`L_t` (and, for GradNorm, the gradient of each task):

- :class:`FixedWeighting`: weights fixed before training (all 1, given, or
  ``"balanced"``);
- :class:`UncertaintyWeighting`: Kendall, Gal & Cipolla (CVPR 2018), one
  learned log-variance per task;
- :class:`GradNormWeighting`: Chen et al. (ICML 2018), weights that equalise
  the tasks' gradient norms, scaled by how far each task is from its start.

:func:`project_conflicts` is PCGrad's gradient surgery (Yu et al., NeurIPS
2020), applied to the trunk's gradients whatever the weighting.

Learned weights are relative to each task's *baseline loss* :math:`L^0_t`,
the mean loss of the best constant prediction on the training data (half the
variance, or the entropy of the class frequencies; 1 for a task with constant
targets), which the balanced weights invert.
"""

import numpy as np

from .network import Adam

LEARNED_WEIGHTINGS = ("uncertainty", "gradnorm")
GRADIENT_SURGERIES = ("pcgrad",)

# GradNorm's asymmetry: how strongly a task that lags behind (a high loss
# relative to its baseline) is pushed; 1.5 is the value Chen et al. found
# good across their problems, and LibMTL's default.
GRADNORM_ASYMMETRY = 1.5


class FixedWeighting:
    """Task weights fixed before training.

    Parameters
    ----------
    weights : ndarray of shape (n_tasks,)
        The weights :math:`\\lambda_t`.
    """

    name = None
    needs_task_gradients = False

    def __init__(self, weights):
        self.weights = np.asarray(weights, dtype=np.float64)

    def regularizer(self):
        """The term the weighting adds to the objective: none."""
        return 0.0

    def watched_weights(self):
        """Task weights of the loss that the stopping rule watches: these."""
        return self.weights

    def update(self, task_means, gradients=None):
        """Nothing to learn."""

    def set_learning_rate(self, learning_rate):
        """Nothing to learn."""

    def complete(self, balanced):
        """Fix the pending (NaN) balanced weights of tasks observed at last.

        Parameters
        ----------
        balanced : ndarray of shape (n_tasks,)
            The balanced weights :math:`1 / L^0_t` on this call's data (NaN
            where not observed). Only ``"balanced"`` weights can be pending.
        """
        pending = np.isnan(self.weights)
        self.weights[pending] = balanced[pending]


class _LearnedWeighting:
    """Weights learned from each task's loss relative to its baseline.

    Parameters
    ----------
    baseline : ndarray of shape (n_tasks,)
        Baseline loss :math:`L^0_t` of each task (NaN for a task not yet
        observed, in ``partial_fit``).
    learning_rate : float
        Adam step size of the weights' own parameters.
    """

    def __init__(self, baseline, learning_rate):
        self.baseline = np.array(baseline, dtype=np.float64)
        self.optimizer = Adam(self.baseline.size, learning_rate)

    def watched_weights(self):
        """``1 / L^0_t``: each task's loss relative to its baseline.

        Learned weights move during training (and uncertainty weighting's
        objective falls without bound as a task's loss goes to 0), so the
        stopping rule watches a fixed yardstick instead, on the training or
        the validation rows (an unobserved task counts with weight 1).
        """
        return np.where(np.isnan(self.baseline), 1.0, 1.0 / self.baseline)

    def complete(self, balanced):
        """Take the baselines of tasks observed for the first time.

        Parameters
        ----------
        balanced : ndarray of shape (n_tasks,)
            The balanced weights :math:`1 / L^0_t` on this call's data (NaN
            where not observed).
        """
        baseline = 1.0 / balanced
        fresh = np.isnan(self.baseline) & ~np.isnan(baseline)
        self.baseline[fresh] = baseline[fresh]
        self._started(fresh)

    def _started(self, tasks):
        """Set the learned parameters of newly observed tasks."""

    def set_learning_rate(self, learning_rate):
        """Follow the network's step size (``learning_rate_init``)."""
        self.optimizer.learning_rate = learning_rate


class UncertaintyWeighting(_LearnedWeighting):
    """Kendall et al.'s uncertainty weighting: learned log-variances.

    The objective gets, for each task, :math:`e^{-s_t} L_t + s_t / 2` with a
    learned log-variance :math:`s_t = \\log \\sigma_t^2`: the negative
    log-likelihood of a Gaussian (regression, the loss being
    :math:`\\frac12 (y - z)^2`) or of a softmax with temperature
    :math:`\\sigma_t^2` (classification, in Kendall et al.'s approximation).
    The weight is :math:`\\lambda_t = e^{-s_t}`; at fixed losses the best
    :math:`s_t` is :math:`\\log(2 L_t)`, a weight of :math:`1 / (2 L_t)`,
    so each :math:`s_t` starts there at the baseline: half the balanced
    weight.

    Parameters
    ----------
    baseline : ndarray of shape (n_tasks,)
        Baseline loss of each task.
    learning_rate : float
        Adam step size of the log-variances.
    """

    name = "uncertainty"
    needs_task_gradients = False

    def __init__(self, baseline, learning_rate):
        super().__init__(baseline, learning_rate)
        self.log_variance = np.zeros(self.baseline.size)
        self._started(~np.isnan(self.baseline))

    def _started(self, tasks):
        self.log_variance[tasks] = np.log(2.0 * self.baseline[tasks])

    @property
    def weights(self):
        """The weights :math:`e^{-s_t}`."""
        return np.exp(-self.log_variance)

    def regularizer(self):
        """:math:`\\frac12 \\sum_t s_t` over the observed tasks."""
        return 0.5 * float(np.sum(self.log_variance[~np.isnan(self.baseline)]))

    def update(self, task_means, gradients=None):
        """One Adam step on the log-variances.

        Parameters
        ----------
        task_means : dict
            Batch estimate of each task's mean loss; tasks without rows in
            the batch estimate zero (the minibatch objective is unbiased).
        gradients : None
            Not used.
        """
        losses = np.zeros(self.baseline.size)
        for task, value in task_means.items():
            losses[task] = value
        gradient = 0.5 - self.weights * losses
        gradient[np.isnan(self.baseline)] = 0.0
        self.optimizer.step(self.log_variance, gradient)


class GradNormWeighting(_LearnedWeighting):
    """Chen et al.'s GradNorm: weights that balance the tasks' gradient norms.

    At each step, with :math:`G_t = \\lambda_t \\|\\nabla_{W} L_t\\|` the
    norm of task ``t``'s weighted gradient on the last layer of the trunk
    ``W``, :math:`\\bar G` their mean and :math:`r_t` the task's relative
    inverse training rate (:math:`L_t / L^0_t` over its mean across tasks),
    the weights take an Adam step on
    :math:`\\sum_t |G_t - \\bar G\\, r_t^{\\,a}|` (the target held constant,
    :math:`a = 1.5`) and are renormalised to sum to the number of tasks. A
    task whose loss falls slowly gets a larger share of the gradient.

    Parameters
    ----------
    baseline : ndarray of shape (n_tasks,)
        Baseline loss of each task.
    learning_rate : float
        Adam step size of the weights.
    last_layer : ndarray of int
        Positions, in the network's flat parameters, of the weights of the
        trunk's last layer.
    """

    name = "gradnorm"
    needs_task_gradients = True

    def __init__(self, baseline, learning_rate, last_layer):
        super().__init__(baseline, learning_rate)
        self.weights = np.ones(self.baseline.size)
        self.last_layer = last_layer

    def regularizer(self):
        """GradNorm adds nothing to the objective."""
        return 0.0

    def update(self, task_means, gradients=None):
        """One step of the weights towards balanced gradient norms.

        Parameters
        ----------
        task_means : dict
            Batch estimate of each task's mean loss.
        gradients : dict
            Gradient of each task's unweighted term, from
            :meth:`~skmtl.neural.network.Network.task_gradients`.
        """
        tasks = np.array(sorted(task_means), dtype=np.intp)
        if tasks.size < 2:
            return  # nothing to balance in this batch
        norms = np.array([np.linalg.norm(gradients[t][self.last_layer]) for t in tasks])
        weighted = self.weights[tasks] * norms
        ratio = np.array([task_means[t] for t in tasks]) / self.baseline[tasks]
        mean_ratio = ratio.mean()
        if not np.isfinite(mean_ratio) or mean_ratio <= 0:
            return
        target = weighted.mean() * (ratio / mean_ratio) ** GRADNORM_ASYMMETRY
        gradient = np.zeros(self.weights.size)
        gradient[tasks] = np.sign(weighted - target) * norms
        self.optimizer.step(self.weights, gradient)
        np.maximum(self.weights, 0.0, out=self.weights)
        total = self.weights.sum()
        if total > 0:
            self.weights *= self.weights.size / total
        else:
            self.weights[...] = 1.0


def make_weighting(task_weights, baseline, learning_rate, network):
    """The learned weighting that the ``task_weights`` parameter names.

    Parameters
    ----------
    task_weights : {"uncertainty", "gradnorm"}
        The ``task_weights`` parameter.
    baseline : ndarray of shape (n_tasks,)
        Each task's baseline loss (NaN for a task not yet observed).
    learning_rate : float
        Adam step size of the weighting's parameters.
    network : Network
        The network (GradNorm reads the position of its trunk's last layer).

    Returns
    -------
    weighting : UncertaintyWeighting or GradNormWeighting
        A new weighting.
    """
    if task_weights == "uncertainty":
        return UncertaintyWeighting(baseline, learning_rate)
    return GradNormWeighting(baseline, learning_rate, network.last_layer_index)


def project_conflicts(gradients, rng):
    """PCGrad: remove from each task's gradient its conflicts with the others.

    For each task, in turn, and each other task in random order: when the
    task's (already projected) gradient :math:`g_t` has a negative inner
    product with the other's original gradient :math:`g_s`, its component
    along :math:`g_s` is removed,
    :math:`g_t \\leftarrow g_t - \\frac{g_t^\\top g_s}{\\|g_s\\|^2} g_s`.

    Parameters
    ----------
    gradients : list of ndarray
        Each task's gradient on the shared parameters.
    rng : numpy.random.RandomState
        Draws the order of the other tasks.

    Returns
    -------
    gradient : ndarray
        The sum of the projected gradients.
    """
    squared = [float(g @ g) for g in gradients]
    total = np.zeros_like(gradients[0])
    for t, gradient in enumerate(gradients):
        projected = gradient.copy()
        for s in rng.permutation(len(gradients)):
            if s == t or squared[s] == 0.0:
                continue
            inner = float(projected @ gradients[s])
            if inner < 0.0:
                projected -= (inner / squared[s]) * gradients[s]
        total += projected
    return total
