"""A run's history as Optuna trials: one trial per evaluation, in evaluation order.

==================  =====================================================================================
trial               what it holds
==================  =====================================================================================
``params``          one categorical parameter per decision the architecture took, named after the
                    decision (``"edge_2<-1"``, ``"layer3/filter_height"``) with the decision's choice
                    labels as ``CategoricalDistribution`` choices (``"nor_conv_3x3"``); a variable-length
                    grammar gives each trial the decisions its own tokens reached
``values``          ``[reward]``, or ``[reward, *objectives]`` for a multi-objective run (``nsga2``:
                    its ``objectives`` metrics, minimised)
``state``           ``COMPLETE``; ``FAIL`` for a child that failed to build or train (``status`` not
                    ``"ok"``) or lacks an objective's metric (no values then)
``user_attrs``      ``index``, ``arch``, ``status``, ``reward``, ``test_accuracy``, ``val_accuracy``,
                    ``params`` (the child's weights), ``cost_seconds`` (charged), ``wall_seconds``,
                    ``total_cost_seconds``, ``error`` -- those the evaluation has
datetimes           the evaluation's real span: the run's start (``history.jsonl``'s last write minus
                    the run's wall seconds) plus ``total_wall_seconds``
==================  =====================================================================================

Nothing here imports Optuna until a trial is built; nothing here reads a file (see :mod:`.source`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nas_env.agents.history import Evaluation

__all__ = ["TrialRow", "directions", "objective_names", "trial_rows"]

#: the metrics copied into each trial's user attributes (when the evaluation has them)
METRIC_ATTRS = ("status", "test_accuracy", "val_accuracy", "params", "error")


@dataclass
class TrialRow:
    """One trial to write: ``params`` maps a decision name to ``(label, choices)``."""

    state: str  # "COMPLETE" or "FAIL"
    values: list[float] | None
    params: dict[str, tuple[str, tuple[str, ...]]]
    user_attrs: dict[str, Any]
    start: dt.datetime
    complete: dt.datetime
    warnings: list[str] = field(default_factory=list)


def objective_names(run: dict[str, Any], summary: dict[str, Any], extras: dict[str, Any]) -> list[str]:
    """The metrics a multi-objective run minimised beside the reward (``[]`` for a single-objective run): the
    agent's diagnostics, else its recorded hyperparameters, else the objectives its spec named."""
    for source in (extras, summary.get("hyperparameters") or {}, run.get("agent_kwargs") or {}):
        value = source.get("objectives") if isinstance(source, dict) else None
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value) and value:
            return list(value)
    return []


def directions(objectives: Sequence[str]) -> list[str]:
    """Optuna's study directions: the reward maximised, each objective minimised."""
    return ["maximize"] + ["minimize"] * len(objectives)


def _metric(metrics: dict[str, Any], key: str) -> float | None:
    value: Any = metrics
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _params(space: Any, tokens: tuple[int, ...]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The decisions ``tokens`` took in ``space`` (``None``: the space could not be rebuilt), by name; a
    sequence that does not walk the grammar (a shallower curriculum stage's too) keeps the decisions it reached."""
    if space is None:  # choices filled in by trial_rows from the whole history
        return {f"token_{i}": (str(t), ()) for i, t in enumerate(tokens)}
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for i, token in enumerate(tokens):
        d = space.next_decision(tokens[:i])
        if d is None or not 0 <= token < len(d.choices):
            break
        out[d.name] = (str(d.choices[token]), tuple(str(c) for c in d.choices))
    return out


def _attrs(ev: Evaluation) -> dict[str, Any]:
    attrs: dict[str, Any] = {"index": ev.index, "arch": ev.arch, "reward": ev.reward}
    for key in METRIC_ATTRS:
        if ev.metrics.get(key) is not None:
            attrs[key] = ev.metrics[key]
    attrs.update(cost_seconds=ev.cost_seconds, wall_seconds=ev.wall_seconds,
                 total_cost_seconds=ev.total_cost_seconds)
    return attrs


def trial_rows(history: Sequence[Evaluation], space: Any, objectives: Sequence[str],
               started: dt.datetime) -> list[TrialRow]:
    """One :class:`TrialRow` per evaluation of ``history`` (see the module docstring)."""
    rows = []
    for ev in history:
        ok = ev.metrics.get("status", "ok") == "ok"
        values: list[float] | None = None
        warnings: list[str] = []
        if ok:
            extra = [_metric(ev.metrics, key) for key in objectives]
            values = [float(ev.reward), *(v for v in extra if v is not None)]
            if len(values) != 1 + len(objectives) or not all(math.isfinite(v) for v in values):
                warnings.append(f"evaluation {ev.index}: values {values} (objectives {list(objectives)}) are "
                                "incomplete or not finite; exported as a FAIL trial")
                values = None
        end = started + dt.timedelta(seconds=max(0.0, ev.total_wall_seconds))
        begin = end - dt.timedelta(seconds=max(0.0, min(ev.wall_seconds, ev.total_wall_seconds)))
        rows.append(TrialRow(state="COMPLETE" if values is not None else "FAIL", values=values,
                             params=_params(space, tuple(ev.tokens)), user_attrs=_attrs(ev),
                             start=begin, complete=end, warnings=warnings))
    if space is None:  # tokens as labels: position i chooses among 0..(largest token seen there)
        top: dict[str, int] = {}
        for ev in history:
            for i, t in enumerate(ev.tokens):
                top[f"token_{i}"] = max(top.get(f"token_{i}", 0), int(t))
        for row in rows:
            row.params = {k: (label, tuple(str(j) for j in range(top[k] + 1))) for k, (label, _) in row.params.items()}
    return rows
