"""An evaluator for user-supplied results: a lookup table (a dict from architectures to results)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from nas_env.evaluators.base import Evaluator, failure_metrics, user_metrics
from nas_env.spaces.base import SearchSpace

__all__ = ["TableEvaluator"]


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
            self._table[norm] = user_metrics(value, f"table entry {key!r}")

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        self.check_fidelity(fidelity)
        key = str(arch)
        row = self._table.get(key)  # keys were normalised to canonical strings (tuples too, given a space)
        if row is None:
            return failure_metrics("failed", f"architecture {key!r} is not in the table")
        return dict(row)

    def config(self) -> dict[str, Any]:
        return {"name": "TableEvaluator", "size": len(self._table)}
