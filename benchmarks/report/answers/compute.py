"""The four questions a reader of Zoph & Le asks, answered with a benchmark's numbers.

1. **Time saved.** After how many evaluations / simulated hours is an agent's *final answer* (the
   best-reward architecture so far, what the search would return if stopped there) in the top 1% /
   0.1% of the table, per agent; the ratio of medians agent : random and agent : grid with a
   bootstrap 95% CI; the share of runs whose final pick is top-1%. An agent whose runs are all the
   same (grid search ignores the seed) is shown as one deterministic run, never with a CI.
2. **How much the controller learns.** Mean reward per controller update over the run (from the
   saved diagnostics), and for every agent with a no-learning ablation row (the same spec with
   ``lr=0``, e.g. ``reinforce@lr=0``) what learning added, in final accuracy and reward.
3. **Figure 6.** The mean reward of the k best *distinct* architectures sampled so far, and why it
   can only rise.
4. **Parameters.** How ``params`` is counted by each backend, and accuracy vs parameters of every
   evaluated architecture with the final picks and the Pareto front.

:func:`compute_answers` fills ``d.aggregate["answers"]`` (and ``d.figures``);
:func:`nas_env.benchmarks.report.answers.markdown.answers_markdown` writes the section from it. Its
statistics (ratios of medians, differences of means, with bootstrap CIs) are :mod:`nas_env.benchmarks.report.stats`'s.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_env.agents.diagnostics import ControllerDiagnostics
from nas_env.agents.registry import parse_agent_spec
from nas_env.benchmarks.report import analysis, stats
from nas_env.benchmarks.report.answers.concentration import concentration
from nas_env.benchmarks.report.answers.plots import plot_learning, plot_params, plot_time_saved, plot_topk_absolute
from nas_env.benchmarks.report.answers.random_grid import random_order_grid
from nas_env.benchmarks.report.answers.zoph_le_params import ZOPH_LE_CNN_COUNTING
from nas_env.benchmarks.report.benchmark.data import (
    BASELINE,
    REPS,
    TOP_FRACTIONS,
    TOPK,
    ReportData,
    deterministic_agents,
)
from nas_env.benchmarks.report.style import agent_colors
from nas_env.benchmarks.run.record import RunRecord

__all__ = ["GRID", "compute_answers", "deterministic_agents", "final_answer_hit"]

GRID = "grid"
#: share of each run (by evaluations) whose mean reward is compared between a learner and its ablation
LAST_SHARE = 0.25


# ------------------------------------------------------------------------------------------ helpers
def final_answer_hit(run: RunRecord, reporter: Any, threshold: float) -> tuple[float, float, bool]:
    """(evaluations, simulated seconds) until the run's incumbent is first at or above ``threshold``
    (``inf`` if never), and whether its final pick is."""
    acc = analysis.incumbent_accuracies(run, reporter)
    hits = np.flatnonzero(np.nan_to_num(acc, nan=-np.inf) >= threshold)
    final = bool(np.nan_to_num(acc[-1], nan=-np.inf) >= threshold)
    if hits.size == 0:
        return math.inf, math.inf, final
    i = int(hits[0])
    return float(i + 1), float(run.history[i].total_cost_seconds), final


# ----------------------------------------------------------------------------------------- 1. time
def _time_saved(d: ReportData) -> dict[str, Any]:
    table = d.reporter.table()
    if table is None:
        return {"skipped": "the protocol's space is not tabulated, so top-1% is undefined"}
    det = set(deterministic_agents(d))
    unit = "hours" if d.charges_time else "evaluations"
    out: dict[str, Any] = {"unit": unit, "deterministic": sorted(det), "fractions": {}}
    for label, frac in TOP_FRACTIONS:
        thr = analysis.top_fraction_threshold(table, frac)
        per: dict[str, Any] = {}
        for agent, rs in d.runs.items():
            hits = [final_answer_hit(r, d.reporter, thr) for r in (rs[:1] if agent in det else rs)]
            ev = np.array([h[0] for h in hits])
            hr = np.array([h[1] / 3600 for h in hits])
            per[agent] = {"runs": len(hits), "deterministic": agent in det,
                          "reached": int(np.isfinite(ev).sum()), "final_pick_top": int(sum(h[2] for h in hits)),
                          "share_final_pick_top": float(np.mean([h[2] for h in hits])),
                          "evaluations_median": stats.lower_median(ev), "hours_median": stats.lower_median(hr),
                          "per_run_evaluations": ev.tolist(), "per_run_hours": hr.tolist()}
        for i, agent in enumerate(per):
            ratios = {}
            for j, ref in enumerate((BASELINE, GRID)):
                if ref == agent or ref not in per:
                    continue
                key = f"per_run_{unit}"
                v, lo, hi = stats.ratio_of_medians_ci(per[agent][key], per[ref][key], resample_y=ref not in det,
                                                      reps=REPS, seed=1000 * i + j)
                # a deterministic side is one fixed number: only the other side's seeds are resampled
                ratios[ref] = {"ratio": v, "ci": None if agent in det and ref in det else [lo, hi]}
            per[agent]["ratio_to"] = ratios
        out["fractions"][label] = {"fraction": frac, "threshold_percent": 100 * thr,
                                   "architectures": int(np.sum(table >= thr)), "agents": per,
                                   "random_order_grid": random_order_grid(table, thr, _costs(d)),
                                   "first_evaluated": _first_evaluated(d, thr)}
    return out


def _costs(d: ReportData) -> np.ndarray | None:
    """Every tabulated architecture's evaluation cost (simulated seconds) where the protocol charges time."""
    costs = getattr(d.reporter, "evaluation_costs", None)
    if costs is None or not d.charges_time:
        return None
    return costs(int(d.protocol.env_kwargs.get("fidelity", 200)))


def _first_evaluated(d: ReportData, thr: float) -> dict[str, Any]:
    """Per agent, the median evaluations and simulated hours until a run first evaluates a top architecture
    (whatever its reward; ``inf``: never), the measure the random-order grid's expectation is in."""
    out = {}
    for agent, rs in d.runs.items():
        hits = [analysis.first_hit(r, d.reporter, thr) for r in rs]
        ev = [math.inf if h is None else h.evaluations for h in hits]
        hr = [math.inf if h is None else h.seconds / 3600 for h in hits]
        out[agent] = {"runs": len(rs), "found": sum(h is not None for h in hits),
                      "evaluations_median": stats.lower_median(ev), "hours_median": stats.lower_median(hr)}
    return out


# ------------------------------------------------------------------------------------- 2. learning
def ablation_pairs(agents: Sequence[str]) -> list[tuple[str, str]]:
    """(learner, its lr=0 ablation): same base agent and settings apart from ``lr``, the ablation at lr 0."""
    pairs = []
    parsed = {a: parse_agent_spec(a) for a in agents}
    for b, (base_b, set_b) in parsed.items():
        if set_b.get("lr") != 0:
            continue
        rest_b = {k: v for k, v in set_b.items() if k != "lr"}
        for a, (base_a, set_a) in parsed.items():
            if a != b and base_a == base_b and set_a.get("lr") != 0 and \
                    {k: v for k, v in set_a.items() if k != "lr"} == rest_b:
                pairs.append((a, b))
    return pairs


def _update_rewards(rs: Sequence[RunRecord]) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for r in rs:
        diag = ControllerDiagnostics.from_extras(r.extras)
        if diag is not None and len(diag):
            out.append((np.asarray(diag.column("evaluations"), float), np.asarray(diag.column("mean_reward"), float)))
    return out


def _last_share_reward(r: RunRecord) -> float:
    rewards = np.array([e.reward for e in r.history])
    k = max(1, int(round(LAST_SHARE * len(rewards))))
    return float(rewards[-k:].mean())


def _learning(d: ReportData) -> dict[str, Any]:
    out: dict[str, Any] = {"agents": {}, "ablations": []}
    for agent, rs in d.runs.items():
        ups = _update_rewards(rs)
        if not ups:
            continue
        n = min(len(y) for _, y in ups)
        first = [float(np.mean(y[: max(1, n // 10)])) for _, y in ups]
        last = [float(np.mean(y[n - max(1, n // 10): n])) for _, y in ups]
        out["agents"][agent] = {"runs": len(ups), "updates_min": n,
                                "updates_mean": float(np.mean([len(y) for _, y in ups])),
                                "mean_reward_first_tenth": float(np.mean(first)),
                                "mean_reward_last_tenth": float(np.mean(last)),
                                "mean_reward_all_updates": float(np.mean([y.mean() for _, y in ups]))}
    for i, (a, b) in enumerate(ablation_pairs(d.agents)):
        fa, fb = d.finals[a][np.isfinite(d.finals[a])], d.finals[b][np.isfinite(d.finals[b])]
        ra = np.array([_last_share_reward(r) for r in d.runs[a]]) * d.units.scale
        rb = np.array([_last_share_reward(r) for r in d.runs[b]]) * d.units.scale
        acc = stats.bootstrap_mean_difference_ci(fa, fb, reps=REPS, seed=10 + i) if fa.size and fb.size else \
            stats.Estimate(math.nan, math.nan, math.nan)
        rew = stats.bootstrap_mean_difference_ci(ra, rb, reps=REPS, seed=20 + i)
        out["ablations"].append({"agent": a, "ablation": b, "final_accuracy_diff_pp": acc.value,
                                 "final_accuracy_diff_ci": [acc.low, acc.high],
                                 "last_quarter_reward_diff_pp": rew.value,
                                 "last_quarter_reward_diff_ci": [rew.low, rew.high],
                                 "last_quarter_reward_agent_pp": float(ra.mean()),
                                 "last_quarter_reward_ablation_pp": float(rb.mean())})
    return out


# ---------------------------------------------------------------------------------------- 3. top-k
def _topk(d: ReportData) -> tuple[dict[str, Any], dict[int, dict[str, tuple[np.ndarray, np.ndarray]]]]:
    res: dict[str, Any] = {}
    curves: dict[int, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for k in TOPK:
        curves[k] = {}
        for agent, rs in d.runs.items():
            n_max = max(len(r.history) for r in rs)
            per_run = np.vstack([analysis.topk_curve(r, k, n_max) for r in rs])
            rises = all(np.all(np.diff(c[~np.isnan(c)]) >= 0) for c in per_run)
            with warnings.catch_warnings():  # columns before k distinct architectures exist are all NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(per_run, axis=0)
            curves[k][agent] = (np.arange(1, n_max + 1), d.units.scale * mean)
            end = per_run[:, -1]
            res.setdefault(str(k), {})[agent] = {
                f"mean_at_end_{d.units.mean_key}": float(d.units.scale * np.nanmean(end)) if np.isfinite(end).any()
                else None,
                "never_decreases": bool(rises)}
    return res, curves


# ------------------------------------------------------------------------------------- 4. params
PARAMS_COUNTING = {
    "nas_env/NB201-v0": "NAS-Bench-201's own count for the whole network (stem, 3 stages of 5 cells, the 2 "
    "residual reduction blocks, classifier) as the benchmark reports it (`params`, in millions, x 10^6 and "
    "rounded); the classifier differs per dataset, so does the count.",
    "nas_env/Macro-v0": "NAS-Bench-Macro's own count for the whole network, from its table.",
    "nas_env/ZophLeCNN-v0": ZOPH_LE_CNN_COUNTING,
    "nas_env/ZophLeRNN-v0": "the whole character language model around the cell: `sum(p.numel() for p in "
    "model.parameters())` (embedding, recurrent cell layers, decoder); `metrics['cell_params']` counts the "
    "searched cell layers only.",
}
PARAMS_DEFAULT = ("what the env's evaluator puts in `metrics['params']`: for trained children, every parameter "
                  "tensor of the built model (BatchNorm's affine weights included, buffers not).")


def pareto_front(params: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats (fewer or equal params and higher or equal accuracy, one strictly),
    sorted by params."""
    order = np.lexsort((-acc, params))
    front, best = [], -np.inf
    for i in order:
        if acc[i] > best:
            front.append(int(i))
            best = acc[i]
    return np.array(front, dtype=np.int64)


def _params(d: ReportData) -> tuple[dict[str, Any], dict[str, Any]]:
    text = PARAMS_COUNTING.get(d.protocol.env_id, PARAMS_DEFAULT)
    seen: dict[str, tuple[float, float]] = {}
    for rs in d.runs.values():
        for r in rs:
            for e in r.history:
                p = e.metrics.get("params")
                a = d.reporter.accuracy(e.arch, e.metrics)
                if e.arch is not None and p is not None and a is not None:
                    seen[e.arch] = (float(p), 100 * float(a))
    if not seen:
        return {"counting": text, "skipped": "no evaluation recorded `params`"}, {}
    archs = list(seen)
    params = np.array([seen[a][0] for a in archs])
    acc = np.array([seen[a][1] for a in archs])
    front = pareto_front(params, acc)
    front_set = {archs[i] for i in front}
    picks: dict[str, list[tuple[float, float]]] = {}
    on_front = 0
    n_picks = 0
    for agent, rs in d.runs.items():
        for r in rs:
            b = r.best
            if b is not None and b.arch in seen:
                picks.setdefault(agent, []).append(seen[b.arch])
                on_front += b.arch in front_set
                n_picks += 1
    pick_params = [p for v in picks.values() for p, _ in v]
    res = {"counting": text, "evaluated_distinct": len(archs), "params_min": float(params.min()),
           "params_max": float(params.max()), "params_median_evaluated": float(np.median(params)),
           "params_median_final_picks": float(np.median(pick_params)) if pick_params else None,
           "pareto_front_size": int(front.size), "final_picks": n_picks, "final_picks_on_front": int(on_front)}
    return res, {"params": params, "acc": acc, "front": front, "picks": picks}


# ------------------------------------------------------------------------------------------ driver
def compute_answers(d: ReportData) -> None:
    """Fill ``d.aggregate["answers"]`` and draw the answers' figures into ``d.figures`` (after ``aggregate_finals``)."""
    fig_dir = d.out / "figures"
    colors = agent_colors(d.agents)
    ans: dict[str, Any] = {"time_saved": _time_saved(d), "learning": _learning(d)}
    topk_res, topk_curves = _topk(d)
    ans["topk"] = topk_res
    ans["topk_concentration"] = concentration(d)
    ans["params"], scatter = _params(d)
    d.aggregate["answers"] = ans
    ts = ans["time_saved"]
    if "fractions" in ts:
        d.figures["answer_time"] = plot_time_saved(ts, colors, fig_dir / "answer_time_saved.png")
    ups = {a: _update_rewards(d.runs[a]) for a in ans["learning"]["agents"]}
    if ups:
        d.figures["answer_learning"] = plot_learning(ups, colors, fig_dir / "answer_learning.png", d.units.scale,
                                                     d.units.unit)
    d.figures["answer_topk"] = plot_topk_absolute(topk_curves, colors, fig_dir / "answer_topk.png", d.units.unit)
    if scatter:
        d.figures["answer_params"] = plot_params(scatter, colors, d.reporter.label, fig_dir / "answer_params.png")
