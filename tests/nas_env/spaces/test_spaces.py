"""The search-space grammar: decisions, decoding, encoding, sampling, enumeration."""

from __future__ import annotations

import numpy as np
import pytest

from nas_env.spaces import (
    CNNLayer,
    Config,
    DecisionSpace,
    InvalidArchitectureError,
    MacroArch,
    MacroSpace,
    NB201Cell,
    NB201Space,
    ZophLeCNNArch,
    ZophLeCNNSpace,
)
from tests.helpers import BEST_NB201_CELL


def test_nb201_grammar_and_canonical_string():
    space = NB201Space()
    assert space.max_length == 6 and space.max_choices == 5 and space.size() == 15_625
    names = [space.next_decision((0,) * i).name for i in range(6)]
    assert names == ["edge_1<-0", "edge_2<-0", "edge_2<-1", "edge_3<-0", "edge_3<-1", "edge_3<-2"]
    assert space.next_decision((0,) * 6) is None
    cell = space.decode((3, 3, 3, 1, 3, 2))
    assert str(cell) == BEST_NB201_CELL
    assert cell.key == "333132"
    assert NB201Cell.from_string(BEST_NB201_CELL) == cell
    assert space.encode(cell) == (3, 3, 3, 1, 3, 2)


def test_nb201_enumeration_is_exhaustive_and_ordered():
    space = NB201Space()
    seqs = list(space.enumerate())
    assert len(seqs) == 15_625 and len(set(seqs)) == 15_625
    assert seqs == sorted(seqs)
    assert all(space.index_of(s) == i for i, s in enumerate(seqs[:500]))
    assert space.tokens_at(space.index_of((4, 0, 2, 1, 3, 0))) == (4, 0, 2, 1, 3, 0)
    assert len({str(space.decode(s)) for s in seqs}) == 15_625


@pytest.mark.parametrize("text", ["", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "|none~0|+|none~0|"])
def test_nb201_bad_strings(text):
    with pytest.raises(InvalidArchitectureError, match="NAS-Bench-201|NB201"):
        NB201Cell.from_string(text)


def test_macro_space():
    space = MacroSpace()
    assert space.size() == 6561 and space.max_choices == 3
    arch = space.decode((0, 2, 0, 1, 2, 1, 0, 0))
    assert str(arch) == "02012100"
    assert MacroArch.from_string("02012100") == arch
    assert space.encode(arch) == (0, 2, 0, 1, 2, 1, 0, 0)
    with pytest.raises(InvalidArchitectureError, match="8 digits"):
        MacroArch.from_string("0201210")


def test_zoph_le_grammar_counts_and_skip_tokens():
    space = ZophLeCNNSpace(num_layers=3, predict_stride=True)
    # per layer 4 tokens + one skip token per earlier layer: 4*3 + (0+1+2)
    assert space.max_length == 15 and space.max_choices == 4
    decisions = space.decisions(space.sample(np.random.default_rng(0)))
    counts = [d.num_choices for d in decisions]
    assert counts == [4, 4, 4, 3, 4, 4, 4, 3, 2, 4, 4, 4, 3, 2, 2]
    skips = [(d.source, d.target) for d in decisions if d.skip]
    assert skips == [(0, 1), (0, 2), (1, 2)]
    assert space.size() == (4 * 4 * 4 * 3) ** 3 * 2**3
    assert space.decision_types == {"filter_height": 4, "filter_width": 4, "num_filters": 4, "stride": 3, "skip": 2}


def test_zoph_le_decode_encode_roundtrip():
    space = ZophLeCNNSpace(num_layers=3, predict_stride=True)
    tokens = (1, 2, 1, 0, 3, 0, 3, 1, 1, 0, 0, 0, 0, 1, 0)
    arch = space.decode(tokens)
    assert arch == ZophLeCNNArch(
        (CNNLayer(3, 5, 36, 1, ()), CNNLayer(7, 1, 64, 2, (0,)), CNNLayer(1, 1, 24, 1, (0,)))
    )
    assert arch.unconsumed == (1, 2)
    assert str(arch) == "3x5-36-s1<img | 7x1-64-s2<0 | 1x1-24-s1<0"
    assert space.encode(arch) == tokens
    assert space.from_string(str(arch)) == arch


def test_zoph_le_variable_depth():
    space = ZophLeCNNSpace(num_layers=(1, 3))
    assert space.next_decision(()).name == "num_layers"
    # depth 1: 1 + 3 tokens; depth 3: 1 + 9 + 3 skip tokens
    assert len(space.validate((0, 1, 1, 1))) == 4
    assert space.next_decision((2,) + (0,) * 9).name == "layer2/num_filters"
    assert space.next_decision((2,) + (0,) * 10).skip
    assert space.max_length == 13
    n1, n2, n3 = 4**3, 4**6 * 2, 4**9 * 8
    assert space.size() == n1 + n2 + n3
    rng = np.random.default_rng(0)
    depths = {space.decode(space.sample(rng)).num_layers for _ in range(50)}
    assert depths == {1, 2, 3}
    small = ZophLeCNNSpace(num_layers=(1, 2), filter_sizes=(1, 3), num_filters=(8,))
    seqs = list(small.enumerate())
    assert len(seqs) == small.size() == 4 + 4 * 4 * 2
    assert len({str(small.decode(s)) for s in seqs}) == len(seqs)


@pytest.mark.parametrize("bad", [0, -1, (3, 2), (0, 2), True, "6"])
def test_zoph_le_bad_num_layers(bad):
    with pytest.raises(ValueError, match="num_layers"):
        ZophLeCNNSpace(num_layers=bad)


def test_validate_names_bad_token():
    space = ZophLeCNNSpace(num_layers=2)
    with pytest.raises(InvalidArchitectureError, match=r"token 3 at position 6 \(layer1/skip_from_0\)"):
        space.validate((0, 0, 0, 0, 0, 0, 3))
    with pytest.raises(InvalidArchitectureError, match="incomplete"):
        space.validate((0, 0, 0))
    with pytest.raises(InvalidArchitectureError, match="complete after 7"):
        space.validate((0,) * 8)


def test_decision_space_user_defined():
    space = DecisionSpace({"op": ["conv", "pool"], "width": [16, 32, 64]})
    assert space.size() == 6 and space.max_choices == 3
    cfg = space.decode((1, 2))
    assert isinstance(cfg, Config) and str(cfg) == "op=pool,width=64"
    assert cfg["width"] == 64 and cfg.as_dict() == {"op": "pool", "width": 64}
    assert space.encode({"op": "pool", "width": 64}) == (1, 2)
    assert space.from_string("op=pool,width=64") == cfg
    with pytest.raises(InvalidArchitectureError, match="width=128"):
        space.encode({"op": "pool", "width": 128})
    with pytest.raises(ValueError, match="no choices"):
        DecisionSpace({"op": []})


def test_sampling_is_uniform_per_token_and_seeded():
    space = NB201Space()
    a = [space.sample(np.random.default_rng(7)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = np.random.default_rng(0)
    draws = np.array([space.sample(rng) for _ in range(5000)])
    freq = np.bincount(draws.ravel(), minlength=5) / draws.size
    assert np.allclose(freq, 0.2, atol=0.01)


@pytest.mark.parametrize("kwargs", [{"num_layers": 1}, {"num_layers": 4}, {}, {"num_layers": (2, 5)},
                                    {"num_layers": 3, "predict_stride": True, "num_filters": (8, 16)}])
def test_zoph_le_cnn_decision_types_are_the_generic_walks(kwargs):
    """The CNN space reads its decision types off its plans (0.3 s faster): the same dict, in the same
    order (the controller's embedding layout depends on it), as the base class's walk over all prefixes."""
    from nas_env.spaces.base import SearchSpace

    space = ZophLeCNNSpace(**kwargs)
    walked = SearchSpace._decision_types(space)
    assert list(space.decision_types.items()) == list(walked.items())
