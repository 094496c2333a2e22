"""sb3-contrib MaskablePPO on a Zoph & Le CNN space, where actions really are masked.

``ZophLeCNNSpace(num_layers=3, predict_stride=True)`` emits 15 tokens per child:
filter height, width and count (4 choices each), stride (3 choices) and one
skip token per earlier layer (2 choices). The action space is ``Discrete(4)``,
so the stride and skip decisions mask actions 3 (and 2). ``MaskablePPO`` finds
the env's ``action_masks()`` method by itself: no wrapper and no callback needed.

Training real children takes minutes each, so this example rewards a *toy proxy*
(:func:`proxy_accuracy`, instant) instead. Swap in real training with
``gym.make("nas_env/ZophLeCNN-v0", num_layers=3, predict_stride=True)``.

    python examples/sb3_maskable_ppo.py --total-timesteps 20000
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import gymnasium as gym
import numpy as np
from sb3_contrib import MaskablePPO

from nas_env import NASEnv, ZophLeCNNSpace
from nas_env.spaces.zoph_le_cnn import ZophLeCNNArch


def proxy_accuracy(arch: ZophLeCNNArch) -> float:
    """A made-up, instant stand-in for trained accuracy (for demos only).

    Rewards a large receptive field and more filters, a skip connection or two,
    and penalises aggressive striding (which shrinks 8x8 digits to nothing).
    """
    receptive = sum(max(layer.filter_height, layer.filter_width) - 1 for layer in arch.layers)
    width = sum(math.log2(layer.num_filters / 24) for layer in arch.layers) / len(arch.layers)
    skips = sum(len(layer.inputs) for layer in arch.layers)
    downsample = math.prod(layer.stride for layer in arch.layers)
    score = 0.55 + 0.25 * math.tanh(receptive / 8) + 0.08 * width + 0.04 * min(skips, 2) - 0.05 * (downsample - 1)
    return float(np.clip(score, 0.05, 0.99))


def make_env() -> NASEnv:
    """The Zoph & Le CNN grammar (3 layers, searched strides) with the proxy reward."""
    return NASEnv(ZophLeCNNSpace(num_layers=3, predict_stride=True), proxy_accuracy)


def greedy_architecture(model: MaskablePPO, env: NASEnv, seed: int) -> tuple[str, float]:
    """Play one episode with the policy's most likely *valid* action at every step."""
    obs, _ = env.reset(seed=seed)
    terminated = False
    while not terminated:
        action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
        obs, reward, terminated, _, info = env.step(int(action))
    return info["arch"], float(reward)


class BestArchitecture(gym.Wrapper):
    """Remembers every episode's reward and the best architecture, and counts masked actions taken.

    ``MaskablePPO`` still finds ``action_masks()`` through this wrapper (``get_wrapper_attr``).
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.best_reward, self.best_arch, self.invalid = -math.inf, None, 0
        self.episode_rewards: list[float] = []

    def step(self, action: Any):  # type: ignore[override]
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated:
            self.episode_rewards.append(float(reward))
            self.invalid += "invalid_action" in info
            if reward > self.best_reward:
                self.best_reward, self.best_arch = float(reward), info["arch"]
        return obs, reward, terminated, truncated, info

def first_and_last(rewards: list[float]) -> tuple[int, float, float]:
    """Mean reward of the first and of the last quarter of training's episodes (what learning looks like)."""
    n = max(1, len(rewards) // 4)
    first, last = float(np.mean(rewards[:n])), float(np.mean(rewards[-n:]))
    print(f"mean reward of the first {n} episodes: {first:.4f}")
    print(f"mean reward of the last  {n} episodes: {last:.4f}")
    return n, first, last


def main(total_timesteps: int = 20_000, seed: int = 0, verbose: int = 0) -> dict[str, Any]:
    """Train MaskablePPO, then print the best architecture seen and the greedy policy's architecture."""
    env = BestArchitecture(make_env())
    model = MaskablePPO(
        "MlpPolicy",
        env,
        n_steps=300,  # 20 children per update
        batch_size=60,
        n_epochs=4,
        gamma=1.0,  # the only reward is terminal: credit every token with the child's accuracy
        ent_coef=0.01,
        learning_rate=1e-3,
        seed=seed,
        verbose=verbose,
    )
    model.learn(total_timesteps=total_timesteps)

    greedy_arch, greedy_reward = greedy_architecture(model, make_env(), seed)
    print(f"MaskablePPO: {total_timesteps} steps, {env.invalid} masked actions taken (0: the masks were honoured)")
    n, first, last = first_and_last(env.episode_rewards)
    print(f"best architecture: {env.best_arch}  (proxy reward {env.best_reward:.4f})")
    print(f"greedy policy's architecture: {greedy_arch}  (proxy reward {greedy_reward:.4f})")
    return {
        "best_arch": env.best_arch,
        "best_reward": env.best_reward,
        "invalid": env.invalid,
        "greedy_arch": greedy_arch,
        "greedy_reward": greedy_reward,
        "episode_rewards": env.episode_rewards,
        "first_mean": first,
        "last_mean": last,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--total-timesteps", type=int, default=20_000, help="env steps (15 per architecture)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    main(total_timesteps=args.total_timesteps, seed=args.seed, verbose=args.verbose)
