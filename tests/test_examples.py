"""Smoke tests of examples/*.py: each example's ``main`` runs with tiny budgets and finds an architecture."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import gymnasium as gym
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` as a module (examples/ is not a package)."""
    module_name = f"nas_env_example_{name}"
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny networks: one thread is faster on a shared machine and keeps timings stable."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def assert_nb201_arch(arch: str | None) -> None:
    assert arch is not None and arch.startswith("|") and arch.count("~") == 6


@pytest.mark.parametrize(("algo", "steps"), [("ppo", 240), ("a2c", 120), ("dqn", 660)])
def test_sb3_algorithms(algo: str, steps: int, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("stable_baselines3")
    out = load_example("sb3_algorithms").main(algo=algo, total_timesteps=steps, seed=0)
    assert out["episodes"] == steps // 6
    assert_nb201_arch(out["best_arch"])
    assert_nb201_arch(out["greedy_arch"])
    assert 0.1 < out["best_reward"] < 1.0
    assert "best architecture: |" in capsys.readouterr().out


def test_sb3_algorithms_rejects_unknown_algo() -> None:
    pytest.importorskip("stable_baselines3")
    with pytest.raises(ValueError, match="algo must be one of"):
        load_example("sb3_algorithms").main(algo="sac", total_timesteps=6)


def test_sb3_maskable_ppo_honours_masks() -> None:
    pytest.importorskip("sb3_contrib")
    out = load_example("sb3_maskable_ppo").main(total_timesteps=300, seed=0)
    assert out["invalid"] == 0  # masked actions are never sampled
    assert out["best_arch"].count("|") == 2  # three layers
    assert out["greedy_reward"] > 0  # the greedy rollout with action_masks() is valid too


def test_sb3_recurrent_ppo() -> None:
    pytest.importorskip("sb3_contrib")
    out = load_example("sb3_recurrent_ppo").main(total_timesteps=240, seed=0)
    assert out["episodes"] == 40
    assert_nb201_arch(out["best_arch"])
    assert_nb201_arch(out["greedy_arch"])


def test_cleanrl_ppo_on_nb201() -> None:
    out = load_example("cleanrl_ppo").main(total_timesteps=384, seed=0, report_episodes=10)
    assert out["episodes"] == 384 // 6
    assert_nb201_arch(out["best_arch"])
    assert 0.0 <= out["first_mean"] <= 1.0 and 0.0 <= out["last_mean"] <= 1.0


def test_cleanrl_ppo_masks_on_a_masked_space() -> None:
    """On the Zoph & Le grammar (stride and skip tokens mask actions) no masked action is ever taken."""
    pytest.importorskip("sb3_contrib")  # make_env lives in the MaskablePPO example
    make_env = load_example("sb3_maskable_ppo").make_env
    env_id = "nas_env_test/MaskedZophLeCNN-v0"
    if env_id not in gym.registry:
        gym.register(env_id, entry_point=make_env)
    try:
        out = load_example("cleanrl_ppo").main(total_timesteps=480, seed=0, env_id=env_id, num_steps=60)
    finally:
        gym.registry.pop(env_id, None)
    assert out["invalid"] == 0
    assert out["episodes"] == 480 // 15


def test_cleanrl_ppo_command_line() -> None:
    path = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "cleanrl_ppo.py"), "--total-timesteps", "192", "--anneal-lr", "false"],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "mean reward of the last" in proc.stdout and "best architecture: |" in proc.stdout


def test_tianshou_dqn_with_obs_mask() -> None:
    pytest.importorskip("tianshou")
    out = load_example("tianshou_dqn").main(total_timesteps=400, seed=0, env="cnn", num_envs=2)
    assert out["invalid"] == 0  # masks reach the policy through obs.mask (greedy and epsilon-greedy)
    assert out["episodes"] >= 400 // 15 - 2
    assert out["best_arch"].count("|") == 2
    assert out["greedy_reward"] > 0
