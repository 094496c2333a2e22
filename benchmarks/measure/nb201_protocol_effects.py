"""How much each remaining difference from NAS-Bench-201's protocol moves random search's result.

``python -m nas_env.benchmarks.measure.nb201_protocol_effects [--runs 20000] [--dataset cifar10]
[--agent reinforce-table --seeds 500 --noise 0.3]``

Random search simulated directly on the table (vectorised numpy, the nb201 protocol's rules
otherwise: uniform cells, each charged its 12-epoch training time, the query that would cross the
protocol's budget (read from the protocol: 12,000 s on CIFAR-10) dropped, answer = best 12-epoch
validation accuracy, reported = 200-epoch test accuracy). Each row changes one rule and prints the
mean final accuracy with its standard error:

- ``reward noise s pp``: Gaussian noise of std ``s`` percentage points on the reward. NAS-Bench-201
  draws one training seed per query; the shipped data has one 12-epoch number per cell (no per-seed
  12-epoch runs), so the seed noise is emulated. Its size is estimated from the data's 200-epoch runs:
  the mean across-seed std of the validation accuracy is printed first.
- ``validation charged +f%``: each query also charged ``f``% of its training time (NB201 charges
  ``train-all-time + valid-per-time``; the data has no validation time).
- ``crossing query kept``: the query that crosses the budget is counted (NB201's REINFORCE loop keeps
  it in its trace; its RS and REA drop it, as every agent here does).
- ``--argmax-seeds N``: ``reinforce-table``'s answer as NAS-Bench-201's ``reinforce.py`` gives it (the final
  policy's argmax cell, ``policy.genotype()``) against ours (the best-reward cell), on seeds 0..N-1.

With ``--agent NAME`` it also runs that agent (e.g. ``reinforce-table``) under the nb201 protocol on
seeds 0..N-1, with and without ``--noise`` pp of Gaussian reward noise (:class:`RewardNoise`), and
prints both means: the reward-noise effect on a learning agent, which the vectorised simulation
cannot give.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.nb201 import NB201_DATASETS
from nas_env.benchmarks.protocols.nb201_trials import RewardNoise
from nas_env.evaluators.nb201_table import NB201Table


def simulate_random_search(table: NB201Table, runs: int, budget: float, seed: int = 0, noise_pp: float = 0.0,
                           cost_factor: float = 1.0, keep_crossing: bool = False, draws: int = 400) -> np.ndarray:
    """Final reported accuracy (percent) of ``runs`` simulated random searches."""
    rng = np.random.default_rng(seed)
    reported, _ = table.reported_accuracy(200)
    cost = table.train_time200 * 12 / 200 * cost_factor
    rows = rng.integers(0, len(table), size=(runs, draws))
    total = np.cumsum(cost[rows], axis=1)
    counted = total <= budget
    if keep_crossing:  # also count the first query past the budget
        counted |= np.concatenate([np.ones((runs, 1), bool), counted[:, :-1]], axis=1)
    if counted.all(axis=1).any():
        raise ValueError(f"{draws} draws do not exhaust the budget; raise draws")
    reward = table.val12[rows] + (rng.normal(0.0, noise_pp / 100, size=rows.shape) if noise_pp else 0.0)
    reward = np.where(counted, reward, -np.inf)
    best = rows[np.arange(runs), np.argmax(reward, axis=1)]
    return 100 * reported[best]


def agent_under_noise(agent: str, seeds: Sequence[int], noise_pp: float, dataset: str = "cifar10") -> np.ndarray:
    """Final reported accuracy (percent) of ``agent`` under the nb201 protocol, one run per seed."""
    from nas_env.agents import make_agent

    protocol = get_protocol(f"nb201-{dataset}")
    base = protocol.make_env()
    out = []
    for seed in seeds:
        env = RewardNoise(base, noise_pp, seed=10_000 + seed)
        result = make_agent(agent, **protocol.kwargs_for(agent)).run(env, protocol.budget, seed=seed)
        out.append(100 * protocol.final_accuracy(result.best))
    base.close()
    return np.asarray(out)


def argmax_answer(seeds: Sequence[int], dataset: str = "cifar10") -> tuple[np.ndarray, np.ndarray]:
    """``reinforce-table`` under the nb201 protocol: per seed, the reported accuracy (percent) of the best-reward
    cell (our answer) and of the final policy's argmax cell (NAS-Bench-201's ``reinforce.py`` answers
    ``policy.genotype()``, the argmax of each edge's logits)."""
    import torch

    from nas_env.agents import make_agent

    protocol = get_protocol(f"nb201-{dataset}")
    reporter = protocol.make_reporter()
    env = protocol.make_env()
    space = env.unwrapped.space  # type: ignore[attr-defined]
    best, argmax = [], []
    for seed in seeds:
        agent = make_agent("reinforce-table", **protocol.kwargs_for("reinforce-table"))
        result = agent.run(env, protocol.budget, seed=seed)
        best.append(100 * protocol.final_accuracy(result.best))
        with torch.no_grad():
            lp = agent.policy.log_probs()  # type: ignore[attr-defined]
        tokens = [int(t) for t in lp.argmax(dim=-1)]
        argmax.append(100 * reporter.accuracy(str(space.decode(tokens)), {}))
    env.close()
    return np.asarray(best), np.asarray(argmax)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.nb201_protocol_effects",
                                description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=20_000)
    p.add_argument("--dataset", default="cifar10", choices=sorted(NB201_DATASETS))
    p.add_argument("--agent", default=None, help="also run this agent with and without reward noise")
    p.add_argument("--seeds", type=int, default=500, help="seeds 0..N-1 of --agent")
    p.add_argument("--noise", type=float, default=0.3, help="reward noise (pp) of the --agent comparison")
    p.add_argument("--argmax-seeds", type=int, default=0,
                   help="also compare reinforce-table's best-reward answer with its final argmax cell on N seeds")
    args = p.parse_args(argv)
    if args.argmax_seeds:
        b, a = argmax_answer(range(args.argmax_seeds), args.dataset)
        print(f"reinforce-table, nb201-{args.dataset}, seeds 0..{args.argmax_seeds - 1}: best-reward answer "
              f"{b.mean():.3f} ± {b.std(ddof=1) / np.sqrt(len(b)):.3f} (std {b.std():.2f}); final argmax cell "
              f"{a.mean():.3f} ± {a.std(ddof=1) / np.sqrt(len(a)):.3f} (std {a.std():.2f})")
        return 0
    t = NB201Table(args.dataset)
    seed_std = np.nanstd(t.val200, axis=1, ddof=1)
    print(f"{args.dataset}: across-seed std of 200-epoch validation accuracy: mean {100 * np.nanmean(seed_std):.2f} "
          f"pp, median {100 * np.nanmedian(seed_std):.2f} pp")
    rows = [("protocol as run (reward without seed noise)", {}),
            ("reward noise 0.2 pp", {"noise_pp": 0.2}),
            ("reward noise 0.3 pp", {"noise_pp": 0.3}),
            ("reward noise 0.5 pp", {"noise_pp": 0.5}),
            ("validation charged +3%", {"cost_factor": 1.03}),
            ("validation charged +10%", {"cost_factor": 1.10}),
            ("crossing query kept", {"keep_crossing": True})]
    budget = get_protocol(f"nb201-{args.dataset}").budget.cost_seconds  # simulated seconds
    print(f"random search, {args.runs} simulated runs each, final accuracy (%): mean ± s.e.")
    for label, kw in rows:
        y = simulate_random_search(t, args.runs, budget, seed=1, **kw)  # type: ignore[arg-type]
        print(f"  {label:<45} {y.mean():.3f} ± {y.std(ddof=1) / np.sqrt(len(y)):.3f}  (std {y.std():.2f})")
    if args.agent:
        print(f"{args.agent}, nb201-{args.dataset} protocol, seeds 0..{args.seeds - 1}: final accuracy (%) mean ± s.e.")
        for noise in (0.0, args.noise):
            y = agent_under_noise(args.agent, range(args.seeds), noise, args.dataset)
            print(f"  reward noise {noise:.1f} pp{'':<30} {y.mean():.3f} ± {y.std(ddof=1) / np.sqrt(len(y)):.3f}  "
                  f"(std {y.std():.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
