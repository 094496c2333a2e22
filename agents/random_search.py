"""Random search: every token uniform over the valid choices of its decision."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from nas_env.agents.base import Agent
from nas_env.agents.registry import register_agent
from nas_env.agents.tracker import SearchTracker


@dataclass
class RandomSearchConfig:
    """Random search has no hyperparameters."""


@register_agent("random")
class RandomSearch(Agent):
    """Sample architectures uniformly token by token (the baseline every NAS paper needs)."""

    Config = RandomSearchConfig

    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        while not tracker.exhausted:
            tracker.checkpoint()  # all state is the rng, consistent between episodes
            env.reset()
            tracker.start_episode()
            terminated = False
            while not terminated:
                mask = env.unwrapped.action_masks()  # type: ignore[attr-defined]
                action = int(rng.choice(np.flatnonzero(mask)))
                _, reward, terminated, _, info = env.step(action)
            tracker.record(float(reward), info)
