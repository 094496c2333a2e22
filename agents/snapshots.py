"""The controller snapshots REINFORCE keeps, and how it scores the best architecture under them.

Every ``every`` updates the controller's weights are kept (at most ``max_snapshots - 1``: when over, every
other one is dropped and ``every`` doubles). At the end of a search each kept controller, and the final one,
scores the best architecture found (``extras["snapshots"]``, a
:class:`~nas_env.agents.diagnostics.ControllerSnapshots`: the report's controller figures).

A finished run's checkpoint keeps no weights (:meth:`SnapshotKeeper.compact`), only when each snapshot was
taken: continuing the run rebuilds them from its history (:mod:`nas_env.agents.reinforce_rebuild`).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from nas_env.agents.diagnostics import ControllerSnapshots

__all__ = ["SnapshotKeeper"]

#: a kept snapshot: (update, evaluations done, controller weights or None once a finished run dropped them)
Snapshot = tuple[int, int, "dict[str, torch.Tensor] | None"]


class SnapshotKeeper:
    """The bounded list of controller snapshots of one search (see the module docstring)."""

    def __init__(self, max_snapshots: int):
        self.max_snapshots = max_snapshots
        self.every = 1
        self.kept: list[Snapshot] = []

    def offer(self, update: int, evaluations: int, controller: torch.nn.Module) -> None:
        """Keep a copy of ``controller`` after ``update`` when it is due; thin out by 2 when over the bound."""
        if update % self.every:
            return
        self.kept.append((update, evaluations, weights(controller)))
        if len(self.kept) > self.max_snapshots - 1:  # keep one slot for the final controller
            self.kept = self.kept[1::2]
            self.every *= 2

    def score(self, controller: Any, final: Snapshot, best: Any, space: Any) -> dict[str, Any]:
        """``extras["snapshots"]``: the best architecture (an ``Evaluation``) teacher-forced through every kept
        controller and ``final``."""
        decisions = space.decisions(best.tokens)
        out = ControllerSnapshots(best.arch, list(best.tokens), [d.name for d in decisions])
        probe = copy.deepcopy(controller)
        for upd, evals, state in [*self.kept, final]:
            if state is None:  # (a finished run's compact state, before its controller is rebuilt)
                continue
            probe.load_state_dict(state)
            with torch.no_grad():  # one teacher-forced pass gives both the log-probability and the per-decision probs
                scored = probe.evaluate([best.tokens], want_probs=True, space=space)
            lp = float(scored.log_prob[0])
            out.add(upd, evals, lp, float(np.exp(lp)), scored.probs[0])
        return out.to_json()

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        return {"snapshot_every": self.every,
                "snapshots": [(u, e, None if s is None else {k: v.clone() for k, v in s.items()})
                              for u, e, s in self.kept]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.every = int(state["snapshot_every"])
        self.kept = [(int(u), int(e), None if s is None else dict(s)) for u, e, s in state["snapshots"]]

    @staticmethod
    def compact(state: dict[str, Any]) -> dict[str, Any]:
        """``state`` (a :meth:`state_dict` inside an agent's) without the snapshots' weights."""
        return {**state, "snapshots": [(u, e, None) for u, e, _ in state["snapshots"]]}


def weights(controller: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of ``controller``'s ``state_dict``."""
    return {k: v.detach().clone() for k, v in controller.state_dict().items()}
