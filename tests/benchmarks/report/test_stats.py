"""nas_env.benchmarks.report.stats against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from nas_env.benchmarks.report import stats


def test_iqm_hand_computed():
    # n = 8: cut floor(8/4) = 2 from each end of the sorted values -> mean(3, 4, 5, 6)
    assert stats.iqm([8, 1, 7, 2, 6, 3, 5, 4]) == pytest.approx(4.5)
    # outliers do not move it: sorted [0, 1, 2, 3, 100] -> cut 1 each end -> mean(1, 2, 3)
    assert stats.iqm([100, 2, 0, 3, 1]) == pytest.approx(2.0)
    # n < 4: nothing is cut
    assert stats.iqm([1, 2, 6]) == pytest.approx(3.0)


def test_iqm_matches_scipy_trim_mean():
    scipy_stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(0).normal(size=37)
    assert stats.iqm(x) == pytest.approx(scipy_stats.trim_mean(x, 0.25))


def test_iqm_along_axis():
    v = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    np.testing.assert_allclose(stats.iqm(v, axis=0), [2.5, 25.0])


def test_mean_std_population():
    m, s = stats.mean_std([1.0, 3.0])
    assert (m, s) == (2.0, 1.0)  # np.std, ddof=0


def test_probability_of_improvement_known_samples():
    # pairs: 3>1,3>2 ; 2>1, 2=2 (half) ; 1=1 (half), 1<2 -> (2 + 1.5 + 0.5) / 6
    assert stats.probability_of_improvement([3, 2, 1], [1, 2]) == pytest.approx(4 / 6)
    assert stats.probability_of_improvement([5, 6], [1, 2]) == 1.0
    assert stats.probability_of_improvement([1, 2], [5, 6]) == 0.0
    assert stats.probability_of_improvement([1, 1], [1, 1]) == 0.5
    x, y = [0.3, 0.9, 0.5], [0.4, 0.1]
    assert stats.probability_of_improvement(x, y) + stats.probability_of_improvement(y, x) == pytest.approx(1.0)


def test_probability_of_improvement_matches_mann_whitney():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 5, 15).astype(float), rng.integers(0, 5, 12).astype(float)
    u = scipy_stats.mannwhitneyu(x, y).statistic
    assert stats.probability_of_improvement(x, y) == pytest.approx(u / (len(x) * len(y)))


def test_bootstrap_ci_contains_estimate_and_is_deterministic():
    x = np.random.default_rng(2).normal(93.8, 0.3, size=20)
    a = stats.iqm_estimate(x, reps=500, seed=7)
    b = stats.iqm_estimate(x, reps=500, seed=7)
    c = stats.iqm_estimate(x, reps=500, seed=8)
    assert a == b
    assert a.low <= a.value <= a.high
    assert a.value == pytest.approx(stats.iqm(x))
    assert (c.low, c.high) != (a.low, a.high)
    pi = stats.probability_of_improvement_ci(x, x - 0.1, reps=300, seed=3)
    assert pi == stats.probability_of_improvement_ci(x, x - 0.1, reps=300, seed=3)
    assert pi.low <= pi.value <= pi.high


def test_stratified_bootstrap_keeps_strata():
    # two strata with very different levels: a pooled (unstratified) bootstrap could draw only
    # one of them; stratified replicates always hold 2 of each, so the mean stays at 50.5 exactly
    scores = np.array([[1.0, 100.0], [1.0, 100.0]])
    est = stats.stratified_bootstrap_ci(scores, lambda v: float(np.mean(v)), reps=200, seed=0)
    assert est.value == est.low == est.high == pytest.approx(50.5)


def test_bootstrap_band_shapes_and_constant_curves():
    v = np.tile(np.array([1.0, 2.0, 3.0]), (6, 1))
    est, lo, hi = stats.bootstrap_band(v, "iqm", reps=100, seed=0)
    np.testing.assert_allclose(est, [1, 2, 3])
    np.testing.assert_allclose(lo, est)
    np.testing.assert_allclose(hi, est)
    d, dlo, dhi = stats.bootstrap_difference_band(v + 1.0, v, reps=50, seed=0)
    np.testing.assert_allclose(d, 1.0)
    np.testing.assert_allclose(dlo, 1.0)


def test_errors_name_bad_values():
    with pytest.raises(ValueError, match="confidence"):
        stats.iqm_estimate([1.0, 2.0], confidence=1.5)
    with pytest.raises(ValueError, match=r"unknown statistic 'median'; valid: \['iqm', 'mean'\]"):
        stats.bootstrap_band(np.ones((2, 2)), "median")
    with pytest.raises(ValueError, match="empty"):
        stats.probability_of_improvement([], [1.0])


def test_welch_p_values_of_the_issue_table():
    # issue 12's table: 100 seeds of ours against NAS-Bench-201's 500 runs
    assert stats.welch_test(93.77, 0.27, 100, 93.70, 0.36, 500) == pytest.approx(0.0272, abs=5e-4)
    assert stats.welch_test(93.98, 0.29, 100, 93.85, 0.37, 500) == pytest.approx(1.42e-4, rel=0.02)
    # hand-computed: t = 0.05 / sqrt(0.43^2/100 + 0.30^2/500) = 1.110, Welch df = 118.99 -> p = 0.269
    assert stats.welch_test(93.97, 0.43, 100, 93.92, 0.30, 500) == pytest.approx(0.269, abs=1e-3)
    assert stats.welch_test(1.0, 0.1, 10, 1.0, 0.2, 10) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 2 runs per side, got 1 and 500"):
        stats.welch_test(93.0, 0.3, 1, 93.7, 0.36, 500)
