"""Kill ``nas-env search`` with SIGKILL midway, rerun the same command: same result as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nas_env.agents import Budget
from nas_env.benchmarks.run.search import run_search
from tests.helpers import REPO, jsonl_records

BUDGET = 120


def arguments(agent: str, out: Path) -> list[str]:
    return ["search", "--env", "nas_env/NB201-v0", "--agent", agent, "--budget", str(BUDGET), "--seed", "7",
            "--out", str(out), "--no-progress"]


@pytest.mark.parametrize("agent", ["reinforce", "evolution"])
def test_sigkill_then_rerun_matches_uninterrupted(tmp_path, agent, paused_cli):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = tmp_path / "run"
    # the run stops after recording its 50th evaluation, and is killed there
    search = paused_cli(arguments(agent, out), "len(history) >= 50", env=env, cwd=tmp_path,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert search.wait_until_paused(timeout=600)
    search.proc.send_signal(signal.SIGKILL)
    search.proc.wait()
    killed_at = len(jsonl_records(out / "history.jsonl"))
    assert killed_at == 50
    assert not (out / "summary.json").exists()

    command = [sys.executable, "-m", "nas_env.benchmarks.cli", *arguments(agent, out)]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr

    ref = run_search("nas_env/NB201-v0", {}, agent, {}, Budget(evaluations=BUDGET), 7, tmp_path / "ref",
                     progress=False)
    got = jsonl_records(out / "history.jsonl")
    assert [(e["arch"], tuple(e["tokens"]), e["reward"]) for e in got] == [
        (e.arch, e.tokens, e.reward) for e in ref.history
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best"]["arch"] == ref.best.arch and summary["best"]["reward"] == ref.best.reward
    assert summary["num_evaluations"] == BUDGET
