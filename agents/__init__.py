"""Search strategies against nas_env's Gymnasium API.

============================  ===========================================================
``agents.base``               :class:`Agent`: the interface (``run`` with seeding and resume)
``agents.budget``             :class:`Budget`: evaluations and/or simulated seconds
``agents.history``            :class:`Evaluation`, :class:`SearchResult`, ``read_history``
``agents.tracker``            :class:`SearchTracker`: accounting, budget, callbacks
``agents.play``               ``play_tokens`` / ``play_batch``: architectures through an env
``agents.registry``           ``register_agent``, ``make_agent``: agents by name
``agents.diagnostics``        typed learning diagnostics of policy-learning agents
``agents.<strategy>``         one file per strategy: random_search, grid, evolution,
                              reinforce (+ controller, curriculum),
                              reinforce_table (NAS-Bench-201's REINFORCE), ppo (stable-baselines3, lazily),
                              tpe and nsga2 (Optuna through ask/tell, lazily; optuna_agent: the loop)
============================  ===========================================================
"""

from agents.base import Agent
from agents.budget import Budget, BudgetExhausted
from agents.evolution import EvolutionConfig, RegularizedEvolution  # noqa: E402, I001  (built-ins last)
from agents.grid import GridSearch, GridSearchConfig
from agents.history import Evaluation, SearchResult, best_evaluation, read_history
from agents.nsga2 import NSGA2Agent, NSGA2Config
from agents.play import play_batch, play_tokens
from agents.ppo import MaskablePPOAgent, PPOAgent, PPOConfig
from agents.random_search import RandomSearch, RandomSearchConfig
from agents.registry import AGENTS, agent_class, agent_names, make_agent, register_agent
from agents.reinforce import Reinforce, ReinforceConfig
from agents.reinforce_table import ReinforceTable, ReinforceTableConfig
from agents.tpe import TPEAgent, TPEConfig
from agents.tracker import SearchTracker

__all__ = [
    "AGENTS",
    "Agent",
    "Budget",
    "BudgetExhausted",
    "Evaluation",
    "EvolutionConfig",
    "GridSearch",
    "GridSearchConfig",
    "MaskablePPOAgent",
    "NSGA2Agent",
    "NSGA2Config",
    "PPOAgent",
    "PPOConfig",
    "RandomSearch",
    "RandomSearchConfig",
    "RegularizedEvolution",
    "Reinforce",
    "ReinforceConfig",
    "ReinforceTable",
    "ReinforceTableConfig",
    "SearchResult",
    "SearchTracker",
    "TPEAgent",
    "TPEConfig",
    "agent_class",
    "agent_names",
    "best_evaluation",
    "make_agent",
    "play_batch",
    "play_tokens",
    "read_history",
    "register_agent",
]
