"""The executor interface: evaluate many children concurrently, yielding each result as it finishes.

==========================  ===============================================================
executor                    use
==========================  ===============================================================
:class:`InProcessExecutor`  the default for table envs: one at a time, no overhead
:class:`ProcessExecutor`    the default for training envs: one worker process per core,
                            killable (timeouts, dead workers are retried)
:class:`RayExecutor`        a Ray cluster (``pip install -e '.[ray]'``), or Ray on this machine
==========================  ===============================================================

Each executor receives the evaluator *once* (shipped to each worker when it
starts), then :class:`Request` objects. :meth:`Executor.run` yields
``(position, metrics)`` in completion order, so callers can persist every
result the moment it exists. A child that times out, crashes its worker or
raises is a *result* with a failure status; the executor itself only raises for
misuse. Failures the *machine* caused (a worker killed, e.g. by the OOM killer, a
timeout under load, memory refused: :func:`~nas_env.failures.machine_failure`) carry
``transient=True``: the run's history keeps them, and an evaluation store records them as
``retry`` so that later runs train the child again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nas_env.evaluators.base import Evaluator, failure_metrics
from nas_env.failures import machine_failure

__all__ = ["Executor", "ExecutorError", "InProcessExecutor", "Request", "safe_evaluate"]


class ExecutorError(RuntimeError):
    """The executor itself cannot go on (e.g. no worker process starts): the search stops with one line, and
    rerunning the same command continues it."""


@dataclass(frozen=True)
class Request:
    """One evaluation to run: a decoded architecture, its fidelity and its training seed."""

    arch: Hashable
    fidelity: Any = None
    seed: int = 0


def safe_evaluate(evaluator: Evaluator, request: Request) -> dict[str, Any]:
    """``evaluator.evaluate`` that turns any exception into a ``"failed"`` result."""
    try:
        return evaluator.evaluate(request.arch, fidelity=request.fidelity, seed=request.seed)
    except Exception as exc:  # an evaluator bug must not end the search
        return failure_metrics("failed", f"{type(exc).__name__}: {exc}",
                               **({"transient": True} if machine_failure(exc) else {}))


class Executor(ABC):
    """Runs requests against one evaluator, concurrently where it can."""

    evaluator: Evaluator

    @property
    @abstractmethod
    def max_concurrency(self) -> int:
        """How many children can run at once."""

    @abstractmethod
    def run(self, requests: Sequence[Request]) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(index into requests, metrics)`` for every request, in completion order."""

    def evaluate(self, requests: Sequence[Request]) -> list[dict[str, Any]]:
        """All results, in request order."""
        out: list[dict[str, Any] | None] = [None] * len(requests)
        for i, metrics in self.run(requests):
            out[i] = metrics
        return out  # type: ignore[return-value]

    def close(self) -> None:  # noqa: B027  (most executors hold nothing to release)
        """Release workers (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessExecutor(Executor):
    """Evaluates in the calling process, one request after the other."""

    def __init__(self, evaluator: Evaluator):
        self.evaluator = evaluator

    @property
    def max_concurrency(self) -> int:
        return 1

    def run(self, requests: Sequence[Request]) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, req in enumerate(requests):
            yield i, safe_evaluate(self.evaluator, req)
