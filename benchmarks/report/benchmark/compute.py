"""Section 3c of a benchmark report: compute per agent, and Figure 6 at equal compute.

Equal numbers of evaluations are not equal compute: an agent that learns to sample larger children (a
REINFORCE controller on the CNN space picks 0.5-1 M parameters where random search's picks have 0.07-0.25 M)
spends more training per evaluation. Per agent, over its runs:

==============================  ==============================================================================
``wall_seconds``                the run's wall time (search; re-training in ``retrain_wall_seconds``)
``train_seconds``               the sum of its children's measured training seconds (``metrics['cost_seconds']``:
                                machine- and load-specific) -- or, on a table, the simulated seconds charged
``params``                      the sum of its children's parameter counts (``metrics['params']``): a
                                machine-independent proxy of what it trained
``retrain_wall_seconds``        protocols with ``retrain_top``: the re-training of its finalists (``retrain.json``)
==============================  ==============================================================================

**Equal compute**: for each agent and ``random``, the top-k average *search* reward (Figure 6's quantity, as
section 3) of each run cut where its cumulative training cost reaches ``C``, the smallest total cost of any run of
the pair -- so no run of either agent is charged more than any other -- by training seconds and by summed
parameters; the difference from ``random`` over seeds with a 95% bootstrap interval (seeds resampled in both).
Fills ``d.aggregate["compute"]``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nas_env.benchmarks.report import analysis, stats
from nas_env.benchmarks.report.benchmark.data import BAND_REPS, BASELINE, TOPK, ReportData
from nas_env.benchmarks.run.record import RunRecord
from nas_env.benchmarks.run.retrain import read_retrain

__all__ = ["COST_MEASURES", "compute_markdown", "compute_per_agent", "run_costs"]

#: name -> (what it is, how a run's per-evaluation cost is read)
COST_MEASURES = ("train_seconds", "params")


def run_costs(r: RunRecord) -> dict[str, np.ndarray]:
    """Per evaluation of ``r``: training seconds (measured ``metrics['cost_seconds']``, else the charged
    ``cost_seconds``) and parameter count (0 where not reported)."""
    secs = [float(e.metrics.get("cost_seconds", e.cost_seconds) or 0.0) for e in r.history]
    params = [float(e.metrics.get("params") or 0.0) for e in r.history]
    return {"train_seconds": np.asarray(secs), "params": np.asarray(params)}


def _topk_within(r: RunRecord, k: int, cumulative: np.ndarray, budget: float) -> float:
    """Top-k mean search reward of ``r`` over its evaluations whose cumulative cost is <= ``budget``."""
    n = int(np.searchsorted(cumulative, budget * (1 + 1e-12), side="right"))
    if n == 0:
        return math.nan
    return float(analysis.topk_curve(r, k, n)[n - 1])


def compute_per_agent(d: ReportData) -> None:
    """Fill ``d.aggregate["compute"]`` (module docstring)."""
    u = d.units
    per_agent: dict[str, Any] = {}
    costs = {a: [run_costs(r) for r in rs] for a, rs in d.runs.items()}
    for agent, rs in d.runs.items():
        retrain = [read_retrain(r.path).get("wall_seconds") for r in rs] if d.protocol.retrain_top else []
        per_agent[agent] = {
            "runs": len(rs),
            "wall_seconds_mean": float(np.mean([r.total_wall_seconds for r in rs])),
            "train_seconds_mean": float(np.mean([c["train_seconds"].sum() for c in costs[agent]])),
            "params_mean": float(np.mean([c["params"].sum() for c in costs[agent]])),
            "params_per_child_median": float(np.median(np.concatenate([c["params"] for c in costs[agent]]))),
            "retrain_wall_seconds_mean": (float(np.mean([w for w in retrain if w is not None]))
                                          if any(w is not None for w in retrain) else None),
        }
    equal: dict[str, Any] = {}
    if BASELINE in d.runs:
        for j, agent in enumerate(a for a in d.runs if a != BASELINE):
            pair = [BASELINE, agent]
            for measure in COST_MEASURES:
                cum = {a: [np.cumsum(c[measure]) for c in costs[a]] for a in pair}
                budget = min(float(c[-1]) for a in pair for c in cum[a] if len(c))
                if not budget > 0:
                    continue
                entry: dict[str, Any] = {"budget": budget, "evaluations_mean": {
                    a: float(np.mean([np.searchsorted(c, budget * (1 + 1e-12), side="right") for c in cum[a]]))
                    for a in pair}}
                for k in TOPK:
                    vals = {a: np.array([[u.scale * _topk_within(r, k, c, budget)] for r, c in zip(d.runs[a], cum[a])])
                            for a in pair}
                    if np.isnan(vals[agent]).all() or np.isnan(vals[BASELINE]).all():
                        continue
                    est, lo, hi = stats.bootstrap_difference_band(vals[agent], vals[BASELINE], reps=BAND_REPS,
                                                                  seed=100 + 10 * j + k)
                    entry[str(k)] = {u.difference_key: float(est[0]), "ci": [float(lo[0]), float(hi[0])]}
                equal.setdefault(agent, {})[measure] = entry
    d.aggregate["compute"] = {"agents": per_agent, "equal_compute_topk_vs_random": equal}


def _secs(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} s"


def compute_markdown(d: ReportData) -> list[str]:
    """The section's text (empty when :func:`compute_per_agent` has not run)."""
    c = d.aggregate.get("compute")
    if not c:
        return []
    u = d.units
    lines = ["## 3c. Compute per agent, and Figure 6 at equal compute\n"]
    add = lines.append
    add("Equal evaluations are not equal compute. Per run, mean over its seeds: wall time of the search, the sum of "
        "its children's training seconds (measured on this machine under its load: machine-specific; on a table, "
        "the simulated seconds charged), the sum of its children's parameter counts (machine-independent) and, "
        "where finalists are re-trained, the re-training's wall time.\n")
    add("| agent | runs | search wall time | children's training | children's parameters (sum) "
        "| parameters per child (median) | re-training wall time |")
    add("|---|---|---|---|---|---|---|")
    for a, s in c["agents"].items():
        add(f"| {a} | {s['runs']} | {_secs(s['wall_seconds_mean'])} | {_secs(s['train_seconds_mean'])} "
            f"| {s['params_mean']:,.0f} | {s['params_per_child_median']:,.0f} "
            f"| {_secs(s['retrain_wall_seconds_mean'])} |")
    add("")
    eq = c["equal_compute_topk_vs_random"]
    if not eq:
        return lines
    add(f"**Top-k at equal compute**: each run's top-k average *search* reward over the children it evaluated until "
        f"its cumulative cost reached C, the smallest total of any run of the pair (so neither agent is charged more), "
        f"minus `{BASELINE}`'s; 95% bootstrap interval over seeds. Compare with section 3 (equal evaluations)"
        + (". For a shared-weight protocol these are search-time estimates (section 3b has the re-trained numbers, "
           "at equal evaluations)." if d.protocol.retrain_top else ".") + "\n")
    names = {"train_seconds": "training seconds", "params": "summed parameters"}
    add("| agent | cost | C | evaluations within C (agent / random) | "
        + " | ".join(u.diff_head(f"top-{k} Δ [95% CI]") for k in TOPK) + " |")
    add("|---" * (4 + len(TOPK)) + "|")
    for a, by in eq.items():
        for measure, e in by.items():
            budget = f"{e['budget']:,.0f} s" if measure == "train_seconds" else f"{e['budget']:,.0f}"
            cells = [f"{u.fmt(e[str(k)][u.difference_key], True)} [{u.fmt(e[str(k)]['ci'][0], True)}, "
                     f"{u.fmt(e[str(k)]['ci'][1], True)}]" if str(k) in e else "—" for k in TOPK]
            add(f"| {a} | {names[measure]} | {budget} | {e['evaluations_mean'][a]:.1f} / "
                f"{e['evaluations_mean'][BASELINE]:.1f} | " + " | ".join(cells) + " |")
    add("")
    return lines
