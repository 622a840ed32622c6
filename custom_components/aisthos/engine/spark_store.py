"""SQLite storage of Sparks (blocking: call it from an executor thread).

WAL mode with synchronous=NORMAL: a committed batch survives a crash of the
process, so at most the batch that was still in memory is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from functools import partial
import json
from pathlib import Path
import sqlite3
import stat
import threading
import time
from typing import Any, Final

from .spark import Spark

SCHEMA_VERSION: Final = 1
_COLUMNS: Final = "time, kind, area, subject, action, object, band, cause, ref, extra"
_COLUMN_DEFS: Final = """
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL, kind TEXT NOT NULL, area TEXT NOT NULL, subject TEXT NOT NULL,
    action TEXT NOT NULL, object TEXT NOT NULL, band TEXT NOT NULL, cause TEXT NOT NULL,
    ref TEXT NOT NULL, extra TEXT
"""
_INSERT_SPARK: Final = f"INSERT INTO sparks ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"
_INSERT_PENDING: Final = f"INSERT INTO pending ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"
_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS sparks ({_COLUMN_DEFS});
CREATE INDEX IF NOT EXISTS sparks_time ON sparks (time);
CREATE TABLE IF NOT EXISTS pending ({_COLUMN_DEFS});
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StoreError(Exception):
    """The Spark database cannot be used."""


class StoreCorruptError(StoreError):
    """The database file is damaged or not a database."""


class StoreLockedError(StoreError):
    """Another process holds the database lock."""


class StoreEmptiedError(StoreCorruptError):
    """The database file is there but empty: its content was lost (truncated)."""


# Values per stored Spark, in _COLUMNS order (a row of flat_rows()).
ROW_WIDTH: Final = 10


def spark_row(spark: Spark) -> tuple[Any, ...]:
    """Return a Spark as the values of its row, in _COLUMNS order."""
    return (
        spark.time, spark.kind, spark.area, spark.subject, spark.action,
        spark.object, spark.band, spark.cause, spark.ref,
        json.dumps(dict(spark.extra), separators=(",", ":")) if spark.extra else None,
    )  # fmt: skip


def _json(text: str) -> Any:
    """Decode a stored JSON value; one that does not decode is a damaged database."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as err:
        raise StoreCorruptError(f"a stored value is not JSON: {err}") from None


def flat_rows(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Yield the rows of Sparks kept as one flat list of ROW_WIDTH values each."""
    for i in range(0, len(values), ROW_WIDTH):
        yield values[i : i + ROW_WIDTH]


def row_spark(row: Sequence[Any]) -> Spark:
    """Rebuild the Spark of a row (raises StoreCorruptError for a damaged one)."""
    extra = _json(row[9]) if row[9] else {}
    if not isinstance(extra, dict):
        raise StoreCorruptError("a Spark's extra fields are not a mapping")
    return Spark(
        float(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
        tuple(sorted(extra.items())),
    )  # fmt: skip


def _fetch(query: str, args: tuple[Any, ...], conn: sqlite3.Connection) -> list[Any]:
    return conn.execute(query, args).fetchall()


def _translate(err: sqlite3.Error) -> StoreError:
    text = str(err).lower()
    if "locked" in text or "busy" in text:
        return StoreLockedError(str(err))
    if isinstance(err, sqlite3.DatabaseError) and (
        "malformed" in text or "not a database" in text or "corrupt" in text or "disk image" in text
    ):
        return StoreCorruptError(str(err))
    return StoreError(str(err))


class SparkStore:
    """A SQLite file of Sparks, plus Sparks waiting for review and small metadata."""

    def __init__(self, path: Path, busy_timeout_s: float = 2.0) -> None:
        """Prepare a store; open() connects."""
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Open (creating if needed) and check the database."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            info = self.path.stat()
        except FileNotFoundError:
            info = None
        except OSError as err:
            raise StoreError(f"{self.path} cannot be reached: {err.strerror}") from err
        if info is not None and not stat.S_ISREG(info.st_mode):
            # SQLite would only say "unable to open database file".
            raise StoreError(f"{self.path} is a folder or other non-file, not a database file")
        if info is not None and info.st_size == 0:
            # open() sets WAL mode right after connecting, which writes the
            # first page: SQLite never leaves an empty file behind, so an empty
            # one was truncated, and SQLite would silently take it as new.
            raise StoreEmptiedError(f"{self.path} is empty (0 bytes)")
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout_s,
                check_same_thread=False,
                isolation_level=None,
            )
        except sqlite3.Error as err:
            raise _translate(err) from err
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            (result,) = conn.execute("PRAGMA quick_check(1)").fetchone()
            if result != "ok":
                raise StoreCorruptError(f"integrity check failed: {result}")
            conn.executescript(_SCHEMA)
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        except sqlite3.Error as err:
            conn.close()
            raise _translate(err) from err
        except StoreError:
            conn.close()
            raise
        self._conn = conn

    def close(self) -> None:
        """Checkpoint and close."""
        with self._lock:
            if self._conn is not None:
                with suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._conn.close()
                self._conn = None

    @property
    def is_open(self) -> bool:
        """Return whether the database is open."""
        return self._conn is not None

    def _run[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            # Checked under the lock: close() may run in another thread.
            conn = self._conn
            if conn is None:
                raise StoreError("the Spark store is not open")
            try:
                result: T = work(conn)
            except sqlite3.Error as err:
                if conn.in_transaction:
                    conn.rollback()
                raise _translate(err) from err
            return result

    def add(self, sparks: Sequence[Spark]) -> int:
        """Store a batch in one transaction; return how many were stored."""

        def work(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN")
            conn.executemany(_INSERT_SPARK, map(spark_row, sparks))
            conn.execute("COMMIT")
            return len(sparks)

        return self._run(work)

    def write_batch(
        self,
        sparks: Sequence[Spark],
        review: Sequence[Spark] = (),
        meta: Mapping[str, Any] | None = None,
        *,
        flat: Sequence[Any] = (),
    ) -> list[int]:
        """Store Sparks, Sparks for review and meta values in one transaction.

        flat: more Sparks, as one flat list of their row values (see
        flat_rows): how the live writer keeps them, without an object each.
        All or nothing: a batch that fails can be retried whole without
        storing any Spark twice. Return the review ids.
        """
        texts = {
            k: json.dumps(v, separators=(",", ":"), sort_keys=True) for k, v in (meta or {}).items()
        }

        def work(conn: sqlite3.Connection) -> list[int]:
            conn.execute("BEGIN")
            conn.executemany(_INSERT_SPARK, map(spark_row, sparks))
            conn.executemany(_INSERT_SPARK, flat_rows(flat))
            ids = [
                int(
                    conn.execute(
                        _INSERT_PENDING,
                        spark_row(spark),
                    ).lastrowid
                    or 0
                )
                for spark in review
            ]
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", texts.items())
            conn.execute("COMMIT")
            return ids

        return self._run(work)

    def add_pending(self, sparks: Sequence[Spark]) -> list[int]:
        """Queue Sparks for the user's review; return their review ids."""

        def work(conn: sqlite3.Connection) -> list[int]:
            ids = []
            conn.execute("BEGIN")
            for spark in sparks:
                cursor = conn.execute(_INSERT_PENDING, spark_row(spark))
                ids.append(int(cursor.lastrowid or 0))
            conn.execute("COMMIT")
            return ids

        return self._run(work)

    def pending(self, limit: int = 1000) -> list[tuple[int, Spark]]:
        """Return Sparks waiting for review, oldest first."""

        def work(conn: sqlite3.Connection) -> list[tuple[int, Spark]]:
            rows = conn.execute(
                f"SELECT id, {_COLUMNS} FROM pending ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
            return [(int(row[0]), row_spark(row[1:])) for row in rows]

        return self._run(work)

    def resolve_pending(self, keep: Iterable[int], discard: Iterable[int]) -> int:
        """Move reviewed Sparks to the store (keep) or drop them; return how many kept."""
        keep_ids, discard_ids = [(i,) for i in keep], [(i,) for i in discard]

        def work(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN")
            before = conn.total_changes
            conn.executemany(
                f"INSERT INTO sparks ({_COLUMNS}) SELECT {_COLUMNS} FROM pending WHERE id = ?",
                keep_ids,
            )
            kept = conn.total_changes - before
            conn.executemany("DELETE FROM pending WHERE id = ?", keep_ids + discard_ids)
            conn.execute("COMMIT")
            return kept

        return self._run(work)

    def recent(
        self, limit: int = 50, since: float | None = None, kind: str | None = None
    ) -> list[Spark]:
        """Return the newest Sparks, newest first."""
        query = f"SELECT {_COLUMNS} FROM sparks WHERE time >= ?"
        args: list[Any] = [since if since is not None else 0.0]
        if kind:
            query += " AND kind = ?"
            args.append(kind)
        query += " ORDER BY time DESC, id DESC LIMIT ?"
        args.append(limit)
        return self._run(lambda conn: [row_spark(r) for r in conn.execute(query, args).fetchall()])

    def between(self, start: float, end: float) -> list[Spark]:
        """Return Sparks with start <= time < end, oldest first."""
        return self._run(
            lambda conn: [
                row_spark(r)
                for r in conn.execute(
                    f"SELECT {_COLUMNS} FROM sparks WHERE time >= ? AND time < ? ORDER BY time, id",
                    (start, end),
                )
            ]
        )

    def between_refs(self, start: float, end: float, refs: Iterable[str]) -> list[Spark]:
        """Return the Sparks of these entity refs with start <= time < end, oldest first.

        Filtered in SQLite: a month of a busy home is never read whole.
        """
        wanted = sorted(set(refs))
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        return self._run(
            lambda conn: [
                row_spark(r)
                for r in conn.execute(
                    f"SELECT {_COLUMNS} FROM sparks WHERE time >= ? AND time < ? "
                    f"AND ref IN ({marks}) ORDER BY time, id",
                    (start, end, *wanted),
                )
            ]
        )

    def iter_all(self, batch: int = 10_000) -> Iterator[Spark]:
        """Yield every Spark, oldest first (for learning and export)."""
        last = -1
        while True:
            rows: list[Any] = self._run(
                partial(
                    _fetch,
                    f"SELECT id, {_COLUMNS} FROM sparks WHERE id > ? ORDER BY id LIMIT ?",
                    (last, batch),
                )
            )
            if not rows:
                return
            for row in rows:
                yield row_spark(row[1:])
            last = int(rows[-1][0])

    def count(self, since: float = 0.0) -> int:
        """Return how many Sparks are stored since a time."""
        return int(
            self._run(
                lambda conn: conn.execute(
                    "SELECT COUNT(*) FROM sparks WHERE time >= ?", (since,)
                ).fetchone()[0]
            )
        )

    def summary(self, utc_offset_s: int = 0) -> dict[str, Any]:
        """Return summary statistics of what was perceived (no Spark itself)."""

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            total, first, last = conn.execute(
                "SELECT COUNT(*), MIN(time), MAX(time) FROM sparks"
            ).fetchone()
            by_kind = dict(conn.execute("SELECT kind, COUNT(*) FROM sparks GROUP BY kind"))
            by_area = dict(conn.execute("SELECT area, COUNT(*) FROM sparks GROUP BY area"))
            by_hour = [0] * 24
            for hour, count in conn.execute(
                "SELECT CAST(((CAST(time AS INTEGER) + ?) % 86400) / 3600 AS INTEGER), COUNT(*) "
                "FROM sparks GROUP BY 1",
                (utc_offset_s,),
            ):
                by_hour[int(hour) % 24] += int(count)
            return {
                "sparks": int(total),
                "first": time.strftime("%Y-%m-%d", time.gmtime(first)) if first else None,
                "last": time.strftime("%Y-%m-%d", time.gmtime(last)) if last else None,
                "by_kind": {str(k): int(v) for k, v in by_kind.items()},
                "by_area": {str(k): int(v) for k, v in by_area.items()},
                "by_hour": by_hour,
            }

        return self._run(work)

    def purge_older_than(self, cutoff: float) -> int:
        """Delete Sparks older than cutoff (retention); return how many."""
        return int(
            self._run(
                lambda conn: conn.execute("DELETE FROM sparks WHERE time < ?", (cutoff,)).rowcount
            )
        )

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (before a backup)."""
        self._run(lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())

    def get_meta(self, key: str) -> Any:
        """Return a JSON value kept in the meta table, or None."""
        row: tuple[str] | None = self._run(
            lambda conn: conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        )
        return _json(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        """Keep a small JSON value in the meta table."""
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
        self._run(
            lambda conn: conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, text))
        )


def quarantine(path: Path) -> Path:
    """Move a damaged database (and its WAL files) aside; return the new name.

    Nothing is deleted: the user can still try to recover the old file.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(path) + suffix)
            if source.exists():
                source.rename(Path(str(target) + suffix))
    except OSError as err:
        raise StoreError(f"{path} cannot be moved aside: {err.strerror}") from err
    return target
