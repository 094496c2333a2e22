"""Importing a user's module named on the command line: ``MODULE:ID`` env ids, ``MODULE:NAME`` agents and protocols.

One function, :func:`import_user_module`, imports the module and turns every way it can fail into one
``ValueError`` line naming what was being resolved (``cannot import module 'mymod' of agent 'mymod:hc': No
module named 'mymod' (is its directory on PYTHONPATH?)``).

Importing a module runs its code, so a module named by a directory (``run.json``, ``benchmark.json``: a directory
may come from anyone) is imported only when the user named it for this command: commands that read directories
run inside :func:`trusted_modules` with the modules named on their command line, and :func:`check_trusted_module`
refuses any other in one line. Outside such a block (the Python API, a command naming its own modules) every
module may be imported.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType

__all__ = ["check_trusted_module", "import_user_module", "split_module", "trusted_modules"]

#: the modules that may be imported while a command reads a directory (``None``: no restriction); a stack,
#: set by :func:`trusted_modules`
_TRUSTED: list[frozenset[str] | None] = [None]


@contextmanager
def trusted_modules(modules: Iterable[str]) -> Iterator[None]:
    """Within the block, :func:`check_trusted_module` lets only ``modules`` (bare module names) and modules
    already imported through."""
    _TRUSTED.append(frozenset(str(m) for m in modules if m))
    try:
        yield
    finally:
        _TRUSTED.pop()


def check_trusted_module(module: str, what: str, hint: str) -> None:
    """Raise ``ValueError`` when ``module`` is neither imported already nor trusted (inside :func:`trusted_modules`):
    importing it would run code named by a directory. ``what`` names the value that names the module (``env id
    'm:x'``), ``hint`` says how the user names it for this command."""
    trusted = _TRUSTED[-1]
    if not module or trusted is None or module in trusted or module in sys.modules:
        return
    raise ValueError(
        f"{what} recorded in the directory names module {module!r}, and importing it runs its code; "
        f"nas-env imports a module named by a run or benchmark directory only when you name it: {hint}"
    )


def split_module(text: str, what: str, example: str) -> tuple[str, str]:
    """``"mymod:name"`` -> ``("mymod", "name")``; ``("", text)`` without a colon. ``ValueError`` naming ``what`` and
    the expected form (``example``) when either side is empty."""
    module, sep, name = str(text).partition(":")
    if not sep:
        return "", str(text)
    if not module.strip() or not name.strip():
        raise ValueError(f"bad {what} {text!r}: expected MODULE:NAME, e.g. {example!r}")
    return module, name


def import_user_module(module: str, what: str, hint: str = "") -> ModuleType:
    """Import ``module`` (checked by :func:`check_trusted_module` first); ``ValueError`` in one line when it is
    missing, or raises while importing. ``what`` names the value being resolved (``agent 'mymod:hc'``)."""
    check_trusted_module(module, what, hint)
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            raise ValueError(f"cannot import module {module!r} of {what}: {exc} (is its directory on PYTHONPATH?)"
                             ) from exc
        raise ValueError(f"importing module {module!r} of {what} failed: {exc}") from exc
    except Exception as exc:  # the user's module raised while importing
        raise ValueError(f"importing module {module!r} of {what} failed: {type(exc).__name__}: {exc}") from exc
