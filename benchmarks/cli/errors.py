"""The one user-error type of the command line."""

from __future__ import annotations

__all__ = ["CLIError"]


class CLIError(Exception):
    """A user error: reported on stderr as ``nas-env: error: ...``, exit status 2."""
