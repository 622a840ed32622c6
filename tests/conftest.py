"""Shared fixtures: a real Home Assistant with the recorder on real SQLite."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import CONF_SECRET, DOMAIN
from custom_components.aisthos.engine.perception import DEFAULT_DOMAINS
from homeassistant.core import HomeAssistant

from . import file_guard

# The HA test plugin logs every SQL statement; the recorder thread still writes
# between tests, straight to the terminal. Failures show the recorder's warnings.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

SECRET = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture(autouse=True)
def recorder_before_hass(request: pytest.FixtureRequest) -> None:
    """Every test with a real HA also gets the recorder, on real SQLite.

    The recorder fixture must come before hass; autouse fixtures do.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("recorder_mock")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_before_hass: None, request: pytest.FixtureRequest
) -> None:
    """Let HA load custom_components/aisthos, with a config folder of its own."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")
        hass: HomeAssistant = request.getfixturevalue("hass")
        config_dir = request.getfixturevalue("tmp_path") / "config"
        config_dir.mkdir()
        hass.config.config_dir = str(config_dir)
        file_guard.config_dir = str(config_dir.resolve())


@pytest.fixture(autouse=True)
def aisthos_writes_only_its_own_files() -> Any:
    """During every test, AisthOS writes no file of the user's, HA's or another integration's."""
    file_guard.violations.clear()
    yield
    found, file_guard.config_dir = list(file_guard.violations), None
    file_guard.violations.clear()
    assert not found, f"AisthOS wrote files that are not its own: {found}"


def default_options(**overrides: Any) -> dict[str, Any]:
    """Options as the config flow writes them by default."""
    options: dict[str, Any] = {
        "domains": list(DEFAULT_DOMAINS),
        "include_areas": [],
        "exclude_areas": [],
        "include_entities": [],
        "exclude_entities": [],
        "review_sparks": False,
        "retention_days": 90,
    }
    options.update(overrides)
    return options


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Override in a test module to change the entry's options."""
    return default_options()


@pytest.fixture
def config_entry(hass: HomeAssistant, entry_options: dict[str, Any]) -> MockConfigEntry:
    """An AisthOS config entry, added to hass but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="AisthOS", data={CONF_SECRET: SECRET}, options=entry_options
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry, set up in a real HA with the recorder running.

    Its first setup imports the recorder's history in the background: done
    before the test starts, so tests begin from a settled home.
    """
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return config_entry
