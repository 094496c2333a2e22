"""Finding protocols by name: the one registration mechanism.

A protocol family's module registers each of its protocols with one :func:`register_protocol` call, beside
the protocol's settings, published numbers and notes (``nb201.py`` registers ``nb201-cifar10`` ...); a
family whose protocols are named by a prefix and built on demand (``fixed:<env-id>``) registers once with
:func:`register_protocol_family`. The built-in families are imported by :mod:`nas_env.benchmarks.protocols`,
so every name is registered before anything looks one up.

**Your own protocol by name**: a module of yours calls :func:`register_protocol` (``nas_env.benchmarks.
register_protocol``) at import; ``MODULE:NAME`` (``nas-env benchmark --protocol myproto:my-task``) imports
``MODULE`` the way ``--env MODULE:ID`` does (:func:`nas_env.user_modules.import_user_module`) and looks ``NAME`` up.
The protocol is then named ``MODULE:NAME`` (in ``benchmark.json`` and the report), so that a resumed benchmark or a
rebuilt report finds it again -- importing the module only when the command names it (a directory never does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nas_env.benchmarks.protocols.base import Protocol
from nas_env.user_modules import import_user_module, split_module

__all__ = [
    "FAMILIES", "PROTOCOLS", "ProtocolFamily", "get_protocol", "protocol_from_json", "protocol_module",
    "protocol_names", "protocol_names_by_unit", "register_protocol", "register_protocol_family",
]

#: name -> protocol, filled by :func:`register_protocol`
PROTOCOLS: dict[str, Protocol] = {}


@dataclass(frozen=True)
class ProtocolFamily:
    """Protocols named ``<prefix><argument>``, built on demand (``fixed:nas_env/NB201-v0``).

    Attributes:
        prefix: the start of every name of the family (``"fixed:"``).
        placeholder: what the argument stands for in lists of names (``"<env-id>"``).
        unit: the unit of its budgets (:attr:`Protocol.budget_unit`).
        build: ``(argument, env_kwargs) -> Protocol`` with the family's default budget; ``ValueError`` for a bad
            argument.
        check: ``Protocol -> None``, run by :func:`get_protocol` (not when a saved protocol is rebuilt) to fail
            before any run starts; ``ValueError`` naming what is wrong.
    """

    prefix: str
    placeholder: str
    unit: str
    build: Callable[[str, Mapping[str, Any]], Protocol]
    check: Callable[[Protocol], None] | None = None


#: prefix -> family, filled by :func:`register_protocol_family`
FAMILIES: dict[str, ProtocolFamily] = {}


def register_protocol(protocol: Protocol) -> Protocol:
    """Make ``protocol`` findable by its name (``nas-env benchmark --protocol``); returns it."""
    if protocol.name in PROTOCOLS and PROTOCOLS[protocol.name] != protocol:
        raise ValueError(f"protocol name {protocol.name!r} is already registered")
    PROTOCOLS[protocol.name] = protocol
    return protocol


def register_protocol_family(family: ProtocolFamily) -> ProtocolFamily:
    """Make every ``<prefix><argument>`` name findable (:class:`ProtocolFamily`); returns the family."""
    if family.prefix in FAMILIES and FAMILIES[family.prefix] != family:
        raise ValueError(f"protocol family {family.prefix!r} is already registered")
    FAMILIES[family.prefix] = family
    return family


#: how a user's own protocol is named, in lists of valid names
USER_FORM = "MODULE:NAME"


def protocol_names() -> list[str]:
    """Valid protocol names (a family stands as ``<prefix><placeholder>``, e.g. ``fixed:<env-id>``; a user's own as
    ``MODULE:NAME``)."""
    return sorted(PROTOCOLS) + [f.prefix + f.placeholder for f in FAMILIES.values()] + [USER_FORM]


def protocol_names_by_unit() -> dict[str, list[str]]:
    """:func:`protocol_names` grouped by the unit of their budget (``nas-env benchmark --budget``'s unit)."""
    units: dict[str, list[str]] = {}
    for name in sorted(PROTOCOLS):
        units.setdefault(PROTOCOLS[name].budget_unit, []).append(name)
    for f in FAMILIES.values():
        units.setdefault(f.unit, []).append(f.prefix + f.placeholder)
    units.setdefault("the protocol's own unit", []).append(USER_FORM)
    return units


def _family(name: str) -> tuple[ProtocolFamily, str] | None:
    for prefix, family in FAMILIES.items():
        if name.startswith(prefix):
            return family, name[len(prefix):]
    return None


def get_protocol(
    name: str,
    budget: int | float | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
) -> Protocol:
    """Look a protocol up by name, optionally overriding its budget and env kwargs.

    ``budget`` replaces the budget in the protocol's own unit (:attr:`Protocol.budget_unit`: simulated seconds
    for the NAS-Bench-201 protocols, evaluations otherwise) -- handy for quick runs; the report says so.
    ``env_kwargs`` go to ``gym.make`` on top of the protocol's. A family's protocol (``fixed:<env-id>``) is
    built and checked here, so a bad id, module or kwargs fails before any run. A registered protocol's
    :attr:`Protocol.preflight` (a missing dataset) is not run here but before its runs (:meth:`Protocol.check_ready`).
    """
    found = _family(name)
    if found is not None:
        family, argument = found
        p = family.build(argument, dict(env_kwargs or {}))
        if budget is not None:
            p = p.with_overrides(budget=p.budget_of(budget))
        if family.check is not None:
            family.check(p)
        return p
    p = _registered(name)
    return p.with_overrides(budget=None if budget is None else p.budget_of(budget), env_kwargs=env_kwargs)


def protocol_module(name: str) -> str:
    """The module a ``MODULE:NAME`` protocol name imports (``""`` for a built-in name or a family's)."""
    if name in PROTOCOLS or _family(name) is not None:
        return ""
    module, sep, _ = str(name).partition(":")
    return module if sep else ""


def _registered(name: str, saved: str = "") -> Protocol:
    """The registered protocol ``name``, or a user's ``MODULE:NAME`` (its module imported), renamed ``MODULE:NAME``;
    ``ValueError`` in one line naming what is valid."""
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    module, target = split_module(name, "protocol", "myproto:my-task")
    if not module:
        raise ValueError(f"unknown protocol {name!r}{saved}; valid: {protocol_names()} ({USER_FORM}: a protocol your "
                         "module registers with nas_env.benchmarks.register_protocol)")
    import_user_module(module, f"protocol {name!r}", f"add --protocol {name} to this command if you trust {module!r}")
    for key in (target, name):
        if key in PROTOCOLS:
            return dataclasses.replace(PROTOCOLS[key], name=name)
    raise ValueError(f"protocol {name!r}: module {module!r} registers no protocol {target!r} (with "
                     f"nas_env.benchmarks.register_protocol); registered: {sorted(PROTOCOLS)}")


def protocol_from_json(d: Mapping[str, Any]) -> Protocol:
    """Rebuild the protocol saved by :meth:`Protocol.to_json` (budget and env kwargs as saved)."""
    name = str(d["name"])
    budget = d.get("budget") or {}  # plain data: the protocol reads it (Budget.from_value)
    found = _family(name)
    if found is not None:
        family, argument = found
        return dataclasses.replace(family.build(argument, d.get("env_kwargs") or {}), budget=budget)
    p = _registered(name, " in saved benchmark")
    return dataclasses.replace(
        p,
        budget=budget,
        env_kwargs=dict(d.get("env_kwargs") or p.env_kwargs),
        agent_kwargs={k: dict(v) for k, v in (d.get("agent_kwargs") or {}).items()},
        retrain_top=d.get("retrain_top", p.retrain_top),
        retrain_epochs=d.get("retrain_epochs", p.retrain_epochs),
    )
