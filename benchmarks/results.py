"""Reading a benchmark directory back: one :class:`RunRecord` per (agent, seed).

Layout written by the runner (:mod:`benchmarks.runner`)::

    DIR/benchmark.json                 protocol, agents, seeds, command, machine, versions
    DIR/runs/<agent>/seed<k>/          one ``nas-env search`` run dir (benchmarks.runs.run_search):
        history.jsonl                  one Evaluation.to_json() per line
        summary.json                   written when the run is complete
        extras.json                    agent diagnostics (SearchResult.extras), when the agent has any

Extras are also looked for under ``summary.json["extras"]`` so that either
placement works.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.base import Evaluation, best_evaluation

__all__ = ["RunRecord", "load_benchmark_meta", "load_run", "load_runs", "run_dir"]

_SEED_DIR = re.compile(r"^seed(\d+)$")


def run_dir(out: Path, agent: str, seed: int) -> Path:
    """Directory of one (agent, seed) run under a benchmark directory."""
    return Path(out) / "runs" / agent / f"seed{seed}"


@dataclass
class RunRecord:
    """The saved history (and diagnostics) of one (agent, seed) run."""

    agent: str
    seed: int
    history: list[Evaluation]
    summary: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return bool(self.summary)

    @property
    def best(self) -> Evaluation | None:
        """Highest reward, earliest on ties (as ``SearchResult.best``)."""
        return best_evaluation(self.history)

    @property
    def total_cost_seconds(self) -> float:
        return self.history[-1].total_cost_seconds if self.history else 0.0

    @property
    def total_wall_seconds(self) -> float:
        return self.history[-1].total_wall_seconds if self.history else 0.0


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def read_history(path: Path) -> list[Evaluation]:
    """Evaluations of a ``history.jsonl``; a torn last line (interrupted write) is ignored."""
    out: list[Evaluation] = []
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            out.append(Evaluation.from_json(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError):
            break
    return out


def load_run(path: Path, agent: str, seed: int) -> RunRecord:
    """Load one run directory."""
    path = Path(path)
    summary = _read_json(path / "summary.json")
    extras = _read_json(path / "extras.json") or dict(summary.get("extras") or {})
    return RunRecord(agent, seed, read_history(path / "history.jsonl"), summary, extras)


def load_runs(out: Path, agents: list[str] | None = None) -> dict[str, list[RunRecord]]:
    """All runs under ``out/runs``, by agent (in ``agents`` order when given), sorted by seed."""
    root = Path(out) / "runs"
    if not root.is_dir():
        raise FileNotFoundError(f"no runs under {root}: run `nas-env benchmark ... --out {out}` first")
    names = agents if agents is not None else sorted(p.name for p in root.iterdir() if p.is_dir())
    runs: dict[str, list[RunRecord]] = {}
    for agent in names:
        adir = root / agent
        recs = []
        if adir.is_dir():
            for sd in adir.iterdir():
                m = _SEED_DIR.match(sd.name)
                if m and sd.is_dir():
                    rec = load_run(sd, agent, int(m.group(1)))
                    if rec.history:
                        recs.append(rec)
        runs[agent] = sorted(recs, key=lambda r: r.seed)
    return runs


def load_benchmark_meta(out: Path) -> dict[str, Any]:
    """``DIR/benchmark.json`` (empty dict if missing)."""
    return _read_json(Path(out) / "benchmark.json")
