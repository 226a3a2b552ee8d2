"""One BLAS thread against the default number, for the products skmtl does.

skmtl means to limit BLAS to one thread inside ``fit`` where the products are
too small to gain from more (with :mod:`threadpoolctl`, never touching the
user's global settings) and to keep the threads where they pay. This script
measures where that crossover lies on the machine it runs on, for:

- ``X @ W``: (n, d) by (d, T), the scores;
- ``X.T @ R``: (d, n) by (n, T), the gradient from a residual (``X`` in C
  order, so BLAS reads it transposed, as the solvers do);
- ``X.T @ X``: the Gram matrix of a tall problem (numpy calls ``syrk`` for it);
- ``Q @ W``: (d, d) by (d, T), the gradient from a Gram matrix;
- ``svd``: ``np.linalg.svd(W, full_matrices=False)`` of a (d, T) matrix, the
  proximal operator of the trace norm.

Flops (nominal): ``2 m k n`` for a product of (m, k) by (k, n); ``n d^2`` for
the Gram matrix (``syrk`` computes one triangle); ``6 d T^2 + 20 T^3`` for the
thin SVD with both factors (``d >= T``, after Golub and Van Loan's R-SVD
count). Sizes run from about 1e4 to 1e10 flops.

Each case is timed with one BLAS thread (``ThreadpoolController.limit(limits=1,
user_api="blas")``) and with the default pool, in interleaved blocks (one
block: repeated calls for at least ``BLOCK_SECONDS``, time per call); the
figure kept is the median over the blocks of each setting, and the table
gives ``t(default) / t(1 thread)``: below 1, the threads pay. All cases are
timed twice: (a) as the machine is, and (b) while one CPU-bound process
(a pure-Python loop in another interpreter, started and stopped here, also
on an error or Ctrl-C) takes a core, as another job on a shared machine would.
Next to each ratio, the table gives the CPU the *other* processes used
while the case ran, in cores (from ``/proc/stat`` less this process's own
time; about 1 in (b), the busy loop): on a shared machine the load average
says little about a given case, this says which ones ran undisturbed.
The crossover of a product kind is the smallest flop count from which the
threads win (ratio below ``WIN``) at that size and every larger one measured
("never" if they do not win at the largest).

Last, the cost of entering and leaving the limit: a cached
``ThreadpoolController().limit(limits=1, user_api="blas")`` against
``threadpool_limits(1, user_api="blas")``, which builds a new controller (a
scan of the loaded libraries) on every call.

Usage::

    python benchmarks/bench_threads.py                 # about 2-3 minutes
    python benchmarks/bench_threads.py --quick         # a few sizes, seconds
    python benchmarks/bench_threads.py --output out.md
    python benchmarks/bench_threads.py --kinds qw,svd   # some product kinds
"""

import argparse
import datetime
import os
import platform
import sys
import time

import numpy as np

# Loaded for their thread pools, as in a process that runs skmtl: scipy's
# own OpenBLAS (the limit applies to it too) and scikit-learn's OpenMP (one
# more library for ``threadpool_limits`` to scan at every call).
import scipy.linalg  # noqa: F401
import sklearn.utils  # noqa: F401
from busy import start_busy_loop, stop_busy_loop
from threadpoolctl import ThreadpoolController, threadpool_info, threadpool_limits

BLOCK_SECONDS = 0.02  # one timing block: repeated calls for at least this long
N_BLOCKS = 5  # blocks per thread setting (interleaved)
CASE_BUDGET = 3.0  # seconds per case and condition: no new block beyond it
LONG_CALL = 0.25  # seconds: a first call this long counts as a block
WIN = 0.9  # the threads "win" below this ratio (10 % margin for the noise)
SEED = 0


# ------------------------------------------------------------------- cases
def _gemm_flops(m, k, n):
    return 2.0 * m * k * n


def case_xw(n, d, T, rng):
    X, W = rng.standard_normal((n, d)), rng.standard_normal((d, T))
    return (lambda: X @ W), _gemm_flops(n, d, T), f"n={n}, d={d}, T={T}"


def case_xtr(n, d, T, rng):
    X, R = rng.standard_normal((n, d)), rng.standard_normal((n, T))
    return (lambda: X.T @ R), _gemm_flops(d, n, T), f"n={n}, d={d}, T={T}"


def case_gram(n, d, T, rng):
    X = rng.standard_normal((n, d))
    return (lambda: X.T @ X), float(n) * d * d, f"n={n}, d={d}"


def case_qw(n, d, T, rng):
    Q = rng.standard_normal((d, d))
    Q = Q @ Q.T  # symmetric like a Gram matrix (the product does not care)
    W = rng.standard_normal((d, T))
    return (lambda: Q @ W), _gemm_flops(d, d, T), f"d={d}, T={T}"


def case_svd(n, d, T, rng):
    W = rng.standard_normal((d, T))
    flops = 6.0 * d * T * T + 20.0 * T**3
    return (lambda: np.linalg.svd(W, full_matrices=False)), flops, f"d={d}, T={T}"


# (n, d, T) per kind; n unused for Q @ W and the SVD, T for the Gram matrix.
# The shapes are those of skmtl's problems: few tasks, tall or wide designs.
SIZES = {
    "X @ W": (case_xw, [
        (50, 20, 5), (100, 50, 5), (200, 100, 10), (200, 500, 10),
        (1_000, 500, 20), (1_000, 2_000, 20), (1_000, 5_000, 20),
        (20_000, 200, 50), (10_000, 2_000, 50), (20_000, 2_500, 100),
    ]),
    "X.T @ R": (case_xtr, [
        (50, 20, 5), (100, 50, 5), (200, 100, 10), (200, 500, 10),
        (1_000, 500, 20), (1_000, 2_000, 20), (1_000, 5_000, 20),
        (20_000, 200, 50), (10_000, 2_000, 50), (20_000, 2_500, 100),
    ]),
    "X.T @ X": (case_gram, [
        (50, 20, 0), (100, 50, 0), (200, 100, 0), (1_000, 100, 0),
        (1_000, 300, 0), (5_000, 300, 0), (20_000, 200, 0), (20_000, 500, 0),
        (10_000, 1_000, 0),
    ]),
    "Q @ W": (case_qw, [
        (0, 20, 5), (0, 50, 5), (0, 100, 10), (0, 200, 20), (0, 500, 20),
        (0, 500, 100), (0, 1_000, 100), (0, 2_000, 100), (0, 5_000, 100),
        (0, 5_000, 200),
    ]),
    "svd": (case_svd, [
        (0, 20, 5), (0, 50, 10), (0, 100, 20), (0, 200, 50), (0, 500, 50),
        (0, 500, 100), (0, 2_000, 100), (0, 1_000, 300), (0, 5_000, 200),
        (0, 5_000, 500),
    ]),
}  # fmt: skip

QUICK = {kind: (fn, sizes[::3]) for kind, (fn, sizes) in SIZES.items()}

#: short names for ``--kinds``
KIND_IDS = {"xw": "X @ W", "xtr": "X.T @ R", "gram": "X.T @ X", "qw": "Q @ W",
            "svd": "svd"}  # fmt: skip


# ------------------------------------------------------------------ timing
def _block(function):
    """Seconds per call over repeated calls lasting at least BLOCK_SECONDS."""
    calls, start = 0, time.perf_counter()
    while True:
        function()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= BLOCK_SECONDS:
            return elapsed / calls


def time_case(function, controller):
    """Median seconds per call with one BLAS thread and with the default.

    The two settings alternate block by block, so that a change of load
    during the case hits both alike. One call per setting first (page faults
    of the result, the threads' start), timed: a call of more than
    ``LONG_CALL`` seconds counts as a block, since what it could warm up is
    negligible against it, and that bounds the time of the slow cases (an
    SVD that takes 10 s with two threads on a loaded machine).
    """
    one, default = [], []
    start = time.perf_counter()
    with controller.limit(limits=1, user_api="blas"):
        first_one = _call(function)
    first_default = _call(function)
    if min(first_one, first_default) >= LONG_CALL:
        one.append(first_one)
        default.append(first_default)
    while not one or (
        len(one) < N_BLOCKS and time.perf_counter() - start < CASE_BUDGET
    ):
        with controller.limit(limits=1, user_api="blas"):
            one.append(_block(function))
        default.append(_block(function))
    return float(np.median(one)), float(np.median(default))


def _call(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


class OtherCPU:
    """CPU time (in cores) other processes use while a ``with`` block runs.

    The machine's busy time from ``/proc/stat`` (all CPUs, clock ticks) less
    this process's own user and system time; ``cores`` is NaN where
    ``/proc/stat`` cannot be read. Resolution: one tick (10 ms) over the
    block's wall time.
    """

    def __enter__(self):
        self._start = self._sample()
        return self

    def __exit__(self, *exc):
        end = self._sample()
        busy, own, wall = (b - a for a, b in zip(self._start, end, strict=True))
        self.cores = (busy - own) / wall if wall > 0 else np.nan
        return False

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            busy = np.nan
        else:
            # user nice system idle iowait irq softirq steal: all but idle
            # and iowait are busy (guest time is already inside user).
            busy = (sum(fields[:8]) - fields[3] - fields[4]) / _TICKS
        times = os.times()
        return busy, times.user + times.system, time.perf_counter()


try:
    _TICKS = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):
    _TICKS = 100


def run_condition(sizes, controller, log):
    """Every case of ``sizes``.

    Rows ``(kind, shape, flops, t1, t_default, cores used by others)``.
    """
    rng = np.random.default_rng(SEED)
    rows = []
    for kind, (make, shapes) in sizes.items():
        for n, d, T in shapes:
            function, flops, shape = make(n, d, T, rng)
            with OtherCPU() as other:
                t1, tdef = time_case(function, controller)
            rows.append((kind, shape, flops, t1, tdef, other.cores))
            print(
                f"  {kind:8s} {shape:24s} {flops:9.2e} flops  1 thread "
                f"{t1 * 1e3:9.3f} ms  default {tdef * 1e3:9.3f} ms  "
                f"ratio {tdef / t1:5.2f}  others {other.cores:4.2f} cores",
                file=log,
                flush=True,
            )
            del function  # free the operands before the next case
    return rows


def crossover(rows, kind):
    """Smallest flop count from which the default pool wins (ratio < WIN)."""
    mine = sorted((r for r in rows if r[0] == kind), key=lambda r: r[2])
    found = None
    for _, _, flops, t1, tdef, _ in reversed(mine):
        if tdef / t1 >= WIN:
            break
        found = flops
    return found


# ---------------------------------------------------------------- overhead
def limit_overhead(controller, repeats=300):
    """Microseconds to enter and leave the one-thread limit, both ways.

    Returns ``(cached controller, threadpool_limits, ThreadpoolController())``:
    the last is the one-off cost of building the cached controller.
    """

    def per_call(function):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(repeats):
                function()
            times.append((time.perf_counter() - start) / repeats)
        return 1e6 * float(np.median(times))

    def cached():
        with controller.limit(limits=1, user_api="blas"):
            pass

    def fresh():
        with threadpool_limits(1, user_api="blas"):
            pass

    build = per_call(ThreadpoolController) if repeats else np.nan
    return per_call(cached), per_call(fresh), build


# ------------------------------------------------------------------ output
def _fmt_flops(flops):
    return "never" if flops is None else f"{flops:.1e}"


def report(args, conditions, overhead, total):
    """Markdown: header, one table per condition pair, crossovers, overhead."""
    pools = ", ".join(
        f"{p['internal_api']}={p['num_threads']} ({os.path.basename(p['filepath'])})"
        for p in threadpool_info()
    )
    (idle_rows, idle_load), (busy_rows, busy_load) = conditions
    lines = [
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- machine: `nproc` = {os.cpu_count()}, {platform.platform()}, "
        f"numpy {np.__version__}",
        f"- thread pools (default): {pools}",
        f"- load average (1, 5, 15 min) at the start / end of (a) as is: "
        f"{idle_load[0]} / {idle_load[1]}; of (b) busy: "
        f"{busy_load[0]} / {busy_load[1]}",
        f"- blocks of >= {BLOCK_SECONDS * 1e3:g} ms, up to {N_BLOCKS} per "
        f"setting (interleaved), median; threads win below a ratio of {WIN:g}; "
        f"total {total:.0f} s",
        "",
        "Ratio `t(default threads) / t(1 thread)` (below 1: threads pay); "
        "`t1` in ms, one thread, as is; `others`: cores the other processes "
        "used during the case (the busy loop included in (b)).",
        "",
        "| kind | shape | flops | t1 (a) [ms] | ratio (a) as is | others (a) "
        "| ratio (b) busy | others (b) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (kind, shape, flops, t1, tdef, oa), (*_, b1, bdef, ob) in zip(
        idle_rows, busy_rows, strict=True
    ):
        lines.append(
            f"| {kind} | {shape} | {flops:.1e} | {t1 * 1e3:.3g} "
            f"| {tdef / t1:.2f} | {oa:.2f} | {bdef / b1:.2f} | {ob:.2f} |"
        )
    lines += [
        "",
        f"Crossover (smallest flop count from which ratio < {WIN:g} at every "
        "larger size measured):",
        "",
        "| kind | (a) as is | (b) busy |",
        "|---|---:|---:|",
    ]
    for kind in dict.fromkeys(r[0] for r in idle_rows):
        lines.append(
            f"| {kind} | {_fmt_flops(crossover(idle_rows, kind))} "
            f"| {_fmt_flops(crossover(busy_rows, kind))} |"
        )
    cached, fresh, build = overhead
    lines += [
        "",
        "Overhead of entering and leaving a one-thread BLAS limit (per "
        "`with` block, as is):",
        "",
        f'- cached `ThreadpoolController().limit(limits=1, user_api="blas")`: '
        f"{cached:.1f} us",
        f'- `threadpool_limits(1, user_api="blas")`: {fresh:.1f} us',
        f"- building the controller once, `ThreadpoolController()`: {build:.1f} us",
    ]
    return "\n".join(lines) + "\n"


def _loadavg():
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a third of the sizes")
    parser.add_argument("--output", default=None, help="also write the report here")
    parser.add_argument(
        "--kinds",
        default=",".join(KIND_IDS),
        help=f"comma-separated product kinds among {', '.join(KIND_IDS)}",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else SIZES
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(KIND_IDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; known: {list(KIND_IDS)}")
    sizes = {KIND_IDS[k]: sizes[KIND_IDS[k]] for k in kinds}
    log = sys.stderr
    start = time.perf_counter()
    controller = ThreadpoolController()  # one library scan, reused everywhere

    conditions = []
    print("(a) as is", file=log, flush=True)
    load_start = _loadavg()
    rows = run_condition(sizes, controller, log)
    conditions.append((rows, (load_start, _loadavg())))
    overhead = limit_overhead(controller)

    print("(b) with one busy-loop process", file=log, flush=True)
    busy = start_busy_loop()
    try:
        time.sleep(0.5)  # let the interpreter start and take its core
        load_start = _loadavg()
        rows = run_condition(sizes, controller, log)
        conditions.append((rows, (load_start, _loadavg())))
    finally:
        stop_busy_loop(busy)

    text = report(args, conditions, overhead, time.perf_counter() - start)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
