"""The score's references: random search simulated on a table, the table optimum (benchmarks/suite/reference.py)."""

from __future__ import annotations

import numpy as np
import pytest

from nas_env.benchmarks.suite.reference import reference_of, simulate_random_search
from nas_env.benchmarks.suite.tasks import TABLE_TASKS, task_protocol


def test_a_cost_budget_stops_before_the_crossing_evaluation():
    cost = np.full(4, 10.0)
    reward = reported = np.arange(4, dtype=float)
    _, n = simulate_random_search(reward, cost, reported, None, 25.0, draws=50, seed=0)
    assert set(n.tolist()) == {2}  # the third would reach 30 > 25: not counted, and the search ends
    _, n = simulate_random_search(reward, cost, reported, None, 30.0, draws=50, seed=0)
    assert set(n.tolist()) == {3}  # exactly at the budget counts


def test_an_evaluation_budget_and_the_expected_answer():
    # two cells; the better-rewarded one (reported 0.9) is found by 2 draws with probability 3/4:
    # E = 0.9 * 3/4 + 0.1 * 1/4 = 0.7
    answers, n = simulate_random_search(np.array([0.0, 1.0]), np.zeros(2), np.array([0.1, 0.9]), 2, None,
                                        draws=100_000, seed=1)
    assert set(n.tolist()) == {2}
    assert set(np.unique(answers).tolist()) == {0.1, 0.9}
    assert abs(answers.mean() - 0.7) < 0.005  # 100,000 draws: standard error 0.0013


def test_the_answer_is_the_best_reward_not_the_best_reported():
    answers, _ = simulate_random_search(np.array([1.0, 0.0]), np.zeros(2), np.array([0.2, 0.9]), 50, None,
                                        draws=100, seed=0)
    assert set(answers.tolist()) == {0.2}  # 50 draws always include cell 0, the best reward


def _task(name):
    return next(t for t in TABLE_TASKS if t.name == name)


def test_nb201_cifar10_reference():
    from nas_env.evaluators.nb201_table import NB201Table

    ref = reference_of(task_protocol(_task("nb201-cifar10")), draws=2000)
    acc = NB201Table("cifar10").reported_accuracy(200)[0]
    assert ref.optimum == acc.max() and ref.cells == 15_625
    # random search's expectation: 93.75 (NB201_DIFFERENCES: 93.75 over 20,000 simulated runs by the agent)
    assert ref.random_expected == pytest.approx(0.9375, abs=0.0005)
    assert 105 < ref.random_evaluations < 112  # ~109 evaluations of ~110 s fit 12,000 s


def test_latency_task_optimum_is_the_best_cell_within_the_limit():
    from nas_env.benchmarks.protocols.latency import LATENCY_LIMITS_MS
    from nas_env.evaluators.nb201_table import NB201Table

    ref = reference_of(task_protocol(_task("nb201-latency-fpga")), draws=200)
    t = NB201Table("cifar10")
    latency = t.latency_ms[:, t.latency_devices.index("fpga")]
    acc = t.reported_accuracy(200)[0]
    assert ref.optimum == acc[latency <= LATENCY_LIMITS_MS["fpga"]].max() < acc.max()
    assert t.latency_ms[t.row(ref.optimum_arch), t.latency_devices.index("fpga")] <= LATENCY_LIMITS_MS["fpga"]


def test_a_real_training_task_gets_no_reference_and_trains_nothing(tmp_path):
    from nas_env.benchmarks.suite.score import load_references
    from nas_env.benchmarks.suite.tasks import REAL_TASKS

    refs = load_references(tmp_path, REAL_TASKS, 1.0)
    assert refs == {t.name: "a real-training task: no table to take an optimum from" for t in REAL_TASKS}
    assert not (tmp_path / "references.json").exists()
