"""A fast, seeded, deterministic synthetic objective with real structure.

The score of a token sequence ``t`` is

    s(t) = sum_p main[p, t_p] + sum_{(p, q) in pairs} inter[p, q][t_p, t_q]

with Gaussian main effects, a sparse set of pairwise interactions (so greedy
per-position search is not optimal) and, optionally, Gaussian noise drawn from
the env's RNG. The score is standardised over the space and squashed to a
validation accuracy in [0.10, 0.95]. A second, small deterministic term makes
``test_accuracy`` differ from the signal, as it does for real networks.
Cost grows with the tokens (larger choices "cost" more seconds), so
time-aware protocols have something to account.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from nas_env.evaluators.base import Evaluator, as_generator, make_metrics
from nas_env.spaces.base import SearchSpace
from nas_env.validation import check_real

__all__ = ["SyntheticEvaluator"]


class SyntheticEvaluator(Evaluator):
    """Synthetic accuracy for any space (positions beyond a sequence's length count as absent).

    Args:
        space: the search space whose token sequences are scored.
        seed: seed of the objective's coefficients (not of the noise).
        noise: standard deviation of Gaussian noise added to ``val_accuracy`` (0 = deterministic).
        num_interactions: number of interacting position pairs (default: ``max_length``).
        interaction_scale: size of interaction effects relative to main effects.
    """

    def __init__(
        self,
        space: SearchSpace,
        seed: int = 0,
        noise: float = 0.0,
        num_interactions: int | None = None,
        interaction_scale: float = 0.7,
    ):
        check_real("noise", noise, low=0)
        self.space = space
        self.seed = int(seed)
        self.noise = float(noise)
        L, C = space.max_length, space.max_choices
        rng = np.random.default_rng(self.seed)
        self._main = rng.normal(size=(L, C))
        n_pairs = L if num_interactions is None else int(num_interactions)
        self.interaction_scale = float(interaction_scale)
        pairs = set()
        while L > 1 and len(pairs) < min(n_pairs, L * (L - 1) // 2):
            p, q = sorted(rng.choice(L, size=2, replace=False).tolist())
            pairs.add((p, q))
        self._pairs = sorted(pairs)
        self._inter = rng.normal(scale=self.interaction_scale, size=(len(self._pairs), C, C))
        self._test_shift = rng.normal(scale=0.3, size=(L, C))
        self._cost = rng.uniform(0.5, 1.5, size=(L, C)) * (1 + np.arange(C))[None, :]
        # standardise the score over uniformly sampled sequences (seeded, so deterministic)
        probe = np.random.default_rng(self.seed + 1)
        scores = [self._score(space.sample(probe))[0] for _ in range(2000)]
        self._mu, self._sd = float(np.mean(scores)), float(np.std(scores)) or 1.0

    def _score(self, tokens: tuple[int, ...]) -> tuple[float, float, float]:
        idx = np.arange(len(tokens))
        t = np.asarray(tokens)
        s = float(self._main[idx, t].sum())
        for k, (p, q) in enumerate(self._pairs):
            if q < len(tokens):
                s += float(self._inter[k, tokens[p], tokens[q]])
        return s, float(self._test_shift[idx, t].sum()), float(self._cost[idx, t].sum())

    def evaluate(self, arch: Hashable, *, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
        self.check_fidelity(fidelity)
        tokens = self.space.encode(arch)
        s, shift, cost = self._score(tokens)
        z = (s - self._mu) / self._sd
        val = 0.10 + 0.85 / (1.0 + np.exp(-z))
        test = 0.10 + 0.85 / (1.0 + np.exp(-(z + 0.25 * shift)))
        if self.noise > 0:
            val = float(np.clip(val + as_generator(seed).normal(scale=self.noise), 0.0, 1.0))
        return make_metrics(val, test_accuracy=test, cost_seconds=cost, params=int(1000 * cost))

    def config(self) -> dict[str, Any]:
        return {
            "name": "SyntheticEvaluator",
            "seed": self.seed,
            "noise": self.noise,
            "num_interactions": len(self._pairs),
            "interaction_scale": self.interaction_scale,
        }
