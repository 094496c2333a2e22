"""The README as the project tests read it: its text, its fenced blocks and its inline code spans."""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

from tests.helpers import REPO

__all__ = ["BASH_BLOCKS", "INLINE", "PROSE", "PYTHON_BLOCKS", "README", "TEXT", "block", "commands", "run_block"]

README = REPO / "README.md"
TEXT = README.read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
BASH_BLOCKS = re.findall(r"```bash\n(.*?)```", TEXT, flags=re.S)
PROSE = re.sub(r"```.*?```", "", TEXT, flags=re.S)  # the README without its fenced blocks
INLINE = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", PROSE)]  # may wrap a line


def block(marker: str) -> str:
    """The one Python block of the README that contains ``marker``."""
    (found,) = [b for b in PYTHON_BLOCKS if marker in b]
    return found


def run_block(source: str, name: str) -> tuple[dict[str, Any], list[str]]:
    """Execute a README block; return its namespace and the lines it printed."""
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, f"README.md[{name}]", "exec"), namespace)
    return namespace, out.getvalue().splitlines()


def commands(text: str) -> list[str]:
    """The shell commands of a bash block: continuation lines joined, ``&&`` chains split."""
    joined = text.replace("\\\n", " ")
    return [" ".join(c.split()) for line in joined.splitlines() for c in line.split("&&") if c.strip()]
