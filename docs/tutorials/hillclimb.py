"""A hill-climber: your own agent, by name, from the command line (docs/02_your_own_agent.md).

    cd docs/tutorials
    PYTHONPATH=. nas-env search --env nas_env/NB201-v0 --agent hillclimb:hill-climb --budget 100 --out hc
    PYTHONPATH=. nas-env benchmark --protocol nb201-cifar10 --agents random,hillclimb:hill-climb --seeds 20 --out b
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from nas_env.agents import Agent, SearchTracker, play_tokens, register_agent
from nas_env.agents.evolution import mutate


@dataclass
class HillClimbConfig:
    patience: int = 20  # mutations without improvement before restarting from a random architecture


@register_agent("hill-climb")
class HillClimb(Agent):
    """Mutate the current architecture one token at a time; move to a child at least as good."""

    Config = HillClimbConfig

    def __init__(self, config: Any = None, **overrides: Any):
        super().__init__(config, **overrides)
        self.current: list[int] | None = None  # the search state: None until the first architecture
        self.current_reward = 0.0
        self.stale = 0  # mutations since the last move

    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        space = env.unwrapped.space
        while not tracker.exhausted:
            tracker.checkpoint()  # the state and the rng are consistent between evaluations: resumable here
            restart = self.current is None or self.stale >= self.config.patience
            tokens = space.sample(rng) if restart else mutate(space, tuple(self.current), rng)
            tracker.start_episode()
            reward, info = play_tokens(env, tokens)
            if tracker.record(reward, info) is None:
                return  # did not fit the budget
            if restart or reward >= self.current_reward:
                self.current, self.current_reward, self.stale = list(tokens), reward, 0
            else:
                self.stale += 1

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "current": self.current, "current_reward": self.current_reward,
                "stale": self.stale}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.current, self.current_reward, self.stale = state["current"], state["current_reward"], state["stale"]
