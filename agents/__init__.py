"""Search strategies. Importing this package registers the built-in agents.

(``ppo``/``maskable-ppo`` import stable-baselines3 lazily, when such an agent is built.)
"""

from agents.base import (
    AGENTS,
    Agent,
    Budget,
    BudgetExhausted,
    Evaluation,
    SearchResult,
    SearchTracker,
    make_agent,
    play_tokens,
    register_agent,
)
from agents.evolution import EvolutionConfig, RegularizedEvolution
from agents.grid import GridSearch, GridSearchConfig
from agents.ppo import MaskablePPOAgent, PPOAgent, PPOConfig
from agents.random_search import RandomSearch, RandomSearchConfig
from agents.reinforce import Reinforce, ReinforceConfig

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
    "PPOAgent",
    "PPOConfig",
    "RandomSearch",
    "RandomSearchConfig",
    "RegularizedEvolution",
    "Reinforce",
    "ReinforceConfig",
    "SearchResult",
    "SearchTracker",
    "make_agent",
    "play_tokens",
    "register_agent",
]
