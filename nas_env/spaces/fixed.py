"""Search spaces whose decisions form one fixed list: fast stepping, exact size, sampling and enumeration.

A :class:`FixedSearchSpace` never makes its next decision depend on earlier tokens
(NAS-Bench-201, NAS-Bench-Macro, a user's :class:`~nas_env.spaces.decisions.DecisionSpace`):
it answers from its list what a general :class:`~nas_env.spaces.base.SearchSpace` finds by
walking the grammar, and numbers every architecture (:meth:`FixedSearchSpace.index_of`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from math import prod

import numpy as np

from nas_env.spaces.base import Decision, SearchSpace

__all__ = ["FixedSearchSpace"]


class FixedSearchSpace(SearchSpace):
    """A space whose decisions form one fixed list (no dependence on earlier tokens).

    Subclasses pass the list to ``__init__`` and implement decode/encode/from_string.
    """

    def __init__(self, decisions: Sequence[Decision]):
        if not decisions:
            raise ValueError(f"{type(self).__name__}: a search space needs at least one decision")
        names = [d.name for d in decisions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"{type(self).__name__}: duplicate decision names {dupes}")
        self._decisions: tuple[Decision, ...] = tuple(decisions)
        self.max_length = len(self._decisions)
        self.max_choices = max(d.num_choices for d in self._decisions)
        self._counts = tuple(d.num_choices for d in self._decisions)
        #: the valid tokens at every position; ``_masked`` when some decision forbids a choice
        self._valid = tuple(d.valid_tokens for d in self._decisions)
        self._masked = any(d.valid is not None for d in self._decisions)

    @property
    def fixed_decisions(self) -> tuple[Decision, ...]:
        return self._decisions

    @property
    def choice_counts(self) -> tuple[int, ...]:
        """Number of choices at every position (for ``MultiDiscrete`` actions)."""
        return self._counts

    def next_decision(self, tokens: Sequence[int]) -> Decision | None:
        n = len(tokens)
        return self._decisions[n] if n < self.max_length else None

    def _decision_types(self) -> dict[str, int]:
        types: dict[str, int] = {}
        for d in self._decisions:
            types.setdefault(d.type, d.num_choices)
        return types

    def decisions(self, tokens: Sequence[int]) -> list[Decision]:
        return list(self._decisions[: len(tokens)])

    def sample(self, rng: np.random.Generator) -> tuple[int, ...]:
        if self._masked:
            picks = rng.integers(0, [len(v) for v in self._valid])
            return tuple(v[int(i)] for v, i in zip(self._valid, picks))
        return tuple(int(t) for t in rng.integers(0, self._counts))

    def size(self) -> int:
        return prod(len(v) for v in self._valid)

    def enumerate(self) -> Iterator[tuple[int, ...]]:
        return itertools.product(*self._valid)

    def index_of(self, tokens: Sequence[int]) -> int:
        """Position of ``tokens`` in :meth:`enumerate`'s order (mixed radix over the valid tokens)."""
        index = 0
        if self._masked:
            for tok, valid in zip(tokens, self._valid):
                index = index * len(valid) + valid.index(int(tok))
            return index
        for tok, count in zip(tokens, self._counts):
            index = index * count + int(tok)
        return index

    def tokens_at(self, index: int) -> tuple[int, ...]:
        """Inverse of :meth:`index_of`."""
        if not 0 <= index < self.size():
            raise IndexError(f"{self.name}: index {index} out of range 0..{self.size() - 1}")
        out = []
        for valid in reversed(self._valid):
            index, k = divmod(index, len(valid))
            out.append(valid[k])
        return tuple(reversed(out))

    def _check_complete(self, tokens: Sequence[int]) -> tuple[int, ...]:
        if len(tokens) != self.max_length or self._masked:
            return self.validate(tokens)  # raises with a precise message
        for tok, count in zip(tokens, self._counts):
            if not 0 <= tok < count:
                return self.validate(tokens)
        return tuple(int(t) for t in tokens)
