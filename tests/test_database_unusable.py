"""A Spark database that cannot be used, or was emptied, always says so in Repairs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import fcntl
import logging
import os
from pathlib import Path
import sqlite3
import struct

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.spark import Spark
from custom_components.aisthos.engine.spark_store import SparkStore
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .helpers import advance, db_rows, set_state

# linux/fs.h
FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602
FS_IMMUTABLE_FL = 0x10
LAMPS = [f"light.lamp_{n}" for n in range(200)]


def issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


def db_path(hass: HomeAssistant) -> Path:
    return Path(hass.config.path("aisthos.db"))


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """Make a file or folder immutable (chattr +i): unlike chmod, this stops root too."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        flags = struct.unpack("i", fcntl.ioctl(fd, FS_IOC_GETFLAGS, bytes(8))[:4])[0]
        try:
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("iI", flags | FS_IMMUTABLE_FL, 0))
        except OSError as err:
            pytest.skip(f"this file system cannot make files immutable: {err}")
        try:
            yield
        finally:
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("iI", flags, 0))
    finally:
        os.close(fd)


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_a_folder_in_place_of_the_database_is_a_repair_until_it_is_gone(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    db_path(hass).mkdir()
    await setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY  # HA keeps retrying
    found = issue(hass, "database_unusable")
    assert found is not None
    assert found.severity is ir.IssueSeverity.ERROR
    assert found.translation_key == "database_unusable"
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["path"] == str(db_path(hass))
    assert "folder" in found.translation_placeholders["error"]
    assert db_path(hass).is_dir()  # the user's folder is left alone
    assert issue(hass, "database_corrupt") is None
    assert issue(hass, "database_emptied") is None

    db_path(hass).rmdir()
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert issue(hass, "database_unusable") is None
    assert issue(hass, "database_emptied") is None  # a new file is no lost one


async def test_an_immutable_database_is_a_repair(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    store = SparkStore(db_path(hass))
    store.open()
    store.close()
    with immutable(db_path(hass)):
        await setup(hass, config_entry)
        assert config_entry.state is ConfigEntryState.SETUP_RETRY
        found = issue(hass, "database_unusable")
        assert found is not None
        assert found.translation_placeholders is not None
        assert "readonly" in found.translation_placeholders["error"]
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert issue(hass, "database_unusable") is None


def no_more_room(conn: sqlite3.Connection) -> None:
    """Let the database grow no further: SQLite then fails writes with SQLITE_FULL, as on a full disk."""
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    conn.execute(f"PRAGMA max_page_count = {pages}")


async def test_a_full_disk_mid_run_is_a_repair_until_writes_succeed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    runtime = loaded_entry.runtime_data
    for lamp in LAMPS:
        set_state(hass, lamp, "off")
    await advance(hass, freezer, 2)
    conn = runtime.store._conn
    assert conn is not None
    no_more_room(conn)
    for lamp in LAMPS:  # more Sparks than the free space in the database holds
        set_state(hass, lamp, "on")
    await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)
    assert runtime.stats.write_errors >= 1
    found = issue(hass, "database_unusable")
    assert found is not None
    assert found.translation_placeholders is not None
    assert "full" in found.translation_placeholders["error"]
    assert db_rows(hass) == []

    conn.execute("PRAGMA max_page_count = 1000000")  # room again
    await advance(hass, freezer, 2)
    assert issue(hass, "database_unusable") is None
    assert runtime.stats.write_errors == 0
    assert db_rows(hass, "SELECT DISTINCT action FROM sparks") == [("turned_on",)]
    assert len(db_rows(hass)) == len(LAMPS)


async def test_damage_mid_run_that_cannot_be_moved_aside_is_a_repair_and_writing_resumes(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    runtime = loaded_entry.runtime_data
    db = db_path(hass)
    set_state(hass, "light.lamp", "off")
    await advance(hass, freezer, 2)
    # Another program writes and checkpoints (so our page cache is stale), then
    # the disk garbles the file.
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("INSERT INTO meta VALUES ('other', 'program')")
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other.close()
    db.write_bytes(b"garbage!" * (db.stat().st_size // 8))
    with immutable(db.parent):  # the damaged file cannot be renamed
        set_state(hass, "light.lamp", "on")
        await advance(hass, freezer, 2)
        await advance(hass, freezer, 2)
        found = issue(hass, "database_unusable")
        assert found is not None
        assert found.translation_placeholders is not None
        assert "moved aside" in found.translation_placeholders["error"]
        assert issue(hass, "database_corrupt") is None
    # Kept in memory, and written to a new database once the old one can move.
    await advance(hass, freezer, 2)
    assert issue(hass, "database_unusable") is None
    assert issue(hass, "database_corrupt") is not None
    assert db_rows(hass, "SELECT action FROM sparks") == [("turned_on",)]
    assert runtime.stats.write_errors == 0


async def test_an_emptied_database_is_moved_aside_with_a_word_and_a_repair(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = db_path(hass)
    store = SparkStore(db)
    store.open()
    store.add([Spark(1.0e9 + i, "power", "kitchen", "someone", "turned_on", "light",
                     "none", "person", f"r{i}") for i in range(3952)])  # fmt: skip
    store.close()
    with db.open("r+b") as file:
        file.truncate(0)  # a failed copy, a full disk, an interrupted restore...
    with caplog.at_level(logging.WARNING):
        await setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    found = issue(hass, "database_emptied")
    assert found is not None
    assert found.severity is ir.IssueSeverity.ERROR
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["path"] == str(db)
    moved = Path(found.translation_placeholders["moved"])
    assert moved.exists()
    assert moved.stat().st_size == 0
    assert any(
        "empty" in r.getMessage() and str(moved) in r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING
    )
    assert issue(hass, "database_corrupt") is None  # one repair, the one that says what happened
    # A new database, and perception goes on.
    set_state(hass, "light.lamp", "off")
    await advance(hass, freezer, 2)
    set_state(hass, "light.lamp", "on")
    await advance(hass, freezer, 2)
    assert db_rows(hass, "SELECT action FROM sparks") == [("turned_on",)]
