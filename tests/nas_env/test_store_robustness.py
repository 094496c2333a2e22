"""The evaluation store under abuse: concurrent creation, foreign files, machine failures, leaked connections."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import sqlite3
import time
from typing import Any

import gymnasium as gym
import pytest

import nas_env  # noqa: F401  (registers the envs)
from nas_env.cache import attach_store
from nas_env.evaluators import FunctionEvaluator
from nas_env.evaluators.base import failure_metrics
from nas_env.executors import ProcessExecutor, Request
from nas_env.store import EvaluationStore, StoreError
from tests.helpers import wait_for


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_env_close_closes_the_attached_store(tmp_path):
    gc.disable()  # the leak was hidden by garbage collection
    try:
        env = gym.make("nas_env/Synthetic-v0")
        before = open_fds()
        for i in range(200):
            store = attach_store(env, tmp_path / "s.sqlite")
            env.reset(seed=i)
            env.close()
        assert open_fds() - before <= 2
        assert store.closed
    finally:
        gc.enable()


def _open_and_put(path: str, name: str, barrier: Any, errors: Any) -> None:
    try:
        barrier.wait(10)
        with EvaluationStore(path, {"space": 1}, {"evaluator": 1}, timeout=600) as store:
            store.put(name, None, 0, {"status": "ok", "val_accuracy": 0.5})
    except Exception as exc:  # reported to the parent
        errors.put(f"{type(exc).__name__}: {exc}")


def test_many_processes_create_one_new_store_at_once(tmp_path):
    ctx = mp.get_context("fork")
    errors = ctx.Queue()
    for trial in range(25):
        path = str(tmp_path / f"s{trial}.sqlite")
        barrier = ctx.Barrier(6)
        procs = [ctx.Process(target=_open_and_put, args=(path, f"a{i}", barrier, errors)) for i in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0] * 6
        assert errors.empty(), errors.get()
        with EvaluationStore(path, {"space": 1}, {"evaluator": 1}) as store:
            assert sorted(r["arch"] for r in store.rows()) == [f"a{i}" for i in range(6)]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == \
        sorted(f"s{t}.sqlite" for t in range(25))  # no temporary file left behind


def test_a_foreign_sqlite_file_is_left_untouched(tmp_path):
    path = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a nas-env evaluation store"):
        EvaluationStore(path, {"space": 1}, {"evaluator": 1})
    assert path.read_bytes() == before  # still in rollback-journal mode, not switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.sqlite"]


def test_machine_failures_are_kept_in_the_record_but_retried(tmp_path):
    store = EvaluationStore(tmp_path / "s.sqlite", {"space": 1}, {"evaluator": 1})
    killed = failure_metrics("failed", "worker pid 7 died (exit code -9)", attempts=3, transient=True)
    store.put("a", None, 0, killed, attempts=3)
    store.put("b", None, 0, failure_metrics("failed", "ValueError: the child's own bug"))
    assert store.get("a", None, 0) is None and store.get("b", None, 0)["status"] == "failed"
    assert [r["status"] for r in store.rows()] == ["retry", "failed"]
    store.put("a", None, 0, {"status": "ok", "val_accuracy": 0.75})  # trained again, on a healthy machine
    assert store.get("a", None, 0)["val_accuracy"] == 0.75
    assert [(r["arch"], r["status"], r["attempts"]) for r in store.rows()] == [("a", "ok", 4), ("b", "failed", 1)]
    store.put("a", None, 0, {"status": "ok", "val_accuracy": 0.1})  # first finished result wins
    assert store.get("a", None, 0)["val_accuracy"] == 0.75
    store.close()


def test_executor_timeouts_and_dead_workers_are_transient():
    ev = FunctionEvaluator(lambda arch, fidelity=None, seed=None: 0.5 if str(arch) == "ok" else os._exit(1),
                           pass_context=True)
    with ProcessExecutor(ev, num_workers=1, max_retries=0, start_method="fork") as pool:
        died, ok = pool.evaluate([Request("die", None, 0), Request("ok", None, 0)])
    assert died["status"] == "failed" and died["transient"] is True and "died" in died["error"]
    assert ok["status"] == "ok" and "transient" not in ok


#: the claims' lifetime in these tests: a heartbeat (every TTL / 3) that stalls for 2/3 of it on a machine with busy
#: cores would let a live owner's claim lapse
TTL = 2.0
#: the lifetime of a crashed owner's claim that the test checks is still held: no stall of the test lets it expire
LONG_TTL = 3600.0


def _claim_and_crash(path: str, owner: str, arch: str, ttl: float) -> None:
    store = EvaluationStore(path, {"space": 1}, {"evaluator": 1}, claim_ttl=ttl, owner=owner)
    assert store.claims.claim(arch, None, 0)
    os._exit(0)  # no clean-up: the claim stays until it expires


def test_claims_expire_unless_renewed_and_a_returning_owner_takes_its_own_over(tmp_path):
    path = str(tmp_path / "s.sqlite")
    a = EvaluationStore(path, {"space": 1}, {"evaluator": 1}, claim_ttl=TTL, owner="a")
    b = EvaluationStore(path, {"space": 1}, {"evaluator": 1}, claim_ttl=TTL, owner="b")
    assert a.claims.claim("x", None, 0) and not b.claims.claim("x", None, 0) and a.claims.claim("x", None, 0)
    first_expiry = time.time() + TTL

    def renewed_past_its_ttl() -> bool:  # a lives: its heartbeat keeps the claim live past its first expiry
        assert a.claims.held() == 1, "the live owner's claim lapsed"
        return time.time() > first_expiry

    wait_for(renewed_past_its_ttl, 600, "the claim's first ttl to pass")
    assert not b.claims.claim("x", None, 0) and a.claims.held() == 1
    a.put("x", None, 0, {"status": "ok", "val_accuracy": 0.5})
    assert not b.claims.claim("x", None, 0) and a.claims.held() == 0  # done: nothing left to train
    ctx = mp.get_context("fork")
    for owner, ttl in (("crashed", TTL), ("crashed-long", LONG_TTL), ("run-dir", LONG_TTL)):
        p = ctx.Process(target=_claim_and_crash, args=(path, owner, owner, ttl))
        p.start()
        p.join(600)
        assert p.exitcode == 0
    assert not b.claims.claim("crashed-long", None, 0)  # a crashed owner's claim stays until it expires
    again = EvaluationStore(path, {"space": 1}, {"evaluator": 1}, claim_ttl=TTL, owner="run-dir")
    assert again.claims.claim("run-dir", None, 0)  # a resumed run takes its own claim over at once
    wait_for(lambda: b.claims.claim("crashed", None, 0), 600, "the crashed owner's claim to expire")  # taken over
    a.claims.claim("y", None, 0)
    a.close()  # a clean close releases
    assert b.claims.claim("y", None, 0)
    for s in (b, again):
        s.close()
