"""Mixture of experts against hard sharing as the tasks drift apart (Ma et al.).

The synthetic experiment of Ma et al., "Modeling Task Relationships in
Multi-task Learning with Multi-gate Mixture-of-Experts" (KDD 2018, section
3.2): two regression tasks whose relatedness is set by the cosine ``p`` of
their weight vectors. For each seed:

- ``u1, u2``: two orthonormal vectors of R^d (a random rotation), ``d=100``;
- ``w1 = c u1`` and ``w2 = c (p u1 + sqrt(1 - p^2) u2)``, ``c = 1``;
- ``x ~ N(0, I_d)``;
- ``y_i = w_i^T x + sum_{k=1}^{m} sin(alpha_k w_i^T x + beta_k) + eps_i``,
  ``m = 10``, ``eps_i ~ N(0, 0.01^2)``.

The paper fixes ``c``, ``m`` and the noise but gives no values for
``alpha_k, beta_k``; here both are drawn from N(0, 1) once per seed and
shared by the two tasks. Within a seed the rows, the noise, ``u1, u2`` and
``alpha, beta`` are the same for every ``p``: only ``p`` changes, so that the
correlations are compared on paired data. The Pearson correlation of the two
labels falls with ``p`` (printed per ``p``).

The targets are standardised by the training mean and standard deviation of
each task, so an MSE of 1 is that of predicting the training mean. Compared at
equal total hidden width (the paper matches parameter counts roughly: 8
experts of 16 units against a shared bottom of 113):

- narrow: ``architecture="shared"`` with ``(32,)`` against ``"mmoe"`` with
  4 experts of ``(8,)``;
- wide: ``(128,)`` against 8 experts of ``(16,)`` (the paper's experts).

Every model gets the same data, ReLU, Adam settings (``learning_rate_init``,
``batch_size=128``), ``alpha=1e-4`` and a fixed budget of epochs
(``tol=0`` and ``n_iter_no_change=max_iter``: every fit takes the same number
of Adam steps, as the paper's loss curves do), initialised with
``random_state=seed``.

Reported per correlation and pair, mean and standard deviation over the
seeds: held-out MSE averaged over the two tasks, training MSE at the end
(predictions on the training rows after the last step; the paper plots the
training loss), the advantage ``shared - mmoe`` of each and the number of
seeds where the mixture of experts wins, and the mixture's gate overlap
``task_relatedness_[0, 1]`` (mean Bhattacharyya overlap of the two tasks'
gates on the training rows: 1 when both tasks mix the experts alike).
Then, paired by seed, how the advantage at each ``p`` differs from that at
the first ``p`` (does it grow as the tasks drift apart?). Also the median and
largest relative decrease of the training loss (``task_loss_curve_``) over
the last 10% of the epochs, to show how far from converged the fits are.

Usage::

    python benchmarks/bench_mmoe.py          # 5 seeds, p = 1, 0.9, 0.5, 0; ~6 min
    python benchmarks/bench_mmoe.py --quick  # 2 seeds, narrow pair, ~10 s
    python benchmarks/bench_mmoe.py --max-iter 180 --wide-width 0  # 3x the steps
    python benchmarks/bench_mmoe.py --per-seed   # also every seed's test MSE
"""

import argparse
import platform
import time
import warnings

import numpy as np
import sklearn
from machine import cpu_name
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import skmtl
from skmtl.neural import MultiTaskMLP


class Generator:
    """One seed's draw of the synthetic problem: rows, directions and sines."""

    def __init__(self, n_train, n_test, n_features, c, m, noise, seed):
        rng = np.random.default_rng(seed)
        basis, _ = np.linalg.qr(rng.standard_normal((n_features, 2)))
        self.u1, self.u2 = basis[:, 0], basis[:, 1]
        self.c = c
        self.alphas = rng.standard_normal(m)
        self.betas = rng.standard_normal(m)
        n = n_train + n_test
        self.X = rng.standard_normal((n, n_features))
        self.noise = noise * rng.standard_normal((n, 2))
        self.n_train = n_train

    def _label(self, w):
        projection = self.X @ w
        waves = np.sin(np.outer(projection, self.alphas) + self.betas)
        return projection + waves.sum(axis=1)

    def split(self, p):
        """Standardised train and test targets for the cosine ``p``."""
        w1 = self.c * self.u1
        w2 = self.c * (p * self.u1 + np.sqrt(max(1.0 - p * p, 0.0)) * self.u2)
        Y = np.column_stack([self._label(w1), self._label(w2)]) + self.noise
        n = self.n_train
        mean, scale = Y[:n].mean(axis=0), Y[:n].std(axis=0)
        Y = (Y - mean) / scale
        label_corr = np.corrcoef(Y[:n].T)[0, 1]
        return self.X[:n], Y[:n], self.X[n:], Y[n:], label_corr


def pairs(args):
    """(name, shared hidden sizes, expert hidden sizes, number of experts)."""
    out = [("narrow", args.width, args.experts)]
    if args.wide_width:
        out.append(("wide", args.wide_width, args.wide_experts))
    return [
        (name, (width,), (width // experts,), experts) for name, width, experts in out
    ]


def fit_one(X, Y, Xt, Yt, hidden, architecture, n_experts, seed, args):
    """Fit one network; its train and test MSE, gate overlap, tail drop, time."""
    model = MultiTaskMLP(
        hidden,
        architecture=architecture,
        n_experts=n_experts,
        tower_layer_sizes=tuple(args.tower),
        alpha=args.alpha,
        batch_size=args.batch_size,
        learning_rate_init=args.learning_rate,
        max_iter=args.max_iter,
        tol=0.0,
        n_iter_no_change=args.max_iter,
        random_state=seed,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y)
    seconds = time.perf_counter() - start
    train = np.mean((model.predict(X) - Y) ** 2)
    test = np.mean((model.predict(Xt) - Yt) ** 2)
    curve = model.task_loss_curve_.mean(axis=1)
    tail = max(1, len(curve) // 10)
    drop = (curve[-tail - 1] - curve[-1]) / curve[-tail - 1]
    overlap = model.task_relatedness_[0, 1] if architecture == "mmoe" else np.nan
    return {
        "train": train,
        "test": test,
        "overlap": overlap,
        "drop": drop,
        "seconds": seconds,
        "steps": model.n_steps_,
    }


def run(args):
    """Every fit; results[p][pair][architecture] is a list over seeds."""
    names = [name for name, *_ in pairs(args)]
    results = {p: {n: {"shared": [], "mmoe": []} for n in names} for p in args.p}
    label_corr = {p: [] for p in args.p}
    for seed in range(args.seed, args.seed + args.seeds):
        generator = Generator(
            args.n_train, args.n_test, args.n_features, args.c, args.m, args.noise, seed
        )
        for p in args.p:
            X, Y, Xt, Yt, corr = generator.split(p)
            label_corr[p].append(corr)
            for name, shared_hidden, expert_hidden, n_experts in pairs(args):
                fits = results[p][name]
                fits["shared"].append(
                    fit_one(X, Y, Xt, Yt, shared_hidden, "shared", 1, seed, args)
                )
                fits["mmoe"].append(
                    fit_one(X, Y, Xt, Yt, expert_hidden, "mmoe", n_experts, seed, args)
                )
        print(f"  seed {seed} done", flush=True)
    return results, label_corr


def pm(values, digits=3):
    values = np.asarray(values, dtype=float)
    spread = values.std(ddof=1) if values.size > 1 else 0.0
    return f"{values.mean():.{digits}f} ± {spread:.{digits}f}"


def gaps(fits, key):
    """Per-seed ``shared - mmoe`` of the train or test MSE."""
    shared = np.array([f[key] for f in fits["shared"]])
    mmoe = np.array([f[key] for f in fits["mmoe"]])
    return shared, mmoe, shared - mmoe


def report(results, label_corr, args):
    for name, shared_hidden, expert_hidden, n_experts in pairs(args):
        print(
            f"\n{name}: shared {shared_hidden} vs mmoe {n_experts} experts of "
            f"{expert_hidden}; MSE of standardised targets, mean ± std over "
            f"{args.seeds} seeds"
        )
        print(
            "| p | label corr | test shared | test mmoe | test shared − mmoe "
            "| mmoe wins | train shared | train mmoe | train shared − mmoe "
            "| mmoe wins | gate overlap |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        drops, seconds = [], {"shared": [], "mmoe": []}
        for p in args.p:
            fits = results[p][name]
            row = [f"{p:g}", pm(label_corr[p], 2)]
            for key in ("test", "train"):
                shared, mmoe, gap = gaps(fits, key)
                row += [pm(shared), pm(mmoe), pm(gap), f"{np.sum(gap > 0)}/{gap.size}"]
            row.append(pm([f["overlap"] for f in fits["mmoe"]], 2))
            print("| " + " | ".join(row) + " |")
            for arch in ("shared", "mmoe"):
                drops += [f["drop"] for f in fits[arch]]
                seconds[arch] += [f["seconds"] for f in fits[arch]]
        steps = results[args.p[0]][name]["shared"][0]["steps"]
        print(
            f"  {steps} Adam steps per fit; relative decrease of the training "
            f"loss over the last 10% of epochs: median {np.median(drops):.1%}, "
            f"largest {max(drops):.1%}; mean fit time shared "
            f"{np.mean(seconds['shared']):.1f} s, mmoe {np.mean(seconds['mmoe']):.1f} s"
        )
        # Does the advantage grow as p falls? Paired by seed (same rows,
        # directions and sines at every p), against the first p.
        first = args.p[0]
        print(
            f"\n{name}: change of the advantage (shared − mmoe) from p={first:g}, "
            "paired by seed"
        )
        print("| p | test: change | grew | train: change | grew |")
        print("|---:|---:|---:|---:|---:|")
        for p in args.p[1:]:
            row = [f"{p:g}"]
            for key in ("test", "train"):
                change = (
                    gaps(results[p][name], key)[2] - gaps(results[first][name], key)[2]
                )
                row += [pm(change), f"{np.sum(change > 0)}/{change.size}"]
            print("| " + " | ".join(row) + " |")
        if args.per_seed:
            print(f"\n{name}: per seed, test MSE shared / mmoe")
            seeds = range(args.seed, args.seed + args.seeds)
            print("| p | " + " | ".join(f"seed {seed}" for seed in seeds) + " |")
            print("|---:|" + "---:|" * args.seeds)
            for p in args.p:
                shared, mmoe, _ = gaps(results[p][name], "test")
                cells = [
                    f"{s:.3f} / {e:.3f}" for s, e in zip(shared, mmoe, strict=True)
                ]
                print(f"| {p:g} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and fast run")
    parser.add_argument(
        "--p", type=float, nargs="+", default=[1.0, 0.9, 0.5, 0.0], help="cosines"
    )
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds")
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--n-test", type=int, default=5000)
    parser.add_argument("--n-features", type=int, default=100, help="d")
    parser.add_argument("--c", type=float, default=1.0, help="scale of w")
    parser.add_argument("--m", type=int, default=10, help="number of sines")
    parser.add_argument("--noise", type=float, default=0.01, help="noise std")
    parser.add_argument("--width", type=int, default=32, help="narrow pair width")
    parser.add_argument("--experts", type=int, default=4, help="narrow pair experts")
    parser.add_argument(
        "--wide-width", type=int, default=128, help="wide pair width (0: none)"
    )
    parser.add_argument("--wide-experts", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 strength")
    parser.add_argument(
        "--tower", type=int, nargs="*", default=[], help="each task's tower widths"
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--max-iter", type=int, default=60, help="epochs")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument(
        "--per-seed", action="store_true", help="also the test MSE of every seed"
    )
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.n_train, args.n_test = 2, 5000, 2000
        args.max_iter, args.wide_width, args.p = 60, 0, [1.0, 0.5, 0.0]
    print(
        f"Ma et al.'s synthetic tasks: d={args.n_features}, c={args.c}, "
        f"m={args.m}, noise std={args.noise}, alpha_k, beta_k ~ N(0, 1); "
        f"n_train={args.n_train}, n_test={args.n_test}, seeds {args.seed}.."
        f"{args.seed + args.seeds - 1}; ReLU, Adam learning_rate_init="
        f"{args.learning_rate}, batch_size={args.batch_size}, alpha={args.alpha}, "
        f"{args.max_iter} epochs (tol=0); {args.threads} BLAS thread(s)"
    )
    start = time.perf_counter()
    with threadpool_limits(limits=args.threads):
        results, label_corr = run(args)
    report(results, label_corr, args)
    print(
        f"\nTotal {time.perf_counter() - start:.0f} s. Python "
        f"{platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, skmtl {skmtl.__version__}, {platform.machine()}, "
        f"{cpu_name()}"
    )


if __name__ == "__main__":
    main()
