"""Sparks in the Logbook: nothing by default, readable lines with the logbook option."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.const import CONF_LOGBOOK, EVENT_SPARK
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import area_registry as ar, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .conftest import default_options
from .helpers import advance, db_rows, set_state

DOOR = {"device_class": "door", "friendly_name": "Alice's door"}


async def open_the_door(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> datetime:
    """Open a door in the hallway (one Spark); return when it started, for the Logbook."""
    assert await async_setup_component(hass, "logbook", {})
    start = dt_util.utcnow()
    hall = ar.async_get(hass).async_create("Hallway")
    door = er.async_get(hass).async_get_or_create(
        "binary_sensor", "t", "door", suggested_object_id="front"
    )
    er.async_get(hass).async_update_entity(door.entity_id, area_id=hall.id)
    set_state(hass, door.entity_id, "off", DOOR)
    await advance(hass, freezer, 5)
    set_state(hass, door.entity_id, "on", DOOR)
    await advance(hass, freezer, 5)
    await async_wait_recording_done(hass)
    return start


async def read_logbook(
    hass_client: ClientSessionGenerator, start: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read the Logbook over HTTP as the frontend does: (all entries, AisthOS's)."""
    client = await hass_client()
    response = await client.get(f"/api/logbook/{start.isoformat()}")
    assert response.status == 200
    logbook: list[dict[str, Any]] = await response.json()
    return logbook, [e for e in logbook if e.get("name") == "AisthOS"]


async def test_by_default_a_spark_is_no_event_and_no_logbook_line(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The Spark is stored in aisthos.db only: not a second time in the recorder."""
    events = async_capture_events(hass, EVENT_SPARK)
    start = await open_the_door(hass, freezer)

    assert db_rows(hass, "SELECT kind, action FROM sparks") == [("opening", "opened")]
    assert events == []
    logbook, ours = await read_logbook(hass_client, start)
    assert ours == []
    # The door's own line is HA's; nothing repeats it.
    assert [e for e in logbook if "Door opened" in str(e)] == []
    assert [e["state"] for e in logbook if e.get("entity_id") == "binary_sensor.front"] == ["on"]


@pytest.mark.parametrize("entry_options", [default_options(**{CONF_LOGBOOK: True})])
async def test_with_the_option_the_logbook_shows_spark_lines(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = async_capture_events(hass, EVENT_SPARK)
    start = await open_the_door(hass, freezer)

    assert [e.data["action"] for e in events] == ["opened"]
    logbook, entries = await read_logbook(hass_client, start)
    assert [e["message"] for e in entries] == ["Door opened · Hallway"]
    # Once: the Last Spark sensor, which would repeat it, is disabled by default.
    assert not [e for e in logbook if "Door opened" in str(e) and e not in entries]
    assert entries[0]["icon"] == "mdi:creation"
    assert "Alice" not in str(entries)


async def test_the_option_is_offered_off_and_turning_it_on_fires_the_events(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    assert defaults[CONF_LOGBOOK] is False
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_LOGBOOK: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert loaded_entry.options[CONF_LOGBOOK] is True
    assert loaded_entry.runtime_data.logbook is True

    events = async_capture_events(hass, EVENT_SPARK)
    start = await open_the_door(hass, freezer)
    assert len(events) == 1
    _, entries = await read_logbook(hass_client, start)
    assert [e["message"] for e in entries] == ["Door opened · Hallway"]
