"""What a policy-learning agent saves about its learning: typed records with a stable JSON form.

REINFORCE writes them (``SearchResult.extras["diagnostics"]`` and ``["snapshots"]``, saved as
``extras.json``); reports, TensorBoard logging and tutorials read them back with
:meth:`ControllerDiagnostics.from_extras` and :meth:`ControllerSnapshots.from_extras`. The JSON
form is a dict of equal-length columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["ControllerDiagnostics", "ControllerSnapshots", "UpdateLog"]


@dataclass(frozen=True)
class UpdateLog:
    """One policy update.

    =====================  =============================================================
    ``update``             1-based update number
    ``evaluations``        evaluations done when the update was made
    ``entropy_per_token``  the policy's entropy per token, mean over the update's batch
    ``baseline``           the reward baseline after the update
    ``mean_reward``        mean env reward of the update's batch
    ``num_layers``         layers of the curriculum phase (None without a curriculum)
    =====================  =============================================================
    """

    update: int
    evaluations: int
    entropy_per_token: float
    baseline: float
    mean_reward: float
    num_layers: int | None = None


_UPDATE_COLUMNS = tuple(f.name for f in fields(UpdateLog))


@dataclass
class ControllerDiagnostics:
    """The per-update log of a search (``extras["diagnostics"]``)."""

    updates: list[UpdateLog] = field(default_factory=list)

    def append(self, log: UpdateLog) -> None:
        self.updates.append(log)

    def __len__(self) -> int:
        return len(self.updates)

    def column(self, name: str) -> list[Any]:
        """One field over all updates, e.g. ``column("entropy_per_token")``."""
        if name not in _UPDATE_COLUMNS:
            raise KeyError(f"unknown diagnostics column {name!r}; valid: {list(_UPDATE_COLUMNS)}")
        return [getattr(u, name) for u in self.updates]

    def to_json(self) -> dict[str, list[Any]]:
        return {name: self.column(name) for name in _UPDATE_COLUMNS}

    @classmethod
    def from_json(cls, d: dict[str, list[Any]]) -> ControllerDiagnostics:
        n = len(d.get("update", []))
        cols = {name: list(d.get(name) or [None] * n) for name in _UPDATE_COLUMNS}
        return cls([UpdateLog(**{name: cols[name][i] for name in _UPDATE_COLUMNS}) for i in range(n)])

    @classmethod
    def from_extras(cls, extras: dict[str, Any] | None) -> ControllerDiagnostics | None:
        """The record in a run's extras, or ``None`` when the agent saved none."""
        d = (extras or {}).get("diagnostics")
        return cls.from_json(d) if d else None


@dataclass
class ControllerSnapshots:
    """How the controller's view of the final best architecture evolved (``extras["snapshots"]``).

    Per kept snapshot (the final controller last): ``update``, ``evaluations``, ``log_prob_best``
    and ``prob_best`` (what it assigns to the best architecture), ``decision_probs``
    (``[decision][choice]``, teacher-forced along the best architecture). Once: ``best_arch``,
    ``best_tokens``, ``decision_names``.
    """

    best_arch: str | None
    best_tokens: list[int]
    decision_names: list[str]
    update: list[int] = field(default_factory=list)
    evaluations: list[int] = field(default_factory=list)
    log_prob_best: list[float] = field(default_factory=list)
    prob_best: list[float] = field(default_factory=list)
    decision_probs: list[list[list[float]]] = field(default_factory=list)

    def add(self, update: int, evaluations: int, log_prob: float, prob: float,
            decision_probs: list[list[float]]) -> None:
        self.update.append(update)
        self.evaluations.append(evaluations)
        self.log_prob_best.append(log_prob)
        self.prob_best.append(prob)
        self.decision_probs.append(decision_probs)

    def to_json(self) -> dict[str, Any]:
        return {
            "update": self.update, "evaluations": self.evaluations, "log_prob_best": self.log_prob_best,
            "prob_best": self.prob_best, "decision_probs": self.decision_probs, "best_arch": self.best_arch,
            "best_tokens": self.best_tokens, "decision_names": self.decision_names,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ControllerSnapshots:
        return cls(**{f.name: d.get(f.name, [] if f.name != "best_arch" else None) for f in fields(cls)})

    @classmethod
    def from_extras(cls, extras: dict[str, Any] | None) -> ControllerSnapshots | None:
        d = (extras or {}).get("snapshots")
        return cls.from_json(d) if d else None
