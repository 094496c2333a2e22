"""The suite report: ``DIR/report.md``, one CSV and one figure per aggregate, and the leaderboard.

===============================  ================================================================
``report.md``                    setup; each task's reported accuracy (the headline, per task); the
                                 normalised scores; the aggregates; the leaderboard
``tasks.csv``                    per (task, agent): reported accuracy mean/std/IQM, mean score, references
``scores.csv``                   per (task, agent, seed): reported accuracy and normalised score
``iqm.csv``, ``performance_profiles.csv``, ``probability_of_improvement.csv``, ``average_rank.csv``
                                 the four aggregates (figures of the same names under ``figures/``)
``difference_from_random.csv``   per (task, agent): the mean's difference from random search, 95% CI
``leaderboard.md``               the leaderboard (:func:`leaderboard_markdown`), also copied where asked
===============================  ================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.benchmarks.report.benchmark.data import write_csv
from nas_env.benchmarks.run.files import write_text
from nas_env.benchmarks.suite import plots
from nas_env.benchmarks.suite.compute import (
    REPS,
    TAUS,
    Aggregates,
    compute_aggregates,
    difference_rows,
    task_rows,
)
from nas_env.benchmarks.suite.score import TaskResults, collect
from nas_env.benchmarks.suite.tasks import Task, tier_tasks

__all__ = ["LEADERBOARD_BEGIN", "LEADERBOARD_END", "build_suite_report", "leaderboard_markdown"]

LEADERBOARD_BEGIN = "<!-- leaderboard:begin (written by `nas-env suite --readme`; do not edit) -->"
LEADERBOARD_END = "<!-- leaderboard:end -->"


def _ci(e: Any, nd: int = 2) -> str:
    return f"{e.value:.{nd}f} [{e.low:.{nd}f}, {e.high:.{nd}f}]"


def _seeds_text(seeds: Sequence[int]) -> str:
    s = sorted(seeds)
    return f"{s[0]}..{s[-1]}" if s == list(range(s[0], s[-1] + 1)) else ",".join(map(str, s))


def leaderboard_markdown(meta: dict[str, Any], agg: Aggregates) -> str:
    """The leaderboard: agents by IQM normalised score (95% CI), their average rank and P(better than random)."""
    order = sorted(agg.agents, key=lambda a: -agg.iqm[a].value)
    lines = [f"Suite task-set version {meta['version']}, {meta['tier']} tier: {len(agg.tasks)} tasks "
             f"({', '.join(agg.tasks)}), seeds {_seeds_text(meta['seeds'])} per task"
             + ("" if meta.get("budget_scale", 1.0) == 1.0 else f", budgets x {meta['budget_scale']}") + ".",
             "Normalised score: 0 = random search's expected final answer at the task's budget, 1 = the table "
             "optimum; IQM over all tasks and seeds with 95% stratified-bootstrap CIs.", "",
             "| rank | agent | IQM normalised score [95% CI] | average rank [95% CI] | P(beats random) |",
             "|---:|---|---|---|---|"]
    for i, a in enumerate(order, 1):
        poi = agg.poi.get((a, "random"))
        lines.append(f"| {i} | {a} | {_ci(agg.iqm[a])} | {_ci(agg.ranks[a])} | "
                     f"{'--' if poi is None else _ci(poi)} |")
    return "\n".join(lines) + "\n"


def _headline(results: Sequence[TaskResults], agents: Sequence[str]) -> list[str]:
    lines = ["## 1. Reported accuracy per task (the headline)", "",
             "Each task's own number: the reported accuracy (%) of each run's best-reward architecture, mean ± std "
             "over seeds (each task's directory has its full report). `random (expected)` is random search's "
             "expected answer at the budget, `optimum` the table's best (the score's 0 and 1).", "",
             "| task | reported | " + " | ".join(agents) + " | random (expected) | optimum |",
             "|---|---|" + "---|" * len(agents) + "---|---|"]
    for tr in results:
        cells = []
        for a in agents:
            acc = tr.accuracy.get(a)
            ok = acc[np.isfinite(acc)] if acc is not None else np.array([])
            cells.append(f"{100 * ok.mean():.2f} ± {100 * ok.std():.2f}" if ok.size else "--")
        ref = tr.reference
        tail = f"{100 * ref.random_expected:.2f} | {100 * ref.optimum:.2f}" if ref else "-- | --"
        lines.append(f"| [{tr.task.name}]({tr.task.name}/report.md) | {tr.protocol.report_name} | "
                     + " | ".join(cells) + f" | {tail} |")
    for tr in results:
        if tr.transfer:
            datasets = list(next(iter(tr.transfer.values())))
            lines += ["", f"The answer of `{tr.task.name}` reported on the other NAS-Bench-201 datasets (200-epoch "
                      "accuracy of the chosen cell, %, mean ± std; not scored):", "",
                      "| agent | " + " | ".join(datasets) + " |", "|---|" + "---|" * len(datasets)]
            for a, by_ds in tr.transfer.items():
                lines.append(f"| {a} | " + " | ".join(f"{100 * np.nanmean(v):.2f} ± {100 * np.nanstd(v):.2f}"
                                                      for v in by_ds.values()) + " |")
    return lines


def _scores(results: Sequence[TaskResults], agg: Aggregates) -> list[str]:
    lines = ["", "## 2. Normalised scores", "",
             "Score = (accuracy - random search's expected answer) / (table optimum - random search's expected "
             "answer), per run: 0 = no better than random search at the same budget, 1 = the best architecture "
             "(among those the reward allows: within the latency limit on the hardware-aware tasks). Random "
             "search's expectation is the mean of 10,000 simulated random searches on the enumerated table (fixed "
             "seed; `references.json` has it with its standard error), so the score measures what a strategy "
             "gains over the baseline at the very budget it gets. Mean score per task:", ""]
    agents = agg.agents or sorted({a for tr in results for a in tr.accuracy})
    lines += ["| task | " + " | ".join(agents) + " |", "|---|" + "---|" * len(agents)]
    for tr in results:
        if tr.reference is None:
            lines.append(f"| {tr.task.name} | no score: {tr.no_reference} |" + " |" * (len(agents) - 1))
            continue
        lines.append(f"| {tr.task.name} | " + " | ".join(
            f"{np.nanmean(tr.score(a)):.3f}" if a in tr.accuracy else "--" for a in agents) + " |")
    return lines


def _aggregates(agg: Aggregates) -> list[str]:
    if not agg.agents:
        return ["", "## 3. Aggregates", "", "No agent has scored runs on every scored task: no aggregate."]
    n_runs = sum(s.size for s in agg.scores[agg.agents[0]])
    lines = ["", "## 3. Aggregates across tasks and seeds", "",
             f"Over {len(agg.tasks)} scored tasks and {n_runs} runs per agent (the seeds every agent has). "
             f"Intervals: 95% percentile bootstrap, runs resampled within each task ({REPS} replicates; profiles "
             "and probabilities of improvement 1000), seeded.", "",
             "**IQM** (interquartile mean of all runs' scores, robust to outlier runs; `iqm.csv`, "
             "`figures/iqm.png`):", "", "| agent | IQM [95% CI] |", "|---|---|"]
    lines += [f"| {a} | {_ci(agg.iqm[a], 3)} |" for a in agg.agents]
    lines += ["", "**Performance profiles** (fraction of runs with score > tau, tasks weighted equally; "
              "`performance_profiles.csv`, `figures/performance_profiles.png`): at tau = 0 and 0.5:", "",
              "| agent | > 0 | > 0.5 |", "|---|---|---|"]
    i0, i5 = int(np.argmin(np.abs(TAUS))), int(np.argmin(np.abs(TAUS - 0.5)))
    for a in agg.agents:
        est, low, high = agg.profiles[a]
        lines.append(f"| {a} | {est[i0]:.2f} [{low[i0]:.2f}, {high[i0]:.2f}] | "
                     f"{est[i5]:.2f} [{low[i5]:.2f}, {high[i5]:.2f}] |")
    lines += ["", "**Probability of improvement** P(row beats column): per task the probability that a run of one "
              "beats a run of the other (ties half), averaged over tasks (`probability_of_improvement.csv`, "
              "`figures/probability_of_improvement.png`):", "",
              "| | " + " | ".join(agg.agents) + " |", "|---|" + "---|" * len(agg.agents)]
    for a in agg.agents:
        lines.append(f"| {a} | " + " | ".join("--" if a == b else _ci(agg.poi[(a, b)]) for b in agg.agents) + " |")
    lines += ["", "**Average rank** (per task and seed the agents ranked by score, 1 = best, ties share; averaged; "
              "`average_rank.csv`, `figures/average_rank.png`):", "", "| agent | average rank [95% CI] |", "|---|---|"]
    lines += [f"| {a} | {_ci(agg.ranks[a])} |" for a in sorted(agg.agents, key=lambda a: agg.ranks[a].value)]
    return lines


def _write_csvs(out: Path, results: Sequence[TaskResults], agg: Aggregates) -> None:
    write_csv(out / "tasks.csv", task_rows(results))
    rows = [{"task": tr.task.name, "agent": a, "seed": s, "accuracy": float(acc),
             "score": float("nan") if tr.reference is None else float(tr.reference.score(acc))}
            for tr in results for a in tr.accuracy for s, acc in zip(tr.seeds[a], tr.accuracy[a])]
    write_csv(out / "scores.csv", rows)
    write_csv(out / "iqm.csv", [{"agent": a, **agg.iqm[a].as_dict()} for a in agg.agents])
    write_csv(out / "performance_profiles.csv", [
        {"agent": a, "tau": float(t), "fraction": float(e), "ci_low": float(lo), "ci_high": float(hi)}
        for a in agg.agents for t, e, lo, hi in zip(TAUS, *agg.profiles[a])])
    write_csv(out / "probability_of_improvement.csv",
              [{"agent": a, "over": b, **e.as_dict()} for (a, b), e in agg.poi.items()])
    write_csv(out / "average_rank.csv", [{"agent": a, **agg.ranks[a].as_dict()} for a in agg.agents])
    write_csv(out / "difference_from_random.csv", difference_rows(results))


def _differences(results: Sequence[TaskResults]) -> list[str]:
    rows = difference_rows(results)
    lines = ["", "## 4. Difference from random search", "",
             "Each agent's mean reported accuracy minus random search's, in percentage points, with a 95% bootstrap "
             "CI (`difference_from_random.csv`); the real-training tier's comparison, where no optimum is known.", ""]
    if not rows:
        return lines + ["No random-search runs to compare with."]
    lines += ["| task | agent | runs | difference (pp) [95% CI] |", "|---|---|---|---|"]
    lines += [f"| {r['task']} | {r['agent']} | {r['runs']} | {r['difference_pp']:+.2f} "
              f"[{r['ci_low_pp']:+.2f}, {r['ci_high_pp']:+.2f}] |" for r in rows]
    return lines


def build_suite_report(out: Path | str, meta: dict[str, Any]) -> tuple[Path, str | None]:
    """Write the suite report of the directory ``out`` (its ``suite.json`` is ``meta``); returns report.md and the
    leaderboard's markdown (``None`` without aggregates)."""
    out = Path(out)
    names = [t["name"] for t in meta.get("tasks", [])]
    tasks: list[Task] = [t for t in tier_tasks(meta["tier"]) if t.name in names]
    agents = list(meta.get("agents", []))
    results = collect(out, tasks, agents, meta.get("budget_scale", 1.0))
    agg = compute_aggregates(results, agents)
    _write_csvs(out, results, agg)
    board = None
    if agg.agents:
        plots.plot_iqm(agg, out / "figures" / "iqm.png")
        plots.plot_performance_profiles(agg, out / "figures" / "performance_profiles.png")
        plots.plot_probability_of_improvement(agg, out / "figures" / "probability_of_improvement.png")
        plots.plot_ranks(agg, out / "figures" / "average_rank.png")
        board = leaderboard_markdown(meta, agg)
        write_text(out / "leaderboard.md", board)
    wall = meta.get("wall_seconds_last_invocation")
    lines = [f"# nas-env suite: {meta['tier']} tier, task-set version {meta['version']}", "",
             f"Tasks: {len(tasks)}; agents: {', '.join(agents)}; seeds {_seeds_text(meta['seeds'])}; budgets x "
             f"{meta.get('budget_scale', 1.0)}. Machine: {meta.get('cpu', '?')}, "
             f"{meta.get('machine', {}).get('cpu_count', '?')} CPUs, {meta.get('workers')} workers"
             + ("" if wall is None else f"; last invocation {wall:.0f} s wall") + ".", "",
             f"Commands: {'; '.join(f'`{c}`' for c in meta.get('commands', []))}", ""]
    lines += _headline(results, agents)
    if any(tr.reference is not None for tr in results):
        lines += _scores(results, agg) + _aggregates(agg)
    else:
        lines += ["", "## 2-3. No normalised score", "", "No task here has a table to take random search's expected "
                  "answer and an optimum from (real training): each agent is compared with random search in section 4."]
    lines += _differences(results)
    if board:
        lines += ["", "## 5. Leaderboard (`leaderboard.md`)", "", board]
    path = out / "report.md"
    write_text(path, "\n".join(lines) + "\n")
    return path, board
