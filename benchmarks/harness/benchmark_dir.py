"""The benchmark directory model: where each run lives, ``benchmark.json``, and reading the runs back.

Layout written by :func:`nas_env.benchmarks.harness.runner.run_benchmark`::

    DIR/benchmark.json              protocol, agents, seeds, commands, machine and versions, outcomes
    DIR/runs/<agent>/seed<k>/       one ``nas-env search`` run directory (:mod:`nas_env.benchmarks.run.layout`)

Runs are read with :func:`nas_env.benchmarks.run.record.load_run`, the same reader as a single run's
report, so a benchmark and ``nas-env search`` agree on every file (a torn last history line
is ignored, any other corrupt line raises :class:`nas_env.agents.history.HistoryError`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nas_env.benchmarks.protocols import Protocol
from nas_env.benchmarks.run import layout
from nas_env.benchmarks.run.files import atomic_write, read_json
from nas_env.benchmarks.run.record import RunRecord, load_run

__all__ = [
    "BENCHMARK_JSON", "RUNS", "check_benchmark_dir", "load_benchmark_meta", "load_runs", "record_invocation",
    "run_dir", "write_meta",
]

BENCHMARK_JSON = "benchmark.json"
RUNS = "runs"
_SEED_DIR = re.compile(r"^seed(\d+)$")


def run_dir(out: Path | str, agent: str, seed: int) -> Path:
    """Directory of one (agent, seed) run under a benchmark directory."""
    return Path(out) / RUNS / agent / f"seed{seed}"


def load_runs(out: Path | str, agents: Sequence[str] | None = None) -> dict[str, list[RunRecord]]:
    """All runs with at least one evaluation under ``out/runs``, by agent (in ``agents`` order when
    given, else sorted), each agent's sorted by seed. Seed directories that hold no run are skipped."""
    root = Path(out) / RUNS
    if not root.is_dir():
        raise FileNotFoundError(f"no runs under {root}: run `nas-env benchmark ... --out {out}` first")
    names = list(agents) if agents is not None else sorted(p.name for p in root.iterdir() if p.is_dir())
    runs: dict[str, list[RunRecord]] = {}
    for agent in names:
        adir = root / agent
        recs = []
        if adir.is_dir():
            for sd in adir.iterdir():
                if _SEED_DIR.match(sd.name) and layout.is_run_dir(sd):
                    rec = load_run(sd)
                    if rec.history:
                        recs.append(rec)
        runs[agent] = sorted(recs, key=lambda r: r.seed)
    return runs


def check_benchmark_dir(out: Path) -> None:
    """Raise ``ValueError`` unless ``out`` can take a benchmark: missing (and creatable), empty, or a
    benchmark directory already (``benchmark.json``: resumed). Never writes into another directory."""
    if out.exists() and not out.is_dir():
        raise layout.RunDirError(f"--out {out} exists and is not a directory")
    if not out.exists():
        layout.check_creatable(out, "--out")
        return
    try:
        entries = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        raise layout.RunDirError(f"--out {out} is not readable: {exc}") from exc
    if entries and BENCHMARK_JSON not in entries:
        raise layout.RunDirError(
            f"--out {out} is not empty and is not a nas-env benchmark directory (no {BENCHMARK_JSON}; found "
            f"{entries[:5]}); choose a new or empty directory"
        )
    if not os.access(out, os.W_OK | os.X_OK):
        raise layout.RunDirError(f"--out {out} is not writable")


def load_benchmark_meta(out: Path | str) -> dict[str, Any]:
    """``DIR/benchmark.json`` (empty dict if missing or unreadable)."""
    return read_json(Path(out) / BENCHMARK_JSON)


def _write(path: Path, meta: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(meta, indent=2).encode("utf-8"))


def write_meta(out: Path, protocol: Protocol, agents: Sequence[str], seeds: Sequence[int], command: str | None,
               machine: dict[str, Any]) -> dict[str, Any]:
    """Create or extend ``DIR/benchmark.json`` for an invocation; refuses a directory of another protocol."""
    path = Path(out) / BENCHMARK_JSON
    meta: dict[str, Any] = {}
    if path.is_file():
        meta = json.loads(path.read_text(encoding="utf-8"))
        if meta.get("protocol") != protocol.to_json():
            raise ValueError(
                f"{out} already holds a benchmark with another protocol ({meta.get('protocol', {}).get('name')!r}, "
                f"budget {meta.get('protocol', {}).get('budget')}); use another --out or the same protocol"
            )
    old_agents = list(meta.get("agents", []))
    old_seeds = list(meta.get("seeds", []))
    meta.update(
        protocol=protocol.to_json(),
        agents=old_agents + [a for a in agents if a not in old_agents],
        seeds=sorted(set(old_seeds) | {int(s) for s in seeds}),
        command=command or " ".join(["nas-env", *sys.argv[1:]]),
        machine=machine,
    )
    meta.setdefault("commands", [])
    meta["commands"].append(meta["command"])
    _write(path, meta)
    return meta


def record_invocation(out: Path, wall_seconds: float, workers: int, outcomes: list[dict[str, Any]]) -> None:
    """Add the last invocation's wall time, worker count and job outcomes to ``DIR/benchmark.json``."""
    path = Path(out) / BENCHMARK_JSON
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["wall_seconds_last_invocation"] = wall_seconds
    meta["workers"] = workers
    meta["outcomes"] = outcomes
    _write(path, meta)
