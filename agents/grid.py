"""Grid search: the space's enumeration order (lexicographic in tokens), until the budget ends."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from nas_env.agents.base import Agent
from nas_env.agents.play import play_tokens
from nas_env.agents.registry import register_agent
from nas_env.agents.tracker import SearchTracker
from nas_env.validation import check_int


@dataclass
class GridSearchConfig:
    """Hyperparameters of grid search."""

    shuffle_seed: int | None = None
    """None: ``space.enumerate()`` order. An int: a fixed random permutation of the grid
    (needs a finite space small enough to list; the order depends on this seed only)."""
    max_shuffle_size: int = 5_000_000
    """Refuse to shuffle grids larger than this (they would have to be listed in memory)."""

    def __post_init__(self) -> None:
        """Refuse bad values (naming the field and what is valid) before a run writes anything."""
        check_int("shuffle_seed", self.shuffle_seed, low=0, optional=True)
        check_int("max_shuffle_size", self.max_shuffle_size)


@register_agent("grid")
class GridSearch(Agent):
    """Evaluate architectures in the grammar's enumeration order; stops when the grid or budget ends.

    State for resume: the position in the grid (= evaluations done by this agent).
    """

    Config = GridSearchConfig

    def __init__(self, config: Any = None, **overrides: Any):
        super().__init__(config, **overrides)
        self.position = 0

    def _order(self, space: Any) -> Any:
        seed = self.config.shuffle_seed
        if seed is None:
            return space.enumerate()
        size = space.size()
        if size > self.config.max_shuffle_size:
            raise ValueError(
                f"grid of {size} architectures is too large to shuffle (max_shuffle_size="
                f"{self.config.max_shuffle_size}); use shuffle_seed=None"
            )
        grid = list(space.enumerate())
        perm = np.random.default_rng(seed).permutation(len(grid))
        return (grid[i] for i in perm)

    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        space = env.unwrapped.space  # type: ignore[attr-defined]
        for tokens in itertools.islice(self._order(space), self.position, None):
            if tracker.exhausted:
                return
            tracker.checkpoint()
            tracker.start_episode()
            reward, info = play_tokens(env, tokens)
            if tracker.record(reward, info) is None:
                return
            self.position += 1

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.position = int(state.get("position", 0))
