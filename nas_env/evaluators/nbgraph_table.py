"""NAS-Bench-Graph as a reward backend, read through the package's own API (``pip install "nas-env[graph]"``).

The tables are the PyPI package ``nas-bench-graph`` (THUMNLab, Apache-2.0; Qin et al., "NAS-Bench-Graph:
Benchmarking Graph Neural Architecture Search", NeurIPS 2022 Datasets and Benchmarks): for each dataset, one row per
architecture with the validation and test performance (the mean over the package's 3 training seeds), the number
of parameters (millions) and an inference latency. nas-env does not copy them: :class:`GraphTable` reads them with
``nas_bench_graph.light_read`` and finds an architecture's row with ``nas_bench_graph.Arch(...).valid_hash()``,
so the rewards are the package's own numbers.

=====================  ============================================================================
metric                 from the table
=====================  ============================================================================
``val_accuracy``       ``valid_perf``: validation accuracy (ROC-AUC for ``proteins``), the signal
``test_accuracy``      ``perf``: test accuracy (ROC-AUC for ``proteins``), reported, never the reward
``params``             ``para`` x 10^6, rounded (``physics`` averages seeds: a few are fractional)
``latency``            ``latency``, as the table gives it
``table_key``          the row: ``valid_hash()`` (isomorphic architectures share it)
``cost_seconds``       0: the tables have no training times, so protocols count evaluations
=====================  ============================================================================

An architecture whose four operations are all ``skip`` has no row (it is no GNN): a result with status
``"invalid"`` (the env's ``failure_reward``), never an exception.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import cache, cached_property
from typing import Any

from nas_env.evaluators.base import Evaluator, failure_metrics, make_metrics
from nas_env.spaces.nbgraph import GRAPH_OPS, GRAPH_OPS_PROTEINS, GraphArch
from nas_env.validation import check_choice

__all__ = ["GRAPH_DATASETS", "GraphTable", "GraphTableEvaluator", "load_graph_bench"]

#: the datasets of the package's ``light/`` tables: 8 node-classification datasets (26,206 architectures each) and
#: ogbn-proteins (2,021 architectures of a smaller operation set)
GRAPH_DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")
_INSTALL = 'NAS-Bench-Graph needs the package nas-bench-graph: pip install "nas-env[graph]" (or nas-bench-graph)'


def _package() -> Any:
    try:
        import nas_bench_graph
    except ImportError as exc:
        raise ImportError(f"{_INSTALL} ({exc})") from exc
    return nas_bench_graph


@cache
def load_graph_bench(dataset: str) -> dict[int, dict[str, Any]]:
    """The package's table of ``dataset`` (``nas_bench_graph.light_read``), read once per process."""
    check_choice("NAS-Bench-Graph dataset", dataset, GRAPH_DATASETS)
    return _package().light_read(dataset)


def table_key(arch: GraphArch) -> int:
    """The row of ``arch`` in the package's tables: ``nas_bench_graph.Arch(links, ops).valid_hash()``."""
    return int(_package().Arch(list(arch.links), list(arch.ops)).valid_hash())


class GraphTable:
    """One dataset's table: lookup, the optimum and ranks by the reported test performance."""

    def __init__(self, dataset: str):
        self.dataset = dataset
        self.bench = load_graph_bench(dataset)
        self.ops = GRAPH_OPS_PROTEINS if dataset == "proteins" else GRAPH_OPS

    @staticmethod
    def arch_of(key: int) -> GraphArch:
        """An architecture of row ``key`` (the package's hash: link pattern, then 4 op digits in base 10)."""
        package = _package()
        link, digits = divmod(int(key), 10**4)
        ops = [package.gnn_list[digits // 10 ** (3 - i) % 10] for i in range(4)]
        return GraphArch(tuple(package.link_list[link]), tuple(ops))

    @cached_property
    def best_key(self) -> int:
        """The row of the best test performance (ties: the lowest key)."""
        return min(self.bench, key=lambda k: (-self.bench[k]["perf"], k))

    def reference_optimum(self) -> dict[str, Any]:
        """``{"arch", "test_accuracy", "val_accuracy"}`` of the table's best row (:attr:`best_key`)."""
        row = self.bench[self.best_key]
        return {"arch": str(self.arch_of(self.best_key)), "test_accuracy": float(row["perf"]),
                "val_accuracy": float(row["valid_perf"])}

    def rank(self, arch: GraphArch | str) -> dict[str, Any] | None:
        """``{"rank", "of", "top_percent", "by"}`` of ``arch`` among the rows by test performance (``None``: no row)."""
        arch = arch if isinstance(arch, GraphArch) else GraphArch.from_string(arch)
        key = table_key(arch)
        if key not in self.bench:
            return None
        mine = self.bench[key]["perf"]
        better = sum(1 for row in self.bench.values() if row["perf"] > mine)
        return {"rank": better + 1, "of": len(self.bench), "top_percent": 100.0 * (better + 1) / len(self.bench),
                "by": "test_accuracy", "label": "test_accuracy (the table's 3-seed mean)"}


class GraphTableEvaluator(Evaluator):
    """NAS-Bench-Graph lookup on ``dataset`` (one of :data:`GRAPH_DATASETS`); see the module docstring."""

    def __init__(self, dataset: str = "cora"):
        check_choice("NAS-Bench-Graph dataset", dataset, GRAPH_DATASETS)
        self.dataset = dataset
        self.table = GraphTable(dataset)

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        self.check_fidelity(fidelity)
        if not isinstance(arch, GraphArch):
            return failure_metrics("failed", f"NAS-Bench-Graph table expects a GraphArch, got {type(arch).__name__}")
        key = table_key(arch)
        row = self.table.bench.get(key)
        if row is None:
            why = "all four operations are skip (no GNN)" if set(arch.ops) == {"skip"} else "no row"
            return failure_metrics("invalid", f"NAS-Bench-Graph {self.dataset} has no architecture {arch}: {why}",
                                   table_key=key)
        return make_metrics(
            float(row["valid_perf"]),
            test_accuracy=float(row["perf"]),
            cost_seconds=0.0,
            params=round(float(row["para"]) * 1e6),
            latency=float(row["latency"]),
            table_key=key,
        )

    def config(self) -> dict[str, Any]:
        return {"name": "GraphTableEvaluator", "dataset": self.dataset}
