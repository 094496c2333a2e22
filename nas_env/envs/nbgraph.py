"""``nas_env/NASBenchGraph-v0``: design a graph neural network of NAS-Bench-Graph (needs ``nas-env[graph]``)."""

from __future__ import annotations

from nas_env.env import NASEnv
from nas_env.evaluators.nbgraph_table import GRAPH_DATASETS, GraphTableEvaluator
from nas_env.rewards import RewardFn
from nas_env.spaces.nbgraph import GRAPH_OPS, GRAPH_OPS_PROTEINS, GraphSpace
from nas_env.validation import check_choice

__all__ = ["NASBenchGraphEnv"]


class NASBenchGraphEnv(NASEnv):
    """Wire 4 computing nodes of a GNN and choose each one's operation: NAS-Bench-Graph, looked up in its tables.

    26,206 architectures on each of eight graph datasets (Cora, CiteSeer, PubMed, Coauthor-CS, Coauthor-Physics,
    Amazon-Photo, Amazon-Computers, ogbn-arxiv) and 2,021 on ogbn-proteins (Qin et al., NeurIPS 2022 Datasets and
    Benchmarks; the PyPI package ``nas-bench-graph``, Apache-2.0, read through its own API:
    :mod:`nas_env.evaluators.nbgraph_table`). Needs ``pip install "nas-env[graph]"``.

    ## Action Space

    ``Discrete(9)`` (``Discrete(5)`` on ``proteins``). Seven decisions: ``op_0``, then ``link_i`` and ``op_i`` for
    ``i = 1, 2, 3``. An op decision takes an operation index: ``gat, gcn, gin, cheb, sage, arma, graph, fc, skip``
    (``proteins``: ``gcn, sage, arma, fc, skip``); ``link_i`` takes the node feeding computing node ``i``:
    ``0`` (the input) .. ``i`` (computing node ``i - 1``'s output is node ``i``), the rest masked.

    ## Observation Space

    ``MultiDiscrete([10] * 7)`` (``[6] * 7`` on ``proteins``): 0 while a decision is open, ``token + 1`` once taken.

    ## Rewards

    0.0 for the first 6 steps; then the architecture's validation performance (a fraction: accuracy, ROC-AUC on
    ``proteins``; the mean over the table's 3 seeds) through ``reward``. The 24 token sequences whose four
    operations are all ``skip`` have no row: status ``"invalid"``, reward ``failure_reward``.

    ## Episode End

    Terminates after 7 steps. Never truncated.

    ## Info

    ``action_mask`` every step; at the end ``arch`` (e.g. ``"0,1,2,1|gcn,gin,fc,cheb"``: each node's input, then
    its op), ``tokens`` and ``metrics`` (``val_accuracy``, ``test_accuracy``, ``params``, ``latency``,
    ``table_key``: the package's ``valid_hash()``, ``cost_seconds`` = 0 since the tables have no training
    time, ``status``).

    ## Arguments

    | Argument          | Default      | Meaning                                                                   |
    |-------------------|--------------|---------------------------------------------------------------------------|
    | ``dataset``       | ``cora``     | ``cora``, ``citeseer``, ``pubmed``, ``cs``, ``physics``, ``photo``,        |
    |                   |              | ``computers``, ``arxiv`` or ``proteins``                                  |
    | ``reward``        | ``accuracy`` | ``accuracy``, ``cubed`` or a callable on metrics                          |
    | ``failure_reward``| ``0.0``      | reward of an invalid child (all ops ``skip``)                             |
    | ``invalid_action``| ``penalty``  | ``penalty`` or ``raise``                                                  |
    | ``render_mode``   | ``None``     | ``None``, ``ansi`` or ``rgb_array``                                       |
    """

    def __init__(
        self,
        dataset: str = "cora",
        reward: str | RewardFn = "accuracy",
        failure_reward: float = 0.0,
        invalid_action: str = "penalty",
        render_mode: str | None = None,
    ):
        check_choice("NAS-Bench-Graph dataset", dataset, GRAPH_DATASETS)
        self.dataset = dataset
        space = GraphSpace(GRAPH_OPS_PROTEINS if dataset == "proteins" else GRAPH_OPS)
        super().__init__(
            space,
            GraphTableEvaluator(dataset),
            reward=reward,
            failure_reward=failure_reward,
            invalid_action=invalid_action,
            render_mode=render_mode,
        )
