"""Random search on ``nas_env/ZophLeCNN-v0`` with scikit-learn's digits: real training on a laptop CPU.

Each episode samples a token sequence from the search space, plays it through the
env token by token (exactly as an RL agent would), and the env trains the child
at the last token. Progress and the best architecture so far are printed.

    python examples/zoph_le_digits.py            # 100 children, 4 layers: ~2-3 minutes on 2 cores
    python examples/zoph_le_digits.py --budget 10 --layers 4 --epochs 2 --stride
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import nas_env  # noqa: F401  (registers nas_env/ZophLeCNN-v0)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the search; return every child's ``(arch, metrics)`` and the best architecture with its metrics."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=int, default=100, help="number of children to train")
    parser.add_argument("--layers", type=int, default=4, help="layers per child (3-4 recommended)")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs per child")
    parser.add_argument("--stride", action="store_true", help="also search the stride of each layer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: leave)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    env = gym.make(
        "nas_env/ZophLeCNN-v0",
        dataset="digits",
        num_layers=args.layers,
        predict_stride=args.stride,
        epochs=args.epochs,
        device=args.device,
    )
    space = env.unwrapped.space
    rng = np.random.default_rng(args.seed)
    print(f"random search: {args.budget} children, {space.max_length} tokens each, "
          f"{args.epochs} epoch(s) per child on digits; space size {space.size():,}")
    best_reward, best_arch, best_metrics = -1.0, None, None
    children: list[tuple[str, dict[str, Any]]] = []
    start = time.perf_counter()
    for i in range(args.budget):
        env.reset(seed=args.seed + i)
        for token in space.sample(rng):
            _, reward, terminated, _, info = env.step(token)
        assert terminated
        m = info["metrics"]
        children.append((info["arch"], m))
        if m["status"] == "ok" and reward > best_reward:
            best_reward, best_arch, best_metrics = reward, info["arch"], m
        shown = f"{m['val_accuracy']:.3f}" if m["status"] == "ok" else m["status"]
        print(f"[{i + 1:3d}/{args.budget}] {time.perf_counter() - start:6.1f}s  val={shown:<8} "
              f"params={m['params'] or 0:>7,}  {info['arch']}   best={best_reward:.3f}")
    env.close()
    result = {"children": children, "best_arch": best_arch, "best_metrics": best_metrics}
    if best_metrics is None:
        print("no child trained successfully")
        return result
    print(f"\nbest architecture: {best_arch}")
    m = best_metrics
    print(f"  val accuracy {m['val_accuracy']:.3f}, test accuracy {m['test_accuracy']:.3f} "
          f"(reported only), {m['params']:,} params, {m['flops']:,} FLOPs")
    print(f"total wall time {time.perf_counter() - start:.1f}s")
    return result


if __name__ == "__main__":
    main()
