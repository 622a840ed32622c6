"""Diagnostics are redacted; a damaged database becomes a repair issue, not a crash."""

from __future__ import annotations

from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.const import CONF_ENGINE_TOKEN, CONF_ENGINE_URL, DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .conftest import SECRET
from .helpers import advance, db_rows, set_state


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    set_state(hass, "light.x", "off")
    await advance(hass, freezer, 5)
    set_state(hass, "light.x", "on")
    await advance(hass, freezer, 5)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert diagnostics["entry"]["data"]["secret"] == "**REDACTED**"
    assert SECRET not in str(diagnostics)
    assert diagnostics["sparks"]["stored"] == 1
    assert diagnostics["filter"]["passed"] == 1
    assert diagnostics["filter"]["appeared"] == 1
    # The first setup's import of the recorder's history, done (nothing was recorded before).
    assert diagnostics["history_import"] == {"percent": 100, "imported": 0, "running": False}


async def test_diagnostics_redact_the_engine_link(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, config_entry: MockConfigEntry
) -> None:
    token = "engine-token-0123456789abcdef"
    url = "http://127.0.0.1:9/private-path"
    hass.config_entries.async_update_entry(
        config_entry,
        version=2,
        data={**config_entry.data, CONF_ENGINE_URL: url, CONF_ENGINE_TOKEN: token},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, config_entry)
    data = diagnostics["entry"]["data"]
    assert data[CONF_ENGINE_TOKEN] == data[CONF_ENGINE_URL] == "**REDACTED**"
    assert token not in str(diagnostics)
    assert "private-path" not in str(diagnostics)


async def test_corrupt_database_is_moved_aside_with_a_repair_issue(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    db = Path(hass.config.path("aisthos.db"))
    db.write_bytes(b"garbage" * 1000)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "database_corrupt")
    assert issue is not None
    assert issue.translation_placeholders is not None
    moved = Path(issue.translation_placeholders["moved"])
    assert moved.read_bytes() == b"garbage" * 1000  # nothing lost
    # Perception goes on with a fresh database.
    set_state(hass, "light.x", "off")
    await advance(hass, freezer, 5)
    set_state(hass, "light.x", "on")
    await advance(hass, freezer, 5)
    assert len(db_rows(hass)) == 1


async def test_locked_database_retries_instead_of_failing(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    import sqlite3

    db = Path(hass.config.path("aisthos.db"))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE hold (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        assert config_entry.state is ConfigEntryState.SETUP_RETRY
        assert ir.async_get(hass).async_get_issue(DOMAIN, "database_locked") is not None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await hass.config_entries.async_unload(config_entry.entry_id)
