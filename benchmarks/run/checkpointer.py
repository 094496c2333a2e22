"""When and how a run writes its search state to ``checkpoint.npz``, and how a resume reads it back.

The file is :mod:`nas_env.benchmarks.run.state_codec`'s: JSON and numeric arrays, read without running
anything from it. A new run writes :data:`START` before its first evaluation (no state yet: the history
lines that follow it are unseen and replayed), so a run directory with history lines and no checkpoint at
all has lost its checkpoint: :func:`read_checkpoint`'s caller refuses it rather than truncate the history.

Directories of earlier versions hold a pickled ``checkpoint.pkl`` instead, which is never loaded here:
:func:`refuse_legacy` names the one command that converts a directory its user trusts
(``nas-env convert DIR --trust-pickle``, :mod:`nas_env.benchmarks.run.convert`).
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nas_env.benchmarks.run.directory import RunDirError
from nas_env.benchmarks.run.files import atomic_write
from nas_env.benchmarks.run.state_codec import StateFormatError, decode, encode

__all__ = ["LEGACY_CHECKPOINT", "START", "Checkpointer", "is_start", "legacy_runs", "read_checkpoint",
           "refuse_legacy", "write_start"]

#: the pickled checkpoint of nas-env <= 0.1 (never unpickled but by ``nas-env convert DIR --trust-pickle``)
LEGACY_CHECKPOINT = "checkpoint.pkl"

#: the checkpoint of a run that has started but reached no consistent point yet
START: dict[str, Any] = {"num_evaluations": 0, "started": True}


class Checkpointer:
    """The ``checkpoint`` callable of :meth:`nas_env.agents.base.Agent.run` for a run directory.

    Writes the first and the final state always. In between, with ``interval_s > 0``, a state is
    written once at least ``max(interval_s, OVERHEAD x the last write's seconds)`` have passed since
    the last write, so checkpoints of a large state (a shared-weight evaluator's 12 MB: ~0.1 s each)
    take at most ~1/``OVERHEAD`` of the search; ``interval_s = 0`` writes at every consistent point.
    :meth:`due` tells the agent whether to build the state at all.

    Args:
        path: the checkpoint file (replaced atomically).
        interval_s: minimum wall seconds between intermediate checkpoints (>= 0).
        extra: called at each write; its items are added to the state (budget, store statistics).
    """

    OVERHEAD = 20

    def __init__(self, path: Path, interval_s: float, extra: Callable[[], dict[str, Any]] = dict):
        self.path, self.interval_s, self.extra = path, float(interval_s), extra
        self._last: float | None = None  # time.monotonic() of the last write
        self._cost = 0.0  # seconds the last write took

    def due(self) -> bool:
        """Whether an intermediate state offered now would be written."""
        if self._last is None or self.interval_s <= 0:
            return True
        return time.monotonic() - self._last >= max(self.interval_s, self.OVERHEAD * self._cost)

    def __call__(self, state: dict[str, Any]) -> None:
        if not state.get("final") and not self.due():
            return
        start = time.monotonic()
        atomic_write(self.path, encode({**state, **self.extra()}))
        self._last = time.monotonic()
        self._cost = self._last - start


def write_start(path: Path) -> None:
    """Write :data:`START` to ``path``: the run has started, and any history line after it is unseen."""
    atomic_write(path, encode(START))


def is_start(state: dict[str, Any]) -> bool:
    """Whether ``state`` is :data:`START` (no search state to resume from)."""
    return state == START


def read_checkpoint(path: Path) -> dict[str, Any] | None:
    """The checkpointed state at ``path``, ``None`` when there is no checkpoint file.

    Raises:
        RunDirError: the file does not load (one line: which file, and why).
    """
    if not path.exists():
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RunDirError(f"{path} is unreadable: {exc.strerror or exc}") from exc
    try:
        state = decode(data)
    except StateFormatError as exc:
        state, problem = None, str(exc)
    else:
        problem = _problem(state)
    if problem is not None:
        raise RunDirError(f"{path} is not a nas-env checkpoint: {problem}; restore it, or use another --out")
    return state


#: the items of a search state (Agent.run's checkpoint) and the types they must have
_STATE_KEYS: dict[str, tuple[type, str]] = {"num_evaluations": (int, "an int"), "rng": (dict, "a dict"),
                                             "env_rng": (dict, "a dict"), "agent": (dict, "a dict")}


def _problem(state: Any) -> str | None:
    """What is wrong with a loaded checkpoint (a hand-edited or foreign file), ``None`` when nothing."""
    if not isinstance(state, dict):
        return f"it holds a {type(state).__name__}, not a dict"
    if is_start(state):
        return None
    for key, (kind, described) in _STATE_KEYS.items():
        if key not in state:
            return f"field {key!r} is missing"
        value = state[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            return f"field {key!r} must be {described}, got {type(value).__name__}"
    if state["num_evaluations"] < 0:
        return f"field 'num_evaluations' must be >= 0, got {state['num_evaluations']}"
    return None


def legacy_runs(out: Path) -> list[Path]:
    """The run directories of ``out`` (a run directory, or a benchmark's ``runs/<agent>/seed<k>``) that hold
    an earlier version's pickled checkpoint."""
    out = Path(out)
    return [p for p in (out, *sorted(out.glob("runs/*/seed*"))) if os.path.lexists(p / LEGACY_CHECKPOINT)]


def refuse_legacy(out: Path) -> None:
    """Raise :class:`RunDirError` when ``out`` holds a pickled checkpoint (see the module docstring)."""
    found = legacy_runs(out)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise RunDirError(
            f"{found[0] / LEGACY_CHECKPOINT}{more} is an earlier nas-env's pickled checkpoint, which could run code "
            f"when loaded, so it is not read; if you trust {out}, convert it once with: "
            f"nas-env convert {shlex.quote(str(out))} --trust-pickle"
        )
