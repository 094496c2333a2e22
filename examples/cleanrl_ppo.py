"""PPO with action masking in one file (CleanRL style): only gymnasium, numpy and torch.

Read it top to bottom: hyperparameters (a dataclass), the policy network, the
masked categorical distribution, the rollout loop and the PPO update. It learns
to design NAS-Bench-201 cells (``nas_env/NB201-v0``) and prints the mean reward of
the first and the last ``report_episodes`` architectures, so you can see it learn.
Any nas_env id works (``--env-id nas_env/Synthetic-v0``); masks come from
``info["action_mask"]``, which the vector env stacks into a ``(num_envs, n)`` array.
Needs gymnasium >= 1.1 (same-step autoreset of the vector env).

    python examples/cleanrl_ppo.py
    python examples/cleanrl_ppo.py --total-timesteps 120000 --seed 1

Reference: Huang et al., "The 37 Implementation Details of Proximal Policy
Optimization" (ICLR blog track 2022), whose ``ppo.py`` this follows.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

import nas_env  # noqa: F401  (registers the nas_env/* ids)


@dataclass
class Args:
    """Hyperparameters. CleanRL's defaults where they fit; comments say why where not."""

    env_id: str = "nas_env/NB201-v0"
    seed: int = 0
    total_timesteps: int = 30_000  # 5,000 cells on NB201 (6 steps each)
    num_envs: int = 4
    num_steps: int = 48  # steps per env per rollout: 8 NB201 cells each, 32 cells per update
    learning_rate: float = 2.5e-3  # 10x CleanRL's 2.5e-4: tiny network, few updates
    anneal_lr: bool = True
    gamma: float = 1.0  # the only reward is the terminal accuracy: do not discount it
    gae_lambda: float = 1.0  # Monte-Carlo returns (episodes are short and reward is terminal)
    num_minibatches: int = 4
    update_epochs: int = 4
    clip_coef: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    hidden_size: int = 64
    report_episodes: int = 200  # N: compare the mean reward of the first N and last N episodes

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def minibatch_size(self) -> int:
        return self.batch_size // self.num_minibatches


class Agent(nn.Module):
    """Actor and critic MLPs on the one-hot tokens chosen so far.

    The observation is ``MultiDiscrete([n + 1] * length)`` (0 = open slot,
    ``token + 1`` = chosen), so one-hot encoding each slot gives ``length * (n + 1)`` inputs.
    """

    def __init__(self, obs_space: gym.spaces.MultiDiscrete, num_actions: int, hidden: int):
        super().__init__()
        self.num_classes = int(obs_space.nvec.max())
        in_dim = int(obs_space.nvec.size) * self.num_classes
        self.critic = nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.actor = nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh(), nn.Linear(hidden, num_actions))
        nn.init.orthogonal_(self.actor[-1].weight, gain=0.01)  # near-uniform first policy
        nn.init.zeros_(self.actor[-1].bias)

    def encode(self, obs: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(obs.long(), self.num_classes).flatten(1).float()

    def get_value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(self.encode(obs)).squeeze(-1)

    def get_action_and_value(
        self, obs: torch.Tensor, mask: torch.Tensor, action: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample (or score) an action from the *masked* policy; also return log-prob, entropy, value."""
        x = self.encode(obs)
        logits = self.actor(x)
        # masking: invalid actions get probability 0, so they are never sampled and carry no gradient
        logits = logits.masked_fill(~mask, torch.finfo(logits.dtype).min)
        dist = torch.distributions.Categorical(logits=logits)
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x).squeeze(-1)


def main(total_timesteps: int = 30_000, seed: int = 0, **overrides: Any) -> dict[str, Any]:
    """Train, print the learning curve summary and the best architecture; return them in a dict."""
    args = Args(total_timesteps=total_timesteps, seed=seed, **overrides)
    num_updates = max(1, args.total_timesteps // args.batch_size)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    # SAME_STEP autoreset: a terminal step returns the *next* episode's first obs and mask at once,
    # and the finished episode's info (arch, metrics) under infos["final_info"].
    envs = gym.make_vec(
        args.env_id,
        num_envs=args.num_envs,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP},
    )
    assert isinstance(envs.single_action_space, gym.spaces.Discrete), "PPO here needs a Discrete action space"
    agent = Agent(envs.single_observation_space, int(envs.single_action_space.n), args.hidden_size)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)

    # rollout storage
    n_act = int(envs.single_action_space.n)
    obs = torch.zeros((args.num_steps, args.num_envs, *envs.single_observation_space.shape), dtype=torch.long)
    masks = torch.zeros((args.num_steps, args.num_envs, n_act), dtype=torch.bool)
    actions = torch.zeros((args.num_steps, args.num_envs), dtype=torch.long)
    logprobs = torch.zeros((args.num_steps, args.num_envs))
    rewards = torch.zeros((args.num_steps, args.num_envs))
    dones = torch.zeros((args.num_steps, args.num_envs))
    values = torch.zeros((args.num_steps, args.num_envs))

    episode_rewards: list[float] = []
    best_reward, best_arch, invalid = -np.inf, None, 0
    start = time.perf_counter()
    next_obs_np, infos = envs.reset(seed=args.seed)
    next_obs = torch.as_tensor(next_obs_np)
    next_mask = torch.as_tensor(infos["action_mask"], dtype=torch.bool)
    next_done = torch.zeros(args.num_envs)

    for update in range(1, num_updates + 1):
        if args.anneal_lr:
            optimizer.param_groups[0]["lr"] = (1.0 - (update - 1.0) / num_updates) * args.learning_rate

        # ---- rollout: num_steps steps in each of num_envs envs
        for step in range(args.num_steps):
            obs[step], masks[step], dones[step] = next_obs, next_mask, next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs, next_mask)
            actions[step], logprobs[step], values[step] = action, logprob, value

            next_obs_np, reward, terminated, truncated, infos = envs.step(action.numpy())
            rewards[step] = torch.as_tensor(reward, dtype=torch.float32)
            next_obs = torch.as_tensor(next_obs_np)
            next_mask = torch.as_tensor(infos["action_mask"], dtype=torch.bool)
            next_done = torch.as_tensor(np.logical_or(terminated, truncated), dtype=torch.float32)

            for i in np.flatnonzero(infos.get("_final_info", [])):  # episodes that just finished
                episode_rewards.append(float(reward[i]))
                invalid += infos["final_info"]["metrics"]["status"][i] == "invalid"  # a masked action: never
                arch = infos["final_info"]["arch"][i]
                if arch is not None and reward[i] > best_reward:
                    best_reward, best_arch = float(reward[i]), arch

        # ---- returns and advantages (GAE; with gamma = lambda = 1 these are Monte-Carlo returns)
        with torch.no_grad():
            next_value = agent.get_value(next_obs)
            advantages = torch.zeros_like(rewards)
            lastgaelam = torch.zeros(args.num_envs)
            for t in reversed(range(args.num_steps)):
                if t == args.num_steps - 1:
                    nextnonterminal, nextvalues = 1.0 - next_done, next_value
                else:
                    nextnonterminal, nextvalues = 1.0 - dones[t + 1], values[t + 1]
                delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
                lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
                advantages[t] = lastgaelam
            returns = advantages + values

        # ---- PPO update on the flattened batch
        b_obs = obs.reshape((-1, *envs.single_observation_space.shape))
        b_masks, b_actions = masks.reshape(-1, n_act), actions.reshape(-1)
        b_logprobs, b_advantages, b_returns = logprobs.reshape(-1), advantages.reshape(-1), returns.reshape(-1)
        order = np.arange(args.batch_size)
        for _ in range(args.update_epochs):
            np.random.shuffle(order)
            for lo in range(0, args.batch_size, args.minibatch_size):
                mb = order[lo : lo + args.minibatch_size]
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb], b_masks[mb], b_actions[mb])
                ratio = (newlogprob - b_logprobs[mb]).exp()
                adv = b_advantages[mb]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
                v_loss = 0.5 * ((newvalue - b_returns[mb]) ** 2).mean()
                loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

    envs.close()
    n = min(args.report_episodes, len(episode_rewards) // 2) or 1
    first, last = float(np.mean(episode_rewards[:n])), float(np.mean(episode_rewards[-n:]))
    print(f"{args.env_id}: {len(episode_rewards)} architectures in {time.perf_counter() - start:.1f}s")
    print(f"mean reward of the first {n} episodes: {first:.4f}")
    print(f"mean reward of the last  {n} episodes: {last:.4f}")
    print(f"best architecture: {best_arch}  (reward {best_reward:.4f}); masked actions taken: {invalid}")
    return {
        "first_mean": first,
        "last_mean": last,
        "episodes": len(episode_rewards),
        "best_arch": best_arch,
        "best_reward": best_reward,
        "invalid": int(invalid),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for f in dataclasses.fields(Args):
        kind = (lambda s: s.lower() in ("1", "true", "yes")) if f.type in (bool, "bool") else type(f.default)
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=f.default)
    cli = vars(parser.parse_args())
    main(**cli)
