"""``DIR/report.md``, its figures and CSV/JSON results, rebuilt from a benchmark's saved histories alone.

:func:`build_report` reads ``DIR/benchmark.json`` and ``DIR/runs/*/seed*/`` and writes:

=============================  ====================================================================
``report.md``                  the report (protocol, machine, versions, seeds, command, tables, figures)
``summary.csv``                one row per (agent, seed): evaluations, simulated seconds, best reward,
                               best arch, final reported accuracy and its name
``aggregate.json``             per agent: mean, std, IQM with 95% CI, median, probability of
                               improvement over every other agent, time to a top architecture
``anytime_by_evaluations.csv``  IQM / CI / mean of the incumbent's reported accuracy per evaluation count
``anytime_by_time.csv``        the same on a log grid of simulated seconds (protocols that charge time)
``topk_vs_random.csv``         top-k average reward minus random search's, per number of samples
``retrained.csv``              protocols with ``retrain_top``: every re-trained finalist of every run
``figures/*.png``              anytime curves, final accuracies, top-k vs random, time to top, controller,
                               and the answers' figures (``answer_*.png``)
``report.html``                the same report in one self-contained page: interactive figures (hover,
                               agent switches, seeds), sortable tables (:mod:`nas_env.benchmarks.report.html`)
=============================  ====================================================================

``report.md`` also has the protocol notes (:mod:`nas_env.benchmarks.report.benchmark.protocol_notes`) and the
paper's four questions answered with numbers (:mod:`nas_env.benchmarks.report.answers`, also in
``aggregate.json["answers"]``).

Aggregates over seeds use the interquartile mean with percentile
stratified-bootstrap 95% confidence intervals (Agarwal et al., 2021); means
± std are given too for comparison with published numbers (:mod:`nas_env.benchmarks.report.stats`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.benchmarks.report.answers.compute import compute_answers
from nas_env.benchmarks.report.benchmark import curves, plots
from nas_env.benchmarks.report.benchmark.compute import compute_per_agent
from nas_env.benchmarks.report.benchmark.data import (
    BASELINE,
    ReportData,
    aggregate_finals,
    load_report_data,
    summary_rows,
    write_csv,
)
from nas_env.benchmarks.report.benchmark.markdown import markdown
from nas_env.benchmarks.report.benchmark.protocol_notes import published_comparison
from nas_env.benchmarks.report.benchmark.retrained import compute_retrained
from nas_env.benchmarks.report.benchmark.topk_end import topk_end
from nas_env.benchmarks.report.benchmark.transfer import compute_transfer
from nas_env.benchmarks.report.html import benchmark_figures, write_html_report
from nas_env.benchmarks.report.style import agent_colors, styled
from nas_env.benchmarks.run.environment import trusted_modules
from nas_env.benchmarks.run.files import json_default, safe_mkdir, utf8_text, write_text

__all__ = ["build_report"]


def _figures(d: ReportData) -> None:
    """Run the curve analyses and draw every figure (into ``d.figures``)."""
    fig_dir = safe_mkdir(d.out / "figures", d.out)
    colors = agent_colors(d.agents)
    label = d.reporter.label
    ylabel = f"{label} (%)" if len(label) < 40 else "reported accuracy (%)"
    refs = {}
    if d.protocol.published:
        refs = {f"{p.method} (published)": p.mean for p in d.protocol.published if p.method in ("REA", "RS")}
    opt = d.reporter.optimum()
    if opt is not None:
        refs["optimum in table"] = 100 * opt[0]
    by_time, by_evals = curves.anytime(d)
    d.series["anytime"] = {"by_time": by_time, "by_evals": by_evals, "ylabel": ylabel, "refs": refs}
    d.figures["anytime"] = plots.plot_anytime(
        by_time, by_evals, colors, ylabel, f"{d.protocol.name}: incumbent's {label}", fig_dir / "anytime.png",
        refs=refs, budget_hours=(d.protocol.budget.cost_seconds or 0) / 3600 or None)
    pub = [(p.method, p.mean, p.std) for p in d.protocol.published if p.std is not None]
    if d.protocol.retrain_top:
        label = ylabel = "re-trained test accuracy (%)"
    d.series["final"] = {"ylabel": ylabel, "published": pub, "optimum": None if opt is None else 100 * opt[0]}
    d.figures["final"] = plots.plot_final(d.finals, colors, ylabel, f"{d.protocol.name}: final {label}",
                                          fig_dir / "final.png", pub, None if opt is None else 100 * opt[0])
    topk = curves.topk(d)
    topk_end(d)
    if topk:
        d.series["topk"] = {"curves": topk}
        d.figures["topk"] = plots.plot_topk_difference(topk, colors, fig_dir / "topk_vs_random.png", BASELINE,
                                                       d.units.difference)
    ttt = curves.time_to_top(d)
    if ttt:
        xlabel = "simulated search time (hours, log scale)" if d.charges_time else "evaluations (count, log scale)"
        d.series["time_to_top"] = {"curves": ttt, "xlabel": xlabel}
        d.figures["time_to_top"] = plots.plot_time_to_top(ttt, colors, fig_dir / "time_to_top.png", xlabel)
    entropy, prob, without = curves.controller(d)
    d.aggregate["controller_missing"] = without
    if entropy or prob:
        d.series["controller"] = {"uniform_entropy": curves.uniform_entropy(d.protocol)}
        d.figures["controller"] = plots.plot_controller(entropy, prob, colors, fig_dir / "controller.png",
                                                        d.series["controller"]["uniform_entropy"])


@styled
def build_report(out: Path | str, agents: Sequence[str] | None = None, trust: Iterable[str] = ()) -> Path:
    """Write ``report.md``, figures, ``summary.csv``, ``aggregate.json`` and curve CSVs; returns report.md.

    ``agents`` restricts (and orders) the agents reported; by default the benchmark's, then any other
    agent found under ``runs/``. A ``module:id`` env id in ``benchmark.json`` is imported only when ``trust``
    names it (:func:`nas_env.benchmarks.run.environment.trusted_modules`).
    """
    with trusted_modules(trust):
        return _build_report(out, agents)


def _build_report(out: Path | str, agents: Sequence[str] | None) -> Path:
    t0 = time.perf_counter()
    d = load_report_data(Path(out), agents)
    safe_mkdir(d.out / "figures", d.out)
    write_csv(d.out / "summary.csv", summary_rows(d))
    aggregate_finals(d)
    _figures(d)
    compute_answers(d)
    compute_retrained(d)
    compute_per_agent(d)
    compute_transfer(d)
    d.aggregate["published_comparison"] = published_comparison(d)
    d.aggregate["protocol"] = d.protocol.to_json()
    d.aggregate["reported_name"] = d.protocol.report_name
    d.aggregate["statistics"] = ("IQM with 95% percentile stratified-bootstrap CI (2000 resamples); "
                                 "probability of improvement P(X>Y)+0.5P(X=Y) with bootstrap CI; std with ddof=0")
    agg_text = json.dumps(_finite(d.aggregate), indent=2, default=json_default)
    write_text(d.out / "aggregate.json", agg_text)
    path = d.out / "report.md"
    text = utf8_text(markdown(d, time.perf_counter() - t0))
    write_text(path, text)
    write_html_report(d.out, text, benchmark_figures(d), d.agents, agent_colors(d.agents))
    return path


def _finite(o: Any) -> Any:
    """JSON has no infinities or NaN: write them as null ("not found" / undefined)."""
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if isinstance(o, (float, np.floating)) and not math.isfinite(float(o)):
        return None
    return o

