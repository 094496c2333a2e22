"""REINFORCE with Zoph & Le's LSTM controller (ICLR 2017), CleanRL-style: read it top to bottom.

Each update:

1. the controller samples ``m`` architectures as ONE batch (one LSTM call per token position);
2. each is PLAYED through the env token by token and counted by ``tracker.record``;
3. the policy gradient ``-(R - b) * log p(tokens)`` (averaged over the batch, minus an
   optional entropy bonus) takes one Adam step, and the exponential-moving-average
   baseline ``b`` moves towards the batch's mean signal.

The env reward (validation accuracy by default) is what the search is judged on; the
*training signal* ``R`` is ``reward_transform(reward)``: ``"identity"`` or the paper's
``"cubed"``. Diagnostics for reports and teaching plots land in ``SearchResult.extras`` (see :class:`Reinforce`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from nas_env.agents.base import Agent, diagnostics_from
from nas_env.agents.controller import Controller
from nas_env.agents.curriculum import default_env_factory, phase_space
from nas_env.agents.diagnostics import ControllerDiagnostics, UpdateLog
from nas_env.agents.play import play_batch, play_tokens
from nas_env.agents.registry import register_agent
from nas_env.agents.snapshots import SnapshotKeeper, weights
from nas_env.agents.tracker import SearchTracker
from nas_env.spaces.base import SearchSpace
from nas_env.validation import check_choice, check_int, check_real

#: the largest entropy bonus an agent accepts: beyond ~1 the bonus already drowns the reward (accuracy-scale);
#: a huge one (1e308) overflows the loss to inf and the controller's probabilities to NaN
MAX_ENTROPY_COEF = 100.0

REWARD_TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda r: r,
    "cubed": lambda r: r**3,  # the paper's CIFAR signal: (max validation accuracy)^3
}


@dataclass
class ReinforceConfig:
    """Hyperparameters; the paper's values where it gives them."""

    # --- Zoph & Le 2017, section 4.1 / appendix
    hidden_size: int = 35  # LSTM units per layer
    num_layers: int = 2  # LSTM layers
    lr: float = 0.0006  # Adam
    init_range: float = 0.08  # weights ~ U(-0.08, 0.08)
    # --- the paper is silent or its value is for 800 GPUs:
    m: int = 4
    """Architectures per update. The paper used 8 per replica with 100 replicas; on one
    machine with a cheap (table) reward, fewer architectures per update means more updates
    per budget: 4 keeps the gradient usable while doing 250 updates per 1,000 evaluations."""
    baseline_decay: float = 0.9
    """EMA baseline ``b <- decay * b + (1 - decay) * mean(R)`` (paper: "exponential moving
    average of previous architecture accuracies", decay unspecified). 0.9 averages about the
    last 10 updates (~40 architectures), tracking a fast-improving policy."""
    reward_transform: str = "cubed"
    """Training signal from the env reward: ``cubed`` (the paper's CIFAR choice: accuracy^3, which
    stretches differences among good architectures) or ``identity``. Use ``identity`` when the env
    already cubes (``reward="cubed"``)."""
    entropy_coef: float = 0.0
    """Entropy bonus per token (paper: none)."""
    embedding_size: int | None = None  # None = hidden_size (paper silent)
    # --- layer curriculum (paper: start at 6 layers, +2 every 1,600 samples); off by default
    curriculum_start: int | None = None
    """Start with this many layers (spaces with a fixed ``num_layers``); None = no curriculum."""
    curriculum_step: int = 2
    curriculum_every: int = 1600
    # --- diagnostics
    max_snapshots: int = 50
    """Bounded number of controller snapshots kept for the end-of-search analysis."""
    torch_threads: int | None = 1
    """torch intra-op threads during the search (restored after). The controller is tiny:
    one thread avoids large thread-synchronisation overheads; None leaves torch's setting."""

    def __post_init__(self) -> None:
        """Refuse bad values (naming the field and what is valid) before a run writes anything."""
        for name in ("hidden_size", "num_layers", "m", "curriculum_step", "curriculum_every", "max_snapshots"):
            check_int(name, getattr(self, name))
        for name in ("embedding_size", "curriculum_start", "torch_threads"):
            check_int(name, getattr(self, name), optional=True)
        check_real("lr", self.lr, low=0.0)  # lr 0 is the no-learning ablation (reinforce@lr=0, issue 12)
        check_real("init_range", self.init_range, low=0.0)
        check_real("baseline_decay", self.baseline_decay, low=0.0, high=1.0, high_open=True)
        check_real("entropy_coef", self.entropy_coef, low=0.0, high=MAX_ENTROPY_COEF)
        check_choice("reward_transform", self.reward_transform, sorted(REWARD_TRANSFORMS))


@register_agent("reinforce")
class Reinforce(Agent):
    """Zoph & Le's controller trained with REINFORCE.

    ``extras`` after a search:

    - ``diagnostics``: an :class:`~nas_env.agents.diagnostics.ControllerDiagnostics` (one
      :class:`~nas_env.agents.diagnostics.UpdateLog` per policy update: evaluations so far, entropy per
      token, baseline, mean reward, curriculum phase), also live in ``self.diagnostics``;
    - ``snapshots``: an :class:`~nas_env.agents.diagnostics.ControllerSnapshots`: what each kept
      controller snapshot (every few updates, at most ``max_snapshots``, the final controller
      last) assigns to the best architecture found, per decision and as a whole.

    Both are saved as JSON columns; read them back with ``ControllerDiagnostics.from_extras``.

    Layer curriculum: with ``curriculum_start`` set, the env's space must have an integer
    ``num_layers`` in its ``config()`` (``ZophLeCNNSpace``). Architectures are then drawn
    from a copy of the space with fewer layers, played through an env built by
    ``self.env_factory(base_env, num_layers)`` (default: a ``NASEnv`` with the base env's
    evaluator, fidelity, reward and RNG); set ``env_factory`` to supply your own.
    """

    Config = ReinforceConfig

    def __init__(self, config: Any = None, **overrides: Any):
        super().__init__(config, **overrides)  # ReinforceConfig.__post_init__ validated every field
        self.env_factory: Callable[[gym.Env, int], gym.Env] = default_env_factory
        self.controller: Controller | None = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.generator: torch.Generator | None = None
        self.baseline: float | None = None
        self.updates = 0
        #: the controller snapshots scored at the end of the search (nas_env.agents.snapshots)
        self.snapshots = SnapshotKeeper(self.config.max_snapshots)

    # ------------------------------------------------------------------ setup
    def _setup(self, space: SearchSpace, seed: int) -> None:
        c = self.config
        self.generator = torch.Generator().manual_seed(seed)  # weight init, then sampling
        self.controller = Controller(
            space, c.hidden_size, c.num_layers, c.embedding_size, c.init_range, generator=self.generator
        )
        self.optimizer = torch.optim.Adam(self.controller.parameters(), lr=c.lr)
        self.extras = {}
        self.diagnostics = ControllerDiagnostics()

    def _phase_env(self, env: gym.Env, tracker: SearchTracker, cache: dict[int, gym.Env]) -> tuple[gym.Env, int | None]:
        c = self.config
        if c.curriculum_start is None:
            return env, None
        full = env.unwrapped.space.config().get("num_layers")  # type: ignore[attr-defined]
        n = min(full, c.curriculum_start + c.curriculum_step * (tracker.num_evaluations // c.curriculum_every))
        if n >= full:
            return env, full
        if n not in cache:
            cache[n] = self.env_factory(env, n)
        return cache[n], n

    # ----------------------------------------------------------------- search
    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        c = self.config
        base = env.unwrapped
        if c.curriculum_start is not None:
            full = base.space.config().get("num_layers")  # type: ignore[attr-defined]
            if not isinstance(full, int) or isinstance(full, bool):
                raise ValueError(
                    f"curriculum_start needs a space with a fixed integer num_layers; "
                    f"{base.space!r} has num_layers={full!r}"  # type: ignore[attr-defined]
                )
        if getattr(self, "_pending_state", None) is not None:
            self._restore(base.space, tracker)  # type: ignore[attr-defined]
        elif self.controller is None:
            self._setup(base.space, tracker.seed)  # type: ignore[attr-defined]
        assert self.controller is not None and self.optimizer is not None
        # each update: 1. sample a batch, 2. play it, 3. the policy-gradient step (_update)
        envs: dict[int, gym.Env] = {}
        threads = torch.get_num_threads()
        if c.torch_threads is not None:
            torch.set_num_threads(c.torch_threads)
        try:
            while not tracker.exhausted:
                tracker.checkpoint()  # controller, optimizer, baseline and RNGs are consistent here
                play_env, n_layers = self._phase_env(env, tracker, envs)
                space = play_env.unwrapped.space  # type: ignore[attr-defined]
                # 1. sample m architectures as one batch
                out = self.controller.sample(c.m, self.generator, space=space)
                # 2. play each through the env; the tracker counts them
                rewards = []
                if self.executor is None:
                    for tokens in out.tokens:
                        if tracker.exhausted:
                            break
                        tracker.start_episode()
                        reward, info = play_tokens(play_env, tokens)
                        if tracker.record(reward, info) is None:
                            break  # did not fit the cost budget: the search is over
                        rewards.append(reward)
                else:  # the m children train concurrently (vector env + executor)
                    left = tracker.remaining_evaluations()
                    batch = out.tokens[: c.m if left is None else min(c.m, left)]
                    results, wall = play_batch(play_env, batch, self.executor)
                    for reward, info in results:
                        if tracker.record(reward, info, wall_seconds=wall / len(batch)) is None:
                            break
                        rewards.append(reward)
                if len(rewards) < c.m:
                    break  # budget spent mid-batch: no partial update
                # 3. policy-gradient step with the EMA baseline
                entropy = self._update(out, rewards)
                self._log(tracker, entropy, float(np.mean(rewards)), n_layers)
                self.snapshots.offer(self.updates, tracker.num_evaluations, self.controller)
        finally:
            self._finish(tracker)
            torch.set_num_threads(threads)

    def _update(self, out: Any, rewards: list[float]) -> float:
        """The policy-gradient step on one batch (``out``: its ``ControllerOutput``) and the baseline's move;
        returns the batch's mean entropy per token."""
        c, transform = self.config, REWARD_TRANSFORMS[self.config.reward_transform]
        signal = transform(np.asarray(rewards, dtype=np.float64))
        if self.baseline is None:
            self.baseline = float(signal.mean())
        adv = torch.as_tensor(signal - self.baseline, dtype=torch.float32)
        ent_per_token = out.entropy / out.num_tokens
        loss = -(adv * out.log_prob).mean() - c.entropy_coef * ent_per_token.mean()
        if c.lr > 0:  # (lr 0, the no-learning ablation: Adam would move nothing; skip the backward)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self.baseline = c.baseline_decay * self.baseline + (1 - c.baseline_decay) * float(signal.mean())
        self.updates += 1
        return float(ent_per_token.detach().mean())

    # ------------------------------------------------------------ diagnostics
    def _log(self, tracker: SearchTracker, entropy: float, mean_reward: float, n_layers: int | None) -> None:
        assert self.diagnostics is not None
        self.diagnostics.append(UpdateLog(self.updates, tracker.num_evaluations, entropy,
                                          float(self.baseline), mean_reward, n_layers))  # type: ignore[arg-type]

    def _finish(self, tracker: SearchTracker) -> None:
        """Score the best architecture under every snapshot and the final controller (``SnapshotKeeper.score``)."""
        if self.controller is None or not tracker.history:
            return
        best = max(tracker.history, key=lambda e: (e.reward, -e.index))
        try:
            sp = phase_space(self.controller.space, best.tokens, self.config.curriculum_start is not None)
            sp.decisions(best.tokens)
        except Exception:  # the best tokens do not fit the controller's grammar
            return
        final = (self.updates, tracker.num_evaluations, weights(self.controller))
        self.extras["snapshots"] = self.snapshots.score(self.controller, final, best, sp)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        if getattr(self, "_pending_state", None) is not None:
            return self._pending_state  # loaded but not yet restored into a controller
        if self.controller is None:
            return state
        state.update(
            controller=weights(self.controller),  # type: ignore[arg-type]
            optimizer=copy.deepcopy(self.optimizer.state_dict()),  # type: ignore[union-attr]
            generator=self.generator.get_state(),  # type: ignore[union-attr]
            baseline=self.baseline,
            updates=self.updates,
            **self.snapshots.state_dict(),
        )
        return state

    def finished_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """``state`` without the weights its history determines (:mod:`~nas_env.agents.reinforce_rebuild`)."""
        from nas_env.agents.reinforce_rebuild import finished_state  # here: docs/03 quotes this file by line

        return finished_state(state)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if "controller" in state or "rebuild_digest" in state:
            self._pending_state = state

    def _restore(self, space: SearchSpace, tracker: SearchTracker) -> None:
        state = self._pending_state
        if "controller" not in state:  # a finished run's compact state
            from nas_env.agents.reinforce_rebuild import rebuild

            rebuild(self, space, tracker.history, tracker.seed)
            self._pending_state = None
            return
        self._setup(space, 0)
        self.extras = copy.deepcopy(state["extras"])
        self.diagnostics = diagnostics_from(state["diagnostics"])
        self.controller.load_state_dict(state["controller"])  # type: ignore[union-attr]
        self.optimizer.load_state_dict(state["optimizer"])  # type: ignore[union-attr]
        self.generator.set_state(state["generator"])  # type: ignore[union-attr]
        self.baseline = state["baseline"]
        self.updates = state["updates"]
        self.snapshots.load_state_dict(state)
        self._pending_state = None
