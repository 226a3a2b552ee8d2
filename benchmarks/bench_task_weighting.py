"""Task weighting when the tasks' losses differ in scale by 100x.

Does a learned task weighting (uncertainty weighting, GradNorm) give a better
*worst-task* score than fixed equal weights when one task's loss is 100 times
the other's, or a hundredth of it?

Generated data, drawn afresh for each seed: ``d = 20`` standard normal
features and a shared 3-D representation ``r(x) = tanh(A^T x)``
(``A = 2 G / sqrt(d)``, ``G`` standard normal). Two tasks read it:

- a regression target ``y = w^T r + 0.2 * noise`` given in *units*: ``u * y``,
  with ``u`` chosen on the training rows so that the target's half variance
  (its squared loss at the best constant prediction) is ``scale`` times the
  entropy of the 3-class task's class frequencies (its cross-entropy at the
  best constant prediction). ``scale = 100`` ("regression x100", e.g. a length
  in cm where metres would do) and ``scale = 1/100`` ("regression /100", in km)
  use the same rows, features and labels; only ``u`` differs;
- a 3-class task, labels drawn from the softmax of ``3 r^T V`` (``V`` standard
  normal, 3 x 3).

Methods, on the same rows, all at their default settings except
``hidden_layer_sizes`` and ``random_state`` (the seed):

- ``MultiTaskMLP`` with ``task_weights`` None (equal weights), ``"balanced"``,
  ``"uncertainty"``, ``"gradnorm"``, and equal weights with
  ``gradient_surgery="pcgrad"``;
- ``separate``: one scikit-learn ``MLPRegressor`` and one ``MLPClassifier``
  (the reference each task is measured against).

Scores on held-out rows: R^2 of the regression task, accuracy of the 3-class
task. The *worst-task* score of a fit is reported two ways:

- ``worst vs sep``: ``min_t (score_t - separate score_t)``, the task that
  sharing (and its weighting) hurt most, against the separate network of the
  same seed (negative: worse than fitting that task alone);
- ``min score``: ``min(R^2, accuracy)``.

Each is given as mean +- standard deviation over the seeds, with the number
of seeds where the method beats equal weights (wins / ties / losses). Also
reported: the final weights ``task_weights_`` (mean over seeds), their
*balance* ``(lambda_reg L0_reg) / (lambda_cls L0_cls)`` with ``L0`` the
tasks' baseline losses (1 for ``"balanced"``; equal weights give the scale
itself; geometric mean over seeds), epochs run and fit time (1 BLAS thread).

With ``--early-stopping`` every network (the separate ones too) holds out
10% of its rows and stops on them; ``--scale 0.5`` puts the regression target
in (about) standard units, its baseline loss near the 3-class one.

Usage::

    python benchmarks/bench_task_weighting.py          # n = 300, 1000; 20 seeds
    python benchmarks/bench_task_weighting.py --quick  # n = 300, 3 seeds, ~30 s
    python benchmarks/bench_task_weighting.py --early-stopping
    python benchmarks/bench_task_weighting.py --scale 0.5
"""

import argparse
import datetime
import os
import platform
import time
import warnings

import numpy as np
import sklearn
from machine import cpu_name
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

import skmtl
from skmtl.neural import MultiTaskMLP

N_FEATURES, RANK, N_CLASSES, NOISE = 20, 3, 3, 0.2
METHODS = [
    ("equal", {"task_weights": None}),
    ("balanced", {"task_weights": "balanced"}),
    ("uncertainty", {"task_weights": "uncertainty"}),
    ("gradnorm", {"task_weights": "gradnorm"}),
    ("equal + pcgrad", {"gradient_surgery": "pcgrad"}),
]
SEPARATE = "separate (sklearn)"


class Draw:
    """One seed's rows: features, the unit-free regression target, labels."""

    def __init__(self, n_train, n_test, seed):
        rng = np.random.default_rng(seed)
        A = 2.0 * rng.standard_normal((N_FEATURES, RANK)) / np.sqrt(N_FEATURES)
        w = rng.standard_normal(RANK)
        V = 3.0 * rng.standard_normal((RANK, N_CLASSES))

        def rows(n):
            X = rng.standard_normal((n, N_FEATURES))
            r = np.tanh(X @ A)
            y = r @ w + NOISE * rng.standard_normal(n)
            gumbel = -np.log(-np.log(rng.uniform(size=(n, N_CLASSES))))
            return X, y, np.argmax(r @ V + gumbel, axis=1)

        self.X, self.y, self.labels = rows(n_train)
        self.X_test, self.y_test, self.labels_test = rows(n_test)
        freq = np.bincount(self.labels, minlength=N_CLASSES) / n_train
        freq = freq[freq > 0]
        self.entropy = float(-np.sum(freq * np.log(freq)))

    def units(self, scale):
        """The factor making the target's half variance ``scale`` x the entropy."""
        return float(np.sqrt(2.0 * scale * self.entropy / self.y.var()))


def fit_all(draw, scale, hidden, seed, early_stopping=False):
    """Each method's per-task scores, weights, epochs and fit time on one seed."""
    u = draw.units(scale)
    y, y_test = u * draw.y, u * draw.y_test
    Y = np.empty((len(y), 2), dtype=object)
    Y[:, 0] = y.tolist()
    Y[:, 1] = draw.labels.tolist()
    baseline = np.array([0.5 * y.var(), draw.entropy])
    results = {}
    for name, params in METHODS:
        model = MultiTaskMLP(
            hidden_layer_sizes=hidden,
            task_types=["regression", "multiclass"],
            random_state=seed,
            early_stopping=early_stopping,
            **params,
        )
        start = time.perf_counter()
        model.fit(draw.X, Y)
        seconds = time.perf_counter() - start
        prediction = model.predict(draw.X_test)
        fitted = model.predict(draw.X)
        weights = model.task_weights_
        results[name] = {
            "scores": np.array(
                [
                    r2_score(y_test, prediction[:, 0].astype(float)),
                    accuracy_score(draw.labels_test, prediction[:, 1].astype(int)),
                ]
            ),
            "train_scores": np.array(
                [
                    r2_score(y, fitted[:, 0].astype(float)),
                    accuracy_score(draw.labels, fitted[:, 1].astype(int)),
                ]
            ),
            "weights": weights,
            "balance": weights[0] * baseline[0] / (weights[1] * baseline[1]),
            "epochs": model.n_iter_,
            "seconds": seconds,
            "start_loss": model.task_loss_curve_[0],
        }
    start = time.perf_counter()
    common = {
        "hidden_layer_sizes": hidden,
        "random_state": seed,
        "early_stopping": early_stopping,
    }
    regressor = MLPRegressor(**common)
    classifier = MLPClassifier(**common)
    regressor.fit(draw.X, y)
    classifier.fit(draw.X, draw.labels)
    seconds = time.perf_counter() - start
    results[SEPARATE] = {
        "scores": np.array(
            [
                r2_score(y_test, regressor.predict(draw.X_test)),
                accuracy_score(draw.labels_test, classifier.predict(draw.X_test)),
            ]
        ),
        "train_scores": np.array(
            [
                r2_score(y, regressor.predict(draw.X)),
                accuracy_score(draw.labels, classifier.predict(draw.X)),
            ]
        ),
        "weights": None,
        "balance": None,
        "epochs": (regressor.n_iter_, classifier.n_iter_),
        "seconds": seconds,
        "start_loss": None,
    }
    for result in results.values():
        scores = result["scores"]
        result["worst_vs_sep"] = float(np.min(scores - results[SEPARATE]["scores"]))
        result["min_score"] = float(np.min(scores))
    return results


def mean_std(values, digits=3):
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def record(values, reference):
    """Wins / ties / losses of ``values`` against ``reference``, seed by seed."""
    diff = np.asarray(values) - np.asarray(reference)
    ties = np.isclose(diff, 0.0, atol=1e-12)
    return f"{np.sum((diff > 0) & ~ties)}/{np.sum(ties)}/{np.sum((diff < 0) & ~ties)}"


def report(title, runs):
    """Print the markdown table of one (n, scale) setting over the seeds."""
    names = [name for name, _ in METHODS] + [SEPARATE]
    column = {
        name: {key: [run[name][key] for run in runs] for key in runs[0][name]}
        for name in names
    }
    equal = column["equal"]
    print(f"\n{title}\n")
    print(
        "| method | R^2 (regression) | accuracy (3-class) | worst vs sep "
        "| W/T/L | min score | W/T/L | weights (reg, cls) | balance "
        "| epochs | fit (s) |"
    )
    print("|---|---:|---:|---:|:-:|---:|:-:|---:|---:|---:|---:|")
    for name in names:
        col = column[name]
        scores = np.array(col["scores"])
        if name == SEPARATE:
            weights, balance = "-", "-"
            epochs = np.array(col["epochs"])
            epochs = f"{np.median(epochs[:, 0]):.0f}, {np.median(epochs[:, 1]):.0f}"
        else:
            w = np.mean(col["weights"], axis=0)
            weights = f"{w[0]:.3g}, {w[1]:.3g}"
            balance = f"{np.exp(np.mean(np.log(col['balance']))):.3g}"
            epochs = f"{np.median(col['epochs']):.0f}"
        if name == "equal":
            wins = ("-", "-")
        else:
            wins = (
                record(col["worst_vs_sep"], equal["worst_vs_sep"]),
                record(col["min_score"], equal["min_score"]),
            )
        print(
            f"| {name} | {mean_std(scores[:, 0])} | {mean_std(scores[:, 1])} "
            f"| {mean_std(col['worst_vs_sep'])} | {wins[0]} "
            f"| {mean_std(col['min_score'])} | {wins[1]} | {weights} | {balance} "
            f"| {epochs} | {np.median(col['seconds']):.2f} |"
        )
    train = ", ".join(
        f"{name} {np.mean(column[name]['train_scores'], axis=0)[0]:.2f} / "
        f"{np.mean(column[name]['train_scores'], axis=0)[1]:.2f}"
        for name in names
    )
    print(f"\ntraining R^2 / accuracy (mean over seeds): {train}")
    start = np.array(equal["start_loss"])
    print(
        "\nloss of each task at the first epoch (equal weights, mean over seeds): "
        f"regression {start[:, 0].mean():.3g}, 3-class {start[:, 1].mean():.3g}; "
        f"epochs: median; fit: median seconds (separate: both networks)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and fast run")
    parser.add_argument(
        "--n", type=int, nargs="+", default=[300, 1000], help="training rows"
    )
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--hidden", type=int, nargs="+", default=[64])
    parser.add_argument(
        "--scale",
        type=float,
        nargs="+",
        default=[100.0, 0.01],
        help="regression baseline loss / 3-class baseline loss",
    )
    parser.add_argument(
        "--early-stopping", action="store_true", help="early_stopping=True for all"
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    args = parser.parse_args()
    if args.quick:
        args.n, args.n_test, args.seeds = [300], 1000, 3
    hidden = tuple(args.hidden)
    print(
        f"# Task weighting at a 100x loss scale ({datetime.date.today()})\n\n"
        f"2 tasks (regression in units, 3-class) on r(x) = tanh(A^T x), "
        f"d={N_FEATURES}, rank {RANK}; hidden={hidden}, other settings at their "
        f"defaults (early_stopping={args.early_stopping}); "
        f"n_test={args.n_test}; seeds 0-{args.seeds - 1}; "
        f"{args.threads} BLAS thread(s)"
    )
    started = time.perf_counter()
    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for n in args.n:
            draws = [Draw(n, args.n_test, seed) for seed in range(args.seeds)]
            for scale in args.scale:
                runs = [
                    fit_all(draw, scale, hidden, seed, args.early_stopping)
                    for seed, draw in enumerate(draws)
                ]
                direction = f"x{scale:g}" if scale >= 1 else f"/{1 / scale:g}"
                report(
                    f"## n = {n} training rows, regression loss {direction} "
                    f"the 3-class loss",
                    runs,
                )
    print(
        f"\nTotal {time.perf_counter() - started:.0f} s. "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skmtl {skmtl.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} x {cpu_name()}"
    )


if __name__ == "__main__":
    main()
