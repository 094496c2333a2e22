"""Fault injection, continued (issue 22): the machine misbehaves under a real-training search with worker processes and
an evaluation store -- a second search on the same --out, the store held locked longer than its wait, a full disk under
the store, a worker killed while starting. Each ends in one line (and a rerun that continues exactly) or in exactly the
history of an uninterrupted run.

Every search is ``nas-env search`` in a subprocess on a tiny ZophLeCNN (2 layers, 400 training images, 1 epoch: about
a second per child); the faults are injected at points the test waits for (a paused search, a new process), never
after a sleep.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, jsonl_records, tiny_filesystem, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

ENV_KWARGS = {"num_layers": 2, "epochs": 1, "filter_sizes": [1, 3], "num_filters": [8, 16],
              "train_kwargs": {"max_train_samples": 400, "count_flops": False, "num_threads": 1}}
ENV = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
BUDGET = 8


def args(out: Path, *extra: str) -> list[str]:
    return ["search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(ENV_KWARGS), "--agent", "reinforce",
            "--agent-kwargs", '{"m": 2}', "--budget", str(BUDGET), "--seed", "3", "--out", str(out), "--no-progress",
            "--executor", "process", "--workers", "2", *extra]


def search(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nas_env.benchmarks.cli", *args(out, *extra)], env=ENV,
                          cwd=out.parent, capture_output=True, text=True, timeout=600)


def record(out: Path) -> list[tuple[str, float]]:
    return [(e["arch"], e["reward"]) for e in jsonl_records(out / "history.jsonl")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> list[tuple[str, float]]:
    """The history of the uninterrupted search."""
    out = tmp_path_factory.mktemp("reference") / "run"
    done = search(out)
    assert done.returncode == 0, done.stderr
    assert len(record(out)) == BUDGET
    return record(out)


def test_a_second_search_on_the_same_out_is_one_line_and_the_first_is_exact(tmp_path, paused_cli, reference):
    out = tmp_path / "run"
    first = paused_cli(args(out), "len(history) >= 2", env=ENV, cwd=tmp_path, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    assert first.wait_until_paused(timeout=300), first.proc.communicate()
    second = search(out)
    assert (second.returncode, second.stderr) == (2, f"nas-env: error: {out} is in use by pid {first.proc.pid}\n")
    first.resume()
    assert first.proc.wait(timeout=600) == 0, first.proc.communicate()
    assert record(out) == reference


def test_a_store_locked_longer_than_its_wait_is_one_line_and_a_rerun_continues_exactly(tmp_path, paused_cli,
                                                                                        reference):
    out = tmp_path / "run"
    first = paused_cli(args(out, "--store-wait", "1"), "len(history) >= 2", env=ENV, cwd=tmp_path,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert first.wait_until_paused(timeout=300), first.proc.communicate()
    holder = sqlite3.connect(out / "evaluations.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write
    try:
        first.resume()
        _, err = first.proc.communicate(timeout=600)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store = out / "evaluations.sqlite"
    assert first.proc.returncode == 2, err
    assert err.endswith(f"nas-env: evaluation store {store} is locked by another process; waiting up to 1 s for it\n"
                        f"nas-env: error: evaluation store {store} stayed locked by another process for 1 s (the "
                        "store's wait) while claiming a child to train; nothing was lost: rerun the same command to "
                        "continue (or wait longer: --store-wait SECONDS)\n"), err
    again = search(out, "--store-wait", "1")
    assert again.returncode == 0, again.stderr
    assert record(out) == reference


def test_a_full_disk_under_the_store_is_one_line_and_a_rerun_continues_exactly(tmp_path, paused_cli, reference):
    with tiny_filesystem(tmp_path / "fs", "4m"):
        out, store = tmp_path / "run", tmp_path / "fs" / "s.sqlite"
        first = paused_cli(args(out, "--store", str(store)), "len(history) >= 2", env=ENV, cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert first.wait_until_paused(timeout=300), first.proc.communicate()
        filler = tmp_path / "fs" / "filler"
        with open(filler, "wb") as f, pytest.raises(OSError):  # the disk is full now
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        first.resume()
        _, err = first.proc.communicate(timeout=600)
        assert first.proc.returncode == 2, err
        assert err == (f"nas-env: error: evaluation store {store}: the file system refused a write while claiming a "
                       "child to train (database or disk is full; a full disk?); nothing was lost: rerun the same "
                       "command to continue once there is space\n"), err
        filler.unlink()  # space freed
        again = search(out, "--store", str(store))
        assert again.returncode == 0, again.stderr
        assert record(out) == reference


def spawned_workers(pid: int) -> list[int]:
    """The executor's worker processes (``multiprocessing`` spawn children) of ``pid``."""
    try:
        kids = [int(k) for t in os.listdir(f"/proc/{pid}/task")
                for k in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
    except OSError:
        return []
    found = []
    for k in kids:
        try:
            cmdline = Path(f"/proc/{k}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            found.append(k)
    return found


def loaded_torch(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


def test_a_worker_killed_while_starting_is_started_again_and_the_search_is_exact(tmp_path, paused_cli, reference):
    out = tmp_path / "run"
    # paused after two recorded children, its workers alive: the search cannot end before the test looks (on a
    # slow or loaded machine it used to, and the test saw no workers)
    search = paused_cli(args(out), "len(history) >= 2", env=ENV, cwd=tmp_path, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
    proc = search.proc
    try:
        assert search.wait_until_paused(timeout=300), proc.communicate()
        workers = spawned_workers(proc.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)  # the executor starts a replacement
        search.resume()
        replacement: list[int] = []

        def started() -> bool:
            new = [p for p in spawned_workers(proc.pid) if p not in workers]
            if new:
                os.kill(new[0], signal.SIGSTOP)  # caught while it starts: it cannot report ready now
                replacement.append(new[0])
            return bool(new) or proc.poll() is not None

        wait_for(started, 300, "the replacement worker", poll=0.01)
        assert replacement, proc.communicate()
        if loaded_torch(replacement[0]):  # it got as far as importing torch: it might have reported ready
            os.kill(replacement[0], signal.SIGKILL)
            pytest.skip("the replacement was caught too late to be sure it was still starting")
        os.kill(replacement[0], signal.SIGKILL)  # dies while starting: the executor starts another
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "EOFError" not in err
    assert record(out) == reference
