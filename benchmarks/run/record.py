"""One run directory read back: :class:`RunRecord` (used by both reports and the benchmark harness)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nas_env.agents.history import Evaluation, best_evaluation, read_history
from nas_env.benchmarks.run import layout
from nas_env.benchmarks.run.files import read_json

__all__ = ["RunRecord", "load_run"]


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
    if not layout.is_run_dir(path):
        raise FileNotFoundError(f"{path} is not a `nas-env search` run directory (no nas-env run.json)")
    return RunRecord(
        path=path,
        run=read_json(path / layout.RUN_JSON),
        history=read_history(path / layout.HISTORY),
        summary=read_json(path / layout.SUMMARY),
        extras=read_json(path / layout.EXTRAS),
    )
