"""The evaluator interface: an architecture (+ fidelity, seed) -> a metrics dict with a status.

Every reward backend (table lookup, real training, synthetic function, a user's
callable) implements :class:`Evaluator`. Metrics are a plain ``dict`` so they
travel through ``info``, JSON and SQLite unchanged. The metric contract
(:mod:`nas_env.evaluators.contract`; :func:`make_metrics` fills every standard key):

=================  ========  ==============================================================
key                required  type and unit
=================  ========  ==============================================================
``status``         yes       ``"ok"`` or a failure: ``"failed"``, ``"timeout"``,
                             ``"diverged"``, ``"invalid"``
``val_accuracy``   yes       validation accuracy, a fraction in [0, 1] (the search
                             signal) when ``"ok"``; ``None`` on failure
``test_accuracy``  no        test accuracy, a fraction in [0, 1], or ``None``;
                             reported, never used as reward
``cost_seconds``   no        cost in seconds >= 0: simulated training time for tables,
                             measured seconds for real training (default 0)
``params``         no        number of parameters, a non-negative **integer** (an
                             integral float is accepted; ``1.5`` is an error), or ``None``
``error``          no        error text (``str``) for failures, else ``None``
any other key      no        an extra (``flops``, ``latency_ms`` ...), JSON-able
=================  ========  ==============================================================

Accuracies are fractions, never percentages. A child that fails is a result
(``status`` + ``error``), never an exception out of :meth:`Evaluator.evaluate`.
Metrics that break the contract are a bug of the evaluator, not of the child:
:class:`NASEnv` raises :class:`~nas_env.evaluators.contract.MetricsError` (a
``ValueError``) naming the key, the value and what is valid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from nas_env.evaluators.contract import (
    FAILURE_STATUSES,
    STATUS_OK,
    STATUSES,
    MetricsError,
    check_count,
    check_fraction,
    check_metrics,
    check_seconds,
)
from nas_env.failures import machine_failure
from nas_env.validation import check_choice

__all__ = ["RENAMED_ARGUMENTS", "Evaluator", "as_generator", "failure_metrics", "machine_failure", "make_metrics",
           "reject_renamed", "user_metrics"]

#: evaluator arguments renamed since nas-env 0.1 (old -> new): the old name fails, naming the new one
RENAMED_ARGUMENTS: dict[str, str] = {"test_accuracy": "evaluate_test"}


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
    """Build a metrics dict with the standard keys first, then ``extra``.

    Raises:
        MetricsError: a value breaks the contract (:mod:`nas_env.evaluators.contract`): an
            accuracy outside [0, 1], a ``params`` that is not an integral count ...
    """
    check_choice("status", status, STATUSES)
    out: dict[str, Any] = {
        "status": status,
        "val_accuracy": check_fraction("val_accuracy", val_accuracy),
        "test_accuracy": check_fraction("test_accuracy", test_accuracy),
        "cost_seconds": check_seconds("cost_seconds", cost_seconds),
        "params": check_count("params", params),  # never int(): 1.5 (millions?) is an error, not 1
        "error": error,
    }
    out.update(extra)
    check_metrics(out)  # status 'ok' needs a val_accuracy; error is a str
    return out


def failure_metrics(status: str, error: str, *, cost_seconds: float = 0.0, **extra: Any) -> dict[str, Any]:
    """Metrics of a child that failed to build, diverged, timed out or was invalid."""
    check_choice("failure status", status, FAILURE_STATUSES)
    return make_metrics(None, status=status, error=error, cost_seconds=cost_seconds, **extra)


def user_metrics(value: Any, where: str) -> dict[str, Any]:
    """A user's accuracy or metrics dict (a table's entry, a callable's result) as full metrics.

    Raises:
        MetricsError: not a number or a dict with ``val_accuracy``, or a value that breaks the contract;
            the message starts with ``where``.
    """
    if isinstance(value, Mapping):
        if "val_accuracy" not in value:
            raise MetricsError(f"{where}: a metrics dict needs 'val_accuracy', got keys {sorted(value)}")
        extra = {k: v for k, v in value.items() if k not in ("val_accuracy", "status")}
        try:
            return make_metrics(value["val_accuracy"], status=value.get("status", "ok"), **extra)
        except ValueError as exc:
            raise MetricsError(f"{where}: {exc}") from exc
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return make_metrics(check_fraction("val_accuracy", value, where))
    raise MetricsError(f"{where}: expected a number or a metrics dict, got {type(value).__name__} {value!r}")


def reject_renamed(owner: str, given: Mapping[str, Any]) -> None:
    """Fail on keyword arguments ``owner`` does not take: ``ValueError`` naming the new name of a renamed one
    (:data:`RENAMED_ARGUMENTS`), else ``TypeError`` as Python's for any unexpected keyword."""
    for name in given:
        if name in RENAMED_ARGUMENTS:
            raise ValueError(f"{owner}: argument {name!r} was renamed {RENAMED_ARGUMENTS[name]!r}; "
                             f"use {RENAMED_ARGUMENTS[name]}={given[name]!r}")
    if given:
        raise TypeError(f"{owner}.__init__() got an unexpected keyword argument {next(iter(given))!r}")


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
        stateful: ``True`` for evaluators whose results depend on earlier evaluations (shared weights).
    """

    fidelities: tuple[Any, ...] | None = None
    default_fidelity: Any = None
    #: evaluations cost real compute (training): runners then store them (resume never retrains)
    #: and evaluate batches in worker processes by default. Table lookups leave it False.
    expensive: bool = False
    #: each evaluation changes the evaluator (shared weights): it runs in the search process only
    #: (executor "none"), and its ``state_dict()`` / ``load_state_dict()`` travel with the run's
    #: checkpoint, so a resume restores it (see nas_env.evaluators.image_shared)
    stateful: bool = False

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
