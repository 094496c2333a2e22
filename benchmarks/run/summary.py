"""The end of a run: ``summary.json`` (best architecture, totals, versions) and ``extras.json``."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import gymnasium as gym

from nas_env.agents.budget import Budget
from nas_env.agents.history import SearchResult
from nas_env.benchmarks.run import directory
from nas_env.benchmarks.run.files import write_json
from nas_env.benchmarks.run.machine import package_versions

__all__ = ["ranked_table", "reference_optimum", "write_summary"]


def ranked_table(env: gym.Env) -> Any:
    """The table behind ``env`` if it knows its optimum and ranks cells (NB201), else None."""
    table = getattr(getattr(env.unwrapped, "evaluator", None), "table", None)
    return table if hasattr(table, "reference_optimum") and hasattr(table, "rank") else None


def reference_optimum(env: gym.Env) -> dict[str, Any] | None:
    """For table envs that know their optimum (NB201): the table's best cell, for context."""
    table = ranked_table(env)
    return None if table is None else table.reference_optimum()


def write_summary(out_dir: Path, record: dict[str, Any], result: SearchResult, exact_resume: bool,
                  table: Any = None) -> None:
    """Write ``summary.json`` for ``result`` (and ``extras.json`` when the agent has diagnostics).

    ``table`` (from :func:`ranked_table`) adds the table's optimum and the rank of the best architecture.
    """
    best = result.best
    hist = result.history
    reference = None
    if table is not None:
        rank = None if best is None or best.arch is None else table.rank(best.arch)
        reference = {**table.reference_optimum(), "best_found_rank": rank}
    total_cost = result.total_cost_seconds
    summary = {
        "env_id": record["env_id"],
        "env_kwargs": record["env_kwargs"],
        "agent": result.agent,
        "agent_kwargs": record["agent_kwargs"],
        "hyperparameters": result.config,
        "seed": result.seed,
        "budget": Budget.from_value(record["budget"]).to_json(),
        "num_evaluations": len(hist),
        "total_cost_seconds": total_cost,
        "simulated_hours": total_cost / 3600.0,
        "total_wall_seconds": hist[-1].total_wall_seconds if hist else 0.0,
        "best": None if best is None else best.to_json(),
        "exact_resume": exact_resume,
        "store": result.extras.get("store"),
        "reference_optimum": reference,
        "versions": {"python": platform.python_version(), "platform": platform.platform(), **package_versions()},
    }
    write_json(out_dir / directory.SUMMARY, summary)
    if result.extras:
        write_json(out_dir / directory.EXTRAS, result.extras)
