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
# Setup for a hosted notebook (Colab, Binder, ...); where nas_env already imports, it does nothing.
# nas-env is not on PyPI: it installs what NAS_ENV_PIP names (a wheel built in a checkout with
# `pip wheel --no-deps .`, a git URL or a checkout's path), else the checkout this notebook sits in.
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

if importlib.util.find_spec("nas_env") is None:
    here = [Path.cwd(), *Path.cwd().parents]
    source = os.environ.get("NAS_ENV_PIP") or next((str(d) for d in here if (d / "nas_env").is_dir()), None)
    if source is None:
        raise RuntimeError("nas-env is not installed, and not on PyPI: set os.environ['NAS_ENV_PIP'] to a wheel, "
                           "a git URL or the path of a checkout, then run this cell again")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)
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

# %% [markdown]
# ## Your agent by name, from the command line
#
# The command line takes your agent as `MODULE:NAME` -- a name your module registers -- or `MODULE:CLASS`, an
# `Agent` subclass in it, settings too (`MODULE:NAME@key=value`). It imports the module the way `--env
# MODULE:ID` does, so the module's folder must be on `PYTHONPATH`. End to end, with a hill-climber:
#
# **1. Write it** in a module of its own, [`tutorials/hillclimb.py`](tutorials/hillclimb.py). It mutates the
# current architecture one token at a time (evolution's `mutate`) and moves to a child that is at least as
# good, restarting from a random architecture after `patience` mutations without a move. Its search state
# lives in attributes that `state_dict`/`load_state_dict` save and restore, and it calls `tracker.checkpoint()`
# where that state is consistent: an interrupted run resumes exactly where it stopped.
#
# ```python
# @dataclass
# class HillClimbConfig:
#     patience: int = 20  # mutations without improvement before restarting from a random architecture
#
#
# @register_agent("hill-climb")
# class HillClimb(Agent):
#     """Mutate the current architecture one token at a time; move to a child at least as good."""
#
#     Config = HillClimbConfig
#
#     def __init__(self, config: Any = None, **overrides: Any):
#         super().__init__(config, **overrides)
#         self.current: list[int] | None = None  # the search state: None until the first architecture
#         self.current_reward = 0.0
#         self.stale = 0  # mutations since the last move
#
#     def search(self, env: gym.Env, tracker: SearchTracker, rng: np.random.Generator) -> None:
#         space = env.unwrapped.space
#         while not tracker.exhausted:
#             tracker.checkpoint()  # the state and the rng are consistent between evaluations: resumable here
#             restart = self.current is None or self.stale >= self.config.patience
#             tokens = space.sample(rng) if restart else mutate(space, tuple(self.current), rng)
#             tracker.start_episode()
#             reward, info = play_tokens(env, tokens)
#             if tracker.record(reward, info) is None:
#                 return  # did not fit the budget
#             if restart or reward >= self.current_reward:
#                 self.current, self.current_reward, self.stale = list(tokens), reward, 0
#             else:
#                 self.stale += 1
#
#     def state_dict(self) -> dict[str, Any]:
#         return {**super().state_dict(), "current": self.current, "current_reward": self.current_reward,
#                 "stale": self.stale}
#
#     def load_state_dict(self, state: dict[str, Any]) -> None:
#         super().load_state_dict(state)
#         self.current, self.current_reward, self.stale = state["current"], state["current_reward"], state["stale"]
# ```
#
# **2. Test it** like any Python code: a budget is spent exactly, a seed fixes the search, the search climbs.
#
# ```python
# import gymnasium as gym
# from nas_env.agents import make_agent
#
# def test_hill_climb():
#     runs = [make_agent("hillclimb:hill-climb").run(gym.make("nas_env/NB201-v0"), budget=120, seed=s)
#             for s in (0, 0, 1)]
#     assert [len(r.history) for r in runs] == [120, 120, 120]
#     assert [e.arch for e in runs[0].history] == [e.arch for e in runs[1].history]
#     assert runs[0].best.reward > runs[0].history[0].reward
# ```
#
# (`tests/agents/test_user_agents.py` runs exactly this, and `tests/benchmarks/run/test_user_agent_resume.py`
# interrupts the commands below and checks that a rerun ends with the uninterrupted histories.)
#
# **3. Search and benchmark it against random search**, from the folder that holds `hillclimb.py`:
#
# ```bash
# cd docs/tutorials
# PYTHONPATH=. nas-env search --env nas_env/NB201-v0 --agent hillclimb:hill-climb --budget 100 --out hc
# PYTHONPATH=. nas-env benchmark --protocol nb201-cifar10 --agents random,hillclimb:hill-climb --seeds 20 --out hcb
# ```
#
# ```text
# agent                runs      mean ± std              IQM [95% CI]
# random                 20    93.77 ± 0.29    93.78 [93.65, 93.91]
# hillclimb:hill-climb   20    94.11 ± 0.43    94.30 [94.06, 94.36]
# ```
#
# (200-epoch CIFAR-10 test accuracy of each run's best cell under NAS-Bench-201's protocol, 12,000 simulated
# seconds per run; 46 s with 2 workers on an Intel Xeon. `hcb/report.md` adds P(> random) = 0.81 [0.66, 0.95] and
# the top-k curves.) The benchmark runs each (agent, seed) in a worker process, and each worker imports
# `hillclimb` itself; rerun an interrupted command (Ctrl-C, a killed machine) and finished runs are kept,
# interrupted ones resume from their checkpoint -- the module is imported again because you name it again on the
# command line: a run or benchmark directory never makes nas-env import code by itself (`nas-env report` on a
# benchmark of your own protocol asks you to name it: `--protocol MODULE:NAME`). Runs go under
# `hcb/runs/hillclimb.hill-climb-<hash>/` (a colon is no file-name character everywhere).
#
# From Python, `import hillclimb` and pass `"hill-climb"` (or `"hillclimb:hill-climb"`) to
# `nas_env.benchmarks.run_benchmark`: its worker processes run your script again (Python's `spawn`), so a script
# calls it under `if __name__ == "__main__":` -- without that line it stops at once, in one line saying so.
#
# **4. Read the suite score.** `nas-env suite` runs your agent beside random search on every table task of the
# suite (NAS-Bench-201 on three datasets, NAS-Bench-Macro, three latency-constrained tasks, three synthetic ones,
# NAS-Bench-Graph on two graphs; 20 seeds each) and scores each run from 0 (random search's expected answer at
# that budget) to 1 (the table's optimum):
#
# ```bash
# PYTHONPATH=. nas-env suite --agents random,hillclimb:hill-climb --out hcs
# ```
#
# ```text
# | rank | agent | IQM normalised score [95% CI] | average rank [95% CI] | P(beats random) |
# |---:|---|---|---|---|
# | 1 | hillclimb:hill-climb | 0.44 [0.37, 0.51] | 1.30 [1.24, 1.35] | 0.69 [0.65, 0.74] |
# | 2 | random | 0.03 [-0.05, 0.10] | 1.70 [1.65, 1.76] | -- |
# ```
#
# (Suite task-set version 2, 12 tasks x 2 agents x 20 seeds: 15.5 min on 2 vCPUs of an Intel Xeon shared with
# other jobs, load average about 8.) `hcs/report.md` adds each task's accuracies, the performance profiles and
# the probability of improvement per task. The same hill-climber scores 0.44 where the built-in `evolution`
# scores 0.40 and `reinforce` 0.20 on the README's leaderboard (same tasks and seeds); add
# `--agents random,evolution,hillclimb:hill-climb` to see them side by side.
#
# **Your own protocol** works the same way: a module that calls `nas_env.benchmarks.register_protocol(Protocol(
# name="my-task", env_id=..., budget=Budget(evaluations=100), reward=..., cost=..., reporter="env",
# published=(PublishedResult(...),)))` -- the budget, the reward signal (env and env kwargs), the number reported
# at the end and the published rows to print beside yours -- is named `--protocol mymodule:my-task`.
#
# Next: [bring your own search space](06_bring_your_own_space.md).
