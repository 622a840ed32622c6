"""Motion sensors and the front door contact; only the simulator moves them."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeConfigEntry
from .entity import HomeEntity
from .home import THINGS, Thing


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors."""
    entities = [SimBinarySensor(t) for t in THINGS if t.platform == Platform.BINARY_SENSOR]
    entry.runtime_data.entities.update({e.thing.key: e for e in entities})
    async_add_entities(entities)


class SimBinarySensor(HomeEntity, BinarySensorEntity):
    """A motion sensor or door contact."""

    _attr_is_on = False

    def __init__(self, thing: Thing) -> None:
        """Create with the Thing's device class."""
        super().__init__(thing)
        self._attr_device_class = BinarySensorDeviceClass(thing.device_class)

    @callback
    def set(self, on: bool) -> None:
        """Report movement, or the door opening or closing."""
        if self._attr_is_on != on:
            self._attr_is_on = on
            self.write_as_person()
