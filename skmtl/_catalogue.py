"""What the CV estimators compare: candidates, the baselines, and ``penalty="auto"``.

A :class:`Candidate` is one point of the searched family short of ``alpha``:
a penalty, an ``l2`` strength and an ``intercept_shrinkage``; each is solved
along a warm-started path of alphas. Three candidates are the baselines an
analyst fits first, all of them ridge (or ridge-logistic) models tuned by the
same alpha paths on the same folds:

- ``"independent"``: one model per task (``penalty="ridge"``, free intercepts);
- ``"pooled"``: one model for every row (``TaskGraph(strength=inf,
  base="ridge")``, one intercept);
- ``"random_intercept"``: pooled slopes and task intercepts shrunk towards
  their mean (the same penalty with a finite ``intercept_shrinkage``, searched
  on a grid), the penalised form of a mixed model's random intercept.

``penalty="auto"`` searches, coarse to fine (:func:`first_stage`,
:func:`second_stage`, :func:`third_stage`): first
every structure of the catalogue with free and with moderately shared
intercepts, then the whole grid of intercept strengths for the three best
structures, then the neighbours of the best strengths. Strength grids are
scaled to the data (:class:`Scales`).
"""

from dataclasses import dataclass, field

import numpy as np

from ._path import curvature_scales
from .datafits.shared_intercept import intercept_curvature
from .penalties.structures import Dirty, TaskGraph

# Multiples of the data's scales that the grids of strengths span: a task
# keeps about S / (S + 2 gamma) of its own intercept deviation, so these keep
# 91%, 50% and 9% of it; the same multiples of a coefficient's curvature give
# the task-graph strengths.
GRID_MULTIPLES = (0.05, 0.5, 5.0)
# The random-intercept baseline searches its intercept strength on a finer
# grid (it is cheap: one pooled column), from 0.01 S to 10 S: on Chem97 at 30%
# training rows, 13 such strengths gave a held-out explained variance of 0.492
# against 0.477 for the three of GRID_MULTIPLES (a mixed model: 0.494).
BASELINE_MULTIPLES = tuple(np.geomspace(0.01, 10.0, 10))
# The refinement tries the best strength times and divided by this factor.
REFINE_FACTOR = np.sqrt(10.0)
# How many of the best structures get the whole grid of intercept strengths.
N_REFINED_STRUCTURES = 3
BASELINES = ("independent", "pooled", "random_intercept")


@dataclass(frozen=True)
class Candidate:
    """One setting searched along a path of alphas.

    Parameters
    ----------
    penalty : str or Penalty
        The penalty.
    l2 : float, default=0.0
        Strength of the extra ridge term.
    intercept_shrinkage : float, default=0.0
        Strength pulling the task intercepts together (``inf``: one intercept).
    baseline : str, default=None
        The baseline this candidate is a setting of, if any.
    """

    penalty: object
    l2: float = 0.0
    intercept_shrinkage: float = 0.0
    baseline: str | None = field(default=None, compare=False)

    def params(self):
        """The estimator parameters of this candidate."""
        return {
            "penalty": self.penalty,
            "l2": self.l2,
            "intercept_shrinkage": self.intercept_shrinkage,
        }

    def key(self):
        """A hashable identity (penalty objects compared by their repr)."""
        return (repr(self.penalty), self.l2, self.intercept_shrinkage)

    def __repr__(self):
        text = repr(self.penalty)
        if self.l2:
            text += f", l2={self.l2:.3g}"
        if self.intercept_shrinkage:
            text += f", intercept_shrinkage={self.intercept_shrinkage:.3g}"
        return text


def pooled_penalty():
    """The pooled ridge: one coefficient vector for every task."""
    return TaskGraph(strength=np.inf, base="ridge")


@dataclass(frozen=True)
class Scales:
    """The data's scales for the grids of strengths.

    Parameters
    ----------
    intercept : float
        Median over tasks of the data term's curvature in a task's intercept
        (``S_t``: the task's weight in the data term, times the loss
        curvature at the null model).
    coefficient : float
        Typical curvature of the data term in one coefficient (see
        :func:`skmtl._path.curvature_scales`).
    """

    intercept: float
    coefficient: float

    @classmethod
    def of(cls, datafit, column_task):
        """The scales of an in-memory datafit."""
        _, typical = curvature_scales(datafit, column_task)
        intercept = 1.0
        data = getattr(datafit, "data", None)
        if data is not None and hasattr(datafit, "derivative"):
            _, scores, _ = datafit.null_model()
            per_column = intercept_curvature(datafit, scores)
            per_column = per_column[np.isfinite(per_column) & (per_column > 0)]
            if per_column.size:
                intercept = float(np.median(per_column))
        return cls(intercept, typical if typical > 0 else 1.0)

    def intercept_grid(self):
        """Finite intercept strengths, increasing."""
        return tuple(float(m * self.intercept) for m in GRID_MULTIPLES)

    def baseline_intercept_grid(self):
        """The random-intercept baseline's finer grid of intercept strengths."""
        return tuple(float(m * self.intercept) for m in BASELINE_MULTIPLES)

    def strength_grid(self):
        """Finite task-graph strengths, increasing."""
        return tuple(float(m * self.coefficient) for m in GRID_MULTIPLES)


def baseline_candidates(scales, pools, with_intercepts=True):
    """The baselines that apply.

    Parameters
    ----------
    scales : Scales
        The data's scales (the grid of intercept strengths).
    pools : bool
        Whether the tasks can be pooled: several tasks, one column each.
    with_intercepts : bool, default=True
        Whether intercepts are fitted (else the pooled model has none and the
        random-intercept model does not apply).
    """
    candidates = [Candidate("ridge", baseline="independent")]
    if not pools:
        return candidates
    if not with_intercepts:
        return candidates + [Candidate(pooled_penalty(), 0.0, 0.0, "pooled")]
    candidates.append(Candidate(pooled_penalty(), 0.0, np.inf, "pooled"))
    candidates += [
        Candidate(pooled_penalty(), 0.0, gamma, "random_intercept")
        for gamma in scales.baseline_intercept_grid()
    ]
    return candidates


def auto_structures(scales, one_column_per_task, n_tasks):
    """The structures of ``penalty="auto"``, and those skipped with the reason.

    Returns
    -------
    structures : list of (penalty, l2)
        Penalties with their ``l2`` strength.
    skipped : list of str
        Why a structure does not apply to these tasks.
    """
    structures = [
        ("ridge", 0.0), ("lasso", 0.0), ("group_lasso", 0.0), ("trace_norm", 0.0),
        (Dirty(), 0.0), ("group_lasso", scales.coefficient),
    ]  # fmt: skip
    graphs = [TaskGraph(strength=s, base="ridge") for s in scales.strength_grid()]
    graphs.append(pooled_penalty())
    skipped = []
    if n_tasks < 2:
        skipped.append(
            "the task graphs and the pooled model (a single task: nothing to share)"
        )
    elif not one_column_per_task:
        skipped.append(
            "the task graphs, the pooled model and shared intercepts (they compare "
            "one coefficient column per task, and some tasks are multi-class)"
        )
    else:
        structures += [(graph, 0.0) for graph in graphs]
    return structures, skipped


def first_stage(structures, scales, shares_intercepts):
    """Every structure with free and with moderately shared intercepts."""
    gammas = [0.0]
    if shares_intercepts:
        gammas.append(scales.intercept_grid()[1])
    return [
        Candidate(penalty, l2, gamma) for penalty, l2 in structures for gamma in gammas
    ]


def second_stage(ranked, scales):
    """The whole grid of intercept strengths for the best structures.

    ``ranked`` lists candidates best first; the first
    ``N_REFINED_STRUCTURES`` distinct (penalty, l2) get every strength.
    """
    seen, chosen = set(), []
    for candidate in ranked:
        structure = (repr(candidate.penalty), candidate.l2)
        if structure in seen:
            continue
        seen.add(structure)
        chosen.append(candidate)
        if len(chosen) == N_REFINED_STRUCTURES:
            break
    gammas = (*scales.intercept_grid(), np.inf)
    return [Candidate(c.penalty, c.l2, g) for c in chosen for g in gammas]


def third_stage(best, scales):
    """Neighbours of the best candidate's strengths.

    A finite strength (of the intercepts or of the task graph) is tried a
    factor ``REFINE_FACTOR`` either side; the pooled model (infinite
    strength) is tried at ten times the top of the finite grid, the
    neighbour of infinity on it.
    """
    candidates = []
    gamma = best.intercept_shrinkage
    if 0 < gamma < np.inf:
        candidates += [
            Candidate(best.penalty, best.l2, float(gamma * f))
            for f in (REFINE_FACTOR, 1 / REFINE_FACTOR)
        ]
    penalty = best.penalty
    strength = getattr(penalty, "strength", None)
    if isinstance(penalty, TaskGraph) and strength:
        if np.isfinite(strength):
            strengths = [strength * f for f in (REFINE_FACTOR, 1 / REFINE_FACTOR)]
        else:
            strengths = [10.0 * scales.strength_grid()[-1]]
        for value in strengths:
            graph = TaskGraph(
                graph=penalty.graph, strength=float(value), base=penalty.base
            )
            candidates.append(Candidate(graph, best.l2, gamma))
    return candidates
