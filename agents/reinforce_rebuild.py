"""A finished REINFORCE run's compact state, and its controller rebuilt from the run's history.

The controller's weights, Adam's moments and the kept weight snapshots were 2.3-2.7 MB of a finished NB201 run's
2.4-2.8 MB directory, yet the history determines them: the controller starts from the search's seed, and update
``u`` is the policy-gradient step on the ``m`` evaluations before ``diagnostics[u].evaluations``.
:func:`finished_state` therefore keeps everything else (the sampling generator, baseline, diagnostics,
extras, when each snapshot was taken) and a SHA-256 digest of the controller's and the optimizer's state;
:func:`rebuild`, when such a run is continued with a larger budget, replays the updates by teacher-forcing
the recorded architectures through the controller (the very computation sampling did, so the same bits)
and checks the digest: the continuation is then exactly the uninterrupted run. A machine that rounds
differently (another CPU or torch version) rebuilds other bits: refused in one line, never continued
from a controller the run did not have.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import torch

from nas_env.agents.curriculum import with_layers
from nas_env.agents.diagnostics import ControllerDiagnostics
from nas_env.agents.history import Evaluation
from nas_env.agents.snapshots import SnapshotKeeper

__all__ = ["digest", "finished_state", "rebuild"]


def digest(*parts: Any) -> str:
    """SHA-256 of nested dicts, lists, tuples, tensors and scalars (tensors by dtype, shape and bytes)."""
    h = hashlib.sha256()

    def walk(obj: Any) -> None:
        if isinstance(obj, torch.Tensor):
            t = obj.detach().cpu().contiguous()
            h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        elif isinstance(obj, dict):
            h.update(b"{")
            for k, v in obj.items():
                h.update(repr(k).encode())
                walk(v)
            h.update(b"}")
        elif isinstance(obj, (list, tuple)):
            h.update(b"[")
            for v in obj:
                walk(v)
            h.update(b"]")
        else:
            h.update(repr(obj).encode())

    for part in parts:
        walk(part)
    return h.hexdigest()


def finished_state(state: dict[str, Any]) -> dict[str, Any]:
    """A REINFORCE ``state_dict`` without what :func:`rebuild` recomputes (see the module docstring)."""
    if "controller" not in state:
        return state
    kept = {k: v for k, v in state.items() if k not in ("controller", "optimizer")}
    kept["rebuild_digest"] = digest(state["controller"], state["optimizer"])
    return SnapshotKeeper.compact(kept)


def rebuild(agent: Any, space: Any, history: list[Evaluation], seed: int) -> None:
    """Restore ``agent`` (a ``Reinforce`` holding a :func:`finished_state` in ``_pending_state``) by replaying
    its updates on ``history`` from the controller ``seed`` makes.

    Raises:
        ValueError: the history does not hold the updates' batches, or the rebuilt state is not the saved one.
    """
    state, threads = agent._pending_state, torch.get_num_threads()
    if agent.config.torch_threads is not None:  # the updates replayed as they ran
        torch.set_num_threads(agent.config.torch_threads)
    try:
        _replay(agent, space, history, seed, state)
    finally:
        torch.set_num_threads(threads)


def _replay(agent: Any, space: Any, history: list[Evaluation], seed: int, state: dict[str, Any]) -> None:
    m = agent.config.m
    diagnostics = ControllerDiagnostics.from_json(state["diagnostics"])
    agent._setup(space, seed)
    agent.snapshots = SnapshotKeeper(agent.config.max_snapshots)
    full = space.config().get("num_layers")
    for log in diagnostics.updates:
        batch = history[log.evaluations - m:log.evaluations] if log.evaluations >= m else []
        if len(batch) != m:
            raise ValueError(f"update {log.update} was made after evaluation {log.evaluations}, but the history "
                             f"holds {len(history)} evaluations: it is not this run's")
        phase = space if log.num_layers is None or log.num_layers >= full else with_layers(space, log.num_layers)
        out = agent.controller.evaluate([e.tokens for e in batch], space=phase)
        agent._update(out, [e.reward for e in batch])
        agent.snapshots.offer(agent.updates, log.evaluations, agent.controller)
    rebuilt = digest({k: v for k, v in agent.controller.state_dict().items()}, agent.optimizer.state_dict())
    if (rebuilt != state["rebuild_digest"] or agent.updates != state["updates"] or agent.baseline != state["baseline"]
            or agent.snapshots.state_dict()["snapshot_every"] != state["snapshot_every"]):
        raise ValueError(
            "this finished run's controller is rebuilt from its history to continue it, and here the rebuilt "
            "controller differs from the one the run ended with (another CPU or torch version rounds differently); "
            "continue it on the machine that ran it, or start a new run in another --out"
        )
    agent.generator.set_state(state["generator"])
    agent.extras = copy.deepcopy(state["extras"])
    agent.diagnostics = diagnostics
