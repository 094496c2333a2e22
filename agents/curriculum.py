"""The layer curriculum of Zoph & Le (start shallow, +2 layers every 1,600 samples): shallower copies of a space."""

from __future__ import annotations

import gymnasium as gym

from nas_env.env import NASEnv
from nas_env.spaces.base import SearchSpace

__all__ = ["default_env_factory", "phase_space", "with_layers"]


def with_layers(space: SearchSpace, num_layers: int) -> SearchSpace:
    """A copy of a layered space (``ZophLeCNNSpace``) with ``num_layers`` layers."""
    kwargs = {k: v for k, v in space.config().items() if k != "name"}
    kwargs["num_layers"] = num_layers
    return type(space)(**kwargs)


def phase_space(space: SearchSpace, tokens: tuple[int, ...], curriculum: bool) -> SearchSpace:
    """The grammar ``tokens`` belong to: ``space``, or with a ``curriculum`` the first shallower copy
    (:func:`with_layers`) that takes them; ``ValueError`` if none does."""
    try:
        space.validate(tokens)
        return space
    except ValueError:
        if not curriculum:
            raise
    for n in range(1, space.config()["num_layers"]):
        shallower = with_layers(space, n)
        try:
            shallower.validate(tokens)
            return shallower
        except ValueError:
            continue
    raise ValueError(f"tokens {tokens} fit no curriculum phase")


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
