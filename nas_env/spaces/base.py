"""The search-space grammar: which decision comes next, and what a finished sequence means.

A search space is a *grammar of decisions*. Given the tokens chosen so far it
says which :class:`Decision` comes next (its name, its type and its choices) or
that the architecture is complete (``None``). A finished token sequence decodes
into an architecture object: a plain, hashable, printable value whose ``str()``
is the space's canonical string. Encoding goes the other way.

Variable length and decisions whose number depends on earlier tokens are
normal: :meth:`SearchSpace.next_decision` sees the whole prefix.

Spaces whose sequence of decisions never depends on earlier tokens derive from
:class:`~nas_env.spaces.fixed.FixedSearchSpace`, which gets fast stepping, exact
size, sampling and enumeration from its list of decisions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Decision", "InvalidArchitectureError", "SearchSpace"]


class InvalidArchitectureError(ValueError):
    """A token sequence or architecture that the space cannot decode or encode."""


@dataclass(frozen=True)
class Decision:
    """One step of the grammar.

    Attributes:
        name: unique name of this position, e.g. ``"edge_2<-1"`` or ``"layer3/skip_from_1"``.
        type: the decision *type* shared by positions that choose from the same
            vocabulary, e.g. ``"op"`` or ``"filter_height"``. Controllers keep one
            softmax head (and one embedding table) per type.
        choices: printable labels of the choices; token ``k`` means ``choices[k]``.
        skip: ``True`` for a binary anchor-point token (Zoph & Le): token 1 means
            layer ``source`` feeds layer ``target``. Controllers may score these with
            the anchor-point attention instead of a softmax head.
        source: for skip tokens, the earlier layer.
        target: for skip tokens, the layer being wired.
        valid: the tokens that may be taken here, any non-empty subset of
            ``range(len(choices))`` (stored sorted), or ``None`` for all of them.

    **Masks.** The env's action space is ``Discrete(space.max_choices)``; at a
    decision, token ``k`` is allowed iff ``k < num_choices`` (a decision with fewer
    choices than ``max_choices`` masks the rest) **and** ``k`` is in ``valid``. So a
    grammar that must forbid a choice in the middle of the list at some position
    returns e.g. ``Decision("op2", "op", OPS, valid=(0, 2))``: the labels (and so the
    token meanings and the controller's softmax head of the type) stay the same,
    only the mask changes. The env's ``action_masks()`` / ``info["action_mask"]``,
    ``SearchSpace.validate``/``sample``/``enumerate``/``size`` and the agents honour it.
    """

    name: str
    type: str
    choices: tuple[str, ...]
    skip: bool = False
    source: int | None = None
    target: int | None = None
    valid: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.choices) < 1:
            raise ValueError(f"decision {self.name!r} has no choices")
        if self.skip and len(self.choices) != 2:
            raise ValueError(f"skip decision {self.name!r} must have 2 choices, got {self.choices!r}")
        if self.valid is not None:
            n, given = len(self.choices), list(self.valid)
            try:
                valid = sorted({int(k) for k in given if not isinstance(k, bool) and int(k) == k})
            except (TypeError, ValueError):
                valid = []
            if not valid or len(valid) != len(given) or valid[0] < 0 or valid[-1] >= n:
                raise ValueError(
                    f"decision {self.name!r}: valid={self.valid!r} is not valid; expected a non-empty set of "
                    f"distinct token indices in 0..{n - 1} for {list(self.choices)}, or None for all"
                )
            if self.skip and len(valid) != 2:
                raise ValueError(f"skip decision {self.name!r} cannot mask a choice (valid={self.valid!r})")
            object.__setattr__(self, "valid", None if len(valid) == n else tuple(valid))

    @property
    def num_choices(self) -> int:
        """Number of choices (labels); tokens ``0..num_choices - 1`` exist at this decision."""
        return len(self.choices)

    @property
    def valid_tokens(self) -> tuple[int, ...]:
        """The tokens allowed here, ascending (all of ``range(num_choices)`` unless ``valid`` masks some)."""
        return tuple(range(len(self.choices))) if self.valid is None else self.valid

    @property
    def num_valid(self) -> int:
        return len(self.choices) if self.valid is None else len(self.valid)

    def is_valid(self, token: int) -> bool:
        """Whether ``token`` may be taken at this decision."""
        return 0 <= token < len(self.choices) and (self.valid is None or token in self.valid)

    def mask(self, size: int | None = None) -> np.ndarray:
        """Boolean mask of the allowed tokens, padded with ``False`` to ``size`` (default ``num_choices``)."""
        n = len(self.choices) if size is None else size
        if n < len(self.choices):
            raise ValueError(f"decision {self.name!r}: mask size {n} < its {len(self.choices)} choices")
        out = np.zeros(n, dtype=bool)
        out[list(self.valid_tokens)] = True
        return out


class SearchSpace(ABC):
    """A grammar of decisions. Subclasses implement the four abstract methods.

    Class attributes every space sets:
        name: short identifier used in canonical keys and stores.
        max_length: the largest number of tokens of any architecture.
        max_choices: the largest number of choices of any decision (the size of
            the env's ``Discrete`` action space).
    """

    name: str = "space"
    max_length: int
    max_choices: int

    # ------------------------------------------------------------------ grammar
    @abstractmethod
    def next_decision(self, tokens: Sequence[int]) -> Decision | None:
        """The decision after ``tokens`` (assumed valid), or ``None`` when complete."""

    @abstractmethod
    def decode(self, tokens: Sequence[int]) -> Hashable:
        """Turn a complete, valid token sequence into an architecture object."""

    @abstractmethod
    def encode(self, arch: Hashable) -> tuple[int, ...]:
        """Turn an architecture object back into its tokens."""

    @abstractmethod
    def from_string(self, text: str) -> Hashable:
        """Parse a canonical string (``str(arch)``) back into an architecture."""

    def config(self) -> dict:
        """The arguments that define this space (stored with every evaluation)."""
        return {"name": self.name}

    @property
    def decision_types(self) -> dict[str, int]:
        """Every decision type the grammar can emit, with its number of choices."""
        return self._decision_types()

    def _decision_types(self) -> dict[str, int]:
        types: dict[str, int] = {}
        for tokens in self._walk_all_prefixes():
            d = self.next_decision(tokens)
            if d is not None:
                types.setdefault(d.type, d.num_choices)
        return types

    def _walk_all_prefixes(self, limit: int = 200_000) -> Iterator[tuple[int, ...]]:
        stack: list[tuple[int, ...]] = [()]
        seen = 0
        while stack and seen < limit:
            prefix = stack.pop()
            seen += 1
            yield prefix
            d = self.next_decision(prefix)
            if d is not None:
                stack.extend(prefix + (k,) for k in d.valid_tokens)

    # ----------------------------------------------------------------- checking
    def validate(self, tokens: Sequence[int]) -> tuple[int, ...]:
        """Return ``tokens`` as a tuple, or raise naming the first bad token."""
        out: list[int] = []
        for pos, tok in enumerate(tokens):
            d = self.next_decision(out)
            if d is None:
                raise InvalidArchitectureError(
                    f"{self.name}: sequence is complete after {pos} tokens, "
                    f"got {len(tokens)} tokens {tuple(tokens)}"
                )
            if not isinstance(tok, (int, np.integer)) or not d.is_valid(int(tok)):
                valid = f"0..{d.num_choices - 1}" if d.valid is None else f"{list(d.valid)} (the rest masked)"
                raise InvalidArchitectureError(
                    f"{self.name}: token {tok!r} at position {pos} ({d.name}) is not valid; "
                    f"valid: {valid} for {list(d.choices)}"
                )
            out.append(int(tok))
        if self.next_decision(out) is not None:
            raise InvalidArchitectureError(
                f"{self.name}: sequence {tuple(out)} is incomplete; "
                f"next decision is {self.next_decision(out).name!r}"  # type: ignore[union-attr]
            )
        return tuple(out)

    def decisions(self, tokens: Sequence[int]) -> list[Decision]:
        """The decision taken at every position of a complete sequence."""
        return [self.next_decision(tokens[:i]) for i in range(len(tokens))]  # type: ignore[misc]

    # ------------------------------------------------- sampling and enumeration
    def sample(self, rng: np.random.Generator) -> tuple[int, ...]:
        """Sample a complete sequence, each token uniform over its decision's valid choices."""
        tokens: list[int] = []
        d = self.next_decision(tokens)
        while d is not None:
            tokens.append(d.valid_tokens[int(rng.integers(d.num_valid))])
            d = self.next_decision(tokens)
        return tuple(tokens)

    @property
    def is_finite(self) -> bool:
        return True

    def size(self) -> int:
        """Number of distinct complete token sequences (counted by walking the grammar)."""
        return sum(1 for _ in self.enumerate())

    def enumerate(self) -> Iterator[tuple[int, ...]]:
        """All complete sequences in lexicographic token order (the grid order)."""
        def walk(prefix: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
            d = self.next_decision(prefix)
            if d is None:
                yield prefix
                return
            for k in d.valid_tokens:
                yield from walk(prefix + (k,))

        return walk(())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"
