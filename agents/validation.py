"""Checks for agent hyperparameters, called from each Config dataclass's ``__post_init__``.

Every check raises ``ValueError`` naming the field, the bad value and what is valid, so a bad
``--agent-kwargs`` is refused before a run writes anything (the CLI prints it and exits 2).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from numbers import Integral, Real
from typing import Any

__all__ = ["check_choice", "check_int", "check_int_list", "check_real"]


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_int(name: str, value: Any, low: int = 1, high: int | None = None, optional: bool = False) -> None:
    """``value`` is an int in ``[low, high]`` (``None`` too when ``optional``)."""
    if optional and value is None:
        return
    if not _is_int(value) or value < low or (high is not None and value > high):
        valid = f"an int >= {low}" if high is None else f"an int in {low}..{high}"
        raise ValueError(f"{name} must be {valid}{' or None' if optional else ''}, got {value!r}")


def check_real(name: str, value: Any, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, optional: bool = False) -> None:
    """``value`` is a finite number within the bounds (``low_open``/``high_open``: the bound is excluded)."""
    if optional and value is None:
        return
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        bounds = [f"{'>' if low_open else '>='} {low}" if low is not None else "",
                  f"{'<' if high_open else '<='} {high}" if high is not None else ""]
        where = " and ".join(b for b in bounds if b)
        raise ValueError(f"{name} must be a finite number{' ' + where if where else ''}"
                         f"{' or None' if optional else ''}, got {value!r}")


def check_choice(name: str, value: Any, valid: Collection[str]) -> None:
    """``value`` is one of ``valid``."""
    if not isinstance(value, str) or value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {sorted(valid)}")


def check_int_list(name: str, value: Any, low: int = 1) -> None:
    """``value`` is a list (or tuple) of ints >= ``low``."""
    if not isinstance(value, (list, tuple)) or not all(_is_int(v) and v >= low for v in value):
        raise ValueError(f"{name} must be a list of ints >= {low} such as [64, 64], got {value!r}")
