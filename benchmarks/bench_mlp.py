"""One shared network against one scikit-learn network per task.

Generated data with a known shared representation: 10 tasks read the same
3-D representation ``r(x) = tanh(A^T x)`` of 20 features through different
heads: 3 regression tasks ``y = w^T r + 0.2 * noise``, 4 binary tasks and 3
three-class tasks whose logits are ``3 r^T W`` (labels sampled from the
softmax). Two layouts:

- ``shared rows``: one ``X`` for all tasks and ``Y`` with one column per
  task, 25% of each task's targets missing at random (``n`` rows in all);
- ``own rows``: each task its own ``n`` rows, the task in a column of ``X``
  (``task_column``) and a 1-D ``y`` mixing numbers and labels.

Compared on the same data, with the same hidden layers, Adam settings,
stopping rule (``tol=1e-4``, ``n_iter_no_change=10``, ``max_iter`` epochs)
and L2 strength:

- ``MultiTaskMLP``: one fit, shared hidden layers, one head per task, with
  equal task weights and with ``task_weights="balanced"``;
- ``MultiTaskMLP mmoe``: the multi-gate mixture of experts
  (``architecture="mmoe"``) at equal total width: ``--experts`` experts, each
  with the hidden widths divided by their number (64 units: 4 experts of 16),
  and one softmax gate per task;
- ``MLPRegressor`` / ``MLPClassifier`` fitted once per task on the rows
  where that task is observed.

scikit-learn penalises ``alpha / (2 m) ||W||^2`` beside the mean loss of a
batch of ``m`` rows, skmtl ``alpha / 2 ||W||^2`` whatever the batch. So each
scikit-learn network gets batches of equal size ``m`` (the fewest batches of
at most 200 rows, 200 being the "auto" batch size of both; with 225 rows, two
batches of 113 and 112 rather than 200 and a 25-row batch penalised 8 times
harder) and ``alpha * m``: the same penalty as skmtl's in every batch.

Reported per layout and ``alpha``: total fit time (median of ``--repeats``
fits), epochs, time per epoch, held-out scores (R^2 for regression, accuracy
for classification) per kind of task and their mean over the 10 tasks
(``MultiTaskMLP.score``), the ratios to the per-task networks, and the cost
of an epoch of the mixture of experts over one of hard sharing (the stopping
rule ends the fits at different epochs, so whole fits do not compare).

Usage::

    python benchmarks/bench_mlp.py          # n = 300 and 100, alpha = 0.01 and 0.1
    python benchmarks/bench_mlp.py --quick  # n = 150, 1 repeat, about 15 s
    python benchmarks/bench_mlp.py --busy   # with one CPU-bound process beside
"""

import argparse
import platform
import time
import warnings

import numpy as np
import sklearn
from busy import start_busy_loop, stop_busy_loop
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

import skmtl
from skmtl.neural import MultiTaskMLP

KINDS = ["regression"] * 3 + ["binary"] * 4 + ["multiclass"] * 3
N_FEATURES, RANK, MISSING = 20, 3, 0.25


class Tasks:
    """Training data in the layout's form, and each task's test set."""

    def __init__(self, n_train, n_test, own_rows, seed):
        rng = np.random.default_rng(seed)
        A = 2.0 * rng.standard_normal((N_FEATURES, RANK)) / np.sqrt(N_FEATURES)
        heads = [
            rng.standard_normal((RANK, 1))
            if kind == "regression"
            else 3.0 * rng.standard_normal((RANK, 2 if kind == "binary" else 3))
            for kind in KINDS
        ]

        def targets(t, X):
            scores = np.tanh(X @ A) @ heads[t]
            if KINDS[t] == "regression":
                return scores[:, 0] + 0.2 * rng.standard_normal(len(X))
            gumbel = -np.log(-np.log(rng.uniform(size=scores.shape)))
            return np.argmax(scores + gumbel, axis=1)

        self.own_rows = own_rows
        n_tasks = len(KINDS)
        if own_rows:
            self.task_X = [rng.standard_normal((n_train, N_FEATURES)) for _ in KINDS]
            self.task_y = [targets(t, X) for t, X in enumerate(self.task_X)]
            task = np.repeat(np.arange(n_tasks), n_train)
            self.X = np.column_stack([np.vstack(self.task_X), task])
            self.y = np.empty(task.size, dtype=object)
            for t in range(n_tasks):
                self.y[task == t] = self.task_y[t].tolist()
            self.test_X = [rng.standard_normal((n_test, N_FEATURES)) for _ in KINDS]
        else:
            self.X = rng.standard_normal((n_train, N_FEATURES))
            self.y = np.empty((n_train, n_tasks), dtype=object)
            self.task_X, self.task_y = [], []
            for t in range(n_tasks):
                seen = rng.uniform(size=n_train) >= MISSING
                values = targets(t, self.X)
                self.y[seen, t] = values[seen].tolist()
                self.task_X.append(self.X[seen])
                self.task_y.append(values[seen])
            self.test_X = [rng.standard_normal((n_test, N_FEATURES))] * n_tasks
        self.test_y = [targets(t, X) for t, X in enumerate(self.test_X)]

    def mtl_prediction(self, model, t):
        if self.own_rows:
            X = np.column_stack([self.test_X[t], np.full(len(self.test_X[t]), t)])
            return model.predict(X)
        return model.predict(self.test_X[t])[:, t]

    def scores(self, predict):
        """Held-out score of each task: R^2 or accuracy."""
        scores = []
        for t, kind in enumerate(KINDS):
            prediction = predict(t)
            if kind == "regression":
                scores.append(r2_score(self.test_y[t], prediction.astype(float)))
            else:
                scores.append(accuracy_score(self.test_y[t], prediction.astype(int)))
        return np.array(scores)


def timed(fit, repeats):
    times, model = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = fit()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def compare(data, alpha, args):
    """Rows of one table: (model, seconds, epochs, per-task scores)."""
    common = {
        "hidden_layer_sizes": tuple(args.hidden),
        "learning_rate_init": args.learning_rate,
        "max_iter": args.max_iter,
        "tol": 1e-4,
        "n_iter_no_change": 10,
        "early_stopping": args.early_stopping,
        "random_state": args.seed,
    }
    layout = {"task_column": -1} if data.own_rows else {}
    experts = args.experts
    expert_widths = tuple(max(1, width // experts) for width in args.hidden)
    mixture = {
        "architecture": "mmoe",
        "n_experts": experts,
        "hidden_layer_sizes": expert_widths,
    }
    rows = []
    for label, options in [
        ("MultiTaskMLP", {}),
        ("MultiTaskMLP balanced", {"task_weights": "balanced"}),
        (f"MultiTaskMLP mmoe {experts}x{expert_widths}", mixture),
    ]:
        estimator = MultiTaskMLP(**{**common, **layout, "alpha": alpha, **options})
        seconds, model = timed(lambda e=estimator: e.fit(data.X, data.y), args.repeats)
        scores = data.scores(lambda t, model=model: data.mtl_prediction(model, t))
        rows.append((label, seconds, model.n_iter_, scores))

    def fit_separate():
        models = []
        for t, kind in enumerate(KINDS):
            Network = MLPRegressor if kind == "regression" else MLPClassifier
            n_rows = len(data.task_y[t])
            m = -(-n_rows // -(-n_rows // 200))  # ceil(n / ceil(n / 200))
            net = Network(**common, alpha=alpha * m, batch_size=m)
            models.append(net.fit(data.task_X[t], data.task_y[t]))
        return models

    seconds, models = timed(fit_separate, args.repeats)
    scores = data.scores(lambda t: models[t].predict(data.test_X[t]))
    # The per-task networks run one after the other: their epochs add up.
    epochs = sum(m.n_iter_ for m in models) / len(models)
    rows.append((f"sklearn MLP x {len(KINDS)}", seconds, epochs, scores))
    return rows


def report(title, rows):
    print(f"\n{title}")
    print(
        "| model | fit (s) | epochs | ms / epoch | mean score | regression R^2 "
        "| binary acc | 3-class acc |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, seconds, epochs, scores in rows:
        print(
            f"| {label} | {seconds:.2f} | {epochs:.0f} "
            f"| {1000 * seconds / epochs:.1f} | {scores.mean():.3f} "
            f"| {scores[:3].mean():.3f} | {scores[3:7].mean():.3f} "
            f"| {scores[7:].mean():.3f} |"
        )
    reference = rows[-1]
    for label, seconds, _, scores in rows[:-1]:
        print(
            f"  {label}: fit time sklearn / skmtl = {reference[1] / seconds:.2f}x, "
            f"mean score skmtl - sklearn = {scores.mean() - reference[3].mean():+.3f}"
        )
    shared, mixture = rows[0], rows[2]
    per_epoch = (mixture[1] / mixture[2]) / (shared[1] / shared[2])
    print(f"  {mixture[0]}: time per epoch / hard sharing's = {per_epoch:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and fast run")
    parser.add_argument(
        "--n", type=int, nargs="+", default=[300, 100], help="rows (per task)"
    )
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--hidden", type=int, nargs="+", default=[64])
    parser.add_argument(
        "--alpha", type=float, nargs="+", default=[1e-2, 1e-1], help="L2 strengths"
    )
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument(
        "--early-stopping", action="store_true", help="early_stopping=True for all"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument(
        "--experts", type=int, default=4, help="experts of the mixture of experts"
    )
    parser.add_argument(
        "--busy", action="store_true", help="run one CPU-bound process beside"
    )
    args = parser.parse_args()
    if args.quick:
        args.n, args.n_test, args.repeats = [150], 1000, 1
    print(
        f"10 tasks (3 regression, 4 binary, 3 three-class), d={N_FEATURES}, "
        f"hidden={tuple(args.hidden)}, "
        f"learning_rate_init={args.learning_rate}, max_iter={args.max_iter}, "
        f"early_stopping={args.early_stopping}, "
        f"n_test={args.n_test} per task, seed={args.seed}; fit times: median of "
        f"{args.repeats}, {args.threads} BLAS thread(s)"
    )
    busy = start_busy_loop() if args.busy else None
    if busy is not None:
        print(f"busy: one CPU-bound process (pid {busy.pid}) runs beside")
    try:
        run(args)
    finally:
        if busy is not None:
            stop_busy_loop(busy)
    print(
        f"\nPython {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, skmtl {skmtl.__version__}, "
        f"{platform.machine()}"
    )


def run(args):
    with threadpool_limits(limits=args.threads):
        for n in args.n:
            for own_rows in (False, True):
                data = Tasks(n, args.n_test, own_rows, args.seed)
                if own_rows:
                    title = f"own rows: each task its own {n} rows (task_column)"
                else:
                    title = (
                        f"shared rows: one X of {n} rows, Y with 10 columns, "
                        f"{MISSING:.0%} of each task's targets missing"
                    )
                for alpha in args.alpha:
                    report(f"{title}, alpha={alpha}", compare(data, alpha, args))


if __name__ == "__main__":
    main()
