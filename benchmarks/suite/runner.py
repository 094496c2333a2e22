"""Run a suite: one benchmark directory per task, resumable and extendable, under one task-set version.

A suite directory (``nas-env suite --out DIR``)::

    DIR/suite.json          format, task-set version, tier, budget scale, tasks, agents, seeds, commands,
                            machine, wall times
    DIR/<task>/             one ``nas-env benchmark`` directory per task (benchmark.json, runs/, its report)
    DIR/references.json     each task's score references (random search's expected answer, table optimum)
    DIR/report.md, ...      the suite report (:mod:`nas_env.benchmarks.suite.report`)

Each task runs through :func:`nas_env.benchmarks.harness.runner.run_benchmark`, so finished runs are skipped,
interrupted ones resume, and added agents or seeds extend the directory. A directory made under another
task-set version (:data:`~nas_env.benchmarks.suite.tasks.SUITE_VERSION`), tier or budget scale is refused.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nas_env.benchmarks.run.directory import RunDirError, check_creatable
from nas_env.benchmarks.run.files import atomic_write, read_json
from nas_env.benchmarks.run.machine import machine_info
from nas_env.benchmarks.suite.tasks import SUITE_VERSION, Task, task_protocol

__all__ = ["SUITE_FORMAT", "SUITE_JSON", "SuiteVersionError", "check_suite_dir", "cpu_model", "load_suite_meta",
           "run_suite"]

SUITE_JSON = "suite.json"
SUITE_FORMAT = "nas-env-suite"


class SuiteVersionError(RunDirError):
    """The directory holds a suite of another task-set version (or tier, or budget scale)."""


def load_suite_meta(out: Path | str) -> dict[str, Any]:
    """``DIR/suite.json`` (empty dict if missing or unreadable)."""
    return read_json(Path(out) / SUITE_JSON)


def check_suite_dir(out: Path, tier: str, budget_scale: float) -> dict[str, Any]:
    """The saved ``suite.json`` of ``out`` (``{}`` for a new or empty directory); :class:`RunDirError` for a
    directory that is not a suite, :class:`SuiteVersionError` for one of another version, tier or budget scale."""
    if out.exists() and not out.is_dir():
        raise RunDirError(f"--out {out} exists and is not a directory")
    if not out.exists():
        check_creatable(out, "--out")
        return {}
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return {}
    if SUITE_JSON not in entries:
        raise RunDirError(f"--out {out} is not empty and is not a nas-env suite directory (no {SUITE_JSON}; found "
                          f"{entries[:5]}); choose a new or empty directory")
    meta = load_suite_meta(out)
    if meta.get("format") != SUITE_FORMAT:
        raise RunDirError(f"{out / SUITE_JSON} is not a nas-env suite record")
    if str(meta.get("version")) != SUITE_VERSION:
        raise SuiteVersionError(
            f"--out {out} was made under suite task-set version {meta.get('version')!r}; this nas-env runs version "
            f"{SUITE_VERSION!r}, whose tasks differ: use another --out directory (earlier results are left untouched)")
    for key, value in (("tier", tier), ("budget_scale", budget_scale)):
        if meta.get(key) != value:
            raise SuiteVersionError(f"--out {out} holds a suite with {key}={meta.get(key)!r}, not {value!r}; use "
                                    f"--{key.replace('_', '-')} {meta.get(key)} to extend it, or another --out")
    return meta


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; the platform's processor elsewhere)."""
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _write(out: Path, meta: dict[str, Any]) -> None:
    atomic_write(out / SUITE_JSON, json.dumps(meta, indent=2).encode("utf-8"))


def _merge(meta: dict[str, Any], tier: str, budget_scale: float, tasks: Sequence[Task], agents: Sequence[str],
           seeds: Sequence[int], command: str) -> dict[str, Any]:
    from nas_env.benchmarks.suite.tasks import tier_tasks

    names = {t["name"] for t in meta.get("tasks", [])} | {t.name for t in tasks}
    old_agents = list(meta.get("agents", []))
    meta.update(
        format=SUITE_FORMAT, version=SUITE_VERSION, tier=tier, budget_scale=budget_scale,
        tasks=[t.to_json() for t in tier_tasks(tier) if t.name in names],
        agents=old_agents + [a for a in agents if a not in old_agents],
        seeds=sorted(set(meta.get("seeds", [])) | {int(s) for s in seeds}),
        machine=machine_info(),
        cpu=cpu_model(),
    )
    meta.setdefault("commands", []).append(command)
    return meta


def _new_pool(old: Any, workers: int) -> Any:
    """A fresh worker pool (after shutting down ``old``, broken by a worker that died)."""
    from nas_env.benchmarks.harness.runner import worker_pool
    from nas_env.executors.lifeline import sigint_ignored

    if old is not None:
        old.shutdown(wait=False, cancel_futures=True)
    with sigint_ignored():  # spawned workers start with Ctrl-C ignored: it is the parent's
        return worker_pool(workers)


def run_suite(out: Path | str, tasks: Sequence[Task], agents: Sequence[str], seeds: Sequence[int] | int,
              tier: str = "table",
              budget_scale: float = 1.0, workers: int | None = None, progress: bool = True,
              task_reports: bool = True, command: str | None = None) -> dict[str, Any]:
    """Run (resume, extend) every task of ``tasks`` with ``agents`` x ``seeds`` under ``out`` (a number ``n``: each
    task's protocol's ``n`` seeds from its first seed, e.g. 100.. for the real-training ones); returns the updated
    ``suite.json``, with ``failed`` (per task, the failed runs' lines). With workers, one pool runs every task's
    jobs and writes each task's own report (``task_reports``) while the next task's runs go on."""
    from nas_env.benchmarks.harness.runner import run_benchmark
    from nas_env.benchmarks.report import build_report

    out = Path(out)
    meta = check_suite_dir(out, tier, budget_scale)
    protocols = {t.name: task_protocol(t, budget_scale) for t in tasks}  # every bad name fails before any run
    for protocol in protocols.values():  # and every missing dataset
        protocol.check_ready()
    task_seeds = {name: (p.seeds_from_count(seeds) if isinstance(seeds, int) else [int(s) for s in seeds])
                  for name, p in protocols.items()}
    out.mkdir(parents=True, exist_ok=True)
    meta = _merge(meta, tier, budget_scale, tasks, agents, sorted({s for v in task_seeds.values() for s in v}),
                  command or " ".join(["nas-env", *sys.argv[1:]]))
    _write(out, meta)
    t0 = time.perf_counter()
    walls: dict[str, float] = dict(meta.get("wall_seconds_tasks_last_invocation") or {})
    failed: dict[str, list[str]] = {}
    n_workers = (os.cpu_count() or 1) if workers is None else workers
    pool = None
    reports: list[tuple[Any, tuple[Any, ...]]] = []
    try:
        for task in tasks:
            t1 = time.perf_counter()
            if progress:
                print(f"== task {task.name} ({protocols[task.name].name})", file=sys.stderr)
            if n_workers > 0 and (pool is None or getattr(pool, "_broken", False)):
                pool = _new_pool(pool, n_workers)  # one pool for every task: each worker imports torch once
            outcomes = run_benchmark(protocols[task.name], agents, task_seeds[task.name], out / task.name,
                                     workers=n_workers, progress=progress, command=meta["commands"][-1], pool=pool)
            bad = [o.line() for o in outcomes if o.status == "failed"]
            if bad:
                failed[task.name] = bad
            if task_reports and len(bad) < len(outcomes):
                args = (out / task.name, None, [protocols[task.name].env_id])
                if pool is None:
                    build_report(*args)
                else:  # written by a worker while the next task's runs go on
                    reports.append((pool.submit(build_report, *args), args))
            walls[task.name] = time.perf_counter() - t1
        for future, args in reports:
            try:
                future.result()
            except Exception:  # a worker died (a broken pool): written here, where an error shows as it is
                build_report(*args)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    meta["wall_seconds_tasks_last_invocation"] = walls
    meta["wall_seconds_last_invocation"] = time.perf_counter() - t0
    meta["workers"] = n_workers
    _write(out, meta)
    return {**meta, "failed": failed}
