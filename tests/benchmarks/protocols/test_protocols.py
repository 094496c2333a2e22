"""Protocols (nas_env.benchmarks.protocols): what a budget really allows, what is reported, how lookups fail."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nas_env.agents import Budget, Evaluation, make_agent
from nas_env.benchmarks.protocols import PROTOCOLS, get_protocol, protocol_from_json
from nas_env.benchmarks.protocols.nb201 import NB201_REINFORCE_LR
from nas_env.benchmarks.report.analysis import first_hit, top_fraction_threshold
from nas_env.benchmarks.run.record import RunRecord
from nas_env.evaluators.nb201_table import NB201Table


@pytest.fixture(scope="module")
def c10() -> NB201Table:
    return NB201Table("cifar10")


def _run(protocol, agent="random", seed=0, budget=None):
    return make_agent(agent).run(protocol.make_env(), budget or protocol.budget, seed=seed)


def _evaluation(arch: str | None, status: str = "ok", **metrics) -> Evaluation:
    return Evaluation(index=0, arch=arch, tokens=(), reward=0.0, metrics={"status": status, **metrics},
                      cost_seconds=0.0, wall_seconds=0.0, total_cost_seconds=0.0, total_wall_seconds=0.0,
                      best_reward=0.0)


#: NAS-Bench-201's protocol as published (Dong & Yang, ICLR 2020): 12,000 simulated seconds on CIFAR-10, and
#: NATS-Bench's 1 : 2 : 6 scaling of it for the other datasets (dataset -> budget in simulated seconds)
PUBLISHED_BUDGETS = {"cifar10": 12_000.0, "cifar100": 24_000.0, "imagenet16-120": 72_000.0}


@pytest.mark.parametrize("seed", [0, 1])
def test_nb201_budget_stops_at_the_first_evaluation_that_would_exceed_it(c10, seed):
    """NAS-Bench-201's rule: the evaluation that would push the charged time over 12,000 s is not counted."""
    p = get_protocol("nb201-cifar10")
    r = _run(p, seed=seed)
    # the same search with twice the budget: random search samples the same cells, only the stop differs
    longer = _run(p, seed=seed, budget=Budget(cost_seconds=24_000.0))
    n = len(r.history)
    assert [e.arch for e in longer.history[:n]] == [e.arch for e in r.history]
    assert r.total_cost_seconds <= 12_000.0 < longer.history[n].total_cost_seconds
    # charged time = the table's 12-epoch training times (200-epoch time x 12/200) of the evaluated cells
    costs = [c10.train_time200[c10.row(e.arch)] * 12 / 200 for e in r.history]
    np.testing.assert_allclose([e.total_cost_seconds for e in r.history], np.cumsum(costs), rtol=1e-9)
    # the reward is the 12-epoch validation accuracy (the signal), never the test accuracy
    for e in r.history[:5]:
        assert e.reward == pytest.approx(c10.val12[c10.row(e.arch)])


@pytest.mark.parametrize(("dataset", "seconds"), PUBLISHED_BUDGETS.items())
def test_nb201_protocols_are_the_published_protocol_and_their_budgets_buy_about_109_evaluations(dataset, seconds):
    """Reward: the 12-epoch validation accuracy; cost: the 200-epoch training time x 12/200; budget: the published
    seconds. With the tables' mean 12-epoch times (110 s, 219 s, 666 s), each budget buys about 109 evaluations,
    and that is what random search gets under it."""
    p = get_protocol(f"nb201-{dataset}")
    assert p.env_id == "nas_env/NB201-v0" and dict(p.env_kwargs) == {"dataset": dataset, "fidelity": 12}
    assert p.budget == Budget(cost_seconds=seconds) and p.budget_unit == "simulated seconds"
    table = NB201Table(dataset)
    cost12 = table.train_time200 * 12 / 200
    assert 100 < seconds / cost12.mean() < 120
    r = _run(p, seed=0)
    rows = [table.row(e.arch) for e in r.history]
    assert [e.reward for e in r.history] == pytest.approx([table.val12[i] for i in rows])
    assert r.total_cost_seconds == pytest.approx(sum(cost12[i] for i in rows)) and r.total_cost_seconds <= seconds
    assert 100 < len(r.history) < 120


def test_nb201_reports_the_tables_200_epoch_test_accuracy(c10):
    p = get_protocol("nb201-cifar10")
    best_arch = str(c10.arch_str[c10.best_row])
    table_value = c10.lookup(best_arch, 200)["test_accuracy"]
    assert p.final_accuracy(_evaluation(best_arch)) == pytest.approx(table_value)
    assert round(100 * table_value, 2) == 94.37  # NAS-Bench-201's "best in space", as published
    assert p.make_reporter().optimum() == (pytest.approx(table_value), best_arch)
    # any other cell: the table's number, whatever the run's metrics say
    arch = str(c10.arch_str[1234])
    assert p.final_accuracy(_evaluation(arch, test_accuracy=0.01)) == pytest.approx(
        c10.lookup(arch, 200)["test_accuracy"])
    # nothing is reported for a failed child or no run at all
    assert p.final_accuracy(_evaluation(arch, status="failed")) is None
    assert p.final_accuracy(None) is None


def test_nb201_best_reward_cell_is_what_a_run_reports(c10):
    p = get_protocol("nb201-cifar10", budget=3_000)
    r = _run(p, seed=4)
    best = max(r.history, key=lambda e: (e.reward, -e.index))
    assert p.final_accuracy(r.best) == pytest.approx(c10.lookup(best.arch, 200)["test_accuracy"])
    assert p.report_name == "test_accuracy_200ep"


def test_nb201_cifar100_reports_the_validation_mean_and_says_so():
    p = get_protocol("nb201-cifar100", budget=2_000)
    r = _run(p)
    t = NB201Table("cifar100")
    assert r.total_cost_seconds <= 2_000
    assert p.final_accuracy(r.best) == pytest.approx(t.lookup(r.best.arch, 200)["val_accuracy"])
    assert "validation" in p.report_label and p.report_name == "val_accuracy_mean_200ep"


def test_macro_counts_evaluations_and_reports_non_signal_seeds():
    p = get_protocol("macro-cifar10", budget=30)
    r = _run(p)
    assert len(r.history) == 30 and r.total_cost_seconds == 0.0
    best = r.best
    seeds = best.metrics["test_accuracy_seeds"]
    assert p.final_accuracy(best) == pytest.approx(np.mean(seeds[1:]))  # signal seed 0 excluded
    assert best.reward == pytest.approx(seeds[0])


def test_fixed_protocol_on_any_env():
    p = get_protocol("fixed:nas_env/NB201-v0", budget=25, env_kwargs={"dataset": "cifar10", "fidelity": 200})
    r = _run(p, seed=3)
    assert len(r.history) == 25
    assert p.final_accuracy(r.best) == pytest.approx(r.best.metrics["test_accuracy"])
    assert protocol_from_json(p.to_json()) == p
    # without a budget: 100 evaluations
    assert get_protocol("fixed:nas_env/NB201-v0").budget == Budget(evaluations=100)


def test_overrides_change_a_copy_in_the_protocols_own_unit():
    p = get_protocol("nb201-cifar10", budget=600, env_kwargs={"fidelity": 200})
    assert p.budget == Budget(cost_seconds=600.0) and p.name == "nb201-cifar10"
    assert dict(p.env_kwargs) == {"dataset": "cifar10", "fidelity": 200}
    assert get_protocol("macro-cifar10", budget=7).budget == Budget(evaluations=7)
    # the registry is untouched, and the saved form rebuilds the overridden protocol
    assert PROTOCOLS["nb201-cifar10"].budget == Budget(cost_seconds=12_000.0)
    assert dict(PROTOCOLS["nb201-cifar10"].env_kwargs)["fidelity"] == 12
    assert protocol_from_json(p.to_json()) == p
    assert p.to_json()["budget"] == p.budget.to_json()
    # per-agent hyperparameters are handed out as copies
    kw = p.kwargs_for("reinforce")
    kw["lr"] = 1.0
    assert p.kwargs_for("reinforce") == {"lr": NB201_REINFORCE_LR} and p.kwargs_for("random") == {}


@pytest.mark.parametrize(("name", "kwargs", "needles"), [
    ("nb201-cifar11", {}, ["'nb201-cifar11'", "nb201-cifar10", "fixed:<env-id>"]),
    ("fixed:nas_env/Nope-v0", {}, ["'nas_env/Nope-v0'", "nas_env/NB201-v0"]),
    ("fixed:nas_env/NB201-v0", {"budget": 2.5}, ["2.5", "--budget must be an int >= 1", "counts evaluations"]),
    ("macro-cifar10", {"budget": 0}, ["got 0", "counts evaluations"]),
    ("macro-cifar10", {"budget": 2.5}, ["got 2.5", "'macro-cifar10' counts evaluations"]),
    ("cnn-digits", {"budget": float("inf")}, ["got inf", "counts evaluations"]),
    ("nb201-cifar10", {"budget": -5}, ["-5", "'nb201-cifar10' budgets simulated seconds"]),
])
def test_bad_input_names_the_bad_value(name, kwargs, needles):
    with pytest.raises(ValueError) as info:
        get_protocol(name, **kwargs)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))


def test_budget_help_names_each_protocols_unit(capsys):
    """``nas-env benchmark --budget`` is a number in the protocol's unit; its help says which, per protocol."""
    from nas_env.benchmarks.cli import main

    assert main(["benchmark", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "simulated seconds for nb201-cifar10, nb201-cifar100, nb201-imagenet16-120" in text
    assert "evaluations for cnn-digits, cnn-fashion-mnist, macro-cifar10, nbgraph-arxiv," in text
    assert "fixed:<env-id>" in text
    assert "rnn-tinyshakespeare," in text and "the protocol's own unit for MODULE:NAME" in text
    assert get_protocol("nb201-cifar10").budget_unit == "simulated seconds"
    assert {get_protocol(n).budget_unit for n in ("macro-cifar10", "cnn-digits", "fixed:nas_env/NB201-v0")} == {
        "evaluations"}


def test_a_saved_protocol_of_unknown_name_is_refused():
    saved = get_protocol("macro-cifar10").to_json()
    with pytest.raises(ValueError, match="'macro-cifar11'"):
        protocol_from_json({**saved, "name": "macro-cifar11"})


def test_top_fraction_definition(c10):
    acc = c10.reported_accuracy(200)[0]
    thr = top_fraction_threshold(acc, 0.01)
    n = math.ceil(0.01 * len(acc))  # 157 of 15,625
    assert np.sort(acc)[::-1][n - 1] == thr
    assert (acc >= thr).sum() >= n
    # a run that evaluates the best cell at its 3rd evaluation finds a top-0.1% cell there
    p = get_protocol("nb201-cifar10")
    r = _run(p, seed=0)
    hist = list(r.history[:5])
    best_arch = str(c10.arch_str[c10.best_row])
    hist[2] = type(hist[2])(**{**hist[2].__dict__, "arch": best_arch})
    rec = RunRecord(Path("."), {"agent": "random", "seed": 0}, hist)
    hit = first_hit(rec, p.make_reporter(), top_fraction_threshold(acc, 0.001))
    assert hit is not None and hit.evaluations <= 3 and hit.seconds == hist[hit.evaluations - 1].total_cost_seconds


def test_default_seeds_and_agents_are_the_published_sample_and_algorithms():
    import argparse

    from nas_env.benchmarks.cli.benchmark import DEFAULT_AGENTS, agents_and_seeds

    none = argparse.Namespace(agents=None, seeds=None, seed_list=None)
    agents, seeds = agents_and_seeds(none, get_protocol("nb201-cifar10"))
    assert seeds == list(range(500))  # NAS-Bench-201's 500 runs
    assert agents == ["random", "grid", "evolution", "reinforce-table", "reinforce", "reinforce@lr=0.0006",
                      "reinforce@lr=0", "reinforce-table@lr=0"]  # grid, the paper's lr and both ablations (issue 24)
    # the real-training protocols report on seeds 100.., disjoint from their tuning seeds
    assert agents_and_seeds(none, get_protocol("rnn-tinyshakespeare")) == (["random", "reinforce"],
                                                                          [100, 101, 102, 103, 104])
    assert agents_and_seeds(argparse.Namespace(agents=None, seeds=2, seed_list=None),
                            get_protocol("cnn-digits"))[1] == [100, 101]
    fixed = get_protocol("fixed:nas_env/NB201-v0", budget=3)
    assert agents_and_seeds(none, fixed) == (DEFAULT_AGENTS.split(","), list(range(20)))
    given = argparse.Namespace(agents=["random"], seeds=3, seed_list=None)
    assert agents_and_seeds(given, get_protocol("nb201-cifar10")) == (["random"], [0, 1, 2])
    listed = argparse.Namespace(agents=None, seeds=None, seed_list=[4, 9])
    assert agents_and_seeds(listed, get_protocol("nb201-cifar10"))[1] == [4, 9]


def test_the_paper_variant_of_figure_6_uses_the_papers_reward_and_lr():
    ours, paper = get_protocol("rnn-tinyshakespeare"), get_protocol("rnn-tinyshakespeare-paper")
    assert paper.kwargs_for("reinforce") == {"lr": 0.0006, "reward_transform": "identity"}
    assert ours.kwargs_for("reinforce") == {"lr": 0.01}
    assert {k: v for k, v in paper.env_kwargs.items() if k != "reward"} == dict(ours.env_kwargs)
    env = paper.make_env()  # real children: the reward is c / validation perplexity^2, c scaled for characters
    try:
        history = make_agent("random").run(env, Budget(evaluations=3), seed=0).history
    finally:
        env.close()
    ok = [e for e in history if e.metrics["status"] == "ok"]
    assert ok, [e.metrics["status"] for e in history]
    for e in ok:
        assert e.reward == pytest.approx(3.15 / e.metrics["val_perplexity"] ** 2)


@pytest.mark.parametrize("name", ["cnn-digits", "cnn-fashion-mnist", "rnn-tinyshakespeare", "rnn-tinyshakespeare-paper",
                                  "rnn-tinyshakespeare-shared"])
def test_real_training_protocols_report_on_seeds_disjoint_from_their_tuning_seeds(name):
    """Issue 27: a protocol's settings were chosen on some seeds; its default seeds never include them, and its
    notes name them."""
    p = get_protocol(name)
    assert p.tuning_seeds and p.seeds == [100, 101, 102, 103, 104]
    assert not set(p.seeds) & set(p.tuning_seeds)
    assert "uning seeds" in p.notes


def test_a_protocol_whose_dataset_is_absent_can_be_read_and_refuses_to_run(tmp_path, capsys):
    """Issue 23 (a stranger's machine without Fashion-MNIST): looking the protocol up needs no data -- its seeds,
    notes and references can be read -- and the benchmark refuses in one line naming the fix, before any run."""
    from nas_env.benchmarks.cli import main
    from nas_env.benchmarks.harness.runner import run_benchmark
    from nas_env.training.dataset_files import DatasetError

    nowhere = {"data_root": str(tmp_path / "nowhere")}
    p = get_protocol("cnn-fashion-mnist", env_kwargs=nowhere)
    assert p.seeds == [100, 101, 102, 103, 104] and p.env_kwargs["data_root"] == nowhere["data_root"]
    with pytest.raises(DatasetError, match=r"Fashion-MNIST not found in .*nowhere.*apt install dataset-fashion-mnist"):
        run_benchmark(p, ["random"], [100], tmp_path / "b", workers=0, progress=False)
    assert not (tmp_path / "b").exists()
    code = main(["benchmark", "--protocol", "cnn-fashion-mnist", "--env-kwargs", json.dumps(nowhere), "--out",
                 str(tmp_path / "c"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("nas-env benchmark: Fashion-MNIST not found in ") and err.count("\n") == 1
    assert not (tmp_path / "c").exists()
