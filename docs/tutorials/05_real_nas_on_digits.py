"""Tutorial 5: real NAS on digits (companion script of docs/05_real_nas_on_digits.md).

REINFORCE and random search on ``nas_env/ZophLeCNN-v0``: every child CNN is built and trained
for real on scikit-learn's 8x8 digits, through ``nas-env search`` (worker processes train each
batch of children concurrently; every finished child is stored in ``evaluations.sqlite``).

    python docs/tutorials/05_real_nas_on_digits.py --out-dir digits/      # 2 x 96 children: ~7 min on 2 cores
    python docs/tutorials/05_real_nas_on_digits.py --quick                # 2 x 8 tiny children, in-process: ~10 s
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from nas_env.agents import read_history as load_history
from nas_env.benchmarks import build_run_report
from nas_env.benchmarks.cli import main as nas_env_cli


def search(agent: str, out: Path, children: int, env_kwargs: dict, agent_kwargs: dict, seed: int,
           workers: int, executor: str = "process") -> float:
    """``nas-env search`` for one agent; returns the wall seconds it took."""
    argv = [
        "search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(env_kwargs),
        "--agent", agent, "--agent-kwargs", json.dumps(agent_kwargs), "--budget", str(children),
        "--seed", str(seed), "--out", str(out), "--workers", str(workers), "--no-progress",
        # "process" (worker processes) and the evaluation store are the defaults for a training env
        "--executor", executor, "--store", "auto",
    ]
    print("$ nas-env " + " ".join(a if " " not in a else f"'{a}'" for a in argv))
    t0 = time.perf_counter()
    status = nas_env_cli(argv)
    if status != 0:
        raise RuntimeError(f"nas-env search exited with {status}")
    return time.perf_counter() - t0


def quarters(out: Path) -> dict:
    """Mean reward of the first and the last quarter of the evaluations (failed children count as 0)."""
    rewards = np.array([e.reward for e in load_history(out / "history.jsonl")])
    q = max(1, len(rewards) // 4)
    return {"n": len(rewards), "first": float(rewards[:q].mean()), "last": float(rewards[-q:].mean()),
            "best": float(rewards.max())}


def main(quick: bool = False, out_dir: str | Path | None = None, seed: int = 0, workers: int = 2) -> dict:
    """Run REINFORCE and random search on the same budget and seed; compare; report the REINFORCE run."""
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="nas_env_tutorial05_"))
    if quick:  # tiny children on a 300-image subset, trained in this process: seconds, not minutes
        children, executor = 8, "inprocess"
        env_kwargs = {"num_layers": 2, "epochs": 1, "train_kwargs": {"max_train_samples": 300, "num_threads": 1}}
    else:
        children, executor = 96, "process"
        env_kwargs = {"num_layers": 4, "epochs": 1}
    agents = {"reinforce": {"lr": 0.01}, "random": {}}  # m = 4 children per update: 24 updates for 96 children
    results: dict = {}
    for agent, agent_kwargs in agents.items():
        run_dir = out / agent
        wall = search(agent, run_dir, children, env_kwargs, agent_kwargs, seed, workers, executor)
        results[agent] = {"wall_seconds": wall, **quarters(run_dir)}
    # rerunning a finished command searches nothing: it reads the run directory back
    t0 = time.perf_counter()
    search("reinforce", out / "reinforce", children, env_kwargs, agents["reinforce"], seed, workers, executor)
    results["rerun_seconds"] = time.perf_counter() - t0
    print(f"\n{'agent':<10} {'children':>8} {'wall s':>7} {'s/child':>7} {'first quarter':>14} {'last quarter':>13} "
          f"{'best':>6}")
    for agent in agents:
        r = results[agent]
        print(f"{agent:<10} {r['n']:>8} {r['wall_seconds']:>7.1f} {r['wall_seconds'] / r['n']:>7.2f} "
              f"{r['first']:>14.4f} {r['last']:>13.4f} {r['best']:>6.4f}")
    print(f"rerun of the finished REINFORCE command: {results['rerun_seconds']:.1f} s (nothing retrained)")
    results["report"] = build_run_report(out / "reinforce")  # = nas-env report DIR
    print(f"report: {results['report']}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 tiny children per agent")
    parser.add_argument("--out-dir", default=None, help="where the two run directories go (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="worker processes training children")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out_dir, seed=args.seed, workers=args.workers)
