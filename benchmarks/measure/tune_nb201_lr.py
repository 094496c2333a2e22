"""Tune an RL agent's learning rate under an NB201 protocol, on seeds disjoint from the reported ones.

``python -m nas_env.benchmarks.measure.tune_nb201_lr [--agent reinforce] [--lrs 0.0006 0.001 0.003 0.01 0.03]
[--seeds 1000-1039] [--protocol nb201-cifar10] [--workers 2]``

Every (lr, seed) is one search under the protocol (its env, budget and the protocol's other settings
for the agent), run in memory (no run directories); the score is a **validation** number only (issue 24,
item 1): the 200-epoch mean validation accuracy of the best-reward architecture on the protocol's dataset
(CIFAR-10: the cifar10-valid validation split), never the test accuracy the benchmark then reports
(``--score test`` prints that instead, for comparison only). Prints mean ± std (population std, as
NAS-Bench-201) and the standard error per lr. The benchmark reports seeds 0..N-1 (N <= 1000), so tuning
seeds >= 1000 never overlap them.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

DEFAULT_LRS = (0.0006, 0.001, 0.003, 0.01, 0.03)


def final_accuracy(protocol_name: str, agent: str, lr: float, seed: int, score: str = "val") -> float:
    """The score (percent) of one search of ``agent`` with Adam ``lr``: the best-reward cell's 200-epoch mean
    validation accuracy (``score="val"``) or the protocol's reported test accuracy (``"test"``)."""
    import torch

    from nas_env.agents.registry import make_agent
    from nas_env.benchmarks.protocols import get_protocol

    torch.set_num_threads(1)
    p = get_protocol(protocol_name)
    kwargs = {**p.kwargs_for(agent), "lr": lr}
    result = make_agent(agent, **kwargs).run(p.make_env(), p.budget, seed=seed)
    if score == "test":
        return 100.0 * float(p.final_accuracy(result.best))  # type: ignore[arg-type]
    from nas_env.evaluators.nb201_table import NB201Table

    table = NB201Table(p.env_kwargs["dataset"])
    return 100.0 * float(table.val200_mean[table.row(result.best.arch)])  # type: ignore[union-attr]


def _seed_range(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.tune_nb201_lr",
                                description=__doc__.splitlines()[0])
    p.add_argument("--agent", default="reinforce")
    p.add_argument("--protocol", default="nb201-cifar10")
    p.add_argument("--lrs", type=float, nargs="+", default=list(DEFAULT_LRS))
    p.add_argument("--seeds", type=_seed_range, default=_seed_range("1000-1039"), help="e.g. 1000-1039")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--score", choices=("val", "test"), default="val",
                   help="val (default): 200-epoch validation accuracy, what tuning may use; test: for comparison only")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    jobs = [(args.protocol, args.agent, lr, s, args.score) for lr in args.lrs for s in args.seeds]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        scores = list(pool.map(final_accuracy, *zip(*jobs), chunksize=4))
    print(f"{args.agent} under {args.protocol}, seeds {args.seeds[0]}..{args.seeds[-1]} ({len(args.seeds)}), "
          f"{'200-epoch validation' if args.score == 'val' else 'reported test'} accuracy (%) of the best-reward cell")
    print(f"{'lr':>8} {'mean':>7} {'std':>5} {'s.e.':>5}")
    n = len(args.seeds)
    for i, lr in enumerate(args.lrs):
        y = np.asarray(scores[i * n:(i + 1) * n])
        print(f"{lr:>8g} {y.mean():>7.2f} {y.std():>5.2f} {y.std(ddof=1) / np.sqrt(n):>5.2f}")
    print(f"{len(jobs)} searches in {time.perf_counter() - t0:.1f} s with {args.workers} workers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
