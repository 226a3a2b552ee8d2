"""The MultiTaskMLP estimator: parameters, their checks, and the public methods.

:class:`MultiTaskMLPRegressor` and :class:`MultiTaskMLPClassifier`, at the
end, are the same estimator with the kind of every task fixed.

What the methods call lives beside it: :mod:`~skmtl.neural.task_set` reads and
encodes the targets of every task, :mod:`~skmtl.neural.training` runs the
epochs, :mod:`~skmtl.neural.network` holds the network. Here are the
parameters, the fitted attributes and the wiring of fit, partial_fit,
predict, predict_proba, transform and score.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.metrics import r2_score
from sklearn.utils import (
    ClassifierTags,
    RegressorTags,
    check_array,
    check_random_state,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._base import ACCEPT_SPARSE, _check_option, _check_real
from .._layout.tasks import (
    lookup_tasks,
    rows_by_task,
    split_task_column,
    validate_targets,
)
from ..utils.linalg import cosine_matrix
from ..utils.validation import check_sample_weight
from .network import ACTIVATIONS, ARCHITECTURES, log_softmax
from .task_set import (
    balanced_task_weights,
    check_same_tasks,
    encode,
    encode_targets,
    fixed_task_weights,
    known_task_index,
    new_specs,
    observed_by_task,
    observed_targets,
    require_observed,
    same_task_set,
    series_values,
    union_of_classes,
)
from .training import (
    Trainer,
    TrainingOptions,
    batch_rows,
    full_batch,
    initial_network,
    validation_split,
    warn_not_converged,
)
from .weighting import (
    GRADIENT_SURGERIES,
    LEARNED_WEIGHTINGS,
    FixedWeighting,
    make_weighting,
)

__all__ = ["MultiTaskMLP", "MultiTaskMLPClassifier", "MultiTaskMLPRegressor"]


# max_iter="auto": scikit-learn's 200 epochs, but never fewer Adam steps than
# a small data set needs (measured: 8 tasks x 25 rows, one batch per epoch,
# converge in about 1,300 steps at the default learning rate).
_AUTO_MIN_EPOCHS = 200
_AUTO_MIN_STEPS = 5000


def _is_auto(value):
    return isinstance(value, str) and value == "auto"


def _is_positive_integer(value):
    """Whether ``value`` is an integer >= 1 (booleans are not integers here)."""
    is_integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    return is_integer and value >= 1


def _layer_sizes(name, sizes, allow_empty):
    """Layer widths as a tuple of ints (an int is one layer)."""
    value = sizes
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    valid = sizes is not None and (allow_empty or bool(sizes))
    valid = valid and all(_is_positive_integer(size) for size in sizes)
    if not valid:
        expected = "a tuple (possibly empty)" if allow_empty else "a non-empty tuple"
        raise ValueError(
            f"{name} must be a positive integer or {expected} of positive "
            f"integers, got {value!r}."
        )
    return tuple(int(size) for size in sizes)


def _sample_weight(sample_weight, X):
    """Validated row weights, or None when every row counts once.

    Raises a ValueError for weights of the wrong length, negative or
    non-finite weights, and weights that are all zero (nothing to learn).
    """
    if sample_weight is None:
        return None
    # (Rescaled to a largest weight of 1: each task's loss is a weighted mean,
    # so only the ratios matter.)
    return check_sample_weight(sample_weight, X.shape[0])


def _require_weighted(tasks, targets):
    """Raise unless every task keeps an observation of positive weight."""
    empty = np.flatnonzero(targets.counts == 0)
    if empty.size:
        names = np.asarray(tasks)[empty][:5].tolist()
        raise ValueError(
            f"sample_weight is zero on every observed target of tasks {names}: "
            "every task needs an observed target of positive weight."
        )


def _n_rows(forward):
    """Number of rows of a forward pass (its first element is the rows ``X``)."""
    return forward[0].shape[0]


def gate_overlap(network, X, max_rows=2000):
    r"""Mean Bhattacharyya overlap of the tasks' gates on the rows of ``X``.

    For tasks ``s`` and ``t``, the mean over rows of
    :math:`\sum_e \sqrt{g_{se}(x)\, g_{te}(x)}`: 1 when both tasks always
    mix the experts alike, 0 when they never use the same expert. At most
    ``max_rows`` rows (the first ones) are read.
    """
    rows = X[:max_rows]
    roots = np.stack([np.sqrt(network.gates(rows, t)) for t in range(network.n_tasks)])
    overlap = np.einsum("sne,tne->st", roots, roots) / max(rows.shape[0], 1)
    np.fill_diagonal(overlap, 1.0)
    return overlap


def _common_dtype(predictions):
    """Dtype of stacked per-task outputs: theirs if all of one kind, else object."""
    same_kind = len({p.dtype.kind for p in predictions}) == 1
    dtype = np.result_type(*predictions) if same_kind else object
    return dtype


def _has_classification_task(estimator):
    """``predict_proba`` exists unless the model has only regression tasks.

    Before fit, a ``task_types`` that declares every task a regression already
    says so, and callers probing the unfitted estimator (scikit-learn's
    checks, meta-estimators) must not be promised a method that the fitted
    one lacks.
    """
    if isinstance(estimator, MultiTaskMLPRegressor):
        return False
    kinds = getattr(estimator, "task_types_", None)
    if kinds is None:
        declared = estimator.task_types
        if isinstance(declared, dict):
            declared = list(declared.values())
        if isinstance(declared, (list, tuple)) and declared:
            kinds = declared
    return kinds is None or any(kind != "regression" for kind in kinds)


class MultiTaskMLP(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Multi-task neural network: shared hidden layers, one head per task.

    Hard parameter sharing: the samples go through shared hidden layers
    :math:`h_l = \\sigma(W_l^\\top h_{l-1} + b_l)`, :math:`h_0 = x`, and each
    task ``t`` reads the last one, the shared representation :math:`h_L(x)`
    (:meth:`transform`), through its own linear head
    :math:`f_t(x) = V_t^\\top h_L(x) + c_t`. Each task is a regression
    (squared loss), binary (logistic loss) or multi-class (softmax
    cross-entropy) task, and they mix freely. The network minimises

    .. math::

        \\sum_{t=1}^{T} \\frac{\\lambda_t}{S_t} \\sum_{i \\in \\mathcal{O}_t}
        w_i\\, \\ell_t\\big(y_{it}, f_t(x_i)\\big)
        + \\frac{\\alpha}{2} \\Big( \\sum_{l=1}^{L} \\|W_l\\|_F^2
        + \\sum_{t=1}^{T} \\|V_t\\|_F^2 \\Big),

    where :math:`\\mathcal{O}_t` is the set of the :math:`n_t` samples whose
    target of task ``t`` is observed, :math:`w_i` the sample weights
    (``sample_weight`` of :meth:`fit`, 1 by default) and
    :math:`S_t = \\sum_{i \\in \\mathcal{O}_t} w_i` (:math:`n_t` without
    them), :math:`\\lambda_t` the task weights
    (``task_weights``) and :math:`\\ell_t` the loss of the task:
    :math:`\\frac12 (y - z)^2` for regression,
    :math:`\\log(1 + e^{z}) - [y = c_1]\\, z` for a binary task
    (:math:`c_1` its second class) and :math:`\\log \\sum_k e^{z_k} - z_y`
    for a multi-class task (one score per class). Each task thus
    contributes its (sample-weighted) *mean* loss, however many samples
    observe it, as scikit-learn's MLPs average the loss with their
    ``sample_weight``.
    The biases are not penalised. Unlike scikit-learn's
    :class:`~sklearn.neural_network.MLPRegressor`, whose penalty is
    :math:`\\frac{\\alpha}{2 m}\\|W\\|^2` beside the mean loss of a batch of
    ``m`` samples, ``alpha`` here does not shrink with the batch size:
    scikit-learn's ``alpha`` is this one times the batch size.

    **Mixture of experts** (``architecture="mmoe"``, Ma et al., KDD 2018):
    ``n_experts`` networks :math:`h^{(e)}_L(x)`, each with the hidden layers
    above and weights :math:`W^{(e)}_l`, replace the shared layers, and each
    task mixes their outputs with its own softmax gate
    :math:`g_t(x) = \\mathrm{softmax}(G_t^\\top x + a_t)`:
    :math:`f_t(x) = V_t^\\top \\sum_{e} g_{te}(x)\\, h^{(e)}_L(x) + c_t`.
    Tasks that conflict can use different experts, tasks that agree the
    same ones. The penalty then covers every expert's weights and the gates:
    :math:`\\sum_{e,l} \\|W^{(e)}_l\\|_F^2 + \\sum_t \\|G_t\\|_F^2
    + \\sum_t \\|V_t\\|_F^2`.
    The experts together have ``n_experts`` times the width of
    ``hidden_layer_sizes``: to compare with hard sharing at equal width,
    divide the widths by ``n_experts``.

    **Towers.** With ``tower_layer_sizes``, each task has hidden layers of its
    own between what it reads (:math:`h_L(x)`, or its mixture of experts) and
    its output layer: :math:`f_t(x) = V_t^\\top \\tau_t(h_L(x)) + c_t` with
    :math:`\\tau_t(z) = \\sigma(U_{t,k}^\\top \\cdots \\sigma(U_{t,1}^\\top z
    + u_{t,1}) \\cdots + u_{t,k})`, the shared-bottom network with task towers
    of Ma et al.; the penalty covers the tower weights :math:`U_{t,j}` too.

    **Learned task weights.** With ``task_weights="uncertainty"`` (Kendall,
    Gal & Cipolla, CVPR 2018) the objective gets, for each task, a learned
    log-variance :math:`s_t`: its data term becomes
    :math:`e^{-s_t} L_t + s_t / 2`, with :math:`L_t` the task's weighted mean
    loss above, so :math:`\\lambda_t = e^{-s_t}` (the likelihood of a Gaussian
    for regression, and Kendall et al.'s approximation for a softmax with
    temperature). Each :math:`s_t` starts at :math:`\\log(2 L^0_t)`, its best
    value for the loss :math:`L^0_t` of the best constant prediction, and
    takes an Adam step at each step of the network. With
    ``task_weights="gradnorm"`` (Chen et al., ICML 2018) the weights are not
    in the objective: after each step they move (Adam, renormalised to sum
    to ``T``) so that the norm of each task's weighted gradient on the
    trunk's last layer approaches the tasks' mean norm times
    :math:`(r_t)^{1.5}`, with :math:`r_t` the task's :math:`L_t / L^0_t` over
    its mean across tasks: a task that learns slower gets more weight.
    ``gradient_surgery="pcgrad"`` (Yu et al., NeurIPS 2020) changes the step,
    not the objective: where two tasks' gradients on the shared parameters
    (the hidden layers, or the experts) point in conflicting directions
    (negative inner product), each loses its component along the other's.

    Training is minibatch Adam. An entry of task ``t`` in a batch of ``m``
    of the ``n`` rows has weight :math:`\\lambda_t w_i n / (m S_t)`, so that each
    batch objective is an unbiased estimate of the objective above (the exact
    objective when a batch holds every row).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Widths of the shared hidden layers (at least one).
    activation : {"relu", "tanh"}, default="relu"
        Activation :math:`\\sigma` of the hidden layers.
    architecture : {"shared", "mmoe"}, default="shared"
        How the tasks share the hidden layers: ``"shared"``, every head reads
        the same layers (hard parameter sharing); ``"mmoe"``, the multi-gate
        mixture of experts: ``n_experts`` networks of the hidden layers and
        one softmax gate per task over them.
    n_experts : int, default=4
        Number of experts of ``architecture="mmoe"`` (ignored otherwise).
    tower_layer_sizes : int or tuple of int, default=()
        Widths of each task's own hidden layers (its tower) between the
        shared layers (or its mixture of experts) and its output; empty: a
        linear head on the shared layers.
    task_types : None, list or dict, default=None
        Kind of each task: ``"regression"``, ``"binary"`` or
        ``"multiclass"``; a list with one entry per task (None entries are
        inferred), or a dict keyed by task (column name of a DataFrame ``y``,
        column index, or task label of the task column). Tasks not declared
        are inferred from their observed targets: a floating-point dtype
        makes a regression task; any other dtype (integers, booleans,
        strings, pandas categories) a classification task, binary with two
        labels and multi-class with more. So declare ``"regression"`` for
        integer-valued targets (counts) and ``"binary"`` / ``"multiclass"``
        for class labels stored as floats (as they are in a float array with
        NaN for missing labels). A column of an object array takes the dtype
        of its observed values.
    task_weights : None, "balanced", "uncertainty", "gradnorm" or array-like \
            of shape (n_tasks,), default=None
        The weights :math:`\\lambda_t`. None: all 1. An array: fixed,
        non-negative weights. ``"balanced"``: :math:`\\lambda_t = 1 /
        L^0_t`, with :math:`L^0_t` the mean loss of the best constant
        prediction of task ``t`` on the training data (half the variance of
        a regression target, the entropy of the class frequencies of a
        classification task); a task with constant targets keeps weight 1.
        Each term is then the task's loss *relative to its baseline* (for a
        regression task :math:`1 - R^2` on the training targets), so that
        tasks in different units or with different numbers of classes count
        alike. These weights are fixed before training, depend on the data
        only (not on the random initialisation) and keep the objective a
        fixed function. ``"uncertainty"`` and ``"gradnorm"``: weights learned
        during training (see above), which start from the baselines
        :math:`L^0_t` and follow how fast each task learns; they need two
        tasks or more. With them the stopping rule watches each task's loss
        over its baseline (the balanced objective), not the moving objective
        (whose uncertainty terms fall without bound as a task's training loss
        goes to 0). The final weights are in ``task_weights_``, their course
        in ``task_weight_curve_``.
    gradient_surgery : None or "pcgrad", default=None
        ``"pcgrad"``: project out the conflicts between the tasks' gradients
        on the shared parameters at each step (see above); it computes each
        task's gradient apart, so a step costs about ``n_tasks`` backward
        passes. Needs two tasks or more.
    alpha : float, default=1e-4
        Strength of the L2 penalty on the weights (not the biases).
    batch_size : int or "auto", default="auto"
        Rows per minibatch; ``"auto"`` is ``min(200, n_samples)``. Values
        above the number of rows mean one batch (full-batch Adam).
    learning_rate_init : float, default=1e-3
        Adam step size.
    max_iter : int or "auto", default="auto"
        Maximum number of epochs (passes over the data) of one :meth:`fit`.
        ``"auto"``: enough epochs for at least 5,000 Adam steps, and at least
        200 (scikit-learn's default): ``max(200, ceil(5000 / n_batches))``
        with ``n_batches`` the minibatches of an epoch. Adam needs a number
        of *steps* to converge, and small data sets give few per epoch (one
        with 200 rows or fewer, at ``batch_size="auto"``), so that a fixed
        200 epochs would leave them under-trained. Training stops earlier
        when the loss converges (``tol``), and a ``ConvergenceWarning`` says
        when it did not.
    tol : float, default=1e-4
        Training stops when the loss (training loss, or the validation
        loss with ``early_stopping``) has not decreased by at least ``tol``
        for ``n_iter_no_change`` consecutive epochs.
    n_iter_no_change : int, default=10
        See ``tol``.
    shuffle : bool, default=True
        Whether to shuffle the rows at each epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (of each task's rows
        with a ``task_column``), stop on the validation loss (the data term
        of the objective on them, each task's loss over its baseline with
        learned ``task_weights``) and keep the parameters of its best epoch.
    validation_fraction : float, default=0.1
        Fraction of rows held out for ``early_stopping``.
    task_column : int or str, default=None
        Where ``X`` says which task each row belongs to: a column name (for a
        DataFrame) or a position. Then ``y`` is 1-D (one target per row,
        NaN / None rows are left out), each task has its own head and rows,
        the task column is not a feature, and the prediction of a row comes
        from its task's head. When None, all tasks share ``X`` and ``y`` has
        one column per task.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split; an
        int makes fits fully reproducible.
    warm_start : bool, default=False
        Start :meth:`fit` from the previous parameters when the network and
        the tasks (kinds and classes) are the same; the loss curves and
        ``n_iter_`` continue. Otherwise start afresh.
    verbose : int, default=0
        Print the losses of each epoch when positive.

    Attributes
    ----------
    tasks_ : ndarray of shape (n_tasks,)
        Task labels: ``0, ..., n_tasks - 1``, the column names of a DataFrame
        ``y``, or the sorted labels of the task column.
    n_tasks_ : int
        Number of tasks.
    task_types_ : list of str
        Kind of each task.
    task_classes_ : list of ndarray or None
        Sorted labels of each classification task, None for a regression
        task.
    classes_ : ndarray
        Only with a ``task_column``: the sorted union of the labels of the
        classification tasks, the columns of :meth:`predict_proba`.
    task_weights_ : ndarray of shape (n_tasks,)
        The weights :math:`\\lambda_t` used (for learned weights, their final
        values).
    task_weight_curve_ : ndarray of shape (n_epochs, n_tasks)
        The task weights at the end of each epoch (constant unless learned).
    coefs_ : list of ndarray
        Weights :math:`W_l` of the shared layers, of shape (fan_in, fan_out);
        with ``architecture="mmoe"``, of every expert, of shape (n_experts,
        fan_in, fan_out) (``coefs_[l][e]`` is :math:`W^{(e)}_l`).
    intercepts_ : list of ndarray
        Biases :math:`b_l` of the shared layers, of shape (fan_out,) or
        (n_experts, fan_out).
    gate_coefs_ : list of ndarray
        Only with ``architecture="mmoe"``: each task's gate weights
        :math:`G_t`, of shape (n_features, n_experts).
    gate_intercepts_ : list of ndarray
        Only with ``architecture="mmoe"``: each task's gate biases
        :math:`a_t`, of shape (n_experts,).
    head_coefs_ : list of ndarray
        Weights :math:`V_t` of each head's output layer, of shape
        (hidden_layer_sizes[-1] or tower_layer_sizes[-1], width): width 1
        for regression and binary tasks, one column per class for a
        multi-class task.
    head_intercepts_ : list of ndarray
        Biases :math:`c_t` of each head; initialised at the best constant
        prediction (mean, log-odds, log class frequencies).
    tower_coefs_ : list of list of ndarray
        Weights :math:`U_{t,j}` of each task's tower layers, of shape
        (fan_in, fan_out); empty lists without towers.
    tower_intercepts_ : list of list of ndarray
        Biases :math:`u_{t,j}` of each task's tower layers.
    loss_curve_ : ndarray of shape (n_epochs,)
        The objective (weighted task losses plus penalty) of each epoch,
        averaged over its batches, as scikit-learn's ``loss_curve_``.
    task_loss_curve_ : ndarray of shape (n_epochs, n_tasks)
        Unweighted mean loss of each task in each epoch (NaN in a
        ``partial_fit`` call whose data do not observe the task).
    best_loss_ : float
        Smallest ``loss_curve_`` value of the last :meth:`fit`.
    validation_loss_curve_ : ndarray of shape (n_epochs,) or None
        With ``early_stopping``: the validation loss after each epoch of the
        last :meth:`fit`; None otherwise.
    best_validation_loss_ : float or None
        With ``early_stopping``: the smallest validation loss, whose
        parameters are kept; None otherwise.
    n_iter_ : int
        Number of epochs run (continued by ``warm_start`` and
        :meth:`partial_fit`).
    n_steps_ : int
        Number of Adam steps (minibatches) taken, continued like ``n_iter_``.
    task_relatedness_ : ndarray of shape (n_tasks, n_tasks)
        Hard sharing: the cosine similarity of the tasks' head weights (a
        multi-class head flattened; NaN between heads of different sizes or
        for a zero head); with towers, of the matrices
        :math:`U_{t,1} U_{t,1}^\\top`, the directions of the shared
        representation each tower reads. Mixture of experts: how much two
        tasks use the same experts, the mean over the training rows (at
        most 2,000) of the Bhattacharyya overlap
        :math:`\\sum_e \\sqrt{g_{se}(x)\\, g_{te}(x)}` of their gates: 1 for
        tasks that always mix the experts alike, 0 for tasks that never share one.
    n_features_in_ : int
        Number of columns of ``X`` seen during fit (the task column
        included).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    skmtl.MultiTaskRegressor : Linear tasks sharing structure through a
        convex penalty.
    sklearn.neural_network.MLPRegressor : One network per task.

    Notes
    -----
    Weights are initialised Glorot-uniform, hidden biases at zero and head
    biases at the best constant prediction of the training targets. Adam uses
    :math:`\\beta_1 = 0.9`, :math:`\\beta_2 = 0.999`,
    :math:`\\epsilon = 10^{-8}`. Missing targets (NaN, None, pandas' NA) are
    left out of their task's loss, never imputed; every task needs at least
    one observed target in :meth:`fit`.

    **Transfer to a new task.** The shared layers are a representation learned
    from all the tasks. A new task with few samples is fitted on it alone,
    with the network frozen: ``make_pipeline(FrozenEstimator(model),
    RidgeCV())`` (``sklearn.frozen.FrozenEstimator``) fits only a new linear
    head on :meth:`transform`. ``task_relatedness_`` compares the heads of the
    fitted tasks.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.neural import MultiTaskMLP
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 6))
    >>> Z = np.tanh(X @ rng.standard_normal((6, 2)))
    >>> Y = np.empty((300, 2), dtype=object)
    >>> Y[:, 0] = Z[:, 0] - Z[:, 1]                   # a regression task
    >>> Y[:, 1] = np.where(Z[:, 0] > 0, "up", "down")  # a binary task
    >>> Y[:50, 1] = None                              # unobserved labels
    >>> model = MultiTaskMLP(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                      early_stopping=True, random_state=0).fit(X, Y)
    >>> model.task_types_
    ['regression', 'binary']
    >>> model.predict(X[:2]).shape
    (2, 2)
    >>> [None if p is None else p.shape for p in model.predict_proba(X[:2])]
    [None, (2, 2)]
    >>> model.transform(X).shape
    (300, 16)
    >>> bool(model.score(X, Y) > 0.9)
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="relu",
        *,
        architecture="shared",
        n_experts=4,
        tower_layer_sizes=(),
        task_types=None,
        task_weights=None,
        gradient_surgery=None,
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter="auto",
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        task_column=None,
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.architecture = architecture
        self.n_experts = n_experts
        self.tower_layer_sizes = tower_layer_sizes
        self.task_types = task_types
        self.task_weights = task_weights
        self.gradient_surgery = gradient_surgery
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.task_column = task_column
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    # ------------------------------------------------------- validation
    def _hidden_sizes(self):
        return _layer_sizes(
            "hidden_layer_sizes", self.hidden_layer_sizes, allow_empty=False
        )

    def _tower_sizes(self):
        return _layer_sizes("tower_layer_sizes", self.tower_layer_sizes, True)

    def _check_params(self):
        """Check every hyperparameter; return the hidden layer sizes."""
        hidden = self._hidden_sizes()
        self._tower_sizes()
        _check_option("activation", self.activation, ACTIVATIONS)
        _check_option("architecture", self.architecture, ARCHITECTURES)
        if not _is_positive_integer(self.n_experts):
            raise ValueError(
                f"n_experts must be a positive integer, got {self.n_experts!r}."
            )
        if self.gradient_surgery is not None:
            _check_option("gradient_surgery", self.gradient_surgery, GRADIENT_SURGERIES)
        _check_real("alpha", self.alpha, low=0.0)
        _check_real(
            "learning_rate_init", self.learning_rate_init, low=0.0, include_low=False
        )
        _check_real("tol", self.tol, low=0.0)
        _check_real(
            "validation_fraction", self.validation_fraction, low=0.0, include_low=False
        )
        if self.validation_fraction >= 1:
            raise ValueError(
                f"validation_fraction must be < 1, got {self.validation_fraction!r}."
            )
        max_iter = self.max_iter
        if not (_is_positive_integer(max_iter) or _is_auto(max_iter)):
            raise ValueError(
                f"max_iter must be a positive integer or 'auto', got {max_iter!r}."
            )
        if not _is_positive_integer(self.n_iter_no_change):
            raise ValueError(
                "n_iter_no_change must be a positive integer, got "
                f"{self.n_iter_no_change!r}."
            )
        batch_size = self.batch_size
        is_auto = isinstance(batch_size, str) and batch_size == "auto"
        if not (is_auto or _is_positive_integer(batch_size)):
            raise ValueError(
                f"batch_size must be 'auto' or a positive integer, got {batch_size!r}."
            )
        for name in ("shuffle", "early_stopping", "warm_start"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(
                    f"{name} must be True or False, got {getattr(self, name)!r}."
                )
        named = ("balanced", *LEARNED_WEIGHTINGS)
        if isinstance(self.task_weights, str) and self.task_weights not in named:
            raise ValueError(
                "task_weights must be None, an array of weights or one of "
                f"{', '.join(map(repr, named))}, got {self.task_weights!r}."
            )
        return hidden

    def _learned_weighting(self):
        """The learned weighting that ``task_weights`` names, or None."""
        if isinstance(self.task_weights, str) and (
            self.task_weights in LEARNED_WEIGHTINGS
        ):
            return self.task_weights
        return None

    def _require_several_tasks(self, n_tasks):
        """Learned weights and gradient surgery need two tasks or more."""
        asked = []
        if self._learned_weighting():
            asked.append(f"task_weights={self.task_weights!r}")
        if self.gradient_surgery is not None:
            asked.append(f"gradient_surgery={self.gradient_surgery!r}")
        if asked and n_tasks < 2:
            raise ValueError(
                f"{' and '.join(asked)} balances the tasks against each other, "
                f"but y has {n_tasks} task: give two tasks or more, or use the "
                "default task_weights=None and gradient_surgery=None."
            )

    def _max_epochs(self, n_rows):
        """The epoch budget of a fit on ``n_rows`` rows (``max_iter`` resolved)."""
        if not _is_auto(self.max_iter):
            return int(self.max_iter)
        n_batches = -(-n_rows // batch_rows(self.batch_size, n_rows))
        return max(_AUTO_MIN_EPOCHS, -(-_AUTO_MIN_STEPS // n_batches))

    def _training_options(self):
        return TrainingOptions(
            alpha=float(self.alpha),
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            gradient_surgery=self.gradient_surgery,
        )

    # ------------------------------------------------------------ kinds
    # The subclasses that fix the kind of every task override these two.
    def _declared_task_types(self, tasks, found, fit):
        """The task types to apply: the ``task_types`` parameter here."""
        return self.task_types

    def _check_task_kinds(self, tasks, specs):
        """Accept any mix of task kinds (subclasses restrict them)."""

    # ------------------------------------------------------------- data
    def _features(self, X, reset):
        """Validated features and, with a task column, each row's task label."""
        if self.task_column is None:
            X = validate_data(
                self, X, accept_sparse=ACCEPT_SPARSE, dtype=np.float64, reset=reset
            )
            labels = None
        else:
            validate_data(self, X, skip_check_array=True, reset=reset)
            features, labels = split_task_column(X, self.task_column)
            X = check_array(
                features, accept_sparse=ACCEPT_SPARSE, dtype=np.float64, input_name="X"
            )
        if sp.issparse(X):
            X = X.tocsr()
        return X, labels

    def _observed_targets(self, y, n_rows, labels, fitted, extra_tasks=()):
        """Task labels, whether ``y`` is 1-D, and each task's (rows, values).

        When ``fitted``, the tasks of ``y`` are checked against the fitted
        ones.
        """
        return observed_targets(
            y,
            n_rows,
            type(self).__name__,
            labels,
            fitted_tasks=self.tasks_ if fitted else None,
            extra_tasks=extra_tasks,
        )

    def _set_tasks(self, tasks, single, specs):
        self.tasks_ = np.asarray(tasks)
        self.n_tasks_ = len(specs)
        self._single_task_input = single
        self._specs = specs
        self.task_types_ = [spec.kind for spec in specs]
        self.task_classes_ = [spec.classes for spec in specs]
        if hasattr(self, "classes_"):
            del self.classes_
        if self.task_column is not None:
            classes = union_of_classes(specs)
            if classes is not None:
                self.classes_ = classes

    # --------------------------------------------------------- training
    @property
    def _network(self):
        """The network being trained (AttributeError before the first fit)."""
        return self._trainer.network

    def _can_continue(self, X, hidden, specs, tasks):
        """Whether ``warm_start`` may continue the fitted network."""
        if not (self.warm_start and hasattr(self, "_trainer")):
            return False
        return (
            same_task_set(tasks, specs, self.tasks_, self._specs)
            and hidden == self._hidden
            and X.shape[1] == self._n_inputs
            and self.activation == self._network.activation
            and self._same_architecture()
        )

    def _same_architecture(self):
        """Whether ``architecture``, ``n_experts`` and the towers match the
        fitted network."""
        network = self._network
        if self.architecture != network.architecture:
            return False
        if self._tower_sizes() != network.tower:
            return False
        return network.architecture == "shared" or self.n_experts == network.n_experts

    def _start_training(self, X, targets, hidden, rng):
        """A new network and its trainer."""
        network = initial_network(
            rng,
            X.shape[1],
            hidden,
            self._specs,
            targets,
            self.activation,
            self.architecture,
            self.n_experts,
            self._tower_sizes(),
        )
        self._trainer = Trainer(
            network,
            rng,
            float(self.learning_rate_init),
            self._new_weighting(targets, network),
        )
        self._hidden = hidden
        self._n_inputs = X.shape[1]

    def _new_weighting(self, targets, network):
        """The task weighting that ``task_weights`` asks for, on ``targets``."""
        if not self._learned_weighting():
            return FixedWeighting(
                fixed_task_weights(self.task_weights, self._specs, targets)
            )
        baseline = 1.0 / balanced_task_weights(self._specs, targets)
        return make_weighting(
            self.task_weights, baseline, float(self.learning_rate_init), network
        )

    def _publish(self, X):
        """Expose the network's arrays, curves, counts and gate relatedness.

        ``X`` are the rows just trained on, where the gates of a mixture of
        experts are compared.
        """
        trainer = self._trainer
        network = trainer.network
        coefs = network.trunk_coefs
        if network.architecture == "mmoe":
            # Every layer as (n_experts, fan_in, fan_out): expert e's
            # weights are coefs_[l][e] (the first layer is stored stacked
            # by input, for one product over all experts).
            coefs = [np.moveaxis(coefs[0], 1, 0), *coefs[1:]]
            self.gate_coefs_ = network.gate_coefs
            self.gate_intercepts_ = network.gate_intercepts
            self._gate_relatedness = gate_overlap(network, X)
        else:
            for name in ("gate_coefs_", "gate_intercepts_"):
                if hasattr(self, name):
                    delattr(self, name)
        self.coefs_ = coefs
        self.intercepts_ = network.trunk_intercepts
        self.head_coefs_ = network.head_coefs
        self.head_intercepts_ = network.head_intercepts
        self.tower_coefs_ = network.tower_coefs
        self.tower_intercepts_ = network.tower_intercepts
        self.task_weights_ = np.array(trainer.weighting.weights, dtype=np.float64)
        self.loss_curve_ = np.array(trainer.loss_history)
        self.task_loss_curve_ = np.array(trainer.task_loss_history).reshape(
            -1, self.n_tasks_
        )
        self.task_weight_curve_ = np.array(trainer.task_weight_history).reshape(
            -1, self.n_tasks_
        )
        self.n_iter_ = trainer.n_epochs
        self.n_steps_ = trainer.n_steps

    # ------------------------------------------------------ public: fit
    def fit(self, X, y, sample_weight=None):
        """Fit the shared layers and every task's head.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Samples (with the task column when ``task_column`` is set).
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_tasks)
            Targets, one column per task (NaN or None where a task is not
            observed); each column in its own type (numbers, labels). With a
            ``task_column``, 1-D: the target of each row for its task.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row, multiplying the loss of each of
            its observed targets; each task then contributes its *weighted*
            mean loss (divided by the total weight of its observed rows), so
            an integer weight counts like repeating the row and a zero weight
            like leaving it out. None: all rows weigh 1. Routed to ``fit`` by
            scikit-learn's metadata routing (``set_fit_request``).

        Returns
        -------
        self : MultiTaskMLP
            The fitted estimator.
        """
        hidden = self._check_params()
        X, labels = self._features(X, reset=True)
        tasks, single, found = self._observed_targets(
            y, X.shape[0], labels, fitted=False
        )
        require_observed(tasks, found)
        weight = _sample_weight(sample_weight, X)
        specs = new_specs(
            tasks,
            found,
            self._declared_task_types(tasks, found, fit=True),
            single=single,
        )
        self._check_task_kinds(tasks, specs)
        self._require_several_tasks(len(specs))
        warm = self._can_continue(X, hidden, specs, tasks)
        targets = encode_targets(specs, tasks, found, X.shape[0], weight)
        _require_weighted(tasks, targets)
        self._set_tasks(tasks, single, specs)
        rng = check_random_state(self.random_state)
        validation = None
        if self.early_stopping:
            task_index = None if labels is None else lookup_tasks(self.tasks_, labels)
            X, targets, validation = validation_split(
                X, targets, task_index, self.validation_fraction, rng, self.tasks_
            )
        learning_rate = float(self.learning_rate_init)
        if warm:
            self._trainer.restart(rng, learning_rate)
            self._hidden = hidden
            self._n_inputs = X.shape[1]
            # The task weights follow the parameter: learned ones continue
            # when it still names the same strategy, fixed ones are set anew.
            learned = self._learned_weighting()
            if learned is None or self._trainer.weighting.name != learned:
                self._trainer.weighting = self._new_weighting(targets, self._network)
        else:
            self._start_training(X, targets, hidden, rng)
        n_before = len(self._trainer.loss_history)
        max_iter = self._max_epochs(X.shape[0])
        result = self._trainer.run(
            X, targets, max_iter, self._training_options(), validation
        )
        self.validation_loss_curve_ = result.validation_curve
        self.best_validation_loss_ = result.best_validation_loss
        self._publish(X)
        self.best_loss_ = float(np.min(self.loss_curve_[n_before:]))
        if not result.converged:
            warn_not_converged(
                max_iter, self.tol, self.n_iter_no_change, self.early_stopping
            )
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of minibatch Adam over ``(X, y)``, for streaming data.

        The first call (on an unfitted model) fixes the tasks, their types and
        their classes, and initialises the network from ``random_state``;
        later calls continue the optimiser. Calling it ``k`` times on the
        same data gives the same parameters as :meth:`fit` with
        ``max_iter=k`` (and ``tol=0``, ``early_stopping=False``, the same
        ``random_state``). ``early_stopping`` does not apply; a task absent
        from a call's data just gets no loss term in it. With
        ``task_weights="balanced"`` a task's weight is fixed at the first
        call that observes it.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Samples (with the task column when ``task_column`` is set).
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_tasks)
            Targets, as in :meth:`fit`.
        classes : None, array-like, list or dict, default=None
            Required on the first call for every classification task: a list
            with one entry per task (the labels of a classification task,
            None for a regression task), or a dict keyed by task; for a model
            of a single task (1-D ``y``), the labels themselves, as in
            scikit-learn. Tasks with classes are classification tasks. With a
            ``task_column``, the keys of a dict (and of a ``task_types`` dict)
            add tasks that the first call's rows do not hold.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row, as in :meth:`fit` (normalised
            within this call: each task's weighted mean loss over the call's
            rows). Routed by ``set_partial_fit_request``.

        Returns
        -------
        self : MultiTaskMLP
            The updated estimator.
        """
        hidden = self._check_params()
        first = not hasattr(self, "_trainer")
        X, labels = self._features(X, reset=first)
        weight = _sample_weight(sample_weight, X)
        if first:
            tasks, found = self._first_call_tasks(y, X.shape[0], labels, classes)
        else:
            tasks, found = self._later_call_tasks(
                y, X.shape[0], labels, classes, hidden
            )
        targets = encode_targets(self._specs, tasks, found, X.shape[0], weight)
        if targets.counts.sum() == 0:
            raise ValueError(
                "y has no observed target of positive weight: nothing to learn from."
            )
        if first:
            self._require_several_tasks(len(self._specs))
            self._start_training(
                X, targets, hidden, check_random_state(self.random_state)
            )
            self.validation_loss_curve_ = None
            self.best_validation_loss_ = None
        else:
            self._complete_weighting(targets)
        self._trainer.partial_fit_epoch(
            X, targets, self._training_options(), float(self.learning_rate_init)
        )
        self._publish(X)
        self.best_loss_ = float(np.nanmin(self.loss_curve_))
        return self

    def _complete_weighting(self, targets):
        """Give the tasks observed for the first time their weight or baseline."""
        balanced = balanced_task_weights(self._specs, targets)
        self._trainer.weighting.complete(balanced)

    def _first_call_tasks(self, y, n_rows, labels, classes):
        """Set the tasks from the first ``partial_fit`` call."""
        # With a task column, tasks keyed in the dicts may have no row yet.
        extra = []
        for option in (classes, self.task_types):
            if isinstance(option, dict):
                extra += [key for key in option if key not in extra]
        tasks, single, found = self._observed_targets(
            y, n_rows, labels, fitted=False, extra_tasks=extra
        )
        self._single_task_input = single
        specs = new_specs(
            tasks,
            found,
            self._declared_task_types(tasks, found, fit=False),
            classes,
            single,
            first_partial_fit=True,
        )
        self._check_task_kinds(tasks, specs)
        self._set_tasks(tasks, single, specs)
        return tasks, found

    def _later_call_tasks(self, y, n_rows, labels, classes, hidden):
        """Check a later ``partial_fit`` call against the fitted tasks."""
        same_network = (
            hidden == self._hidden
            and self.activation == self._network.activation
            and self._same_architecture()
        )
        if not same_network:
            raise ValueError(
                "hidden_layer_sizes, activation, architecture, n_experts or "
                "tower_layer_sizes changed since the model was fitted; "
                "partial_fit continues the same network."
            )
        tasks, single, found = self._observed_targets(y, n_rows, labels, fitted=True)
        if single != self._single_task_input and self.task_column is None:
            raise ValueError(
                "y is 1-D in one call and 2-D in another: keep the shape of "
                "the first fit."
            )
        check_same_tasks(
            self._specs,
            tasks,
            self._declared_task_types(tasks, found, fit=False),
            classes,
            self._single_task_input,
        )
        return tasks, found

    # ------------------------------------------------ public: prediction
    def _forward(self, X):
        """The network's forward pass on the rows, and each row's task (or None)."""
        check_is_fitted(self)
        X, labels = self._features(X, reset=False)
        index = None if labels is None else known_task_index(self.tasks_, labels)
        return self._network.forward(X), index

    def _task_prediction(self, forward, task, rows):
        scores = self._network.scores(forward, task, rows)
        spec = self._specs[task]
        if spec.kind == "regression":
            return scores[:, 0]
        if spec.kind == "binary":
            return spec.classes[(scores[:, 0] > 0).astype(np.intp)]
        return spec.classes[np.argmax(scores, axis=1)]

    def _task_proba(self, forward, task, rows):
        scores = self._network.scores(forward, task, rows)
        if self._specs[task].kind == "binary":
            positive = expit(scores[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return np.exp(log_softmax(scores))

    def predict(self, X):
        """Predict every task: numbers for regression tasks, labels otherwise.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Samples (with the task column when ``task_column`` is set).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_tasks)
            One column per task, each in the task's own type: an object array
            when the tasks' outputs are of different kinds (numbers and
            strings, floats and integer labels), else an array of their common
            dtype. 1-D when fitted on a 1-D ``y`` or with a ``task_column``
            (then each row's prediction for its own task).
        """
        forward, index = self._forward(X)
        if index is not None:
            groups = list(rows_by_task(index))
            parts = [
                self._task_prediction(forward, task, rows) for task, rows in groups
            ]
            if not parts:
                return np.zeros(0)
            out = np.empty(index.size, dtype=_common_dtype(parts))
            for (_, rows), part in zip(groups, parts, strict=True):
                out[rows] = part
            return out
        every_row = np.arange(_n_rows(forward))
        predictions = [
            self._task_prediction(forward, t, every_row) for t in range(self.n_tasks_)
        ]
        if self._single_task_input:
            return predictions[0]
        dtype = _common_dtype(predictions)
        return np.column_stack([p.astype(dtype) for p in predictions])

    @available_if(_has_classification_task)
    def predict_proba(self, X):
        """Class probabilities of the classification tasks.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Samples (with the task column when ``task_column`` is set).

        Returns
        -------
        proba : list of (ndarray or None), or ndarray
            One entry per task: an array of shape (n_samples, n_classes_t),
            columns in the order of ``task_classes_[t]``, for a classification
            task, and None for a regression task (the list stays aligned with
            ``tasks_``). For a model fitted on a 1-D ``y``, the array itself.
            With a ``task_column``, one array of shape (n_samples,
            len(classes_)): each row's probabilities over the union of labels,
            zero for labels its task does not have, NaN for a row of a
            regression task.
        """
        forward, index = self._forward(X)
        if index is not None:
            proba = np.zeros((index.size, len(self.classes_)))
            for task, rows in rows_by_task(index):
                spec = self._specs[task]
                if spec.kind == "regression":
                    proba[rows] = np.nan
                    continue
                columns = np.searchsorted(self.classes_, spec.classes)
                proba[np.ix_(rows, columns)] = self._task_proba(forward, task, rows)
            return proba
        every_row = np.arange(_n_rows(forward))
        probabilities = [
            None
            if spec.kind == "regression"
            else self._task_proba(forward, t, every_row)
            for t, spec in enumerate(self._specs)
        ]
        return probabilities[0] if self._single_task_input else probabilities

    @property
    def task_relatedness_(self):
        """How alike the tasks are, (n_tasks, n_tasks), 1 on the diagonal.

        Hard sharing: the cosine similarity of the tasks' head weights.
        Mixture of experts: the overlap of their gates on the training rows.
        """
        check_is_fitted(self)
        network = self._network
        if network.architecture == "mmoe":
            return self._gate_relatedness
        if network.tower:
            # U_t U_t^T: the directions of the representation a tower reads,
            # whatever the order of its units.
            reads = [U[0] @ U[0].T for U in self.tower_coefs_]
            return cosine_matrix([np.ravel(read) for read in reads])
        return cosine_matrix([np.ravel(coef) for coef in self.head_coefs_])

    def transform(self, X):
        """The learned representation of the samples.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Samples (with the task column when ``task_column`` is set; it does
            not enter the representation).

        Returns
        -------
        representation : ndarray of shape (n_samples, n_outputs)
            Hard sharing: the activations of the last shared layer, what every
            head reads (``n_outputs = hidden_layer_sizes[-1]``). Mixture of
            experts: every expert's last layer side by side, expert by expert
            (``n_outputs = n_experts * hidden_layer_sizes[-1]``), from which
            each task's gate mixes its input.
        """
        check_is_fitted(self)
        X, _ = self._features(X, reset=False)
        return self._network.representation(X)

    def score(self, X, y):
        """Mean over tasks of R^2 (regression tasks) and accuracy (the others).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Samples (with the task column when ``task_column`` is set).
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_tasks)
            True targets, in the layout of :meth:`fit`; NaN / None entries are
            left out.

        Returns
        -------
        score : float
            Each task scored on its observed targets (R^2 of
            :func:`~sklearn.metrics.r2_score` for a regression task, the
            fraction of correct labels for a classification task), averaged
            over the tasks that ``y`` observes, each task counting equally.
        """
        forward, index = self._forward(X)
        found = self._scored_targets(y, _n_rows(forward), index)
        scores = []
        for t, (rows, values) in enumerate(found):
            if rows.size == 0:
                continue
            prediction = self._task_prediction(forward, t, rows)
            if self._specs[t].kind == "regression":
                truth = encode(self._specs[t], self.tasks_[t], values)
                scores.append(r2_score(truth, prediction))
            else:
                scores.append(float(np.mean(prediction == values)))
        if not scores:
            raise ValueError("y has no observed target to score.")
        return float(np.mean(scores))

    def _scored_targets(self, y, n_rows, index):
        """Each task's observed (rows, values) in the ``y`` of :meth:`score`."""
        if index is None:
            return self._observed_targets(y, n_rows, None, fitted=True)[2]
        y = validate_targets(
            series_values(y), n_rows, numeric=False, allow_missing=True, name="score"
        )
        if y.ndim != 1:
            raise ValueError(
                f"With task_column set, y must be 1-D, got shape {y.shape}."
            )
        return observed_by_task(y, index, self.n_tasks_)

    @property
    def _n_features_out(self):
        """Width of :meth:`transform`'s output (for ``get_feature_names_out``)."""
        width = self.coefs_[-1].shape[-1]
        if self._network.architecture == "mmoe":
            return width * self._network.n_experts
        return width

    # ----------------------------------------------------------- internals
    def _objective(self, X, y, sample_weight=None):
        """Objective of the fitted parameters on ``(X, y)`` (full batch) and
        its gradient, with the fitted task weights; used by the tests."""
        check_is_fitted(self)
        X, labels = self._features(X, reset=False)
        tasks, _, found = self._observed_targets(y, X.shape[0], labels, fitted=True)
        weight = _sample_weight(sample_weight, X)
        targets = encode_targets(self._specs, tasks, found, X.shape[0], weight)
        objective, _, gradient = self._network.loss_and_gradient(
            X, full_batch(targets), float(self.alpha), self.task_weights_
        )
        return objective, gradient

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = True
        # Neither a classifier nor a regressor, but it has classification (and
        # regression) outputs: several tasks, each binary or multi-class.
        tags.classifier_tags = ClassifierTags(multi_class=True, multi_label=True)
        tags.regressor_tags = RegressorTags()
        return tags


# ------------------------------------------------- one kind for every task
def _shared_docstring_sections():
    """The Parameters (less ``task_types``) and Attributes of MultiTaskMLP.

    The two thin subclasses take every parameter of :class:`MultiTaskMLP`
    but ``task_types``, which they fix; their docstrings reuse these sections
    so that the three stay in step.
    """
    doc = MultiTaskMLP.__doc__
    start = doc.index("    Parameters\n")
    middle = doc.index("    Attributes\n")
    end = doc.index("    See Also\n")
    parameters = doc[start:middle]
    # Drop the task_types entry: from its line to the next parameter's line.
    first = parameters.index("    task_types : ")
    after = parameters.index("    task_weights : ", first)
    parameters = parameters[:first] + parameters[after:]
    return parameters + doc[middle:end]


class _OneKindMixin:
    """``__init__`` of the subclasses: every parameter but ``task_types``.

    scikit-learn reads the parameters from the signature of ``__init__`` and
    wants each stored unchanged, so ``task_types`` is a class attribute here
    (the kind is fixed) rather than a parameter that ``set_params`` could
    change.
    """

    task_types = None

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="relu",
        *,
        architecture="shared",
        n_experts=4,
        tower_layer_sizes=(),
        task_weights=None,
        gradient_surgery=None,
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter="auto",
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        task_column=None,
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.architecture = architecture
        self.n_experts = n_experts
        self.tower_layer_sizes = tower_layer_sizes
        self.task_weights = task_weights
        self.gradient_surgery = gradient_surgery
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.task_column = task_column
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose


_REGRESSOR_INTRO = """Multi-task network whose tasks are all regressions.

    :class:`MultiTaskMLP` with ``task_types`` fixed to ``"regression"`` for
    every task (integer targets included), and a scikit-learn regressor: its
    estimator type is ``"regressor"``, so it serves where one is expected
    (:class:`~sklearn.ensemble.StackingRegressor`, default scoring of
    :func:`~sklearn.model_selection.cross_val_score`). Same network, same
    objective, same fitted attributes; see :class:`MultiTaskMLP` for the
    model. Non-numeric targets raise a ValueError.

"""

_REGRESSOR_END = """    See Also
    --------
    MultiTaskMLP : Any mix of regression and classification tasks.
    MultiTaskMLPClassifier : Every task a classification.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import StackingRegressor
    >>> from sklearn.linear_model import RidgeCV
    >>> from skmtl.neural import MultiTaskMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 4))
    >>> y = np.tanh(X[:, 0]) + 0.1 * rng.standard_normal(100)
    >>> mlp = MultiTaskMLPRegressor((16,), max_iter=2000, random_state=0)
    >>> stack = StackingRegressor([("mlp", mlp)], final_estimator=RidgeCV())
    >>> bool(stack.fit(X, y).score(X, y) > 0.5)
    True
    """

_CLASSIFIER_INTRO = """Multi-task network whose tasks are all classifications.

    :class:`MultiTaskMLP` with every task a classification task (binary with
    two labels, multi-class with more; float labels included), and a
    scikit-learn classifier: its estimator type is ``"classifier"``, so it
    serves where one is expected (:class:`~sklearn.ensemble.StackingClassifier`,
    stratified folds and default scoring in
    :func:`~sklearn.model_selection.cross_val_score`). Same network, same
    objective, same fitted attributes; see :class:`MultiTaskMLP` for the
    model. Continuous targets raise a ValueError, as in scikit-learn's
    classifiers.

"""

_CLASSIFIER_END = """    classes_ : ndarray or list of ndarray
        The labels of the task (fitted on a 1-D ``y``), a list with the
        labels of each task (2-D ``y``), or with a ``task_column`` the sorted
        union of the tasks' labels.

    See Also
    --------
    MultiTaskMLP : Any mix of regression and classification tasks.
    MultiTaskMLPRegressor : Every task a regression.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.neural import MultiTaskMLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 4))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 0] + X[:, 1] > 0]).astype(int)
    >>> model = MultiTaskMLPClassifier((16,), random_state=0).fit(X, Y)
    >>> model.task_types_
    ['binary', 'binary']
    >>> bool(model.score(X, Y) > 0.8)
    True
    """


class MultiTaskMLPRegressor(RegressorMixin, _OneKindMixin, MultiTaskMLP):
    __doc__ = _REGRESSOR_INTRO + _shared_docstring_sections() + _REGRESSOR_END

    # The mean of the tasks' R^2 over their observed targets (missing ones
    # left out), which RegressorMixin's r2_score would choke on.
    score = MultiTaskMLP.score

    def _declared_task_types(self, tasks, found, fit):
        for task, (_, values) in zip(np.asarray(tasks).tolist(), found, strict=True):
            if values.dtype.kind not in "biuf":
                raise ValueError(
                    f"{type(self).__name__} fits regression tasks only, but the "
                    f"targets of task {task!r} are not numbers (dtype "
                    f"{values.dtype}). Use MultiTaskMLPClassifier for class "
                    "labels, or MultiTaskMLP for a mix."
                )
        return ["regression"] * len(found)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags = None
        return tags


class MultiTaskMLPClassifier(ClassifierMixin, _OneKindMixin, MultiTaskMLP):
    __doc__ = _CLASSIFIER_INTRO + _shared_docstring_sections() + _CLASSIFIER_END

    # The mean of the tasks' accuracies, not ClassifierMixin's subset
    # accuracy (every task right at once) of a multi-output y.
    score = MultiTaskMLP.score

    def _declared_task_types(self, tasks, found, fit):
        if not fit:
            # partial_fit: the classes given (or fitted) set each task's kind;
            # one chunk's labels may not show them all.
            return None
        kinds = []
        for _, values in found:
            check_classification_targets(values)
            n_labels = np.unique(values).size
            kinds.append("binary" if n_labels <= 2 else "multiclass")
        return kinds

    def _check_task_kinds(self, tasks, specs):
        for task, spec in zip(np.asarray(tasks).tolist(), specs, strict=True):
            if spec.kind == "regression":
                raise ValueError(
                    f"{type(self).__name__} fits classification tasks only, but "
                    f"task {task!r} has float targets and no classes: give its "
                    "classes to partial_fit, or use MultiTaskMLP for a mix."
                )

    def _set_tasks(self, tasks, single, specs):
        super()._set_tasks(tasks, single, specs)
        if self.task_column is None:
            self.classes_ = specs[0].classes if single else self.task_classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags = None
        tags.classifier_tags = ClassifierTags(multi_class=True, multi_label=True)
        return tags
