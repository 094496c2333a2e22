"""``nsga2``: multi-objective search with Optuna's NSGA-II (Deb et al., 2002) through ask/tell.

Maximises the reward and minimises the metrics named in ``objectives`` -- the
costs the tables ship: ``params`` (NAS-Bench-201, NAS-Bench-Macro and the
training envs), ``latency_ms.<device>`` (NAS-Bench-201's HW-NAS-Bench latencies,
e.g. ``latency_ms.pixel3``), ``cost_seconds`` or ``flops``. A child lacking one
of them (a failure) is told to Optuna as failed. At the end, the run's
``extras["pareto_front"]`` lists the non-dominated evaluations of the whole
history (:func:`pareto_front`), which the single-run report draws. See
:mod:`nas_env.agents.optuna_agent` for seeding and resume. Needs the ``optuna`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nas_env.agents.history import Evaluation
from nas_env.agents.optuna_agent import OptunaAgent, metric_at, objective_value
from nas_env.agents.registry import register_agent
from nas_env.agents.tracker import SearchTracker
from nas_env.validation import check_int, check_name_list, check_real

__all__ = ["NSGA2Agent", "NSGA2Config", "dominates", "pareto_front"]


@dataclass
class NSGA2Config:
    """Hyperparameters (Optuna's ``NSGAIISampler``; a population of 20 fits ~100-evaluation budgets)."""

    objectives: tuple[str, ...] = ("params",)
    """metrics minimised next to the maximised reward (a list from JSON is fine)"""
    population_size: int = 20
    crossover_prob: float = 0.9
    swapping_prob: float = 0.5
    mutation_prob: float | None = None
    """None: Optuna's 1 / number of parameters"""


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether point ``a`` dominates ``b``: reward (first) >= and every cost (rest) <=, one strictly."""
    no_worse = a[0] >= b[0] and all(x <= y for x, y in zip(a[1:], b[1:]))
    return no_worse and tuple(a) != tuple(b)


def pareto_front(history: Sequence[Evaluation], objectives: Sequence[str]) -> list[dict[str, Any]]:
    """The non-dominated evaluations (one per architecture), by ascending first objective.

    Each entry: ``index``, ``arch``, ``reward`` and the value of every objective.
    Evaluations lacking an objective (failed children) take no part.
    """
    points: dict[str, tuple[Evaluation, tuple[float, ...]]] = {}
    for e in history:
        costs = [objective_value(e.metrics, key) for key in objectives]
        if e.arch is None or any(c is None for c in costs) or e.arch in points:
            continue
        points[e.arch] = (e, (float(e.reward), *costs))  # type: ignore[arg-type]
    front = [(e, p) for e, p in points.values() if not any(dominates(q, p) for _, q in points.values())]
    front.sort(key=lambda ep: (ep[1][1:], -ep[1][0], ep[0].index))
    return [{"index": e.index, "arch": e.arch, "reward": p[0],
             **{k: _plain(metric_at(e.metrics, k)) for k in objectives}} for e, p in front]


def _plain(value: Any) -> Any:
    """A numpy scalar as a plain Python number (the front goes to JSON)."""
    return value.item() if hasattr(value, "item") else value


@register_agent("nsga2")
class NSGA2Agent(OptunaAgent):
    """Optuna's NSGA-II sampler, seeded with the search's seed: reward up, ``objectives`` down."""

    Config = NSGA2Config

    def check_config(self) -> None:
        c = self.config
        c.objectives = tuple(check_name_list("objectives", c.objectives, such_as="['params'] or ['latency_ms.pixel3']"))
        check_int("population_size", c.population_size, low=2)
        for key in ("crossover_prob", "swapping_prob", "mutation_prob"):  # probabilities
            check_real(key, getattr(c, key), low=0.0, high=1.0, optional=key == "mutation_prob")

    def objectives(self) -> Sequence[str]:
        return self.config.objectives

    def make_sampler(self, seed: int) -> Any:
        c = self.config
        return self._optuna.samplers.NSGAIISampler(seed=seed, population_size=c.population_size,
                                                   crossover_prob=c.crossover_prob, swapping_prob=c.swapping_prob,
                                                   mutation_prob=c.mutation_prob)

    def finish_search(self, tracker: SearchTracker) -> None:
        self.extras["objectives"] = list(self.config.objectives)
        self.extras["pareto_front"] = pareto_front(tracker.history, self.config.objectives)
