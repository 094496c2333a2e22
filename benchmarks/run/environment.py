"""Making a run's env from its id and kwargs, with errors that name what is valid.

Any Gymnasium id is accepted, including Gymnasium's ``module:id`` convention
(``mymodule:my/Space-v0`` imports ``mymodule``, whose import registers
``my/Space-v0``, then makes it). The env must be a nas-env search env: its
``unwrapped`` has a ``space`` (:class:`nas_env.SearchSpace`), an ``evaluator``
(:class:`nas_env.Evaluator`) and ``action_masks()`` -- a :class:`nas_env.NASEnv`
or a subclass (docs/06_bring_your_own_space.md).

Importing a module runs its code, so a ``module:id`` read from a directory (``run.json``, ``benchmark.json``:
a directory may come from anyone) is imported only when the user named that module for this command:
commands that read directories run inside :func:`trusted_modules` with the modules named on their
command line, and :func:`check_trusted` refuses any other in one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

import gymnasium as gym

from nas_env import user_modules

__all__ = ["check_search_env", "check_trusted", "env_module", "make_env", "resolve_env_id", "trusted_modules"]

_HINT = ("any registered Gymnasium id of a nas-env search env, or 'module:id' to import the module that "
         "registers it first (docs/06_bring_your_own_space.md)")


def env_module(env_id: str) -> str:
    """The module a ``module:id`` env id imports (``""`` for a plain id)."""
    return str(env_id).rpartition(":")[0]


def trusted_modules(named: Iterable[str]) -> AbstractContextManager[None]:
    """Within the block, a ``module:id`` imports only modules the user named: ``named`` holds ``module:id`` env
    ids (or bare module names) given on the command line; see :func:`check_trusted`
    (:func:`nas_env.user_modules.trusted_modules`, which agent and protocol modules share)."""
    return user_modules.trusted_modules(env_module(n) or str(n) for n in named)


def check_trusted(env_id: str) -> None:
    """Raise ``ValueError`` when ``env_id`` is a ``module:id`` whose module is neither imported already nor
    named by the user (inside :func:`trusted_modules`): importing it would run code named by a directory."""
    module = env_module(env_id)
    user_modules.check_trusted_module(module, f"env id {env_id!r}",
                                      f"add --env {env_id} to this command if you trust {module!r}")


def _nas_ids() -> list[str]:
    import nas_env

    return sorted(nas_env.ENV_IDS)


def resolve_env_id(env_id: str) -> str:
    """Import the module of a ``module:id`` and check that the id is registered; returns the bare id.

    Raises:
        ValueError: the module cannot be imported or the id is not registered
            (naming the nas_env ids and the ``module:id`` form).
    """
    import nas_env  # noqa: F401  (registers the nas_env ids)

    if not isinstance(env_id, str) or not env_id:
        raise ValueError(f"env id must be a non-empty string, got {env_id!r}; valid: {_HINT}")
    module, sep, bare = env_id.rpartition(":")
    if sep:
        if not module or not bare:
            raise ValueError(f"bad env id {env_id!r}: expected 'module:id', e.g. 'mymodule:my/Space-v0'")
        user_modules.import_user_module(module, f"env id {env_id!r}",
                                        f"add --env {env_id} to this command if you trust {module!r}")
    if bare not in gym.registry:
        where = f" (module {module!r} was imported but did not register it)" if sep else ""
        raise ValueError(f"unknown env {bare!r}{where}; valid: {_HINT}; nas_env ids: {_nas_ids()}")
    return bare


def check_search_env(env: gym.Env, env_id: str) -> None:
    """Raise ``ValueError`` unless ``env`` is a nas-env search env (see the module docstring)."""
    from nas_env.evaluators.base import Evaluator
    from nas_env.spaces.base import SearchSpace

    u = env.unwrapped
    missing = []
    if not isinstance(getattr(u, "space", None), SearchSpace):
        missing.append(".space (a nas_env.SearchSpace)")
    if not isinstance(getattr(u, "evaluator", None), Evaluator):
        missing.append(".evaluator (a nas_env.Evaluator)")
    if not callable(getattr(u, "action_masks", None)):
        missing.append(".action_masks()")
    if missing:
        raise ValueError(
            f"env {env_id!r} ({type(u).__name__}) is not a nas-env search env: its unwrapped env lacks "
            f"{', '.join(missing)}; valid: a nas_env.NASEnv (or subclass) registered with Gymnasium, "
            f"e.g. {_nas_ids()}, or your own (docs/06_bring_your_own_space.md)"
        )


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None) -> gym.Env:
    """``gym.make`` a nas-env search env by any Gymnasium id (``module:id`` too), with errors naming what is valid."""
    resolve_env_id(env_id)
    try:
        env = gym.make(env_id, **(env_kwargs or {}))
    except TypeError as exc:
        raise ValueError(f"bad --env-kwargs {env_kwargs!r} for {env_id}: {exc}") from exc
    try:
        check_search_env(env, env_id)
    except ValueError:
        env.close()
        raise
    return env
