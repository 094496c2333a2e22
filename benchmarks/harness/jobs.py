"""One benchmark job, an (agent, seed) search under a protocol, and what it reports back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas_env.benchmarks.protocols import Protocol
from nas_env.benchmarks.run import directory
from nas_env.benchmarks.run.directory import run_dir

__all__ = ["Job", "JobOutcome", "make_jobs", "outcome_of"]


@dataclass(frozen=True)
class Job:
    """One (agent, seed) search under a protocol."""

    protocol: Protocol
    agent: str
    seed: int
    out_dir: str
    #: modules a worker process imports before the job: those that registered a user's plain-named agent
    imports: tuple[str, ...] = ()

    @property
    def run_path(self) -> Path:
        return run_dir(Path(self.out_dir), self.agent, self.seed)

    @property
    def finished(self) -> bool:
        """A run is finished when ``run_search`` wrote its ``summary.json``."""
        return (self.run_path / directory.SUMMARY).is_file()


@dataclass
class JobOutcome:
    """What a finished (or skipped, or failed) job reports back."""

    agent: str
    seed: int
    status: str  # "done", "skipped" (was already finished) or "failed"
    evaluations: int = 0
    total_cost_seconds: float = 0.0
    best_reward: float | None = None
    best_arch: str | None = None
    final_accuracy: float | None = None
    report_name: str = ""
    wall_seconds: float = 0.0
    error: str | None = None

    def line(self) -> str:
        """One human line for the progress log."""
        head = f"{self.agent:<14} seed {self.seed:>3}"
        if self.status == "failed":
            return f"{head}  FAILED: {self.error}"
        acc = "n/a" if self.final_accuracy is None else f"{100 * self.final_accuracy:.2f}%"
        tail = " (already finished)" if self.status == "skipped" else f" in {self.wall_seconds:.1f} s"
        return (
            f"{head}  {self.evaluations:>4} evals  {self.total_cost_seconds:>9,.0f} sim-s  "
            f"{self.report_name} = {acc}{tail}"
        )


def make_jobs(protocol: Protocol, agents: Sequence[str], seeds: Sequence[int], out: Path | str,
              imports: Sequence[str] = ()) -> list[Job]:
    """All (agent, seed) jobs, seed-major so that every agent progresses together (``imports``: :attr:`Job.imports`);
    a deterministic agent (``Protocol.single_run_agents``) runs once, with the first seed."""
    runs = {a: set(protocol.seeds_for(a, seeds)) for a in agents}
    return [Job(protocol, a, int(s), str(out), tuple(imports)) for s in seeds for a in agents if int(s) in runs[a]]


def outcome_of(job: Job, result: Any, status: str, wall: float) -> JobOutcome:
    """The outcome of ``job`` from its ``SearchResult`` or ``RunRecord`` (anything with ``history`` and ``best``)."""
    best = result.best
    return JobOutcome(
        agent=job.agent,
        seed=job.seed,
        status=status,
        evaluations=len(result.history),
        total_cost_seconds=float(result.history[-1].total_cost_seconds) if result.history else 0.0,
        best_reward=None if best is None else float(best.reward),
        best_arch=None if best is None else best.arch,
        final_accuracy=job.protocol.run_final_accuracy(job.run_path, best),
        report_name=job.protocol.report_name,
        wall_seconds=wall,
    )
