"""The "answers" section of report.md: the four questions in sentences with numbers (see :mod:`.compute`)."""

from __future__ import annotations

import math
from typing import Any

from nas_env.agents.registry import parse_agent_spec
from nas_env.benchmarks.report.answers.compute import GRID, LAST_SHARE, deterministic_agents  # noqa: F401
from nas_env.benchmarks.report.benchmark.data import BASELINE, TOP_FRACTIONS, TOPK, ReportData  # noqa: F401

__all__ = ["answers_markdown"]


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
    lines += _grid_sentences(ts["fractions"][TOP_FRACTIONS[0][0]])
    add(f"\n![time saved](figures/{d.figures['answer_time'].name})\n")
    return lines


def _grid_sentences(v: dict[str, Any]) -> list[str]:
    """Time saved vs grid search, one sentence per agent (top 1%): against a grid in random order (its exact
    expectation) and the enumeration-order grid's one run, with the final-answer measure of the table above."""
    rg, first, top1 = v["random_order_grid"], v["first_evaluated"], v["agents"]
    if rg["expected_evaluations"] is None:
        return []
    exp_h = None if rg["expected_seconds"] is None else rg["expected_seconds"] / 3600
    hours = "" if exp_h is None else f", {exp_h:.2f} h simulated"
    med = rg["median_evaluations"]
    out = [f"\nTime saved vs grid search: a grid in **random order** (sampling without replacement) first evaluates "
           f"one of the {rg['top']} top-1% architectures of {rg['architectures']:,} after a median of {med} "
           f"evaluations (expectation (N + 1) / (M + 1) = {rg['expected_evaluations']:.1f}{hours}; exact, from the "
           "table). Time saved = 1 - (agent's median over seeds / that median), in evaluations. One sentence per "
           "agent:\n"]
    for a, f in first.items():
        if a == GRID:
            continue
        saved = 1 - f["evaluations_median"] / med if math.isfinite(f["evaluations_median"]) else None
        if saved is None:
            text = (f"`{a}` evaluated a top-1% architecture in {f['found']} of {f['runs']} runs, too few for a median "
                    "within the budget: no saving to state")
        else:
            text = (f"`{a}` first evaluated a top-1% architecture after a median of {_f(f['evaluations_median'])} "
                    f"evaluations ({_f(f['hours_median'], 2)} h; {f['found']} of {f['runs']} runs found one): "
                    f"{100 * saved:+.0f}% of a random-order grid's median evaluations saved")
        s = top1[a]
        reached = "never reached the top 1% in most runs" if not math.isfinite(s["evaluations_median"]) else \
            f"reached the top 1% after a median of {_f(s['evaluations_median'])} evaluations"
        text += (f"; its final answer {reached} and was top-1% at the end in "
                 f"{100 * s['share_final_pick_top']:.0f}% of runs")
        if GRID in first:
            g = first[GRID]["evaluations_median"]
            text += (f"; the enumeration-order `{GRID}` (one deterministic run) needed {_f(g)}" if math.isfinite(g)
                     else f"; the enumeration-order `{GRID}` (one deterministic run) found none within the budget")
        out.append(f"- {text}.")
    return out


def _learning_lines(d: ReportData, lv: dict[str, Any]) -> list[str]:
    lines = ["### 2. How much does the controller actually learn?\n"]
    add = lines.append
    if not lv["agents"]:
        add("No agent saved learning diagnostics.\n")
        return lines
    add("Mean env reward per controller update (the update's architectures), averaged over runs, first vs last "
        "tenth of the updates; entropy and P(best architecture) are in section 5.\n")
    u = d.units
    add(f"| agent | runs | updates per run (mean) | {u.head('mean reward, first tenth')} | {u.head('last tenth')} "
        f"| {u.head('all updates')} |")
    add("|---|---|---|---|---|---|")
    for a, s in lv["agents"].items():
        add(f"| {a} | {s['runs']} | {s['updates_mean']:.1f} | {u.fmt(u.scale * s['mean_reward_first_tenth'])} | "
            f"{u.fmt(u.scale * s['mean_reward_last_tenth'])} | {u.fmt(u.scale * s['mean_reward_all_updates'])} |")
    add("")
    if not lv["ablations"]:
        learners = ", ".join(f"`{a}@lr=0`" for a in lv["agents"] if parse_agent_spec(a)[1].get("lr") != 0)
        add(f"No no-learning ablation row in this benchmark: add {learners} to `--agents` to see what learning adds.\n")
    for s in lv["ablations"]:
        acc, rew = s["final_accuracy_diff_ci"], s["last_quarter_reward_diff_ci"]
        add(f"- Learning in `{s['agent']}` added {s['final_accuracy_diff_pp']:+.2f} pp of final "
            f"{d.reporter.label} over its no-learning ablation `{s['ablation']}` "
            f"(95% CI [{acc[0]:+.2f}, {acc[1]:+.2f}]) "
            f"and {u.fmt(s['last_quarter_reward_diff_pp'], True)} {u.difference} of mean reward over the last "
            f"quarter of each run ({u.fmt(s['last_quarter_reward_agent_pp'])} vs "
            f"{u.fmt(s['last_quarter_reward_ablation_pp'])} {u.unit}, 95% CI "
            f"[{u.fmt(rew[0], True)}, {u.fmt(rew[1], True)}]).")
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
        + f" Mean over runs at the end of the budget ({d.units.unit}):\n")
    add("| agent | " + " | ".join(f"top-{k}" for k in TOPK) + " |")
    add("|---" * (len(TOPK) + 1) + "|")
    for a in d.agents:
        add(f"| {a} | " + " | ".join(d.units.fmt(tk[str(k)][a][f"mean_at_end_{d.units.mean_key}"]) for k in TOPK)
            + " |")
    add(f"\n![figure 6](figures/{d.figures['answer_topk'].name})\n")
    lines += _concentration_lines(d)
    return lines


def _concentration_lines(d: ReportData) -> list[str]:
    """Why the gap to random search grows with k, with each agent's data (:mod:`.concentration`)."""
    c = d.aggregate["answers"].get("topk_concentration")
    if not c:
        return []
    share = c["agents"].get(BASELINE, {}).get("top_share") is not None
    pct = f"{100 * c['top_fraction']:.0f}%"
    lines = ["**Why adding worse models widens the gap to random search.** Each agent's top-k average falls as k "
             "grows (the 15th best is worse than the best), but the *gap* to random search is set by the k-th best "
             "of each: an agent whose samples concentrate in the good region has many good architectures, so its "
             "15th best stays high while random search's drops; the single best is partly luck for both. "
             f"Mean over runs at the end ({d.units.unit}):\n",
             "| agent | " + " | ".join(f"{k}th best reward" if k > 1 else "best reward" for k in TOPK)
             + (f" | evaluations in the table's top {pct}" if share else "") + " | distinct / evaluations |",
             "|---" * (len(TOPK) + 2 + share) + "|"]
    for a, s in c["agents"].items():
        cells = [d.units.fmt(s[f"kth_best_{d.units.mean_key}"][str(k)]) for k in TOPK]
        if share:
            cells.append(_f(None if s["top_share"] is None else 100 * s["top_share"], 1) + "%")
        lines.append(f"| {a} | " + " | ".join(cells) + f" | {100 * s['distinct_share']:.0f}% |")
    lines.append("")
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
