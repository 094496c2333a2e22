"""How much search is allowed: :class:`Budget`, its JSON form and its one wording."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Budget", "BudgetExhausted"]


@dataclass(frozen=True)
class Budget:
    """A number of evaluations, a number of simulated (charged) seconds, or both.

    The search stops at whichever limit is reached first. With ``cost_seconds``, an
    evaluation that would push the total charged cost over the budget is *not counted*
    (it is dropped and the search ends), so the accounted cost never exceeds the budget
    (NAS-Bench-201's convention).

    ===================  =========================================================
    ``evaluations``      int > 0, or None: the number of evaluated architectures
    ``cost_seconds``     float > 0, or None: the total charged training seconds
                         (simulated for tables, measured for real training)
    ===================  =========================================================
    """

    evaluations: int | None = None
    cost_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.evaluations is None and self.cost_seconds is None:
            raise ValueError("a Budget needs evaluations, cost_seconds or both")
        if self.evaluations is not None and (isinstance(self.evaluations, bool) or int(self.evaluations) <= 0):
            raise ValueError(f"budget evaluations must be a positive integer, got {self.evaluations!r}")
        if self.cost_seconds is not None and not (float(self.cost_seconds) > 0 and math.isfinite(self.cost_seconds)):
            raise ValueError(f"budget cost_seconds must be a finite number > 0, got {self.cost_seconds!r}")

    @classmethod
    def of(cls, budget: Budget | int) -> Budget:
        """``budget`` itself, or a number of evaluations as a Budget."""
        return budget if isinstance(budget, Budget) else cls(evaluations=budget)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        """``{"evaluations": N or null, "cost_seconds": S or null}`` (run.json, summary.json, benchmark.json)."""
        return {"evaluations": self.evaluations, "cost_seconds": self.cost_seconds}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Budget:
        """The inverse of :meth:`to_json`."""
        return cls(evaluations=d.get("evaluations"), cost_seconds=d.get("cost_seconds"))

    @property
    def kind(self) -> tuple[bool, bool]:
        """Which limits are set: ``(evaluations, cost_seconds)``. A run can only be extended within its kind."""
        return (self.evaluations is not None, self.cost_seconds is not None)

    def describe(self) -> str:
        """The budget in words, e.g. ``"500 evaluations"`` or ``"100 evaluations or 12,000 simulated seconds,
        whichever is reached first"``."""
        parts = []
        if self.evaluations is not None:
            parts.append(f"{self.evaluations} evaluations")
        if self.cost_seconds is not None:
            parts.append(f"{self.cost_seconds:,.0f} simulated seconds")
        return " or ".join(parts) + (", whichever is reached first" if len(parts) == 2 else "")


class BudgetExhausted(Exception):
    """Raised by the tracker inside an agent's loop when the budget is spent."""
