"""A persistent evaluation store in SQLite: every finished evaluation, written the moment it finishes.

One store belongs to one *configuration*: the search space's ``config()`` and
the evaluator's ``config()``. Rows are keyed by (canonical architecture,
fidelity, seed). Opening a store with another configuration, another schema
version, or a file that is not a valid store raises :class:`StoreError` naming
the path and never touches the file (it is checked before anything is changed).
A new store is built beside its path and hard-linked into place, so processes
creating the same store at once all open one complete file.

Concurrency: WAL journal mode, one short transaction per write; several
processes may read while one writes (SQLite serialises writers; a store locked by another process
is waited for, up to ``timeout`` seconds, saying so on stderr). A store that stays locked longer, a
full disk, a read-only file system: one :class:`StoreError` naming the store and saying how to
continue (:mod:`nas_env.store_access`); a failed write changes nothing.

======================  ==========================================================
table ``evaluations``   one row per finished evaluation
``arch``                canonical string (``str(arch)``)
``fidelity``            JSON of the fidelity (``null`` when the evaluator has none)
``seed``                training seed (integer)
``status``              ``ok``, the child's failure status (served like ``ok``: the child's own
                        fault: it does not build, it diverges), or ``retry``: the machine failed it
                        (worker killed, memory refused, a timeout; metrics with ``transient``);
                        served as a miss and replaced by the next result
``metrics``             JSON of the metrics dict
``cost_seconds``        the evaluation's cost
``attempts``            how many times the child was started (retries after worker death)
``created``             UNIX time of the write
table ``claims``        children in training, with the owner and an expiry (:mod:`nas_env.claims`)
======================  ==========================================================
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from nas_env.claims import CLAIMS_DDL, DEFAULT_TTL, Claims
from nas_env.store_access import StoreAccess, StoreError, store_error
from nas_env.validation import check_real

__all__ = ["RETRY", "SCHEMA_VERSION", "EvaluationStore", "StoreError"]

SCHEMA_VERSION = 1
#: the status of a child the *machine* failed (its worker was killed, it timed out): kept for the
#: record, served as a miss (so it is trained again), replaced by the next result
RETRY = "retry"


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class EvaluationStore:
    """SQLite-backed map (arch, fidelity, seed) -> metrics for one space/evaluator configuration.

    Args:
        path: the SQLite file (created if missing, with its folder).
        space_config: ``space.config()`` of the search.
        evaluator_config: ``evaluator.config()`` of the search.
        timeout: seconds to wait for the store when another process holds it locked (the wait; a line on
            stderr says it waits); past it, :class:`~nas_env.store_access.StoreBusyError`.
        claim_ttl: seconds a claim of a child in training lives without its owner's heartbeat
            (:mod:`nas_env.claims`).
        owner: who claims children (default: this process); a resumed run passing the same owner
            takes its earlier claims over at once.
        notify: called with the line that says the store is waited for (default: printed on stderr).
    """

    def __init__(self, path: str | os.PathLike, space_config: dict, evaluator_config: dict, timeout: float = 30.0,
                 claim_ttl: float = DEFAULT_TTL, owner: str | None = None,
                 notify: Callable[[str], None] | None = None):
        self.path = Path(path)
        self._access = StoreAccess(self.path, check_real("store timeout (seconds)", timeout, low=0), notify)
        self.config = {"space": space_config, "evaluator": evaluator_config}
        self._config_json = _canonical_json(self.config)
        self.hits = 0
        self.misses = 0
        self._conn: sqlite3.Connection | None = None
        if self.path.is_dir():
            raise StoreError(f"evaluation store {self.path} is a directory, not a store file: pass the path of a "
                             f"file, e.g. {self.path / 'evaluations.sqlite'}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        access = self._access
        try:
            if not self.path.exists():
                self._create_atomically()
            self._conn = sqlite3.connect(self.path, timeout=access.busy_timeout, isolation_level=None)
            if self.path.stat().st_size == 0:
                access.call(self._create_in_place, "creating it")  # a touched file, or no hard links here
            self._check_existing()  # reads only: a foreign or corrupt file is never changed
            if self._conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                # a nas-env store (checked) of an older version
                access.call(lambda: self._conn.execute("PRAGMA journal_mode=WAL"), "opening it")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # this connection only
            access.call(lambda: self._conn.execute(CLAIMS_DDL), "opening it")  # new only in stores made before claims
            self.claims = Claims(self._conn, str(self.path), claim_ttl, owner, access)
        except sqlite3.DatabaseError as exc:
            self.close()
            found = store_error(exc, self.path, "opening it")
            if type(found) is StoreError:  # not read-only, full or busy: the file itself
                found = StoreError(f"evaluation store {self.path} is corrupt or not a nas-env store ({exc}); "
                                   "it was left untouched: move it away or pass another path")
            raise found from exc
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ schema
    def _create_atomically(self) -> None:
        """Build a complete store beside ``path`` and hard-link it into place: processes creating the same
        new store at once never see a half-made file; the first link wins and the others open it."""
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            conn = sqlite3.connect(tmp, timeout=self._access.busy_timeout, isolation_level=None)
            try:
                self._write_schema(conn)
                conn.execute("PRAGMA journal_mode=WAL")  # recorded in the file's header
            finally:
                conn.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process created it first: open theirs
            except OSError:  # no hard links here: an empty file, made into a store in place below
                with open(self.path, "ab"):
                    pass
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
                leftover.unlink(missing_ok=True)

    def _create_in_place(self) -> None:
        self._conn.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
        self._write_schema(self._conn)  # type: ignore[arg-type]

    def _write_schema(self, conn: sqlite3.Connection) -> None:
        """The tables and the configuration, in one transaction (a no-op on a complete store)."""
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute(CLAIMS_DDL)
            conn.execute(
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
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?), ('config', ?)",
                (str(SCHEMA_VERSION), self._config_json),
            )

    def _check_existing(self) -> None:
        try:
            rows = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            found = store_error(exc, self.path, "reading its configuration")
            if type(found) is not StoreError:  # read-only (WAL cannot create its -shm), busy, full
                raise found from exc
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
    def get(self, arch: str, fidelity: Any, seed: int, count: bool = True) -> dict[str, Any] | None:
        """The stored metrics, or ``None``. Counts a hit or a miss (unless ``count`` is false)."""
        row = self._access.call(lambda: self._conn.execute(
            f"SELECT metrics FROM evaluations WHERE arch = ? AND fidelity = ? AND seed = ? AND status != '{RETRY}'",
            (arch, _canonical_json(fidelity), int(seed)),
        ).fetchone(), "reading it")
        if count:
            self.hits, self.misses = self.hits + (row is not None), self.misses + (row is None)
        return None if row is None else json.loads(row[0])

    def put(self, arch: str, fidelity: Any, seed: int, metrics: dict[str, Any], attempts: int = 1) -> None:
        """Write one finished evaluation now (its own transaction; first write wins, except over a
        ``retry`` row). Metrics with ``transient=True`` (the machine failed the child) are stored as ``retry``.

        Raises:
            StoreError: the store stayed locked past its wait, the disk is full ...; nothing was written.
        """
        status = RETRY if metrics.get("transient") else str(metrics.get("status", "ok"))
        row = (arch, _canonical_json(fidelity), int(seed), status, json.dumps(metrics, default=str),
               float(metrics.get("cost_seconds") or 0.0), int(attempts), time.time())
        self._access.call(lambda: self._put(row), "writing an evaluation")

    def _put(self, row: tuple) -> None:
        with self._conn:  # one transaction: the result and the end of its claim, or nothing
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(
                "INSERT INTO evaluations (arch, fidelity, seed, status, metrics, cost_seconds, attempts,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arch, fidelity, seed) DO UPDATE SET"
                " status = excluded.status, metrics = excluded.metrics, cost_seconds = excluded.cost_seconds,"
                " attempts = evaluations.attempts + excluded.attempts, created = excluded.created"
                f" WHERE evaluations.status = '{RETRY}'",
                row,
            )
            self._conn.execute("DELETE FROM claims WHERE arch = ? AND fidelity = ? AND seed = ?",
                               row[:3])  # the result settles any claim

    def __len__(self) -> int:
        return int(self._access.call(lambda: self._conn.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0],
                                     "counting its rows"))

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
        """Close the SQLite connection (idempotent; :meth:`nas_env.NASEnv.close` calls it)."""
        if self._conn is not None:
            if hasattr(self, "claims"):
                self.claims.close()
            self._conn.close()
            self._conn = None

    @property
    def closed(self) -> bool:
        return self._conn is None

    def __enter__(self) -> EvaluationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
