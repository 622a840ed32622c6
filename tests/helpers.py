"""Test helpers for driving a real HA through time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import sqlite3
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 2) -> None:
    """Move time on so the Filter releases and the writer writes."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def set_state(
    hass: HomeAssistant,
    entity_id: str,
    state: str,
    attributes: dict[str, Any] | None = None,
    automation: bool = False,
) -> None:
    """Write a state as a person (fresh context) or an automation (parent id)."""
    context = Context(parent_id="01JAUTOMATIONPARENT0000000") if automation else Context()
    hass.states.async_set(entity_id, state, attributes, context=context)


def db_rows(hass: HomeAssistant, query: str = "SELECT * FROM sparks ORDER BY id") -> list[Any]:
    """Read the Spark database directly, as another program would."""
    conn = sqlite3.connect(Path(hass.config.path("aisthos.db")))
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def grown_to(stage: str, born_days_ago: int = 40) -> Any:
    """A growth record that went through every stage up to `stage`, none skipped."""
    from datetime import date, timedelta

    from custom_components.aisthos.engine.growth import ORDER, Growth, Stage

    born = date.today() - timedelta(days=born_days_ago)
    history = [(s, born + timedelta(days=3 * i)) for i, s in enumerate(ORDER)]
    upto = ORDER.index(Stage(stage)) + 1
    return Growth(born=born, stage=Stage(stage), history=history[:upto])


async def enable_entity(hass: HomeAssistant, entry: MockConfigEntry, entity_id: str) -> None:
    """Enable an entity that is disabled by default, as a user would, and reload."""
    registry = er.async_get(hass)
    assert registry.async_get(entity_id) is not None, entity_id
    registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


def running(entry: Any) -> set[str]:
    """Return the automation ids of what AisthOS runs (approved skills, taught phrases)."""
    return set(entry.runtime_data.skills.runner.keys())
