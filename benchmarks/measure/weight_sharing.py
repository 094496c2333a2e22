"""Is the shared-weight reward any good? Shared-weight search vs full-training search on digits.

``python -m nas_env.benchmarks.measure.weight_sharing [--out DIR] [--full-dir DIR] [--budget 80] [--steps 2]
[--warmup-steps 0] [--threads 2] [--val-samples N] [--seeds 0 ...] [--top 10] [--sample 12] [--epochs 3 ...]
[--workers 2] [--json FILE]``

On the Zoph & Le CNN space (digits, 4 layers, 1 stand-alone epoch per child; the README demo):

1. **full training**: the README's REINFORCE search (lr 0.01, 96 children, seed 0, worker
   processes) -- or, with ``--full-dir``, an existing run of it is read back instead;
2. **shared weights**, once per ``--seeds`` seed: the same REINFORCE search on ``backend="shared"``
   (``--steps`` minibatches per child on the shared weights, in the search process with ``--threads``
   intra-op threads: 2, the cores the full search's 2 worker processes use; no per-child test pass),
   then every distinct child measured with the final shared weights and the ``--top`` best of that
   re-trained stand-alone (``nas_env.benchmarks.run.retrain``, 1 epoch like the full search's children, seed 0);
   the search's final pick is the finalist with the best stand-alone *validation* accuracy, reported
   with its test accuracy;
3. **rank correlation**: a fixed sample of ``--sample`` random children (numpy seed 12345), each
   measured with the shared search's final weights (no further training) and trained stand-alone;
   Kendall's tau-b between the two accuracies (the first seed's weights);
4. **like for like** (``--epochs E ...``): the ``--top`` finalists of *both* searches re-trained
   stand-alone for ``E`` epochs (seed 0), the pick of each = best validation accuracy.

Prints the wall time of both searches (and of the re-training), their best test accuracies, whether each
shared search's pick is within 1 point of the full search's (at 1 epoch, and like for like), and tau.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.benchmarks.protocols.cnn import README_DEMO_KWARGS, shared_env_kwargs
from nas_env.benchmarks.run.checkpointer import read_checkpoint
from nas_env.benchmarks.run.directory import CHECKPOINT
from nas_env.benchmarks.run.files import read_json
from nas_env.benchmarks.run.record import load_run
from nas_env.benchmarks.run.retrain import finalists, retrain_top, retrained_pick
from nas_env.benchmarks.run.search import run_search
from nas_env.evaluators.backends import rescoring_env_kwargs

ENV_ID = "nas_env/ZophLeCNN-v0"
AGENT_KWARGS: dict[str, Any] = {"lr": 0.01}
SAMPLE_SEED = 12345


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b of two equally long sequences (ties in either one handled; nan if one is constant)."""
    if len(x) != len(y):
        raise ValueError(f"kendall_tau needs equally long sequences, got {len(x)} and {len(y)}")
    concordant = discordant = ties_x = ties_y = 0
    for i, j in combinations(range(len(x)), 2):
        dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx == dy:
            concordant += 1
        else:
            discordant += 1
    denom = np.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return float("nan") if denom == 0 else float((concordant - discordant) / denom)


def _search(out: Path, env_kwargs: dict[str, Any], budget: int, seed: int, workers: int | None = None
            ) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    run_search(ENV_ID, env_kwargs, "reinforce", AGENT_KWARGS, budget, seed, out, progress=False, workers=workers)
    return time.perf_counter() - start, read_json(out / "summary.json")


def like_for_like(archs: Sequence[str], epochs: int) -> dict[str, Any]:
    """``archs`` (a run's finalists) trained stand-alone for ``epochs`` (seed 0, 1 thread); the pick = best
    validation."""
    import gymnasium as gym

    import nas_env  # noqa: F401

    env = gym.make(ENV_ID, **{**README_DEMO_KWARGS, "epochs": epochs, "train_kwargs": {"num_threads": 1}}).unwrapped
    rows = []
    for arch in archs:
        m = env.evaluator.evaluate(env.space.from_string(arch), seed=0)
        rows.append({"arch": arch, "val": m["val_accuracy"], "test": m["test_accuracy"]})
    ok = [r for r in rows if r["val"] is not None]
    return {"epochs": epochs, "children": rows, "pick": max(ok, key=lambda r: r["val"]) if ok else None}


def rank_sample(shared_dir: Path, shared_kwargs: dict[str, Any], n: int) -> dict[str, Any]:
    """Shared-weight (final weights, no training) and stand-alone accuracy of ``n`` fixed random children."""
    import gymnasium as gym

    import nas_env  # noqa: F401

    shared = gym.make(ENV_ID, **rescoring_env_kwargs(shared_kwargs)).unwrapped  # the whole validation split
    shared.evaluator.load_state_dict(read_checkpoint(shared_dir / CHECKPOINT)["evaluator"])  # type: ignore[index]
    train = gym.make(ENV_ID, **README_DEMO_KWARGS, train_kwargs={"num_threads": 1}).unwrapped
    rng = np.random.default_rng(SAMPLE_SEED)
    rows = []
    while len(rows) < n:
        arch = shared.space.decode(shared.space.sample(rng))
        s = shared.evaluator.evaluate(arch, fidelity=0, seed=0)
        t = train.evaluator.evaluate(arch, seed=0)
        if s["status"] == "ok" and t["status"] == "ok":
            rows.append({"arch": str(arch), "shared_val": s["val_accuracy"], "standalone_val": t["val_accuracy"],
                         "standalone_test": t["test_accuracy"]})
    tau = kendall_tau([r["shared_val"] for r in rows], [r["standalone_val"] for r in rows])
    return {"children": rows, "kendall_tau": tau}


def _shared_run(out: Path, shared_kwargs: dict[str, Any], budget: int, seed: int, top: int,
                epochs: Sequence[int]) -> dict[str, Any]:
    """One shared-weight search, its final-weights finalists re-trained (1 epoch), and like for like."""
    shared_wall, shared = _search(out, shared_kwargs, budget, seed)
    print(f"[shared search seed {seed}: {shared_wall:.1f} s, best shared val {shared['best']['reward']:.4f}]",
          flush=True)
    start = time.perf_counter()
    retrained = retrain_top(out, top)
    retrain_wall = time.perf_counter() - start
    print(f"[re-training: {retrain_wall:.1f} s]", flush=True)
    pick = retrained_pick(out)
    assert pick is not None  # retrain_top raised if no finalist
    return {"seed": seed, "wall_seconds": shared_wall, "candidates": retrained.get("candidates"),
            "best_arch": shared["best"]["arch"], "best_shared_val": shared["best"]["metrics"]["val_accuracy"],
            "retrain_wall_seconds": retrain_wall, "retrained": retrained["children"],
            "pick_arch": pick["arch"], "pick_val": pick["standalone_val_accuracy"],
            "pick_test": pick["standalone_test_accuracy"],
            # the finalists retrain_top chose (under the final weights), not measured again
            "like_for_like": [like_for_like([c["arch"] for c in retrained["children"]], e) for e in epochs]}


def measure(out: Path, *, full_dir: Path | None, budget: int, steps: int, warmup_steps: int, top: int,
            sample: int, seeds: Sequence[int] = (0,), workers: int | None = 2, epochs: Sequence[int] = (),
            threads: int = 2, val_samples: int | None = None) -> dict[str, Any]:
    """Run the parts of the module docstring (the full search with seed 0, a shared search per seed);
    returns every number printed."""
    if full_dir is None:
        full_dir = out / "full"
        full_wall, full = _search(full_dir, README_DEMO_KWARGS, 96, 0, workers)
        print(f"[full search: {full_wall:.1f} s, best test {full['best']['metrics']['test_accuracy']}]", flush=True)
    else:
        full = read_json(full_dir / "summary.json")
        full_wall = float(full["total_wall_seconds"])
    shared_kwargs = shared_env_kwargs(steps, warmup_steps, threads, val_samples)
    shared = [_shared_run(out / f"shared-{seed}", shared_kwargs, budget, seed, top, epochs) for seed in seeds]
    ranks = (rank_sample(out / f"shared-{seeds[0]}", shared_kwargs, sample) if sample
             else {"children": [], "kendall_tau": None})
    return {
        "settings": {"budget": budget, "steps": steps, "warmup_steps": warmup_steps, "threads": threads,
                     "val_samples": val_samples, "top": top, "epochs": list(epochs), "seeds": list(seeds)},
        "full": {"wall_seconds": full_wall, "best_arch": full["best"]["arch"],
                 "best_val": full["best"]["metrics"]["val_accuracy"],
                 "best_test": full["best"]["metrics"]["test_accuracy"],
                 "like_for_like": [like_for_like([e.arch for e in finalists(load_run(full_dir).history, top)], n)
                                   for n in epochs]},
        "shared": shared,
        "ranks": ranks,
    }


def _within(best: float, test: float) -> str:
    return f"{100 * (best - test):+.2f} points: {'within' if best - test <= 0.01 else 'NOT within'} 1 point"


def format_result(r: dict[str, Any]) -> str:
    f, runs, k, cfg = r["full"], r["shared"], r["ranks"], r["settings"]
    fw = f["wall_seconds"]
    lines = [
        f"full-training search (REINFORCE, 96 children, 1 epoch each, seed 0): {fw:.1f} s, "
        f"best val {f['best_val']:.4f} test {f['best_test']:.4f}  {f['best_arch']}",
        f"shared-weight searches (REINFORCE, {cfg['budget']} children, {cfg['steps']} steps each, warm-up "
        f"{cfg['warmup_steps']}, {cfg['threads']} threads, reward on {cfg['val_samples'] or 'all'} validation "
        f"images; then every distinct child measured with the final weights, the top {cfg['top']} re-trained "
        "1 epoch, pick = best stand-alone val):",
    ]
    for s in runs:
        lines.append(
            f"  seed {s['seed']}: search {s['wall_seconds']:.1f} s = {s['wall_seconds'] / fw:.3f} of the full search "
            f"(+ {s['retrain_wall_seconds']:.1f} s measuring {s['candidates']} children and re-training: together "
            f"{(s['wall_seconds'] + s['retrain_wall_seconds']) / fw:.3f}); pick val {s['pick_val']:.4f} test "
            f"{s['pick_test']:.4f} ({_within(f['best_test'], s['pick_test'])} of the full search's best)  "
            f"{s['pick_arch']}")
    first = runs[0]
    lines.append(f"  seed {first['seed']}'s finalists:")
    lines.append("  rank  search reward  final-weights val  stand-alone val  stand-alone test  arch")
    lines += [f"  {c['rank']:<4}  {c['search_val_accuracy']:<13.4f}  {c['final_weights_val_accuracy'] or 0:<17.4f}  "
              f"{c['standalone_val_accuracy']:<15.4f}  {c['standalone_test_accuracy']:<16.4f}  {c['arch']}"
              for c in first["retrained"]]
    if len(runs) > 1:
        ratios = [s["wall_seconds"] / fw for s in runs]
        tests = np.array([s["pick_test"] for s in runs])
        ok = int(np.sum(f["best_test"] - tests <= 0.01))
        lines.append(f"over {len(runs)} seeds: search time ratio {np.mean(ratios):.3f} (max {max(ratios):.3f}); "
                     f"1-epoch pick test {tests.mean():.4f} +- {tests.std(ddof=1):.4f} (min {tests.min():.4f}), "
                     f"within 1 point of {f['best_test']:.4f} in {ok} of {len(runs)}")
    for n, full_row in zip(cfg["epochs"], f["like_for_like"]):
        fp = full_row["pick"]
        lines.append(f"top {cfg['top']} of each search re-trained {n} epoch{'s' if n != 1 else ''} (seed 0), "
                     f"pick = best val: full {fp['val']:.4f} / test {fp['test']:.4f} ({fp['arch']})")
        picks = []
        for s in runs:
            sp = next(row for row in s["like_for_like"] if row["epochs"] == n)["pick"]
            picks.append(sp["test"])
            lines.append(f"  shared seed {s['seed']}: {sp['val']:.4f} / test {sp['test']:.4f} "
                         f"({_within(fp['test'], sp['test'])} of the full pick)  {sp['arch']}")
        if len(runs) > 1:
            lines.append(f"  mean {np.mean(picks):.4f}, within 1 point in "
                         f"{sum(fp['test'] - t <= 0.01 for t in picks)} of {len(picks)}")
    if k["children"]:
        lines.append(f"Kendall tau-b, shared-weight (seed {first['seed']}'s final weights) vs stand-alone (1 epoch) "
                     f"validation accuracy, {len(k['children'])} fixed random children: {k['kendall_tau']:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nas_env.benchmarks.measure.weight_sharing",
                                description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=None, help="directory of the runs (default: a temporary one)")
    p.add_argument("--full-dir", type=Path, default=None, help="an existing full-training run to read back")
    p.add_argument("--budget", type=int, default=80,
                   help="children of each shared-weight search (80: chosen on seeds 1, 2; see MEASUREMENTS.md)")
    p.add_argument("--steps", type=int, default=2, help="shared-weight minibatches per child")
    p.add_argument("--warmup-steps", type=int, default=0, help="minibatches on random children before the first")
    p.add_argument("--threads", type=int, default=2, help="intra-op threads of the shared-weight search")
    p.add_argument("--val-samples", type=int, default=None,
                   help="score each child of the shared search on this many random validation images (default all)")
    p.add_argument("--top", type=int, default=10, help="finalists re-trained stand-alone")
    p.add_argument("--sample", type=int, default=12, help="fixed random children for Kendall tau")
    p.add_argument("--seeds", type=int, nargs="+", default=[0],
                   help="seeds of the shared-weight searches (the full search is the README demo: seed 0)")
    p.add_argument("--workers", type=int, default=2, help="worker processes of the full-training search")
    p.add_argument("--epochs", type=int, nargs="*", default=[3],
                   help="also re-train the top of both searches for these epochs, like for like")
    p.add_argument("--json", type=Path, default=None, help="also write every number to this file")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        result = measure(out, full_dir=args.full_dir, budget=args.budget, steps=args.steps,
                         warmup_steps=args.warmup_steps, top=args.top, sample=args.sample, workers=args.workers,
                         epochs=args.epochs, threads=args.threads, val_samples=args.val_samples,
                         seeds=args.seeds)
    print(format_result(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
