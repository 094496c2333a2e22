"""Serve repeated evaluations from an :class:`~nas_env.store.EvaluationStore` instead of retraining.

Controllers sample the same architecture many times. :class:`CachedEvaluator`
wraps any evaluator: a request is keyed by (canonical architecture, fidelity,
training seed); a stored result is returned at once, a new one is evaluated and
written to the store before it is returned.

Training seed policy: the env hands the evaluator its RNG; the cache turns it
into an integer seed in ``range(num_seeds)`` (default 1: every repeat of an
architecture is the same training run and hits the store; 3 mimics
NAS-Bench-201's three seeds per cell).
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from typing import Any

import gymnasium as gym
import numpy as np

from nas_env.evaluators.base import Evaluator
from nas_env.store import EvaluationStore

__all__ = ["CachedEvaluator", "attach_store", "draw_seed"]


def draw_seed(seed: int | np.random.Generator | None, num_seeds: int) -> int:
    """An integer training seed in ``range(num_seeds)`` from an int or the env's Generator."""
    if num_seeds == 1:
        return 0
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(num_seeds))
    return int(seed or 0) % num_seeds


class CachedEvaluator(Evaluator):
    """``inner`` behind a persistent store (see the module docstring)."""

    def __init__(self, inner: Evaluator, store: EvaluationStore, num_seeds: int = 1):
        if num_seeds < 1:
            raise ValueError(f"num_seeds must be >= 1, got {num_seeds!r}")
        self.inner = inner
        self.store = store
        self.num_seeds = int(num_seeds)
        self.fidelities = inner.fidelities
        self.default_fidelity = inner.default_fidelity
        self.expensive = inner.expensive

    def lookup(self, arch: Hashable, fidelity: Any, seed: int) -> dict[str, Any] | None:
        found = self.store.get(str(arch), fidelity, seed)
        if found is not None:
            found["cached"] = True
        return found

    def save(self, arch: Hashable, fidelity: Any, seed: int, metrics: dict[str, Any]) -> None:
        self.store.put(str(arch), fidelity, seed, metrics, attempts=int(metrics.get("attempts", 1)))

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        fidelity = self.check_fidelity(fidelity)
        k = draw_seed(seed, self.num_seeds)
        found = self.lookup(arch, fidelity, k)
        if found is not None:
            return found
        metrics = self.inner.evaluate(arch, fidelity=fidelity, seed=k)
        self.save(arch, fidelity, k, metrics)
        metrics["cached"] = False
        return metrics

    def config(self) -> dict[str, Any]:
        return self.inner.config()


def attach_store(env: gym.Env, path: str | os.PathLike, num_seeds: int = 1) -> EvaluationStore:
    """Put ``env``'s evaluator behind a store at ``path`` (created or reopened); returns the store.

    Reopening a store made for another space or evaluator configuration raises
    :class:`nas_env.store.StoreError`.
    """
    base = env.unwrapped
    inner = base.evaluator.inner if isinstance(base.evaluator, CachedEvaluator) else base.evaluator
    store = EvaluationStore(path, base.space.config(), inner.config())
    base.evaluator = CachedEvaluator(inner, store, num_seeds)
    return store
