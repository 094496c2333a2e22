"""Env arguments that could exhaust the machine are refused at once with a clear error."""

from __future__ import annotations

import time

import gymnasium as gym
import pytest

import nas_env  # noqa: F401  (registers the envs)
import nas_env.envs.zoph_le_cnn  # noqa: F401  (imports torch before the timed part)
from nas_env.spaces.zoph_le_cnn import MAX_LAYERS, ZophLeCNNSpace


@pytest.mark.parametrize("num_layers", [3000, 10_000, (1, MAX_LAYERS + 1), 0])
def test_num_layers_is_bounded(num_layers):
    t0 = time.process_time()  # this process's CPU time: busy cores beside it do not count
    with pytest.raises(ValueError, match=rf"num_layers must be an int in 1\.\.{MAX_LAYERS} or a \(min, max\) pair"):
        gym.make("nas_env/ZophLeCNN-v0", num_layers=num_layers)
    assert time.process_time() - t0 < 5  # was 41 s and 3.8 GB at 3000 layers; MemoryError after 83 s at 10,000


def test_the_deepest_allowed_space_is_small():
    space = ZophLeCNNSpace(num_layers=MAX_LAYERS)
    assert space.max_length == MAX_LAYERS * (MAX_LAYERS - 1) // 2 + 3 * MAX_LAYERS == 5250
