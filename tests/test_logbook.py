"""Sparks appear in the Logbook as readable lines."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .helpers import advance, set_state


async def test_logbook_shows_spark_lines(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert await async_setup_component(hass, "logbook", {})
    start = dt_util.utcnow()
    hall = ar.async_get(hass).async_create("Hallway")
    door = er.async_get(hass).async_get_or_create(
        "binary_sensor", "t", "door", suggested_object_id="front"
    )
    er.async_get(hass).async_update_entity(door.entity_id, area_id=hall.id)
    set_state(
        hass, door.entity_id, "off", {"device_class": "door", "friendly_name": "Alice's door"}
    )
    await advance(hass, freezer, 5)
    set_state(hass, door.entity_id, "on", {"device_class": "door", "friendly_name": "Alice's door"})
    await advance(hass, freezer, 5)
    await async_wait_recording_done(hass)

    client = await hass_client()
    response = await client.get(f"/api/logbook/{start.isoformat()}")
    assert response.status == 200
    logbook = await response.json()
    entries = [e for e in logbook if e.get("name") == "AisthOS"]
    assert [e["message"] for e in entries] == ["Door opened · Hallway"]
    # Once: the Last Spark sensor, which would repeat it, is disabled by default.
    assert not [e for e in logbook if "Door opened" in str(e) and e not in entries]
    assert entries[0]["icon"] == "mdi:creation"
    assert "Alice" not in str(entries)
