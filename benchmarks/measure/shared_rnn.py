"""Weight sharing for recurrent cells: cost per child and rank agreement with stand-alone training.

``python -m nas_env.benchmarks.measure.shared_rnn [--children 20] [--search 100] [--sample 10] [--steps 10]
[--json FILE]``

At the ``rnn-tinyshakespeare`` protocol's settings (``ZophLeRNN-v0``, base 8, 50,000
characters, hidden 64, batch 32, seq 32, CPU, 1 intra-op thread, reward ``"bpc"`` = bits saved):

1. **cost**: wall seconds per child of ``--children`` uniformly random cells (numpy seed 0)
   with ``backend="shared"`` (``--steps`` windows each) and with the stand-alone backend
   (1 epoch each); the first child of each is timed apart (kernel load, weight building);
2. **rank agreement**: a short shared search -- ``--search`` uniformly random cells (seed 1),
   ``--steps`` windows each, shared ``--lr`` -- then a fixed sample of ``--sample`` random cells
   (seed 12345), each measured (a) with the final shared weights (fidelity 0, no further
   training) and (b) after ``--steps`` windows from the final shared weights (restored before
   each cell, so the order does not matter), and trained stand-alone (1 epoch);
   ``scipy.stats.kendalltau`` between each shared reward and the stand-alone one.

Wall times depend on the machine and its load: report them with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import kendalltau

from nas_env.evaluators.base import Evaluator
from nas_env.evaluators.lm_shared import SharedWeightLMEvaluator
from nas_env.evaluators.lm_train import LMTrainEvaluator
from nas_env.rewards import bits_saved
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell, ZophLeRNNSpace

PROTOCOL: dict[str, Any] = {"max_chars": 50_000, "hidden_size": 64, "batch_size": 32, "seq_len": 32,
                            "device": "cpu", "num_threads": 1}
SAMPLE_SEED = 12345


def cells(space: ZophLeRNNSpace, n: int, seed: int) -> list[ZophLeRNNCell]:
    rng = np.random.default_rng(seed)
    return [space.decode(space.sample(rng)) for _ in range(n)]


def reward(metrics: dict[str, Any]) -> float:
    """The protocol's reward; 0.0 (the env's ``failure_reward``) for a failed child."""
    return bits_saved(metrics) if metrics["status"] == "ok" else 0.0


def timed(ev: Evaluator, children: Sequence[ZophLeRNNCell], **kw: Any) -> tuple[float, list[float], list[float]]:
    """Seconds of the first child, seconds of each later one, and every reward."""
    seconds, rewards = [], []
    for i, cell in enumerate(children):
        start = time.perf_counter()
        m = ev.evaluate(cell, seed=i, **kw)
        seconds.append(time.perf_counter() - start)
        rewards.append(reward(m))
    return seconds[0], seconds[1:], rewards


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=20)
    parser.add_argument("--search", type=int, default=100)
    parser.add_argument("--sample", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3, help="the shared weights' Adam lr of the search")
    parser.add_argument("--skip-cost", action="store_true", help="only the rank agreement")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    space = ZophLeRNNSpace(8)
    out: dict[str, Any] = {"load_before": os.getloadavg()[0]}
    alone = LMTrainEvaluator(epochs=1, **PROTOCOL)
    if not args.skip_cost:
        children = cells(space, args.children, 0)
        for label, ev in (("shared", SharedWeightLMEvaluator(space, steps=args.steps, **PROTOCOL)),
                          ("alone", alone)):
            first, rest, _ = timed(ev, children)
            out[f"{label}_first_s"], out[f"{label}_per_child_s"] = first, float(np.median(rest))
            print(f"{label}: first child {first:.2f} s, then median {np.median(rest):.3f} s (mean "
                  f"{np.mean(rest):.3f}, min {min(rest):.3f}, max {max(rest):.3f}) over {len(rest)} children")
        print(f"ratio stand-alone / shared: {out['alone_per_child_s'] / out['shared_per_child_s']:.1f}x")

    search = SharedWeightLMEvaluator(space, steps=args.steps, **{**PROTOCOL, "lr": args.lr})
    start = time.perf_counter()
    _, _, search_rewards = timed(search, cells(space, args.search, 1))
    out["search_s"] = time.perf_counter() - start
    sample = cells(space, args.sample, SAMPLE_SEED)
    final = search.state_dict()
    _, _, shared_r = timed(search, sample, fidelity=0)
    trained_r = []
    for i, cell in enumerate(sample):
        search.load_state_dict(final)
        trained_r.append(reward(search.evaluate(cell, seed=i)))
    _, _, alone_r = timed(alone, sample)
    tau, tau_trained = kendalltau(shared_r, alone_r), kendalltau(trained_r, alone_r)
    out.update(search_rewards=search_rewards, shared_rewards=shared_r, trained_rewards=trained_r,
               alone_rewards=alone_r, tau=float(tau.statistic), tau_p=float(tau.pvalue),
               tau_trained=float(tau_trained.statistic), tau_trained_p=float(tau_trained.pvalue),
               load_after=os.getloadavg()[0])
    print(f"shared search (lr {args.lr}) of {args.search} random cells: {out['search_s']:.1f} s; "
          f"{search_rewards.count(0.0)} failed; mean reward first 10 {np.mean(search_rewards[:10]):.4f}, "
          f"last 10 {np.mean(search_rewards[-10:]):.4f}")
    for s, t, a, cell in zip(shared_r, trained_r, alone_r, sample):
        print(f"  shared {s:.4f}  shared+{args.steps} {t:.4f}  stand-alone {a:.4f}  {cell}")
    print(f"Kendall tau vs stand-alone ({args.sample} cells): final weights {tau.statistic:.3f} "
          f"(p = {tau.pvalue:.3f}); +{args.steps} windows {tau_trained.statistic:.3f} (p = {tau_trained.pvalue:.3f})")
    print(f"load average: {out['load_before']:.2f} before, {out['load_after']:.2f} after")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == "__main__":
    main()
