"""Callbacks of a search run, each ``cb(evaluation, tracker)``: progress bar, TensorBoard.

The callback that persists each evaluation is ``history.jsonl``'s owner, :class:`nas_env.agents.history.HistoryWriter`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nas_env.agents.base import Agent
from nas_env.agents.budget import Budget
from nas_env.agents.history import Evaluation
from nas_env.agents.tracker import SearchTracker

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


class TensorBoardLogger:
    """Logs reward and best-so-far per evaluation, and a policy-learning agent's per-update diagnostics."""

    def __init__(self, log_dir: Path | str, agent: Agent):
        try:
            import tensorboard  # noqa: F401
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ValueError(f"--tensorboard needs the tensorboard package: pip install tensorboard ({exc})") from exc
        self.writer: Any = SummaryWriter(log_dir=str(log_dir))
        self.agent = agent
        self._logged = 0

    def __call__(self, ev: Evaluation, tracker: SearchTracker) -> None:
        self.writer.add_scalar("search/reward", ev.reward, ev.index)
        self.writer.add_scalar("search/best_reward", ev.best_reward, ev.index)
        diag = self.agent.diagnostics
        if diag is not None:
            for log in diag.updates[self._logged:]:
                self.writer.add_scalar("policy/entropy_per_token", log.entropy_per_token, log.evaluations)
                self.writer.add_scalar("policy/baseline", log.baseline, log.evaluations)
                self.writer.add_scalar("policy/mean_reward", log.mean_reward, log.evaluations)
            self._logged = len(diag)

    def close(self) -> None:
        self.writer.close()
