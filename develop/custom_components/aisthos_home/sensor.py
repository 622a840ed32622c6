"""The simulator's clock: the simulated time of day and what the occupants do."""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeConfigEntry
from .entity import HomeEntity
from .home import THINGS


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the clock."""
    entities = [SimClock(t) for t in THINGS if t.platform == Platform.SENSOR]
    entry.runtime_data.entities.update({e.thing.key: e for e in entities})
    async_add_entities(entities)


class SimClock(HomeEntity, SensorEntity):
    """Shows e.g. "19:00 Alex comes home"; updated once per step, not every minute."""

    _attr_icon = "mdi:home-clock"

    @callback
    def show(self, clock: str, activity: str) -> None:
        """Show the step the simulator is at."""
        self._attr_native_value = f"{clock} {activity}"[:255]
        self._attr_extra_state_attributes = {"simulated_time": clock, "activity": activity}
        self.async_write_ha_state()
