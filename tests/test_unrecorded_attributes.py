"""Long and ever-changing attributes stay out of HA's recorder (the live state keeps them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from homeassistant.components.recorder import get_instance, history
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home
from .helpers import advance, enable_entity, set_state

SPARK_FIELDS = {"time", "kind", "area", "subject", "action", "object", "band", "cause", "extra"}


async def recorded(hass: HomeAssistant, since: datetime, entity_id: str) -> list[State]:
    """Return the states of an entity as the recorder stored them (its SQLite, read back)."""
    await async_wait_recording_done(hass)
    states = await get_instance(hass).async_add_executor_job(
        partial(
            history.get_significant_states,
            hass,
            since,
            entity_ids=[entity_id],
            significant_changes_only=False,
        )
    )
    found: list[State] = states.get(entity_id, [])
    assert found, f"the recorder holds no state of {entity_id}"
    return found


async def test_last_spark_fields_are_not_recorded(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await enable_entity(hass, loaded_entry, "sensor.aisthos_last_spark")
    since = dt_util.utcnow() - timedelta(seconds=1)
    set_state(hass, "light.hall", "off")
    await advance(hass, freezer, 5)
    set_state(hass, "light.hall", "on")
    await advance(hass, freezer, 5)

    live = hass.states.get("sensor.aisthos_last_spark")
    assert live is not None
    assert live.state.startswith("Light turned on")
    assert set(live.attributes) >= SPARK_FIELDS
    rows = await recorded(hass, since, "sensor.aisthos_last_spark")
    assert rows[-1].state == live.state
    for row in rows:
        assert not SPARK_FIELDS & set(row.attributes), row.attributes
    # Other attributes are still recorded: the exclusion is by name.
    assert rows[-1].attributes.get("friendly_name") == live.attributes["friendly_name"]


async def test_skill_tables_and_explanations_are_not_recorded(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    since = dt_util.utcnow() - timedelta(seconds=1)
    entry = await setup_assistant_home(hass)
    switches = [
        s.entity_id
        for s in hass.states.async_all("switch")
        if s.entity_id.startswith("switch.aisthos_skill_")
    ]
    assert switches
    expected = {
        "sensor.aisthos_skills": {"skills", "last_run"},
        "sensor.aisthos_stage": {"next_stage_needs", "days"},
        "sensor.aisthos_history_import": {"imported"},
        **{
            switch: {"explanation", "confidence", "learned_from", "last_observed"}
            for switch in switches
        },
    }
    # A state written after the skills came, so the recorder has one to leave them out of.
    for entity_id in expected:
        entity = hass.data["entity_components"][entity_id.partition(".")[0]].get_entity(entity_id)
        assert entity is not None, entity_id
        entity.async_write_ha_state()
    assert entry.runtime_data.learner.skills
    for entity_id, unrecorded in expected.items():
        live = hass.states.get(entity_id)
        assert live is not None, entity_id
        assert unrecorded <= set(live.attributes), (entity_id, live.attributes)
        for row in await recorded(hass, since, entity_id):
            assert not unrecorded & set(row.attributes), (entity_id, row.attributes)
        # What stays is small and changes rarely: still recorded.
        assert "friendly_name" in row.attributes
