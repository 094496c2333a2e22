"""The NAS-Bench-Graph protocols: a table without training times, so evaluations are counted.

==========================  =============================================================================
``nbgraph-<dataset>``       NAS-Bench-Graph (``nas_env/NASBenchGraph-v0``, needs ``nas-env[graph]``) on one
                            of ``cora``, ``citeseer``, ``pubmed``, ``cs``, ``physics``, ``photo``,
                            ``computers``, ``arxiv``, ``proteins``: reward = the validation performance
                            (accuracy; ROC-AUC on proteins), 100 evaluations; report = the test performance
                            of the architecture with the best reward.
==========================  =============================================================================

``nas-env benchmark --budget`` counts evaluations under these protocols. The budget, 100 evaluations (0.4% of the
26,206 architectures; 5% of proteins' 2,021), is ours, as for ``macro-cifar10``: the package ships no search
protocol of its own. The protocols are registered whether or not the package is installed (their names are
stable, e.g. for a suite); running one without it fails before any run, naming the extra to install.
"""

from __future__ import annotations

from nas_env.agents.budget import Budget
from nas_env.benchmarks.protocols.base import Protocol
from nas_env.benchmarks.protocols.registry import register_protocol
from nas_env.evaluators.nbgraph_table import GRAPH_DATASETS

__all__ = ["NBGRAPH_EVALUATIONS", "NBGRAPH_PROTOCOLS"]

#: the evaluations of every ``nbgraph-*`` protocol
NBGRAPH_EVALUATIONS = 100
#: dataset -> protocol name
NBGRAPH_PROTOCOLS = {dataset: f"nbgraph-{dataset}" for dataset in GRAPH_DATASETS}

for _dataset, _name in NBGRAPH_PROTOCOLS.items():
    _metric = "ROC-AUC" if _dataset == "proteins" else "accuracy"
    register_protocol(Protocol(
        name=_name,
        env_id="nas_env/NASBenchGraph-v0",
        env_kwargs={"dataset": _dataset},
        budget=Budget(evaluations=NBGRAPH_EVALUATIONS),
        reward=f"NAS-Bench-Graph validation {_metric} on {_dataset} (the table's 3-seed mean), as a fraction",
        cost="the tables have no training times: evaluations are counted, cost_seconds is 0",
        reporter="env",
        notes=f"NAS-Bench-Graph (Qin et al., NeurIPS 2022; PyPI nas-bench-graph, Apache-2.0), read through the "
              f"package's own API; the reported number is the test {_metric} of the architecture with the best "
              "validation reward.",
    ))
