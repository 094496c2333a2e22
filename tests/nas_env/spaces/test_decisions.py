"""``Decision(valid=...)`` masks any subset of a decision's choices (not only the trailing ones), everywhere
masks matter; ``DecisionSpace`` choices round-trip through the architecture string or are refused when built."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from nas_env import Decision, DecisionSpace, FixedSearchSpace, NASEnv, SearchSpace
from nas_env.agents import Budget, make_agent
from nas_env.spaces.base import InvalidArchitectureError

OPS = ("conv3x3", "conv5x5", "maxpool")


@dataclass(frozen=True)
class Chain:
    ops: tuple[str, ...]

    def __str__(self) -> str:
        return ">".join(self.ops)


class NoPoolAfterPool(SearchSpace):
    """A depth token (1-3), then one op per layer; a layer after a maxpool may not pool again -- the forbidden
    choice sits at the end of OPS, and the first layer may not be conv5x5 -- in the middle of OPS."""

    name = "no_pool_after_pool"
    max_length = 4
    max_choices = 3

    def next_decision(self, tokens: Sequence[int]) -> Decision | None:
        if not tokens:
            return Decision("depth", "depth", ("1", "2", "3"))
        i = len(tokens) - 1
        if i >= tokens[0] + 1:
            return None
        if i == 0:
            return Decision("layer0/op", "op", OPS, valid=(0, 2))
        return Decision(f"layer{i}/op", "op", OPS, valid=(0, 1) if tokens[-1] == 2 else None)

    def decode(self, tokens: Sequence[int]) -> Chain:
        return Chain(tuple(OPS[t] for t in self.validate(tokens)[1:]))

    def encode(self, arch: Chain) -> tuple[int, ...]:  # type: ignore[override]
        return (len(arch.ops) - 1, *(OPS.index(op) for op in arch.ops))

    def from_string(self, text: str) -> Chain:
        return self.decode(self.encode(Chain(tuple(text.split(">")))))


def _allowed(tokens: Sequence[int]) -> bool:
    ops = tokens[1:]
    return ops[0] != 1 and all(not (a == 2 and b == 2) for a, b in zip(ops, ops[1:]))


def _score(arch: Chain) -> float:
    return 0.5 + 0.1 * arch.ops.count("conv3x3") / 3


def test_a_middle_choice_is_masked_in_the_env_and_refused_when_played():
    env = NASEnv(NoPoolAfterPool(), _score)
    _, info = env.reset(seed=0)
    env.step(1)  # depth 2
    assert env.unwrapped.action_masks().tolist() == [True, False, True]
    _, _, _, _, info = env.step(2)  # maxpool: the next layer may not pool
    assert info["action_mask"].tolist() == [1, 1, 0] and info["action_mask"].dtype == np.int8
    _, reward, terminated, _, info = env.step(2)
    assert terminated and reward == 0.0 and info["metrics"]["status"] == "invalid"
    assert info["invalid_action"] == ("action 2 is masked at decision 'layer1/op': valid actions are [0, 1] for "
                                      "['conv3x3', 'conv5x5', 'maxpool']")
    env.reset(seed=0)
    env.step(0)
    _, _, terminated, _, info = env.step(1)  # conv5x5 first: masked in the middle of the list
    assert terminated and "valid actions are [0, 2]" in info["invalid_action"]
    strict = NASEnv(NoPoolAfterPool(), _score, invalid_action="raise")
    strict.reset(seed=0)
    strict.step(0)
    with pytest.raises(ValueError, match="action 1 is masked at decision 'layer0/op'"):
        strict.step(1)


def test_the_grammar_helpers_honour_the_subset():
    space = NoPoolAfterPool()
    every = [t for d in range(3) for t in np.ndindex(*(3,) * (d + 1))]
    expected = sorted((d, *ops) for d in range(3) for ops in every if len(ops) == d + 1 and _allowed((d, *ops)))
    assert sorted(space.enumerate()) == expected and space.size() == len(expected) == 2 + 5 + 14
    rng = np.random.default_rng(0)
    assert all(_allowed(space.sample(rng)) for _ in range(300))
    with pytest.raises(InvalidArchitectureError, match=r"token 1 at position 1 \(layer0/op\) is not valid; "
                                                       r"valid: \[0, 2\] \(the rest masked\)"):
        space.validate((0, 1))
    with pytest.raises(InvalidArchitectureError, match="layer2/op"):
        space.validate((2, 0, 2, 2))


@pytest.mark.parametrize("agent", ["random", "evolution", "reinforce"])
def test_agents_never_play_a_masked_choice(agent):
    env = NASEnv(NoPoolAfterPool(), _score)
    result = make_agent(agent).run(env, Budget(evaluations=40), seed=0)
    assert len(result.history) == 40
    assert all(e.metrics["status"] == "ok" and _allowed(e.tokens) for e in result.history)


def test_a_fixed_space_with_a_masked_choice_counts_and_indexes_only_valid_tokens():
    class Fixed(FixedSearchSpace):
        name = "fixed"

        def __init__(self) -> None:
            super().__init__([Decision("a", "a", ("x", "y", "z"), valid=(0, 2)), Decision("b", "b", ("u", "v"))])

        def decode(self, tokens):
            return tuple(self._check_complete(tokens))

        def encode(self, arch):
            return tuple(arch)

        def from_string(self, text):
            return tuple(int(t) for t in text.split())

    space = Fixed()
    grid = list(space.enumerate())
    assert grid == [(0, 0), (0, 1), (2, 0), (2, 1)] and space.size() == 4
    assert [space.index_of(t) for t in grid] == [0, 1, 2, 3]
    assert [space.tokens_at(i) for i in range(4)] == grid
    rng = np.random.default_rng(1)
    assert {space.sample(rng)[0] for _ in range(100)} == {0, 2}
    with pytest.raises(InvalidArchitectureError, match=r"valid: \[0, 2\]"):
        space.decode((1, 0))


def test_the_count_form_still_masks_trailing_choices():
    d = Decision("x", "x", ("a", "b"))
    assert d.valid is None and d.valid_tokens == (0, 1) and d.mask(4).tolist() == [True, True, False, False]
    assert Decision("x", "x", ("a", "b"), valid=[1, 0]) == d  # the full set is stored as None
    assert Decision("x", "x", ("a", "b", "c"), valid=[2, 0]).valid == (0, 2)


@pytest.mark.parametrize("valid", [(), (3,), (0, 0), (1.5,), ("1",), (True,), (-1, 0)])
def test_a_bad_subset_names_itself_and_what_is_valid(valid):
    with pytest.raises(ValueError) as info:
        Decision("op", "op", OPS, valid=valid)
    assert f"valid={valid!r} is not valid" in str(info.value)
    assert "distinct token indices in 0..2 for ['conv3x3', 'conv5x5', 'maxpool']" in str(info.value)


# ------------------------------------------------------------------------- DecisionSpace round trip
@pytest.mark.parametrize(("decisions", "needle"), [
    ({"kernel": [(3, 3), (5, 5)]}, "choice (3, 3) prints as '(3, 3)', which contains ','"),
    ({"act": ["relu", "leaky,0.1"]}, "choice 'leaky,0.1' prints as 'leaky,0.1', which contains ','"),
    ({"a,b": [1, 2]}, "decision name 'a,b' is not valid"),
    ({"lr=": [1, 2]}, "decision name 'lr=' is not valid"),
    ({"": [1, 2]}, "decision name '' is not valid"),
    ({"width": [16, "16"]}, "choices 16 and '16' both print as '16'"),
    ({"layers": [[1], [2]]}, "choice [1] is unhashable (list)"),
])
def test_decision_space_refuses_choices_that_would_not_round_trip(decisions, needle):
    with pytest.raises(ValueError) as info:
        DecisionSpace(decisions)
    assert needle in str(info.value), str(info.value)


def test_every_architecture_of_a_decision_space_round_trips_through_its_string():
    space = DecisionSpace({"act": ["relu", "gelu=tanh", ""], "lr": [0.001, 1e-4], "k": ["3x3", 5], "bn": [True, None]})
    seen = set()
    for tokens in space.enumerate():
        config = space.decode(tokens)
        assert space.from_string(str(config)) == config
        assert space.encode(space.from_string(str(config))) == tokens
        seen.add(str(config))
    assert len(seen) == space.size() == 24
    assert space.from_string("act=gelu=tanh,lr=0.0001,k=5,bn=None")["act"] == "gelu=tanh"
