"""The NAS-Bench-201 network (Dong & Yang, ICLR 2020) built from an :class:`NB201Cell`.

Macro skeleton, as in NAS-Bench-201::

    stem: conv3x3(in, C) + BN
    N cells (C channels)
    residual reduction block (C -> 2C, stride 2)
    N cells (2C)
    residual reduction block (2C -> 4C, stride 2)
    N cells (4C)
    BN + ReLU, global average pool, linear classifier

NAS-Bench-201 itself uses ``C=16, N=5`` on 32x32 images; the defaults here
(``C=8, N=1``) keep CPU training on small images fast.

Cell: node 0 is the cell input; node ``j`` is the sum over edges ``i -> j`` of the
edge's operation applied to node ``i``; node 3 is the output. Operations:
``none`` (zero), ``skip_connect`` (identity), ``nor_conv_1x1`` / ``nor_conv_3x3``
(ReLU-Conv-BN), ``avg_pool_3x3`` (stride 1, padding 1, padding not counted).
"""

from __future__ import annotations

import torch
from torch import nn

from nas_env.spaces.nb201 import NB201_EDGES, NB201Cell
from nas_env.validation import check_int

__all__ = ["NB201Network", "ReLUConvBN", "ResidualReduction", "NB201InferCell"]


class ReLUConvBN(nn.Sequential):
    """ReLU, then a convolution without bias, then batch norm."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )


class ResidualReduction(nn.Module):
    """NAS-Bench-201's residual block between stages: halves the size, changes channels."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, stride=1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, ceil_mode=True),
            nn.Conv2d(c_in, c_out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.shortcut(x)


def _make_op(op: str, channels: int) -> nn.Module | None:
    if op == "none":
        return None
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if op == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NAS-Bench-201 operation {op!r}")


class NB201InferCell(nn.Module):
    """One NAS-Bench-201 cell with fixed operations. ``none`` edges are skipped (they add zero)."""

    def __init__(self, cell: NB201Cell, channels: int):
        super().__init__()
        self.edges = nn.ModuleDict()
        self._incoming: dict[int, list[tuple[int, str]]] = {1: [], 2: [], 3: []}
        for (to_node, from_node), op in zip(NB201_EDGES, cell.ops):
            module = _make_op(op, channels)
            if module is not None:
                key = f"{to_node}<-{from_node}"
                self.edges[key] = module
                self._incoming[to_node].append((from_node, key))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in (1, 2, 3):
            incoming = self._incoming[j]
            if not incoming:
                nodes.append(torch.zeros_like(x))
                continue
            total = self.edges[incoming[0][1]](nodes[incoming[0][0]])
            for i, key in incoming[1:]:
                total = total + self.edges[key](nodes[i])
            nodes.append(total)
        return nodes[3]


class NB201Network(nn.Module):
    """NAS-Bench-201's macro skeleton around one cell.

    Args:
        cell: the decoded cell.
        num_classes: number of output classes.
        in_channels: channels of the input image.
        channels: width ``C`` of the first stage (stages have C, 2C, 4C).
        cells_per_stage: ``N``, the number of cells in each of the 3 stages.
    """

    def __init__(
        self,
        cell: NB201Cell,
        num_classes: int,
        in_channels: int = 3,
        channels: int = 8,
        cells_per_stage: int = 1,
    ):
        super().__init__()
        check_int("channels", channels)
        check_int("cells_per_stage", cells_per_stage)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        blocks: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage > 0:
                blocks.append(ResidualReduction(c, 2 * c))
                c *= 2
            blocks.extend(NB201InferCell(cell, c) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lastact(self.cells(self.stem(x)))
        return self.classifier(x.mean(dim=(2, 3)))
