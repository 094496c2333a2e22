"""Regularized (aging) evolution (Real et al., AAAI 2019), as NAS-Bench-201 ran it.

1. Fill a population with ``population_size`` random architectures (each evaluated).
2. Repeat: draw ``sample_size`` members at random (the tournament), take the one with
   the highest reward as parent, mutate ONE of its tokens to another valid value,
   evaluate the child, append it, and remove the OLDEST member (aging, not the worst).

``variant="nb201"`` is NAS-Bench-201's own code (D-X-Y/AutoDL-Projects,
``exps/NAS-Bench-201-algos/R_EA.py``) where it differs from the default: the tournament is drawn
WITH replacement (``random.choice`` ``sample_size`` times), and mutation picks a node of the
cell uniformly (nodes 1, 2, 3), then one of that node's incoming edges uniformly, and changes its
operation to a different one -- so edge 1<-0 is mutated with probability 1/3, each edge into node
3 with 1/9 (default: every edge 1/6). It needs a NAS-Bench-201 cell space.

Variable-length grammars: changing token ``i`` may change which decisions follow.
The suffix is re-completed validly: each later token of the parent is kept if it is
still a valid choice at that position (same decision name and in range), else
re-sampled uniformly; new decisions are sampled and surplus tokens dropped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from nas_env.agents.base import Agent
from nas_env.agents.play import play_tokens
from nas_env.agents.registry import register_agent
from nas_env.agents.tracker import SearchTracker
from nas_env.spaces.base import SearchSpace
from nas_env.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Space
from nas_env.validation import check_choice, check_int


@dataclass
class EvolutionConfig:
    """Hyperparameters (defaults: NAS-Bench-201's REA, P=10, S=3)."""

    population_size: int = 10
    sample_size: int = 3
    variant: str = "default"
    """``"default"``: tournament without replacement, mutation of a uniformly chosen token;
    ``"nb201"``: NAS-Bench-201's R_EA.py (tournament with replacement, node-then-edge mutation)."""


VARIANTS = ("default", "nb201")


def mutate(space: SearchSpace, tokens: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
    """Change one token (chosen uniformly among positions with >= 2 valid choices) to another valid value.

    Later tokens are kept where still valid, else re-sampled (variable-length grammars; a
    decision's ``valid`` subset is honoured). Returns the parent unchanged only if no
    decision has two valid choices.
    """
    decisions = space.decisions(tokens)
    mutable = [i for i, d in enumerate(decisions) if d.num_valid > 1]
    if not mutable:
        return tuple(tokens)
    pos = mutable[int(rng.integers(len(mutable)))]
    d = decisions[pos]
    others = [k for k in d.valid_tokens if k != tokens[pos]]
    new = others[int(rng.integers(len(others)))]  # uniform over the other values
    out = list(tokens[:pos]) + [new]
    k = pos + 1
    nxt = space.next_decision(out)
    while nxt is not None:
        old = decisions[k] if k < len(tokens) else None
        if old is not None and old.name == nxt.name and nxt.is_valid(tokens[k]):
            out.append(int(tokens[k]))
        else:
            out.append(nxt.valid_tokens[int(rng.integers(nxt.num_valid))])
        k += 1
        nxt = space.next_decision(out)
    return tuple(out)


def mutate_nb201(space: SearchSpace, tokens: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
    """NAS-Bench-201's mutation: a node uniformly, one of its incoming edges uniformly, another op."""
    if not isinstance(space, NB201Space):
        raise ValueError(f"evolution variant 'nb201' needs the NAS-Bench-201 cell space, got {space!r}")
    nodes = sorted({to for to, _ in NB201_EDGES})
    node = nodes[int(rng.integers(len(nodes)))]
    incoming = [i for i, (to, _) in enumerate(NB201_EDGES) if to == node]
    pos = incoming[int(rng.integers(len(incoming)))]
    new = int(rng.integers(len(NB201_OPS) - 1))
    new += new >= tokens[pos]  # uniform over the other ops (NB201 re-draws until different)
    out = list(tokens)
    out[pos] = new
    return tuple(out)


@register_agent("evolution")
class RegularizedEvolution(Agent):
    """Aging evolution: tournament of ``sample_size`` from a population of ``population_size``."""

    Config = EvolutionConfig

    def __init__(self, config: Any = None, **overrides: Any):
        super().__init__(config, **overrides)
        c = self.config
        check_int("population_size", c.population_size)
        check_int("sample_size", c.sample_size, high=c.population_size)  # at most the population
        check_choice("evolution variant", c.variant, VARIANTS)
        #: (tokens, reward) oldest first
        self.population: deque[tuple[tuple[int, ...], float]] = deque()

    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        c = self.config
        space = env.unwrapped.space  # type: ignore[attr-defined]
        while not tracker.exhausted:
            tracker.checkpoint()  # population and rng are consistent between evaluations
            if len(self.population) < c.population_size:
                tokens = space.sample(rng)
            else:
                nb201 = c.variant == "nb201"
                idx = rng.choice(len(self.population), size=c.sample_size, replace=nb201)
                parent = max((self.population[int(i)] for i in idx), key=lambda p: p[1])
                tokens = (mutate_nb201 if nb201 else mutate)(space, parent[0], rng)
            tracker.start_episode()
            reward, info = play_tokens(env, tokens)
            if tracker.record(reward, info) is None:
                return
            self.population.append((tuple(tokens), float(reward)))
            if len(self.population) > c.population_size:
                self.population.popleft()  # aging: the oldest dies

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "population": [(list(t), r) for t, r in self.population]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.population = deque((tuple(t), float(r)) for t, r in state.get("population", []))
