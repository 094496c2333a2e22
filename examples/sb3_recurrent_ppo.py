"""sb3-contrib RecurrentPPO (an LSTM policy, like Zoph & Le's controller) on ``nas_env/NB201-v0``.

Zoph & Le's controller is an LSTM that reads its own previous token. RecurrentPPO's
``MlpLstmPolicy`` is the closest off-the-shelf equivalent: the LSTM sees the
observation (the tokens so far, one-hot) at every step and carries a hidden state
through the episode, reset at every new architecture.

    python examples/sb3_recurrent_ppo.py --total-timesteps 30000
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import gymnasium as gym
import numpy as np
from sb3_contrib import RecurrentPPO

import nas_env  # noqa: F401  (registers nas_env/NB201-v0)


class BestArchitecture(gym.Wrapper):
    """Remembers the best architecture of any finished episode (what a NAS run returns)."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.best_reward, self.best_info, self.episodes = -math.inf, {}, 0
        self.episode_rewards: list[float] = []

    def step(self, action: Any):  # type: ignore[override]
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.episodes += 1
            self.episode_rewards.append(float(reward))
            if info.get("arch") is not None and reward > self.best_reward:
                self.best_reward, self.best_info = float(reward), info
        return obs, reward, terminated, truncated, info


def greedy_architecture(model: RecurrentPPO, env: gym.Env, seed: int) -> tuple[str, float]:
    """Play one episode greedily, carrying the LSTM state from step to step."""
    obs, _ = env.reset(seed=seed)
    state, episode_start = None, np.ones((1,), dtype=bool)
    terminated = False
    while not terminated:
        action, state = model.predict(obs, state=state, episode_start=episode_start, deterministic=True)
        episode_start = np.zeros((1,), dtype=bool)
        obs, reward, terminated, _, info = env.step(int(action))
    return info["arch"], float(reward)


def make_env() -> gym.Env:
    """NB201 with the observation one-hot encoded as a flat ``Box`` (36 floats).

    Why the wrapper: SB3 sizes ``MultiDiscrete`` features with ``sum(nvec)``, a numpy
    integer, and torch 2.13's ``nn.LSTM`` rejects a non-``int`` ``input_size``
    (``TypeError: input_size should be of type int, got: int64``). ``FlattenObservation``
    does the same one-hot encoding on the env side, so nothing is lost.
    """
    return gym.wrappers.FlattenObservation(gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200))

def first_and_last(rewards: list[float]) -> tuple[int, float, float]:
    """Mean reward of the first and of the last quarter of training's episodes (what learning looks like)."""
    n = max(1, len(rewards) // 4)
    first, last = float(np.mean(rewards[:n])), float(np.mean(rewards[-n:]))
    print(f"mean reward of the first {n} episodes: {first:.4f}")
    print(f"mean reward of the last  {n} episodes: {last:.4f}")
    return n, first, last


def main(total_timesteps: int = 30_000, seed: int = 0, verbose: int = 0) -> dict[str, Any]:
    """Train RecurrentPPO on NB201 (CIFAR-10, 200 epochs) and print the best cell found."""
    env = BestArchitecture(make_env())
    model = RecurrentPPO(
        "MlpLstmPolicy",
        env,
        n_steps=240,  # 40 cells per update
        batch_size=60,
        n_epochs=4,
        gamma=1.0,  # terminal reward only
        ent_coef=0.01,
        learning_rate=1e-3,
        policy_kwargs={"lstm_hidden_size": 35, "n_lstm_layers": 2},  # Zoph & Le: 2 layers of 35 units
        seed=seed,
        verbose=verbose,
    )
    model.learn(total_timesteps=total_timesteps)

    best = env.best_info
    greedy_arch, greedy_reward = greedy_architecture(model, make_env(), seed)
    print(f"RecurrentPPO: {env.episodes} architectures evaluated in {total_timesteps} steps")
    n, first, last = first_and_last(env.episode_rewards)
    print(f"best architecture: {best['arch']}")
    print(f"  validation accuracy (reward) {env.best_reward:.4f}, test accuracy {best['metrics']['test_accuracy']:.4f}")
    print(f"greedy policy's architecture: {greedy_arch} (reward {greedy_reward:.4f})")
    return {
        "best_arch": best["arch"],
        "best_reward": env.best_reward,
        "episodes": env.episodes,
        "episode_rewards": env.episode_rewards,
        "first_mean": first,
        "last_mean": last,
        "greedy_arch": greedy_arch,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--total-timesteps", type=int, default=30_000, help="env steps (6 per architecture)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    main(total_timesteps=args.total_timesteps, seed=args.seed, verbose=args.verbose)
