# %% [markdown]
# # 2. Your own agent in 30 lines
#
# Source: [`tutorials/02_your_own_agent.py`](tutorials/02_your_own_agent.py), one file that is this page,
# [its notebook](notebooks/02_your_own_agent.ipynb) and a script (`python docs/tutorials/02_your_own_agent.py`,
# 5 seeds x 300 cells in about 2 seconds).
#
# An agent only needs the Gymnasium API: `reset`, `step`, and the mask in `info["action_mask"]`. Here: a
# **bandit per decision**. For every decision (`env.unwrapped.current_decision.name`, e.g. `"edge_2<-1"`)
# keep the mean reward of every token; choose the best valid token, or a random valid one with probability
# epsilon. All tokens of a cell share the cell's reward.

# %% tags=["install"]
# Setup: installs nas-env in a hosted notebook (Colab, Binder, ...); where nas_env already imports, nothing.
# NAS_ENV_PIP says what to install: "nas-env", a wheel, a git URL or the path of a checkout.
import importlib
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("nas_env") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", os.environ.get("NAS_ENV_PIP", "nas-env")],
                   check=True)
    importlib.invalidate_caches()

# %%
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


# %% [markdown]
# The loop is plain Gymnasium. The two `tracker` calls are the only nas-env specifics: subclassing
# `agents.Agent` gets you `agent.run(env, budget, seed)` returning a `SearchResult` (`.history`, `.best`)
# with exactly the accounting that random search, evolution and REINFORCE get (evaluations, simulated
# cost, wall time, budget), so comparisons are fair. Keying the values by the decision *name* rather than
# the step index makes the agent work on variable-length grammars too.
#
# One run of 300 cells:

# %%
result = EpsilonGreedy().run(gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200), budget=300, seed=0)
print(f"{len(result.history)} cells evaluated; the best, found at evaluation {result.best.index}:")
print(f"  {result.best.arch}")
print(f"  validation accuracy {result.best.reward:.4f}, test accuracy {result.best.metrics['test_accuracy']:.4f}")

# %% [markdown]
# ## Compare with random search
#
# The same budget and the same seeds for both agents, five seeds:

# %%
SEEDS, BUDGET = [0, 1, 2, 3, 4], 300
results: dict[str, list[float]] = {"epsilon-greedy": [], "random": []}
test: dict[str, list[float]] = {"epsilon-greedy": [], "random": []}
for seed in SEEDS:
    for label, agent in (("epsilon-greedy", EpsilonGreedy()), ("random", make_agent("random"))):
        run = agent.run(gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200), budget=BUDGET, seed=seed)
        results[label].append(run.best.reward)
        test[label].append(run.best.metrics["test_accuracy"])
print(f"NB201 CIFAR-10, {BUDGET} cells per run, seeds {SEEDS}")
for label in results:
    r, t = np.array(results[label]), np.array(test[label])
    print(f"  {label:<15} best validation accuracy {r.mean():.4f} ± {r.std():.4f}   "
          f"its test accuracy {t.mean():.4f} ± {t.std():.4f}")

# %% [markdown]
# Five seeds and a mean ± std are enough to *see* a difference; to *claim* one, use the benchmark harness
# (tutorial 4: many seeds, interquartile mean, bootstrap confidence intervals, budgets in simulated time).
# To make the agent available by name (`nas_env.agents.make_agent("epsilon-greedy")`, and the tools that build
# agents by name), decorate the class with `@nas_env.agents.register_agent("epsilon-greedy")` in a module you
# import.
#
# Next: [bring your own search space](06_bring_your_own_space.md).
