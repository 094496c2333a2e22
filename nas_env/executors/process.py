"""Local worker processes with per-child timeouts and retries after worker death."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from nas_env.evaluators.base import Evaluator, failure_metrics
from nas_env.executors.base import Executor, ExecutorError, Request, safe_evaluate
from nas_env.executors.lifeline import die_with_parent, ignore_sigint, sigint_ignored
from nas_env.executors.threads import limit_worker_threads
from nas_env.validation import check_int, check_real

__all__ = ["START_ATTEMPTS", "ProcessExecutor"]

#: starts of a worker process in a row (each new one after the last died while starting) before the executor
#: gives up with :class:`~nas_env.executors.base.ExecutorError`
START_ATTEMPTS = 3
#: seconds a starting worker has to report ready
START_SECONDS = 120


class _StartFailed(Exception):
    """One worker process died (or hung) while starting."""


def _worker_main(conn: Connection, evaluator: Evaluator, num_threads: int | None, parent_pid: int | None = None,
                 kernel_signal: bool = True) -> None:
    """Worker loop: receive (task id, request), send back (task id, metrics). Exits with its parent
    and leaves Ctrl-C to it (:mod:`nas_env.executors.lifeline`)."""
    ignore_sigint()
    if parent_pid is not None:
        die_with_parent(parent_pid, kernel_signal)
    if num_threads is not None:
        limit_worker_threads(num_threads)
    try:
        conn.send(("ready", os.getpid()))
        while True:
            msg = conn.recv()
            if msg is None:
                return
            task_id, request = msg
            conn.send((task_id, safe_evaluate(evaluator, request)))
    except (EOFError, OSError, KeyboardInterrupt):  # the parent is gone or closed the pipe: nothing to report
        return


@dataclass
class _Worker:
    process: Any
    conn: Connection
    pid: int = 0
    task: int | None = None
    deadline: float | None = None


@dataclass
class _Task:
    index: int
    request: Request
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


class ProcessExecutor(Executor):
    """A pool of long-lived worker processes, each holding its own copy of the evaluator.

    Args:
        evaluator: sent to each worker once, when the worker starts (datasets load
            there once, lazily, and stay).
        num_workers: number of processes (default: ``os.cpu_count()``).
        threads_per_worker: ``torch.set_num_threads`` in each worker (default: cores /
            workers, at least 1) so workers do not oversubscribe the CPU.
        timeout: wall-clock seconds per child, enforced by killing the worker
            (status ``"timeout"``, not retried). ``None`` = no limit.
        max_retries: how often a child whose worker *died* (killed, segfault, OOM)
            is started again before it is recorded as ``"failed"``. A worker that dies while it
            starts is started again, up to :data:`START_ATTEMPTS` times in a row; then
            :class:`~nas_env.executors.base.ExecutorError` (one line: rerun to continue).
        start_method: multiprocessing start method (``"spawn"`` is safe with torch).
    """

    def __init__(
        self,
        evaluator: Evaluator,
        num_workers: int | None = None,
        threads_per_worker: int | None = None,
        timeout: float | None = None,
        max_retries: int = 2,
        start_method: str = "spawn",
    ):
        cores = os.cpu_count() or 1
        self.num_workers = cores if num_workers is None else check_int("num_workers", num_workers)
        check_real("timeout (seconds)", timeout, low=0, low_open=True, optional=True)
        check_int("max_retries", max_retries, low=0)
        self.evaluator = evaluator
        self.threads_per_worker = threads_per_worker or max(1, cores // self.num_workers)
        self.timeout = timeout
        self.max_retries = int(max_retries)
        self._ctx = mp.get_context(start_method)
        self._workers: list[_Worker] = []
        self.restarts = 0

    @property
    def max_concurrency(self) -> int:
        return self.num_workers

    def worker_pids(self) -> list[int]:
        """PIDs of the live workers (tests kill them to check fault tolerance)."""
        return [w.pid for w in self._workers]

    def busy_worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.task is not None]

    # --------------------------------------------------------------- workers
    def _start_worker(self) -> _Worker:
        """A new worker, started again if it dies while starting (a machine failure: the OOM killer, a kill)."""
        for _ in range(START_ATTEMPTS):
            try:
                return self._spawn_worker()
            except _StartFailed as exc:
                last = str(exc)
        raise ExecutorError(f"could not start a worker process: {START_ATTEMPTS} starts in a row failed (the last: "
                            f"{last}); the search stopped: rerun the same command to continue")

    def _spawn_worker(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        main_thread = threading.current_thread() is threading.main_thread()
        proc = self._ctx.Process(
            target=_worker_main, args=(child, self.evaluator, self.threads_per_worker, os.getpid(), main_thread),
            daemon=True,
        )
        with sigint_ignored():
            proc.start()
        child.close()
        worker = _Worker(proc, parent)
        try:
            if not parent.poll(START_SECONDS):
                raise _StartFailed(f"worker pid {proc.pid} did not start within {START_SECONDS} s")
            try:
                tag, worker.pid = parent.recv()
            except (EOFError, OSError) as exc:  # it died before it reported ready
                proc.join(5)
                raise _StartFailed(f"worker pid {proc.pid} died while starting (exit code {proc.exitcode})") from exc
        except BaseException:  # (Ctrl-C included) no half-started worker is left behind
            if proc.is_alive():
                proc.kill()
            proc.join(5)
            parent.close()
            raise
        return worker

    def _ensure_workers(self) -> None:
        while len(self._workers) < self.num_workers:
            self._workers.append(self._start_worker())

    def _discard(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self._workers.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        self.restarts += 1
        self._workers.append(self._start_worker())

    # ------------------------------------------------------------------ run
    def run(self, requests: Sequence[Request]) -> Iterator[tuple[int, dict[str, Any]]]:
        self._ensure_workers()
        try:
            yield from self._run(requests)
        finally:  # abandoned mid-way (Ctrl-C, an error): busy workers would answer stale tasks, so end them
            for w in [w for w in self._workers if w.task is not None]:  # (the next run starts new ones)
                w.task = None
                self._discard(w)

    def _run(self, requests: Sequence[Request]) -> Iterator[tuple[int, dict[str, Any]]]:
        pending = deque(_Task(i, r) for i, r in enumerate(requests))
        tasks: dict[int, _Task] = {}
        next_id = 0
        remaining = len(requests)
        while remaining:
            for w in self._workers:  # hand out work
                if w.task is None and pending:
                    task = pending.popleft()
                    task.attempts += 1
                    tasks[next_id] = task
                    w.task = next_id
                    w.deadline = None if self.timeout is None else time.monotonic() + self.timeout
                    try:
                        w.conn.send((next_id, task.request))
                    except OSError:  # it died after it started: seen below (its sentinel), and the child retried
                        pass
                    next_id += 1
            busy = [w for w in self._workers if w.task is not None]
            deadlines = [w.deadline for w in busy if w.deadline is not None]
            wait_for = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
            now = time.monotonic()
            for w in busy:
                task = tasks[w.task]  # type: ignore[index]
                if w.conn in ready:
                    try:
                        task_id, metrics = w.conn.recv()
                    except (EOFError, OSError):
                        metrics = None
                    if metrics is not None:
                        metrics.setdefault("attempts", task.attempts)
                        w.task = None
                        remaining -= 1
                        yield task.index, metrics
                        continue
                if w.process.sentinel in ready or not w.process.is_alive():
                    w.process.join(5)  # reap it, so the exit code is known
                    code = w.process.exitcode
                    w.task = None
                    task.errors.append(f"worker pid {w.pid} died (exit code {code})")
                    self._replace(w)
                    if task.attempts <= self.max_retries:
                        pending.appendleft(task)
                    else:
                        remaining -= 1
                        yield task.index, failure_metrics(
                            "failed", "; ".join(task.errors) + f"; gave up after {task.attempts} attempts",
                            attempts=task.attempts, transient=True,  # the machine's fault: a store retries it
                        )
                elif w.deadline is not None and now >= w.deadline:
                    w.task = None
                    self._replace(w)
                    remaining -= 1
                    yield task.index, failure_metrics(
                        "timeout", f"child exceeded the executor's timeout of {self.timeout} s and was killed",
                        cost_seconds=float(self.timeout or 0.0), attempts=task.attempts, transient=True,
                    )

    def close(self) -> None:
        for w in self._workers:
            try:
                w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for w in self._workers:
            w.process.join(5)
            if w.process.is_alive():
                w.process.kill()
            w.conn.close()
        self._workers = []

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
