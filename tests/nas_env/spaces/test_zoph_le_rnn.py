"""The Zoph & Le recurrent-cell grammar: token counts, decoding, round trips, enumeration, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_env.spaces import InvalidArchitectureError
from nas_env.spaces.zoph_le_rnn import RNN_ACTIVATIONS, RNN_COMBINATIONS, ZophLeRNNCell, ZophLeRNNSpace

PAPER_TOKENS = (0, 1, 1, 3, 1, 2, 0, 3, 1, 0)  # add tanh | elem_mult relu | elem_mult sigmoid | add relu | 1 0
PAPER_STRING = "add:tanh,elem_mult:relu,elem_mult:sigmoid|inject=add:relu@0|c_t=1"


@pytest.mark.parametrize("base,tokens,choices", [(2, 10, 4), (4, 18, 7), (8, 34, 15), (16, 66, 31)])
def test_token_counts(base, tokens, choices):
    space = ZophLeRNNSpace(base)
    assert space.max_length == tokens == 2 * (2 * base - 1) + 4
    assert space.max_choices == choices
    decisions = space.fixed_decisions
    assert [d.name for d in decisions[:4]] == [
        "node0/combination", "node0/activation", "node1/combination", "node1/activation"
    ]
    assert [d.name for d in decisions[-4:]] == [
        "cell_inject/combination", "cell_inject/activation", "cell_index/c_t", "cell_index/inject"
    ]
    assert decisions[-1].choices == tuple(str(i) for i in range(2 * base - 1))
    assert space.decision_types == {"combination": 2, "activation": 4, "cell_index": 2 * base - 1}


def test_enumeration_size_base2():
    space = ZophLeRNNSpace(2)
    assert space.size() == 8**3 * 8 * 3 * 3 == 36_864
    all_tokens = list(space.enumerate())
    assert len(all_tokens) == len(set(all_tokens)) == 36_864
    assert ZophLeRNNSpace(8).size() == 8**16 * 15**2


def test_paper_example_decodes():
    space = ZophLeRNNSpace(2)
    cell = space.decode(PAPER_TOKENS)
    assert cell == space.paper_example()
    assert str(cell) == PAPER_STRING
    assert cell.cell_out == 1 and cell.cell_inject == 0 and cell.root == 2
    assert cell.equations() == [
        "a_0 = tanh((W0 x_t) + (U0 h_(t-1)))",
        "a_0 = relu(a_0 + c_(t-1))",
        "a_1 = relu((W1 x_t) * (U1 h_(t-1)))",
        "c_t = (W1 x_t) * (U1 h_(t-1))",
        "a_2 = sigmoid(a_0 * a_1)",
        "h_t = a_2",
    ]
    assert space.encode(cell) == PAPER_TOKENS
    assert space.from_string(PAPER_STRING) == cell


def test_tree_children_level_by_level():
    cell = ZophLeRNNSpace(8).lstm_like()
    assert cell.children == {8: (0, 1), 9: (2, 3), 10: (4, 5), 11: (6, 7), 12: (8, 9), 13: (10, 11), 14: (12, 13)}
    assert ZophLeRNNSpace(2).paper_example().children == {2: (0, 1)}


@st.composite
def cells(draw):
    base = draw(st.sampled_from([2, 4, 8]))
    space = ZophLeRNNSpace(base)
    return space, tuple(draw(st.integers(0, c - 1)) for c in space.choice_counts)


@settings(max_examples=60, deadline=None)
@given(cells())
def test_decode_encode_from_string_round_trip(case):
    space, tokens = case
    cell = space.decode(tokens)
    assert isinstance(cell, ZophLeRNNCell) and cell.base == space.base
    assert space.encode(cell) == tokens
    assert space.from_string(str(cell)) == cell
    assert hash(cell) == hash(space.decode(tokens))
    assert all(c in RNN_COMBINATIONS and a in RNN_ACTIVATIONS for c, a in cell.nodes)


def test_reference_cells_are_in_the_grammar():
    for base in (2, 4, 8):
        space = ZophLeRNNSpace(base)
        cell = space.tanh_rnn()
        assert space.decode(space.encode(cell)) == cell
    assert ZophLeRNNSpace(2).encode(ZophLeRNNSpace(2).tanh_rnn()) == (0, 1, 1, 0, 0, 0, 0, 0, 1, 1)
    space8 = ZophLeRNNSpace(8)
    lstm = space8.lstm_like()
    assert space8.decode(space8.encode(lstm)) == lstm
    assert space8.idle_leaves("lstm_like") == (1, 5, 6, 7)
    with pytest.raises(ValueError, match="base 8"):
        ZophLeRNNSpace(4).lstm_like()
    with pytest.raises(ValueError, match="base 2"):
        space8.paper_example()
    with pytest.raises(ValueError, match="tanh_rnn"):
        space8.idle_leaves("gru")


@pytest.mark.parametrize("bad", [0, 1, 3, 6, 12, -2, 2.0, "8", True, None])
def test_bad_base(bad):
    with pytest.raises(ValueError, match="power of two"):
        ZophLeRNNSpace(bad)


def test_bad_tokens_and_strings():
    space = ZophLeRNNSpace(2)
    with pytest.raises(InvalidArchitectureError, match="incomplete"):
        space.decode(PAPER_TOKENS[:-1])
    with pytest.raises(InvalidArchitectureError, match="position 1"):
        space.decode((0, 4, *PAPER_TOKENS[2:]))
    with pytest.raises(InvalidArchitectureError, match="cannot parse"):
        space.from_string("add:gelu,add:tanh,add:tanh|inject=add:relu@0|c_t=1")
    with pytest.raises(InvalidArchitectureError, match="base 2"):
        space.from_string(str(ZophLeRNNSpace(4).tanh_rnn()))
    with pytest.raises(InvalidArchitectureError, match="node index 0..2"):
        space.from_string("add:tanh,add:tanh,add:tanh|inject=add:relu@3|c_t=1")
    with pytest.raises(InvalidArchitectureError, match="2\\*base-1 nodes"):
        ZophLeRNNCell((("add", "tanh"),) * 5, ("add", "tanh"), 0, 0)
    with pytest.raises(InvalidArchitectureError, match="expected a ZophLeRNNCell"):
        space.encode("add:tanh")


def test_sampling_is_seeded():
    space = ZophLeRNNSpace(8)
    a = space.sample(np.random.default_rng(3))
    assert a == space.sample(np.random.default_rng(3))
    assert len(a) == 34
    assert space.config() == {"name": "zoph_le_rnn", "base": 8}
