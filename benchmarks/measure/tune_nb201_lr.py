"""Sweep an RL agent's learning rate under an NB201 protocol, on seeds disjoint from the reported ones.

``python -m nas_env.benchmarks.measure.tune_nb201_lr [--agent reinforce] [--lrs 0.0006 0.003 0.01 0.03 0.1 0.3]
[--seeds 1000-1199] [--protocol nb201-cifar10] [--workers 1] [--published 93.85 0.37 500]``

Every (lr, seed) is one search under the protocol (its env, budget and the protocol's other settings for the
agent, only the lr changed), run in memory. Per lr it prints, over the seeds:

- ``val200``: the **choice** (issue 24, item 1) -- the 200-epoch mean validation accuracy of the best-reward
  cell on the protocol's dataset (CIFAR-10: the cifar10-valid split's 25,000 held-out *training* images; no
  test image), mean ± standard error. The lr with the highest mean is marked ``<- chosen``; the others get
  their difference from it with a Welch 95% t-interval.
- ``reward``: the search's own number, the best 12-epoch validation accuracy found (printed, not the choice:
  it is the maximum of the very values the search optimised, biased upwards by the selection).
- ``test``: the protocol's reported accuracy of the best-reward cell (CIFAR-10: 200-epoch test accuracy), mean
  with a 95% t-interval and the population std (as NAS-Bench-201 reports). **Never used for the choice**;
  printed to compare with a published number (``--published MEAN STD N``: Welch's t-test against it).
- ``reinforce-table`` only: ``argmax test``, the reported accuracy of the final policy's argmax cell
  (``policy.genotype()``, the answer of NAS-Bench-201's ``reinforce.py`` up to 2019-12-31; from 2020-01-15 it
  answers the best-reward cell, as ``test`` does), with its t-interval and Welch p.

The benchmark reports seeds 0..N-1 (N <= 1000), so seeds >= 1000 never overlap them; one worker by default
(``--workers``: processes).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np

DEFAULT_LRS = (0.0006, 0.003, 0.01, 0.03, 0.1, 0.3)


@lru_cache(maxsize=4)
def _setting(protocol_name: str) -> tuple[Any, Any, Any, Any]:
    """The protocol, one env, its reporter and its table (built once per process)."""
    from nas_env.benchmarks.protocols import get_protocol
    from nas_env.evaluators.nb201_table import NB201Table

    p = get_protocol(protocol_name)
    return p, p.make_env(), p.make_reporter(), NB201Table(p.env_kwargs["dataset"])


def search_scores(protocol_name: str, agent: str, lr: float, seed: int) -> dict[str, float]:
    """One search of ``agent`` with Adam ``lr`` under the protocol: percent scores of its best-reward cell
    (``val200``, ``reward``, ``test``) and, for ``reinforce-table``, of its final argmax cell (``argmax_val200``,
    ``argmax_test``)."""
    import torch

    from nas_env.agents.registry import make_agent

    torch.set_num_threads(1)
    p, env, reporter, table = _setting(protocol_name)
    searcher = make_agent(agent, **{**p.kwargs_for(agent), "lr": lr})
    result = searcher.run(env, p.budget, seed=seed)
    best = result.best
    assert best is not None
    out = {"val200": 100 * float(table.val200_mean[table.row(best.arch)]), "reward": 100 * float(best.reward),
           "test": 100 * float(p.final_accuracy(best))}  # type: ignore[arg-type]
    if agent == "reinforce-table":
        with torch.no_grad():
            tokens = [int(t) for t in searcher.policy.log_probs().argmax(dim=-1)]  # type: ignore[attr-defined]
        arch = str(env.unwrapped.space.decode(tokens))  # type: ignore[attr-defined]
        out["argmax_val200"] = 100 * float(table.val200_mean[table.row(arch)])
        out["argmax_test"] = 100 * float(reporter.accuracy(arch, {}))
    return out


def t_interval(y: np.ndarray) -> tuple[float, float]:
    """The 95% Student-t interval of the mean of ``y``."""
    from scipy import stats

    half = stats.t.ppf(0.975, len(y) - 1) * y.std(ddof=1) / np.sqrt(len(y))
    return float(y.mean() - half), float(y.mean() + half)


def welch_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """``mean(a) - mean(b)`` with its Welch 95% t-interval."""
    from scipy import stats

    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se > 0 else 1.0
    half = stats.t.ppf(0.975, dof) * se
    d = float(a.mean() - b.mean())
    return d, d - half, d + half


def welch_p_against(y: np.ndarray, mean: float, std: float, n: int) -> float:
    """Two-sided Welch p of ``y``'s mean against a published ``mean ± std`` (population std) over ``n`` runs."""
    from scipy import stats

    return float(stats.ttest_ind_from_stats(y.mean(), y.std(ddof=1), len(y), mean, std * np.sqrt(n / (n - 1)), n,
                                            equal_var=False).pvalue)


def _seed_range(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def _test_cells(y: np.ndarray, published: Sequence[float] | None) -> str:
    lo, hi = t_interval(y)
    cell = f"{y.mean():6.2f} [{lo:.2f}, {hi:.2f}] {y.std():4.2f}"
    if published:
        cell += f"  p={welch_p_against(y, published[0], published[1], int(published[2])):.2g}"
    return cell


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.tune_nb201_lr",
                                description=__doc__.splitlines()[0])
    p.add_argument("--agent", default="reinforce", choices=("reinforce", "reinforce-table"))
    p.add_argument("--protocol", default="nb201-cifar10")
    p.add_argument("--lrs", type=float, nargs="+", default=list(DEFAULT_LRS))
    p.add_argument("--seeds", type=_seed_range, default=_seed_range("1000-1199"), help="e.g. 1000-1199")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--published", type=float, nargs=3, metavar=("MEAN", "STD", "N"), default=None,
                   help="a published test mean ± std over N runs to test each lr's test mean against")
    args = p.parse_args(argv)
    if min(args.seeds) < 1000:
        p.error(f"--seeds must be >= 1000 (disjoint from the reported seeds 0..N-1), got {min(args.seeds)}")
    t0 = time.perf_counter()
    jobs = [(args.protocol, args.agent, lr, s) for lr in args.lrs for s in args.seeds]
    if args.workers > 1:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            scores = list(pool.map(search_scores, *zip(*jobs), chunksize=4))
    else:
        scores = [search_scores(*job) for job in jobs]
    n = len(args.seeds)
    cols = {key: {lr: np.asarray([s[key] for s in scores[i * n:(i + 1) * n]]) for i, lr in enumerate(args.lrs)}
            for key in scores[0]}
    chosen = max(args.lrs, key=lambda lr: cols["val200"][lr].mean())
    print(f"{args.agent} under {args.protocol}, seeds {args.seeds[0]}..{args.seeds[-1]} ({n} searches per lr); "
          "percent, of the best-reward cell unless marked argmax")
    print("choice by val200 only (200-epoch validation accuracy); test is printed for comparison, never chosen on")
    head = f"{'lr':>7} | {'val200 ± s.e.':>13} {'vs chosen [95% CI]':>24} | {'reward ± s.e.':>13} | " \
           f"{'test mean [95% CI] std':>28}"
    print(head + (" | argmax test mean [95% CI] std" if "argmax_test" in cols else ""))
    for lr in args.lrs:
        v = cols["val200"][lr]
        se = v.std(ddof=1) / np.sqrt(n)
        diff = "<- chosen" if lr == chosen else "{:+.2f} [{:+.2f}, {:+.2f}]".format(
            *welch_difference(v, cols["val200"][chosen]))
        r = cols["reward"][lr]
        r_se = r.std(ddof=1) / np.sqrt(n)
        line = f"{lr:>7g} | {v.mean():6.2f} ± {se:4.2f} {diff:>24} | {r.mean():6.2f} ± {r_se:4.2f}" \
               f" | {_test_cells(cols['test'][lr], args.published)}"
        if "argmax_test" in cols:
            line += f" | {_test_cells(cols['argmax_test'][lr], args.published)}"
        print(line)
    if args.published:
        print(f"p: two-sided Welch t-test of the test mean against the published {args.published[0]:.2f} ± "
              f"{args.published[1]:.2f} over {int(args.published[2])} runs")
    print(f"chosen by validation: lr {chosen:g}; {len(jobs)} searches in {time.perf_counter() - t0:.0f} s with "
          f"{args.workers} worker(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
