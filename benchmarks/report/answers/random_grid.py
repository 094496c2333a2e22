"""The exact expected cost of a grid search in random order until it evaluates a top-q architecture.

A grid in random order evaluates the N architectures of the table in a uniformly random order, without
replacement. With M of them in the top q (reported accuracy at or above the threshold), the number of
evaluations up to and including the first top-q one has expectation ``(N + 1) / (M + 1)`` (each of the N - M
others comes before all M top ones with probability 1 / (M + 1)); with per-architecture costs ``c``, the
expected simulated time is ``sum(c over the others) / (M + 1) + mean(c over the top ones)`` (the first top one
is uniform over them). Its median, the smallest n with P(first top one within n) >= 1/2, where
P(none in the first n) = prod_{i<n} (N - M - i) / (N - i), is what an agent's median over seeds is compared with
(a median with a median: the expectation of such a waiting time sits well above its median). Exact, computed
from the table; no simulation (issue 24, item 8).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["random_order_grid"]


def random_order_grid(reported: np.ndarray, threshold: float, costs: np.ndarray | None = None) -> dict[str, Any]:
    """Expected evaluations (and simulated seconds, given ``costs``) until a random-order grid over ``reported``
    (every architecture's reported accuracy) first evaluates one at or above ``threshold``."""
    top = np.asarray(reported, dtype=float) >= threshold
    n, m = int(top.size), int(top.sum())
    if m == 0:
        return {"architectures": n, "top": 0, "expected_evaluations": None, "median_evaluations": None,
                "expected_seconds": None}
    none_yet, median = 1.0, None
    for i in range(n - m + 1):  # P(no top architecture among the first i + 1 evaluations)
        none_yet *= (n - m - i) / (n - i)
        if none_yet <= 0.5:
            median = i + 1
            break
    out: dict[str, Any] = {"architectures": n, "top": m, "expected_evaluations": (n + 1) / (m + 1),
                           "median_evaluations": median, "expected_seconds": None}
    if costs is not None:
        c = np.asarray(costs, dtype=float)
        out["expected_seconds"] = float(c[~top].sum() / (m + 1) + c[top].mean())
    return out
