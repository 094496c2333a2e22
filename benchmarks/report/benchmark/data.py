"""The data of a benchmark report: the runs read back once, their per-run table and final accuracies.

:class:`ReportData` is filled in order by :func:`load_report_data` (runs, protocol, reporter),
:func:`aggregate_finals` (final accuracies and their statistics), the curve analyses of
:mod:`nas_env.benchmarks.report.benchmark.curves`, and the figures of
:mod:`nas_env.benchmarks.report.benchmark.report` (``figures``, and in ``series`` the arrays each one draws);
:mod:`nas_env.benchmarks.report.benchmark.markdown` and :mod:`nas_env.benchmarks.report.html` only read it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.agents.registry import parse_agent_spec
from nas_env.benchmarks.protocols import Protocol, protocol_from_json
from nas_env.benchmarks.protocols.reported_accuracy import Reporter
from nas_env.benchmarks.report import stats
from nas_env.benchmarks.report.benchmark.units import RewardUnits, reward_units
from nas_env.benchmarks.run.directory import load_benchmark_meta
from nas_env.benchmarks.run.environment import check_trusted
from nas_env.benchmarks.run.files import write_text
from nas_env.benchmarks.run.record import RunRecord, load_runs

__all__ = [
    "BAND_REPS", "BASELINE", "REPS", "TOPK", "TOP_FRACTIONS", "ReportData", "agent_base", "aggregate_finals",
    "deterministic_agents", "load_report_data", "summary_rows", "write_csv",
]

TOPK = (1, 5, 15)
TOP_FRACTIONS = (("top-1%", 0.01), ("top-0.1%", 0.001))
BASELINE = "random"
REPS = 2000
BAND_REPS = 1000


@dataclass
class ReportData:
    """Everything the report needs, computed once from the runs."""

    out: Path
    meta: dict[str, Any]
    protocol: Protocol
    reporter: Reporter
    runs: dict[str, list[RunRecord]]
    finals: dict[str, np.ndarray] = field(default_factory=dict)  # percent, per seed
    aggregate: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    series: dict[str, dict[str, Any]] = field(default_factory=dict)  # what each figure draws (report.html)
    notes: list[str] = field(default_factory=list)

    @property
    def agents(self) -> list[str]:
        return [a for a, r in self.runs.items() if r]

    @property
    def units(self) -> RewardUnits:
        """How rewards are printed: percent for a fraction, else as the reward it is (``units``)."""
        return reward_units(self.protocol)

    @property
    def charges_time(self) -> bool:
        return any(r.total_cost_seconds > 0 for rs in self.runs.values() for r in rs)


def load_report_data(out: Path, agents: Sequence[str] | None) -> ReportData:
    """Read ``DIR/benchmark.json`` and the runs of ``agents`` (default: the benchmark's, then any others)."""
    meta = load_benchmark_meta(out)
    if not meta.get("protocol"):
        raise FileNotFoundError(f"{out}/benchmark.json is missing: is {out} a `nas-env benchmark` output directory?")
    check_trusted(str(meta["protocol"].get("env_id", "")))  # one line, before anything would import it
    protocol = protocol_from_json(meta["protocol"])
    order = list(agents) if agents else list(meta.get("agents", []))
    found = load_runs(out)
    names = [a for a in order if a in found] + [a for a in found if a not in order and not agents]
    runs = {a: found[a] for a in names if found[a]}
    if not runs:
        raise FileNotFoundError(f"no finished evaluations under {out}/runs")
    return ReportData(Path(out), meta, protocol, protocol.make_reporter(), runs)


def deterministic_agents(d: ReportData) -> list[str]:
    """Agents whose runs are one deterministic run: those the protocol runs once (``Protocol.single_run_agents``:
    grid search on a noiseless table ignores the seed) and those with several runs that all evaluated the same
    architectures in the same order."""
    out = []
    for agent, rs in d.runs.items():
        if agent_base(agent) in d.protocol.single_run_agents or (
                len(rs) > 1 and len({tuple(e.tokens for e in r.history) for r in rs}) == 1):
            out.append(agent)
    return out


def agent_base(agent: str) -> str:
    """The agent name of an agent spec (``grid@shuffle_seed=3`` -> ``grid``)."""
    return parse_agent_spec(agent)[0]


def pct(x: float | None) -> float:
    """A fraction in percent (NaN for None)."""
    return float("nan") if x is None else 100.0 * x


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Rows (dicts with the same keys) as CSV with a header; an empty file for no rows."""
    f = io.StringIO(newline="")
    if rows:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    write_text(path, f.getvalue())
    return path


def summary_rows(d: ReportData) -> list[dict[str, Any]]:
    """One ``summary.csv`` row per (agent, seed)."""
    rows = []
    for agent, rs in d.runs.items():
        for r in rs:
            best = r.best
            acc = d.protocol.run_final_accuracy(r.path, best)
            rows.append({
                "agent": agent,
                "seed": r.seed,
                "evaluations": len(r.history),
                "total_simulated_seconds": round(r.total_cost_seconds, 3),
                "total_wall_seconds": round(r.total_wall_seconds, 3),
                "best_reward": None if best is None else best.reward,
                "best_arch": None if best is None else best.arch,
                "final_reported_accuracy": acc,
                "reported_name": d.protocol.report_name,
                "complete": r.complete,
            })
    return rows


def aggregate_finals(d: ReportData) -> None:
    """Final reported accuracy per run (``d.finals``) and, per agent, its statistics (``d.aggregate``)."""
    for agent, rs in d.runs.items():
        d.finals[agent] = np.array([pct(d.protocol.run_final_accuracy(r.path, r.best)) for r in rs])
    for i, (agent, y) in enumerate(d.finals.items()):
        ok = y[np.isfinite(y)]
        rs = d.runs[agent]
        entry: dict[str, Any] = {
            "runs": len(rs),
            "complete_runs": sum(r.complete for r in rs),
            "seeds": [r.seed for r in rs],
            "evaluations_mean": float(np.mean([len(r.history) for r in rs])),
            "simulated_seconds_mean": float(np.mean([r.total_cost_seconds for r in rs])),
            "wall_seconds_mean": float(np.mean([r.total_wall_seconds for r in rs])),
            "final_accuracy_percent": y.tolist(),
        }
        if ok.size:
            mean, std = stats.mean_std(ok)
            est = stats.iqm_estimate(ok, reps=REPS, seed=i)
            entry.update(mean=mean, std=std, median=float(np.median(ok)), min=float(ok.min()), max=float(ok.max()),
                         iqm=est.value, iqm_ci=[est.low, est.high])
        d.aggregate.setdefault("agents", {})[agent] = entry
    for i, a in enumerate(d.finals):
        pis = {}
        for j, b in enumerate(d.finals):
            x, y = d.finals[a], d.finals[b]
            x, y = x[np.isfinite(x)], y[np.isfinite(y)]
            if a != b and x.size and y.size:
                pis[b] = stats.probability_of_improvement_ci(x, y, reps=REPS, seed=100 * i + j).as_dict()
        d.aggregate["agents"][a]["probability_of_improvement_over"] = pis
