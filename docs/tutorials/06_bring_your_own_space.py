"""Tutorial 6: bring your own search space (companion script of docs/06_bring_your_own_space.md).

(a) a DecisionSpace rewarded by a table, (b) a DecisionSpace rewarded by a real (tiny)
training run on scikit-learn's digits, (c) a SearchSpace subclass of variable length.

    python docs/tutorials/06_bring_your_own_space.py            # 20 trained children in (b)
    python docs/tutorials/06_bring_your_own_space.py --quick    # 3
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gymnasium.utils.env_checker import check_env as gym_check_env

from nas_env import Decision, DecisionSpace, InvalidArchitectureError, NASEnv, SearchSpace


def random_episode(env: NASEnv, seed: int) -> tuple[float, dict[str, Any]]:
    """Play one architecture with uniformly random valid tokens."""
    obs, info = env.reset(seed=seed)
    terminated = False
    while not terminated:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample(mask=info["action_mask"]))
    return float(reward), info


# --------------------------------------------------------------------------- (a) a table
def table_space() -> NASEnv:
    """A DecisionSpace whose rewards come from a dict keyed by canonical strings."""
    space = DecisionSpace({"op": ["conv3x3", "conv5x5", "maxpool"], "width": [16, 32, 64]}, name="toy")
    table = {
        "op=conv3x3,width=16": 0.81, "op=conv3x3,width=32": 0.84, "op=conv3x3,width=64": 0.86,
        "op=conv5x5,width=16": 0.80, "op=conv5x5,width=32": 0.85, "op=conv5x5,width=64": 0.87,
        "op=maxpool,width=16": 0.62, "op=maxpool,width=32": 0.63,
        # "op=maxpool,width=64" is missing on purpose: it becomes a "failed" result, not a crash
    }
    env = NASEnv(space, table)
    print(f"(a) {space!r}: {space.size()} architectures, e.g. {space.decode((0, 2))}")
    for tokens in [(1, 2), (2, 2)]:
        env.reset(seed=0)
        for tok in tokens:
            _, reward, _, _, info = env.step(tok)
        print(f"    {info['arch']:<22} reward={reward:.2f} status={info['metrics']['status']} "
              f"error={info['metrics']['error']}")
    return env


# ------------------------------------------------------------ (b) a training function
def train_digits_mlp(arch: Any, fidelity: Any = None, seed: Any = None) -> dict[str, Any]:
    """Train a scikit-learn MLP on digits (1,797 8x8 images) as the decoded architecture says.

    Returns a metrics dict: validation accuracy (the reward), test accuracy (reported), cost, params.
    """
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    x_train, x_rest, y_train, y_rest = train_test_split(x, y, test_size=0.4, random_state=0, stratify=y)
    x_val, x_test, y_val, y_test = train_test_split(x_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest)
    hidden = (arch["width"],) * arch["depth"]
    model = MLPClassifier(hidden, activation=arch["activation"], learning_rate_init=arch["lr"], max_iter=30,
                          random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs on purpose: a cheap fidelity
        model.fit(x_train, y_train)
    params = sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_)
    return {
        "val_accuracy": model.score(x_val, y_val),
        "test_accuracy": model.score(x_test, y_test),
        "cost_seconds": time.perf_counter() - start,
        "params": int(params),
    }


def training_space(children: int) -> list[tuple[float, str]]:
    """A DecisionSpace rewarded by real training; evaluate ``children`` random architectures."""
    space = DecisionSpace(
        {"depth": [1, 2], "width": [16, 64], "activation": ["relu", "tanh", "logistic"], "lr": [0.001, 0.01]},
        name="digits_mlp",
    )
    env = NASEnv(space, train_digits_mlp)  # any callable arch -> accuracy or metrics dict
    print(f"(b) {space!r}: {space.size()} architectures, training {children} of them on digits")
    found = []
    for seed in range(children):
        reward, info = random_episode(env, seed)
        m = info["metrics"]
        print(f"    {info['arch']:<44} val={reward:.3f} test={m['test_accuracy']:.3f} "
              f"params={m['params']:>5} {m['cost_seconds']:.2f}s")
        found.append((reward, info["arch"]))
    best = max(found)
    print(f"    best: {best[1]} (validation accuracy {best[0]:.3f})")
    return found


# ------------------------------------------------------- (c) a variable-length grammar
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
    max_choices = 4

    def next_decision(self, tokens: Sequence[int]) -> Decision | None:
        if not tokens:
            return Decision("depth", "depth", ("1", "2", "3", "4"))
        depth = tokens[0] + 1
        i = len(tokens) - 1  # layers chosen so far
        return Decision(f"layer{i}/op", "op", OPS) if i < depth else None

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


def variable_length_space() -> NASEnv:
    """Build the chain env, show its lengths and masks, and run both env checkers."""
    space = ChainSpace()
    env = NASEnv(space, chain_score, render_mode="ansi")
    lengths = sorted({len(t) for t in space.enumerate()})
    print(f"(c) {space!r}: {space.size()} chains, token sequences of length {lengths}")
    reward, info = random_episode(env, seed=1)
    print(env.render(), end="")
    arch = space.from_string("conv3x3>maxpool>conv5x5")
    print(f"    round trip: {arch} -> tokens {space.encode(arch)} -> {space.decode(space.encode(arch))}")

    obs, info = env.reset(seed=0)
    print(f"    mask at 'depth': {info['action_mask'].tolist()}")  # 4 choices: nothing masked
    obs, _, terminated, _, info = env.step(0)  # depth 1
    print(f"    mask at 'layer0/op': {info['action_mask'].tolist()}")  # 3 ops: action 3 masked
    obs, reward, terminated, _, info = env.step(2)
    print(f"    depth 1 ends after 2 tokens: terminated={terminated}, obs={obs.tolist()}, arch={info['arch']}")
    gym_check_env(NASEnv(space, chain_score), skip_render_check=True)  # Gymnasium's checker
    print("    gymnasium.utils.env_checker.check_env: passed")
    try:
        from stable_baselines3.common.env_checker import check_env as sb3_check_env
    except ImportError:
        print("    (stable-baselines3 not installed: skipping its check_env)")
    else:
        sb3_check_env(NASEnv(space, chain_score))
        print("    stable_baselines3.common.env_checker.check_env: passed")
    return env


def main(quick: bool = False) -> dict[str, Any]:
    """Run the three parts; ``quick`` trains 3 children instead of 20 in part (b)."""
    table_env = table_space()
    trained = training_space(children=3 if quick else 20)
    chain_env = variable_length_space()
    return {"table_env": table_env, "trained": trained, "chain_env": chain_env}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    main(quick=parser.parse_args().quick)
