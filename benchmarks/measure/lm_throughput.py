"""Searched recurrent cells against ``torch.nn.LSTM``: forward + backward time of one layer (issue 13).

Every contender runs the same work: a ``(batch, seq_len, input_size)`` input through one
recurrent layer of ``hidden_size`` from a zero state, then ``outputs.sum().backward()``.
Contenders: ``torch.nn.LSTM`` (the fused reference), and for the LSTM-like cell and
``--random-cells`` random base-8 cells (seeded) the cell module in its fused mode
(``fast=True``, :mod:`nas_env.models.rnn_fused`) and its eager mode (``fast=False``).
Runs alternate round-robin (one call of each contender per round, after a warm-up)
so that load from other processes hits all of them alike. Each call is timed in CPU
seconds of this process (``time.process_time``; on a shared machine wall time mostly
measures the other processes) and in wall seconds; the best and median CPU
milliseconds per call are printed, and the ratio ``nn.LSTM time / cell time`` (the
cell's throughput relative to nn.LSTM; best-of-N CPU time is the figure checked, as it
is the least disturbed by other load; the wall-time ratio is printed too). The fused
kernel's one-time compile is timed apart.

A second table times one whole training step of the language-model child as
:func:`nas_env.training.lm_trainer.train_lm` runs it (embedding, the layer, softmax
decoder over ``--vocab`` tokens, cross-entropy, backward, gradient clipping, Adam) against
the same step of an LM whose layer is ``torch.nn.LSTM``.

``--breakdown`` adds where the fused LSTM-like layer's time goes (each part timed alone,
best-of-N CPU ms): the input projection (forward + backward, one matrix product each over
all steps), the fused recurrence's forward pass (one C call: the per-step recurrent products
and the tree), the recurrent weight's gradient (one matrix product in torch), and the rest
(the backward C call and Python); and, for comparison, the same per-step recurrent products
as torch matrix products (which the C calls do themselves).

Run: ``python -m nas_env.benchmarks.measure.lm_throughput [--batch 32] [--seq-len 32] [--hidden 64]
[--random-cells 3] [--repeats 30] [--threads 1] [--seed 0]``.
Requirement: fused cell / nn.LSTM >= 0.5 for every cell (at worst, and documented, >= 0.25).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from nas_env.models import rnn_fused
from nas_env.models.rnn_cell import ZophLeRNNCellModule
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from nas_env.validation import argparse_type, check_int

__all__ = ["main"]


def _step(layer: nn.Module, x: torch.Tensor) -> Callable[[], None]:
    """One forward + backward of ``layer`` on ``x`` (gradients set to None first)."""

    def run() -> None:
        for p in layer.parameters():
            p.grad = None
        out = layer(x)[0]
        out.sum().backward()

    return run


class _LSTMLanguageModel(nn.Module):
    """The reference child: :class:`RNNLanguageModel` with ``torch.nn.LSTM`` as its layer."""

    def __init__(self, vocab_size: int, input_size: int, hidden_size: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, input_size)
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, None]:
        return self.decoder(self.lstm(self.embedding(tokens))[0]), None


def _train_step(model: nn.Module, tokens: torch.Tensor, targets: torch.Tensor) -> Callable[[], None]:
    """One step of ``train_lm``'s loop: forward, cross-entropy, backward, clip to norm 1, Adam."""
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)

    def run() -> None:
        logits = model(tokens)[0]
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    return run


def _timeit(
    contenders: dict[str, Callable[[], None]], repeats: int, warmup: int = 3
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Round-robin timing: ``({name: [CPU seconds per call, ...]}, {name: [wall seconds per call, ...]})``."""
    for run in contenders.values():
        for _ in range(warmup):
            run()
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
    return cpu, wall


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Print both tables; return ``{row name: {"fused_ratio", "eager_ratio", "fused_ms", ...}}``.

    Row names: ``lstm_like``, ``random_<i>`` (layer) and ``lm_lstm_like``, ``lm_random_<i>`` (LM step).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    positive, non_negative = argparse_type(int, check_int, low=1), argparse_type(int, check_int, low=0)
    parser.add_argument("--batch", type=positive, default=32)
    parser.add_argument("--seq-len", type=positive, default=32)
    parser.add_argument("--hidden", type=positive, default=64)
    parser.add_argument("--input-size", type=positive, default=None, help="default: --hidden")
    parser.add_argument("--random-cells", type=non_negative, default=3,
                        help="random base-8 cells besides the LSTM-like one")
    parser.add_argument("--repeats", type=positive, default=30)
    parser.add_argument("--threads", type=positive, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocab", type=positive, default=65, help="LM table: tokens (tinyshakespeare: 65)")
    parser.add_argument("--breakdown", action="store_true", help="also time the parts of the fused layer")
    args = parser.parse_args(argv)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return _measure(args)
    finally:
        torch.set_num_threads(previous_threads)


def _measure(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    start = time.perf_counter()
    available = rnn_fused.fused_available()
    compile_s = time.perf_counter() - start
    if not available:
        print(f"fused kernel unavailable: {rnn_fused.why_unavailable()}", file=sys.stderr)
        raise SystemExit(1)
    inp = args.input_size or args.hidden
    torch.manual_seed(args.seed)
    x = torch.randn(args.batch, args.seq_len, inp)
    space = ZophLeRNNSpace(base=8)
    rng = np.random.default_rng(args.seed)
    cells = {"lstm_like": space.lstm_like()}
    cells.update({f"random_{i}": space.decode(space.sample(rng)) for i in range(args.random_cells)})
    print(f"torch {torch.__version__}, {args.threads} thread(s); batch {args.batch}, seq_len {args.seq_len}, "
          f"input {inp}, hidden {args.hidden}; forward + backward of one layer; {args.repeats} round-robin repeats")
    print(f"fused kernel: compiled/loaded in {compile_s:.2f} s (once per machine; cached afterwards)")
    lstm = nn.LSTM(inp, args.hidden, batch_first=True)
    results: dict[str, dict[str, float]] = {}
    print("\n[layer] forward + backward of one recurrent layer")
    for name, cell in cells.items():
        fused = ZophLeRNNCellModule(cell, inp, args.hidden, fast=True)
        eager = ZophLeRNNCellModule(cell, inp, args.hidden, fast=False)
        eager.load_state_dict(fused.state_dict())
        results[name] = _row(
            name, cell, _timeit({"lstm": _step(lstm, x), "fused": _step(fused, x), "eager": _step(eager, x)},
                                args.repeats), first=not results,
        )
    tokens = torch.randint(args.vocab, (args.batch, args.seq_len + 1))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    lstm_lm = _LSTMLanguageModel(args.vocab, inp, args.hidden)
    print(f"\n[LM train step] embedding + layer + decoder ({args.vocab} tokens) + loss + backward + clip + Adam")
    for name, cell in cells.items():
        models = {
            fast: RNNLanguageModel(cell, args.vocab, hidden_size=args.hidden, embedding_size=inp, fast=fast)
            for fast in (True, False)
        }
        models[False].load_state_dict(models[True].state_dict())
        results[f"lm_{name}"] = _row(
            f"lm_{name}", cell, _timeit({"lstm": _train_step(lstm_lm, inputs, targets),
                                         "fused": _train_step(models[True], inputs, targets),
                                         "eager": _train_step(models[False], inputs, targets)}, args.repeats),
            first=name == "lstm_like",
        )
    for table, rows in (("layer", [r for k, r in results.items() if not k.startswith("lm_")]),
                        ("LM train step", [r for k, r in results.items() if k.startswith("lm_")])):
        print(f"worst fused ratio, {table}: {min(r['fused_ratio'] for r in rows):.2f}x nn.LSTM "
              f"(median-based {min(r['fused_ratio_median'] for r in rows):.2f}x; requirement >= 0.5)")
    if args.breakdown:
        results["breakdown"] = _breakdown(cells["lstm_like"], x, args.hidden, args.repeats)
    return results


def _best_ms(run: Callable[[], object], repeats: int) -> float:
    for _ in range(3):
        run()
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        samples.append(time.process_time() - start)
    return min(samples) * 1e3


def _breakdown(cell: object, x: torch.Tensor, hidden: int, repeats: int) -> dict[str, float]:
    """Time the parts of the fused layer's forward + backward alone; print and return CPU ms."""
    batch, steps, inp = x.shape
    layer = ZophLeRNNCellModule(cell, inp, hidden)  # type: ignore[arg-type]
    width = layer.base * hidden
    lstm = nn.LSTM(inp, hidden, batch_first=True)
    x_leaves = layer.x_proj(x).detach().requires_grad_()
    zeros = torch.zeros(batch, hidden)
    weight, bias = layer.h_proj.weight, layer.h_proj.bias
    w, wt = weight.detach(), weight.detach().t().contiguous()
    h, g_leaves = torch.randn(batch, hidden), torch.randn(batch, width)
    g_flat, h_flat = torch.randn(steps * batch, width), torch.randn(steps * batch, hidden)

    def clear(*tensors: torch.Tensor) -> None:
        for t in tensors:
            t.grad = None

    def proj() -> None:
        clear(*layer.x_proj.parameters())
        layer.x_proj(x).sum().backward()

    def recurrence() -> None:
        clear(weight, bias, x_leaves)
        rnn_fused.fused_sequence(layer._tree, x_leaves, zeros, zeros, weight, bias)[0].sum().backward()

    def recurrence_forward() -> None:  # saves for the backward pass, as in training
        rnn_fused.fused_sequence(layer._tree, x_leaves, zeros, zeros, weight, bias)

    def lstm_step() -> None:
        clear(*lstm.parameters())
        lstm(x)[0].sum().backward()

    def whole() -> None:
        clear(*layer.parameters())
        layer(x)[0].sum().backward()

    parts = {
        "nn.LSTM forward + backward (reference)": _best_ms(lstm_step, repeats),
        "fused layer forward + backward (total)": _best_ms(whole, repeats),
        f"  input projection fwd + bwd ({steps * batch}x{inp} @ {inp}x{width})": _best_ms(proj, repeats),
        "  fused recurrence fwd + bwd (all below)": _best_ms(recurrence, repeats),
        f"    forward, one C call + Python ({steps} steps of {batch}x{hidden} @ {hidden}x{width} + tree)":
            _best_ms(recurrence_forward, repeats),
        f"    recurrent weight gradient ({width}x{steps * batch} @ {steps * batch}x{hidden})":
            _best_ms(lambda: g_flat.t().mm(h_flat), repeats),
    }
    keys = list(parts)
    parts["    backward C call + Python (the rest)"] = parts[keys[3]] - parts[keys[4]] - parts[keys[5]]
    parts[f"  for comparison: the {2 * steps} recurrent products as torch matmuls"] = _best_ms(
        lambda: [(torch.mm(h, wt), torch.mm(g_leaves, w)) for _ in range(steps)], repeats)
    print(f"\n[breakdown] where the fused LSTM-like layer's time goes (CPU ms, best of {repeats}, each part alone)")
    for name, ms in parts.items():
        print(f"{name:<68} {ms:>7.2f}")
    return parts


def _row(
    name: str, cell: object, timings: tuple[dict[str, list[float]], dict[str, list[float]]], first: bool
) -> dict[str, float]:
    """Print one table row (and the header before the first); return its figures."""
    cpu, wall = timings
    best = {k: min(v) * 1e3 for k, v in cpu.items()}
    med = {k: statistics.median(v) * 1e3 for k, v in cpu.items()}
    row = {
        "lstm_ms": best["lstm"], "fused_ms": best["fused"], "eager_ms": best["eager"],
        "fused_ratio": best["lstm"] / best["fused"], "eager_ratio": best["lstm"] / best["eager"],
        "fused_ratio_median": med["lstm"] / med["fused"],
        "fused_ratio_wall": min(wall["lstm"]) / min(wall["fused"]),
    }
    if first:
        print(f"{'cell':<13} {'nn.LSTM ms':>12} {'fused ms':>12} {'eager ms':>12} {'fused/LSTM':>10} "
              f"{'(wall)':>6} {'eager/LSTM':>10}   (CPU ms best/median; ratio = nn.LSTM time / cell time)")
    print(f"{name:<13} {best['lstm']:>6.2f}/{med['lstm']:<5.2f} {best['fused']:>6.2f}/{med['fused']:<5.2f} "
          f"{best['eager']:>6.1f}/{med['eager']:<5.1f} {row['fused_ratio']:>9.2f}x "
          f"{row['fused_ratio_wall']:>5.2f}x {row['eager_ratio']:>9.2f}x   {cell}")
    return row


if __name__ == "__main__":
    main()
