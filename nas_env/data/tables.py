"""Loading the bundled benchmark tables (``.npz`` made by :mod:`nas_env.data.derive`)."""

from __future__ import annotations

import zipfile
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["DATA_DIR", "TableFileError", "load_npz"]

DATA_DIR = Path(__file__).resolve().parent


class TableFileError(RuntimeError):
    """A bundled table is missing or unreadable."""


@cache
def load_npz(name: str, required: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Read every array of ``DATA_DIR/name`` into memory (once per process)."""
    path = DATA_DIR / name
    if not path.is_file():
        raise TableFileError(
            f"benchmark table {path} is missing; reinstall nas-env or regenerate it with "
            "`python -m nas_env.data.derive --raw ../shared/data`"
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise TableFileError(f"benchmark table {path} is corrupt ({type(exc).__name__}: {exc})") from exc
    missing = [k for k in required if k not in arrays]
    if missing:
        raise TableFileError(f"benchmark table {path} lacks arrays {missing}; it may be from another version")
    return arrays
