"""Figures of a benchmark report: pure functions of prepared arrays.

Every function takes the aggregated numbers (built by :mod:`nas_env.benchmarks.report.benchmark.data` and
:mod:`nas_env.benchmarks.report.benchmark.curves`) and a path, draws one PNG in the report style
(:mod:`nas_env.benchmarks.report.style`), and returns the path. Accuracies are plotted in percent,
simulated time in hours. Colours are fixed per agent across figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from nas_env.benchmarks.report.stats import iqm_estimate
from nas_env.benchmarks.report.style import COLORS, plt, save, styled

__all__ = [
    "Band",
    "plot_anytime",
    "plot_controller",
    "plot_final",
    "plot_time_to_top",
    "plot_topk_difference",
    "seed_median",
    "tight_ylim",
]

Band = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # x, estimate, low, high


def _bands(ax: plt.Axes, bands: Mapping[str, Band], colors: Mapping[str, str]) -> None:
    for agent, (x, est, lo, hi) in bands.items():
        c = colors.get(agent)
        ax.plot(x, est, color=c, lw=1.8, label=agent)
        ax.fill_between(x, lo, hi, color=c, alpha=0.18, lw=0)


def _reference_lines(ax: plt.Axes, refs: Mapping[str, float]) -> None:
    styles = [":", "--", "-.", (0, (1, 3)), (0, (5, 5))]
    for i, (label, y) in enumerate(refs.items()):
        ax.axhline(y, color=COLORS["reference"], ls=styles[i % len(styles)], lw=1.0, label=label)


@styled
def plot_anytime(
    by_time: Mapping[str, Band],
    by_evals: Mapping[str, Band],
    colors: Mapping[str, str],
    ylabel: str,
    title: str,
    path: Path,
    refs: Mapping[str, float] | None = None,
    band_label: str = "IQM over seeds, 95% stratified-bootstrap band",
    budget_hours: float | None = None,
) -> Path:
    """Anytime accuracy of the incumbent vs simulated time (log x) and vs evaluations, side by side."""
    has_time = bool(by_time)
    ncols = 2 if has_time else 1
    fig, axes = plt.subplots(1, ncols, figsize=(6.2 * ncols, 4.4), squeeze=False)
    ax_e = axes[0, -1]
    if has_time:
        ax_t = axes[0, 0]
        _bands(ax_t, by_time, colors)
        ax_t.set_xscale("log")
        ax_t.set_xlabel("simulated search time (hours, log scale)")
        ax_t.set_ylabel(ylabel)
        ax_t.set_title("vs simulated time")
        if budget_hours:
            ax_t.axvline(budget_hours, color=COLORS["budget"], lw=0.8, ls="--")
        if refs:
            _reference_lines(ax_t, refs)
    _bands(ax_e, by_evals, colors)
    ax_e.set_xlabel("architectures evaluated (count)")
    ax_e.set_ylabel(ylabel)
    ax_e.set_title("vs number of evaluations")
    if refs:
        _reference_lines(ax_e, refs)
    _tight_ylim(axes.ravel(), list(by_time.values()) + list(by_evals.values()), list((refs or {}).values()))
    ax_e.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(f"{title}\n({band_label})", fontsize=11)
    return save(fig, path)


def _tight_ylim(axes: Sequence[plt.Axes], bands: Sequence[Band], extra: Sequence[float] = ()) -> None:
    """Set :func:`tight_ylim`'s range on ``axes``."""
    lim = tight_ylim(bands, extra)
    if lim is not None:
        for ax in axes:
            ax.set_ylim(*lim)


def tight_ylim(bands: Sequence[Band], extra: Sequence[float] = ()) -> tuple[float, float] | None:
    """Zoom on where the searches end up: from 1.5 points below the lowest final value to the top.

    Early, poor incumbents (and a grid search stuck in a corner of the space) are clipped at the bottom;
    the reference lines (``extra``) always stay in view. ``None`` when no band has a final value.
    """
    finals = [float(np.asarray(est)[-1]) for _x, est, _lo, _hi in bands if np.isfinite(np.asarray(est)[-1])]
    if not finals:
        return None
    tops = [float(np.nanmax(hi)) for _x, _est, _lo, hi in bands] + [float(v) for v in extra]
    lo, hi = min(finals) - 1.5, max(tops)
    pad = max(0.1, 0.05 * (hi - lo))
    return lo, hi + pad


@styled
def plot_final(
    finals: Mapping[str, np.ndarray],
    colors: Mapping[str, str],
    ylabel: str,
    title: str,
    path: Path,
    published: Sequence[tuple[str, float, float | None]] = (),
    optimum: float | None = None,
) -> Path:
    """Final reported accuracy per seed (dots), IQM with its CI (bar), published mean +- std (grey)."""
    names = list(finals)
    fig, ax = plt.subplots(figsize=(max(5.5, 1.1 * (len(names) + len(published)) + 1.5), 4.4))
    rng = np.random.default_rng(0)
    for i, a in enumerate(names):
        y = np.asarray(finals[a], dtype=float)
        y = y[np.isfinite(y)]
        if y.size == 0:
            continue
        ax.scatter(i + rng.uniform(-0.15, 0.15, y.size), y, s=14, color=colors.get(a), alpha=0.7, lw=0)
        est = iqm_estimate(y)
        ax.errorbar(i + 0.28, est.value, yerr=[[est.value - est.low], [est.high - est.value]], fmt="D",
                    color=COLORS["ink"], ms=5, capsize=3)
    for j, (_label, mean, std) in enumerate(published):
        x = len(names) + j
        ax.errorbar(x, mean, yerr=None if std is None else std, fmt="s", color=COLORS["published"], ms=6, capsize=3)
    labels = names + [f"{p[0]}\n(published)" for p in published]
    ax.set_xticks(range(len(labels)), labels, rotation=0)
    if optimum is not None:
        ax.axhline(optimum, color=COLORS["optimum"], ls="--", lw=1, label=f"optimum in table ({optimum:.2f})")
        ax.legend(loc="lower right")
    ax.set_ylabel(ylabel)
    legend = "dots: seeds; black diamond: IQM with 95% bootstrap CI" + ("; grey: published mean ± std" if published
                                                                         else "")
    ax.set_title(f"{title}\n({legend})", fontsize=10)
    return save(fig, path)


@styled
def plot_topk_difference(
    curves: Mapping[int, Mapping[str, Band]],
    colors: Mapping[str, str],
    path: Path,
    baseline: str = "random",
    difference: str = "pp",
) -> Path:
    """Zoph & Le's Figure 6: top-k average reward of each agent minus random search's, vs samples (``difference``:
    the unit of the differences, ``pp`` or ``reward units``)."""
    ks = sorted(curves)
    fig, axes = plt.subplots(1, len(ks), figsize=(4.6 * len(ks), 4.0), squeeze=False, sharey=False)
    for ax, k in zip(axes[0], ks):
        _bands(ax, curves[k], colors)
        ax.axhline(0.0, color=COLORS["ink"], lw=0.8)
        ax.set_title(f"top-{k} distinct architectures")
        ax.set_xlabel("architectures sampled (count)")
        ax.set_ylabel(f"top-{k} avg reward minus {baseline}'s ({difference})")
    axes[0, 0].legend(loc="best")
    fig.suptitle(f"Difference in average top-k reward vs {baseline} search (Zoph & Le, Fig. 6)\n"
                 f"(difference of means over seeds; 95% bootstrap band, seeds resampled in both agents)",
                 fontsize=11)
    return save(fig, path)


@styled
def plot_time_to_top(
    curves: Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray]]],
    colors: Mapping[str, str],
    path: Path,
    xlabel: str,
    log_x: bool = True,
) -> Path:
    """Fraction of seeds that have evaluated a top-q architecture, vs search effort (one panel per q)."""
    qs = list(curves)
    fig, axes = plt.subplots(1, len(qs), figsize=(5.4 * len(qs), 4.0), squeeze=False)
    for ax, q in zip(axes[0], qs):
        for agent, (x, frac) in curves[q].items():
            ax.step(x, 100 * frac, where="post", color=colors.get(agent), lw=1.8,
                    label=f"{agent} ({100 * frac[-1]:.0f}% by the end)")
        if log_x:
            ax.set_xscale("log")
        ax.set_ylim(-3, 103)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("seeds that found one (%)")
        ax.set_title(f"first {q} architecture found")
    for ax in axes[0]:
        ax.legend(loc="upper left")
    fig.suptitle("How much search until a top architecture is evaluated (by its 200-epoch reported accuracy)",
                 fontsize=11)
    return save(fig, path)


def seed_median(runs: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray] | None:
    """(x, median over seeds of y): on every x of any seed where every seed is defined (runs end at different
    counts; each seed's curve interpolated linearly); ``None`` when there is no such x."""
    if not runs:
        return None
    lo, hi = max(x[0] for x, _ in runs), min(x[-1] for x, _ in runs)
    grid = np.unique(np.concatenate([x for x, _ in runs]))
    grid = grid[(grid >= lo) & (grid <= hi)]
    if not grid.size:
        return None
    return grid, np.median(np.vstack([np.interp(grid, x, y) for x, y in runs]), axis=0)


@styled
def plot_controller(
    entropy: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]],
    prob_best: Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]],
    colors: Mapping[str, str],
    path: Path,
    uniform_entropy: float | None = None,
) -> Path:
    """Policy entropy per token and P(final best architecture) over the search, per seed + median."""
    fig, (ax_h, ax_p) = plt.subplots(1, 2, figsize=(12, 4.2))
    for ax, series, ylab in ((ax_h, entropy, "policy entropy per token (nats)"),
                             (ax_p, prob_best, "P(final best architecture) under the controller")):
        for agent, runs in series.items():
            c = colors.get(agent)
            for x, y in runs:
                ax.plot(x, y, color=c, alpha=0.18, lw=0.8)
            median = seed_median(runs)
            if median is not None:
                ax.plot(*median, color=c, lw=2.2, label=f"{agent} (median of {len(runs)} seeds)")
        ax.set_xlabel("architectures evaluated (count)")
        ax.set_ylabel(ylab)
    if uniform_entropy is not None:
        ax_h.axhline(uniform_entropy, color=COLORS["uniform"], ls="--", lw=1, label="uniform policy")
    ax_p.set_yscale("log")
    ax_h.legend(loc="best")
    ax_p.legend(loc="best")
    ax_h.set_title("How much does the controller learn? entropy")
    ax_p.set_title("probability of the run's final best architecture")
    return save(fig, path)
