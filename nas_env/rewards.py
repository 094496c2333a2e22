"""Reward transforms: metrics dict -> float.

==================  ==========================================================
name                reward of a successful child
==================  ==========================================================
``"accuracy"``      ``val_accuracy`` (a fraction in [0, 1]); the default
``"cubed"``         ``val_accuracy ** 3`` (Zoph & Le's CIFAR-10 reward)
``"ppl"``           ``80 / val_perplexity ** 2`` (Zoph & Le's Penn Treebank reward, c = 80, set
                    for word-level perplexities of 60-80; :class:`PerplexityReward` for another c)
``"char_ppl"``      ``3.15 / val_perplexity ** 2``: the same reward with c scaled for
                    character-level perplexity (:data:`CHAR_PPL_C`: a typical character
                    perplexity gets the paper's typical reward); not a fraction, not a percentage
``"bpc"``           ``1 - val_loss / ln(vocab_size)`` = ``1 - val_bpc / log2(vocab_size)``,
                    clipped at 0: the fraction of the uniform guess's code length saved,
                    in [0, 1] (0 = no better than uniform, 1 = perfect); the default of
                    character-level language modelling (``nas_env/ZophLeRNN-v0``)
callable            ``fn(metrics) -> float``, anything you like
:class:`Penalized`  accuracy times ``(metric / target) ** weight`` (MnasNet-style
                    soft constraint on parameters, latency, FLOPs...)
==================  ==========================================================

A failed child (``status != "ok"``) never reaches the transform: the env pays
its ``failure_reward`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CHAR_PPL_C",
    "REWARDS",
    "Penalized",
    "PerplexityReward",
    "RewardFn",
    "accuracy",
    "bits_saved",
    "cubed",
    "make_reward",
]

RewardFn = Callable[[Mapping[str, Any]], float]


def accuracy(metrics: Mapping[str, Any]) -> float:
    """Validation accuracy as a fraction in [0, 1]."""
    return float(metrics["val_accuracy"])


def cubed(metrics: Mapping[str, Any]) -> float:
    """Zoph & Le's reward: validation accuracy cubed (sharpens differences near the top)."""
    return float(metrics["val_accuracy"]) ** 3


@dataclass(frozen=True)
class PerplexityReward:
    """Zoph & Le's language-modelling reward ``c / metrics[key] ** 2`` (c = 80 for word-level PTB)."""

    c: float = 80.0
    key: str = "val_perplexity"

    def __call__(self, metrics: Mapping[str, Any]) -> float:
        return self.c / float(metrics[self.key]) ** 2


#: c of the paper's reward ``c / ppl^2`` scaled for **character** perplexity. Zoph & Le set c = 80 for word-level
#: Penn Treebank perplexities of 60-80, so their children's rewards were about 80 / 70^2 = 0.016 (0.012-0.022).
#: Character perplexities are 5-10x smaller: 51 random base-8 cells of ``nas_env/ZophLeRNN-v0`` (1 epoch on
#: 45,000 tinyshakespeare characters, random search seed 900, not a reported seed) had validation perplexity
#: 8.3-25.3, median 13.9, where c = 80 gives rewards 0.12-1.16 (a "111%" in a table read as percent). Mapping
#: the median 13.9 to the paper's 70: c = 80 * (13.9 / 70)^2 = 3.15, so typical rewards are the paper's (about
#: 0.016) and the best cells' about 0.045. The ordering of cells, the reward ratios between them and, under
#: REINFORCE with Adam and no entropy bonus (scale-free up to Adam's epsilon), the controller's updates do not
#: depend on c.
CHAR_PPL_C = 3.15


def bits_saved(metrics: Mapping[str, Any]) -> float:
    """``max(0, 1 - val_loss / ln(vocab_size))``: 1 - bits per token over the bits of a uniform guess."""
    return max(0.0, 1.0 - float(metrics["val_loss"]) / math.log(float(metrics["vocab_size"])))


REWARDS: dict[str, RewardFn] = {
    "accuracy": accuracy,
    "cubed": cubed,
    "ppl": PerplexityReward(80.0),
    "char_ppl": PerplexityReward(CHAR_PPL_C),
    "bpc": bits_saved,
}


def _lookup(metrics: Mapping[str, Any], key: str) -> float:
    value: Any = metrics
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise KeyError(f"metric {key!r} not in metrics; available: {sorted(metrics)}")
        value = value[part]
    return float(value)


@dataclass(frozen=True)
class Penalized:
    """``base(metrics) * (metrics[key] / target) ** weight``; use a negative weight to penalise.

    ``key`` may be dotted for nested metrics, e.g. ``"latency_ms.pixel3"``.
    """

    key: str
    target: float
    weight: float = -0.07
    base: str | RewardFn = "accuracy"

    def __call__(self, metrics: Mapping[str, Any]) -> float:
        base = make_reward(self.base)(metrics)
        return base * (_lookup(metrics, self.key) / self.target) ** self.weight


def make_reward(spec: str | RewardFn) -> RewardFn:
    """Turn a reward name or callable into a reward function."""
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in REWARDS:
        return REWARDS[spec]
    raise ValueError(f"unknown reward {spec!r}; valid: {sorted(REWARDS)} or a callable metrics -> float")
