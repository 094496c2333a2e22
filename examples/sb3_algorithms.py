"""stable-baselines3 PPO, A2C or DQN searching NAS-Bench-201 cells on ``nas_env/NB201-v0``.

NB201 never masks an action (every edge has all 5 operations), so the plain SB3
algorithms apply unchanged: the observation ``MultiDiscrete([6] * 6)`` is one-hot
encoded by ``MlpPolicy``, the action is ``Discrete(5)``, the reward is the cell's
validation accuracy at the 6th step. ``gamma=1.0``: the only reward is terminal,
so every token of a cell is credited with the cell's accuracy (as in REINFORCE).

    python examples/sb3_algorithms.py --algo ppo --total-timesteps 30000
    python examples/sb3_algorithms.py --algo a2c
    python examples/sb3_algorithms.py --algo dqn --seed 1

The search result is the best architecture of any training episode, remembered
by the small :class:`BestArchitecture` wrapper; the greedy policy's own cell is
printed too.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm

import nas_env  # noqa: F401  (registers nas_env/NB201-v0)

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "a2c": A2C, "dqn": DQN}

# Hyperparameters that differ from SB3's defaults (episodes are 6 steps, the reward is terminal).
HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "ppo": {"n_steps": 240, "batch_size": 60, "n_epochs": 4, "gamma": 1.0, "ent_coef": 0.01, "learning_rate": 1e-3},
    "a2c": {"n_steps": 6, "gamma": 1.0, "ent_coef": 0.01, "learning_rate": 1e-3},
    "dqn": {
        "gamma": 1.0,
        "learning_starts": 600,
        "buffer_size": 20_000,
        "train_freq": 6,
        "target_update_interval": 600,
        "exploration_fraction": 0.5,
        "learning_rate": 1e-3,
    },
}


class BestArchitecture(gym.Wrapper):
    """Remembers the best architecture of any finished episode (what a NAS run returns)."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.best_reward = -math.inf
        self.best_info: dict[str, Any] = {}
        self.episode_rewards: list[float] = []

    def step(self, action: Any):  # type: ignore[override]
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.episode_rewards.append(float(reward))
            if info.get("arch") is not None and reward > self.best_reward:
                self.best_reward, self.best_info = float(reward), info
        return obs, reward, terminated, truncated, info

def first_and_last(rewards: list[float]) -> tuple[int, float, float]:
    """Mean reward of the first and of the last quarter of training's episodes (what learning looks like)."""
    n = max(1, len(rewards) // 4)
    first, last = float(np.mean(rewards[:n])), float(np.mean(rewards[-n:]))
    print(f"mean reward of the first {n} episodes: {first:.4f}")
    print(f"mean reward of the last  {n} episodes: {last:.4f}")
    return n, first, last


def greedy_architecture(model: BaseAlgorithm, env: gym.Env, seed: int) -> tuple[str, float]:
    """Play one episode with the policy's most likely action at every step."""
    obs, _ = env.reset(seed=seed)
    terminated = False
    while not terminated:
        action, _ = model.predict(obs, deterministic=True)
        obs, reward, terminated, _, info = env.step(int(action))
    return info["arch"], float(reward)


def main(algo: str = "ppo", total_timesteps: int = 30_000, seed: int = 0, verbose: int = 0) -> dict[str, Any]:
    """Train ``algo`` on NB201 (CIFAR-10, 200-epoch validation accuracy) and print the best cell found.

    Returns a dict with ``best_arch``, ``best_reward``, ``best_test_accuracy``, ``episodes`` and ``greedy_arch``.
    """
    if algo not in ALGORITHMS:
        raise ValueError(f"algo must be one of {sorted(ALGORITHMS)}, got {algo!r}")
    env = BestArchitecture(gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200))
    model = ALGORITHMS[algo]("MlpPolicy", env, seed=seed, verbose=verbose, **HYPERPARAMETERS[algo])
    model.learn(total_timesteps=total_timesteps)

    best = env.best_info
    greedy_arch, greedy_reward = greedy_architecture(model, gym.make("nas_env/NB201-v0"), seed)
    print(f"{algo.upper()}: {len(env.episode_rewards)} architectures evaluated in {total_timesteps} steps")
    n, first, last = first_and_last(env.episode_rewards)
    print(f"best architecture: {best['arch']}")
    print(f"  validation accuracy (reward) {env.best_reward:.4f}, test accuracy {best['metrics']['test_accuracy']:.4f}")
    print(f"greedy policy's architecture: {greedy_arch} (reward {greedy_reward:.4f})")
    return {
        "best_arch": best["arch"],
        "best_reward": env.best_reward,
        "best_test_accuracy": best["metrics"]["test_accuracy"],
        "episodes": len(env.episode_rewards),
        "episode_rewards": env.episode_rewards,
        "first_mean": first,
        "last_mean": last,
        "greedy_arch": greedy_arch,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algo", choices=sorted(ALGORITHMS), default="ppo")
    parser.add_argument("--total-timesteps", type=int, default=30_000, help="env steps (6 per architecture)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0, help="SB3 verbosity (1: training logs)")
    args = parser.parse_args()
    main(algo=args.algo, total_timesteps=args.total_timesteps, seed=args.seed, verbose=args.verbose)
