"""What both estimators share: parameters, their validation, data and solve."""

import contextlib
import contextvars
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from ._layout.designs import TASK_WEIGHTINGS
from ._layout.tasks import (
    Observations,
    _is_missing,
    as_column_frame,
    complete_shared_layout,
    lookup_tasks,
    shared_layout,
    split_task_column,
    task_indices,
    task_rows_layout,
    validate_targets,
    warn_if_transformed,
)
from ._problem import Problem, TaskContext
from .datafits.loss import LossDatafit
from .penalties.structures import make_penalty
from .solvers import solve
from .utils.linalg import cosine_matrix
from .utils.validation import check_sample_weight

ACCEPT_SPARSE = ("csr", "csc")
# float32 X is kept as it is (its fit gives float32 coefficients and
# predictions, as scikit-learn's linear models do); any other dtype becomes
# float64, which check_array does for the first entry of a list.
FLOAT_DTYPES = (np.float64, np.float32)
MISSING_TARGETS = ("error", "ignore")
UNKNOWN_TASKS = ("error", "mean")


def _check_real(name, value, *, low, include_low=True):
    """Raise a ValueError unless ``value`` is a finite real number above ``low``."""
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_real or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if value < low or (value == low and not include_low):
        bound = ">=" if include_low else ">"
        raise ValueError(f"{name} must be {bound} {low}, got {value!r}.")


def check_intercept_shrinkage(value):
    """Raise a ValueError unless ``value`` is a number in [0, inf]."""
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_real or np.isnan(value) or value < 0:
        raise ValueError(
            f"intercept_shrinkage must be a number >= 0 (0: free intercepts, "
            f"np.inf: one intercept for every task), got {value!r}."
        )


def _check_option(name, value, options):
    if not isinstance(value, str) or value not in options:
        valid = ", ".join(repr(option) for option in options)
        raise ValueError(f"{name} must be one of {valid}, got {value!r}.")


def _check_column_names(estimator, names, *, reset):
    """Record or check the columns of a dataframe that scikit-learn may not read.

    The columns of a dataframe read through :func:`as_column_frame` (polars,
    any frame with the interchange protocol) give ``n_features_in_`` and
    ``feature_names_in_`` exactly as scikit-learn's ``validate_data`` gives
    them for a pandas DataFrame, and are checked the same way afterwards.
    """
    names = np.asarray(names, dtype=object)
    strings = names.size > 0 and all(isinstance(name, str) for name in names)
    if reset:
        estimator.n_features_in_ = names.size
        if strings:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    expected = getattr(estimator, "n_features_in_", names.size)
    if names.size != expected:
        raise ValueError(
            f"X has {names.size} features, but {type(estimator).__name__} is "
            f"expecting {expected} features as input."
        )
    fitted = getattr(estimator, "feature_names_in_", None)
    name = type(estimator).__name__
    if fitted is None and strings:
        warnings.warn(
            f"X has feature names, but {name} was fitted without feature names",
            UserWarning,
            stacklevel=5,
        )
    elif fitted is not None and not strings:
        warnings.warn(
            f"X does not have valid feature names, but {name} was fitted with "
            "feature names",
            UserWarning,
            stacklevel=5,
        )
    if fitted is None or not strings:
        return
    if list(fitted) != list(names):
        unseen = sorted(set(names) - set(fitted))[:5]
        missing = sorted(set(fitted) - set(names))[:5]
        raise ValueError(
            "The feature names should match those that were passed during fit. "
            f"Names unseen at fit time: {unseen}; seen at fit time, yet now "
            f"missing: {missing}"
            + ("" if unseen or missing else "; the order differs")
            + "."
        )


@dataclass(frozen=True)
class _TaskInfo:
    """What a fit learns about the tasks and the input besides the solution.

    Every source of data (in-memory arrays, sufficient statistics, dask
    collections) gives one with its datafit; the estimator stores it.

    Parameters
    ----------
    labels : ndarray of shape (n_tasks,)
        Task labels, in the order of the columns of ``W``.
    task_losses : list of (int, loss)
        Number of columns of ``W`` and loss of each task: they give the task
        that owns each column.
    classes : list
        Each task's classes (as the classifier encoded them), or None for a
        regression task.
    single_task : bool
        Whether predictions are 1-D (a 1-D ``y``, or a task column).
    n_features_in : int
        Number of columns of ``X``, the task column included.
    feature_names_in : ndarray of shape (n_features_in,), default=None
        Their names, when ``X`` had string column names.
    trained : ndarray of int, default=None
        Indices of the tasks the datafit holds, when it leaves some out (a
        classifier's single-class tasks, whose entry of ``task_losses`` is
        ``(1, None)``: one column of ``W``, kept at zero); None for all.
    dtype : numpy.dtype, default=float64
        Floating-point type of the fitted coefficients: float32 for float32
        ``X``, float64 otherwise. The solver always works in float64.
    """

    labels: np.ndarray
    task_losses: list
    classes: list
    single_task: bool
    n_features_in: int
    feature_names_in: np.ndarray | None = None
    trained: np.ndarray | None = None
    dtype: np.dtype = np.dtype(np.float64)


# The held-out rows of a CV fold, validated once for every model scored on
# them: (X, (features, task index) or None until the first model computes it).
_REUSED_ROWS = contextvars.ContextVar("reused_prediction_rows", default=None)


@contextlib.contextmanager
def reuse_prediction_rows(X):
    """Validate ``X`` for prediction once, for every model fitted on the same tasks.

    Inside the block, the first ``_prediction_rows(X)`` is computed as usual
    and the later ones (of estimators with the same settings, fitted on the
    same data, as the models of one CV fold) reuse it. Only the object ``X``
    itself is reused, never an equal copy.
    """
    token = _REUSED_ROWS.set([X, None])
    try:
        yield
    finally:
        _REUSED_ROWS.reset(token)


class _MultiTaskLinear(BaseEstimator):
    """Parameters and fitting machinery shared by the regressor and the classifier.

    Subclasses set ``_numeric_targets`` and implement ``_encode_task`` (targets
    of one task to score columns and a loss) and ``_store_task_info``.
    """

    _numeric_targets = True

    def __init__(
        self,
        penalty="group_lasso",
        alpha=0.01,
        *,
        l2=0.0,
        intercept_shrinkage=0.0,
        task_column=None,
        task_weighting="observations",
        missing_targets="error",
        unknown_task="error",
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        verbose=0,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l2 = l2
        self.intercept_shrinkage = intercept_shrinkage
        self.task_column = task_column
        self.task_weighting = task_weighting
        self.missing_targets = missing_targets
        self.unknown_task = unknown_task
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose

    def _validated_penalty(self):
        """Check every hyperparameter and return the penalty object."""
        penalty = make_penalty(self.penalty)
        _check_real("alpha", self.alpha, low=0.0)
        _check_real("l2", self.l2, low=0.0)
        check_intercept_shrinkage(self.intercept_shrinkage)
        _check_real("tol", self.tol, low=0.0, include_low=False)
        is_integer = isinstance(self.max_iter, numbers.Integral) and not isinstance(
            self.max_iter, (bool, np.bool_)
        )
        if not is_integer or self.max_iter < 1:
            raise ValueError(
                f"max_iter must be a positive integer, got {self.max_iter!r}."
            )
        for flag in ("fit_intercept", "warm_start"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(
                    f"{flag} must be True or False, got {getattr(self, flag)!r}."
                )
        if not isinstance(self.verbose, numbers.Integral):
            raise ValueError(
                f"verbose must be an integer (0 for silence), got {self.verbose!r}."
            )
        _check_option("task_weighting", self.task_weighting, TASK_WEIGHTINGS)
        _check_option("missing_targets", self.missing_targets, MISSING_TARGETS)
        _check_option("unknown_task", self.unknown_task, UNKNOWN_TASKS)
        return penalty

    # ------------------------------------------------------------------ data
    def _features(self, X, reset):
        """Validated features and, with a task column, the task label of each row.

        ``validate_data`` records (``reset=True``) or checks the columns of the
        whole ``X``, the task column included; the features are the others.
        Any dataframe but a pandas-like one is read as a
        :class:`~skmtl._layout.tasks.ColumnFrame`, its columns recorded and
        checked by :func:`_check_column_names`. The features are float32 when
        ``X`` (or, for a DataFrame, every feature column) is float32, float64
        otherwise; the fit converts float32 to float64 for the solver.
        """
        frame = as_column_frame(X)
        if frame is not None:
            _check_column_names(self, frame.columns, reset=reset)
        if self.task_column is None:
            if frame is not None:
                X = check_array(frame.to_numpy(), dtype=np.float64, input_name="X")
                return X, None
            X = validate_data(
                self, X, accept_sparse=ACCEPT_SPARSE, dtype=FLOAT_DTYPES, reset=reset
            )
            return X, None
        if frame is None:
            validate_data(self, X, skip_check_array=True, reset=reset)
        else:
            X = frame
        features, labels = split_task_column(X, self.task_column)
        X = check_array(
            features, accept_sparse=ACCEPT_SPARSE, dtype=FLOAT_DTYPES, input_name="X"
        )
        return X, labels

    def _prepare_datafit(self, X, y, sample_weight):
        """Validate the data, set the input and task attributes, build the datafit."""
        datafit, tasks = self._memory_datafit(X, y, sample_weight)
        self._store_tasks(tasks)
        return datafit

    def _memory_datafit(self, X, y, sample_weight):
        """The datafit of in-memory data and its :class:`_TaskInfo`.

        The input and task attributes are set while the data are read (the
        classifier's encoding names a task by ``tasks_``); the record returned
        holds them all, as every other source of data gives them. ``X`` goes
        to the layout in its validated dtype: the layout converts float32 to
        float64 (after reordering the rows of a task column, so that only one
        float64 copy is ever made).
        """
        allow_missing = self.missing_targets == "ignore"
        task_names = getattr(y, "columns", None)
        X, labels = self._features(X, reset=True)
        dtype = X.dtype
        y = validate_targets(
            y,
            X.shape[0],
            numeric=self._numeric_targets,
            allow_missing=allow_missing,
            name=type(self).__name__,
        )
        if self.task_column is None:
            self._single_task = y.ndim == 1
            Y = y.reshape(-1, 1) if y.ndim == 1 else y
            self.tasks_ = np.arange(Y.shape[1])
            if task_names is not None:
                self.tasks_ = np.asarray(task_names)
            weight = check_sample_weight(sample_weight, X.shape[0])
            if not (allow_missing and np.any(_is_missing(Y))):
                self.n_tasks_ = Y.shape[1]
                constant = self._constant_tasks(
                    (Y[:, t], weight) for t in range(Y.shape[1])
                )
                trained = self._trained(constant)
                layout, infos, task_losses = complete_shared_layout(
                    X,
                    Y if trained is None else Y[:, trained],
                    weight,
                    self._trained_encoder(trained),
                    self.fit_intercept,
                )
                tasks = self._read_tasks(infos, task_losses, constant, trained, dtype)
                return LossDatafit(layout), tasks
            observations = Observations.from_matrix(Y, weight)
            build = shared_layout
        else:
            if y.ndim != 1:
                raise ValueError(
                    f"With task_column set, y must be 1-D (one target per row), got "
                    f"shape {y.shape}."
                )
            self._single_task = True
            self.tasks_, task_index = task_indices(labels)
            warn_if_transformed(labels, self.task_column)
            weight = check_sample_weight(sample_weight, X.shape[0])
            observations = Observations.from_rows(
                task_index, self.tasks_.size, y, weight
            )
            build = task_rows_layout
        self.n_tasks_ = observations.n_tasks
        constant = self._constant_tasks(
            (observations.value[rows], observations.sample_weight[rows])
            for rows in map(observations.members, range(observations.n_tasks))
        )
        trained = self._trained(constant)
        if trained is not None:
            observations = observations.subset(trained)
        encoded, task_losses, infos, weights = observations.encode(
            self._trained_encoder(trained), self.task_weighting
        )
        layout = build(
            X, observations, encoded, task_losses, weights, self.fit_intercept
        )
        tasks = self._read_tasks(infos, task_losses, constant, trained, dtype)
        return LossDatafit(layout), tasks

    # ------------------------------------------------------ single-class tasks
    def _constant_tasks(self, per_task):
        """``{task: info}`` of the tasks left out of the fit, predicted constant.

        ``per_task`` yields each task's ``(targets, sample weights)``. Only the
        classifier leaves tasks out (those with one class, on request); the
        ``info`` is what :meth:`_encode_task` would have returned about them.
        """
        return {}

    def _trained(self, constant):
        """Indices of the tasks to fit, or None when all are."""
        if not constant:
            return None
        return np.array([t for t in range(self.n_tasks_) if t not in constant])

    def _trained_encoder(self, trained):
        """:meth:`_encode_task` for data that hold only the ``trained`` tasks."""
        if trained is None:
            return self._encode_task
        return lambda task, values, weights: self._encode_task(
            int(trained[task]), values, weights
        )

    def _read_tasks(
        self, infos, task_losses, constant=None, trained=None, dtype=np.float64
    ):
        """The :class:`_TaskInfo` of the data just read by :meth:`_memory_datafit`.

        ``infos`` and ``task_losses`` describe the ``trained`` tasks; the tasks
        left out (``constant``) get one column of ``W`` each, without a loss.
        ``dtype`` is that of the validated features.
        """
        if trained is not None:
            fitted = iter(zip(infos, task_losses, strict=True))
            every = [
                (constant[t], (1, None)) if t in constant else next(fitted)
                for t in range(self.n_tasks_)
            ]
            infos = [info for info, _ in every]
            task_losses = [losses for _, losses in every]
        return _TaskInfo(
            labels=self.tasks_,
            task_losses=task_losses,
            classes=infos,
            single_task=self._single_task,
            n_features_in=self.n_features_in_,
            feature_names_in=getattr(self, "feature_names_in_", None),
            trained=trained,
            dtype=np.dtype(dtype),
        )

    def _prediction_rows(self, X):
        reused = _REUSED_ROWS.get()
        if reused is None or reused[0] is not X:
            return self._validated_prediction_rows(X)
        check_is_fitted(self)
        if reused[1] is None:
            reused[1] = self._validated_prediction_rows(X)
        return reused[1]

    def _validated_prediction_rows(self, X):
        """Validated features and, with a task column, each row's task index.

        Returns ``(X, None)`` for the shared layout; ``(X, index)`` otherwise,
        where ``index`` is -1 for unseen tasks (only allowed with
        ``unknown_task="mean"``).
        """
        check_is_fitted(self)
        X, labels = self._features(X, reset=False)
        if labels is None:
            return X, None
        task_indices(labels)  # same checks on labels as in fit
        index = lookup_tasks(self.tasks_, labels)
        unknown = index < 0
        if np.any(unknown) and self.unknown_task == "error":
            unseen = np.unique(labels[unknown].astype(str))[:5].tolist()
            raise ValueError(
                f"X holds tasks not seen in fit: {unseen}. Fit with those tasks, or "
                "set unknown_task='mean' to predict them with the mean of the "
                "fitted tasks' coefficients."
            )
        return X, index

    def _output_dtype(self, X):
        """Dtype of predictions on the validated ``X``: NumPy's for ``X @ coef_``.

        float32 for float32 ``X`` and a fit on float32 data; float64 when
        either is float64, as the products of scikit-learn's linear models.
        Predictions filled row group by row group start from an array of it.
        """
        return np.result_type(X.dtype, self.coef_.dtype)

    # ``(task, rows)`` for each task present in ``index``; the subclasses'
    # predictions group their rows with it, as MultiTaskMLP does.

    def _store_tasks(self, tasks):
        """Set the input and task attributes, and the task owning each column of W."""
        self.n_features_in_ = tasks.n_features_in
        if tasks.feature_names_in is not None:
            self.feature_names_in_ = tasks.feature_names_in
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_  # of an earlier fit on named columns
        self.tasks_ = tasks.labels
        self.n_tasks_ = tasks.labels.size
        self._single_task = tasks.single_task
        # The dtype _store_result gives the coefficients (float32 for float32 X).
        self._coef_dtype = tasks.dtype
        widths = [width for width, _ in tasks.task_losses]
        self._column_task = np.repeat(np.arange(len(widths)), widths)
        # The columns of W that the solver fits: all but those of tasks left
        # out of the datafit (kept at zero in coef_).
        trained = np.arange(len(widths)) if tasks.trained is None else tasks.trained
        self._trained_columns = np.isin(self._column_task, trained)
        self._store_task_info(tasks.classes, tasks.task_losses)

    def _problem(self, X, y, sample_weight):
        """Validate everything and bind the penalty to the in-memory data."""
        return self._bound_problem(self._memory_datafit, X, y, sample_weight)

    def _bound_problem(self, build, *args):
        """Validate the parameters, build the datafit and bind the penalty to it.

        ``build(*args)`` returns the datafit and its :class:`_TaskInfo`. The
        parameters are checked before it runs: building reads some of them
        (``fit_intercept``, ``task_weighting``, ...), and may cost a pass over
        data that are not in memory.
        """
        penalty = self._validated_penalty()
        datafit, tasks = build(*args)
        self._store_tasks(tasks)
        # The penalty sees the tasks the datafit holds, numbered 0, 1, ...
        trained, column_task = np.unique(
            self._column_task[self._trained_columns], return_inverse=True
        )
        context = TaskContext(datafit.n_features, column_task, self.tasks_[trained])
        try:  # the penalty's checks against the data (sizes, task graph, ...)
            problem = Problem(
                datafit,
                penalty,
                context,
                float(self.l2),
                float(self.intercept_shrinkage),
            )
            problem.datafit_at(float(self.alpha))
        except (ValueError, TypeError) as error:
            left_out = np.setdiff1d(self.tasks_, context.tasks).tolist()
            self._forget_fit()
            if not left_out:
                raise
            raise type(error)(
                f"{error} (The penalty sees {context.n_tasks} tasks: the tasks "
                f"{left_out[:10]}, of a single class, are left out of the fit; "
                "see single_class_tasks.)"
            ) from error
        return problem

    def _fit_datafit(self, build, *args):
        """Fit on the datafit that ``build(*args)`` returns, whatever the data source.

        The one fitting sequence of the estimators, for in-memory data
        (:meth:`_memory_datafit`), sufficient statistics and dask collections
        (the estimators' ``_dask_datafit``): validate the parameters, build
        the datafit, store the task information, bind the penalty
        (:class:`~skmtl._problem.Problem`), solve (warm-started if asked) and
        store the fitted attributes, with a warning if the solver did not
        converge.

        Parameters
        ----------
        build : callable
            ``build(*args)`` returns ``(datafit, tasks)``: a datafit (see
            :class:`skmtl.datafits.base.Datafit`) whose ``data`` maps its
            intercepts to the model's, and the :class:`_TaskInfo` of the data.
        *args
            The data, as ``build`` takes them.

        Returns
        -------
        self : estimator
            The fitted estimator.
        """
        problem = self._bound_problem(build, *args)
        self._solve(problem)
        passes = getattr(problem.datafit, "passes", None)
        if passes is not None:  # a datafit on data out of memory counts its passes
            self.n_data_passes_ = passes
        return self

    def _forget_fit(self):
        """Remove every fitted attribute: a failed fit leaves an unfitted model."""
        for name in list(vars(self)):
            if name.endswith("_") and not name.startswith("__"):
                delattr(self, name)

    def set_params(self, **params):
        """Set the parameters of this estimator (see scikit-learn's ``set_params``).

        Parameters
        ----------
        **params : dict
            Estimator parameters, and ``penalty__<name>`` for the parameters of
            a penalty object.

        Returns
        -------
        self : estimator
            This estimator.
        """
        nested = [key for key in params if key.startswith("penalty__")]
        penalty = params.get("penalty", self.penalty)
        if nested and isinstance(penalty, str):
            raise ValueError(
                f"{nested[0]} sets a parameter of the penalty object, but penalty "
                f"is the name {penalty!r}. Pass a penalty object instead, e.g. "
                "penalty=skmtl.structures.Dirty() (names give default settings)."
            )
        return super().set_params(**params)

    @property
    def task_relatedness_(self):
        """Cosine similarity of the tasks' coefficient vectors, (n_tasks, n_tasks).

        Entry ``(s, t)`` is :math:`\\langle w_s, w_t\\rangle / (\\|w_s\\|
        \\|w_t\\|)`: 1 for tasks whose predictions move together, 0 for
        unrelated ones, -1 for opposite ones. A multi-class task's vector is
        its class columns, flattened, so it compares only with tasks of the
        same number of classes (NaN otherwise); a task with all coefficients
        zero gives NaN.
        """
        check_is_fitted(self)
        rows = getattr(self, "coef_rows_", None)
        if rows is None:  # one row of coef_ per task: one matrix product
            return cosine_matrix(np.reshape(self.coef_, (self.n_tasks_, -1)))
        return cosine_matrix([self.coef_[r].ravel() for r in rows])

    # ----------------------------------------------------------------- solve
    def _solve(self, problem):
        """Run the solver (warm-started if asked) and store the fitted attributes."""
        data = problem.datafit.data
        coef_init = offset_init = None
        expected = (data.n_columns, data.n_features)
        if self.warm_start and getattr(self, "coef_", None) is not None:
            fitted = self._trained_columns
            if self.coef_.shape[0] != fitted.size:  # another set of columns
                fitted = slice(None)
            if self.coef_[fitted].shape == expected:
                # The solver works in float64, whatever the dtype of coef_.
                parts = {
                    name: getattr(self, f"{name}_")[fitted].T.astype(np.float64)
                    for name, _, _ in problem.components
                    if hasattr(self, f"{name}_")
                }
                coef = self.coef_[fitted].T.astype(np.float64)
                intercept = self.intercept_[fitted].astype(np.float64)
                coef_init = problem.stack(coef, parts)
                offset_init = problem.solver_offset(coef, intercept)
        alpha = float(self.alpha)
        result = solve(
            problem.datafit_at(alpha),
            problem.norm,
            alpha,
            coef_init,
            offset_init,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )
        if not result.converged:
            self._warn_not_converged(result)
        self._store_result(result, problem)
        return result

    def _store_result(self, result, problem):
        """Set the fitted coefficients, structure and solver attributes.

        The solver's float64 solution is cast to the dtype of the training
        features (float32 for float32 ``X``, as scikit-learn's linear models
        keep it): ``coef_``, ``intercept_`` and the parts of a decomposed
        structure (``P_``, ``Q_``, ...), which sum to ``coef_``. The
        penalty's other attributes (``task_similarity_``, task labels) and
        the solver's reports (``dual_gap_``, ``objective_``) are left as they
        come.
        """
        dtype = getattr(self, "_coef_dtype", np.dtype(np.float64))
        W, parts = problem.split(result.coef)
        self.coef_ = np.ascontiguousarray(self._every_column(W).T, dtype=dtype)
        intercept = problem.intercepts(W, result.offset)
        intercept = intercept if self.fit_intercept else np.zeros_like(intercept)
        self.intercept_ = np.asarray(self._every_column(intercept), dtype=dtype)
        self.n_iter_ = result.n_iter
        self.dual_gap_ = result.dual_gap
        self.optimality_residual_ = result.residual
        self.objective_ = result.objective
        self.converged_ = result.converged
        # Attributes of the learned structure (parts of W, outlier tasks, ...);
        # those of a previous fit with another penalty are removed.
        for name in getattr(self, "_structure_attributes", ()):
            if hasattr(self, name):
                delattr(self, name)
        attributes = {
            f"{name}_": np.ascontiguousarray(self._every_column(part).T, dtype=dtype)
            for name, part in parts.items()
        }
        attributes.update(problem.fitted_attributes(W, parts))
        for name, value in attributes.items():
            setattr(self, name, value)
        self._structure_attributes = tuple(attributes)

    def _every_column(self, values):
        """Values of the fitted columns of ``W`` (last axis), zero for the others."""
        fitted = self._trained_columns
        if fitted.all():
            return values
        every = np.zeros(values.shape[:-1] + fitted.shape)
        every[..., fitted] = values
        return every

    def _warn_not_converged(self, result):
        if result.criterion == "duality_gap":
            achieved = f"duality gap {result.dual_gap:.3e}"
        else:
            achieved = f"relative prox-gradient residual {result.residual:.3e}"
        warnings.warn(
            f"{type(self).__name__} did not converge in max_iter={self.max_iter} "
            f"iterations ({achieved}, tol={self.tol:g}). Increase max_iter, "
            "loosen tol, standardise the features (StandardScaler) or increase "
            "alpha (or lower the strength of smooth terms such as l2 or a "
            "TaskGraph's strength, which make the problem ill-conditioned).",
            ConvergenceWarning,
            stacklevel=3,
        )
