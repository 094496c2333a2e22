"""A user's agent, written to a folder on PYTHONPATH, through real ``nas-env`` processes (issue 25): ``benchmark
--agents random,MODULE:NAME`` in worker processes, interrupted (SIGINT) while a worker is mid-run, then rerun; and
``search --agent MODULE:NAME`` killed (SIGKILL) midway, then rerun: both end with exactly the histories of
uninterrupted runs. A script calling ``run_benchmark`` at its top level fails in one line naming what to add."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from nas_env.agents import Budget
from nas_env.benchmarks import get_protocol, run_benchmark, run_search
from nas_env.benchmarks.run.directory import run_dir
from tests.helpers import REPO, jsonl_records, wait_for

HILLCLIMB = (REPO / "docs" / "tutorials" / "hillclimb.py").read_text()
#: the test's instrument, appended to the user's module: in a process where HC_PAUSE_DIR is set, the history
#: writer stops after a run's 12th evaluation, says so in HC_PAUSE_DIR/paused, and waits there to be killed
PAUSE = """
import os as _os, time as _time
from pathlib import Path as _Path
if _os.environ.get("HC_PAUSE_DIR"):
    from nas_env.agents import history as _history
    _write = _history.HistoryWriter.__call__

    def _write_then_pause(self, ev, tracker):
        _write(self, ev, tracker)
        if ev.index + 1 == 12:
            (_Path(_os.environ["HC_PAUSE_DIR"]) / "paused").touch()
            while True:
                _time.sleep(0.05)

    _history.HistoryWriter.__call__ = _write_then_pause
"""
AGENTS = ["random", "hillclimb:hill-climb"]
SEEDS = [0, 1]


def environ(mods: Path, **extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(mods), str(REPO), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, **extra}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "nas_env.benchmarks.cli", *args]


def trace(path: Path) -> list[tuple]:
    return [(e["arch"], tuple(e["tokens"]), e["reward"]) for e in jsonl_records(path / "history.jsonl")]


def test_benchmark_interrupted_in_a_worker_then_rerun_matches_uninterrupted(tmp_path, user_module):
    mods = user_module("hillclimb", HILLCLIMB + PAUSE)
    args = ["benchmark", "--protocol", "fixed:nas_env/NB201-v0", "--agents", ",".join(AGENTS), "--seeds", "2",
            "--budget", "40", "--workers", "2", "--no-report", "--out", "b"]
    flags = tmp_path / "flags"
    flags.mkdir()
    first = subprocess.Popen(cli(*args), env=environ(mods, HC_PAUSE_DIR=str(flags)), cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (flags / "paused").exists() or first.poll() is not None, 600, "a worker to pause")
        assert (flags / "paused").exists(), first.communicate()[1]
        first.send_signal(signal.SIGINT)  # Ctrl-C while a run is at its 12th evaluation
        _, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, err
    assert "interrupted; rerun the same command to continue" in err
    partial = [trace(run_dir(tmp_path / "b", a, s)) for a in AGENTS for s in SEEDS]
    assert any(0 < len(t) < 40 for t in partial), [len(t) for t in partial]  # stopped mid-run

    again = subprocess.run(cli(*args), env=environ(mods), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    run_benchmark(get_protocol("fixed:nas_env/NB201-v0", budget=40), AGENTS, SEEDS, tmp_path / "ref", workers=0,
                  progress=False)  # uninterrupted, in this process (the module is on sys.path here too)
    for agent in AGENTS:
        for seed in SEEDS:
            got, ref = trace(run_dir(tmp_path / "b", agent, seed)), trace(run_dir(tmp_path / "ref", agent, seed))
            assert len(got) == 40 and got == ref, (agent, seed)


def test_search_killed_then_rerun_matches_uninterrupted(tmp_path, user_module, paused_cli):
    mods = user_module("hillclimb", HILLCLIMB)
    args = ["search", "--env", "nas_env/NB201-v0", "--agent", "hillclimb:hill-climb", "--budget", "60", "--seed", "5",
            "--out", "r", "--no-progress"]
    search = paused_cli(args, "len(history) >= 25", env=environ(mods), cwd=tmp_path,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert search.wait_until_paused(timeout=600)
    search.proc.send_signal(signal.SIGKILL)
    search.proc.wait()
    assert len(trace(tmp_path / "r")) == 25 and not (tmp_path / "r" / "summary.json").exists()
    done = subprocess.run(cli(*args), env=environ(mods), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "hill-climb (5)" in done.stdout  # the agent's registered name
    ref = run_search("nas_env/NB201-v0", {}, "hillclimb:hill-climb", {}, Budget(evaluations=60), 5, tmp_path / "ref",
                     progress=False)
    assert trace(tmp_path / "r") == [(e.arch, e.tokens, e.reward) for e in ref.history]


def test_a_script_calling_run_benchmark_at_its_top_level_fails_in_one_line(tmp_path, user_module):
    mods = user_module("hillclimb", HILLCLIMB)
    script = tmp_path / "bench.py"
    script.write_text("import hillclimb\n"
                      "from nas_env.benchmarks import get_protocol, run_benchmark\n"
                      "\n"
                      "run_benchmark(get_protocol('fixed:nas_env/NB201-v0', budget=5), ['random', 'hill-climb'],\n"
                      "              [0, 1], 'out', workers=2, progress=False)\n")
    done = subprocess.run([sys.executable, str(script)], env=environ(mods), cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1, done.stderr
    assert last.startswith("nas_env.benchmarks.harness.main_guard.MainGuardError: "), done.stderr
    assert f"line 4 of {script}" in last and 'put the call under `if __name__ == "__main__":`' in last
    assert not (tmp_path / "out").exists()
    # guarded, with the agent's module imported only inside the guard: the workers import it themselves
    script.write_text("from nas_env.benchmarks import get_protocol, run_benchmark\n"
                      "if __name__ == '__main__':\n"
                      "    import hillclimb\n"
                      "    outcomes = run_benchmark(get_protocol('fixed:nas_env/NB201-v0', budget=5),\n"
                      "                             ['random', 'hill-climb'], [0, 1], 'out', workers=2,\n"
                      "                             progress=False)\n"
                      "    print(sorted(o.status for o in outcomes))\n")
    done = subprocess.run([sys.executable, str(script)], env=environ(mods), cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.strip() == "['done', 'done', 'done', 'done']", done.stderr
