"""The token-level env: Gymnasium/SB3 conventions, masks, rewards, bad input, determinism.

Only the base install is needed: the stable-baselines3 env checker (the ``sb3`` extra) runs in
the ``test_sb3_checker_*`` tests, which skip without it.
"""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env

import nas_env
from nas_env import NASEnv, Penalized, ZophLeCNNSpace
from nas_env.evaluators import NB201Table
from tests.helpers import BEST_NB201_CELL, play

TABLE_CONFIGS = [
    ("nas_env/NB201-v0", {"dataset": d, "fidelity": f})
    for d in ("cifar10", "cifar100", "imagenet16-120")
    for f in (12, 200)
] + [("nas_env/Macro-v0", {}), ("nas_env/Synthetic-v0", {}), ("nas_env/Synthetic-v0", {"noise": 0.01})]


def sb3_check_env():
    """stable-baselines3's env checker, or skip the test (the ``sb3`` extra is optional)."""
    return pytest.importorskip("stable_baselines3.common.env_checker").check_env


def masked_cnn_env():
    return NASEnv(ZophLeCNNSpace(num_layers=3, predict_stride=True), lambda arch: 0.5)


@pytest.mark.parametrize("env_id,kwargs", TABLE_CONFIGS)
def test_gymnasium_checker_passes(env_id, kwargs):
    env = gym.make(env_id, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any checker warning is a failure
        gym_check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id,kwargs", TABLE_CONFIGS)
def test_sb3_checker_passes(env_id, kwargs):
    check_env = sb3_check_env()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any checker warning is a failure
        check_env(gym.make(env_id, **kwargs), warn=True)


def test_gymnasium_checker_passes_with_masked_actions():
    gym_check_env(masked_cnn_env(), skip_render_check=True)


def test_sb3_checker_passes_with_masked_actions():
    sb3_check_env()(masked_cnn_env())


def test_enumerate_all_nb201_cells_through_make():
    env = gym.make("nas_env/NB201-v0")
    space = env.unwrapped.space
    archs: dict[str, float] = {}
    env.reset(seed=0)
    for tokens in space.enumerate():
        _, reward, info = play(env, tokens)
        archs[info["arch"]] = info["metrics"]["test_accuracy"]
        assert 0.0 <= reward <= 1.0 and reward == info["metrics"]["val_accuracy"]
    assert len(archs) == 15_625
    top = max(archs.values())
    assert round(top, 4) == 0.9437
    # NB201 has an exact tie at the top (indices 6111 and 13714); BEST_NB201_CELL is one of the two
    assert archs[BEST_NB201_CELL] == top
    assert sorted(a for a, v in archs.items() if v == top) == sorted(
        [BEST_NB201_CELL, BEST_NB201_CELL.replace("nor_conv_3x3~1|nor_conv_1x1~2", "nor_conv_1x1~1|nor_conv_3x3~2")]
    )


def test_terminal_info_and_reward_is_validation_not_test():
    env = gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200)
    obs, reward, info = play(env, (3, 3, 3, 1, 3, 2), seed=0)
    m = info["metrics"]
    assert info["arch"] == BEST_NB201_CELL and info["tokens"] == (3, 3, 3, 1, 3, 2)
    assert obs.tolist() == [4, 4, 4, 2, 4, 3]
    assert m["status"] == "ok" and m["params"] == 1073466
    assert reward == m["val_accuracy"] != m["test_accuracy"]
    t = NB201Table("cifar10")
    assert reward in t.val200[t.row(BEST_NB201_CELL)].tolist()
    assert {"val_accuracy", "test_accuracy", "cost_seconds", "params", "status"} <= set(m)


def test_rewards_zero_until_last_token_and_obs_slots():
    env = gym.make("nas_env/Macro-v0")
    obs, info = env.reset(seed=1)
    assert obs.tolist() == [0] * 8 and info["action_mask"].dtype == np.int8
    for i, a in enumerate([2, 1, 0, 2, 1, 0, 2]):
        obs, r, term, trunc, info = env.step(a)
        assert r == 0.0 and not term and not trunc
        assert obs[i] == a + 1 and obs[i + 1 :].sum() == 0
    obs, r, term, _, info = env.step(1)
    assert term and r > 0 and info["arch"] == "21021021"


def test_same_seed_same_actions_same_rewards():
    def rollout(seed):
        env = gym.make("nas_env/NB201-v0")
        env.reset(seed=seed)
        rng = np.random.default_rng(123)
        out = []
        for _ in range(300):
            _, r, info = play(env, rng.integers(0, 5, 6).tolist())
            out.append((info["arch"], r, info["metrics"]["seed_index"]))
        return out

    a, b = rollout(5), rollout(5)
    assert a == b
    assert a != rollout(6)  # a different seed draws different training seeds


def test_reward_transforms():
    cubed = gym.make("nas_env/NB201-v0", reward="cubed")
    _, r3, info = play(cubed, (3, 3, 3, 1, 3, 2), seed=0)
    assert r3 == pytest.approx(info["metrics"]["val_accuracy"] ** 3)
    custom = gym.make("nas_env/NB201-v0", reward=lambda m: 1.0 - m["val_accuracy"])
    _, rc, info = play(custom, (3, 3, 3, 1, 3, 2), seed=0)
    assert rc == pytest.approx(1.0 - info["metrics"]["val_accuracy"])
    pen = Penalized("latency_ms.pixel3", target=10.0, weight=-0.5)
    latency = gym.make("nas_env/NB201-v0", reward=pen)
    _, rp, info = play(latency, (3, 3, 3, 1, 3, 2), seed=0)
    m = info["metrics"]
    assert rp == pytest.approx(m["val_accuracy"] * (m["latency_ms"]["pixel3"] / 10.0) ** -0.5)
    with pytest.raises(ValueError, match=r"unknown reward 'square'.*accuracy.*cubed"):
        gym.make("nas_env/NB201-v0", reward="square")


@pytest.mark.parametrize(
    "action,match",
    [
        (-1, r"action -1 is outside the action space: expected an integer in 0..4"),
        (5, r"action 5 is outside"),
        (1.0, r"action 1.0 \(type float\) is not valid: expected an integer in 0..4"),
        (np.array([1, 2]), r"shape \(2,\)"),
        ("1", r"type str"),
    ],
)
def test_out_of_space_actions_raise(action, match):
    env = nas_env.envs.NB201Env()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=match):
        env.step(action)
    env.step(np.int64(1))  # still usable
    env.step(np.array(2))  # 0-d integer arrays are fine


def test_masked_action_penalty_and_raise():
    space = ZophLeCNNSpace(num_layers=2, predict_stride=True)
    env = NASEnv(space, lambda arch: 0.9, failure_reward=-1.0)
    _, info = env.reset(seed=0)
    for a in (0, 0, 0):
        env.step(a)
    assert env.current_decision.name == "layer0/stride"
    assert env.action_masks().tolist() == [True, True, True, False]
    obs, r, term, trunc, info = env.step(3)
    assert term and not trunc and r == -1.0
    assert info["metrics"]["status"] == "invalid"
    assert "action 3 is masked at decision 'layer0/stride'" in info["invalid_action"]
    strict = NASEnv(space, lambda arch: 0.9, invalid_action="raise")
    strict.reset(seed=0)
    for a in (0, 0, 0):
        strict.step(a)
    with pytest.raises(ValueError, match=r"valid actions are 0..2"):
        strict.step(3)
    with pytest.raises(ValueError, match="unknown invalid_action .ignore.; valid: .'penalty', 'raise'."):
        NASEnv(space, lambda arch: 0.9, invalid_action="ignore")


def test_step_after_termination_raises():
    env = gym.make("nas_env/Synthetic-v0")
    play(env, [0] * 8, seed=0)
    with pytest.raises(RuntimeError, match=r"after the episode ended; call reset\(\)"):
        env.unwrapped.step(0)


def test_failed_child_is_a_result_with_failure_reward():
    def flaky(arch):
        if arch["a"] == 1:
            raise RuntimeError("out of memory")
        return 0.7

    env = NASEnv(nas_env.DecisionSpace({"a": [0, 1]}), flaky, failure_reward=-0.5)
    _, r, info = play(env, [1], seed=0)
    assert r == -0.5 and info["metrics"]["status"] == "failed"
    assert "RuntimeError: out of memory" in info["metrics"]["error"]
    _, r, info = play(env, [0])
    assert r == 0.7 and info["metrics"]["status"] == "ok"


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_reward_is_refused_naming_the_value_and_the_architecture(bad):
    """Issue 22, defect 13: a NaN reward passed env.step unchecked (REINFORCE died far away, others carried on)."""
    env = NASEnv(nas_env.DecisionSpace({"a": [0, 1]}), lambda arch: 0.7, reward=lambda metrics: bad)
    with pytest.raises(nas_env.MetricsError, match=rf"reward '<lambda>' gave {bad!r} for '.+'; a reward must be"):
        play(env, [1], seed=0)
    with pytest.raises(ValueError, match="failure_reward must be a finite number, got nan"):
        NASEnv(nas_env.DecisionSpace({"a": [0, 1]}), lambda arch: 0.7, failure_reward=float("nan"))


def test_masks_three_ways():
    space = ZophLeCNNSpace(num_layers=2)
    env = NASEnv(space, lambda arch: 0.5)
    _, info = env.reset(seed=0)
    for a in (1, 1, 1):
        assert info["action_mask"].tolist() == [1, 1, 1, 1]
        assert env.action_masks().dtype == bool
        _, _, _, _, info = env.step(a)
    for a in (1, 1, 1):
        _, _, _, _, info = env.step(a)
    # skip token: 2 choices out of 4
    assert info["action_mask"].tolist() == [1, 1, 0, 0]
    wrapped = nas_env.MaskedObservation(NASEnv(space, lambda arch: 0.5), "obs", "mask")
    obs, _ = wrapped.reset(seed=0)
    assert set(obs) == {"obs", "mask"} and obs["mask"].dtype == np.int8
    assert wrapped.observation_space.contains(obs)
    for a in (1, 1, 1, 1, 1, 1):
        obs, *_ = wrapped.step(a)
    assert obs["mask"].tolist() == [1, 1, 0, 0]
    gym_check_env(wrapped, skip_render_check=True)


def test_architecture_action_wrapper_one_step_episodes():
    env = nas_env.ArchitectureAction(gym.make("nas_env/NB201-v0"))
    assert env.action_space == gym.spaces.MultiDiscrete([5] * 6)
    env.reset(seed=0)
    _, r, term, trunc, info = env.step(np.array([3, 3, 3, 1, 3, 2]))
    assert term and not trunc and info["arch"] == BEST_NB201_CELL and r == info["metrics"]["val_accuracy"]
    env.reset()
    with pytest.raises(ValueError, match="token 5 at position 0 is outside 0..4"):
        env.step(np.array([5, 0, 0, 0, 0, 0]))
    with pytest.raises(ValueError, match="must be 6 integers"):
        env.step(np.array([1, 2]))
    with pytest.raises(ValueError, match="fixed list of decisions"):
        nas_env.ArchitectureAction(NASEnv(ZophLeCNNSpace(num_layers=(1, 2)), lambda a: 0.5))


@pytest.mark.parametrize("env_id", ["nas_env/NB201-v0", "nas_env/Macro-v0", "nas_env/Synthetic-v0"])
def test_make_vec(env_id):
    envs = gym.make_vec(env_id, num_envs=3)
    obs, info = envs.reset(seed=0)
    assert obs.shape == (3, envs.single_observation_space.shape[0])
    done = np.zeros(3, bool)
    for _ in range(envs.single_observation_space.shape[0]):
        obs, r, term, trunc, info = envs.step(envs.action_space.sample())
        done |= term
    assert done.all() and (r > 0).all()
    envs.close()


def test_user_defined_space_env_in_a_few_lines():
    from nas_env import DecisionSpace, NASEnv

    space = DecisionSpace({"op": ["conv3", "conv5", "pool"], "width": [16, 32]})
    table = {"op=conv3,width=16": 0.71, "op=conv3,width=32": 0.74, "op=conv5,width=16": 0.73,
             "op=conv5,width=32": {"val_accuracy": 0.78, "test_accuracy": 0.77, "params": 1200},
             "op=pool,width=16": 0.52, "op=pool,width=32": 0.55}
    env = NASEnv(space, table)
    _, r, info = play(env, [1, 1], seed=0)
    assert r == 0.78 and info["metrics"]["test_accuracy"] == 0.77 and info["metrics"]["params"] == 1200
    gym_check_env(env, skip_render_check=True)
    missing = NASEnv(space, {"op=conv3,width=16": 0.71})
    _, r, info = play(missing, [2, 0], seed=0)
    assert info["metrics"]["status"] == "failed" and "not in the table" in info["metrics"]["error"]


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=r"unknown NAS-Bench-201 dataset 'mnist'"):
        gym.make("nas_env/NB201-v0", dataset="mnist")
    with pytest.raises(ValueError, match=r"unknown fidelity 100; valid: \[12, 200\]"):
        gym.make("nas_env/NB201-v0", fidelity=100)
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        gym.make("nas_env/NB201-v0", backend="gpu")
    with pytest.raises(ValueError, match="num_choices must be an int >= 1"):
        gym.make("nas_env/Synthetic-v0", num_choices=0)
    with pytest.raises(ValueError, match="space must be a nas_env.spaces.SearchSpace"):
        NASEnv("nb201", lambda a: 0.5)
