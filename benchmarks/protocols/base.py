"""The :class:`Protocol` dataclass, what every search strategy compared under one benchmark shares, and
:class:`PublishedResult`, a published number printed next to ours.

The protocols themselves are registered one family per file (:mod:`nas_env.benchmarks.protocols`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from nas_env.agents.budget import EVALUATIONS_UNIT, SECONDS_UNIT, Budget
from nas_env.agents.history import Evaluation
from nas_env.agents.registry import agent_class, canonical_agent_spec, parse_agent_spec
from nas_env.benchmarks.protocols.reported_accuracy import REPORTERS, Reporter, make_reporter
from nas_env.benchmarks.run.environment import make_env
from nas_env.benchmarks.run.retrain import retrained_pick
from nas_env.validation import check_choice, check_int, errors_as

__all__ = ["Protocol", "PublishedResult"]


@dataclass(frozen=True)
class PublishedResult:
    """A published number to show next to ours (accuracy in percent)."""

    method: str
    mean: float
    std: float | None
    source: str
    agent: str | None = None
    """The agent (or agent spec) that runs the published algorithm with its published settings under
    the protocol, i.e. the row this number is compared with (None: no such row)."""
    runs: int | None = None
    """How many runs the published mean and std are over (Welch's test against our rows needs it)."""


@dataclass(frozen=True)
class Protocol:
    """One benchmark protocol; plain data plus helpers that read it.

    Attributes:
        name: registered name (``nb201-cifar10``, ``fixed:nas_env/Macro-v0`` ...).
        env_id: the Gymnasium id searched.
        env_kwargs: keyword arguments of ``gym.make`` (reward signal, fidelity ...).
        budget: evaluations and/or simulated seconds; an evaluation that would
            exceed ``cost_seconds`` is not counted (the tracker's convention). ``nas-env benchmark --budget``
            replaces it in its unit (:attr:`budget_unit`, :meth:`budget_of`).
        reward: what the reward signal is (for the report).
        cost: how each evaluation is charged (for the report).
        reporter: ``"nb201"``, ``"macro"`` or ``"env"`` (:mod:`nas_env.benchmarks.protocols.reported_accuracy`).
        reporter_option: the reporter's dataset / signal seed.
        agent_kwargs: per-agent hyperparameter overrides under this protocol.
        published: published results to print next to ours.
        notes: anything else a reader must know (why an agent kwarg is set ...).
        differences: every remaining difference from the published protocol, one line each, with its
            measured effect where there is one (the report's "protocol notes"). Not part of
            :meth:`to_json`: they describe the code, and are read from it when a report is rebuilt.
        effects_measured_by: the command that measured the effects quoted in ``differences`` (the report
            cites it); not part of :meth:`to_json` either.
        default_seeds: how many seeds ``nas-env benchmark`` runs without ``--seeds`` (the published
            sample size where there is one: NAS-Bench-201's 500 runs).
        default_agents: the agents it runs without ``--agents`` (empty: the CLI's general default).
        retrain_top: after each run, re-train its ``retrain_top`` best distinct architectures stand-alone
            (:func:`nas_env.benchmarks.run.retrain.retrain_top`: a shared-weight run ranks them under its final
            shared weights); the final numbers are then the re-trained ones (:meth:`run_final_accuracy`).
            ``0``: none (the final number is the best-reward evaluation's, :meth:`final_accuracy`).
        retrain_epochs: stand-alone epochs of that re-training (``None``: the env's own ``epochs``).
        first_seed: the first of the seeds ``nas-env benchmark`` runs by default (``default_seeds`` of them from
            here, :attr:`seeds`): the real-training protocols report on seeds 100.. so that no run used to choose
            their settings (``tuning_seeds``) is reported.
        tuning_seeds: the seeds of the runs that chose the protocol's settings (named in its notes; disjoint from
            :attr:`seeds`, tested).
        reward_label: empty when the reward is a fraction shown in percent (accuracy, bits saved); else what the
            reward is (``"reward 3.15 / ppl^2"``): the report prints it as it is under this label, differences in
            reward units, never as a percentage.
        preflight: called before any run starts (:func:`~nas_env.benchmarks.harness.runner.run_benchmark`; ``nas-env
            suite`` for every task first), e.g. the dataset is installed; raises ``ValueError`` with a one-line
            message naming the fix. Not called by ``get_protocol``: a protocol's seeds, notes and settings can be
            read where its data is absent.
        single_run_agents: agents (by name) that are deterministic under this protocol: their run does not depend
            on the seed (grid search on a noiseless table), so ``nas-env benchmark`` runs them once, with the
            first seed, and the report shows them as one run. Not part of :meth:`to_json` (read from the code).
    """

    name: str
    env_id: str
    env_kwargs: Mapping[str, Any]
    budget: Budget
    reward: str
    cost: str
    reporter: str = "env"
    reporter_option: Any = None
    agent_kwargs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    published: tuple[PublishedResult, ...] = ()
    notes: str = ""
    differences: tuple[str, ...] = ()
    effects_measured_by: str = ""
    default_seeds: int = 20
    default_agents: tuple[str, ...] = ()
    retrain_top: int = 0
    retrain_epochs: int | None = None
    first_seed: int = 0
    tuning_seeds: tuple[int, ...] = ()
    reward_label: str = ""
    preflight: Callable[[Protocol], None] | None = field(default=None, compare=False)
    single_run_agents: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a bad setting (naming it and what is valid) where a protocol is defined or read back; the
        budget may arrive as plain data (:meth:`Budget.from_value`)."""
        object.__setattr__(self, "budget", Budget.from_value(self.budget))
        check_choice("reporter", self.reporter, REPORTERS)
        check_int("default_seeds", self.default_seeds)
        check_int("retrain_top", self.retrain_top, low=0)
        check_int("retrain_epochs", self.retrain_epochs, optional=True)
        check_int("first_seed", self.first_seed, low=0)

    @property
    def seeds(self) -> list[int]:
        """The seeds ``nas-env benchmark`` runs without ``--seeds``/``--seed-list``."""
        return self.seeds_from_count(self.default_seeds)

    def seeds_from_count(self, n: int) -> list[int]:
        """``n`` seeds from :attr:`first_seed` on (``nas-env benchmark --seeds N``)."""
        return list(range(self.first_seed, self.first_seed + n))

    # ------------------------------------------------------------------ helpers
    def make_env(self) -> gym.Env:
        """A fresh env of this protocol (made as ``nas-env search`` makes it)."""
        return make_env(self.env_id, dict(self.env_kwargs))

    def kwargs_for(self, agent: str) -> dict[str, Any]:
        """Hyperparameter overrides for ``agent`` (a copy; empty if none).

        For an agent spec (``reinforce@lr=0``): the protocol's settings of the base agent, then any it
        sets for the spec itself, then the spec's own settings (which win).
        """
        base, settings = parse_agent_spec(agent)
        kw = dict(self.agent_kwargs.get(base, {}))
        if agent != base:
            kw.update(self.agent_kwargs.get(agent, {}))
        kw.update(settings)
        return kw

    def runs_as(self, agent: str) -> str:
        """What ``agent`` (a name or agent spec) runs under this protocol, as one canonical string: its agent name
        and every hyperparameter of its Config, resolved (the agent's defaults, then :meth:`kwargs_for`). Two
        spellings of one run (``evolution`` and ``evolution@variant=nb201`` under the nb201 protocols) give the
        same string: a row is compared with a published number by what it runs, not by how it is spelled.
        An agent whose Config cannot be built from these settings is its canonical spec."""
        base = parse_agent_spec(agent)[0]
        try:
            config = agent_class(base).Config(**self.kwargs_for(agent))
            settings = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(vars(config))
        except (TypeError, ValueError):
            return canonical_agent_spec(agent)
        return base + "@" + json.dumps(settings, sort_keys=True, default=repr, separators=(",", ":"))

    def seeds_for(self, agent: str, seeds: Sequence[int]) -> list[int]:
        """The seeds ``agent`` runs under this protocol: the first of ``seeds`` for a deterministic agent
        (:attr:`single_run_agents`), else all of them."""
        seeds = [int(s) for s in seeds]
        return seeds[:1] if parse_agent_spec(agent)[0] in self.single_run_agents else seeds

    def make_reporter(self) -> Reporter:
        return make_reporter(self.reporter, self.reporter_option)

    @property
    def budget_unit(self) -> str:
        """The unit of this protocol's budget, and so of ``nas-env benchmark --budget``: ``"simulated seconds"``
        where each evaluation is charged its training time (the NAS-Bench-201 tables), else ``"evaluations"``
        (architectures evaluated: children trained or looked up)."""
        return SECONDS_UNIT if self.budget.cost_seconds is not None else EVALUATIONS_UNIT

    def budget_of(self, value: float) -> Budget:
        """This protocol's budget with ``value`` in its own unit (:attr:`budget_unit`, :meth:`Budget.from_value`;
        a time budget keeps the protocol's evaluation limit); ``ValueError`` naming the unit for a value that is
        not one (an int >= 1 of evaluations, or a finite number > 0 of seconds)."""
        unit = self.budget_unit
        verb = "budgets" if unit == SECONDS_UNIT else "counts"
        with errors_as(lambda message: ValueError(f"protocol {self.name!r} {verb} {unit}: {message}")):
            given = Budget.from_value(value, unit, name="--budget")
        return given if unit == EVALUATIONS_UNIT else dataclasses.replace(given, evaluations=self.budget.evaluations)

    @property
    def report_label(self) -> str:
        """Human name of the final reported number."""
        if self.retrain_top:
            n = self.retrain_epochs
            epochs = "the env's epochs" if n is None else f"{n} epoch{'s' if n != 1 else ''}"
            return (f"stand-alone test accuracy (re-trained {epochs}) of the best re-trained of the "
                    f"{self.retrain_top} finalists")
        return self.make_reporter().label

    @property
    def report_name(self) -> str:
        """Machine name of the final reported number."""
        return "retrained_test_accuracy" if self.retrain_top else self.make_reporter().name()

    def final_accuracy(self, best: Evaluation | None) -> float | None:
        """The reported accuracy (fraction) of ``best``, the best-reward evaluation of a run."""
        if best is None:
            return None
        return self.make_reporter().accuracy(best.arch, best.metrics)

    def run_final_accuracy(self, run_dir: Path | str, best: Evaluation | None) -> float | None:
        """The reported accuracy (fraction) of the run in ``run_dir``: with ``retrain_top``, the stand-alone
        test accuracy of the finalist with the best stand-alone reward (``retrain.json``;
        ``None`` before it is written), else :meth:`final_accuracy` of ``best``."""
        if not self.retrain_top:
            return self.final_accuracy(best)
        pick = retrained_pick(run_dir)
        return None if pick is None else pick["standalone_test_accuracy"]

    def check_ready(self) -> None:
        """Raise ``ValueError`` (one line naming the fix) when this protocol cannot run here (:attr:`preflight`)."""
        if self.preflight is not None:
            self.preflight(self)

    def with_overrides(self, budget: Budget | None = None, env_kwargs: Mapping[str, Any] | None = None) -> Protocol:
        """A copy with another budget and/or extra env kwargs (same name; :meth:`to_json` records both)."""
        p = self
        if budget is not None:
            p = dataclasses.replace(p, budget=budget)
        if env_kwargs:
            p = dataclasses.replace(p, env_kwargs={**p.env_kwargs, **env_kwargs})
        return p

    def to_json(self) -> dict[str, Any]:
        """JSON-able description (saved next to the runs; compared on resume)."""
        return {
            "name": self.name,
            "env_id": self.env_id,
            "env_kwargs": dict(self.env_kwargs),
            "budget": self.budget.to_json(),
            "reward": self.reward,
            "cost": self.cost,
            "report": self.report_label,
            "reporter": self.reporter,
            "reporter_option": self.reporter_option,
            "agent_kwargs": {k: dict(v) for k, v in self.agent_kwargs.items()},
            "notes": self.notes,
            # only where set: the saved protocol of every other benchmark stays as it was
            **({"retrain_top": self.retrain_top, "retrain_epochs": self.retrain_epochs} if self.retrain_top else {}),
            **({"reward_label": self.reward_label} if self.reward_label else {}),
            **({"tuning_seeds": list(self.tuning_seeds)} if self.tuning_seeds else {}),
        }
