"""``nas_env/NASBenchGraph-v0`` (issue 25): its rewards are the package's own numbers on every dataset, both env
checkers pass, its space covers exactly the package's architectures, and a missing package or a bad dataset is one
line naming what to do."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

import nas_env
from nas_env.benchmarks.cli import main
from tests.helpers import play

nbg = pytest.importorskip("nas_bench_graph")  # the optional extra nas-env[graph]

ENV_ID = "nas_env/NASBenchGraph-v0"
DATASETS = ["cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins"]


def package_row(dataset: str, tokens: tuple[int, ...]) -> dict:
    """The package's row for ``tokens``, decoded here independently of nas-env: op_0, (link_i, op_i) for i = 1..3."""
    ops = nbg.gnn_list_proteins if dataset == "proteins" else nbg.gnn_list
    arch = nbg.Arch([0, tokens[1], tokens[3], tokens[5]], [ops[tokens[i]] for i in (0, 2, 4, 6)])
    return nbg.light_read(dataset)[arch.valid_hash()]


@pytest.mark.parametrize("dataset", DATASETS)
def test_rewards_equal_the_packages_own_table_for_sampled_architectures(dataset):
    env = gym.make(ENV_ID, dataset=dataset)
    space = env.unwrapped.space
    rng = np.random.default_rng(DATASETS.index(dataset))
    checked = 0
    for _ in range(40):
        tokens = space.sample(rng)
        _, reward, info = play(env, tokens, seed=0)
        if set(info["arch"].split("|")[1].split(",")) == {"skip"}:
            continue
        row = package_row(dataset, tokens)
        m = info["metrics"]
        assert m["status"] == "ok" and type(reward) is float
        assert reward == m["val_accuracy"] == float(row["valid_perf"])
        assert m["test_accuracy"] == float(row["perf"]) and m["latency"] == float(row["latency"])
        assert m["params"] == round(float(row["para"]) * 1e6) and m["cost_seconds"] == 0.0
        checked += 1
    assert checked >= 35


@pytest.mark.parametrize("dataset", ["cora", "proteins"])
def test_both_env_checkers_pass(dataset):
    from gymnasium.utils.env_checker import check_env

    check_env(gym.make(ENV_ID, dataset=dataset).unwrapped)
    sb3 = pytest.importorskip("stable_baselines3.common.env_checker")
    sb3.check_env(gym.make(ENV_ID, dataset=dataset))


@pytest.mark.parametrize(("dataset", "rows"), [("proteins", 2021), ("cora", 26206)])
def test_every_token_sequence_but_all_skip_is_one_of_the_packages_architectures(dataset, rows):
    env = gym.make(ENV_ID, dataset=dataset, failure_reward=-1.0)
    space, evaluator = env.unwrapped.space, env.unwrapped.evaluator
    assert space.size() == 24 * len(space.ops) ** 4 and env.action_space.n == len(space.ops)
    keys, invalid = set(), []
    for tokens in itertools.product(*[range(n) for n in space.choice_counts]):
        arch = space.decode(tokens)
        assert space.encode(arch) == tokens and space.from_string(str(arch)) == arch
        m = evaluator.evaluate(arch)
        (keys.add(m["table_key"]) if m["status"] == "ok" else invalid.append((str(arch), m["status"])))
    assert keys == set(nbg.light_read(dataset)) and len(keys) == rows
    assert len(invalid) == 24 and {s for _, s in invalid} == {"invalid"}
    assert all(a.endswith("|skip,skip,skip,skip") for a, _ in invalid)
    skip = space.ops.index("skip")
    _, reward, info = play(env, [skip, 0, skip, 1, skip, 2, skip])
    assert reward == -1.0 and "all four operations are skip" in info["metrics"]["error"]


def test_the_table_optimum_and_ranks_are_the_packages():
    from nas_env.evaluators.nbgraph_table import GraphTable

    table = GraphTable("citeseer")
    bench = nbg.light_read("citeseer")
    best = max(bench.values(), key=lambda r: r["perf"])["perf"]
    ref = table.reference_optimum()
    assert ref["test_accuracy"] == best and table.rank(ref["arch"])["rank"] == 1
    arch = nas_env.spaces.nbgraph.GraphArch.from_string(ref["arch"])
    assert bench[nbg.Arch(list(arch.links), list(arch.ops)).valid_hash()]["perf"] == best


def test_a_bad_dataset_or_arch_string_names_what_is_valid(capsys):
    with pytest.raises(ValueError, match=r"unknown NAS-Bench-Graph dataset 'Cora'; valid: \['cora', 'citeseer', "
                                         r"'pubmed', 'cs', 'physics', 'photo', 'computers', 'arxiv', 'proteins'\]"):
        gym.make(ENV_ID, dataset="Cora")
    with pytest.raises(ValueError, match="expected e.g. '0,1,2,1|gcn,gin,fc,cheb'"):
        nas_env.spaces.nbgraph.GraphArch.from_string("gcn,gin")
    with pytest.raises(ValueError, match=r"link i in 0..i"):
        nas_env.spaces.nbgraph.GraphArch((0, 2, 0, 0), ("gcn",) * 4)


def test_without_the_package_the_cli_says_what_to_install(tmp_path, monkeypatch, capsys):
    import sys

    from nas_env.evaluators import nbgraph_table

    monkeypatch.setitem(sys.modules, "nas_bench_graph", None)  # import nas_bench_graph now raises ImportError
    nbgraph_table.load_graph_bench.cache_clear()
    try:
        rc = main(["search", "--env", ENV_ID, "--agent", "random", "--budget", "3", "--out", str(tmp_path / "r")])
    finally:
        nbgraph_table.load_graph_bench.cache_clear()
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith('nas-env: error: NAS-Bench-Graph needs the package nas-bench-graph: pip install '
                                      '"nas-env[graph]"') and len(err.strip().splitlines()) == 1, err


def test_registered_listed_and_benchmarked_under_its_protocols(tmp_path, capsys):
    from nas_env.benchmarks.protocols import get_protocol

    assert ENV_ID in nas_env.ENV_IDS
    assert main(["envs"]) == 0 and f"{ENV_ID} Wire 4 computing nodes of a GNN" in capsys.readouterr().out
    for dataset in DATASETS:
        p = get_protocol(f"nbgraph-{dataset}")
        assert p.env_kwargs == {"dataset": dataset} and p.budget.evaluations == 100 and p.budget_unit == "evaluations"
    out = tmp_path / "b"
    assert main(["benchmark", "--protocol", "nbgraph-pubmed", "--agents", "random,evolution", "--seeds", "2",
                 "--budget", "15", "--workers", "0", "--no-progress", "--out", str(out)]) == 0, capsys.readouterr().err
    from nas_env.benchmarks.run.record import load_runs

    for runs in load_runs(out).values():
        for run in runs:
            best = run.best
            tokens = best.tokens
            assert len(run.history) == 15 and best.metrics["test_accuracy"] == package_row("pubmed", tokens)["perf"]
