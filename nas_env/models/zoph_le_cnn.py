"""The Zoph & Le (ICLR 2017) CNN child network built from a :class:`ZophLeCNNArch`.

Wiring rules (Section 3.3 of the paper, made precise here):

* every layer is ``conv(filter_height x filter_width, num_filters, stride)`` +
  batch norm + ReLU, with "same" padding ``(filter_height // 2, filter_width // 2)``;
* a layer's inputs are the earlier layers its skip tokens chose
  (:attr:`CNNLayer.inputs`); several inputs are concatenated in depth, in
  increasing layer order;
* inputs smaller than the largest are zero-padded (on the bottom and right) to the
  largest height and width before the concatenation;
* a layer with no chosen input takes the image;
* the outputs of all layers no later layer consumed (:attr:`ZophLeCNNArch.unconsumed`)
  are zero-padded to the largest spatial size, concatenated in depth, globally
  average-pooled and fed to a linear classifier.

Feature-map sizes are computed when the network is built. With "same" padding a
strided convolution rounds its output size up and never produces less than one
pixel, so a too-small input is detected explicitly: a stride-``s`` layer needs an
input of at least ``s`` pixels in each dimension, otherwise its nominal output
``size / s`` is below 1x1 and :class:`FeatureMapTooSmallError` is raised. The
evaluator reports such a child as status ``"failed"``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nas_env.spaces.zoph_le_cnn import ZophLeCNNArch

__all__ = ["FeatureMapTooSmallError", "ZophLeCNN", "conv_output_size"]


class FeatureMapTooSmallError(ValueError):
    """Strides shrink a feature map below 1x1: the child cannot be built."""


def conv_output_size(size: int, kernel: int, stride: int) -> int:
    """Output length of a convolution with padding ``kernel // 2`` along one dimension."""
    return (size + 2 * (kernel // 2) - kernel) // stride + 1


class _ConvBNReLU(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kh: int, kw: int, stride: int):
        super().__init__(
            nn.Conv2d(c_in, c_out, (kh, kw), stride=stride, padding=(kh // 2, kw // 2), bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        )


def _pad_cat(tensors: list[torch.Tensor], pads: list[tuple[int, int]]) -> torch.Tensor:
    """Zero-pad each tensor by ``(bottom, right)`` and concatenate in depth."""
    if len(tensors) == 1 and pads[0] == (0, 0):
        return tensors[0]
    padded = [t if p == (0, 0) else F.pad(t, (0, p[1], 0, p[0])) for t, p in zip(tensors, pads)]
    return torch.cat(padded, dim=1)


class ZophLeCNN(nn.Module):
    """A Zoph & Le child CNN.

    Args:
        arch: the decoded architecture.
        num_classes: number of output classes.
        in_channels: channels of the input image.
        image_size: ``(height, width)`` of the input image, or one int for a square image.

    Attributes:
        shapes: ``(channels, height, width)`` of each layer's output.
        in_shapes: ``(channels, height, width)`` each layer receives after padding and concatenation.
        classifier: the final ``nn.Linear``; its ``in_features`` is the sum of the
            unconsumed layers' filters.

    Raises:
        FeatureMapTooSmallError: a stride shrinks a feature map below 1x1.
        ValueError: the architecture has no layers or refers to a later layer.
    """

    def __init__(
        self,
        arch: ZophLeCNNArch,
        num_classes: int,
        in_channels: int,
        image_size: int | tuple[int, int],
    ):
        super().__init__()
        if not arch.layers:
            raise ValueError("a ZophLeCNNArch needs at least one layer")
        img_h, img_w = (image_size, image_size) if isinstance(image_size, int) else image_size
        self.arch = arch
        self.shapes: list[tuple[int, int, int]] = []
        self.in_shapes: list[tuple[int, int, int]] = []
        self._input_pads: list[list[tuple[int, int]]] = []
        layers = []
        for i, layer in enumerate(arch.layers):
            bad = [j for j in layer.inputs if not 0 <= j < i]
            if bad:
                raise ValueError(f"layer {i}: inputs {bad} are not earlier layers (0..{i - 1})")
            if layer.inputs:
                srcs = [self.shapes[j] for j in layer.inputs]
            else:
                srcs = [(in_channels, img_h, img_w)]
            h = max(s[1] for s in srcs)
            w = max(s[2] for s in srcs)
            c = sum(s[0] for s in srcs)
            self._input_pads.append([(h - s[1], w - s[2]) for s in srcs])
            self.in_shapes.append((c, h, w))
            if h < layer.stride or w < layer.stride:
                sizes = ", ".join(f"{s[1]}x{s[2]}" for s in self.shapes) or "none"
                raise FeatureMapTooSmallError(
                    f"layer {i} ({layer}): stride {layer.stride} on a {h}x{w} input shrinks the feature map "
                    f"below 1x1 (image {img_h}x{img_w}, earlier layer outputs: {sizes}); use smaller strides "
                    "or fewer strided layers"
                )
            out_h = conv_output_size(h, layer.filter_height, layer.stride)
            out_w = conv_output_size(w, layer.filter_width, layer.stride)
            self.shapes.append((layer.num_filters, out_h, out_w))
            layers.append(
                _ConvBNReLU(c, layer.num_filters, layer.filter_height, layer.filter_width, layer.stride)
            )
        self.layers = nn.ModuleList(layers)
        self.unconsumed = arch.unconsumed
        outs = [self.shapes[i] for i in self.unconsumed]
        out_h = max(s[1] for s in outs)
        out_w = max(s[2] for s in outs)
        self._output_pads = [(out_h - s[1], out_w - s[2]) for s in outs]
        self.classifier = nn.Linear(sum(s[0] for s in outs), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs: list[torch.Tensor] = []
        for layer, spec, pads in zip(self.layers, self.arch.layers, self._input_pads):
            srcs = [outputs[j] for j in spec.inputs] if spec.inputs else [x]
            outputs.append(layer(_pad_cat(srcs, pads)))
        feats = _pad_cat([outputs[i] for i in self.unconsumed], self._output_pads)
        return self.classifier(feats.mean(dim=(2, 3)))
