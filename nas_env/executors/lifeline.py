"""Worker processes that never outlive their parent and leave Ctrl-C to it.

A worker whose parent is SIGKILLed (the OOM killer, a batch system, a user) would be re-parented
to PID 1, keep training a child nobody waits for and compete with the resumed run.
:func:`die_with_parent` ends it within moments: on Linux the kernel sends it ``SIGKILL`` when the
parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread polls the parent's pid.

A local Ray cluster that a search starts (``ray.init()``) is a tree of processes below the search;
when the search is SIGKILLed its GCS and raylet die with it, but Ray's agents (``DashboardAgent``,
``RuntimeEnvAgent``) and actors would live on for minutes: :func:`reap_descendants_on_exit` starts a
small watcher process that, once the search is gone, ends whatever it had started.

Ctrl-C reaches every process of the terminal's process group. Workers ignore ``SIGINT``
(:func:`ignore_sigint`, :func:`sigint_ignored` around ``Process.start()`` so that a spawned
interpreter starts with it ignored): the parent stops them and prints one line.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

__all__ = ["die_with_parent", "ignore_sigint", "reap_descendants_on_exit", "sigint_ignored"]

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


#: the watcher of :func:`reap_descendants_on_exit`, run as ``python -c REAPER PARENT_PID`` (Linux: reads /proc)
REAPER = """
import os, signal, sys, time
parent, me = int(sys.argv[1]), os.getpid()

def started(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None

def below(root):
    found, todo = {}, [root]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            for k in kids:
                if k != me and k not in found:
                    found[k] = started(k)
                    todo.append(k)
    return found

known = {}
while os.getppid() == parent:
    known = {p: s for p, s in known.items() if started(p) == s}
    known.update(below(parent))
    time.sleep(0.5)
for sig in (signal.SIGTERM, signal.SIGKILL):
    live = [p for p, s in known.items() if s is not None and started(p) == s]
    for p in live:
        try:
            os.kill(p, sig)
        except OSError:
            pass
    if live:
        time.sleep(1.0)
"""
_reaper: subprocess.Popen | None = None


def reap_descendants_on_exit() -> None:
    """Once per process (Linux): when this process is gone, SIGKILL included, end every process it started
    (and theirs) that still runs -- a local Ray cluster's agents and actors. A watcher process (in a session of
    its own, so that Ctrl-C does not reach it) follows this process's descendants every 0.5 s; once this
    process has exited it sends them ``SIGTERM``, then ``SIGKILL`` a second later."""
    global _reaper
    if not sys.platform.startswith("linux") or (_reaper is not None and _reaper.poll() is None):
        return
    _reaper = subprocess.Popen([sys.executable, "-c", REAPER, str(os.getpid())], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
