"""Is the shared-weight reward any good? Shared-weight search vs full-training search on digits.

``python -m benchmarks.measure.weight_sharing [--out DIR] [--full-dir DIR] [--budget 96] [--steps 2]
[--warmup-steps 0] [--threads 2] [--top 5] [--sample 20] [--epochs 5] [--workers 2] [--json FILE]``
(also ``python -m benchmarks.weight_sharing``)

On the Zoph & Le CNN space (digits, 4 layers, 1 stand-alone epoch per child; the README demo):

1. **full training**: the README's REINFORCE search (lr 0.01, 96 children, seed 0, worker
   processes) -- or, with ``--full-dir``, an existing run of it is read back instead;
2. **shared weights**: the same REINFORCE search on ``backend="shared"`` (``--steps`` minibatches
   per child on the shared weights, in the search process with ``--threads`` intra-op threads: 2, the
   cores the full search's 2 worker processes use; no per-child test pass), then every distinct child
   measured with the final shared weights and the ``--top`` best of that re-trained stand-alone
   (``benchmarks.run.retrain``, 1 epoch like the full search's children, seed 0); the search's final
   pick is the finalist with the best stand-alone *validation* accuracy, reported with its test accuracy;
3. **rank correlation**: a fixed sample of ``--sample`` random children (numpy seed 12345), each
   measured with the shared search's final weights (no further training) and trained stand-alone;
   Kendall's tau-b between the two accuracies;
4. **like for like** (``--epochs E ...``): the ``--top`` finalists of *both* searches re-trained
   stand-alone for ``E`` epochs (seed 0), the pick of each = best validation accuracy.

Prints the wall time of both searches (and of the re-training), their best test accuracies, and tau.
"""

from __future__ import annotations

import argparse
import json
import pickle
import tempfile
import time
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.run.files import read_json
from benchmarks.run.record import load_run
from benchmarks.run.retrain import finalists, rescored_finalists, retrain_top, retrained_pick
from benchmarks.run.search import run_search

ENV_ID = "nas_env/ZophLeCNN-v0"
FULL_KWARGS: dict[str, Any] = {"num_layers": 4, "epochs": 1}
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


def like_for_like(run_dir: Path, top: int, epochs: int) -> dict[str, Any]:
    """The run's ``top`` finalists (chosen as :func:`retrain_top` chooses them) trained stand-alone for ``epochs``
    (seed 0); the pick = best validation."""
    import gymnasium as gym

    import nas_env  # noqa: F401

    env = gym.make(ENV_ID, **{**FULL_KWARGS, "epochs": epochs, "train_kwargs": {"num_threads": 1}}).unwrapped
    rows = []
    record = load_run(run_dir)
    rescored = rescored_finalists(record, top)  # a shared-weight run: ranked under its final weights, as retrain_top
    for e in finalists(record.history, top) if rescored is None else rescored[0]:
        m = env.evaluator.evaluate(env.space.from_string(e.arch), seed=0)
        rows.append({"arch": e.arch, "val": m["val_accuracy"], "test": m["test_accuracy"]})
    ok = [r for r in rows if r["val"] is not None]
    return {"epochs": epochs, "children": rows, "pick": max(ok, key=lambda r: r["val"]) if ok else None}


def rank_sample(shared_dir: Path, shared_kwargs: dict[str, Any], n: int) -> dict[str, Any]:
    """Shared-weight (final weights, no training) and stand-alone accuracy of ``n`` fixed random children."""
    import gymnasium as gym

    import nas_env  # noqa: F401

    shared = gym.make(ENV_ID, **shared_kwargs).unwrapped
    with open(shared_dir / "checkpoint.pkl", "rb") as f:
        shared.evaluator.load_state_dict(pickle.load(f)["evaluator"])
    train = gym.make(ENV_ID, **FULL_KWARGS, train_kwargs={"num_threads": 1}).unwrapped
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


def measure(out: Path, *, full_dir: Path | None, budget: int, steps: int, warmup_steps: int, top: int,
            sample: int, seed: int = 0, workers: int | None = 2, epochs: Sequence[int] = (),
            threads: int = 2) -> dict[str, Any]:
    """Run the three parts (see the module docstring); returns every number printed."""
    if full_dir is None:
        full_dir = out / "full"
        full_wall, full = _search(full_dir, FULL_KWARGS, 96, seed, workers)
        print(f"[full search: {full_wall:.1f} s, best test {full['best']['metrics']['test_accuracy']}]", flush=True)
    else:
        full = read_json(full_dir / "summary.json")
        full_wall = float(full["total_wall_seconds"])
    shared_kwargs = {**FULL_KWARGS, "backend": "shared",
                     "train_kwargs": {"steps": steps, "warmup_steps": warmup_steps, "num_threads": threads,
                                      "test_accuracy": False}}
    shared_wall, shared = _search(out / "shared", shared_kwargs, budget, seed)
    print(f"[shared search: {shared_wall:.1f} s, best shared val {shared['best']['reward']:.4f}]", flush=True)
    start = time.perf_counter()
    retrained = retrain_top(out / "shared", top)
    retrain_wall = time.perf_counter() - start
    print(f"[re-training: {retrain_wall:.1f} s]", flush=True)
    pick = retrained_pick(out / "shared")
    assert pick is not None  # retrain_top raised if no finalist
    ranks = rank_sample(out / "shared", shared_kwargs, sample) if sample else {"children": [], "kendall_tau": None}
    longer = [{"epochs": e, "shared": like_for_like(out / "shared", top, e), "full": like_for_like(full_dir, top, e)}
              for e in epochs]
    return {
        "like_for_like": longer,
        "full": {"wall_seconds": full_wall, "best_arch": full["best"]["arch"],
                 "best_val": full["best"]["metrics"]["val_accuracy"],
                 "best_test": full["best"]["metrics"]["test_accuracy"]},
        "shared": {"wall_seconds": shared_wall, "budget": budget, "steps": steps, "warmup_steps": warmup_steps,
                   "threads": threads, "candidates": retrained.get("candidates"),
                   "best_arch": shared["best"]["arch"], "best_shared_val": shared["best"]["metrics"]["val_accuracy"],
                   "retrain_wall_seconds": retrain_wall, "retrained": retrained["children"],
                   "pick_arch": pick["arch"], "pick_val": pick["standalone_val_accuracy"],
                   "pick_test": pick["standalone_test_accuracy"]},
        "ranks": ranks,
    }


def format_result(r: dict[str, Any]) -> str:
    f, s, k = r["full"], r["shared"], r["ranks"]
    lines = [
        f"full-training search (REINFORCE, 96 children, 1 epoch each): {f['wall_seconds']:.1f} s, "
        f"best val {f['best_val']:.4f} test {f['best_test']:.4f}  {f['best_arch']}",
        f"shared-weight search (REINFORCE, {s['budget']} children, {s['steps']} steps each, warm-up "
        f"{s['warmup_steps']}, {s.get('threads', 1)} threads): {s['wall_seconds']:.1f} s = "
        f"{s['wall_seconds'] / f['wall_seconds']:.3f} of the full search; + measuring its {s.get('candidates')} "
        f"distinct children with the final weights and re-training the top {len(s['retrained'])}: "
        f"{s['retrain_wall_seconds']:.1f} s (together "
        f"{(s['wall_seconds'] + s['retrain_wall_seconds']) / f['wall_seconds']:.3f})",
        f"  its pick (best stand-alone val of the top {len(s['retrained'])}): val {s['pick_val']:.4f} "
        f"test {s['pick_test']:.4f}  {s['pick_arch']}  (full search's best test - this: "
        f"{100 * (f['best_test'] - s['pick_test']):+.2f} points: "
        f"{'within' if f['best_test'] - s['pick_test'] <= 0.01 else 'NOT within'} 1 point)",
        "  rank  search reward  final-weights val  stand-alone val  stand-alone test  arch",
    ]
    lines += [f"  {c['rank']:<4}  {c['search_val_accuracy']:<13.4f}  {c['final_weights_val_accuracy'] or 0:<17.4f}  "
              f"{c['standalone_val_accuracy']:<15.4f}  {c['standalone_test_accuracy']:<16.4f}  {c['arch']}"
              for c in s["retrained"]]
    for row in r["like_for_like"]:
        sp, fp = row["shared"]["pick"], row["full"]["pick"]
        n, top = row["epochs"], len(row["shared"]["children"])
        lines.append(f"top {top} of each search re-trained {n} epoch{'s' if n != 1 else ''} (seed 0), "
                     f"pick = best val: shared {sp['val']:.4f} / test {sp['test']:.4f} ({sp['arch']}); "
                     f"full {fp['val']:.4f} / test {fp['test']:.4f} ({fp['arch']})")
    if k["children"]:
        lines.append(f"Kendall tau-b, shared-weight vs stand-alone (1 epoch) validation accuracy, "
                     f"{len(k['children'])} fixed random children: {k['kendall_tau']:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.measure.weight_sharing",
                                description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=None, help="directory of the runs (default: a temporary one)")
    p.add_argument("--full-dir", type=Path, default=None, help="an existing full-training run to read back")
    p.add_argument("--budget", type=int, default=96, help="children of the shared-weight search")
    p.add_argument("--steps", type=int, default=2, help="shared-weight minibatches per child")
    p.add_argument("--warmup-steps", type=int, default=0, help="minibatches on random children before the first")
    p.add_argument("--threads", type=int, default=2, help="intra-op threads of the shared-weight search")
    p.add_argument("--top", type=int, default=5, help="finalists re-trained stand-alone")
    p.add_argument("--sample", type=int, default=20, help="fixed random children for Kendall tau")
    p.add_argument("--workers", type=int, default=2, help="worker processes of the full-training search")
    p.add_argument("--epochs", type=int, nargs="*", default=[5],
                   help="also re-train the top of both searches for these epochs, like for like")
    p.add_argument("--json", type=Path, default=None, help="also write every number to this file")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        result = measure(out, full_dir=args.full_dir, budget=args.budget, steps=args.steps,
                         warmup_steps=args.warmup_steps, top=args.top, sample=args.sample, workers=args.workers,
                         epochs=args.epochs, threads=args.threads)
    print(format_result(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
