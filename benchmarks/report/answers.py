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

:func:`compute_answers` fills ``d.aggregate["answers"]`` (and ``d.figures``); :func:`answers_markdown`
writes the section from it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.diagnostics import ControllerDiagnostics
from agents.registry import parse_agent_spec
from benchmarks.report import analysis
from benchmarks.report.answers_plots import plot_learning, plot_params, plot_time_saved, plot_topk_absolute
from benchmarks.report.benchmark_data import BASELINE, REPS, TOP_FRACTIONS, TOPK, ReportData
from benchmarks.report.style import agent_colors
from benchmarks.run.record import RunRecord

__all__ = [
    "GRID", "answers_markdown", "compute_answers", "deterministic_agents", "final_answer_hit", "ratio_of_medians_ci",
]

GRID = "grid"
#: share of each run (by evaluations) whose mean reward is compared between a learner and its ablation
LAST_SHARE = 0.25


# ------------------------------------------------------------------------------------------ helpers
def deterministic_agents(d: ReportData) -> list[str]:
    """Agents with more than one run whose runs all evaluated the same architectures in the same order."""
    out = []
    for agent, rs in d.runs.items():
        if len(rs) > 1 and len({tuple(e.tokens for e in r.history) for r in rs}) == 1:
            out.append(agent)
    return out


def final_answer_hit(run: RunRecord, reporter: Any, threshold: float) -> tuple[float, float, bool]:
    """(evaluations, simulated seconds) until the run's incumbent is first at or above ``threshold``
    (``inf`` if never), and whether its final pick is."""
    rewards = np.array([e.reward for e in run.history])
    acc = analysis.reported_accuracies(run, reporter)[analysis.incumbent_positions(rewards)]
    hits = np.flatnonzero(np.nan_to_num(acc, nan=-np.inf) >= threshold)
    final = bool(np.nan_to_num(acc[-1], nan=-np.inf) >= threshold)
    if hits.size == 0:
        return math.inf, math.inf, final
    i = int(hits[0])
    return float(i + 1), float(run.history[i].total_cost_seconds), final


def _median(v: np.ndarray) -> float:
    """The lower median (well defined with ``inf`` = never reached)."""
    return float(np.percentile(v, 50, method="lower"))


def _ratio(a: float, b: float) -> float:
    """``a / b``; NaN (undefined) when either median is 'never reached' or ``b`` is 0."""
    if math.isinf(a) or math.isinf(b) or b == 0:
        return math.nan
    return a / b


def ratio_of_medians_ci(x: Sequence[float], y: Sequence[float], resample_y: bool = True, reps: int = REPS,
                        seed: int = 0) -> tuple[float, float, float]:
    """``median(x) / median(y)`` (lower medians) and a percentile-bootstrap 95% CI (seeds resampled;
    ``y`` only if ``resample_y``: a deterministic reference is one fixed number). The ratio is NaN when a
    median is +inf ('never reached'); the CI is NaN when that happens in more than 5% of the resamples."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    value = _ratio(_median(xa), _median(ya))
    rng = np.random.default_rng(seed)
    ratios = np.empty(reps)
    for i in range(reps):
        xs = xa[rng.integers(len(xa), size=len(xa))]
        ys = ya[rng.integers(len(ya), size=len(ya))] if resample_y else ya
        ratios[i] = _ratio(_median(xs), _median(ys))
    ok = ratios[~np.isnan(ratios)]
    if ok.size < 0.95 * reps:  # in over 5% of resamples a median is 'never reached': no 95% interval
        return value, math.nan, math.nan
    return value, float(np.percentile(ok, 2.5, method="lower")), float(np.percentile(ok, 97.5, method="higher"))


def _bootstrap_mean_diff(x: np.ndarray, y: np.ndarray, reps: int = REPS, seed: int = 0) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    diffs = np.array([x[rng.integers(len(x), size=len(x))].mean() - y[rng.integers(len(y), size=len(y))].mean()
                      for _ in range(reps)])
    return float(x.mean() - y.mean()), float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


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
                          "evaluations_median": _median(ev), "hours_median": _median(hr),
                          "per_run_evaluations": ev.tolist(), "per_run_hours": hr.tolist()}
        for i, agent in enumerate(per):
            ratios = {}
            for j, ref in enumerate((BASELINE, GRID)):
                if ref == agent or ref not in per:
                    continue
                key = f"per_run_{unit}"
                v, lo, hi = ratio_of_medians_ci(per[agent][key], per[ref][key], resample_y=ref not in det,
                                                seed=1000 * i + j)
                # a deterministic side is one fixed number: only the other side's seeds are resampled
                ratios[ref] = {"ratio": v, "ci": None if agent in det and ref in det else [lo, hi]}
            per[agent]["ratio_to"] = ratios
        out["fractions"][label] = {"fraction": frac, "threshold_percent": 100 * thr,
                                   "architectures": int(np.sum(table >= thr)), "agents": per}
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
        ra = np.array([_last_share_reward(r) for r in d.runs[a]]) * 100
        rb = np.array([_last_share_reward(r) for r in d.runs[b]]) * 100
        acc = _bootstrap_mean_diff(fa, fb, seed=10 + i) if fa.size and fb.size else (math.nan,) * 3
        rew = _bootstrap_mean_diff(ra, rb, seed=20 + i)
        out["ablations"].append({"agent": a, "ablation": b, "final_accuracy_diff_pp": acc[0],
                                 "final_accuracy_diff_ci": [acc[1], acc[2]],
                                 "last_quarter_reward_diff_pp": rew[0], "last_quarter_reward_diff_ci": [rew[1], rew[2]],
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
            curves[k][agent] = (np.arange(1, n_max + 1), 100 * mean)
            end = per_run[:, -1]
            res.setdefault(str(k), {})[agent] = {
                "mean_at_end_percent": float(100 * np.nanmean(end)) if np.isfinite(end).any() else None,
                "never_decreases": bool(rises)}
    return res, curves


# ------------------------------------------------------------------------------------- 4. params
PARAMS_COUNTING = {
    "nas_env/NB201-v0": "NAS-Bench-201's own count for the whole network (stem, 3 stages of 5 cells, the 2 "
    "residual reduction blocks, classifier) as the benchmark reports it (`params`, in millions, x 10^6 and "
    "rounded); the classifier differs per dataset, so does the count.",
    "nas_env/Macro-v0": "NAS-Bench-Macro's own count for the whole network, from its table.",
    "nas_env/ZophLeCNN-v0": "the built child network: `sum(p.numel() for p in model.parameters())`, i.e. every "
    "parameter tensor, convolutions, BatchNorm's affine weight and bias and the classifier included; "
    "BatchNorm's running statistics (buffers) are not parameters and are not counted.",
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
    ans["params"], scatter = _params(d)
    d.aggregate["answers"] = ans
    ts = ans["time_saved"]
    if "fractions" in ts:
        d.figures["answer_time"] = plot_time_saved(ts, colors, fig_dir / "answer_time_saved.png")
    ups = {a: _update_rewards(d.runs[a]) for a in ans["learning"]["agents"]}
    if ups:
        d.figures["answer_learning"] = plot_learning(ups, colors, fig_dir / "answer_learning.png")
    d.figures["answer_topk"] = plot_topk_absolute(topk_curves, colors, fig_dir / "answer_topk.png")
    if scatter:
        d.figures["answer_params"] = plot_params(scatter, colors, d.reporter.label, fig_dir / "answer_params.png")


def _f(x: float | None, nd: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "not reached"
    return f"{x:.{nd}f}"


def _time_lines(d: ReportData, ts: dict[str, Any]) -> list[str]:
    lines = ["### 1. How much time would RL save compared with grid or random search?\n"]
    add = lines.append
    if "skipped" in ts:
        add(f"Skipped: {ts['skipped']}.\n")
        return lines
    unit = ts["unit"]
    add("An agent's **final answer** after n evaluations is its best-reward architecture so far (what the search "
        "returns if stopped there). Below: evaluations and simulated hours until the final answer is first in the "
        "top 1% / 0.1% of the table by its reported accuracy (median over runs; a run that never gets there counts "
        f"as +∞), the ratio of medians (in {unit}) to `{BASELINE}` and to `{GRID}` with a 95% bootstrap CI (seeds "
        "resampled), and the share of runs whose final pick is top-q. Ratio < 1: the agent needs less search. "
        + (f"Deterministic agents (every run identical: {', '.join(f'`{a}`' for a in ts['deterministic'])}) are shown "
           "as one run, without a CI. " if ts["deterministic"] else "")
        + "Grid search evaluates the space in its enumeration order (lexicographic in tokens), whatever the seed.\n")
    for label, v in ts["fractions"].items():
        add(f"**{label}** ({v['architectures']} architectures, reported accuracy ≥ {v['threshold_percent']:.2f}%):\n")
        add(f"| agent | runs | final answer in {label}: evaluations (median) | simulated h (median) | "
            f"ratio to {BASELINE} [95% CI] | ratio to {GRID} [95% CI] | final pick in {label} |")
        add("|---|---|---|---|---|---|---|")
        for a, s in v["agents"].items():
            cells = []
            for ref in (BASELINE, GRID):
                r = s["ratio_to"].get(ref)
                if r is None:
                    cells.append("—")
                elif r["ratio"] is None or math.isnan(r["ratio"]):
                    cells.append("n/a (a median is 'not reached')")
                elif r["ci"] is None or any(c is None or math.isnan(c) for c in r["ci"]):
                    cells.append(_f(r["ratio"], 2))
                else:
                    cells.append(f"{_f(r['ratio'], 2)} [{_f(r['ci'][0], 2)}, {_f(r['ci'][1], 2)}]")
            runs = "1 (deterministic)" if s["deterministic"] else str(s["runs"])
            add(f"| {a} | {runs} | {_f(s['evaluations_median'])} | {_f(s['hours_median'], 2)} | {cells[0]} | "
                f"{cells[1]} | {100 * s['share_final_pick_top']:.0f}% |")
        add("")
    top1 = ts["fractions"][TOP_FRACTIONS[0][0]]["agents"]
    ref = top1.get(BASELINE)
    for a, s in top1.items():
        if a in (BASELINE, GRID):
            continue
        text = (f"`{a}`'s final answer reached the top 1% after a median of {_f(s['evaluations_median'])} evaluations "
                f"({_f(s['hours_median'], 2)} h simulated)")
        if ref is not None:
            r = s["ratio_to"][BASELINE]
            ci = "" if r["ci"] is None or any(math.isnan(c) for c in r["ci"]) else \
                f", 95% CI [{_f(r['ci'][0], 2)}, {_f(r['ci'][1], 2)}]"
            ratio = "no ratio (a median is 'not reached')" if math.isnan(r["ratio"]) else f"ratio {_f(r['ratio'], 2)}"
            text += (f"; `{BASELINE}` needed {_f(ref['evaluations_median'])} ({_f(ref['hours_median'], 2)} h): "
                     f"{ratio}{ci}")
        if GRID in top1 and GRID in s["ratio_to"]:
            g = top1[GRID]
            text += f"; `{GRID}` (one deterministic run) needed {_f(g['evaluations_median'])}"
        add(f"- {text}. Its final pick was top-1% in {100 * s['share_final_pick_top']:.0f}% of runs.")
    add(f"\n![time saved](figures/{d.figures['answer_time'].name})\n")
    return lines


def _learning_lines(d: ReportData, lv: dict[str, Any]) -> list[str]:
    lines = ["### 2. How much does the controller actually learn?\n"]
    add = lines.append
    if not lv["agents"]:
        add("No agent saved learning diagnostics.\n")
        return lines
    add("Mean env reward per controller update (the update's architectures), averaged over runs, first vs last "
        "tenth of the updates; entropy and P(best architecture) are in section 5.\n")
    add("| agent | runs | updates per run (mean) | mean reward, first tenth (%) | last tenth (%) | all updates (%) |")
    add("|---|---|---|---|---|---|")
    for a, s in lv["agents"].items():
        add(f"| {a} | {s['runs']} | {s['updates_mean']:.1f} | {100 * s['mean_reward_first_tenth']:.2f} | "
            f"{100 * s['mean_reward_last_tenth']:.2f} | {100 * s['mean_reward_all_updates']:.2f} |")
    add("")
    if not lv["ablations"]:
        learners = ", ".join(f"`{a}@lr=0`" for a in lv["agents"] if parse_agent_spec(a)[1].get("lr") != 0)
        add(f"No no-learning ablation row in this benchmark: add {learners} to `--agents` to see what learning adds.\n")
    for s in lv["ablations"]:
        acc, rew = s["final_accuracy_diff_ci"], s["last_quarter_reward_diff_ci"]
        add(f"- Learning in `{s['agent']}` added {s['final_accuracy_diff_pp']:+.2f} pp of final "
            f"{d.reporter.label} over its no-learning ablation `{s['ablation']}` "
            f"(95% CI [{acc[0]:+.2f}, {acc[1]:+.2f}]) "
            f"and {s['last_quarter_reward_diff_pp']:+.2f} pp of mean reward over the last quarter of each run "
            f"({s['last_quarter_reward_agent_pp']:.2f}% vs {s['last_quarter_reward_ablation_pp']:.2f}%, 95% CI "
            f"[{rew[0]:+.2f}, {rew[1]:+.2f}]).")
    add(f"\n![learning](figures/{d.figures['answer_learning'].name})\n")
    return lines


def _topk_lines(d: ReportData, tk: dict[str, Any]) -> list[str]:
    lines = ["### 3. What is Figure 6's \"average of top models\"?\n"]
    add = lines.append
    add("After n sampled architectures, the **mean reward of the k best distinct architectures sampled so far** "
        "(a resampled architecture counts once) -- not a merged or ensembled model. It can only rise: "
        "sampling one more architecture can only add a candidate, so the i-th best reward so far never falls for "
        "any i, and neither does the mean of the k best. Checked on every run here: "
        + ("the curve never decreased." if all(v["never_decreases"] for t in tk.values() for v in t.values())
           else "SOME CURVE DECREASED (a bug).")
        + " Mean over runs at the end of the budget (%):\n")
    add("| agent | " + " | ".join(f"top-{k}" for k in TOPK) + " |")
    add("|---" * (len(TOPK) + 1) + "|")
    for a in d.agents:
        add(f"| {a} | " + " | ".join(_f(tk[str(k)][a]["mean_at_end_percent"], 2) for k in TOPK) + " |")
    add(f"\n![figure 6](figures/{d.figures['answer_topk'].name})\n")
    return lines


def _params_lines(d: ReportData, pv: dict[str, Any]) -> list[str]:
    lines = ["### 4. How are the parameters of a child counted?\n", f"`{d.protocol.env_id}`: {pv['counting']}\n"]
    add = lines.append
    if "skipped" in pv:
        add(f"No scatter: {pv['skipped']}.\n")
        return lines
    add(f"{pv['evaluated_distinct']:,} distinct architectures were evaluated ({pv['params_min']:,.0f} to "
        f"{pv['params_max']:,.0f} parameters, median {pv['params_median_evaluated']:,.0f}); the final picks have a "
        f"median of {pv['params_median_final_picks']:,.0f}. {pv['final_picks_on_front']} of {pv['final_picks']} final "
        f"picks lie on the accuracy-vs-parameters Pareto front of the evaluated architectures "
        f"({pv['pareto_front_size']} points: none of them is beaten by one with fewer or as many parameters).\n")
    add(f"![params](figures/{d.figures['answer_params'].name})\n")
    return lines


def answers_markdown(d: ReportData) -> list[str]:
    """The "answers" section of ``report.md`` (empty if :func:`compute_answers` did not run)."""
    ans = d.aggregate.get("answers")
    if not ans:
        return []
    return ["## 6. The paper's questions, answered\n", *_time_lines(d, ans["time_saved"]),
            *_learning_lines(d, ans["learning"]), *_topk_lines(d, ans["topk"]), *_params_lines(d, ans["params"])]
