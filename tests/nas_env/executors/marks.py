"""An evaluator that marks where and when each evaluation starts, so that a test can wait for that event.

It lives in a module of its own (not a test module) because worker processes import it to unpickle it.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.evaluators.base import Evaluator

__all__ = ["MarksItsStart", "marked_pids"]


class MarksItsStart(Evaluator):
    """``inner``, but every evaluation first creates ``<marks>/<pid>`` in the process that evaluates."""

    def __init__(self, inner: Evaluator, marks: Path) -> None:
        self.inner, self.marks = inner, str(marks)

    def evaluate(self, arch: Hashable, *, fidelity: Any = None,
                 seed: int | np.random.Generator | None = None) -> dict[str, Any]:
        Path(self.marks, str(os.getpid())).touch()
        return self.inner.evaluate(arch, fidelity=fidelity, seed=seed)

    def config(self) -> dict[str, Any]:
        return self.inner.config()


def marked_pids(marks: Path) -> list[int]:
    """The processes that have started an evaluation since ``marks`` was last emptied."""
    return [int(p.name) for p in marks.iterdir()]
