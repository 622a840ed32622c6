"""The kettle's smart plug."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchDeviceClass, SwitchEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeConfigEntry
from .entity import HomeEntity
from .home import THINGS


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches."""
    async_add_entities(SimSwitch(t) for t in THINGS if t.platform == Platform.SWITCH)


class SimSwitch(HomeEntity, SwitchEntity):
    """A smart plug."""

    _attr_is_on = False
    _attr_device_class = SwitchDeviceClass.OUTLET

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on."""
        self._attr_is_on = True
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        self._attr_is_on = False
        self.async_write_ha_state()
