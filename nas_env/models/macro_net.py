"""The NAS-Bench-Macro network (Su et al., CVPR 2021) built from a :class:`MacroArch`.

Skeleton::

    stem: conv3x3(in, C) + BN + ReLU
    8 searchable layers; layers 0-1 at C channels, layers 2-4 at 2C, layers 5-7 at 4C
    (layers 2 and 5, the 3rd and 6th, have stride 2 and increase the channels)
    1x1 conv to ``head_channels`` + BN + ReLU, global average pool, linear classifier

Blocks: ``identity``; ``MB3_K3`` / ``MB6_K5`` = MobileNetV2 inverted residual with
expansion 3 and a 3x3 depthwise kernel / expansion 6 and a 5x5 kernel (1x1 expand
+ BN + ReLU6, depthwise + BN + ReLU6, 1x1 project + BN, residual when the shape is
unchanged).

**Identity at a downsampling position.** An identity cannot halve the size or
change the channels, so at layers 2 and 5 ``identity`` becomes a projection
shortcut: a 1x1 convolution with stride 2 followed by batch norm (the choice
NAS-Bench-Macro's code makes). Elsewhere it is a true identity with no
parameters.

Defaults (``C=16, head_channels=128``) are small, for CPU training on small images.
"""

from __future__ import annotations

import torch
from torch import nn

from nas_env.spaces.macro import MacroArch
from nas_env.validation import check_int

__all__ = ["DOWNSAMPLE_LAYERS", "InvertedResidual", "MacroNetwork"]

#: Indices of the searchable layers that halve the spatial size and double the channels.
DOWNSAMPLE_LAYERS: tuple[int, ...] = (2, 5)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: expand (1x1), depthwise (k x k, stride), project (1x1)."""

    def __init__(self, c_in: int, c_out: int, expansion: int, kernel: int, stride: int):
        super().__init__()
        hidden = c_in * expansion
        self.use_residual = stride == 1 and c_in == c_out
        self.body = nn.Sequential(
            nn.Conv2d(c_in, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, kernel, stride=stride, padding=kernel // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return x + out if self.use_residual else out


def _make_block(op: str, c_in: int, c_out: int, stride: int) -> nn.Module:
    if op == "identity":
        if stride == 1 and c_in == c_out:
            return nn.Identity()
        return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
    if op == "MB3_K3":
        return InvertedResidual(c_in, c_out, expansion=3, kernel=3, stride=stride)
    if op == "MB6_K5":
        return InvertedResidual(c_in, c_out, expansion=6, kernel=5, stride=stride)
    raise ValueError(f"unknown NAS-Bench-Macro block {op!r}; valid: identity, MB3_K3, MB6_K5")


class MacroNetwork(nn.Module):
    """NAS-Bench-Macro's chain of 8 searchable layers.

    Args:
        arch: the decoded architecture.
        num_classes: number of output classes.
        in_channels: channels of the input image.
        channels: width ``C`` of the stem and the first stage (stages have C, 2C, 4C).
        head_channels: width of the 1x1 convolution before pooling.
    """

    def __init__(
        self,
        arch: MacroArch,
        num_classes: int,
        in_channels: int = 3,
        channels: int = 16,
        head_channels: int = 128,
    ):
        super().__init__()
        check_int("channels", channels)
        check_int("head_channels", head_channels)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
        )
        blocks = []
        c = channels
        for i, op in enumerate(arch.ops):
            stride = 2 if i in DOWNSAMPLE_LAYERS else 1
            c_out = 2 * c if stride == 2 else c
            blocks.append(_make_block(op, c, c_out, stride))
            c = c_out
        self.layers = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.Conv2d(c, head_channels, 1, bias=False), nn.BatchNorm2d(head_channels), nn.ReLU(inplace=True)
        )
        self.classifier = nn.Linear(head_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.layers(self.stem(x)))
        return self.classifier(x.mean(dim=(2, 3)))
