"""Playing whole architectures through an env: one (:func:`play_tokens`) or a batch (:func:`play_batch`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["play_batch", "play_tokens"]


def play_tokens(env: gym.Env, tokens: Sequence[int]) -> tuple[float, dict[str, Any]]:
    """Reset ``env`` and play a whole architecture; returns the terminal reward and info."""
    env.reset()
    reward, info, terminated = 0.0, {}, False
    for tok in tokens:
        _, reward, terminated, truncated, info = env.step(int(tok))
        if terminated or truncated:
            break
    if not terminated:
        raise ValueError(f"tokens {tuple(tokens)} did not complete an architecture")
    return float(reward), info


def play_batch(
    env: gym.Env, token_lists: Sequence[Sequence[int]], executor: Any = None
) -> tuple[list[tuple[float, dict[str, Any]]], float]:
    """Play several architectures; returns ``[(reward, info), ...]`` in order and the wall seconds.

    Without an executor they are played one after the other through ``env``
    (:func:`play_tokens`). With one (a :class:`nas_env.executors.Executor`), they
    are played through a :class:`nas_env.vector.NASVectorEnv` of ``len(token_lists)``
    copies of ``env`` whose children are evaluated *concurrently* by the executor
    (and served from the env's store, if one is attached). The copies are seeded
    from ``env``'s RNG (itself seeded by :meth:`agents.Agent.run`), so the run stays
    deterministic and resumable.
    """
    t0 = time.perf_counter()
    if executor is None or len(token_lists) == 0:
        return [play_tokens(env, tokens) for tokens in token_lists], time.perf_counter() - t0
    from nas_env.vector import NASVectorEnv

    base = env.unwrapped
    m = len(token_lists)
    vec = NASVectorEnv.from_env(env, m, executor)
    seeds = [int(s) for s in base.np_random.integers(2**31 - 1, size=m)]  # type: ignore[attr-defined]
    vec.reset(seed=seeds)
    out: list[tuple[float, dict[str, Any]] | None] = [None] * m
    longest = max(len(t) for t in token_lists)
    for pos in range(longest):
        actions = np.array([t[pos] if pos < len(t) else 0 for t in token_lists], dtype=np.int64)
        active = [out[i] is None and pos < len(t) for i, t in enumerate(token_lists)]
        # sub-episodes that already finished are parked on their autoreset step; never re-finish them
        _, rewards, terminated, _, _ = vec.step(actions)
        for i in np.flatnonzero(terminated):
            if active[i]:
                out[i] = (float(rewards[i]), vec.subs[i].last_info)
    missing = [i for i, o in enumerate(out) if o is None]
    if missing:
        raise ValueError(f"tokens {[tuple(token_lists[i]) for i in missing]} did not complete an architecture")
    return out, time.perf_counter() - t0  # type: ignore[return-value]
