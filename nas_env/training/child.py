"""What every real-training evaluator shares: its machine arguments, the child's seed, and running one child.

:func:`run_child` is the one place a child trains: with its own intra-op thread count
(:func:`torch_threads`), seeded deterministic torch (:func:`deterministic`), and any
exception turned into error text (:class:`ChildRun`), so a bad child is a result, never a
crash of the search. Every global torch setting it touches is restored, also on error.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import torch

from nas_env.failures import machine_failure
from nas_env.validation import check_int

__all__ = [
    "ChildRun",
    "child_seed",
    "deterministic",
    "error_text",
    "run_child",
    "torch_threads",
]

R = TypeVar("R")


def machine_args(device: Any, seed: Any, num_threads: Any, eval_batch_size: Any
                 ) -> tuple[Any, torch.device, int, int | None, int]:
    """The arguments every real-training evaluator takes about the machine, checked (a clear ``ValueError``):
    ``(device as given, the resolved torch.device, seed, num_threads or None, eval_batch_size)``."""
    from nas_env.training.trainer import resolve_device

    threads = check_int("num_threads", num_threads, optional=True)
    return device, resolve_device(device), int(seed), threads, check_int("eval_batch_size", eval_batch_size)


def child_seed(seed: int | np.random.Generator | None, default: int) -> int:
    """The integer training seed of one child: ``default`` for ``None``, drawn from a Generator (the env's)."""
    if seed is None:
        return default
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31 - 1))
    return int(seed)


@contextlib.contextmanager
def deterministic(device: torch.device, seed: int) -> Iterator[None]:
    """Seed torch for one child without leaking RNG or determinism settings to the caller.

    On CUDA it also asks for deterministic algorithms (and no cuDNN autotuning). On the CPU the ops
    a child uses are deterministic already, and the switch is left alone: the first
    ``torch.use_deterministic_algorithms`` call of a process imports ``torch._inductor`` (1.6 s here,
    paid by every worker process), and it changes no CPU result (``tests/nas_env/training/test_child_isolation.py``).
    """
    if device.type == "cpu":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
        return
    devices = [device.index or 0] if device.type == "cuda" else []
    previous = torch.are_deterministic_algorithms_enabled()
    previous_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    previous_bench = torch.backends.cudnn.benchmark
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(previous, warn_only=previous_warn)
            torch.backends.cudnn.benchmark = previous_bench


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Use ``n`` intra-op threads inside the block, then restore the caller's count (also on error).

    ``None`` leaves torch's setting alone.
    """
    if n is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def error_text(exc: BaseException) -> str:
    """``"Type: message (at file.py:line)"``, the line being where ``exc`` was raised."""
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


@dataclass(frozen=True)
class ChildRun(Generic[R]):
    """The outcome of :func:`run_child`.

    Attributes:
        result: what ``train`` returned; ``None`` when it raised.
        error: :func:`error_text` of the exception ``train`` raised; ``None`` when it returned.
        seconds: wall seconds from the start of ``train`` to its return or exception.
        machine: the exception was the machine's failure, not the child's (memory refused:
            :func:`~nas_env.failures.machine_failure`).
    """

    result: R | None
    error: str | None
    seconds: float
    machine: bool = False


def run_child(
    train: Callable[[], R], *, device: torch.device, seed: int, num_threads: int | None
) -> ChildRun[R]:
    """Build and train one child by calling ``train()``, isolated from the caller's torch state.

    ``train`` runs with ``num_threads`` intra-op threads (``None``: unchanged) under
    :func:`deterministic` with ``seed``. An ``Exception`` it raises (a bad child: too-small
    feature maps; or the machine's failure: out of memory, ``ChildRun.machine``) becomes
    ``ChildRun.error`` after freeing the CUDA cache;
    anything else (``KeyboardInterrupt``) propagates. The thread count, RNG and determinism
    settings are restored either way.
    """
    with torch_threads(num_threads):
        start = time.perf_counter()
        try:
            with deterministic(device, seed):
                result = train()
        except Exception as e:  # a bad child is a result, never a crash of the search
            if device.type == "cuda":
                torch.cuda.empty_cache()
            return ChildRun(None, error_text(e), time.perf_counter() - start, machine_failure(e))
        return ChildRun(result, None, time.perf_counter() - start)
