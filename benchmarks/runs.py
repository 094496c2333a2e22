"""One search run on disk: ``run_search`` writes, checkpoints and resumes a run directory.

A run directory holds:

==================  =====================================================================
``run.json``        the run's arguments (env id and kwargs, agent and kwargs, seed, budget)
``history.jsonl``   one ``Evaluation.to_json()`` object per evaluated architecture, appended
                    and flushed the moment the tracker records it
``checkpoint.pkl``  the search state at the last consistent point (agent ``state_dict``, the
                    agent's and the env's RNG states, number of evaluations); written to a
                    temporary file and ``os.replace``-d, so it is never half-written
``summary.json``    best architecture and metrics, totals, seed, hyperparameters, versions
``extras.json``     the agent's diagnostics (``SearchResult.extras``), when it has any
``evaluations.sqlite``  the evaluation store (every finished child, written when it finishes;
                    on by default for training envs): a resumed run replays the children it
                    had trained since the last checkpoint from here, never retraining them
==================  =====================================================================

Executors: agents that evaluate batches (REINFORCE's m children) train them
concurrently when ``executor`` is ``"process"`` (local worker processes, the
default for training envs) or ``"ray"``; ``"none"`` plays them one by one.

Rerunning the same arguments on an interrupted directory resumes: history lines beyond
the checkpoint are dropped (the checkpointed state has not seen them) and the agent
continues from its saved state. For table envs and agents with ``exact_resume`` the
result is identical to an uninterrupted run. Rerunning a finished run returns its result
without searching again; a larger budget of the same kind continues it.

``run_search`` never overwrites another run: a directory with foreign files, an
unreadable ``run.json`` or different arguments raises :class:`RunDirError`.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import AGENTS, Agent, Budget, Evaluation, SearchResult, SearchTracker, make_agent

__all__ = ["RUN_FILES", "RunDirError", "load_history", "make_env", "run_search"]

RUN_FORMAT = "nas-env-run"
RUN_FILES = (
    "run.json", "history.jsonl", "checkpoint.pkl", "summary.json", "extras.json",
    "evaluations.sqlite", "evaluations.sqlite-wal", "evaluations.sqlite-shm",
)
STORE_FILE = "evaluations.sqlite"
EXECUTOR_CHOICES = ("auto", "none", "inprocess", "process", "ray")
#: testing hook: seconds to sleep after each recorded evaluation (lets tests interrupt a run)
DELAY_ENV_VAR = "NAS_ENV_RUN_DELAY"


class RunDirError(ValueError):
    """The output directory cannot hold this run (foreign, unreadable, or another run's)."""


# --------------------------------------------------------------------------- helpers
def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None) -> gym.Env:
    """``gym.make`` a nas-env id, with an error listing the valid ids."""
    import nas_env

    if env_id not in gym.registry:
        raise ValueError(f"unknown env {env_id!r}; valid: {sorted(nas_env.ENV_IDS)}")
    try:
        return gym.make(env_id, **(env_kwargs or {}))
    except TypeError as exc:
        raise ValueError(f"bad --env-kwargs {env_kwargs!r} for {env_id}: {exc}") from exc


def _budget_json(budget: Budget) -> dict[str, Any]:
    return {"evaluations": budget.evaluations, "cost_seconds": budget.cost_seconds}


def _budget_kind(b: dict[str, Any]) -> tuple[bool, bool]:
    return (b.get("evaluations") is not None, b.get("cost_seconds") is not None)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _write_json(path: Path, obj: Any) -> None:
    _atomic_write(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (tuple, set)):
        return list(o)
    return str(o)


def load_history(path: Path) -> list[Evaluation]:
    """Read ``history.jsonl``; a torn last line (interrupted write) is ignored."""
    out: list[Evaluation] = []
    if not path.exists():
        return out
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            out.append(Evaluation.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            if i == len(lines) - 1:
                break  # the write of the last line was interrupted
            raise RunDirError(f"{path}: line {i + 1} is not a history entry: {exc}") from exc
    return out


def versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    import nas_env

    out = {"python": platform.python_version(), "platform": platform.platform(), "nas_env": nas_env.__version__}
    for mod in ("numpy", "torch", "gymnasium", "stable_baselines3", "sb3_contrib"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:
            continue
    return out


def reference_optimum(env: gym.Env) -> dict[str, Any] | None:
    """For NB201 table envs: the table's best cell (by 200-epoch reported accuracy), for context."""
    table = getattr(getattr(env.unwrapped, "evaluator", None), "table", None)
    if table is None or not hasattr(table, "best_row"):
        return None
    row = table.best_row
    acc, name = table.reported_accuracy(200)
    return {
        "arch": str(table.arch_str[row]),
        name: float(acc[row]),
        "val_accuracy": float(table.val200_mean[row]),
    }


def table_rank(env: gym.Env, arch: str | None) -> dict[str, Any] | None:
    """For NB201 table envs: where ``arch`` ranks in the table by 200-epoch reported accuracy."""
    table = getattr(getattr(env.unwrapped, "evaluator", None), "table", None)
    if table is None or arch is None or not hasattr(table, "reported_accuracy"):
        return None
    acc, name = table.reported_accuracy(200)
    better = int((acc > acc[table.row(arch)]).sum())
    return {"rank": better + 1, "of": len(acc), "top_percent": 100.0 * (better + 1) / len(acc), "by": name}


# ------------------------------------------------------------------------ run dir
def _check_out_dir(out_dir: Path, run: dict[str, Any]) -> dict[str, Any] | None:
    """Validate ``out_dir`` for ``run``; returns the saved run.json when resuming."""
    if out_dir.exists() and not out_dir.is_dir():
        raise RunDirError(f"--out {out_dir} exists and is not a directory")
    if not out_dir.exists():
        return None
    try:
        entries = sorted(p.name for p in out_dir.iterdir())
    except OSError as exc:
        raise RunDirError(f"--out {out_dir} is not readable: {exc}") from exc
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise RunDirError(f"--out {out_dir} is not writable")
    if not entries or all(e.startswith(STORE_FILE) for e in entries):
        return None  # empty, or only the store a failed start left behind (its rows stay valid)
    if "run.json" not in entries:
        raise RunDirError(
            f"--out {out_dir} is not empty and is not a nas-env run (no run.json; found {entries[:5]}); "
            "choose a new or empty directory"
        )
    foreign = [e for e in entries if e not in RUN_FILES and not e.endswith(".tmp") and e != "tensorboard"]
    if foreign:
        raise RunDirError(f"--out {out_dir} holds files that are not a nas-env run's: {foreign[:5]}")
    try:
        saved = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{out_dir / 'run.json'} is unreadable: {exc}") from exc
    if not isinstance(saved, dict) or saved.get("format") != RUN_FORMAT:
        raise RunDirError(f"{out_dir / 'run.json'} is not a nas-env run record")
    # store and batching change training seeds (see nas_env.cache / nas_env.vector): never mixed
    for key in ("env_id", "env_kwargs", "agent", "agent_kwargs", "seed", "store", "batched_evaluation"):
        if saved.get(key) != run[key]:
            raise RunDirError(
                f"--out {out_dir} holds a run with {key}={saved.get(key)!r}, not {run[key]!r}; "
                "use another --out directory (earlier results are left untouched)"
            )
    if _budget_kind(saved.get("budget", {})) != _budget_kind(run["budget"]):
        raise RunDirError(
            f"--out {out_dir} holds a run with budget {saved.get('budget')}, a different kind than "
            f"{run['budget']}; use another --out directory"
        )
    return saved


def run_search(
    env_id: str,
    env_kwargs: dict[str, Any] | None,
    agent: str,
    agent_kwargs: dict[str, Any] | None,
    budget: Budget | int,
    seed: int,
    out_dir: Path | str,
    progress: bool = True,
    callbacks: Iterable[Callable[[Evaluation, SearchTracker], Any]] = (),
    tensorboard: Path | str | None = None,
    checkpoint_interval_s: float = 0.5,
    executor: str = "auto",
    workers: int | None = None,
    store: str | Path | bool = "auto",
    ray_address: str | None = None,
) -> SearchResult:
    """Run (or resume) one search and write its run directory (see the module docstring).

    Args:
        env_id: a registered id, e.g. ``"nas_env/NB201-v0"``.
        env_kwargs: keyword arguments of the env.
        agent: a registered agent name (``agents.AGENTS``).
        agent_kwargs: hyperparameter overrides of the agent's Config.
        budget: a :class:`Budget` or a number of evaluations.
        seed: the run's seed (env, agent).
        out_dir: the run directory (created if missing).
        progress: show a tqdm bar with the best reward so far on stderr.
        callbacks: extra ``cb(evaluation, tracker)`` called after each recorded evaluation.
        tensorboard: a directory for TensorBoard logs (needs ``tensorboard``).
        checkpoint_interval_s: minimum wall seconds between checkpoints (the first and the
            last are always written); 0 = at every consistent point.
        executor: ``"auto"`` (``"process"`` for training envs, else ``"none"``), ``"none"``,
            ``"inprocess"``, ``"process"`` or ``"ray"``: how batches of children are evaluated.
        workers: worker processes / Ray actors (default: CPU cores).
        store: ``"auto"`` (on for training envs), ``True``, ``False``, or a path to a shared store
            file; by default the store is ``out_dir/evaluations.sqlite``.
        ray_address: Ray cluster address for ``executor="ray"`` (default: Ray on this machine).

    Raises:
        ValueError: unknown agent or env, bad kwargs or budget.
        RunDirError: ``out_dir`` is foreign, unreadable, or holds a different run.
    """
    env_kwargs = dict(env_kwargs or {})
    agent_kwargs = dict(agent_kwargs or {})
    budget = Budget.of(budget)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int, got {seed!r}")
    seed = int(seed)
    out_dir = Path(out_dir)
    import agents  # noqa: F401  (registers the agents)

    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; valid: {sorted(AGENTS)}")
    if executor not in EXECUTOR_CHOICES:
        raise ValueError(f"unknown executor {executor!r}; valid: {list(EXECUTOR_CHOICES)}")
    search_agent: Agent = make_agent(agent, **agent_kwargs)
    env = make_env(env_id, env_kwargs)
    expensive = bool(getattr(env.unwrapped, "evaluator", None) and env.unwrapped.evaluator.expensive)
    if store == "auto":
        store = expensive
    store_path = (out_dir / STORE_FILE) if store is True else (Path(store) if store else None)
    if executor == "auto":
        executor = "process" if expensive else "none"
    writer = _tensorboard_writer(tensorboard)  # fail before touching out_dir
    reference = reference_optimum(env)

    run = {
        "format": RUN_FORMAT,
        "version": 1,
        "env_id": env_id,
        "env_kwargs": env_kwargs,
        "agent": agent,
        "agent_kwargs": agent_kwargs,
        "seed": seed,
        "budget": _budget_json(budget),
        "store": None if store_path is None else str(store_path),
        "batched_evaluation": executor != "none",
        "argv": list(sys.argv),
    }
    saved = _check_out_dir(out_dir, run)
    # open the store and start the workers before writing anything: a store made for another
    # configuration or an unreachable Ray cluster fails here and leaves out_dir untouched
    evaluation_store, pool = _open_evaluation(env, search_agent, store_path, executor, workers, ray_address)
    hist_file = bar = None
    try:
        hist_path, ckpt_path = out_dir / "history.jsonl", out_dir / "checkpoint.pkl"

        # ---- resume: history up to the checkpoint, agent state from it
        history: list[Evaluation] = []
        resume: dict[str, Any] | None = None
        if saved is not None:
            if ckpt_path.exists():
                try:
                    with open(ckpt_path, "rb") as f:
                        resume = pickle.load(f)
                except Exception as exc:
                    raise RunDirError(f"{ckpt_path} is unreadable: {exc}") from exc
            history = load_history(hist_path)
            n = 0 if resume is None else int(resume["num_evaluations"])
            if len(history) < n:
                raise RunDirError(f"{hist_path} has {len(history)} entries but the checkpoint expects {n}")
            if budget.evaluations is not None and n > budget.evaluations:
                raise RunDirError(
                    f"--out {out_dir} already holds {n} evaluations, more than --budget {budget.evaluations}"
                )
            history = history[:n]
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_json(out_dir / "run.json", run)
        _atomic_write(hist_path, "".join(json.dumps(e.to_json()) + "\n" for e in history).encode())

        # ---- callbacks: persist each evaluation at once; progress; tensorboard; test delay
        hist_file = open(hist_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in finally)
        delay = float(os.environ.get(DELAY_ENV_VAR, "0") or 0)

        def persist(ev: Evaluation, tracker: SearchTracker) -> None:
            hist_file.write(json.dumps(ev.to_json(), default=_json_default) + "\n")
            hist_file.flush()
            if delay:
                time.sleep(delay)

        bar = _progress_bar(budget, history, progress, agent, env_id)
        all_callbacks = [persist, *callbacks]
        if bar is not None:
            all_callbacks.append(bar[1])
        if writer is not None:
            all_callbacks.append(_tensorboard_callback(writer, search_agent))

        last_ckpt = [0.0]

        def checkpoint(state: dict[str, Any]) -> None:
            now = time.monotonic()
            if not state.get("final") and last_ckpt[0] and now - last_ckpt[0] < checkpoint_interval_s:
                return
            last_ckpt[0] = now
            _atomic_write(ckpt_path, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))

        if resume is not None and resume.get("complete") and saved is not None and saved.get("budget") == run["budget"]:
            # a finished run: report it again, search nothing
            hist_file.close()
            if bar is not None:
                bar[0].close()
            search_agent.load_state_dict(resume["agent"])
            result = SearchResult(
                agent=agent, seed=seed, history=history, config=search_agent.hyperparameters(),
                extras=search_agent.extras,
            )
            _write_summary(out_dir, run, result, budget, env_id, env_kwargs, search_agent, reference)
            return result
        result = search_agent.run(
            env, budget, seed=seed, callbacks=all_callbacks, history=history, resume=resume,
            checkpoint=checkpoint,
        )
        if evaluation_store is not None:
            result.extras["store"] = {
                "path": str(store_path), "rows": len(evaluation_store), "hits": evaluation_store.hits,
                "misses": evaluation_store.misses, "hit_rate": evaluation_store.hit_rate,
            }
    finally:
        if pool is not None:
            pool.close()
        if evaluation_store is not None:
            evaluation_store.close()
        if hist_file is not None:
            hist_file.close()
        if bar is not None:
            bar[0].close()
        if writer is not None:
            writer.close()
        env.close()
    if reference is not None:
        reference = {**reference, "best_found_rank": table_rank(env, result.best.arch if result.best else None)}
    _write_summary(out_dir, run, result, budget, env_id, env_kwargs, search_agent, reference)
    return result


def _open_evaluation(
    env: gym.Env, agent: Agent, store_path: Path | None, executor: str, workers: int | None,
    ray_address: str | None,
) -> tuple[Any, Any]:
    """Start ``agent``'s executor, then attach the evaluation store to ``env``; returns both (or ``None``).

    The executor comes first so that an unreachable Ray cluster fails before any file is created.
    """
    from nas_env.cache import attach_store
    from nas_env.executors import make_executor

    pool = None
    if executor != "none":
        options: dict[str, Any] = {}
        if executor in ("process", "ray") and workers is not None:
            options["num_workers"] = workers
        if executor == "ray" and ray_address is not None:
            options["address"] = ray_address
        pool = make_executor(executor, env.unwrapped.evaluator, **options)
    try:
        store = attach_store(env, store_path) if store_path is not None else None
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    agent.executor = pool
    return store, pool

def _write_summary(
    out_dir: Path,
    run: dict[str, Any],
    result: SearchResult,
    budget: Budget,
    env_id: str,
    env_kwargs: dict[str, Any],
    agent: Agent,
    reference: dict[str, Any] | None,
) -> None:
    best = result.best
    hist = result.history
    total_cost = result.total_cost_seconds
    summary = {
        "env_id": env_id,
        "env_kwargs": env_kwargs,
        "agent": result.agent,
        "agent_kwargs": run["agent_kwargs"],
        "hyperparameters": result.config,
        "seed": result.seed,
        "budget": _budget_json(budget),
        "num_evaluations": len(hist),
        "total_cost_seconds": total_cost,
        "simulated_hours": total_cost / 3600.0,
        "total_wall_seconds": hist[-1].total_wall_seconds if hist else 0.0,
        "best": None if best is None else best.to_json(),
        "exact_resume": type(agent).exact_resume,
        "store": result.extras.get("store"),
        "reference_optimum": reference,
        "versions": versions(),
    }
    _write_json(out_dir / "summary.json", summary)
    if result.extras:
        _write_json(out_dir / "extras.json", result.extras)


# ----------------------------------------------------------------- progress, tensorboard
def _progress_bar(budget: Budget, history: list[Evaluation], enabled: bool, agent: str, env_id: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    if budget.evaluations is not None:
        bar = tqdm(total=budget.evaluations, initial=len(history), desc=f"{agent} {env_id}", file=sys.stderr,
                   unit="arch", dynamic_ncols=True)

        def update(ev: Evaluation, tracker: SearchTracker) -> None:
            bar.update(1)
            bar.set_postfix(best=f"{ev.best_reward:.4f}", refresh=False)
    else:
        total_h = budget.cost_seconds / 3600.0  # type: ignore[operator]
        done_h = history[-1].total_cost_seconds / 3600.0 if history else 0.0
        bar = tqdm(total=round(total_h, 3), initial=round(done_h, 3), desc=f"{agent} {env_id}",
                   file=sys.stderr, unit="sim-h", dynamic_ncols=True)

        def update(ev: Evaluation, tracker: SearchTracker) -> None:
            bar.update(ev.cost_seconds / 3600.0)
            bar.set_postfix(best=f"{ev.best_reward:.4f}", evals=ev.index + 1, refresh=False)

    return bar, update


def _tensorboard_writer(path: Path | str | None) -> Any:
    if path is None:
        return None
    try:
        import tensorboard  # noqa: F401
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        raise ValueError(f"--tensorboard needs the tensorboard package: pip install tensorboard ({exc})") from exc
    return SummaryWriter(log_dir=str(path))


def _tensorboard_callback(writer: Any, agent: Agent) -> Callable[[Evaluation, SearchTracker], None]:
    """Log reward and best-so-far per evaluation, and an RL agent's per-update diagnostics."""
    logged = [0]

    def log(ev: Evaluation, tracker: SearchTracker) -> None:
        writer.add_scalar("search/reward", ev.reward, ev.index)
        writer.add_scalar("search/best_reward", ev.best_reward, ev.index)
        diag = agent.extras.get("diagnostics") if isinstance(agent.extras, dict) else None
        if diag:
            for i in range(logged[0], len(diag["update"])):
                step = diag["evaluations"][i]
                writer.add_scalar("policy/entropy_per_token", diag["entropy_per_token"][i], step)
                writer.add_scalar("policy/baseline", diag["baseline"][i], step)
                writer.add_scalar("policy/mean_reward", diag["mean_reward"][i], step)
            logged[0] = len(diag["update"])

    return log

