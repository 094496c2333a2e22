"""The token-level NAS environment: one decision per step, the trained child's accuracy at the end.

``NASEnv(space, evaluator)`` turns any search space (a grammar of decisions)
and any evaluator (table, training, synthetic, dict, callable) into a
Gymnasium environment. The registered envs (``nas_env/NB201-v0`` ...) are thin
subclasses that pick a space and an evaluator.

## Action space

``Discrete(space.max_choices)``: the index of the chosen option at the current
decision. Decisions with fewer choices than ``max_choices`` mask the rest; a
decision's ``valid`` masks any subset of its own choices too.

## Observation space

``MultiDiscrete([max_choices + 1] * max_length)``: slot ``i`` holds ``0`` while
decision ``i`` is still open and ``token + 1`` once taken. The position of the
next decision is the number of non-zero slots.

## Action masks (three ways)

- ``env.unwrapped.action_masks()`` -> ``bool`` array (sb3-contrib ``MaskablePPO``);
- ``info["action_mask"]`` -> ``np.int8`` array, in ``reset`` and every ``step``;
- :class:`nas_env.wrappers.MaskedObservation` puts the mask in a ``Dict`` observation.

After the last token the mask is all ones (no decision is pending).

## Rewards

``0.0`` for every token but the last. The last token's reward is
``reward(metrics)`` for a successful child (default: validation accuracy as a
fraction; ``"cubed"`` for the paper's cube; any callable), and
``failure_reward`` (default ``0.0``) for a child whose status is not ``"ok"``.
Test accuracy is reported in ``info``, never used as reward.

## Episode end

``terminated=True`` after the last decision of the grammar (or after a masked
action under ``invalid_action="penalty"``). ``truncated`` is always ``False``.

## Info

Every step: ``action_mask``. Terminal step also: ``arch`` (canonical
string), ``tokens`` (tuple), ``metrics`` (dict with ``status``,
``val_accuracy``, ``test_accuracy``, ``cost_seconds``, ``params``, ``error``
and evaluator-specific extras), and for a masked action ``invalid_action`` (why).

## Masked actions

An action inside ``Discrete(max_choices)`` but beyond the current decision's
choices, or outside its ``valid`` subset (:class:`nas_env.Decision` can forbid any
subset of its choices), is *masked*. With ``invalid_action="penalty"`` (default) the episode
ends at once with ``failure_reward``, ``metrics["status"] == "invalid"`` and
``info["invalid_action"]`` explaining; nothing is evaluated. With
``invalid_action="raise"`` it raises ``ValueError``. Actions outside the action
space (negative, too large, floats, arrays of wrong shape) always raise
``ValueError``.

## Arguments

==================  =================================================================
``space``           a :class:`nas_env.spaces.SearchSpace`
``evaluator``       an :class:`nas_env.evaluators.Evaluator`, a dict or a callable
``fidelity``        passed to the evaluator (e.g. epochs); ``None`` = its default
``reward``          ``"accuracy"`` (default), ``"cubed"`` or ``fn(metrics) -> float``
``failure_reward``  reward of a failed or invalid child (default ``0.0``)
``invalid_action``  ``"penalty"`` (default) or ``"raise"``
``render_mode``     ``None``, ``"ansi"`` (text) or ``"rgb_array"`` (a drawing, ``(H, W, 3)`` uint8)
==================  =================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from nas_env.evaluators.base import Evaluator, failure_metrics
from nas_env.evaluators.contract import MetricsError, check_metrics
from nas_env.evaluators.function import as_evaluator
from nas_env.rewards import RewardFn, make_reward
from nas_env.spaces.base import Decision, SearchSpace
from nas_env.validation import check_choice, check_real

__all__ = ["INVALID_ACTION_POLICIES", "NASEnv"]

INVALID_ACTION_POLICIES = ("penalty", "raise")


class NASEnv(gym.Env):
    """Design one child network per episode, one token per step. See the module docstring."""

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        space: SearchSpace,
        evaluator: Evaluator | Mapping[Any, Any] | Callable[..., Any],
        *,
        fidelity: Any = None,
        reward: str | RewardFn = "accuracy",
        failure_reward: float = 0.0,
        invalid_action: str = "penalty",
        render_mode: str | None = None,
    ):
        if not isinstance(space, SearchSpace):
            raise ValueError(f"space must be a nas_env.spaces.SearchSpace, got {space!r}")
        check_choice("invalid_action", invalid_action, INVALID_ACTION_POLICIES)
        check_choice("render_mode", render_mode, self.metadata["render_modes"], optional=True)
        self.space = space
        self.evaluator = as_evaluator(evaluator, space)
        self.fidelity = self.evaluator.check_fidelity(fidelity)
        self.reward_fn = make_reward(reward)
        self.reward_spec = reward if isinstance(reward, str) else getattr(reward, "__name__", repr(reward))
        self.failure_reward = check_real("failure_reward", failure_reward)
        self.invalid_action = invalid_action
        self.render_mode = render_mode

        n, length = space.max_choices, space.max_length
        self.action_space = spaces.Discrete(n)
        self.observation_space = spaces.MultiDiscrete(np.full(length, n + 1, dtype=np.int64))
        # masks are cached per (number of choices, valid subset) and copied out (see _mask)
        self._masks: dict[tuple[int, tuple[int, ...] | None], np.ndarray] = {}
        self._masks_i8: dict[tuple[int, tuple[int, ...] | None], np.ndarray] = {}

        self._tokens: list[int] = []
        self._obs = np.zeros(length, dtype=np.int64)
        self._decision: Decision | None = None
        self._last_info: dict[str, Any] = {}
        self._last_reward = 0.0

    # ----------------------------------------------------------------- API
    @property
    def tokens(self) -> tuple[int, ...]:
        """Tokens chosen so far in this episode."""
        return tuple(self._tokens)

    @property
    def current_decision(self) -> Decision | None:
        """The decision the next action answers, or ``None`` once the episode is over."""
        return self._decision

    @property
    def last_info(self) -> dict[str, Any]:
        """The info of the last ``reset``/``step`` (a copy)."""
        return dict(self._last_info)

    def action_masks(self) -> np.ndarray:
        """Boolean mask of valid actions at the current decision (sb3-contrib's hook)."""
        d = self._decision
        if d is None:
            return np.ones(self.space.max_choices, dtype=bool)
        return self._mask(d)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._tokens = []
        self._obs[:] = 0
        self._decision = self.space.next_decision(self._tokens)
        self._last_info = {"action_mask": self._mask(self._decision, i8=True)}  # type: ignore[arg-type]
        self._last_reward = 0.0
        return self._obs.copy(), dict(self._last_info)

    def step(self, action: Any):
        out = self.advance(action)
        if type(out) is tuple:
            return out
        metrics = self.evaluator.evaluate(out, fidelity=self.fidelity, seed=self.np_random)
        return self.finish(metrics, out)

    def advance(self, action: Any) -> tuple | Hashable:
        """First half of :meth:`step`: take the token; evaluate nothing.

        Returns the usual step tuple, or, when the token completes an architecture,
        the decoded architecture awaiting evaluation (hand its metrics to :meth:`finish`).
        The vector env uses this split to evaluate many children concurrently.
        """
        d = self._decision
        if d is None:
            raise RuntimeError("step() called after the episode ended; call reset() first")
        a = self._as_action(action)
        if not d.is_valid(a):
            valid = f"0..{d.num_choices - 1}" if d.valid is None else f"{list(d.valid)}"
            msg = f"action {a} is masked at decision {d.name!r}: valid actions are {valid} for {list(d.choices)}"
            if self.invalid_action == "raise":
                raise ValueError(msg)
            return self.finish(failure_metrics("invalid", msg), None, invalid=msg)
        self._tokens.append(a)
        self._obs[len(self._tokens) - 1] = a + 1
        nxt = self.space.next_decision(self._tokens)
        if nxt is not None:
            self._decision = nxt
            self._last_reward = 0.0
            self._last_info = {"action_mask": self._mask(nxt, i8=True)}
            return self._obs.copy(), 0.0, False, False, dict(self._last_info)
        self._decision = None
        return self.space.decode(self._tokens)

    def close(self) -> None:
        """Close the evaluation store this env attached (:func:`nas_env.cache.attach_store`), if any.

        Copies that share the store (a :class:`nas_env.vector.NASVectorEnv`'s sub-envs) leave it open.
        """
        owner = getattr(self.evaluator, "owner", None)
        if owner is not None and owner() is self:
            self.evaluator.store.close()  # type: ignore[attr-defined]
        super().close()

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the decisions so far as text; ``"rgb_array"``: a drawing of the architecture."""
        if self.render_mode is None:
            gym.logger.warn("render() called without render_mode; pass render_mode='ansi' or 'rgb_array'")
            return None
        if self.render_mode == "rgb_array":
            from nas_env.rendering import draw_architecture

            return draw_architecture(self.space, self._tokens)
        from nas_env.rendering import render_text

        return render_text(self.space, self._tokens, self._decision, self._last_info, self._last_reward)

    # ------------------------------------------------------------ helpers
    def _mask(self, d: Decision, i8: bool = False) -> np.ndarray:
        """A copy of ``d``'s mask over ``Discrete(max_choices)`` (bool, or int8 for ``info``)."""
        key = (d.num_choices, d.valid)
        if key not in self._masks:
            self._masks[key] = d.mask(self.space.max_choices)
            self._masks_i8[key] = self._masks[key].astype(np.int8)
        return (self._masks_i8 if i8 else self._masks)[key].copy()

    def _as_action(self, action: Any) -> int:
        n = self.space.max_choices
        if type(action) is int:
            a = action
        elif isinstance(action, np.integer):
            a = int(action)
        elif (
            isinstance(action, np.ndarray)
            and action.shape == ()
            and np.issubdtype(action.dtype, np.integer)
        ):
            a = int(action)
        else:
            shape = getattr(action, "shape", None)
            raise ValueError(
                f"action {action!r} (type {type(action).__name__}"
                + (f", shape {shape}" if shape is not None else "")
                + f") is not valid: expected an integer in 0..{n - 1} (Discrete({n}))"
            )
        if not 0 <= a < n:
            raise ValueError(f"action {a} is outside the action space: expected an integer in 0..{n - 1}")
        return a

    def finish(self, metrics: dict[str, Any], arch: Any, invalid: str | None = None):
        """Second half of :meth:`step`: turn an evaluation's metrics into the terminal step tuple.

        Raises :class:`nas_env.MetricsError` for metrics that break the contract
        (:mod:`nas_env.evaluators.contract`), naming the evaluator, the key and what is valid.
        """
        check_metrics(metrics, f"{type(self.evaluator).__name__} result for {str(arch)!r}")
        if metrics.get("status") == "ok":
            try:
                reward = float(self.reward_fn(metrics))
            except KeyError as exc:
                raise MetricsError(
                    f"reward {self.reward_spec!r} needs metrics[{exc}], which {type(self.evaluator).__name__} does "
                    f"not report (its metrics: {sorted(metrics)}); choose a reward for them, e.g. 'accuracy'"
                ) from exc
            if not math.isfinite(reward):  # a NaN would reach the agent (REINFORCE dies far away, others carry on)
                raise MetricsError(
                    f"reward {self.reward_spec!r} gave {reward!r} for {str(arch)!r}; a reward must be a finite number"
                )
        else:
            reward = self.failure_reward
        self._decision = None
        info: dict[str, Any] = {
            "action_mask": np.ones(self.space.max_choices, dtype=np.int8),
            "arch": None if arch is None else str(arch),
            "tokens": tuple(self._tokens),
            "metrics": metrics,
        }
        if invalid is not None:
            info["invalid_action"] = invalid
        self._last_info, self._last_reward = info, reward
        return self._obs.copy(), reward, True, False, info
