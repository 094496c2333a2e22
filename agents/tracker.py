"""The accounting every search shares: :class:`SearchTracker`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from nas_env.agents.budget import Budget, BudgetExhausted
from nas_env.agents.history import Evaluation

__all__ = ["Callback", "SearchTracker"]

Callback = Callable[[Evaluation, "SearchTracker"], Any]


class SearchTracker:
    """Counts evaluations, cost and time; enforces the budget; calls callbacks.

    One tracker per search, made by :meth:`agents.Agent.run`. Callbacks are called with
    ``(evaluation, tracker)`` after every counted evaluation; a callback returning
    ``False`` stops the search. ``seed`` is the search's seed (see :meth:`agents.Agent.run`
    for how everything random derives from it).
    """

    def __init__(
        self,
        budget: Budget | int,
        callbacks: Iterable[Callback] = (),
        history: Sequence[Evaluation] = (),
        checkpoint_fn: Callable[[], Any] | None = None,
        seed: int = 0,
    ):
        self.budget = Budget.from_value(budget)
        self.callbacks = list(callbacks)
        self.history: list[Evaluation] = list(history)
        self.stopped = False
        self.checkpoint_fn = checkpoint_fn
        self.seed = seed
        self._wall_origin = time.perf_counter() - (self.history[-1].total_wall_seconds if self.history else 0.0)
        self._episode_start = time.perf_counter()

    # ---------------------------------------------------------------- status
    @property
    def num_evaluations(self) -> int:
        return len(self.history)

    @property
    def total_cost_seconds(self) -> float:
        return self.history[-1].total_cost_seconds if self.history else 0.0

    @property
    def best_reward(self) -> float:
        return self.history[-1].best_reward if self.history else float("-inf")

    @property
    def exhausted(self) -> bool:
        """The search is over: stopped (cost budget or a callback) or the evaluation budget is spent."""
        b = self.budget
        if self.stopped:
            return True
        return b.evaluations is not None and self.num_evaluations >= b.evaluations

    def checkpoint(self) -> None:
        """Agents call this where their state is consistent (between evaluations or updates).

        The runner sets ``checkpoint_fn`` to persist the agent's ``state_dict`` together
        with the RNG states and the number of evaluations; without it this is a no-op.
        """
        if self.checkpoint_fn is not None and not self.exhausted:
            self.checkpoint_fn()

    def remaining_evaluations(self) -> int | None:
        if self.budget.evaluations is None:
            return None
        return max(0, self.budget.evaluations - self.num_evaluations)

    def start_episode(self) -> None:
        """Mark the start of an episode (for its wall time)."""
        self._episode_start = time.perf_counter()

    # --------------------------------------------------------------- record
    def record(self, reward: float, info: dict[str, Any], wall_seconds: float | None = None) -> Evaluation | None:
        """Count one finished episode; returns ``None`` when it did not fit the budget.

        Raises :class:`BudgetExhausted` if called after the budget is spent.
        """
        if self.exhausted:
            raise BudgetExhausted(f"budget {self.budget.describe()} is spent")
        now = time.perf_counter()
        metrics = info.get("metrics", {})
        cost = float(metrics.get("cost_seconds") or 0.0)
        if self.budget.cost_seconds is not None and self.total_cost_seconds + cost > self.budget.cost_seconds:
            self.stopped = True
            return None
        wall = (now - self._episode_start) if wall_seconds is None else float(wall_seconds)
        ev = Evaluation(
            index=self.num_evaluations,
            arch=info.get("arch"),
            tokens=tuple(int(t) for t in info.get("tokens", ())),
            reward=float(reward),
            metrics=metrics,
            cost_seconds=cost,
            wall_seconds=wall,
            total_cost_seconds=self.total_cost_seconds + cost,
            total_wall_seconds=now - self._wall_origin,
            best_reward=max(self.best_reward, float(reward)),
        )
        self.history.append(ev)
        self._episode_start = time.perf_counter()
        for cb in self.callbacks:
            if cb(ev, self) is False:
                self.stopped = True
        return ev
