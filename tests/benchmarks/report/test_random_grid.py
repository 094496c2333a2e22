"""A grid in random order: its exact expected cost against every ordering of a small table (issue 24, item 8)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from nas_env.benchmarks.report.answers.random_grid import random_order_grid


def test_expectation_is_the_mean_over_every_order() -> None:
    acc = np.array([0.90, 0.95, 0.80, 0.97, 0.85, 0.96])
    cost = np.array([10.0, 20.0, 5.0, 40.0, 1.0, 7.0])
    thr = 0.955  # two top architectures: rows 3 and 5
    evals, secs = [], []
    for order in itertools.permutations(range(acc.size)):
        i = next(j for j, r in enumerate(order) if acc[r] >= thr)
        evals.append(i + 1)
        secs.append(cost[list(order[: i + 1])].sum())
    got = random_order_grid(acc, thr, cost)
    assert got["top"] == 2 and got["expected_evaluations"] == pytest.approx(np.mean(evals)) == 7 / 3
    cdf = [np.mean(np.array(evals) <= n) for n in range(1, acc.size + 1)]
    assert got["median_evaluations"] == 1 + next(i for i, c in enumerate(cdf) if c >= 0.5) == 2
    assert got["expected_seconds"] == pytest.approx(np.mean(secs))
    assert random_order_grid(acc, 0.99)["expected_evaluations"] is None


def test_the_report_answers_time_saved_vs_grid_per_agent(tmp_path) -> None:
    from nas_env.benchmarks.harness.runner import run_benchmark
    from nas_env.benchmarks.protocols import get_protocol
    from nas_env.benchmarks.report import build_report
    from nas_env.evaluators.nb201_table import NB201Table

    run_benchmark(get_protocol("nb201-cifar10", budget=1_500), ["random", "grid"], [0, 1], tmp_path, workers=0,
                  progress=False)
    text = build_report(tmp_path).read_text()
    top1 = json.loads((tmp_path / "aggregate.json").read_text())["answers"]["time_saved"]["fractions"]["top-1%"]
    table = NB201Table("cifar10")
    acc = table.test200
    m = int((acc >= top1["threshold_percent"] / 100 - 1e-12).sum())
    assert top1["random_order_grid"]["expected_evaluations"] == pytest.approx((len(acc) + 1) / (m + 1))
    assert f"(expectation (N + 1) / (M + 1) = {(len(acc) + 1) / (m + 1):.1f}, " in text
    none = np.cumprod([(len(acc) - m - i) / (len(acc) - i) for i in range(200)])
    assert top1["random_order_grid"]["median_evaluations"] == 1 + int(np.argmax(none <= 0.5))
    first = top1["first_evaluated"]["random"]
    line = next(x for x in text.splitlines() if x.startswith("- `random` "))
    if first["evaluations_median"] is None:  # not reached in most runs (JSON null): no saving to state
        assert line.startswith(f"- `random` evaluated a top-1% architecture in {first['found']} of 2 runs, too few")
    else:
        assert line.startswith("- `random` first evaluated a top-1% architecture after a median of")
    assert "- `grid` first evaluated" not in text  # grid is the reference, not a sentence of its own
