"""A benchmark exported to SQLite opens in a real optuna-dashboard (issue 26, "Show"): the test starts the
``optuna-dashboard`` command on a free port of 127.0.0.1, reads the studies and their trials back through the
dashboard's HTTP API (``GET /api/studies``, ``GET /api/studies/<id>``: optuna_dashboard/_app.py) and stops the
server by its PID."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nas_env.benchmarks.cli import main
from tests.helpers import wait_for

pytest.importorskip("optuna")


def dashboard_command() -> list[str]:
    """The ``optuna-dashboard`` console script, or what it runs (its entry point) with this interpreter."""
    found = shutil.which("optuna-dashboard") or shutil.which("optuna-dashboard", path=str(Path(sys.executable).parent))
    if found is not None:
        return [found]
    pytest.importorskip("optuna_dashboard", reason="optuna-dashboard is not installed (pip install optuna-dashboard)")
    return [sys.executable, "-c", "import sys; from optuna_dashboard._cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, route: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def answers(port: int, proc: subprocess.Popen) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"optuna-dashboard exited with status {proc.returncode}: {proc.stderr.read()}")
    try:
        get(port, "/api/meta")
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_optuna_dashboard_serves_the_exported_benchmark(tmp_path, capsys):
    command = dashboard_command()
    bench, db = tmp_path / "b", tmp_path / "bench.db"
    assert main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", "random,evolution", "--seeds",
                 "2", "--budget", "7", "--workers", "0", "--no-progress", "--no-report", "--out", str(bench)]) == 0
    rm = bench / "runs" / "evolution" / "seed1" / "history.jsonl"
    rm.write_text("".join(rm.read_text().splitlines(keepends=True)[:4]))  # an interrupted run: 4 evaluations
    assert main(["export", str(bench), "--optuna", f"sqlite:///{db}"]) == 0
    assert capsys.readouterr().out.endswith(f"open it:  optuna-dashboard sqlite:///{db}\n")
    expected = {"random/seed0": 7, "random/seed1": 7, "evolution/seed0": 7, "evolution/seed1": 4}

    port = free_port()
    proc = subprocess.Popen([*command, f"sqlite:///{db}", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: answers(port, proc), 600, "optuna-dashboard to answer")
        studies = get(port, "/api/studies")["study_summaries"]
        assert {s["study_name"]: s["directions"] for s in studies} == {name: ["maximize"] for name in expected}
        for s in studies:
            detail = get(port, f"/api/studies/{s['study_id']}")
            trials = detail["trials"]
            assert len(trials) == expected[s["study_name"]]
            assert [t["number"] for t in trials] == list(range(len(trials)))
            assert all(t["state"] == "Complete" for t in trials)
            assert [p["name"] for p in trials[0]["params"]] == ["edge_1<-0", "edge_2<-0", "edge_2<-1", "edge_3<-0",
                                                                 "edge_3<-1", "edge_3<-2"]
            assert {a["key"] for a in trials[0]["user_attrs"]} >= {"test_accuracy", "cost_seconds", "status"}
            assert len(detail["best_trials"]) == 1
    finally:
        proc.terminate()  # by its PID
        try:
            proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode is not None
