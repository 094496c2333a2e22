"""The evaluation store when the machine misbehaves (issue 22, defects 8 and 16): a store another process holds
locked, a full disk, a read-only file system, a directory given as the store. Each ends in one
:class:`StoreError` naming the store and how to continue, and changes nothing it was not asked to."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from nas_env.store import EvaluationStore, StoreError
from nas_env.store_access import StoreBusyError, StoreFullError, StoreReadOnlyError
from tests.helpers import tiny_filesystem, wait_for

SPACE, EVAL = {"space": 1}, {"evaluator": 1}
OK = {"status": "ok", "val_accuracy": 0.5}


def archs(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [a for (a,) in conn.execute("SELECT arch FROM evaluations ORDER BY id")]
    finally:
        conn.close()


def test_a_store_locked_past_its_wait_stops_with_one_line_and_changes_nothing(tmp_path, capfd):
    path = tmp_path / "s.sqlite"
    store = EvaluationStore(path, SPACE, EVAL, timeout=0.3)
    store.put("a", None, 0, OK)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
    with pytest.raises(StoreError, match=r"s\.sqlite stayed locked by another process for 0\.3 s .*rerun the same "
                                         r"command to continue \(or wait longer: --store-wait SECONDS\)") as info:
        store.put("b", None, 0, OK)
    assert isinstance(info.value, StoreBusyError)
    with pytest.raises(StoreBusyError, match="while claiming a child to train"):
        store.claims.claim("c", None, 0)
    err = capfd.readouterr().err
    assert err.count(f"nas-env: evaluation store {path} is locked by another process; waiting up to 0.3 s for it\n") \
        == 2, err  # once per wait
    assert store.get("a", None, 0) == OK  # reading needs no lock (WAL)
    holder.execute("ROLLBACK")
    store.put("b", None, 0, OK)  # the same call again: nothing was half-written
    assert archs(path) == ["a", "b"]
    store.close()


def test_a_store_locked_within_its_wait_is_waited_for(tmp_path):
    path = tmp_path / "s.sqlite"
    EvaluationStore(path, SPACE, EVAL).close()
    waiting = threading.Event()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO meta VALUES ('note', 'held')")
    errors: list[BaseException] = []

    def put() -> None:  # another searcher (a connection belongs to its thread)
        try:
            with EvaluationStore(path, SPACE, EVAL, timeout=600, notify=lambda line: waiting.set()) as store:
                store.put("a", None, 0, OK)
        except BaseException as exc:  # reported below
            errors.append(exc)

    writer = threading.Thread(target=put)
    writer.start()
    wait_for(lambda: waiting.is_set() or not writer.is_alive(), 600, "the store to say that it waits")
    assert waiting.is_set(), errors
    holder.execute("COMMIT")  # released within the wait: the write goes through
    writer.join(120)
    assert not errors and archs(path) == ["a"]


def test_a_full_disk_under_the_store_is_one_error_and_the_store_stays_exact(tmp_path):
    with tiny_filesystem(tmp_path / "fs", "256k") as remount:
        path = tmp_path / "fs" / "s.sqlite"
        store = EvaluationStore(path, SPACE, EVAL)
        big = {**OK, "notes": "x" * 3000}
        written = []
        with pytest.raises(StoreError, match=r"s\.sqlite: the file system refused a write while writing an "
                                             r"evaluation \(database or disk is full; a full disk\?\); nothing was "
                                             r"lost: rerun the same command to continue once there is space") as info:
            for i in range(1000):
                store.put(f"a{i}", None, 0, big)
                written.append(f"a{i}")
        assert isinstance(info.value, StoreFullError) and 5 < len(written) < 1000
        assert [r["arch"] for r in store.rows()] == written  # the refused write left nothing behind
        remount("size=16m")  # space freed: the same write goes through
        store.put(f"a{len(written)}", None, 0, big)
        assert len(store) == len(written) + 1
        store.close()


def test_a_valid_store_on_a_read_only_file_system_is_called_read_only(tmp_path):
    with tiny_filesystem(tmp_path / "fs", "1m") as remount:
        path = tmp_path / "fs" / "s.sqlite"
        with EvaluationStore(path, SPACE, EVAL) as store:
            store.put("a", None, 0, OK)
        remount("ro")
        with pytest.raises(StoreError) as info:
            EvaluationStore(path, SPACE, EVAL)
        message = str(info.value)
        assert isinstance(info.value, StoreReadOnlyError), message
        assert "not a nas-env" not in message and "corrupt" not in message
        assert f"evaluation store {path} is on a read-only file system or is read-only" in message
        assert "copy it (with any s.sqlite-wal) to a writable place and pass that path, or open it read-only" \
            in message.lower()
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)  # the way the message names
        assert [a for (a,) in conn.execute("SELECT arch FROM evaluations")] == ["a"]
        conn.close()


def test_a_directory_given_as_the_store_is_called_a_directory(tmp_path):
    with pytest.raises(StoreError, match=rf"evaluation store {tmp_path} is a directory, not a store file: pass the "
                                         rf"path of a file, e.g. {tmp_path / 'evaluations.sqlite'}"):
        EvaluationStore(tmp_path, SPACE, EVAL)
    assert list(tmp_path.iterdir()) == []
