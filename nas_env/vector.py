"""A vector env whose sub-episodes step tokens in one process and whose children train concurrently.

``NASVectorEnv(env_fn, num_envs, executor=...)`` holds ``num_envs`` copies of a
nas_env env. Token steps are instant and happen here; when several
sub-episodes finish on the same step, their architectures go to the executor
*together* (local processes, Ray), and the results are written to the store
(if one is attached with :func:`nas_env.cache.attach_store` on the first
sub-env's evaluator, it is shared) the moment each finishes. Repeated
architectures are served from the store, and duplicates within one step are
evaluated once.

Follows :class:`gymnasium.vector.VectorEnv` with the ``NEXT_STEP`` autoreset
mode (declared in ``metadata["autoreset_mode"]``): the step after a sub-episode
terminates resets it (reward 0, not terminated) regardless of its action.

Seeds: each sub-env draws an integer training seed for its child from its own
``np_random``, so a vector env is deterministic for a seed whatever executor
evaluates the children (results differ from the single env, which hands the
evaluator its Generator).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector.utils import batch_space

from nas_env.cache import POLL_SECONDS, CachedEvaluator, draw_seed
from nas_env.env import NASEnv
from nas_env.executors.base import Executor, InProcessExecutor, Request
from nas_env.validation import check_int

try:  # gymnasium >= 1.1
    from gymnasium.vector import AutoresetMode

    _NEXT_STEP: Any = AutoresetMode.NEXT_STEP
except ImportError:  # gymnasium 1.0
    _NEXT_STEP = "next_step"

__all__ = ["NASVectorEnv"]


class NASVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` NAS episodes in lock-step; terminal evaluations run concurrently on ``executor``.

    Args:
        env_fn: makes one env (e.g. ``lambda: gym.make("nas_env/NB201-v0")``); called ``num_envs`` times.
        num_envs: number of sub-episodes (the controller's m).
        executor: evaluates children; default :class:`InProcessExecutor` of the first env's evaluator.
            Build it around the *inner* evaluator (not a cache wrapper). An executor passed in stays the
            caller's: :meth:`close` leaves it open (close it yourself, e.g. ``with ProcessExecutor(...)``), so
            short-lived vector envs can share one pool of workers; the default one is closed with the env.
    """

    metadata = {"autoreset_mode": _NEXT_STEP, "render_modes": []}

    def __init__(self, env_fn: Callable[[], gym.Env], num_envs: int, executor: Executor | None = None):
        check_int("num_envs", num_envs)
        self.envs = [env_fn() for _ in range(num_envs)]
        self.subs: list[NASEnv] = [e.unwrapped for e in self.envs]  # type: ignore[misc]
        for e in self.subs:
            if not isinstance(e, NASEnv):
                raise ValueError(f"NASVectorEnv needs nas_env envs, got {type(e).__name__}")
        first = self.subs[0]
        # all sub-envs share the first one's evaluator (and so its store, if any)
        for e in self.subs[1:]:
            e.evaluator = first.evaluator
        self.cache = first.evaluator if isinstance(first.evaluator, CachedEvaluator) else None
        inner = self.cache.inner if self.cache is not None else first.evaluator
        self.executor = executor or InProcessExecutor(inner)
        self._owns_executor = executor is None
        self.num_envs = num_envs
        self.single_action_space = first.action_space
        self.single_observation_space = first.observation_space
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._autoreset = np.zeros(num_envs, dtype=bool)
        self.evaluations = 0
        self.store_hits = 0

    @classmethod
    def from_env(cls, env: gym.Env, num_envs: int, executor: Executor | None = None) -> NASVectorEnv:
        """``num_envs`` copies of a NASEnv that share its space and evaluator (and store)."""
        base = env.unwrapped
        if not isinstance(base, NASEnv):
            raise ValueError(f"NASVectorEnv.from_env needs a nas_env env, got {type(base).__name__}")
        shared = {id(base.space): base.space, id(base.evaluator): base.evaluator}
        return cls(lambda: copy.deepcopy(base, memo=dict(shared)), num_envs, executor)

    def action_masks(self) -> np.ndarray:
        """``(num_envs, max_choices)`` boolean masks (sb3-contrib style)."""
        return np.stack([e.action_masks() for e in self.subs])

    def reset(self, *, seed: int | Sequence[int] | None = None, options: dict[str, Any] | None = None):
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
        obs, infos = [], {}
        for i, (e, s) in enumerate(zip(self.subs, seeds)):
            o, info = e.reset(seed=s, options=options)
            obs.append(o)
            infos = self._add_info(infos, info, i)
        self._autoreset[:] = False
        return np.stack(obs), infos

    def step(self, actions: Any):
        actions = np.asarray(actions)
        n = self.num_envs
        obs: list[Any] = [None] * n
        rewards = np.zeros(n, dtype=np.float64)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        infos: dict[str, Any] = {}
        waiting: list[tuple[int, Any, Request]] = []
        for i, e in enumerate(self.subs):
            if self._autoreset[i]:
                o, info = e.reset()
                obs[i] = o
                infos = self._add_info(infos, info, i)
                continue
            out = e.advance(actions[i])
            if type(out) is tuple:
                obs[i], rewards[i], terminated[i], truncated[i], info = out
                infos = self._add_info(infos, info, i)
            else:
                seed = int(e.np_random.integers(2**31 - 1))
                if self.cache is not None:
                    seed = draw_seed(seed, self.cache.num_seeds)
                waiting.append((i, out, Request(out, e.fidelity, seed)))
        archs = {i: arch for i, arch, _ in waiting}
        for i, metrics in self._evaluate(waiting):
            o, r, term, trunc, info = self.subs[i].finish(metrics, archs[i])
            obs[i], rewards[i], terminated[i], truncated[i] = o, r, term, trunc
            infos = self._add_info(infos, info, i)
        self._autoreset = terminated | truncated
        return np.stack(obs), rewards, terminated, truncated, infos

    def _evaluate(self, waiting: list[tuple[int, Any, Request]]) -> list[tuple[int, dict[str, Any]]]:
        """Store hits first, then one executor batch for the distinct misses (results saved as they finish)."""
        results: list[tuple[int, dict[str, Any]]] = []
        todo: dict[tuple[str, str, int], list[int]] = {}
        requests: list[Request] = []
        for i, arch, req in waiting:
            if self.cache is not None:
                found = self.cache.lookup(arch, req.fidelity, req.seed)
                if found is not None:
                    self.store_hits += 1
                    results.append((i, found))
                    continue
            key = (str(arch), repr(req.fidelity), req.seed)
            if key not in todo:
                todo[key] = []
                requests.append(req)
            todo[key].append(i)
        pending = list(zip(todo, requests))
        while pending:  # children another process has claimed are waited for, never trained twice
            cache = self.cache
            mine = [(key, req) for key, req in pending
                    if cache is None or cache.claim(req.arch, req.fidelity, req.seed)]
            claimed = {key for key, _ in mine}
            theirs = [(key, req) for key, req in pending if key not in claimed]
            for j, metrics in self.executor.run([req for _, req in mine]):
                key, req = mine[j]
                if cache is not None:
                    cache.save(req.arch, req.fidelity, req.seed, metrics)
                self.evaluations += 1
                for k, i in enumerate(todo[key]):
                    results.append((i, metrics if k == 0 else dict(metrics, cached=True)))
            pending = []
            for key, req in theirs:
                for i in todo[key]:
                    found = cache.served_after_wait(req.arch, req.fidelity, req.seed)  # type: ignore[union-attr]
                    if found is None:
                        break
                    self.store_hits += 1
                    results.append((i, found))
                else:
                    continue
                pending.append((key, req))
            if pending and not mine:
                time.sleep(POLL_SECONDS)
        return results

    def close_extras(self, **kwargs: Any) -> None:
        if self._owns_executor:  # (gymnasium 1.0's VectorEnv.__del__ calls close: a given pool must survive it)
            self.executor.close()
        for e in self.envs:
            e.close()
