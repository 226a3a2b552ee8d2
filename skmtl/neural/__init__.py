"""Neural multi-task learning: a network with shared hidden layers.

:class:`MultiTaskMLP` is *hard parameter sharing*: every task reads the same
learned representation (the shared hidden layers) through its own output
layer (its head), so related tasks with few samples each learn the
representation together. Regression, binary and multi-class tasks mix in one
model.
"""

from .estimator import MultiTaskMLP

__all__ = ["MultiTaskMLP"]
