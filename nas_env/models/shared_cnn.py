"""One set of shared weights holding every child of a Zoph & Le CNN space (ENAS-style weight sharing).

Design (ENAS, Pham et al. 2018, macro space, made to fit the Zoph & Le wiring of
:mod:`nas_env.models.zoph_le_cnn`): a child is run with *slices* of shared tensors, so
every child of the space is a sub-network of one super-network:

* **convolutions**: layer ``i`` holds one weight tensor per possible input *source*
  (the image, or an earlier layer ``j < i``) of shape
  ``(max_filters, source_channels, K, K)`` with ``K = max(filter_sizes)`` and
  ``source_channels`` = the image's channels or ``max_filters``. A child layer
  ``fh x fw, nf`` fed by sources ``s1, s2, ...`` (concatenated in depth, as the
  stand-alone child does) uses ``W[i][s][:nf, :c_s, centre fh x fw]`` of each source,
  concatenated along the input-channel axis: the same convolution as the stand-alone
  child's on the same concatenated input. A 3x3 filter is the centre of the 7x7 one
  (kernel sharing as in Once-for-All); ``nf`` filters are the first ``nf`` of ``max_filters``;
* **batch norm**: per layer, affine weight and bias of ``max_filters`` channels, sliced
  ``[:nf]``; statistics are always the batch's (no running averages, which would mix
  every child ever trained), also when validating, in large batches;
* **classifier**: per layer ``j`` a ``(num_classes, max_filters)`` weight; the child's
  classifier is the concatenation of ``[:, :nf_j]`` of its unconsumed layers (in the
  stand-alone child's order), plus one shared bias.

Every other rule (padding, zero-padding of smaller maps, strides, too-small feature maps,
unconsumed outputs) is the stand-alone :class:`~nas_env.models.zoph_le_cnn.ZophLeCNN`'s:
its shape plan is computed by building that child on the ``meta`` device (no memory, no
random numbers). So with the same weights a child computes exactly what the stand-alone
network computes in training mode (``tests/nas_env/models/test_shared_models.py`` checks it).

:meth:`SharedZophLeCNN.child_slices` names, for one child, every ``(parameter, index)``
pair it uses; :class:`SlicedSGD` updates only those entries (and their momentum), so
training one child leaves every entry no slice of it touches bit-identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nas_env.models.zoph_le_cnn import ZophLeCNN, _pad_cat
from nas_env.spaces.zoph_le_cnn import ZophLeCNNArch, ZophLeCNNSpace

__all__ = ["ChildPlan", "SharedZophLeCNN", "SlicedSGD", "Slice"]

#: one parameter and the index (a tuple of slices) of the entries a child uses
Slice = tuple[nn.Parameter, tuple[slice, ...]]


@dataclass(frozen=True)
class ChildPlan:
    """Shapes of one child, from the stand-alone builder: input/output zero-pads and unconsumed layers."""

    arch: ZophLeCNNArch
    input_pads: tuple[tuple[tuple[int, int], ...], ...]
    output_pads: tuple[tuple[int, int], ...]
    unconsumed: tuple[int, ...]


class SharedZophLeCNN(nn.Module):
    """The super-network of a :class:`ZophLeCNNSpace` (see the module docstring).

    Args:
        space: the search space (its largest depth, filter size and filter count set the sizes).
        num_classes: output classes.
        in_channels: channels of the input image.
        image_size: ``(height, width)`` of the input image.
    """

    def __init__(self, space: ZophLeCNNSpace, num_classes: int, in_channels: int, image_size: tuple[int, int]):
        super().__init__()
        self.space = space
        self.num_classes, self.in_channels, self.image_size = num_classes, in_channels, tuple(image_size)
        self.kernel = max(space.filter_sizes)
        self.max_filters = max(space.num_filters)
        k, f = self.kernel, self.max_filters
        self.conv = nn.ModuleList()
        for i in range(space.max_layers):
            sources = [in_channels] + [f] * i  # source 0 = the image, source j + 1 = layer j
            weights = [nn.Parameter(torch.empty(f, c, k, k)) for c in sources]
            for w in weights:
                nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
            self.conv.append(nn.ParameterList(weights))
        self.bn_weight = nn.ParameterList([nn.Parameter(torch.ones(f)) for _ in range(space.max_layers)])
        self.bn_bias = nn.ParameterList([nn.Parameter(torch.zeros(f)) for _ in range(space.max_layers)])
        bound = 1.0 / f**0.5
        self.classifier = nn.ParameterList(
            [nn.Parameter(torch.empty(num_classes, f).uniform_(-bound, bound)) for _ in range(space.max_layers)]
        )
        self.classifier_bias = nn.Parameter(torch.zeros(num_classes))

    # ------------------------------------------------------------------ plans
    def plan(self, arch: ZophLeCNNArch) -> ChildPlan:
        """The child's shape plan.

        Raises:
            FeatureMapTooSmallError: strides shrink a map below 1x1 (as the stand-alone builder).
            ValueError: the architecture does not fit this space (too deep, unknown sizes).
        """
        if arch.num_layers > self.space.max_layers:
            raise ValueError(f"{arch} has {arch.num_layers} layers; this space has at most {self.space.max_layers}")
        for i, layer in enumerate(arch.layers):
            bad = [(name, v, valid) for name, v, valid in (
                ("filter height", layer.filter_height, self.space.filter_sizes),
                ("filter width", layer.filter_width, self.space.filter_sizes),
                ("number of filters", layer.num_filters, self.space.num_filters),
            ) if v not in valid]
            if bad:
                name, v, valid = bad[0]
                raise ValueError(f"layer {i} of {arch}: {name} {v} is not a choice of this space; valid: {list(valid)}")
        with torch.device("meta"):
            child = ZophLeCNN(arch, self.num_classes, self.in_channels, self.image_size)
        return ChildPlan(
            arch,
            tuple(tuple(p) for p in child._input_pads),
            tuple(child._output_pads),
            tuple(child.unconsumed),
        )

    def _kernel_index(self, fh: int, fw: int) -> tuple[slice, slice]:
        r, c = (self.kernel - fh) // 2, (self.kernel - fw) // 2
        return slice(r, r + fh), slice(c, c + fw)

    def child_slices(self, plan: ChildPlan) -> list[Slice]:
        """Every ``(parameter, index)`` the child uses, each parameter at most once."""
        arch = plan.arch
        out: list[Slice] = []
        for i, layer in enumerate(arch.layers):
            nf = layer.num_filters
            rows, cols = self._kernel_index(layer.filter_height, layer.filter_width)
            for s in self._sources(arch, i):
                c = self.in_channels if s == 0 else arch.layers[s - 1].num_filters
                out.append((self.conv[i][s], (slice(0, nf), slice(0, c), rows, cols)))
            out.append((self.bn_weight[i], (slice(0, nf),)))
            out.append((self.bn_bias[i], (slice(0, nf),)))
        for j in plan.unconsumed:
            out.append((self.classifier[j], (slice(None), slice(0, arch.layers[j].num_filters))))
        out.append((self.classifier_bias, (slice(None),)))
        return out

    @staticmethod
    def _sources(arch: ZophLeCNNArch, i: int) -> tuple[int, ...]:
        inputs = arch.layers[i].inputs
        return tuple(j + 1 for j in inputs) if inputs else (0,)

    def child_weights(self, plan: ChildPlan) -> Iterator[tuple[str, torch.Tensor]]:
        """The stand-alone child's ``state_dict`` entries (conv, BN affine, classifier) as views/copies of
        the shared weights: load them into a ``ZophLeCNN`` to run the same function stand-alone."""
        arch = plan.arch
        for i, layer in enumerate(arch.layers):
            yield f"layers.{i}.0.weight", self._conv_weight(arch, i)
            yield f"layers.{i}.1.weight", self.bn_weight[i][: layer.num_filters]
            yield f"layers.{i}.1.bias", self.bn_bias[i][: layer.num_filters]
        yield "classifier.weight", self._classifier_weight(plan)
        yield "classifier.bias", self.classifier_bias

    def _conv_weight(self, arch: ZophLeCNNArch, i: int) -> torch.Tensor:
        layer = arch.layers[i]
        rows, cols = self._kernel_index(layer.filter_height, layer.filter_width)
        parts = []
        for s in self._sources(arch, i):
            c = self.in_channels if s == 0 else arch.layers[s - 1].num_filters
            parts.append(self.conv[i][s][: layer.num_filters, :c, rows, cols])
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)

    def _classifier_weight(self, plan: ChildPlan) -> torch.Tensor:
        parts = [self.classifier[j][:, : plan.arch.layers[j].num_filters] for j in plan.unconsumed]
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)

    # ---------------------------------------------------------------- forward
    def forward(self, x: torch.Tensor, plan: ChildPlan) -> torch.Tensor:
        """Logits of the child ``plan`` on ``x`` (batch-statistics batch norm)."""
        arch = plan.arch
        outputs: list[torch.Tensor] = []
        for i, (layer, pads) in enumerate(zip(arch.layers, plan.input_pads)):
            srcs = [outputs[j] for j in layer.inputs] if layer.inputs else [x]
            y = F.conv2d(
                _pad_cat(srcs, list(pads)), self._conv_weight(arch, i), stride=layer.stride,
                padding=(layer.filter_height // 2, layer.filter_width // 2),
            )
            nf = layer.num_filters
            y = F.batch_norm(y, None, None, self.bn_weight[i][:nf], self.bn_bias[i][:nf], training=True)
            outputs.append(F.relu(y))
        feats = _pad_cat([outputs[j] for j in plan.unconsumed], list(plan.output_pads))
        return F.linear(feats.mean(dim=(2, 3)), self._classifier_weight(plan), self.classifier_bias)


class SlicedSGD:
    """SGD (momentum, Nesterov, L2 weight decay) that updates only the entries a child used.

    ``torch.optim.SGD`` would apply weight decay and momentum to a whole tensor as soon as
    any slice of it has a gradient; here each step reads and writes ``param[index]`` and
    ``momentum[index]`` only, so the rest of every shared tensor stays bit-identical.
    """

    def __init__(self, params: list[nn.Parameter], lr: float, momentum: float = 0.9, weight_decay: float = 5e-4,
                 nesterov: bool = True):
        self.lr, self.momentum, self.weight_decay, self.nesterov = lr, momentum, weight_decay, nesterov
        self.params = list(params)
        self.buffers = [torch.zeros_like(p) for p in self.params]
        self._index = {id(p): k for k, p in enumerate(self.params)}

    @torch.no_grad()
    def step(self, slices: list[Slice]) -> None:
        """Update ``param[index]`` from ``param.grad[index]`` for each used slice."""
        for p, idx in slices:
            if p.grad is None:
                continue
            g = p.grad[idx]
            w = p[idx]
            if self.weight_decay:
                g = g.add(w, alpha=self.weight_decay)
            if self.momentum:
                buf = self.buffers[self._index[id(p)]][idx]
                buf.mul_(self.momentum).add_(g)
                g = g.add(buf, alpha=self.momentum) if self.nesterov else buf
            w.sub_(g, alpha=self.lr)

    def state_dict(self) -> dict[str, list[torch.Tensor]]:
        return {"buffers": [b.detach().cpu().clone() for b in self.buffers]}

    def load_state_dict(self, state: dict[str, list[torch.Tensor]]) -> None:
        if len(state["buffers"]) != len(self.buffers):
            raise ValueError(f"optimizer state has {len(state['buffers'])} buffers, expected {len(self.buffers)}")
        with torch.no_grad():
            for b, saved in zip(self.buffers, state["buffers"]):
                b.copy_(saved)
