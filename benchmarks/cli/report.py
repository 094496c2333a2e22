"""``nas-env report DIR``: (re)build the report of a benchmark directory or of a single search run."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nas_env.benchmarks.cli.args import csv_list
from nas_env.benchmarks.run.files import UnsafePathError, utf8_text

__all__ = ["add_report_parser", "cmd_report"]


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report``: rebuild DIR/report.md, figures and CSV/JSON from the saved histories."""
    p = subparsers.add_parser(
        "report",
        help="(re)build the report of a benchmark directory or of a single search run",
        description="For a `nas-env benchmark` directory: rebuild DIR/report.md, DIR/figures/*.png, summary.csv, "
        "aggregate.json and the curve CSVs from DIR/benchmark.json and DIR/runs/<agent>/seed<k>/history.jsonl. "
        "For a `nas-env search` run directory (DIR/run.json): write DIR/report.md and DIR/figures/*.png "
        "(rewards, the REINFORCE controller's token probabilities over time, the top architectures drawn).",
    )
    p.add_argument("dir", type=Path, help="a `nas-env benchmark` output directory or a `nas-env search` run directory")
    p.add_argument("--env", action="append", default=[], metavar="MODULE:ID",
                   help="trust the module of this 'module:id' env id (the one the run or benchmark was made with): "
                   "a report imports a module named by a directory only when you name it here (repeatable)")
    p.add_argument("--protocol", action="append", default=[], metavar="MODULE:NAME",
                   help="trust the module of this 'module:name' protocol (your own, the one the benchmark was made "
                   "with): a report imports a module named by a directory only when you name it here")
    p.add_argument("--agents", type=csv_list, default=None,
                   help="only these agents, in this order (benchmark directories only)")
    p.set_defaults(func=cmd_report)
    return p


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild the report of ``args.dir`` (a benchmark directory, or a single run)."""
    from nas_env.benchmarks.report import build_report, build_run_report
    from nas_env.benchmarks.run.directory import is_benchmark_dir, is_run_dir

    if not is_benchmark_dir(args.dir) and is_run_dir(args.dir):
        if args.agents is not None:
            print("nas-env report: --agents applies to benchmark directories, not to a single run", file=sys.stderr)
            return 2
        return _built(build_run_report, args.dir, trust=args.env)
    if not is_benchmark_dir(args.dir):
        print(f"nas-env report: {args.dir} is neither a `nas-env benchmark` directory (no benchmark.json) nor a "
              "`nas-env search` run directory (no nas-env run.json)", file=sys.stderr)
        return 2
    return _built(build_report, args.dir, args.agents, trust=[*args.env, *args.protocol])


def _built(build: Callable[..., Path], *args: Any, **kwargs: Any) -> int:
    """Run a report builder; print the report's path (0), or its error in one line (2). A link in the directory
    (:class:`UnsafePathError`) is left to the CLI's one-line ``nas-env: error: ...``."""
    try:
        path = build(*args, **kwargs)
    except UnsafePathError:
        raise
    except (FileNotFoundError, ValueError) as exc:
        print(f"nas-env report: {exc}", file=sys.stderr)
        return 2
    print(f"report: {utf8_text(str(path))}")
    return 0
