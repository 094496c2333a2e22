"""The interface every search strategy implements, and the bookkeeping they share.

An agent's :meth:`Agent.run` plays architectures through a nas_env env (token
by token, the same way for RL and black-box strategies) and reports each
finished episode to a :class:`SearchTracker`. The tracker owns the
accounting, identical for every agent: evaluation index, simulated cost,
wall time, best-so-far, the budget, callbacks. It returns a
:class:`SearchResult` with the full history.

A new agent is one new file::

    @register_agent("my-agent")
    class MyAgent(Agent):
        Config = MyConfig          # a dataclass of hyperparameters
        def search(self, env, tracker, rng): ...
"""

from __future__ import annotations

import copy
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

__all__ = [
    "AGENTS",
    "Agent",
    "Budget",
    "BudgetExhausted",
    "Evaluation",
    "best_evaluation",
    "SearchResult",
    "SearchTracker",
    "make_agent",
    "play_tokens",
    "register_agent",
]


@dataclass(frozen=True)
class Budget:
    """How much search is allowed: a number of evaluations, simulated seconds, or both.

    With ``cost_seconds``, an evaluation that would push the total simulated cost
    over the budget is *not counted* (it is dropped and the search ends), so the
    accounted cost never exceeds the budget (NAS-Bench-201's convention).
    """

    evaluations: int | None = None
    cost_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.evaluations is None and self.cost_seconds is None:
            raise ValueError("a Budget needs evaluations, cost_seconds or both")
        if self.evaluations is not None and (isinstance(self.evaluations, bool) or int(self.evaluations) <= 0):
            raise ValueError(f"budget evaluations must be a positive integer, got {self.evaluations!r}")
        if self.cost_seconds is not None and not float(self.cost_seconds) > 0:
            raise ValueError(f"budget cost_seconds must be > 0, got {self.cost_seconds!r}")

    @classmethod
    def of(cls, budget: Budget | int) -> Budget:
        return budget if isinstance(budget, Budget) else cls(evaluations=budget)


class BudgetExhausted(Exception):
    """Raised by the tracker inside an agent's loop when the budget is spent."""


@dataclass
class Evaluation:
    """One evaluated architecture: a line of ``history.jsonl``."""

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
        d = asdict(self)
        d["tokens"] = list(self.tokens)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Evaluation:
        d = dict(d)
        d["tokens"] = tuple(d["tokens"])
        return cls(**{f.name: d[f.name] for f in fields(cls)})


def best_evaluation(history: Sequence[Evaluation]) -> Evaluation | None:
    """The evaluation with the highest reward, the earliest on ties; ``None`` for an empty history."""
    if not history:
        return None
    return max(history, key=lambda e: (e.reward, -e.index))


@dataclass
class SearchResult:
    """What a search returns: the whole history and where the best architecture is."""

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


Callback = Callable[[Evaluation, "SearchTracker"], Any]


class SearchTracker:
    """Counts evaluations, cost and time; enforces the budget; calls callbacks.

    Callbacks are called with ``(evaluation, tracker)`` after every counted
    evaluation; a callback returning ``False`` stops the search.
    """

    def __init__(
        self,
        budget: Budget | int,
        callbacks: Iterable[Callback] = (),
        history: Sequence[Evaluation] = (),
        checkpoint_fn: Callable[[], Any] | None = None,
    ):
        self.budget = Budget.of(budget)
        self.callbacks = list(callbacks)
        self.history: list[Evaluation] = list(history)
        self.stopped = False
        self.checkpoint_fn = checkpoint_fn
        self._wall_origin = time.perf_counter() - (self.history[-1].total_wall_seconds if self.history else 0.0)
        self._episode_start = time.perf_counter()

    # ---------------------------------------------------------------- status
    @property
    def num_evaluations(self) -> int:
        return len(self.history)

    @property
    def total_cost_seconds(self) -> float:
        return self.history[-1].total_cost_seconds if self.history else 0.0

    @property
    def best_reward(self) -> float:
        return self.history[-1].best_reward if self.history else float("-inf")

    @property
    def exhausted(self) -> bool:
        b = self.budget
        if self.stopped:
            return True
        if b.evaluations is not None and self.num_evaluations >= b.evaluations:
            return True
        return False

    def checkpoint(self) -> None:
        """Agents call this where their state is consistent (between evaluations or updates).

        The runner sets ``checkpoint_fn`` to persist the agent's ``state_dict`` together
        with the RNG states and the number of evaluations; without it this is a no-op.
        """
        if self.checkpoint_fn is not None and not self.exhausted:
            self.checkpoint_fn()

    def remaining_evaluations(self) -> int | None:
        if self.budget.evaluations is None:
            return None
        return max(0, self.budget.evaluations - self.num_evaluations)

    def start_episode(self) -> None:
        """Mark the start of an episode (for its wall time)."""
        self._episode_start = time.perf_counter()

    # --------------------------------------------------------------- record
    def record(self, reward: float, info: dict[str, Any], wall_seconds: float | None = None) -> Evaluation | None:
        """Count one finished episode; returns ``None`` when it did not fit the budget.

        Raises :class:`BudgetExhausted` if called after the budget is spent.
        """
        if self.exhausted:
            raise BudgetExhausted(f"budget {self.budget} is spent")
        now = time.perf_counter()
        metrics = info.get("metrics", {})
        cost = float(metrics.get("cost_seconds") or 0.0)
        if self.budget.cost_seconds is not None and self.total_cost_seconds + cost > self.budget.cost_seconds:
            self.stopped = True
            return None
        wall = (now - self._episode_start) if wall_seconds is None else float(wall_seconds)
        ev = Evaluation(
            index=self.num_evaluations,
            arch=info.get("arch"),
            tokens=tuple(int(t) for t in info.get("tokens", ())),
            reward=float(reward),
            metrics=metrics,
            cost_seconds=cost,
            wall_seconds=wall,
            total_cost_seconds=self.total_cost_seconds + cost,
            total_wall_seconds=now - self._wall_origin,
            best_reward=max(self.best_reward, float(reward)),
        )
        self.history.append(ev)
        self._episode_start = time.perf_counter()
        for cb in self.callbacks:
            if cb(ev, self) is False:
                self.stopped = True
        return ev


def play_tokens(env: gym.Env, tokens: Sequence[int]) -> tuple[float, dict[str, Any]]:
    """Reset ``env`` and play a whole architecture; returns the terminal reward and info."""
    env.reset()
    reward, info, terminated = 0.0, {}, False
    for tok in tokens:
        _, reward, terminated, truncated, info = env.step(int(tok))
        if terminated or truncated:
            break
    if not terminated:
        raise ValueError(f"tokens {tuple(tokens)} did not complete an architecture")
    return float(reward), info


def play_batch(
    env: gym.Env, token_lists: Sequence[Sequence[int]], executor: Any = None
) -> tuple[list[tuple[float, dict[str, Any]]], float]:
    """Play several architectures; returns ``[(reward, info), ...]`` in order and the wall seconds.

    Without an executor they are played one after the other through ``env``
    (:func:`play_tokens`). With one (a :class:`nas_env.executors.Executor`), they
    are played through a :class:`nas_env.vector.NASVectorEnv` of ``len(token_lists)``
    copies of ``env`` whose children are evaluated *concurrently* by the executor
    (and served from the env's store, if one is attached). The copies are seeded
    from ``env``'s RNG, so the run stays deterministic and resumable.
    """
    t0 = time.perf_counter()
    if executor is None or len(token_lists) == 0:
        return [play_tokens(env, tokens) for tokens in token_lists], time.perf_counter() - t0
    from nas_env.vector import NASVectorEnv

    base = env.unwrapped
    m = len(token_lists)
    vec = NASVectorEnv.from_env(env, m, executor)
    seeds = [int(s) for s in base.np_random.integers(2**31 - 1, size=m)]  # type: ignore[attr-defined]
    vec.reset(seed=seeds)
    out: list[tuple[float, dict[str, Any]] | None] = [None] * m
    longest = max(len(t) for t in token_lists)
    for pos in range(longest):
        actions = np.array([t[pos] if pos < len(t) else 0 for t in token_lists], dtype=np.int64)
        active = [out[i] is None and pos < len(t) for i, t in enumerate(token_lists)]
        # sub-episodes that already finished are parked on their autoreset step; never re-finish them
        _, rewards, terminated, _, _ = vec.step(actions)
        for i in np.flatnonzero(terminated):
            if active[i]:
                out[i] = (float(rewards[i]), vec.subs[i].last_info)
    missing = [i for i, o in enumerate(out) if o is None]
    if missing:
        raise ValueError(f"tokens {[tuple(token_lists[i]) for i in missing]} did not complete an architecture")
    return out, time.perf_counter() - t0  # type: ignore[return-value]


AGENTS: dict[str, type[Agent]] = {}


def register_agent(name: str) -> Callable[[type[Agent]], type[Agent]]:
    """Class decorator: make an agent findable by ``name`` (CLI, benchmarks)."""

    def deco(cls: type[Agent]) -> type[Agent]:
        if name in AGENTS and AGENTS[name] is not cls:
            raise ValueError(f"agent name {name!r} is already registered to {AGENTS[name].__name__}")
        cls.name = name
        AGENTS[name] = cls
        return cls

    return deco


def make_agent(name: str, **hyperparameters: Any) -> Agent:
    """Build a registered agent by name, overriding hyperparameters of its Config."""
    import agents  # noqa: F401  (registers the built-in agents)

    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; valid: {sorted(AGENTS)}")
    return AGENTS[name](**hyperparameters)


class Agent(ABC):
    """A search strategy. Subclasses set ``Config`` (a dataclass) and implement :meth:`search`.

    Resumable agents keep their mutable search state in attributes that
    :meth:`search` initialises only when they are unset (``None``), expose it via
    :meth:`state_dict` / :meth:`load_state_dict`, and call ``tracker.checkpoint()``
    wherever that state is consistent. The base implementation covers stateless
    agents (all their randomness is the ``rng`` that :meth:`run` saves).
    ``self.extras`` (plain, JSON-serialisable values) ends up in ``SearchResult.extras``.
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
        #: a ``nas_env.executors.Executor`` for agents that evaluate batches (REINFORCE's m children)
        #: concurrently; ``None`` plays them one after the other. Not a hyperparameter: set by the runner.
        self.executor: Any = None

    def hyperparameters(self) -> dict[str, Any]:
        """The config as a plain dict (stored in summaries)."""
        return asdict(self.config) if is_dataclass(self.config) else {}

    def state_dict(self) -> dict[str, Any]:
        """The agent's mutable search state (picklable); stateless agents keep only extras."""
        return {"extras": copy.deepcopy(self.extras)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.extras = copy.deepcopy(state.get("extras", {}))

    @abstractmethod
    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        """Evaluate architectures through ``env`` and ``tracker.record`` until ``tracker.exhausted``."""

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
            budget: a :class:`Budget` or a number of evaluations.
            seed: seeds the env, its action space, the agent's ``rng`` (and torch generators).
            callbacks: called as ``cb(evaluation, tracker)`` after each counted evaluation.
            history: evaluations already done (when resuming).
            resume: a state from ``checkpoint`` to continue from (with the matching ``history``).
            checkpoint: called with the full search state (agent, RNGs, number of
                evaluations) wherever the agent calls ``tracker.checkpoint()``, and once at
                the end with ``final=True`` (``complete`` says whether the budget is spent).
        """
        env.reset(seed=seed)
        env.action_space.seed(seed)
        rng = np.random.default_rng(seed)
        self.seed = seed
        if resume is not None:
            if resume["num_evaluations"] != len(history):
                raise ValueError(
                    f"resume state is at {resume['num_evaluations']} evaluations but {len(history)} "
                    "history entries were given"
                )
            rng.bit_generator.state = resume["rng"]
            env.unwrapped.np_random.bit_generator.state = resume["env_rng"]
            self.load_state_dict(resume["agent"])

        tracker = SearchTracker(budget, callbacks, history)
        if checkpoint is not None:

            def save(final: bool = False) -> None:
                checkpoint(
                    {
                        "num_evaluations": tracker.num_evaluations,
                        "rng": rng.bit_generator.state,
                        "env_rng": env.unwrapped.np_random.bit_generator.state,
                        "agent": self.state_dict(),
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
        return SearchResult(
            agent=self.name,
            seed=seed,
            history=tracker.history,
            config=self.hyperparameters(),
            extras=self.extras,
        )
