"""The report's fast paths give the same bits as their one-replicate / one-step definitions.

``build_report`` on 500 seeds x 5 agents took ~170 s; the analyses are now computed once per run, the
reporter memoises its table lookups, and the bootstraps are vectorised. Each test below compares a fast
path with the plain definition it replaced (written out here) with exact equality, NaN positions
included, and the last test checks that a report parses each architecture string once.
"""

from __future__ import annotations

import math
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

from nas_env.agents.history import Evaluation
from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.reported_accuracy import make_reporter
from nas_env.benchmarks.report import analysis, build_report, stats
from nas_env.benchmarks.report.stats import ratio_of_medians_ci
from nas_env.benchmarks.run.record import RunRecord


def _same(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))


# ----------------------------------------------------------------------------- definitions (the old code)
_ALPHA = (1.0 - 0.95) / 2.0
_PERCENTILES = [100 * _ALPHA, 100 * (1 - _ALPHA)]  # as stats computes them (not exactly 2.5 and 97.5)


def _poi_ci_definition(a, b, reps, seed):
    rng = np.random.default_rng(seed)
    boot = np.empty(reps)
    for r in range(reps):
        x, y = a[rng.integers(0, a.size, a.size)], b[rng.integers(0, b.size, b.size)]
        boot[r] = stats.probability_of_improvement(x, y)
    low, high = np.percentile(boot, _PERCENTILES)
    return stats.probability_of_improvement(a, b), float(low), float(high)


def _band_definition(v, statistic, reps, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v.shape[0], size=(reps, v.shape[0]))
    stat = (lambda a, axis: stats.iqm(a, axis=axis)) if statistic == "iqm" else (lambda a, axis: a.mean(axis=axis))
    boot = stat(v[idx], axis=1)
    low, high = np.percentile(boot, _PERCENTILES, axis=0)
    return stat(v, axis=0), low, high


def _difference_band_definition(a, b, reps, seed):
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, a.shape[0], size=(reps, a.shape[0]))
    ib = rng.integers(0, b.shape[0], size=(reps, b.shape[0]))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        boot = np.nanmean(a[ia], axis=1) - np.nanmean(b[ib], axis=1)
        low, high = np.nanpercentile(boot, _PERCENTILES, axis=0)
        return np.nanmean(a, axis=0) - np.nanmean(b, axis=0), low, high


def _topk_definition(history, k, n_max):
    out = np.full(n_max, np.nan)
    best: dict[str, float] = {}
    top: list[float] = []
    for i, e in enumerate(history[:n_max]):
        key = e.arch if e.arch is not None else f"invalid-{i}"
        if e.reward > best.get(key, -np.inf):
            best[key] = e.reward
            top = sorted(best.values(), reverse=True)[:k]
        if len(top) >= k:
            out[i] = float(np.mean(top))
    if history and len(history) < n_max:
        out[len(history):] = out[len(history) - 1]
    return out


def _ratio_definition(x, y, resample_y, reps, seed):
    def median(v):
        return float(np.percentile(v, 50, method="lower"))

    def ratio(a, b):
        return math.nan if math.isinf(a) or math.isinf(b) or b == 0 else a / b

    rng = np.random.default_rng(seed)
    ratios = np.empty(reps)
    for i in range(reps):
        xs = x[rng.integers(len(x), size=len(x))]
        ys = y[rng.integers(len(y), size=len(y))] if resample_y else y
        ratios[i] = ratio(median(xs), median(ys))
    ok = ratios[~np.isnan(ratios)]
    if ok.size < 0.95 * reps:
        return ratio(median(x), median(y)), math.nan, math.nan
    return ratio(median(x), median(y)), float(np.percentile(ok, 2.5, method="lower")), \
        float(np.percentile(ok, 97.5, method="higher"))


# ---------------------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("case", ["continuous", "ties", "unequal sizes", "nan", "inf", "signed zeros", "single"])
def test_probability_of_improvement_ci_is_the_per_replicate_definition(case):
    rng = np.random.default_rng(3)
    a, b = {
        "continuous": (rng.normal(size=60), rng.normal(0.2, 1, size=60)),
        "ties": (np.round(rng.normal(size=50), 1), np.round(rng.normal(size=50), 1)),
        "unequal sizes": (rng.integers(0, 5, 17).astype(float), rng.integers(0, 5, 41).astype(float)),
        "nan": (np.array([1.0, np.nan, 3.0, 2.0]), np.array([1.0, 2.0, 2.5])),
        "inf": (np.array([np.inf, 1.0, -np.inf]), np.array([np.inf, 2.0])),
        "signed zeros": (np.array([0.0, -0.0, 1.0]), np.array([-0.0, 2.0, 0.0])),
        "single": (np.array([1.0]), np.array([1.0])),
    }[case]
    with np.errstate(invalid="ignore"):
        got = stats.probability_of_improvement_ci(a, b, reps=300, seed=11)
        want = _poi_ci_definition(a, b, 300, 11)
    assert _same([got.value, got.low, got.high], want)


@pytest.mark.parametrize("statistic", ["iqm", "mean"])
@pytest.mark.parametrize("shape", [(40, 30), (9, 1), (25, 2), (1, 4), (200, 60)])
def test_bootstrap_band_is_the_all_at_once_definition(statistic, shape):
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    v = np.round(rng.normal(size=shape), 2)
    v[rng.random(shape) < 0.05] = np.nan
    got = stats.bootstrap_band(v, statistic, reps=400, seed=5)  # (200, 60): several chunks of replicates
    want = _band_definition(v, statistic, 400, 5)
    assert all(_same(g, w) for g, w in zip(got, want))


@pytest.mark.parametrize("shape", [(40, 30), (25, 1), (3, 2), (200, 60)])
def test_bootstrap_difference_band_is_the_nanmean_definition(shape):
    rng = np.random.default_rng(shape[1])
    a = np.round(rng.normal(size=shape), 2)
    b = np.round(rng.normal(size=(shape[0] + 3, shape[1])), 2)
    a[:, : shape[1] // 3] = np.nan  # undefined points (before k distinct architectures exist)
    b[rng.random(b.shape) < 0.2] = np.nan
    a[0, -1] = np.inf
    got = stats.bootstrap_difference_band(a, b, reps=400, seed=9)
    want = _difference_band_definition(a, b, 400, 9)
    assert all(_same(g, w) for g, w in zip(got, want))


def _evaluation(i: int, arch: str | None, reward: float, status: str = "ok") -> Evaluation:
    return Evaluation(i, arch, (0,), reward, {"status": status}, 10.0, 0.0, 10.0 * (i + 1), 0.0, reward)


def _random_history(rnd: random.Random, n: int) -> list[Evaluation]:
    archs = [f"cell{j}" for j in range(rnd.randint(1, 20))] + [None]
    special = [0.2, 0.2, 0.5, math.nan, -math.inf, 0.0, -0.0]
    return [_evaluation(i, rnd.choice(archs),
                        rnd.choice(special) if rnd.random() < 0.3 else round(rnd.random(), rnd.randint(1, 3)))
            for i in range(n)]


def test_topk_curve_is_the_sorted_recompute_definition():
    rnd = random.Random(0)
    for trial in range(200):
        history = _random_history(rnd, rnd.randint(0, 50))
        run = RunRecord(Path("."), {}, history)
        for k in (1, 2, 5, 15):
            for n_max in {max(1, len(history)), len(history) + 4, max(1, len(history) // 2)}:
                assert _same(analysis.topk_curve(run, k, n_max), _topk_definition(history, k, n_max)), (trial, k, n_max)


@pytest.mark.parametrize("resample_y", [True, False])
def test_ratio_of_medians_ci_is_the_per_replicate_definition(resample_y):
    rng = np.random.default_rng(1)
    for trial in range(25):
        x = rng.integers(1, 30, rng.integers(1, 25)).astype(float)
        y = rng.integers(0, 30, rng.integers(1, 25)).astype(float)
        x[rng.random(x.size) < 0.1] = np.inf  # never reached
        y[rng.random(y.size) < 0.1] = np.inf
        if trial % 10 == 0:
            x[0] = np.nan
        got = ratio_of_medians_ci(x, y, resample_y=resample_y, reps=200, seed=trial)
        assert _same(got, _ratio_definition(x, y, resample_y, 200, trial)), trial


def test_per_run_arrays_follow_the_history_and_copies_are_private():
    reporter = make_reporter("env")
    history = [_evaluation(0, "a", 0.5), _evaluation(1, "b", 0.7, status="error"), _evaluation(2, "c", 0.6)]
    for e, acc in zip(history, (0.51, 0.71, 0.61)):
        e.metrics["test_accuracy"] = acc
    run = RunRecord(Path("."), {}, history)
    acc = analysis.reported_accuracies(run, reporter)
    assert _same(acc, [0.51, np.nan, 0.61])
    acc[0] = 0.0  # the caller's copy: the next call is unaffected
    assert _same(analysis.reported_accuracies(run, reporter), [0.51, np.nan, 0.61])
    # the incumbent from evaluation 2 on is the failed one (reward 0.7): no reported accuracy
    assert _same(analysis.anytime_by_evaluations(run, reporter, 4), [0.51, np.nan, np.nan, np.nan])
    assert analysis.first_hit(run, reporter, 0.6) == analysis.Hit(3, 30.0)
    assert _same(analysis.topk_curve(run, 2, 3), [np.nan, np.mean([0.7, 0.5]), np.mean([0.7, 0.6])])
    run.history.append(_evaluation(3, "d", 0.9))  # a longer history: recomputed, not the cached arrays
    run.history[-1].metrics["test_accuracy"] = 0.91
    assert _same(analysis.reported_accuracies(run, reporter), [0.51, np.nan, 0.61, 0.91])
    assert _same(analysis.anytime_by_evaluations(run, reporter, 4), [0.51, np.nan, np.nan, 0.91])
    assert _same(analysis.topk_curve(run, 2, 4),
                 [np.nan, np.mean([0.7, 0.5]), np.mean([0.7, 0.6]), np.mean([0.9, 0.7])])
    run.history = run.history[:1]  # a replaced history list: recomputed too
    assert _same(analysis.reported_accuracies(run, reporter), [0.51])


def test_nb201_reporter_memo_keeps_status_and_values():
    reporter = make_reporter("nb201", "cifar10")
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    want = float(reporter.table()[reporter.row(arch)])
    assert reporter.accuracy(arch, {"status": "ok"}) == want == reporter.accuracy(arch, {})
    assert reporter.accuracy(arch, {"status": "error"}) is None
    assert reporter.accuracy(None, {"status": "ok"}) is None
    with pytest.raises(ValueError):
        reporter.accuracy("|not_an_op~0|", {"status": "ok"})


def test_a_report_parses_each_architecture_string_once(tmp_path):
    out = tmp_path / "bench"
    protocol = get_protocol("nb201-cifar10", budget=1_500)
    run_benchmark(protocol, ["random", "evolution"], [0, 1], out, workers=0, progress=False, command="pytest")
    reporter = protocol.make_reporter()  # the one build_report uses (cached): it may know some cells already
    parsed: list[str] = []
    row = reporter._row

    def counting_row(arch):
        parsed.append(arch)
        return row(arch)

    reporter._row = counting_row
    try:
        build_report(out)
    finally:
        reporter._row = row
    archs = {line.split('"arch": "')[1].split('"')[0] for p in out.glob("runs/*/seed*/history.jsonl")
             for line in p.read_text().splitlines()}
    assert len(parsed) == len(set(parsed)) and set(parsed) <= archs  # was ~7 parses per evaluation
