"""Is the learning real? Mean reward of the last 200 of 1,000 architectures on NB201, vs random search.

``python -m nas_env.benchmarks.measure.learning [--seeds 0 1 2 3 4] [--budget 1000] [--agents ...]``

Env: ``nas_env/NB201-v0`` with its defaults (CIFAR-10, reward = 200-epoch validation
accuracy of one training seed drawn per evaluation). Every agent uses its default
hyperparameters. Prints, per agent, the last-200 mean per seed, the average, and the
gap to random search's average over the same seeds (required >= 0.04 for reinforce
and maskable-ppo).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import gymnasium as gym
import numpy as np

import nas_env  # noqa: F401  (registers the envs)
from nas_env.agents.registry import make_agent

ENV_ID = "nas_env/NB201-v0"
DEFAULT_AGENTS = ("random", "reinforce", "maskable-ppo", "ppo", "evolution")


def last_window_mean(agent: str, seed: int, budget: int = 1000, window: int = 200) -> float:
    """Mean env reward over the last ``window`` of ``budget`` architectures of one run."""
    result = make_agent(agent).run(gym.make(ENV_ID), budget, seed=seed)
    assert len(result.history) == budget
    return float(result.rewards[-window:].mean())


def learning_table(
    agents: Sequence[str] = DEFAULT_AGENTS, seeds: Sequence[int] = range(5), budget: int = 1000, window: int = 200
) -> dict[str, dict[str, object]]:
    """Per agent: per-seed last-window means, their average, and the run time."""
    out: dict[str, dict[str, object]] = {}
    for agent in ("random", *[a for a in agents if a != "random"]):
        t = time.perf_counter()
        values = [last_window_mean(agent, s, budget, window) for s in seeds]
        out[agent] = {"per_seed": values, "mean": float(np.mean(values)), "seconds": time.perf_counter() - t}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.learning",
                                description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--budget", type=int, default=1000)
    p.add_argument("--window", type=int, default=200)
    p.add_argument("--agents", nargs="+", default=list(DEFAULT_AGENTS))
    args = p.parse_args(argv)
    table = learning_table(args.agents, args.seeds, args.budget, args.window)
    rnd = table["random"]["mean"]
    print(f"{ENV_ID} (defaults), budget {args.budget}, mean reward of the last {args.window} architectures")
    print(f"{'agent':<14}" + "".join(f"{'seed ' + str(s):>9}" for s in args.seeds) + f"{'mean':>9}{'vs random':>11}"
          f"{'s/run':>8}")
    for agent, row in table.items():
        per = "".join(f"{v:>9.4f}" for v in row["per_seed"])  # type: ignore[union-attr]
        gap = "" if agent == "random" else f"{row['mean'] - rnd:>+11.4f}"  # type: ignore[operator]
        secs = row["seconds"] / len(args.seeds)  # type: ignore[operator]
        print(f"{agent:<14}{per}{row['mean']:>9.4f}{gap:>11}{secs:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
