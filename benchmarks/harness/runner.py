"""Run every (agent, seed) job of a protocol in parallel processes, resumably.

Each job is one :func:`nas_env.benchmarks.run.search.run_search` call writing
``DIR/runs/<agent>/seed<k>/`` (the same format as ``nas-env search``; the directory
layout is :mod:`nas_env.benchmarks.run.directory`). Jobs whose run directory already
holds a ``summary.json`` are finished and skipped; an interrupted one is resumed by
``run_search`` from its checkpoint. A protocol with
``retrain_top`` re-trains each run's finalists stand-alone right after its search, in the
same job (``DIR/runs/<agent>/seed<k>/retrain.json``). Jobs run in a
:class:`~concurrent.futures.ProcessPoolExecutor` with the ``spawn`` start method (safe
with torch), one torch thread per worker.

``DIR/benchmark.json`` records the protocol, agents, seeds, the command, the machine
and package versions; resuming with a different protocol is refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nas_env.agents.registry import AGENTS, BUILTIN_MODULES, agent_module, check_agent_specs, parse_agent_spec
from nas_env.benchmarks.harness.jobs import Job, JobOutcome, make_jobs, outcome_of
from nas_env.benchmarks.harness.main_guard import check_main_guard, refuse_in_worker_bootstrap
from nas_env.benchmarks.protocols import Protocol
from nas_env.benchmarks.protocols.registry import protocol_module
from nas_env.benchmarks.run.checkpointer import refuse_legacy
from nas_env.benchmarks.run.directory import check_benchmark_dir, record_invocation, refuse_links, write_meta
from nas_env.benchmarks.run.files import check_inside
from nas_env.benchmarks.run.machine import machine_info
from nas_env.benchmarks.run.record import load_run

__all__ = ["check_protocol", "run_benchmark", "run_job", "worker_pool"]


def run_job(job: Job, progress: bool = False, executor: str = "none") -> JobOutcome:
    """Run (or resume, or skip) one job in this process; never raises for a failing search.

    ``executor`` is ``run_search``'s. Benchmarks keep ``"none"`` whether jobs run in the pool or
    serially: the jobs are the parallelism (nested worker pools would oversubscribe the cores),
    and a run resumed serially must evaluate the way it started (``run_search`` refuses a change).
    """
    import importlib

    from nas_env.benchmarks.run.environment import trusted_modules

    try:  # the modules that registered the user's agents in the parent (a worker process starts without them)
        for module in job.imports:
            importlib.import_module(module)
    except Exception as exc:
        return JobOutcome(job.agent, job.seed, "failed", error=f"importing {job.imports}: {type(exc).__name__}: {exc}")
    # the modules of the protocol and the agent the user named, never one named by run.json
    with trusted_modules([job.protocol.env_id, agent_module(job.agent),
                          protocol_module(job.protocol.name)]):
        return _run_job(job, progress, executor)


def _run_job(job: Job, progress: bool, executor: str) -> JobOutcome:
    if job.finished:
        try:
            rec = load_run(job.run_path)
            _retrain(job)  # read back when done (a run interrupted while re-training is re-trained here)
        except (OSError, ValueError) as exc:  # e.g. a corrupt history line (nas_env.agents.history.HistoryError)
            return JobOutcome(job.agent, job.seed, "failed", error=f"{type(exc).__name__}: {exc}")
        return outcome_of(job, rec, "skipped", rec.total_wall_seconds)
    t0 = time.perf_counter()
    try:
        from nas_env.benchmarks.run.search import run_search

        p = job.protocol
        result = run_search(
            env_id=p.env_id,
            env_kwargs=dict(p.env_kwargs),
            agent=job.agent,
            agent_kwargs=p.kwargs_for(job.agent),
            budget=p.budget,
            seed=job.seed,
            out_dir=job.run_path,
            progress=progress,
            executor=executor,
        )
        _retrain(job)
    except Exception as exc:  # a failing agent is a result of the benchmark, not a crash of it
        return JobOutcome(job.agent, job.seed, "failed", error=f"{type(exc).__name__}: {exc}",
                          wall_seconds=time.perf_counter() - t0)
    return outcome_of(job, result, "done", time.perf_counter() - t0)


def _retrain(job: Job) -> None:
    """The protocol's stand-alone re-training of the run's finalists (``Protocol.retrain_top``), if any."""
    p = job.protocol
    if p.retrain_top:
        from nas_env.benchmarks.run.retrain import retrain_top

        retrain_top(job.run_path, p.retrain_top, epochs=p.retrain_epochs)


def _user_agent_modules(agents: Sequence[str]) -> tuple[str, ...]:
    """The modules that registered the plain-named agents among ``agents`` outside nas-env (``import myagent`` in
    a script, then ``run_benchmark(..., ["hill-climb"])``): each worker process imports them before its job.
    ``__main__`` is left out (a worker runs the script again by itself)."""
    modules = {AGENTS[parse_agent_spec(a)[0]].__module__ for a in agents if not agent_module(a)}
    return tuple(sorted(m for m in modules if m not in BUILTIN_MODULES and m not in ("__main__", "__mp_main__")))


def check_protocol(protocol: Protocol) -> None:
    """Raise ``ValueError`` before any run starts when the protocol cannot run here (its
    :attr:`~nas_env.benchmarks.protocols.Protocol.preflight`: a dataset that is not installed), or for env kwargs
    that contradict what the protocol reports or that its env refuses (a bad key would otherwise fail every run,
    one by one)."""
    from nas_env.benchmarks.protocols.reported_accuracy import REPORTER_ENV_KWARG

    protocol.check_ready()
    from nas_env.benchmarks.run.checks import check_env
    from nas_env.benchmarks.run.environment import make_env

    key = REPORTER_ENV_KWARG.get(protocol.reporter)
    if key is not None and key in protocol.env_kwargs and protocol.env_kwargs[key] != protocol.reporter_option:
        raise ValueError(
            f"--env-kwargs {key}={protocol.env_kwargs[key]!r} contradicts protocol {protocol.name!r}, which reports "
            f"{key}={protocol.reporter_option!r}; use the protocol of that {key} or fixed:{protocol.env_id}"
        )
    env = make_env(protocol.env_id, dict(protocol.env_kwargs))
    try:
        check_env(env)
    finally:
        env.close()


def _init_worker(parent_pid: int | None = None) -> None:
    """One thread per worker process: the workers are the parallelism. A worker exits with its parent
    and leaves Ctrl-C to it (:mod:`nas_env.executors.lifeline`)."""
    from nas_env.executors.lifeline import die_with_parent, ignore_sigint
    from nas_env.executors.threads import limit_worker_threads

    ignore_sigint()
    if parent_pid is not None:
        die_with_parent(parent_pid, kernel_signal=False)  # the pool may start workers from its own thread
    limit_worker_threads(1)  # a table-only run never imports torch


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` spawned processes with one torch thread each, exiting with this process (the benchmark's
    pool; create it with Ctrl-C ignored, :func:`nas_env.executors.lifeline.sigint_ignored`)."""
    import multiprocessing as mp

    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                               initargs=(os.getpid(),))


def run_benchmark(
    protocol: Protocol,
    agents: Sequence[str],
    seeds: Sequence[int],
    out: Path,
    workers: int | None = None,
    progress: bool = True,
    command: str | None = None,
    on_outcome: Callable[[JobOutcome], Any] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[JobOutcome]:
    """Run all (agent, seed) jobs; returns their outcomes in job order.

    ``workers=None`` uses ``os.cpu_count()`` processes; ``workers=0`` runs the
    jobs one after another in this process (tests, debugging). Each finished
    job prints one line (agent, seed, evaluations, simulated time, final
    reported accuracy) above a tqdm bar over jobs. ``pool`` (:func:`worker_pool`) runs the jobs in workers
    that outlive this call (``nas-env suite`` runs every task in one pool: each worker imports torch once).
    """
    refuse_in_worker_bootstrap()  # a worker running an unguarded script again: one line, no second benchmark
    agents = list(dict.fromkeys(agents))  # one job per run directory: a repeated spec would run it twice at once
    check_agent_specs(agents)  # MODULE:NAME / MODULE:CLASS specs import their module here
    if not seeds:
        raise ValueError("no seeds to run")
    out = Path(out)
    check_benchmark_dir(out)
    refuse_legacy(out)  # an earlier version's pickled checkpoints: never loaded (nas-env convert DIR --trust-pickle)
    check_protocol(protocol)
    t0 = time.perf_counter()
    jobs = make_jobs(protocol, agents, seeds, out, imports=_user_agent_modules(agents))
    n_workers = (os.cpu_count() or 1) if workers is None else workers
    if n_workers > 0 and sum(not job.finished for job in jobs) > 1:
        check_main_guard()  # before anything is written: workers would run an unguarded script's call again
    out.mkdir(parents=True, exist_ok=True)
    for job in jobs:  # a received benchmark may hold links under runs/: nothing is written through one
        check_inside(job.run_path, out)
        refuse_links(job.run_path)
    write_meta(out, protocol.to_json(), agents, seeds, command, machine_info())

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
        if job.finished:
            done(i, run_job(job))
        else:
            pending.append(i)
    try:
        if n_workers <= 0 or (len(pending) <= 1 and pool is None):
            for i in pending:
                done(i, run_job(jobs[i]))
        elif pending:
            from nas_env.executors.lifeline import sigint_ignored

            own = pool is None
            with sigint_ignored():  # spawned workers start with Ctrl-C ignored: it is the parent's
                if own:
                    pool = worker_pool(min(n_workers, len(pending)))
                futures: dict[Future, int] = {pool.submit(run_job, jobs[i]): i for i in pending}
            try:
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
            except BaseException:  # Ctrl-C: stop the runs now (each resumes from its checkpoint on a rerun)
                for proc in list(getattr(pool, "_processes", {}).values()):
                    proc.kill()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            if own:
                pool.shutdown()
    finally:
        bar.close()
    record_invocation(out, time.perf_counter() - t0, n_workers, [asdict(outcomes[i]) for i in sorted(outcomes)])
    return [outcomes[i] for i in sorted(outcomes)]
