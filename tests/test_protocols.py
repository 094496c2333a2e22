"""Protocol accounting: budgets, simulated time, and what is reported at the end."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents import make_agent
from benchmarks.analysis import first_hit, top_fraction_threshold
from benchmarks.protocols import (
    NB201_BUDGET_SECONDS,
    PROTOCOLS,
    get_protocol,
    protocol_from_json,
)
from benchmarks.results import RunRecord
from nas_env.evaluators.nb201_table import NB201Table


@pytest.fixture(scope="module")
def c10() -> NB201Table:
    return NB201Table("cifar10")


def _run(protocol, agent="random", seed=0):
    return make_agent(agent).run(protocol.make_env(), protocol.budget, seed=seed)


def test_registry_has_the_issue_protocols():
    for name in ("nb201-cifar10", "nb201-cifar100", "nb201-imagenet16-120", "macro-cifar10"):
        assert name in PROTOCOLS
    p = PROTOCOLS["nb201-cifar10"]
    assert p.env_id == "nas_env/NB201-v0" and dict(p.env_kwargs)["fidelity"] == 12
    assert p.budget.cost_seconds == 12_000 and p.budget.evaluations is None
    # NATS-Bench's 1 : 2 : 6 scaling of the CIFAR-10 budget
    assert NB201_BUDGET_SECONDS == {"cifar10": 12_000.0, "cifar100": 24_000.0, "imagenet16-120": 72_000.0}
    assert PROTOCOLS["macro-cifar10"].budget.evaluations == 100


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nb201_budget_and_simulated_time(c10, seed):
    p = get_protocol("nb201-cifar10")
    r = _run(p, seed=seed)
    # budget never exceeded, and nearly spent (the next evaluation would not have fit)
    assert r.total_cost_seconds <= 12_000
    assert r.total_cost_seconds > 12_000 - c10.train_time200.max() * 12 / 200
    # simulated time = sum of the table's 12-epoch costs of the evaluated cells
    costs = [c10.train_time200[c10.row(e.arch)] * 12 / 200 for e in r.history]
    assert r.total_cost_seconds == pytest.approx(sum(costs), rel=1e-9)
    assert np.allclose(np.cumsum(costs), [e.total_cost_seconds for e in r.history])
    # the reward is the 12-epoch validation accuracy (the signal), never the test accuracy
    e = r.history[0]
    assert e.reward == pytest.approx(c10.val12[c10.row(e.arch)])
    # the final report: the 200-epoch test accuracy of the best-reward cell, as NB201Table.lookup gives it
    best = r.best
    assert best.reward == max(ev.reward for ev in r.history)
    assert p.final_accuracy(best) == pytest.approx(c10.lookup(best.arch, 200)["test_accuracy"])
    assert p.report_name == "test_accuracy_200ep"


def test_nb201_cifar100_reports_validation_mean_labelled():
    p = get_protocol("nb201-cifar100", budget=2_000)
    assert p.budget.cost_seconds == 2_000
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
    assert p.budget.evaluations == 25 and p.budget.cost_seconds is None
    r = _run(p, seed=3)
    assert len(r.history) == 25
    assert p.final_accuracy(r.best) == pytest.approx(r.best.metrics["test_accuracy"])
    assert protocol_from_json(p.to_json()) == p


def test_protocol_round_trip_and_budget_override():
    p = get_protocol("nb201-cifar10", budget=600)
    q = protocol_from_json(p.to_json())
    assert q.budget == p.budget and q.env_kwargs == p.env_kwargs and q.name == p.name


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match="nb201-cifar10"):
        get_protocol("nb201-cifar11")
    with pytest.raises(ValueError, match="nas_env/NB201-v0"):
        get_protocol("fixed:nas_env/Nope-v0")
    with pytest.raises(ValueError, match="positive integer"):
        get_protocol("fixed:nas_env/NB201-v0", budget=2.5)


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
    rec = RunRecord("random", 0, hist)
    hit = first_hit(rec, p.make_reporter(), top_fraction_threshold(acc, 0.001))
    assert hit is not None and hit.evaluations <= 3 and hit.seconds == hist[hit.evaluations - 1].total_cost_seconds
