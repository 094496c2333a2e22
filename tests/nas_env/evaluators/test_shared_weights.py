"""Weight sharing (``ZophLeCNN-v0`` with ``backend="shared"``): env contract, slices, determinism, resume."""

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
from nas_env.evaluators.image_shared import SharedWeightEvaluator
from nas_env.models.shared_cnn import SharedZophLeCNN
from nas_env.models.zoph_le_cnn import ZophLeCNN
from nas_env.spaces.zoph_le_cnn import ZophLeCNNSpace
from nas_env.store import StoreError

ENV_ID = "nas_env/ZophLeCNN-v0"
SMALL = {"num_layers": 3, "filter_sizes": [1, 3], "num_filters": [4, 8], "backend": "shared",
         "train_kwargs": {"steps": 2, "max_train_samples": 256, "num_threads": 1, "device": "cpu"}}
SPACE = ZophLeCNNSpace(num_layers=3, predict_stride=True, filter_sizes=[1, 3, 5], num_filters=[4, 8], strides=[1, 2])


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
    from stable_baselines3.common.env_checker import check_env as sb3_check

    gym_check(small_env().unwrapped, skip_render_check=True)
    sb3_check(small_env(), warn=False)


def test_shared_env_has_train_envs_tokens_masks_and_info_keys():
    shared, train = small_env(), gym.make(ENV_ID, **{**SMALL, "backend": "train", "train_kwargs": None})
    assert shared.action_space == train.action_space and shared.observation_space == train.observation_space
    _, info_s = shared.reset(seed=0)
    _, info_t = train.reset(seed=0)
    assert np.array_equal(info_s["action_mask"], info_t["action_mask"])
    space = shared.unwrapped.space
    tokens = space.encode(space.from_string("3x3-8-s1<img | 1x3-4-s1<0 | 3x1-8-s1<0,1"))
    reward, info = play(shared, tokens)
    assert {"action_mask", "arch", "tokens", "metrics"} <= set(info)
    m = info["metrics"]
    assert m["status"] == "ok" and m["reward_kind"] == "shared_weights" and m["steps"] == 2
    assert reward == m["val_accuracy"] and 0.0 <= reward <= 1.0


def test_child_forward_equals_the_stand_alone_child_with_the_same_weights():
    torch.manual_seed(0)
    net = SharedZophLeCNN(SPACE, 10, 1, (8, 8))
    rng = np.random.default_rng(0)
    x = torch.randn(16, 1, 8, 8)
    for _ in range(10):
        arch = SPACE.decode(SPACE.sample(rng))
        try:
            plan = net.plan(arch)
        except ValueError:
            continue
        child = ZophLeCNN(arch, 10, 1, (8, 8))
        missing, _ = child.load_state_dict(dict(net.child_weights(plan)), strict=False)
        assert all("running" in k or "num_batches" in k for k in missing), missing
        child.train()
        assert torch.allclose(child(x), net(x, plan), atol=1e-5), str(arch)


def _snapshot(ev: SharedWeightEvaluator) -> list[torch.Tensor]:
    return [p.detach().clone() for p in ev.model.parameters()] + [b.clone() for b in ev.optimizer.buffers]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1))
def test_a_childs_evaluation_changes_only_the_entries_of_its_chosen_ops(arch_seed, train_seed):
    ev = SharedWeightEvaluator(SPACE, steps=2, max_train_samples=128, device="cpu", num_threads=1)
    ev.evaluate(SPACE.decode(SPACE.sample(np.random.default_rng(train_seed))), seed=1)  # non-zero momentum
    arch = SPACE.decode(SPACE.sample(np.random.default_rng(arch_seed)))
    before = _snapshot(ev)
    metrics = ev.evaluate(arch, seed=train_seed)
    after = _snapshot(ev)
    params = list(ev.model.parameters())
    used = torch.zeros(0)
    masks = [torch.zeros_like(p, dtype=torch.bool) for p in params]
    if metrics["status"] == "ok":
        for p, idx in ev.model.child_slices(ev.model.plan(arch)):
            masks[[q is p for q in params].index(True)][idx] = True
    masks = masks + masks  # the momentum buffers follow the parameters
    for b, a, m in zip(before, after, masks):
        assert torch.equal(b[~m], a[~m])  # bit-identical outside the chosen ops
        used = torch.cat([used, (b[m] != a[m]).float()])
    if metrics["status"] == "ok":
        assert used.sum() > 0  # and the chosen ops did train
    else:
        assert metrics["status"] == "failed" and "below 1x1" in metrics["error"]


def test_deterministic_for_a_seed_and_order_dependent():
    def rewards(order):
        env = small_env()
        env.reset(seed=5)
        out = [play(env, tokens)[0] for tokens in order]
        return out, env.unwrapped.evaluator.state_dict()

    rng = np.random.default_rng(1)
    space = small_env().unwrapped.space
    seqs = [space.sample(rng) for _ in range(4)]
    r1, s1 = rewards(seqs)
    r2, s2 = rewards(seqs)
    assert r1 == r2
    assert all(torch.equal(a, b) for a, b in zip(s1["model"].values(), s2["model"].values()))
    r3, _ = rewards(seqs[::-1])
    assert r3[::-1] != r1  # the same children in another order get other rewards


def test_resume_restores_the_shared_weights_exactly(tmp_path):
    kwargs = dict(env_id=ENV_ID, env_kwargs=SMALL, agent="reinforce", agent_kwargs={"m": 2},
                  budget=Budget(evaluations=8), seed=3, progress=False, checkpoint_interval_s=0.0)

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
    assert states[0]["num_evaluations"] == states[1]["num_evaluations"] == 8
    for a, b in zip(states[0]["model"].values(), states[1]["model"].values()):
        assert torch.equal(a, b)
    for a, b in zip(states[0]["optimizer"]["buffers"], states[1]["optimizer"]["buffers"]):
        assert torch.equal(a, b)


def test_val_samples_scores_each_child_on_a_seeded_subset_and_the_final_ranking_on_the_whole_split(tmp_path):
    """``val_samples``: the search reward on N random validation images (a cheaper, noisier reward, as ENAS's
    one minibatch); the final-weights ranking of ``--retrain-top`` measures on the whole split."""
    from nas_env.benchmarks.run.record import load_run
    from nas_env.benchmarks.run.retrain import rescored_finalists

    subset = {**SMALL, "train_kwargs": {**SMALL["train_kwargs"], "val_samples": 16}}
    env = gym.make(ENV_ID, **subset)
    env.reset(seed=2)
    _, info = play(env, env.unwrapped.space.sample(np.random.default_rng(0)))
    m = info["metrics"]
    n_val = len(env.unwrapped.evaluator.images.on(torch.device("cpu")).val_y)
    assert m["val_samples"] == 16 and n_val > 16 and abs(m["val_accuracy"] * 16 - round(m["val_accuracy"] * 16)) < 1e-9
    assert env.unwrapped.evaluator.config()["val_samples"] == 16
    assert "val_samples" not in small_env().unwrapped.evaluator.config()  # earlier configs keep their store key
    run_search(ENV_ID, subset, "random", {}, 5, 4, tmp_path / "run", progress=False)
    ranked, scores, candidates = rescored_finalists(load_run(tmp_path / "run"), 5)
    whole = small_env().unwrapped.evaluator
    with open(tmp_path / "run" / "checkpoint.pkl", "rb") as f:
        whole.load_state_dict(pickle.load(f)["evaluator"])
    space = small_env().unwrapped.space
    for e in ranked:
        full = whole.evaluate(space.from_string(e.arch), fidelity=0, seed=0)
        assert full["val_samples"] == n_val and scores[e.arch][1] == full["val_accuracy"]


def test_store_never_serves_a_shared_reward_as_a_stand_alone_one(tmp_path):
    train = gym.make(ENV_ID, **{**SMALL, "backend": "train", "train_kwargs": None})
    attach_store(train, tmp_path / "s.sqlite").close()
    with pytest.raises(StoreError):
        attach_store(small_env(), tmp_path / "s.sqlite")


def test_runner_defaults_and_refuses_worker_executors(tmp_path):
    result = run_search(ENV_ID, SMALL, "random", {}, 2, 0, tmp_path / "a", progress=False)
    assert len(result.history) == 2  # executor auto -> none, store auto -> off
    assert not (tmp_path / "a" / "evaluations.sqlite").exists()
    with open(tmp_path / "a" / "checkpoint.pkl", "rb") as f:  # the run's pre-search checks trained nothing
        assert pickle.load(f)["evaluator"]["num_evaluations"] == 2
    with pytest.raises(ValueError, match="executor 'process' cannot evaluate .* valid: 'auto' or 'none'"):
        run_search(ENV_ID, SMALL, "random", {}, 2, 0, tmp_path / "b", progress=False, executor="process")


@pytest.mark.parametrize(("over", "message"), [
    ({"backend": "tables"}, "unknown backend 'tables'; valid: ['train', 'shared']"),
    ({"train_kwargs": {"epochs": 3}}, "unknown train_kwargs ['epochs'] for backend='shared'; valid:"),
    ({"max_train_seconds": 5}, "max_train_seconds=5 applies to backend='train' only"),
    ({"train_kwargs": {"steps": -1}}, "steps must be an int >= 0, got -1"),
    ({"train_kwargs": {"val_samples": 0}}, "val_samples must be a positive int, got 0"),
])
def test_bad_shared_arguments_name_the_value_and_what_is_valid(over, message):
    with pytest.raises(ValueError) as err:
        small_env(**over)
    assert message in str(err.value)
