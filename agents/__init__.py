"""Search strategies. Importing this package registers the built-in agents."""

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
from agents.random_search import RandomSearch

__all__ = [
    "AGENTS",
    "Agent",
    "Budget",
    "BudgetExhausted",
    "Evaluation",
    "RandomSearch",
    "SearchResult",
    "SearchTracker",
    "make_agent",
    "play_tokens",
    "register_agent",
]
