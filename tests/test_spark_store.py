"""The SQLite Spark store on real files: batches, review, crashes, damage, locks."""

from __future__ import annotations

from pathlib import Path
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from custom_components.aisthos.engine.spark import Spark
from custom_components.aisthos.engine.spark_store import (
    SparkStore,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    quarantine,
    row_spark,
    spark_row,
)

T0 = 1_760_000_000.0
REPO = Path(__file__).resolve().parents[1]


def spark(i: int, kind: str = "power") -> Spark:
    return Spark(
        T0 + i, kind, "kitchen", "someone", "turned_on", "light", "none", "person", f"r{i}"
    )


@pytest.fixture
def store(tmp_path: Path) -> SparkStore:
    store = SparkStore(tmp_path / "aisthos.db")
    store.open()
    yield store
    store.close()


def test_batches_are_stored_and_read_back(store: SparkStore) -> None:
    assert store.add([spark(i) for i in range(100)]) == 100
    assert store.count() == 100
    assert store.count(since=T0 + 90) == 10
    assert [s.ref for s in store.recent(3)] == ["r99", "r98", "r97"]
    assert [s.ref for s in store.between(T0 + 10, T0 + 13)] == ["r10", "r11", "r12"]
    assert store.recent(5, kind="motion") == []
    assert sum(1 for _ in store.iter_all(batch=7)) == 100
    assert store.purge_older_than(T0 + 50) == 50
    assert store.count() == 50


def test_extra_fields_survive(store: SparkStore) -> None:
    gesture = Spark(
        T0,
        "gesture",
        "hallway",
        "someone",
        "raised_hand",
        "camera",
        "none",
        "person",
        "",
        (("angle", 45.0),),
    )
    store.add([gesture])
    assert store.recent(1) == [gesture]


def test_review_keeps_or_discards(store: SparkStore) -> None:
    ids = store.add_pending([spark(1), spark(2), spark(3)])
    assert [pid for pid, _ in store.pending()] == ids
    assert store.count() == 0  # waiting is not stored
    assert store.resolve_pending(keep=[ids[0]], discard=[ids[1]]) == 1
    assert [s.ref for s in store.recent(10)] == ["r1"]
    assert [pid for pid, _ in store.pending()] == [ids[2]]


def test_meta_values(store: SparkStore) -> None:
    assert store.get_meta("missing") is None
    store.set_meta("anonymizer", {"areas": {"x": "kitchen"}})
    assert store.get_meta("anonymizer") == {"areas": {"x": "kitchen"}}


def test_wal_mode(store: SparkStore) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_garbage_file_is_reported_as_corrupt_and_can_be_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "aisthos.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreCorruptError):
        SparkStore(path).open()
    moved = quarantine(path)
    assert not path.exists()
    assert moved.read_bytes().startswith(b"this is not")
    fresh = SparkStore(path)
    fresh.open()
    assert fresh.count() == 0
    fresh.close()


def test_truncated_database_is_reported_as_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "aisthos.db"
    store = SparkStore(path)
    store.open()
    store.add([spark(i) for i in range(5000)])
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\x00" * 4096 + data[8192 : len(data) // 2])
    broken = SparkStore(path)
    with pytest.raises(StoreCorruptError):
        broken.open()


def test_locked_database_is_reported_as_locked(store: SparkStore) -> None:
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    slow = SparkStore(store.path, busy_timeout_s=0.1)
    try:
        with pytest.raises(StoreLockedError):
            slow.open()
    finally:
        other.execute("ROLLBACK")
        other.close()
        slow.close()


def test_a_killed_process_loses_only_the_batch_in_flight(tmp_path: Path) -> None:
    """SIGKILL a writer mid-stream: every committed batch is still there."""
    path = tmp_path / "aisthos.db"
    progress = tmp_path / "progress"
    writer = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from custom_components.aisthos.engine.spark import Spark
        from custom_components.aisthos.engine.spark_store import SparkStore
        store = SparkStore(Path({str(path)!r}))
        store.open()
        n = 0
        while True:
            batch = [Spark({T0} + n + i, "power", "kitchen", "someone", "turned_on",
                           "light", "none", "person", "x") for i in range(500)]
            store.add(batch)
            n += len(batch)
            # Atomic: the test may read at any moment.
            Path({str(progress)!r} + ".tmp").write_text(str(n))
            Path({str(progress)!r} + ".tmp").replace({str(progress)!r})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", writer])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if progress.exists() and int(progress.read_text()) >= 20_000:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    acknowledged = int(progress.read_text())
    store = SparkStore(path)
    store.open()
    stored = store.count()
    store.close()
    # Everything acknowledged is there; at most one more batch got committed.
    assert acknowledged <= stored <= acknowledged + 500


def test_a_batch_is_stored_whole_or_not_at_all(store: SparkStore, tmp_path: Path) -> None:
    # Another program makes the last step of the batch fail, inside SQLite.
    other = sqlite3.connect(tmp_path / "aisthos.db")
    other.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    other.commit()
    with pytest.raises(StoreError, match="refused"):
        store.write_batch([spark(1), spark(2)], [spark(3)], {"anonymizer": {"a": 1}})
    assert store.count() == 0
    assert store.pending() == []
    other.execute("DROP TRIGGER refuse")
    other.commit()
    other.close()
    # Retried as a whole: nothing twice.
    ids = store.write_batch([spark(1), spark(2)], [spark(3)], {"anonymizer": {"a": 1}})
    assert store.count() == 2
    assert [pid for pid, _ in store.pending()] == ids
    assert store.get_meta("anonymizer") == {"a": 1}


def test_sparks_kept_as_flat_row_values_are_stored_as_they_were(store: SparkStore) -> None:
    sparks = [spark(0), spark(1, "motion"), Spark(T0 + 2, "power", "hall", "someone",
              "turned_off", "light", "none", "person", "r2", (("act", 7.0),))]  # fmt: skip
    flat = [value for s in sparks for value in spark_row(s)]
    assert [row_spark(spark_row(s)) for s in sparks] == sparks
    store.write_batch((), (), {"k": 1}, flat=flat)
    assert sorted(store.recent(10), key=lambda s: s.time) == sparks
    assert store.get_meta("k") == 1
