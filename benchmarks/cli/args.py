"""Argument types shared by the ``nas-env`` subcommands (argparse prefixes the option name)."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

__all__ = ["HelpFormatter", "csv_list", "json_object", "positive_float", "positive_int", "seed_list"]


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


def positive_int(text: str) -> int:
    """An integer > 0."""
    return int(_positive(text, int, "integer"))


def positive_float(text: str) -> float:
    """A number > 0."""
    return float(_positive(text, float, "number"))


def _positive(text: str, kind: type[int] | type[float], noun: str) -> int | float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive {noun}, got {text!r}") from None
    if not value > 0:  # (a NaN is not > 0 either)
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def csv_list(text: str) -> list[str]:
    """A comma-separated list of names."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def seed_list(text: str) -> list[int]:
    """Comma-separated distinct non-negative integers."""
    try:
        seeds = [int(t) for t in csv_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed-list needs comma-separated integers, got {text!r}") from None
    if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"--seed-list needs distinct non-negative integers, got {text!r}")
    return seeds
