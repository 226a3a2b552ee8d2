"""Peak memory of a fit, relative to the size of X.

The target of issue 5: a fit makes at most one extra copy of ``X``. For each
case the script fits once to warm up, then measures with ``tracemalloc``
(numpy and scipy register their buffers with it; BLAS work space is not
counted) the peak of the memory allocated during ``fit`` beyond what was
allocated before it, at ``alpha_max / 10`` and ``alpha_max / 100``, and
divides by the bytes of ``X`` (``data``, ``indices``
and ``indptr`` for a sparse matrix). The bytes of ``Y`` and of one
coefficient matrix are printed too: a fit needs a few arrays of those sizes
whatever ``X`` is, which matters when ``X`` is sparse and small.

Usage::

    python benchmarks/bench_memory.py
"""

import platform
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import skmtl
from skmtl import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from skmtl.datasets import make_multitask_classification, make_multitask_regression


def _nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def _sparse_regression(n, d, T, density, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed)
    W = np.zeros((d, T))
    W[:20] = rng.standard_normal((20, T))
    Y = X @ W + 0.1 * rng.standard_normal((n, T))
    return X, Y


def cases():
    """(name, penalty, X, Y) of every measured fit."""
    X, Y, _ = make_multitask_regression(20_000, 200, 50, n_informative=20)
    yield "group lasso, dense tall (20,000 x 200, T=50)", "group_lasso", X, Y
    X, Y, _ = make_multitask_regression(1_000, 5_000, 20, n_informative=50)
    yield "group lasso, dense wide (1,000 x 5,000, T=20)", "group_lasso", X, Y
    X, Y, _ = make_multitask_regression(1_000, 5_000, 20, structure="low_rank", rank=3)
    yield "trace norm, dense wide (1,000 x 5,000, T=20)", "trace_norm", X, Y
    X, Y, _ = make_multitask_classification(
        2_000, 1_000, 10, n_classes=2, n_informative=10
    )
    yield "logistic group lasso, dense (2,000 x 1,000, T=10)", "group_lasso", X, Y
    X, Y = _sparse_regression(20_000, 2_000, 10, 0.01)
    yield "group lasso, sparse CSR (20,000 x 2,000, 1%, T=10)", "group_lasso", X, Y
    X, Y = _sparse_regression(2_000, 20_000, 10, 0.01)
    yield "group lasso, sparse CSR (2,000 x 20,000, 1%, T=10)", "group_lasso", X, Y


def measure(penalty, X, Y, fraction):
    """Peak extra bytes of one fit at ``fraction * alpha_max``."""
    classify = not np.issubdtype(np.asarray(Y).dtype, np.floating)
    loss = "log_loss" if classify else "squared"
    alpha = alpha_max(X, Y, penalty=penalty, loss=loss) * fraction
    Estimator = MultiTaskClassifier if classify else MultiTaskRegressor
    model = Estimator(penalty=penalty, alpha=alpha, tol=1e-6, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y)  # warm-up: imports, caches
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        model.fit(X, Y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak - before, model


def main():
    """Print the table."""
    print(
        f"skmtl {skmtl.__version__}, numpy {np.__version__}, "
        f"python {platform.python_version()}, {platform.machine()}"
    )
    print()
    print(
        "| case | X (MB) | Y (MB) | W (MB) | peak extra (MB), alpha_max/10 | "
        "peak / X | peak extra (MB), alpha_max/100 | peak / X |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    mb = 1e-6
    for name, penalty, X, Y in cases():
        x_bytes = _nbytes(X)
        cells = []
        for fraction in (0.1, 0.01):
            extra, model = measure(penalty, X, Y, fraction)
            cells += [f"{extra * mb:.1f}", f"{extra / x_bytes:.2f}"]
        print(
            f"| {name} | {x_bytes * mb:.1f} | {np.asarray(Y).nbytes * mb:.1f} | "
            f"{model.coef_.nbytes * mb:.2f} | " + " | ".join(cells) + " |"
        )


if __name__ == "__main__":
    main()
