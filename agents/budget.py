"""How much search is allowed: :class:`Budget`, its one constructor from plain data, its JSON form and its one
wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nas_env.validation import check_choice, check_int, check_real

__all__ = ["EVALUATIONS_UNIT", "SECONDS_UNIT", "Budget", "BudgetExhausted"]

#: the two units a budget is counted in (``nas-env benchmark --budget`` takes a number in its protocol's unit)
EVALUATIONS_UNIT, SECONDS_UNIT = "evaluations", "simulated seconds"


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
        check_int(f"budget evaluations ({EVALUATIONS_UNIT})", self.evaluations, optional=True)
        check_real(f"budget cost_seconds ({SECONDS_UNIT})", self.cost_seconds, low=0, low_open=True, optional=True)

    @classmethod
    def from_value(cls, value: Budget | Mapping[str, Any] | float, unit: str = EVALUATIONS_UNIT,
                   name: str | None = None) -> Budget:
        """A Budget from plain data: the one way a budget arrives (the Python API, JSON, the CLI, a protocol).

        ``value`` is a Budget (returned as it is), a mapping ``{"evaluations": N or None, "cost_seconds": S or
        None}`` (:meth:`to_json`'s form), or a number in ``unit``: ``"evaluations"`` (an int >= 1; an integral
        float such as ``5.0`` too) or ``"simulated seconds"`` (a finite number > 0, stored as a float).
        A bad value raises ``ValueError`` naming it, the unit and what is valid; ``name`` is what the message
        calls it (default ``"budget in <unit>"``).
        """
        if isinstance(value, Budget):
            return value
        if isinstance(value, Mapping):
            return cls(evaluations=value.get("evaluations"), cost_seconds=value.get("cost_seconds"))
        check_choice("budget unit", unit, (EVALUATIONS_UNIT, SECONDS_UNIT))
        name = f"budget in {unit}" if name is None else name
        if unit == SECONDS_UNIT:
            return cls(cost_seconds=check_real(name, value, low=0, low_open=True))
        integral = isinstance(value, float) and value.is_integer()
        return cls(evaluations=check_int(name, int(value) if integral else value))

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        """``{"evaluations": N or null, "cost_seconds": S or null}`` (run.json, summary.json, benchmark.json);
        :meth:`from_value` reads it back."""
        return {"evaluations": self.evaluations, "cost_seconds": self.cost_seconds}

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
