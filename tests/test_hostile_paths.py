"""Ways in found by a hostile review: each refused, or handled, with nothing lost.

A voice satellite's speaker has no user; a file in the exports folder may be
a FIFO or a link; a database may have sound pages but a damaged row; a user
may quote our automation's id or leave a comment after `[]`; rejections pile
up over years.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta
import os
from pathlib import Path
import sqlite3
import threading

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Decision, SkillBook, Status
from custom_components.aisthos.engine.spark import Spark
from custom_components.aisthos.engine.spark_store import SparkStore
from homeassistant.components import conversation
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .helpers import advance, set_state
from .test_permissions import NOT_ALLOWED, PROPOSED, home, what_runs  # noqa: F401

BASE = "/api/aisthos/wisdom/"


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


async def satellite(hass: HomeAssistant, text: str) -> str:
    """Say something as a voice satellite does: a context with no user."""
    result = await conversation.async_converse(hass, text, None, Context(), "en")
    return str(result.response.speech["plain"]["speech"])


async def test_a_satellite_voice_neither_approves_nor_teaches(
    hass: HomeAssistant,
    home: MockConfigEntry,  # noqa: F811
) -> None:
    book = home.runtime_data.learner.book
    before = what_runs(hass)
    assert await satellite(hass, "approve the last suggestion") == NOT_ALLOWED
    assert await satellite(hass, "when I say open sesame close the front door") == NOT_ALLOWED
    assert book.status(PROPOSED) is Status.PROPOSED
    assert what_runs(hass) == before
    # What HA lets a satellite do, running a routine, still works.
    assert await satellite(hass, "run weekend routine kettle") == "Done: Weekend routine: Kettle."


async def test_a_fifo_or_a_link_in_the_exports_folder_is_not_served(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, loaded_entry: MockConfigEntry
) -> None:
    config = Path(hass.config.config_dir)
    (config / "secrets.yaml").write_text("password: hunter2\n")
    folder = config / "aisthos"
    folder.mkdir(exist_ok=True)
    os.mkfifo(folder / "wisdom-current.json")
    (folder / "wisdom-2026-11-25.json").symlink_to(config / "secrets.yaml")
    client = await hass_client()
    try:
        response = await asyncio.wait_for(client.get(BASE + "wisdom-current.json"), 10)
        assert response.status == 404
    finally:  # a regression must fail, not hang the run: give a reader EOF

        def release() -> None:
            with contextlib.suppress(OSError):
                os.close(os.open(folder / "wisdom-current.json", os.O_WRONLY | os.O_NONBLOCK))

        threading.Thread(target=release, daemon=True).start()
    linked = await client.get(BASE + "wisdom-2026-11-25.json")
    assert linked.status == 404
    assert "hunter2" not in await linked.text()


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE meta SET value = '{not json' WHERE key = 'observing_since'",
        "UPDATE sparks SET extra = '{not json'",
    ],
)
async def test_a_damaged_row_is_moved_aside_like_any_damage(
    hass: HomeAssistant, config_entry: MockConfigEntry, damage: str
) -> None:
    path = Path(hass.config.path("aisthos.db"))
    store = SparkStore(path)
    store.open()
    store.set_meta("observing_since", 1.0)
    store.add([Spark(1_700_000_000.0, "power", "kitchen", "someone", "turned_on", "light",
                     "none", "person", "r1", (("act", 1.0),))])  # fmt: skip
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute(damage)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "database_corrupt")
    assert issue is not None
    moved = Path((issue.translation_placeholders or {})["moved"])
    assert moved.exists()  # the old file is kept, not deleted


def test_rejections_stop_where_a_wisdom_file_ends() -> None:
    book = SkillBook()
    first = date(2026, 1, 1)
    for n in range(2_100):
        book.decisions[f"s_{n:010d}"] = Decision(
            status=Status.REJECTED, changed=(first + timedelta(days=n)).isoformat()
        )
    book.update([], 500, 2_000)
    assert len(book.decisions) == 2_000
    assert "s_0000000099" not in book.decisions  # the oldest go first
    assert "s_0000002099" in book.decisions


async def test_a_database_that_held_sparks_and_is_gone_is_said_so(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    set_state(hass, "light.hall", "off")
    set_state(hass, "light.hall", "on")
    await advance(hass, freezer, 3)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    # Started again with Sparks in it: AisthOS remembers, outside the database.
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.runtime_data.learner.sparks_stored
    assert ir.async_get(hass).async_get_issue(DOMAIN, "database_gone") is None
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    for suffix in ("", "-wal", "-shm"):
        Path(hass.config.path("aisthos.db" + suffix)).unlink(missing_ok=True)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "database_gone")
    assert issue is not None
    assert issue.translation_placeholders == {"path": hass.config.path("aisthos.db")}
    assert "held Sparks and is gone" in caplog.text
