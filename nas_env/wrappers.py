"""Wrappers for agents that want a different interface to the same env.

=========================  ==========================================================
wrapper                    for
=========================  ==========================================================
:class:`MaskedObservation` libraries that read the action mask from a ``Dict``
                           observation (RLlib ``action_mask``, Tianshou ``mask``)
:class:`ArchitectureAction` bandit / black-box users: the whole architecture is one
                           ``MultiDiscrete`` action, the episode is one step
=========================  ==========================================================
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from nas_env.spaces.fixed import FixedSearchSpace

__all__ = ["ArchitectureAction", "MaskedObservation"]


class MaskedObservation(gym.ObservationWrapper):
    """Observation becomes ``{obs_key: original, mask_key: int8 mask of valid actions}``.

    Args:
        env: a nas_env environment (possibly wrapped).
        obs_key: key of the original observation (RLlib uses ``"observations"``,
            Tianshou ``"obs"``).
        mask_key: key of the mask (RLlib: ``"action_mask"``, Tianshou: ``"mask"``).
    """

    def __init__(self, env: gym.Env, obs_key: str = "observation", mask_key: str = "action_mask"):
        super().__init__(env)
        if obs_key == mask_key:
            raise ValueError(f"obs_key and mask_key must differ, both are {obs_key!r}")
        self.obs_key, self.mask_key = obs_key, mask_key
        n = int(env.action_space.n)  # type: ignore[attr-defined]
        self.observation_space = spaces.Dict(
            {obs_key: env.observation_space, mask_key: spaces.MultiBinary(n)}
        )

    def observation(self, observation: Any) -> dict[str, Any]:
        mask = self.env.unwrapped.action_masks().astype(np.int8)  # type: ignore[attr-defined]
        return {self.obs_key: observation, self.mask_key: mask}


class ArchitectureAction(gym.Wrapper):
    """One step per architecture: the action is every token at once.

    ``action_space = MultiDiscrete(space.choice_counts)``; ``step(tokens)`` plays
    the tokens through the wrapped env (same evaluation and accounting) and
    returns its terminal reward and info with ``terminated=True``. Needs a space
    whose decisions do not depend on earlier tokens (:class:`FixedSearchSpace`).
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        space = env.unwrapped.space  # type: ignore[attr-defined]
        if not isinstance(space, FixedSearchSpace):
            raise ValueError(
                f"ArchitectureAction needs a space with a fixed list of decisions; {space!r} "
                "has decisions that depend on earlier tokens"
            )
        self.action_space = spaces.MultiDiscrete(np.array(space.choice_counts, dtype=np.int64))
        self._counts = np.array(space.choice_counts)

    def step(self, action: Any):
        a = np.asarray(action)
        if a.shape != self._counts.shape or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(
                f"action {action!r} must be {len(self._counts)} integers, one per decision "
                f"(MultiDiscrete{tuple(self._counts.tolist())})"
            )
        bad = np.flatnonzero((a < 0) | (a >= self._counts))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"token {int(a[i])} at position {i} is outside 0..{int(self._counts[i]) - 1}")
        for tok in a.tolist():
            obs, reward, terminated, truncated, info = self.env.step(tok)
        return obs, reward, terminated, truncated, info
