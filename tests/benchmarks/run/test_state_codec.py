"""A checkpoint is JSON and numeric arrays (issue 22, defect 1): every agent's and the shared-weight evaluator's
state goes through it unchanged, and a crafted file only fails to load, in one line."""

from __future__ import annotations

import io
import json
import math
import pickle
import zipfile
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import nas_env  # noqa: F401
from nas_env.agents import make_agent
from nas_env.benchmarks.run.state_codec import StateFormatError, decode, encode


def same(a: Any, b: Any, where: str = "state") -> None:
    """``a`` and ``b`` are equal with the same types all the way down (tensors: dtype, shape and bits)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b), where
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def test_every_node_kind_round_trips_exactly():
    state = {
        "ints": [0, -1, 2**200, -(2**64) - 1], "floats": [0.1, -0.0, 1e308, 5e-324, math.inf, -math.inf, math.nan],
        "text": "é\u0000$", "none": None, "flags": (True, False), "nested": {"a": [[], {}, ()]},
        7: "an int key", (1, "x"): "a tuple key", "$": "a key named $", 2.5: None,
        "np": [np.float32(0.1), np.int64(-3), np.bool_(True), np.float64("nan"), np.uint8(255)],
        "arrays": [np.arange(6, dtype=np.int16).reshape(2, 3), np.zeros((0, 4)), np.array(3.5),
                   np.array([1 + 2j], dtype=np.complex64), np.array([True, False])],
        "tensors": [torch.randn(3, 4), torch.arange(5), torch.tensor(2.0), torch.ones(2, dtype=torch.bfloat16) / 3,
                    torch.tensor([True]), torch.randn(4, 3).t(), torch.zeros(2, dtype=torch.float16)],
        "bytes": b"\x00\xffzip",
    }
    back = decode(encode(state))
    same(back, state)
    assert np.float32(back["np"][0]) == np.float32(0.1) and back["np"][0].dtype == np.float32


def test_equal_arrays_are_stored_once_and_never_alias():
    w = torch.randn(200, 200)
    data = encode({"snapshots": [w.clone() for _ in range(20)]})
    assert len(data) < 2 * len(encode({"one": w}))
    a, b = decode(data)["snapshots"][:2]
    a.add_(1)
    assert torch.equal(b, w)


class Opaque:
    pass


@pytest.mark.parametrize(("value", "where"), [
    ({"agent": {"diagnostics": Opaque()}}, "state.agent.diagnostics: a tests.benchmarks.run.test_state_codec.Opaque"),
    ({"x": [1, {2, 3}]}, "state.x[1]: a builtins.set"),
    ({"x": np.array([object()], dtype=object)}, "state.x: a numpy.ndarray"),
])
def test_encoding_refuses_other_objects_naming_where(value, where):
    with pytest.raises(TypeError, match="cannot be saved in a checkpoint") as info:
        encode(value)
    assert str(info.value).startswith(where)


def test_an_agent_state_that_is_not_plain_data_is_one_line(tmp_path, capsys):
    """An agent whose ``state_dict`` holds an object stops at its first checkpoint with one line naming it."""
    from nas_env.agents.random_search import RandomSearch
    from nas_env.agents.registry import register_agent
    from nas_env.benchmarks.cli import main

    @register_agent("test-opaque-state")
    class OpaqueState(RandomSearch):
        def state_dict(self):
            return {**super().state_dict(), "memo": Opaque()}

    try:
        assert main(["search", "--env", "nas_env/NB201-v0", "--agent", "test-opaque-state", "--budget", "3",
                     "--out", str(tmp_path / "r"), "--no-progress"]) == 2
    finally:
        from nas_env.agents import registry

        registry.AGENTS.pop("test-opaque-state", None)
    err = capsys.readouterr().err
    assert "state.agent.memo: a tests.benchmarks.run.test_state_codec.Opaque cannot be saved in a checkpoint" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- every agent's state, and resuming from it
AGENTS = ["random", "grid", "evolution", "reinforce", "reinforce-table", "tpe", "nsga2", "ppo", "maskable-ppo"]


@pytest.mark.parametrize("name", AGENTS)
def test_every_agent_state_round_trips_and_resumes(name):
    """Each agent's state at a mid-run consistent point and at the end goes through the codec unchanged,
    and a search resumed from the decoded mid-run state continues as the uninterrupted one did."""
    kwargs = {"m": 3} if name == "reinforce" else {"episodes_per_rollout": 2} if "ppo" in name else {}
    states: list[dict[str, Any]] = []
    agent = make_agent(name, **kwargs)
    full = agent.run(gym.make("nas_env/NB201-v0"), 24, seed=4, checkpoint=states.append)
    assert states[-1]["final"] and states[-1]["complete"]
    for state in states:
        same(decode(encode(state)), state)
    mids = [s for s in states if 8 <= s["num_evaluations"] < 24]
    assert mids or not agent.exact_resume  # SB3 checkpoints only between rollouts: here only the final state
    mid = mids[0] if mids else states[-1]
    budget = 24 if mids else 30  # the final state: continued with a larger budget
    resumed = make_agent(name, **kwargs).run(gym.make("nas_env/NB201-v0"), budget, seed=4,
                                             resume=decode(encode(mid)), history=full.history[:mid["num_evaluations"]])
    assert len(resumed.history) == budget
    if agent.exact_resume:
        assert [(e.tokens, e.reward) for e in resumed.history] == [(e.tokens, e.reward) for e in full.history]
        if "diagnostics" in full.extras:
            assert resumed.extras["diagnostics"] == full.extras["diagnostics"]


def test_the_shared_weight_evaluator_state_round_trips():
    from tests.helpers import play
    from tests.nas_env.evaluators.shared_families import CNN, CNN_ID, RNN, RNN_ID

    for env_id, kwargs in ((CNN_ID, CNN), (RNN_ID, RNN)):
        env = gym.make(env_id, **kwargs)
        play(env, env.unwrapped.space.sample(np.random.default_rng(0)))  # trained once: optimizer state
        state = env.unwrapped.evaluator.state_dict()
        back = decode(encode(state))
        same(back, state)
        other = gym.make(env_id, **kwargs).unwrapped.evaluator
        other.load_state_dict(back)
        same(other.state_dict(), state)


# ---------------------------------------------------------------- what a crafted file can do: fail, in one line
def _npz(**arrays: Any) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _tree(tree: Any, **arrays: Any) -> bytes:
    return _npz(tree=np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8), **arrays)


class Payload:
    """Unpickling it creates ``MARKER`` (what a crafted checkpoint would make a loader run)."""

    MARKER: Path

    def __reduce__(self):
        return (open, (str(self.MARKER), "w"))


@pytest.mark.parametrize(("make", "needle"), [
    (lambda: pickle.dumps(Payload()), "not a .npz archive"),
    (lambda: _npz(tree=np.array([Payload()], dtype=object)), "not a .npz archive"),
    (lambda: _npz(x=np.zeros(2)), "it has no 'tree' entry"),
    (lambda: _npz(tree=np.frombuffer(b"{not json", dtype=np.uint8)), "its tree is not JSON"),
    (lambda: _npz(tree=np.frombuffer(b'{"state": NaN}', dtype=np.uint8)), "its tree is not JSON"),
    (lambda: _tree({"format": "nas-env-state", "version": 1}), "its tree is not a nas-env-state record"),
    (lambda: _tree({"format": "nas-env-state", "version": 99, "state": 1}), "format version 99 is not 1"),
    (lambda: _tree({"format": "nas-env-state", "version": 1, "state": {"a": {"$": "eval", "v": "1"}}}),
     'state.a is an unknown node {"$": "eval", "v": "1"}'),
    (lambda: _tree({"format": "nas-env-state", "version": 1, "state": {"$": "tensor", "ref": "a0", "dtype": "nn"}},
                   a0=np.zeros(1)), "unknown tensor dtype 'nn'"),
    (lambda: _tree({"format": "nas-env-state", "version": 1, "state": {"$": "ndarray", "ref": "a9"}}),
     "refers to a missing array 'a9'"),
    (lambda: _tree({"format": "nas-env-state", "version": 1, "state": {"$": "float", "v": "1e999"}}),
     "is not a float"),
    (lambda: _tree({"format": "nas-env-state", "version": 1, "state": {"$": "scalar", "dtype": "O", "v": 1}}),
     "unknown dtype 'O'"),
    (lambda: encode({"x": 1})[:100], "not a .npz archive"),
    (lambda: _npz(tree=np.frombuffer(b"[" * 100_000, dtype=np.uint8)), "its tree is not JSON"),
])
def test_a_crafted_file_is_refused_without_running_anything(tmp_path, make, needle):
    Payload.MARKER = tmp_path / "PAYLOAD_RAN"
    data = make()
    with pytest.raises(StateFormatError) as info:
        decode(data)
    assert needle in str(info.value) and "\n" not in str(info.value)
    assert not Payload.MARKER.exists()


def test_a_zip_member_that_is_not_an_array_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("tree.npy", b"garbage")
    with pytest.raises(StateFormatError, match="not a .npz archive"):
        decode(buf.getvalue())
