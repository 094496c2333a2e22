"""The search history: :class:`Evaluation` records, :class:`SearchResult`, and ``history.jsonl``'s one owner.

``history.jsonl`` holds one :meth:`Evaluation.to_json` object per line (:meth:`Evaluation.to_line`),
appended and flushed by :class:`HistoryWriter` the moment an evaluation is recorded, and read back by
:func:`read_history`. The rule for a line that does not parse: the **last** line is a write that an
interruption cut short and is ignored; any other line is corruption and raises :class:`HistoryError`
naming the file and line. A line that is whole JSON but lacks a field or holds one of the wrong type
(``"reward": null``) was edited, not torn: :class:`HistoryError` naming the file, the line and the field.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from nas_env.agents.tracker import SearchTracker

__all__ = [
    "Evaluation", "HistoryError", "HistoryWriter", "SearchResult", "best_evaluation", "json_default", "read_history",
]


@dataclass
class Evaluation:
    """One evaluated architecture: a line of ``history.jsonl``.

    ======================  ===============================================================
    ``index``               0-based evaluation number in the search
    ``arch``                the architecture's canonical string (None if it failed to decode)
    ``tokens``              the token sequence played through the env
    ``reward``              the env's reward for it
    ``metrics``             the evaluator's metrics (``status``, accuracies, ``params``, ...)
    ``cost_seconds``        training seconds charged for it (simulated for tables)
    ``wall_seconds``        wall seconds its episode took
    ``total_cost_seconds``  charged seconds so far, this one included
    ``total_wall_seconds``  wall seconds since the search started (across resumes)
    ``best_reward``         the best reward so far, this one included
    ======================  ===============================================================
    """

    index: int
    arch: str | None
    tokens: tuple[int, ...]
    reward: float
    metrics: dict[str, Any]
    cost_seconds: float
    wall_seconds: float
    total_cost_seconds: float
    total_wall_seconds: float
    best_reward: float

    def to_json(self) -> dict[str, Any]:
        """The fields as a dict (``metrics`` copied; what ``dataclasses.asdict`` gives, ~10x faster)."""
        d = {f: getattr(self, f) for f in _FIELDS}
        d["tokens"] = list(self.tokens)
        d["metrics"] = copy.deepcopy(self.metrics)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Evaluation:
        """The evaluation of a :meth:`to_json` dict; ``ValueError`` naming the field that is missing or of
        the wrong type (a hand-edited ``"reward": null`` would fail far away, in a report or a resume)."""
        if not isinstance(d, dict):
            raise ValueError(f"not a JSON object but {type(d).__name__}")
        try:
            kw = {f: d[f] for f in _FIELDS}  # (``fields(cls)`` on every line was a third of reading a history)
        except KeyError as exc:
            raise ValueError(f"field {exc} is missing") from None
        # exact types (what json.loads gives; a bool is no number here): cheap on 20,000 lines
        for name in _NUMBERS:
            if type(kw[name]) not in (float, int):
                raise ValueError(f"field {name!r} must be a number, got {kw[name]!r}")
        if type(kw["index"]) is not int:
            raise ValueError(f"field 'index' must be an int, got {kw['index']!r}")
        if kw["arch"] is not None and type(kw["arch"]) is not str:
            raise ValueError(f"field 'arch' must be a string or null, got {kw['arch']!r}")
        if type(kw["metrics"]) is not dict:
            raise ValueError(f"field 'metrics' must be an object, got {kw['metrics']!r}")
        tokens = kw["tokens"]
        if type(tokens) is not list or not all(type(t) is int for t in tokens):
            raise ValueError(f"field 'tokens' must be a list of ints, got {tokens!r}")
        kw["tokens"] = tuple(tokens)
        return cls(**kw)

    def to_line(self) -> str:
        """The ``history.jsonl`` line (with its newline)."""
        d = {f: getattr(self, f) for f in _FIELDS}  # no copy: only serialised
        d["tokens"] = list(self.tokens)
        return json.dumps(d, default=json_default) + "\n"


_FIELDS = tuple(f.name for f in fields(Evaluation))
#: the fields that hold a number (float, or an int in a hand-written or older line)
_NUMBERS = ("reward", "cost_seconds", "wall_seconds", "total_cost_seconds", "total_wall_seconds", "best_reward")


def json_default(o: Any) -> Any:
    """``json.dumps`` fallback for numpy scalars and arrays, tuples and sets (anything else: ``str``)."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (tuple, set)):
        return list(o)
    return str(o)


def best_evaluation(history: Sequence[Evaluation]) -> Evaluation | None:
    """The evaluation with the highest reward, the earliest on ties; ``None`` for an empty history."""
    if not history:
        return None
    return max(history, key=lambda e: (e.reward, -e.index))


class HistoryWriter:
    """A tracker callback that appends each evaluation to ``history.jsonl`` and flushes it at once (nothing
    evaluated is lost); :func:`read_history` reads the file back."""

    def __init__(self, path: Path | str):
        # never through a link: a received run directory may hold one at history.jsonl
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags, 0o666)
        except OSError as exc:
            if os.path.islink(path):
                raise ValueError(f"{path} is a symbolic link; refusing to write through it") from exc
            raise
        self._file = open(fd, "a", encoding="utf-8")  # noqa: SIM115 (closed by close())

    def __call__(self, ev: Evaluation, tracker: SearchTracker) -> None:
        self._file.write(ev.to_line())
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class HistoryError(ValueError):
    """A ``history.jsonl`` line other than the last does not parse."""


def read_history(path: Path | str) -> list[Evaluation]:
    """Read ``history.jsonl`` (missing file: empty); see the module docstring for a line that does not parse."""
    path = Path(path)
    out: list[Evaluation] = []
    if not path.is_file():
        return out
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            if i == len(lines) - 1:
                break  # the write of the last line was interrupted
            raise HistoryError(f"{path}: line {i + 1} is not a history entry: {exc}") from exc
        try:
            out.append(Evaluation.from_json(entry))
        except ValueError as exc:  # whole JSON: edited, not torn, wherever it is
            raise HistoryError(f"{path}: line {i + 1} is not a history entry: {exc}") from exc
    return out


@dataclass
class SearchResult:
    """What a search returns: the whole history, the agent's hyperparameters and its diagnostics."""

    agent: str
    seed: int
    history: list[Evaluation] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> Evaluation | None:
        """The evaluation with the highest reward (the earliest on ties)."""
        return best_evaluation(self.history)

    @property
    def rewards(self) -> np.ndarray:
        return np.array([e.reward for e in self.history], dtype=float)

    @property
    def total_cost_seconds(self) -> float:
        return self.history[-1].total_cost_seconds if self.history else 0.0
