"""``nas-env convert DIR --trust-pickle``: rewrite an earlier version's pickled checkpoints in today's format.

Run and benchmark directories written by nas-env <= 0.1 hold ``checkpoint.pkl``, a pickle: loading one runs
whatever its bytes say, so no other command reads it (:func:`~nas_env.benchmarks.run.checkpointer.refuse_legacy`).
:func:`convert_directory` is the one place that unpickles them, for a directory its user trusts: each run's
state becomes ``checkpoint.npz`` (:mod:`~nas_env.benchmarks.run.state_codec`) -- objects of that version turned
into plain data (REINFORCE's diagnostics into their JSON columns, a PPO model's zip into its policy's weights
and optimizer state), a finished run compacted as a finished run is today where its controller rebuilds from its
history to the very state saved (checked here; else kept whole) -- and ``checkpoint.pkl`` is removed.
Each run directory is locked while it is converted; a run that fails to convert keeps its pickle.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any

from nas_env.agents.diagnostics import ControllerDiagnostics
from nas_env.agents.history import read_history
from nas_env.agents.reinforce_rebuild import rebuild
from nas_env.benchmarks.run.checkpointer import LEGACY_CHECKPOINT, legacy_runs
from nas_env.benchmarks.run.directory import CHECKPOINT, HISTORY, RUN_JSON, RunDirError, is_benchmark_dir, is_run_dir
from nas_env.benchmarks.run.files import atomic_write, read_json, refuse_link
from nas_env.benchmarks.run.lock import DirLock
from nas_env.benchmarks.run.state_codec import UnencodableError, encode

__all__ = ["convert_directory", "convert_run"]


def convert_directory(out: Path) -> list[Path]:
    """Convert every pickled checkpoint of ``out`` (a run directory, or a benchmark's runs); returns the run
    directories converted.

    Raises:
        RunDirError: ``out`` is not a run or benchmark directory, holds no pickled checkpoint, or a state cannot be
            converted (the message names the run; runs converted before it stay converted).
    """
    out = Path(out)
    if not (is_run_dir(out) or is_benchmark_dir(out)):
        raise RunDirError(f"{out} is neither a `nas-env search` run directory nor a `nas-env benchmark` directory")
    runs = legacy_runs(out)
    if not runs:
        raise RunDirError(f"{out} holds no {LEGACY_CHECKPOINT} to convert: it is already in today's format")
    for run in runs:
        convert_run(run)
    return runs


def convert_run(run: Path) -> None:
    """Convert the pickled checkpoint of the run directory ``run`` (see the module docstring)."""
    legacy, target = run / LEGACY_CHECKPOINT, run / CHECKPOINT
    for path in (legacy, target):
        refuse_link(path)
    lock = DirLock(run)
    try:
        state = pickle.loads(legacy.read_bytes())  # the user said they trust it (--trust-pickle)
        if not isinstance(state, dict):
            raise RunDirError(f"{legacy} holds a {type(state).__name__}, not a nas-env checkpoint")
        agent_name = str(read_json(run / RUN_JSON).get("agent", "")).split("@")[0]
        if isinstance(state.get("agent"), dict):
            state["agent"] = _plain_agent(state["agent"], agent_name)
            if state.get("complete"):
                state["agent"] = _finished(run, state)
        try:
            data = encode(state)
        except UnencodableError as exc:
            raise RunDirError(f"{legacy} cannot be converted: {exc}") from exc
        atomic_write(target, data)
        os.unlink(legacy)
    finally:
        lock.release()


def _plain_agent(agent: dict[str, Any], name: str) -> dict[str, Any]:
    """An earlier agent state with its objects as plain data."""
    agent = dict(agent)
    if isinstance(agent.get("diagnostics"), ControllerDiagnostics):
        agent["diagnostics"] = agent["diagnostics"].to_json()
    if isinstance(agent.get("model"), bytes):
        agent["model"] = _sb3_model(agent["model"], maskable=name == "maskable-ppo")
    return agent


def _finished(run: Path, state: dict[str, Any]) -> dict[str, Any]:
    """A finished run's agent state as today's finished runs keep it, when that rebuilds here to the very
    state saved (REINFORCE: :mod:`nas_env.agents.reinforce_rebuild`); else the state as it is (exact)."""
    from nas_env.agents.registry import make_agent
    from nas_env.benchmarks.run.environment import make_env

    record = read_json(run / RUN_JSON)
    try:
        agent = make_agent(record["agent"], **record.get("agent_kwargs", {}))
        compact = agent.finished_state(state["agent"])
        if compact is state["agent"] or "rebuild_digest" not in compact:
            return compact
        history = read_history(run / HISTORY)[: state["num_evaluations"]]
        env = make_env(record["env_id"], record.get("env_kwargs", {}))  # a module:id env is refused: kept exact
        try:
            agent.load_state_dict(compact)
            rebuild(agent, env.unwrapped.space, history, int(record["seed"]))
        finally:
            env.close()
    except Exception:  # noqa: BLE001 -- whatever fails, the exact state is kept
        return state["agent"]
    return compact


def _sb3_model(data: bytes, maskable: bool) -> dict[str, Any]:
    """A PPO model saved by ``model.save`` as today's PPO state (:mod:`nas_env.agents.ppo`)."""
    from nas_env.agents.ppo import _import_sb3, model_state

    algo, _ = _import_sb3(maskable)
    return model_state(algo.load(io.BytesIO(data), device="cpu"))
