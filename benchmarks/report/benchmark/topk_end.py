"""Figure 6's comparison at the end of a search: each agent's top-k average reward minus random search's.

Runs under a time budget end after different numbers of evaluations. Two comparisons, each named in the
report (issue 24, item 7):

``end_of_budget``      every run at the end of its whole budget: equal simulated search time under a time
                       budget (the nb201 protocols), equal evaluations under an evaluation budget. The
                       verdicts use it.
``equal_evaluations``  every run after the same number of evaluations: the shortest run of the pair (all
                       runs of both agents have that many); given only where run lengths differ.

Per (comparison, k, agent): the difference of the means over seeds (in ``d.units``: percentage points for a
fraction reward, else reward units; ``d.aggregate["reward_unit"]``) with Welch's t-interval and the per-seed
values (:func:`nas_env.benchmarks.report.intervals.difference_of_means`; a deterministic agent is one run).
Fills ``d.aggregate["topk_vs_random_end"]``; pure data (the markdown and any other view read it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nas_env.benchmarks.report import analysis
from nas_env.benchmarks.report.benchmark.data import BASELINE, TOPK, ReportData, deterministic_agents
from nas_env.benchmarks.report.intervals import MIN_SEEDS_FOR_VERDICT, difference_of_means

__all__ = ["topk_end"]


def _values(d: ReportData, agent: str, k: int, n: int | None) -> np.ndarray:
    """Per run of ``agent``, its top-k average reward (scaled by ``d.units``: % for a fraction, else the reward as
    it is) after ``n`` evaluations (``None``: its whole run)."""
    scale = d.units.scale
    return np.array([scale * analysis.topk_curve(r, k, len(r.history) if n is None else n)[-1]
                     for r in d.runs[agent]])


def topk_end(d: ReportData) -> dict[str, Any]:
    """The end-of-search top-k comparisons with random search (module docstring); ``{}`` without random search."""
    if BASELINE not in d.runs or len(d.runs) < 2:
        return {}
    det = set(deterministic_agents(d))
    lengths = {a: [len(r.history) for r in rs] for a, rs in d.runs.items()}
    unit = "simulated search time" if d.protocol.budget.cost_seconds is not None else "evaluations"
    out: dict[str, Any] = {"min_seeds_for_verdict": MIN_SEEDS_FOR_VERDICT, "primary": "end_of_budget",
                           "comparisons": {"end_of_budget": {"label": f"end of the budget (equal {unit})",
                                                             "k": {str(k): {} for k in TOPK}}}}
    for agent in (a for a in d.runs if a != BASELINE):
        for k in TOPK:
            out["comparisons"]["end_of_budget"]["k"][str(k)][agent] = {
                "evaluations": None, **difference_of_means(_values(d, agent, k, None), _values(d, BASELINE, k, None),
                                                           agent in det, BASELINE in det)}
        pair = lengths[agent] + lengths[BASELINE]
        if len(set(pair)) > 1:
            n = min(pair)
            eq = out["comparisons"].setdefault("equal_evaluations", {
                "label": "equal evaluations (the shortest run of each pair)", "k": {str(k): {} for k in TOPK}})
            for k in TOPK:
                eq["k"][str(k)][agent] = {"evaluations": n, **difference_of_means(
                    _values(d, agent, k, n), _values(d, BASELINE, k, n), agent in det, BASELINE in det)}
    d.aggregate["topk_vs_random_end"] = out
    return out
