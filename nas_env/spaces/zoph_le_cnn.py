"""Zoph & Le (ICLR 2017) convolutional search space: layers of filters wired by anchor points.

Tokens of layer ``i`` (in this order):

==================  ==========================  ==========================
token               choices (paper defaults)    decision type
==================  ==========================  ==========================
filter height       1, 3, 5, 7                  ``filter_height``
filter width        1, 3, 5, 7                  ``filter_width``
number of filters   24, 36, 48, 64              ``num_filters``
stride (optional)   1, 2, 3                     ``stride``
skip from layer j   no, yes  (for j < i)        ``skip`` (anchor point)
==================  ==========================  ==========================

Layer 0 has no skip tokens. ``num_layers`` may be an int (fixed length) or a
``(min, max)`` pair, in which case the first token chooses the depth and the
number of later tokens depends on it. Decoding gives a :class:`ZophLeCNNArch`;
building and training the network is done by ``nas_env.models``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from nas_env.spaces.base import Decision, InvalidArchitectureError, SearchSpace
from nas_env.validation import check_int_list

__all__ = ["MAX_LAYERS", "CNNLayer", "ZophLeCNNArch", "ZophLeCNNSpace"]

#: the deepest searchable network: layer i has i skip tokens, so an episode of L layers is
#: L(L-1)/2 + 3L tokens (5,250 at 100 layers; Zoph & Le searched 15) and the grammar grows as L^2
MAX_LAYERS = 100


@dataclass(frozen=True)
class CNNLayer:
    """One convolutional layer: conv(height x width, filters, stride) + BN + ReLU.

    ``inputs`` lists the earlier layers feeding this one (concatenated in depth);
    an empty tuple means the layer takes the image.
    """

    filter_height: int
    filter_width: int
    num_filters: int
    stride: int = 1
    inputs: tuple[int, ...] = ()

    def __str__(self) -> str:
        src = ",".join(map(str, self.inputs)) if self.inputs else "img"
        return f"{self.filter_height}x{self.filter_width}-{self.num_filters}-s{self.stride}<{src}"


@dataclass(frozen=True)
class ZophLeCNNArch:
    """A decoded Zoph & Le CNN: its layers in order.

    ``str(arch)`` joins the layers with ``" | "``, e.g.
    ``"3x3-36-s1<img | 5x7-48-s1<0 | 1x1-24-s2<img"``.
    """

    layers: tuple[CNNLayer, ...]

    def __str__(self) -> str:
        return " | ".join(str(layer) for layer in self.layers)

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def unconsumed(self) -> tuple[int, ...]:
        """Layers whose output no later layer takes: they feed the classifier."""
        used = {j for layer in self.layers for j in layer.inputs}
        return tuple(i for i in range(len(self.layers)) if i not in used)


_LAYER_RE = re.compile(r"^(\d+)x(\d+)-(\d+)-s(\d+)<(img|\d+(?:,\d+)*)$")


class ZophLeCNNSpace(SearchSpace):
    """The paper's CNN grammar (tokens and decoding).

    Args:
        num_layers: number of layers, or ``(min, max)`` for a searched depth.
        predict_stride: add a stride token per layer (else every stride is 1).
        filter_sizes: choices for filter height and width.
        num_filters: choices for the number of filters.
        strides: choices for the stride.
    """

    name = "zoph_le_cnn"

    def __init__(
        self,
        num_layers: int | tuple[int, int] = 6,
        predict_stride: bool = False,
        filter_sizes: Sequence[int] = (1, 3, 5, 7),
        num_filters: Sequence[int] = (24, 36, 48, 64),
        strides: Sequence[int] = (1, 2, 3),
    ):
        msg = (f"num_layers must be an int in 1..{MAX_LAYERS} or a (min, max) pair with 1 <= min <= max <= "
               f"{MAX_LAYERS}, got {num_layers!r}")
        if isinstance(num_layers, int) and not isinstance(num_layers, bool):
            lo = hi = num_layers
        elif isinstance(num_layers, (tuple, list)) and len(num_layers) == 2:
            lo, hi = num_layers
        else:
            raise ValueError(msg)
        if not (type(lo) is int and type(hi) is int and 1 <= lo <= hi <= MAX_LAYERS):
            raise ValueError(msg)
        options = (("filter_sizes", filter_sizes), ("num_filters", num_filters), ("strides", strides))
        for label, values in options:
            check_int_list(label, values, non_empty=True)
        self.min_layers, self.max_layers = lo, hi
        self.variable_depth = lo != hi
        self.predict_stride = bool(predict_stride)
        self.filter_sizes = tuple(filter_sizes)
        self.num_filters = tuple(num_filters)
        self.strides = tuple(strides)
        self._depth_decision = Decision("num_layers", "num_layers", tuple(str(d) for d in range(lo, hi + 1)))
        self._plans = {d: self._plan(d) for d in range(lo, hi + 1)}
        offset = 1 if self.variable_depth else 0
        self.max_length = offset + len(self._plans[hi])
        counts = [d.num_choices for plan in self._plans.values() for d in plan]
        if self.variable_depth:
            counts.append(self._depth_decision.num_choices)
        self.max_choices = max(counts)

    # ----------------------------------------------------------------- grammar
    def _plan(self, depth: int) -> tuple[Decision, ...]:
        out: list[Decision] = []
        fs = tuple(map(str, self.filter_sizes))
        for i in range(depth):
            out.append(Decision(f"layer{i}/filter_height", "filter_height", fs))
            out.append(Decision(f"layer{i}/filter_width", "filter_width", fs))
            out.append(Decision(f"layer{i}/num_filters", "num_filters", tuple(map(str, self.num_filters))))
            if self.predict_stride:
                out.append(Decision(f"layer{i}/stride", "stride", tuple(map(str, self.strides))))
            for j in range(i):
                out.append(Decision(f"layer{i}/skip_from_{j}", "skip", ("no", "yes"), skip=True, source=j, target=i))
        return tuple(out)

    def _decision_types(self) -> dict[str, int]:
        """The base class's walk over every prefix, read off the deepest plan instead (the walk meets
        its decisions first: the same types, sizes and order; 0.3 s less per env)."""
        types: dict[str, int] = {}
        for d in (*((self._depth_decision,) if self.variable_depth else ()), *self._plans[self.max_layers]):
            types.setdefault(d.type, d.num_choices)
        return types

    @property
    def tokens_per_layer(self) -> int:
        """Tokens per layer before the skip tokens."""
        return 4 if self.predict_stride else 3

    def next_decision(self, tokens: Sequence[int]) -> Decision | None:
        if self.variable_depth:
            if not tokens:
                return self._depth_decision
            plan = self._plans[self.min_layers + int(tokens[0])]
            n = len(tokens) - 1
        else:
            plan = self._plans[self.min_layers]
            n = len(tokens)
        return plan[n] if n < len(plan) else None

    def config(self) -> dict:
        return {
            "name": self.name,
            "num_layers": self.min_layers if not self.variable_depth else (self.min_layers, self.max_layers),
            "predict_stride": self.predict_stride,
            "filter_sizes": self.filter_sizes,
            "num_filters": self.num_filters,
            "strides": self.strides,
        }

    def size(self) -> int:
        total = 0
        for plan in self._plans.values():
            total += prod(d.num_choices for d in plan)
        return total

    # ---------------------------------------------------------------- decoding
    def decode(self, tokens: Sequence[int]) -> ZophLeCNNArch:
        tokens = self.validate(tokens)
        if self.variable_depth:
            depth, rest = self.min_layers + tokens[0], tokens[1:]
        else:
            depth, rest = self.min_layers, tokens
        layers = []
        pos = 0
        for i in range(depth):
            h = self.filter_sizes[rest[pos]]
            w = self.filter_sizes[rest[pos + 1]]
            f = self.num_filters[rest[pos + 2]]
            pos += 3
            s = 1
            if self.predict_stride:
                s = self.strides[rest[pos]]
                pos += 1
            inputs = tuple(j for j in range(i) if rest[pos + j] == 1)
            pos += i
            layers.append(CNNLayer(h, w, f, s, inputs))
        return ZophLeCNNArch(tuple(layers))

    def encode(self, arch: ZophLeCNNArch) -> tuple[int, ...]:  # type: ignore[override]
        if not isinstance(arch, ZophLeCNNArch):
            raise InvalidArchitectureError(f"expected a ZophLeCNNArch, got {type(arch).__name__}")
        depth = arch.num_layers
        if not self.min_layers <= depth <= self.max_layers:
            raise InvalidArchitectureError(
                f"architecture has {depth} layers; this space allows {self.min_layers}..{self.max_layers}"
            )
        tokens: list[int] = [depth - self.min_layers] if self.variable_depth else []

        def index(values: tuple[int, ...], value: int, what: str, i: int) -> int:
            if value not in values:
                raise InvalidArchitectureError(f"layer {i}: {what} {value} not in {list(values)}")
            return values.index(value)

        for i, layer in enumerate(arch.layers):
            tokens.append(index(self.filter_sizes, layer.filter_height, "filter height", i))
            tokens.append(index(self.filter_sizes, layer.filter_width, "filter width", i))
            tokens.append(index(self.num_filters, layer.num_filters, "number of filters", i))
            if self.predict_stride:
                tokens.append(index(self.strides, layer.stride, "stride", i))
            elif layer.stride != 1:
                raise InvalidArchitectureError(f"layer {i}: stride {layer.stride} but predict_stride=False")
            bad = [j for j in layer.inputs if not 0 <= j < i]
            if bad:
                raise InvalidArchitectureError(f"layer {i}: inputs {bad} are not earlier layers (0..{i - 1})")
            tokens.extend(1 if j in layer.inputs else 0 for j in range(i))
        return tuple(tokens)

    def from_string(self, text: str) -> ZophLeCNNArch:
        layers = []
        for i, part in enumerate(text.split("|")):
            m = _LAYER_RE.match(part.strip())
            if not m:
                raise InvalidArchitectureError(
                    f"layer {i} of {text!r} is not 'HxW-FILTERS-sSTRIDE<img' or '...<j,k'"
                )
            h, w, f, s, src = m.groups()
            inputs = () if src == "img" else tuple(int(j) for j in src.split(","))
            layers.append(CNNLayer(int(h), int(w), int(f), int(s), inputs))
        arch = ZophLeCNNArch(tuple(layers))
        self.encode(arch)  # validates against this space
        return arch
