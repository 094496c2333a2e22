"""Callbacks of a search run, each ``cb(evaluation, tracker)``: progress bar, TensorBoard (its own module,
:mod:`nas_env.benchmarks.run.tensorboard`, re-exported here).

The callback that persists each evaluation is ``history.jsonl``'s owner, :class:`nas_env.agents.history.HistoryWriter`.
"""

from __future__ import annotations

import sys

from nas_env.agents.budget import Budget
from nas_env.agents.history import Evaluation
from nas_env.agents.tracker import SearchTracker
from nas_env.benchmarks.run.tensorboard import TensorBoardLogger

__all__ = ["ProgressBar", "TensorBoardLogger"]


class ProgressBar:
    """A tqdm bar on stderr over evaluations (or simulated hours for a cost budget), with the best reward."""

    def __init__(self, budget: Budget, history: list[Evaluation], desc: str):
        from tqdm.auto import tqdm

        self.by_cost = budget.evaluations is None
        if not self.by_cost:
            self.bar = tqdm(total=budget.evaluations, initial=len(history), desc=desc, file=sys.stderr,
                            unit="arch", dynamic_ncols=True)
        else:
            total_h = budget.cost_seconds / 3600.0  # type: ignore[operator]
            done_h = history[-1].total_cost_seconds / 3600.0 if history else 0.0
            self.bar = tqdm(total=round(total_h, 3), initial=round(done_h, 3), desc=desc, file=sys.stderr,
                            unit="sim-h", dynamic_ncols=True)

    def __call__(self, ev: Evaluation, tracker: SearchTracker) -> None:
        if self.by_cost:
            self.bar.update(ev.cost_seconds / 3600.0)
            self.bar.set_postfix(best=f"{ev.best_reward:.4f}", evals=ev.index + 1, refresh=False)
        else:
            self.bar.update(1)
            self.bar.set_postfix(best=f"{ev.best_reward:.4f}", refresh=False)

    def close(self) -> None:
        self.bar.close()
