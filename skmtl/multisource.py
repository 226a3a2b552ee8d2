"""Incomplete multi-source data: one model per missingness pattern (iMSF).

Data often come from several *sources*, blocks of features measured together
(an imaging scan, a genetic panel, a battery of clinical tests), and many
samples lack whole sources. Imputing a whole block invents most of its values;
keeping the complete rows only discards most of the data. The incomplete
multi-source feature learning of Yuan et al. (2012), MALSAR's ``Least_iMSF``
and ``Logistic_iMSF``, groups the samples by the sources they have (their
*missingness pattern*), fits one linear model per pattern on that pattern's
sources, and couples the models by a group lasso over each feature's
coefficients in the patterns that observe it, so that a feature is selected
for every pattern or for none.

:class:`MultiSourceRegressor` (squared loss) and :class:`MultiSourceClassifier`
(logistic loss, binary) take ``X`` with NaN in whole blocks and the
declaration of the blocks (``sources``), find the patterns, and solve the
problem as a multi-task group lasso with a task column (one task per
pattern, the missing blocks filled with 0): the coefficients of a feature in
a pattern that does not observe it are then *structural zeros*, exactly 0.0
at every iteration of the solver, so the multi-task problem is the iMSF
problem itself (see the estimators' Notes).

References
----------
Yuan, L., Wang, Y., Thompson, P. M., Narayan, V. A. and Ye, J. (2012).
Multi-source feature learning for joint analysis of incomplete multiple
heterogeneous neuroimaging data. NeuroImage, 61(3), 622-632.
"""

import numbers
from collections.abc import Mapping

import numpy as np
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._alpha_max import alpha_max
from ._base import _check_option, _check_real
from ._classifier import MultiTaskClassifier
from ._regressor import MultiTaskRegressor
from .utils.validation import check_sample_weight

__all__ = [
    "MultiSourceClassifier",
    "MultiSourceRegressor",
    "multisource_alpha_max",
    "row_patterns",
]

PATTERN_WEIGHTINGS = ("rows", "patterns")
UNSEEN_PATTERNS = ("subset", "error")
# The inner multi-task estimators' name for each pattern weighting.
_TASK_WEIGHTING = {"rows": "observations", "patterns": "tasks"}
# How many rows or columns an error message lists before "and N more".
_SHOWN = 5


# --------------------------------------------------------------------------
# Sources and patterns


def _shown(values):
    """A short list for a message: the first few values and how many more."""
    values = list(values)
    more = f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else ""
    return f"{values[:_SHOWN]}{more}"


def _feature_names(X):
    """String column names of a dataframe ``X``, or None."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = list(columns)
    if names and all(isinstance(name, str) for name in names):
        return np.asarray(names, dtype=object)
    return None


def _source_columns(name, spec, n_features, feature_names):
    """Integer positions of the columns that one source declares.

    ``spec`` is a column position, a column name, a slice or a list of
    positions or names (names only when ``X`` has column names).
    """
    if isinstance(spec, slice):
        columns = np.arange(n_features)[spec]
    else:
        items = [spec] if isinstance(spec, (str, numbers.Integral)) else list(spec)
        columns = []
        for item in items:
            if isinstance(item, str):
                if feature_names is None:
                    raise ValueError(
                        f"Source {name!r} names the column {item!r}, but X has no "
                        "column names: pass X as a DataFrame with string column "
                        "names, or declare the sources by column positions."
                    )
                where = np.flatnonzero(feature_names == item)
                if where.size == 0:
                    raise ValueError(
                        f"Source {name!r} names the column {item!r}, which X does "
                        f"not have (its columns: {_shown(feature_names.tolist())})."
                    )
                columns.append(int(where[0]))
            elif isinstance(item, numbers.Integral) and not isinstance(
                item, (bool, np.bool_)
            ):
                if not 0 <= item < n_features:
                    raise ValueError(
                        f"Source {name!r} holds the column position {item}, but X "
                        f"has {n_features} columns (positions 0 to "
                        f"{n_features - 1})."
                    )
                columns.append(int(item))
            else:
                raise ValueError(
                    f"Source {name!r}: a column is a position (int) or a name "
                    f"(str), got {item!r}."
                )
        columns = np.asarray(columns, dtype=np.intp)
    if columns.size == 0:
        raise ValueError(f"Source {name!r} declares no column.")
    if np.unique(columns).size != columns.size:
        values, counts = np.unique(columns, return_counts=True)
        repeated = values[counts > 1]
        raise ValueError(
            f"Source {name!r} lists a column twice: "
            f"{_column_names(repeated, feature_names)}."
        )
    return columns


def _column_names(columns, feature_names):
    """Columns by name when ``X`` has names, else by position."""
    if feature_names is None:
        return _shown(int(c) for c in columns)
    return _shown(str(feature_names[c]) for c in columns)


def _resolve_sources(sources, n_features, feature_names=None):
    """The sources' names and columns, checked to split the columns of ``X``.

    Parameters
    ----------
    sources : mapping, sequence or None
        A mapping ``{name: columns}``, a sequence of column lists (named 0,
        1, ...), or None for one source per column (named by the column's
        name, or position). ``columns`` is a position, a name (for a
        DataFrame), a slice, or a list of positions or names.
    n_features : int
        Number of columns of ``X``.
    feature_names : ndarray of str, default=None
        Column names of ``X``, when it has them.

    Returns
    -------
    sources : dict
        ``{name: ndarray of column positions}``, in the declared order.
    """
    if sources is None:
        names = range(n_features) if feature_names is None else feature_names
        return {name: np.array([j]) for j, name in enumerate(names)}
    if isinstance(sources, Mapping):
        items = list(sources.items())
    elif isinstance(sources, (str, bytes)) or not hasattr(sources, "__iter__"):
        raise ValueError(
            "sources must be a mapping {name: columns} or a list of column lists, "
            f"got {sources!r}."
        )
    else:
        items = list(enumerate(sources))
    if not items:
        raise ValueError("sources declares no source.")
    resolved = {
        name: _source_columns(name, spec, n_features, feature_names)
        for name, spec in items
    }
    owner = np.full(n_features, -1)
    names = list(resolved)
    for k, (name, columns) in enumerate(resolved.items()):
        taken = columns[owner[columns] >= 0]
        if taken.size:
            other = names[owner[taken[0]]]
            raise ValueError(
                f"Sources {other!r} and {name!r} overlap: both hold the columns "
                f"{_column_names(taken, feature_names)}. Each column belongs to "
                "exactly one source."
            )
        owner[columns] = k
    undeclared = np.flatnonzero(owner < 0)
    if undeclared.size:
        raise ValueError(
            f"The columns {_column_names(undeclared, feature_names)} belong to no "
            "source. Every column must be declared: add them to a source (columns "
            "that are never missing, such as age or sex, form a source of their "
            "own, e.g. {'demographics': [...]}), or drop them from X."
        )
    return resolved


def _present_sources(missing, sources, feature_names=None):
    """Which sources each row has, checking that NaN fill whole sources.

    ``missing`` is ``np.isnan(X)``. Returns a boolean array (n_samples,
    n_sources); raises a ValueError naming the rows and the source when a row
    has NaN in some but not all columns of a source.
    """
    if all(columns.size == 1 for columns in sources.values()):
        # One column per source (the default): nothing to check.
        return ~missing[:, np.concatenate(list(sources.values()))]
    present = np.empty((missing.shape[0], len(sources)), dtype=bool)
    for k, (name, columns) in enumerate(sources.items()):
        block = missing[:, columns]
        absent = block.all(axis=1)
        partial = np.flatnonzero(block.any(axis=1) & ~absent)
        if partial.size:
            raise ValueError(
                f"X has NaN in only some of the columns of source {name!r} "
                f"(columns {_column_names(columns, feature_names)}) in the rows "
                f"{_shown(partial.tolist())}. A source must be either present "
                "(no NaN) or missing (all NaN) in each row: impute the values "
                "missing inside the source first, set the whole source to NaN in "
                "those rows, or declare the sources differently."
            )
        present[:, k] = ~absent
    return present


def _observed_columns(patterns, sources, n_features):
    """Which columns each pattern observes, (n_patterns, n_features)."""
    observed = np.zeros((patterns.shape[0], n_features), dtype=bool)
    for k, columns in enumerate(sources.values()):
        observed[np.ix_(patterns[:, k], columns)] = True
    return observed


def _ordered_patterns(present, sources):
    """The distinct rows of ``present``, ordered, and each row's pattern index.

    Patterns that observe more columns come first; among equals, the pattern
    whose first differing column is present comes first. The order depends
    only on which columns the patterns observe, never on the order of the
    rows nor on how the columns are grouped into sources.
    """
    patterns, index = np.unique(present, axis=0, return_inverse=True)
    columns = _observed_columns(patterns, sources, sum(map(len, sources.values())))
    order = sorted(
        range(patterns.shape[0]),
        key=lambda p: (-int(columns[p].sum()), tuple(~columns[p])),
    )
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return patterns[order], rank[np.ravel(index)]


def row_patterns(X, sources=None):
    """The missingness patterns of ``X`` and the pattern of each row.

    The patterns are ordered as in a fit of :class:`MultiSourceRegressor` or
    :class:`MultiSourceClassifier` on the same rows (with positive weights):
    ``patterns[index[i]]`` is the row of ``patterns_`` that models row ``i``.
    Useful to stratify cross-validation folds by pattern, so that every
    pattern has training rows in every fold (e.g.
    ``StratifiedKFold().split(X, index)``).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, with NaN in whole sources.
    sources : mapping, sequence or None, default=None
        The sources, declared as the estimators' ``sources``.

    Returns
    -------
    patterns : ndarray of bool, shape (n_patterns, n_sources)
        Which sources each pattern has, sources in the declared order.
    index : ndarray of int, shape (n_samples,)
        The pattern of each row, a row of ``patterns``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.multisource import row_patterns
    >>> X = np.array([[1.0, 2.0, 3.0], [1.0, np.nan, np.nan], [2.0, 1.0, 0.0]])
    >>> patterns, index = row_patterns(X, {"a": [0], "b": [1, 2]})
    >>> patterns
    array([[ True,  True],
           [ True, False]])
    >>> index
    array([0, 1, 0])
    """
    names = _feature_names(X)
    X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
    resolved = _resolve_sources(sources, X.shape[1], names)
    present = _present_sources(np.isnan(X), resolved, names)
    return _ordered_patterns(present, resolved)


# --------------------------------------------------------------------------
# The estimators


class _MultiSourceLinear(BaseEstimator):
    """What the multi-source regressor and classifier share.

    Subclasses set ``_inner_class`` (the multi-task estimator solving the
    problem) and ``_alpha_max_loss``, and may check the targets of each
    pattern (``_check_pattern_targets``).
    """

    _inner_class = MultiTaskRegressor
    _alpha_max_loss = "squared"

    def __init__(
        self,
        sources=None,
        alpha=0.01,
        *,
        l2=0.0,
        pattern_weighting="rows",
        unseen_pattern="subset",
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        verbose=0,
    ):
        self.sources = sources
        self.alpha = alpha
        self.l2 = l2
        self.pattern_weighting = pattern_weighting
        self.unseen_pattern = unseen_pattern
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose

    # ------------------------------------------------------------ checks
    def _check_params(self):
        _check_real("alpha", self.alpha, low=0.0)
        _check_real("l2", self.l2, low=0.0)
        _check_real("tol", self.tol, low=0.0, include_low=False)
        _check_option("pattern_weighting", self.pattern_weighting, PATTERN_WEIGHTINGS)
        _check_option("unseen_pattern", self.unseen_pattern, UNSEEN_PATTERNS)
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(
                f"fit_intercept must be True or False, got {self.fit_intercept!r}."
            )
        # max_iter and verbose are checked by the inner estimator.

    def _check_pattern_targets(self, y, index, patterns, names):
        """Nothing to check for regression targets."""

    # -------------------------------------------------------------- data
    def _source_presence(self, X):
        """``X`` for prediction, its missing sources filled with 0, and the
        sources each row has."""
        X = validate_data(
            self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=False
        )
        missing = np.isnan(X)
        names = getattr(self, "feature_names_in_", None)
        present = _present_sources(missing, self.sources_, names)
        return np.where(missing, 0.0, X), present

    def _multitask_form(self, X, y, sample_weight):
        """The data as a multi-task problem with one task per pattern.

        Returns the inner estimator (not fitted), its data (``X`` with the
        missing sources filled with 0 and a last column holding each row's
        pattern, the targets and the weights, for the rows of positive
        weight), and the fitted attributes of the sources and patterns, which
        :meth:`fit` sets once the inner fit has succeeded.
        """
        self._check_params()
        X, y = validate_data(
            self,
            X,
            y,
            dtype=np.float64,
            ensure_all_finite="allow-nan",
            y_numeric=self._inner_class is MultiTaskRegressor,
        )
        names = getattr(self, "feature_names_in_", None)
        sources = _resolve_sources(self.sources, X.shape[1], names)
        missing = np.isnan(X)
        present = _present_sources(missing, sources, names)
        attributes = {"sources_": sources, **self._check_targets(y)}
        weight = check_sample_weight(sample_weight, X.shape[0])
        # Rows of weight zero add nothing to the objective: left out, they
        # neither create a pattern nor change another's means.
        kept = np.flatnonzero(weight > 0)
        patterns, index = _ordered_patterns(present[kept], sources)
        if kept.size < X.shape[0]:
            X, y, weight, missing = X[kept], y[kept], weight[kept], missing[kept]
        self._check_pattern_targets(y, index, patterns, list(sources))
        n_patterns = patterns.shape[0]
        observed = _observed_columns(patterns, sources, X.shape[1])
        # The inner X: the missing sources filled with 0, and a last column
        # holding each row's pattern, the task column. A missing source is 0
        # in every row of its pattern: the column's mean over the pattern's
        # rows is exactly 0, so is the centred column, and so is the gradient
        # of the pattern's coefficient of that feature.
        inner_X = np.empty((X.shape[0], X.shape[1] + 1))
        filled = inner_X[:, :-1]
        filled[...] = X
        filled[missing] = 0.0
        inner_X[:, -1] = index
        # Each pattern's weighted feature means, the centre of its model;
        # NaN where the pattern does not observe the feature.
        pattern_weights = np.bincount(index, weights=weight, minlength=n_patterns)
        membership = np.zeros((n_patterns, X.shape[0]))
        membership[index, np.arange(X.shape[0])] = weight
        means = membership @ filled / pattern_weights[:, None]
        attributes.update(
            patterns_=patterns,
            n_patterns_=n_patterns,
            pattern_counts_=np.bincount(index, minlength=n_patterns),
            pattern_means_=np.where(observed, means, np.nan),
            _pattern_weights=pattern_weights,
            _observed=observed,
        )
        inner = self._inner_class(
            penalty="group_lasso",
            # The inner data term is n_patterns times this one (its weights
            # sum to the number of tasks): the strengths scale with it.
            alpha=n_patterns * float(self.alpha),
            l2=n_patterns * float(self.l2),
            task_column=X.shape[1],
            task_weighting=_TASK_WEIGHTING[self.pattern_weighting],
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )
        if isinstance(inner, MultiTaskClassifier):
            inner.set_params(single_class_tasks="error")
        return inner, inner_X, y, weight, attributes

    def _check_targets(self, y):
        """Fitted attributes read from the targets: none for regression."""
        return {}

    def fit(self, X, y, sample_weight=None):
        """Fit one model per missingness pattern, jointly.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, with NaN in whole sources: in each row, each source is either
            present (no NaN) or missing (all its columns NaN).
        y : array-like of shape (n_samples,)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample. Rows of weight zero are left
            out (their pattern is not fitted unless other rows have it).

        Returns
        -------
        self : estimator
            The fitted estimator.
        """
        inner, inner_X, y, weight, attributes = self._multitask_form(
            X, y, sample_weight
        )
        inner.fit(inner_X, y, sample_weight=weight)
        for name, value in attributes.items():
            setattr(self, name, value)
        n_patterns = self.n_patterns_
        self.coef_ = np.asarray(inner.coef_, dtype=np.float64)
        self.intercept_ = np.asarray(inner.intercept_, dtype=np.float64)
        self.n_iter_ = inner.n_iter_
        # The inner objective is n_patterns times this one.
        self.dual_gap_ = inner.dual_gap_ / n_patterns
        self.objective_ = inner.objective_ / n_patterns
        self.converged_ = inner.converged_
        return self

    # -------------------------------------------------------- prediction
    def _model_of(self, pattern):
        """Index of the fitted pattern that predicts rows with ``pattern``."""
        same = np.flatnonzero((self.patterns_ == pattern).all(axis=1))
        if same.size:
            return int(same[0])
        has = [name for name, p in zip(self.sources_, pattern, strict=True) if p]
        seen = [
            [name for name, p in zip(self.sources_, row, strict=True) if p]
            for row in self.patterns_
        ]
        if self.unseen_pattern == "error":
            raise ValueError(
                f"X has rows with the sources {has}, a pattern not seen in fit "
                f"(unseen_pattern='error'); the patterns seen in fit have the "
                f"sources {seen}. Fit on data with such rows, or set "
                "unseen_pattern='subset' to predict a subset of a fitted "
                "pattern's sources with that pattern's model restricted to them."
            )
        covers = np.flatnonzero((self.patterns_ | ~pattern).all(axis=1))
        if covers.size == 0:
            raise ValueError(
                f"X has rows with the sources {has}, a pattern not seen in fit and "
                f"not a subset of any pattern seen in fit, whose sources are "
                f"{seen}. Fit on data with such rows, or set some sources of these "
                "rows to NaN so that a fitted pattern covers the rest."
            )
        # The closest superset (fewest columns to put at their means), then
        # the one fitted on most data, then the first.
        extra = self._observed[covers].sum(axis=1)
        key = np.lexsort((covers, -self._pattern_weights[covers], extra))
        return int(covers[key[0]])

    def _restricted_model(self, pattern):
        """Coefficients and intercept that predict rows with ``pattern``.

        For a pattern seen in fit, its own. For a subset of a seen pattern
        ``p``, the model of ``p`` with each missing feature at ``p``'s training
        mean (there a centred feature contributes nothing): the coefficients
        of the present features and the intercept
        ``intercept_[p] + sum_missing coef_[p, j] * pattern_means_[p, j]``.
        """
        p = self._model_of(pattern)
        present = _observed_columns(
            pattern[None, :], self.sources_, self.n_features_in_
        )[0]
        coef = np.where(present, self.coef_[p], 0.0)
        dropped = self._observed[p] & ~present
        intercept = (
            self.intercept_[p]
            + self.coef_[p, dropped] @ (self.pattern_means_[p, dropped])
        )
        return coef, intercept

    def _linear_scores(self, X):
        """Each row's linear score under the model of its pattern."""
        check_is_fitted(self)
        filled, present = self._source_presence(X)
        patterns, index = np.unique(present, axis=0, return_inverse=True)
        index = np.ravel(index)
        scores = np.empty(filled.shape[0])
        for q, pattern in enumerate(patterns):
            rows = np.flatnonzero(index == q)
            coef, intercept = self._restricted_model(pattern)
            scores[rows] = filled[rows] @ coef + intercept
        return scores

    def pattern_index(self, X):
        """The fitted pattern whose model predicts each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, with NaN in whole sources.

        Returns
        -------
        index : ndarray of int, shape (n_samples,)
            A row of ``patterns_`` for each row: its own pattern, or for a
            pattern not seen in fit the pattern whose restricted model
            predicts it (see ``unseen_pattern``).
        """
        check_is_fitted(self)
        _, present = self._source_presence(X)
        patterns, index = np.unique(present, axis=0, return_inverse=True)
        models = np.array([self._model_of(pattern) for pattern in patterns])
        return models[np.ravel(index)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


_OBJECTIVE_NOTES = """
    The objective is a multi-task group lasso with one task per pattern
    (:class:`~skmtl.{inner}` with a task column and
    ``penalty="group_lasso"``), in which the missing sources of a pattern's
    rows are filled with 0. Those coefficients stay exactly 0.0 (structural
    zeros): with intercepts the solver centres each feature by its mean over
    the task's rows, which is exactly 0 for a filled source (and without
    intercepts the filled column is 0 itself), so the gradient of the data
    term in such a coefficient is exactly 0; starting from 0, every
    proximal-gradient step, momentum step and group soft-thresholding keeps
    it 0. The group norm of a feature is then its norm over the patterns that
    observe it, and the problem solved is the one above. The inner strengths
    are ``P * alpha`` and ``P * l2``, since the inner data term is ``P``
    times this one (its weights sum to the number of tasks).

    Features should be on comparable scales, as for any penalised linear
    model. A scaler in a pipeline must keep NaN: scikit-learn's
    :class:`~sklearn.preprocessing.StandardScaler` does (it ignores NaN in
    ``fit`` and passes them through ``transform``), and then standardises
    each feature over the rows that have its source, as MALSAR's iMSF does.
    An imputer in front of the estimator would remove the NaN that define
    the patterns. Column names survive a scaler with
    ``set_output(transform="pandas")``.
"""


_PARAMETERS = """
    sources : mapping, sequence or None, default=None
        The blocks of columns that are present or missing together: a mapping
        ``{name: columns}``, or a sequence of column lists (named 0, 1,
        ...). ``columns`` is a position, a name (for a DataFrame ``X``), a
        slice, or a list of positions or names. The sources must split the
        columns of ``X``: every column in exactly one source (a block that is
        never missing, such as demographics, is a source too). None: every
        column is a source of its own, named by its name (DataFrame) or
        position. The model depends only on the columns each row has, so
        when NaN fill whole blocks, None and the blocks give the same fit;
        declaring them checks that NaN do fill whole blocks, and names the
        patterns by source.
    alpha : float, default=0.01
        Non-negative strength of the group lasso. Every coefficient is exactly
        zero from :func:`multisource_alpha_max` on.{alpha_scale}
    l2 : float, default=0.0
        Strength of an extra ridge term on the coefficients (an elastic-net
        mix when positive).
    pattern_weighting : {"rows", "patterns"}, default="rows"
        Whether each row counts equally in the data term (``"rows"``), or each
        pattern counts equally whatever its number of rows (``"patterns"``,
        as MALSAR's ``Logistic_iMSF``).
    unseen_pattern : {"subset", "error"}, default="subset"
        What prediction does with a row whose pattern was not seen in fit.
        ``"subset"``: when its sources are a subset of a fitted pattern's,
        that pattern's model restricted to them predicts it (the fitted
        pattern with the fewest extra columns; among those, the one with
        the largest training weight); otherwise a ValueError. ``"error"``: a
        ValueError for any unseen pattern. See the Notes for the restricted
        model.
    fit_intercept : bool, default=True
        Whether each pattern has an unpenalised intercept.
    max_iter : int, default=1000
        Maximum number of solver iterations.
    tol : float, default=1e-4
        Stopping tolerance: the duality gap relative to the objective of the
        null model (all coefficients zero).
    verbose : int, default=0
        Print solver progress when positive.
"""

_ATTRIBUTES = """
    sources_ : dict
        ``{name: ndarray of column positions}`` of each source, in the
        declared order.
    patterns_ : ndarray of bool, shape (n_patterns, n_sources)
        The sources of each fitted pattern (the patterns of the rows of
        positive weight): the patterns that observe more columns first.
    n_patterns_ : int
        Number of fitted patterns.
    pattern_counts_ : ndarray of int, shape (n_patterns,)
        Number of training rows (of positive weight) of each pattern.
    coef_ : ndarray of shape (n_patterns, n_features)
        Coefficients of each pattern's model; exactly 0.0 for the features of
        its missing sources.
    intercept_ : ndarray of shape (n_patterns,)
        Intercept of each pattern's model (zeros when
        ``fit_intercept=False``).
    pattern_means_ : ndarray of shape (n_patterns, n_features)
        Weighted mean of each feature over each pattern's training rows, NaN
        for the features it does not observe: where a restricted model puts
        a missing feature.
    n_iter_ : int
        Number of solver iterations run.
    dual_gap_ : float
        Final duality gap of the objective above.
    objective_ : float
        Final value of the objective above.
    converged_ : bool
        Whether the stopping criterion was met within ``max_iter``.
    n_features_in_ : int
        Number of columns of ``X`` seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the columns seen during fit, when ``X`` has string column
        names.
"""

_RESTRICTED_NOTES = """
    A row whose pattern ``q`` was not seen in fit, but whose sources are a
    subset of a fitted pattern ``p``'s, is predicted by ``p``'s model
    *restricted* to the sources of ``q``: each feature of ``p`` that ``q``
    lacks is set to its mean over ``p``'s training rows (``pattern_means_``).
    ``p``'s model centres its features there (with intercepts), so a missing
    source's contribution vanishes; the restricted model has the
    coefficients of ``p`` on the present features and the intercept
    :math:`b_p + \\sum_{j \\in A_p \\setminus A_q} w^{(p)}_j m_{pj}`,
    with :math:`m_{pj}` the means (without intercepts, the missing features
    are set to the same means). It is a prediction, not a fit: no model was
    trained on rows like these.

    MALSAR's ``Least_iMSF`` minimises
    :math:`\\frac12 \\sum_p \\|y_p - X_p w^{(p)}\\|_2^2` plus :math:`\\lambda`
    times the group norm above, without intercepts, and ``Logistic_iMSF``
    the sum over patterns of each pattern's mean logistic loss plus the same
    penalty, with intercepts; both set :math:`\\lambda` as a fraction ``z`` of its
    largest useful value. Here: ``alpha = z * multisource_alpha_max(...)``,
    with ``fit_intercept=False`` for ``Least_iMSF`` (``alpha`` is
    :math:`\\lambda / n`) and ``pattern_weighting="patterns"`` for
    ``Logistic_iMSF`` (``alpha`` is :math:`\\lambda / P`). MALSAR also
    standardises each source over the rows that have it and drops the
    patterns whose rows hold a single class; here a single-class pattern is
    an error.
"""


class MultiSourceRegressor(RegressorMixin, _MultiSourceLinear):
    """Regression on incomplete multi-source data: one model per pattern (iMSF).

    The rows of ``X`` are grouped by the sources (blocks of columns declared
    in ``sources``) they have, their *missingness pattern*: a missing source
    is NaN in all its columns. Each pattern :math:`p` has a linear model
    :math:`w^{(p)}` on the features :math:`A_p` of its sources and an
    intercept :math:`b_p`, and the models are fitted jointly: with
    :math:`p(i)` the pattern of row :math:`i`, the estimator minimises

    .. math::

        \\frac{1}{2 n} \\sum_{i=1}^{n} s_i \\Big(y_i - b_{p(i)}
        - \\sum_{j \\in A_{p(i)}} x_{ij} \\, w^{(p(i))}_j\\Big)^2
        + \\alpha \\sum_{j=1}^{d} \\Big(\\sum_{p \\,:\\, j \\in A_p}
        \\big(w^{(p)}_j\\big)^2\\Big)^{1/2}
        + \\frac{l_2}{2} \\sum_p \\|w^{(p)}\\|_2^2,

    where the sample weights :math:`s_i` (all 1 by default) are rescaled to
    sum to :math:`n`. The group lasso couples each feature's coefficients
    over the patterns that observe it: a feature is selected for all of them
    or for none, while each pattern keeps its own coefficients and intercept.
    With ``pattern_weighting="patterns"`` the data term is instead
    :math:`\\frac{1}{P} \\sum_p \\frac{1}{2 S_p} \\sum_{i \\in p} s_i
    (\\dots)^2`, with :math:`P` patterns and :math:`S_p` the weight of
    pattern :math:`p`'s rows. With a single pattern (no missing source) this
    is scikit-learn's :class:`~sklearn.linear_model.Lasso` (and ElasticNet
    with ``l2``).

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MultiSourceClassifier : The same models with the logistic loss.
    skmtl.MultiTaskRegressor : The multi-task group lasso that solves it.

    Notes
    -----
    {objective_notes}

    {restricted_notes}

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.multisource import MultiSourceRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((120, 6))
    >>> y = X[:, 0] - X[:, 4] + 0.1 * rng.standard_normal(120)
    >>> X[:40, 2:4] = np.nan  # source "genetics" missing in 40 rows
    >>> X[80:, 4:] = np.nan  # source "clinical" missing in 40 others
    >>> sources = {"imaging": [0, 1], "genetics": [2, 3], "clinical": [4, 5]}
    >>> model = MultiSourceRegressor(sources, alpha=0.05).fit(X, y)
    >>> model.patterns_
    array([[ True,  True,  True],
           [ True,  True, False],
           [ True, False,  True]])
    >>> model.coef_.shape
    (3, 6)
    >>> observed = model.patterns_[:, [0, 0, 1, 1, 2, 2]]  # source of each column
    >>> bool(np.all(model.coef_[~observed] == 0.0))  # structural zeros
    True
    """

    _inner_class = MultiTaskRegressor
    _alpha_max_loss = "squared"

    def predict(self, X):
        """Predict each row with the model of its pattern.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, with NaN in whole sources.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._linear_scores(X)


class MultiSourceClassifier(ClassifierMixin, _MultiSourceLinear):
    """Binary classification on incomplete multi-source data: iMSF.

    The rows are grouped by missingness pattern as in
    :class:`MultiSourceRegressor`; each pattern :math:`p` has a logistic model
    :math:`(w^{(p)}, b_p)` on the features :math:`A_p` of its sources, and
    the estimator minimises

    .. math::

        \\frac{1}{n} \\sum_{i=1}^{n} s_i \\, \\ell\\Big(y_i, b_{p(i)}
        + \\sum_{j \\in A_{p(i)}} x_{ij} \\, w^{(p(i))}_j\\Big)
        + \\alpha \\sum_{j=1}^{d} \\Big(\\sum_{p \\,:\\, j \\in A_p}
        \\big(w^{(p)}_j\\big)^2\\Big)^{1/2}
        + \\frac{l_2}{2} \\sum_p \\|w^{(p)}\\|_2^2,

    with the logistic loss :math:`\\ell(y, z) = \\log(1 + e^{z}) - [y = c_1]
    \\, z` (:math:`c_1 =` ``classes_[1]``) and the sample weights
    :math:`s_i` rescaled to sum to :math:`n`. With
    ``pattern_weighting="patterns"`` the data term is the mean over patterns
    of each pattern's weighted mean loss, as in MALSAR's ``Logistic_iMSF``.
    Every pattern needs training rows of both classes.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two classes; the scores are the log-odds of ``classes_[1]``.
    {attributes}

    See Also
    --------
    MultiSourceRegressor : The same models with the squared loss.
    skmtl.MultiTaskClassifier : The multi-task group lasso that solves it.

    Notes
    -----
    {objective_notes}

    {restricted_notes}

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.multisource import MultiSourceClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 4))
    >>> y = (X[:, 0] + X[:, 2] + 0.5 * rng.standard_normal(200) > 0).astype(int)
    >>> X[:80, 2:] = np.nan  # the second source missing in 80 rows
    >>> clf = MultiSourceClassifier([[0, 1], [2, 3]], alpha=0.01).fit(X, y)
    >>> clf.n_patterns_, clf.predict_proba(X).shape
    (2, (200, 2))
    >>> bool(np.all(clf.coef_[1, 2:] == 0.0))
    True
    """

    _inner_class = MultiTaskClassifier
    _alpha_max_loss = "log_loss"

    def _check_targets(self, y):
        """Labels of a binary problem: two classes, stored in ``classes_``."""
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"MultiSourceClassifier needs samples of 2 classes, got only one "
                f"class ({classes.tolist()})."
            )
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary":
            raise ValueError(
                "Only binary classification is supported. The type of the target "
                f"is {kind}: MultiSourceClassifier needs 2 classes, y has "
                f"{classes.size} ({_shown(classes.tolist())})."
            )
        return {"classes_": classes}

    def _check_pattern_targets(self, y, index, patterns, names):
        """Every pattern needs rows of both classes (of positive weight)."""
        for p, pattern in enumerate(patterns):
            rows = index == p
            held = np.unique(y[rows])
            if held.size < 2:
                has = [name for name, s in zip(names, pattern, strict=True) if s]
                raise ValueError(
                    f"The rows with the sources {has} ({int(rows.sum())} rows) "
                    f"are all of one class ({held.tolist()}): a logistic model of "
                    "their own has no finite solution. Remove them, set some of "
                    "their sources to NaN so that they join a pattern with both "
                    "classes, or, in cross-validation, stratify the folds by "
                    "pattern and class (skmtl.multisource.row_patterns)."
                )

    def decision_function(self, X):
        """Log-odds of ``classes_[1]`` under the model of each row's pattern.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, with NaN in whole sources.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Positive scores predict ``classes_[1]``.
        """
        return self._linear_scores(X)

    def predict_proba(self, X):
        """Probabilities of the two classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, with NaN in whole sources.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        scores = self._linear_scores(X)
        return np.column_stack([expit(-scores), expit(scores)])

    def predict_log_proba(self, X):
        """Logarithm of the probabilities of the two classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, with NaN in whole sources.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        scores = self._linear_scores(X)
        return np.column_stack([log_expit(-scores), log_expit(scores)])

    def predict(self, X):
        """Predict the class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, with NaN in whole sources.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, from ``classes_``.
        """
        positive = self._linear_scores(X) > 0
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


_REGRESSOR_ALPHA = """ Its scale is that of the
        data term, half a mean squared error: with one pattern, that of
        scikit-learn's ``Lasso``."""
_CLASSIFIER_ALPHA = """ Its scale is that of the
        data term, a mean log loss (about 0.7 at the null model)."""


def _fill_docstring(cls, alpha_scale, inner):
    """Put the sections both estimators share into ``cls``'s docstring."""
    sections = {
        "{parameters}": _PARAMETERS.replace("{alpha_scale}", alpha_scale),
        "{attributes}": _ATTRIBUTES,
        "{objective_notes}": _OBJECTIVE_NOTES.replace("{inner}", inner),
        "{restricted_notes}": _RESTRICTED_NOTES,
    }
    doc = cls.__doc__
    for marker, text in sections.items():
        # The marker's line is indented like the text: drop the first indent.
        doc = doc.replace(marker, text.strip("\n").lstrip())
    cls.__doc__ = doc


_fill_docstring(MultiSourceRegressor, _REGRESSOR_ALPHA, "MultiTaskRegressor")
_fill_docstring(MultiSourceClassifier, _CLASSIFIER_ALPHA, "MultiTaskClassifier")


def multisource_alpha_max(estimator, X, y, sample_weight=None):
    """Smallest ``alpha`` at which every coefficient of a multi-source fit is zero.

    At the null model (all coefficients zero, each pattern's intercept
    optimal) the group lasso is optimal iff every feature's gradient, its
    entries over the patterns that observe it, has norm at most ``alpha``:

    .. math::

        \\alpha_{\\max} = \\max_j \\Big(\\sum_{p \\,:\\, j \\in A_p}
        \\big(\\partial F / \\partial w^{(p)}_j\\big)^2\\Big)^{1/2},

    with :math:`F` the data term of the estimator (its loss,
    ``pattern_weighting``, ``fit_intercept`` and ``sources``). ``l2`` does not
    change it. Nothing is fitted.

    Parameters
    ----------
    estimator : MultiSourceRegressor or MultiSourceClassifier
        Gives the loss and the settings; its ``alpha`` is ignored.
    X : array-like of shape (n_samples, n_features)
        Data, with NaN in whole sources (scaled as the estimator sees them).
    y : array-like of shape (n_samples,)
        Targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each sample.

    Returns
    -------
    alpha_max : float
        The smallest ``alpha`` giving an all-zero ``coef_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmtl.multisource import MultiSourceRegressor, multisource_alpha_max
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((50, 4)), rng.standard_normal(50)
    >>> X[:20, 2:] = np.nan
    >>> model = MultiSourceRegressor([[0, 1], [2, 3]])
    >>> top = multisource_alpha_max(model, X, y)
    >>> bool(np.all(model.set_params(alpha=top).fit(X, y).coef_ == 0.0))
    True
    """
    if not isinstance(estimator, _MultiSourceLinear):
        raise TypeError(
            "estimator must be a MultiSourceRegressor or a MultiSourceClassifier, "
            f"got {type(estimator).__name__}."
        )
    probe = clone(estimator)
    inner, inner_X, y, weight, attributes = probe._multitask_form(X, y, sample_weight)
    top = alpha_max(
        inner_X,
        y,
        penalty="group_lasso",
        loss=probe._alpha_max_loss,
        fit_intercept=probe.fit_intercept,
        sample_weight=weight,
        task_column=inner_X.shape[1] - 1,
        task_weighting=inner.task_weighting,
    )
    return top / attributes["n_patterns_"]
