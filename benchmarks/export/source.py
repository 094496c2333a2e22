"""The runs an export reads: a ``nas-env search`` run directory, or every run of a ``nas-env benchmark`` directory.

A directory is data (DESIGN.md): it is only read -- ``run.json``, ``history.jsonl``, ``summary.json``,
``extras.json``, never the checkpoint --, no symbolic link in it is followed, and no module it names is
imported unless the user named it (``--env MODULE:ID``, :func:`nas_env.benchmarks.run.environment.check_trusted`).
Each run's search space is rebuilt from its env id and kwargs (once per distinct env) to name the decisions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas_env.benchmarks.run import directory
from nas_env.benchmarks.run.environment import check_trusted, make_env
from nas_env.benchmarks.run.files import UnsafePathError
from nas_env.benchmarks.run.record import RunRecord, load_run

__all__ = ["ExportRun", "SpaceCache", "export_runs", "fingerprint", "run_started"]

#: the files an export reads from a run directory
READ = (directory.RUN_JSON, directory.HISTORY, directory.SUMMARY, directory.EXTRAS)


@dataclass
class ExportRun:
    """One run to export: its study name, its record, and where it came from."""

    study: str
    record: RunRecord
    benchmark: str | None = None  # the benchmark directory's protocol name, for a benchmark's run


def _no_link(path: Path) -> None:
    if os.path.islink(path):
        raise UnsafePathError(f"{path} is a symbolic link; nas-env export reads no link in a run directory")


def _read_run(path: Path) -> RunRecord:
    _no_link(path)
    for name in READ:
        _no_link(path / name)
    return load_run(path)


def export_runs(root: Path, agents: Sequence[str] | None = None) -> list[ExportRun]:
    """The runs under ``root`` with at least one evaluation, each named ``<agent>/seed<k>``: ``root`` itself
    when it is a run directory, else the runs of the benchmark directory ``root`` (``agents``: only these).

    Raises:
        FileNotFoundError: ``root`` is neither, or holds no evaluated run.
        UnsafePathError: a run directory or a file read is a symbolic link.
    """
    root = Path(root)
    if directory.is_run_dir(root) and not directory.is_benchmark_dir(root):
        if agents is not None:
            raise ValueError("--agents applies to benchmark directories, not to a single run")
        record = _read_run(root)
        if not record.history:
            raise FileNotFoundError(f"{root / directory.HISTORY} holds no evaluations yet: nothing to export")
        return [ExportRun(f"{record.agent}/seed{record.seed}", record)]
    if not directory.is_benchmark_dir(root):
        raise FileNotFoundError(f"{root} is neither a `nas-env benchmark` directory (no benchmark.json) nor a "
                                "`nas-env search` run directory (no nas-env run.json)")
    protocol = str((directory.load_benchmark_meta(root).get("protocol") or {}).get("name", "")) or None
    runs_dir = root / directory.RUNS
    _no_link(runs_dir)
    if agents is not None:
        adirs = [(a, directory.agent_path(root, a)) for a in agents]
    else:
        adirs = [(None, p) for p in sorted(runs_dir.iterdir())] if runs_dir.is_dir() else []
    out = []
    for agent, adir in adirs:
        _no_link(adir)
        if not adir.is_dir():
            raise FileNotFoundError(f"no runs of agent {agent!r} under {runs_dir}")
        seeds = [p for p in adir.iterdir() if directory.SEED_DIR.match(p.name)]
        for sd in sorted(seeds, key=lambda p: int(p.name[4:])):
            _no_link(sd)
            if directory.is_run_dir(sd):
                record = _read_run(sd)
                if record.history:
                    out.append(ExportRun(f"{agent or record.agent}/seed{record.seed}", record, protocol))
    if not out:
        raise FileNotFoundError(f"no evaluated runs under {runs_dir}: nothing to export")
    return out


class SpaceCache:
    """Each distinct (env id, kwargs) rebuilt once; ``None`` with a reason when it cannot be (a missing
    dataset or optional dependency: the export names tokens instead). An untrusted ``module:id`` raises."""

    def __init__(self) -> None:
        self._spaces: dict[str, tuple[Any, str | None]] = {}

    def get(self, run: dict[str, Any]) -> tuple[Any, str | None]:
        env_id = str(run.get("env_id", ""))
        check_trusted(env_id)  # one line, before anything would import a module the directory names
        key = json.dumps([env_id, run.get("env_kwargs") or {}], sort_keys=True, default=str)
        if key not in self._spaces:
            try:
                env = make_env(env_id, run.get("env_kwargs") or {})
                try:
                    self._spaces[key] = (env.unwrapped.space, None)
                finally:
                    env.close()
            except Exception as exc:  # noqa: BLE001 (the export still names tokens)
                self._spaces[key] = (None, f"{type(exc).__name__}: {exc}")
        return self._spaces[key]


def fingerprint(record: RunRecord, upto: int | None = None) -> str:
    """SHA-256 of the first ``upto`` evaluations (all by default) and the run's identity: two exports of the
    same run agree, and an extended run's first ``n`` evaluations still give the fingerprint of ``n``."""
    h = hashlib.sha256(json.dumps({k: record.run.get(k) for k in directory.IDENTITY_KEYS}, sort_keys=True,
                                  default=str).encode())
    for ev in record.history[:upto]:
        h.update(json.dumps(ev.to_json(), sort_keys=True, default=str).encode())
    return h.hexdigest()


def run_started(record: RunRecord) -> dt.datetime:
    """When the run started, as a UTC datetime: ``history.jsonl``'s last write minus the run's wall seconds."""
    mtime = (record.path / directory.HISTORY).stat().st_mtime
    return dt.datetime.fromtimestamp(mtime - record.total_wall_seconds, tz=dt.timezone.utc)
