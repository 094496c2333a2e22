"""Each training family's tiny shared-weight env (``backend="shared"``), for the tests of weight sharing.

``FAMILIES`` holds what the tests common to both families need (``tests/nas_env/evaluators/conftest.py`` hands
each out as the ``family`` fixture); the constants are the tiny settings the family-specific tests use too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import torch

import nas_env  # noqa: F401 (registers the envs)
from nas_env.rewards import bits_saved
from nas_env.spaces.zoph_le_cnn import ZophLeCNNSpace
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace

__all__ = ["CNN", "CNN_ID", "CNN_SPACE", "FAMILIES", "RNN", "RNN_EVAL", "RNN_ID", "RNN_SPACE", "RNN_TINY", "Family",
           "assert_same_state"]

CNN_ID, RNN_ID = "nas_env/ZophLeCNN-v0", "nas_env/ZophLeRNN-v0"
CNN = {"num_layers": 3, "filter_sizes": [1, 3], "num_filters": [4, 8], "backend": "shared",
       "train_kwargs": {"steps": 2, "max_train_samples": 256, "num_threads": 1, "device": "cpu"}}
CNN_SPACE = ZophLeCNNSpace(num_layers=3, predict_stride=True, filter_sizes=[1, 3, 5], num_filters=[4, 8],
                           strides=[1, 2])
RNN_TINY = {"seq_len": 16, "batch_size": 8, "hidden_size": 32, "max_chars": 20_000, "device": "cpu"}
RNN = {**RNN_TINY, "backend": "shared", "train_kwargs": {"steps": 2, "val_chars": 256}}
RNN_SPACE = ZophLeRNNSpace(8)
RNN_EVAL = {"max_chars": 20_000, "seq_len": 8, "batch_size": 8, "hidden_size": 16, "val_chars": 128, "device": "cpu"}


@dataclass(frozen=True)
class Family:
    """One training family's tiny shared-weight env and what the common tests need to know about it."""

    env_id: str
    shared: dict[str, Any]
    """``gym.make`` kwargs of a tiny env on the shared backend"""
    stand_alone: dict[str, Any]
    """the same env on the stand-alone training backend"""
    tokens: Callable[[Any], Sequence[int]]
    """space -> the tokens of a valid architecture"""
    reward: Callable[[dict[str, Any]], float]
    """a child's metrics -> its reward (the stand-alone backend's reward function)"""
    search: dict[str, Any] = field(default_factory=dict)
    """env kwargs of the tiny interrupted search (over ``shared``)"""
    evaluations: int = 8
    """that search's budget"""
    orders: int = 4
    """how many sampled architectures the order test plays"""

    def env(self, **over: Any) -> gym.Env:
        return gym.make(self.env_id, **{**self.shared, **over})


FAMILIES = {
    "cnn": Family(CNN_ID, CNN, {**CNN, "backend": "train", "train_kwargs": None},
                  lambda space: space.encode(space.from_string("3x3-8-s1<img | 1x3-4-s1<0 | 3x1-8-s1<0,1")),
                  lambda m: m["val_accuracy"]),
    "rnn": Family(RNN_ID, RNN, {**RNN_TINY, "max_steps": 2}, lambda space: space.encode(space.lstm_like()),
                  bits_saved, search={"base": 2}, evaluations=6, orders=3),
}


def assert_same_state(a: Any, b: Any, where: str = "state") -> None:
    """Two evaluator states are the same to the bit: weights, optimizer state and counters."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            assert_same_state(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_state(x, y, f"{where}[{i}]")
    else:
        assert a == b, where
