"""Weight sharing for recurrent cells (``ZophLeRNN-v0`` with ``backend="shared"``): contract, slices, resume."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nas_env  # noqa: F401 (registers the envs)
from nas_env.agents import Budget
from nas_env.benchmarks.run.search import run_search
from nas_env.cache import attach_store
from nas_env.evaluators.lm_shared import SharedWeightLMEvaluator
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.models.shared_rnn import SharedRNNLM
from nas_env.rewards import bits_saved
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from nas_env.store import StoreError

ENV_ID = "nas_env/ZophLeRNN-v0"
TINY = {"seq_len": 16, "batch_size": 8, "hidden_size": 32, "max_chars": 20_000, "device": "cpu"}
SMALL = {**TINY, "backend": "shared", "train_kwargs": {"steps": 2, "val_chars": 256}}
SPACE = ZophLeRNNSpace(8)
EVAL = {"max_chars": 20_000, "seq_len": 8, "batch_size": 8, "hidden_size": 16, "val_chars": 128, "device": "cpu"}


def small_env(**over) -> gym.Env:
    return gym.make(ENV_ID, **{**SMALL, **over})


def play(env: gym.Env, tokens) -> tuple[float, dict]:
    env.reset()
    for a in tokens:
        _, reward, terminated, _, info = env.step(int(a))
    assert terminated
    return reward, info


def test_shared_env_passes_gymnasium_and_sb3_checkers():
    from gymnasium.utils.env_checker import check_env as gym_check

    gym_check(small_env().unwrapped, skip_render_check=True)
    try:
        from stable_baselines3.common.env_checker import check_env as sb3_check
    except ImportError:  # sb3 is an optional extra
        return
    sb3_check(small_env(), warn=False)


def test_shared_env_has_train_envs_tokens_masks_and_info_keys():
    shared, train = small_env(), gym.make(ENV_ID, **{**TINY, "max_steps": 2})
    assert shared.action_space == train.action_space and shared.observation_space == train.observation_space
    _, info_s = shared.reset(seed=0)
    _, info_t = train.reset(seed=0)
    assert np.array_equal(info_s["action_mask"], info_t["action_mask"])
    tokens = SPACE.encode(SPACE.lstm_like())
    reward, info = play(shared, tokens)
    _, info_train = play(train, tokens)
    assert {"action_mask", "arch", "tokens", "metrics"} <= set(info)
    m = info["metrics"]
    assert m["status"] == "ok" and m["reward_kind"] == "shared_weights" and m["steps"] == 2
    assert reward == bits_saved(m) and 0.0 <= reward <= 1.0  # the stand-alone backend's reward function
    expected = set(info_train["metrics"]) - {"epochs_completed", "stopped_by", "epochs"}
    assert expected | {"reward_kind", "evaluation"} == set(m)
    assert (m["params"], m["cell_params"]) == (info_train["metrics"]["params"], info_train["metrics"]["cell_params"])
    assert m["tokens_seen"] == 2 * 8 * 16


@pytest.mark.parametrize("num_layers", [1, 2])
def test_child_forward_equals_the_stand_alone_lm_with_the_same_weights(num_layers):
    torch.manual_seed(0)
    net = SharedRNNLM(SPACE, 65, hidden_size=16, embedding_size=12, num_layers=num_layers)
    rng = np.random.default_rng(num_layers)
    tokens = torch.randint(0, 65, (4, 9))
    for _ in range(4):
        cell = SPACE.decode(SPACE.sample(rng))
        plan = net.plan(cell)
        child = RNNLanguageModel(cell, 65, hidden_size=16, embedding_size=12, num_layers=num_layers)
        child.load_state_dict(dict(net.child_weights(plan)))  # strict: exactly the stand-alone parameters
        assert sum(p.numel() for p in child.parameters()) == sum(p.numel() for p in net.child_parameters(plan))
        (expected, state), (got, shared_state) = child(tokens), net(tokens, plan)
        assert torch.equal(expected, got), str(cell)
        for (h, c), (h2, c2) in zip(state, shared_state, strict=True):
            assert torch.equal(h, h2) and torch.equal(c, c2)


def _snapshot(ev: SharedWeightLMEvaluator) -> dict[str, list[torch.Tensor]]:
    """Every shared tensor and its Adam moments, by parameter name."""
    out = {}
    for name, p in ev.model.named_parameters():
        state = ev.optimizer.state.get(p, {})
        out[name] = [p.detach().clone()] + [state[k].clone() for k in ("exp_avg", "exp_avg_sq") if k in state]
    return out


@settings(max_examples=5, deadline=None, derandomize=True)
@given(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1))
def test_a_childs_evaluation_changes_only_the_weights_of_its_chosen_ops(arch_seed, train_seed):
    ev = SharedWeightLMEvaluator(SPACE, **EVAL, steps=2)
    ev.evaluate(SPACE.decode(SPACE.sample(np.random.default_rng(train_seed))), seed=1)  # non-zero moments
    cell = SPACE.decode(SPACE.sample(np.random.default_rng(arch_seed)))
    before = _snapshot(ev)
    status = ev.evaluate(cell, seed=train_seed)["status"]
    after = _snapshot(ev)
    if status != "ok":  # a diverged child (rare at this size) is undone: nothing moved at all
        assert status == "diverged" and all(torch.equal(b, a) for n in before for b, a in zip(before[n], after[n]))
        return
    used = {id(p) for p in ev.model.child_parameters(ev.model.plan(cell))}
    chosen = {f"ops.0.{leaf}.{comb}." for leaf, (comb, _) in enumerate(cell.nodes[: SPACE.base])}
    for name, p in ev.model.named_parameters():
        assert (id(p) in used) == (name.startswith(("embedding", "decoder")) or name.rsplit(".", 2)[0] + "." in chosen)
        if id(p) in used:  # the chosen ops did train, unless their gradient vanished (a leaf under a dead ReLU,
            assert p.grad is not None, name  # a saturated sigmoid, ...: an Adam step below float resolution)
            assert not torch.equal(before[name][0], after[name][0]) or p.grad.abs().max() < 1e-10, name
            if name.startswith(("embedding", "decoder")):
                assert not torch.equal(before[name][0], after[name][0]), name
        else:
            assert p.grad is None, name  # never in the graph: no gradient, no optimizer update
            assert len(before[name]) == len(after[name])
            assert all(torch.equal(b, a) for b, a in zip(before[name], after[name])), name  # bit-identical


def test_a_diverged_child_is_a_result_and_leaves_the_shared_weights_untouched():
    ev = SharedWeightLMEvaluator(SPACE, **EVAL, steps=4, diverge_loss=10.0, grad_clip=None)
    assert ev.evaluate(SPACE.lstm_like(), seed=0)["status"] == "ok"  # Adam moments exist
    ev.optimizer.param_groups[0]["lr"] = 10.0  # from now on every update blows the loss up
    before = _snapshot(ev)
    metrics = ev.evaluate(SPACE.lstm_like(), seed=1)
    assert metrics["status"] == "diverged" and metrics["val_loss"] is None
    assert "at step 2 (diverge_loss=10)" in metrics["error"]  # step 1 did update, then was undone
    after = _snapshot(ev)
    for name in before:
        assert all(torch.equal(b, a) for b, a in zip(before[name], after[name])), name


def test_resume_from_state_dict_continues_exactly_and_seeds_are_deterministic():
    rng = np.random.default_rng(3)
    cells = [SPACE.decode(SPACE.sample(rng)) for _ in range(5)]
    first = SharedWeightLMEvaluator(SPACE, **EVAL, steps=2)
    head = [first.evaluate(c, seed=i) for i, c in enumerate(cells[:3])]
    state = first.state_dict()  # a copy: evaluating on must not change it
    tail = [first.evaluate(c, seed=10 + i) for i, c in enumerate(cells[3:])]
    resumed = SharedWeightLMEvaluator(SPACE, **EVAL, steps=2)
    resumed.load_state_dict(state)
    assert [resumed.evaluate(c, seed=10 + i)["val_loss"] for i, c in enumerate(cells[3:])] == [
        m["val_loss"] for m in tail]
    assert [m["evaluation"] for m in tail] == [3, 4]
    again = SharedWeightLMEvaluator(SPACE, **EVAL, steps=2)  # the same seeds from scratch: the same rewards
    assert [again.evaluate(c, seed=i)["val_loss"] for i, c in enumerate(cells[:3])] == [m["val_loss"] for m in head]
    for a, b in zip(first.state_dict()["model"].values(), resumed.state_dict()["model"].values()):
        assert torch.equal(a, b)


def test_env_is_deterministic_for_a_seed_and_order_dependent():
    def rewards(order):
        env = small_env()
        env.reset(seed=5)
        return [play(env, tokens)[0] for tokens in order]

    rng = np.random.default_rng(1)
    seqs = [SPACE.sample(rng) for _ in range(3)]
    r1 = rewards(seqs)
    assert rewards(seqs) == r1
    assert rewards(seqs[::-1])[::-1] != r1  # the same cells in another order get other rewards


def test_search_resume_repeats_an_uninterrupted_run_exactly(tmp_path):
    kwargs = dict(env_id=ENV_ID, env_kwargs={**SMALL, "base": 2}, agent="reinforce", agent_kwargs={"m": 2},
                  budget=Budget(evaluations=6), seed=3, progress=False, checkpoint_interval_s=0.0)

    class Crash(RuntimeError):
        pass

    def crash(evaluation, tracker):
        if evaluation.index == 4:  # evaluations 0-3 are checkpointed, 4 is beyond the checkpoint
            raise Crash

    with pytest.raises(Crash):
        run_search(**kwargs, out_dir=tmp_path / "run", callbacks=[crash])
    with open(tmp_path / "run" / "checkpoint.pkl", "rb") as f:
        assert pickle.load(f)["num_evaluations"] == 4
    resumed = run_search(**kwargs, out_dir=tmp_path / "run")
    ref = run_search(**kwargs, out_dir=tmp_path / "ref")
    assert [(e.arch, e.reward) for e in resumed.history] == [(e.arch, e.reward) for e in ref.history]
    states = []
    for d in ("run", "ref"):
        with open(tmp_path / d / "checkpoint.pkl", "rb") as f:
            states.append(pickle.load(f)["evaluator"])
    assert states[0]["num_evaluations"] == states[1]["num_evaluations"] == 6
    for a, b in zip(states[0]["model"].values(), states[1]["model"].values()):
        assert torch.equal(a, b)


def test_store_never_serves_a_shared_reward_as_a_stand_alone_one(tmp_path):
    attach_store(gym.make(ENV_ID, **{**TINY, "max_steps": 2}), tmp_path / "s.sqlite").close()
    with pytest.raises(StoreError):
        attach_store(small_env(), tmp_path / "s.sqlite")


@pytest.mark.parametrize(("over", "message"), [
    ({"backend": "tables"}, "unknown backend 'tables'; valid: ['train', 'shared']"),
    ({"train_kwargs": {"epochs": 3}}, "unknown train_kwargs ['epochs'] for backend='shared'; valid: ["),
    ({"max_train_seconds": 5}, "max_train_seconds=5 applies to backend='train' only, not 'shared'"),
    ({"max_steps": 7}, "max_steps=7 applies to backend='train' only, not 'shared'"),
    ({"epochs": 3}, "epochs=3 applies to backend='train' only, not 'shared'"),
    ({"lr": 0.1}, "lr=0.1 applies to backend='train' only, not 'shared' (set the shared weights' learning rate in"),
    ({"train_kwargs": {"steps": -1}}, "steps must be an int >= 0, got -1"),
    ({"train_kwargs": {"val_chars": 1}}, "val_chars must be >= 2 (an input and a target) or None, got 1"),
    ({"train_kwargs": {"optimizer": "lbfgs"}}, "unknown optimizer 'lbfgs'; valid: ['adam', 'sgd']"),
])
def test_bad_shared_arguments_name_the_value_and_what_is_valid(over, message):
    with pytest.raises(ValueError) as err:
        small_env(**over)
    assert message in str(err.value)


def test_a_cell_of_another_base_is_a_failed_child_not_a_crash():
    ev = SharedWeightLMEvaluator(SPACE, **EVAL, steps=1)
    metrics = ev.evaluate(ZophLeRNNSpace(2).paper_example(), seed=0)
    assert metrics["status"] == "failed" and "has base 2; this space has base 8" in metrics["error"]
    with pytest.raises(ValueError, match=r"fidelity \(steps\) must be an int >= 0, got -2"):
        ev.evaluate(SPACE.lstm_like(), fidelity=-2)
