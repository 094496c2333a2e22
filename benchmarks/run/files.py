"""Writing and reading the files of run and benchmark directories (safe atomic writes, lenient reads).

Every write into a run or benchmark directory goes through :func:`atomic_write`: it never follows a
symbolic link (a directory received from someone else may hold one at any output name), writes a
temporary created exclusively next to the file, and ``os.replace``-s it over the name, so a file is never
half-written and nothing outside the directory changes. Sub-directories are created by :func:`safe_mkdir`,
which refuses a link that leads out of the directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nas_env.agents.history import json_default

__all__ = [
    "UnsafePathError", "atomic_write", "check_inside", "json_default", "read_json", "refuse_link", "safe_mkdir",
    "utf8_text", "write_json", "write_text",
]

#: flags of an exclusively created temporary that is never a followed link
_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class UnsafePathError(ValueError):
    """A name in a run or benchmark directory is a symbolic link (or leads out of it): nothing is written."""


def refuse_link(path: Path) -> None:
    """Raise :class:`UnsafePathError` when ``path`` is a symbolic link (broken or not)."""
    if os.path.islink(path):
        raise UnsafePathError(f"{path} is a symbolic link; refusing to write through it")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def check_inside(path: Path, root: Path) -> None:
    """Raise :class:`UnsafePathError` when a component of ``path`` below ``root`` is a symbolic link that
    leads out of ``root`` (``root`` itself may be a link: the user named it)."""
    real_root = os.path.realpath(root)
    try:
        parts = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts
    except ValueError as exc:
        raise UnsafePathError(f"{path} is not inside {root}; refusing to write there") from exc
    current = Path(root)
    for part in parts:
        current = current / part
        if os.path.islink(current) and not _inside(os.path.realpath(current), real_root):
            raise UnsafePathError(f"{current} is a symbolic link out of {root}; refusing to write through it")


def safe_mkdir(path: Path, root: Path) -> Path:
    """Create the directory ``path`` (and its parents) below ``root``, refusing links out of ``root``."""
    check_inside(path, root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically without following a link: refuse a link at ``path``, create
    ``path.tmp`` exclusively (``O_EXCL | O_NOFOLLOW``; a stale one, link or file, is removed first), fsync
    it, and ``os.replace`` it over ``path`` (never half-written)."""
    path = Path(path)
    refuse_link(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, _EXCLUSIVE, 0o666)
    except FileExistsError:  # left by an interrupted write, or planted: remove the name (never its target)
        os.unlink(tmp)
        fd = os.open(tmp, _EXCLUSIVE, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        refuse_link(path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text(path: Path, text: str) -> None:
    """Atomically write ``text`` as UTF-8 (see :func:`atomic_write`)."""
    atomic_write(path, text.encode("utf-8"))


def utf8_text(text: str) -> str:
    """``text`` safe to encode as UTF-8: undecodable bytes of file names (``\\udcff`` surrogates, from
    a non-UTF-8 path) are shown as ``\\xff``, the way ``ls -b`` would."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def write_json(path: Path, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON (numpy values converted by :func:`json_default`)."""
    atomic_write(path, (json.dumps(obj, indent=2, default=json_default) + "\n").encode())


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object file, or ``{}`` when it is missing, unreadable or not an object (reports read leniently)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
