"""The hardware-aware protocols: NAS-Bench-201 CIFAR-10 under a HW-NAS-Bench latency limit."""

from __future__ import annotations

import gymnasium as gym
import pytest

from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.latency import LATENCY_ENV_ID, LATENCY_LIMITS_MS


def test_the_env_passes_both_checkers():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(LATENCY_ENV_ID, device="raspi4")
    check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(env)
    env.close()


@pytest.mark.parametrize("device", sorted(LATENCY_LIMITS_MS))
def test_reward_is_the_12_epoch_accuracy_within_the_limit_else_zero(device):
    env = get_protocol(f"nb201-latency-{device}").make_env()
    limit, seen = LATENCY_LIMITS_MS[device], set()
    env.reset(seed=0)
    for _ in range(60):
        env.reset()
        terminated = False
        while not terminated:
            _, reward, terminated, _, info = env.step(int(env.unwrapped.np_random.integers(5)))
        m = info["metrics"]
        feasible = m["latency_ms"][device] <= limit
        assert reward == (m["val_accuracy"] if feasible else 0.0)
        assert m["status"] == "ok" and m["fidelity"] == 12
        seen.add(feasible)
    assert seen == {True, False}  # the limit is the median: both sides are drawn
    env.close()


def test_bad_device_or_limit_is_one_clear_error():
    with pytest.raises(ValueError, match=r"unknown HW-NAS-Bench device 'tpu'; valid: \['eyeriss'"):
        gym.make(LATENCY_ENV_ID, device="tpu")
    with pytest.raises(ValueError, match="device 'eyeriss' has no default max_latency_ms"):
        gym.make(LATENCY_ENV_ID, device="eyeriss")
    with pytest.raises(ValueError, match="max_latency_ms"):
        gym.make(LATENCY_ENV_ID, device="fpga", max_latency_ms=0)
