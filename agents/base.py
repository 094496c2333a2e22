"""The interface every search strategy implements: :class:`Agent`.

An agent's :meth:`Agent.run` plays architectures through a nas_env env (token by
token, the same way for RL and black-box strategies) and reports each finished
episode to a :class:`~nas_env.agents.tracker.SearchTracker`, which owns the accounting
(evaluation index, cost, wall time, best-so-far, budget, callbacks). It returns a
:class:`~nas_env.agents.history.SearchResult` with the full history.

A new agent is one new file::

    @register_agent("my-agent")
    class MyAgent(Agent):
        Config = MyConfig          # a dataclass of hyperparameters
        def search(self, env, tracker, rng): ...
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, fields, is_dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from nas_env.agents.budget import Budget, BudgetExhausted
from nas_env.agents.diagnostics import ControllerDiagnostics
from nas_env.agents.history import Evaluation, SearchResult
from nas_env.agents.tracker import Callback, SearchTracker

__all__ = ["Agent", "diagnostics_from", "stateful_evaluator"]


def diagnostics_from(value: Any) -> ControllerDiagnostics | None:
    """The diagnostics of a saved state: its JSON columns (or the object itself), ``None`` when it has none."""
    if value is None or isinstance(value, ControllerDiagnostics):
        return copy.deepcopy(value)
    if not isinstance(value, dict):
        raise ValueError(f"the saved diagnostics must be JSON columns (a dict), got {type(value).__name__}")
    return ControllerDiagnostics.from_json(value)


def stateful_evaluator(env: gym.Env) -> Any:
    """The env's evaluator when its state must travel with a checkpoint (shared weights), else None.

    Looks through a store wrapper (``CachedEvaluator.inner``).
    """
    evaluator = getattr(env.unwrapped, "evaluator", None)
    evaluator = getattr(evaluator, "inner", evaluator)
    return evaluator if getattr(evaluator, "stateful", False) else None


class Agent(ABC):
    """A search strategy. Subclasses set ``Config`` (a dataclass) and implement :meth:`search`.

    Resumable agents keep their mutable search state in attributes that
    :meth:`search` initialises only when they are unset (``None``), expose it via
    :meth:`state_dict` / :meth:`load_state_dict`, and call ``tracker.checkpoint()``
    wherever that state is consistent. The base implementation covers stateless
    agents (all their randomness is the ``rng`` that :meth:`run` saves).
    ``self.extras`` (plain, JSON-serialisable values) ends up in ``SearchResult.extras``;
    agents that learn a policy keep their per-update log in ``self.diagnostics``.
    """

    name: ClassVar[str] = "agent"
    Config: ClassVar[type] = object
    #: whether a resumed run reproduces an uninterrupted one exactly (SB3 agents: no)
    exact_resume: ClassVar[bool] = True

    def __init__(self, config: Any = None, **overrides: Any):
        if config is None:
            names = {f.name for f in fields(self.Config)} if is_dataclass(self.Config) else set()
            unknown = sorted(set(overrides) - names)
            if unknown:
                raise ValueError(f"{self.name}: unknown hyperparameters {unknown}; valid: {sorted(names)}")
            config = self.Config(**overrides)
        elif overrides:
            raise ValueError("pass either a config object or keyword overrides, not both")
        self.config = config
        self.extras: dict[str, Any] = {}
        #: per-update learning diagnostics of policy-learning agents (None for the others)
        self.diagnostics: ControllerDiagnostics | None = None
        #: a ``nas_env.executors.Executor`` for agents that evaluate batches (REINFORCE's m children)
        #: concurrently; ``None`` plays them one after the other. Not a hyperparameter: set by the runner.
        self.executor: Any = None

    def hyperparameters(self) -> dict[str, Any]:
        """The config as a plain dict (stored in summaries)."""
        return asdict(self.config) if is_dataclass(self.config) else {}

    def result_extras(self) -> dict[str, Any]:
        """What ``SearchResult.extras`` holds: the diagnostics (as JSON columns) and ``self.extras``."""
        head = {} if self.diagnostics is None else {"diagnostics": self.diagnostics.to_json()}
        return {**head, **self.extras}

    def state_dict(self) -> dict[str, Any]:
        """The agent's mutable search state as plain data: ``None``, bools, numbers, strings, lists, tuples,
        dicts, bytes, NumPy arrays and torch tensors (what a run's checkpoint can hold; never objects, which
        a checkpoint could only restore by running code). Stateless agents keep only extras and diagnostics."""
        diagnostics = None if self.diagnostics is None else self.diagnostics.to_json()
        return {"extras": copy.deepcopy(self.extras), "diagnostics": diagnostics}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.extras = copy.deepcopy(state.get("extras", {}))
        self.diagnostics = diagnostics_from(state.get("diagnostics"))

    def finished_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """The :meth:`state_dict` kept once the budget is spent: what re-reporting the run and continuing it
        with a larger budget need, without what only a run in progress needs (default: all of ``state``)."""
        return state

    @abstractmethod
    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        """Evaluate architectures through ``env`` and ``tracker.record`` until ``tracker.exhausted``.

        ``rng`` is the agent's numpy generator and ``tracker.seed`` the search's seed (for
        generators of other libraries, e.g. a ``torch.Generator``); nothing else is a source
        of randomness.
        """

    def run(
        self,
        env: gym.Env,
        budget: Budget | int,
        seed: int = 0,
        callbacks: Iterable[Callback] = (),
        *,
        history: Sequence[Evaluation] = (),
        resume: dict[str, Any] | None = None,
        checkpoint: Callable[[dict[str, Any]], Any] | None = None,
    ) -> SearchResult:
        """Search until the budget is spent; returns the full history.

        Args:
            env: the environment (a ``gym.make`` env or a ``NASEnv``).
            budget: a :class:`~nas_env.agents.budget.Budget` or a number of evaluations.
            seed: the search's one seed; see "Seeding" below.
            callbacks: called as ``cb(evaluation, tracker)`` after each counted evaluation.
            history: evaluations already done (when resuming).
            resume: a state from ``checkpoint`` to continue from (with the matching ``history``).
            checkpoint: called with the full search state (agent, RNGs, number of
                evaluations) wherever the agent calls ``tracker.checkpoint()``, and once at
                the end with ``final=True`` (``complete`` says whether the budget is spent).
                If it has a ``due()`` method, an intermediate state is only built and passed
                when ``due()`` returns True (a runner that throttles its checkpoints).

        Seeding (all in the block below, nowhere else): ``env.reset(seed=seed)`` seeds the
        env's RNG (table seeds, training seeds, the seeds of vector-env copies);
        ``env.action_space.seed(seed)``; the agent's ``rng = np.random.default_rng(seed)``;
        ``tracker.seed = seed`` for the agent's other generators (REINFORCE's torch generator).
        A resumed search restores the RNG states instead. A stateful evaluator (shared weights,
        ``Evaluator.stateful``) is checkpointed (``"evaluator"``) and restored with the search.
        """
        # ---- seeding: everything random in the search derives from `seed`, here
        env.reset(seed=seed)
        env.action_space.seed(seed)
        rng = np.random.default_rng(seed)
        tracker = SearchTracker(budget, callbacks, history, seed=seed)
        stateful = stateful_evaluator(env)
        if resume is not None:
            if resume["num_evaluations"] != len(history):
                raise ValueError(
                    f"resume state is at {resume['num_evaluations']} evaluations but {len(history)} "
                    "history entries were given"
                )
            rng.bit_generator.state = resume["rng"]
            env.unwrapped.np_random.bit_generator.state = resume["env_rng"]
            self.load_state_dict(resume["agent"])
            if stateful is not None and "evaluator" in resume:
                stateful.load_state_dict(resume["evaluator"])

        if checkpoint is not None:

            due = getattr(checkpoint, "due", None)

            def save(final: bool = False) -> None:
                if not final and due is not None and not due():
                    return  # the checkpointer would drop this state: do not build it (shared weights: ~0.1 s)
                checkpoint(
                    {
                        "num_evaluations": tracker.num_evaluations,
                        "rng": rng.bit_generator.state,
                        "env_rng": env.unwrapped.np_random.bit_generator.state,
                        "agent": self.finished_state(self.state_dict()) if final and tracker.exhausted
                        else self.state_dict(),
                        **({} if stateful is None else {"evaluator": stateful.state_dict()}),
                        "final": final,
                        "complete": tracker.exhausted,
                    }
                )

            tracker.checkpoint_fn = save
        try:
            if not tracker.exhausted:
                self.search(env, tracker, rng)
        except BudgetExhausted:
            pass
        if checkpoint is not None:
            save(final=True)  # the state after the search: a larger budget continues from here
        return self.result(seed, tracker.history)

    def result(self, seed: int, history: list[Evaluation]) -> SearchResult:
        """The :class:`SearchResult` of a search with ``history`` (also used to re-report a finished run)."""
        return SearchResult(agent=self.name, seed=seed, history=history, config=self.hyperparameters(),
                            extras=self.result_extras())
