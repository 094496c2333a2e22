"""``tpe``: Optuna's Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) through ask/tell.

The common black-box optimizer of hyperparameter search, as a baseline next to
random search and evolution: the first ``n_startup_trials`` architectures are
sampled at random, then each decision's token is drawn where the density of good
architectures (the top ``gamma`` of rewards) is high relative to the rest. See
:mod:`nas_env.agents.optuna_agent` for how the grammar maps to parameters, seeding and
resume. Needs the ``optuna`` extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas_env.agents.optuna_agent import OptunaAgent
from nas_env.agents.registry import register_agent
from nas_env.validation import check_int

__all__ = ["TPEAgent", "TPEConfig"]


@dataclass
class TPEConfig:
    """Hyperparameters (Optuna's ``TPESampler`` defaults)."""

    n_startup_trials: int = 10
    """random architectures before TPE takes over"""
    n_ei_candidates: int = 24
    """candidates drawn from the good density per decision; the best ratio is played"""
    multivariate: bool = False
    """model the decisions jointly (Optuna marks it experimental) instead of one by one"""


@register_agent("tpe")
class TPEAgent(OptunaAgent):
    """Optuna's TPE sampler, seeded with the search's seed; maximises the reward."""

    Config = TPEConfig

    def check_config(self) -> None:
        check_int("n_startup_trials", self.config.n_startup_trials, low=0)
        check_int("n_ei_candidates", self.config.n_ei_candidates)

    def make_sampler(self, seed: int) -> Any:
        import warnings

        c = self.config
        with warnings.catch_warnings():  # multivariate=True is "experimental" in Optuna
            warnings.simplefilter("ignore", self._optuna.exceptions.ExperimentalWarning)
            return self._optuna.samplers.TPESampler(seed=seed, n_startup_trials=c.n_startup_trials,
                                                    n_ei_candidates=c.n_ei_candidates, multivariate=c.multivariate)
