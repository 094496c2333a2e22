"""Tutorial 2: write your own agent in ~30 lines and compare it with random search on NB201.

Companion script of docs/02_your_own_agent.md.

    python docs/tutorials/02_your_own_agent.py            # 5 seeds x 300 cells
    python docs/tutorials/02_your_own_agent.py --quick    # 2 seeds x 60 cells
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

import nas_env  # noqa: F401  (registers nas_env/NB201-v0)
from nas_env.agents import Agent, SearchTracker, make_agent


@dataclass
class EpsilonGreedyConfig:
    epsilon: float = 0.2  # probability of a random valid token
    optimism: float = 1.0  # initial value of every (decision, token): untried tokens get tried first


class EpsilonGreedy(Agent):
    """A bandit per decision: keep the mean reward of every token at every decision, pick the best."""

    name = "epsilon-greedy"
    Config = EpsilonGreedyConfig

    def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
        n = env.action_space.n
        value: dict[str, np.ndarray] = {}  # decision name -> mean reward of each token
        count: dict[str, np.ndarray] = {}
        while not tracker.exhausted:
            obs, info = env.reset()
            tracker.start_episode()
            taken, terminated = [], False
            while not terminated:
                name = env.unwrapped.current_decision.name  # e.g. "edge_2<-1"
                q = value.setdefault(name, np.full(n, self.config.optimism))
                count.setdefault(name, np.zeros(n))
                valid = np.flatnonzero(info["action_mask"])
                if rng.random() < self.config.epsilon:
                    action = int(rng.choice(valid))
                else:
                    action = int(valid[np.argmax(q[valid])])
                taken.append((name, action))
                obs, reward, terminated, truncated, info = env.step(action)
            for name, action in taken:  # every token of the cell shares the cell's reward
                count[name][action] += 1
                value[name][action] += (reward - value[name][action]) / count[name][action]
            tracker.record(reward, info)


def compare(seeds: list[int], budget: int) -> dict[str, list[float]]:
    """Run both agents with the same budget and seeds; return the best reward of every run."""
    results: dict[str, list[float]] = {"epsilon-greedy": [], "random": []}
    test: dict[str, list[float]] = {"epsilon-greedy": [], "random": []}
    for seed in seeds:
        for label, agent in (("epsilon-greedy", EpsilonGreedy()), ("random", make_agent("random"))):
            env = gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200)
            result = agent.run(env, budget=budget, seed=seed)
            results[label].append(result.best.reward)
            test[label].append(result.best.metrics["test_accuracy"])
    print(f"NB201 CIFAR-10, {budget} cells per run, seeds {seeds}")
    for label in results:
        r, t = np.array(results[label]), np.array(test[label])
        print(f"  {label:<15} best validation accuracy {r.mean():.4f} ± {r.std():.4f}   "
              f"its test accuracy {t.mean():.4f} ± {t.std():.4f}")
    return results


def main(quick: bool = False) -> dict[str, list[float]]:
    """Compare the tutorial's agent with random search; ``quick`` shrinks seeds and budget."""
    return compare(seeds=[0, 1] if quick else [0, 1, 2, 3, 4], budget=60 if quick else 300)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    main(quick=parser.parse_args().quick)
