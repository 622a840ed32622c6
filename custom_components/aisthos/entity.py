"""Base entity: every AisthOS entity sits on one service device."""

from __future__ import annotations

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .runtime import AisthosConfigEntry, AisthosRuntime


class AisthosEntity(Entity):
    """An entity of the AisthOS device, refreshed when Sparks arrive."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: AisthosConfigEntry, key: str) -> None:
        """Create the entity with a stable unique id."""
        self.runtime: AisthosRuntime = entry.runtime_data
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_translation_key = key
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name="AisthOS",
            manufacturer="AisthOS",
            entry_type=DeviceEntryType.SERVICE,
        )

    def signals(self) -> list[str]:
        """Return the dispatcher signals after which this entity refreshes."""
        return [self.runtime.signal]

    async def async_added_to_hass(self) -> None:
        """Follow updates."""
        await super().async_added_to_hass()
        for signal in self.signals():
            self.async_on_remove(async_dispatcher_connect(self.hass, signal, self._async_updated))

    @callback
    def _async_updated(self) -> None:
        self.async_write_ha_state()
