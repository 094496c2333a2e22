"""``nas-env report DIR`` for a *single search run* (a ``nas-env search`` directory).

:func:`build_run_report` reads the run directory with :func:`nas_env.benchmarks.run.record.load_run`
(``run.json``, ``history.jsonl`` and, when present, ``summary.json`` and ``extras.json``; see
:mod:`nas_env.benchmarks.run.directory`) and writes:

=====================================  ===========================================================
``DIR/report.md``                      setup, best architecture, first vs last quarter, figures
``DIR/figures/rewards.png``            reward of every architecture, best so far, rolling median
``DIR/figures/token_probabilities.png``  (REINFORCE) the controller's probability of every choice
                                       of every decision, per snapshot: the policy sharpening
``DIR/figures/controller.png``         (REINFORCE) batch reward and baseline, entropy per token,
                                       probability of the final best architecture
``DIR/figures/top_architectures.png``  the best distinct architectures, drawn
``DIR/figures/pareto_front.png``       (nsga2) reward vs cost of every architecture, the
                                       non-dominated ones joined (:mod:`.pareto`)
``DIR/report.html``                    the same report as one self-contained page, the rewards figure
                                       interactive (:mod:`nas_env.benchmarks.report.html`)
=====================================  ===========================================================

The controller figures need the diagnostics the REINFORCE agent saves in ``extras.json``
(:mod:`nas_env.benchmarks.report.run.controller`); other agents get the report without them (and a
note saying so). The search space for the drawings is rebuilt from ``run.json``'s env id and
kwargs (:class:`nas_env.benchmarks.report.run.data.RunReportData`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.agents.budget import Budget
from nas_env.agents.history import Evaluation
from nas_env.benchmarks.report.html import run_figures, write_html_report
from nas_env.benchmarks.report.run import plots
from nas_env.benchmarks.report.run.controller import controller_section
from nas_env.benchmarks.report.run.data import (
    TOP_K,
    RunReportData,
    load_run_report_data,
    reward_label,
    space_for,
    succeeded,
    top_architectures,
)
from nas_env.benchmarks.report.run.pareto import pareto_section
from nas_env.benchmarks.report.style import agent_colors, styled
from nas_env.benchmarks.run.environment import trusted_modules
from nas_env.benchmarks.run.files import safe_mkdir, utf8_text, write_text

__all__ = ["build_run_report"]


def _pct(x: Any) -> str:
    return "—" if x is None else f"{100 * float(x):.2f}%"


def _cell(text: Any) -> str:
    """Text for a Markdown table cell (GitHub tables split on ``|``, even inside code spans)."""
    return str(text).replace("|", "\\|")


def _budget_words(budget: dict[str, Any]) -> str:
    try:
        return Budget.from_value(budget).describe()
    except (ValueError, TypeError):
        return "—"


def _setup_section(d: RunReportData, ok: np.ndarray) -> list[str]:
    run, hist = d.run, d.history
    agent, env_id = run.get("agent", "?"), run.get("env_id", "?")
    lines = [
        f"# Search run report: `{agent}` on `{env_id}`",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')} from `{d.out}` "
        f"(regenerate with `nas-env report {d.out}`).",
        "",
        "## Setup",
        "",
        "| | |",
        "|---|---|",
        f"| env | `{env_id}` with `{json.dumps(run.get('env_kwargs') or {})}` |",
        f"| agent | `{agent}` with `{json.dumps(run.get('agent_kwargs') or {})}` |",
        f"| seed | {run.get('seed')} |",
        f"| budget | {_budget_words(run.get('budget') or {})} |",
        f"| evaluations | {len(hist)} ({int((~ok).sum())} failed) |",
        f"| simulated training time | {hist[-1].total_cost_seconds / 3600:.2f} h |",
        f"| wall time of the search | {hist[-1].total_wall_seconds:.1f} s |",
    ]
    if run.get("argv"):
        lines.append(f"| command | `{' '.join(['nas-env', *run['argv'][1:]])}` |")
    if not d.record.complete:
        lines += ["", "*No summary.json: the run was interrupted or is still running; "
                  "this report covers the evaluations recorded so far.*"]
    return lines


def _result_section(d: RunReportData, best: Evaluation, rewards: np.ndarray, ok: np.ndarray,
                    reward_words: str) -> list[str]:
    hist = d.history
    lines = ["", "## Result", "", f"Reward: {reward_words}.", "",
             f"- **Best architecture:** `{best.arch}` (tokens `{list(best.tokens)}`)",
             f"- **Best reward:** {best.reward:.4f}, found at evaluation {best.index + 1} of {len(hist)}"]
    if best.metrics.get("test_accuracy") is not None:
        lines.append(f"- validation accuracy {_pct(best.metrics.get('val_accuracy'))}, test accuracy "
                     f"{_pct(best.metrics.get('test_accuracy'))} (reported, never rewarded)")
    ref = d.record.summary.get("reference_optimum")
    if ref:
        acc = {k: v for k, v in ref.items() if k not in ("arch", "best_found_rank")}
        lines.append(f"- optimum of the table: `{ref.get('arch')}` "
                     f"({', '.join(f'{k} {_pct(v)}' for k, v in acc.items())})")
        rank = ref.get("best_found_rank")
        if rank:
            lines.append(f"- the best architecture found ranks {rank['rank']:,} of {rank['of']:,} in the table "
                         f"(top {rank['top_percent']:.2f}% by 200-epoch {rank['by']})")
    q = max(1, len(hist) // 4)
    first, last = rewards[:q][ok[:q]], rewards[-q:][ok[-q:]]
    if len(hist) >= 8 and first.size and last.size:
        lines.append(f"- **Mean reward, first vs last quarter** ({q} evaluations each, failed children excluded): "
                     f"{first.mean():.4f} → {last.mean():.4f} ({last.mean() - first.mean():+.4f})")
    return lines


def _top_section(d: RunReportData, fig_dir: Path) -> list[str]:
    top = top_architectures(d.history)
    if not top:
        return ["*No successful evaluation to show.*"]
    out = ["| rank | reward | evaluation | test accuracy | architecture |", "|---|---|---|---|---|"]
    for rank, ev in enumerate(top, 1):
        out.append(f"| {rank} | {ev.reward:.4f} | {ev.index + 1} | {_pct(ev.metrics.get('test_accuracy'))} "
                   f"| `{_cell(ev.arch)}` |")
    if d.space is None:
        (fig_dir / "top_architectures.png").unlink(missing_ok=True)
        out += ["", f"*Not drawn: the search space could not be rebuilt from run.json ({d.space_error}).*"]
        return out
    from nas_env.rendering import draw_architecture

    images, titles = [], []
    for rank, ev in enumerate(top, 1):
        try:
            images.append(draw_architecture(space_for(d.space, tuple(ev.tokens)), ev.tokens))
        except Exception:  # a drawing must never stop the report
            continue
        titles.append(f"#{rank}: reward {ev.reward:.4f} (evaluation {ev.index + 1})")
    if not images:
        return out
    title = f"{d.run.get('agent')} on {d.run.get('env_id')}: top {len(images)} distinct architectures by reward"
    plots.plot_architectures(images, titles, title, fig_dir / "top_architectures.png")
    out += ["", "![top architectures](figures/top_architectures.png)"]
    return out


@styled
def build_run_report(out: Path | str, trust: Iterable[str] = ()) -> Path:
    """Write ``DIR/report.md`` and ``DIR/figures/*.png`` for a single run; returns the report's path.

    A ``module:id`` env id in ``run.json`` is imported only when ``trust`` names it (``module:id`` ids or
    module names the user gave: :func:`nas_env.benchmarks.run.environment.trusted_modules`).

    Raises:
        FileNotFoundError: ``out`` is not a ``nas-env search`` run directory.
        ValueError: the run has no evaluations yet, or its history is corrupt.
    """
    with trusted_modules(trust):
        return _build_run_report(out)


def _build_run_report(out: Path | str) -> Path:
    t0 = time.perf_counter()
    d = load_run_report_data(out)
    fig_dir = safe_mkdir(d.out / "figures", d.out)
    run, hist = d.run, d.history
    agent, env_id = run.get("agent", "?"), run.get("env_id", "?")
    rewards = np.array([e.reward for e in hist], dtype=float)
    ok = np.array([succeeded(e) for e in hist], dtype=bool)
    ylabel, reward_words = reward_label(hist)
    best = d.record.best
    assert best is not None  # the history is not empty
    lines = _setup_section(d, ok) + _result_section(d, best, rewards, ok, reward_words)

    # ---- 1. rewards
    rewards_title = f"{agent} on {env_id} (seed {run.get('seed')}): every architecture"
    plots.plot_rewards(rewards, ok, ylabel, rewards_title, fig_dir / "rewards.png")
    lines += ["", "## 1. Reward of every architecture", "",
              "Each dot is one evaluated architecture (x: its evaluation number); black: the best reward so far; "
              "orange: a rolling median, which rises when the search samples better architectures more often.", "",
              "![rewards](figures/rewards.png)"]
    # ---- 2. controller
    lines += ["", "## 2. The controller's policy", ""]
    lines += controller_section(d, fig_dir)
    # ---- 3. top architectures
    lines += ["", f"## 3. Top {TOP_K} distinct architectures", ""]
    lines += _top_section(d, fig_dir)
    # ---- 4. Pareto front (multi-objective agents: nsga2)
    pareto = pareto_section(d, fig_dir)
    if pareto:
        lines += ["", "## 4. Pareto front", ""] + pareto
    lines += ["", f"Report built in {time.perf_counter() - t0:.1f} s."]
    path = d.out / "report.md"
    text = utf8_text("\n".join(lines) + "\n")  # a non-UTF-8 DIR shows as \xff
    write_text(path, text)
    figures = run_figures(hist, ok, ylabel, rewards_title, agent, run.get("seed"))
    write_html_report(d.out, text, figures, [agent], agent_colors([agent]))
    return path
