"""The one plotting style of every report figure, and the one way a figure is saved.

Matplotlib runs on the Agg backend (no display needed). Figures are drawn inside
:func:`styled` (the :data:`STYLE` rc parameters, without touching the caller's global
matplotlib settings) and written by :func:`save`. Agents keep one colour across the
figures of a report (:func:`agent_colors`); every other colour a figure uses is named here, by its role.
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # headless reports; a backend the user chose (a notebook's) stays
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nas_env.benchmarks.run.files import atomic_write  # noqa: E402

__all__ = ["BENCHMARK_DPI", "COLORS", "HEATMAP_CMAP", "RUN_DPI", "STYLE", "agent_colors", "plt", "save", "styled"]

#: rc parameters of every report figure
STYLE: dict[str, Any] = {"font.size": 10, "axes.titlesize": 11, "legend.fontsize": 9, "axes.grid": True,
                         "grid.alpha": 0.3}
#: resolution of benchmark figures (several agents side by side) and of a single run's (larger canvases)
BENCHMARK_DPI = 150
RUN_DPI = 130
#: the colours of what is not an agent, by role (matplotlib colour strings; greys as a lightness)
COLORS: dict[str, str] = {
    "ink": "black",  # best so far, the EMA baseline, IQM markers, zero lines, the evaluated points' Pareto front
    "points": "#4c72b0",  # every evaluation of a single run
    "highlight": "#c44e52",  # failed children, non-dominated points, P(final best architecture)
    "trend": "#dd8452",  # rolling median of a run's rewards
    "off_scale": "#8172b3",  # evaluations below the range shown
    "entropy": "#55a868",  # a single run's policy entropy
    "optimum": "tab:red",  # the optimum of the table
    "reference": "0.35",  # reference lines: published means, the optimum on anytime curves
    "uniform": "0.4",  # the uniform policy's entropy (benchmark figure)
    "uniform_run": "grey",  # the uniform policy's entropy (single-run figure)
    "published": "0.45",  # published mean ± std
    "budget": "0.5",  # the time budget
    "background": "0.7",  # every evaluated architecture behind the final picks
}
#: colour map of probabilities (the single run's token-probability heatmaps)
HEATMAP_CMAP = "Blues"

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
    buf = io.BytesIO()  # drawn in memory, then written without following a link (nas_env.benchmarks.run.files)
    fig.savefig(buf, format=path.suffix.lstrip(".") or "png", dpi=dpi)
    atomic_write(path, buf.getvalue())
    plt.close(fig)
    return path
