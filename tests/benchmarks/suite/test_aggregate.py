"""The suite's aggregates on hand-computed examples (benchmarks/suite/aggregate.py)."""

from __future__ import annotations

import numpy as np
import pytest

from nas_env.benchmarks.suite import aggregate


def test_iqm_pools_every_run_of_every_task():
    # pooled 0..7: a quarter (2) cut from each end leaves 2, 3, 4, 5
    est = aggregate.aggregate_iqm([np.array([0.0, 1, 2, 3]), np.array([4.0, 5, 6, 7])], reps=50)
    assert est.value == 3.5


def test_iqm_bootstrap_resamples_within_each_task():
    # task A all 0, task B all 1: any resample within the tasks pools four 0s and four 1s -> IQM 0.5 exactly;
    # a resample of the pooled runs would move it
    est = aggregate.aggregate_iqm([np.zeros(4), np.ones(4)], reps=200, seed=3)
    assert (est.value, est.low, est.high) == (0.5, 0.5, 0.5)


def test_performance_profile_weighs_tasks_equally():
    a, b = np.array([0.0, 0.5, 1.0, 1.5]), np.array([0.2, 0.2])
    prof = aggregate.performance_profile([a, b], np.array([-1.0, 0.2, 0.4, 1.5]))
    # tau=-1: all; tau=0.2: A 3/4 (strictly above), B 0 -> 0.375; tau=0.4: the same; tau=1.5: none
    assert prof.tolist() == [1.0, 0.375, 0.375, 0.0]


def test_performance_profile_band_is_stratified():
    est, low, high = aggregate.performance_profile_band([np.zeros(3), np.ones(5)], np.array([0.5]), reps=100)
    assert (est[0], low[0], high[0]) == (0.5, 0.5, 0.5)


def test_probability_of_improvement_averages_tasks():
    # task A: pairs (1,0) win, (1,2) loss, (2,0) win, (2,2) tie -> 2.5 / 4; task B: 0 < 1 -> 0
    x, y = [np.array([1.0, 2.0]), np.array([0.0])], [np.array([0.0, 2.0]), np.array([1.0])]
    assert aggregate.probability_of_improvement(x, y) == 0.3125
    assert aggregate.probability_of_improvement(y, x) == 0.6875  # P(X>Y) + P(Y>X) = 1
    est = aggregate.probability_of_improvement_ci([np.ones(3)], [np.zeros(4)], reps=100)
    assert (est.value, est.low, est.high) == (1.0, 1.0, 1.0)


def test_probability_of_improvement_needs_the_same_tasks():
    with pytest.raises(ValueError, match="same tasks"):
        aggregate.probability_of_improvement([np.ones(2)], [np.ones(2), np.ones(2)])


def test_rank_rows_gives_ties_their_mean_rank():
    assert aggregate.rank_rows(np.array([[3.0, 1, 2], [1.0, 1, 0]])).tolist() == [[1, 3, 2], [1.5, 1.5, 3]]


def test_average_ranks_over_tasks_and_seeds():
    scores = {"a": [np.array([3.0, 1]), np.array([0.0])],
              "b": [np.array([1.0, 1]), np.array([5.0])],
              "c": [np.array([2.0, 0]), np.array([5.0])]}
    # cases (task 0 seed 0), (task 0 seed 1), (task 1 seed 0): a 1, 1.5, 3; b 3, 1.5, 1.5; c 2, 3, 1.5
    ranks = aggregate.average_ranks(scores)
    assert ranks == pytest.approx({"a": 5.5 / 3, "b": 2.0, "c": 6.5 / 3}, abs=1e-12)
    ci = aggregate.average_ranks_ci({"a": [np.ones(3)], "b": [np.zeros(3)]}, reps=50)
    assert (ci["a"].value, ci["a"].low, ci["a"].high, ci["b"].value) == (1.0, 1.0, 1.0, 2.0)


def test_average_ranks_need_the_same_seeds():
    with pytest.raises(ValueError, match="same seeds"):
        aggregate.average_ranks({"a": [np.ones(2)], "b": [np.ones(3)]})
