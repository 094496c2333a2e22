"""Stand-alone re-training of a run's finalists: what did the search actually buy?

:func:`retrain_top` reads a run directory, takes its ``k`` best distinct architectures
(highest search reward first, the earliest on ties; failed children never), and trains each
**from scratch** with the stand-alone trainer of the run's env (``backend="train"``: the
env's own ``TrainEvaluator`` settings -- dataset, epochs, batch size, learning rate, weight
decay, device; of a ``backend="shared"`` run's ``train_kwargs`` only those about the data
and the machine are kept, :data:`SHARED_DATA_KWARGS`, the rest belong to the shared weights).
Both numbers are recorded side by side in ``DIR/retrain.json``:

================  ==================================================================
``format``        ``"nas-env-retrain"``
``k``, ``epochs``  finalists asked for; epochs of each stand-alone training
``seed``          the stand-alone training seed (the same for every finalist)
``evaluator``     the stand-alone evaluator's ``config()``
``children``      one object per finalist: ``rank`` (1 = best), ``arch``, ``index``
                  (its evaluation in the search), ``search_reward``,
                  ``search_val_accuracy``, ``search_test_accuracy`` (what the search
                  measured: a shared-weight estimate for ``backend="shared"``), and
                  ``standalone_val_accuracy``, ``standalone_test_accuracy``,
                  ``standalone_status``, ``standalone_seconds``
``wall_seconds``  wall time of all the re-training
================  ==================================================================

Rerunning with the same finalists and settings reads ``retrain.json`` back instead of training again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agents.history import Evaluation
from benchmarks.run import layout
from benchmarks.run.environment import make_env
from benchmarks.run.files import read_json, write_json
from benchmarks.run.record import load_run

__all__ = [
    "RETRAIN_FORMAT", "SHARED_DATA_KWARGS", "finalists", "format_retrain", "retrain_top", "standalone_env_kwargs",
]

RETRAIN_FORMAT = "nas-env-retrain"
#: ``train_kwargs`` of a shared-weight run that are about the data and the machine, not the shared
#: weights: the stand-alone trainer keeps them (the same splits, threads and device)
SHARED_DATA_KWARGS = ("device", "data_root", "download", "val_fraction", "split_seed", "max_train_samples",
                      "num_threads", "eval_batch_size")


def finalists(history: list[Evaluation], k: int) -> list[Evaluation]:
    """The ``k`` best distinct architectures of ``history`` (status ok), best first, earliest on ties."""
    first: dict[str, Evaluation] = {}
    for e in sorted(history, key=lambda e: (-e.reward, e.index)):
        if e.arch is not None and e.metrics.get("status", "ok") == "ok" and e.arch not in first:
            first[e.arch] = e
    return list(first.values())[:k]


def standalone_env_kwargs(env_kwargs: dict[str, Any], epochs: int | None = None) -> dict[str, Any]:
    """The env kwargs of the run's stand-alone trainer (see the module docstring)."""
    out = dict(env_kwargs)
    if out.get("backend", "train") not in ("train", None):
        out["backend"] = "train"
        kept = {k: v for k, v in (out.pop("train_kwargs", None) or {}).items() if k in SHARED_DATA_KWARGS}
        out.update({k: kept.pop(k) for k in ("device", "data_root") if k in kept})  # the env's own arguments
        if kept:
            out["train_kwargs"] = kept
    if epochs is not None:
        out["epochs"] = epochs
    return out


def retrain_top(run_dir: Path | str, k: int, *, epochs: int | None = None, seed: int = 0) -> dict[str, Any]:
    """Train the ``k`` best architectures of the run in ``run_dir`` stand-alone; writes ``retrain.json``.

    Args:
        run_dir: a ``nas-env search`` run directory.
        k: number of finalists (fewer if the run has fewer distinct successful children).
        epochs: stand-alone epochs (default: the run env's own ``epochs``).
        seed: training seed of every stand-alone child.

    Raises:
        ValueError: ``k`` is not a positive int, the run's env has no stand-alone trainer, or the
            run has no successful child.
        FileNotFoundError: ``run_dir`` is not a run directory.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k (--retrain-top) must be a positive int, got {k!r}")
    record = load_run(run_dir)
    env_id, env_kwargs = record.run["env_id"], standalone_env_kwargs(record.run.get("env_kwargs", {}), epochs)
    top = finalists(record.history, k)
    if not top:
        raise ValueError(f"{run_dir}: the run has no successful child to re-train")
    env = make_env(env_id, env_kwargs)
    try:
        evaluator = env.unwrapped.evaluator
        if not getattr(evaluator, "expensive", False):
            raise ValueError(f"{env_id} with {env_kwargs} has no stand-alone trainer (its evaluator "
                             f"{type(evaluator).__name__} does not train); valid: a training env such as "
                             "nas_env/ZophLeCNN-v0")
        config = evaluator.config()
        path = Path(run_dir) / layout.RETRAIN
        previous = read_json(path)
        key = {"format": RETRAIN_FORMAT, "k": k, "epochs": config.get("epochs"), "seed": seed, "evaluator": config}
        if all(previous.get(name) == value for name, value in key.items()) and \
                [c.get("arch") for c in previous.get("children", [])] == [e.arch for e in top]:
            return previous
        space = env.unwrapped.space
        start = time.perf_counter()
        children = []
        for rank, e in enumerate(top, start=1):
            m = evaluator.evaluate(space.from_string(e.arch), seed=seed)
            children.append({
                "rank": rank, "arch": e.arch, "index": e.index, "search_reward": e.reward,
                "search_val_accuracy": e.metrics.get("val_accuracy"),
                "search_test_accuracy": e.metrics.get("test_accuracy"),
                "standalone_val_accuracy": m.get("val_accuracy"),
                "standalone_test_accuracy": m.get("test_accuracy"),
                "standalone_status": m.get("status"),
                "standalone_seconds": m.get("cost_seconds"),
            })
    finally:
        env.close()
    out = {**key, "children": children, "wall_seconds": time.perf_counter() - start}
    write_json(path, out)
    return out


def format_retrain(result: dict[str, Any]) -> str:
    """The table ``nas-env search --retrain-top K`` prints: search numbers next to stand-alone ones."""

    def pct(x: Any) -> str:
        return "n/a" if x is None else f"{100 * x:.2f}%"

    head = ("rank", "search reward", "search val", "stand-alone val", "stand-alone test", "arch")
    rows = [head] + [(str(c["rank"]), f"{c['search_reward']:.4f}", pct(c["search_val_accuracy"]),
                      pct(c["standalone_val_accuracy"]), pct(c["standalone_test_accuracy"]), c["arch"])
                     for c in result["children"]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    lines = [f"re-trained stand-alone ({result['epochs']} epochs, seed {result['seed']}, "
             f"{result['wall_seconds']:.1f} s):"]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
    return "\n".join(lines)
