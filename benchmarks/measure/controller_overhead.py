"""Controller cost per architecture (sample + REINFORCE update, no env evaluation), m = 1 vs m = 8.

``python -m nas_env.benchmarks.measure.controller_overhead [--repeats 3] [--archs 64]``

For each space (NB201, and the 15-layer Zoph & Le CNN grammar with strides) and each
m, times ``archs / m`` updates of: one batched ``Controller.sample(m)`` + loss + backward +
Adam step, and reports milliseconds per architecture (median of the repeats) and the
m = 8 / m = 1 per-architecture speed-up (batching should give >= 3x).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np
import torch

from nas_env import NB201Space, ZophLeCNNSpace
from nas_env.agents.controller import Controller
from nas_env.spaces.base import SearchSpace


def ms_per_arch(space: SearchSpace, m: int, archs: int, repeats: int, seed: int = 0) -> float:
    """Median over ``repeats`` of the wall milliseconds per architecture for sample + update."""
    gen = torch.Generator().manual_seed(seed)
    ctrl = Controller(space, generator=gen)
    opt = torch.optim.Adam(ctrl.parameters(), lr=0.0006)
    updates = max(1, archs // m)
    rewards = torch.rand(updates, m, generator=gen)

    def one_update(i: int) -> None:
        out = ctrl.sample(m, gen)
        loss = -((rewards[i] - 0.5) * out.log_prob).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    one_update(0)  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for i in range(updates):
            one_update(i)
        times.append((time.perf_counter() - t) * 1000 / (updates * m))
    return float(np.median(times))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.controller_overhead",
                                description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--archs", type=int, default=64, help="architectures per timing repeat")
    p.add_argument("--threads", type=int, default=1, help="torch threads (the agent uses 1)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    spaces = {
        "NB201 (6 tokens)": NB201Space(),
        "ZophLeCNN 15 layers + stride (165 tokens)": ZophLeCNNSpace(num_layers=15, predict_stride=True),
    }
    print(f"controller sample + update, ms per architecture (median of {args.repeats}, "
          f"{args.archs} archs each, {args.threads} torch thread(s))")
    print(f"{'space':<44}{'m=1':>10}{'m=8':>10}{'speed-up':>10}")
    for label, space in spaces.items():
        one = ms_per_arch(space, 1, args.archs, args.repeats)
        eight = ms_per_arch(space, 8, args.archs, args.repeats)
        print(f"{label:<44}{one:>10.2f}{eight:>10.2f}{one / eight:>9.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
