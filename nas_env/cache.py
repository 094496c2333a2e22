"""Serve repeated evaluations from an :class:`~nas_env.store.EvaluationStore` instead of retraining.

Controllers sample the same architecture many times. :class:`CachedEvaluator`
wraps any evaluator: a request is keyed by (canonical architecture, fidelity,
training seed); a stored result is returned at once, a new one is evaluated and
written to the store before it is returned. A child that another process sharing the store is
training (it holds a claim, :mod:`nas_env.claims`) is waited for, not trained again.

Training seed policy: the env hands the evaluator its RNG; the cache turns it
into an integer seed in ``range(num_seeds)`` (default 1: every repeat of an
architecture is the same training run and hits the store; 3 mimics
NAS-Bench-201's three seeds per cell).
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Hashable
from typing import Any

import gymnasium as gym
import numpy as np

from nas_env.claims import DEFAULT_TTL
from nas_env.evaluators.base import Evaluator
from nas_env.store import EvaluationStore
from nas_env.validation import check_int

__all__ = ["POLL_SECONDS", "CachedEvaluator", "attach_store", "draw_seed"]

#: how often a process waiting for a child that another process is training looks for its result
POLL_SECONDS = 0.2


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
        check_int("num_seeds", num_seeds)
        self.inner = inner
        self.store = store
        self.num_seeds = int(num_seeds)
        self.fidelities = inner.fidelities
        self.default_fidelity = inner.default_fidelity
        self.expensive = inner.expensive
        self.stateful = inner.stateful
        #: the env that attached this store (:func:`attach_store`); its ``close()`` closes the store
        self.owner: weakref.ref[Any] | None = None

    def lookup(self, arch: Hashable, fidelity: Any, seed: int) -> dict[str, Any] | None:
        found = self.store.get(str(arch), fidelity, seed)
        if found is not None:
            found["cached"] = True
        return found

    def save(self, arch: Hashable, fidelity: Any, seed: int, metrics: dict[str, Any]) -> None:
        self.store.put(str(arch), fidelity, seed, metrics, attempts=int(metrics.get("attempts", 1)))

    def claim(self, arch: Hashable, fidelity: Any, seed: int) -> bool:
        """Claim a missing child for training; false while another process trains it (:mod:`nas_env.claims`)."""
        return self.store.claims.claim(str(arch), fidelity, seed)

    def served_after_wait(self, arch: Hashable, fidelity: Any, seed: int) -> dict[str, Any] | None:
        """The result another process has written since a missed lookup (then counted as a hit, not a miss)."""
        found = self.store.get(str(arch), fidelity, seed, count=False)
        if found is not None:
            self.store.hits, self.store.misses = self.store.hits + 1, self.store.misses - 1
            found["cached"] = True
        return found

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        fidelity = self.check_fidelity(fidelity)
        k = draw_seed(seed, self.num_seeds)
        found = self.lookup(arch, fidelity, k)
        while found is None and not self.claim(arch, fidelity, k):  # another process is training it
            found = self.served_after_wait(arch, fidelity, k)
            if found is None:
                time.sleep(POLL_SECONDS)
        if found is not None:
            return found
        try:
            metrics = self.inner.evaluate(arch, fidelity=fidelity, seed=k)
        except BaseException:
            self.store.claims.release(str(arch), fidelity, k)
            raise
        self.save(arch, fidelity, k, metrics)
        metrics["cached"] = False
        return metrics

    def config(self) -> dict[str, Any]:
        return self.inner.config()


def attach_store(env: gym.Env, path: str | os.PathLike, num_seeds: int = 1, claimant: str | None = None,
                 claim_ttl: float = DEFAULT_TTL, timeout: float = 30.0) -> EvaluationStore:
    """Put ``env``'s evaluator behind a store at ``path`` (created or reopened); returns the store.

    ``claimant`` and ``claim_ttl`` are the store's claims of children in training (:mod:`nas_env.claims`):
    pass a stable ``claimant`` (a run directory) so that a resumed run takes its own claims over at once.
    ``timeout``: seconds to wait for the store while another process holds it locked (the store's wait).

    Reopening a store made for another space or evaluator configuration raises
    :class:`nas_env.store.StoreError`.
    """
    base = env.unwrapped
    inner = base.evaluator.inner if isinstance(base.evaluator, CachedEvaluator) else base.evaluator
    store = EvaluationStore(path, base.space.config(), inner.config(), timeout=timeout, claim_ttl=claim_ttl,
                            owner=claimant)
    base.evaluator = CachedEvaluator(inner, store, num_seeds)
    base.evaluator.owner = weakref.ref(base)  # env.close() closes the store (copies that share it do not)
    return store
