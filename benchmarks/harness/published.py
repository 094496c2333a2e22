"""Published numbers a benchmark report prints next to ours (accuracy in percent)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PUBLISHED_NB201_CIFAR10", "PublishedResult"]


@dataclass(frozen=True)
class PublishedResult:
    """A published number to show next to ours (accuracy in percent)."""

    method: str
    mean: float
    std: float | None
    source: str
    agent: str | None = None
    """The agent (or agent spec) that runs the published algorithm with its published settings under
    the protocol, i.e. the row this number is compared with (None: no such row)."""
    runs: int | None = None
    """How many runs the published mean and std are over (Welch's test against our rows needs it)."""


#: NAS-Bench-201 (Dong & Yang, ICLR 2020, Table 5), CIFAR-10 test accuracy, 500 runs, 12,000 s. ``agent``:
#: REA = ``evolution`` with ``variant="nb201"``, P=10, S=3 (R-EA.sh); REINFORCE = ``reinforce-table`` at
#: lr 0.001, EMA momentum 0.9 (REINFORCE.sh); RS = ``random`` (the nb201 protocols set these settings).
PUBLISHED_NB201_CIFAR10: tuple[PublishedResult, ...] = (
    PublishedResult("REA", 93.92, 0.30, "NAS-Bench-201 (ICLR 2020), 500 runs", agent="evolution", runs=500),
    PublishedResult("REINFORCE", 93.85, 0.37, "NAS-Bench-201 (ICLR 2020), 500 runs", agent="reinforce-table", runs=500),
    PublishedResult("RS", 93.70, 0.36, "NAS-Bench-201 (ICLR 2020), 500 runs", agent="random", runs=500),
    PublishedResult("BOHB", 93.61, 0.52, "NAS-Bench-201 (ICLR 2020), 500 runs", runs=500),
    PublishedResult("best in space", 94.37, None, "NAS-Bench-201 (ICLR 2020)"),
)
