"""Scale-out benchmark: statistics fits on a dask cluster, and GridSearchCV on it.

1. A regression with ``n`` rows (default 10^8), d = 50 features and T = 20
   tasks, generated blockwise and never materialised, is reduced to its
   sufficient statistics on a local cluster and fitted with the group lasso
   and the trace norm. Reported: wall time of the reduction and of each fit,
   the peak memory of each worker process, and the time of one plain pass over
   the same blocks (generate and sum them), the lower bound of any method that
   reads every row once.
2. GridSearchCV over penalties and alphas with ``n_jobs=-1`` on the joblib
   dask backend, on clusters of 1 and 2 single-threaded workers.

Run::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dask.py            # 10^8 rows
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dask.py --quick    # 10^6 rows
"""

import argparse
import platform
import resource
import time

import dask
import dask.array as da
import distributed
import joblib
import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV

import skmtl
from skmtl import MultiTaskRegressor
from skmtl.outofcore import MultiTaskMoments

N_FEATURES, N_TASKS = 50, 20


def _block(block_id, rows, seed):
    """One block of (X, Y): generated from its own seed, so any worker can."""
    rng = np.random.default_rng([seed, block_id])
    X = rng.standard_normal((rows, N_FEATURES))
    W = np.random.default_rng(seed).standard_normal((N_FEATURES, N_TASKS))
    W[N_FEATURES // 5 :] = 0.0  # ten informative features
    Y = X @ W + rng.standard_normal((rows, N_TASKS))
    return X, Y


def _collections(n_rows, block_rows, seed=0):
    """Lazy dask arrays X (n, d) and Y (n, T) made of generated blocks."""
    n_blocks = n_rows // block_rows
    pairs = [dask.delayed(_block)(b, block_rows, seed) for b in range(n_blocks)]
    X = da.concatenate(
        [
            da.from_delayed(pair[0], (block_rows, N_FEATURES), dtype=float)
            for pair in pairs
        ]
    )
    Y = da.concatenate(
        [da.from_delayed(pair[1], (block_rows, N_TASKS), dtype=float) for pair in pairs]
    )
    return X, Y


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_statistics(n_rows, block_rows, n_workers):
    cluster = distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True,
        dashboard_address=None, memory_limit="6GiB",
    )  # fmt: skip
    client = distributed.Client(cluster)
    try:
        X, Y = _collections(n_rows, block_rows)
        start = time.perf_counter()
        (X.sum() + Y.sum()).compute()
        one_pass = time.perf_counter() - start
        start = time.perf_counter()
        statistics = MultiTaskMoments.from_dask(X, Y)
        reduce_time = time.perf_counter() - start
        fits = {}
        for penalty in ("group_lasso", "trace_norm"):
            start = time.perf_counter()
            model = MultiTaskRegressor(penalty, alpha=0.01).fit_from_statistics(
                statistics
            )
            fits[penalty] = (time.perf_counter() - start, model.n_iter_)
        peaks = client.run(_peak_rss_mib)
    finally:
        client.close()
        cluster.close()
    print(f"\n## Statistics fit: n = {n_rows:.0e}, d = {N_FEATURES}, T = {N_TASKS}")
    print(f"{n_workers} worker processes x 1 thread, blocks of {block_rows} rows\n")
    print("| step | wall time (s) |")
    print("|---|---|")
    print(f"| one plain pass (generate + sum), lower bound | {one_pass:.1f} |")
    step = "reduction to statistics (MultiTaskMoments.from_dask)"
    print(f"| {step} | {reduce_time:.1f} |")
    for penalty, (seconds, n_iter) in fits.items():
        print(
            f"| fit {penalty} from statistics ({n_iter} iterations) | {seconds:.3f} |"
        )
    print(f"\nratio reduction / one pass: {reduce_time / one_pass:.2f}")
    print("peak RSS per worker (MiB): " + ", ".join(f"{v:.0f}" for v in peaks.values()))


def bench_grid_search(n_workers_list):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 200))
    W = rng.standard_normal((200, N_TASKS)) * (rng.uniform(size=(200, 1)) < 0.1)
    Y = X @ W + rng.standard_normal((20_000, N_TASKS))
    grid = {
        "penalty": ["group_lasso", "trace_norm"],
        "alpha": [0.3, 0.1, 0.03, 0.01],
    }
    print("\n## GridSearchCV (2 penalties x 4 alphas x 5 folds) on the dask backend")
    print("n = 20000, d = 200, T = 20\n")
    print("| workers | wall time (s) | best params |")
    print("|---|---|---|")
    for n_workers in n_workers_list:
        cluster = distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True,
            dashboard_address=None,
        )  # fmt: skip
        client = distributed.Client(cluster)
        try:
            start = time.perf_counter()
            with joblib.parallel_backend("dask"):
                search = GridSearchCV(MultiTaskRegressor(), grid, n_jobs=-1).fit(X, Y)
            seconds = time.perf_counter() - start
        finally:
            client.close()
            cluster.close()
        print(f"| {n_workers} | {seconds:.1f} | {search.best_params_} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^6 rows")
    parser.add_argument("--rows", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    n_rows = int(args.rows or (1e6 if args.quick else 1e8))
    block_rows = min(1_000_000, n_rows // 4)
    print(
        f"skmtl {skmtl.__version__}, scikit-learn {sklearn.__version__}, "
        f"dask {dask.__version__}, numpy {np.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    bench_statistics(n_rows, block_rows, args.workers)
    bench_grid_search([1, 2])


if __name__ == "__main__":
    main()
