"""Tianshou 2.x DQN with action masks through Tianshou's ``obs.mask`` convention.

Tianshou's discrete policies read a mask from ``batch.obs.mask`` and the network
input from ``batch.obs.obs``. ``nas_env.MaskedObservation(env, obs_key="obs",
mask_key="mask")`` produces exactly that ``Dict`` observation, so masked actions
are never chosen, neither greedily nor by epsilon-greedy exploration.

The env is the Zoph & Le CNN grammar with 3 layers and searched strides (masked
actions at the stride and skip tokens) rewarded by an instant toy proxy; use
``--env nb201`` for NAS-Bench-201 (no masked actions, real table rewards).

    pip install tianshou          # tested with tianshou 2.0.1 (see docs/integrations.md)
    python examples/tianshou_dqn.py --total-timesteps 20000
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tianshou.algorithm import DQN
from tianshou.algorithm.modelfree.dqn import DiscreteQLearningPolicy
from tianshou.algorithm.optim import AdamOptimizerFactory
from tianshou.data import Batch, Collector, VectorReplayBuffer
from tianshou.env import DummyVectorEnv
from tianshou.trainer import OffPolicyTrainerParams
from torch import nn

import nas_env  # noqa: F401  (registers nas_env/NB201-v0)
from nas_env import MaskedObservation, NASEnv, ZophLeCNNSpace
from nas_env.spaces.zoph_le_cnn import ZophLeCNNArch


def proxy_accuracy(arch: ZophLeCNNArch) -> float:
    """A made-up, instant stand-in for trained accuracy (demos only; same as examples/sb3_maskable_ppo.py)."""
    receptive = sum(max(layer.filter_height, layer.filter_width) - 1 for layer in arch.layers)
    width = sum(math.log2(layer.num_filters / 24) for layer in arch.layers) / len(arch.layers)
    skips = sum(len(layer.inputs) for layer in arch.layers)
    downsample = math.prod(layer.stride for layer in arch.layers)
    score = 0.55 + 0.25 * math.tanh(receptive / 8) + 0.08 * width + 0.04 * min(skips, 2) - 0.05 * (downsample - 1)
    return float(np.clip(score, 0.05, 0.99))


class BestArchitecture(gym.Wrapper):
    """Remembers the best architecture of any finished episode and counts masked actions taken."""

    def __init__(self, env: gym.Env, log: list[float] | None = None):
        super().__init__(env)
        self.best_reward, self.best_arch, self.episodes, self.invalid = -math.inf, None, 0, 0
        self.log = [] if log is None else log  # every episode's reward, in the order they end (shared by envs)

    def step(self, action: Any):  # type: ignore[override]
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.episodes += 1
            self.log.append(float(reward))
            self.invalid += "invalid_action" in info
            if info.get("arch") is not None and reward > self.best_reward:
                self.best_reward, self.best_arch = float(reward), info["arch"]
        return obs, reward, terminated, truncated, info


class DropInfo(gym.Wrapper):
    """Return an empty ``info``: Tianshou's trainer rejects a replay buffer holding ``None`` values.

    nas_env's terminal ``info["metrics"]`` has ``None`` for unknown values (``error`` of a
    successful child, ``test_accuracy`` of a proxy), and Tianshou 2's off-policy trainer
    raises ``MalformedBufferError: Encountered NaNs in buffer`` on any ``None``/NaN in the
    buffer, infos included. The mask travels in the observation, so nothing is lost.
    """

    def reset(self, **kwargs: Any):  # type: ignore[override]
        obs, _ = self.env.reset(**kwargs)
        return obs, {}

    def step(self, action: Any):  # type: ignore[override]
        obs, reward, terminated, truncated, _ = self.env.step(action)
        return obs, reward, terminated, truncated, {}


def make_env(name: str, log: list[float] | None = None) -> gym.Env:
    """``"cnn"``: Zoph & Le grammar + proxy reward (masked actions); ``"nb201"``: the NB201 table. ``log``
    collects every episode's reward."""
    if name == "cnn":
        base: gym.Env = NASEnv(ZophLeCNNSpace(num_layers=3, predict_stride=True), proxy_accuracy)
    elif name == "nb201":
        base = gym.make("nas_env/NB201-v0")
    else:
        raise ValueError(f"env must be 'cnn' or 'nb201', got {name!r}")
    # the recorder reads the full info; Tianshou then sees {"obs": ..., "mask": ...} and an empty info
    return MaskedObservation(DropInfo(BestArchitecture(base, log)), obs_key="obs", mask_key="mask")


class QNet(nn.Module):
    """Q-values from the one-hot tokens so far. Tianshou calls ``model(obs, state=..., info=...)``."""

    def __init__(self, obs_space: gym.spaces.MultiDiscrete, num_actions: int, hidden: int = 64):
        super().__init__()
        self.num_classes = int(obs_space.nvec.max())
        self.net = nn.Sequential(
            nn.Linear(int(obs_space.nvec.size) * self.num_classes, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_actions),
        )

    def forward(self, obs: Any, state: Any = None, info: Any = None) -> tuple[torch.Tensor, Any]:
        x = torch.as_tensor(np.asarray(obs), dtype=torch.long)
        return self.net(nn.functional.one_hot(x, self.num_classes).flatten(1).float()), state

def first_and_last(rewards: list[float]) -> tuple[int, float, float]:
    """Mean reward of the first and of the last quarter of training's episodes (what learning looks like)."""
    n = max(1, len(rewards) // 4)
    first, last = float(np.mean(rewards[:n])), float(np.mean(rewards[-n:]))
    print(f"mean reward of the first {n} episodes: {first:.4f}")
    print(f"mean reward of the last  {n} episodes: {last:.4f}")
    return n, first, last


def main(total_timesteps: int = 20_000, seed: int = 0, env: str = "cnn", num_envs: int = 4) -> dict[str, Any]:
    """Train DQN with masks, then print the best architecture found and the greedy policy's one."""
    np.random.seed(seed)
    torch.manual_seed(seed)
    episode_rewards: list[float] = []  # the envs step one after another: this is the order episodes end
    envs = [make_env(env, episode_rewards) for _ in range(num_envs)]
    recorders = [e.env.env for e in envs]  # the BestArchitecture wrappers
    train_envs = DummyVectorEnv([lambda e=e: e for e in envs])
    train_envs.seed(seed)

    obs_space = envs[0].observation_space["obs"]  # type: ignore[index]
    n_actions = int(envs[0].action_space.n)  # type: ignore[attr-defined]
    policy = DiscreteQLearningPolicy(
        model=QNet(obs_space, n_actions), action_space=envs[0].action_space, eps_training=1.0, eps_inference=0.0
    )
    algorithm = DQN(
        policy=policy,
        optim=AdamOptimizerFactory(lr=1e-3),
        gamma=1.0,  # terminal reward only
        n_step_return_horizon=1,
        target_update_freq=100,
    )
    collector = Collector(algorithm, train_envs, VectorReplayBuffer(20_000, num_envs), exploration_noise=True)
    collector.reset()

    epoch_steps = max(num_envs * 10, total_timesteps // 10)

    def decay_epsilon(epoch: int, env_step: int) -> None:  # linear 1.0 -> 0.05 over the first half
        policy.set_eps_training(max(0.05, 1.0 - 1.9 * env_step / total_timesteps))

    algorithm.run_training(
        OffPolicyTrainerParams(
            training_collector=collector,
            test_collector=None,
            max_epochs=max(1, total_timesteps // epoch_steps),
            epoch_num_steps=epoch_steps,
            collection_step_num_env_steps=num_envs * 10,
            batch_size=64,
            update_step_num_gradient_steps_per_sample=0.25,
            training_fn=decay_epsilon,
            show_progress=False,
            verbose=False,
        )
    )

    # the greedy policy's architecture: the mask reaches the policy in batch.obs.mask
    policy.eval()
    probe = make_env(env)
    obs, _ = probe.reset(seed=seed)
    terminated = False
    while not terminated:
        act = policy(Batch(obs=Batch(obs=obs["obs"][None], mask=obs["mask"][None]), info=Batch())).act
        obs, reward, terminated, _, _ = probe.step(int(act[0]))
    greedy_arch = probe.env.env.best_arch  # type: ignore[attr-defined]  (its only episode)
    best = max(recorders, key=lambda r: r.best_reward)
    episodes = sum(r.episodes for r in recorders)
    invalid = sum(r.invalid for r in recorders)
    print(f"Tianshou DQN: {episodes} architectures, {invalid} masked actions taken (0: masks honoured)")
    n, first, last = first_and_last(episode_rewards)
    print(f"best architecture: {best.best_arch}  (reward {best.best_reward:.4f})")
    print(f"greedy policy's architecture: {greedy_arch}  (reward {reward:.4f})")
    return {
        "best_arch": best.best_arch,
        "best_reward": best.best_reward,
        "episodes": episodes,
        "invalid": invalid,
        "episode_rewards": episode_rewards,
        "first_mean": first,
        "last_mean": last,
        "greedy_arch": greedy_arch,
        "greedy_reward": float(reward),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--total-timesteps", type=int, default=20_000, help="env steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--env", choices=["cnn", "nb201"], default="cnn")
    parser.add_argument("--num-envs", type=int, default=4)
    args = parser.parse_args()
    main(total_timesteps=args.total_timesteps, seed=args.seed, env=args.env, num_envs=args.num_envs)
