# %% [markdown]
# # 6. Bring your own search space
#
# Source: [`tutorials/06_bring_your_own_space.py`](tutorials/06_bring_your_own_space.py), one file that is this
# page, [its notebook](notebooks/06_bring_your_own_space.ipynb) and a script
# (`python docs/tutorials/06_bring_your_own_space.py`, a few seconds).
#
# A search space is a **grammar of decisions**; an evaluator maps a finished architecture to metrics.
# `NASEnv(space, evaluator)` is then a full Gymnasium environment, masks, rendering and checkers included.

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
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gymnasium.utils.env_checker import check_env as gym_check_env

import nas_env
from nas_env import Decision, DecisionSpace, InvalidArchitectureError, NASEnv, SearchSpace


def random_episode(env: NASEnv, seed: int) -> tuple[float, dict[str, Any]]:
    """Play one architecture with uniformly random valid tokens."""
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed)  # reset(seed=...) does not seed the action space's sampler
    terminated = False
    while not terminated:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample(mask=info["action_mask"]))
    return float(reward), info

# %% [markdown]
# ## (a) A list of decisions and a table

# %%
space = DecisionSpace({"op": ["conv3x3", "conv5x5", "maxpool"], "width": [16, 32, 64]}, name="toy")
table = {
    "op=conv3x3,width=16": 0.81, "op=conv3x3,width=32": 0.84, "op=conv3x3,width=64": 0.86,
    "op=conv5x5,width=16": 0.80, "op=conv5x5,width=32": 0.85, "op=conv5x5,width=64": 0.87,
    "op=maxpool,width=16": 0.62, "op=maxpool,width=32": 0.63,
    # "op=maxpool,width=64" is missing on purpose: it becomes a "failed" result, not a crash
}
table_env = NASEnv(space, table)
print(f"{space!r}: {space.size()} architectures, e.g. {space.decode((0, 2))}")
for tokens in [(1, 2), (2, 2)]:
    table_env.reset(seed=0)
    for token in tokens:
        _, reward, _, _, info = table_env.step(token)
    print(f"    {info['arch']:<22} reward={reward:.2f} status={info['metrics']['status']} "
          f"error={info['metrics']['error']}")

# %% [markdown]
# Keys are the canonical strings (`str(space.decode(tokens))`, here `"op=conv5x5,width=64"`), token tuples,
# or architecture objects. Every architecture round-trips through its string
# (`space.from_string(str(arch)) == arch`), so `DecisionSpace` refuses, when it is built, choices that
# would not: a tuple such as `(3, 3)` prints as `"(3, 3)"` with a comma (use the label `"3x3"` and map it
# in your evaluator), two choices with the same label (`16` and `"16"`), and decision names containing
# `,` or `=`. Values are an accuracy or a metrics dict with at least `val_accuracy`. An
# architecture missing from the table is a result, not a crash:

# %% [markdown]
# ## (b) A list of decisions and a training function
#
# Any callable `arch -> accuracy or metrics dict` is an evaluator. Here a scikit-learn MLP trained for 30
# epochs on digits (a fraction of a second each):

# %%
def train_digits_mlp(arch: Any) -> dict[str, Any]:
    """Train a scikit-learn MLP on digits (1,797 8x8 images) as the decoded architecture says."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    x_train, x_rest, y_train, y_rest = train_test_split(x, y, test_size=0.4, random_state=0, stratify=y)
    x_val, x_test, y_val, y_test = train_test_split(x_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest)
    model = MLPClassifier((arch["width"],) * arch["depth"], activation=arch["activation"],
                          learning_rate_init=arch["lr"], max_iter=30, random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose: a cheap fidelity
        model.fit(x_train, y_train)
    params = sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_)
    return {"val_accuracy": model.score(x_val, y_val), "test_accuracy": model.score(x_test, y_test),
            "cost_seconds": time.perf_counter() - start, "params": int(params)}


mlp_space = DecisionSpace({"depth": [1, 2], "width": [16, 64], "activation": ["relu", "tanh", "logistic"],
                           "lr": [0.001, 0.01]}, name="digits_mlp")
mlp_env = NASEnv(mlp_space, train_digits_mlp)  # any callable arch -> accuracy or metrics dict

# %% [markdown]
# Six random architectures, each trained for real:

# %%
CHILDREN = 6
print(f"{mlp_space!r}: {mlp_space.size()} architectures, training {CHILDREN} of them on digits")
trained = []
for seed in range(CHILDREN):
    reward, info = random_episode(mlp_env, seed)
    m = info["metrics"]
    print(f"    {info['arch']:<44} val={reward:.3f} test={m['test_accuracy']:.3f} params={m['params']:>5}")
    trained.append((reward, info["arch"]))
print(f"    best: {max(trained)[1]} (validation accuracy {max(trained)[0]:.3f})")

# %% [markdown]
# An exception inside the function becomes `status="failed"` with its text in `metrics["error"]`: a child
# that fails to build is data for the search. `nas_env.FunctionEvaluator(fn, pass_context=True)` also
# passes the env's `fidelity` and random generator. Only validation accuracy is rewarded; split your data
# three ways, as here.

# %% [markdown]
# ## (c) A grammar of your own: variable length
#
# Subclass `nas_env.SearchSpace` and implement four methods. The first token picks the depth (1-4), then
# one operation per layer: sequences of 2 to 5 tokens, 3 + 9 + 27 + 81 = 120 chains.

# %%
OPS = ("conv3x3", "conv5x5", "maxpool")


@dataclass(frozen=True)
class Chain:
    """A decoded chain: its operations in order. ``str`` is the canonical form, e.g. ``conv3x3>maxpool``."""

    ops: tuple[str, ...]

    def __str__(self) -> str:
        return ">".join(self.ops)


class ChainSpace(SearchSpace):
    """First token: the depth (1-4 layers). Then one operation per layer: 3 + 9 + 27 + 81 = 120 chains."""

    name = "chain"
    max_length = 5  # depth token + up to 4 op tokens
    max_choices = 4  # the action space is Discrete(4)

    def next_decision(self, tokens: Sequence[int]) -> Decision | None:
        if not tokens:
            return Decision("depth", "depth", ("1", "2", "3", "4"))
        depth = tokens[0] + 1
        i = len(tokens) - 1  # layers chosen so far
        return Decision(f"layer{i}/op", "op", OPS) if i < depth else None  # None: complete

    def decode(self, tokens: Sequence[int]) -> Chain:
        tokens = self.validate(tokens)  # raises InvalidArchitectureError naming the bad token
        return Chain(tuple(OPS[t] for t in tokens[1:]))

    def encode(self, arch: Chain) -> tuple[int, ...]:  # type: ignore[override]
        if not 1 <= len(arch.ops) <= 4 or any(op not in OPS for op in arch.ops):
            raise InvalidArchitectureError(f"chain: {arch} needs 1-4 ops from {OPS}")
        return (len(arch.ops) - 1, *(OPS.index(op) for op in arch.ops))

    def from_string(self, text: str) -> Chain:
        return self.decode(self.encode(Chain(tuple(text.split(">")))))


def chain_score(chain: Chain) -> float:
    """A made-up accuracy: convolutions help, pooling once helps, depth helps a little."""
    convs = sum(op.startswith("conv") for op in chain.ops)
    pools = chain.ops.count("maxpool")
    return 0.5 + 0.1 * convs + 0.05 * min(pools, 1) - 0.05 * max(pools - 1, 0)


chain_space = ChainSpace()
chain_env = NASEnv(chain_space, chain_score, render_mode="ansi")
lengths = sorted({len(t) for t in chain_space.enumerate()})
print(f"{chain_space!r}: {chain_space.size()} chains, token sequences of length {lengths}")
reward, info = random_episode(chain_env, seed=1)
print(chain_env.render(), end="")
arch = chain_space.from_string("conv3x3>maxpool>conv5x5")
print(f"round trip: {arch} -> tokens {chain_space.encode(arch)} -> {chain_space.decode(chain_space.encode(arch))}")

# %% [markdown]
# `next_decision` sees the whole prefix, so decisions that depend on earlier tokens (the number of layers,
# one skip token per earlier layer as in `nas_env.ZophLeCNNSpace`) are ordinary. The op decisions have 3
# choices in a `Discrete(4)` action space, so action 3 is masked there (`mask [1, 1, 1, 0]`), and an episode
# of depth 1 ends after 2 tokens.
#
# That count form masks only *trailing* actions. To forbid any subset of a decision's own choices, give
# the decision the tokens that stay valid: `Decision(f"layer{i}/op", "op", OPS, valid=(0, 1))` forbids
# `maxpool` (token 2), `valid=(0, 2)` forbids `conv5x5` in the middle of the list. The labels, and so the
# token meanings and the controller's softmax head for the type, stay the same; only the mask changes
# (`mask [1, 0, 1, 0]`). `next_decision` sees the prefix, so "no pooling right after a pooling layer" is
# `valid=(0, 1) if tokens[-1] == 2 else None`. The env's `action_masks()` and `info["action_mask"]`,
# `validate`, `sample`, `enumerate`, `size` and the built-in agents all honour it; playing a masked token
# ends the episode as `status="invalid"` (or raises, with `invalid_action="raise"`). The `Decision.type` (`"depth"`, `"op"`) tells controllers which positions
# share a softmax head.
#
# The masks along an episode of depth 1:

# %%
obs, info = chain_env.reset(seed=0)
print(f"mask at 'depth': {info['action_mask'].tolist()}")  # 4 choices: nothing masked
obs, _, terminated, _, info = chain_env.step(0)  # depth 1
print(f"mask at 'layer0/op': {info['action_mask'].tolist()}")  # 3 ops: action 3 masked
obs, reward, terminated, _, info = chain_env.step(2)
print(f"depth 1 ends after 2 tokens: terminated={terminated}, obs={obs.tolist()}, arch={info['arch']}")

# %% [markdown]
# Both checkers pass:

# %%
gym_check_env(NASEnv(chain_space, chain_score), skip_render_check=True)  # Gymnasium's checker
print("gymnasium.utils.env_checker.check_env: passed")
try:
    from stable_baselines3.common.env_checker import check_env as sb3_check_env
except ImportError:
    print("(stable-baselines3 not installed: skipping its check_env)")
else:
    sb3_check_env(NASEnv(chain_space, chain_score))
    print("stable_baselines3.common.env_checker.check_env: passed")

# %% [markdown]
# If your decisions never depend on earlier tokens, derive from `nas_env.FixedSearchSpace` instead
# (`DecisionSpace` does): you get exact `size()`, fast sampling, grid enumeration and the
# `ArchitectureAction` one-step wrapper for free.

# %% [markdown]
# ## The metric contract
#
# Whatever your table holds or your function returns becomes a metrics dict with these keys
# (`nas_env/evaluators/contract.py`; missing optional keys are filled with the default):
#
# | key             | required | type and unit |
# |-----------------|----------|---------------|
# | `val_accuracy`  | yes      | validation accuracy as a **fraction** in [0, 1] (a finite number): the reward; `None` only on failure |
# | `status`        | no (`"ok"`) | `"ok"`, or a failure: `"failed"`, `"timeout"`, `"diverged"`, `"invalid"` |
# | `test_accuracy` | no (`None`) | test accuracy as a fraction in [0, 1]; reported (the benchmark's final number), never rewarded |
# | `cost_seconds`  | no (`0`) | the evaluation's cost in **seconds** >= 0 (simulated for tables, measured for training); `--budget-seconds` spends it |
# | `params`        | no (`None`) | the **number** of parameters, a non-negative integer (`1200.0` is accepted as `1200`) |
# | `error`         | no (`None`) | the failure's text |
# | anything else   | no       | an extra (`flops`, `latency_ms` ...), reported as it is; keep it JSON-able |
#
# A value that breaks the contract is an error naming the key, never a silent conversion: a table that
# gives accuracy in percent or parameters in millions fails when `NASEnv` is built,
#
#
# and a function that returns such metrics raises the same error at the first evaluation (an exception
# *inside* your function is still a failed child, not a crash). A child whose training blew up is
# `{"status": "diverged", "val_accuracy": None}`, not a NaN accuracy.

# %%
try:
    NASEnv(space, {"op=conv3x3,width=16": {"val_accuracy": 0.81, "params": 1.2}})  # parameters in millions
except nas_env.MetricsError as exc:
    print(f"{type(exc).__name__}: {exc}")

# %% [markdown]
# ## (d) From your table to the command line: search, benchmark, report
#
# Everything `nas-env` does takes a Gymnasium id, and any id works, including Gymnasium's `module:id`
# convention: `mymodule:my/Space-v0` imports `mymodule` (whose import registers `my/Space-v0`), then makes
# the env. So the whole path from your own table to a benchmark report is one small module. Save it as
# `mymodule.py`:
#
# ```python
# # mymodule.py
# """My search space and its table, registered as the Gymnasium id my/Space-v0."""
# import gymnasium as gym
#
# from nas_env import DecisionSpace, NASEnv
#
# SPACE = DecisionSpace({"op": ["conv3x3", "conv5x5", "maxpool"], "width": [16, 32, 64]}, name="my_space")
# # canonical string -> metrics: accuracies as fractions, params an integer count, cost in seconds
# TABLE = {
#     "op=conv3x3,width=16": {"val_accuracy": 0.81, "test_accuracy": 0.80, "params": 1_200, "cost_seconds": 30.0},
#     "op=conv3x3,width=32": {"val_accuracy": 0.84, "test_accuracy": 0.83, "params": 4_600, "cost_seconds": 55.0},
#     "op=conv3x3,width=64": {"val_accuracy": 0.86, "test_accuracy": 0.85, "params": 18_000, "cost_seconds": 100.0},
#     "op=conv5x5,width=16": {"val_accuracy": 0.82, "test_accuracy": 0.81, "params": 3_300, "cost_seconds": 45.0},
#     "op=conv5x5,width=32": {"val_accuracy": 0.85, "test_accuracy": 0.84, "params": 12_800, "cost_seconds": 80.0},
#     "op=conv5x5,width=64": {"val_accuracy": 0.87, "test_accuracy": 0.86, "params": 51_000, "cost_seconds": 150.0},
#     "op=maxpool,width=16": {"val_accuracy": 0.62, "test_accuracy": 0.61, "params": 0, "cost_seconds": 10.0},
#     "op=maxpool,width=32": {"val_accuracy": 0.63, "test_accuracy": 0.62, "params": 0, "cost_seconds": 12.0},
#     "op=maxpool,width=64": {"val_accuracy": 0.64, "test_accuracy": 0.63, "params": 0, "cost_seconds": 15.0},
# }
#
#
# class MySpaceEnv(NASEnv):
#     """NASEnv over SPACE and TABLE; keyword arguments (reward, failure_reward ...) go to NASEnv."""
#
#     def __init__(self, **kwargs):
#         super().__init__(SPACE, TABLE, **kwargs)
#
#
# if "my/Space-v0" not in gym.registry:
#     gym.register(id="my/Space-v0", entry_point=MySpaceEnv)
# ```
#
# Then, from the directory that holds `mymodule.py` (the `nas-env` script does not look in the current
# directory by itself, hence `PYTHONPATH=.`):
#
# ```bash
# PYTHONPATH=. nas-env search --env mymodule:my/Space-v0 --agent evolution --budget 6 --seed 0 --out runs/my-evolution
# PYTHONPATH=. nas-env report runs/my-evolution --env mymodule:my/Space-v0
# PYTHONPATH=. nas-env benchmark --protocol fixed:mymodule:my/Space-v0 --agents random,evolution --seeds 3 --budget 6 --out runs/my-bench
# PYTHONPATH=. nas-env report runs/my-bench --env mymodule:my/Space-v0
# ```
#
# `search` prints its result table and writes `runs/my-evolution/` (history, summary, checkpoint);
# `benchmark` runs every (agent, seed) in parallel and writes `runs/my-bench/report.md` with the figures;
# `report` rebuilds either report from the saved histories. Importing a module runs its code, so `report` (and a
# resumed or extended `benchmark`) imports a module named in a directory's `run.json` or `benchmark.json` only when
# you name it on the command line (`--env mymodule:my/Space-v0` above): a directory received from someone else
# cannot make `nas-env` run its code. The `fixed:` protocol's reported number is the
# best-reward architecture's `test_accuracy` (its `val_accuracy` where the table has none). `tests/benchmarks/run/test_user_env.py`
# runs exactly these commands on exactly this module.
#
# An id that does not exist, a module that cannot be imported, or a Gymnasium env that is not a nas-env
# search env (`CartPole-v1` has no `.space`, `.evaluator` or `action_masks()`) is one line on stderr
# naming what is valid, and exit status 2.
