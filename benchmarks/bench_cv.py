"""MultiTaskRegressorCV / MultiTaskClassifierCV against GridSearchCV.

The CV estimators solve each training fold as one warm-started path over the
grid of alphas (data validated, laid out and, for the squared loss with
n > d, reduced to its Gram matrix once per fold). GridSearchCV over the plain
estimator fits every (alpha, fold) pair from scratch. Both use the same grid
(``model.alphas_[0]``), the same folds (``KFold(5, shuffle=True,
random_state=0)``), the same scoring (the CV estimators' default: R^2, and the
mean per-task log loss for the classifier), tolerance and refit.

Reported: the median wall time of ``--repeats`` runs of each, their ratio, and
whether both chose the same alpha. BLAS is limited to ``--threads`` threads
(default 1), and ``n_jobs=None`` for both (one process).

Usage::

    python benchmarks/bench_cv.py                 # n=500, d=200, T=10, 20 alphas
    python benchmarks/bench_cv.py --quick         # n=200, d=50, T=5, 10 alphas
"""

import argparse
import platform
import statistics
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from threadpoolctl import threadpool_limits

import skmtl
from skmtl import (
    MultiTaskClassifier,
    MultiTaskClassifierCV,
    MultiTaskRegressor,
    MultiTaskRegressorCV,
)
from skmtl.datasets import make_multitask_classification, make_multitask_regression
from skmtl.metrics import neg_log_loss_scorer


def _timed(fit, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def _compare(name, CV, Estimator, X, Y, args):
    cv = KFold(5, shuffle=True, random_state=0)
    common = {"penalty": args.penalty, "tol": args.tol, "max_iter": args.max_iter}

    def fit_cv():
        return CV(alphas=args.n_alphas, cv=cv, **common).fit(X, Y)

    t_cv, runs_cv, model = _timed(fit_cv, args.repeats)
    grid = {"alpha": model.alphas_[0]}

    # The CV estimators' default criterion: R^2 for the regressor, the mean
    # per-task log loss for the classifier.
    scoring = neg_log_loss_scorer if CV is MultiTaskClassifierCV else None

    def fit_search():
        return GridSearchCV(Estimator(**common), grid, cv=cv, scoring=scoring).fit(X, Y)

    t_gs, runs_gs, search = _timed(fit_search, args.repeats)
    mean = model.scores_[0].mean(axis=1)
    gap = np.max(np.abs(mean - search.cv_results_["mean_test_score"]))
    same = model.alpha_ == search.best_params_["alpha"]
    print(
        f"{name:<22} {t_cv:8.2f} {t_gs:14.2f} {t_gs / t_cv:7.1f}x   "
        f"same alpha: {same}  (index {int(np.argmax(mean))}), "
        f"max |mean score difference| {gap:.1e}"
    )
    print(
        f"{'':<22} runs: CV {', '.join(f'{t:.2f}' for t in runs_cv)}; "
        f"GridSearchCV {', '.join(f'{t:.2f}' for t in runs_gs)}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=500)
    parser.add_argument("--n-features", type=int, default=200)
    parser.add_argument("--n-tasks", type=int, default=10)
    parser.add_argument("--n-alphas", type=int, default=20)
    parser.add_argument("--penalty", default="group_lasso")
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.n_samples, args.n_features, args.n_tasks, args.n_alphas = 200, 50, 5, 10

    print(
        f"skmtl {skmtl.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}; BLAS threads: {args.threads}"
    )
    print(
        f"n={args.n_samples}, d={args.n_features}, T={args.n_tasks}, "
        f"{args.n_alphas} alphas, 5 folds, penalty={args.penalty}, tol={args.tol:g}; "
        f"median of {args.repeats} runs (s)"
    )
    print(f"{'':<22} {'CV':>8} {'GridSearchCV':>14} {'speed-up':>8}")
    shape = (args.n_samples, args.n_features, args.n_tasks)
    X, Y, _ = make_multitask_regression(
        *shape, n_informative=10, noise=5.0, random_state=0
    )
    Xc, Yc, _ = make_multitask_classification(*shape, n_informative=10, random_state=0)
    with threadpool_limits(args.threads), warnings.catch_warnings():
        # Cold fits at the smallest alphas may need more than max_iter; both
        # estimators then stop at the same budget.
        warnings.simplefilter("ignore", ConvergenceWarning)
        _compare(
            "MultiTaskRegressorCV", MultiTaskRegressorCV, MultiTaskRegressor, X, Y, args
        )
        _compare(
            "MultiTaskClassifierCV",
            MultiTaskClassifierCV,
            MultiTaskClassifier,
            Xc,
            Yc,
            args,
        )


if __name__ == "__main__":
    main()
