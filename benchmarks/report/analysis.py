"""Per-run quantities the report aggregates: anytime curves, top-k rewards, time to a top architecture.

Definitions (all per run; the report aggregates over seeds):

- **Incumbent** after ``n`` evaluations (or at simulated time ``t``): the
  architecture with the best *reward* among the evaluations so far (earliest on
  ties), as NAS-Bench-201 does. Its *reported* accuracy (the protocol's
  :class:`~benchmarks.harness.reporters.Reporter`) is the anytime curve. A run that
  ended earlier (time budgets give runs of different lengths) keeps its final
  incumbent.
- **Top-k average reward** (Zoph & Le's Figure 6): after ``n`` sampled
  architectures, the mean reward of the ``k`` best *distinct* architectures
  evaluated so far (a resampled architecture counts once); undefined until
  ``k`` distinct ones exist.
- **Top-q architecture** (``q`` = 1% or 0.1%): one whose reported accuracy in the
  protocol's table is at least the ``ceil(q * N)``-th largest reported accuracy of
  the ``N`` architectures of the space (ties included). On NB201-CIFAR-10
  that is the 157 (resp. 16) best cells by 200-epoch test accuracy. A run
  **finds** one at the first evaluation of such an architecture (whatever its
  reward); we record that evaluation's number (1-based) and the simulated
  time spent up to and including it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from benchmarks.harness.reporters import Reporter
from benchmarks.run.record import RunRecord

__all__ = [
    "Hit",
    "anytime_by_evaluations",
    "anytime_by_time",
    "first_hit",
    "incumbent_positions",
    "reported_accuracies",
    "top_fraction_threshold",
    "topk_curve",
]


def incumbent_positions(rewards: np.ndarray) -> np.ndarray:
    """Position of the best-reward evaluation (earliest on ties) after each evaluation."""
    pos = np.empty(len(rewards), dtype=np.int64)
    best, best_i = -np.inf, -1
    for i, r in enumerate(rewards):
        if r > best:
            best, best_i = r, i
        pos[i] = best_i
    return pos


def reported_accuracies(run: RunRecord, reporter: Reporter) -> np.ndarray:
    """Reported accuracy (fraction; NaN where there is none) of every evaluation of a run."""
    out = np.full(len(run.history), np.nan)
    for i, e in enumerate(run.history):
        acc = reporter.accuracy(e.arch, e.metrics)
        if acc is not None:
            out[i] = acc
    return out


def anytime_by_evaluations(run: RunRecord, reporter: Reporter, n_max: int) -> np.ndarray:
    """Reported accuracy of the incumbent after ``1..n_max`` evaluations (last value carried on)."""
    if not run.history:
        return np.full(n_max, np.nan)
    rewards = np.array([e.reward for e in run.history])
    acc = reported_accuracies(run, reporter)[incumbent_positions(rewards)]
    if len(acc) >= n_max:
        return acc[:n_max]
    return np.concatenate([acc, np.full(n_max - len(acc), acc[-1])])


def anytime_by_time(run: RunRecord, reporter: Reporter, grid_seconds: np.ndarray) -> np.ndarray:
    """Reported accuracy of the incumbent at each simulated time of ``grid_seconds`` (NaN before the first)."""
    if not run.history:
        return np.full(len(grid_seconds), np.nan)
    rewards = np.array([e.reward for e in run.history])
    acc = reported_accuracies(run, reporter)[incumbent_positions(rewards)]
    t = np.array([e.total_cost_seconds for e in run.history])
    k = np.searchsorted(t, grid_seconds, side="right") - 1  # last evaluation finished by each time
    out = np.where(k >= 0, acc[np.clip(k, 0, None)], np.nan)
    return out


def topk_curve(run: RunRecord, k: int, n_max: int) -> np.ndarray:
    """Mean reward of the top-``k`` distinct architectures after ``1..n_max`` samples (NaN until k exist)."""
    out = np.full(n_max, np.nan)
    best: dict[str, float] = {}
    top: list[float] = []
    for i, e in enumerate(run.history[:n_max]):
        key = e.arch if e.arch is not None else f"invalid-{i}"
        if e.reward > best.get(key, -np.inf):
            best[key] = e.reward
            top = sorted(best.values(), reverse=True)[:k]
        if len(top) >= k:
            out[i] = float(np.mean(top))
    if run.history and len(run.history) < n_max:
        out[len(run.history):] = out[len(run.history) - 1]
    return out


def top_fraction_threshold(table: np.ndarray, fraction: float) -> float:
    """Reported accuracy of the ``ceil(fraction * N)``-th best architecture (NaNs ignored)."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    vals = np.sort(table[~np.isnan(table)])[::-1]
    n = max(1, math.ceil(fraction * len(vals)))
    return float(vals[n - 1])


@dataclass(frozen=True)
class Hit:
    """When a run first evaluated an architecture at or above a threshold."""

    evaluations: int  # 1-based number of the evaluation
    seconds: float  # simulated time up to and including it


def first_hit(run: RunRecord, reporter: Reporter, threshold: float) -> Hit | None:
    """The first evaluation whose reported accuracy is ``>= threshold``, or ``None`` if never."""
    acc = reported_accuracies(run, reporter)
    hits = np.flatnonzero(np.nan_to_num(acc, nan=-np.inf) >= threshold)
    if hits.size == 0:
        return None
    e = run.history[int(hits[0])]
    return Hit(int(hits[0]) + 1, float(e.total_cost_seconds))
