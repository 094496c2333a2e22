"""The shared-weight networks compute each child as its stand-alone network does with the same weights:
:class:`~nas_env.models.shared_cnn.SharedZophLeCNN` (in training mode) and
:class:`~nas_env.models.shared_rnn.SharedRNNLM`.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.models.shared_cnn import SharedZophLeCNN
from nas_env.models.shared_rnn import SharedRNNLM
from nas_env.models.zoph_le_cnn import ZophLeCNN
from nas_env.spaces.zoph_le_cnn import ZophLeCNNSpace
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace

CNN_SPACE = ZophLeCNNSpace(num_layers=3, predict_stride=True, filter_sizes=[1, 3, 5], num_filters=[4, 8],
                           strides=[1, 2])
RNN_SPACE = ZophLeRNNSpace(8)


def test_child_forward_equals_the_stand_alone_child_with_the_same_weights():
    torch.manual_seed(0)
    net = SharedZophLeCNN(CNN_SPACE, 10, 1, (8, 8))
    rng = np.random.default_rng(0)
    x = torch.randn(16, 1, 8, 8)
    for _ in range(10):
        arch = CNN_SPACE.decode(CNN_SPACE.sample(rng))
        try:
            plan = net.plan(arch)
        except ValueError:
            continue
        child = ZophLeCNN(arch, 10, 1, (8, 8))
        missing, _ = child.load_state_dict(dict(net.child_weights(plan)), strict=False)
        assert all("running" in k or "num_batches" in k for k in missing), missing
        child.train()
        assert torch.allclose(child(x), net(x, plan), atol=1e-5), str(arch)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_child_forward_equals_the_stand_alone_lm_with_the_same_weights(num_layers):
    torch.manual_seed(0)
    net = SharedRNNLM(RNN_SPACE, 65, hidden_size=16, embedding_size=12, num_layers=num_layers)
    rng = np.random.default_rng(num_layers)
    tokens = torch.randint(0, 65, (4, 9))
    for _ in range(4):
        cell = RNN_SPACE.decode(RNN_SPACE.sample(rng))
        plan = net.plan(cell)
        child = RNNLanguageModel(cell, 65, hidden_size=16, embedding_size=12, num_layers=num_layers)
        child.load_state_dict(dict(net.child_weights(plan)))  # strict: exactly the stand-alone parameters
        assert sum(p.numel() for p in child.parameters()) == sum(p.numel() for p in net.child_parameters(plan))
        (expected, state), (got, shared_state) = child(tokens), net(tokens, plan)
        assert torch.equal(expected, got), str(cell)
        for (h, c), (h2, c2) in zip(state, shared_state, strict=True):
            assert torch.equal(h, h2) and torch.equal(c, c2)
