"""Neural multi-task learning: a network with shared hidden layers.

:class:`MultiTaskMLP` is *hard parameter sharing*: every task reads the same
learned representation (the shared hidden layers) through its own output
layer (its head), so related tasks with few samples each learn the
representation together. Regression, binary and multi-class tasks mix in one
model. :class:`MultiTaskMLPRegressor` and :class:`MultiTaskMLPClassifier` are
the same network with every task a regression, or every task a
classification: a scikit-learn regressor or classifier, for the places that
expect one.

Modules, one job each: :mod:`~skmtl.neural.estimator` (the estimator and its
parameters), :mod:`~skmtl.neural.task_set` (from ``y`` to each task's kind,
classes, weight and encoded targets), :mod:`~skmtl.neural.training` (epochs of
minibatch Adam, early stopping) and :mod:`~skmtl.neural.network` (layers,
losses, gradients, Adam).
"""

from .estimator import MultiTaskMLP, MultiTaskMLPClassifier, MultiTaskMLPRegressor

__all__ = ["MultiTaskMLP", "MultiTaskMLPClassifier", "MultiTaskMLPRegressor"]

# The classes live in their public home: pickles and the API reference name
# skmtl.neural.MultiTaskMLP, whichever module implements it.
for _estimator in (MultiTaskMLP, MultiTaskMLPClassifier, MultiTaskMLPRegressor):
    _estimator.__module__ = __name__
del _estimator
