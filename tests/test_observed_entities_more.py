"""Entities without an area of their own take their device's area, for lights and cameras."""

from __future__ import annotations

import time

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er

from .conftest import default_options
from .helpers import advance, db_rows, set_state


@pytest.fixture
def entry_options() -> dict[str, object]:
    return default_options(exclude_areas=["garage"])


def on_device(hass: HomeAssistant, entity_id: str, area: str | None) -> None:
    """An entity with no area of its own, on a device placed in `area` (if any)."""
    other = MockConfigEntry(domain="test")
    other.add_to_hass(hass)
    area_id = None
    if area is not None:
        areas = ar.async_get(hass)
        area_id = (areas.async_get_area_by_name(area) or areas.async_create(area)).id
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("test", entity_id)}
    )
    dr.async_get(hass).async_update_device(device.id, area_id=area_id)
    domain, object_id = entity_id.split(".")
    entry = er.async_get(hass).async_get_or_create(
        domain, "test", object_id, suggested_object_id=object_id, device_id=device.id
    )
    assert entry.entity_id == entity_id
    assert entry.area_id is None


def gesture() -> dict[str, object]:
    return {"kind": "gesture", "time": time.time(), "subject": "someone",
            "action": "raised_hand", "cause": "person", "extra": {"angle": 45}}  # fmt: skip


async def test_lights_take_their_devices_area_and_its_exclusion(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    on_device(hass, "light.kitchen_ceiling", "Kitchen")
    on_device(hass, "light.garage_strip", "Garage")
    on_device(hass, "light.loose", None)
    assert ar.async_get(hass).async_get_area_by_name("Garage").id == "garage"
    for entity_id in ("light.kitchen_ceiling", "light.garage_strip", "light.loose"):
        set_state(hass, entity_id, "off")
    await advance(hass, freezer, 5)
    for entity_id in ("light.kitchen_ceiling", "light.garage_strip", "light.loose"):
        set_state(hass, entity_id, "on")
        await advance(hass, freezer, 2)
    await advance(hass, freezer, 3)

    anonymizer = loaded_entry.runtime_data.anonymizer
    rows = dict(db_rows(hass, "SELECT ref, area FROM sparks"))
    assert rows == {
        anonymizer.ref("light.kitchen_ceiling"): "kitchen",
        anonymizer.ref("light.loose"): "unknown",
    }  # the garage light is excluded through its device's area


async def test_cameras_take_their_devices_area_and_its_exclusion(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    on_device(hass, "camera.kitchen", "Kitchen")
    on_device(hass, "camera.garage", "Garage")
    on_device(hass, "camera.loose", None)
    for camera in ("camera.kitchen", "camera.garage", "camera.loose"):
        hass.states.async_set(camera, "idle")
        hass.bus.async_fire("aisthos_camera_spark", {"camera": camera, "spark": gesture()})
    await advance(hass, freezer, 3)

    anonymizer = loaded_entry.runtime_data.anonymizer
    rows = dict(db_rows(hass, "SELECT ref, area FROM sparks WHERE kind = 'gesture'"))
    assert rows == {
        anonymizer.ref("camera.kitchen"): "kitchen",
        anonymizer.ref("camera.loose"): "unknown",
    }
    assert loaded_entry.runtime_data.stats.camera_sparks_refused == 1
