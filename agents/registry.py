"""Finding agents by name: the one registration mechanism.

An agent class registers itself with the :func:`register_agent` decorator when its
module is imported. The built-in agents' modules are listed in :data:`BUILTIN_MODULES`
and imported on first use of the registry (:func:`make_agent`, :func:`agent_class`,
:func:`agent_names`), so nothing else has to import them for their side effect.
A user agent is registered by importing the module that defines it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.base import Agent

__all__ = ["AGENTS", "BUILTIN_MODULES", "agent_class", "agent_names", "make_agent", "register_agent"]

#: name -> agent class, filled by :func:`register_agent`
AGENTS: dict[str, type[Agent]] = {}
#: modules whose import registers the built-in agents
BUILTIN_MODULES = ("agents.random_search", "agents.grid", "agents.evolution", "agents.reinforce", "agents.ppo")


def register_agent(name: str) -> Callable[[type[Agent]], type[Agent]]:
    """Class decorator: make an agent findable by ``name`` (CLI, benchmarks)."""

    def deco(cls: type[Agent]) -> type[Agent]:
        if name in AGENTS and AGENTS[name] is not cls:
            raise ValueError(f"agent name {name!r} is already registered to {AGENTS[name].__name__}")
        cls.name = name
        AGENTS[name] = cls
        return cls

    return deco


def _load_builtins() -> None:
    for module in BUILTIN_MODULES:
        importlib.import_module(module)


def agent_names() -> list[str]:
    """The registered agent names, sorted."""
    _load_builtins()
    return sorted(AGENTS)


def agent_class(name: str) -> type[Agent]:
    """The agent class registered as ``name``; ``ValueError`` listing the valid names otherwise."""
    _load_builtins()
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; valid: {sorted(AGENTS)}")
    return AGENTS[name]


def make_agent(name: str, **hyperparameters: Any) -> Agent:
    """Build a registered agent by name, overriding hyperparameters of its Config."""
    return agent_class(name)(**hyperparameters)
