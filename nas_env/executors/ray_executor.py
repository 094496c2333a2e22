"""Evaluate children on a Ray cluster (or Ray on this machine): ``pip install -e '.[ray]'``.

Each worker is a Ray actor holding the evaluator, which is put in Ray's object
store *once* and handed to every actor (datasets are not re-sent per task).
Children are dispatched with ``actor.evaluate.remote`` and collected with
``ray.wait``; an actor that dies is replaced and its child retried up to
``max_retries`` times; a child that exceeds ``timeout`` has its actor killed and
is recorded as ``"timeout"``. Actors are spread over the cluster's nodes (``SPREAD``);
a replacement is placed on a live node, and each child's metrics name the Ray node
that trained it (``metrics["node_id"]``).

Ray on this machine (no ``address``): the executor starts it without the dashboard and without
forwarding Ray's own logs to the search's output, and watches it: if its raylet dies mid-run
(killed, out of memory) the search stops with one line (:class:`~nas_env.executors.base.ExecutorError`:
rerun the same command to continue) and the actors are ended; if the search itself is killed,
:func:`~nas_env.executors.lifeline.reap_descendants_on_exit` ends Ray's agents and actors.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

from nas_env.evaluators.base import Evaluator, failure_metrics
from nas_env.executors.base import Executor, ExecutorError, Request, safe_evaluate
from nas_env.executors.lifeline import reap_descendants_on_exit
from nas_env.executors.threads import limit_worker_threads

__all__ = ["RayExecutor", "check_ray_address"]

#: seconds between two checks that a local Ray cluster's raylet still runs
CHECK_SECONDS = 1.0


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ImportError("RayExecutor needs Ray: pip install ray (or, in the nas-env checkout, "
                          "pip install -e '.[ray]')") from exc
    return ray


def check_ray_address(address: str, timeout: float = 5.0) -> None:
    """Fail fast (``ConnectionError`` naming the address) if ``host:port`` does not answer."""
    if address in ("auto", "local"):
        return
    parsed = urlparse(address if "://" in address else f"ray://{address}")
    host, port = parsed.hostname, parsed.port
    if not host or not port:
        raise ValueError(f"Ray address {address!r} is not 'host:port', 'ray://host:port', 'auto' or 'local'")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise ConnectionError(f"cannot reach the Ray cluster at {address!r} within {timeout} s: {exc}") from exc


class _EvalActor:
    def __init__(self, evaluator: Evaluator, num_threads: int | None):
        if num_threads is not None:
            limit_worker_threads(num_threads)  # an actor that only reads tables imports no torch
        self.evaluator = evaluator

    def evaluate(self, request: Request) -> dict[str, Any]:
        import ray

        metrics = safe_evaluate(self.evaluator, request)
        metrics["node_id"] = ray.get_runtime_context().get_node_id()  # which cluster node trained the child
        return metrics

    def pid(self) -> int:
        import os

        return os.getpid()


class RayExecutor(Executor):
    """Ray actors as workers.

    Args:
        evaluator: put in the object store once.
        address: ``None`` starts (or joins) Ray on this machine; ``"host:port"`` or
            ``"ray://host:port"`` joins a cluster (checked first, fails fast).
        num_workers: number of actors (default: the cluster's CPUs / ``num_cpus``).
        num_cpus: CPUs reserved per child (``torch.set_num_threads`` in the actor too).
        num_gpus: GPUs reserved per child (e.g. 1, or 0.25 to share a GPU).
        timeout: wall-clock seconds per child; the actor is killed past it.
        max_retries: restarts of a child whose actor died.
        init_kwargs: extra ``ray.init`` arguments (e.g. ``num_cpus=2`` for a local test cluster).
    """

    def __init__(
        self,
        evaluator: Evaluator,
        address: str | None = None,
        num_workers: int | None = None,
        num_cpus: float = 1,
        num_gpus: float = 0,
        timeout: float | None = None,
        max_retries: int = 2,
        init_kwargs: dict[str, Any] | None = None,
    ):
        ray = _import_ray()
        if hasattr(type(evaluator), "data"):
            evaluator.data  # noqa: B018  materialise a lazily loaded dataset so it is shipped once, below
        if address is not None:
            check_ray_address(address)
        self._raylet: Any = None  # the local raylet's process, when this executor started Ray here
        if not ray.is_initialized():
            local = address is None
            ray.init(address=address, ignore_reinit_error=True, logging_level="ERROR", include_dashboard=False,
                     **({"log_to_driver": False} if local else {}), **(init_kwargs or {}))
            if local:
                reap_descendants_on_exit()  # a SIGKILLed search leaves no Ray process behind
                self._raylet = _local_raylet(ray)
                _quiet_raylet_death(ray)  # reported in one line by _check_raylet
        self._ray = ray
        self.evaluator = evaluator
        self.num_cpus, self.num_gpus = num_cpus, num_gpus
        self.timeout = timeout
        self.max_retries = int(max_retries)
        total = ray.cluster_resources().get("CPU", 1)
        self.num_workers = int(num_workers or max(1, total // max(num_cpus, 1e-9)))
        self._evaluator_ref = ray.put(evaluator)
        self._actor_cls = ray.remote(_EvalActor)
        self._actors: list[Any] = [self._new_actor() for _ in range(self.num_workers)]
        self._pids = dict(zip(self._actors, ray.get([a.pid.remote() for a in self._actors])))  # every actor is up
        self.restarts = 0

    def _new_actor(self) -> Any:
        threads = max(1, int(self.num_cpus)) if self.num_cpus >= 1 else 1
        # SPREAD: the actors go to different nodes of a cluster, so one lost node takes few children with it
        return self._actor_cls.options(num_cpus=self.num_cpus, num_gpus=self.num_gpus,
                                       scheduling_strategy="SPREAD").remote(self._evaluator_ref, threads)

    @property
    def max_concurrency(self) -> int:
        return self.num_workers

    def actor_pids(self) -> list[int]:
        return self._ray.get([a.pid.remote() for a in self._actors])

    def run(self, requests: Sequence[Request]) -> Iterator[tuple[int, dict[str, Any]]]:
        ray = self._ray
        pending = deque((i, r, 0) for i, r in enumerate(requests))
        idle = deque(self._actors)
        inflight: dict[Any, tuple[Any, int, Request, int, float]] = {}  # ref -> (actor, index, request, tries, t0)
        errors: dict[int, list[str]] = {}
        while pending or inflight:
            while idle and pending:
                actor = idle.popleft()
                i, req, tries = pending.popleft()
                ref = actor.evaluate.remote(req)
                inflight[ref] = (actor, i, req, tries + 1, time.monotonic())
            wait_for = None if self._raylet is None else CHECK_SECONDS
            if self.timeout is not None:
                oldest = min(t0 for *_, t0 in inflight.values())
                wait_for = min(wait_for or float("inf"), max(0.0, oldest + self.timeout - time.monotonic()))
            done, _ = ray.wait(list(inflight), num_returns=1, timeout=wait_for)
            self._check_raylet()
            for ref in done:
                actor, i, req, tries, _ = inflight.pop(ref)
                try:
                    metrics = ray.get(ref)
                except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as exc:
                    errors.setdefault(i, []).append(f"Ray actor died: {type(exc).__name__}")
                    idle.append(self._swap(actor))
                    if tries <= self.max_retries:
                        pending.appendleft((i, req, tries))
                    else:
                        yield i, failure_metrics("failed", "; ".join(errors[i]) + f"; gave up after {tries} attempts",
                                                 attempts=tries, transient=True)  # the machine's fault
                    continue
                metrics.setdefault("attempts", tries)
                idle.append(actor)
                yield i, metrics
            if self.timeout is not None:
                now = time.monotonic()
                for ref, (actor, i, _req, tries, t0) in list(inflight.items()):
                    if now - t0 >= self.timeout:
                        del inflight[ref]
                        idle.append(self._swap(actor))
                        yield i, failure_metrics(
                            "timeout", f"child exceeded the executor's timeout of {self.timeout} s and was killed",
                            cost_seconds=float(self.timeout), attempts=tries, transient=True,
                        )

    def _swap(self, actor: Any) -> Any:
        try:
            self._ray.kill(actor)
        except Exception:
            pass
        for attempt in range(self.max_retries + 1):
            new = self._new_actor()
            try:
                # started: its start-up does not count against a child's timeout
                self._pids[new] = self._get_checked(new.pid.remote())
                break
            except self._ray.exceptions.RayActorError:
                # placed on a node that had just died before the cluster noticed: place it again
                if attempt == self.max_retries:
                    raise
                time.sleep(1.0)
        self._actors[self._actors.index(actor)] = new
        self._pids.pop(actor, None)
        self.restarts += 1
        return new

    # --------------------------------------------------------- local Ray
    def _check_raylet(self) -> None:
        """``ExecutorError`` (one line) if the raylet of the Ray this executor started here has died."""
        if self._raylet is None or self._raylet.poll() is None:
            return
        code = self._raylet.returncode
        self.close()
        raise ExecutorError(f"Ray's raylet on this machine (pid {self._raylet.pid}) died (exit code {code}; "
                            "killed, or out of memory?); the search stopped: rerun the same command to continue")

    def _get_checked(self, ref: Any) -> Any:
        """``ray.get(ref)``, checking the local raylet every second meanwhile (a dead one never answers)."""
        while True:
            done, _ = self._ray.wait([ref], timeout=None if self._raylet is None else CHECK_SECONDS)
            self._check_raylet()
            if done:
                return self._ray.get(ref)

    def close(self) -> None:
        """End the actors (by pid when the local raylet is gone: Ray cannot reach them then)."""
        dead = self._raylet is not None and self._raylet.poll() is not None
        for a in self._actors:
            try:
                if dead:
                    os.kill(self._pids[a], signal.SIGKILL)
                else:
                    self._ray.kill(a)
            except Exception:
                pass
        self._actors, self._pids = [], {}


def _quiet_raylet_death(ray: Any) -> None:
    """Drop the driver's print of Ray's "Raylet is terminated ... Last 20 lines of the Raylet logs" (its agents
    publish it when the raylet dies): the executor says it in one line. Every other message is printed as before."""
    worker = getattr(getattr(ray, "_private", None), "worker", None)
    show = getattr(worker, "print_to_stdstream", None)
    if show is None or getattr(show, "nas_env_quiet", False):
        return

    def print_to_stdstream(data: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and data.get("pid") == "raylet" and \
                any(str(line).startswith("Raylet is terminated") for line in data.get("lines") or []):
            return None
        return show(data, *args, **kwargs)

    print_to_stdstream.nas_env_quiet = True  # type: ignore[attr-defined]
    worker.print_to_stdstream = print_to_stdstream


def _local_raylet(ray: Any) -> Any:
    """The raylet process (a ``subprocess.Popen``) of the Ray that ``ray.init()`` started here, or ``None``."""
    try:
        node = ray._private.worker._global_node
        return node.all_processes[ray._private.ray_constants.PROCESS_TYPE_RAYLET][0].process
    except (AttributeError, KeyError, IndexError, TypeError):  # another Ray version: not watched
        return None
