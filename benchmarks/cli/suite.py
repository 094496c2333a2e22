"""``nas-env suite``: every task of the versioned task set, agents x seeds each, then the suite report.

    nas-env suite --out DIR                                   # the table tier, default agents and seeds
    nas-env suite --out DIR --agents random,tpe --seeds 30    # extends DIR
    nas-env suite --out DIR --tier real                       # the real-training tier (slow)
    nas-env suite --out DIR --leaderboard docs/leaderboard.md --readme README.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from nas_env.benchmarks.cli.args import HelpFormatter, csv_list, positive_float, positive_int, seed_list

__all__ = ["add_suite_parser", "cmd_suite", "replace_block"]


def add_suite_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``suite``: run the versioned task set and write the suite report and leaderboard."""
    from nas_env.benchmarks.suite.tasks import DEFAULT_AGENTS, DEFAULT_SEEDS, REAL_TASKS, SUITE_VERSION, TABLE_TASKS

    p = subparsers.add_parser(
        "suite",
        help="run every task of the versioned suite (agents x seeds) and write the suite report",
        description=f"Run the suite's tasks (task-set version {SUITE_VERSION}), each as a `nas-env benchmark` "
        "directory DIR/<task> (resumable and extendable: finished runs are skipped, added agents or seeds are run), "
        "then write DIR/report.md with each task's reported accuracy, normalised scores (0 = random search's "
        "expected answer, 1 = the table optimum) and their aggregates (IQM, performance profiles, probability of "
        f"improvement, average rank). Table tier: {', '.join(t.name for t in TABLE_TASKS)}. Real tier: "
        f"{', '.join(t.name for t in REAL_TASKS)}.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--out", type=Path, required=True, help="suite directory (reused to resume or extend)")
    p.add_argument("--tier", choices=("table", "real"), default="table", help="which tier of tasks")
    p.add_argument("--agents", type=csv_list, default=None,
                   help=f"comma-separated agent specs (default: {','.join(DEFAULT_AGENTS['table'])} on the table "
                   f"tier, {','.join(DEFAULT_AGENTS['real'])} on the real tier)")
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=positive_int, default=None,
                       help=f"run N seeds of each task from its protocol's first seed: 0..N-1 on the table tier, "
                       f"100..99+N on the real tier, whose settings were tuned on seeds below 100 (default N: "
                       f"{DEFAULT_SEEDS['table']} on the table tier, {DEFAULT_SEEDS['real']} on the real tier)")
    seeds.add_argument("--seed-list", type=seed_list, default=None, help="explicit seeds, e.g. 3,5,8")
    p.add_argument("--tasks", type=csv_list, default=None, help="only these tasks of the tier (default: all)")
    p.add_argument("--budget-scale", type=positive_float, default=1.0,
                   help="multiply every task's budget (quick checks; a directory keeps its scale)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes, one pool for all tasks (None = os.cpu_count(); 0 = serial, here)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars or per-run lines")
    p.add_argument("--no-task-reports", action="store_true", help="skip each task's own benchmark report")
    p.add_argument("--leaderboard", type=Path, default=None, help="also write the leaderboard to this file")
    p.add_argument("--readme", type=Path, default=None,
                   help="replace the leaderboard block of this markdown file (between its leaderboard markers)")
    p.set_defaults(func=cmd_suite)
    return p


def replace_block(text: str, block: str) -> str:
    """``text`` with the lines between its leaderboard markers replaced by ``block``; ``ValueError`` naming the
    markers when they are missing."""
    from nas_env.benchmarks.suite.report import LEADERBOARD_BEGIN, LEADERBOARD_END

    head, sep, rest = text.partition(LEADERBOARD_BEGIN)
    _, sep2, tail = rest.partition(LEADERBOARD_END)
    if not sep or not sep2:
        raise ValueError(f"no leaderboard block: add the lines {LEADERBOARD_BEGIN!r} and {LEADERBOARD_END!r}")
    return f"{head}{LEADERBOARD_BEGIN}\n{block}{LEADERBOARD_END}{tail}"


def cmd_suite(args: argparse.Namespace) -> int:
    """Run the suite described by ``args``; returns the exit code (1 if any run failed)."""
    from nas_env.benchmarks.run.files import write_text
    from nas_env.benchmarks.suite.report import build_suite_report
    from nas_env.benchmarks.suite.runner import run_suite
    from nas_env.benchmarks.suite.tasks import DEFAULT_AGENTS, DEFAULT_SEEDS, select_tasks

    t0 = time.perf_counter()
    try:
        tasks = select_tasks(args.tier, args.tasks)
    except ValueError as exc:
        print(f"nas-env suite: {exc}", file=sys.stderr)
        return 2
    agents = list(dict.fromkeys(args.agents or DEFAULT_AGENTS[args.tier]))
    seeds = list(args.seed_list) if args.seed_list is not None else (args.seeds or DEFAULT_SEEDS[args.tier])
    if args.readme is not None:
        try:
            replace_block(args.readme.read_text(encoding="utf-8"), "")  # its markers, before any run
        except (OSError, ValueError) as exc:
            print(f"nas-env suite: --readme {args.readme}: {exc}", file=sys.stderr)
            return 2
    try:
        meta = run_suite(args.out, tasks, agents, seeds, tier=args.tier, budget_scale=args.budget_scale,
                         workers=args.workers, progress=not args.no_progress, task_reports=not args.no_task_reports,
                         command=" ".join(["nas-env", *sys.argv[1:]]) if sys.argv[1:] else None)
    except ValueError as exc:
        print(f"nas-env suite: {exc}", file=sys.stderr)
        return 2
    failed = meta.pop("failed")
    for task, lines in failed.items():
        for line in lines:
            print(f"  failed ({task}): {line}", file=sys.stderr)
    path, board = build_suite_report(args.out, meta)
    print(f"suite report: {path}  (wall time {time.perf_counter() - t0:.1f} s)")
    if board is not None:
        print(board, end="")
        if args.leaderboard is not None:
            write_text(args.leaderboard, board)
        if args.readme is not None:
            write_text(args.readme, replace_block(args.readme.read_text(encoding="utf-8"), board))
    elif args.leaderboard is not None or args.readme is not None:
        print("nas-env suite: no leaderboard (no agent has scored runs on every task): files left as they were",
              file=sys.stderr)
    return 1 if failed else 0
