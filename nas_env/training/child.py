"""What every real-training evaluator shares: argument checks, the child's seed, deterministic torch."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from nas_env.evaluators.base import as_generator

__all__ = ["child_seed", "deterministic", "non_negative_float", "positive_int"]


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int > 0, or ``ValueError`` naming ``name`` and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def non_negative_float(name: str, value: Any) -> float:
    """``value`` as a float >= 0, or ``ValueError`` naming ``name`` and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def child_seed(seed: int | np.random.Generator | None, default: int) -> int:
    """The integer training seed of one child: ``default`` for ``None``, drawn from a Generator (the env's)."""
    if seed is None:
        return default
    if isinstance(seed, np.random.Generator):
        return int(as_generator(seed).integers(2**31 - 1))
    return int(seed)


@contextlib.contextmanager
def deterministic(device: torch.device, seed: int) -> Iterator[None]:
    """Seed torch for one child without leaking RNG or determinism settings to the caller."""
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
