"""Env overhead: time per step of ``nas_env/NB201-v0`` next to ``CartPole-v1``, in one run.

Both envs are made with ``gymnasium.make`` (default wrappers) and stepped with
random *valid* actions (NB201 has no masked actions; CartPole has none either),
resetting when an episode ends. Resets are included in the per-step time.
Prints the mean time per step of each, their ratio (required <= 1.2, goal 0.8)
and random NB201 architectures per second (required >= 5,000).

    python -m nas_env.benchmarks.measure.env_overhead [--steps 60000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import platform
import time

import gymnasium as gym
import numpy as np

import nas_env  # noqa: F401  (registers the ids)


def time_steps(env_id: str, steps: int, seed: int, **kwargs) -> tuple[float, int]:
    """Seconds per step (resets included) and number of finished episodes."""
    env = gym.make(env_id, **kwargs)
    n = env.action_space.n
    actions = np.random.default_rng(seed).integers(0, n, size=steps).tolist()
    env.reset(seed=seed)
    episodes = 0
    t0 = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(a)
        if terminated or truncated:
            episodes += 1
            env.reset()
    elapsed = time.perf_counter() - t0
    env.close()
    return elapsed / steps, episodes


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)

    nb, cp, archs = [], [], []
    for r in range(args.repeats):  # interleave the two so machine noise hits both alike
        t_nb, eps = time_steps("nas_env/NB201-v0", args.steps, seed=r)
        t_cp, _ = time_steps("CartPole-v1", args.steps, seed=r)
        nb.append(t_nb)
        cp.append(t_cp)
        archs.append(eps / (t_nb * args.steps))
    t_nb, t_cp = float(np.median(nb)), float(np.median(cp))
    ratio = t_nb / t_cp
    aps = float(np.median(archs))
    print(f"machine: {platform.platform()}, python {platform.python_version()}, gymnasium {gym.__version__}")
    print(f"{'env':<22}{'us/step (median of ' + str(args.repeats) + ')':>28}")
    print(f"{'nas_env/NB201-v0':<22}{t_nb * 1e6:>28.2f}")
    print(f"{'CartPole-v1':<22}{t_cp * 1e6:>28.2f}")
    print(f"ratio NB201 / CartPole: {ratio:.3f}   (required <= 1.2, goal 0.8)")
    print(f"random NB201 architectures per second: {aps:,.0f}   (required >= 5,000)")
    return {"ratio": ratio, "archs_per_second": aps}


if __name__ == "__main__":
    main()
