"""The integration in a real HA: perceive, store, show, stop cleanly."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.aisthos.const import DOMAIN, EVENT_SPARK
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar, entity_registry as er

from .conftest import default_options
from .helpers import advance, db_rows, enable_entity, set_state


async def test_setup_and_unload(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.aisthos_sparks_today").state == "0"
    assert hass.states.get("todo.aisthos_spark_review") is not None
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    # Services stay registered and explain themselves when nothing is loaded.
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "list_sparks", {}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "not_loaded"


async def test_state_changes_become_stored_sparks(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    # Disabled by default; enabled here as a user would.
    assert hass.states.get("sensor.aisthos_last_spark") is None
    await enable_entity(hass, loaded_entry, "sensor.aisthos_last_spark")
    events = async_capture_events(hass, EVENT_SPARK)
    area = ar.async_get(hass).async_create("Hallway")
    entry = er.async_get(hass).async_get_or_create("light", "test", "hall-light")
    er.async_get(hass).async_update_entity(entry.entity_id, area_id=area.id)

    set_state(hass, "person.alice", "not_home")
    set_state(hass, entry.entity_id, "off", {"friendly_name": "Alice's light"})
    await advance(hass, freezer, 5)
    set_state(hass, "person.alice", "home", {"friendly_name": "Alice", "latitude": 52.5})
    set_state(hass, entry.entity_id, "on", {"friendly_name": "Alice's light"})
    set_state(hass, entry.entity_id, "on", {"friendly_name": "Alice's light", "brightness": 5})
    set_state(hass, "sensor.unobserved", "42")
    await advance(hass, freezer, 2)

    rows = db_rows(
        hass, "SELECT kind, area, subject, action, object, cause FROM sparks ORDER BY id"
    )
    assert rows == [
        ("presence", "unknown", "resident_a", "arrived", "person", "person"),
        ("power", "hallway", "someone", "turned_on", "light", "person"),
    ]
    # No HA event per Spark unless the logbook option is on (tests/test_logbook.py).
    assert events == []
    assert hass.states.get("sensor.aisthos_sparks_today").state == "2"
    last = hass.states.get("sensor.aisthos_last_spark")
    assert last.state.startswith("Light turned on · Hallway · ")
    assert last.attributes["area"] == "hallway"

    response = await hass.services.async_call(
        DOMAIN, "list_sparks", {"limit": 10}, blocking=True, return_response=True
    )
    sparks: list[dict[str, Any]] = response["sparks"]
    assert [s["line"].split(" · ")[0] for s in sparks] == [
        "Light turned on",
        "Resident A arrived home",
    ]
    assert "ref" not in sparks[0]
    kind_only = await hass.services.async_call(
        DOMAIN, "list_sparks", {"kind": "presence"}, blocking=True, return_response=True
    )
    assert len(kind_only["sparks"]) == 1


async def test_automation_caused_changes_are_marked(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    set_state(hass, "switch.kettle", "off")
    await advance(hass, freezer, 5)
    set_state(hass, "switch.kettle", "on", automation=True)
    await advance(hass, freezer, 5)
    assert db_rows(hass, "SELECT cause, subject FROM sparks") == [("automation", "nobody")]


async def test_sparks_in_memory_are_written_on_stop(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    set_state(hass, "light.porch", "off")
    await advance(hass, freezer, 5)
    set_state(hass, "light.porch", "on")  # still inside the debounce window
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert db_rows(hass, "SELECT action FROM sparks") == [("turned_on",)]


async def test_sparks_are_written_within_the_batch_interval(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    set_state(hass, "light.porch", "off")
    await advance(hass, freezer, 5)
    set_state(hass, "light.porch", "on")
    await advance(hass, freezer, 1)  # debounce passes on this tick
    await advance(hass, freezer, 1)
    assert len(db_rows(hass)) == 1  # on disk, not only in memory


async def test_anonymous_roles_survive_a_restart(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    for person in ("person.bob", "person.alice"):
        set_state(hass, person, "not_home")
    await advance(hass, freezer, 5)
    set_state(hass, "person.bob", "home")
    await advance(hass, freezer, 5)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    set_state(hass, "person.alice", "home")
    set_state(hass, "person.bob", "not_home")
    await advance(hass, freezer, 5)
    assert db_rows(hass, "SELECT subject, action FROM sparks ORDER BY id") == [
        ("resident_a", "arrived"),
        ("resident_b", "arrived"),
        ("resident_a", "left"),
    ]


@pytest.mark.parametrize(
    ("entry_options", "observed"),
    [
        (default_options(), {"light.kitchen", "light.bedroom", "fan.kitchen"}),
        (default_options(domains=["light"]), {"light.kitchen", "light.bedroom"}),
        (default_options(include_areas=["kitchen"]), {"light.kitchen", "fan.kitchen"}),
        (default_options(exclude_areas=["kitchen"]), {"light.bedroom"}),
        (default_options(exclude_entities=["light.bedroom"]), {"light.kitchen", "fan.kitchen"}),
        (
            default_options(domains=["fan"], include_entities=["light.bedroom"]),
            {"fan.kitchen", "light.bedroom"},
        ),
    ],
)
async def test_include_and_exclude(
    recorder_mock: Any,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    observed: set[str],
) -> None:
    areas = ar.async_get(hass)
    kitchen = areas.async_create("Kitchen")
    bedroom = areas.async_create("Bedroom")
    assert kitchen.id == "kitchen"
    registry = er.async_get(hass)
    for entity_id, area in [
        ("light.kitchen", kitchen),
        ("light.bedroom", bedroom),
        ("fan.kitchen", kitchen),
    ]:
        domain, object_id = entity_id.split(".")
        created = registry.async_get_or_create(
            domain, "test", object_id, suggested_object_id=object_id
        )
        registry.async_update_entity(created.entity_id, area_id=area.id)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    for entity_id in ("light.kitchen", "light.bedroom", "fan.kitchen"):
        set_state(hass, entity_id, "off")
    await advance(hass, freezer, 5)
    for entity_id in ("light.kitchen", "light.bedroom", "fan.kitchen"):
        set_state(hass, entity_id, "on")
    await advance(hass, freezer, 5)
    runtime = config_entry.runtime_data
    refs = {runtime.anonymizer.ref(e): e for e in ("light.kitchen", "light.bedroom", "fan.kitchen")}
    assert {refs[r] for (r,) in db_rows(hass, "SELECT ref FROM sparks")} == observed


async def test_area_change_is_picked_up(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    registry = er.async_get(hass)
    light = registry.async_get_or_create("light", "test", "lamp", suggested_object_id="lamp")
    set_state(hass, light.entity_id, "off")
    await advance(hass, freezer, 5)
    set_state(hass, light.entity_id, "on")
    await advance(hass, freezer, 5)
    office = ar.async_get(hass).async_create("Study")
    registry.async_update_entity(light.entity_id, area_id=office.id)
    await hass.async_block_till_done()
    set_state(hass, light.entity_id, "off")
    await advance(hass, freezer, 5)
    assert db_rows(hass, "SELECT area FROM sparks ORDER BY id") == [("unknown",), ("office",)]


async def test_own_entities_are_never_observed(
    recorder_mock: Any, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"secret": "ab" * 32},
        options=default_options(domains=["sensor", "todo"]),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    set_state(hass, "sensor.room_temperature", "20", {"device_class": "temperature"})
    await advance(hass, freezer, 5)
    set_state(hass, "sensor.room_temperature", "25", {"device_class": "temperature"})
    for _ in range(5):
        await advance(hass, freezer, 3)
    # Only the temperature: our own "Sparks today" sensor changed too, but is ours.
    assert db_rows(hass, "SELECT object, band FROM sparks") == [("temperature", "high")]


async def test_a_failed_start_leaves_nothing_running(
    hass: HomeAssistant, config_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fail(self: object) -> None:
        raise RuntimeError("voice failed to start")

    # A failure late in the start, after the skills started watching: the real
    # failure points (a broken language file, a lost registry) are hard to stage.
    # Set up and unload once, so that what HA's own components listen to is in place.
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    before = dict(hass.bus.async_listeners())
    monkeypatch.setattr("custom_components.aisthos.voice.Voice.async_start", fail)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    # Every listener the failed start added is gone again.
    assert dict(hass.bus.async_listeners()) == before
    # The database was closed, and a new start opens it afresh.
    monkeypatch.undo()
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.LOADED
