"""Learning is real: on NB201 (defaults), budget 1,000, the last 200 architectures of REINFORCE and
MaskablePPO beat random search's by >= 0.04 on average over fixed seeds (default hyperparameters)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import nas_env  # noqa: F401  (registers the envs)
from nas_env.agents.registry import make_agent

GAP = 0.04


def last_window_mean(agent: str, seed: int, budget: int = 1000, window: int = 200) -> float:
    """Mean env reward over the last ``window`` of ``budget`` architectures of one run on NB201 (defaults)."""
    result = make_agent(agent).run(gym.make("nas_env/NB201-v0"), budget, seed=seed)
    assert len(result.history) == budget
    return float(result.rewards[-window:].mean())


@pytest.mark.slow
@pytest.mark.parametrize("agent", ["reinforce", "maskable-ppo"])
def test_learning_beats_random_by_the_margin(agent):
    seeds = (0, 1, 2, 3, 4)  # the seeds, for both agents
    learned = np.mean([last_window_mean(agent, s) for s in seeds])
    random = np.mean([last_window_mean("random", s) for s in seeds])
    assert learned - random >= GAP, (agent, learned, random)
