"""Making a run's env from its id and kwargs, with errors that name what is valid."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

__all__ = ["make_env"]


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None) -> gym.Env:
    """``gym.make`` a nas-env id, with an error listing the valid ids."""
    import nas_env

    if env_id not in gym.registry:
        raise ValueError(f"unknown env {env_id!r}; valid: {sorted(nas_env.ENV_IDS)}")
    try:
        return gym.make(env_id, **(env_kwargs or {}))
    except TypeError as exc:
        raise ValueError(f"bad --env-kwargs {env_kwargs!r} for {env_id}: {exc}") from exc
