"""The suite report's figures, one per aggregate, in the reports' one style (:mod:`nas_env.benchmarks.report.style`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nas_env.benchmarks.report.style import COLORS, agent_colors, plt, save, styled
from nas_env.benchmarks.suite.compute import TAUS, Aggregates

__all__ = ["plot_iqm", "plot_performance_profiles", "plot_probability_of_improvement", "plot_ranks"]


def _intervals(ax: plt.Axes, agents: list[str], est: dict, xlabel: str) -> None:
    colors = agent_colors(agents)
    for y, a in enumerate(agents):
        e = est[a]
        ax.plot([e.low, e.high], [y, y], color=colors[a], lw=6, alpha=0.6, solid_capstyle="butt")
        ax.plot([e.value], [y], "|", color=COLORS["ink"], ms=14, mew=2)
    ax.set_yticks(range(len(agents)), agents)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)


@styled
def plot_iqm(agg: Aggregates, path: Path) -> Path:
    """Each agent's IQM normalised score with its 95% stratified-bootstrap CI."""
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(agg.agents) + 1.2))
    _intervals(ax, agg.agents, agg.iqm, "IQM of normalised scores (0 = random search, 1 = table optimum)")
    ax.axvline(0, color=COLORS["reference"], lw=1, ls="--")
    ax.set_title(f"IQM over {len(agg.tasks)} tasks, 95% stratified-bootstrap CIs")
    return save(fig, path)


@styled
def plot_performance_profiles(agg: Aggregates, path: Path) -> Path:
    """Score distributions: the fraction of runs scoring above tau (tasks weighted equally), with bands."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    colors = agent_colors(agg.agents)
    for a in agg.agents:
        est, low, high = agg.profiles[a]
        ax.plot(TAUS, est, color=colors[a], label=a)
        ax.fill_between(TAUS, low, high, color=colors[a], alpha=0.2, lw=0)
    ax.axvline(0, color=COLORS["reference"], lw=1, ls="--")
    ax.set_xlabel("normalised score tau")
    ax.set_ylabel("fraction of runs with score > tau")
    ax.set_title("Performance profiles (95% stratified-bootstrap bands)")
    ax.legend()
    return save(fig, path)


@styled
def plot_probability_of_improvement(agg: Aggregates, path: Path) -> Path:
    """The matrix of P(row agent > column agent), averaged over tasks."""
    n = len(agg.agents)
    m = np.full((n, n), np.nan)
    for (a, b), e in agg.poi.items():
        m[agg.agents.index(a), agg.agents.index(b)] = e.value
    fig, ax = plt.subplots(figsize=(1.1 * n + 2.5, 0.9 * n + 1.5))
    im = ax.imshow(m, vmin=0, vmax=1, cmap="RdBu")
    for i in range(n):
        for j in range(n):
            if i != j:
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(n), agg.agents, rotation=30, ha="right")
    ax.set_yticks(range(n), agg.agents)
    ax.grid(False)
    ax.set_title("P(row agent beats column agent)")
    fig.colorbar(im, ax=ax)
    return save(fig, path)


@styled
def plot_ranks(agg: Aggregates, path: Path) -> Path:
    """Each agent's average rank (1 = best) with its 95% bootstrap CI."""
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(agg.agents) + 1.2))
    order = sorted(agg.agents, key=lambda a: agg.ranks[a].value)
    _intervals(ax, order, agg.ranks, f"average rank over {len(agg.tasks)} tasks x seeds (1 = best)")
    ax.set_title("Average rank, 95% bootstrap CIs (seeds resampled per task)")
    return save(fig, path)
