"""Worker processes that never outlive their parent and leave Ctrl-C to it.

A worker whose parent is SIGKILLed (the OOM killer, a batch system, a user) would be re-parented
to PID 1, keep training a child nobody waits for and compete with the resumed run.
:func:`die_with_parent` ends it within moments: on Linux the kernel sends it ``SIGKILL`` when the
parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread polls the parent's pid.

Ctrl-C reaches every process of the terminal's process group. Workers ignore ``SIGINT``
(:func:`ignore_sigint`, :func:`sigint_ignored` around ``Process.start()`` so that a spawned
interpreter starts with it ignored): the parent stops them and prints one line.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

__all__ = ["die_with_parent", "ignore_sigint", "sigint_ignored"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, kernel_signal: bool = True, poll_seconds: float = 0.5) -> None:
    """Make this process exit as soon as ``parent_pid`` (its parent when it started) is gone.

    ``kernel_signal=False`` uses only the polling thread: Linux sends the death signal when the parent
    *thread* that started this process ends, so pass ``threading.current_thread() is
    threading.main_thread()`` from the parent when it starts the process.
    """
    armed = False
    if kernel_signal and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    if armed:
        return

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="nas-env-parent-watchdog", daemon=True).start()


def ignore_sigint() -> None:
    """Leave Ctrl-C to the parent (no ``KeyboardInterrupt`` traceback from every worker)."""
    with contextlib.suppress(ValueError):  # not the main thread: nothing to change
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore ``SIGINT`` while starting a process: a spawned interpreter inherits the disposition,
    so a Ctrl-C during its start-up (importing torch takes seconds) prints nothing either."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
