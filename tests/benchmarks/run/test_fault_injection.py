"""Fault injection on real-training searches: kills of the parent and of workers, Ctrl-C, many searchers.

Every test runs ``nas-env search`` as a subprocess on a tiny ZophLeCNN (2 layers, 400 training
images, 1 epoch: about a second per child) with worker processes and an evaluation store.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO, jsonl_records, process_tree, wait_for

ENV_KWARGS = {"num_layers": 2, "epochs": 1, "filter_sizes": [1, 3], "num_filters": [8, 16],
              "train_kwargs": {"max_train_samples": 400, "count_flops": False, "num_threads": 1}}
ENV = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


#: Runs the rest of the command line with SIGINT at its default, as in a terminal. A suite started in the
#: background of a non-interactive shell (e.g. `(python -m pytest &)`) ignores SIGINT, every child inherits
#: that, and the Ctrl-C test would then measure the shell, not nas-env. (SIG_DFL survives the exec.)
WITH_DEFAULT_SIGINT = ["-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                       "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"]


def command(out: Path, budget: int, *extra: str, workers: int = 2, epochs: int = 1) -> list[str]:
    executor = ["--executor", "process", "--workers", str(workers)] if workers else ["--executor", "none"]
    kwargs = {**ENV_KWARGS, "epochs": epochs}
    return [sys.executable, *WITH_DEFAULT_SIGINT, "-m", "nas_env.benchmarks.cli", "search", "--env",
            "nas_env/ZophLeCNN-v0",
            "--env-kwargs", json.dumps(kwargs), "--agent", "reinforce", "--agent-kwargs", '{"m": 2}',
            "--budget", str(budget), "--seed", "3", "--out", str(out), "--no-progress", *executor, *extra]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited (the container's PID 1 may not reap it)


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def start_until(cmd: list[str], out: Path, evaluations: int, tree: set[int]) -> subprocess.Popen:
    """Start a search in its own session and wait until it has rewritten ``out``'s history (a resumed run
    replaces the file, dropping lines beyond the checkpoint) and holds ``evaluations`` lines, or it ended;
    ``tree`` collects every process seen below it meanwhile."""
    history, before = out / "history.jsonl", inode(out / "history.jsonl")
    proc = subprocess.Popen(cmd, env=ENV, cwd=out.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)

    def progressed() -> bool:
        tree.update(process_tree(proc.pid))
        ours = inode(history) not in (None, before)
        return (ours and len(jsonl_records(history)) >= evaluations) or proc.poll() is not None

    wait_for(progressed, 600, f"{evaluations} evaluations in {out}")
    tree.update(process_tree(proc.pid))
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "Ctrl-C"])
def test_workers_exit_with_the_parent_and_ctrl_c_is_one_line(tmp_path, how):
    out, workers = tmp_path / "run", set()
    # children of several seconds: a worker that outlived its parent would still be training when checked
    proc = start_until(command(out, 40, epochs=25), out, 2, workers)
    assert len(workers) >= 2 and proc.poll() is None
    if how == "SIGKILL":
        proc.kill()
    else:  # a terminal's Ctrl-C reaches the whole process group
        os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=600)  # (not communicate(): it would wait for orphaned workers to close their stderr)
    wait_for(lambda: not any(alive(p) for p in workers), 1.5, f"workers {sorted(workers)} to exit after {how}")
    _, err = proc.communicate(timeout=600)
    if how == "Ctrl-C":
        assert proc.returncode == 130
        assert err == "nas-env: interrupted; rerun the same command to continue\n", err


def trainings(histories: list[list[dict]]) -> dict[tuple[str, int], int]:
    """How often each child was trained (``cached`` false) across the given histories."""
    count: dict[tuple[str, int], int] = {}
    for history in histories:
        for e in history:
            if not e["metrics"].get("cached"):
                key = (e["arch"], 0)
                count[key] = count.get(key, 0) + 1
    return count


def store_rows(path: Path) -> list[tuple[str, str]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT arch, status FROM evaluations ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_four_searchers_share_one_new_store_without_training_a_child_twice(tmp_path):
    store = tmp_path / "shared.sqlite"
    procs = [subprocess.Popen(command(tmp_path / f"r{k}", 6, "--store", str(store), workers=0), env=ENV, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for k in range(4)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    histories = [jsonl_records(tmp_path / f"r{k}" / "history.jsonl") for k in range(4)]
    assert all(len(h) == 6 for h in histories)
    assert [(e["arch"], e["reward"]) for e in histories[0]] == [(e["arch"], e["reward"]) for e in histories[3]]
    rows = store_rows(store)
    archs = {e["arch"] for h in histories for e in h}
    assert sorted(a for a, _ in rows) == sorted(archs) and all(s == "ok" for _, s in rows)  # none lost or doubled
    assert set(trainings(histories).values()) == {1}  # each child trained by exactly one of the four


def checkpointed(out: Path) -> int:
    """Evaluations in ``out``'s checkpoint (where a resumed run continues)."""
    from nas_env.benchmarks.run.state_codec import decode

    path = out / "checkpoint.npz"
    return int(decode(path.read_bytes())["num_evaluations"]) if path.exists() else 0


def workers_of(pid: int) -> list[int]:
    """The executor's worker processes below ``pid`` (not multiprocessing's resource tracker)."""
    found = []
    for p in sorted(process_tree(pid)):
        try:
            cmdline = Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            found.append(p)
    return found


@pytest.mark.slow
def test_sigkill_parent_and_workers_at_random_points_then_resume_exactly(tmp_path):
    rng = random.Random(15)
    budget, out, shared = 10, tmp_path / "run", tmp_path / "shared.sqlite"
    # the reference trains in the search's own process (--executor none): the killed and resumed searches with
    # worker processes must give its exact history, and it starts no workers of its own
    ref = subprocess.run(command(tmp_path / "ref", budget, "--store", str(tmp_path / "ref.sqlite"), workers=0),
                         env=ENV, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert ref.returncode == 0, ref.stderr
    tree: set[int] = set()
    killed = []
    for victim in ("parent", "worker", "parent", "worker", "parent"):
        start, before = checkpointed(out), inode(out / "history.jsonl")
        # a child stored as "retry" (its worker was killed: the machine's fault, not the child's) is trained again
        known = {arch for arch, st in store_rows(shared) if st != "retry"} if shared.exists() else set()
        proc = start_until(command(out, budget, "--store", str(shared)), out, start + rng.randint(0, 2), tree)
        time.sleep(rng.uniform(0.0, 1.5))  # a random kill point (chosen, not waited for): anywhere in training
        if victim == "worker" and proc.poll() is None and workers_of(proc.pid):
            os.kill(rng.choice(workers_of(proc.pid)), signal.SIGKILL)  # the executor retries its child
            killed.append("worker")
            time.sleep(rng.uniform(0.5, 2.0))
        if proc.poll() is None:
            proc.kill()
            killed.append("parent")
        proc.communicate(timeout=600)
        # a process killed before it reached the resume (imports take a while under load) wrote nothing: the
        # lines beyond the checkpoint are still the previous process's, which trained them
        rewritten = inode(out / "history.jsonl") != before
        new = jsonl_records(out / "history.jsonl")[start:] if rewritten else []
        assert all(e["metrics"].get("cached") for e in new if e["arch"] in known), "a stored child was retrained"
    assert killed.count("parent") >= 3 and "worker" in killed, killed
    known = {arch for arch, st in store_rows(shared) if st != "retry"}
    start = checkpointed(out)
    done = subprocess.run(command(out, budget, "--store", str(shared)), env=ENV, cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    history = jsonl_records(out / "history.jsonl")
    assert [e["index"] for e in history] == list(range(budget))
    assert all(e["metrics"].get("cached") for e in history[start:] if e["arch"] in known)
    assert [(e["arch"], e["reward"]) for e in history] == [(e["arch"], e["reward"]) for e in
                                                           jsonl_records(tmp_path / "ref" / "history.jsonl")]
    assert set(trainings([history]).values()) == {1}
    assert sorted(a for a, _ in store_rows(shared)) == sorted({e["arch"] for e in history})
    wait_for(lambda: not any(alive(p) for p in tree), 60, f"no process left behind of {sorted(tree)}")
