"""Ctrl-C in the ``nas-env`` command: one line and exit status 130, whenever it comes.

Python turns Ctrl-C into ``KeyboardInterrupt`` wherever the main thread happens to be: in the middle
of importing torch (the first seconds of every command), in a subcommand, or after the subcommand
returned, while the interpreter shuts down. The command handles all three:

=====================================  =================================================================
phase                                  Ctrl-C
=====================================  =================================================================
start-up: importing, parsing           :func:`exit_now`: the line, exit status 130 at once (nothing has
                                       been written yet)
the subcommand                         ``KeyboardInterrupt`` (:func:`raising`), so that a search closes
                                       its workers and files; the CLI prints the line, returns 130; a
                                       second Ctrl-C while it cleans up exits at once
after the subcommand, shutting down    :func:`exit_now` again (the process's command only)
=====================================  =================================================================

Importing this module (``import nas_env`` does, first thing) calls :func:`guard_the_command`: in the
``nas-env`` command's own process (the console script, ``python -m nas_env.benchmarks.cli``) it
installs :func:`exit_now` before any heavy import; in any other program it does nothing. Exiting at
once is as safe as a ``SIGKILL``, which every run directory survives (its files are replaced
atomically). A process that ignores ``SIGINT`` (``nohup``, a background job) keeps ignoring it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["INTERRUPTED", "LINE", "exit_now", "guard", "guard_the_command", "raising", "restore"]

#: the exit status of an interrupted command (128 + SIGINT, as a shell reports it)
INTERRUPTED = 130
#: what an interrupted command prints on stderr
LINE = "nas-env: interrupted; rerun the same command to continue"
#: the module run by ``python -m`` for the command
CLI_MODULE = "nas_env.benchmarks.cli"


def exit_now(signum: int = signal.SIGINT, frame: Any = None) -> None:
    """A ``SIGINT`` handler: flush stdout, print :data:`LINE` on stderr, exit with :data:`INTERRUPTED` at once."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(OSError):
        os.write(2, (LINE + "\n").encode())
    os._exit(INTERRUPTED)


def _ours(handler: Any) -> bool:
    return handler is exit_now or getattr(handler, "__name__", "") == "_interrupt_then_exit"


def guard() -> Any:
    """Install :func:`exit_now` (main thread, ``SIGINT`` not ignored); returns the handler it replaced, or
    ``None`` when it changed nothing."""
    if threading.current_thread() is not threading.main_thread():
        return None
    current = signal.getsignal(signal.SIGINT)
    if current is not signal.default_int_handler and not _ours(current):
        return None  # ignored (nohup, a background job) or the program's own handler: left alone
    signal.signal(signal.SIGINT, exit_now)
    return current


def restore(previous: Any) -> None:
    """Undo :func:`guard` (``previous`` is what it returned)."""
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def raising() -> Iterator[None]:
    """Inside the block, the first Ctrl-C raises ``KeyboardInterrupt`` (the code below cleans up); a second one
    exits at once (:func:`exit_now`). Outside it, the handler found on entry. Only where :func:`guard` is on."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not exit_now:
        yield
        return

    def _interrupt_then_exit(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, exit_now)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _interrupt_then_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, exit_now)


def is_the_command() -> bool:
    """This process runs the ``nas-env`` command (its console script, or ``python -m nas_env.benchmarks.cli``)."""
    if os.path.basename(sys.argv[0] if sys.argv else "").lower() in ("nas-env", "nas-env.exe", "nas-env-script.py"):
        return True
    argv = list(getattr(sys, "orig_argv", ()))
    return any(a == "-m" and b == CLI_MODULE for a, b in zip(argv, argv[1:]))


def guard_the_command() -> None:
    """:func:`guard` if this process is the ``nas-env`` command; nothing otherwise (``import nas_env`` calls it)."""
    if is_the_command():
        guard()


guard_the_command()
