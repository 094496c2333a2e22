"""Per-run quantities the report aggregates: anytime curves, top-k rewards, time to a top architecture.

Definitions (all per run; the report aggregates over seeds):

- **Incumbent** after ``n`` evaluations (or at simulated time ``t``): the
  architecture with the best *reward* among the evaluations so far (earliest on
  ties), as NAS-Bench-201 does. Its *reported* accuracy (the protocol's
  :class:`~nas_env.benchmarks.protocols.reported_accuracy.Reporter`) is the anytime curve. A run that
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

import bisect
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from nas_env.benchmarks.protocols.reported_accuracy import Reporter
from nas_env.benchmarks.run.record import RunRecord
from nas_env.validation import check_real

__all__ = [
    "Hit",
    "anytime_by_evaluations",
    "anytime_by_time",
    "first_hit",
    "incumbent_accuracies",
    "incumbent_positions",
    "reported_accuracies",
    "rewards_of",
    "top_fraction_threshold",
    "topk_curve",
    "total_costs_of",
]


_T = TypeVar("_T")
#: per run (by ``id``), its derived arrays: ``{key: value}`` plus the history it was computed from
_CACHE: dict[int, tuple[int, int, dict[Any, Any]]] = {}


def _per_run(run: RunRecord, key: Any, compute: Callable[[], _T]) -> _T:
    """``compute()`` once per run and ``key`` (the report asks for the same arrays many times).

    Entries are dropped when the run is garbage-collected and recomputed when its history list is
    replaced or changes length (histories are appended to, never edited in place). Callers must not
    modify the returned arrays (they are read-only where they are arrays).
    """
    rid = id(run)
    entry = _CACHE.get(rid)
    if entry is None or entry[0] != id(run.history) or entry[1] != len(run.history):
        if entry is None:
            try:
                weakref.finalize(run, _CACHE.pop, rid, None)
            except TypeError:  # not weak-referenceable: no way to know when its id is reused
                return compute()
        entry = (id(run.history), len(run.history), {})
        _CACHE[rid] = entry
    values = entry[2]
    if key not in values:
        values[key] = compute()
    return values[key]


def _history_field(run: RunRecord, name: str) -> np.ndarray:
    """``Evaluation.<name>`` of every evaluation of a run, as a read-only array (cached per run)."""
    def compute() -> np.ndarray:
        a = np.array([getattr(e, name) for e in run.history])
        a.flags.writeable = False
        return a
    return _per_run(run, ("history_field", name), compute)


def rewards_of(run: RunRecord) -> np.ndarray:
    """The reward of every evaluation of a run (read-only, cached)."""
    return _history_field(run, "reward")


def incumbent_accuracies(run: RunRecord, reporter: Reporter) -> np.ndarray:
    """Reported accuracy of the incumbent after each evaluation of a run (read-only, cached)."""
    def compute() -> np.ndarray:
        a = _reported(run, reporter)[incumbent_positions(rewards_of(run))]
        a.flags.writeable = False
        return a
    return _per_run(run, ("incumbent_accuracies", reporter), compute)


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
    return _reported(run, reporter).copy()


def _reported(run: RunRecord, reporter: Reporter) -> np.ndarray:
    """:func:`reported_accuracies`, read-only and cached."""
    def compute() -> np.ndarray:
        out = np.full(len(run.history), np.nan)
        for i, e in enumerate(run.history):
            acc = reporter.accuracy(e.arch, e.metrics)
            if acc is not None:
                out[i] = acc
        out.flags.writeable = False
        return out
    return _per_run(run, ("reported_accuracies", reporter), compute)


def anytime_by_evaluations(run: RunRecord, reporter: Reporter, n_max: int) -> np.ndarray:
    """Reported accuracy of the incumbent after ``1..n_max`` evaluations (last value carried on)."""
    if not run.history:
        return np.full(n_max, np.nan)
    acc = incumbent_accuracies(run, reporter)
    if len(acc) >= n_max:
        return acc[:n_max].copy()
    return np.concatenate([acc, np.full(n_max - len(acc), acc[-1])])


def anytime_by_time(run: RunRecord, reporter: Reporter, grid_seconds: np.ndarray) -> np.ndarray:
    """Reported accuracy of the incumbent at each simulated time of ``grid_seconds`` (NaN before the first)."""
    if not run.history:
        return np.full(len(grid_seconds), np.nan)
    acc = incumbent_accuracies(run, reporter)
    t = total_costs_of(run)
    k = np.searchsorted(t, grid_seconds, side="right") - 1  # last evaluation finished by each time
    out = np.where(k >= 0, acc[np.clip(k, 0, None)], np.nan)
    return out


def total_costs_of(run: RunRecord) -> np.ndarray:
    """Simulated seconds charged up to and including each evaluation of a run (read-only, cached)."""
    return _history_field(run, "total_cost_seconds")


def topk_curve(run: RunRecord, k: int, n_max: int) -> np.ndarray:
    """Mean reward of the top-``k`` distinct architectures after ``1..n_max`` samples (NaN until k exist)."""
    full = _per_run(run, ("topk", k), lambda: _topk_full(run, k))
    out = np.full(n_max, np.nan)
    n = min(n_max, len(full))
    out[:n] = full[:n]
    if run.history and len(run.history) < n_max:
        out[len(run.history):] = out[len(run.history) - 1]
    return out


def _topk_full(run: RunRecord, k: int) -> np.ndarray:
    """:func:`topk_curve` over the whole run: the ``k`` best distinct rewards kept sorted and their mean
    taken (as ``np.mean`` of them, best first) only when they change."""
    out = np.full(len(run.history), np.nan)
    best: dict[str, float] = {}
    top: list[tuple[float, str]] = []  # (-reward, arch) ascending: the k best distinct rewards, best first
    in_top: set[str] = set()
    mean = math.nan
    for i, e in enumerate(run.history):
        key = e.arch if e.arch is not None else f"invalid-{i}"
        reward = e.reward
        prev = best.get(key, -np.inf)
        if reward > prev:
            best[key] = reward
            if key in in_top:
                top.remove((-prev, key))  # its reward rose: it stays among the k best
            elif len(top) >= k and not reward > -top[-1][0]:
                out[i] = mean  # the k best rewards are unchanged
                continue
            else:
                in_top.add(key)
            bisect.insort(top, (-reward, key))
            for _, dropped in top[k:]:
                in_top.discard(dropped)
            del top[k:]
            mean = float(np.mean([-r for r, _ in top]))
        if len(top) >= k:
            out[i] = mean
    out.flags.writeable = False
    return out


def top_fraction_threshold(table: np.ndarray, fraction: float) -> float:
    """Reported accuracy of the ``ceil(fraction * N)``-th best architecture (NaNs ignored)."""
    check_real("fraction", fraction, low=0, high=1, low_open=True)
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
    acc = _reported(run, reporter)
    hits = np.flatnonzero(np.nan_to_num(acc, nan=-np.inf) >= threshold)
    if hits.size == 0:
        return None
    e = run.history[int(hits[0])]
    return Hit(int(hits[0]) + 1, float(e.total_cost_seconds))
