"""The run's checkpointer: throttled states are never built, and a large state waits longer between writes."""

from __future__ import annotations

import gymnasium as gym

import nas_env  # noqa: F401
from nas_env.agents import Budget, make_agent
from nas_env.benchmarks.run import checkpointer as checkpointer_module
from nas_env.benchmarks.run.checkpointer import Checkpointer
from nas_env.benchmarks.run.state_codec import decode


def test_a_throttled_checkpoint_does_not_build_the_state(tmp_path):
    """Agent.run asks ``due()`` first: with a long interval only the first and the final state are built
    (before, the state -- a shared-weight run's 12 MB of weights -- was built at every consistent point
    and then dropped)."""
    agent = make_agent("reinforce")
    built = []
    state_dict = agent.state_dict

    def counting_state_dict():
        built.append(1)
        return state_dict()

    agent.state_dict = counting_state_dict
    path = tmp_path / "checkpoint.npz"
    result = agent.run(gym.make("nas_env/NB201-v0"), Budget(evaluations=40), seed=3,
                       checkpoint=Checkpointer(path, 3600.0, lambda: {"budget": {"evaluations": 40}}))
    assert len(built) == 2
    state = decode(path.read_bytes())
    assert state["final"] and state["complete"] and state["num_evaluations"] == len(result.history) == 40
    assert state["budget"] == {"evaluations": 40}


class Clock:
    """A stand-in for the checkpointer's ``time`` module: ``monotonic()`` moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_every_point_with_interval_zero_and_a_slow_write_waits_twenty_times_its_cost(tmp_path, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(checkpointer_module, "time", clock)
    every = Checkpointer(tmp_path / "a.npz", 0.0)
    for i in range(3):
        assert every.due()
        every({"final": False, "i": i})

    def slow_write() -> dict:  # a write that takes 0.05 s
        clock.now += 0.05
        return {}

    slow = Checkpointer(tmp_path / "b.npz", 0.01, slow_write)
    assert slow.due()
    slow({"final": False, "i": 0})
    clock.now += 0.1  # > interval_s, < 20 x the 0.05 s write
    assert not slow.due()
    slow({"final": False, "i": 1})  # dropped
    assert decode((tmp_path / "b.npz").read_bytes())["i"] == 0
    clock.now += 0.95  # 1.05 s since the write: past 20 x its cost
    assert slow.due()
    slow({"final": True, "i": 2})  # the final state is always written
    assert decode((tmp_path / "b.npz").read_bytes())["i"] == 2
