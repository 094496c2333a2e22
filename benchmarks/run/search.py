"""One search run on disk: :func:`run_search` opens, resumes, searches and finishes a run directory.

The directory's files are described in :mod:`nas_env.benchmarks.run.directory`. Rerunning the same
arguments on an interrupted directory resumes: history lines beyond the checkpoint are
dropped (the checkpointed state has not seen them) and the agent continues from its
saved state. For table envs and agents with ``exact_resume`` the result is identical to
an uninterrupted run. Rerunning a finished run returns its result without searching
again; a larger budget of the same kind continues it. A resumed run replays the children
it had trained since the last checkpoint from the evaluation store, never retraining them.

Executors: agents that evaluate batches (REINFORCE's m children) train them
concurrently when ``executor`` is ``"process"`` (local worker processes, the default
for training envs) or ``"ray"``; ``"none"`` plays them one by one.

``run_search`` never overwrites another run: a directory with foreign files, an
unreadable ``run.json`` or different arguments raises :class:`RunDirError`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from nas_env.agents.base import Agent
from nas_env.agents.budget import Budget
from nas_env.agents.history import Evaluation, HistoryWriter, SearchResult, read_history
from nas_env.agents.registry import make_agent
from nas_env.agents.tracker import SearchTracker
from nas_env.benchmarks.run import directory
from nas_env.benchmarks.run.callbacks import ProgressBar, TensorBoardLogger
from nas_env.benchmarks.run.checkpointer import Checkpointer, is_start, read_checkpoint, refuse_legacy, write_start
from nas_env.benchmarks.run.checks import check_env
from nas_env.benchmarks.run.directory import RunDirError
from nas_env.benchmarks.run.environment import make_env
from nas_env.benchmarks.run.files import atomic_write, write_json
from nas_env.benchmarks.run.lock import DirLock
from nas_env.benchmarks.run.spec import RunOptions, RunSpec
from nas_env.benchmarks.run.summary import ranked_table, write_summary

__all__ = ["RunDirError", "SearchRun", "run_search"]


def run_search(
    env_id: str,
    env_kwargs: dict[str, Any] | None,
    agent: str,
    agent_kwargs: dict[str, Any] | None,
    budget: Budget | int,
    seed: int,
    out_dir: Path | str,
    progress: bool = True,
    callbacks: Iterable[Callable[[Evaluation, SearchTracker], Any]] = (),
    tensorboard: Path | str | None = None,
    checkpoint_interval_s: float = 0.5,
    executor: str = "auto",
    workers: int | None = None,
    store: str | Path | bool = "auto",
    ray_address: str | None = None,
    store_wait: float = 30.0,
) -> SearchResult:
    """Run (or resume) one search and write its run directory (see the module docstring).

    The first six arguments are a :class:`~nas_env.benchmarks.run.spec.RunSpec`, the keyword
    arguments a :class:`~nas_env.benchmarks.run.spec.RunOptions` (both document each field).

    Raises:
        ValueError: unknown agent or env, bad kwargs or budget.
        RunDirError: ``out_dir`` is foreign, unreadable, or holds a different run.
    """
    spec = RunSpec(env_id, env_kwargs or {}, agent, agent_kwargs or {}, Budget.from_value(budget), seed)
    options = RunOptions(progress, tuple(callbacks), tensorboard, checkpoint_interval_s, executor, workers, store,
                         ray_address, store_wait)
    run = SearchRun.open(spec, Path(out_dir), options)
    try:
        try:
            history, resume = run.resume()
            result = run.search(history, resume)
        finally:
            run.close()
        run.finish(result)
    finally:
        run.release()
    return result


class SearchRun:
    """The four phases of a run: :meth:`open`, :meth:`resume`, :meth:`search`, :meth:`finish` (+ :meth:`close`,
    then :meth:`release` of the directory's lock, which :meth:`open` takes)."""

    def __init__(self, spec: RunSpec, out_dir: Path, options: RunOptions):
        self.spec, self.out_dir, self.options = spec, out_dir, options
        self.agent: Agent
        self.env: Any = None
        self.store: Any = None
        self.pool: Any = None
        self.saved: dict[str, Any] | None = None
        self.record: dict[str, Any] = {}
        self.table: Any = None
        self.tensorboard: Any = None
        self._closers: list[Callable[[], Any]] = []
        self.lock: DirLock | None = None

    # ------------------------------------------------------------------ open
    @classmethod
    def open(cls, spec: RunSpec, out_dir: Path, options: RunOptions) -> SearchRun:
        """Validate everything, lock ``out_dir`` and start the evaluation machinery; writes nothing into ``out_dir``
        but its lock file."""
        self = cls(spec, out_dir, options)
        self.agent = make_agent(spec.agent, **spec.agent_kwargs)
        self.env = make_env(spec.env_id, spec.env_kwargs)
        try:
            check_env(self.env)
        except BaseException:
            self.env.close()
            raise
        evaluator = getattr(self.env.unwrapped, "evaluator", None)
        expensive = bool(evaluator and evaluator.expensive)
        store = expensive if options.store == "auto" else options.store
        store_path = (out_dir / directory.STORE_FILE) if store is True else (Path(store) if store else None)
        executor = ("process" if expensive else "none") if options.executor == "auto" else options.executor
        try:
            if evaluator is not None and getattr(evaluator, "stateful", False) and executor != "none":
                raise ValueError(
                    f"executor {executor!r} cannot evaluate {spec.env_id} with {type(evaluator).__name__}: its "
                    "children share weights that live in the search process; valid: 'auto' or 'none'"
                )
            self.tensorboard = None if options.tensorboard is None else TensorBoardLogger(
                options.tensorboard, self.agent, getattr(self.env.unwrapped, "space", None))
            self.table = ranked_table(self.env)
            self.record = spec.to_run_json(directory.recorded_path(store_path, out_dir), batched=executor != "none")
            refuse_legacy(out_dir)  # an earlier version's pickle: never loaded, converted by the user's command
            directory.check_out_dir(out_dir, self.record)  # refused before the lock creates out_dir
            directory.refuse_links(out_dir)  # its files (the store's included) are never written through a link
            self.lock = DirLock(out_dir)  # one process per directory: "DIR is in use by pid N"
            self.saved = directory.check_out_dir(out_dir, self.record)  # again, now that no one else writes it
            if store_path is not None and not store_path.exists():
                directory.check_creatable(store_path, "--store")
            # the executor first, then the store: an unreachable Ray cluster or a store made for
            # another configuration fails here and leaves out_dir untouched
            self.pool = self._start_executor(executor)
            if store_path is not None:
                from nas_env.cache import attach_store

                # claims of children in training carry the run directory: a resumed run takes its own over
                claimant = f"{socket.gethostname()}:{os.path.abspath(out_dir)}"
                self.store = attach_store(self.env, store_path, claimant=claimant, timeout=options.store_wait)
        except BaseException:
            self.close()
            self.release()
            raise
        self.agent.executor = self.pool
        return self

    def _start_executor(self, executor: str) -> Any:
        if executor == "none":
            return None
        from nas_env.executors import make_executor

        options: dict[str, Any] = {}
        if executor in ("process", "ray") and self.options.workers is not None:
            options["num_workers"] = self.options.workers
        if executor == "ray" and self.options.ray_address is not None:
            options["address"] = self.options.ray_address
        return make_executor(executor, self.env.unwrapped.evaluator, **options)

    # ---------------------------------------------------------------- resume
    def resume(self) -> tuple[list[Evaluation], dict[str, Any] | None]:
        """The history up to the last checkpoint and the checkpointed state (empty for a new run);
        then (re)writes ``run.json`` and ``history.jsonl`` to exactly that history."""
        out, budget = self.out_dir, self.spec.budget
        hist_path, ckpt_path = out / directory.HISTORY, out / directory.CHECKPOINT
        history: list[Evaluation] = []
        resume: dict[str, Any] | None = None
        if self.saved is not None:
            resume = read_checkpoint(ckpt_path)
            try:
                history = read_history(hist_path)
            except ValueError as exc:
                raise RunDirError(str(exc)) from exc
            if resume is None and history:  # the history is the record: never truncate it to start again
                raise RunDirError(
                    f"{ckpt_path} is missing, so the {len(history)} evaluations in {hist_path} cannot be continued; "
                    f"restore the checkpoint, or move {hist_path.name} away to start this run again"
                )
            if resume is not None and is_start(resume):
                resume = None  # started, nothing checkpointed: the lines after it are unseen and replayed
            n = 0 if resume is None else int(resume["num_evaluations"])
            if len(history) < n:
                raise RunDirError(f"{hist_path} has {len(history)} entries but the checkpoint expects {n}")
            if budget.evaluations is not None and n > budget.evaluations:
                raise RunDirError(f"--out {out} already holds {n} evaluations, more than --budget {budget.evaluations}")
            history = history[:n]
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / directory.RUN_JSON, self.record)
        atomic_write(hist_path, "".join(e.to_line() for e in history).encode())
        if resume is None:
            write_start(ckpt_path)
        return history, resume

    # ---------------------------------------------------------------- search
    def search(self, history: list[Evaluation], resume: dict[str, Any] | None) -> SearchResult:
        """Search until the budget is spent (or re-report a finished run without searching)."""
        spec, agent = self.spec, self.agent
        # finished: the checkpoint says complete *for this budget* (run.json is rewritten before the search,
        # so an extension interrupted before its first checkpoint must not pass for a finished run)
        if resume is not None and resume.get("complete") and self.saved is not None \
                and resume.get("budget", self.saved.get("budget")) == self.record["budget"]:
            agent.load_state_dict(resume["agent"])  # a finished run: report it again, search nothing
            result = agent.result(spec.seed, history)
            if self.store is not None:  # as the run reported it (older checkpoints: the store as it is now)
                result.extras["store"] = resume.get("store") or self._store_stats()
            return result
        writer = HistoryWriter(self.out_dir / directory.HISTORY)
        self._closers.append(writer.close)
        callbacks: list[Callable[[Evaluation, SearchTracker], Any]] = [writer, *self.options.callbacks]
        if self.options.progress:
            bar = ProgressBar(spec.budget, history, f"{spec.agent} {spec.env_id}")
            self._closers.append(bar.close)
            callbacks.append(bar)
        if self.tensorboard is not None:
            callbacks.append(self.tensorboard)
        result = agent.run(self.env, spec.budget, seed=spec.seed, callbacks=callbacks, history=history,
                           resume=resume, checkpoint=self._checkpointer())
        if self.store is not None:
            result.extras["store"] = self._store_stats()
        return result

    def _store_stats(self) -> dict[str, Any]:
        """The store's rows and the requests it served in this invocation (summary.json's ``store``)."""
        s = self.store
        return {"path": self.record["store"], "rows": len(s), "hits": s.hits, "misses": s.misses,
                "hit_rate": s.hit_rate}

    def _checkpointer(self) -> Checkpointer:
        def extra() -> dict[str, Any]:
            return {"budget": self.record["budget"], **({} if self.store is None else {"store": self._store_stats()})}

        return Checkpointer(self.out_dir / directory.CHECKPOINT, self.options.checkpoint_interval_s, extra)

    def release(self) -> None:
        """Release the directory's lock (after :meth:`finish`; safe to call more than once)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    # ---------------------------------------------------------------- finish
    def finish(self, result: SearchResult) -> None:
        """Write ``summary.json`` (and ``extras.json``)."""
        write_summary(self.out_dir, self.record, result, type(self.agent).exact_resume, self.table)

    def close(self) -> None:
        """Release workers, the store, open files and the env (safe to call more than once)."""
        for close in (*self._closers, *(c for c in (self.pool, self.store, self.tensorboard) if c is not None)):
            close = getattr(close, "close", close)
            close()
        self._closers = []
        self.pool = self.store = self.tensorboard = None
        if self.env is not None:
            self.env.close()
