"""The task set module: how task options are matched to the tasks of y."""

import numpy as np
import pandas as pd
import pytest

from skmtl.neural import MultiTaskMLP

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_task_options_keyed_by_multiindex_columns():
    """A tuple key of a ``task_types`` dict names one column of a MultiIndex
    ``y``, not several tasks; a tuple that is no column is reported whole."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    Y = pd.DataFrame({("a", "x"): X[:, 0], ("a", "y"): (X[:, 1] > 0).astype(float)})
    model = MultiTaskMLP(4, max_iter=3, random_state=0)
    model.set_params(task_types={("a", "y"): "binary"}).fit(X, Y)
    assert model.task_types_ == ["regression", "binary"]
    with pytest.raises(ValueError, match=r"keys \[\('a', 'z'\)\] that are not tasks"):
        model.set_params(task_types={("a", "z"): "binary"}).fit(X, Y)
