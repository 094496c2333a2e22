"""A persistent evaluation store in SQLite: every finished evaluation, written the moment it finishes.

One store belongs to one *configuration*: the search space's ``config()`` and
the evaluator's ``config()``. Rows are keyed by (canonical architecture,
fidelity, seed). Opening a store with another configuration, another schema
version, or a file that is not a valid store raises :class:`StoreError` naming
the path and never touches the file.

Concurrency: WAL journal mode, one short transaction per write; several
processes may read while one writes (SQLite serialises writers; a busy
database is retried for ``timeout`` seconds).

======================  ==========================================================
table ``evaluations``   one row per finished evaluation
``arch``                canonical string (``str(arch)``)
``fidelity``            JSON of the fidelity (``null`` when the evaluator has none)
``seed``                training seed (integer)
``status``              ``ok`` or a failure status
``metrics``             JSON of the metrics dict
``cost_seconds``        the evaluation's cost
``attempts``            how many times the child was started (retries after worker death)
``created``             UNIX time of the write
======================  ==========================================================
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_VERSION", "EvaluationStore", "StoreError"]

SCHEMA_VERSION = 1


class StoreError(RuntimeError):
    """The store file is corrupt, from another schema version, or for another configuration."""


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class EvaluationStore:
    """SQLite-backed map (arch, fidelity, seed) -> metrics for one space/evaluator configuration.

    Args:
        path: the SQLite file (created if missing, with its folder).
        space_config: ``space.config()`` of the search.
        evaluator_config: ``evaluator.config()`` of the search.
        timeout: seconds to wait on a locked database.
    """

    def __init__(self, path: str | os.PathLike, space_config: dict, evaluator_config: dict, timeout: float = 30.0):
        self.path = Path(path)
        self.config = {"space": space_config, "evaluator": evaluator_config}
        self._config_json = _canonical_json(self.config)
        self.hits = 0
        self.misses = 0
        existed = self.path.exists() and self.path.stat().st_size > 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            if existed:
                self._check_existing()
            else:
                self._create()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"evaluation store {self.path} is corrupt or not a nas-env store ({exc}); "
                "it was left untouched: move it away or pass another path"
            ) from exc

    # ------------------------------------------------------------ schema
    def _create(self) -> None:
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._conn.execute(
                """CREATE TABLE IF NOT EXISTS evaluations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    arch TEXT NOT NULL,
                    fidelity TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    metrics TEXT NOT NULL,
                    cost_seconds REAL NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 1,
                    created REAL NOT NULL,
                    UNIQUE (arch, fidelity, seed)
                )"""
            )
            self._conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?), ('config', ?)",
                (str(SCHEMA_VERSION), self._config_json),
            )
        self._check_existing()  # another process may have created it first

    def _check_existing(self) -> None:
        try:
            rows = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path} is an SQLite file but not a nas-env evaluation store ({exc})") from exc
        version = rows.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise StoreError(
                f"evaluation store {self.path} has schema version {version}; this nas-env reads version "
                f"{SCHEMA_VERSION}. Use a new store path (the old file was not modified)."
            )
        stored = rows.get("config")
        if stored != self._config_json:
            raise StoreError(
                f"evaluation store {self.path} belongs to another configuration and is never mixed:\n"
                f"  stored:    {stored}\n  requested: {self._config_json}\n"
                "Use another store path for this search."
            )

    # ------------------------------------------------------------ access
    def get(self, arch: str, fidelity: Any, seed: int) -> dict[str, Any] | None:
        """The stored metrics, or ``None``. Counts a hit or a miss."""
        row = self._conn.execute(
            "SELECT metrics FROM evaluations WHERE arch = ? AND fidelity = ? AND seed = ?",
            (arch, _canonical_json(fidelity), int(seed)),
        ).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return json.loads(row[0])

    def put(self, arch: str, fidelity: Any, seed: int, metrics: dict[str, Any], attempts: int = 1) -> None:
        """Write one finished evaluation now (its own transaction; first write wins)."""
        with self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO evaluations (arch, fidelity, seed, status, metrics, cost_seconds, attempts,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    arch,
                    _canonical_json(fidelity),
                    int(seed),
                    str(metrics.get("status", "ok")),
                    json.dumps(metrics, default=str),
                    float(metrics.get("cost_seconds") or 0.0),
                    int(attempts),
                    time.time(),
                ),
            )

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0])

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every stored evaluation in write order."""
        cur = self._conn.execute(
            "SELECT id, arch, fidelity, seed, status, metrics, attempts, created FROM evaluations ORDER BY id"
        )
        for id_, arch, fid, seed, status, metrics, attempts, created in cur:
            yield {
                "id": id_,
                "arch": arch,
                "fidelity": json.loads(fid),
                "seed": seed,
                "status": status,
                "metrics": json.loads(metrics),
                "attempts": attempts,
                "created": created,
            }

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> EvaluationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
