"""How a benchmark report prints rewards: in percent for a fraction, else as the reward it is.

Most rewards are fractions in [0, 1] (validation accuracy, bits saved): the report shows them x 100 in
percent and their differences in percentage points. The paper's language-modelling reward ``c / ppl^2``
(``"ppl"``, ``"char_ppl"`` in :mod:`nas_env.rewards`) is not a fraction: it is shown as it is, labelled
``reward c / ppl^2``, with differences in reward units (never as "%" or "pp"; issue 27: a reward of 1.1115
was printed as "111.15" under "%"). A protocol can name its reward itself (``Protocol.reward_label``).

======================  ==========================  ================================
attribute               fraction reward             other reward (``c / ppl^2``)
======================  ==========================  ================================
``scale``               100                         1
``unit``                ``%``                       ``reward 3.15 / ppl^2``
``difference``          ``pp``                      ``reward units``
``digits``              2                           4
``key``                 ``pp`` / ``percent``        ``reward`` (suffix of JSON/CSV fields)
======================  ==========================  ================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas_env.benchmarks.protocols import Protocol
from nas_env.rewards import REWARDS, PerplexityReward

__all__ = ["PERCENT", "RewardUnits", "reward_units"]


@dataclass(frozen=True)
class RewardUnits:
    """How rewards are printed (module docstring)."""

    scale: float
    unit: str
    difference: str
    digits: int

    @property
    def percent(self) -> bool:
        """Whether rewards are fractions shown in percent."""
        return self.scale == 100

    @property
    def difference_key(self) -> str:
        """The JSON/CSV field of a difference of rewards: ``difference_pp`` or ``difference_reward``."""
        return "difference_pp" if self.percent else "difference_reward"

    @property
    def mean_key(self) -> str:
        """The suffix of a JSON field of a mean reward: ``percent`` or ``reward``."""
        return "percent" if self.percent else "reward"

    def head(self, name: str) -> str:
        """A column or axis title: ``name (%)`` / ``name (reward 3.15 / ppl^2)``."""
        return f"{name} ({self.unit})"

    def diff_head(self, name: str) -> str:
        """The title of a difference: ``name (pp)`` / ``name (reward units)``."""
        return f"{name} ({self.difference})"

    def fmt(self, x: Any, signed: bool = False) -> str:
        """A scaled reward as text (``n/a`` for None or NaN)."""
        if x is None or x != x:
            return "n/a"
        return f"{x:+.{self.digits}f}" if signed else f"{x:.{self.digits}f}"

    def to_json(self) -> dict[str, Any]:
        return {"scale": self.scale, "unit": self.unit, "difference": self.difference}


PERCENT = RewardUnits(100.0, "%", "pp", 2)


def reward_units(protocol: Protocol) -> RewardUnits:
    """The units of ``protocol``'s reward: its ``reward_label`` if set, ``c / ppl^2`` for the perplexity rewards,
    else a fraction in percent."""
    spec = protocol.env_kwargs.get("reward")
    fn = REWARDS.get(spec) if isinstance(spec, str) else None
    if isinstance(fn, PerplexityReward):
        return RewardUnits(1.0, f"reward {fn.c:g} / ppl^2", "reward units", 4)
    if protocol.reward_label:
        return RewardUnits(1.0, protocol.reward_label, "reward units", 4)
    return PERCENT
