"""Logbook lines for Spark events that do not hold a well-formed Spark."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.const import EVENT_SPARK
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .helpers import advance


async def logbook_lines(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    events: list[dict[str, Any]],
) -> tuple[int, list[str]]:
    """Fire Spark events, then read the Logbook over HTTP as the frontend does."""
    assert await async_setup_component(hass, "logbook", {})
    start = dt_util.utcnow()
    await advance(hass, freezer, 1)
    for data in events:
        hass.bus.async_fire(EVENT_SPARK, data)
        await advance(hass, freezer, 1)
    await async_wait_recording_done(hass)
    client = await hass_client()
    response = await client.get(f"/api/logbook/{start.isoformat()}")
    if response.status != 200:
        return response.status, []
    return 200, [e["message"] for e in await response.json() if e.get("name") == "AisthOS"]


async def test_malformed_spark_events_read_as_a_generic_line(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An event of an older version (or another sender) must not break the Logbook.

    The room is only added when it is one of the ontology's room tokens: a free
    text 'area' (which could name a person) never reaches the Logbook.
    """
    status, lines = await logbook_lines(
        hass,
        hass_client,
        freezer,
        [
            {"area": "kitchen"},  # no time, kind, ... (KeyError)
            {"time": "yesterday", "kind": "power", "area": "living_room_2", "subject": "someone",
             "action": "turned_on", "object": "light", "band": "none", "cause": "person"},  # ValueError
            {"area": "Alice's flat"},  # not a room token: dropped
            {"area": "unknown"},
            {"area": ["kitchen"]},  # not even a string
        ],
    )  # fmt: skip
    assert status == 200
    assert lines == [
        "recorded a Spark · Kitchen",
        "recorded a Spark · Living room 2",
        "recorded a Spark",
        "recorded a Spark",
        "recorded a Spark",
    ]


async def test_a_spark_event_with_a_list_as_extra_does_not_break_the_logbook(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    status, lines = await logbook_lines(
        hass,
        hass_client,
        freezer,
        [
            {"time": 1_800_000_000.0, "kind": "gesture", "area": "hallway", "subject": "someone",
             "action": "raised_hand", "object": "camera", "band": "none", "cause": "person",
             "extra": [["angle", 45.0]]},
        ],
    )  # fmt: skip
    assert status == 200
    assert lines == ["recorded a Spark · Hallway"]
