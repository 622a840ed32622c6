"""The runtime at its edges: a stuck or broken disk, full queues, housekeeping, odd events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
import logging
from pathlib import Path
import sqlite3
import time

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aisthos import runtime as runtime_module
from custom_components.aisthos.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .conftest import default_options
from .helpers import advance, db_rows, set_state

LIGHTS = [f"light.lamp_{n}" for n in range(5)]


@contextmanager
def locked(hass: HomeAssistant) -> Iterator[None]:
    """Another program holds the write lock of the Spark database."""
    holder = sqlite3.connect(Path(hass.config.path("aisthos.db")), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def impatient(entry: MockConfigEntry) -> None:
    """Give up on a lock after 50 ms instead of 2 s, so a locked write fails fast."""
    conn = entry.runtime_data.store._conn
    assert conn is not None
    conn.execute("PRAGMA busy_timeout = 50")


def locked_issue(hass: HomeAssistant) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, "database_locked")


async def switch_all(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entity_ids: list[str], state: str
) -> None:
    """Each entity changes in its own tick, so the Sparks come out in this order."""
    for entity_id in entity_ids:
        set_state(hass, entity_id, state)
        await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)


def stored_refs(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    by_ref = {entry.runtime_data.anonymizer.ref(e): e for e in LIGHTS}
    rows = db_rows(hass, "SELECT ref FROM sparks WHERE kind != 'presence' ORDER BY id")
    return [by_ref[r] for (r,) in rows]


async def test_locked_database_mid_run_keeps_sparks_queued_then_writes_them_once(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    runtime = loaded_entry.runtime_data
    impatient(loaded_entry)
    await switch_all(hass, freezer, LIGHTS[:2], "off")
    set_state(hass, "person.alice", "not_home")
    await advance(hass, freezer, 5)
    roles_before = db_rows(hass, "SELECT value FROM meta WHERE key = 'anonymizer'")
    with locked(hass):
        set_state(hass, "person.alice", "home")  # a new role for the anonymizer to keep
        await switch_all(hass, freezer, LIGHTS[:2], "on")
        assert runtime.stats.write_errors >= 2  # every tick retried and failed
        assert "locked" in (runtime.stats.last_write_error or "")
        assert locked_issue(hass) is not None
        assert db_rows(hass) == []
        # Not lost: still in memory, and already counted and shown.
        assert hass.states.get("sensor.aisthos_sparks_today").state == "3"
    await advance(hass, freezer, 1)
    assert db_rows(hass, "SELECT subject, action FROM sparks WHERE kind = 'presence'") == [
        ("resident_a", "arrived")
    ]
    assert db_rows(hass, "SELECT value FROM meta WHERE key = 'anonymizer'") != roles_before
    assert runtime.stats.write_errors == 0
    assert locked_issue(hass) is None
    assert stored_refs(hass, loaded_entry) == LIGHTS[:2]
    assert runtime.stats.sparks_stored == 3
    await advance(hass, freezer, 3)
    assert len(db_rows(hass)) == 3  # written once, not again on later ticks


async def test_full_queue_drops_the_oldest_sparks(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime_module, "QUEUE_LIMIT", 3)
    runtime = loaded_entry.runtime_data
    impatient(loaded_entry)
    await switch_all(hass, freezer, LIGHTS, "off")
    with locked(hass):
        await switch_all(hass, freezer, LIGHTS, "on")
        assert runtime.stats.sparks_dropped_queue_full == 2
    await advance(hass, freezer, 1)
    assert stored_refs(hass, loaded_entry) == LIGHTS[2:]


async def test_queue_limit_holds_for_one_batch_larger_than_the_limit(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime_module, "QUEUE_LIMIT", 3)
    runtime = loaded_entry.runtime_data
    impatient(loaded_entry)
    for entity_id in LIGHTS:
        set_state(hass, entity_id, "off")
    await advance(hass, freezer, 5)
    with locked(hass):
        for entity_id in LIGHTS:  # all five released by the same tick
            set_state(hass, entity_id, "on")
        await advance(hass, freezer, 5)
    await advance(hass, freezer, 1)
    stored = len(db_rows(hass))
    assert stored <= 3
    assert stored + runtime.stats.sparks_dropped_queue_full == len(LIGHTS)


@pytest.fixture
def entry_options(request: pytest.FixtureRequest) -> dict[str, object]:
    return default_options(**getattr(request, "param", {}))


@pytest.mark.parametrize("entry_options", [{"review_sparks": True}], indirect=True)
async def test_review_list_has_a_limit(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime_module, "REVIEW_LIMIT", 3)
    runtime = loaded_entry.runtime_data
    await switch_all(hass, freezer, LIGHTS, "off")
    await switch_all(hass, freezer, LIGHTS, "on")
    assert len(runtime.pending) == 3
    assert runtime.stats.sparks_dropped_review_full == 2
    assert db_rows(hass, "SELECT COUNT(*) FROM pending") == [(3,)]
    assert hass.states.get("todo.aisthos_spark_review").state == "3"
    # Room again once some are reviewed.
    await runtime.async_resolve_review([], [runtime.pending[0][0]])
    set_state(hass, LIGHTS[0], "off")
    await advance(hass, freezer, 5)
    assert len(runtime.pending) == 3
    assert runtime.stats.sparks_dropped_review_full == 2


async def test_sparks_today_resets_at_midnight(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    tz = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 11, 25, 23, 59, 40, tzinfo=tz))
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await switch_all(hass, freezer, LIGHTS[:1], "off")
    await switch_all(hass, freezer, LIGHTS[:1], "on")
    assert hass.states.get("sensor.aisthos_sparks_today").state == "1"
    freezer.move_to(datetime(2026, 11, 25, 23, 59, 59, tzinfo=tz))
    await advance(hass, freezer, 1)
    assert hass.states.get("sensor.aisthos_sparks_today").state == "0"
    assert len(db_rows(hass)) == 1  # only the count starts again


@pytest.mark.parametrize("entry_options", [{"retention_days": 2}], indirect=True)
async def test_nightly_retention_purges_old_sparks(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    tz = dt_util.get_default_time_zone()
    day0 = datetime(2026, 11, 20, 12, 0, tzinfo=tz)
    freezer.move_to(day0)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await switch_all(hass, freezer, LIGHTS[:2], "off")
    await switch_all(hass, freezer, LIGHTS[:1], "on")
    freezer.move_to(day0 + timedelta(days=2))
    await switch_all(hass, freezer, LIGHTS[1:2], "on")
    assert len(db_rows(hass)) == 2
    # 04:16:59 the next morning: nothing is purged before 04:17.
    freezer.move_to(datetime(2026, 11, 23, 4, 16, 58, tzinfo=tz))
    await advance(hass, freezer, 1)
    assert len(db_rows(hass)) == 2
    await advance(hass, freezer, 1)  # 04:17:00
    assert stored_refs(hass, config_entry) == LIGHTS[1:2]


async def test_unwritable_database_path_retries_setup(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    Path(hass.config.path("aisthos.db")).mkdir()  # a folder where the file should be
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    # Not a damaged file nor a lock: nothing to move aside, no misleading issue.
    assert Path(hass.config.path("aisthos.db")).is_dir()
    assert ir.async_get(hass).async_get_issue(DOMAIN, "database_corrupt") is None
    assert locked_issue(hass) is None


async def test_removed_entity_is_not_a_spark(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await switch_all(hass, freezer, LIGHTS[:1], "off")
    await switch_all(hass, freezer, LIGHTS[:1], "on")
    with caplog.at_level(logging.ERROR):
        hass.states.async_remove(LIGHTS[0])
        await advance(hass, freezer, 5)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert db_rows(hass, "SELECT action FROM sparks") == [("turned_on",)]


def gesture() -> dict[str, object]:
    return {
        "kind": "gesture", "time": time.time(), "subject": "someone", "action": "raised_hand",
        "cause": "person", "extra": {"angle": 45},
    }  # fmt: skip


@pytest.mark.parametrize("entry_options", [{"exclude_entities": ["camera.bedroom"]}], indirect=True)
async def test_excluded_camera_sparks_are_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    for camera in ("camera.bedroom", "camera.porch"):
        hass.states.async_set(camera, "idle")
        hass.bus.async_fire("aisthos_camera_spark", {"camera": camera, "spark": gesture()})
    await advance(hass, freezer, 3)
    refs = [r for (r,) in db_rows(hass, "SELECT ref FROM sparks")]
    assert refs == [loaded_entry.runtime_data.anonymizer.ref("camera.porch")]
    assert loaded_entry.runtime_data.stats.camera_sparks_refused == 1


async def test_a_read_during_a_stuck_write_does_not_start_another_write(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    runtime = loaded_entry.runtime_data
    assert runtime.store._conn is not None
    runtime.store._conn.execute("PRAGMA busy_timeout = 300")
    await switch_all(hass, freezer, LIGHTS[:1], "off")
    with locked(hass):
        set_state(hass, LIGHTS[0], "on")
        freezer.tick(timedelta(seconds=2))
        async_fire_time_changed(hass)  # the tick starts a write that waits on the lock
        await hass.async_block_till_done()
        assert runtime._write_lock.locked()
        batches = runtime.stats.batches
        response = await hass.services.async_call(
            DOMAIN, "list_sparks", {}, blocking=True, return_response=True
        )
        # The read did not write an (empty) batch of its own beside the stuck one.
        assert runtime.stats.batches == batches
        assert isinstance(response["sparks"], list)
        await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, freezer, 1)
    assert db_rows(hass, "SELECT action FROM sparks") == [("turned_on",)]


async def test_database_damaged_mid_run_is_moved_aside_and_writing_goes_on(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    db = Path(hass.config.path("aisthos.db"))
    await switch_all(hass, freezer, LIGHTS[:2], "off")
    await switch_all(hass, freezer, LIGHTS[:1], "on")
    assert len(db_rows(hass)) == 1
    # Another program writes and checkpoints, then the disk garbles the file.
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("INSERT INTO meta VALUES ('other', 'program')")
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other.close()
    garbage = b"garbage!" * (db.stat().st_size // 8)
    db.write_bytes(garbage)
    await switch_all(hass, freezer, LIGHTS[1:2], "on")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "database_corrupt")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert Path(issue.translation_placeholders["moved"]).read_bytes() == garbage
    # The Spark of the failed write is in the fresh database, once.
    assert stored_refs(hass, loaded_entry) == LIGHTS[1:2]
    assert loaded_entry.runtime_data.stats.write_errors == 0
