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


#: NAS-Bench-201 (Dong & Yang, ICLR 2020, Table 5), CIFAR-10 test accuracy, 500 runs, 12,000 s.
PUBLISHED_NB201_CIFAR10: tuple[PublishedResult, ...] = (
    PublishedResult("REA", 93.92, 0.30, "NAS-Bench-201 (ICLR 2020), 500 runs"),
    PublishedResult("REINFORCE", 93.85, 0.37, "NAS-Bench-201 (ICLR 2020), 500 runs"),
    PublishedResult("RS", 93.70, 0.36, "NAS-Bench-201 (ICLR 2020), 500 runs"),
    PublishedResult("BOHB", 93.61, 0.52, "NAS-Bench-201 (ICLR 2020), 500 runs"),
    PublishedResult("best in space", 94.37, None, "NAS-Bench-201 (ICLR 2020)"),
)
