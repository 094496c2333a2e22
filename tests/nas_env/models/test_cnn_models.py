"""Wiring rules of the Zoph & Le CNN builder, and the NB201 / Macro networks' shapes."""

from __future__ import annotations

import pytest
import torch

from nas_env.models import BUILDERS, FeatureMapTooSmallError, build_model, count_flops, count_params
from nas_env.models.macro_net import MacroNetwork
from nas_env.models.nb201_net import NB201Network
from nas_env.models.zoph_le_cnn import ZophLeCNN
from nas_env.spaces import CNNLayer, MacroArch, NB201Cell, ZophLeCNNArch
from tests.helpers import BEST_NB201_CELL

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def arch(*layers: tuple) -> ZophLeCNNArch:
    """``arch((h, w, filters, stride, inputs), ...)``."""
    return ZophLeCNNArch(tuple(CNNLayer(h, w, f, s, tuple(i)) for h, w, f, s, i in layers))


def build(a: ZophLeCNNArch, size: int = 8, channels: int = 1) -> ZophLeCNN:
    torch.manual_seed(0)
    return ZophLeCNN(a, num_classes=10, in_channels=channels, image_size=size)


def test_chain_shapes_and_classifier():
    m = build(arch((3, 3, 24, 1, ()), (5, 5, 36, 1, (0,)), (3, 1, 48, 1, (1,))))
    assert m.shapes == [(24, 8, 8), (36, 8, 8), (48, 8, 8)]
    assert m.in_shapes == [(1, 8, 8), (24, 8, 8), (36, 8, 8)]
    assert m.classifier.in_features == 48  # only layer 2 is unconsumed
    assert m(torch.randn(5, 1, 8, 8)).shape == (5, 10)


def test_rectangular_kernels_keep_same_size():
    m = build(arch((1, 7, 24, 1, ()), (7, 1, 24, 1, (0,)), (5, 3, 24, 1, (1,))))
    assert [s[1:] for s in m.shapes] == [(8, 8)] * 3
    assert m.layers[0][0].padding == (0, 3)
    assert m(torch.randn(2, 1, 8, 8)).shape == (2, 10)


def test_depth_concatenation_channel_count():
    m = build(arch((3, 3, 24, 1, ()), (3, 3, 36, 1, (0,)), (3, 3, 48, 1, (0, 1))))
    assert m.in_shapes[2] == (24 + 36, 8, 8)
    assert m.layers[2][0].in_channels == 60


def test_zero_padding_of_smaller_input():
    # layer 0 stride 2 -> 4x4, layer 1 from the image stride 1 -> 8x8; layer 2 takes both.
    m = build(arch((3, 3, 24, 2, ()), (3, 3, 36, 1, ()), (3, 3, 48, 1, (0, 1))))
    assert m.shapes[0] == (24, 4, 4) and m.shapes[1] == (36, 8, 8)
    assert m.in_shapes[2] == (60, 8, 8)
    assert m._input_pads[2] == [(4, 4), (0, 0)]
    seen = {}
    m.layers[2].register_forward_pre_hook(lambda mod, inp: seen.setdefault("x", inp[0].detach().clone()))
    m.eval()
    m(torch.randn(3, 1, 8, 8))
    x = seen["x"]
    assert x.shape == (3, 60, 8, 8)
    # the 4x4 map of layer 0 sits top-left; the rest of its 24 channels is zero
    assert torch.all(x[:, :24, 4:, :] == 0) and torch.all(x[:, :24, :, 4:] == 0)
    assert torch.any(x[:, :24, :4, :4] != 0)


def test_layer_without_input_takes_the_image():
    m = build(arch((3, 3, 24, 1, ()), (3, 3, 36, 1, ()), (1, 1, 48, 1, ())), channels=3)
    assert [s[0] for s in m.in_shapes] == [3, 3, 3]
    assert [layer[0].in_channels for layer in m.layers] == [3, 3, 3]
    seen = []
    for layer in m.layers:
        layer.register_forward_pre_hook(lambda mod, inp: seen.append(inp[0]))
    x = torch.randn(2, 3, 8, 8)
    m(x)
    assert all(t is x for t in seen)


def test_unconsumed_outputs_feed_the_classifier():
    a = arch((3, 3, 24, 1, ()), (3, 3, 36, 2, ()), (3, 3, 48, 1, (0,)), (3, 3, 64, 1, (2,)))
    assert a.unconsumed == (1, 3)
    m = build(a)
    assert m.classifier.in_features == 36 + 64 == sum(a.layers[i].num_filters for i in a.unconsumed)
    assert m(torch.randn(2, 1, 8, 8)).shape == (2, 10)


def test_classifier_pads_unconsumed_maps_to_the_largest():
    # layer 0 (24 filters, 8x8) and layer 1 (36 filters, stride 3 -> 3x3) are both unconsumed
    m = build(arch((3, 3, 24, 1, ()), (3, 3, 36, 3, ())))
    assert m.shapes[1] == (36, 3, 3)
    assert m._output_pads == [(0, 0), (5, 5)]
    assert m.classifier.in_features == 60


def test_stride_shrinking_below_one_pixel_raises_a_readable_error():
    a = arch((3, 3, 24, 3, ()), (3, 3, 24, 3, (0,)), (3, 3, 24, 3, (1,)))
    with pytest.raises(FeatureMapTooSmallError, match=r"layer 2 .*stride 3 on a 1x1 input.*below 1x1"):
        build(a)
    build(a, size=32)  # 32 -> 11 -> 4 -> 2 is fine


def test_backward_runs_through_padding_and_concat():
    m = build(arch((3, 3, 24, 2, ()), (5, 3, 36, 1, (0,)), (3, 3, 48, 1, (0, 1))))
    loss = m(torch.randn(4, 1, 8, 8)).sum()
    loss.backward()
    assert all(p.grad is not None for p in m.parameters())


def test_nb201_network_shapes():
    cell = NB201Cell.from_string(BEST_NB201_CELL)
    m = NB201Network(cell, num_classes=10, in_channels=1, channels=8, cells_per_stage=2)
    assert m(torch.randn(2, 1, 8, 8)).shape == (2, 10)
    assert m.classifier.in_features == 32
    none_cell = NB201Cell(("none",) * 6)
    assert NB201Network(none_cell, 10, 3)(torch.randn(2, 3, 16, 16)).shape == (2, 10)


def test_macro_network_downsamples_even_with_identity():
    for key in ("00000000", "12121212", "22222222"):
        m = MacroNetwork(MacroArch.from_string(key), num_classes=10, in_channels=1, channels=8)
        feats = m.layers(m.stem(torch.randn(2, 1, 8, 8)))
        assert feats.shape == (2, 32, 2, 2), key
    ident = MacroNetwork(MacroArch.from_string("00000000"), 10, 1, channels=8)
    assert isinstance(ident.layers[0], torch.nn.Identity)
    assert not isinstance(ident.layers[2], torch.nn.Identity)  # projection at a downsampling layer


def test_build_model_dispatch_and_counts():
    assert set(BUILDERS) == {ZophLeCNNArch, NB201Cell, MacroArch}
    m = build_model(arch((3, 3, 24, 1, ())), 10, 1, (8, 8))
    assert count_params(m) == 3 * 3 * 24 + 2 * 24 + 24 * 10 + 10
    assert count_flops(m, (1, 8, 8)) >= 2 * 3 * 3 * 24 * 64
    assert m.training  # count_flops restores the mode
    nb = build_model(NB201Cell.from_string(BEST_NB201_CELL), 10, 1, 8, channels=4, cells_per_stage=1)
    assert nb.classifier.in_features == 16
    with pytest.raises(TypeError, match="no model builder for str"):
        build_model("not an arch", 10, 1, 8)
