"""Seeded generators of related tasks with a known coefficient structure."""

import numbers

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, softmax
from sklearn.utils import check_random_state

__all__ = ["make_multitask_classification", "make_multitask_regression"]

_STRUCTURES = ("shared_support", "low_rank", "independent")

# How many times the labels of one classification task are redrawn when a
# draw contains a single class.
_MAX_LABEL_DRAWS = 100


def _check_positive_int(value, name, minimum=1):
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < minimum
    ):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_nonnegative_float(value, name):
    if not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def _check_structure(structure, n_rows, n_features, n_informative, rank, rows_name):
    """Validate the structure and the size parameter that it uses."""
    if structure not in _STRUCTURES:
        raise ValueError(
            f"structure must be one of {', '.join(map(repr, _STRUCTURES))}; "
            f"got {structure!r}."
        )
    if structure == "low_rank":
        rank = _check_positive_int(rank, "rank")
        max_rank = min(n_features, n_rows)
        if rank > max_rank:
            raise ValueError(
                f"rank must be <= min(n_features, {rows_name}) = {max_rank}, "
                f"got rank={rank}."
            )
    else:
        n_informative = _check_positive_int(n_informative, "n_informative")
        if n_informative > n_features:
            raise ValueError(
                f"n_informative must be <= n_features = {n_features}, "
                f"got n_informative={n_informative}."
            )
    return n_informative, rank


def _make_coef(n_rows, n_features, structure, n_informative, rank, rng):
    """Draw a (n_rows, n_features) coefficient matrix with the given structure."""
    coef = np.zeros((n_rows, n_features))
    if structure == "shared_support":
        support = rng.choice(n_features, size=n_informative, replace=False)
        coef[:, support] = rng.standard_normal((n_rows, n_informative))
    elif structure == "independent":
        for row in coef:
            support = rng.choice(n_features, size=n_informative, replace=False)
            row[support] = rng.standard_normal(n_informative)
    else:  # low_rank
        left = rng.standard_normal((n_rows, rank))
        right = rng.standard_normal((rank, n_features))
        coef = left @ right / np.sqrt(rank)
    return coef


def make_multitask_regression(
    n_samples=100,
    n_features=50,
    n_tasks=10,
    *,
    structure="shared_support",
    n_informative=5,
    rank=3,
    noise=1.0,
    bias=0.0,
    random_state=None,
):
    """Generate related linear regression tasks with a known structure.

    All tasks share the design ``X``, whose entries are independent standard
    normal.  The targets are ``Y = X @ coef.T + bias + noise * E`` where ``E``
    is standard normal noise.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples (rows of ``X`` and ``Y``).
    n_features : int, default=50
        Number of features.
    n_tasks : int, default=10
        Number of regression tasks (columns of ``Y``).
    structure : {"shared_support", "low_rank", "independent"}, \
            default="shared_support"
        How the tasks are related through ``coef``:

        - ``"shared_support"``: the same ``n_informative`` features, chosen at
          random, are nonzero in every task, with standard normal values that
          differ from task to task.
        - ``"low_rank"``: ``coef = A @ B / sqrt(rank)`` with ``A`` of shape
          ``(n_tasks, rank)`` and ``B`` of shape ``(rank, n_features)``, both
          standard normal, so ``coef`` has rank ``rank`` and entries of unit
          variance.
        - ``"independent"``: each task has its own random set of
          ``n_informative`` nonzero features.
    n_informative : int, default=5
        Number of nonzero features per task. Used by ``"shared_support"`` and
        ``"independent"`` only; must not exceed ``n_features``.
    rank : int, default=3
        Rank of ``coef``. Used by ``"low_rank"`` only; must not exceed
        ``min(n_features, n_tasks)``.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise added to the targets.
    bias : float or array-like of shape (n_tasks,), default=0.0
        Intercept added to the targets, one value for all tasks or one per
        task.
    random_state : int, RandomState instance or None, default=None
        Seed or generator used for every random draw. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Design matrix, float64.
    Y : ndarray of shape (n_samples, n_tasks)
        Targets, one column per task, float64.
    coef : ndarray of shape (n_tasks, n_features)
        True coefficients, one row per task, float64.

    See Also
    --------
    make_multitask_classification : Related classification tasks.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.datasets import make_multitask_regression
    >>> X, Y, coef = make_multitask_regression(
    ...     n_samples=30, n_features=8, n_tasks=4, n_informative=3,
    ...     noise=0.0, random_state=0)
    >>> X.shape, Y.shape, coef.shape
    ((30, 8), (30, 4), (4, 8))
    >>> int(np.any(coef != 0, axis=0).sum())  # features used by some task
    3
    >>> bool(np.allclose(Y, X @ coef.T))
    True
    >>> _, _, coef = make_multitask_regression(
    ...     n_features=8, n_tasks=4, structure="low_rank", rank=2,
    ...     random_state=0)
    >>> int(np.linalg.matrix_rank(coef))
    2
    """
    n_samples = _check_positive_int(n_samples, "n_samples")
    n_features = _check_positive_int(n_features, "n_features")
    n_tasks = _check_positive_int(n_tasks, "n_tasks")
    n_informative, rank = _check_structure(
        structure, n_tasks, n_features, n_informative, rank, "n_tasks"
    )
    noise = _check_nonnegative_float(noise, "noise")
    bias = np.asarray(bias, dtype=np.float64)
    if bias.ndim != 0 and bias.shape != (n_tasks,):
        raise ValueError(
            f"bias must be a float or an array of shape (n_tasks,) = "
            f"({n_tasks},), got shape {bias.shape}."
        )
    rng = check_random_state(random_state)

    X = rng.standard_normal((n_samples, n_features))
    coef = _make_coef(n_tasks, n_features, structure, n_informative, rank, rng)
    Y = X @ coef.T + bias
    if noise > 0:
        Y += noise * rng.standard_normal((n_samples, n_tasks))
    return X, Y, coef


def _check_n_classes(n_classes, n_tasks):
    """Return the number of classes of each task as a list of ints."""
    if isinstance(n_classes, numbers.Integral) and not isinstance(n_classes, bool):
        n_classes = [n_classes] * n_tasks
    else:
        try:
            n_classes = list(n_classes)
        except TypeError:
            raise ValueError(
                "n_classes must be an int >= 2 or a sequence of n_tasks ints "
                f">= 2, got {n_classes!r}."
            ) from None
        if len(n_classes) != n_tasks:
            raise ValueError(
                f"n_classes must have one entry per task (n_tasks={n_tasks}), "
                f"got {len(n_classes)} entries."
            )
    for k in n_classes:
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 2:
            raise ValueError(
                f"Every task needs an integer number of classes >= 2, got {k!r} "
                "in n_classes."
            )
    return [int(k) for k in n_classes]


def _check_rate(rate):
    """A rate strictly between 0 and 1, or None."""
    if rate is None:
        return None
    if (
        isinstance(rate, bool)
        or not isinstance(rate, numbers.Real)
        or not 0.0 < rate < 1.0
    ):
        raise ValueError(
            f"positive_rate must be a number strictly between 0 and 1, or None; "
            f"got {rate!r}."
        )
    return float(rate)


def _intercept_for_rate(scores, rate):
    """The ``b`` at which ``mean(sigmoid(scores + b)) = rate``.

    The mean is increasing in ``b``, from 0 to 1: the root is bracketed by
    ``logit(rate)`` shifted by the extreme scores.
    """
    centre = np.log(rate) - np.log1p(-rate)
    low = centre - np.max(scores, initial=0.0) - 1.0
    high = centre - np.min(scores, initial=0.0) + 1.0
    return brentq(lambda b: np.mean(expit(scores + b)) - rate, low, high, xtol=1e-10)


def _draw_labels(scores, rng):
    """Draw one label per row from the model with the given linear scores.

    ``scores`` has one column for a binary task (the log-odds of class 1) and
    one column per class otherwise.
    """
    if scores.shape[1] == 1:
        return (rng.random(scores.shape[0]) < expit(scores[:, 0])).astype(np.int64)
    cumulative = np.cumsum(softmax(scores, axis=1), axis=1)
    draws = rng.random((scores.shape[0], 1))
    labels = (draws >= cumulative).sum(axis=1)
    # Rounding can leave the last cumulative probability just below 1.
    return np.minimum(labels, scores.shape[1] - 1).astype(np.int64)


def make_multitask_classification(
    n_samples=100,
    n_features=50,
    n_tasks=10,
    *,
    n_classes=2,
    structure="shared_support",
    n_informative=5,
    rank=3,
    scale=1.0,
    positive_rate=None,
    random_state=None,
):
    """Generate related linear classification tasks with a known structure.

    All tasks share the design ``X``, whose entries are independent standard
    normal. Each task follows a linear logistic model. For a binary task with
    coefficient row ``w``, ``P(y = 1 | x) = sigmoid(scale * x @ w)``; for a
    task with ``K > 2`` classes and coefficient rows ``w_0, ..., w_{K-1}``,
    ``P(y = k | x) = softmax(scale * x @ [w_0, ..., w_{K-1}])_k``. Labels are
    sampled from these probabilities, not taken as the most likely class, so
    they contain label noise that shrinks as ``scale`` grows.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples (rows of ``X`` and ``Y``). Must be at least 2.
    n_features : int, default=50
        Number of features.
    n_tasks : int, default=10
        Number of classification tasks (columns of ``Y``).
    n_classes : int or sequence of int, default=2
        Number of classes, the same for all tasks (int) or one per task
        (sequence of length ``n_tasks``). Each must be at least 2.
    structure : {"shared_support", "low_rank", "independent"}, \
            default="shared_support"
        Structure of the stacked coefficient matrix ``coef`` (see Returns):

        - ``"shared_support"``: the same ``n_informative`` features, chosen at
          random, are nonzero in every row, with standard normal values.
        - ``"low_rank"``: ``coef = A @ B / sqrt(rank)`` with standard normal
          ``A`` and ``B``, so ``coef`` has rank ``rank``.
        - ``"independent"``: each row has its own random set of
          ``n_informative`` nonzero features.
    n_informative : int, default=5
        Number of nonzero features per coefficient row. Used by
        ``"shared_support"`` and ``"independent"`` only; must not exceed
        ``n_features``.
    rank : int, default=3
        Rank of ``coef``. Used by ``"low_rank"`` only; must not exceed
        ``min(n_features, n_coef_rows)``.
    scale : float, default=1.0
        Non-negative factor applied to the linear scores before the sigmoid or
        softmax. Larger values give labels closer to the Bayes rule; ``0``
        gives labels drawn uniformly at random.
    positive_rate : float in (0, 1), default=None
        Expected share of label 1 in every binary task, for imbalanced tasks:
        each binary task's scores get the intercept at which the mean of its
        class-1 probabilities over the samples equals ``positive_rate``. When
        None, no intercept (balanced classes on average). Tasks with more
        than two classes are unaffected.
    random_state : int, RandomState instance or None, default=None
        Seed or generator used for every random draw. Pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Design matrix, float64.
    Y : ndarray of shape (n_samples, n_tasks)
        Labels, int64; column ``t`` takes values in ``0, ..., K_t - 1`` where
        ``K_t`` is the number of classes of task ``t``. Every task has at
        least two distinct labels.
    coef : ndarray of shape (n_coef_rows, n_features)
        True coefficients stacked task by task: a binary task contributes one
        row (the coefficients of class 1 against class 0), a task with
        ``K > 2`` classes contributes ``K`` rows, one per class. When all
        tasks are binary, ``n_coef_rows = n_tasks``.

    Raises
    ------
    ValueError
        If an argument is invalid, or if the labels of a task still contain a
        single class after repeated draws, which happens when ``n_samples``
        is too small.

    See Also
    --------
    make_multitask_regression : Related regression tasks.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.datasets import make_multitask_classification
    >>> X, Y, coef = make_multitask_classification(
    ...     n_samples=40, n_features=8, n_tasks=3, n_informative=2,
    ...     random_state=0)
    >>> X.shape, Y.shape, coef.shape, Y.dtype
    ((40, 8), (40, 3), (3, 8), dtype('int64'))
    >>> sorted(np.unique(Y).tolist())
    [0, 1]

    With a three-class task, that task contributes three coefficient rows:

    >>> X, Y, coef = make_multitask_classification(
    ...     n_samples=40, n_features=8, n_tasks=2, n_classes=[2, 3],
    ...     random_state=0)
    >>> coef.shape
    (4, 8)
    >>> int(Y[:, 1].max()) <= 2
    True
    """
    n_samples = _check_positive_int(n_samples, "n_samples", minimum=2)
    n_features = _check_positive_int(n_features, "n_features")
    n_tasks = _check_positive_int(n_tasks, "n_tasks")
    n_classes = _check_n_classes(n_classes, n_tasks)
    n_rows_per_task = [1 if k == 2 else k for k in n_classes]
    n_coef_rows = sum(n_rows_per_task)
    n_informative, rank = _check_structure(
        structure, n_coef_rows, n_features, n_informative, rank, "n_coef_rows"
    )
    scale = _check_nonnegative_float(scale, "scale")
    positive_rate = _check_rate(positive_rate)
    rng = check_random_state(random_state)

    X = rng.standard_normal((n_samples, n_features))
    coef = _make_coef(n_coef_rows, n_features, structure, n_informative, rank, rng)
    scores = scale * (X @ coef.T)
    if positive_rate is not None:
        binary_rows = np.cumsum(n_rows_per_task)[np.asarray(n_classes) == 2] - 1
        for row in binary_rows:
            scores[:, row] += _intercept_for_rate(scores[:, row], positive_rate)

    Y = np.empty((n_samples, n_tasks), dtype=np.int64)
    stops = np.cumsum(n_rows_per_task)
    for t, (start, stop) in enumerate(zip(stops - n_rows_per_task, stops, strict=True)):
        for _ in range(_MAX_LABEL_DRAWS):
            labels = _draw_labels(scores[:, start:stop], rng)
            if np.unique(labels).size >= 2:
                break
        else:
            raise ValueError(
                f"Task {t}: every one of {_MAX_LABEL_DRAWS} label draws "
                f"contained a single class with n_samples={n_samples}. "
                "Increase n_samples (or lower scale if its class "
                "probabilities are extreme)."
            )
        Y[:, t] = labels
    return X, Y, coef
