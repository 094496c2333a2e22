"""The two ends of a task's normalised score: random search's expected answer (0) and the table optimum (1).

**0 = random search's expected final answer at the task's budget.** Many random searches are simulated on the
enumerated table at once (:data:`REFERENCE_DRAWS` of them, numpy generator seeded with :data:`REFERENCE_SEED`):
each draws cells uniformly (the ``random`` agent's distribution on these spaces, where every decision has all
its choices), stops at the protocol's budget exactly as the tracker does (an evaluation that would take the
simulated cost past the budget is not counted, and ends the search), and answers with the reported accuracy of
its best-reward cell (the earliest on ties). The mean over the draws is the expected answer, with its standard
error. This is the baseline every NAS paper needs, at the very budget the agents get, so a score of 0 means "no
better than random search" whatever the task's spread of accuracies.

**1 = the table optimum of the reported metric**, over the cells a search can answer with: those with a positive
reward (under a latency constraint, the cells within the limit; elsewhere every cell). The gap between 0 and 1 is
what a search strategy can still gain over random search; a score above 1 is impossible, a negative one means
worse than random search.

The enumeration plays every cell through the protocol's own env pieces (its space, evaluator at the env's
fidelity, reward function and the protocol's reporter), so the numbers are the ones a run records. A task whose
reward is not deterministic (a noisy signal) or whose space is too large to enumerate has no reference:
:class:`NoReference` is raised and the task is reported without a score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nas_env.validation import check_int

__all__ = ["MAX_CELLS", "REFERENCE_DRAWS", "REFERENCE_SEED", "NoReference", "Reference", "TableArrays",
           "enumerate_table", "reference_of", "simulate_random_search"]

#: simulated random searches per task, and the seed of their generator
REFERENCE_DRAWS = 10_000
REFERENCE_SEED = 20261207
#: the largest space enumerated for a reference
MAX_CELLS = 200_000


class NoReference(ValueError):
    """The task has no table reference (a noisy reward, a space too large or not finite)."""


@dataclass(frozen=True)
class Reference:
    """A task's reference points, fractions like the reported accuracies.

    Attributes:
        random_expected: random search's expected final answer at the task's budget (the score's 0).
        random_se: the standard error of that mean over the simulated searches.
        random_evaluations: the mean number of evaluations of those searches.
        optimum: the best reported accuracy among cells with a positive reward (the score's 1).
        optimum_arch: that cell.
        cells: the number of cells enumerated.
        draws: the number of simulated random searches; ``seed``: their generator's seed.
    """

    random_expected: float
    random_se: float
    random_evaluations: float
    optimum: float
    optimum_arch: str
    cells: int
    draws: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def score(self, accuracy: np.ndarray | float) -> np.ndarray | float:
        """``(accuracy - random_expected) / (optimum - random_expected)``."""
        return (np.asarray(accuracy, dtype=float) - self.random_expected) / (self.optimum - self.random_expected)


@dataclass(frozen=True)
class TableArrays:
    """Every cell of a task: its canonical string, reward, simulated cost and reported accuracy."""

    archs: list[str]
    reward: np.ndarray
    cost: np.ndarray
    reported: np.ndarray


def enumerate_table(protocol: Any) -> TableArrays:
    """Play every cell of ``protocol``'s space through its evaluator, reward and reporter (:class:`NoReference`
    for a noisy reward, a space that is not finite or larger than :data:`MAX_CELLS`)."""
    env = protocol.make_env()
    try:
        u = env.unwrapped
        if not u.space.is_finite:
            raise NoReference(f"protocol {protocol.name!r}: its space is not finite")
        if getattr(u.evaluator, "noise", 0.0):
            raise NoReference(f"protocol {protocol.name!r}: its reward is noisy")
        reporter = protocol.make_reporter()
        archs, reward, cost, reported = [], [], [], []
        rng = np.random.default_rng(0)
        for i, tokens in enumerate(u.space.enumerate()):
            if i >= MAX_CELLS:
                raise NoReference(f"protocol {protocol.name!r}: more than {MAX_CELLS:,} cells to enumerate")
            arch = u.space.decode(tokens)
            metrics = u.evaluator.evaluate(arch, fidelity=u.fidelity, seed=rng)
            ok = metrics.get("status") == "ok"
            name = str(arch)
            archs.append(name)
            reward.append(float(u.reward_fn(metrics)) if ok else float(u.failure_reward))
            cost.append(float(metrics.get("cost_seconds") or 0.0))
            acc = reporter.accuracy(name, metrics) if ok else None
            reported.append(np.nan if acc is None else float(acc))
    finally:
        env.close()
    return TableArrays(archs, np.array(reward), np.array(cost), np.array(reported))


def simulate_random_search(reward: np.ndarray, cost: np.ndarray, reported: np.ndarray, evaluations: int | None,
                           cost_seconds: float | None, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``draws`` random searches on a table: the reported accuracy of each one's best-reward cell (earliest on
    ties) and its number of evaluations. ``evaluations`` and/or ``cost_seconds`` is the budget (the tracker's
    rule: the evaluation that would cross ``cost_seconds`` is not counted and ends the search)."""
    check_int("draws", draws)
    if evaluations is None and cost_seconds is None:
        raise ValueError("a budget needs evaluations and/or cost_seconds")
    rng = np.random.default_rng(seed)
    n_cells = reward.size
    if evaluations is not None:
        length = int(evaluations)
    else:  # enough draws that (almost) every search crosses the cost budget; extended below if not
        length = int(np.ceil(4 * cost_seconds / max(float(cost.mean()), 1e-12))) + 1
    idx = rng.integers(0, n_cells, size=(draws, length))
    while cost_seconds is not None and evaluations is None and (cost[idx].sum(axis=1) <= cost_seconds).any():
        idx = np.concatenate([idx, rng.integers(0, n_cells, size=(draws, length))], axis=1)
    counted = np.ones(idx.shape, dtype=bool)
    if cost_seconds is not None:
        counted = np.cumsum(cost[idx], axis=1) <= cost_seconds
        counted &= np.cumprod(counted, axis=1).astype(bool)  # the first crossing ends the search
    n = counted.sum(axis=1)
    if (n == 0).any():
        raise ValueError("the budget does not fit one evaluation of some searches")
    r = np.where(counted, reward[idx], -np.inf)
    best = idx[np.arange(draws), np.argmax(r, axis=1)]  # argmax: the earliest of the maxima
    return reported[best], n


def reference_of(protocol: Any, draws: int = REFERENCE_DRAWS, seed: int = REFERENCE_SEED) -> Reference:
    """The :class:`Reference` of ``protocol`` at its budget (:class:`NoReference` where there is none)."""
    t = enumerate_table(protocol)
    answers, n = simulate_random_search(t.reward, t.cost, t.reported, protocol.budget.evaluations,
                                        protocol.budget.cost_seconds, draws, seed)
    if np.isnan(answers).any():
        raise NoReference(f"protocol {protocol.name!r}: some cells have no reported accuracy")
    candidates = np.flatnonzero((t.reward > 0) & np.isfinite(t.reported))
    best = int(candidates[np.argmax(t.reported[candidates])])
    return Reference(
        random_expected=float(answers.mean()), random_se=float(answers.std(ddof=1) / np.sqrt(draws)),
        random_evaluations=float(n.mean()), optimum=float(t.reported[best]), optimum_arch=t.archs[best],
        cells=len(t.archs), draws=draws, seed=seed,
    )
