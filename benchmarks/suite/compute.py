"""The suite report's numbers: per-task headlines and the aggregates of normalised scores, as rows ready for
CSV and markdown (:mod:`nas_env.benchmarks.suite.report`).

Aggregates use only the tasks with a score reference, and the runs every agent has (the seeds common to all
agents on the task: ranks compare the same seeds); an agent is aggregated only when it has runs on all of them.
Bootstrap replicates: :data:`REPS` (performance profiles and pairwise probabilities of improvement:
:data:`REPS_SLOW`), seeded, so a rebuilt report gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nas_env.benchmarks.report import stats
from nas_env.benchmarks.suite import aggregate
from nas_env.benchmarks.suite.score import TaskResults

__all__ = ["REPS", "REPS_SLOW", "TAUS", "Aggregates", "compute_aggregates", "difference_rows", "task_rows"]

REPS = 2000
REPS_SLOW = 1000
#: the thresholds of the performance profiles (normalised score)
TAUS = np.round(np.linspace(-1.0, 1.0, 81), 3)


@dataclass
class Aggregates:
    """The aggregates of the scored tasks (empty when none or no agent has them all)."""

    tasks: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    scores: dict[str, list[np.ndarray]] = field(default_factory=dict)
    iqm: dict[str, stats.Estimate] = field(default_factory=dict)
    profiles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    poi: dict[tuple[str, str], stats.Estimate] = field(default_factory=dict)
    ranks: dict[str, stats.Estimate] = field(default_factory=dict)


def _pct(x: float) -> float:
    return round(100.0 * float(x), 4)


def task_rows(results: Sequence[TaskResults]) -> list[dict[str, Any]]:
    """One row per (task, agent): runs, reported accuracy (mean, std, IQM in percent), mean score, transfers."""
    rows = []
    for tr in results:
        for agent, acc in tr.accuracy.items():
            ok = acc[np.isfinite(acc)]
            mean, std = stats.mean_std(ok) if ok.size else (float("nan"), float("nan"))
            sc = tr.score(agent)
            row: dict[str, Any] = {
                "task": tr.task.name, "agent": agent, "runs": int(acc.size), "reported": tr.protocol.report_name,
                "accuracy_mean": _pct(mean), "accuracy_std": _pct(std),
                "accuracy_iqm": _pct(stats.iqm(ok)) if ok.size else float("nan"),
                "score_mean": float(np.nanmean(sc)) if sc is not None and ok.size else float("nan"),
                "random_expected": _pct(tr.reference.random_expected) if tr.reference else float("nan"),
                "optimum": _pct(tr.reference.optimum) if tr.reference else float("nan"),
            }
            for ds, values in tr.transfer.get(agent, {}).items():
                row[f"transfer_{ds}_mean"] = _pct(np.nanmean(values))
            rows.append(row)
    return rows


def _common(tr: TaskResults, agents: Sequence[str]) -> list[np.ndarray] | None:
    """Each agent's scores on the seeds all ``agents`` share with finite scores (``None``: an agent has no runs)."""
    if any(a not in tr.accuracy for a in agents):
        return None
    common = set.intersection(*(set(s for s, v in zip(tr.seeds[a], tr.accuracy[a]) if np.isfinite(v)) for a in agents))
    seeds = sorted(common)
    if not seeds:
        return None
    out = []
    for a in agents:
        pos = {s: i for i, s in enumerate(tr.seeds[a])}
        out.append(np.asarray(tr.score(a), dtype=float)[[pos[s] for s in seeds]])
    return out


def compute_aggregates(results: Sequence[TaskResults], agents: Sequence[str]) -> Aggregates:
    """IQM, performance profiles, probability of improvement and average rank over the scored tasks."""
    scored = [tr for tr in results if tr.reference is not None]
    agents = [a for a in agents if scored and all(a in tr.accuracy for tr in scored)]
    agg = Aggregates()
    per_task = [(tr.task.name, _common(tr, agents)) for tr in scored] if agents else []
    per_task = [(name, s) for name, s in per_task if s is not None]
    if not per_task:
        return agg
    agg.tasks = [name for name, _ in per_task]
    agg.agents = list(agents)
    agg.scores = {a: [s[i] for _, s in per_task] for i, a in enumerate(agents)}
    for i, a in enumerate(agents):
        agg.iqm[a] = aggregate.aggregate_iqm(agg.scores[a], reps=REPS, seed=i)
        agg.profiles[a] = aggregate.performance_profile_band(agg.scores[a], TAUS, reps=REPS_SLOW, seed=i)
    for i, a in enumerate(agents):
        for j, b in enumerate(agents):
            if a != b:
                agg.poi[(a, b)] = aggregate.probability_of_improvement_ci(agg.scores[a], agg.scores[b],
                                                                          reps=REPS_SLOW, seed=100 * i + j)
    agg.ranks = aggregate.average_ranks_ci(agg.scores, reps=REPS, seed=0)
    return agg


def difference_rows(results: Sequence[TaskResults], baseline: str = "random") -> list[dict[str, Any]]:
    """Per (task, agent): the mean reported accuracy's difference from ``baseline``'s, with its 95% bootstrap CI
    (percentage points); the real-training tier's comparison, which has no optimum to normalise by."""
    rows = []
    for k, tr in enumerate(results):
        if baseline not in tr.accuracy:
            continue
        base = tr.accuracy[baseline][np.isfinite(tr.accuracy[baseline])]
        for agent, acc in tr.accuracy.items():
            ok = acc[np.isfinite(acc)]
            if agent == baseline or not ok.size or not base.size:
                continue
            est = stats.bootstrap_mean_difference_ci(100 * ok, 100 * base, reps=REPS, seed=k)
            rows.append({"task": tr.task.name, "agent": agent, "runs": int(ok.size), "baseline": baseline,
                         "baseline_runs": int(base.size), "difference_pp": round(est.value, 4),
                         "ci_low_pp": round(est.low, 4), "ci_high_pp": round(est.high, 4)})
    return rows
