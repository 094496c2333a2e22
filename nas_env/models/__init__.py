"""Torch builders that turn a decoded architecture into an ``nn.Module``.

:func:`build_model` dispatches on the architecture's type:

=====================  ==========================  ======================================
architecture           network                     builder options (``**opts``)
=====================  ==========================  ======================================
``ZophLeCNNArch``      :class:`ZophLeCNN`          none
``NB201Cell``          :class:`NB201Network`       ``channels=8``, ``cells_per_stage=1``
``MacroArch``          :class:`MacroNetwork`       ``channels=16``, ``head_channels=128``
=====================  ==========================  ======================================
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import torch
from torch import nn

from nas_env.models.macro_net import MacroNetwork
from nas_env.models.nb201_net import NB201Network
from nas_env.models.zoph_le_cnn import FeatureMapTooSmallError, ZophLeCNN
from nas_env.spaces.macro import MacroArch
from nas_env.spaces.nb201 import NB201Cell
from nas_env.spaces.zoph_le_cnn import ZophLeCNNArch

__all__ = [
    "BUILDERS",
    "FeatureMapTooSmallError",
    "MacroNetwork",
    "NB201Network",
    "ZophLeCNN",
    "build_model",
    "count_flops",
    "count_params",
]


def _build_zoph_le(arch: ZophLeCNNArch, num_classes: int, in_channels: int, image_size: tuple[int, int]):
    return ZophLeCNN(arch, num_classes, in_channels, image_size)


def _build_nb201(arch: NB201Cell, num_classes: int, in_channels: int, image_size: tuple[int, int], **opts):
    return NB201Network(arch, num_classes, in_channels, **opts)


def _build_macro(arch: MacroArch, num_classes: int, in_channels: int, image_size: tuple[int, int], **opts):
    return MacroNetwork(arch, num_classes, in_channels, **opts)


#: Architecture type -> builder ``(arch, num_classes, in_channels, image_size, **opts) -> nn.Module``.
BUILDERS: dict[type, Callable[..., nn.Module]] = {
    ZophLeCNNArch: _build_zoph_le,
    NB201Cell: _build_nb201,
    MacroArch: _build_macro,
}


def build_model(
    arch: Hashable,
    num_classes: int,
    in_channels: int,
    image_size: int | tuple[int, int],
    **opts: Any,
) -> nn.Module:
    """Build the network of a decoded architecture.

    Args:
        arch: a ``ZophLeCNNArch``, ``NB201Cell`` or ``MacroArch``.
        num_classes: number of output classes.
        in_channels: channels of the input image.
        image_size: ``(height, width)`` of the input, or one int for a square image.
        **opts: builder options (see the module docstring); unknown ones raise ``TypeError``.

    Raises:
        TypeError: no builder for the architecture's type.
        FeatureMapTooSmallError: (Zoph & Le CNN) strides shrink a feature map below 1x1.
    """
    builder = BUILDERS.get(type(arch))
    if builder is None:
        valid = ", ".join(t.__name__ for t in BUILDERS)
        raise TypeError(f"no model builder for {type(arch).__name__} ({arch!s}); valid types: {valid}")
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    return builder(arch, num_classes, in_channels, size, **opts)


def count_params(model: nn.Module) -> int:
    """Number of parameters (trainable or not; buffers excluded)."""
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, input_shape: tuple[int, ...], device: torch.device | str = "cpu") -> int:
    """FLOPs of one forward pass of a single sample, as counted by ``FlopCounterMode``.

    A multiply-add counts as 2 FLOPs. The model is run in eval mode and restored afterwards.
    """
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.eval()
    try:
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            model(torch.zeros((1, *input_shape), device=device))
        return int(counter.get_total_flops())
    finally:
        model.train(was_training)
