"""Figures of the report's answers (:mod:`.compute`): pure functions of prepared arrays."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.benchmarks.report.style import COLORS, plt, save, styled

__all__ = ["plot_learning", "plot_params", "plot_time_saved", "plot_topk_absolute"]


@styled
def plot_time_saved(ts: Mapping[str, Any], colors: Mapping[str, str], path: Path) -> Path:
    """Per top fraction: share of runs whose final answer is already top-q, vs search effort (per agent)."""
    fracs = ts["fractions"]
    hours = ts["unit"] == "hours"
    fig, axes = plt.subplots(1, len(fracs), figsize=(5.4 * len(fracs), 4.0), squeeze=False)
    for ax, (label, v) in zip(axes[0], fracs.items()):
        for agent, s in v["agents"].items():
            x = np.sort(np.asarray(s["per_run_hours" if hours else "per_run_evaluations"], float))
            fin = x[np.isfinite(x)]
            if fin.size == 0:
                ax.plot([], [], color=colors.get(agent), label=f"{agent} (never)")
                continue
            y = np.arange(1, fin.size + 1) / x.size
            tag = " (deterministic)" if s["deterministic"] else ""
            ax.step(np.concatenate([[fin[0]], fin]), 100 * np.concatenate([[0.0], y]), where="post",
                    color=colors.get(agent), lw=1.8, label=f"{agent}{tag}")
        ax.set_xlabel("simulated search time (hours)" if hours else "evaluations (count)")
        ax.set_ylabel("runs whose final answer is top-q (%)")
        ax.set_title(f"final answer in the {label}")
        ax.set_ylim(-3, 103)
        ax.legend(loc="upper left")
    return save(fig, path)


@styled
def plot_learning(updates: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]], colors: Mapping[str, str],
                  path: Path, scale: float = 100.0, unit: str = "%") -> Path:
    """Mean reward per controller update (mean over runs where at least half the runs have that update), x
    ``scale`` in ``unit`` (percent for a fraction; a ``c / ppl^2`` reward as it is)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for agent, runs in updates.items():
        n = max(len(y) for _, y in runs)
        ys = np.full((len(runs), n), np.nan)
        xs = np.full((len(runs), n), np.nan)
        for i, (x, y) in enumerate(runs):
            ys[i, :len(y)], xs[i, :len(x)] = y, x
        keep = np.sum(np.isfinite(ys), axis=0) >= math.ceil(len(runs) / 2)
        ax.plot(np.nanmean(xs, axis=0)[keep], scale * np.nanmean(ys, axis=0)[keep], color=colors.get(agent), lw=1.6,
                label=f"{agent} ({len(runs)} runs)")
    ax.set_xlabel("architectures evaluated (count, mean over runs)")
    ax.set_ylabel(f"mean reward of the update's architectures ({unit})")
    ax.set_title("Reward per controller update: does the policy improve?")
    ax.legend(loc="best")
    return save(fig, path)


@styled
def plot_topk_absolute(curves: Mapping[int, Mapping[str, tuple[np.ndarray, np.ndarray]]],
                       colors: Mapping[str, str], path: Path, unit: str = "%") -> Path:
    """Zoph & Le's Figure 6: mean reward of the top-k distinct architectures so far, one panel per k (``unit``:
    ``%`` for a fraction in percent, else the reward's own label)."""
    fig, axes = plt.subplots(1, len(curves), figsize=(4.6 * len(curves), 3.9), squeeze=False)
    for ax, (k, per_agent) in zip(axes[0], curves.items()):
        for agent, (x, y) in per_agent.items():
            ax.plot(x, y, color=colors.get(agent), lw=1.6, label=agent)
        ax.set_xlabel("architectures sampled (count)")
        ax.set_ylabel(f"mean reward of the top-{k} so far ({unit})")
        ax.set_title(f"top-{k} distinct architectures")
    axes[0][0].legend(loc="lower right")
    return save(fig, path)


@styled
def plot_params(scatter: Mapping[str, Any], colors: Mapping[str, str], acc_label: str, path: Path) -> Path:
    """Reported accuracy vs parameters of every evaluated architecture; final picks and the Pareto front marked."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    p, a, front = scatter["params"], scatter["acc"], scatter["front"]
    ax.scatter(p, a, s=6, color=COLORS["background"], lw=0, label=f"evaluated ({len(p)} distinct)")
    ax.plot(p[front], a[front], color=COLORS["ink"], lw=1.2, marker="o", ms=3, label="Pareto front of the evaluated")
    for agent, pts in scatter["picks"].items():
        xy = np.asarray(pts, float)
        ax.scatter(xy[:, 0], xy[:, 1], s=22, marker="*", color=colors.get(agent), label=f"final picks: {agent}")
    ax.set_xscale("log")
    ax.set_xlabel("parameters (count, log scale)")
    ax.set_ylabel(f"{acc_label} (%)" if len(acc_label) < 40 else "reported accuracy (%)")
    ax.set_title("Accuracy vs parameters of every evaluated architecture")
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, path)
