"""The recurrent-cell module (:mod:`nas_env.models.rnn_cell`) against the paper's equations and torch's cells, and
the language model around it (:mod:`nas_env.models.rnn_lm`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nas_env.models.rnn_cell import ZophLeRNNCellModule
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell, ZophLeRNNSpace

SPACE2, SPACE8 = ZophLeRNNSpace(2), ZophLeRNNSpace(8)


def _run_steps(module: ZophLeRNNCellModule, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
    out, (h_t, c_t) = module(x, (h, c))
    return out, h_t, c_t


# ------------------------------------------------------------ the paper's example
@pytest.mark.parametrize("cell_out", [1, 0])
def test_paper_base2_example_matches_hand_written_equations(cell_out):
    """Zoph & Le Section 3.4: tokens add tanh | elem_mult relu | elem_mult sigmoid | add relu | cell_out 0."""
    torch.manual_seed(0)
    cell = ZophLeRNNCell(SPACE2.paper_example().nodes, ("add", "relu"), cell_out=cell_out, cell_inject=0)
    n_in, n_h, batch, steps = 3, 5, 2, 4
    m = ZophLeRNNCellModule(cell, n_in, n_h, bias=False)  # the paper's equations have no biases
    W1, W3 = torch.randn(n_h, n_in), torch.randn(n_h, n_in)
    W2, W4 = torch.randn(n_h, n_h), torch.randn(n_h, n_h)
    m.set_leaf(0, W1, W2)
    m.set_leaf(1, W3, W4)
    x = torch.randn(batch, steps, n_in)
    h, c = torch.randn(batch, n_h), torch.randn(batch, n_h)
    out, h_T, c_T = _run_steps(m, x, h, c)
    for t in range(steps):
        xt = x[:, t]
        a0 = torch.tanh(xt @ W1.T + h @ W2.T)
        a1 = torch.relu((xt @ W3.T) * (h @ W4.T))
        a0_new = torch.relu(a0 + c)
        a2 = torch.sigmoid(a0_new * a1)
        # first cell index: c_t is that node's output before its activation
        c = (xt @ W3.T) * (h @ W4.T) if cell_out == 1 else xt @ W1.T + h @ W2.T
        h = a2
        torch.testing.assert_close(out[:, t], h)
    torch.testing.assert_close(h_T, h)
    torch.testing.assert_close(c_T, c)


# ----------------------------------------------------------- reference cells
@pytest.mark.parametrize("base", [2, 4, 8])
def test_tanh_rnn_equals_torch_rnncell(base):
    torch.manual_seed(1)
    space = ZophLeRNNSpace(base)
    ref = torch.nn.RNNCell(6, 7, nonlinearity="tanh")
    m = ZophLeRNNCellModule(space.tanh_rnn(), 6, 7)
    m.zero_leaves(space.idle_leaves("tanh_rnn"))
    m.set_leaf(0, ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)
    x = torch.randn(3, 9, 6)
    out, (h_T, c_T) = m(x)
    h = torch.zeros(3, 7)
    for t in range(9):
        h = ref(x[:, t], h)
        torch.testing.assert_close(out[:, t], h)
    assert torch.count_nonzero(c_T) == 0


def test_lstm_like_equals_torch_lstmcell():
    torch.manual_seed(2)
    ref = torch.nn.LSTMCell(5, 6)
    m = ZophLeRNNCellModule(SPACE8.lstm_like(), 5, 6)
    m.zero_leaves(SPACE8.idle_leaves("lstm_like"))
    # torch's gate order is (i, f, g, o); our leaves: 0 = f, 2 = i, 3 = g, 4 = o
    w, u = ref.weight_ih.chunk(4), ref.weight_hh.chunk(4)
    b, d = ref.bias_ih.chunk(4), ref.bias_hh.chunk(4)
    for leaf, gate in ((0, 1), (2, 0), (3, 2), (4, 3)):
        m.set_leaf(leaf, w[gate], u[gate], b[gate], d[gate])
    x = torch.randn(2, 7, 5)
    h0, c0 = torch.randn(2, 6), torch.randn(2, 6)
    out, (h_T, c_T) = m(x, (h0, c0))
    h, c = h0, c0
    for t in range(7):
        h, c = ref(x[:, t], (h, c))
        torch.testing.assert_close(out[:, t], h)
    torch.testing.assert_close(c_T, c)


def test_gradients_are_exact():
    torch.manual_seed(3)
    cell = SPACE2.decode(SPACE2.sample(np.random.default_rng(5)))
    m = ZophLeRNNCellModule(cell, 2, 3).double()
    x = torch.randn(2, 3, 2, dtype=torch.double, requires_grad=True)
    h = torch.randn(2, 3, dtype=torch.double, requires_grad=True)
    c = torch.randn(2, 3, dtype=torch.double, requires_grad=True)

    def f(x, h, c, *params):
        return torch.func.functional_call(m, dict(zip(names, params)), (x, (h, c)))[0]

    names = [n for n, _ in m.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in m.parameters())
    assert torch.autograd.gradcheck(f, (x, h, c, *params))


# ------------------------------------------------------------ language model
def test_language_model_options():
    cell = SPACE2.paper_example()
    lm = RNNLanguageModel(cell, 20, hidden_size=6, num_layers=2, dropout=0.2, tie_weights=True)
    assert lm.decoder.weight is lm.embedding.weight and len(lm.layers) == 2
    logits, state = lm(torch.randint(0, 20, (2, 4)))
    assert logits.shape == (2, 4, 20) and len(state) == 2
    with pytest.raises(ValueError, match="tie_weights"):
        RNNLanguageModel(cell, 20, hidden_size=6, embedding_size=5, tie_weights=True)
    with pytest.raises(ValueError, match="num_layers"):
        RNNLanguageModel(cell, 20, num_layers=3)
