"""alpha_max: the smallest penalty strength that zeroes every coefficient."""

from ._classifier import MultiTaskClassifier
from ._regressor import MultiTaskRegressor
from .penalties.structures import make_penalty

_ESTIMATOR_OF_LOSS = {"squared": MultiTaskRegressor, "log_loss": MultiTaskClassifier}


def alpha_max(
    X, y, *, penalty="group_lasso", loss="squared", fit_intercept=True,
    sample_weight=None, task_column=None, task_weighting="observations",
    missing_targets="error",
):  # fmt: skip
    """Smallest ``alpha`` at which every coefficient of the fit is zero.

    At the null model (all coefficients zero, intercepts optimal) the
    optimality condition of a norm penalty reads
    :math:`\\Omega^\\circ(\\nabla_W F) \\le \\alpha`, so

    .. math::

        \\alpha_{\\max} = \\Omega^\\circ\\big(\\nabla_W F(0, b_0)\\big),

    the dual norm of the gradient of the data term there: the largest row norm
    for the group lasso, the largest singular value for the trace norm and the
    largest absolute entry for the lasso. For the squared loss,
    :math:`\\nabla_W F = -X_c^\\top Y_c / n` with centred ``X`` and ``Y``.
    :class:`MultiTaskRegressor` and :class:`MultiTaskClassifier` return
    exactly zero coefficients for every ``alpha >= alpha_max``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Design matrix shared by all tasks.
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Targets (numbers for ``loss="squared"``, labels for ``"log_loss"``).
    penalty : str or Penalty, default="group_lasso"
        A norm penalty or a structure made of norms (by name or as an object).
        For a decomposed structure :math:`W = \\sum_k W_k` with weights
        :math:`\\rho_k`, :math:`\\alpha_{\\max} = \\max_k \\Omega_k^\\circ(G) /
        \\rho_k`; a smooth term added by the penalty or by ``l2`` does not change
        it. ``"ridge"`` and ``"clustered"`` are not norms and have no
        ``alpha_max`` (a ValueError).
    loss : {"squared", "log_loss"}, default="squared"
        The loss of :class:`MultiTaskRegressor` or of
        :class:`MultiTaskClassifier` (logistic or multinomial per task).
    fit_intercept : bool, default=True
        Whether intercepts are fitted.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each sample.
    task_column : int or str, default=None
        Column of ``X`` holding each row's task, as in the estimators.
    task_weighting : {"observations", "tasks"}, default="observations"
        Whether each observation or each task counts equally, as in the
        estimators: ``alpha_max`` follows the weighted objective.
    missing_targets : {"error", "ignore"}, default="error"
        Whether NaN targets are an error or left out, as in the estimators.

    Returns
    -------
    alpha_max : float
        The smallest ``alpha`` giving an all-zero ``coef_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl import MultiTaskRegressor, alpha_max
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((30, 5)), rng.standard_normal((30, 3))
    >>> a_max = alpha_max(X, Y, penalty="group_lasso")
    >>> bool(np.all(MultiTaskRegressor(alpha=a_max).fit(X, Y).coef_ == 0))
    True
    """
    if loss not in _ESTIMATOR_OF_LOSS:
        valid = ", ".join(repr(name) for name in _ESTIMATOR_OF_LOSS)
        raise ValueError(f"Unknown loss {loss!r}. Valid losses are: {valid}.")
    make_penalty(penalty)  # an unknown name fails before the data are read
    estimator = _ESTIMATOR_OF_LOSS[loss](
        penalty=penalty,
        fit_intercept=fit_intercept,
        task_column=task_column,
        task_weighting=task_weighting,
        missing_targets=missing_targets,
    )
    problem = estimator._problem(X, y, sample_weight)
    if not problem.has_alpha_max:
        raise ValueError(
            f"penalty={penalty!r} is not a norm: no finite alpha makes every "
            "coefficient zero, so it has no alpha_max."
        )
    return problem.alpha_max()
