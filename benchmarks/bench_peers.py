"""skmtl against its peers on the same problems, in one process.

Problems (seeded; ``alpha`` is given as a fraction of ``skmtl.alpha_max``):

- group lasso regression (``make_multitask_regression``, shared support):
  tiny (n=100, d=50, T=5), small (n=200, d=500, T=10), wide (n=1,000,
  d=5,000, T=20) and tall (n=20,000, d=200, T=50), each at alpha_max/10 and
  alpha_max/100, plus a 20-alpha path (geometric from alpha_max to
  alpha_max/100, warm-started);
- elastic net (group lasso + ridge, scikit-learn's ``l1_ratio=0.5``) on the
  data of the small group lasso, at alpha_max/10 and /100: skmtl
  ``MultiTaskRegressor(penalty="group_lasso", alpha=alpha, l2=alpha)``
  against ``MultiTaskElasticNet(alpha=2 alpha, l1_ratio=0.5)`` (conversion in
  ``peers.py``; the fraction is of skmtl's ``alpha_max``, which is also
  scikit-learn's fraction of its own elastic-net ``alpha_max``);
- trace norm regression (low rank): small (n=200, d=100, T=20, rank 3) and
  medium (n=2,000, d=500, T=100, rank 5), at alpha_max/10 and /100;
- logistic group lasso (``make_multitask_classification``, 10 binary tasks,
  n=500, d=1,000), at alpha_max/10 and /100.

Solvers: skmtl, scikit-learn ``MultiTaskLasso`` (``lasso_path`` for paths,
``MultiTaskElasticNet`` for the elastic net),
skglm ``MultiTaskLasso`` (and its ``path``), SPAMS ``fistaFlat``, celer
(``MultiTaskLasso``, which fails on current scikit-learn, and its
``mtl_path`` called directly), and cvxpy + CLARABEL on the small problems as
an exact reference. Each is asked for a relative duality gap of about
``TOL = 1e-6`` (skmtl's definition: gap <= tol * objective of the null model);
the conversions of objective scaling, ``alpha`` and ``tol`` for each peer are
in the docstring of ``peers.py``.

For every (problem, alpha) row and solver the table gives: the wall time
(``time.perf_counter``, median of up to ``--repeats`` calls, no further call
once they took 10 s in all, so 1 call above 10 s and 2 calls of 5-10 s; data
preparation a peer needs, such as centring or Fortran copies, is inside the
timed call), the objective **recomputed here
from the solver's coefficients and intercepts** in skmtl's scaling, the
suboptimality (objective minus the best objective any solver reached on that
row), the relative duality gap **recomputed here** from the same coefficients
(see ``peers.relative_gap``) and ``time(skmtl) / time(peer)``: above 1, the
peer is faster. Path rows: the objective is summed over the 20 alphas, the
suboptimality and the gap are the largest over the path, the time is that of
the whole path.

Every solver is first run once on a tiny problem (not timed), so that JIT
compilation (skglm uses numba) and imports are not counted.

Usage::

    python benchmarks/bench_peers.py                  # full run (8-12 min*)
    python benchmarks/bench_peers.py --quick          # small sizes, 0.5-2 min
    python benchmarks/bench_peers.py --only tall      # rows whose id contains "tall"
    python benchmarks/bench_peers.py --only group-lasso-small/path
    python benchmarks/bench_peers.py --solvers skmtl,sklearn --output out.md
    python benchmarks/bench_peers.py --threads 1      # BLAS/OpenMP threads
    python benchmarks/bench_peers.py --busy           # one busy-loop process

    python benchmarks/bench_peers.py --reference all  # cvxpy on all small ones

(*) on a 2-core machine shared with other jobs (load average 3-4), with
``--threads 1``; the warm-up (numba compilation of skglm) takes 25-40 s.

Row ids are ``<problem>/<alpha fraction>`` (``group-lasso-tall/0.01``) or
``<problem>/path``; the problems are ``group-lasso-{tiny,small,wide,tall}``,
``elastic-net-small``, ``trace-norm-{small,medium}`` and
``logistic-group-lasso``. ``--only`` matches substrings: ``group-lasso``
takes ``logistic-group-lasso`` too, ``group-lasso-`` does not.

Threads are left as they are unless ``--threads`` is given.
On a busy machine, give ``--threads 1``: two BLAS threads on two cores that
other processes also use make every BLAS call wait for a core (a 200 x 500 by
500 x 10 product took 15 ms instead of 0.65 ms with one thread), which
inflates the solvers built on BLAS calls (skmtl, SPAMS, CLARABEL) several
times and not coordinate descent (scikit-learn, celer, skglm).

``--busy`` starts one CPU-bound process (a pure-Python loop, which also ends
by itself if the benchmark dies) after the warm-up and stops it after the
last row (also on an error or Ctrl-C), so that the rows run with one core
taken, as on a shared machine; the header says so. It does not change the
threads: ``--busy`` alone shows what the default threads cost there.
"""

import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass

import numpy as np
import peers
from busy import start_busy_loop, stop_busy_loop

import skmtl
from skmtl import alpha_max
from skmtl.datasets import make_multitask_classification, make_multitask_regression

TOL = 1e-6
ALPHA_FRACTIONS = (0.1, 0.01)
N_PATH = 20
PATH_MIN_FRACTION = 0.01
SEED = 0


# ---------------------------------------------------------------- problems
@dataclass
class Spec:
    """Recipe of one problem."""

    name: str
    penalty: str
    loss: str
    n_samples: int
    n_features: int
    n_tasks: int
    n_informative: int = 10
    rank: int = 3
    small: bool = False
    path: bool = False
    # scikit-learn's l1_ratio; < 1: elastic net (no path rows, see peers.py).
    l1_ratio: float = 1.0


FULL = [
    Spec("group-lasso-tiny", "group_lasso", "squared", 100, 50, 5, 5,
         small=True, path=True),
    Spec("group-lasso-small", "group_lasso", "squared", 200, 500, 10, 10,
         small=True, path=True),
    Spec("elastic-net-small", "group_lasso", "squared", 200, 500, 10, 10,
         small=True, l1_ratio=0.5),
    Spec("group-lasso-wide", "group_lasso", "squared", 1_000, 5_000, 20, 50,
         path=True),
    Spec("group-lasso-tall", "group_lasso", "squared", 20_000, 200, 50, 20,
         path=True),
    Spec("trace-norm-small", "trace_norm", "squared", 200, 100, 20, rank=3,
         small=True),
    Spec("trace-norm-medium", "trace_norm", "squared", 2_000, 500, 100, rank=5),
    Spec("logistic-group-lasso", "group_lasso", "log_loss", 500, 1_000, 10, 10,
         small=True),
]  # fmt: skip

QUICK = [
    Spec("group-lasso-tiny", "group_lasso", "squared", 50, 20, 3, 3,
         small=True, path=True),
    Spec("group-lasso-small", "group_lasso", "squared", 100, 200, 5, 5,
         small=True, path=True),
    Spec("elastic-net-small", "group_lasso", "squared", 100, 200, 5, 5,
         small=True, l1_ratio=0.5),
    Spec("group-lasso-wide", "group_lasso", "squared", 100, 500, 10, 10,
         path=True),
    Spec("group-lasso-tall", "group_lasso", "squared", 2_000, 50, 10, 5,
         path=True),
    Spec("trace-norm-small", "trace_norm", "squared", 100, 30, 10, rank=3,
         small=True),
    Spec("trace-norm-medium", "trace_norm", "squared", 400, 100, 20, rank=5),
    Spec("logistic-group-lasso", "group_lasso", "log_loss", 200, 200, 5, 5,
         small=True),
]  # fmt: skip


def make_problem(spec, seed=SEED):
    """Data of ``spec`` (seeded) and its ``alpha_max``."""
    n, d, T = spec.n_samples, spec.n_features, spec.n_tasks
    if spec.loss == "squared":
        structure = "shared_support" if spec.penalty == "group_lasso" else "low_rank"
        X, Y, _ = make_multitask_regression(
            n, d, T, structure=structure, n_informative=spec.n_informative,
            rank=spec.rank, noise=1.0, random_state=seed,
        )  # fmt: skip
    else:
        X, Y, _ = make_multitask_classification(
            n, d, T, n_classes=2, structure="shared_support",
            n_informative=spec.n_informative, random_state=seed,
        )  # fmt: skip
    a_max = alpha_max(X, Y, penalty=spec.penalty, loss=spec.loss)
    return peers.Problem(
        spec.name, spec.penalty, spec.loss, X, Y, a_max, small=spec.small,
        l1_ratio=spec.l1_ratio,
    )  # fmt: skip


def path_alphas(problem):
    fractions = np.geomspace(1.0, PATH_MIN_FRACTION, N_PATH)
    return problem.alpha_max * fractions


# ----------------------------------------------------------------- running
@dataclass
class Result:
    """One solver on one row."""

    row: str
    solver: str
    seconds: float = np.nan
    objectives: np.ndarray = None  # one per alpha
    gaps: np.ndarray = None
    n_iter: str = ""
    error: str = ""
    subopt: float = np.nan


def run_solver(problem, alphas, solver, repeats, path):
    """Time ``solver`` on ``problem`` at ``alphas`` (one, or a path)."""
    fit_one, fit_path, _ = peers.SOLVERS[solver]
    if path:

        def call():
            return fit_path(problem, alphas, TOL)
    else:

        def call():
            return [fit_one(problem, alphas[0], TOL)]

    if solver == "cvxpy":
        repeats = 1  # the reference: minutes, and deterministic
    try:
        seconds, fits = peers.timed(call, repeats)
    except peers.SolverFailed as exc:
        return Result("", solver, error=f"fails: {exc}")
    except Exception as exc:  # noqa: BLE001 -- a peer's bug goes in the table
        traceback.print_exc(file=sys.stderr)
        return Result("", solver, error=f"fails: {type(exc).__name__}: {exc}")
    objectives = np.array(
        [peers.objective(problem, a, f) for a, f in zip(alphas, fits, strict=True)]
    )
    gaps = np.array(
        [peers.relative_gap(problem, a, f) for a, f in zip(alphas, fits, strict=True)]
    )
    iters = [f.n_iter for f in fits if f.n_iter is not None]
    n_iter = str(int(np.sum(iters))) if iters else ""
    return Result("", solver, seconds, objectives, gaps, n_iter)


# Problems on which cvxpy runs (``--reference``). CLARABEL, one thread, on
# this 2-core machine: ~15 s per alpha on group-lasso-small, ~100 s on
# trace-norm-small (a dense 7,260 x 7,260 block for the 120 x 120
# semidefinite cone in every Newton system) and ~3 min on logistic-group-lasso
# (5,000 logistic terms as exponential cones, 5M nonzeros); two to four times
# that with two threads on a busy machine. Only the first fits in the default
# run; "all" adds about 10 minutes. group-lasso-tiny takes well under a
# second per alpha, elastic-net-small about as long as group-lasso-small.
REFERENCE = {
    "default": ("group-lasso-tiny", "group-lasso-small", "tiny-"),
    "all": (
        "group-lasso-tiny", "group-lasso-small", "elastic-net-small",
        "trace-norm-small", "logistic-group-lasso", "tiny-",
    ),
    "none": (),
}  # fmt: skip
reference = REFERENCE["default"]


def applicable(problem, solvers, path):
    out = []
    for name in solvers:
        _, _, applies = peers.SOLVERS[name]
        if not applies(problem):
            continue
        if name == "cvxpy" and (path or not problem.name.startswith(reference)):
            continue  # interior point: minutes per alpha, no path
        out.append(name)
    return out


def run_row(problem, row_id, alphas, solvers, repeats, path, log):
    results = []
    for solver in applicable(problem, solvers, path):
        result = run_solver(problem, alphas, solver, repeats, path)
        result.row = row_id
        results.append(result)
        shown = result.error or f"{result.seconds:.3g} s"
        print(f"  {row_id:32s} {solver:15s} {shown}", file=log, flush=True)
    # Best objective per alpha over the solvers that ran.
    done = [r for r in results if not r.error]
    if done:
        best = np.min([r.objectives for r in done], axis=0)
        for r in done:
            r.subopt = float(np.max(r.objectives - best))
    return results


def warm_up(solvers, log):
    """Run every solver once on tiny problems (imports, numba compilation)."""
    start = time.perf_counter()
    tiny = [
        Spec("tiny-gl", "group_lasso", "squared", 30, 20, 3, 3, small=True),
        Spec("tiny-tn", "trace_norm", "squared", 30, 10, 4, rank=2, small=True),
        Spec("tiny-logit", "group_lasso", "log_loss", 40, 20, 3, 3, small=True),
        Spec("tiny-enet", "group_lasso", "squared", 30, 20, 3, 3, small=True,
             l1_ratio=0.5),
    ]  # fmt: skip
    for spec in tiny:
        problem = make_problem(spec, seed=1)
        alphas = path_alphas(problem)[[2, 5]]
        for solver in applicable(problem, solvers, path=False):
            fit_one, fit_path, _ = peers.SOLVERS[solver]
            calls = [lambda: fit_one(problem, alphas[0], TOL)]  # noqa: B023
            if spec.l1_ratio == 1:  # no path for the elastic net
                calls.append(lambda: fit_path(problem, alphas, TOL))  # noqa: B023
            for call in calls:
                try:
                    call()
                except Exception:  # noqa: BLE001, S112 -- reported in the rows
                    pass
                if solver == "cvxpy":
                    break
    print(f"warm-up: {time.perf_counter() - start:.1f} s", file=log, flush=True)


# ------------------------------------------------------------------ output
def _fmt_time(seconds):
    return "" if np.isnan(seconds) else f"{seconds:.3g}"


def table(results_by_row):
    lines = [
        "| problem (n, d, T) | alpha / alpha_max | solver | time [s] | objective "
        "| subopt | rel. gap | skmtl / peer | iterations / notes |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for (label, alpha_label), results in results_by_row:
        t_skmtl = next(
            (r.seconds for r in results if r.solver == "skmtl" and not r.error),
            np.nan,
        )
        for r in results:
            if r.error:
                cells = ["", "", "", "", "", r.error]
            else:
                obj = (
                    f"{r.objectives[0]:.10g}"
                    if len(r.objectives) == 1
                    else f"{r.objectives.sum():.10g} (sum)"
                )
                if r.solver == "skmtl" or np.isnan(t_skmtl):
                    ratio = ""
                else:
                    ratio = f"{t_skmtl / r.seconds:.3g}"
                cells = [
                    _fmt_time(r.seconds),
                    obj,
                    f"{r.subopt:.1e}",
                    f"{np.max(r.gaps):.1e}",
                    ratio,
                    r.n_iter,
                ]
            cells = [label, alpha_label, r.solver, *cells]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _dist_version(name):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def versions():
    """Versions of Python and of each package a run may use ("absent" if missing)."""
    names = (
        "numpy", "scipy", "scikit-learn", "skglm", "spams-bin", "cvxpy", "clarabel",
        "celer",
    )  # fmt: skip
    found = {"python": platform.python_version()}
    found.update({name: _dist_version(name) for name in names})
    found["skmtl"] = skmtl.__version__
    return found


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return cpu


def header(args, load_before, load_after, total, busy_pid=None):
    from threadpoolctl import threadpool_info

    pools = ", ".join(
        f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()
    )
    lines = [
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- machine: {machine()}, `nproc` = {os.cpu_count()}, {platform.platform()}",
        f"- load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}",
        f"- threads: {'unchanged' if args.threads is None else args.threads} "
        f"(thread pools: {pools}; OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')})",
        "- busy: "
        + (
            f"one busy-loop process (pid {busy_pid}, a pure-Python loop) ran "
            "from after the warm-up to the end of the rows"
            if busy_pid is not None
            else "no (nothing started besides the benchmark)"
        ),
        f"- tol = {TOL:g} (relative duality gap), repeats = {args.repeats} "
        "(median; no further call after 10 s in all), total wall time "
        f"{total:.1f} s",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 repeat")
    parser.add_argument(
        "--only", default="", help="comma-separated substrings of row ids"
    )
    parser.add_argument(
        "--solvers", default=",".join(peers.SOLVERS), help="comma-separated solvers"
    )
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads (default: unchanged)",
    )
    parser.add_argument("--output", default=None, help="also write the report here")
    parser.add_argument(
        "--busy",
        action="store_true",
        help="run one CPU-bound busy-loop process during the timed rows",
    )
    parser.add_argument(
        "--reference",
        choices=sorted(REFERENCE),
        default="default",
        help="where cvxpy runs: default = group-lasso-tiny and -small (~30 s); "
        "all = also elastic-net-small, trace-norm-small and "
        "logistic-group-lasso (adds ~10 min); none",
    )
    args = parser.parse_args(argv)  # fmt: skip
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = set(solvers) - set(peers.SOLVERS)
    if unknown:
        parser.error(f"unknown solvers {sorted(unknown)}; known: {list(peers.SOLVERS)}")
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    global reference
    reference = REFERENCE[args.reference]

    limiter = None
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(args.threads)
        peers.THREADS = args.threads

    log = sys.stderr
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    warm_up(solvers, log)

    specs = QUICK if args.quick else FULL
    results_by_row = []
    busy = start_busy_loop() if args.busy else None
    try:
        for spec in specs:
            row_ids = [f"{spec.name}/{f:g}" for f in ALPHA_FRACTIONS]
            if spec.path:
                row_ids.append(f"{spec.name}/path")
            row_ids = [r for r in row_ids if not only or any(o in r for o in only)]
            if not row_ids:
                continue
            problem = make_problem(spec)
            n, d, T = problem.shape
            label = f"{spec.name} ({n:,}, {d:,}, {T})"
            if spec.l1_ratio != 1:
                label += f", l1_ratio {spec.l1_ratio:g}"
            for row_id in row_ids:
                suffix = row_id.rsplit("/", 1)[1]
                if suffix == "path":
                    alphas = path_alphas(problem)
                    alpha_label = f"path, {N_PATH} alphas, 1 to {PATH_MIN_FRACTION:g}"
                else:
                    alphas = np.array([float(suffix) * problem.alpha_max])
                    alpha_label = suffix
                results = run_row(
                    problem, row_id, alphas, solvers, args.repeats,
                    suffix == "path", log,
                )  # fmt: skip
                results_by_row.append(((label, alpha_label), results))
    except KeyboardInterrupt:
        print("interrupted: table of the rows done so far", file=log)
    finally:
        # Read the load while the busy loop still runs: it is part of the
        # conditions of the rows.
        load_after = os.getloadavg()[0]
        if busy is not None:
            stop_busy_loop(busy)
    total = time.perf_counter() - start
    busy_pid = None if busy is None else busy.pid
    report = (
        header(args, load_before, load_after, total, busy_pid)
        + "\n\n"
        + table(results_by_row)
        + "\n"
    )
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report)
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()
