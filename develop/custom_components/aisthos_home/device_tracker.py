"""The occupants' phones: home or away, which their person entities follow."""

from __future__ import annotations

from homeassistant.components.device_tracker import TrackerEntity
from homeassistant.components.zone import ENTITY_ID_HOME
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
    """Add the phones."""
    entities = [SimPhone(t) for t in THINGS if t.platform == Platform.DEVICE_TRACKER]
    entry.runtime_data.entities.update({e.thing.key: e for e in entities})
    async_add_entities(entities)


class SimPhone(HomeEntity, TrackerEntity):
    """A phone that is either in the home zone or nowhere known (not_home)."""

    def __init__(self, thing: Thing) -> None:
        """Create a phone that is at home."""
        super().__init__(thing)
        # Zone membership without coordinates: no location data to leak or configure.
        self._attr_in_zones = [ENTITY_ID_HOME]

    @callback
    def set_home(self, home: bool) -> None:
        """Move the phone home or away (its owner arrived or left)."""
        self._attr_in_zones = [ENTITY_ID_HOME] if home else []
        self.write_as_person()
