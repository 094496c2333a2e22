"""A run directory keeps its history and is searched by one process at a time (issue 22, defects 5, 6, 14)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nas_env.benchmarks.cli import main
from tests.helpers import REPO


def search(out: Path | str, budget: int = 12, *extra: str, agent: str = "random") -> int:
    return main(["search", "--env", "nas_env/NB201-v0", "--agent", agent, "--budget", str(budget),
                 "--out", str(out), "--no-progress", *extra])


@pytest.mark.parametrize("budget", [5, 20, 30])
def test_a_missing_checkpoint_never_truncates_the_history(tmp_path, capsys, budget):
    """Defect 5: without checkpoint.npz a finished run restarted from zero (smaller budget: the history cut to it)."""
    out = tmp_path / "r"
    assert search(out, 20, agent="evolution") == 0
    history = (out / "history.jsonl").read_text()
    (out / "checkpoint.npz").unlink()
    capsys.readouterr()
    assert search(out, budget, agent="evolution") == 2
    err = capsys.readouterr().err
    assert f"{out / 'checkpoint.npz'} is missing" in err and "20 evaluations" in err and "history.jsonl" in err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert (out / "history.jsonl").read_text() == history


def test_a_run_killed_before_its_first_checkpoint_still_starts_again(tmp_path, capsys):
    """A new run writes a start checkpoint first: history lines after it are unseen and are replayed."""
    out, ref = tmp_path / "r", tmp_path / "ref"
    assert search(out, 3, agent="evolution") == 0
    lines = (out / "history.jsonl").read_text().splitlines(keepends=True)
    (out / "summary.json").unlink()
    (out / "checkpoint.npz").unlink()
    (out / "history.jsonl").write_text("")
    assert search(out, 3, agent="evolution") == 0  # an empty history: a new run (writes the start checkpoint)
    (out / "summary.json").unlink()
    (out / "history.jsonl").write_text("".join(lines[:2]))
    from nas_env.benchmarks.run.checkpointer import write_start
    write_start(out / "checkpoint.npz")  # killed after two evaluations, before the first real checkpoint
    assert search(out, 10, agent="evolution") == 0, capsys.readouterr().err
    assert search(ref, 10, agent="evolution") == 0
    assert (out / "history.jsonl").read_text().count("\n") == 10
    archs = [json.loads(x)["arch"] for x in (out / "history.jsonl").read_text().splitlines()]
    assert archs == [json.loads(x)["arch"] for x in (ref / "history.jsonl").read_text().splitlines()]


def test_a_directory_in_use_is_refused_and_a_dead_holder_is_taken_over(tmp_path, capsys):
    """Defect 6: two searches on one --out both ran; the second now stops in one line, touching nothing."""
    from nas_env.benchmarks.run.lock import DirLock

    out = tmp_path / "r"
    assert search(out, 10) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    held = DirLock(out)  # another search holds it (flock: a second open file in this process conflicts too)
    try:
        assert search(out, 20) == 2
        err = capsys.readouterr().err
        assert f"nas-env: error: {out} is in use by pid {os.getpid()}" in err and err.count("\n") == 1, err
        assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".lock"} == before
    finally:
        held.release()
    assert not (out / ".lock").exists()
    (out / ".lock").write_text("999999999\n")  # left by a SIGKILLed search: its flock died with it
    assert search(out, 20) == 0, capsys.readouterr().err
    assert not (out / ".lock").exists()
    assert json.loads((out / "summary.json").read_text())["num_evaluations"] == 20


def test_a_second_search_process_is_refused_while_the_first_runs(tmp_path, paused_cli):
    out = tmp_path / "r"
    args = ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "50", "--out", str(out),
            "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    first = paused_cli(args, "len(history) >= 10", env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    try:
        assert first.wait_until_paused(timeout=600)
        second = subprocess.run([sys.executable, "-m", "nas_env.benchmarks.cli", *args], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=600)
        assert second.returncode == 2
        assert second.stderr == f"nas-env: error: {out} is in use by pid {first.proc.pid}\n"
    finally:
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
    assert search(out, 50) == 0  # the killed holder's lock died with it
    assert (out / "history.jsonl").read_text().count("\n") == 50


def test_benchmark_runs_a_repeated_agent_spec_once(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", "random,random,random",
                 "--seeds", "1", "--budget", "5", "--workers", "0", "--no-progress", "--no-report",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "dropped repeated agent spec(s) ['random']" in captured.err
    assert "1 of 1 runs finished" in captured.out
    assert json.loads((out / "benchmark.json").read_text())["agents"] == ["random"]


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("reward", None, "field 'reward' must be a number, got None"),
    ("metrics", None, "field 'metrics' must be an object, got None"),
    ("tokens", "x", "field 'tokens' must be a list of ints, got 'x'"),
    ("best_reward", None, "field 'best_reward' is missing"),
])
@pytest.mark.parametrize("last", [False, True])
def test_a_hand_edited_history_line_is_one_line_naming_the_file_line_and_field(tmp_path, capsys, field, value,
                                                                               needle, last):
    """Defect 14: ``"reward": null`` gave a TypeError traceback in report and resume, ``"metrics": null`` an
    AttributeError; whole JSON is an edit, not a torn write, even on the last line."""
    out = tmp_path / "r"
    assert search(out, 6) == 0
    path = out / "history.jsonl"
    lines = path.read_text().splitlines()
    n = len(lines) if last else 3
    entry = json.loads(lines[n - 1])
    if needle.endswith("is missing"):
        del entry[field]
    else:
        entry[field] = value
    lines[n - 1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    for argv in (["report", str(out)], ["search", "--env", "nas_env/NB201-v0", "--agent", "random", "--budget", "9",
                                        "--out", str(out), "--no-progress"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"{path}: line {n} is not a history entry: {needle}" in err, err
        assert "Traceback" not in err and err.count("\n") == 1, err
    assert path.read_text().splitlines() == lines  # never rewritten


@pytest.mark.parametrize(("state", "needle"), [
    ([1, 2, 3], "it holds a list, not a dict"),
    ("drop agent", "field 'agent' is missing"),
    ("num_evaluations=None", "field 'num_evaluations' must be an int, got NoneType"),
])
def test_a_hand_edited_checkpoint_is_one_line_naming_the_file_and_field(tmp_path, capsys, state, needle):
    """Defect 14: a checkpoint holding a list or missing a key gave a TypeError/KeyError traceback."""
    from nas_env.benchmarks.run.state_codec import decode, encode

    out = tmp_path / "r"
    assert search(out, 6) == 0
    path = out / "checkpoint.npz"
    saved = decode(path.read_bytes())
    if state == "drop agent":
        del saved["agent"]
        state = saved
    elif state == "num_evaluations=None":
        state = {**saved, "num_evaluations": None}
    path.write_bytes(encode(state))
    capsys.readouterr()
    for budget in (6, 9):  # re-report the finished run, extend it
        assert search(out, budget) == 2
        err = capsys.readouterr().err
        assert f"{path} is not a nas-env checkpoint: {needle}" in err, err
        assert "Traceback" not in err and err.count("\n") == 1, err
