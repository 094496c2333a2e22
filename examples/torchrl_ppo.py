"""TorchRL PPO with a masked categorical policy on nas-env through TorchRL's Gymnasium wrapper.

``nas_env.MaskedObservation`` turns the observation into ``{"observation": ...,
"action_mask": ...}``; TorchRL's ``GymWrapper`` maps each key of that ``Dict`` to a
tensordict entry of the same name. The actor's logits and the mask go into
``torchrl.modules.MaskedCategorical``, which gives masked actions probability 0:
they are never sampled, and the PPO update recomputes log-probabilities under the
same masks (they are in the collected tensordict).

The env is the Zoph & Le CNN grammar with 3 layers and searched strides (masked
actions at the stride and skip tokens) rewarded by an instant toy proxy; the
token observation is one-hot encoded on the env side (``FlattenObservation``).

    pip install -e '.[torchrl]'   # tested with torchrl 0.14.1, tensordict 0.14.3 (see docs/integrations.md)
    python examples/torchrl_ppo.py --total-frames 12000
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tensordict.nn import TensorDictModule, TensorDictSequential
from torch import nn
from torchrl.collectors import Collector
from torchrl.envs import GymWrapper
from torchrl.envs.utils import ExplorationType, set_exploration_type
from torchrl.modules import MaskedCategorical, ProbabilisticActor, ValueOperator
from torchrl.objectives import ClipPPOLoss
from torchrl.objectives.value import GAE

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
    """Remembers every episode's reward and the best architecture, and counts masked actions taken."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.best_reward, self.best_arch, self.invalid = -math.inf, None, 0
        self.episode_rewards: list[float] = []

    def step(self, action: Any):  # type: ignore[override]
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.episode_rewards.append(float(reward))
            self.invalid += "invalid_action" in info
            if info.get("arch") is not None and reward > self.best_reward:
                self.best_reward, self.best_arch = float(reward), info["arch"]
        return obs, reward, terminated, truncated, info


def make_env() -> tuple[GymWrapper, BestArchitecture]:
    """The masked grammar as a TorchRL env (``observation``: one-hot tokens, ``action_mask``), and its recorder."""
    recorder = BestArchitecture(NASEnv(ZophLeCNNSpace(num_layers=3, predict_stride=True), proxy_accuracy))
    one_hot = gym.wrappers.DtypeObservation(gym.wrappers.FlattenObservation(recorder), np.float32)
    env = MaskedObservation(one_hot, obs_key="observation", mask_key="action_mask")
    return GymWrapper(env, categorical_action_encoding=True), recorder


def make_actor_critic(n_obs: int, n_actions: int, hidden: int = 64) -> tuple[ProbabilisticActor, ValueOperator]:
    """Logits from the one-hot tokens, masked by ``action_mask`` in ``MaskedCategorical``; a separate critic."""
    logits = TensorDictModule(nn.Sequential(nn.Linear(n_obs, hidden), nn.Tanh(), nn.Linear(hidden, n_actions)),
                              in_keys=["observation"], out_keys=["logits"])
    as_bool = TensorDictModule(lambda m: m.bool(), in_keys=["action_mask"], out_keys=["mask"])
    actor = ProbabilisticActor(TensorDictSequential(logits, as_bool), in_keys=["logits", "mask"],
                               out_keys=["action"], distribution_class=MaskedCategorical, return_log_prob=True)
    critic = ValueOperator(nn.Sequential(nn.Linear(n_obs, hidden), nn.Tanh(), nn.Linear(hidden, 1)),
                           in_keys=["observation"])
    return actor, critic


def greedy_architecture(actor: ProbabilisticActor, seed: int) -> tuple[str, float, bool]:
    """One episode with the most likely valid action at every step."""
    env, recorder = make_env()
    env.set_seed(seed)
    with torch.no_grad(), set_exploration_type(ExplorationType.DETERMINISTIC):
        env.rollout(max_steps=100, policy=actor)
    return str(recorder.best_arch), float(recorder.episode_rewards[-1]), recorder.invalid > 0

def first_and_last(rewards: list[float]) -> tuple[int, float, float]:
    """Mean reward of the first and of the last quarter of training's episodes (what learning looks like)."""
    n = max(1, len(rewards) // 4)
    first, last = float(np.mean(rewards[:n])), float(np.mean(rewards[-n:]))
    print(f"mean reward of the first {n} episodes: {first:.4f}")
    print(f"mean reward of the last  {n} episodes: {last:.4f}")
    return n, first, last


def main(total_frames: int = 12_000, seed: int = 0, frames_per_batch: int = 600, num_epochs: int = 4,
         lr: float = 3e-3) -> dict[str, Any]:
    """Train PPO for ``total_frames`` env steps, then print the rewards and the greedy architecture."""
    torch.manual_seed(seed)
    env, recorder = make_env()
    env.set_seed(seed)
    n_obs = int(env.observation_spec["observation"].shape[-1])
    n_actions = int(env.action_spec.space.n)
    actor, critic = make_actor_critic(n_obs, n_actions)
    loss = ClipPPOLoss(actor, critic, clip_epsilon=0.2, entropy_coeff=0.01)
    advantage = GAE(gamma=1.0, lmbda=0.95, value_network=critic)  # terminal reward only: gamma 1
    optim = torch.optim.Adam(loss.parameters(), lr=lr)
    collector = Collector(env, actor, frames_per_batch=frames_per_batch, total_frames=total_frames,
                          auto_register_policy_transforms=False)
    minibatch = frames_per_batch // 4
    batch_means: list[float] = []
    for batch in collector:
        for _ in range(num_epochs):
            with torch.no_grad():
                advantage(batch)
            flat = batch.reshape(-1)
            for idx in torch.randperm(flat.numel()).split(minibatch):
                losses = loss(flat[idx])
                total = losses["loss_objective"] + losses["loss_critic"] + losses["loss_entropy"]
                optim.zero_grad()
                total.backward()
                optim.step()
        done = batch["next", "done"].squeeze(-1)
        batch_means.append(float(batch["next", "reward"].squeeze(-1)[done].mean()))
    collector.shutdown()
    greedy_arch, greedy_reward, greedy_invalid = greedy_architecture(actor, seed)
    rewards = recorder.episode_rewards
    print(f"TorchRL PPO: {len(rewards)} architectures, {recorder.invalid} masked actions taken (0: masks honoured)")
    print(f"mean reward per batch: {' '.join(f'{r:.3f}' for r in batch_means)}")
    n, first, last = first_and_last(rewards)
    print(f"best architecture: {recorder.best_arch}  (reward {recorder.best_reward:.4f})")
    print(f"greedy policy's architecture: {greedy_arch}  (reward {greedy_reward:.4f})")
    return {"episodes": len(rewards), "invalid": recorder.invalid, "batch_means": batch_means,
            "episode_rewards": rewards, "first_mean": first, "last_mean": last,
            "best_arch": recorder.best_arch, "best_reward": recorder.best_reward,
            "greedy_arch": greedy_arch, "greedy_reward": greedy_reward, "greedy_invalid": greedy_invalid}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--total-frames", type=int, default=12_000, help="env steps (15 per architecture)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames-per-batch", type=int, default=600)
    args = parser.parse_args()
    main(total_frames=args.total_frames, seed=args.seed, frames_per_batch=args.frames_per_batch)
