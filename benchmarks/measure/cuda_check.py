"""The CUDA path of real child training, checked and timed against the CPU in one run.

Trains the same children through ``TrainEvaluator`` on ``cpu`` and ``cuda``
(same seed, same data) and prints samples per second, the speed-up, the
validation accuracies on both devices (close, not bit-identical: different
kernels), and the device each metrics dict reports. Also runs a small REINFORCE
search on ``nas_env/ZophLeCNN-v0`` with ``device="cuda"`` through ``run_search``, and on
each device a shared-weight REINFORCE search (96 children, 2 minibatches each, as in the
``weight_sharing`` benchmark) and one recurrent-cell LM child of ``nas_env/ZophLeRNN-v0``.

    python -m nas_env.benchmarks.measure.cuda_check [--epochs 3] [--dataset digits]

Exits with status 1 and a clear message when no CUDA device is visible.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from nas_env.evaluators.image_train import TrainEvaluator
from nas_env.spaces import NB201Cell, ZophLeCNNSpace

CHILDREN = {
    "zoph-le 3 layers": lambda: ZophLeCNNSpace(3).from_string("3x3-36-s1<img | 5x5-48-s1<0 | 3x3-64-s1<0,1"),
    "nb201 best cell": lambda: NB201Cell.from_string(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    ),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("no CUDA device is visible to torch: nothing to check", file=sys.stderr)
        return 1
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, device {torch.cuda.get_device_name(0)}")
    print(f"{'child':<20}{'device':>8}{'seconds':>9}{'samples/s':>12}{'val acc':>9}{'reported':>10}")
    for name, make in CHILDREN.items():
        arch = make()
        rates = {}
        for device in ("cpu", "cuda"):
            ev = TrainEvaluator(args.dataset, epochs=args.epochs, batch_size=args.batch_size, device=device,
                                count_flops=False)
            ev.evaluate(arch, seed=0, fidelity=1)  # warm-up: data on device, kernels, cuDNN
            t0 = time.perf_counter()
            m = ev.evaluate(arch, seed=0)
            wall = time.perf_counter() - t0
            samples = len(ev.data.train_y) * args.epochs
            rates[device] = samples / m["cost_seconds"] if m["status"] == "ok" else float("nan")
            print(f"{name:<20}{device:>8}{wall:>9.2f}{rates[device]:>12.0f}"
                  f"{(m['val_accuracy'] or float('nan')):>9.4f}{m['device']:>10}  {m['status']}")
        print(f"{name:<20} CUDA / CPU speed-up: {rates['cuda'] / rates['cpu']:.2f}x")
    from nas_env.agents.budget import Budget
    from nas_env.benchmarks.run.search import run_search

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_search("nas_env/ZophLeCNN-v0", {"num_layers": 3, "epochs": 1, "device": "cuda"}, "reinforce",
                            {"lr": 0.01}, Budget(evaluations=16), 0, Path(tmp) / "run", progress=False,
                            executor="inprocess")
        devices = {e.metrics.get("device") for e in result.history}
        print(f"REINFORCE on ZophLeCNN-v0 (cuda): 16 children in {time.perf_counter() - t0:.1f} s, "
              f"best {result.best.reward:.4f}, devices {sorted(map(str, devices))}")
    for line in shared_and_lm_lines(("cpu", "cuda")):
        print(line, flush=True)
    return 0


def shared_and_lm_lines(devices: tuple[str, ...], budget: int = 96) -> list[str]:
    """The two other training paths on each device: a shared-weight REINFORCE search (the
    ``weight_sharing`` benchmark's settings) and one recurrent-cell LM child (``ZophLeRNN-v0``)."""
    import gymnasium as gym
    import numpy as np

    from nas_env.benchmarks.protocols.cnn import shared_env_kwargs
    from nas_env.benchmarks.run.search import run_search

    lines = []
    for device in devices:
        kwargs = shared_env_kwargs(threads=None, device=device)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            result = run_search("nas_env/ZophLeCNN-v0", kwargs, "reinforce", {"lr": 0.01}, budget, 0,
                                Path(tmp) / "run", progress=False)
            wall = time.perf_counter() - t0
        cost = sum(e.cost_seconds for e in result.history)
        used = sorted({str(e.metrics.get("device")) for e in result.history})
        lines.append(f"shared-weight REINFORCE search, ZophLeCNN-v0 digits 4 layers, {budget} children x 2 steps, "
                     f"{device}: {wall:.1f} s ({cost / budget * 1000:.0f} ms a child), best shared val "
                     f"{result.best.reward:.4f}, devices {used}")
    env = gym.make("nas_env/ZophLeRNN-v0").unwrapped
    cell = env.space.decode(env.space.sample(np.random.default_rng(0)))
    for device in devices:
        lm = gym.make("nas_env/ZophLeRNN-v0", device=device).unwrapped.evaluator
        t0 = time.perf_counter()
        m = lm.evaluate(cell, seed=0)
        lines.append(f"LM child (ZophLeRNN-v0 base 8, random cell, 1 epoch of tinyshakespeare 100k chars), {device}: "
                     f"{time.perf_counter() - t0:.1f} s, status {m['status']}, val perplexity "
                     f"{m.get('val_perplexity')}, device {m.get('device')}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
