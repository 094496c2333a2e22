"""Finding agents by name: the one registration mechanism.

An agent class registers itself with the :func:`register_agent` decorator when its
module is imported. The built-in agents' names and modules are listed in :data:`BUILTIN_AGENTS`;
a built-in module is imported when its name is first used (:func:`make_agent`, :func:`agent_class`),
so nothing else has to import it for its side effect, and a process that runs ``random`` never imports
torch. :func:`agent_names` lists the built-in names without importing their modules.
A user agent is registered by importing the module that defines it.

An **agent spec** names a registered agent with settings: ``reinforce@lr=0`` is ``reinforce`` with
``lr=0`` (``@key=value`` may repeat; a value is read as JSON where it parses, else as a string:
``evolution@variant=nb201``). :func:`make_agent` and :func:`agent_class` accept specs, so a benchmark
can run "reinforce" next to its no-learning ablation "reinforce@lr=0" under clear names.

**Your own agent by name**: a spec's name may be ``MODULE:NAME`` (a name that ``MODULE`` registers with
:func:`register_agent`) or ``MODULE:CLASS`` (an :class:`~nas_env.agents.base.Agent` subclass defined in
``MODULE``), settings too (``myagent:hill-climb@step=2``). :func:`agent_class` imports ``MODULE`` the way
``--env MODULE:ID`` does (:func:`nas_env.user_modules.import_user_module`: a module named by a directory is imported
only when the user named it for the command), so the name works in any process -- a benchmark's worker
processes import the module themselves.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from nas_env.user_modules import import_user_module, split_module

if TYPE_CHECKING:
    from nas_env.agents.base import Agent

__all__ = [
    "AGENTS", "BUILTIN_AGENTS", "BUILTIN_MODULES", "SPEC_SEPARATOR", "agent_class", "agent_module", "agent_names",
    "canonical_agent_spec", "check_agent_spec", "check_agent_specs", "make_agent", "parse_agent_spec",
    "register_agent",
]

#: name -> agent class, filled by :func:`register_agent` as agent modules are imported (a built-in one when its name is
#: first used); :func:`agent_names` lists every name
AGENTS: dict[str, type[Agent]] = {}
#: separates an agent's name from its settings in an agent spec (``reinforce@lr=0``)
SPEC_SEPARATOR = "@"
#: built-in agent name -> the module whose import registers it (imported when the name is first used)
BUILTIN_AGENTS: dict[str, str] = {
    "random": "nas_env.agents.random_search", "grid": "nas_env.agents.grid",
    "evolution": "nas_env.agents.evolution", "reinforce": "nas_env.agents.reinforce",
    "reinforce-table": "nas_env.agents.reinforce_table",
    "ppo": "nas_env.agents.ppo", "maskable-ppo": "nas_env.agents.ppo",
    "tpe": "nas_env.agents.tpe", "nsga2": "nas_env.agents.nsga2",
}
#: modules whose import registers the built-in agents
BUILTIN_MODULES = tuple(dict.fromkeys(BUILTIN_AGENTS.values()))


def register_agent(name: str) -> Callable[[type[Agent]], type[Agent]]:
    """Class decorator: make an agent findable by ``name`` (CLI, benchmarks)."""

    def deco(cls: type[Agent]) -> type[Agent]:
        if name in AGENTS and AGENTS[name] is not cls:
            raise ValueError(f"agent name {name!r} is already registered to {AGENTS[name].__name__}")
        cls.name = name
        AGENTS[name] = cls
        return cls

    return deco


def _load_builtin(name: str) -> None:
    """Import the module that registers the built-in agent ``name`` (nothing for any other name)."""
    if name in BUILTIN_AGENTS and name not in AGENTS:
        importlib.import_module(BUILTIN_AGENTS[name])


def agent_names() -> list[str]:
    """The agent names: the built-in ones and those registered so far, sorted (imports no agent module)."""
    return sorted(set(BUILTIN_AGENTS) | set(AGENTS))


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


#: the forms of an agent spec, for error messages
SPEC_FORMS = ("NAME@key=value, e.g. reinforce@lr=0; your own agent: MODULE:NAME (registered with register_agent) "
              "or MODULE:CLASS (an Agent subclass), docs/02_your_own_agent.md")


def agent_module(spec: str) -> str:
    """The module a ``MODULE:NAME`` / ``MODULE:CLASS`` agent spec imports (``""`` for a registered name)."""
    module, sep, _ = str(spec).split(SPEC_SEPARATOR, 1)[0].partition(":")
    return module if sep else ""


def agent_class(name: str) -> type[Agent]:
    """The agent class of an agent spec: a registered name, or ``MODULE:NAME`` / ``MODULE:CLASS`` (the module is
    imported, see the module docstring); ``ValueError`` in one line naming what is valid."""
    base = parse_agent_spec(name)[0]
    module, target = split_module(base, "agent spec", "myagent:hill-climb")
    if module:
        return _module_agent(module, target, base)
    _load_builtin(base)
    if base not in AGENTS:
        raise ValueError(f"unknown agent {base!r}; valid: {agent_names()} (with settings: {SPEC_FORMS})")
    return AGENTS[base]


def _module_agent(module: str, target: str, base: str) -> type[Agent]:
    """``MODULE:CLASS`` (an attribute of the module that is an Agent subclass) or ``MODULE:NAME`` (registered)."""
    from nas_env.agents.base import Agent

    mod = import_user_module(module, f"agent {base!r}", f"name it with --agents/--agent {base} if you trust "
                             f"{module!r}")
    found = getattr(mod, target, None)
    if isinstance(found, type):
        if issubclass(found, Agent) and not inspect.isabstract(found):
            return found
        if issubclass(found, Agent):
            raise ValueError(f"agent {base!r}: {module}.{target} is abstract (it lacks "
                             f"{sorted(getattr(found, '__abstractmethods__', ()))}); valid: an Agent subclass that "
                             "implements search()")
        raise ValueError(f"agent {base!r}: {module}.{target} is a class but not an Agent subclass "
                         f"(nas_env.agents.Agent); valid: an Agent subclass or a name registered with register_agent")
    _load_builtin(target)
    if target in AGENTS:
        return AGENTS[target]
    if found is not None:
        raise ValueError(f"agent {base!r}: {module}.{target} is a {type(found).__name__}, not an Agent subclass "
                         "(nas_env.agents.Agent) or a name registered with register_agent")
    classes = sorted(k for k, v in vars(mod).items() if isinstance(v, type) and issubclass(v, Agent) and v is not Agent)
    raise ValueError(f"agent {base!r}: module {module!r} has no Agent class {target!r} and no agent is registered as "
                     f"{target!r}; Agent classes in {module}: {classes}; registered names: {agent_names()}")


def check_agent_specs(specs: Sequence[str]) -> None:
    """``ValueError`` in one line unless every spec resolves (:func:`agent_class`) with only settings of its Config:
    the one check of a list of ``--agents`` (benchmark, suite) before any run starts. Unknown registered names are
    named together."""
    known = agent_names()
    unknown = [s for s in specs if not split_module(parse_agent_spec(s)[0], "agent spec", "myagent:hill-climb")[0]
               and parse_agent_spec(s)[0] not in known]
    if unknown:
        raise ValueError(f"unknown agent(s) {unknown}; valid: {known} (with settings: {SPEC_FORMS})")
    for spec in specs:
        check_agent_spec(spec)


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
