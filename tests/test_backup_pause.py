"""While a backup copies the Spark database, AisthOS does not write to it."""

from __future__ import annotations

from datetime import timedelta
import hashlib
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aisthos import backup
from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.spark import Spark
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .helpers import advance, db_rows, set_state


def database(hass: HomeAssistant) -> str:
    """Return a digest of the database files as a backup would copy them."""
    digest = hashlib.sha256()
    for suffix in ("", "-wal"):
        path = Path(hass.config.path("aisthos.db" + suffix))
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


async def lights_on(hass: HomeAssistant, freezer: FrozenDateTimeFactory, *names: str) -> None:
    for name in names:
        set_state(hass, f"light.{name}", "off")
    await advance(hass, freezer, 5)
    for name in names:
        set_state(hass, f"light.{name}", "on")
        await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)


async def test_sparks_wait_in_memory_and_are_listed_during_a_backup(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await lights_on(hass, freezer, "a")
    assert len(db_rows(hass)) == 1
    await backup.async_pre_backup(hass)
    copied = database(hass)
    await lights_on(hass, freezer, "b", "c")
    response: dict[str, Any] = await hass.services.async_call(
        DOMAIN, "list_sparks", {"limit": 10}, blocking=True, return_response=True
    )
    # Listed from memory: all three, newest first, and nothing written.
    assert len(response["sparks"]) == 3
    times = [spark["time"] for spark in response["sparks"]]
    assert times == sorted(times, reverse=True)
    assert database(hass) == copied
    await backup.async_post_backup(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(db_rows(hass)) == 3


async def test_a_reload_during_a_backup_does_not_resume_writing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await lights_on(hass, freezer, "a")
    await backup.async_pre_backup(hass)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    copied = database(hass)
    await lights_on(hass, freezer, "b")
    assert loaded_entry.runtime_data.writes_paused
    assert database(hass) == copied
    await backup.async_post_backup(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(db_rows(hass)) == 2


async def test_writing_resumes_when_the_last_of_two_backups_ends(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await backup.async_pre_backup(hass)
    await backup.async_pre_backup(hass)
    copied = database(hass)
    await backup.async_post_backup(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await lights_on(hass, freezer, "b")
    assert database(hass) == copied
    await backup.async_post_backup(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(db_rows(hass)) == 1


async def test_a_backup_that_ends_while_aisthos_is_unloaded_leaves_no_pause(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await backup.async_pre_backup(hass)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await backup.async_post_backup(hass)
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert not loaded_entry.runtime_data.writes_paused
    await lights_on(hass, freezer, "a")
    assert len(db_rows(hass)) == 1


async def test_old_sparks_are_not_purged_during_a_backup(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    store = loaded_entry.runtime_data.store
    old = Spark(
        dt_util.utcnow().timestamp() - 200 * 86400,
        "power", "kitchen", "someone", "turned_on", "light", "none", "person", "r1",
    )  # fmt: skip
    await hass.async_add_executor_job(store.add, [old])
    await backup.async_pre_backup(hass)
    copied = database(hass)
    night = dt_util.now().replace(hour=4, minute=17, second=0, microsecond=0) + timedelta(days=1)
    freezer.move_to(night)
    async_fire_time_changed(hass, night)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert database(hass) == copied
    assert len(db_rows(hass)) == 1
    await backup.async_post_backup(hass)
    # The next night's purge removes it.
    freezer.move_to(night + timedelta(days=1))
    async_fire_time_changed(hass, night + timedelta(days=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert db_rows(hass) == []
