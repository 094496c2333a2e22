"""Optuna samplers as agents, through Optuna's ask/tell interface: the shared loop of ``tpe`` and ``nsga2``.

Every decision of the grammar is one categorical Optuna parameter, named after the
decision (``"edge_2<-1"``), over the decision's valid tokens; a decision whose
``valid`` subset masks choices gets its own parameter (``"layer1/op[0, 1]"``),
since Optuna's distributions must not change between trials. Variable-length
grammars work as define-by-run: the parameters of a trial are the decisions its
own prefix reaches. Each asked trial is played through the env like every
agent's architecture (:func:`nas_env.agents.play.play_tokens`), recorded by the tracker,
and told to the study: the reward (and, multi-objective, the metrics that
:meth:`OptunaAgent.objectives` names). A trial that does not fit the budget is
never told.

**Seeding.** The sampler is seeded with the search's seed (``tracker.seed``);
Optuna uses no other randomness, so a seed gives one history.

Trials are asked one at a time: the runner's executor (worker processes for
training envs) is not used, children train in the search process.

**Resume.** :meth:`state_dict` holds the study as plain data (its trials and the
sampler's random states, :mod:`nas_env.agents.optuna_state`; nothing is pickled); a
resumed search rebuilds the study around a new sampler and continues exactly as an
uninterrupted one would (``exact_resume`` is ``True``) with the same Optuna version.

Optuna is an extra (``pip install -e '.[optuna]'``), imported only when an
agent is built; without it, building one raises ``ImportError`` with that hint.
Optuna's per-trial INFO logs are silenced during a search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from nas_env.agents.base import Agent
from nas_env.agents.optuna_state import restore_study, study_state
from nas_env.agents.play import play_tokens
from nas_env.agents.tracker import SearchTracker
from nas_env.spaces.base import Decision, SearchSpace

__all__ = [
    "OptunaAgent", "check_objectives", "import_optuna", "metric_at", "metric_names", "objective_value", "param_name",
    "suggest_tokens",
]


def import_optuna(agent: str) -> Any:
    """``import optuna``, or ``ImportError`` saying how to install it for ``agent``."""
    try:
        import optuna
    except ImportError as exc:
        raise ImportError(f"agent {agent!r} needs Optuna: pip install optuna (or, in the nas-env checkout, "
                          "pip install -e '.[optuna]')") \
            from exc
    return optuna


def param_name(d: Decision) -> str:
    """The Optuna parameter of decision ``d``: its name, plus its valid subset where it masks choices."""
    return d.name if d.valid is None else f"{d.name}{list(d.valid)}"


def suggest_tokens(trial: Any, space: SearchSpace) -> tuple[int, ...]:
    """Walk the grammar, asking ``trial`` for one categorical token per decision."""
    tokens: list[int] = []
    d = space.next_decision(tokens)
    while d is not None:
        tokens.append(int(trial.suggest_categorical(param_name(d), list(d.valid_tokens))))
        d = space.next_decision(tokens)
    return tuple(tokens)


class OptunaAgent(Agent):
    """An Optuna sampler driven through ask/tell; subclasses say which sampler and which objectives."""

    def __init__(self, config: Any = None, **overrides: Any):
        super().__init__(config, **overrides)
        self._optuna = import_optuna(self.name)
        self.check_config()
        #: the Optuna study (``None`` until the search starts or a state is loaded)
        self.study: Any = None
        #: a loaded study state, rebuilt around the search's sampler when the search starts
        self._study_state: dict[str, Any] | None = None

    # ------------------------------------------------------------ subclass API
    def check_config(self) -> None:
        """Raise ``ValueError`` naming a bad hyperparameter (default: nothing to check)."""

    def make_sampler(self, seed: int) -> Any:
        """The seeded Optuna sampler."""
        raise NotImplementedError

    def objectives(self) -> Sequence[str]:
        """Metrics minimised next to the maximised reward (multi-objective agents); empty for one objective."""
        return ()

    # ------------------------------------------------------------------ search
    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        optuna = self._optuna
        space: SearchSpace = env.unwrapped.space  # type: ignore[attr-defined]
        objectives = tuple(self.objectives())
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            sampler = self.make_sampler(int(tracker.seed or 0))
            if self._study_state is not None:
                self.study, self._study_state = restore_study(optuna, sampler, self._study_state), None
            elif self.study is None:
                self.study = optuna.create_study(sampler=sampler,
                                                 directions=["maximize"] + ["minimize"] * len(objectives))
            checked = False  # the objectives, against the first successful child's metrics
            while not tracker.exhausted:
                tracker.checkpoint()  # between trials: the study holds every told trial
                trial = self.study.ask()
                tokens = suggest_tokens(trial, space)
                tracker.start_episode()
                reward, info = play_tokens(env, tokens)
                if tracker.record(reward, info) is None:
                    return  # did not fit the budget: never told
                metrics = info.get("metrics") or {}
                if objectives and not checked and metrics.get("status") == "ok":
                    check_objectives(objectives, metrics)  # a typo would make every trial a failure
                    checked = True
                values = [reward, *(objective_value(metrics, key) for key in objectives)]
                if any(v is None for v in values):  # a failed child has no params/latency: Optuna skips it
                    self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                else:
                    self.study.tell(trial, values if objectives else reward)
        finally:
            optuna.logging.set_verbosity(verbosity)
            self.finish_search(tracker)

    def finish_search(self, tracker: SearchTracker) -> None:
        """Hook after the search (extras from the full history); default: nothing."""

    # ------------------------------------------------------------------ resume
    def state_dict(self) -> dict[str, Any]:
        study = self._study_state if self.study is None else study_state(self.study)
        return {**super().state_dict(), "study": study}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        study = state.get("study")
        if study is not None and not isinstance(study, dict):
            raise ValueError(f"the checkpoint's Optuna study must be plain data (a dict), got {type(study).__name__}")
        self.study, self._study_state = None, study


def metric_at(metrics: dict[str, Any], key: str) -> Any:
    """``metrics[key]`` as it is; ``"latency_ms.pixel3"`` reads a nested dict; ``None`` where missing.

    ``ValueError`` naming the key for a value that is not a number.
    """
    value: Any = metrics
    for part in key.split("."):
        if not isinstance(value, dict) or value.get(part) is None:
            return None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"objective {key!r} must name a numeric metric, got {value!r}")
    return value


def metric_names(metrics: dict[str, Any], prefix: str = "") -> list[str]:
    """The numeric metrics of ``metrics`` as objective names (nested dicts dotted: ``"latency_ms.pixel3"``)."""
    names: list[str] = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            names += metric_names(value, f"{prefix}{key}.")
        elif not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating)):
            names.append(f"{prefix}{key}")
    return names


def check_objectives(objectives: Sequence[str], metrics: dict[str, Any]) -> None:
    """``ValueError`` naming an objective that a successful child's ``metrics`` lack, and the metrics it has."""
    for key in objectives:
        if metric_at(metrics, key) is None:
            raise ValueError(f"objective {key!r} is not a metric of this env's children; "
                             f"valid: {sorted(metric_names(metrics))}")


def objective_value(metrics: dict[str, Any], key: str) -> float | None:
    """:func:`metric_at` as a float (``None`` where missing)."""
    value = metric_at(metrics, key)
    return None if value is None else float(value)
