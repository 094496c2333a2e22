"""The layer curriculum of Zoph & Le (start shallow, +2 layers every 1,600 samples): shallower copies of a space."""

from __future__ import annotations

import gymnasium as gym

from nas_env.env import NASEnv
from nas_env.spaces.base import SearchSpace

__all__ = ["default_env_factory", "with_layers"]


def with_layers(space: SearchSpace, num_layers: int) -> SearchSpace:
    """A copy of a layered space (``ZophLeCNNSpace``) with ``num_layers`` layers."""
    kwargs = {k: v for k, v in space.config().items() if k != "name"}
    kwargs["num_layers"] = num_layers
    return type(space)(**kwargs)


def default_env_factory(base_env: gym.Env, num_layers: int) -> gym.Env:
    """A ``NASEnv`` over a ``num_layers`` copy of the base env's space, sharing its evaluator and RNG."""
    base = base_env.unwrapped
    env = NASEnv(
        with_layers(base.space, num_layers),  # type: ignore[attr-defined]
        base.evaluator,  # type: ignore[attr-defined]
        fidelity=base.fidelity,  # type: ignore[attr-defined]
        reward=base.reward_fn,  # type: ignore[attr-defined]
        failure_reward=base.failure_reward,  # type: ignore[attr-defined]
        invalid_action=base.invalid_action,  # type: ignore[attr-defined]
    )
    env.np_random = base.np_random  # one RNG stream for the whole search (saved on checkpoints)
    return env
