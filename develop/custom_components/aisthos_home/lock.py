"""The front door lock."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockEntity
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
    """Add the locks."""
    async_add_entities(SimLock(t) for t in THINGS if t.platform == Platform.LOCK)


class SimLock(HomeEntity, LockEntity):
    """A lock that locks at once."""

    _attr_is_locked = True

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock."""
        self._attr_is_locked = True
        self.async_write_ha_state()

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock."""
        self._attr_is_locked = False
        self.async_write_ha_state()
