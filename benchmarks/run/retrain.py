"""Stand-alone re-training of a run's finalists: what did the search actually buy?

:func:`retrain_top` reads a run directory, takes its ``k`` best distinct architectures
(failed children never), and trains each
**from scratch** with the stand-alone trainer of the run's env (``backend="train"``: the
env's own ``TrainEvaluator`` settings -- dataset, epochs, batch size, learning rate, weight
decay, device; of a ``backend="shared"`` run's ``train_kwargs`` only those about the data
and the machine are kept: :func:`nas_env.evaluators.backends.standalone_env_kwargs`).
Which are the ``k`` best:

* a run with a stand-alone reward: the highest search reward first, the earliest on ties
  (``ranking`` ``"search_reward"``);
* a **shared-weight** run (``backend="shared"``, a stateful evaluator): every distinct successful
  child is measured again with the search's *final* shared weights (no training, seed 0; the
  weights are the run's final checkpoint) and ranked by the env's reward of that measurement
  (its validation accuracy for the CNN, on the whole validation split even when the search scored
  children on a subset, ``val_samples``; ``ranking`` ``"final_shared_weights"``). A child's search
  reward was measured with the weights of *its* moment, which improve as the search goes on, so
  ranking by it would pick the last children; measuring every candidate with the same final weights is how ENAS
  (Pham et al., 2018) and random search with weight sharing (Li & Talwalkar, 2019) choose
  what to re-train.

Both numbers are recorded side by side in ``DIR/retrain.json``:

================  ==================================================================
``format``        ``"nas-env-retrain"``, ``version`` 2
``k``, ``epochs``  finalists asked for; epochs of each stand-alone training
``seed``          the stand-alone training seed (the same for every finalist)
``evaluations``   the run's evaluations when it was re-trained (a longer run is re-trained again)
``evaluator``     the stand-alone evaluator's ``config()``
``ranking``       ``"search_reward"`` or ``"final_shared_weights"`` (above)
``candidates``    distinct successful children ranked
``children``      one object per finalist: ``rank`` (1 = best), ``arch``, ``index``
                  (its evaluation in the search), ``search_reward``,
                  ``search_val_accuracy``, ``search_test_accuracy`` (what the search
                  measured: a shared-weight estimate for ``backend="shared"``),
                  ``final_weights_reward`` and ``final_weights_val_accuracy`` (shared-weight
                  runs; else ``None``), and
                  ``standalone_reward`` (the env's reward of the stand-alone metrics),
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

from nas_env.agents.history import Evaluation
from nas_env.benchmarks.run import directory
from nas_env.benchmarks.run.checkpointer import read_checkpoint, refuse_legacy
from nas_env.benchmarks.run.environment import make_env
from nas_env.benchmarks.run.files import read_json, write_json
from nas_env.benchmarks.run.record import RunRecord, load_run
from nas_env.evaluators.backends import rescoring_env_kwargs, standalone_env_kwargs
from nas_env.validation import check_int

__all__ = [
    "RETRAIN_FORMAT", "RETRAIN_VERSION", "finalists", "format_retrain", "pick_of", "read_retrain",
    "rescored_finalists", "retrain_top", "retrained_pick",
]

RETRAIN_FORMAT = "nas-env-retrain"
#: 2: finalists of shared-weight runs ranked under the final weights, ``standalone_reward`` (older files are redone)
RETRAIN_VERSION = 2


def finalists(history: list[Evaluation], k: int) -> list[Evaluation]:
    """The ``k`` best distinct architectures of ``history`` (status ok), best first, earliest on ties."""
    first: dict[str, Evaluation] = {}
    for e in sorted(history, key=lambda e: (-e.reward, e.index)):
        if e.arch is not None and e.metrics.get("status", "ok") == "ok" and e.arch not in first:
            first[e.arch] = e
    return list(first.values())[:k]


def rescored_finalists(
    record: RunRecord, k: int
) -> tuple[list[Evaluation], dict[str, tuple[float, float | None]], int] | None:
    """A shared-weight run's ``k`` best distinct children under its final shared weights (module docstring).

    Returns ``(finalists, (final-weights reward, final-weights validation accuracy) per arch, number of
    candidates)``, or
    ``None`` when the run's evaluator is not stateful (its rewards are stand-alone: rank by reward).

    Raises:
        ValueError: the shared-weight run has no final checkpoint to read the weights from.
    """
    env = make_env(record.run["env_id"], rescoring_env_kwargs(record.run.get("env_kwargs", {})))
    try:
        evaluator = env.unwrapped.evaluator
        if not getattr(evaluator, "stateful", False):
            return None
        path = record.path / directory.CHECKPOINT
        state = read_checkpoint(path)  # RunDirError (a ValueError): a file that is not a checkpoint
        if state is None or not isinstance(state.get("evaluator"), dict):
            raise ValueError(f"{record.path}: cannot read the final shared weights: {path} "
                             f"{'is missing' if state is None else 'holds none'}")
        evaluator.load_state_dict(state["evaluator"])
        space = env.unwrapped.space
        candidates = finalists(record.history, len(record.history))
        scores: dict[str, tuple[float, float | None]] = {}
        for e in candidates:
            m = evaluator.evaluate(space.from_string(e.arch), fidelity=0, seed=0)
            if m.get("status") == "ok":
                val = m.get("val_accuracy")
                scores[e.arch] = (float(env.unwrapped.reward_fn(m)), None if val is None else float(val))
    finally:
        env.close()
    ranked = sorted((e for e in candidates if e.arch in scores),
                    key=lambda e: (-scores[e.arch][0], -e.reward, e.index))
    return ranked[:k], scores, len(candidates)


def retrain_top(run_dir: Path | str, k: int, *, epochs: int | None = None, seed: int = 0) -> dict[str, Any]:
    """Train the ``k`` best architectures of the run in ``run_dir`` stand-alone; writes ``retrain.json``.

    Args:
        run_dir: a ``nas-env search`` run directory.
        k: number of finalists (fewer if the run has fewer distinct successful children).
        epochs: stand-alone epochs (default: the run env's own ``epochs``).
        seed: training seed of every stand-alone child.

    Raises:
        ValueError: ``k`` is not an int >= 1, the run's env has no stand-alone trainer, or the
            run has no successful child.
        FileNotFoundError: ``run_dir`` is not a run directory.
    """
    check_int("k (--retrain-top)", k)
    refuse_legacy(Path(run_dir))
    record = load_run(run_dir)
    env_id, env_kwargs = record.run["env_id"], standalone_env_kwargs(record.run.get("env_kwargs", {}))
    if epochs is not None:
        env_kwargs["epochs"] = epochs
    env = make_env(env_id, env_kwargs)
    try:
        evaluator = env.unwrapped.evaluator
        if not getattr(evaluator, "expensive", False):
            raise ValueError(f"{env_id} with {env_kwargs} has no stand-alone trainer (its evaluator "
                             f"{type(evaluator).__name__} does not train); valid: a training env such as "
                             "nas_env/ZophLeCNN-v0")
        config = evaluator.config()
        path = Path(run_dir) / directory.RETRAIN
        previous = read_json(path)
        key = {"format": RETRAIN_FORMAT, "version": RETRAIN_VERSION, "k": k, "epochs": config.get("epochs"),
               "seed": seed, "evaluator": config, "evaluations": len(record.history)}
        if all(previous.get(name) == value for name, value in key.items()):
            return previous  # the same run (its history only grows) and settings: the same finalists
        rescored = rescored_finalists(record, k)
        if rescored is None:
            top, scores, ranking = finalists(record.history, k), {}, "search_reward"
            candidates = len(finalists(record.history, len(record.history)))
        else:
            (top, scores, candidates), ranking = rescored, "final_shared_weights"
        if not top:
            raise ValueError(f"{run_dir}: the run has no successful child to re-train")
        space = env.unwrapped.space
        start = time.perf_counter()
        children = []
        for rank, e in enumerate(top, start=1):
            m = evaluator.evaluate(space.from_string(e.arch), seed=seed)
            children.append({
                "rank": rank, "arch": e.arch, "index": e.index, "search_reward": e.reward,
                "search_val_accuracy": e.metrics.get("val_accuracy"),
                "search_test_accuracy": e.metrics.get("test_accuracy"),
                "final_weights_reward": scores[e.arch][0] if e.arch in scores else None,
                "final_weights_val_accuracy": scores[e.arch][1] if e.arch in scores else None,
                "standalone_reward": float(env.unwrapped.reward_fn(m)) if m.get("status") == "ok" else None,
                "standalone_val_accuracy": m.get("val_accuracy"),
                "standalone_test_accuracy": m.get("test_accuracy"),
                "standalone_status": m.get("status"),
                "standalone_seconds": m.get("cost_seconds"),
            })
    finally:
        env.close()
    out = {**key, "ranking": ranking, "candidates": candidates, "children": children,
           "wall_seconds": time.perf_counter() - start}
    write_json(path, out)
    return out


def read_retrain(run_dir: Path | str) -> dict[str, Any]:
    """The run's ``retrain.json`` (``{}`` when it has none)."""
    return read_json(Path(run_dir) / directory.RETRAIN)


def retrained_pick(run_dir: Path | str) -> dict[str, Any] | None:
    """The re-trained finalist a user would keep (:func:`pick_of` the run's ``retrain.json``); ``None`` when
    the run has none."""
    return pick_of(read_retrain(run_dir))


def pick_of(result: dict[str, Any]) -> dict[str, Any] | None:
    """The finalist of a re-training ``result`` with the best stand-alone reward (the env's reward of its
    stand-alone validation metrics; its validation accuracy for the CNN), the better rank on ties;
    ``None`` when no finalist trained."""
    ok = [c for c in result.get("children", []) if c.get("standalone_reward") is not None]
    return max(ok, key=lambda c: (c["standalone_reward"], -c["rank"])) if ok else None


def format_retrain(result: dict[str, Any]) -> str:
    """The table ``nas-env search --retrain-top K`` prints: search numbers next to stand-alone ones."""

    def pct(x: Any) -> str:
        return "n/a" if x is None else f"{100 * x:.2f}%"

    shared = result.get("ranking") == "final_shared_weights"
    head = ("rank", "search reward", "search val", *(("final-weights val",) if shared else ()), "stand-alone val",
            "stand-alone test", "arch")
    rows = [head] + [(str(c["rank"]), f"{c['search_reward']:.4f}", pct(c["search_val_accuracy"]),
                      *((pct(c.get("final_weights_val_accuracy")),) if shared else ()),
                      pct(c["standalone_val_accuracy"]), pct(c["standalone_test_accuracy"]), c["arch"])
                     for c in result["children"]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    how = (f"the {len(rows) - 1} best of {result.get('candidates', '?')} distinct children under the search's final "
           "shared weights" if shared else f"the {len(rows) - 1} best search rewards")
    n = result["epochs"]
    lines = [f"re-trained stand-alone ({n} epoch{'s' if n != 1 else ''}, seed {result['seed']}, "
             f"{result['wall_seconds']:.1f} s), {how}:"]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
    pick = pick_of(result)
    if pick is not None:
        lines.append(f"pick (best stand-alone validation): rank {pick['rank']}, val "
                     f"{pct(pick['standalone_val_accuracy'])}, test {pct(pick['standalone_test_accuracy'])}  "
                     f"{pick['arch']}")
    return "\n".join(lines)
