"""A benchmark report's interactive figures, from what its PNG figures draw (``ReportData.series``) and its runs.

================  ==========================================================================================
``anytime.png``   IQM line and band per agent, by simulated time and by evaluations; every seed's incumbent
                  (its changes only) behind "show seeds"
``final.png``     every seed's final accuracy (hover: agent, seed, value), the IQM with its 95% CI (the
                  numbers of section 1's table), published mean ± std, the table's optimum
``topk_vs_random.png``  Figure 6's differences from random search, one panel per k
``time_to_top.png``     the share of seeds that found a top-q architecture, one panel per q
``controller.png``      every seed's entropy per token and P(final best architecture), and their medians
================  ==========================================================================================

The answers' figures (``answer_*.png``) stay pictures (embedded in the page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nas_env.agents.diagnostics import ControllerDiagnostics, ControllerSnapshots
from nas_env.benchmarks.report import analysis
from nas_env.benchmarks.report.benchmark.data import BASELINE, ReportData
from nas_env.benchmarks.report.benchmark.plots import Band, seed_median, tight_ylim
from nas_env.benchmarks.report.html.figures import figure, panel, series
from nas_env.benchmarks.report.style import COLORS, agent_colors

__all__ = ["benchmark_figures"]

#: at most this many points of one seed's controller curve (evenly spaced, both ends kept)
MAX_SEED_POINTS = 200


def _bands(bands: Mapping[str, Band], colors: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for agent, (x, est, lo, hi) in bands.items():
        out.append(series("band", x, label=f"{agent}: 95% band", color=colors[agent], agent=agent, lo=lo, hi=hi))
        out.append(series("line", x, est, label=agent, color=colors[agent], agent=agent))
    return out


def _refs(refs: Mapping[str, float]) -> list[dict[str, Any]]:
    dashes = ["2 3", "6 3", "6 2 2 2", "1 5", "5 5"]
    return [series("hline", y=[y], label=label, color=COLORS["reference"], width=1.0, dash=dashes[i % len(dashes)])
            for i, (label, y) in enumerate(refs.items())]


def _incumbent_steps(d: ReportData, colors: Mapping[str, str], by_time: bool) -> list[dict[str, Any]]:
    """Every seed's incumbent accuracy (%) as a step curve through its changes (and its last evaluation)."""
    out = []
    for agent, rs in d.runs.items():
        for r in rs:
            acc = 100 * np.asarray(analysis.incumbent_accuracies(r, d.reporter), dtype=float)
            if not acc.size:
                continue
            keep = np.concatenate([[True], acc[1:] != acc[:-1]])
            keep[-1] = True
            idx = np.flatnonzero(keep)
            x = analysis.total_costs_of(r)[idx] / 3600 if by_time else idx + 1
            out.append(series("step", x, acc[idx], label=agent, color=colors[agent], agent=agent, seed=r.seed,
                              seeds=True, width=0.8, alpha=0.35))
    return out


def _anytime(d: ReportData, colors: Mapping[str, str]) -> dict[str, Any]:
    s = d.series["anytime"]
    by_time, by_evals, refs, ylabel = s["by_time"], s["by_evals"], s["refs"], s["ylabel"]
    ylim = tight_ylim(list(by_time.values()) + list(by_evals.values()), list(refs.values()))
    panels = []
    if by_time:
        panels.append(panel("vs simulated time", "simulated search time (hours, log scale)", ylabel,
                            _incumbent_steps(d, colors, True) + _bands(by_time, colors) + _refs(refs),
                            xlog=True, ylim=ylim))
    panels.append(panel("vs number of evaluations", "architectures evaluated (count)", ylabel,
                        _incumbent_steps(d, colors, False) + _bands(by_evals, colors) + _refs(refs), ylim=ylim))
    return figure(f"{d.protocol.name}: incumbent's {d.reporter.label}", panels,
                  "IQM over seeds, 95% stratified-bootstrap band; 'show seeds': every seed's incumbent")


def _final(d: ReportData, colors: Mapping[str, str]) -> dict[str, Any]:
    s = d.series["final"]
    names = list(d.finals)
    rng = np.random.default_rng(0)  # the PNG's jitter
    items = []
    for i, a in enumerate(names):
        y = np.asarray(d.finals[a], dtype=float)
        finite = np.isfinite(y)
        seeds = [r.seed for r, f in zip(d.runs[a], finite) if f]
        y = y[finite]
        if not y.size:
            continue
        items.append(series("points", i + rng.uniform(-0.15, 0.15, y.size), y, label=a, color=colors[a], agent=a,
                            point_seeds=seeds))
        e = d.aggregate["agents"][a]
        if "iqm" in e:
            items.append(series("errorbar", [i + 0.28], [e["iqm"]], label=f"{a}: IQM [95% CI]", color=COLORS["ink"],
                                agent=a, lo=[e["iqm_ci"][0]], hi=[e["iqm_ci"][1]]))
    for j, (method, mean, std) in enumerate(s["published"]):
        spread = 0.0 if std is None else std
        items.append(series("errorbar", [len(names) + j], [mean], label=f"{method} (published mean ± std)",
                            color=COLORS["published"], lo=[mean - spread], hi=[mean + spread]))
    if s["optimum"] is not None:
        items.append(series("hline", y=[s["optimum"]], label=f"optimum in table ({s['optimum']:.2f})",
                            color=COLORS["optimum"], width=1.0, dash="5 4"))
    ticks = [(i, a) for i, a in enumerate(names)] + [(len(names) + j, f"{p[0]}\n(published)")
                                                     for j, p in enumerate(s["published"])]
    return figure(f"{d.protocol.name}: final {s['ylabel']}",
                  [panel("", "", s["ylabel"], items, xticks=ticks, width=max(520, 90 * len(ticks) + 90))],
                  "dots: seeds; black diamond: IQM with 95% bootstrap CI (section 1's numbers)")


def _topk(d: ReportData, colors: Mapping[str, str]) -> dict[str, Any]:
    curves = d.series["topk"]["curves"]
    panels = [panel(f"top-{k} distinct architectures", "architectures sampled (count)",
                    f"top-{k} avg reward minus {BASELINE}'s (pp)",
                    _bands(curves[k], colors) + [series("hline", y=[0.0], label="no difference", color=COLORS["ink"],
                                                        width=0.8)]) for k in sorted(curves)]
    return figure(f"Difference in average top-k reward vs {BASELINE} search (Zoph & Le, Fig. 6)", panels,
                  "difference of means over seeds; 95% bootstrap band, seeds resampled in both agents")


def _time_to_top(d: ReportData, colors: Mapping[str, str]) -> dict[str, Any]:
    s = d.series["time_to_top"]
    panels = []
    for q, per_agent in s["curves"].items():
        items = [series("step", x, 100 * np.asarray(frac), label=f"{a} ({100 * frac[-1]:.0f}% by the end)",
                        color=colors[a], agent=a) for a, (x, frac) in per_agent.items()]
        panels.append(panel(f"first {q} architecture found", s["xlabel"], "seeds that found one (%)", items,
                            xlog=True, ylim=(-3, 103)))
    return figure("How much search until a top architecture is evaluated", panels)


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= MAX_SEED_POINTS:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, MAX_SEED_POINTS).round().astype(int))
    return x[keep], y[keep]


def _controller(d: ReportData, colors: Mapping[str, str]) -> dict[str, Any]:
    ent_items: list[dict[str, Any]] = []
    prob_items: list[dict[str, Any]] = []
    for agent, rs in d.runs.items():
        ent, prob = [], []
        for r in rs:
            diag = ControllerDiagnostics.from_extras(r.extras)
            if diag is not None and len(diag):
                ent.append((r.seed, np.asarray(diag.column("evaluations"), float),
                            np.asarray(diag.column("entropy_per_token"), float)))
            snap = ControllerSnapshots.from_extras(r.extras)
            if snap is not None and snap.evaluations and snap.prob_best:
                prob.append((r.seed, np.asarray(snap.evaluations, float), np.asarray(snap.prob_best, float)))
        for runs, items in ((ent, ent_items), (prob, prob_items)):
            items += [series("line", *_thin(x, y), label=agent, color=colors[agent], agent=agent, seed=seed,
                             seeds=True, width=0.8, alpha=0.3) for seed, x, y in runs]
            median = seed_median([(x, y) for _, x, y in runs])
            if median is not None:
                items.append(series("line", *median, label=f"{agent} (median of {len(runs)} seeds)",
                                    color=colors[agent], agent=agent, width=2.2))
    uniform = d.series["controller"]["uniform_entropy"]
    if uniform is not None:
        ent_items.append(series("hline", y=[uniform], label="uniform policy", color=COLORS["uniform"], width=1.0,
                                dash="5 4"))
    return figure("How much does the controller learn?", [
        panel("entropy", "architectures evaluated (count)", "policy entropy per token (nats)", ent_items),
        panel("probability of the run's final best architecture", "architectures evaluated (count)",
              "P(final best architecture) under the controller", prob_items, ylog=True),
    ], "thin: seeds; thick: median over seeds", seeds_shown=True)


def benchmark_figures(d: ReportData, colors: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The interactive figures of a filled report (after its PNG figures), by their PNG's file name."""
    colors = dict(colors or agent_colors(d.agents))
    builders: Sequence[tuple[str, Any]] = (("anytime", _anytime), ("final", _final), ("topk", _topk),
                                           ("time_to_top", _time_to_top), ("controller", _controller))
    return {d.figures[key].name: build(d, colors) for key, build in builders if key in d.series and key in d.figures}
