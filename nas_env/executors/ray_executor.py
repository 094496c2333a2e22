"""Evaluate children on a Ray cluster (or Ray on this machine): ``pip install -e '.[ray]'``.

Each worker is a Ray actor holding the evaluator, which is put in Ray's object
store *once* and handed to every actor (datasets are not re-sent per task).
Children are dispatched with ``actor.evaluate.remote`` and collected with
``ray.wait``; an actor that dies is replaced and its child retried up to
``max_retries`` times; a child that exceeds ``timeout`` has its actor killed and
is recorded as ``"timeout"``. Actors are spread over the cluster's nodes (``SPREAD``);
a replacement is placed on a live node, and each child's metrics name the Ray node
that trained it (``metrics["node_id"]``).
"""

from __future__ import annotations

import socket
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

from nas_env.evaluators.base import Evaluator, failure_metrics
from nas_env.executors.base import Executor, Request, safe_evaluate

__all__ = ["RayExecutor", "check_ray_address"]


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
            try:
                import torch

                torch.set_num_threads(num_threads)
            except ImportError:
                pass
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
        if not ray.is_initialized():
            ray.init(address=address, ignore_reinit_error=True, logging_level="ERROR",
                     include_dashboard=False, **(init_kwargs or {}))
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
        ray.get([a.pid.remote() for a in self._actors])  # wait until every actor is up
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
            wait_for = None
            if self.timeout is not None:
                oldest = min(t0 for *_, t0 in inflight.values())
                wait_for = max(0.0, oldest + self.timeout - time.monotonic())
            done, _ = ray.wait(list(inflight), num_returns=1, timeout=wait_for)
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
                self._ray.get(new.pid.remote())  # started: its start-up does not count against a child's timeout
                break
            except self._ray.exceptions.RayActorError:
                # placed on a node that had just died before the cluster noticed: place it again
                if attempt == self.max_retries:
                    raise
                time.sleep(1.0)
        self._actors[self._actors.index(actor)] = new
        self.restarts += 1
        return new

    def close(self) -> None:
        for a in self._actors:
            try:
                self._ray.kill(a)
            except Exception:
                pass
        self._actors = []
