"""The one plotting style of every report figure, and the one way a figure is saved.

Matplotlib runs on the Agg backend (no display needed). Figures are drawn inside
:func:`styled` (the :data:`STYLE` rc parameters, without touching the caller's global
matplotlib settings) and written by :func:`save`. Agents keep one colour across the
figures of a report (:func:`agent_colors`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["BENCHMARK_DPI", "RUN_DPI", "STYLE", "agent_colors", "plt", "save", "styled"]

#: rc parameters of every report figure
STYLE: dict[str, Any] = {"font.size": 10, "axes.titlesize": 11, "legend.fontsize": 9, "axes.grid": True,
                         "grid.alpha": 0.3}
#: resolution of benchmark figures (several agents side by side) and of a single run's (larger canvases)
BENCHMARK_DPI = 150
RUN_DPI = 130

F = TypeVar("F", bound=Callable[..., Any])


def styled(fn: F) -> F:
    """Decorator: draw (and save) the figure of ``fn`` under :data:`STYLE`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with plt.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def agent_colors(agents: Sequence[str]) -> dict[str, str]:
    """A fixed colour per agent (tab10 in agent order)."""
    cmap = plt.get_cmap("tab10")
    return {a: matplotlib.colors.to_hex(cmap(i % 10)) for i, a in enumerate(agents)}


def save(fig: plt.Figure, path: Path | str, dpi: int = BENCHMARK_DPI, tight: bool = True) -> Path:
    """Lay ``fig`` out (unless ``tight=False``: it places its axes itself), write it as PNG, close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tight:
        fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
