"""Entries of version 1 kept the engine's URL and token in the options: setup moves them."""

from __future__ import annotations

from pathlib import Path

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.config_flow import AisthosConfigFlow
from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.perception import DEFAULT_DOMAINS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .conftest import SECRET, default_options
from .test_engine_link import TOKEN, engine


def entry_of(hass: HomeAssistant, version: int, minor: int, **options: object) -> MockConfigEntry:
    """An entry as that version of the config flow wrote it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="AisthOS",
        version=version,
        minor_version=minor,
        data={"secret": SECRET},
        options=default_options(**options),
    )
    entry.add_to_hass(hass)
    return entry


def old_entry(hass: HomeAssistant, **options: object) -> MockConfigEntry:
    """An entry as version 1 of the config flow wrote it."""
    return entry_of(hass, 1, 1, logbook_sparks=True, **options)


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
    entry = entry_of(hass, 3, 1)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.version == 3


def entry_2_1(hass: HomeAssistant, domains: list[str]) -> MockConfigEntry:
    return entry_of(hass, 2, 1, domains=domains)


async def test_an_entry_on_the_earlier_defaults_observes_valves_and_humidifiers(
    hass: HomeAssistant,
) -> None:
    earlier = [d for d in DEFAULT_DOMAINS if d not in ("valve", "humidifier")]
    entry = entry_2_1(hass, earlier)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == AisthosConfigFlow.MINOR_VERSION == 2
    assert set(entry.options["domains"]) == set(DEFAULT_DOMAINS)
    # The rest of the options as they were.
    assert {k: v for k, v in entry.options.items() if k != "domains"} == {
        k: v for k, v in default_options().items() if k != "domains"
    }


async def test_a_households_own_list_of_domains_is_kept(hass: HomeAssistant) -> None:
    entry = entry_2_1(hass, ["light", "binary_sensor"])
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.minor_version == 2
    assert entry.options["domains"] == ["light", "binary_sensor"]
