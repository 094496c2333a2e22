"""``nas-env convert DIR --trust-pickle``: rewrite a directory of an earlier nas-env in today's checkpoint format."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nas_env.benchmarks.run.directory import CHECKPOINT
from nas_env.benchmarks.run.files import utf8_text

__all__ = ["add_convert_parser", "cmd_convert"]


def add_convert_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``convert``: rewrite the pickled checkpoints (checkpoint.pkl) of a directory the user trusts."""
    p = subparsers.add_parser(
        "convert",
        help="rewrite the pickled checkpoints of a run or benchmark directory of an earlier nas-env",
        description="Run and benchmark directories of nas-env 0.1 hold checkpoint.pkl, a pickle: loading it runs "
        "whatever it says, so search, benchmark and --retrain-top refuse it. For a directory you trust, this "
        "loads each run's checkpoint.pkl once, writes it as checkpoint.npz (JSON and arrays, which load without "
        "running code) and removes the .pkl.",
    )
    p.add_argument("dir", type=Path, help="a `nas-env search` run directory or a `nas-env benchmark` directory")
    p.add_argument("--trust-pickle", action="store_true", required=True,
                   help="required: you trust DIR's pickles (they run code while they load)")
    p.set_defaults(func=cmd_convert)
    return p


def cmd_convert(args: argparse.Namespace) -> int:
    """Convert ``args.dir``; prints one line: how many runs were converted."""
    from nas_env.benchmarks.run.convert import convert_directory

    runs = convert_directory(args.dir)
    print(f"converted {len(runs)} run{'s' if len(runs) != 1 else ''} in {utf8_text(str(args.dir))} to {CHECKPOINT}")
    return 0
