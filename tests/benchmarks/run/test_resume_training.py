"""SIGKILL a real-training search midway, rerun it: no finished child is trained twice, history complete."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from nas_env.agents import Budget
from nas_env.benchmarks.run.search import run_search
from tests.helpers import REPO, jsonl_records

BUDGET = 12
ENV_KWARGS = {"num_layers": 2, "epochs": 1, "filter_sizes": [1, 3], "num_filters": [8, 16],
              "train_kwargs": {"max_train_samples": 400, "count_flops": False, "num_threads": 1}}


def arguments(out: Path) -> list[str]:
    return ["search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(ENV_KWARGS), "--agent", "reinforce",
            "--agent-kwargs", '{"m": 2}', "--budget", str(BUDGET), "--seed", "3", "--out", str(out), "--no-progress",
            "--executor", "none"]


def stored(path: Path) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_sigkill_real_training_then_resume_retrains_nothing(tmp_path, paused_cli):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = tmp_path / "run"
    store = out / "evaluations.sqlite"
    # the run stops right after recording its 5th evaluation, before the next checkpoint, and is killed there:
    # it leaves trained children beyond the checkpoint, which the rerun must take from the store
    search = paused_cli(arguments(out), "len(history) >= 5", env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
    assert search.wait_until_paused(timeout=600)
    search.proc.send_signal(signal.SIGKILL)
    search.proc.wait()
    trained_before = stored(store)
    assert 5 <= trained_before < BUDGET, trained_before
    assert len(jsonl_records(out / "history.jsonl")) == 5
    assert not (out / "summary.json").exists()

    command = [sys.executable, "-m", "nas_env.benchmarks.cli", *arguments(out)]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    st = summary["store"]
    # every training in the rerun was a store miss and wrote one new row: nothing was trained twice
    assert st["rows"] == trained_before + st["misses"]
    history = jsonl_records(out / "history.jsonl")
    assert [e["index"] for e in history] == list(range(BUDGET))
    replayed = [e for e in history if e["metrics"].get("cached")]
    assert len(replayed) == st["hits"] >= 1  # children trained before the kill, replayed from the store
    # and the result is the one an uninterrupted run gets (deterministic CPU training)
    ref = run_search("nas_env/ZophLeCNN-v0", ENV_KWARGS, "reinforce", {"m": 2}, Budget(evaluations=BUDGET), 3,
                     tmp_path / "ref", progress=False, executor="none")
    assert [(e["arch"], e["reward"]) for e in history] == [(e.arch, e.reward) for e in ref.history]
