"""An evaluator for user-supplied results computed by a plain callable; :func:`as_evaluator` accepts either kind."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from nas_env.evaluators.base import Evaluator, failure_metrics, user_metrics
from nas_env.evaluators.table import TableEvaluator
from nas_env.spaces.base import SearchSpace

__all__ = ["FunctionEvaluator", "as_evaluator"]


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
        return user_metrics(value, f"{self.name}({arch})")  # a broken metric contract is a bug: it raises

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
