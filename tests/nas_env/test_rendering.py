"""Rendering an episode (:mod:`nas_env.rendering`): the ``ansi`` text and the ``rgb_array`` picture of every env,
at every step."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import nas_env
from nas_env import NASEnv, ZophLeCNNSpace
from tests.helpers import BEST_NB201_CELL


def test_render_ansi():
    env = gym.make("nas_env/NB201-v0", render_mode="ansi")
    env.reset(seed=0)
    env.step(3)
    text = env.render()
    assert "edge_1<-0" in text and "nor_conv_3x3" in text and "edge_2<-0" in text and "?" in text
    for a in (3, 3, 1, 3, 2):
        env.step(a)
    text = env.render()
    assert BEST_NB201_CELL in text and "val_accuracy=" in text and "reward=" in text
    with pytest.raises(ValueError, match=r"unknown render_mode 'svg'; valid: \['ansi', 'rgb_array'\] or None"):
        nas_env.envs.NB201Env(render_mode="svg")


@pytest.mark.parametrize("env_id", sorted(nas_env.ENV_IDS))
def test_render_rgb_array_every_step(env_id):
    if env_id == "nas_env/NASBenchGraph-v0":
        pytest.importorskip("nas_bench_graph")  # the optional `graph` extra (left out by .ci/lowest)
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    first = env.render()
    assert isinstance(first, np.ndarray) and first.dtype == np.uint8 and first.ndim == 3 and first.shape[2] == 3
    env.step(1)
    second = env.render()
    assert second.shape == first.shape and not np.array_equal(first, second)  # the drawing follows the tokens
    assert len(np.unique(second.reshape(-1, 3), axis=0)) > 10  # a picture, not a blank
    text_env = gym.make(env_id, render_mode="ansi")
    text_env.reset(seed=0)
    text_env.step(1)
    assert isinstance(text_env.render(), str) and "= " in text_env.render()


def test_render_rgb_array_zoph_le_cnn_with_skips():
    env = NASEnv(ZophLeCNNSpace(num_layers=3, predict_stride=True), lambda arch: 0.5, render_mode="rgb_array")
    env.reset(seed=0)
    while env.current_decision is not None:
        env.step(int(np.flatnonzero(env.action_masks())[-1]))
    img = env.render()
    assert img.shape == (360, 640, 3) and img.dtype == np.uint8
