"""Ray on this machine when things die (issue 22, defect 10): ``nas-env search --executor ray`` starts a real local Ray
(its own temp dir under /tmp); its raylet SIGKILLed mid-run ends the search with the usual one line (no Ray log dump)
and rerunning continues it; the search SIGKILLed leaves no Ray process (agents, actors) behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import REPO, jsonl_records, process_tree, wait_for

pytest.importorskip("ray")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

ENV_KWARGS = {"num_layers": 2, "epochs": 25, "filter_sizes": [1, 3], "num_filters": [8, 16],
              "train_kwargs": {"max_train_samples": 400, "count_flops": False, "num_threads": 1}}
BUDGET = 8


def command(out: Path, executor: str) -> list[str]:
    return [sys.executable, "-m", "nas_env.benchmarks.cli", "search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs",
            json.dumps(ENV_KWARGS), "--agent", "reinforce", "--agent-kwargs", '{"m": 2}', "--budget", str(BUDGET),
            "--seed", "3", "--out", str(out), "--no-progress", "--executor", executor, "--workers", "2"]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture
def ray_search(tmp_path):
    """``start()`` -> (process, its processes so far) once the search on local Ray has recorded a child."""
    temp = tempfile.mkdtemp(prefix="nasray", dir="/tmp")  # short: Ray's socket paths must fit 107 characters
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "RAY_TMPDIR": temp, "RAY_USAGE_STATS_ENABLED": "0"}
    started: list[subprocess.Popen] = []
    seen: dict[int, str] = {}

    def start() -> tuple[subprocess.Popen, dict[int, str]]:
        proc = subprocess.Popen(command(tmp_path / "run", "ray"), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        started.append(proc)

        def recorded() -> bool:
            seen.update(process_tree(proc.pid))
            return len(jsonl_records(tmp_path / "run" / "history.jsonl")) >= 1 or proc.poll() is not None

        wait_for(recorded, 300, "the search on local Ray to record a child")
        assert proc.poll() is None, proc.communicate()
        seen.update(process_tree(proc.pid))
        return proc, seen

    yield start, env
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    for pid in seen:  # a failed test leaves nothing running
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(temp, ignore_errors=True)


def test_a_search_on_local_ray_killed_leaves_no_ray_process_behind(ray_search):
    start, _ = ray_search
    proc, seen = start()
    assert any("DashboardAgent" in c for c in seen.values()) and any("RuntimeEnvAgent" in c for c in seen.values())
    proc.kill()
    proc.communicate(timeout=600)
    wait_for(lambda: not any(alive(p) for p in seen), 60,
             f"every Ray process of the killed search to end: {[(p, seen[p][:60]) for p in seen if alive(p)]}")


def test_the_raylet_killed_mid_run_ends_the_search_with_one_line_and_a_rerun_continues(ray_search, tmp_path):
    start, env = ray_search
    proc, seen = start()
    raylet = next(p for p, c in seen.items() if "raylet/raylet" in c)
    os.kill(raylet, signal.SIGKILL)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 2, err
    assert err.splitlines()[-1] == (f"nas-env: error: Ray's raylet on this machine (pid {raylet}) died (exit code -9; "
                                    "killed, or out of memory?); the search stopped: rerun the same command to "
                                    "continue")
    assert "Raylet is terminated" not in out + err and "Traceback" not in err
    wait_for(lambda: not any(alive(p) for p in seen), 600, "every Ray process of the stopped search to end")
    again = subprocess.run(command(tmp_path / "run", "process"), env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert [e["index"] for e in jsonl_records(tmp_path / "run" / "history.jsonl")] == list(range(BUDGET))
