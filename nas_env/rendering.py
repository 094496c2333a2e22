"""Rendering the architecture being built: as text (``render_mode="ansi"``) or as a drawing (``"rgb_array"``).

:func:`render_text` lists the decisions taken, the open one and, at the end, the child's
metrics and reward. :func:`draw_architecture` turns a (possibly partial) token sequence into an
``(H, W, 3)`` ``uint8`` image with matplotlib (Agg backend, no window):

=======================  ==========================================================
space                    picture
=======================  ==========================================================
``NB201Space``           the cell as a 4-node DAG, each edge labelled with its op
``ZophLeCNNSpace``       layers left to right (filter size, filters, stride), the
                         image input, skip connections as arcs, the classifier
``ZophLeRNNSpace``       the cell's tree (combination/activation per node), the
                         cell-inject node and the node ``c_t`` comes from
anything else            the decisions as a table, ``?`` for open ones
=======================  ==========================================================

Spaces may add a drawing by defining ``draw(ax, tokens)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nas_env.spaces.base import Decision, SearchSpace

__all__ = ["draw_architecture", "render_text"]

OP_COLOURS = {
    "none": "#bbbbbb",
    "skip_connect": "#4c72b0",
    "nor_conv_1x1": "#dd8452",
    "nor_conv_3x3": "#c44e52",
    "avg_pool_3x3": "#55a868",
}


#: where along each NB201 edge (0 = source, 1 = target) its label sits
LABEL_POSITION = (0.5, 0.5, 0.3, 0.5, 0.72, 0.5)


def render_text(space: SearchSpace, tokens: Sequence[int], decision: Decision | None, info: Mapping[str, Any],
                reward: float) -> str:
    """The env's ``"ansi"`` rendering: the decisions so far, the open ``decision`` (``None`` at the end) and,
    once evaluated, the arch, status, accuracies and ``reward`` from the last step's ``info``."""
    lines = [f"{space.name}: {len(tokens)} of {space.max_length} tokens"]
    for i, tok in enumerate(tokens):
        d = space.next_decision(tokens[:i])
        if d is not None:
            lines.append(f"  {d.name:<28} = {d.choices[tok]}")
    if decision is not None:
        lines.append(f"  {decision.name:<28} ? {' | '.join(decision.choices)}")
    elif "metrics" in info:
        m = info["metrics"]
        if info["arch"] is not None:
            lines.append(f"  arch: {info['arch']}")
        lines.append(
            f"  status={m['status']} val_accuracy={m['val_accuracy']} "
            f"test_accuracy={m['test_accuracy']} reward={reward:.4f}"
        )
        if m.get("error"):
            lines.append(f"  error: {m['error']}")
    return "\n".join(lines) + "\n"


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure  # drawn by an Agg canvas of its own: the user's backend is left alone

    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    return fig, ax


def _to_array(fig) -> np.ndarray:  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


def _draw_nb201(ax, space: SearchSpace, tokens: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    from nas_env.spaces.nb201 import NB201_EDGES, NB201_OPS

    pos = {0: (0.1, 0.5), 1: (0.37, 0.8), 2: (0.63, 0.2), 3: (0.9, 0.5)}
    for k, (to, frm) in enumerate(NB201_EDGES):
        (x0, y0), (x1, y1) = pos[frm], pos[to]
        chosen = k < len(tokens)
        op = NB201_OPS[tokens[k]] if chosen else "?"
        colour = OP_COLOURS.get(op, "#888888")
        rad = 0.25 if (frm, to) in ((0, 3), (1, 3), (0, 2)) else 0.0
        ax.annotate(
            "", xy=(x1, y1), xytext=(x0, y0),
            arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2.5 if chosen else 1.2,
                        "linestyle": "-" if chosen else "--", "connectionstyle": f"arc3,rad={rad}",
                        "shrinkA": 18, "shrinkB": 18},
        )
        # a point of matplotlib's arc3 curve (a quadratic Bezier whose control point is offset in
        # display units); edges that cross near the middle get their labels at different points
        aspect = ax.figure.get_figwidth() / ax.figure.get_figheight()
        cx = (x0 + x1) / 2 + rad * (y1 - y0) / aspect
        cy = (y0 + y1) / 2 - rad * (x1 - x0) * aspect
        t = LABEL_POSITION[k]
        mx = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
        my = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
        ax.text(mx, my, op, ha="center", va="center", fontsize=9, color=colour, zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "lw": 0.8})
    for node, (x, y) in pos.items():
        ax.add_patch(_circle((x, y), 0.045))
        ax.text(x, y, str(node), ha="center", va="center", fontsize=12, weight="bold")
    ax.text(0.5, 0.97, f"NAS-Bench-201 cell ({len(tokens)}/6 edges chosen)", ha="center", va="top", fontsize=11)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)


def _circle(xy: tuple[float, float], r: float, aspect: float = 16 / 9):  # type: ignore[no-untyped-def]
    from matplotlib.patches import Ellipse

    # axes span the whole (wider than tall) figure: squeeze x so the node looks round
    return Ellipse(xy, 2 * r / aspect, 2 * r, fc="#f4f4f4", ec="black", lw=1.5, zorder=3)


def _draw_zoph_le(ax, space, tokens: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    """Boxes left to right; inputs arc *above* the boxes (grey from the image, blue between
    layers), outputs that no layer consumes arc *below* them into the classifier (green)."""
    from matplotlib.patches import FancyBboxPatch

    names = [d.name for d in space.decisions(tokens)]
    values = {n: space.next_decision(tokens[:i]).choices[t] for i, (n, t) in enumerate(zip(names, tokens))}
    depth = space.max_layers if space.variable_depth else space.min_layers
    if space.variable_depth and tokens:
        depth = space.min_layers + int(tokens[0])
    n = depth + 2  # image, layers, classifier
    xs = [0.06 + 0.88 * i / (n - 1) for i in range(n)]
    w = 0.55 * 0.88 / (n - 1)
    y0, h = 0.38, 0.26
    fs = 9 if n <= 7 else 7

    def box(i: int, label: str, colour: str) -> None:
        ax.add_patch(FancyBboxPatch((xs[i] - w / 2, y0), w, h, boxstyle="round,pad=0.005",
                                    fc=colour, ec="black", lw=1.2))
        ax.text(xs[i], y0 + h / 2, label, ha="center", va="center", fontsize=fs)

    def arc(x0: float, x1: float, y: float, colour: str, up: bool) -> None:
        span = abs(x1 - x0)
        ax.annotate("", xy=(x1, y), xytext=(x0, y),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.3, "shrinkA": 0, "shrinkB": 0,
                                "connectionstyle": f"arc3,rad={(-1 if up else 1) * min(0.5, 0.15 + span)}"})

    box(0, "image", "#e8e8e8")
    consumed: set[int] = set()
    complete = space.next_decision(tokens) is None
    for layer in range(depth):
        def get(key: str, layer: int = layer) -> str:
            return values.get(f"layer{layer}/{key}", "?")

        stride = f"\ns{get('stride')}" if space.predict_stride else ""
        chosen = f"layer{layer}/num_filters" in values
        box(layer + 1, f"L{layer}\n{get('filter_height')}x{get('filter_width')}\n{get('num_filters')}{stride}",
            "#fde0c5" if chosen else "#ffffff")
        inputs = [j for j in range(layer) if values.get(f"layer{layer}/skip_from_{j}") == "yes"]
        consumed.update(inputs)
        wired = chosen and all(f"layer{layer}/skip_from_{j}" in values for j in range(layer))
        if wired and not inputs:
            inputs = [-1]  # no chosen input: the image
        for j in inputs:
            # leave from the right part of the source's top, arrive at the left part of the target's top
            arc(xs[j + 1] + w / 4, xs[layer + 1] - w / 4, y0 + h, "#888888" if j < 0 else "#4c72b0", up=True)
    box(n - 1, "pool\n+\nclassifier", "#d5e8d4")
    if complete:
        for i in range(depth):
            if i not in consumed:
                arc(xs[i + 1], xs[n - 1] - w / 4, y0, "#55a868", up=False)
    ax.text(0.5, 0.98, f"Zoph & Le CNN ({len(tokens)}/{space.max_length} tokens)", ha="center", va="top",
            fontsize=11)
    ax.text(0.01, 0.02, "above: inputs (grey: image, blue: skip connections)   below: to the classifier",
            fontsize=8, color="#444444", va="bottom")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)


def _draw_rnn(ax, space, tokens: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    """The cell's tree: leaves at the bottom (fed by x_t and h_{t-1}), the root (h_t) on top."""
    base, n = space.base, space.num_nodes
    labels = {}
    for node in range(n):
        comb = space.fixed_decisions[2 * node].choices[tokens[2 * node]] if 2 * node < len(tokens) else "?"
        act = space.fixed_decisions[2 * node + 1].choices[tokens[2 * node + 1]] if 2 * node + 1 < len(tokens) else "?"
        labels[node] = ("+" if comb == "add" else "*" if comb == "elem_mult" else "?", act)
    # positions: level by level, as the nodes are numbered
    pos, level, start, width = {}, 0, 0, base
    levels = base.bit_length()
    while width >= 1:
        for k in range(width):
            pos[start + k] = ((k + 0.5) / width, 0.22 + 0.58 * level / max(levels - 1, 1))
        start, width, level = start + width, width // 2, level + 1
    children = {base + k: (2 * k, 2 * k + 1) for k in range(base - 1)}
    for parent, (l, r) in children.items():
        for child in (l, r):
            ax.plot(*zip(pos[child], pos[parent]), color="#888888", lw=1.2, zorder=1)
    k = 2 * n
    inject = [space.fixed_decisions[k + i].choices[tokens[k + i]] if k + i < len(tokens) else "?" for i in range(2)]
    c_index = int(tokens[k + 2]) if k + 2 < len(tokens) else None
    inj_index = int(tokens[k + 3]) if k + 3 < len(tokens) else None
    size = 0.9 / base
    for node, (x, y) in pos.items():
        comb, act = labels[node]
        colour = "#fde0c5" if node == inj_index else "#d5e8d4" if node == c_index else "#f4f4f4"
        aspect = ax.figure.get_figwidth() / ax.figure.get_figheight()
        ax.add_patch(_circle((x, y), min(0.075, size / 1.4), aspect=aspect))
        ax.patches[-1].set_facecolor(colour)
        ax.text(x, y, f"{comb}\n{act}", ha="center", va="center", fontsize=7 if base > 4 else 9, zorder=4)
        if node < base:
            ax.text(x, y - 0.1, "x, h", ha="center", va="center", fontsize=7, color="#555555")
    rx, ry = pos[n - 1]
    ax.text(rx + 0.05, ry + 0.07, "h_t", ha="left", va="center", fontsize=10, weight="bold")
    notes = [f"inject c_(t-1): {inject[0]}/{inject[1]} at node {inj_index if inj_index is not None else '?'} (orange)",
             f"c_t = node {c_index if c_index is not None else '?'} before activation (green)"]
    ax.text(0.01, 0.02, "   ".join(notes), fontsize=8, va="bottom")
    ax.text(0.5, 0.99, f"Zoph & Le recurrent cell, base {base} ({len(tokens)}/{space.max_length} tokens)",
            ha="center", va="top", fontsize=11)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)


def _draw_table(ax, space: SearchSpace, tokens: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for i, t in enumerate(tokens):
        d = space.next_decision(tokens[:i])
        rows.append((d.name, d.choices[t]))  # type: ignore[union-attr]
    nxt = space.next_decision(tokens)
    if nxt is not None:
        rows.append((nxt.name, "?  (" + " | ".join(nxt.choices) + ")"))
    rows = rows[-18:]
    ax.text(0.5, 0.97, f"{space.name}: {len(tokens)} tokens", ha="center", va="top", fontsize=11)
    for k, (name, value) in enumerate(rows):
        y = 0.88 - k * 0.8 / max(len(rows), 8)
        ax.text(0.05, y, name, fontsize=9, family="monospace", va="center")
        ax.text(0.55, y, value, fontsize=9, family="monospace", va="center",
                color="#c44e52" if value.startswith("?") else "black")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)


def draw_architecture(space: SearchSpace, tokens: Sequence[int], width: float = 6.4,
                      height: float = 3.6) -> np.ndarray:
    """An RGB image (``uint8``, ``(H, W, 3)``) of the architecture given by ``tokens`` so far."""
    from nas_env.spaces.nb201 import NB201Space
    from nas_env.spaces.zoph_le_cnn import ZophLeCNNSpace
    from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace

    fig, ax = _figure(width, height)
    tokens = list(tokens)
    if hasattr(space, "draw"):
        space.draw(ax, tokens)
    elif isinstance(space, NB201Space):
        _draw_nb201(ax, space, tokens)
    elif isinstance(space, ZophLeCNNSpace):
        _draw_zoph_le(ax, space, tokens)
    elif isinstance(space, ZophLeRNNSpace):
        _draw_rnn(ax, space, tokens)
    else:
        _draw_table(ax, space, tokens)
    return _to_array(fig)
