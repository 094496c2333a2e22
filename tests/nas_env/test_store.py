"""The SQLite evaluation store and the cache in front of evaluators."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

import gymnasium as gym
import pytest

import nas_env  # noqa: F401
from nas_env.cache import attach_store
from nas_env.store import SCHEMA_VERSION, EvaluationStore, StoreError

SPACE = {"name": "s"}
EVAL = {"name": "e", "k": 1}


def test_put_get_roundtrip_and_hit_rate(tmp_path):
    path = tmp_path / "runs" / "evals.sqlite"
    with EvaluationStore(path, SPACE, EVAL) as store:
        assert store.get("a", 12, 0) is None
        store.put("a", 12, 0, {"status": "ok", "val_accuracy": 0.5, "cost_seconds": 3.0})
        store.put("a", 12, 0, {"status": "ok", "val_accuracy": 0.9})  # first write wins
        assert store.get("a", 12, 0)["val_accuracy"] == 0.5
        assert store.get("a", 200, 0) is None and store.get("a", 12, 1) is None
        assert len(store) == 1 and store.hits == 1 and store.misses == 3
    # reopened by another connection: the row is there, WAL mode on
    with EvaluationStore(path, SPACE, EVAL) as again:
        assert [r["arch"] for r in again.rows()] == ["a"]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_refuses_other_configuration_and_schema(tmp_path):
    path = tmp_path / "s.sqlite"
    EvaluationStore(path, SPACE, EVAL).close()
    with pytest.raises(StoreError, match="belongs to another configuration"):
        EvaluationStore(path, SPACE, {"name": "e", "k": 2})
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=f"schema version 99; this nas-env reads version {SCHEMA_VERSION}"):
        EvaluationStore(path, SPACE, EVAL)


def test_corrupt_store_is_reported_and_untouched(tmp_path):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=rf"{path.name} is corrupt or not a nas-env store"):
        EvaluationStore(path, SPACE, EVAL)
    assert path.read_bytes() == before
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(StoreError, match="not a nas-env evaluation store"):
        EvaluationStore(other, SPACE, EVAL)


def _writer(path: str, start: int) -> None:
    with EvaluationStore(path, SPACE, EVAL) as store:
        for i in range(start, start + 50):
            store.put(f"arch{i}", None, 0, {"status": "ok", "val_accuracy": i / 100})


def test_concurrent_writers_and_readers(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    EvaluationStore(path, SPACE, EVAL).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, k * 50)) for k in range(3)]
    for p in procs:
        p.start()
    with EvaluationStore(path, SPACE, EVAL) as reader:
        while any(p.is_alive() for p in procs):
            len(reader)  # reading while others write never fails
    for p in procs:
        p.join()
        assert p.exitcode == 0
    with EvaluationStore(path, SPACE, EVAL) as store:
        assert len(store) == 150


def test_env_served_from_store(tmp_path):
    env = gym.make("nas_env/NB201-v0", fidelity=12)
    store = attach_store(env, tmp_path / "nb.sqlite")
    env.reset(seed=0)
    rewards = []
    for _ in range(3):
        env.reset()
        for a in (3, 3, 3, 1, 3, 2):
            _, r, term, _, info = env.step(a)
        rewards.append(r)
        assert info["metrics"]["cached"] is (len(rewards) > 1)
    assert len(set(rewards)) == 1 and len(store) == 1 and store.hits == 2
    # the same path for another evaluator configuration is refused
    with pytest.raises(StoreError, match="another configuration"):
        attach_store(gym.make("nas_env/NB201-v0", dataset="cifar100"), tmp_path / "nb.sqlite")
