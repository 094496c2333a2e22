"""Run directories read back: :class:`RunRecord` / ``load_run`` for one run, ``load_runs`` for a benchmark's
(used by both reports and the benchmark harness, so they agree on every file: a torn last history line is
ignored, any other corrupt line raises :class:`nas_env.agents.history.HistoryError`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nas_env.agents.history import Evaluation, best_evaluation, read_history
from nas_env.benchmarks.run import directory
from nas_env.benchmarks.run.files import read_json

__all__ = ["RunRecord", "load_run", "load_runs"]


@dataclass
class RunRecord:
    """The saved arguments, history, summary and diagnostics of one ``nas-env search`` run.

    ``run`` is ``run.json`` (env, agent, seed, budget, ...), ``summary`` is ``summary.json``
    (empty until the run is complete), ``extras`` is ``extras.json`` (the agent's diagnostics).
    """

    path: Path
    run: dict[str, Any]
    history: list[Evaluation]
    summary: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def agent(self) -> str:
        return str(self.run.get("agent", self.summary.get("agent", "")))

    @property
    def seed(self) -> int:
        return int(self.run.get("seed", self.summary.get("seed", 0)))

    @property
    def complete(self) -> bool:
        """The run wrote its ``summary.json`` (its budget is spent)."""
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


def load_run(path: Path | str) -> RunRecord:
    """Read the run directory ``path``.

    Raises:
        FileNotFoundError: ``path`` holds no nas-env ``run.json``.
        nas_env.agents.history.HistoryError: a line of ``history.jsonl`` other than the last is corrupt.
    """
    path = Path(path)
    if not directory.is_run_dir(path):
        raise FileNotFoundError(f"{path} is not a `nas-env search` run directory (no nas-env run.json)")
    return RunRecord(
        path=path,
        run=read_json(path / directory.RUN_JSON),
        history=read_history(path / directory.HISTORY),
        summary=read_json(path / directory.SUMMARY),
        extras=read_json(path / directory.EXTRAS),
    )


def load_runs(out: Path | str, agents: Sequence[str] | None = None) -> dict[str, list[RunRecord]]:
    """All runs with at least one evaluation under the benchmark directory ``out`` (``out/runs``), by agent (in
    ``agents`` order when given, else sorted), each agent's sorted by seed. Seed directories that hold no run are
    skipped."""
    root = Path(out) / directory.RUNS
    if not root.is_dir():
        raise FileNotFoundError(f"no runs under {root}: run `nas-env benchmark ... --out {out}` first")
    if agents is not None:
        dirs = {agent: directory.agent_path(out, agent) for agent in agents}
    else:
        dirs = {_agent_of(p): p for p in sorted(root.iterdir()) if p.is_dir()}
    runs: dict[str, list[RunRecord]] = {}
    for agent, adir in dirs.items():
        recs = []
        if adir.is_dir():
            for sd in adir.iterdir():
                if directory.SEED_DIR.match(sd.name) and directory.is_run_dir(sd):
                    rec = load_run(sd)
                    if rec.history:
                        recs.append(rec)
        runs[agent] = sorted(recs, key=lambda r: r.seed)
    return runs


def _agent_of(adir: Path) -> str:
    """The agent spec of ``runs/<name>``: the one its runs recorded when it names this directory (a hashed
    name, :func:`~nas_env.benchmarks.run.directory.agent_dir`), else the directory's name."""
    for sd in sorted(adir.iterdir()):
        if directory.SEED_DIR.match(sd.name) and directory.is_run_dir(sd):
            agent = str(read_json(sd / directory.RUN_JSON).get("agent", ""))
            try:
                if agent and agent != adir.name and directory.agent_dir(agent) == adir.name:
                    return agent
            except ValueError:
                pass
            break
    return adir.name
