"""Claims with expiry in an evaluation store: a child being trained by one process is not started by another.

Several searches sharing one store (the Optuna-RDB way of parallelising) would otherwise train the
same child at the same time. Before training a child that the store lacks, a process *claims*
it: one row of table ``claims`` (arch, fidelity, seed, owner, expires), written in the same
``BEGIN IMMEDIATE`` transaction that checks that nobody else holds a live claim and that no result
exists. Others wait for the result instead (:meth:`Claims.claim` is false for them).

A claim lives ``ttl`` seconds and a heartbeat thread of its owner renews it every ``ttl / 3``
seconds while the owner lives, so a crashed claimant's children are taken over by the others
at most ``ttl`` seconds later. An owner that comes back (a resumed run passes the same ``owner``,
e.g. its run directory) takes its own claims over at once. Writing the result deletes the
claim (:meth:`nas_env.store.EvaluationStore.put`); a clean close releases the owner's claims.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from nas_env.store_access import StoreAccess
from nas_env.validation import check_real

__all__ = ["CLAIMS_DDL", "DEFAULT_TTL", "Claims", "default_owner"]

DEFAULT_TTL = 60.0
CLAIMS_DDL = """CREATE TABLE IF NOT EXISTS claims (
    arch TEXT NOT NULL,
    fidelity TEXT NOT NULL,
    seed INTEGER NOT NULL,
    owner TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (arch, fidelity, seed)
)"""


def default_owner() -> str:
    """``host:pid:random``: unique to this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _fidelity_json(fidelity: Any) -> str:
    return json.dumps(fidelity, sort_keys=True, separators=(",", ":"), default=str)


class Claims:
    """The claims of one owner in the store at ``conn`` (the store's connection; see the module docstring).
    ``access`` runs each operation (waits for a busy store, turns failures into ``StoreError``)."""

    def __init__(self, conn: sqlite3.Connection, path: str, ttl: float = DEFAULT_TTL, owner: str | None = None,
                 access: StoreAccess | None = None):
        self._conn, self._path = conn, path
        self._access = access or StoreAccess(Path(path), 30.0)
        self._timeout = self._access.wait
        self.ttl = check_real("claim ttl (seconds)", ttl, low=0, low_open=True)
        self.owner = owner or default_owner()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def claim(self, arch: str, fidelity: Any, seed: int) -> bool:
        """Claim a child for training: false when its result exists or another owner holds a live claim."""
        key = (arch, _fidelity_json(fidelity), int(seed))
        if self._access.call(lambda: self._claim(key), "claiming a child to train"):
            self._start_heartbeat()
            return True
        return False

    def _claim(self, key: tuple[str, str, int]) -> bool:
        now = time.time()
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            done = self._conn.execute(
                "SELECT 1 FROM evaluations WHERE arch = ? AND fidelity = ? AND seed = ? AND status != 'retry'", key
            ).fetchone()
            if done is not None:
                return False
            held = self._conn.execute(
                "SELECT owner, expires FROM claims WHERE arch = ? AND fidelity = ? AND seed = ?", key).fetchone()
            if held is not None and held[0] != self.owner and held[1] > now:
                return False
            self._conn.execute(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?) ON CONFLICT (arch, fidelity, seed) DO UPDATE SET "
                "owner = excluded.owner, expires = excluded.expires", (*key, self.owner, now + self.ttl))
        return True

    def release(self, arch: str, fidelity: Any, seed: int) -> None:
        """Give a claim up without a result (the training was abandoned; it expires anyway if this fails)."""
        try:
            with self._conn:
                self._conn.execute("DELETE FROM claims WHERE arch = ? AND fidelity = ? AND seed = ? AND owner = ?",
                                   (arch, _fidelity_json(fidelity), int(seed), self.owner))
        except sqlite3.Error:
            pass

    def held(self) -> int:
        """How many live claims this owner holds."""
        return int(self._conn.execute("SELECT COUNT(*) FROM claims WHERE owner = ? AND expires > ?",
                                      (self.owner, time.time())).fetchone()[0])

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None:
            self._heartbeat = threading.Thread(target=self._renew, name="nas-env-claims", daemon=True)
            self._heartbeat.start()

    def _renew(self) -> None:
        conn = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
        try:
            while not self._stop.wait(self.ttl / 3):
                try:
                    conn.execute("UPDATE claims SET expires = ? WHERE owner = ?", (time.time() + self.ttl, self.owner))
                except sqlite3.Error:
                    pass  # busy past the timeout: the next beat renews
        finally:
            conn.close()

    def close(self) -> None:
        """Stop renewing and release this owner's claims (a crashed owner's simply expire)."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        try:
            with self._conn:
                self._conn.execute("DELETE FROM claims WHERE owner = ?", (self.owner,))
        except sqlite3.Error:
            pass
