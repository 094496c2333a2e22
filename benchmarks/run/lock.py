"""One process per run directory: :class:`DirLock` holds ``DIR/.lock`` for the duration of a search.

The lock is an ``flock`` on ``DIR/.lock``, a file holding the holder's pid. The kernel drops an
``flock`` when its process dies (SIGKILL included), so the lock of a dead process is simply taken
over; the file it leaves behind is overwritten. A released lock removes its file while still holding
it, and an acquirer checks that the file it locked is still the one at ``DIR/.lock`` (else it retries),
so a removal never lets two processes hold one directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from nas_env.benchmarks.run.directory import LOCK_FILE, RunDirError

__all__ = ["DirLock"]


class DirLock:
    """An exclusive lock on a directory, held until :meth:`release` (or the process's death).

    Args:
        directory: the directory to lock; created (with its parents) when missing, and removed
            again on release when this lock created it and it is still empty.

    Raises:
        RunDirError: another live process holds the directory ("DIR is in use by pid N").
    """

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.path = self.directory / LOCK_FILE
        self._created = not self.directory.exists()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        try:
            self._fd = self._acquire()
        except BaseException:
            self._remove_created_dir()
            raise

    def _acquire(self) -> int:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise RunDirError(f"{self.directory} is in use by pid {holder}") from None
            except BaseException:
                os.close(fd)
                raise
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path, follow_symlinks=False).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # released (and removed) by its holder while we waited: lock the new file
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd

    def release(self) -> None:
        """Remove the lock file and release the lock (safe to call more than once)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None
        self._remove_created_dir()

    def _remove_created_dir(self) -> None:
        if self._created:
            with contextlib.suppress(OSError):
                self.directory.rmdir()  # only when still empty: a run that failed before writing anything
