"""The evaluator interface: an architecture (+ fidelity, seed) -> a metrics dict with a status.

Every reward backend (table lookup, real training, synthetic function, a user's
callable) implements :class:`Evaluator`. Metrics are a plain ``dict`` so they
travel through ``info``, JSON and SQLite unchanged. Keys every evaluator fills:

=================  =====================================================
key                meaning
=================  =====================================================
``status``         ``"ok"`` or a failure: ``"failed"``, ``"timeout"``,
                   ``"diverged"``, ``"invalid"``
``val_accuracy``   validation accuracy in [0, 1] (the search signal), or
                   ``None`` on failure
``test_accuracy``  test accuracy in [0, 1] where known, else ``None``;
                   reported, never used as reward
``cost_seconds``   cost of the evaluation: simulated training time for
                   tables, measured seconds for real training
``params``         number of parameters where known, else ``None``
``error``          error text for failures, else ``None``
=================  =====================================================

Accuracies are fractions, never percentages. A child that fails is a result
(``status`` + ``error``), never an exception out of :meth:`Evaluator.evaluate`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from typing import Any

import numpy as np

__all__ = [
    "Evaluator",
    "FAILURE_STATUSES",
    "STATUS_OK",
    "failure_metrics",
    "make_metrics",
    "as_generator",
]

STATUS_OK = "ok"
FAILURE_STATUSES = ("failed", "timeout", "diverged", "invalid")


def make_metrics(
    val_accuracy: float | None,
    *,
    test_accuracy: float | None = None,
    cost_seconds: float = 0.0,
    params: int | None = None,
    status: str = STATUS_OK,
    error: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build a metrics dict with the standard keys first, then ``extra``."""
    if status != STATUS_OK and status not in FAILURE_STATUSES:
        raise ValueError(f"unknown status {status!r}; valid: {[STATUS_OK, *FAILURE_STATUSES]}")
    out: dict[str, Any] = {
        "status": status,
        "val_accuracy": None if val_accuracy is None else float(val_accuracy),
        "test_accuracy": None if test_accuracy is None else float(test_accuracy),
        "cost_seconds": float(cost_seconds),
        "params": None if params is None else int(params),
        "error": error,
    }
    out.update(extra)
    return out


def failure_metrics(status: str, error: str, *, cost_seconds: float = 0.0, **extra: Any) -> dict[str, Any]:
    """Metrics of a child that failed to build, diverged, timed out or was invalid."""
    if status not in FAILURE_STATUSES:
        raise ValueError(f"failure status must be one of {list(FAILURE_STATUSES)}, got {status!r}")
    return make_metrics(None, status=status, error=error, cost_seconds=cost_seconds, **extra)


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Accept a seed or a Generator (the env passes its ``np_random``)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Evaluator(ABC):
    """Maps an architecture to metrics.

    Attributes:
        fidelities: the fidelities this evaluator accepts (e.g. epochs ``(12, 200)``),
            or ``None`` if it has no notion of fidelity.
        default_fidelity: used when ``evaluate`` gets ``fidelity=None``.
        expensive: ``True`` for evaluators that train (see the attribute's comment).
    """

    fidelities: tuple[Any, ...] | None = None
    default_fidelity: Any = None
    #: evaluations cost real compute (training): runners then store them (resume never retrains)
    #: and evaluate batches in worker processes by default. Table lookups leave it False.
    expensive: bool = False

    @abstractmethod
    def evaluate(
        self,
        arch: Hashable,
        *,
        fidelity: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> dict[str, Any]:
        """Evaluate one decoded architecture. Must not raise for a bad child: return a failure."""

    def config(self) -> dict[str, Any]:
        """Arguments that define this evaluator (part of every stored evaluation's key)."""
        return {"name": type(self).__name__}

    def check_fidelity(self, fidelity: Any) -> Any:
        """Return the fidelity to use, or raise naming the valid ones."""
        if fidelity is None:
            return self.default_fidelity
        if self.fidelities is not None and fidelity not in self.fidelities:
            raise ValueError(
                f"{type(self).__name__}: unknown fidelity {fidelity!r}; valid: {list(self.fidelities)}"
            )
        return fidelity
