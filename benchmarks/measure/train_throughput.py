"""Trainer overhead: our ``train_model`` against a minimal hand-written PyTorch loop.

Both train the same child (one model instance, re-initialised from the same saved
initial weights before every run) on the same in-memory digits tensors with the
same optimiser (SGD, Nesterov momentum 0.9, weight decay, per-step cosine
learning rate), epochs and batch size, and both measure validation accuracy
once per epoch. Runs alternate (ours, hand, ours, hand, ...) after a warm-up;
the best and median samples/second of each are reported with their ratios (the
best-of-N ratio is the one checked: it is the least disturbed by other load).

Run: ``python -m nas_env.benchmarks.measure.train_throughput [--epochs 3] [--repeats 5] [--threads N]
[--channels-last]``. Requirement: ours >= 0.9x the hand-written loop.

``--channels-last`` also measures whether the channels-last memory format pays for our CNN children:
the hand-written loop with model and images in ``torch.channels_last`` against the default
(contiguous) format, alternating, on digits (1 x 8 x 8) and on random CIFAR-size images
(3 x 32 x 32, as many as digits' training split), and prints channels-last / default; then
``TrainEvaluator(channels_last=True)`` against the default on 8 random 4-layer children of the
Zoph & Le space (numpy seed 0; 1 epoch, training seed 0, after one warm-up child): the ratio of
their summed training times, the range of the per-child ratios, and how many results differ.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from nas_env.models import build_model
from nas_env.spaces import ZophLeCNNSpace
from nas_env.training import Dataset, load_dataset, train_model

ARCH = "3x3-36-s1<img | 5x5-48-s1<0 | 3x3-64-s1<0,1"


def hand_loop(model: nn.Module, data: Dataset, epochs: int, batch_size: int, lr: float, wd: float, seed: int):
    """The minimal loop a user would write, with the same optimiser and schedule."""
    n = len(data.train_y)
    steps = math.ceil(n / batch_size)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps, eta_min=0.0)
    gen = torch.Generator().manual_seed(seed)
    accs = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for b in range(steps):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            loss = F.cross_entropy(model(data.train_x[idx]), data.train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            accs.append((model(data.val_x).argmax(1) == data.val_y).float().mean().item())
    return accs


def _as_channels_last(data: Dataset) -> Dataset:
    return Dataset(data.name, data.train_x.contiguous(memory_format=torch.channels_last), data.train_y,
                   data.val_x.contiguous(memory_format=torch.channels_last), data.val_y,
                   data.test_x.contiguous(memory_format=torch.channels_last), data.test_y, data.num_classes)


def channels_last_ratio(data: Dataset, epochs: int, batch_size: int, repeats: int) -> tuple[float, float, float]:
    """Best samples/s of the hand loop in the default and the channels-last format, and their ratio."""
    arch = ZophLeCNNSpace(3).from_string(ARCH)
    torch.manual_seed(0)
    model = build_model(arch, data.num_classes, data.in_channels, data.image_size)
    init = {k: v.clone() for k, v in model.state_dict().items()}
    last = _as_channels_last(data)
    samples = epochs * len(data.train_y)

    def run(d: Dataset, fmt: torch.memory_format) -> float:
        model.load_state_dict(init)
        model.to(memory_format=fmt)
        t = time.perf_counter()
        hand_loop(model, d, epochs, batch_size, 0.1, 5e-4, 0)
        return samples / (time.perf_counter() - t)

    run(data, torch.contiguous_format), run(last, torch.channels_last)  # warm-up
    default, channels_last = [], []
    for _ in range(repeats):
        default.append(run(data, torch.contiguous_format))
        channels_last.append(run(last, torch.channels_last))
    return max(default), max(channels_last), max(channels_last) / max(default)


def random_children_ratio(n: int = 8) -> tuple[float, float, float, int]:
    """Summed-time ratio default / channels-last over ``n`` random children, min and max per-child ratio,
    and the number of children whose validation or test accuracy differs between the two formats."""
    import numpy as np

    from nas_env.evaluators.image_train import TrainEvaluator

    data = load_dataset("digits")
    space = ZophLeCNNSpace(4)
    rng = np.random.default_rng(0)
    archs = [space.decode(space.sample(rng)) for _ in range(n + 1)]
    evaluators = [TrainEvaluator(data, epochs=1, device="cpu", count_flops=False, channels_last=cl)
                  for cl in (False, True)]
    for ev in evaluators:
        ev.evaluate(archs[0], seed=0)  # warm-up
    ratios, totals, differ = [], [0.0, 0.0], 0
    for arch in archs[1:]:
        m = [ev.evaluate(arch, seed=0) for ev in evaluators]
        ratios.append(m[0]["cost_seconds"] / m[1]["cost_seconds"])
        totals = [t + x["cost_seconds"] for t, x in zip(totals, m)]
        differ += any(m[0][k] != m[1][k] for k in ("val_accuracy", "test_accuracy"))
    return totals[0] / totals[1], min(ratios), max(ratios), differ


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: leave)")
    parser.add_argument("--channels-last", action="store_true", help="also measure the channels-last format")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    lr, wd, seed = 0.1, 5e-4, 0

    data = load_dataset("digits")
    arch = ZophLeCNNSpace(3).from_string(ARCH)
    torch.manual_seed(seed)
    model = build_model(arch, data.num_classes, data.in_channels, data.image_size)
    init = {k: v.clone() for k, v in model.state_dict().items()}
    samples = args.epochs * len(data.train_y)

    def run_ours() -> float:
        model.load_state_dict(init)
        t = time.perf_counter()
        train_model(model, data, epochs=args.epochs, batch_size=args.batch_size, lr=lr, weight_decay=wd,
                    seed=seed, evaluate_test=False)
        return samples / (time.perf_counter() - t)

    def run_hand() -> float:
        model.load_state_dict(init)
        t = time.perf_counter()
        hand_loop(model, data, args.epochs, args.batch_size, lr, wd, seed)
        return samples / (time.perf_counter() - t)

    run_ours(), run_hand()  # warm-up
    ours, hand = [], []
    for _ in range(args.repeats):
        ours.append(run_ours())
        hand.append(run_hand())
    o, h = max(ours), max(hand)
    om, hm = statistics.median(ours), statistics.median(hand)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} threads; child {ARCH}; digits train={len(data.train_y)}, "
          f"epochs={args.epochs}, batch={args.batch_size}, repeats={args.repeats}")
    print(f"ours: best {o:8.0f} samples/s, median {om:8.0f}   (runs: {', '.join(f'{x:.0f}' for x in ours)})")
    print(f"hand: best {h:8.0f} samples/s, median {hm:8.0f}   (runs: {', '.join(f'{x:.0f}' for x in hand)})")
    # best-of-N (like timeit's min time) is the estimator least disturbed by other load on the machine
    print(f"ratio ours/hand: best {o / h:.3f}, median {om / hm:.3f}  "
          f"(required best >= 0.9: {'PASS' if o / h >= 0.9 else 'FAIL'})")
    out = {"ours": o, "hand": h, "ratio": o / h, "ours_median": om, "hand_median": hm}
    if args.channels_last:
        n = len(data.train_y)
        gen = torch.Generator().manual_seed(0)
        cifar = Dataset("random-3x32x32", torch.randn(n, 3, 32, 32, generator=gen), data.train_y,
                        torch.randn(len(data.val_y), 3, 32, 32, generator=gen), data.val_y,
                        torch.randn(len(data.test_y), 3, 32, 32, generator=gen), data.test_y, data.num_classes)
        for name, d in (("digits 1x8x8", data), ("CIFAR-size 3x32x32", cifar)):
            default, last, ratio = channels_last_ratio(d, args.epochs, args.batch_size, args.repeats)
            print(f"channels-last, {name}: default {default:8.0f} samples/s, channels-last {last:8.0f}: "
                  f"ratio {ratio:.3f}")
            out[f"channels_last_ratio_{d.name}"] = ratio
        total, low, high, differ = random_children_ratio()
        print(f"channels-last, TrainEvaluator on 8 random 4-layer children (digits, 1 epoch): {total:.3f}x the "
              f"default's speed in total, per child {low:.2f}x-{high:.2f}x; {differ} of 8 children's accuracies "
              "differ in the last bits")
        out["channels_last_random_children"] = total
    return out


if __name__ == "__main__":
    main()
