"""Finding agents by name: the one registration mechanism.

An agent class registers itself with the :func:`register_agent` decorator when its
module is imported. The built-in agents' modules are listed in :data:`BUILTIN_MODULES`
and imported on first use of the registry (:func:`make_agent`, :func:`agent_class`,
:func:`agent_names`), so nothing else has to import them for their side effect.
A user agent is registered by importing the module that defines it.

An **agent spec** names a registered agent with settings: ``reinforce@lr=0`` is ``reinforce`` with
``lr=0`` (``@key=value`` may repeat; a value is read as JSON where it parses, else as a string:
``evolution@variant=nb201``). :func:`make_agent` and :func:`agent_class` accept specs, so a benchmark
can run "reinforce" next to its no-learning ablation "reinforce@lr=0" under clear names.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nas_env.agents.base import Agent

__all__ = [
    "AGENTS", "BUILTIN_MODULES", "SPEC_SEPARATOR", "agent_class", "agent_names", "canonical_agent_spec",
    "check_agent_spec", "make_agent", "parse_agent_spec", "register_agent",
]

#: name -> agent class, filled by :func:`register_agent`
AGENTS: dict[str, type[Agent]] = {}
#: separates an agent's name from its settings in an agent spec (``reinforce@lr=0``)
SPEC_SEPARATOR = "@"
#: modules whose import registers the built-in agents
BUILTIN_MODULES = (
    "nas_env.agents.random_search", "nas_env.agents.grid", "nas_env.agents.evolution", "nas_env.agents.reinforce",
    "nas_env.agents.reinforce_table",
    "nas_env.agents.ppo", "nas_env.agents.tpe", "nas_env.agents.nsga2",
)


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


def parse_agent_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"reinforce@lr=0@m=2"`` -> ``("reinforce", {"lr": 0, "m": 2})``; a plain name has no settings.

    ``ValueError`` naming the bad part for a setting without ``=`` or with an empty key.
    """
    name, *parts = str(spec).split(SPEC_SEPARATOR)
    settings: dict[str, Any] = {}
    for part in parts:
        key, eq, text = part.partition("=")
        if not eq or not key:
            raise ValueError(f"bad setting {part!r} in agent spec {spec!r}; expected NAME@key=value[@key=value...]")
        try:
            settings[key] = json.loads(text)
        except json.JSONDecodeError:
            settings[key] = text
    return name, settings


def _setting_text(value: Any) -> str:
    """A setting's value as :func:`parse_agent_spec` reads it back: a string that is not JSON stays bare
    (``variant=nb201``), anything else is compact JSON with sorted keys (``lr=0.001``, ``objectives=["a"]``)."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError:
            return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def canonical_agent_spec(spec: str) -> str:
    """The one spelling of an agent spec: its settings sorted by key, each value normalised
    (``reinforce@m=2@lr=1e-3`` -> ``reinforce@lr=0.001@m=2``); a plain name is itself."""
    name, settings = parse_agent_spec(spec)
    return SPEC_SEPARATOR.join([name, *(f"{k}={_setting_text(settings[k])}" for k in sorted(settings))])


def agent_class(name: str) -> type[Agent]:
    """The agent class registered as ``name`` (or an agent spec's name); ``ValueError`` listing the valid names."""
    _load_builtins()
    base = parse_agent_spec(name)[0]
    if base not in AGENTS:
        raise ValueError(f"unknown agent {base!r}; valid: {sorted(AGENTS)}")
    return AGENTS[base]


def check_agent_spec(spec: str) -> None:
    """``ValueError`` unless ``spec`` names a registered agent and only settings of its Config."""
    from dataclasses import fields, is_dataclass

    cls = agent_class(spec)
    names = {f.name for f in fields(cls.Config)} if is_dataclass(cls.Config) else set()
    unknown = sorted(set(parse_agent_spec(spec)[1]) - names)
    if unknown:
        raise ValueError(f"agent spec {spec!r}: unknown hyperparameters {unknown}; valid: {sorted(names)}")


def make_agent(name: str, **hyperparameters: Any) -> Agent:
    """Build a registered agent by name or agent spec; the spec's settings override ``hyperparameters``."""
    return agent_class(name)(**{**hyperparameters, **parse_agent_spec(name)[1]})
