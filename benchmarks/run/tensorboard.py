"""``nas-env search --tensorboard DIR``: a search watched live in TensorBoard (``tensorboard --logdir DIR``).

=============================  ==================================================================================
tag                            what, at which step
=============================  ==================================================================================
``search/reward``              each evaluation's reward (step: evaluation index)
``search/best_reward``         the best reward so far
``search/top1``, ``top5``,     the mean reward of the k best distinct architectures so far (the paper's Figure 6),
``search/top15``               once k architectures succeeded
``search/status/<status>``     how many evaluations ended with each status so far (``ok``, ``failed``, ``timeout``,
                               ...): a search whose children start failing shows it at once
``policy/entropy_per_token``,  a policy-learning agent's per-update diagnostics (step: evaluations done at the
``policy/baseline``,           update)
``policy/mean_reward``
``policy/<decision>``          histogram: the policy's probability of each choice of that decision, teacher-forced
                               along the best architecture so far (step: evaluations done at the update); bucket
                               ``k`` is token ``k``
``policy/decision_probs``      image: the same as one picture, a row per decision, a column per choice (white: 1)
=============================  ==================================================================================

The policy is read from agents that expose it -- ``reinforce``'s LSTM controller
(``controller.decision_probs``) and ``reinforce-table``'s logit table (``policy.decision_probs``) -- at the
updates ``1, 2, ..., 100``, then every 2nd update up to 200 logged, every 4th after that and so on, so a
search of 10,000 updates writes a few hundred pictures.
"""

from __future__ import annotations

import bisect
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.agents.base import Agent
from nas_env.agents.history import Evaluation
from nas_env.agents.tracker import SearchTracker

__all__ = ["TOP_K", "TensorBoardLogger", "policy_probs"]

#: the top-k curves logged (Zoph & Le's Figure 6)
TOP_K = (1, 5, 15)
#: policy pictures logged at every update until this many, then at every 2nd, 4th, ... (doubling each time)
DENSE_UPDATES = 100
#: pixels per cell of the ``policy/decision_probs`` image
CELL = 12


def policy_probs(agent: Agent, tokens: tuple[int, ...]) -> list[list[float]] | None:
    """The agent's probability vector of each decision along ``tokens`` (teacher-forced), or ``None`` for an
    agent without a policy to read (or tokens its policy does not fit)."""
    try:
        controller = getattr(agent, "controller", None)
        if controller is not None and callable(getattr(controller, "decision_probs", None)):
            return [list(map(float, p)) for p in controller.decision_probs(tokens)]
        policy = getattr(agent, "policy", None)
        if policy is not None and callable(getattr(policy, "decision_probs", None)):
            return [list(map(float, p)) for p in policy.decision_probs(tokens)]
    except (ValueError, IndexError, RuntimeError):  # the tokens belong to another curriculum phase
        return None
    return None


def probs_image(probs: list[list[float]]) -> np.ndarray:
    """``[3, H, W]`` floats in [0, 1]: a row per decision, a column per choice, each cell ``CELL`` pixels; a
    choice a decision does not have is drawn dark red."""
    width = max(len(p) for p in probs)
    grid = np.zeros((3, len(probs), width), dtype=np.float32)
    grid[0] = 0.25  # cells past a decision's choices
    for i, p in enumerate(probs):
        grid[:, i, : len(p)] = np.asarray(p, dtype=np.float32)
    return np.kron(grid, np.ones((1, CELL, CELL), dtype=np.float32))


class TensorBoardLogger:
    """A search callback writing the tags of the module docstring; ``space`` names the decisions."""

    def __init__(self, log_dir: Path | str, agent: Agent, space: Any = None):
        try:
            import tensorboard  # noqa: F401
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ValueError(f"--tensorboard needs the tensorboard package: pip install tensorboard ({exc})") from exc
        self.writer: Any = SummaryWriter(log_dir=str(log_dir))
        self.agent, self.space = agent, space
        self._logged = 0
        self._pictures = 0
        self._best: dict[Any, float] = {}  # best reward of each distinct successful architecture
        self._sorted: list[float] = []  # those rewards, ascending
        self._status: Counter[str] = Counter()
        self._best_ev: Evaluation | None = None

    def __call__(self, ev: Evaluation, tracker: SearchTracker) -> None:
        w, step = self.writer, ev.index
        w.add_scalar("search/reward", ev.reward, step)
        w.add_scalar("search/best_reward", ev.best_reward, step)
        status = str(ev.metrics.get("status", "ok"))
        self._status[status] += 1
        for name, count in sorted(self._status.items()):
            w.add_scalar(f"search/status/{name}", count, step)
        if status == "ok":
            self._top_k(ev)
        if self._best_ev is None or ev.reward > self._best_ev.reward:
            self._best_ev = ev
        self._updates()

    def _updates(self) -> None:
        """The updates the agent made since the last call (an agent updates after recording its evaluations:
        the last update is written by :meth:`close`)."""
        w, diag = self.writer, self.agent.diagnostics
        if diag is None:
            return
        for log in diag.updates[self._logged:]:
            w.add_scalar("policy/entropy_per_token", log.entropy_per_token, log.evaluations)
            w.add_scalar("policy/baseline", log.baseline, log.evaluations)
            w.add_scalar("policy/mean_reward", log.mean_reward, log.evaluations)
        if len(diag) > self._logged:
            last = diag.updates[-1]
            if self._due(last.update):
                self._policy(last.evaluations)
        self._logged = len(diag)

    def _top_k(self, ev: Evaluation) -> None:
        key = ev.arch if ev.arch is not None else tuple(ev.tokens)
        old = self._best.get(key)
        if old is not None and old >= ev.reward:
            return
        if old is not None:
            del self._sorted[bisect.bisect_left(self._sorted, old)]
        self._best[key] = ev.reward
        bisect.insort(self._sorted, ev.reward)
        for k in TOP_K:
            if len(self._sorted) >= k:
                self.writer.add_scalar(f"search/top{k}", float(np.mean(self._sorted[-k:])), ev.index)

    def _due(self, update: int) -> bool:
        """Updates 1..DENSE_UPDATES, then every 2nd for the next DENSE_UPDATES pictures, every 4th, ..."""
        stride = 1 << max(0, self._pictures // DENSE_UPDATES)
        return update % stride == 0

    def _names(self, tokens: tuple[int, ...], n: int) -> list[str]:
        try:
            names = [d.name for d in self.space.decisions(tokens)]
            if len(names) == n:
                return names
        except Exception:  # noqa: BLE001 (no space, or a curriculum phase's tokens): positions instead
            pass
        return [f"decision_{i}" for i in range(n)]

    def _policy(self, step: int) -> None:
        if self._best_ev is None:
            return
        tokens = tuple(self._best_ev.tokens)
        probs = policy_probs(self.agent, tokens)
        if not probs:
            return
        self._pictures += 1
        for name, p in zip(self._names(tokens, len(probs)), probs):
            p = np.asarray(p, dtype=np.float64)
            k = np.arange(len(p), dtype=np.float64)
            self.writer.add_histogram_raw(f"policy/{name}", min=0.0, max=float(len(p) - 1), num=1.0,
                                          sum=float((k * p).sum()), sum_squares=float((k * k * p).sum()),
                                          bucket_limits=list(k + 0.5), bucket_counts=list(p), global_step=step)
        self.writer.add_image("policy/decision_probs", probs_image(probs), step)

    def close(self) -> None:
        self._updates()
        self.writer.close()
