"""``nas-env export DIR --optuna URL``: a run or a whole benchmark written into an Optuna storage."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from nas_env.benchmarks.cli.args import HelpFormatter, csv_list
from nas_env.benchmarks.run.files import utf8_text

__all__ = ["add_export_parser", "cmd_export"]


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``export``: one Optuna study per run, for optuna-dashboard."""
    p = subparsers.add_parser(
        "export", formatter_class=HelpFormatter,
        help="write a run or a benchmark into an Optuna storage (browse it with optuna-dashboard)",
        description="Write each run of DIR (a `nas-env search` run directory, or every run of a `nas-env "
        "benchmark` directory) into the Optuna storage URL as one study named PREFIX<agent>/seed<k>: one trial "
        "per evaluation, its parameters the architecture's decisions, its values the reward (and a "
        "multi-objective run's objectives), its user attributes test accuracy, cost and status; a failed child "
        "is a FAIL trial. Rerunning leaves an up-to-date study unchanged and adds only a live run's new "
        "evaluations. DIR is only read. Then: optuna-dashboard URL",
    )
    p.add_argument("dir", type=Path, help="a `nas-env search` run directory or a `nas-env benchmark` directory")
    p.add_argument("--optuna", required=True, metavar="URL",
                   help="an Optuna RDB storage URL, e.g. sqlite:///runs.db (created if missing)")
    p.add_argument("--prefix", default="", help="put before every study name, e.g. 'nb201-1/'")
    p.add_argument("--agents", type=csv_list, default=None,
                   help="only these agents, in this order (benchmark directories only)")
    p.add_argument("--env", action="append", default=[], metavar="MODULE:ID",
                   help="trust the module of this 'module:id' env id (the one the runs were made with): an export "
                   "imports a module named by a directory only when you name it here (repeatable)")
    p.set_defaults(func=cmd_export)
    return p


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///"):].split("?")[0]
    return Path(os.path.abspath(rest)) if rest and rest != ":memory:" else None


def cmd_export(args: argparse.Namespace) -> int:
    """Export ``args.dir`` into ``args.optuna``; one line per study, then the command that opens them."""
    from nas_env.benchmarks.export import export_runs, export_to_optuna
    from nas_env.benchmarks.run.environment import trusted_modules

    try:
        runs = export_runs(args.dir, args.agents)
    except FileNotFoundError as exc:
        print(f"nas-env export: {utf8_text(str(exc))}", file=sys.stderr)
        return 2
    db, root = _sqlite_path(args.optuna), Path(os.path.abspath(args.dir))
    if db is not None and (db == root or root in db.parents):
        print(f"nas-env export: --optuna {args.optuna} lies inside {args.dir}; an export writes nothing into the "
              "directory it reads: put the database elsewhere", file=sys.stderr)
        return 2
    with trusted_modules(args.env):
        outcomes = export_to_optuna(runs, args.optuna, args.prefix)
    for o in outcomes:
        for w in o.warnings:
            print(f"nas-env export: warning: {utf8_text(w)}", file=sys.stderr)
        print(f"{o.action:<9} {utf8_text(o.study)}: {o.trials} trials ({o.new} new)")
    print(f"open it:  optuna-dashboard {args.optuna}")
    return 0
