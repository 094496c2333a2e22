"""Search strategies against nas_env's Gymnasium API.

============================  ===========================================================
``nas_env.agents.base``               :class:`Agent`: the interface (``run`` with seeding and resume)
``nas_env.agents.budget``             :class:`Budget`: evaluations and/or simulated seconds
``nas_env.agents.history``            :class:`Evaluation`, :class:`SearchResult`, history.jsonl (written, read)
``nas_env.agents.tracker``            :class:`SearchTracker`: accounting, budget, callbacks
``nas_env.agents.play``               ``play_tokens`` / ``play_batch``: architectures through an env
``nas_env.agents.registry``           ``register_agent``, ``make_agent``: agents by name
``nas_env.agents.diagnostics``        typed learning diagnostics of policy-learning agents
``agents.<strategy>``         one file per strategy: random_search, grid, evolution,
                              reinforce (+ controller, curriculum),
                              reinforce_table (NAS-Bench-201's REINFORCE), ppo (stable-baselines3, lazily),
                              tpe and nsga2 (Optuna through ask/tell, lazily; optuna_agent: the loop)
============================  ===========================================================

The torch-based agents (``Reinforce``, ``ReinforceTable``, ``PPOAgent``, ``MaskablePPOAgent`` and their
Configs) are imported on first access, so ``import nas_env.agents`` and a search with ``random``,
``grid`` or ``evolution`` never import torch.
"""

from nas_env.agents.base import Agent
from nas_env.agents.budget import Budget, BudgetExhausted
from nas_env.agents.evolution import EvolutionConfig, RegularizedEvolution  # noqa: E402, I001  (built-ins last)
from nas_env.agents.grid import GridSearch, GridSearchConfig
from nas_env.agents.history import Evaluation, SearchResult, best_evaluation, read_history
from nas_env.agents.nsga2 import NSGA2Agent, NSGA2Config
from nas_env.agents.play import play_batch, play_tokens
from nas_env.agents.random_search import RandomSearch, RandomSearchConfig
from nas_env.agents.registry import AGENTS, agent_class, agent_names, make_agent, register_agent
from nas_env.agents.tpe import TPEAgent, TPEConfig
from nas_env.agents.tracker import SearchTracker
from nas_env.lazy_exports import lazy_exports

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

#: names of ``__all__`` whose modules import torch: imported on first access
__getattr__, __dir__ = lazy_exports(__name__, {
    "MaskablePPOAgent": "nas_env.agents.ppo", "PPOAgent": "nas_env.agents.ppo", "PPOConfig": "nas_env.agents.ppo",
    "Reinforce": "nas_env.agents.reinforce", "ReinforceConfig": "nas_env.agents.reinforce",
    "ReinforceTable": "nas_env.agents.reinforce_table", "ReinforceTableConfig": "nas_env.agents.reinforce_table",
})
