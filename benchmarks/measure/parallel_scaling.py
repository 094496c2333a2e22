"""Parallel scaling: the same batch of real-training children with 1 worker, 2 process workers and Ray.

Children are Zoph & Le CNNs trained on digits (in-memory tensors). Every
worker runs one torch thread, so the baseline and the parallel runs give each
child the same resources (``--with-two-threads`` adds one worker using both
cores through torch's intra-op threads, for reference). Each
executor is started and warmed up (one child per worker: imports, data load)
before the batch is timed, so the figure is steady-state throughput, as in a
long search. Prints children per second and speed-ups over 1 worker.

    python -m nas_env.benchmarks.measure.parallel_scaling [--children 8] [--epochs 3] [--no-ray]

Required on a 2-core machine: 2 local processes >= 1.7x over 1 worker; Ray (2 CPUs) >= 1.5x.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from nas_env.evaluators.image_train import TrainEvaluator
from nas_env.executors import Executor, ProcessExecutor, Request
from nas_env.spaces import ZophLeCNNSpace


def batch(n: int, seed: int = 0) -> list[Request]:
    """``n`` distinct architectures that build on 8x8 digits (no strides)."""
    space = ZophLeCNNSpace(num_layers=3)
    rng = np.random.default_rng(seed)
    seen, out = set(), []
    while len(out) < n:
        arch = space.decode(space.sample(rng))
        if str(arch) not in seen:
            seen.add(str(arch))
            out.append(Request(arch, None, 0))
    return out


def timed(executor: Executor, requests: list[Request]) -> tuple[float, list[dict]]:
    executor.evaluate(requests[: executor.max_concurrency])  # warm-up: one child per worker
    t0 = time.perf_counter()
    out = executor.evaluate(requests)
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray executor")
    ap.add_argument("--with-two-threads", action="store_true",
                    help="also time 1 worker with 2 torch threads (intra-op parallelism instead of processes)")
    args = ap.parse_args(argv)
    cores = os.cpu_count() or 1
    ev = TrainEvaluator(epochs=args.epochs, count_flops=False)
    requests = batch(args.children)
    rows: list[tuple[str, float]] = []

    # the baseline: one worker with the same per-child resources (1 torch thread) as each parallel worker
    with ProcessExecutor(ev, num_workers=1, threads_per_worker=1) as one:
        t1, base = timed(one, requests)
    rows.append(("1 process worker (1 thread)", t1))
    if args.with_two_threads:
        with ProcessExecutor(ev, num_workers=1, threads_per_worker=2) as one2:
            t12, _ = timed(one2, requests)
        rows.append(("1 process worker (2 threads, for reference)", t12))
    with ProcessExecutor(ev, num_workers=2, threads_per_worker=1) as two:
        t2, out2 = timed(two, requests)
    rows.append(("2 process workers (1 thread each)", t2))
    same = all(a["val_accuracy"] == b["val_accuracy"] for a, b in zip(base, out2))
    if not args.no_ray:
        import ray

        from nas_env.executors.ray_executor import RayExecutor

        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
        try:
            rex = RayExecutor(ev, num_cpus=1)
            tr, _ = timed(rex, requests)
            rex.close()
        finally:
            ray.shutdown()
        rows.append(("Ray, 2 CPUs (2 actors, 1 CPU each)", tr))

    print(f"machine: {platform.platform()}, {cores} cores; {args.children} children x {args.epochs} epochs on digits")
    print(f"{'executor':<42}{'seconds':>9}{'children/s':>12}{'speed-up':>10}")
    result = {}
    for name, t in rows:
        print(f"{name:<42}{t:>9.2f}{args.children / t:>12.2f}{t1 / t:>9.2f}x")
        result[name] = t1 / t
    print(f"same validation accuracies with 1 and 2 workers (deterministic children): {same}")
    print("required: 2 processes >= 1.7x, Ray >= 1.5x")
    return result


if __name__ == "__main__":
    main()
