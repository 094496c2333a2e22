"""Figures of a single search run's report: pure functions of prepared arrays.

Used by :mod:`nas_env.benchmarks.report.run.report`. Each function draws one PNG in the report style
(:mod:`nas_env.benchmarks.report.style`) and returns its path:

==============================  ==============================================================
:func:`plot_rewards`            reward of every evaluated architecture, best so far, rolling median
:func:`plot_token_probabilities`  one heatmap per decision: probability of each choice (rows)
                                at each saved controller snapshot (columns, by evaluations)
:func:`plot_controller`         batch mean reward and baseline, entropy per token, P(best arch)
:func:`plot_architectures`      pictures of architectures (``nas_env.rendering``) in a grid
==============================  ==============================================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.transforms import blended_transform_factory

from nas_env.benchmarks.report.style import COLORS, HEATMAP_CMAP, RUN_DPI, plt, save, styled

__all__ = ["plot_architectures", "plot_controller", "plot_rewards", "plot_token_probabilities", "reward_range",
           "rolling_median"]


def rolling_median(rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
    """(x, median of the last ``window`` rewards at x, window): window = max(5, n // 20) evaluations; ``None``
    for fewer than two windows. x is the 1-based evaluation number (``plot_rewards`` and report.html draw it)."""
    n = len(rewards)
    window = max(5, n // 20)
    if n < 2 * window:
        return None
    rolling = np.array([np.median(rewards[i - window + 1:i + 1]) for i in range(window - 1, n)])
    return np.arange(window, n + 1), rolling, window


def reward_range(rewards: np.ndarray) -> tuple[float, float] | None:
    """The interesting y range of a run's rewards: from a little below the 5th percentile to a little above the
    best (``None``: all equal); children far below sit on the bottom edge."""
    lo, hi = float(np.percentile(rewards, 5)), float(np.max(rewards))
    if hi <= lo:
        return None
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad


@styled
def plot_rewards(
    rewards: np.ndarray,
    ok: np.ndarray,
    ylabel: str,
    title: str,
    path: Path,
) -> Path:
    """Scatter of each evaluation's reward (x = evaluation number, 1-based), best so far and a rolling median.

    Args:
        rewards: reward of every evaluation, in order.
        ok: whether each evaluation succeeded (failed children are drawn as red crosses).
        ylabel: the y axis label (what the reward is, with units).
        title: the figure title.
        path: the PNG to write.
    """
    rewards = np.asarray(rewards, dtype=float)
    ok = np.asarray(ok, dtype=bool)
    n = len(rewards)
    x = np.arange(1, n + 1)
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    ax.scatter(x[ok], rewards[ok], s=10, alpha=0.45, color=COLORS["points"], lw=0, label="reward of each architecture")
    if (~ok).any():
        ax.scatter(x[~ok], rewards[~ok], s=18, marker="x", color=COLORS["highlight"], lw=1,
                   label=f"failed child ({int((~ok).sum())})")
    ax.step(x, np.maximum.accumulate(rewards), where="post", color=COLORS["ink"], lw=1.8, label="best so far")
    rolling = rolling_median(rewards)
    if rolling is not None:
        rx, ry, window = rolling
        ax.plot(rx, ry, color=COLORS["trend"], lw=1.6, label=f"rolling median ({window} evaluations)")
    # show the interesting range: children far below the 5th percentile sit on the bottom edge as triangles
    shown = reward_range(rewards)
    if shown is not None:
        floor, top = shown
        pad = 0.08 * (top - floor) / 1.16  # reward_range's pad
        below = rewards < floor
        if below.any():
            ax.scatter(x[below], np.full(int(below.sum()), floor + 0.25 * pad), marker="v", s=16,
                       color=COLORS["off_scale"], lw=0, label=f"below the shown range ({int(below.sum())})")
        ax.set_ylim(floor, top)
    ax.set_xlim(0, n + 1)
    ax.set_xlabel("evaluation (architectures evaluated so far)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return save(fig, path, dpi=RUN_DPI)


def _edges(x: np.ndarray) -> np.ndarray:
    """Column edges for snapshots taken after ``x`` evaluations: column k spans (x[k-1], x[k]]."""
    return np.concatenate([[0.0], np.asarray(x, dtype=float)])


@styled
def plot_token_probabilities(
    evaluations: Sequence[int],
    decision_probs: Sequence[Sequence[Sequence[float]]],
    decision_names: Sequence[str],
    choice_labels: Sequence[Sequence[str]],
    chosen: Sequence[int],
    title: str,
    path: Path,
) -> Path:
    """One heatmap per decision: rows = choices, columns = controller snapshots, colour = probability.

    Args:
        evaluations: evaluations done when each snapshot was taken (x axis).
        decision_probs: ``[snapshot][decision][choice]`` probabilities (teacher-forced along ``chosen``).
        decision_names: one name per decision.
        choice_labels: per decision, the label of each choice.
        chosen: the token of the best architecture at each decision (its row is starred).
        title: the figure title.
        path: the PNG to write.
    """
    x = np.asarray(evaluations, dtype=float)
    edges = _edges(x)
    n_dec = len(decision_names)
    ncols = 1 if n_dec == 1 else (2 if n_dec <= 8 else 3)
    nrows = math.ceil(n_dec / ncols)
    heights = []
    for r in range(nrows):
        row = range(r * ncols, min(n_dec, (r + 1) * ncols))
        heights.append(max(len(choice_labels[d]) for d in row))
    fig_h = 1.35 + sum(0.28 * h + 0.75 for h in heights)
    fig = plt.figure(figsize=(5.6 * ncols + 1.2, fig_h))
    grid = fig.add_gridspec(nrows, ncols, height_ratios=[h + 2.0 for h in heights], hspace=0.7, wspace=0.55,
                            left=0.12 if ncols == 1 else 0.1, right=0.86, top=1 - 1.0 / fig_h,
                            bottom=0.55 / fig_h)
    mesh = None
    for d in range(n_dec):
        ax = fig.add_subplot(grid[d // ncols, d % ncols])
        labels = list(choice_labels[d])
        p = np.array([np.asarray(snap[d], dtype=float)[: len(labels)] for snap in decision_probs])  # [S, C]
        mesh = ax.pcolormesh(edges, np.arange(len(labels) + 1) - 0.5, p.T, cmap=HEATMAP_CMAP, vmin=0.0, vmax=1.0,
                             shading="flat", edgecolors="none")
        ax.set_yticks(range(len(labels)))
        star = int(chosen[d]) if d < len(chosen) else -1
        ax.set_yticklabels([f"{lab} ★" if k == star else lab for k, lab in enumerate(labels)], fontsize=8)
        for k, tick in enumerate(ax.get_yticklabels()):
            if k == star:
                tick.set_fontweight("bold")
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_title(decision_names[d], fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(False)
        # final probabilities, to the right of the last column
        trans = blended_transform_factory(ax.transAxes, ax.transData)
        for k in range(len(labels)):
            ax.text(1.02, k, f"{p[-1, k]:.2f}", transform=trans, va="center", fontsize=7,
                    fontweight="bold" if k == star else "normal")
        if d // ncols == nrows - 1 or d + ncols >= n_dec:
            ax.set_xlabel("evaluations when the snapshot was taken", fontsize=8)
    if mesh is not None:
        cax = fig.add_axes((0.92, 0.55 / fig_h + 0.02, 0.015, 1 - 1.3 / fig_h - 0.04))
        cb = fig.colorbar(mesh, cax=cax)
        cb.set_label("probability of the choice", fontsize=9)
    fig.suptitle(title, fontsize=11)
    return save(fig, path, dpi=RUN_DPI, tight=False)


@styled
def plot_controller(
    update_evaluations: Sequence[int],
    mean_reward: Sequence[float],
    baseline: Sequence[float] | None,
    baseline_label: str,
    entropy: Sequence[float],
    max_entropy: float | None,
    snapshot_evaluations: Sequence[int],
    prob_best: Sequence[float],
    title: str,
    path: Path,
) -> Path:
    """Three panels against evaluations: batch mean reward (+ baseline), entropy per token, P(best arch).

    Args:
        update_evaluations: evaluations done at each policy update.
        mean_reward: mean env reward of each update's batch.
        baseline: the baseline after each update, in reward units (or None to skip it).
        baseline_label: legend label of the baseline.
        entropy: mean policy entropy per token (nats) of each update's batch.
        max_entropy: entropy per token of the uniform policy (a reference line), if known.
        snapshot_evaluations: evaluations at each snapshot.
        prob_best: probability the controller assigns to the final best architecture at each snapshot.
        title: the figure title.
        path: the PNG to write.
    """
    xu = np.asarray(update_evaluations, dtype=float)
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.9))
    ax = axes[0]
    ax.plot(xu, mean_reward, color=COLORS["points"], lw=1.0, alpha=0.8, label="batch mean reward")
    if baseline is not None:
        ax.plot(xu, baseline, color=COLORS["ink"], lw=1.6, label=baseline_label)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("reward")
    ax.set_title("reward of each update's batch")
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[1]
    ax.plot(xu, entropy, color=COLORS["entropy"], lw=1.6, label="controller")
    if max_entropy is not None:
        ax.axhline(max_entropy, color=COLORS["uniform_run"], ls="--", lw=1, label=f"uniform policy ({max_entropy:.3f})")
    ax.set_ylim(0, (max_entropy or max(entropy)) * 1.08)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("entropy per token (nats)")
    ax.set_title("policy entropy per token (lower = sharper)")
    ax.legend(fontsize=8, loc="lower left")
    ax = axes[2]
    ax.semilogy(np.asarray(snapshot_evaluations, dtype=float), prob_best, "o-", color=COLORS["highlight"], ms=3, lw=1.4)
    ax.set_xlabel("evaluations when the snapshot was taken")
    ax.set_ylabel("probability (log scale)")
    ax.set_title("P(final best architecture) under the controller")
    fig.suptitle(title, fontsize=11)
    return save(fig, path, dpi=RUN_DPI)


@styled
def plot_architectures(images: Sequence[np.ndarray], titles: Sequence[str], suptitle: str, path: Path) -> Path:
    """Show RGB pictures (e.g. from ``nas_env.rendering.draw_architecture``) in a grid with titles."""
    n = len(images)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    h, w = images[0].shape[:2]
    panel_w = 4.6
    panel_h = panel_w * h / w + 0.45
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_w * ncols, panel_h * nrows + 0.5), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i])
            ax.set_title(titles[i], fontsize=9)
    fig.suptitle(suptitle, fontsize=11)
    return save(fig, path, dpi=RUN_DPI)
