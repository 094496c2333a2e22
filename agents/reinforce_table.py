"""NAS-Bench-201's REINFORCE baseline, exactly: a table of independent logits, one architecture per update.

This is the algorithm behind the "REINFORCE" row of NAS-Bench-201's Table 5 (Dong & Yang,
ICLR 2020), as written in D-X-Y/AutoDL-Projects ``exps/NAS-Bench-201-algos/reinforce.py``
(run by ``scripts-search/algos/REINFORCE.sh``); it is *not* Zoph & Le's LSTM controller
(that is ``reinforce``). Checked against that source (found with the ``search`` tool):

- **Policy**: one logit vector per decision (``arch_parameters``: edges x ops, initialised
  ``1e-3 * N(0, 1)``), one softmax per decision, decisions independent (no LSTM, no sharing).
- **One architecture per update**: sample every decision, evaluate, update.
- **Baseline**: ``ExponentialMovingAverage(momentum)`` with bias correction --
  ``num <- d * num + (1 - d) * R``, ``den <- d * den + (1 - d)``, ``b = num / den`` -- and it is
  updated with the new reward BEFORE the advantage is computed: ``A = R - b`` (so the first
  update has ``A = 0`` and moves nothing, though Adam counts the step).
- **Loss**: ``-(log p(tokens)) * A`` on the raw reward (validation accuracy; no cubing, no
  entropy bonus), one Adam step (lr 0.001, ``--learning_rate 0.001 --EMA_momentum 0.9`` in
  ``REINFORCE.sh``).
- **Answer**: the best-reward architecture of the trace (NB201: ``max(trace)``).

One difference of accounting (see the protocol notes): NB201's loop appends the query that
crosses the time budget to its trace before it breaks; here, as for every agent, an evaluation
that does not fit the budget is not counted (:class:`~nas_env.agents.tracker.SearchTracker`).

Spaces: any fixed-length grammar (``FixedSearchSpace``); a decision with fewer choices than
the space's widest (or a ``valid`` subset of its choices) has the other logits masked out of its softmax.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from nas_env.agents.base import Agent, diagnostics_from
from nas_env.agents.diagnostics import ControllerDiagnostics, ControllerSnapshots, UpdateLog
from nas_env.agents.play import play_tokens
from nas_env.agents.registry import register_agent
from nas_env.agents.tracker import SearchTracker
from nas_env.spaces import Decision, FixedSearchSpace, SearchSpace
from nas_env.validation import check_real

__all__ = ["BiasCorrectedEMA", "LogitTable", "ReinforceTable", "ReinforceTableConfig"]


@dataclass
class ReinforceTableConfig:
    """Hyperparameters; defaults are NAS-Bench-201's ``scripts-search/algos/REINFORCE.sh``.

    NATS-Bench's ``exps/NATS-algos/run-all.sh`` runs the same algorithm with ``--learning_rate 0.01``
    (pass ``lr=0.01`` for that); ``lr=0`` is the no-learning ablation (the policy stays at its
    near-uniform initialisation).
    """

    lr: float = 0.001
    """Adam learning rate (NB201: 0.001; NATS-Bench's run-all: 0.01)."""
    baseline_decay: float = 0.9
    """Momentum ``d`` of the bias-corrected EMA baseline (NB201's ``--EMA_momentum 0.9``)."""
    init_std: float = 1e-3
    """Logits start at ``init_std * N(0, 1)`` (NB201: ``1e-3 * torch.randn``); 0 = exactly uniform."""
    torch_threads: int | None = 1
    """torch intra-op threads during the search (restored after); None leaves torch's setting."""


class BiasCorrectedEMA:
    """NAS-Bench-201's ``ExponentialMovingAverage``: ``num / den`` with both decayed by ``momentum``."""

    def __init__(self, momentum: float, numerator: float = 0.0, denominator: float = 0.0):
        self.momentum = float(momentum)
        self.numerator = float(numerator)
        self.denominator = float(denominator)

    def update(self, value: float) -> None:
        d = self.momentum
        self.numerator = d * self.numerator + (1 - d) * float(value)
        self.denominator = d * self.denominator + (1 - d)

    @property
    def value(self) -> float:
        """The bias-corrected average (``ValueError`` before the first update)."""
        if self.denominator == 0.0:
            raise ValueError("the moving average has no value before its first update")
        return self.numerator / self.denominator


def _allowed(decision: Decision, width: int) -> np.ndarray:
    """The decision's allowed tokens padded to ``width`` (its ``valid`` subset where the grammar masks choices)."""
    if hasattr(decision, "mask"):
        return np.asarray(decision.mask(width), dtype=bool)
    return np.arange(width) < decision.num_choices


class LogitTable(torch.nn.Module):
    """Independent logits per decision of a fixed grammar, surplus choices masked to ``-inf``."""

    def __init__(self, space: FixedSearchSpace, init_std: float, generator: torch.Generator):
        super().__init__()
        decisions = space.fixed_decisions
        width = max(d.num_choices for d in decisions)
        self.logits = torch.nn.Parameter(init_std * torch.randn(len(decisions), width, generator=generator))
        self.register_buffer("mask", torch.as_tensor(np.stack([_allowed(d, width) for d in decisions])))

    def log_probs(self) -> torch.Tensor:
        """``[decision, choice]`` log-probabilities (``-inf`` for masked choices)."""
        return torch.log_softmax(self.logits.masked_fill(~self.mask, float("-inf")), dim=-1)

    def sample(self, generator: torch.Generator) -> tuple[tuple[int, ...], torch.Tensor]:
        """One architecture and its log-probability (differentiable)."""
        lp = self.log_probs()
        tokens = torch.multinomial(lp.detach().exp(), 1, generator=generator).squeeze(1)
        return tuple(int(t) for t in tokens), self.log_prob(tokens, lp)

    def log_prob(self, tokens: Any, lp: torch.Tensor | None = None) -> torch.Tensor:
        lp = self.log_probs() if lp is None else lp
        idx = torch.as_tensor(tokens, dtype=torch.long)
        return lp[torch.arange(len(idx)), idx].sum()

    def entropy_per_token(self) -> float:
        with torch.no_grad():
            lp = self.log_probs()
            p = lp.exp()
            return float(-(p * lp.masked_fill(~self.mask, 0.0)).sum(-1).mean())

    def decision_probs(self, tokens: Any) -> list[list[float]]:
        """Per decision, its probabilities over its own choices (masked ones dropped)."""
        with torch.no_grad():
            p = self.log_probs().exp()
        return [p[i][self.mask[i]].tolist() for i in range(len(tokens))]


@register_agent("reinforce-table")
class ReinforceTable(Agent):
    """NAS-Bench-201's REINFORCE (independent logits per decision); see the module docstring.

    ``extras``: ``diagnostics`` (one :class:`~nas_env.agents.diagnostics.UpdateLog` per update: entropy per
    token, baseline after the update, the update's reward) and ``snapshots`` (P(best architecture)
    under the initial and the final policy).
    """

    Config = ReinforceTableConfig

    def __init__(self, config: Any = None, **overrides: Any):
        super().__init__(config, **overrides)
        c = self.config
        check_real("lr", c.lr, low=0.0)
        check_real("baseline_decay", c.baseline_decay, low=0.0, high=1.0, high_open=True)
        check_real("init_std", c.init_std, low=0.0)
        self.policy: LogitTable | None = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.generator: torch.Generator | None = None
        self.baseline = BiasCorrectedEMA(c.baseline_decay)
        self.updates = 0
        self.initial_logits: torch.Tensor | None = None
        self._pending_state: dict[str, Any] | None = None  # loaded by load_state_dict, restored by search

    def setup(self, space: SearchSpace, seed: int) -> None:
        """Build the policy (seeded by ``seed``) and its Adam optimizer."""
        if not isinstance(space, FixedSearchSpace):
            raise ValueError(f"reinforce-table needs a fixed-length space (FixedSearchSpace), got {space!r}")
        self.generator = torch.Generator().manual_seed(seed)
        self.policy = LogitTable(space, self.config.init_std, self.generator)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=self.config.lr)
        self.initial_logits = self.policy.logits.detach().clone()
        self.baseline = BiasCorrectedEMA(self.config.baseline_decay)
        self.updates = 0
        self.diagnostics = ControllerDiagnostics()

    def update(self, log_prob: torch.Tensor, reward: float) -> float:
        """NB201's step: baseline first, then ``-(R - b) * log p`` and one Adam step; returns the advantage."""
        assert self.optimizer is not None
        self.baseline.update(reward)
        advantage = float(reward) - self.baseline.value
        loss = -log_prob * advantage
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.updates += 1
        return advantage

    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        space = env.unwrapped.space  # type: ignore[attr-defined]
        if self._pending_state is not None:
            self._restore(space, tracker.seed)
        elif self.policy is None:
            self.setup(space, tracker.seed)
        assert self.policy is not None and self.generator is not None and self.diagnostics is not None
        threads = torch.get_num_threads()
        if self.config.torch_threads is not None:
            torch.set_num_threads(self.config.torch_threads)
        try:
            while not tracker.exhausted:
                tracker.checkpoint()  # policy, optimizer, baseline and generator are consistent here
                tokens, log_prob = self.policy.sample(self.generator)
                tracker.start_episode()
                reward, info = play_tokens(env, tokens)
                if tracker.record(reward, info) is None:
                    break  # did not fit the budget
                self.update(log_prob, float(reward))
                self.diagnostics.append(UpdateLog(self.updates, tracker.num_evaluations,
                                                  self.policy.entropy_per_token(), self.baseline.value,
                                                  float(reward)))
        finally:
            self._finish(tracker)
            torch.set_num_threads(threads)

    def _finish(self, tracker: SearchTracker) -> None:
        """P(best architecture) under the initial and the final policy (``extras["snapshots"]``)."""
        if self.policy is None or not tracker.history or self.initial_logits is None:
            return
        best = max(tracker.history, key=lambda e: (e.reward, -e.index))
        if len(best.tokens) != self.policy.mask.shape[0]:
            return
        out = ControllerSnapshots(best.arch, list(best.tokens),
                                  [f"decision_{i}" for i in range(len(best.tokens))])
        probe = copy.deepcopy(self.policy)
        for upd, evals, logits in ((0, 0, self.initial_logits),
                                   (self.updates, tracker.num_evaluations, self.policy.logits.detach())):
            with torch.no_grad():
                probe.logits.copy_(logits)
            lp = float(probe.log_prob(best.tokens).detach())
            out.add(upd, evals, lp, float(np.exp(lp)), probe.decision_probs(best.tokens))
        self.extras["snapshots"] = out.to_json()

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        if self._pending_state is not None:
            return self._pending_state  # loaded but not yet restored into a policy
        if self.policy is None:
            return super().state_dict()
        assert self.diagnostics is not None
        state: dict[str, Any] = {"extras": copy.deepcopy(self.extras), "diagnostics": self.diagnostics.to_json()}
        state.update(
            logits=self.policy.logits.detach().clone(),
            optimizer=copy.deepcopy(self.optimizer.state_dict()),  # type: ignore[union-attr]
            generator=self.generator.get_state(),  # type: ignore[union-attr]
            baseline=(self.baseline.numerator, self.baseline.denominator),
            updates=self.updates,
            initial_logits=self.initial_logits.clone(),  # type: ignore[union-attr]
        )
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if "logits" not in state:
            return
        self._pending_state = state

    def _restore(self, space: SearchSpace, seed: int) -> None:
        """Rebuild the policy for ``space`` and load the saved logits, optimizer, generator and baseline."""
        state = self._pending_state
        assert state is not None
        self.setup(space, seed)
        self.diagnostics = diagnostics_from(state["diagnostics"])
        assert self.policy is not None
        with torch.no_grad():
            self.policy.logits.copy_(state["logits"])
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=self.config.lr)
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator = torch.Generator()
        self.generator.set_state(state["generator"])
        self.baseline = BiasCorrectedEMA(self.config.baseline_decay, *state["baseline"])
        self.updates = state["updates"]
        self.initial_logits = state["initial_logits"].clone()
        self._pending_state = None
