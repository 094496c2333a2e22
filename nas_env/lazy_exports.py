"""Names a package exports but imports on first access (PEP 562), so that importing the package stays cheap.

A package whose public names include classes from torch-based modules lists them here; ``import nas_env.agents``
then costs no torch import, and a process that never touches those names (a search with ``random``, ``nas-env
report``) never imports torch::

    __getattr__, __dir__ = lazy_exports(__name__, {"Reinforce": "nas_env.agents.reinforce"})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package`` for ``names`` (name -> module defining it):
    the first access imports the module and caches the value in the package's namespace."""
    table = dict(names)

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(table[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
