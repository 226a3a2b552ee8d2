"""The trace norm at scale: partial-SVD prox against the full SVD.

A trace-norm fit's prox is singular value thresholding of the ``d x T``
iterate, and its duality gap needs the trace norm of the iterate and the
spectral norm of the gradient. With the full SVD each costs
O(d T min(d, T)) per iteration, although the solution has a small rank.
``skmtl.penalties.low_rank`` computes only the singular values above the
threshold (a certified partial SVD, warm-started) and bounds the spectral
norm from a Gram matrix. This script compares both on low-rank problems:

- data from ``make_multitask_regression(structure="low_rank")`` (seeded);
- ``MultiTaskRegressor(penalty="trace_norm", alpha=alpha_max / 10,
  tol=1e-6)``;
- "after" is the package as it is; "before" binds the penalty to the full
  SVD for the prox and the trace norm and to ``np.linalg.norm(G, 2)`` for the
  spectral norm, as before the partial SVD (the rest of the solver is the
  same);
- the reference cost is one pass ``X.T @ X`` and ``X.T @ Y`` (what the Gram
  form of the squared loss computes once).

Reported per problem and mode: the range (min to max over the repeats) of
the fit time and of its ratio to the ``X^T [X Y]`` time (each repeat's fit
over the fastest ``X^T [X Y]``), ``n_iter_``, the final duality gap relative
to the objective of the null model (the solver's stopping criterion), and
for "after" how the prox calls went (partial SVD or full, certificates by
a Cholesky factorisation or by the perturbation bound). With ``--profile``
the time of the largest "after" fit is broken down by function.

BLAS is limited to one thread (``--threads``).

Usage::

    python benchmarks/bench_trace_scale.py               # every size, 3 repeats
    python benchmarks/bench_trace_scale.py --quick       # without 5000 x 2000
    python benchmarks/bench_trace_scale.py --profile     # plus the breakdown
"""

import argparse
import contextlib
import cProfile
import io
import platform
import pstats
import subprocess
import time

import numpy as np
import scipy
import sklearn
from threadpoolctl import threadpool_limits

import skmtl
from skmtl import MultiTaskRegressor, alpha_max
from skmtl.datasets import make_multitask_regression
from skmtl.penalties import TraceNorm

TOL = 1e-6
# (n_samples, n_features, n_tasks, rank)
SIZES = [
    (5000, 2000, 1000, 10),
    (5000, 1000, 500, 10),
    (2000, 500, 100, 5),
    (200, 100, 20, 3),
]


class _FullSVDTraceNorm(TraceNorm):
    """The trace norm as it was bound before: full SVDs, exact spectral norm."""

    def _bind(self, context):
        return self

    def dual_norm(self, G):
        """Largest singular value of ``G``, from its singular values."""
        if G.size == 0:
            return 0.0
        return float(np.linalg.norm(G, ord=2))


@contextlib.contextmanager
def binding(mode, operators):
    """Bind ``TraceNorm`` to the full SVD ("before") or as it is ("after").

    The operators of "after" fits are appended to ``operators`` (for their
    counters).
    """
    original = TraceNorm._bind
    if mode == "before":
        TraceNorm._bind = lambda self, context: _FullSVDTraceNorm()
    else:

        def spy(self, context):
            operators.append(original(self, context))
            return operators[-1]

        TraceNorm._bind = spy
    try:
        yield
    finally:
        TraceNorm._bind = original


def gram_time(X, Y, repeats):
    """The times of one ``X.T @ X`` and ``X.T @ Y``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        X.T @ X
        X.T @ Y
        times.append(time.perf_counter() - start)
    return times


def null_objective(X, Y, alpha):
    """The objective of the all-zero model (a fit at ``alpha >= alpha_max``)."""
    return MultiTaskRegressor(penalty="trace_norm", alpha=alpha).fit(X, Y).objective_


def fit_once(X, Y, alpha, mode, profile=False):
    """One fit; returns its time, the model, the operator and the profile text."""
    operators = []
    model = MultiTaskRegressor(penalty="trace_norm", alpha=alpha, tol=TOL)
    profiler = cProfile.Profile() if profile else None
    with binding(mode, operators):
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        model.fit(X, Y)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - start
    text = None
    if profiler:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(15)
        text = stream.getvalue()
    return elapsed, model, (operators[-1] if operators else None), text


def measure(size, modes, repeats, profile):
    """The rows of the table for one problem size."""
    n, d, T, rank = size
    X, Y, _ = make_multitask_regression(
        n, d, T, structure="low_rank", rank=rank, noise=1.0, random_state=0
    )
    reference = gram_time(X, Y, repeats)
    fastest = min(reference)
    a_max = alpha_max(X, Y, penalty="trace_norm")
    null = null_objective(X, Y, a_max)
    rows, profiles = [], []
    for mode in modes:
        times, models = [], []
        operator = None
        for repeat in range(repeats):
            elapsed, model, operator, text = fit_once(
                X, Y, a_max / 10, mode, profile and repeat == 0 and mode == "after"
            )
            times.append(elapsed)
            models.append(model)
            if text:
                profiles.append(text)
        model = models[-1]
        counters = ""
        if operator is not None:
            s = operator._state
            counters = (
                f"{s.partial_calls}/{s.full_calls} partial/full, "
                f"{s.gram_certificates}/{s.chained_certificates} Gram/chained"
            )
        rows.append(
            {
                "size": f"{n} x {d} x {T} (rank {rank})",
                "mode": mode,
                "xtxy": f"{min(reference):.3g}-{max(reference):.3g}",
                "fit": f"{min(times):.3g}-{max(times):.3g}",
                "ratio": f"{min(times) / fastest:.1f}-{max(times) / fastest:.1f}",
                "n_iter": model.n_iter_,
                "gap": f"{model.dual_gap_ / null:.1e}",
                "objective": f"{model.objective_:.10e}",
                "prox": counters,
            }
        )
    return rows, profiles


def markdown(rows):
    """The rows as a markdown table."""
    header = (
        "| n x d x T | mode | X^T[X Y] (s) | fit (s) | fit / X^T[X Y] "
        "| n_iter | gap / null obj. | objective | prox calls |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = [
        f"| {r['size']} | {r['mode']} | {r['xtxy']} | {r['fit']} | {r['ratio']} "
        f"| {r['n_iter']} | {r['gap']} | {r['objective']} | {r['prox']} |"
        for r in rows
    ]
    return header + "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="skip 5000 x 2000")
    parser.add_argument(
        "--after-only", action="store_true", help="skip the full-SVD fits"
    )
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    sizes = SIZES[1:] if args.quick else SIZES
    modes = ["after"] if args.after_only else ["before", "after"]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, load: {load}")
    print(
        f"# Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"skmtl {skmtl.__version__}; {args.threads} BLAS thread(s), "
        f"{args.repeats} repeats\n"
    )
    rows, profiles = [], []
    with threadpool_limits(args.threads):
        for size in sizes:
            more, texts = measure(size, modes, args.repeats, args.profile)
            rows += more
            profiles += texts
            print("\n".join(markdown(more).splitlines()[2:]), flush=True)
    print()
    print(markdown(rows))
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\n# load at the end: {load}")
    for text in profiles:
        print(text)


if __name__ == "__main__":
    main()
