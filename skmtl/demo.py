"""Demo: multi-task fits against independent per-task baselines.

Run with ``python -m skmtl.demo`` (or the ``skmtl-demo`` command). It generates
related tasks with few samples each, fits

- :class:`~skmtl.MultiTaskRegressor` with the trace norm on tasks that share a
  low-rank coefficient matrix, against a per-task ``RidgeCV``;
- :class:`~skmtl.MultiTaskClassifier` with the group lasso on tasks that share
  a few relevant features, against a per-task ``LogisticRegressionCV``;

choosing ``alpha`` by cross-validation on the training set, and prints the
held-out score of every task.
"""

import argparse

import numpy as np
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split

from . import MultiTaskClassifier, MultiTaskRegressor, alpha_max
from .datasets.generators import (
    make_multitask_classification,
    make_multitask_regression,
)

_ALPHA_FRACTIONS = np.geomspace(1.0, 1e-3, 10)  # alpha / alpha_max grid


def _tuned(estimator, X, Y, loss):
    """Fit ``estimator`` with alpha chosen by 3-fold CV on a grid below alpha_max."""
    top = alpha_max(X, Y, penalty=estimator.penalty, loss=loss)
    search = GridSearchCV(estimator, {"alpha": top * _ALPHA_FRACTIONS}, cv=3)
    return search.fit(X, Y).best_estimator_


def _print_table(title, metric, multi, single):
    print(f"\n{title}")
    print(f"{'task':>6} {'skmtl ' + metric:>16} {'per-task ' + metric:>16}")
    for task, (m, s) in enumerate(zip(multi, single, strict=True)):
        print(f"{task:>6} {m:>16.3f} {s:>16.3f}")
    print(f"{'mean':>6} {np.mean(multi):>16.3f} {np.mean(single):>16.3f}")
    wins = int(np.sum(np.asarray(multi) > np.asarray(single)))
    print(f"skmtl is better on {wins} of {len(multi)} tasks.")


def run_regression(random_state=0):
    """Trace-norm regression vs per-task RidgeCV on low-rank related tasks.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the generated data.

    Returns
    -------
    multi, single : list of float
        Held-out R^2 of each task for skmtl and for the baseline.
    """
    X, Y, _ = make_multitask_regression(
        n_samples=540, n_features=40, n_tasks=8, structure="low_rank", rank=2,
        noise=2.0, random_state=random_state,
    )  # fmt: skip
    X_train, X_test, Y_train, Y_test = train_test_split(
        X, Y, train_size=40, random_state=random_state
    )
    model = _tuned(
        MultiTaskRegressor(penalty="trace_norm"), X_train, Y_train, "squared"
    )
    prediction = model.predict(X_test)
    multi = [r2_score(Y_test[:, t], prediction[:, t]) for t in range(Y.shape[1])]
    single = []
    for t in range(Y.shape[1]):
        baseline = RidgeCV(alphas=np.geomspace(1e-3, 1e3, 13)).fit(
            X_train, Y_train[:, t]
        )
        single.append(r2_score(Y_test[:, t], baseline.predict(X_test)))
    _print_table(
        f"Regression: 8 tasks sharing a rank-2 W, 40 training samples, 40 features "
        f"(trace norm, alpha={model.alpha:.3g})",
        "R^2",
        multi,
        single,
    )
    return multi, single


def run_classification(random_state=0):
    """Group-lasso classification vs per-task LogisticRegressionCV.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the generated data.

    Returns
    -------
    multi, single : list of float
        Held-out accuracy of each task for skmtl and for the baseline.
    """
    X, Y, _ = make_multitask_classification(
        n_samples=1060, n_features=60, n_tasks=6, structure="shared_support",
        n_informative=4, scale=2.0, random_state=random_state,
    )  # fmt: skip
    X_train, X_test, Y_train, Y_test = train_test_split(
        X, Y, train_size=60, random_state=random_state
    )
    model = _tuned(
        MultiTaskClassifier(penalty="group_lasso"), X_train, Y_train, "log_loss"
    )
    prediction = model.predict(X_test)
    multi = [accuracy_score(Y_test[:, t], prediction[:, t]) for t in range(Y.shape[1])]
    single = []
    for t in range(Y.shape[1]):
        baseline = LogisticRegressionCV(
            Cs=10,
            cv=3,
            scoring="accuracy",
            l1_ratios=(0.0,),
            use_legacy_attributes=False,
        ).fit(X_train, Y_train[:, t])
        single.append(accuracy_score(Y_test[:, t], baseline.predict(X_test)))
    n_selected = int(np.count_nonzero(np.linalg.norm(model.coef_, axis=0)))
    _print_table(
        f"Classification: 6 binary tasks sharing 4 of 60 features, 60 training "
        f"samples (group lasso, alpha={model.alpha:.3g}, {n_selected} features "
        "selected)",
        "accuracy",
        multi,
        single,
    )
    return multi, single


def main(argv=None):
    """Run both parts of the demo and print the tables.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``--seed N``); ``sys.argv`` when None.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the data")
    args = parser.parse_args(argv)
    print("skmtl demo: held-out scores of each task, multi-task vs independent fits")
    run_regression(args.seed)
    run_classification(args.seed)


if __name__ == "__main__":
    main()
