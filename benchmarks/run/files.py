"""Writing and reading the JSON files of run and benchmark directories (atomic writes, lenient reads)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nas_env.agents.history import json_default

__all__ = ["atomic_write", "json_default", "read_json", "utf8_text", "write_json"]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file, fsync it, and ``os.replace`` it over ``path`` (never half-written)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
