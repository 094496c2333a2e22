"""What a run is (:class:`RunSpec`, saved as ``run.json``) and how it is carried out (:class:`RunOptions`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nas_env.agents.budget import Budget
from nas_env.agents.history import Evaluation
from nas_env.agents.tracker import SearchTracker
from nas_env.validation import check_choice, check_int, check_real

__all__ = ["EXECUTOR_CHOICES", "MAX_SEED", "RunOptions", "RunSpec"]

EXECUTOR_CHOICES = ("auto", "none", "inprocess", "process", "ray")
#: the largest run seed: every RNG the run seeds (numpy, torch, Gymnasium) takes it
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class RunSpec:
    """The arguments that define a run's results: env, agent, seed, budget.

    ==================  =============================================================
    ``env_id``          a registered id, e.g. ``"nas_env/NB201-v0"``
    ``env_kwargs``      keyword arguments of the env
    ``agent``           an agent spec: a registered name (``nas_env.agents.agent_names()``),
                        settings too (``reinforce@lr=0``), or your own ``MODULE:NAME`` /
                        ``MODULE:CLASS`` (recorded as given; the module is imported again
                        only when a command names it)
    ``agent_kwargs``    hyperparameter overrides of the agent's Config
    ``budget``          a :class:`~nas_env.agents.budget.Budget`
    ``seed``            the run's one seed (see :meth:`agents.Agent.run`)
    ==================  =============================================================
    """

    env_id: str
    env_kwargs: dict[str, Any]
    agent: str
    agent_kwargs: dict[str, Any]
    budget: Budget
    seed: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", check_int("seed", self.seed, low=0, high=MAX_SEED))
        object.__setattr__(self, "env_kwargs", dict(self.env_kwargs or {}))
        object.__setattr__(self, "agent_kwargs", dict(self.agent_kwargs or {}))
        object.__setattr__(self, "budget", Budget.from_value(self.budget))

    def to_run_json(self, store: Path | None, batched: bool, argv: Sequence[str] | None = None) -> dict[str, Any]:
        """The ``run.json`` record (``store`` and ``batched`` are part of a run's identity)."""
        from nas_env.benchmarks.run.directory import RUN_FORMAT

        return {
            "format": RUN_FORMAT,
            "version": 1,
            "env_id": self.env_id,
            "env_kwargs": self.env_kwargs,
            "agent": self.agent,
            "agent_kwargs": self.agent_kwargs,
            "seed": self.seed,
            "budget": self.budget.to_json(),
            "store": None if store is None else str(store),
            "batched_evaluation": batched,
            "argv": list(sys.argv if argv is None else argv),
        }


@dataclass
class RunOptions:
    """How a run is carried out; none of these change its results.

    ==========================  ======================================================
    ``progress``                a tqdm bar with the best reward so far on stderr
    ``callbacks``               extra ``cb(evaluation, tracker)`` after each evaluation
    ``tensorboard``             a directory for TensorBoard logs (needs ``tensorboard``)
    ``checkpoint_interval_s``   minimum wall seconds between checkpoints (the first and
                                the last are always written; a large state waits 20x its
                                own write time); 0 = at every consistent point
    ``executor``                ``"auto"`` (``"process"`` for training envs, else
                                ``"none"``), ``"none"``, ``"inprocess"``, ``"process"``,
                                ``"ray"``: how batches of children are evaluated
    ``workers``                 worker processes / Ray actors (default: CPU cores)
    ``store``                   ``"auto"`` (on for training envs), True, False, or a path
                                to a shared store file (default ``DIR/evaluations.sqlite``)
    ``ray_address``             Ray cluster address for ``executor="ray"``
    ``store_wait``              seconds to wait for a store another process holds locked
                                (saying so on stderr); past it the run stops with one line
    ==========================  ======================================================
    """

    progress: bool = True
    callbacks: Sequence[Callable[[Evaluation, SearchTracker], Any]] = field(default_factory=tuple)
    tensorboard: Path | str | None = None
    checkpoint_interval_s: float = 0.5
    executor: str = "auto"
    workers: int | None = None
    store: str | Path | bool = "auto"
    ray_address: str | None = None
    store_wait: float = 30.0

    def __post_init__(self) -> None:
        check_choice("executor", self.executor, EXECUTOR_CHOICES)
        check_real("store_wait (seconds)", self.store_wait, low=0)
