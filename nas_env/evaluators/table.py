"""Evaluators for user-supplied results: a lookup table (dict) or a plain callable."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

from nas_env.evaluators.base import Evaluator, failure_metrics, make_metrics
from nas_env.evaluators.contract import MetricsError, check_fraction
from nas_env.spaces.base import SearchSpace

__all__ = ["FunctionEvaluator", "TableEvaluator", "as_evaluator"]


def _to_metrics(value: Any, where: str) -> dict[str, Any]:
    """A user's accuracy or metrics dict as full metrics; :class:`MetricsError` names the bad key."""
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


class TableEvaluator(Evaluator):
    """Looks architectures up in a dict.

    Keys may be canonical strings (``str(arch)``), token tuples or architecture
    objects; values are a validation accuracy in [0, 1] or a metrics dict with at
    least ``val_accuracy`` (any other keys are reported too). An architecture
    missing from the table is a ``"failed"`` result naming it.
    """

    def __init__(self, table: Mapping[Any, Any], space: SearchSpace | None = None):
        if not table:
            raise ValueError("TableEvaluator needs a non-empty table")
        self.space = space
        self._table: dict[Any, dict[str, Any]] = {}
        for key, value in table.items():
            norm = str(key) if not isinstance(key, (tuple, str)) else key
            if isinstance(norm, tuple) and space is not None:
                norm = str(space.decode(norm))
            self._table[norm] = _to_metrics(value, f"table entry {key!r}")

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        self.check_fidelity(fidelity)
        key = str(arch)
        row = self._table.get(key)  # keys were normalised to canonical strings (tuples too, given a space)
        if row is None:
            return failure_metrics("failed", f"architecture {key!r} is not in the table")
        return dict(row)

    def config(self) -> dict[str, Any]:
        return {"name": "TableEvaluator", "size": len(self._table)}


class FunctionEvaluator(Evaluator):
    """Calls ``fn(arch)`` (or ``fn(arch, fidelity=..., seed=...)`` with ``pass_context=True``).

    ``fn`` returns a validation accuracy or a metrics dict. An exception inside
    ``fn`` is recorded as a ``"failed"`` result with its text, never raised. A
    result that breaks the metric contract (:mod:`nas_env.evaluators.contract`:
    a percentage for an accuracy, ``params`` in millions ...) is a bug of ``fn``,
    not of the child: :class:`MetricsError` is raised, naming the key. (Worker
    executors record any exception of ``evaluate`` as a ``"failed"`` child with
    its text instead.)
    """

    def __init__(self, fn: Callable[..., Any], pass_context: bool = False, name: str | None = None):
        if not callable(fn):
            raise ValueError(f"FunctionEvaluator needs a callable, got {fn!r}")
        self.fn = fn
        self.pass_context = pass_context
        self.name = name or getattr(fn, "__qualname__", type(fn).__name__)

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        try:
            value = self.fn(arch, fidelity=fidelity, seed=seed) if self.pass_context else self.fn(arch)
        except Exception as exc:  # a bad child is a result, not a crash
            return failure_metrics("failed", f"{type(exc).__name__}: {exc}")
        return _to_metrics(value, f"{self.name}({arch})")  # a broken metric contract is a bug: it raises

    def config(self) -> dict[str, Any]:
        return {"name": "FunctionEvaluator", "fn": self.name}


def as_evaluator(obj: Evaluator | Mapping[Any, Any] | Callable[..., Any], space: SearchSpace) -> Evaluator:
    """Accept an Evaluator, a table (dict) or a callable."""
    if isinstance(obj, Evaluator):
        return obj
    if isinstance(obj, Mapping):
        return TableEvaluator(obj, space)
    if callable(obj):
        return FunctionEvaluator(obj)
    raise ValueError(
        f"evaluator must be an Evaluator, a dict (arch -> accuracy or metrics) or a callable, got {obj!r}"
    )
