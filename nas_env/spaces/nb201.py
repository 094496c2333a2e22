"""NAS-Bench-201's cell space (Dong & Yang, ICLR 2020): 6 edges x 5 operations = 15,625 cells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nas_env.spaces.base import Decision, InvalidArchitectureError
from nas_env.spaces.fixed import FixedSearchSpace

__all__ = ["NB201_OPS", "NB201_EDGES", "NB201Cell", "NB201Space"]

#: Operation vocabulary, in NAS-Bench-201's order: token k is ``NB201_OPS[k]``.
NB201_OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: The cell's edges as (to_node, from_node), in token order.
NB201_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))


@dataclass(frozen=True)
class NB201Cell:
    """A NAS-Bench-201 cell: the operation on each of the 6 edges, in token order.

    ``str(cell)`` is NAS-Bench-201's canonical string
    ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.
    """

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.ops) != 6 or any(op not in NB201_OPS for op in self.ops):
            raise InvalidArchitectureError(
                f"NB201 cell needs 6 ops from {list(NB201_OPS)}, got {self.ops!r}"
            )

    def __str__(self) -> str:
        o = self.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    @property
    def key(self) -> str:
        """The 6-digit key (digit i = op index of edge i) used by several NB201 tools."""
        return "".join(str(NB201_OPS.index(op)) for op in self.ops)

    @classmethod
    def from_string(cls, text: str) -> NB201Cell:
        nodes = text.strip().split("+")
        ops: list[str] = []
        try:
            if len(nodes) != 3:
                raise ValueError
            for to_node, node in enumerate(nodes, start=1):
                parts = [p for p in node.strip("|").split("|")]
                if len(parts) != to_node:
                    raise ValueError
                for src, part in enumerate(parts):
                    op, frm = part.split("~")
                    if int(frm) != src:
                        raise ValueError
                    ops.append(op)
        except ValueError:
            raise InvalidArchitectureError(
                f"not a NAS-Bench-201 cell string: {text!r}; expected "
                "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with ops from " + str(list(NB201_OPS))
            ) from None
        return cls(tuple(ops))


class NB201Space(FixedSearchSpace):
    """Six tokens, one per edge (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), five choices each."""

    name = "nb201"

    def __init__(self) -> None:
        super().__init__(
            [Decision(f"edge_{t}<-{f}", "op", NB201_OPS) for t, f in NB201_EDGES]
        )

    def decode(self, tokens: Sequence[int]) -> NB201Cell:
        tokens = self._check_complete(tokens)
        return NB201Cell(tuple(NB201_OPS[t] for t in tokens))

    def encode(self, arch: NB201Cell) -> tuple[int, ...]:  # type: ignore[override]
        if not isinstance(arch, NB201Cell):
            raise InvalidArchitectureError(f"expected an NB201Cell, got {type(arch).__name__}")
        return tuple(NB201_OPS.index(op) for op in arch.ops)

    def from_string(self, text: str) -> NB201Cell:
        return NB201Cell.from_string(text)
