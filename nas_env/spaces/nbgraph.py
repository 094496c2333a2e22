"""NAS-Bench-Graph's space (Qin et al., NeurIPS 2022 Datasets and Benchmarks): a GNN of 4 computing nodes.

Each computing node ``i`` (0..3) takes one earlier node as input -- ``link[i]`` in ``0..i``, 0 being the raw input,
``k`` the k-th computing node -- and applies one operation; every node that feeds no other feeds the output.
Tokens, in order: ``op_0``, then ``link_i`` and ``op_i`` for ``i = 1, 2, 3`` (``link_0`` is always 0, so it is no
decision): 24 link patterns x 9^4 operations = 157,464 token sequences, which the benchmark's own canonical hash
(``nas_bench_graph.Arch.valid_hash``: isomorphic graphs share a row) maps onto its 26,206 architectures -- all
but the 24 sequences whose four operations are all ``skip`` (no GNN at all; the table has no row for them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nas_env.spaces.base import Decision, InvalidArchitectureError
from nas_env.spaces.fixed import FixedSearchSpace

__all__ = ["GRAPH_NODES", "GRAPH_OPS", "GRAPH_OPS_PROTEINS", "GraphArch", "GraphSpace"]

#: the operations, in the package's order (``nas_bench_graph.gnn_list``): GAT (2 heads), GCN, GIN, ChebNet,
#: GraphSAGE, ARMA, k-GNN (``graph``), a fully connected layer, a skip connection
GRAPH_OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
#: the operations of the proteins table (``nas_bench_graph.gnn_list_proteins``)
GRAPH_OPS_PROTEINS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
#: computing nodes
GRAPH_NODES = 4


@dataclass(frozen=True)
class GraphArch:
    """The input (``links``) and operation (``ops``) of each of the 4 computing nodes.

    ``str(arch)`` is ``"0,1,2,1|gcn,gin,fc,cheb"`` (the package's ``Arch([0, 1, 2, 1], ['gcn', 'gin', 'fc',
    'cheb'])``); :meth:`from_string` reads it back.
    """

    links: tuple[int, ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        links, ops = tuple(self.links), tuple(self.ops)
        if (len(links) != GRAPH_NODES or len(ops) != GRAPH_NODES or any(op not in GRAPH_OPS for op in ops)
                or any(not isinstance(k, int) or not 0 <= k <= i for i, k in enumerate(links))):
            raise InvalidArchitectureError(
                f"NAS-Bench-Graph architecture needs {GRAPH_NODES} links (link i in 0..i) and {GRAPH_NODES} ops from "
                f"{list(GRAPH_OPS)}, got links={self.links!r}, ops={self.ops!r}"
            )
        object.__setattr__(self, "links", links)
        object.__setattr__(self, "ops", ops)

    def __str__(self) -> str:
        return ",".join(map(str, self.links)) + "|" + ",".join(self.ops)

    @classmethod
    def from_string(cls, text: str) -> GraphArch:
        links, sep, ops = str(text).partition("|")
        try:
            if not sep:
                raise ValueError(text)
            return cls(tuple(int(k) for k in links.split(",")), tuple(ops.split(",")))
        except ValueError as exc:
            if isinstance(exc, InvalidArchitectureError):
                raise
            raise InvalidArchitectureError(
                f"not a NAS-Bench-Graph architecture: {text!r}; expected e.g. '0,1,2,1|gcn,gin,fc,cheb'") from None


class GraphSpace(FixedSearchSpace):
    """Seven tokens: ``op_0``, ``link_1``, ``op_1``, ``link_2``, ``op_2``, ``link_3``, ``op_3``.

    ``ops`` is the operation vocabulary (:data:`GRAPH_OPS`, or :data:`GRAPH_OPS_PROTEINS` for the proteins table);
    every op decision shares it, link ``i`` has ``i + 1`` choices (``"0"`` .. ``str(i)``).
    """

    name = "nas_bench_graph"

    def __init__(self, ops: Sequence[str] = GRAPH_OPS) -> None:
        unknown = [op for op in ops if op not in GRAPH_OPS]
        if unknown or not ops:
            raise ValueError(f"GraphSpace ops must be a non-empty subset of {list(GRAPH_OPS)}, got {list(ops)!r}")
        self.ops = tuple(ops)
        decisions = [Decision("op_0", "op", self.ops)]
        for i in range(1, GRAPH_NODES):
            decisions += [Decision(f"link_{i}", f"link_{i}", tuple(str(k) for k in range(i + 1))),
                          Decision(f"op_{i}", "op", self.ops)]
        super().__init__(decisions)

    def config(self) -> dict:
        return {**super().config(), "ops": list(self.ops)}

    def decode(self, tokens: Sequence[int]) -> GraphArch:
        t = self._check_complete(tokens)
        return GraphArch((0, t[1], t[3], t[5]), tuple(self.ops[k] for k in (t[0], t[2], t[4], t[6])))

    def encode(self, arch: GraphArch) -> tuple[int, ...]:  # type: ignore[override]
        if not isinstance(arch, GraphArch):
            raise InvalidArchitectureError(f"expected a GraphArch, got {type(arch).__name__}")
        missing = [op for op in arch.ops if op not in self.ops]
        if missing:
            raise InvalidArchitectureError(f"ops {missing} are not in this space's {list(self.ops)}")
        op = [self.ops.index(o) for o in arch.ops]
        return (op[0], arch.links[1], op[1], arch.links[2], op[2], arch.links[3], op[3])

    def from_string(self, text: str) -> GraphArch:
        return GraphArch.from_string(text)
