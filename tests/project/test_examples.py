"""examples/*.py on tiny budgets, each checked for something that can go wrong.

* learning shown: every example that trains an agent prints the mean reward of the first and of the last quarter
  of its training (:func:`assert_prints_learning`);
* learning: the mean reward of the last episodes beats the first episodes and random search
  (same seed, same number of architectures): ``cleanrl_ppo`` on NB201, ``sb3_maskable_ppo`` on its proxy;
* determinism: the same seed gives exactly the same result twice (every example, one per test);
* the right numbers: a reported NB201 reward is an entry of the NB201 table for that cell;
* masks: no masked action is ever taken (MaskablePPO, CleanRL on a masked grammar, Tianshou).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from nas_env.evaluators import NB201Table
from tests.helpers import REPO, load_script

ROOT = REPO
EXAMPLES = ROOT / "examples"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` as a module (examples/ is not a package)."""
    return load_script(EXAMPLES / f"{name}.py", f"nas_env_example_{name}")


def run_quietly(main: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = main(*args, **kwargs)
    return result, out.getvalue()


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def assert_nb201_reward(arch: str, reward: float, test_accuracy: float | None = None) -> None:
    """``reward`` is the 200-epoch CIFAR-10 validation accuracy of one of the table's training runs of ``arch``."""
    table = NB201Table("cifar10")
    row = table.row(arch)  # raises on anything but a NAS-Bench-201 cell string
    assert reward in table.val200[row].tolist()
    if test_accuracy is not None:
        assert test_accuracy == table.test200[row]


def assert_prints_learning(printed: str, out: dict[str, Any], rewards: list[float], unit: str = "episodes") -> None:
    """The example printed the mean reward of the first and of the last quarter of ``rewards`` (its training)."""
    n = max(1, len(rewards) // 4)
    first, last = float(np.mean(rewards[:n])), float(np.mean(rewards[-n:]))
    assert f"mean reward of the first {n} {unit}: {first:.4f}\n" in printed, printed
    assert f"mean reward of the last  {n} {unit}: {last:.4f}\n" in printed, printed
    assert (out["first_mean"], out["last_mean"]) == pytest.approx((first, last))


def random_search_rewards(env: gym.Env, n: int, seed: int) -> list[float]:
    """``n`` architectures drawn uniformly over the valid tokens: the baseline a learner has to beat."""
    rng = np.random.default_rng(seed)
    _, info = env.reset(seed=seed)
    rewards = []
    for _ in range(n):
        terminated = False
        while not terminated:
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            _, reward, terminated, _, info = env.step(action)
        rewards.append(float(reward))
        _, info = env.reset()
    return rewards


# ---------------------------------------------------------------- cleanrl_ppo.py (no extra needed)
#: the example steps its vector env with same-step autoreset, which gymnasium has from 1.1 (1.0 is allowed: .ci/lowest)
needs_same_step_autoreset = pytest.mark.skipif(not hasattr(gym.vector, "AutoresetMode"),
                                               reason="examples/cleanrl_ppo.py needs gymnasium >= 1.1")


@needs_same_step_autoreset
def test_cleanrl_ppo_learns_on_nb201() -> None:
    """256 cells (8 PPO updates): the last 64 beat the first 64 and random search's 256."""
    out, printed = run_quietly(load_example("cleanrl_ppo").main, total_timesteps=1536, seed=0, report_episodes=64)
    assert out["episodes"] == 256
    assert f"mean reward of the first 64 episodes: {out['first_mean']:.4f}\n" in printed
    assert f"mean reward of the last  64 episodes: {out['last_mean']:.4f}\n" in printed
    random_mean = float(np.mean(random_search_rewards(gym.make("nas_env/NB201-v0"), 256, seed=0)))
    assert out["last_mean"] > out["first_mean"] + 0.02  # measured: 0.830 -> 0.895
    assert out["last_mean"] > random_mean + 0.03  # measured: random search 0.840
    assert_nb201_reward(out["best_arch"], out["best_reward"])


@needs_same_step_autoreset
def test_cleanrl_ppo_is_deterministic() -> None:
    main = load_example("cleanrl_ppo").main
    first, _ = run_quietly(main, total_timesteps=576, seed=3, report_episodes=16)
    second, _ = run_quietly(main, total_timesteps=576, seed=3, report_episodes=16)
    assert first == second
    other, _ = run_quietly(main, total_timesteps=576, seed=4, report_episodes=16)
    assert other != first  # the seed is used


@needs_same_step_autoreset
def test_cleanrl_ppo_command_line_is_main() -> None:
    """``python examples/cleanrl_ppo.py --flag value`` runs ``main`` with those values (bools included)."""
    path = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}
    argv = ["--total-timesteps", "1152", "--seed", "2", "--anneal-lr", "false", "--report-episodes", "16"]
    proc = subprocess.run([sys.executable, str(EXAMPLES / "cleanrl_ppo.py"), *argv],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    main = load_example("cleanrl_ppo").main
    _, expected = run_quietly(main, total_timesteps=1152, seed=2, anneal_lr=False, report_episodes=16)
    _, annealed = run_quietly(main, total_timesteps=1152, seed=2, anneal_lr=True, report_episodes=16)

    def results(text: str) -> list[str]:  # all but the wall-time line
        return [line for line in text.splitlines() if not re.search(r"architectures in [\d.]+s$", line)]

    assert results(proc.stdout) == results(expected)
    assert results(expected) != results(annealed)  # so a misread --anneal-lr would show
    assert "mean reward of the last  16 episodes" in proc.stdout and "best architecture: |" in proc.stdout


@needs_same_step_autoreset
def test_cleanrl_ppo_masks_on_a_masked_space() -> None:
    """On the Zoph & Le grammar (stride and skip tokens mask actions) no masked action is ever taken."""
    pytest.importorskip("sb3_contrib")  # make_env lives in the MaskablePPO example
    make_env = load_example("sb3_maskable_ppo").make_env
    env_id = "nas_env_test/MaskedZophLeCNN-v0"
    if env_id not in gym.registry:
        gym.register(env_id, entry_point=make_env)
    try:
        out, _ = run_quietly(load_example("cleanrl_ppo").main, total_timesteps=480, seed=0, env_id=env_id,
                             num_steps=60)
    finally:
        gym.registry.pop(env_id, None)
    assert out["invalid"] == 0
    assert out["episodes"] == 480 // 15


# ---------------------------------------------------------------- sb3_algorithms.py
@pytest.mark.parametrize(("algo", "steps"), [("ppo", 240), ("a2c", 120), ("dqn", 660)])
def test_sb3_algorithms_deterministic_and_table_rewards(algo: str, steps: int) -> None:
    pytest.importorskip("stable_baselines3")
    main = load_example("sb3_algorithms").main
    out, printed = run_quietly(main, algo=algo, total_timesteps=steps, seed=0)
    again, printed_again = run_quietly(main, algo=algo, total_timesteps=steps, seed=0)
    assert out == again and printed == printed_again
    assert out["episodes"] == steps // 6
    assert_nb201_reward(out["best_arch"], out["best_reward"], out["best_test_accuracy"])
    NB201Table.row(out["greedy_arch"])  # the greedy policy's cell is a NAS-Bench-201 cell
    assert f"best architecture: {out['best_arch']}\n" in printed
    assert len(out["episode_rewards"]) == steps // 6
    assert_prints_learning(printed, out, out["episode_rewards"])


def test_sb3_algorithms_rejects_unknown_algo() -> None:
    pytest.importorskip("stable_baselines3")
    with pytest.raises(ValueError, match="algo must be one of"):
        load_example("sb3_algorithms").main(algo="sac", total_timesteps=6)


# ---------------------------------------------------------------- sb3_maskable_ppo.py
def test_sb3_maskable_ppo_learns_and_honours_masks() -> None:
    """160 children (8 updates) on the masked Zoph & Le grammar: the last 40 beat the first 40 and random search."""
    pytest.importorskip("sb3_contrib")
    example = load_example("sb3_maskable_ppo")
    out, printed = run_quietly(example.main, total_timesteps=2400, seed=0)
    rewards = out["episode_rewards"]
    assert_prints_learning(printed, out, rewards)
    assert len(rewards) == 160 and out["invalid"] == 0  # masked actions are never sampled
    first, last = np.mean(rewards[:40]), np.mean(rewards[-40:])
    random_mean = np.mean(random_search_rewards(example.make_env(), 160, seed=0))
    assert last > first + 0.1  # measured: 0.58 -> 0.78
    assert last > random_mean + 0.1  # measured: random search 0.56
    assert out["best_reward"] == max(rewards) and out["best_arch"].count("|") == 2  # three layers
    assert out["greedy_reward"] > 0  # the greedy rollout with action_masks() is valid too


# ---------------------------------------------------------------- sb3_recurrent_ppo.py
def test_sb3_recurrent_ppo_deterministic_and_table_rewards() -> None:
    pytest.importorskip("sb3_contrib")
    main = load_example("sb3_recurrent_ppo").main
    out, printed = run_quietly(main, total_timesteps=240, seed=0)
    again, _ = run_quietly(main, total_timesteps=240, seed=0)
    assert out == again
    assert out["episodes"] == 40 == len(out["episode_rewards"])
    assert_prints_learning(printed, out, out["episode_rewards"])
    assert_nb201_reward(out["best_arch"], out["best_reward"])
    NB201Table.row(out["greedy_arch"])


# ---------------------------------------------------------------- tianshou_dqn.py
@pytest.mark.slow  # the first Tianshou training in a process takes ~15 s
def test_tianshou_dqn_masks_and_determinism() -> None:
    pytest.importorskip("tianshou")
    main = load_example("tianshou_dqn").main
    out, printed = run_quietly(main, total_timesteps=400, seed=0, env="cnn", num_envs=2)
    again, _ = run_quietly(main, total_timesteps=400, seed=0, env="cnn", num_envs=2)
    assert out == again
    assert len(out["episode_rewards"]) == out["episodes"] and max(out["episode_rewards"]) == out["best_reward"]
    assert_prints_learning(printed, out, out["episode_rewards"])
    assert out["invalid"] == 0  # masks reach the policy through obs.mask (greedy and epsilon-greedy)
    assert out["episodes"] >= 400 // 15 - 2
    assert out["best_arch"].count("|") == 2
    assert out["greedy_reward"] > 0


# ---------------------------------------------------------------- zoph_le_digits.py (real training)
@pytest.mark.slow  # trains 6 small CNNs on digits
def test_zoph_le_digits_trains_deterministically() -> None:
    main = load_example("zoph_le_digits").main
    argv = ["--budget", "3", "--layers", "2", "--epochs", "1", "--seed", "0"]
    out, printed = run_quietly(main, argv)
    again, _ = run_quietly(main, argv)

    def results(run: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:  # all but the measured time
        return [(arch, {k: v for k, v in m.items() if k != "cost_seconds"}) for arch, m in run["children"]]

    assert results(out) == results(again)  # same seed: same children, trained accuracies, parameters, FLOPs
    archs = [arch for arch, _ in out["children"]]
    assert len(archs) == 3 and len(set(archs)) == 3
    vals = [m["val_accuracy"] for _, m in out["children"] if m["status"] == "ok"]
    assert out["best_metrics"]["val_accuracy"] == max(vals)
    assert f"best architecture: {out['best_arch']}\n" in printed


# ---------------------------------------------------------------- rllib_ppo.py
@pytest.mark.slow  # a local Ray, an env runner actor and RLlib's imports: ~60-110 s on 2 cores
def test_rllib_ppo_trains_with_masks_on_env_runners() -> None:
    """Two full RLlib iterations (new API stack, one env runner actor): masks honoured, the return rises."""
    pytest.importorskip("ray.rllib")
    out, printed = run_quietly(load_example("rllib_ppo").main, iterations=2, seed=0, batch_size=600)
    assert out["iterations"] == 2
    assert out["env_steps"] == 1200 and out["episodes"] == 80  # 15 tokens per architecture, whole episodes
    assert out["invalid"] == 0 and not out["greedy_invalid"]  # sampled and greedy actions respect the mask
    assert out["greedy_arch"].count("|") == 2 and out["greedy_reward"] > 0  # three layers, a valid child
    assert out["returns"][1] > out["returns"][0]  # measured: 0.452 -> 0.554
    assert 0 < out["best_reward"] < 1
    assert "0 masked actions taken" in printed
    assert_prints_learning(printed, out, out["returns"], unit="iterations")


def test_rllib_ppo_waits_for_slow_env_runners_instead_of_dropping_their_batch() -> None:
    """With RLlib's 60 s sample timeout, a loaded machine (two suites and two busy loops on 2 cores) got an iteration
    with no samples: 600 env steps after 2 iterations instead of 1,200. The example waits for every batch."""
    pytest.importorskip("ray.rllib")
    assert load_example("rllib_ppo").build_config(seed=0, num_env_runners=1, batch_size=600).sample_timeout_s is None


# ---------------------------------------------------------------- torchrl_ppo.py
def test_torchrl_ppo_learns_with_a_masked_categorical() -> None:
    """200 architectures (5 PPO batches) through TorchRL's GymWrapper: no masked action, the reward rises."""
    pytest.importorskip("torchrl")
    out, printed = run_quietly(load_example("torchrl_ppo").main, total_frames=3000, seed=0)
    assert out["episodes"] == 200 and len(out["batch_means"]) == 5  # 15 tokens per architecture
    assert out["invalid"] == 0 and not out["greedy_invalid"]  # MaskedCategorical never samples a masked action
    assert out["batch_means"][-1] > out["batch_means"][0] + 0.1  # measured: 0.580 -> 0.761
    assert out["best_reward"] == max(out["episode_rewards"]) and out["best_arch"].count("|") == 2
    assert out["greedy_arch"].count("|") == 2 and out["greedy_reward"] > 0
    assert f"best architecture: {out['best_arch']}" in printed
    assert_prints_learning(printed, out, out["episode_rewards"])


@pytest.fixture(autouse=True)
def _restore_torch_determinism():
    """RLlib's seeding turns on torch's deterministic algorithms process-wide; later tests expect the default."""

    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    yield
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)
