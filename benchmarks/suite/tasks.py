"""The suite's tasks: a versioned table of (task name, protocol, budget, env kwargs), one line per task.

A task is a protocol by name (:func:`nas_env.benchmarks.protocols.get_protocol`: any registered protocol,
including a family's ``fixed:<env-id>`` or one a user's module registers), optionally with another budget or
extra env kwargs, under a task name that is also its directory under the suite directory. Adding a task is one
:class:`Task` line in :data:`TABLE_TASKS` or :data:`REAL_TASKS` (and a new :data:`SUITE_VERSION`: a directory
made under one version is never extended under another).

Table tier, version 1 (searches on tabulated or synthetic objectives, seconds per run):

==========================  ==========================================================================
``nb201-cifar10``           NAS-Bench-201's protocol; the chosen cell's 200-epoch accuracy is also
                            reported on CIFAR-100 and ImageNet16-120 (transfer, never scored)
``nb201-cifar100``          direct search on CIFAR-100 (NATS-Bench's budget ratio: 24,000 s)
``nb201-imagenet16-120``    direct search on ImageNet16-120 (72,000 s)
``macro-cifar10``           NAS-Bench-Macro, 100 evaluations
``nb201-latency-<device>``  CIFAR-10 accuracy under a HW-NAS-Bench latency limit (a hard constraint:
                            reward 0 above it), on pixel3, raspi4 and fpga
``synthetic-easy``          ``nas_env/Synthetic-v0``, 5 decisions x 4 choices (1,024 cells), 100 evaluations
``synthetic-medium``        8 decisions x 4 choices (65,536 cells), 100 evaluations
``synthetic-hard``          10 decisions x 3 choices (59,049 cells), 50 evaluations, another seed
``nbgraph-cora``            NAS-Bench-Graph on Cora (node classification, 26,206 GNNs), 100 evaluations
``nbgraph-proteins``        NAS-Bench-Graph on ogbn-proteins (ROC-AUC, 2,021 GNNs), 100 evaluations
==========================  ==========================================================================

Real-training tier (``--tier real``, minutes per run; seeds from each protocol's first reported seed, 100, disjoint
from the seeds its settings were tuned on):

==============================  ======================================================================
``cnn-digits``                  Zoph & Le's CNN on digits, shared weights, finalists re-trained
``cnn-fashion-mnist``           the same on Fashion-MNIST (14x14), 10,000 test images
``rnn-tinyshakespeare-shared``  the recurrent cell on tinyshakespeare, shared weights, finalists re-trained
==============================  ======================================================================

Version history: 1 (table tier without NAS-Bench-Graph; real tier cnn-digits and rnn-tinyshakespeare on seeds
from 0), 2 (this table).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nas_env.agents.budget import EVALUATIONS_UNIT
from nas_env.validation import check_choice

__all__ = [
    "DEFAULT_AGENTS", "DEFAULT_SEEDS", "REAL_TASKS", "SUITE_VERSION", "TABLE_TASKS", "TIERS", "Task", "select_tasks",
    "task_protocol", "tier_tasks",
]

#: the version of the task set: bump it whenever a task, its budget or its settings change
SUITE_VERSION = "2"
TIERS = ("table", "real")
#: the suite's default agents per tier: on the table tier the built-in strategies that fit its time; on the real
#: tier the real-training protocols' own comparison (Zoph & Le's Figure 6: the controller against random search)
DEFAULT_AGENTS = {"table": ("random", "evolution", "reinforce-table", "reinforce", "tpe"),
                  "real": ("random", "reinforce")}
#: seeds per task without ``--seeds``: enough for the stratified-bootstrap intervals to mean something
DEFAULT_SEEDS = {"table": 20, "real": 5}


@dataclass(frozen=True)
class Task:
    """One task of the suite.

    Attributes:
        name: the task's name and its directory under the suite directory.
        protocol: a protocol name (``nas-env benchmark --protocol``).
        budget: another budget in the protocol's unit (``None``: the protocol's).
        env_kwargs: extra env kwargs on top of the protocol's.
        transfer: NAS-Bench-201 datasets on which the chosen cell's 200-epoch accuracy is also reported.
        tier: ``"table"`` or ``"real"``.
    """

    name: str
    protocol: str
    budget: float | None = None
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    transfer: tuple[str, ...] = ()
    tier: str = "table"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "protocol": self.protocol, "budget": self.budget,
                "env_kwargs": dict(self.env_kwargs), "transfer": list(self.transfer), "tier": self.tier}


def _synthetic(name: str, decisions: int, choices: int, seed: int, evaluations: int) -> Task:
    return Task(name, "fixed:nas_env/Synthetic-v0", evaluations,
                {"num_decisions": decisions, "num_choices": choices, "seed": seed})


TABLE_TASKS: tuple[Task, ...] = (
    Task("nb201-cifar10", "nb201-cifar10", transfer=("cifar100", "imagenet16-120")),
    Task("nb201-cifar100", "nb201-cifar100"),
    Task("nb201-imagenet16-120", "nb201-imagenet16-120"),
    Task("macro-cifar10", "macro-cifar10"),
    Task("nb201-latency-pixel3", "nb201-latency-pixel3"),
    Task("nb201-latency-raspi4", "nb201-latency-raspi4"),
    Task("nb201-latency-fpga", "nb201-latency-fpga"),
    _synthetic("synthetic-easy", 5, 4, 0, 100),
    _synthetic("synthetic-medium", 8, 4, 0, 100),
    _synthetic("synthetic-hard", 10, 3, 1, 50),
    Task("nbgraph-cora", "nbgraph-cora"),
    Task("nbgraph-proteins", "nbgraph-proteins"),
)

REAL_TASKS: tuple[Task, ...] = (
    Task("cnn-digits", "cnn-digits", tier="real"),
    Task("cnn-fashion-mnist", "cnn-fashion-mnist", tier="real"),
    Task("rnn-tinyshakespeare-shared", "rnn-tinyshakespeare-shared", tier="real"),
)


def tier_tasks(tier: str) -> tuple[Task, ...]:
    """The tasks of ``tier`` (``"table"`` or ``"real"``) in this version."""
    check_choice("tier", tier, TIERS)
    return TABLE_TASKS if tier == "table" else REAL_TASKS


def select_tasks(tier: str, names: Sequence[str] | None) -> list[Task]:
    """The tasks of ``tier`` named by ``names`` (all of them for ``None``), in the table's order; ``ValueError``
    naming an unknown task and the valid ones."""
    tasks = tier_tasks(tier)
    if names is None:
        return list(tasks)
    valid = [t.name for t in tasks]
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(f"unknown {tier}-tier task(s) {unknown}; valid: {valid}")
    return [t for t in tasks if t.name in names]


def task_protocol(task: Task, budget_scale: float = 1.0) -> Any:
    """The task's protocol (:class:`~nas_env.benchmarks.protocols.Protocol`), its budget times ``budget_scale``
    (quick checks; an evaluation budget is rounded up, to at least one)."""
    from nas_env.benchmarks.protocols import get_protocol

    p = get_protocol(task.protocol, task.budget, dict(task.env_kwargs) or None)
    if budget_scale != 1.0:
        b = p.budget
        value = (math.ceil(b.evaluations * budget_scale) if p.budget_unit == EVALUATIONS_UNIT
                 else b.cost_seconds * budget_scale)
        p = p.with_overrides(budget=p.budget_of(value))
    return p
