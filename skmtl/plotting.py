"""Plots of fitted multi-task models, as scikit-learn ``Display`` objects.

Each display is built from data (its constructor) or from an estimator
(``from_estimator``), draws with ``plot`` and keeps what it drew (``ax_``,
``figure_`` and the matplotlib artists) for further styling. matplotlib is
needed only here and is imported when a plot is drawn: it is not a dependency
of skmtl.
"""

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

__all__ = ["CoefficientDisplay", "RegularizationPathDisplay"]

# Tick labels are written only up to this many features (or rows); beyond it
# matplotlib's numeric ticks are more readable.
_MAX_TICK_LABELS = 40


def _pyplot():
    """matplotlib.pyplot, with a clear message when matplotlib is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "skmtl.plotting needs matplotlib, which is not installed. Install it "
            "with `pip install matplotlib`."
        ) from error
    return plt


def _axes(ax):
    """The given axes, or new ones on a new figure."""
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax


def _final_step(estimator):
    """The model of ``estimator`` and the transformers before it.

    A pipeline (anything with ``steps`` that slices like one) gives its last
    step and the pipeline of the steps before it (None when there are none);
    any other estimator is its own model, with no transformers.
    """
    steps = getattr(estimator, "steps", None)
    if steps is None:
        return estimator, None
    if len(steps) < 2:
        return estimator[-1], None
    return estimator[-1], estimator[:-1]


def _without_task_column(names, estimator):
    """``names`` of the columns the model sees, less its task column."""
    names = list(names)
    task_column = getattr(estimator, "task_column", None)
    if task_column is None:
        return names
    if isinstance(task_column, str):
        return [name for name in names if name != task_column]
    return [name for j, name in enumerate(names) if j != task_column]


def _names_out(transformers):
    """``transformers.get_feature_names_out()`` as strings, or None if unavailable."""
    try:
        names = transformers.get_feature_names_out()
    except (AttributeError, TypeError, ValueError):  # NotFittedError is both
        return None
    return [str(name) for name in names]


def _feature_names(estimator, transformers=None):
    """Names of the features of ``coef_``'s columns, or None when unknown.

    The model's own ``feature_names_in_`` first, else the output names of the
    transformers in front of it (a pipeline's earlier steps); the task column
    is left out, and names that do not match ``coef_``'s width are dropped.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and transformers is not None:
        names = _names_out(transformers)
    if names is None:
        return None
    names = _without_task_column(names, estimator)
    coef = getattr(estimator, "coef_", None)
    if coef is not None and np.ndim(coef) == 2 and len(names) != np.shape(coef)[1]:
        return None
    return names


def _row_names(estimator):
    """A label for each row of ``coef_``: its task, and its class if multi-class."""
    tasks = getattr(estimator, "tasks_", None)
    if tasks is None:
        return None
    rows = getattr(estimator, "coef_rows_", None)
    classes = getattr(estimator, "task_classes_", None)
    if rows is None or classes is None:
        return [str(task) for task in tasks]
    names = []
    for task, task_rows, task_classes in zip(tasks, rows, classes, strict=True):
        n_rows = len(range(*task_rows.indices(estimator.coef_.shape[0])))
        if n_rows == 1:
            names.append(str(task))
        else:
            names.extend(f"{task}: {label}" for label in task_classes)
    return names


class CoefficientDisplay:
    """Heat map of the coefficients of a multi-task linear model.

    Row ``t`` of the image is row ``t`` of ``coef_`` (a task, or one class of a
    multi-class task) and column ``j`` is feature ``j``, so a shared support
    shows as whole columns of colour and an independent one as scattered
    cells. The colour scale is symmetric around zero, whose colour is the
    lightest (near white).

    Build it with :meth:`from_estimator`, or from any coefficient array (a true
    ``coef`` returned by :mod:`skmtl.datasets`, say) and call :meth:`plot`.

    Parameters
    ----------
    coef : array-like of shape (n_rows, n_features)
        Coefficients, one row per task (or score column), as ``coef_``.
    feature_names : list of str, default=None
        Name of each feature, written on the x-axis. None writes indices.
    row_names : list of str, default=None
        Name of each row (task), written on the y-axis. None writes indices.
    estimator_name : str, default=None
        Title of the plot. None means no title.

    Attributes
    ----------
    coef : ndarray of shape (n_rows, n_features)
        The coefficients shown.
    image_ : matplotlib.image.AxesImage
        The heat map.
    colorbar_ : matplotlib.colorbar.Colorbar or None
        The colour bar, None when ``colorbar=False``.
    ax_ : matplotlib.axes.Axes
        Axes of the heat map.
    figure_ : matplotlib.figure.Figure
        Figure containing the heat map.

    See Also
    --------
    RegularizationPathDisplay : The norms of the feature rows along a path.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> from skmtl.plotting import CoefficientDisplay
    >>> X, Y, coef = make_multitask_regression(60, 12, 4, random_state=0)
    >>> model = MultiTaskRegressor(alpha=0.1).fit(X, Y)
    >>> display = CoefficientDisplay.from_estimator(model)
    >>> display.image_.get_array().shape
    (4, 12)
    >>> truth = CoefficientDisplay(coef, estimator_name="truth").plot()
    >>> truth.ax_.get_title()
    'truth'
    """

    def __init__(
        self, coef, *, feature_names=None, row_names=None, estimator_name=None
    ):
        self.coef = np.asarray(coef, dtype=np.float64)
        if self.coef.ndim == 1:
            self.coef = self.coef[None, :]
        if self.coef.ndim != 2:
            raise ValueError(
                f"coef must have shape (n_rows, n_features), got {self.coef.shape}."
            )
        self.feature_names = feature_names
        self.row_names = row_names
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, cmap="RdBu_r", vmax=None, colorbar=True):
        """Draw the heat map.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on. None creates a new figure and axes.
        cmap : str or matplotlib.colors.Colormap, default="RdBu_r"
            Diverging colour map; zero is its middle.
        vmax : float, default=None
            The colour scale spans ``[-vmax, vmax]``. None uses the largest
            absolute coefficient, so that two maps can share a scale only when
            given the same ``vmax``.
        colorbar : bool, default=True
            Whether to add a colour bar next to the axes.

        Returns
        -------
        display : CoefficientDisplay
            The display, with ``ax_``, ``figure_``, ``image_`` and
            ``colorbar_`` set.
        """
        ax = _axes(ax)
        if vmax is None:
            vmax = float(np.max(np.abs(self.coef), initial=0.0)) or 1.0
        self.image_ = ax.imshow(
            self.coef,
            aspect="auto",
            interpolation="nearest",
            cmap=cmap,
            vmin=-vmax,
            vmax=vmax,
        )
        n_rows, n_features = self.coef.shape
        if self.feature_names is not None and n_features <= _MAX_TICK_LABELS:
            ax.set_xticks(np.arange(n_features), self.feature_names, rotation=90)
        if self.row_names is not None and n_rows <= _MAX_TICK_LABELS:
            ax.set_yticks(np.arange(n_rows), self.row_names)
        ax.set_xlabel("feature")
        ax.set_ylabel("task")
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)
        self.colorbar_ = ax.figure.colorbar(self.image_, ax=ax) if colorbar else None
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, ax=None, cmap="RdBu_r", vmax=None, colorbar=True, name=None
    ):
        """Heat map of the ``coef_`` of a fitted estimator.

        Parameters
        ----------
        estimator : estimator with ``coef_``, or Pipeline
            A fitted :class:`~skmtl.MultiTaskRegressor`,
            :class:`~skmtl.MultiTaskClassifier`, their CV versions, or any
            linear model with a ``coef_`` of shape (n_rows, n_features); or a
            fitted :class:`~sklearn.pipeline.Pipeline` whose last step is one,
            whose coefficients (on the transformed features) are drawn. The
            task labels (``tasks_``, and the classes of multi-class tasks) and
            feature names label the axes when available: the model's
            ``feature_names_in_``, else the output names of the pipeline's
            earlier steps (``pipeline[:-1].get_feature_names_out()``), the
            task column left out.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on. None creates a new figure and axes.
        cmap : str or matplotlib.colors.Colormap, default="RdBu_r"
            Diverging colour map; zero is its middle.
        vmax : float, default=None
            The colour scale spans ``[-vmax, vmax]``; None uses the largest
            absolute coefficient.
        colorbar : bool, default=True
            Whether to add a colour bar next to the axes.
        name : str, default=None
            Title of the plot. None uses the class name of the estimator (of
            the pipeline's last step).

        Returns
        -------
        display : CoefficientDisplay
            The display, drawn.
        """
        model, transformers = _final_step(estimator)
        coef = getattr(model, "coef_", None)
        if coef is None:
            where = "" if model is estimator else " (the last step of the pipeline)"
            raise ValueError(
                f"{type(model).__name__}{where} has no coef_: fit it before plotting."
            )
        display = cls(
            coef,
            feature_names=_feature_names(model, transformers),
            row_names=_row_names(model),
            estimator_name=type(model).__name__ if name is None else name,
        )
        return display.plot(ax=ax, cmap=cmap, vmax=vmax, colorbar=colorbar)


class RegularizationPathDisplay:
    """Norm of each feature's row of ``W`` along a regularization path.

    For each alpha of the path, feature ``j`` is drawn at the Euclidean norm
    of its coefficients over all tasks, :math:`\\|W_{j,:}\\|_2` (column ``j``
    of ``coef_``), on a logarithmic alpha axis. With the group lasso a
    feature enters the model for every task at once, where its line leaves
    zero; ``alpha_max`` is where every line is zero.

    Build it with :meth:`from_estimator`, which computes the path with
    :func:`skmtl.regularization_path`, or from a path already computed.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,)
        The alphas of the path.
    coefs : array-like of shape (n_alphas, n_rows, n_features)
        ``coef_`` at each alpha, as returned by
        :func:`skmtl.regularization_path`.
    feature_names : list of str, default=None
        Name of each feature, used in the legend. None uses ``x0, x1, ...``.
    estimator_name : str, default=None
        Title of the plot. None means no title.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        The alphas of the path.
    coefs : ndarray of shape (n_alphas, n_rows, n_features)
        The coefficients along the path.
    row_norms : ndarray of shape (n_alphas, n_features)
        Euclidean norm over tasks of each feature's coefficients, at each
        alpha: the y data of the lines.
    lines_ : list of matplotlib.lines.Line2D
        One line per feature, in feature order.
    ax_ : matplotlib.axes.Axes
        Axes of the plot.
    figure_ : matplotlib.figure.Figure
        Figure containing the plot.

    See Also
    --------
    skmtl.regularization_path : The path itself.
    CoefficientDisplay : The coefficients at one alpha.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.datasets import make_multitask_regression
    >>> from skmtl.plotting import RegularizationPathDisplay
    >>> X, Y, _ = make_multitask_regression(60, 8, 4, n_informative=3, random_state=0)
    >>> display = RegularizationPathDisplay.from_estimator(
    ...     MultiTaskRegressor(penalty="group_lasso"), X, Y, alphas=10)
    >>> len(display.lines_), display.row_norms.shape
    (8, (10, 8))
    >>> display.ax_.get_xscale()
    'log'
    """

    def __init__(self, alphas, coefs, *, feature_names=None, estimator_name=None):
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.coefs = np.asarray(coefs, dtype=np.float64)
        if self.coefs.ndim != 3 or self.coefs.shape[0] != self.alphas.shape[0]:
            raise ValueError(
                "coefs must have shape (n_alphas, n_rows, n_features) with one "
                f"entry per alpha; got {self.coefs.shape} for "
                f"{self.alphas.shape[0]} alphas."
            )
        self.row_norms = np.linalg.norm(self.coefs, axis=1)
        self.feature_names = feature_names
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, legend="auto"):
        """Draw one line per feature: its row norm against alpha.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on. None creates a new figure and axes.
        legend : bool or "auto", default="auto"
            Whether to name the features in a legend; ``"auto"`` does so for at
            most 10 features.

        Returns
        -------
        display : RegularizationPathDisplay
            The display, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        ax = _axes(ax)
        n_features = self.row_norms.shape[1]
        names = self.feature_names
        if names is None:
            names = [f"x{j}" for j in range(n_features)]
        self.lines_ = [
            ax.plot(self.alphas, self.row_norms[:, j], label=str(names[j]))[0]
            for j in range(n_features)
        ]
        ax.set_xscale("log")
        ax.set_xlabel("alpha")
        ax.set_ylabel(r"norm of the feature's row of $W$")
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)
        if legend is True or (legend == "auto" and n_features <= 10):
            ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        alphas=20,
        eps=None,
        sample_weight=None,
        ax=None,
        legend="auto",
        name=None,
    ):
        """Compute the regularization path of an estimator and plot it.

        Parameters
        ----------
        estimator : MultiTaskRegressor, MultiTaskClassifier or Pipeline
            Gives the penalty, loss, layout and solver settings of the path
            (need not be fitted; its ``alpha`` is ignored). For a
            :class:`~sklearn.pipeline.Pipeline` whose last step is such an
            estimator, that step gives the settings and ``X`` first goes
            through the steps before it (``pipeline[:-1].transform(X)``); if
            they are not fitted, a clone of them is fitted on ``X, y``. The
            pipeline itself is left as it is.
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Data, in either layout (as the pipeline takes it, for a
            pipeline).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Targets.
        alphas : int or array-like, default=20
            Number of alphas on a geometric grid from ``alpha_max`` down to
            ``eps * alpha_max``, or the alphas themselves (decreasing).
        eps : float, default=None
            Ratio of the smallest to the largest alpha of a generated grid.
            None: 1e-2 for norm penalties; for the others, from the data (as
            :func:`skmtl.regularization_path`).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on. None creates a new figure and axes.
        legend : bool or "auto", default="auto"
            Whether to name the features in a legend; ``"auto"`` does so for at
            most 10 features.
        name : str, default=None
            Title of the plot. None uses the estimator's class and penalty (of
            the pipeline's last step).

        Returns
        -------
        display : RegularizationPathDisplay
            The display, drawn.
        """
        from ._path import regularization_path

        model, transformers = _final_step(estimator)
        if transformers is not None:
            try:
                X = transformers.transform(X)
            except NotFittedError:
                transformers = clone(transformers)
                X = transformers.fit_transform(X, y)
        alphas, coefs, *_ = regularization_path(
            X,
            y,
            estimator=model,
            alphas=alphas,
            eps=eps,
            sample_weight=sample_weight,
        )
        if hasattr(X, "columns"):
            names = [str(c) for c in X.columns]
        elif transformers is not None:
            names = _names_out(transformers)
        else:
            names = None
        feature_names = None
        if names is not None:
            feature_names = _without_task_column(names, model)
            if len(feature_names) != coefs.shape[2]:
                feature_names = None
        if name is None:
            name = f"{type(model).__name__}(penalty={model.penalty!r})"
        display = cls(alphas, coefs, feature_names=feature_names, estimator_name=name)
        return display.plot(ax=ax, legend=legend)
