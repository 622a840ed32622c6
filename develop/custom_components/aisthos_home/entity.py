"""Base entity of the simulated home: one device per entity, in its room."""

from __future__ import annotations

from homeassistant.core import Context, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .home import DOMAIN, Thing


class HomeEntity(Entity):
    """A simulated entity; the simulator or a service call changes it."""

    _attr_should_poll = False
    _attr_has_entity_name = True
    _attr_name = None  # named like its device

    def __init__(self, thing: Thing) -> None:
        """Create the entity for one Thing."""
        self.thing = thing
        self._attr_unique_id = thing.key
        # A fixed entity id, so configuration.yaml and automations.yaml can name it.
        self.entity_id = f"{thing.platform}.{thing.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, thing.key)},
            name=thing.name,
            manufacturer="AisthOS dev",
            model=thing.model,
            suggested_area=thing.area,
        )

    @callback
    def write_as_person(self) -> None:
        """Write the state with a fresh Context: what a person at the device causes."""
        self.async_set_context(Context())
        self.async_write_ha_state()
