"""PPO (stable-baselines3) and MaskablePPO (sb3-contrib) as NAS agents.

An episode is one architecture of ``T`` tokens with a single terminal reward, so
the defaults differ from SB3's (which suit long dense-reward episodes):

- ``gamma = 1`` and ``gae_lambda = 1``: the return of every token is the architecture's
  reward (Monte-Carlo returns; no discounting inside a 6-to-200-token design);
- ``n_steps = episodes_per_rollout x T`` so a rollout holds whole episodes (a small
  rollout, here 10 architectures, means frequent updates under a ~1,000-architecture budget);
- full-rollout minibatches, a few epochs, a higher learning rate than SB3's default, and a
  small entropy bonus to avoid collapsing onto the first good architecture.

Accounting: the env is wrapped in :class:`TrackingWrapper`, which calls
``tracker.record`` on every terminal step; a callback stops ``learn`` right after the
step that spends the budget, so no episode beyond it is played or evaluated.

Resume: at the start of each rollout (between episodes) the policy's weights, its optimizer's
state and the step counters go into the checkpoint (tensors and numbers: never ``model.save``'s zip,
whose loading unpickles objects); a resumed run builds the model again with the same settings,
loads them and continues. This is NOT bit-identical to an uninterrupted run (SB3 draws actions from
torch's global RNG and resets its env on load), so ``exact_resume = False``.

stable-baselines3 / sb3-contrib are optional: ``pip install -e '.[sb3]'``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from nas_env.agents.base import Agent
from nas_env.agents.registry import register_agent
from nas_env.agents.reinforce import MAX_ENTROPY_COEF
from nas_env.agents.tracker import SearchTracker
from nas_env.validation import check_int, check_int_list, check_real

SB3_HINT = "pip install stable-baselines3 sb3-contrib (or, in the nas-env checkout, pip install -e '.[sb3]')"


def _import_sb3(maskable: bool) -> tuple[Any, Any]:
    """The algorithm class and ``BaseCallback``, with a clear error when the extra is missing."""
    try:
        from stable_baselines3.common.callbacks import BaseCallback

        if maskable:
            from sb3_contrib import MaskablePPO as algo
        else:
            from stable_baselines3 import PPO as algo
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(f"the {'maskable-ppo' if maskable else 'ppo'} agent needs {SB3_HINT}: {exc}") from exc
    return algo, BaseCallback


class TrackingWrapper(gym.Wrapper):
    """Counts every finished episode through ``tracker.record`` and forwards action masks."""

    def __init__(self, env: gym.Env, tracker: SearchTracker):
        super().__init__(env)
        self.tracker = tracker
        self.mid_episode = False

    def reset(self, **kwargs: Any):
        self.tracker.start_episode()
        self.mid_episode = True
        return self.env.reset(**kwargs)

    def step(self, action: Any):
        if self.tracker.exhausted:
            raise RuntimeError("TrackingWrapper.step called after the budget was spent")
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.mid_episode = False
            self.tracker.record(float(reward), info)
        return obs, reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        return self.env.unwrapped.action_masks()  # type: ignore[attr-defined]


@dataclass
class PPOConfig:
    """PPO hyperparameters for terminal-reward NAS episodes (see the module docstring)."""

    learning_rate: float = 1e-3
    episodes_per_rollout: int = 10
    """n_steps = episodes_per_rollout x max_length (whole episodes per rollout in fixed spaces)."""
    batch_size: int | None = None
    """Minibatch size in steps; None = the whole rollout."""
    n_epochs: int = 10
    gamma: float = 1.0
    gae_lambda: float = 1.0
    clip_range: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    net_arch: list[int] = field(default_factory=lambda: [64, 64])
    torch_threads: int | None = 1
    """torch threads while learning (restored after); small MLPs run fastest on one."""

    def __post_init__(self) -> None:
        """Refuse bad values (naming the field and what is valid) before a run writes anything."""
        check_real("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_int("episodes_per_rollout", self.episodes_per_rollout)
        check_int("batch_size", self.batch_size, low=2, optional=True)  # SB3 normalises advantages per batch
        check_int("n_epochs", self.n_epochs)
        check_real("gamma", self.gamma, low=0.0, high=1.0)
        check_real("gae_lambda", self.gae_lambda, low=0.0, high=1.0)
        check_real("clip_range", self.clip_range, low=0.0, low_open=True)
        check_real("ent_coef", self.ent_coef, low=0.0, high=MAX_ENTROPY_COEF)
        check_real("vf_coef", self.vf_coef, low=0.0)
        check_real("max_grad_norm", self.max_grad_norm, low=0.0, low_open=True)
        check_int_list("net_arch", self.net_arch, such_as="[64, 64]")
        check_int("torch_threads", self.torch_threads, optional=True)


class _SB3Agent(Agent):
    """Shared driver of PPO and MaskablePPO."""

    Config = PPOConfig
    maskable = False
    exact_resume = False

    def __init__(self, config: Any = None, **overrides: Any):
        super().__init__(config, **overrides)
        _import_sb3(self.maskable)  # fail early with the install hint
        self.model: Any = None
        self._pending_model: dict[str, Any] | None = None
        self._wrapper: TrackingWrapper | None = None

    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        algo, BaseCallback = _import_sb3(self.maskable)
        from stable_baselines3.common.logger import Logger

        c = self.config
        space = env.unwrapped.space  # type: ignore[attr-defined]
        n_steps = c.episodes_per_rollout * space.max_length
        wrapper = TrackingWrapper(env, tracker)
        self._wrapper = wrapper

        class StopAtBudget(BaseCallback):  # type: ignore[misc, valid-type]
            def _on_step(self) -> bool:
                return not tracker.exhausted

            def _on_rollout_start(self) -> None:
                if not wrapper.mid_episode:  # the model has just been updated: a consistent point
                    tracker.checkpoint()

        threads = torch.get_num_threads()
        if c.torch_threads is not None:
            torch.set_num_threads(c.torch_threads)
        try:
            self.model = algo(
                "MlpPolicy",
                wrapper,
                learning_rate=c.learning_rate,
                n_steps=n_steps,
                batch_size=c.batch_size or n_steps,
                n_epochs=c.n_epochs,
                gamma=c.gamma,
                gae_lambda=c.gae_lambda,
                clip_range=c.clip_range,
                ent_coef=c.ent_coef,
                vf_coef=c.vf_coef,
                max_grad_norm=c.max_grad_norm,
                policy_kwargs={"net_arch": list(c.net_arch)},
                seed=int(rng.integers(2**31 - 1)),
                device="cpu",
                verbose=0,
            )
            self.model.set_logger(Logger(folder=None, output_formats=[]))  # SB3's own makes an empty dir in /tmp
            reset = self._pending_model is None
            if self._pending_model is not None:
                self._load_model(self._pending_model)
                self._pending_model = None
            b = tracker.budget
            total = 10**12 if b.evaluations is None else b.evaluations * space.max_length + n_steps
            self.model.learn(total_timesteps=total, callback=StopAtBudget(), reset_num_timesteps=reset)
        finally:
            torch.set_num_threads(threads)
            self._wrapper = None

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        if self._pending_model is not None:  # loaded, not yet restored into a model
            state["model"] = self._pending_model
        elif self.model is not None:
            state["model"] = model_state(self.model)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        model = state.get("model")
        if model is not None and not (isinstance(model, dict) and {"policy", "optimizer"} <= set(model)):
            raise ValueError("the checkpoint's PPO model must be its policy's weights and optimizer state (a dict)")
        self._pending_model = model

    def _load_model(self, saved: dict[str, Any]) -> None:
        policy = self.model.policy
        policy.load_state_dict(saved["policy"])
        policy.optimizer.load_state_dict(saved["optimizer"])
        self.model.num_timesteps = int(saved.get("num_timesteps", 0))
        self.model._n_updates = int(saved.get("n_updates", 0))


def model_state(model: Any) -> dict[str, Any]:
    """What a checkpoint keeps of an SB3 model: its policy's weights, its optimizer's state, its step counters."""
    policy = model.policy
    return {"policy": {k: v.detach().clone() for k, v in policy.state_dict().items()},
            "optimizer": copy.deepcopy(policy.optimizer.state_dict()),
            "num_timesteps": int(model.num_timesteps), "n_updates": int(model._n_updates)}


@register_agent("ppo")
class PPOAgent(_SB3Agent):
    """stable-baselines3 PPO with an MLP policy; masked actions end the episode with the failure reward."""

    maskable = False


@register_agent("maskable-ppo")
class MaskablePPOAgent(_SB3Agent):
    """sb3-contrib MaskablePPO: samples only valid actions using the env's ``action_masks()``."""

    maskable = True
