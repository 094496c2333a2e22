"""The one vocabulary of argument checks: agent configs, env and evaluator kwargs, model builders, protocol
settings and CLI values all use these.

Every check returns the value (converted: an ``int``, a ``float``, a ``list``) or raises ``ValueError`` in one
style, naming the argument, the bad value and what is valid::

    lr must be a finite number > 0, got -1
    batch_size must be an int >= 1, got 0
    num_layers must be an int in 1..2, got 3
    unknown optimizer 'adamw'; valid: ['adam', 'sgd']

Booleans are never numbers here (``True`` is not a batch size), and NaN or infinity never a real number.
:func:`argparse_type` turns a check into an ``argparse`` ``type=`` (its error is argparse's, naming the option);
:func:`errors_as` raises a check's message as a module's own error class (``CorpusError`` ...).
"""

from __future__ import annotations

import argparse
import contextlib
import math
from collections.abc import Callable, Collection, Iterator, Sequence
from numbers import Integral, Real
from typing import Any

__all__ = [
    "argparse_type",
    "check_bool",
    "check_choice",
    "check_int",
    "check_int_list",
    "check_name_list",
    "check_real",
    "errors_as",
]


def _refuse(name: str, valid: str, value: Any, optional: bool = False) -> ValueError:
    """The one message: ``"{name} must be {valid}[ or None], got {value!r}"`` (no name: ``"must be ..."``)."""
    subject = f"{name} must" if name else "must"
    return ValueError(f"{subject} be {valid}{' or None' if optional else ''}, got {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _int_range(low: int, high: int | None) -> str:
    return f"an int >= {low}" if high is None else f"an int in {low}..{high}"


def check_int(name: str, value: Any, low: int = 1, high: int | None = None, optional: bool = False) -> Any:
    """``value`` as an ``int`` in ``[low, high]`` (a numpy integer too; ``None`` passes when ``optional``)."""
    if optional and value is None:
        return None
    if not _is_int(value) or value < low or (high is not None and value > high):
        raise _refuse(name, _int_range(low, high), value, optional)
    return int(value)


def check_real(name: str, value: Any, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, optional: bool = False) -> Any:
    """``value`` as a finite ``float`` within the bounds (``low_open``/``high_open``: that bound excluded;
    ``None`` passes when ``optional``)."""
    if optional and value is None:
        return None
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        bounds = [f"{'>' if low_open else '>='} {low}" if low is not None else "",
                  f"{'<' if high_open else '<='} {high}" if high is not None else ""]
        where = " and ".join(b for b in bounds if b)
        raise _refuse(name, f"a finite number{' ' + where if where else ''}", value, optional)
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    """``value`` if it is ``True`` or ``False`` (not ``1``, not ``"yes"``)."""
    if not isinstance(value, bool):
        raise _refuse(name, "True or False", value)
    return value


def check_choice(name: str, value: Any, valid: Collection[str], optional: bool = False) -> Any:
    """``value`` if it is one of the names ``valid`` (listed in their order in the message; ``None`` passes when
    ``optional``); else ``"unknown {name} {value!r}; valid: [...]"``."""
    if optional and value is None:
        return None
    if not isinstance(value, str) or value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {list(valid)}{' or None' if optional else ''}")
    return value


def _listed(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _list_of(what: str, non_empty: bool, such_as: str) -> str:
    return f"a {'non-empty ' if non_empty else ''}list of {what}{' such as ' + such_as if such_as else ''}"


def check_int_list(name: str, value: Any, low: int = 1, non_empty: bool = False, distinct: bool = False,
                   such_as: str = "") -> list[int]:
    """``value`` (a list, tuple or range) as a list of ints >= ``low``; ``non_empty``: at least one,
    ``distinct``: no repeats; ``such_as`` is an example for the message."""
    ok = _listed(value) and all(_is_int(v) and v >= low for v in value)
    if not ok or (non_empty and not value) or (distinct and len(set(value)) != len(value)):
        what = f"{'distinct ' if distinct else ''}ints >= {low}"
        raise _refuse(name, _list_of(what, non_empty, such_as), value)
    return [int(v) for v in value]


def check_name_list(name: str, value: Any, such_as: str = "") -> list[str]:
    """``value`` (a list or tuple, not one string) as a non-empty list of non-empty strings."""
    if not _listed(value) or not value or not all(isinstance(v, str) and v for v in value):
        raise _refuse(name, _list_of("names", True, such_as), value)
    return list(value)


@contextlib.contextmanager
def errors_as(error: Callable[[str], Exception]) -> Iterator[None]:
    """Inside the block, a check's ``ValueError`` is raised as ``error(message)`` instead (same message)."""
    try:
        yield
    except ValueError as exc:
        raise error(str(exc)) from None


def argparse_type(parse: Callable[[str], Any], check: Callable[..., Any], **bounds: Any) -> Callable[[str], Any]:
    """An ``argparse`` ``type=``: ``parse`` the text (kept as text where it does not parse, so the message
    shows it), then ``check("", value, **bounds)``; its ``ValueError`` becomes ``argparse.ArgumentTypeError``
    (argparse puts the option's name in front: ``argument --budget: must be an int >= 1, got 0``)."""

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            value = text
        with errors_as(argparse.ArgumentTypeError):
            return check("", value, **bounds)

    convert.__name__ = getattr(check, "__name__", "value")
    return convert
