"""Argument types shared by the ``nas-env`` subcommands (argparse prefixes the option name).

The numeric ones are :func:`nas_env.validation.argparse_type` adapters of the one set of validators, so a
bad value reads as it does everywhere else: ``argument --budget: must be an int >= 1, got 0``.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from nas_env.validation import argparse_type, check_int, check_int_list, check_real

__all__ = ["HelpFormatter", "csv_list", "json_object", "non_negative_float", "positive_float", "positive_int",
           "seed_list"]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's help with defaults, wrapped at spaces only: names such as ``rnn-tinyshakespeare-paper``
    are never split at a hyphen (a user copies them from ``--help``)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


def json_object(text: str) -> dict[str, Any]:
    """A JSON object such as ``'{"dataset": "cifar100"}'``."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {text!r} ({exc})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object like '{{\"key\": 1}}', got {text!r}")
    return value


#: an int >= 1
positive_int = argparse_type(int, check_int, low=1)
#: a finite number > 0
positive_float = argparse_type(float, check_real, low=0, low_open=True)
#: a finite number >= 0
non_negative_float = argparse_type(float, check_real, low=0)


def csv_list(text: str) -> list[str]:
    """A comma-separated list of names."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def _seeds(text: str) -> list[int]:
    return [int(t) for t in csv_list(text)]


#: comma-separated distinct integers >= 0, e.g. ``3,5,8``
seed_list = argparse_type(_seeds, check_int_list, low=0, non_empty=True, distinct=True, such_as="3,5,8")
