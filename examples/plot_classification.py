"""
Binary and multi-class tasks in one model
=========================================

:class:`skmtl.MultiTaskClassifier` fits classification tasks that each have
their own labels: here three binary tasks and three tasks with three or four
classes, all on the same 40 features of which 4 matter. A binary task has one
coefficient row (logistic loss), a task with ``K`` classes has ``K`` rows
(multinomial loss), and the group lasso acts on all the rows of all the tasks
together. We compare the per-task held-out accuracy with an independent
:class:`~sklearn.linear_model.LogisticRegression` for each task, its ``C``
chosen by :class:`~sklearn.model_selection.GridSearchCV`.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split

from skmtl import MultiTaskClassifierCV
from skmtl.datasets import make_multitask_classification
from skmtl.metrics import per_task_scores
from skmtl.plotting import CoefficientDisplay

n_classes = [2, 2, 2, 3, 3, 4]
X, Y, true_coef = make_multitask_classification(
    n_samples=240,
    n_features=40,
    n_tasks=len(n_classes),
    n_classes=n_classes,
    n_informative=4,
    scale=3.0,
    random_state=0,
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.5, random_state=0)
model = MultiTaskClassifierCV(penalty="group_lasso", alphas=10, cv=3)
model.fit(X_train, Y_train)
print(f"coef_ has {model.coef_.shape[0]} rows for {model.n_tasks_} tasks")

multi_task = per_task_scores(model, X_test, Y_test)
per_task = GridSearchCV(LogisticRegression(), {"C": np.logspace(-2, 1, 6)}, cv=3)
independent = {
    t: per_task.fit(X_train, Y_train[:, t]).score(X_test, Y_test[:, t])
    for t in range(Y.shape[1])
}
for t, k in enumerate(n_classes):
    print(
        f"task {t} ({k} classes): skmtl {multi_task[t]:.2f}, "
        f"independent {independent[t]:.2f}"
    )

# %%
# Left: held-out accuracy of each task. Right: the coefficients, one row per
# binary task and one row per class of a multi-class task; the group lasso
# keeps the same few features (columns) for every row.

fig, (left, right) = plt.subplots(
    1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1, 2]}
)
tasks = np.arange(len(n_classes))
left.bar(tasks - 0.2, [multi_task[t] for t in tasks], 0.4, label="skmtl group lasso")
left.bar(tasks + 0.2, [independent[t] for t in tasks], 0.4, label="independent")
left.set_xticks(tasks, [f"{t}\n({k} cl.)" for t, k in enumerate(n_classes)])
left.set_ylim(0, 1.25)
left.set_yticks(np.linspace(0, 1, 6))
left.set_xlabel("task")
left.set_ylabel("held-out accuracy")
left.legend(loc="upper left", ncols=2, fontsize="small")
CoefficientDisplay.from_estimator(model, ax=right, name="MultiTaskClassifierCV")
fig.tight_layout()
plt.show()
