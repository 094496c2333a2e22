"""The single-run report's Pareto-front section, for multi-objective agents (``nsga2``).

A run whose ``extras.json`` holds ``objectives`` and ``pareto_front`` (written by
:class:`nas_env.agents.nsga2.NSGA2Agent`) gets ``DIR/figures/pareto_front.png``: every
evaluated architecture as reward against its first objective (a log axis for
counts such as ``params``), the non-dominated ones joined as a staircase, and a
table of the front. Other runs get no section (and a stale figure is removed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nas_env.agents.optuna_agent import objective_value
from nas_env.benchmarks.report.run.data import RunReportData
from nas_env.benchmarks.report.style import COLORS, RUN_DPI, plt, save, styled

__all__ = ["pareto_section", "plot_pareto_front"]

FIGURE = "pareto_front.png"


@styled
def plot_pareto_front(costs: np.ndarray, rewards: np.ndarray, front_costs: np.ndarray, front_rewards: np.ndarray,
                      xlabel: str, title: str, path: Path, staircase: bool = True) -> Path:
    """Scatter of (cost, reward) of every evaluation, the non-dominated points highlighted.

    ``staircase`` joins them (right for one cost; with more, the front seen along one cost is no staircase).
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    ax.scatter(costs, rewards, s=12, alpha=0.45, color=COLORS["points"], lw=0, label="every evaluated architecture")
    if staircase:
        order = np.argsort(front_costs)
        ax.step(front_costs[order], front_rewards[order], where="post", color=COLORS["highlight"], lw=1.4)
    ax.scatter(front_costs, front_rewards, s=36, color=COLORS["highlight"], zorder=3,
               label=f"Pareto front ({len(front_costs)}: no other is better and cheaper)")
    if costs.min() > 0 and costs.max() / costs.min() > 50:
        ax.set_xscale("log")
    ax.set_xlabel(f"{xlabel} (lower is better)")
    ax.set_ylabel("reward (higher is better)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return save(fig, path, dpi=RUN_DPI)


def pareto_section(d: RunReportData, fig_dir: Path) -> list[str]:
    """Markdown lines (figure and table) of the run's Pareto front; empty for single-objective runs."""
    extras: dict[str, Any] = d.record.extras or {}
    objectives, front = extras.get("objectives"), extras.get("pareto_front")
    if not objectives or not front:
        (fig_dir / FIGURE).unlink(missing_ok=True)
        return []
    key = objectives[0]
    points = [(objective_value(e.metrics, key), e.reward) for e in d.history]
    points = [(c, r) for c, r in points if c is not None]
    costs, rewards = np.array([c for c, _ in points], dtype=float), np.array([r for _, r in points], dtype=float)
    front_costs = np.array([f[key] for f in front], dtype=float)
    front_rewards = np.array([f["reward"] for f in front], dtype=float)
    run = d.run
    plot_pareto_front(costs, rewards, front_costs, front_rewards, key,
                      f"{run.get('agent', '?')} on {run.get('env_id', '?')} (seed {run.get('seed')}): "
                      f"reward vs {key}", fig_dir / FIGURE, staircase=len(objectives) == 1)
    lines = [f"Objectives: maximise the reward, minimise {', '.join(f'`{k}`' for k in objectives)}. "
             f"{len(front)} of {len(d.history)} evaluations are non-dominated (the figure shows the first "
             "objective; the table all of them).", "", f"![Pareto front](figures/{FIGURE})", "",
             "| evaluation | reward | " + " | ".join(objectives) + " | architecture |",
             "|---:|---:|" + "---:|" * len(objectives) + "---|"]
    for f in front:
        values = " | ".join(f"{f[k]:,}" if isinstance(f[k], int) else f"{f[k]:.4g}" for k in objectives)
        arch = str(f["arch"]).replace("|", "\\|")  # a pipe would end the table cell
        lines.append(f"| {f['index'] + 1} | {f['reward']:.4f} | {values} | `{arch}` |")
    return lines
