"""Every statistic of the reports (numpy; Welch's test uses scipy). Every bootstrap takes a ``seed`` and is
deterministic given it.

Following Agarwal et al., "Deep RL at the Edge of the Statistical Precipice" (NeurIPS 2021): the interquartile
mean (:func:`iqm`, robust to outlier seeds), percentile-bootstrap CIs with runs resampled within each stratum
(:func:`stratified_bootstrap_ci`, :func:`iqm_estimate`; bands of whole curves: :func:`bootstrap_band`) and the
probability of improvement (:func:`probability_of_improvement`, with a CI). Also: differences of means
(:func:`bootstrap_difference_band`, :func:`bootstrap_mean_difference_ci`), order statistics where ``inf`` is
'never reached' (:func:`lower_median`, :func:`median_quartiles`, :func:`ratio_of_medians_ci`), and Welch's test
of our mean against a published mean ± std (:func:`welch_test`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nas_env.validation import check_choice, check_int, check_real

__all__ = [
    "Estimate", "bootstrap_band", "bootstrap_difference_band", "bootstrap_mean_difference_ci", "iqm", "iqm_estimate",
    "lower_median", "mean_std", "median_quartiles", "probability_of_improvement", "probability_of_improvement_ci",
    "ratio_of_medians_ci", "stratified_bootstrap_ci", "welch_test",
]

Statistic = Callable[[np.ndarray], float]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval ``[low, high]``."""

    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "ci_low": self.low, "ci_high": self.high}


def _as_1d(x: Sequence[float] | np.ndarray, what: str = "scores") -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    if a.size == 0:
        raise ValueError(f"{what} must not be empty")
    return a


def mean_std(x: Sequence[float] | np.ndarray, ddof: int = 0) -> tuple[float, float]:
    """Mean and standard deviation (``ddof=0`` by default, as NAS-Bench-201's tables use ``np.std``)."""
    a = _as_1d(x)
    return float(a.mean()), float(a.std(ddof=ddof)) if a.size > ddof else float("nan")


def iqm(x: Sequence[float] | np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """Interquartile mean: mean after cutting ``floor(n / 4)`` of the sorted values from each end (as
    ``scipy.stats.trim_mean(x, 0.25)``).

    With ``axis=None`` the input is flattened and a float is returned; with an axis the trimmed mean is taken
    along it (used for whole curves at once).
    """
    a = np.asarray(x, dtype=float)
    scalar = axis is None
    if scalar:
        a, axis = a.ravel(), 0
    n = a.shape[axis]
    if n == 0:
        raise ValueError("iqm of an empty array")
    cut = n // 4
    out = np.take(np.sort(a, axis=axis), np.arange(cut, n - cut), axis=axis).mean(axis=axis)
    return float(out) if scalar else out


def _check_confidence(confidence: float) -> float:
    return check_real("confidence", confidence, low=0, high=1, low_open=True, high_open=True)


def _strata(scores: np.ndarray | Sequence[Sequence[float]]) -> list[np.ndarray]:
    """Scores as a list of 1-d strata: a 1-d array is one stratum; a 2-d array ``(runs, tasks)`` has one stratum
    per column; a list of arrays is taken as given (strata may differ in size)."""
    if isinstance(scores, np.ndarray):
        if scores.ndim == 1:
            return [_as_1d(scores)]
        if scores.ndim == 2:
            return [_as_1d(scores[:, j]) for j in range(scores.shape[1])]
        raise ValueError(f"scores must be 1-d or 2-d (runs x tasks), got shape {scores.shape}")
    seq = list(scores)
    if seq and np.ndim(seq[0]) == 0:
        return [_as_1d(seq)]
    return [_as_1d(s, "each stratum") for s in seq]


def stratified_bootstrap_ci(scores: np.ndarray | Sequence[Sequence[float]] | Sequence[float],
                            statistic: Statistic = iqm,  # type: ignore[assignment]
                            reps: int = 2000, confidence: float = 0.95, seed: int = 0) -> Estimate:
    """Percentile-bootstrap CI of ``statistic`` over all runs of all strata.

    Each replicate resamples, with replacement, the runs of every stratum separately (same size as the
    stratum) and applies ``statistic`` to all resampled runs pooled. The interval is the ``(1 - confidence) / 2``
    and ``(1 + confidence) / 2`` percentiles of the replicates; the point estimate is the statistic on the data.
    """
    _check_confidence(confidence)
    check_int("reps", reps)
    strata = _strata(scores)
    rng = np.random.default_rng(seed)
    point = float(statistic(np.concatenate(strata)))
    reps_values = np.array([statistic(np.concatenate([s[rng.integers(0, s.size, size=s.size)] for s in strata]))
                            for _ in range(reps)], dtype=float)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(reps_values, [100 * alpha, 100 * (1 - alpha)])
    return Estimate(point, float(low), float(high))


def iqm_estimate(scores: Sequence[float] | np.ndarray, reps: int = 2000, confidence: float = 0.95,
                 seed: int = 0) -> Estimate:
    """IQM with its stratified-bootstrap confidence interval (one stratum: the seeds)."""
    return stratified_bootstrap_ci(np.asarray(scores, dtype=float), iqm, reps, confidence, seed)  # type: ignore[arg-type]


def _chunks(reps: int, values_per_rep: int, budget: int = 1 << 20) -> list[slice]:
    """Slices of ``range(reps)`` holding about ``budget`` values each (at least one replicate). Every replicate
    is reduced on its own (the runs axis is not the innermost): the chunking changes the memory used, not a bit
    of the result."""
    step = max(1, budget // max(1, values_per_rep))
    return [slice(r, min(r + step, reps)) for r in range(0, reps, step)]


def bootstrap_band(values: np.ndarray, statistic: str = "iqm", reps: int = 1000, confidence: float = 0.95,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point estimate and percentile-bootstrap band of a curve over runs, at every point at once.

    ``values`` has shape ``(runs, points)``; runs are resampled (the same resample for every point, so the band
    is of whole curves). ``statistic`` is ``"iqm"`` or ``"mean"``. Returns ``(estimate, low, high)``, each
    ``(points,)``.
    """
    _check_confidence(confidence)
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[0] == 0:
        raise ValueError(f"values must have shape (runs, points) with runs >= 1, got {v.shape}")
    stat = {"iqm": iqm, "mean": np.mean}[check_choice("statistic", statistic, ("iqm", "mean"))]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v.shape[0], size=(reps, v.shape[0]))
    boot = np.empty((reps, v.shape[1]))  # (reps, points)
    for rows in _chunks(reps, v.size):  # a few replicates at a time stay in cache: same numbers, ~4x faster
        boot[rows] = stat(v[idx[rows]], axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(boot, [100 * alpha, 100 * (1 - alpha)], axis=0)
    return stat(v, axis=0), low, high


def probability_of_improvement(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """``P(X > Y) + 0.5 P(X = Y)`` over all pairs of a run of X and a run of Y (Mann-Whitney's U / (n m))."""
    a, b = _as_1d(x, "x"), _as_1d(y, "y")
    diff = a[:, None] - b[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def probability_of_improvement_ci(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, reps: int = 2000,
                                  confidence: float = 0.95, seed: int = 0) -> Estimate:
    """Probability of improvement of X over Y with a percentile-bootstrap CI (each replicate resamples X's runs
    and Y's runs independently: each agent is its own stratum)."""
    _check_confidence(confidence)
    a, b = _as_1d(x, "x"), _as_1d(y, "y")
    point = probability_of_improvement(a, b)
    ia, ib = _resample_indices(np.random.default_rng(seed), reps, a.size, b.size)
    boot = _resampled_probability_of_improvement(a, b, ia, ib)  # type: ignore[arg-type]
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(boot, [100 * alpha, 100 * (1 - alpha)])
    return Estimate(point, float(low), float(high))


def _resampled_probability_of_improvement(a: np.ndarray, b: np.ndarray, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """:func:`probability_of_improvement` of ``a[ia[r]]`` over ``b[ib[r]]`` for every row ``r``, the same floats.

    With finite scores the pair counts are taken from ranks in the pooled values (exact integers,
    ``O(reps * (n + m))`` instead of ``O(reps * n * m)``); otherwise row by row as defined.
    """
    reps = ia.shape[0]
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return np.array([probability_of_improvement(a[ia[r]], b[ib[r]]) for r in range(reps)])
    values = np.unique(np.concatenate([a, b]))
    ra, rb = np.searchsorted(values, a), np.searchsorted(values, b)  # rank of each score among the values
    u = values.size
    # per replicate, how many resampled y-runs have each value: (reps, u)
    flat = (np.arange(reps)[:, None] * u + rb[ib]).ravel()
    counts = np.bincount(flat, minlength=reps * u).reshape(reps, u)
    below = np.cumsum(counts, axis=1) - counts  # resampled y-runs strictly below each value
    rx = ra[ia]  # (reps, n): ranks of the resampled x-runs
    greater = np.take_along_axis(below, rx, axis=1).sum(axis=1)
    equal = np.take_along_axis(counts, rx, axis=1).sum(axis=1)
    size = ia.shape[1] * ib.shape[1]
    return np.array([float((int(g) + 0.5 * int(e)) / size) for g, e in zip(greater, equal)])


def bootstrap_difference_band(a: np.ndarray, b: np.ndarray, reps: int = 1000, confidence: float = 0.95,
                              seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of mean curves ``mean(a) - mean(b)`` over runs, with a percentile-bootstrap band.

    ``a`` is ``(runs_a, points)``, ``b`` is ``(runs_b, points)``; each replicate resamples the runs of ``a`` and
    of ``b`` independently (two strata). NaN entries (a curve not yet defined) are left out of the means.
    """
    _check_confidence(confidence)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or 0 in (a.shape[0], b.shape[0]):
        raise ValueError(f"a and b must be (runs, points) with the same points, got {a.shape} and {b.shape}")
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, a.shape[0], size=(reps, a.shape[0]))
    ib = rng.integers(0, b.shape[0], size=(reps, b.shape[0]))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 'mean of empty slice': undefined points stay NaN
        a0, b0 = np.where(np.isnan(a), 0.0, a), np.where(np.isnan(b), 0.0, b)
        na, nb = (~np.isnan(a)).astype(np.intp), (~np.isnan(b)).astype(np.intp)
        boot = np.empty((reps, a.shape[1]))
        for rows in _chunks(reps, max(a.size, b.size)):
            # np.nanmean's own steps (NaN -> 0, sum over runs, / count), without its copies of the resample
            boot[rows] = (a0[ia[rows]].sum(axis=1) / na[ia[rows]].sum(axis=1)
                          - b0[ib[rows]].sum(axis=1) / nb[ib[rows]].sum(axis=1))
        est = np.nanmean(a, axis=0) - np.nanmean(b, axis=0)
        alpha = (1.0 - confidence) / 2.0
        low, high = np.nanpercentile(boot, [100 * alpha, 100 * (1 - alpha)], axis=0)
    return est, low, high


def _resample_indices(rng: np.random.Generator, reps: int, n_x: int,
                      n_y: int | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Bootstrap indices of two samples drawn one replicate at a time (x's, then y's unless ``n_y`` is None):
    the draws of the one-replicate-at-a-time definitions, in their order (one call for all gives others)."""
    ix = np.empty((reps, n_x), dtype=np.int64)
    iy = None if n_y is None else np.empty((reps, n_y), dtype=np.int64)
    for r in range(reps):
        ix[r] = rng.integers(0, n_x, n_x)
        if iy is not None:
            iy[r] = rng.integers(0, n_y, n_y)
    return ix, iy


def bootstrap_mean_difference_ci(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray,
                                 reps: int = 2000, seed: int = 0) -> Estimate:
    """``mean(x) - mean(y)`` with a 95% percentile-bootstrap CI (each replicate resamples x's runs and y's)."""
    xa, ya = _as_1d(x, "x"), _as_1d(y, "y")
    ix, iy = _resample_indices(np.random.default_rng(seed), reps, xa.size, ya.size)
    diffs = np.array([xa[i].mean() - ya[j].mean() for i, j in zip(ix, iy)])  # type: ignore[arg-type]
    return Estimate(float(xa.mean() - ya.mean()), float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5)))


def lower_median(v: Sequence[float] | np.ndarray) -> float:
    """The lower median: an observed value, so well defined with ``inf`` for 'never reached'."""
    return float(np.percentile(v, 50, method="lower"))


def median_quartiles(values: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """(median, Q1, Q3) as observed values (``inf``, never reached, is censored: they stay valid); NaN if empty."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return math.nan, math.nan, math.nan
    q = np.percentile(v, [50, 25, 75], method="lower")
    return float(q[0]), float(q[1]), float(q[2])


def _ratio(a: float, b: float) -> float:
    """``a / b``; NaN (undefined) when either median is 'never reached' or ``b`` is 0."""
    return math.nan if math.isinf(a) or math.isinf(b) or b == 0 else a / b


def ratio_of_medians_ci(x: Sequence[float], y: Sequence[float], resample_y: bool = True, reps: int = 2000,
                        seed: int = 0) -> tuple[float, float, float]:
    """``median(x) / median(y)`` (lower medians) and a percentile-bootstrap 95% CI (seeds resampled;
    ``y`` only if ``resample_y``: a deterministic reference is one fixed number). The ratio is NaN when a
    median is +inf ('never reached'); the CI is NaN when that happens in more than 5% of the resamples."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    value = _ratio(lower_median(xa), lower_median(ya))
    xi, yi = _resample_indices(np.random.default_rng(seed), reps, len(xa), len(ya) if resample_y else None)
    if np.isnan(xa).any() or np.isnan(ya).any():
        ratios = np.array([_ratio(lower_median(xa[xi[i]]), lower_median(ya if yi is None else ya[yi[i]]))
                           for i in range(reps)])
    else:  # all replicates at once: the lower median is the ((n - 1) // 2)-th smallest
        mx = np.sort(xa[xi], axis=1)[:, (len(xa) - 1) // 2]
        my = np.full(reps, lower_median(ya)) if yi is None else np.sort(ya[yi], axis=1)[:, (len(ya) - 1) // 2]
        with np.errstate(all="ignore"):
            ratios = np.where(np.isinf(mx) | np.isinf(my) | (my == 0), np.nan, mx / my)
    ok = ratios[~np.isnan(ratios)]
    if ok.size < 0.95 * reps:  # in over 5% of resamples a median is 'never reached': no 95% interval
        return value, math.nan, math.nan
    return value, float(np.percentile(ok, 2.5, method="lower")), float(np.percentile(ok, 97.5, method="higher"))


def welch_test(mean_a: float, std_a: float, n_a: int, mean_b: float, std_b: float, n_b: int) -> float:
    """Two-sided p-value of Welch's unequal-variance t-test of two means given as summary statistics
    (``std`` with ``ddof=1``): how we compare our runs with a published mean ± std over ``n`` runs."""
    from scipy import stats

    if n_a < 2 or n_b < 2:
        raise ValueError(f"Welch's test needs at least 2 runs per side, got {n_a} and {n_b}")
    return float(stats.ttest_ind_from_stats(mean_a, std_a, n_a, mean_b, std_b, n_b, equal_var=False).pvalue)
