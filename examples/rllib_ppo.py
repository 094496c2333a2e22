"""RLlib PPO (new API stack) with action masks through the ``Dict`` observation, env runners on a local Ray.

RLlib's new API stack masks actions with an ``RLModule`` that reads the mask from a
``Dict`` observation ``{"observations": ..., "action_mask": ...}`` and turns masked
logits into ``-inf`` before sampling (``ActionMaskingTorchRLModule``, shipped with
RLlib). ``nas_env.MaskedObservation(env, obs_key="observations",
mask_key="action_mask")`` produces exactly that observation, so masked actions are
never taken, neither while sampling nor by the greedy policy.

The env is the Zoph & Le CNN grammar with 3 layers and searched strides (masked
actions at the stride and skip tokens) rewarded by an instant toy proxy; the
token observation is one-hot encoded (``FlattenObservation``) for RLlib's MLP.
Experience is collected by ``num_env_runners`` Ray actors (a local Ray, started
here) and the learner runs in this process.

    pip install -e '.[rllib]'     # tested with ray[rllib] 2.60.0 (see docs/integrations.md)
    python examples/rllib_ppo.py --iterations 20
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import gymnasium as gym
import numpy as np
import ray
import torch
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.callbacks.callbacks import RLlibCallback
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.examples.rl_modules.classes.action_masking_rlm import ActionMaskingTorchRLModule
from ray.tune.registry import register_env

from nas_env import MaskedObservation, NASEnv, ZophLeCNNSpace
from nas_env.spaces.zoph_le_cnn import ZophLeCNNArch

ENV_NAME = "nas_env_rllib/MaskedZophLeCNN-v0"


def proxy_accuracy(arch: ZophLeCNNArch) -> float:
    """A made-up, instant stand-in for trained accuracy (demos only; same as examples/sb3_maskable_ppo.py)."""
    receptive = sum(max(layer.filter_height, layer.filter_width) - 1 for layer in arch.layers)
    width = sum(math.log2(layer.num_filters / 24) for layer in arch.layers) / len(arch.layers)
    skips = sum(len(layer.inputs) for layer in arch.layers)
    downsample = math.prod(layer.stride for layer in arch.layers)
    score = 0.55 + 0.25 * math.tanh(receptive / 8) + 0.08 * width + 0.04 * min(skips, 2) - 0.05 * (downsample - 1)
    return float(np.clip(score, 0.05, 0.99))


def make_env(config: dict[str, Any] | None = None) -> gym.Env:
    """The masked grammar as RLlib sees it: ``{"observations": one-hot tokens, "action_mask": 0/1 per action}``."""
    env = NASEnv(ZophLeCNNSpace(num_layers=3, predict_stride=True), proxy_accuracy)
    one_hot = gym.wrappers.DtypeObservation(gym.wrappers.FlattenObservation(env), np.float32)
    return MaskedObservation(one_hot, obs_key="observations", mask_key="action_mask")


class ArchitectureMetrics(RLlibCallback):
    """Logs, from the env runners, each finished architecture and whether a masked action ended it."""

    def on_episode_end(self, *, episode: Any, metrics_logger: Any = None, **kwargs: Any) -> None:
        info = episode.get_infos(-1)
        metrics_logger.log_value("nas_invalid_actions", int("invalid_action" in info), reduce="lifetime_sum")
        metrics_logger.log_value("nas_best_reward", float(episode.get_return()), reduce="max", window=10**9)


def build_config(seed: int, num_env_runners: int, batch_size: int) -> PPOConfig:
    """PPO on the new API stack (the default): masking RLModule, env runner actors, one local learner.

    ``sample_timeout_s=None``: each iteration waits for its env runners' samples however long they take (RLlib's
    default, 60 s, drops a late batch: on a loaded machine an iteration then trained on nothing)."""
    return (
        PPOConfig()
        .environment(ENV_NAME)
        .env_runners(num_env_runners=num_env_runners, num_envs_per_env_runner=1, num_cpus_per_env_runner=1,
                     sample_timeout_s=None)
        .learners(num_learners=0)
        .rl_module(rl_module_spec=RLModuleSpec(module_class=ActionMaskingTorchRLModule,
                                               model_config={"fcnet_hiddens": [64], "head_fcnet_hiddens": [64]}))
        .training(gamma=1.0, lr=3e-3, train_batch_size_per_learner=batch_size, minibatch_size=batch_size // 4,
                  num_epochs=4, entropy_coeff=0.01)
        .callbacks(ArchitectureMetrics)
        .debugging(seed=seed)
    )


def greedy_architecture(module: Any, seed: int) -> tuple[str, float, bool]:
    """Play one episode with the trained module's most likely action (masked logits: only valid ones)."""
    env = make_env()
    obs, _ = env.reset(seed=seed)
    terminated = False
    while not terminated:
        batch = {"obs": {k: torch.as_tensor(np.asarray(v)[None], dtype=torch.float32) for k, v in obs.items()}}
        with torch.no_grad():
            logits = module.forward_inference(batch)["action_dist_inputs"]
        obs, reward, terminated, _, info = env.step(int(logits[0].argmax()))
    return str(info.get("arch")), float(reward), "invalid_action" in info


def main(iterations: int = 20, seed: int = 0, num_env_runners: int = 1, batch_size: int = 600) -> dict[str, Any]:
    """Train PPO for ``iterations`` RLlib iterations, then print the mean return and the greedy architecture."""
    if __name__ != "__main__":  # loaded from a file (tests): env runners cannot import this module by name
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    register_env(ENV_NAME, make_env)
    started_ray = not ray.is_initialized()
    if started_ray:
        ray.init(num_cpus=num_env_runners + 1, include_dashboard=False, logging_level="ERROR")
    algo = build_config(seed, num_env_runners, batch_size).build_algo()
    try:
        returns, steps, episodes = [], 0, 0
        for _ in range(iterations):
            result = algo.train()
            runners = result["env_runners"]
            returns.append(float(runners["episode_return_mean"]))
            steps, episodes = int(runners["num_env_steps_sampled_lifetime"]), int(runners["num_episodes_lifetime"])
        invalid = int(runners["nas_invalid_actions"])
        best_reward = float(runners["nas_best_reward"])
        greedy_arch, greedy_reward, greedy_invalid = greedy_architecture(algo.get_module(), seed)
    finally:
        algo.stop()
        if started_ray:
            ray.shutdown()
    print(f"RLlib PPO: {iterations} iterations, {steps} env steps, {episodes} architectures, "
          f"{invalid} masked actions taken (0: masks honoured)")
    print(f"mean return per iteration: {' '.join(f'{r:.3f}' for r in returns)}")
    n = max(1, len(returns) // 4)  # the first and the last quarter of training
    first, last = sum(returns[:n]) / n, sum(returns[-n:]) / n
    print(f"mean reward of the first {n} iterations: {first:.4f}")
    print(f"mean reward of the last  {n} iterations: {last:.4f}")
    print(f"best reward: {best_reward:.4f}")
    print(f"greedy policy's architecture: {greedy_arch}  (reward {greedy_reward:.4f})")
    return {"iterations": iterations, "env_steps": steps, "episodes": episodes, "invalid": invalid,
            "returns": returns, "first_mean": first, "last_mean": last, "best_reward": best_reward,
            "greedy_arch": greedy_arch,
            "greedy_reward": greedy_reward, "greedy_invalid": greedy_invalid}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=20, help="RLlib training iterations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-env-runners", type=int, default=1, help="Ray actors collecting experience")
    parser.add_argument("--batch-size", type=int, default=600, help="env steps per iteration (40 architectures)")
    args = parser.parse_args()
    main(iterations=args.iterations, seed=args.seed, num_env_runners=args.num_env_runners,
         batch_size=args.batch_size)
