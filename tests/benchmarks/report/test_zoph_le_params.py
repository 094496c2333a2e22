"""How parameters are counted, against Zoph & Le's Table 1 (issue 24, item 11): the worked check is true."""

from __future__ import annotations

from nas_env.benchmarks.report.answers.compute import PARAMS_COUNTING
from nas_env.benchmarks.report.answers.zoph_le_params import (
    FIGURE7_V1,
    TABLE1_V1_PARAMS,
    ZOPH_LE_CNN_COUNTING,
    figure7_counts,
)
from nas_env.spaces.zoph_le_cnn import ZophLeCNNSpace


def test_figure7_is_a_15_layer_network_of_our_space_without_stride() -> None:
    arch = ZophLeCNNSpace(num_layers=15).from_string(FIGURE7_V1)
    assert arch.num_layers == 15 and {layer.stride for layer in arch.layers} == {1}
    assert arch.unconsumed == (14,)  # only the last layer feeds the classifier


def test_the_answer_quotes_the_rebuilt_networks_counts_and_they_round_to_table_1() -> None:
    c = figure7_counts()
    assert c == {"params": 4_201_630, "conv_weights": 4_199_868, "batchnorm": 1_272, "classifier": 490}
    assert c["params"] == c["conv_weights"] + c["batchnorm"] + c["classifier"]
    for key, label in (("params", "our count is"), ("conv_weights", "convolution kernels"),
                       ("batchnorm", "BatchNorm"), ("classifier", "classifier")):
        assert f"{label} {c[key]:,}" in ZOPH_LE_CNN_COUNTING, key
    assert round(c["params"] / 1e6, 1) == round(c["conv_weights"] / 1e6, 1) == TABLE1_V1_PARAMS / 1e6
    share = (c["batchnorm"] + c["classifier"]) / c["params"]
    assert f"({100 * share:.2f}%)" in ZOPH_LE_CNN_COUNTING
    assert PARAMS_COUNTING["nas_env/ZophLeCNN-v0"] == ZOPH_LE_CNN_COUNTING
