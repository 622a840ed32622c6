"""Simple on/off ceiling lights."""

from __future__ import annotations

from typing import Any

from homeassistant.components.light import ColorMode, LightEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeConfigEntry
from .entity import HomeEntity
from .home import THINGS, Thing


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the lights."""
    async_add_entities(SimLight(t) for t in THINGS if t.platform == Platform.LIGHT)


class SimLight(HomeEntity, LightEntity):
    """A light switched by service calls (from the simulator, the UI or automations)."""

    _attr_is_on = False
    _attr_color_mode = ColorMode.ONOFF

    def __init__(self, thing: Thing) -> None:
        """Create an on/off light."""
        super().__init__(thing)
        self._attr_supported_color_modes = {ColorMode.ONOFF}

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on."""
        self._attr_is_on = True
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        self._attr_is_on = False
        self.async_write_ha_state()
