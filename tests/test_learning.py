"""Learning is real: on NB201 (defaults), budget 1,000, the last 200 architectures of REINFORCE and
MaskablePPO beat random search's by >= 0.04 on average over fixed seeds (default hyperparameters)."""

from __future__ import annotations

import numpy as np
import pytest

from nas_env.benchmarks.measure.learning import last_window_mean

GAP = 0.04


@pytest.mark.slow
@pytest.mark.parametrize("agent", ["reinforce", "maskable-ppo"])
def test_learning_beats_random_by_the_margin(agent):
    seeds = (0, 1, 2, 3, 4)  # the seeds, for both agents
    learned = np.mean([last_window_mean(agent, s) for s in seeds])
    random = np.mean([last_window_mean("random", s) for s in seeds])
    assert learned - random >= GAP, (agent, learned, random)
