"""Aggregates of normalised scores across tasks and seeds (Agarwal et al., NeurIPS 2021; written from their
definitions) and average ranks (as syne-tune reports them).

Scores of one agent are given per task: ``scores[m]`` holds its runs (seeds) on task ``m``; tasks may have
different numbers of runs. Every interval is a percentile bootstrap over replicates that resample the runs of
each task separately (stratified by task), seeded, so deterministic given ``seed``.

===================================  ===============================================================
:func:`aggregate_iqm`                the interquartile mean of all runs of all tasks pooled (the 25% lowest
                                     and highest removed), with its stratified-bootstrap CI
:func:`performance_profile`          for each threshold tau, the fraction of runs scoring above tau, averaged
                                     over tasks (each task weighs the same whatever its runs)
:func:`probability_of_improvement`   ``P(X > Y)``: per task the probability that a run of X beats a run of Y
                                     (ties count half; Mann-Whitney U / nm), averaged over tasks
:func:`average_ranks`                per (task, seed) the agents ranked by score (1 = best, ties share the
                                     mean of their ranks), averaged over tasks and seeds
===================================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nas_env.benchmarks.report import stats
from nas_env.benchmarks.report.stats import Estimate

__all__ = [
    "aggregate_iqm", "average_ranks", "average_ranks_ci", "performance_profile", "performance_profile_band",
    "probability_of_improvement", "probability_of_improvement_ci", "rank_rows",
]

PerTask = Sequence[np.ndarray]


def _percentiles(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(values, [100 * alpha, 100 * (1 - alpha)], axis=0)
    return low, high


def _resample(rng: np.random.Generator, scores: PerTask) -> list[np.ndarray]:
    return [s[rng.integers(0, s.size, size=s.size)] for s in scores]


def aggregate_iqm(scores: PerTask, reps: int = 2000, confidence: float = 0.95, seed: int = 0) -> Estimate:
    """IQM of all runs of all tasks pooled, with a stratified-bootstrap CI (runs resampled within each task)."""
    return stats.stratified_bootstrap_ci([np.asarray(s, dtype=float) for s in scores], stats.iqm,  # type: ignore[arg-type]
                                         reps=reps, confidence=confidence, seed=seed)


def performance_profile(scores: PerTask, taus: np.ndarray) -> np.ndarray:
    """``mean over tasks m of (fraction of the runs on m with score > tau)``, for each ``tau`` of ``taus``."""
    taus = np.asarray(taus, dtype=float)
    return np.mean([(np.asarray(s, dtype=float)[:, None] > taus[None, :]).mean(axis=0) for s in scores], axis=0)


def performance_profile_band(scores: PerTask, taus: np.ndarray, reps: int = 1000, confidence: float = 0.95,
                             seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`performance_profile` with a stratified-bootstrap band: ``(profile, low, high)``, each ``(taus,)``."""
    strata = [np.asarray(s, dtype=float) for s in scores]
    rng = np.random.default_rng(seed)
    boot = np.array([performance_profile(_resample(rng, strata), taus) for _ in range(reps)])
    low, high = _percentiles(boot, confidence)
    return performance_profile(strata, taus), low, high


def probability_of_improvement(x: PerTask, y: PerTask) -> float:
    """``P(X > Y)``: the mean over tasks of ``P(X_m > Y_m) + 0.5 P(X_m = Y_m)`` over all pairs of runs."""
    if len(x) != len(y) or not len(x):
        raise ValueError(f"x and y need the same tasks, at least one; got {len(x)} and {len(y)}")
    return float(np.mean([stats.probability_of_improvement(a, b) for a, b in zip(x, y)]))


def probability_of_improvement_ci(x: PerTask, y: PerTask, reps: int = 2000, confidence: float = 0.95,
                                  seed: int = 0) -> Estimate:
    """:func:`probability_of_improvement` with a CI: each replicate resamples, task by task, X's runs and Y's
    runs independently."""
    xs = [np.asarray(a, dtype=float) for a in x]
    ys = [np.asarray(b, dtype=float) for b in y]
    point = probability_of_improvement(xs, ys)
    rng = np.random.default_rng(seed)
    boot = np.empty(reps)
    for r in range(reps):
        boot[r] = np.mean([stats.probability_of_improvement(a[rng.integers(0, a.size, a.size)],
                                                            b[rng.integers(0, b.size, b.size)])
                           for a, b in zip(xs, ys)])
    low, high = _percentiles(boot, confidence)
    return Estimate(point, float(low), float(high))


def rank_rows(table: np.ndarray) -> np.ndarray:
    """Ranks within each row of ``table`` (rows: cases, columns: agents): 1 = the highest score, ties share the
    mean of the ranks they span."""
    t = np.asarray(table, dtype=float)
    ranks = np.empty_like(t)
    for i, row in enumerate(t):
        for j, v in enumerate(row):
            above, equal = int((row > v).sum()), int((row == v).sum())
            ranks[i, j] = above + (equal + 1) / 2.0
    return ranks


def average_ranks(scores: Mapping[str, PerTask]) -> dict[str, float]:
    """Each agent's rank per (task, seed), averaged over tasks and seeds. ``scores[agent][m][k]`` is the agent's
    score on task ``m`` with the ``k``-th seed: every agent must have the same seeds, in the same order."""
    agents, table = _case_table(scores)
    return dict(zip(agents, rank_rows(np.concatenate(table)).mean(axis=0).tolist()))


def average_ranks_ci(scores: Mapping[str, PerTask], reps: int = 2000, confidence: float = 0.95,
                     seed: int = 0) -> dict[str, Estimate]:
    """:func:`average_ranks` with CIs: each replicate resamples, task by task, the seeds (the same seeds for
    every agent, so each case keeps its ranks)."""
    agents, table = _case_table(scores)
    ranks = [rank_rows(t) for t in table]
    point = np.concatenate(ranks).mean(axis=0)
    rng = np.random.default_rng(seed)
    boot = np.array([np.concatenate([r[rng.integers(0, len(r), len(r))] for r in ranks]).mean(axis=0)
                     for _ in range(reps)])
    low, high = _percentiles(boot, confidence)
    return {a: Estimate(float(point[i]), float(low[i]), float(high[i])) for i, a in enumerate(agents)}


def _case_table(scores: Mapping[str, PerTask]) -> tuple[list[str], list[np.ndarray]]:
    """The agents and, per task, a ``(seeds, agents)`` table of scores."""
    agents = list(scores)
    if not agents:
        raise ValueError("no agents to rank")
    n_tasks = {len(scores[a]) for a in agents}
    if len(n_tasks) != 1:
        raise ValueError(f"every agent needs the same tasks, got {dict((a, len(scores[a])) for a in agents)}")
    table = []
    for m in range(n_tasks.pop()):
        cols = [np.asarray(scores[a][m], dtype=float) for a in agents]
        if len({c.size for c in cols}) != 1:
            raise ValueError(f"task {m}: every agent needs the same seeds, got {[c.size for c in cols]} runs")
        table.append(np.stack(cols, axis=1))
    return agents, table
