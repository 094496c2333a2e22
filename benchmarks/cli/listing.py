"""``nas-env envs`` and ``nas-env agents``: what can be searched and with what."""

from __future__ import annotations

import argparse
import importlib
from dataclasses import fields, is_dataclass
from typing import Any

__all__ = ["add_listing_parsers"]


def add_listing_parsers(sub: Any) -> None:
    e = sub.add_parser("envs", help="list the registered environments")
    e.set_defaults(func=cmd_envs)
    a = sub.add_parser("agents", help="list the agents and their hyperparameter defaults")
    a.set_defaults(func=cmd_agents)


def cmd_envs(args: argparse.Namespace) -> int:
    import gymnasium as gym

    import nas_env

    for env_id in nas_env.ENV_IDS:
        entry = gym.registry[env_id].entry_point
        cls = entry if not isinstance(entry, str) else _load(entry)
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{env_id:<24} {doc[0] if doc else ''}")
    return 0


def _load(entry_point: str) -> Any:
    module, _, name = entry_point.partition(":")
    return getattr(importlib.import_module(module), name)


def cmd_agents(args: argparse.Namespace) -> int:
    from nas_env.agents.registry import agent_class, agent_names

    names = agent_names()
    width = max(map(len, names), default=0)  # the longest name (reinforce-table) sets the column
    for name in names:
        cls = agent_class(name)
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{name:<{width}}  {doc[0] if doc else ''}")
        if is_dataclass(cls.Config):
            defaults = cls.Config()
            for f in fields(cls.Config):
                print(f"    {f.name} = {getattr(defaults, f.name)!r}")
    return 0
