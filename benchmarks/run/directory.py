"""The directory model of runs and benchmarks: which files each holds, and when a directory can take one.

A run directory (``nas-env search --out DIR``; written by :func:`nas_env.benchmarks.run.search.run_search`):

==================  =====================================================================
``run.json``        the run's arguments (env id and kwargs, agent and kwargs, seed, budget)
``history.jsonl``   one ``Evaluation.to_json()`` object per evaluated architecture, appended
                    and flushed the moment the tracker records it (:mod:`nas_env.agents.history`)
``checkpoint.npz``  the search state at the last consistent point (agent ``state_dict``, the
                    agent's and the env's RNG states, number of evaluations) as JSON and arrays (loading
                    it runs no code: :mod:`~nas_env.benchmarks.run.state_codec`); replaced atomically, so
                    never half-written; a new run writes a start state first (history lines without any
                    checkpoint are refused)
``summary.json``    best architecture and metrics, totals, seed, hyperparameters, versions
``extras.json``     the agent's diagnostics (``SearchResult.extras``), when it has any
``evaluations.sqlite``  the evaluation store (every child, written when it finishes; on for training envs)
``tensorboard/``    TensorBoard logs, when asked for
``retrain.json``    the finalists re-trained stand-alone (``--retrain-top K``, :mod:`nas_env.benchmarks.run.retrain`)
``report.md``, ``report.html``, ``figures/``  ``nas-env report DIR``'s output: never blocks resuming or extending
``.lock``           the pid of the process searching the directory, while it searches (``NAME.tmp``: NAME mid-write)
==================  =====================================================================

A benchmark directory (``nas-env benchmark --out DIR``; written by
:func:`nas_env.benchmarks.harness.runner.run_benchmark`)::

    DIR/benchmark.json              protocol, agents, seeds, commands, machine and versions, outcomes
    DIR/runs/<agent>/seed<k>/       one run directory, as above; <agent> is agent_dir(spec): the spec's
                                    canonical form, or its name and a hash when that is not a plain name

Both are read back by :mod:`nas_env.benchmarks.run.record`, so a benchmark and ``nas-env search`` agree on every file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nas_env.agents.budget import Budget
from nas_env.agents.registry import canonical_agent_spec, parse_agent_spec
from nas_env.benchmarks.run.files import atomic_write, read_json, refuse_link

__all__ = [
    "BENCHMARK_JSON", "CHECKPOINT", "EXTRAS", "HISTORY", "LOCK_FILE", "REPORT_FILES", "RETRAIN", "RUNS", "RUN_FILES",
    "RUN_FORMAT", "RUN_JSON", "RunDirError", "SEED_DIR", "STORE_FILE", "SUMMARY",
    "agent_dir", "agent_path", "check_benchmark_dir", "check_creatable", "check_out_dir", "is_benchmark_dir",
    "is_run_dir", "load_benchmark_meta", "refuse_links", "record_invocation", "recorded_path", "run_dir", "write_meta",
]

# ------------------------------------------------------------------ a run directory
RUN_FORMAT = "nas-env-run"
RUN_JSON, HISTORY, CHECKPOINT, SUMMARY, EXTRAS = (
    "run.json", "history.jsonl", "checkpoint.npz", "summary.json", "extras.json")
STORE_FILE = "evaluations.sqlite"
#: held by the process searching the directory (:mod:`nas_env.benchmarks.run.lock`), removed when it ends
LOCK_FILE = ".lock"
#: ``--retrain-top K``'s stand-alone re-training of the finalists (nas_env.benchmarks.run.retrain)
RETRAIN = "retrain.json"
RUN_FILES = (RUN_JSON, HISTORY, CHECKPOINT, SUMMARY, EXTRAS, STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm",
             RETRAIN)
#: what ``nas-env report DIR`` and ``--tensorboard`` may add to a run directory
REPORT_FILES = ("report.md", "report.html", "figures", "tensorboard")
#: the run.json keys that must match to continue a run (store and batching change training seeds: never mixed)
IDENTITY_KEYS = ("env_id", "env_kwargs", "agent", "agent_kwargs", "seed", "store", "batched_evaluation")

# ------------------------------------------------------------------ a benchmark directory
BENCHMARK_JSON = "benchmark.json"
RUNS = "runs"
#: the name of a seed's run directory under ``runs/<agent>/``
SEED_DIR = re.compile(r"^seed(\d+)$")


class RunDirError(ValueError):
    """The output directory cannot hold this run or benchmark (foreign, unreadable, or another one's)."""


def is_run_dir(path: Path | str) -> bool:
    """A single search run directory: ``run.json`` of a nas-env run and no benchmark layout."""
    p = Path(path)
    if not (p / RUN_JSON).is_file() or (p / BENCHMARK_JSON).exists():
        return False
    try:
        return json.loads((p / RUN_JSON).read_text(encoding="utf-8")).get("format") == RUN_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def is_benchmark_dir(path: Path | str) -> bool:
    """A ``nas-env benchmark`` output directory (has ``benchmark.json``)."""
    return (Path(path) / BENCHMARK_JSON).is_file()


#: an agent directory name used as it is: no separator, no leading dot, short
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_=@-][A-Za-z0-9._=@-]{0,99}$")


def _safe(name: str) -> bool:
    return bool(_SAFE_NAME.match(name)) and ".." not in name


def agent_dir(spec: str) -> str:
    """The one directory name of an agent spec under ``runs/``, safe whatever the spec: its canonical form
    (:func:`nas_env.agents.registry.canonical_agent_spec`) when that is a plain name (``reinforce``,
    ``reinforce@lr=0``), else the agent's name and a hash of the canonical form (``nsga2-3f1c0a9b2e4d``; a user's
    ``myagent:hill-climb`` is ``myagent.hill-climb-<hash>``: a colon separates a drive or a host elsewhere):
    never a separator, never ``..``."""
    canonical = canonical_agent_spec(spec)
    if _safe(canonical):
        return canonical
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    name = parse_agent_spec(spec)[0].replace(":", ".")
    return f"{name}-{digest}" if _safe(name) and len(name) <= 80 else f"agent-{digest}"


def agent_path(out: Path | str, spec: str) -> Path:
    """``out/runs/<agent_dir(spec)>``; a directory an earlier version named by the spec as typed (a plain
    name, e.g. ``reinforce@m=2@lr=0``) is kept while it exists and the canonical one does not."""
    runs = Path(out) / RUNS
    path = runs / agent_dir(spec)
    if spec != path.name and _safe(spec) and (runs / spec).is_dir() and not path.exists():
        return runs / spec
    return path


def run_dir(out: Path | str, agent: str, seed: int) -> Path:
    """Directory of one (agent spec, seed) run under the benchmark directory ``out`` (see :func:`agent_dir`)."""
    return agent_path(out, agent) / f"seed{seed}"


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


def _entries(out: Path) -> list[str] | None:
    """The names in ``--out`` (sorted; not a ``NAME.tmp`` of a file we write: a write a kill cut short), ``None``
    when it is missing but can be created; :class:`RunDirError` when it is a file or unreadable."""
    if out.exists() and not out.is_dir():
        raise RunDirError(f"--out {out} exists and is not a directory")
    if not out.exists():
        check_creatable(out, "--out")
        return None
    try:
        names = [p.name for p in out.iterdir()]
        return sorted(n for n in names if not (n.endswith(".tmp") and n[:-4] in (*RUN_FILES, BENCHMARK_JSON)))
    except OSError as exc:
        raise RunDirError(f"--out {out} is not readable: {exc}") from exc


def _check_writable(out: Path) -> None:
    if not os.access(out, os.W_OK | os.X_OK):
        raise RunDirError(f"--out {out} is not writable")


def check_out_dir(out_dir: Path, run: dict[str, Any]) -> dict[str, Any] | None:
    """Check that ``out_dir`` can take the run described by ``run`` (a run.json record).

    Returns the saved run.json when ``out_dir`` holds the same run (to resume or extend),
    ``None`` when it is new or empty. Raises :class:`RunDirError` otherwise.
    """
    entries = _entries(out_dir)
    if entries is None:
        return None
    _check_writable(out_dir)
    entries = [e for e in entries if e != LOCK_FILE]
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
    if SUMMARY not in entries and (not history.exists() or history.stat().st_size == 0):
        return None  # a run that failed before its first evaluation holds nothing: a corrected command may start
    for key in IDENTITY_KEYS:
        if saved.get(key) != run[key]:
            raise RunDirError(
                f"--out {out_dir} holds a run with {key}={saved.get(key)!r}, not {run[key]!r}; "
                "use another --out directory (earlier results are left untouched)"
            )
    try:
        saved_kind = Budget.from_value(saved.get("budget") or {}).kind
    except (ValueError, TypeError):
        saved_kind = (False, False)
    if saved_kind != Budget.from_value(run["budget"]).kind:
        raise RunDirError(
            f"--out {out_dir} holds a run with budget {saved.get('budget')}, a different kind than "
            f"{run['budget']}; use another --out directory"
        )
    return saved


def refuse_links(out_dir: Path) -> None:
    """Raise :class:`~nas_env.benchmarks.run.files.UnsafePathError` when a file name a run writes in
    ``out_dir`` is a symbolic link (a received directory may point one anywhere): checked before a run starts."""
    for name in (*RUN_FILES, STORE_FILE + "-journal"):
        refuse_link(out_dir / name)


def check_benchmark_dir(out: Path) -> None:
    """Raise :class:`RunDirError` unless ``out`` can take a benchmark: missing (and creatable), empty, or a
    benchmark directory already (``benchmark.json``: resumed). Never writes into another directory."""
    entries = _entries(out)
    if entries is None:
        return
    if entries and BENCHMARK_JSON not in entries:
        raise RunDirError(
            f"--out {out} is not empty and is not a nas-env benchmark directory (no {BENCHMARK_JSON}; found "
            f"{entries[:5]}); choose a new or empty directory"
        )
    _check_writable(out)


def load_benchmark_meta(out: Path | str) -> dict[str, Any]:
    """``DIR/benchmark.json`` (empty dict if missing or unreadable)."""
    return read_json(Path(out) / BENCHMARK_JSON)


def _write_meta(path: Path, meta: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(meta, indent=2).encode("utf-8"))


#: keys of a saved protocol that only describe it (report text): a resumed benchmark may find them reworded
DESCRIPTIVE_PROTOCOL_KEYS = frozenset({"reward", "cost", "report", "notes"})


def _result_defining(protocol: Mapping[str, Any]) -> dict[str, Any]:  # a saved protocol less its descriptions
    return {k: v for k, v in protocol.items() if k not in DESCRIPTIVE_PROTOCOL_KEYS}


def write_meta(out: Path, protocol: Mapping[str, Any], agents: Sequence[str], seeds: Sequence[int],
               command: str | None, machine: dict[str, Any]) -> dict[str, Any]:
    """Create or extend ``DIR/benchmark.json`` for an invocation under ``protocol`` (its ``to_json()``);
    refuses a directory of another protocol."""
    path = Path(out) / BENCHMARK_JSON
    meta: dict[str, Any] = {}
    if path.is_file():
        meta = json.loads(path.read_text(encoding="utf-8"))
        if _result_defining(meta.get("protocol") or {}) != _result_defining(protocol):
            raise ValueError(
                f"{out} already holds a benchmark with another protocol ({meta.get('protocol', {}).get('name')!r}, "
                f"budget {meta.get('protocol', {}).get('budget')}); use another --out or the same protocol"
            )
    old_agents = list(meta.get("agents", []))
    old_seeds = list(meta.get("seeds", []))
    meta.update(
        protocol=dict(protocol),
        agents=old_agents + [a for a in agents if a not in old_agents],
        seeds=sorted(set(old_seeds) | {int(s) for s in seeds}),
        command=command or " ".join(["nas-env", *sys.argv[1:]]),
        machine=machine,
    )
    meta.setdefault("commands", [])
    meta["commands"].append(meta["command"])
    _write_meta(path, meta)
    return meta


def record_invocation(out: Path, wall_seconds: float, workers: int, outcomes: list[dict[str, Any]]) -> None:
    """Add the last invocation's wall time, worker count and job outcomes to ``DIR/benchmark.json``."""
    path = Path(out) / BENCHMARK_JSON
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["wall_seconds_last_invocation"] = wall_seconds
    meta["workers"] = workers
    meta["outcomes"] = outcomes
    _write_meta(path, meta)
