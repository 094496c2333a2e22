"""Why Figure 6's gap to random search grows with k (issue 24, item 10): where each agent's samples concentrate.

The top-k average is the mean reward of a run's k best distinct architectures. Adding worse models lowers every
agent's average, but the gap to random search is the difference of the k-th best (and everything above it):
an agent that keeps sampling good architectures has a 15th best far above random search's, while the single
best is luck for both. Per agent, at the end of each run (means over runs):

``kth_best_percent``         the reward of the 1st, 5th and 15th best distinct architecture (%; for a reward
                             that is not a fraction, ``kth_best_reward``, the reward as it is: ``d.units``)
``top_share``                the share of its evaluations whose reported accuracy is in the table's top 5%
                             (where the space is tabulated; random search's expectation is 5%)
``distinct_share``           distinct architectures / evaluations (a policy that concentrates resamples)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nas_env.benchmarks.report import analysis
from nas_env.benchmarks.report.benchmark.data import TOPK, ReportData

__all__ = ["TOP_SHARE", "concentration"]

#: the top fraction of the table whose share of an agent's evaluations is counted
TOP_SHARE = 0.05


def _kth_best(rewards: dict[str, float], k: int, scale: float) -> float:
    top = sorted(rewards.values(), reverse=True)
    return scale * top[k - 1] if len(top) >= k else math.nan


def concentration(d: ReportData) -> dict[str, Any]:
    """Per agent: k-th best reward, share of evaluations in the table's top 5%, share of distinct ones."""
    table = d.reporter.table()
    thr = None if table is None else analysis.top_fraction_threshold(table, TOP_SHARE)
    out: dict[str, Any] = {"top_fraction": TOP_SHARE, "agents": {}}
    for agent, rs in d.runs.items():
        kth = {k: [] for k in TOPK}
        share, distinct = [], []
        for r in rs:
            best: dict[str, float] = {}
            for e in r.history:
                if e.arch is not None:
                    best[e.arch] = max(best.get(e.arch, -math.inf), e.reward)
            for k in TOPK:
                kth[k].append(_kth_best(best, k, d.units.scale))
            distinct.append(len(best) / max(1, len(r.history)))
            if thr is not None:
                acc = analysis.reported_accuracies(r, d.reporter)
                share.append(float(np.mean(np.nan_to_num(acc, nan=-np.inf) >= thr)) if acc.size else math.nan)
        out["agents"][agent] = {
            f"kth_best_{d.units.mean_key}": {str(k): float(np.nanmean(v)) if np.isfinite(v).any() else None
                                 for k, v in kth.items()},
            "top_share": float(np.nanmean(share)) if share else None,
            "distinct_share": float(np.mean(distinct))}
    return out
