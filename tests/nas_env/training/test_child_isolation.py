"""Training a child leaves the caller's torch state alone: both real-training evaluators restore the intra-op
thread count (whether the child trains, fails or is interrupted), the global RNG stream and the
deterministic-algorithms switch. Each test of an evaluator runs once per family (the ``child`` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import nas_env  # noqa: F401  (registers the env ids)
from nas_env.evaluators.base import Evaluator
from nas_env.evaluators.image_train import TrainEvaluator
from nas_env.evaluators.lm_train import LMTrainEvaluator
from nas_env.spaces import ZophLeCNNSpace
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from nas_env.training import load_dataset

BEFORE = 2  # the caller's setting; every child asks for 1
TINY_CNN = {"max_train_samples": 128, "count_flops": False, "num_threads": 1}
TINY_LM = {"max_chars": 2000, "hidden_size": 8, "seq_len": 8, "batch_size": 4, "device": "cpu", "num_threads": 1}


@dataclass(frozen=True)
class Family:
    """A real-training evaluator on tiny data, a child it trains, one it fails, and where it trains."""

    make: Callable[[], Evaluator]
    ok: Callable[[], Any]
    failed: Callable[[], Any]
    module: str
    """the evaluator's module, whose ``train`` function the interrupted test replaces"""
    train: str


def _tiny_cnn() -> TrainEvaluator:
    data = load_dataset("digits").subset(train=128, val=64, test=64)
    return TrainEvaluator(data, epochs=1, batch_size=32, device="cpu", count_flops=False, num_threads=1)


_CNN_SPACE = ZophLeCNNSpace(num_layers=3, predict_stride=True)
FAMILIES = {
    "cnn": Family(_tiny_cnn, lambda: _CNN_SPACE.from_string("3x3-24-s1<img | 3x3-24-s1<0 | 3x3-24-s1<1"),
                  lambda: _CNN_SPACE.from_string("3x3-24-s3<img | 3x3-24-s3<0 | 3x3-24-s3<1"),
                  "nas_env.evaluators.image_train", "train_model"),
    "lm": Family(lambda: LMTrainEvaluator(**TINY_LM), lambda: ZophLeRNNSpace(2).tanh_rnn(), lambda: "not a cell",
                 "nas_env.evaluators.lm_train", "train_lm"),
}


@pytest.fixture(params=sorted(FAMILIES))
def family(request: pytest.FixtureRequest) -> Family:
    return FAMILIES[request.param]


@pytest.fixture(autouse=True)
def _two_threads() -> Iterator[None]:
    """Start every test at ``BEFORE`` threads; put back whatever the session had afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(BEFORE)
    yield
    torch.set_num_threads(previous)


def test_cnn_env_child_restores_threads():
    env = gym.make(
        "nas_env/ZophLeCNN-v0", num_layers=2, epochs=1, batch_size=32, device="cpu", train_kwargs=TINY_CNN
    )
    tokens = ZophLeCNNSpace(2).sample(np.random.default_rng(0))
    env.reset(seed=0)
    for t in tokens:
        *_, info = env.step(t)
    env.close()
    assert info["metrics"]["status"] in ("ok", "failed")
    assert torch.get_num_threads() == BEFORE


def test_evaluator_restores_threads_for_ok_and_failed_children(family: Family):
    ev = family.make()
    ok = ev.evaluate(family.ok(), seed=0)
    assert ok["status"] == "ok" and torch.get_num_threads() == BEFORE
    failed = ev.evaluate(family.failed(), seed=0)
    assert failed["status"] == "failed" and torch.get_num_threads() == BEFORE


def test_evaluator_restores_threads_when_training_is_interrupted(family: Family, monkeypatch: pytest.MonkeyPatch):
    """An exception that is not a bad child (Ctrl-C) propagates, and the threads are restored on the way out."""
    seen: list[int] = []

    def interrupted(*args: object, **kwargs: object) -> None:
        seen.append(torch.get_num_threads())
        raise KeyboardInterrupt

    monkeypatch.setattr(f"{family.module}.{family.train}", interrupted)
    ev = family.make()
    with pytest.raises(KeyboardInterrupt):
        ev.evaluate(family.ok(), seed=0)
    assert seen == [1]
    assert torch.get_num_threads() == BEFORE


def test_evaluate_leaves_global_torch_state_alone(family: Family):
    ev = family.make()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ev.evaluate(family.ok(), seed=5)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == BEFORE
    assert not torch.are_deterministic_algorithms_enabled()


def test_cpu_children_give_the_same_numbers_with_and_without_deterministic_algorithms():
    """``deterministic`` leaves torch's deterministic-algorithms switch alone on the CPU (importing what it
    needs costs 1.6 s a process): the switch changes no number of a CNN or an LM child there."""
    data = load_dataset("digits").subset(train=128, val=64, test=64)
    cnn = TrainEvaluator(data, epochs=1, batch_size=32, device="cpu", count_flops=False, num_threads=1)
    cnn_arch = ZophLeCNNSpace(num_layers=2).from_string("3x5-24-s1<img | 5x3-36-s1<0")
    lm = LMTrainEvaluator(**{k: v for k, v in TINY_LM.items() if k != "max_chars"}, max_chars=2000)
    lm_arch = ZophLeRNNSpace(base=2).decode(ZophLeRNNSpace(base=2).sample(np.random.default_rng(3)))
    keys = ("status", "val_accuracy", "test_accuracy", "train_loss", "val_bpc")

    def numbers() -> list:
        return [{k: m.get(k) for k in keys} for m in (cnn.evaluate(cnn_arch, seed=5), lm.evaluate(lm_arch, seed=5))]

    plain = numbers()
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        forced = numbers()
        assert torch.are_deterministic_algorithms_enabled()  # the caller's setting is left as it was
    finally:
        torch.use_deterministic_algorithms(previous)
    assert plain[0]["status"] == "ok" and plain == forced
