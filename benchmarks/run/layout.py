"""The run directory model: which files a run directory holds and when a directory can take a run.

==================  =====================================================================
``run.json``        the run's arguments (env id and kwargs, agent and kwargs, seed, budget)
``history.jsonl``   one ``Evaluation.to_json()`` object per evaluated architecture, appended
                    and flushed the moment the tracker records it (:mod:`nas_env.agents.history`)
``checkpoint.pkl``  the search state at the last consistent point (agent ``state_dict``, the
                    agent's and the env's RNG states, number of evaluations); written to a
                    temporary file and ``os.replace``-d, so it is never half-written
``summary.json``    best architecture and metrics, totals, seed, hyperparameters, versions
``extras.json``     the agent's diagnostics (``SearchResult.extras``), when it has any
``evaluations.sqlite``  the evaluation store (every finished child, written when it finishes;
                    on by default for training envs)
``tensorboard/``    TensorBoard logs, when asked for
``retrain.json``    the finalists re-trained stand-alone (``--retrain-top K``, :mod:`nas_env.benchmarks.run.retrain`)
``report.md``, ``figures/``  ``nas-env report DIR``'s output: never blocks resuming or extending
==================  =====================================================================
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nas_env.agents.budget import Budget

__all__ = [
    "CHECKPOINT", "EXTRAS", "HISTORY", "REPORT_FILES", "RETRAIN", "RUN_FILES", "RUN_FORMAT", "RUN_JSON", "RunDirError",
    "STORE_FILE", "SUMMARY",
    "check_creatable", "check_out_dir", "is_benchmark_dir", "is_run_dir", "recorded_path",
]

RUN_FORMAT = "nas-env-run"
RUN_JSON, HISTORY, CHECKPOINT, SUMMARY, EXTRAS = (
    "run.json", "history.jsonl", "checkpoint.pkl", "summary.json", "extras.json")
STORE_FILE = "evaluations.sqlite"
#: ``--retrain-top K``'s stand-alone re-training of the finalists (nas_env.benchmarks.run.retrain)
RETRAIN = "retrain.json"
RUN_FILES = (
    RUN_JSON, HISTORY, CHECKPOINT, SUMMARY, EXTRAS, STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm", RETRAIN,
)
#: what ``nas-env report DIR`` and ``--tensorboard`` may add to a run directory
REPORT_FILES = ("report.md", "figures", "tensorboard")
#: the run.json keys that must match for a directory to continue a run; store and batching change
#: training seeds (see nas_env.cache / nas_env.vector), so they are never mixed either
IDENTITY_KEYS = ("env_id", "env_kwargs", "agent", "agent_kwargs", "seed", "store", "batched_evaluation")


class RunDirError(ValueError):
    """The output directory cannot hold this run (foreign, unreadable, or another run's)."""


def is_run_dir(path: Path | str) -> bool:
    """A single search run directory: ``run.json`` of a nas-env run and no benchmark layout."""
    p = Path(path)
    if not (p / RUN_JSON).is_file() or (p / "benchmark.json").exists():
        return False
    try:
        return json.loads((p / RUN_JSON).read_text(encoding="utf-8")).get("format") == RUN_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def is_benchmark_dir(path: Path | str) -> bool:
    """A ``nas-env benchmark`` output directory (has ``benchmark.json``)."""
    return (Path(path) / "benchmark.json").is_file()


def recorded_path(path: Path | None, out_dir: Path) -> Path | None:
    """How ``run.json`` records ``path``: relative to the run directory when it lies inside it (so a run
    resumes whatever ``--out`` is spelled, the working directory, or after the directory moved), else absolute."""
    if path is None:
        return None
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(out_dir))
    except ValueError:
        return absolute


def check_creatable(path: Path, option: str) -> None:
    """Raise :class:`RunDirError` when the missing ``path`` cannot be created: its nearest existing
    ancestor is a file, or a directory this process cannot write to (read-only file system, permissions)."""
    parent = Path(os.path.abspath(path))
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise RunDirError(f"{option} {path} cannot be created: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise RunDirError(f"{option} {path} cannot be created: {parent} is not writable")


def check_out_dir(out_dir: Path, run: dict[str, Any]) -> dict[str, Any] | None:
    """Check that ``out_dir`` can take the run described by ``run`` (a run.json record).

    Returns the saved run.json when ``out_dir`` holds the same run (to resume or extend),
    ``None`` when it is new or empty. Raises :class:`RunDirError` otherwise.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise RunDirError(f"--out {out_dir} exists and is not a directory")
    if not out_dir.exists():
        check_creatable(out_dir, "--out")
        return None
    try:
        entries = sorted(p.name for p in out_dir.iterdir())
    except OSError as exc:
        raise RunDirError(f"--out {out_dir} is not readable: {exc}") from exc
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise RunDirError(f"--out {out_dir} is not writable")
    if not entries or all(e.startswith(STORE_FILE) for e in entries):
        return None  # empty, or only the store a failed start left behind (its rows stay valid)
    if RUN_JSON not in entries:
        raise RunDirError(
            f"--out {out_dir} is not empty and is not a nas-env run (no run.json; found {entries[:5]}); "
            "choose a new or empty directory"
        )
    foreign = [e for e in entries if e not in RUN_FILES and e not in REPORT_FILES and not e.endswith(".tmp")]
    if foreign:
        raise RunDirError(f"--out {out_dir} holds files that are not a nas-env run's: {foreign[:5]}")
    try:
        saved = json.loads((out_dir / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{out_dir / RUN_JSON} is unreadable: {exc}") from exc
    if not isinstance(saved, dict) or saved.get("format") != RUN_FORMAT:
        raise RunDirError(f"{out_dir / RUN_JSON} is not a nas-env run record")
    history = out_dir / HISTORY
    if CHECKPOINT not in entries and SUMMARY not in entries and (not history.exists() or history.stat().st_size == 0):
        return None  # a run that failed before its first evaluation holds nothing: a corrected command may start
    for key in IDENTITY_KEYS:
        if saved.get(key) != run[key]:
            raise RunDirError(
                f"--out {out_dir} holds a run with {key}={saved.get(key)!r}, not {run[key]!r}; "
                "use another --out directory (earlier results are left untouched)"
            )
    try:
        saved_kind = Budget.from_json(saved.get("budget") or {}).kind
    except (ValueError, TypeError):
        saved_kind = (False, False)
    if saved_kind != Budget.from_json(run["budget"]).kind:
        raise RunDirError(
            f"--out {out_dir} holds a run with budget {saved.get('budget')}, a different kind than "
            f"{run['budget']}; use another --out directory"
        )
    return saved
