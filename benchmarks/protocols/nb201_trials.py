"""Emulated training-trial noise on NAS-Bench-201's 12-epoch reward (what the shipped data cannot give).

NAS-Bench-201's Table 5 scripts draw one 12-epoch training trial per query (file v1.0,
``get_more_info(..., hp='12', is_random=True)``); the shipped CIFAR-10 reward is the mean of a cell's trials,
the same at every query (``nb201_notes``). The per-trial values are not shipped, so two kinds of trial noise
are emulated, each as Gaussian percentage points added to a successful terminal reward (a fraction):

==================  =========================================================================================
``per="query"``     a fresh draw at every query (a random trial per query, as ``is_random=True`` does for a
                    cell with several trials)
``per="cell"``      one draw per cell, the same at every query and in every run built with the same ``seed``
                    (a table of single trials: as if the file had one trial per cell)
==================  =========================================================================================

Used by ``nb201_protocol_effects`` and ``nb201_rea_spread`` (benchmarks/measure).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from nas_env.validation import check_choice

__all__ = ["TRIAL_NOISE_KINDS", "RewardNoise"]

TRIAL_NOISE_KINDS = ("query", "cell")
_CELLS = 15_625  # NAS-Bench-201's cells, indexed by ``metrics["nb201_index"]``


class RewardNoise(gym.Wrapper):
    """Adds ``N(0, noise_pp)`` percentage points to every successful terminal reward, from its own RNG seeded by
    ``seed``: redrawn at every query (``per="query"``) or drawn once per cell (``per="cell"``)."""

    def __init__(self, env: gym.Env, noise_pp: float, seed: int, per: str = "query"):
        super().__init__(env)
        self.per = check_choice("per", per, TRIAL_NOISE_KINDS)
        self.noise = float(noise_pp) / 100
        self.noise_rng = np.random.default_rng(seed)
        self.cell_noise = self.noise_rng.normal(0.0, self.noise, size=_CELLS) if per == "cell" else None

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        metrics = info.get("metrics", {})
        if terminated and self.noise and metrics.get("status", "ok") == "ok":
            if self.cell_noise is not None:
                reward = float(reward) + float(self.cell_noise[int(metrics["nb201_index"])])
            else:
                reward = float(reward) + float(self.noise_rng.normal(0.0, self.noise))
        return obs, reward, terminated, truncated, info
