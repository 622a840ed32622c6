"""Entries of version 1 kept the engine's URL and token in the options: setup moves them."""

from __future__ import annotations

from pathlib import Path

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.config_flow import AisthosConfigFlow
from custom_components.aisthos.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .conftest import SECRET, default_options
from .test_engine_link import TOKEN, engine


def old_entry(hass: HomeAssistant, **options: object) -> MockConfigEntry:
    """An entry as version 1 of the config flow wrote it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AisthOS",
        version=1,
        minor_version=1,
        data={"secret": SECRET},
        options=default_options(logbook_sparks=True, **options),
    )
    entry.add_to_hass(hass)
    return entry


async def test_the_engine_moves_from_the_options_to_the_data(
    hass: HomeAssistant, tmp_path: Path, socket_enabled: None
) -> None:
    async with engine(tmp_path) as url:
        entry = old_entry(hass, engine_url=url, engine_token=TOKEN)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.state is ConfigEntryState.LOADED
        assert (entry.version, entry.minor_version) == (
            AisthosConfigFlow.VERSION,
            AisthosConfigFlow.MINOR_VERSION,
        )
        assert dict(entry.data) == {"secret": SECRET, "engine_url": url, "engine_token": TOKEN}
        # What AisthOS observes stays in the options, untouched.
        assert dict(entry.options) == default_options(logbook_sparks=True)
        # The runtime found its engine in the data, with the token that works.
        assert entry.runtime_data.engine is not None
        assert (await entry.runtime_data.engine.async_status())["version"]
        assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_an_entry_without_an_engine_only_gets_the_new_version(hass: HomeAssistant) -> None:
    entry = old_entry(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.version == 2
    assert dict(entry.data) == {"secret": SECRET}
    assert dict(entry.options) == default_options(logbook_sparks=True)
    assert entry.runtime_data.engine is None


async def test_an_entry_from_a_newer_aisthos_is_not_loaded(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, version=3, data={"secret": SECRET}, options=default_options()
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.version == 3
