"""Each run's reported accuracy and normalised score, read from a suite directory.

:func:`collect` reads every task's benchmark directory (``DIR/<task>/runs``) into :class:`TaskResults`: the final
reported accuracy of each (agent, seed) -- the number a task's own report headlines -- and, where the task has a
reference (:mod:`nas_env.benchmarks.suite.reference`), its normalised score ``(accuracy - random search's expected
answer) / (table optimum - random search's expected answer)``. References are computed once per task and kept in
``DIR/references.json`` with the protocol they were computed for (recomputed if it differs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.benchmarks.run.files import atomic_write, read_json
from nas_env.benchmarks.suite.reference import NoReference, Reference, reference_of
from nas_env.benchmarks.suite.tasks import Task, task_protocol

__all__ = ["REFERENCES_JSON", "TaskResults", "collect", "load_references"]

REFERENCES_JSON = "references.json"


@dataclass
class TaskResults:
    """One task's runs: per agent, seeds and final reported accuracies (fractions; NaN where a run has none).

    Attributes:
        task: the task.
        protocol: its protocol (``Protocol``).
        reference: its score references, or ``None`` (``no_reference`` says why).
        seeds: per agent, the seeds of its runs (sorted).
        accuracy: per agent, the final reported accuracy of each run, in ``seeds`` order.
        transfer: per agent and dataset, the chosen cell's 200-epoch accuracy on that NAS-Bench-201 dataset.
    """

    task: Task
    protocol: Any
    reference: Reference | None
    no_reference: str = ""
    seeds: dict[str, list[int]] = field(default_factory=dict)
    accuracy: dict[str, np.ndarray] = field(default_factory=dict)
    transfer: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def score(self, agent: str) -> np.ndarray | None:
        """The agent's normalised scores (``None`` without a reference)."""
        if self.reference is None:
            return None
        return np.asarray(self.reference.score(self.accuracy[agent]), dtype=float)


def load_references(out: Path, tasks: Sequence[Task], budget_scale: float) -> dict[str, Reference | str]:
    """Each task's :class:`Reference` (or the reason it has none), from ``DIR/references.json`` when computed for
    the same protocol, else computed now and saved. Only table-tier tasks have one (a real-training task's
    evaluations train networks: none is enumerated)."""
    path = Path(out) / REFERENCES_JSON
    saved = read_json(path) if path.is_file() else {}
    refs: dict[str, Reference | str] = {}
    changed = False
    for task in tasks:
        protocol = task_protocol(task, budget_scale).to_json()
        entry = saved.get(task.name)
        if task.tier != "table":
            refs[task.name] = "a real-training task: no table to take an optimum from"
            continue
        if not isinstance(entry, Mapping) or entry.get("protocol") != protocol:
            try:
                entry = {"protocol": protocol, "reference": reference_of(task_protocol(task, budget_scale)).to_json()}
            except NoReference as exc:
                entry = {"protocol": protocol, "none": str(exc)}
            saved[task.name] = entry
            changed = True
        refs[task.name] = Reference(**entry["reference"]) if "reference" in entry else str(entry.get("none"))
    if changed:
        atomic_write(path, json.dumps(saved, indent=2).encode("utf-8"))
    return refs


def _transfer(datasets: Sequence[str], archs: Sequence[str | None]) -> dict[str, np.ndarray]:
    """The 200-epoch accuracy NAS-Bench-201 reports for each cell on each dataset (test on CIFAR-10, mean
    validation elsewhere: :meth:`NB201Table.reported_accuracy`)."""
    from nas_env.evaluators.nb201_table import NB201Table

    out = {}
    for ds in datasets:
        table = NB201Table(ds)
        acc = table.reported_accuracy(200)[0]
        out[ds] = np.array([np.nan if a is None else float(acc[NB201Table.row(a)]) for a in archs])
    return out


def collect(out: Path | str, tasks: Sequence[Task], agents: Sequence[str], budget_scale: float = 1.0
            ) -> list[TaskResults]:
    """Every task's :class:`TaskResults` for ``agents`` (those with complete runs: an unfinished or failed run has
    not spent its budget, so its answer is not compared), from the suite directory ``out``."""
    from nas_env.benchmarks.run.record import load_runs

    out = Path(out)
    refs = load_references(out, tasks, budget_scale)
    results = []
    for task in tasks:
        protocol = task_protocol(task, budget_scale)
        ref = refs[task.name]
        tr = TaskResults(task, protocol, ref if isinstance(ref, Reference) else None,
                         "" if isinstance(ref, Reference) else ref)
        runs = load_runs(out / task.name, list(agents)) if (out / task.name).is_dir() else {}
        for agent in agents:
            rs = sorted((r for r in runs.get(agent, []) if r.complete), key=lambda r: r.seed)  # spent its budget
            if not rs:
                continue
            finals = [protocol.run_final_accuracy(r.path, r.best) for r in rs]
            tr.seeds[agent] = [r.seed for r in rs]
            tr.accuracy[agent] = np.array([np.nan if a is None else float(a) for a in finals])
            if task.transfer:
                tr.transfer[agent] = _transfer(task.transfer, [None if r.best is None else r.best.arch for r in rs])
        results.append(tr)
    return results
