"""What moves the spread of REA's result under ``nb201-cifar10``: one change at a time (issue 24, item 5).

``python -m nas_env.benchmarks.measure.nb201_rea_spread [--first-seed 3000] [--blocks 4]``

REA (``evolution``, the protocol's NAS-Bench-201 settings: variant nb201, P=10, S=3) over blocks of 500 seeds
from 3000 (disjoint from the reported seeds 0..N-1), the protocol as run and then each candidate cause of the
published std being 0.30 where ours is 0.40, changed alone; every changed row uses the first block's seeds:

- ``as run`` on ``--blocks`` disjoint seed blocks: how much the std moves between samples of 500 runs.
- ``trial noise per query s pp``: NAS-Bench-201's scripts draw one 12-epoch trial per query, the shipped reward
  is a trial mean (``nb201_notes``); emulated as Gaussian noise redrawn per query
  (:class:`~nas_env.benchmarks.protocols.nb201_trials.RewardNoise`, ``per="query"``).
- ``single-trial table s pp (k)``: one draw per cell, the same in every run (file v1.0, if it held one 12-epoch
  trial per cell); three such tables.
- ``ties broken at random``: 1e-6 pp of per-query noise (ties are otherwise broken by order, as
  NAS-Bench-201's ``max`` does).
- ``budget B s``: the time accounting (the 12-epoch record's own time is not shipped) changes how many cells
  a run evaluates; 0.5x, 1.5x and 2x.
- ``sample size S``, ``population P``: REA's own settings (NAS-Bench-201 also ran S = 5 and 10).

Each row prints the mean and population std of the reported accuracy (200-epoch CIFAR-10 test, percent), the
mean number of evaluations, and two-sided F-tests of its variance against the published 0.30 (500 runs) and
against the first ``as run`` row.

Last, **the published runs' seeds**: NAS-Bench-201's scripts (``R_EA.py``, ``reinforce.py``, ``RANDOM.py`` of
D-X-Y/AutoDL-Projects at 9ec2566 and bb2f405, 2019-12-31 and 2020-01-15) run 500 searches in one process, drawing
each run's seed with ``random.randint(1, 100000)`` *after* the previous run called ``prepare_seed(seed)``
(``random.seed``): each seed is a deterministic function of the one before, a chain on 100,000 values that can fall
into a cycle and repeat runs. The chain is emulated as a random mapping (:func:`seed_chain`), each distinct seed
given a result drawn from the ``as run`` rows' runs; it prints how many distinct runs 500 such runs hold and how
often their std is at most the published 0.30, against 500 independent runs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

PUBLISHED_STD, PUBLISHED_RUNS = 0.30, 500  # NAS-Bench-201 Table 5, REA on CIFAR-10 (93.92 ± 0.30, 500 runs)


def rea_runs(seeds: Sequence[int], budget: float | None = None, noise_pp: float = 0.0, per: str = "query",
             noise_seed: int = 0, **overrides: Any) -> tuple[np.ndarray, float]:
    """Reported accuracy (percent) of REA under ``nb201-cifar10`` per seed, and its mean number of evaluations."""
    from nas_env.agents.registry import make_agent
    from nas_env.benchmarks.protocols import get_protocol
    from nas_env.benchmarks.protocols.nb201_trials import RewardNoise

    p = get_protocol("nb201-cifar10", budget=budget)
    base = p.make_env()
    finals, evaluations = [], []
    for seed in seeds:
        env = RewardNoise(base, noise_pp, seed=noise_seed if per == "cell" else 10_000 + seed, per=per)
        result = make_agent("evolution", **{**p.kwargs_for("evolution"), **overrides}).run(env, p.budget, seed=seed)
        finals.append(100 * p.final_accuracy(result.best))  # type: ignore[operator]
        evaluations.append(len(result.history))
    base.close()
    return np.asarray(finals), float(np.mean(evaluations))


def f_test_p(std_a: float, n_a: int, std_b: float, n_b: int) -> float:
    """Two-sided F-test p of two variances given as population stds (each corrected by n / (n - 1))."""
    from scipy import stats

    f = (std_a ** 2 * n_a / (n_a - 1)) / (std_b ** 2 * n_b / (n_b - 1))
    return float(min(1.0, 2 * min(stats.f.sf(f, n_a - 1, n_b - 1), stats.f.cdf(f, n_a - 1, n_b - 1))))


def seed_chain(values: np.ndarray, runs: int = 500, space: int = 100_000, reps: int = 10_000,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Emulated NAS-Bench-201 seed chains: per repetition, the std of ``runs`` results whose seeds follow
    ``s -> g(s)`` for a random mapping ``g`` of ``1..space`` (each distinct seed's result drawn from ``values``),
    and the number of distinct seeds among them."""
    rng = np.random.default_rng(seed)
    stds, distinct = np.empty(reps), np.empty(reps, dtype=int)
    for rep in range(reps):
        g: dict[int, int] = {}
        s, seq = int(rng.integers(1, space + 1)), []
        for _ in range(runs):
            seq.append(s)
            s = g.setdefault(s, int(rng.integers(1, space + 1)))
        result = {u: float(values[rng.integers(len(values))]) for u in set(seq)}
        stds[rep] = np.std([result[u] for u in seq])
        distinct[rep] = len(result)
    return stds, distinct


ROWS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("trial noise per query 0.25 pp", {"noise_pp": 0.25}),
    ("trial noise per query 0.5 pp", {"noise_pp": 0.5}),
    ("trial noise per query 1.0 pp", {"noise_pp": 1.0}),
    ("single-trial table 0.5 pp (1)", {"noise_pp": 0.5, "per": "cell", "noise_seed": 1}),
    ("single-trial table 0.5 pp (2)", {"noise_pp": 0.5, "per": "cell", "noise_seed": 2}),
    ("single-trial table 0.5 pp (3)", {"noise_pp": 0.5, "per": "cell", "noise_seed": 3}),
    ("ties broken at random", {"noise_pp": 1e-6}),
    ("budget 6,000 s (0.5x)", {"budget": 6_000.0}),
    ("budget 18,000 s (1.5x)", {"budget": 18_000.0}),
    ("budget 24,000 s (2x)", {"budget": 24_000.0}),
    ("sample size 5", {"sample_size": 5}),
    ("sample size 10", {"sample_size": 10}),
    ("population 20", {"population_size": 20}),
    ("variant default (no replacement)", {"variant": "default"}),
)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.nb201_rea_spread",
                                description=__doc__.splitlines()[0])
    p.add_argument("--first-seed", type=int, default=3000, help="first seed of the first block (>= 1000)")
    p.add_argument("--blocks", type=int, default=4, help="blocks of 500 seeds run as the protocol is (>= 1)")
    p.add_argument("--runs", type=int, default=PUBLISHED_RUNS, help="seeds per block")
    p.add_argument("--chains", type=int, default=10_000, help="emulated seed chains")
    args = p.parse_args(argv)
    if args.first_seed < 1000 or args.blocks < 1 or args.runs < 2 or args.chains < 1:
        p.error(f"need --first-seed >= 1000 (disjoint from the reported seeds 0..N-1), --blocks >= 1, --runs >= 2 "
                f"and --chains >= 1, got {args.first_seed}, {args.blocks}, {args.runs}, {args.chains}")
    blocks = [list(range(args.first_seed + b * args.runs, args.first_seed + (b + 1) * args.runs))
              for b in range(args.blocks)]
    t0 = time.perf_counter()
    print(f"REA (evolution, nb201-cifar10), reported 200-epoch CIFAR-10 test accuracy (%); seeds "
          f"{blocks[0][0]}..{blocks[0][-1]} unless marked; published: 93.92 ± {PUBLISHED_STD:.2f} over "
          f"{PUBLISHED_RUNS} runs")
    print(f"{'change (one at a time)':<36} {'runs':>4} {'evals':>6} {'mean':>6} {'std':>5} {'F p vs 0.30':>12} "
          f"{'F p vs as run':>14}")
    as_run = [rea_runs(seeds) for seeds in blocks]
    ref = as_run[0][0]
    table = [("as run" if b == 0 else f"as run, seeds {seeds[0]}..{seeds[-1]}", *as_run[b])
             for b, seeds in enumerate(blocks)]
    table += [(label, *rea_runs(blocks[0], **kw)) for label, kw in ROWS]
    for label, y, evals in table:
        p_pub = f_test_p(y.std(), len(y), PUBLISHED_STD, PUBLISHED_RUNS)
        p_ref = f_test_p(y.std(), len(y), ref.std(), len(ref))
        print(f"{label:<36} {len(y):>4} {evals:>6.1f} {y.mean():>6.2f} {y.std():>5.2f} {p_pub:>12.1e} {p_ref:>14.2g}")
    pooled = np.concatenate([y for y, _ in as_run])
    stds, distinct = seed_chain(pooled, reps=args.chains)
    rng = np.random.default_rng(1)
    independent = np.array([rng.choice(pooled, size=PUBLISHED_RUNS).std() for _ in range(len(stds))])
    q = np.quantile(distinct, [0.05, 0.5])
    print(f"published runs' seed chain, emulated ({len(stds):,} chains of {PUBLISHED_RUNS} runs, results drawn "
          f"from the {len(pooled)} as-run runs, std {pooled.std():.2f}): distinct runs median {q[1]:.0f} (5% quantile "
          f"{q[0]:.0f}; all {PUBLISHED_RUNS} distinct in {np.mean(distinct == PUBLISHED_RUNS):.0%}); std <= "
          f"{PUBLISHED_STD:.2f} in {np.mean(stds <= PUBLISHED_STD):.1%} of chains (5% quantile of the std "
          f"{np.quantile(stds, 0.05):.2f}), in {np.mean(independent <= PUBLISHED_STD):.1%} of {PUBLISHED_RUNS} "
          f"independent runs (5% quantile {np.quantile(independent, 0.05):.2f})")
    print(f"{sum(len(y) for _, y, _ in table)} searches in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
