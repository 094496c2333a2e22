"""How the evaluation store meets SQLite's failures: a busy store is waited for (saying so), every other
failure is one :class:`StoreError` that names the store and says how to continue.

==============================  ===================================================================
SQLite says                     the store
==============================  ===================================================================
busy / locked                   waits up to the store's ``wait`` seconds, retrying, and says so once
                                (``notify``, a line on stderr by default); past it
                                :class:`StoreBusyError`
database or disk is full,       :class:`StoreFullError` (no space, or a file-size limit)
disk I/O error
unable to open, readonly, on a  :class:`StoreReadOnlyError`: WAL mode creates ``PATH-shm`` (and
read-only file or folder        ``PATH-wal``) beside the store, so a valid store on a read-only
                                file system cannot be opened in place
anything else                   :class:`StoreError` (corrupt, not a store, another configuration)
==============================  ===================================================================

A write that fails changed nothing (its transaction is rolled back): a run's history and the
store stay exact, and rerunning the same command continues the run.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["NOTICE_AFTER", "StoreAccess", "StoreBusyError", "StoreError", "StoreFullError", "StoreReadOnlyError",
           "store_error"]

T = TypeVar("T")

#: seconds of one wait of SQLite's own busy handler; a store still busy after it says that it waits
NOTICE_AFTER = 1.0
#: how a run continues after the store stopped it
CONTINUE = "nothing was lost: rerun the same command to continue"


class StoreError(RuntimeError):
    """The store cannot be used: corrupt, another schema version or configuration, busy, full, read-only."""


class StoreBusyError(StoreError):
    """Another process held the store locked for longer than the store's wait."""


class StoreFullError(StoreError):
    """The file system refused a write (full, a file-size limit, an I/O error)."""


class StoreReadOnlyError(StoreError):
    """The store (or its folder) cannot be written: a read-only file system or file."""


def _name(exc: sqlite3.Error) -> str:
    """SQLite's error name (``SQLITE_BUSY`` ...), from the message on Pythons before 3.11."""
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return str(name)
    text = str(exc).lower()
    for needle, found in (("locked", "SQLITE_BUSY"), ("busy", "SQLITE_BUSY"), ("disk is full", "SQLITE_FULL"),
                          ("disk i/o error", "SQLITE_IOERR"), ("readonly", "SQLITE_READONLY"),
                          ("unable to open", "SQLITE_CANTOPEN")):
        if needle in text:
            return found
    return "SQLITE_ERROR"


def is_busy(exc: sqlite3.Error) -> bool:
    """Another connection holds the lock this operation needs."""
    return _name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def read_only(path: Path) -> bool:
    """``path`` or its folder cannot be written (a read-only file system, a read-only file or folder)."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK))


def store_error(exc: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """The :class:`StoreError` for ``exc``, raised while ``doing`` something with the store at ``path``."""
    name = _name(exc)
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) and read_only(path):
        return StoreReadOnlyError(
            f"evaluation store {path} is on a read-only file system or is read-only ({exc}): SQLite's WAL mode "
            f"must create {path.name}-shm beside it. Copy it (with any {path.name}-wal) to a writable place and "
            f"pass that path, or open it read-only (sqlite3 'file:{path}?immutable=1'); it was left untouched"
        )
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return StoreFullError(
            f"evaluation store {path}: the file system refused a write while {doing} ({exc}; a full disk?); "
            f"{CONTINUE} once there is space"
        )
    return StoreError(f"evaluation store {path}: {exc} while {doing}")


class StoreAccess:
    """Runs the store's SQLite operations: a busy store is retried for ``wait`` seconds, failures are classified.

    Args:
        path: the store's file (named in every message).
        wait: seconds to wait for a store locked by another process (0: fail at once).
        notify: called once with a line when a wait begins (default: the line on stderr).
    """

    def __init__(self, path: Path, wait: float, notify: Callable[[str], None] | None = None):
        self.path, self.wait = path, float(wait)
        self.notify = notify or _to_stderr

    @property
    def busy_timeout(self) -> float:
        """SQLite's own busy timeout of the store's connection: one slice of the wait."""
        return min(self.wait, NOTICE_AFTER)

    def call(self, operation: Callable[[], T], doing: str) -> T:
        """``operation()``, retried while the store is busy (up to ``wait`` seconds); a failure is a
        :class:`StoreError`. ``operation`` must change nothing when it fails (one transaction)."""
        deadline: float | None = None
        while True:
            try:
                return operation()
            except sqlite3.Error as exc:
                if not (isinstance(exc, sqlite3.OperationalError) and is_busy(exc)):
                    raise store_error(exc, self.path, doing) from exc
                now = time.monotonic()
                if deadline is None:  # SQLite waited one slice already
                    deadline = now + max(0.0, self.wait - self.busy_timeout)
                    if self.wait > 0:
                        self.notify(f"nas-env: evaluation store {self.path} is locked by another process; waiting "
                                    f"up to {self.wait:g} s for it")
                if now >= deadline:
                    raise StoreBusyError(
                        f"evaluation store {self.path} stayed locked by another process for {self.wait:g} s (the "
                        f"store's wait) while {doing}; {CONTINUE} (or wait longer: --store-wait SECONDS)"
                    ) from exc


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
