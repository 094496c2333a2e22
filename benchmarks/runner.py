"""Run every (agent, seed) of a protocol in parallel processes, resumably.

Each job is one ``benchmarks.runs.run_search`` call writing
``DIR/runs/<agent>/seed<k>/`` (the same format as ``nas-env search``). Jobs
whose run directory already holds a ``summary.json`` are finished and skipped;
an interrupted one is resumed by ``run_search`` from its checkpoint. Jobs run
in a :class:`~concurrent.futures.ProcessPoolExecutor` with the ``spawn`` start
method (safe with torch), one torch thread per worker.

``DIR/benchmark.json`` records the protocol, agents, seeds, the command, the
machine and package versions; resuming with a different protocol is refused.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.protocols import Protocol
from benchmarks.results import run_dir

__all__ = ["Job", "JobOutcome", "machine_info", "make_jobs", "run_benchmark", "run_job"]

_PACKAGES = ("nas-env", "numpy", "torch", "gymnasium", "stable-baselines3", "sb3-contrib", "scipy", "matplotlib")


@dataclass(frozen=True)
class Job:
    """One (agent, seed) search under a protocol."""

    protocol: Protocol
    agent: str
    seed: int
    out_dir: str

    @property
    def run_path(self) -> Path:
        return run_dir(Path(self.out_dir), self.agent, self.seed)


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


def machine_info() -> dict[str, Any]:
    """Platform, CPU count and package versions (for the report)."""
    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    if versions.get("nas-env") is None:
        try:
            import nas_env

            versions["nas-env"] = f"{nas_env.__version__} (source tree)"
        except ImportError:
            pass
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "versions": versions,
    }


def make_jobs(protocol: Protocol, agents: Sequence[str], seeds: Sequence[int], out: Path) -> list[Job]:
    """All (agent, seed) jobs, seed-major so that every agent progresses together."""
    return [Job(protocol, a, int(s), str(out)) for s in seeds for a in agents]


def _summarize(job: Job, result: Any, status: str, wall: float) -> JobOutcome:
    best = result.best
    acc = job.protocol.final_accuracy(best)
    return JobOutcome(
        agent=job.agent,
        seed=job.seed,
        status=status,
        evaluations=len(result.history),
        total_cost_seconds=float(result.history[-1].total_cost_seconds) if result.history else 0.0,
        best_reward=None if best is None else float(best.reward),
        best_arch=None if best is None else best.arch,
        final_accuracy=acc,
        report_name=job.protocol.report_name,
        wall_seconds=wall,
    )


def is_finished(job: Job) -> bool:
    """A run is finished when ``run_search`` wrote its ``summary.json``."""
    return (job.run_path / "summary.json").is_file()


def run_job(job: Job, progress: bool = False, executor: str = "none") -> JobOutcome:
    """Run (or resume, or skip) one job in this process; never raises for a failing search.

    ``executor`` is ``run_search``'s. Benchmarks keep ``"none"`` whether jobs run in the pool or
    serially: the jobs are the parallelism (nested worker pools would oversubscribe the cores),
    and a run resumed serially must evaluate the way it started (``run_search`` refuses a change).
    """
    from agents.base import Budget
    from benchmarks.results import load_run

    if is_finished(job):
        rec = load_run(job.run_path, job.agent, job.seed)
        return _summarize(job, rec, "skipped", rec.total_wall_seconds)
    t0 = time.perf_counter()
    try:
        from benchmarks.runs import run_search

        p = job.protocol
        result = run_search(
            env_id=p.env_id,
            env_kwargs=dict(p.env_kwargs),
            agent=job.agent,
            agent_kwargs=p.kwargs_for(job.agent),
            budget=Budget(evaluations=p.budget.evaluations, cost_seconds=p.budget.cost_seconds),
            seed=job.seed,
            out_dir=job.run_path,
            progress=progress,
            executor=executor,
        )
    except Exception as exc:  # a failing agent is a result of the benchmark, not a crash of it
        return JobOutcome(job.agent, job.seed, "failed", error=f"{type(exc).__name__}: {exc}",
                          wall_seconds=time.perf_counter() - t0)
    return _summarize(job, result, "done", time.perf_counter() - t0)


def _init_worker() -> None:
    """One thread per worker process: the workers are the parallelism."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    import torch

    torch.set_num_threads(1)


def _write_meta(out: Path, protocol: Protocol, agents: Sequence[str], seeds: Sequence[int],
                command: str | None) -> dict[str, Any]:
    path = out / "benchmark.json"
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
        machine=machine_info(),
    )
    meta.setdefault("commands", [])
    meta["commands"].append(meta["command"])
    path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def run_benchmark(
    protocol: Protocol,
    agents: Sequence[str],
    seeds: Sequence[int],
    out: Path,
    workers: int | None = None,
    progress: bool = True,
    command: str | None = None,
    on_outcome: Callable[[JobOutcome], Any] | None = None,
) -> list[JobOutcome]:
    """Run all (agent, seed) jobs; returns their outcomes in job order.

    ``workers=None`` uses ``os.cpu_count()`` processes; ``workers=0`` runs the
    jobs one after another in this process (tests, debugging). Each finished
    job prints one line (agent, seed, evaluations, simulated time, final
    reported accuracy) above a tqdm bar over jobs.
    """
    from agents.base import AGENTS, make_agent  # noqa: F401  (make_agent registers the built-ins)

    try:
        make_agent("random")
    except ValueError:
        pass
    unknown = [a for a in agents if a not in AGENTS]
    if unknown:
        raise ValueError(f"unknown agent(s) {unknown}; valid: {sorted(AGENTS)}")
    if not seeds:
        raise ValueError("no seeds to run")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    _write_meta(out, protocol, agents, seeds, command)
    jobs = make_jobs(protocol, agents, seeds, out)
    n_workers = (os.cpu_count() or 1) if workers is None else workers

    from tqdm.auto import tqdm

    outcomes: dict[int, JobOutcome] = {}
    bar = tqdm(total=len(jobs), desc=f"{protocol.name}", unit="run", disable=not progress, dynamic_ncols=True)

    def done(i: int, o: JobOutcome) -> None:
        outcomes[i] = o
        if progress:
            tqdm.write(o.line())
        if on_outcome is not None:
            on_outcome(o)
        bar.update(1)

    # finished runs are reported without starting a worker
    pending = []
    for i, job in enumerate(jobs):
        if is_finished(job):
            done(i, run_job(job))
        else:
            pending.append(i)
    try:
        if n_workers <= 0 or len(pending) <= 1:
            for i in pending:
                done(i, run_job(jobs[i]))
        else:
            import multiprocessing as mp

            with ProcessPoolExecutor(max_workers=min(n_workers, len(pending)), mp_context=mp.get_context("spawn"),
                                     initializer=_init_worker) as pool:
                futures: dict[Future, int] = {pool.submit(run_job, jobs[i]): i for i in pending}
                remaining = set(futures)
                while remaining:
                    finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                    for f in finished:
                        i = futures[f]
                        try:
                            o = f.result()
                        except Exception as exc:  # the worker process died
                            o = JobOutcome(jobs[i].agent, jobs[i].seed, "failed", error=f"{type(exc).__name__}: {exc}")
                        done(i, o)
    finally:
        bar.close()
    meta_path = out / "benchmark.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["wall_seconds_last_invocation"] = time.perf_counter() - t0
    meta["workers"] = n_workers
    meta["outcomes"] = [asdict(outcomes[i]) for i in sorted(outcomes)]
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return [outcomes[i] for i in sorted(outcomes)]
