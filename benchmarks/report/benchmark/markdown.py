"""``report.md`` of a benchmark: text only, from a filled
:class:`~nas_env.benchmarks.report.benchmark.data.ReportData`."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence

import numpy as np

from nas_env.benchmarks.report.answers.markdown import answers_markdown
from nas_env.benchmarks.report.benchmark.compute import compute_markdown
from nas_env.benchmarks.report.benchmark.data import BASELINE, ReportData, deterministic_agents
from nas_env.benchmarks.report.benchmark.protocol_notes import protocol_notes_markdown
from nas_env.benchmarks.report.benchmark.retrained import retrained_markdown
from nas_env.benchmarks.report.benchmark.topk_text import topk_markdown, topk_verdicts
from nas_env.benchmarks.report.benchmark.transfer import transfer_markdown

__all__ = ["markdown"]


def _fmt(x: float | None, nd: int = 2) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def _fmt_miq(m: Sequence[float], nd: int = 0, unit: str = "") -> str:
    med, q1, q3 = m

    def f(v: float) -> str:
        return "not found" if math.isinf(v) else (f"{v:.{nd}f}{unit}")

    if math.isnan(med):
        return "n/a"
    if math.isinf(q1):
        return "not found"
    return f"{f(med)} [{f(q1)}, {f(q3)}]"


def _fmt_sci(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2e}"


def _seed_text(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}..{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _setup(d: ReportData) -> list[str]:
    p, m = d.protocol, d.meta
    mach = m.get("machine", {})
    lines: list[str] = []
    add = lines.append
    add(f"# Benchmark report: `{p.name}`\n")
    add(f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')} from the saved histories in `{d.out}` "
        f"(regenerate with `nas-env report {d.out}`).\n")
    add("## Setup\n")
    add(f"- **Command:** `{m.get('command', 'n/a')}`")
    if len(m.get("commands", [])) > 1:
        add(f"- Earlier invocations on this directory: {len(m['commands']) - 1} (runs resumed or skipped)")
    wall = m.get("wall_seconds_last_invocation")
    if wall is not None:
        add(f"- **Wall time of the last `benchmark` invocation:** {wall:.1f} s "
            f"with {m.get('workers', '?')} worker processes")
    add(f"- **Machine:** {mach.get('platform', '?')}, {mach.get('processor', '?')}, "
        f"{mach.get('cpu_count', '?')} CPUs, Python {mach.get('python', '?')}")
    vers = mach.get("versions", {})
    add("- **Versions:** " + ", ".join(f"{k} {v}" for k, v in vers.items() if v))
    seeds = sorted({r.seed for rs in d.runs.values() for r in rs})
    add(f"- **Seeds:** {len(seeds)} per agent: {_seed_text(seeds)}")
    add(f"- **Agents:** {', '.join(d.agents)}\n")
    add("### Protocol\n")
    add("| | |\n|---|---|")
    add(f"| env | `{p.env_id}` with `{json.dumps(dict(p.env_kwargs))}` |")
    add(f"| reward signal | {p.reward} |")
    add(f"| cost accounting | {p.cost} |")
    add(f"| budget | {p.budget.describe()} (an evaluation that would exceed a time budget is not counted) |")
    if p.retrain_top:
        add(f"| reported at the end | {p.report_label} (section 3b) |")
    else:
        add(f"| reported at the end | {d.reporter.label} of the architecture with the best reward |")
    if p.agent_kwargs:
        add(f"| agent hyperparameters | `{json.dumps({k: dict(v) for k, v in p.agent_kwargs.items()})}` |")
    if p.notes:
        add(f"| notes | {p.notes} |")
    add("")
    return lines


def _final_results(d: ReportData) -> list[str]:
    ag = d.aggregate["agents"]
    unit = d.protocol.report_label
    lines: list[str] = []
    add = lines.append
    add("## 1. Final results\n")
    whose = "" if d.protocol.retrain_top else " of each run's best-reward architecture"
    add(f"Final {unit} (%){whose}. IQM = interquartile mean over seeds, "
        "95% CI from a percentile stratified bootstrap (2,000 resamples). "
        f"P(> {BASELINE}) = P(X > Y) + ½ P(X = Y) for a run X of the agent and a run Y of {BASELINE}, "
        "with bootstrap 95% CI. Std is the population std (`np.std`, as NAS-Bench-201).\n")
    add(f"| agent | runs | evaluations (mean) | simulated h (mean) | mean ± std | IQM [95% CI] | median "
        f"| P(> {BASELINE}) [95% CI] |")
    add("|---|---|---|---|---|---|---|---|")
    det = set(deterministic_agents(d))
    for a in d.agents:
        e = ag[a]
        pi = e.get("probability_of_improvement_over", {}).get(BASELINE)
        pi_s = "—" if pi is None else f"{pi['value']:.2f} [{pi['ci_low']:.2f}, {pi['ci_high']:.2f}]"
        if a in det and "mean" in e:  # every run identical (grid ignores the seed): one run, no spread, no CI
            runs = "one run suffices, run once" if e["runs"] == 1 else f"all {e['runs']} identical"
            add(f"| {a} | 1 (deterministic: {runs}) | {e['evaluations_mean']:.1f} "
                f"| {e['simulated_seconds_mean'] / 3600:.2f} | {e['mean']:.2f} | — | {e['median']:.2f} | {pi_s} |")
        elif "mean" in e:
            add(f"| {a} | {e['runs']} | {e['evaluations_mean']:.1f} | {e['simulated_seconds_mean'] / 3600:.2f} "
                f"| {e['mean']:.2f} ± {e['std']:.2f} | {e['iqm']:.2f} [{e['iqm_ci'][0]:.2f}, {e['iqm_ci'][1]:.2f}] "
                f"| {e['median']:.2f} | {pi_s} |")
        else:
            add(f"| {a} | {e['runs']} | {e['evaluations_mean']:.1f} | — | n/a | n/a | n/a | — |")
    for pub in d.protocol.published:
        std = "" if pub.std is None else f" ± {pub.std:.2f}"
        add(f"| *{pub.method} (published: {pub.source})* | | | | {pub.mean:.2f}{std} | | | |")
    opt = d.reporter.optimum()
    if opt is not None:
        add(f"| *optimum of the table* | | | | {100 * opt[0]:.2f} | | | |")
        add(f"\nOptimum: `{opt[1]}`.")
    add(f"\n![final accuracies](figures/{d.figures['final'].name})\n")
    if len(d.agents) > 2:
        add("Probability of improvement between every pair (row over column):\n")
        add("| | " + " | ".join(d.agents) + " |")
        add("|---" * (len(d.agents) + 1) + "|")
        for a in d.agents:
            cells = []
            for b in d.agents:
                v = ag[a].get("probability_of_improvement_over", {}).get(b)
                cells.append("—" if v is None else f"{v['value']:.2f}")
            add(f"| {a} | " + " | ".join(cells) + " |")
        add("")
    return lines


def _anytime(d: ReportData) -> list[str]:
    return [
        "## 2. Anytime performance\n",
        f"{d.reporter.label.capitalize()} (%) of the incumbent (best reward so far) against simulated search time "
        "and against the number of evaluations. Line: IQM over seeds; band: 95% percentile stratified-bootstrap "
        "interval of the IQM (whole curves resampled over seeds). A run that ended (budget) keeps its final "
        "incumbent. Data: `anytime_by_evaluations.csv`" + (", `anytime_by_time.csv`" if d.charges_time else "")
        + ".\n",
        f"![anytime](figures/{d.figures['anytime'].name})\n",
    ]


def _time_to_top(d: ReportData) -> list[str]:
    lines = ["## 4. How much search until a top architecture?\n"]
    add = lines.append
    tt = d.aggregate.get("time_to_top")
    if not tt:
        add("Skipped (see notes).\n")
        return lines
    add(f"A **top-q architecture** is one whose {d.reporter.label} in the table is at least the ⌈q·N⌉-th largest "
        f"value over all N architectures of the space (ties included). A run **finds** one at the first evaluation "
        "of such an architecture, whatever its reward; we count evaluations (1-based) and the simulated "
        "time charged up to and including it. Median [Q1, Q3] over all seeds, runs that never find one "
        "counted as +∞ (so a median can read 'not found').\n")
    for lab, v in tt.items():
        add(f"**{lab}** = {d.reporter.label} ≥ {v['threshold_percent']:.2f}% ({v['architectures']} architectures):\n")
        add("| agent | found in | evaluations: median [Q1, Q3] | simulated hours: median [Q1, Q3] |")
        add("|---|---|---|---|")
        for a in d.agents:
            s = v["agents"][a]
            add(f"| {a} | {s['found']} of {s['runs']} runs | {_fmt_miq(s['evaluations_median_q1_q3'])} "
                f"| {_fmt_miq(s['hours_median_q1_q3'], 2)} |")
        add("")
    add(f"\n![time to top](figures/{d.figures['time_to_top'].name})\n")
    return lines


def _controller(d: ReportData) -> list[str]:
    lines = ["## 5. How much does the controller learn?\n"]
    add = lines.append
    if "controller" in d.figures:
        add("Mean policy entropy per token at each update, and the probability the controller assigns to the "
            "run's *final* best architecture at saved snapshots (teacher-forced), from the agent's saved "
            "diagnostics (`SearchResult.extras`). Thin lines: seeds; thick: median over seeds.\n")
        add(f"![controller](figures/{d.figures['controller'].name})\n")
        add("| agent | entropy/token first → last (median) | P(best) first → last (median) |")
        add("|---|---|---|")
        for a, s in d.aggregate.get("controller", {}).items():
            add(f"| {a} | {_fmt(s['entropy_first_median'], 3)} → {_fmt(s['entropy_last_median'], 3)} | "
                f"{_fmt_sci(s['prob_best_first_median'])} → {_fmt_sci(s['prob_best_last_median'])} |")
        add("")
    without = d.aggregate.get("controller_missing", [])
    if without:
        add(f"No learning diagnostics saved for: {', '.join(without)} (skipped).\n")
    return lines


def _notes_and_files(d: ReportData, wall_report: float) -> list[str]:
    lines: list[str] = []
    if d.notes:
        lines += ["## Notes\n", *(f"- {n}" for n in d.notes), ""]
    lines += [
        "## Files\n",
        "`summary.csv` (one row per agent × seed), `aggregate.json` (per-agent statistics), "
        "`anytime_by_evaluations.csv`" + (", `anytime_by_time.csv`" if d.charges_time else "")
        + ", `topk_vs_random.csv`, `figures/*.png`, histories under `runs/<agent>/seed<k>/history.jsonl`.",
        f"\nReport built in {wall_report:.1f} s.",
    ]
    return lines


def markdown(d: ReportData, wall_report: float) -> str:
    """The text of ``report.md`` (``wall_report``: seconds spent building the report, printed at the end)."""
    sections = (_setup(d), protocol_notes_markdown(d), _final_results(d), _anytime(d), topk_markdown(d),
                retrained_markdown(d, topk_verdicts), compute_markdown(d), _time_to_top(d), _controller(d),
                answers_markdown(d), transfer_markdown(d), _notes_and_files(d, wall_report))
    return "\n".join(line for section in sections for line in section) + "\n"
