"""Interactive figures of ``report.html``: JSON specifications the page's script draws as SVG.

A figure is ``{"title", "note", "seeds_shown", "panels": [panel, ...]}``; a panel is ``{"title", "xlabel",
"ylabel", "xlog", "ylog", "ylim", "xticks", "width", "series": [series, ...]}``; a series is one of

=============  =================================================================================
``line``       ``x``, ``y``: a polyline (``null`` breaks it)
``step``       ``x``, ``y``: steps holding each value until the next x (matplotlib's ``where="post"``)
``band``       ``x``, ``lo``, ``hi``: a shaded interval
``points``     ``x``, ``y`` (and per point ``seed`` and ``tip`` text): dots; dots outside the y range
               sit on its edge, drawn hollow
``errorbar``   ``x``, ``y``, ``lo``, ``hi``: a marker with its interval
``hline``      ``y[0]``: a horizontal reference line across the panel
=============  =================================================================================

with ``label``, ``color``, ``agent`` (the page's agent switches hide it), ``seed`` (hover shows it) and
``seeds`` (one seed's curve: drawn only while the figure's "show seeds" box is ticked). Numbers are rounded
to 6 significant digits (the PNG figures draw the same arrays). This module holds the spec helpers and the
single run's figure; :mod:`.benchmark_figures` the benchmark's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from nas_env.benchmarks.report.style import COLORS

__all__ = ["figure", "grey", "num", "nums", "panel", "run_figures", "series"]


def num(x: Any) -> float | None:
    """A finite number rounded to 6 significant digits (JSON has no NaN or infinity: ``None``)."""
    if x is None:
        return None
    v = float(x)
    return float(f"{v:.6g}") if math.isfinite(v) else None


def nums(values: Iterable[Any]) -> list[float | None]:
    return [num(v) for v in values]


def grey(level: str) -> str:
    """A matplotlib grey level (``"0.35"``) or colour name as CSS."""
    try:
        g = round(255 * float(level))
        return f"rgb({g},{g},{g})"
    except ValueError:
        return {"tab:red": "#d62728"}.get(level, level)


def series(kind: str, x: Sequence[Any] = (), y: Sequence[Any] = (), *, label: str, color: str,
           agent: str | None = None, seed: int | None = None, lo: Sequence[Any] | None = None,
           hi: Sequence[Any] | None = None, seeds: bool = False, width: float = 1.8, dash: str | None = None,
           point_seeds: Sequence[int] | None = None, tips: Sequence[str] | None = None,
           alpha: float | None = None) -> dict[str, Any]:
    """One drawn series (see the module docstring for the kinds)."""
    s: dict[str, Any] = {"kind": kind, "label": label, "color": grey(color), "x": nums(x), "y": nums(y),
                         "width": width}
    for key, value in (("agent", agent), ("seed", seed), ("dash", dash), ("alpha", alpha)):
        if value is not None:
            s[key] = value
    if lo is not None and hi is not None:
        s["lo"], s["hi"] = nums(lo), nums(hi)
    if seeds:
        s["seeds"] = True
    if point_seeds is not None:
        s["point_seeds"] = [int(v) for v in point_seeds]
    if tips is not None:
        s["tips"] = [str(t) for t in tips]
    return s


def panel(title: str, xlabel: str, ylabel: str, items: list[dict[str, Any]], *, xlog: bool = False,
          ylog: bool = False, ylim: tuple[float, float] | None = None,
          xticks: Sequence[tuple[float, str]] | None = None, width: int | None = None) -> dict[str, Any]:
    """One set of axes (``xticks``: categories at those x, a ``\n`` breaks a label; ``width``: in pixels, 520)."""
    p: dict[str, Any] = {"title": title, "xlabel": xlabel, "ylabel": ylabel, "xlog": xlog, "ylog": ylog,
                         "series": items}
    if ylim is not None:
        p["ylim"] = nums(ylim)
    if width is not None:
        p["width"] = int(width)
    if xticks is not None:
        p["xticks"] = [[num(x), str(t)] for x, t in xticks]
    return p


def figure(title: str, panels: list[dict[str, Any]], note: str = "", seeds_shown: bool = False) -> dict[str, Any]:
    """A figure: panels side by side, a legend, and (when some series are seeds) a "show seeds" box."""
    return {"title": title, "note": note, "seeds_shown": seeds_shown, "panels": panels}


def run_figures(history: Sequence[Any], ok: np.ndarray, ylabel: str, title: str, agent: str,
                seed: int | None) -> dict[str, dict[str, Any]]:
    """The single run's interactive figure, ``rewards.png``'s: every reward, best so far, rolling median.

    Args:
        history: the run's evaluations (:class:`nas_env.agents.history.Evaluation`), in order.
        ok: whether each evaluation succeeded.
        ylabel: what the reward is.
        title: the figure's title (the PNG's).
        agent: the run's agent; seed: its seed (hover shows both).
    """
    from nas_env.benchmarks.report.run.plots import reward_range, rolling_median

    rewards = np.array([e.reward for e in history], dtype=float)
    x = np.arange(1, len(rewards) + 1)
    arch = [f"evaluation {i}: {e.arch}" for i, e in enumerate(history, 1)]
    items = [series("points", x[ok], rewards[ok], label=f"{agent}: reward of each architecture",
                    color=COLORS["points"], agent=agent, seed=seed, tips=[a for a, g in zip(arch, ok) if g])]
    if (~ok).any():
        items.append(series("points", x[~ok], rewards[~ok], label=f"{agent}: failed child ({int((~ok).sum())})",
                            color=COLORS["highlight"], agent=agent, seed=seed,
                            tips=[a for a, g in zip(arch, ok) if not g]))
    items.append(series("step", x, np.maximum.accumulate(rewards), label=f"{agent}: best so far",
                        color=COLORS["ink"], agent=agent, seed=seed))
    rolling = rolling_median(rewards)
    if rolling is not None:
        rx, ry, window = rolling
        items.append(series("line", rx, ry, label=f"{agent}: rolling median ({window} evaluations)",
                            color=COLORS["trend"], agent=agent, seed=seed, width=1.6))
    axes = panel("", "evaluation (architectures evaluated so far)", ylabel, items, ylim=reward_range(rewards))
    return {"rewards.png": figure(title, [axes], "rewards below the range shown sit on its lower edge, hollow")}
