"""The ``nas-env`` command line.

::

    nas-env search --env nas_env/NB201-v0 --agent reinforce --budget 500 --seed 0 --out runs/rf0
    nas-env benchmark --protocol nb201-cifar10 --agents random,evolution,reinforce --seeds 20 --out DIR
    nas-env report DIR
    nas-env export DIR --optuna sqlite:///runs.db
    nas-env suite --out DIR
    nas-env envs
    nas-env agents

One module per subcommand (:mod:`.search`, :mod:`.benchmark`, :mod:`.report`,
One module per subcommand (:mod:`.search`, :mod:`.benchmark`, :mod:`.report`, :mod:`.export`,
:mod:`.convert`, :mod:`.listing`, :mod:`.suite`), one of argument types (:mod:`.args`). Bad input (unknown names,
budgets <= 0, foreign or mismatched ``--out``) prints one line on stderr and exits
with status 2.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Sequence

from nas_env import interrupt
from nas_env.benchmarks.cli.errors import CLIError
from nas_env.lazy_exports import lazy_exports

__all__ = ["CLIError", "build_parser", "format_summary", "main"]


def build_parser() -> argparse.ArgumentParser:
    from nas_env import __version__
    from nas_env.benchmarks.cli.benchmark import add_benchmark_parser
    from nas_env.benchmarks.cli.convert import add_convert_parser
    from nas_env.benchmarks.cli.export import add_export_parser
    from nas_env.benchmarks.cli.listing import add_listing_parsers
    from nas_env.benchmarks.cli.report import add_report_parser
    from nas_env.benchmarks.cli.search import add_search_parser
    from nas_env.benchmarks.cli.suite import add_suite_parser

    parser = argparse.ArgumentParser(prog="nas-env", description="Neural architecture search as a Gymnasium env.")
    parser.add_argument("--version", action="version", version=f"nas-env {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    add_search_parser(sub)
    add_listing_parsers(sub)
    add_benchmark_parser(sub)
    add_report_parser(sub)
    add_export_parser(sub)
    add_convert_parser(sub)
    add_suite_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nas-env`` console script; returns the exit status.

    Ctrl-C prints one line and returns 130 (:mod:`nas_env.interrupt`): while the subcommands are imported and the
    arguments parsed it exits at once; a subcommand gets ``KeyboardInterrupt`` to clean up. Called with no
    ``argv`` (the process's own command) it leaves Ctrl-C exiting at once with the line until the process ends;
    called with ``argv`` (a program or a test calling it) it restores the program's ``SIGINT`` handler.
    """
    previous = interrupt.guard()
    try:
        return _main(argv)
    finally:
        if argv is not None:
            interrupt.restore(previous)


def _main(argv: Sequence[str] | None) -> int:
    from nas_env.data.tables import TableFileError
    from nas_env.executors.base import ExecutorError
    from nas_env.store import StoreError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed its message (usage errors: status 2)
        return int(exc.code or 0)
    try:
        with interrupt.raising():
            return int(args.func(args) or 0)
    except (CLIError, ValueError, ImportError, ConnectionError, StoreError, TableFileError, ExecutorError) as exc:
        print(f"nas-env: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the file system refused (missing, read-only, full): not a bug, one line
        print(f"nas-env: error: {os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(interrupt.LINE, file=sys.stderr)
        return interrupt.INTERRUPTED


def os_error_line(exc: OSError) -> str:
    """One line for a file-system error; a full disk mid-run also says that the run stayed consistent."""
    text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        text += ("; the run directory is consistent up to its last checkpoint: free some space and "
                 "rerun the same command to continue")
    return text


#: ``format_summary`` (from :mod:`.search`), imported on first use: importing this package stays light, so that the
#: command's Ctrl-C handling is in place before the heavy imports
__getattr__, __dir__ = lazy_exports(__name__, {"format_summary": "nas_env.benchmarks.cli.search"})
