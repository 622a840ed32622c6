"""Which entities AisthOS observes, from the user's options and HA's registries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er

from .const import (
    CONF_DOMAINS,
    CONF_EXCLUDE_AREAS,
    CONF_EXCLUDE_ENTITIES,
    CONF_INCLUDE_AREAS,
    CONF_INCLUDE_ENTITIES,
    DOMAIN,
)
from .engine.perception import DEFAULT_DOMAINS, observable
from .engine.state_change import EntityInfo


class ObservedEntities:
    """Resolve entity ids to EntityInfo, or None when not observed; cached."""

    def __init__(self, hass: HomeAssistant, options: Mapping[str, Any]) -> None:
        """Create from the config entry's options."""
        self._hass = hass
        self._domains = frozenset(options.get(CONF_DOMAINS, DEFAULT_DOMAINS))
        self._include_areas = frozenset(options.get(CONF_INCLUDE_AREAS, ()))
        self._exclude_areas = frozenset(options.get(CONF_EXCLUDE_AREAS, ()))
        self._include_entities = frozenset(options.get(CONF_INCLUDE_ENTITIES, ()))
        self._exclude_entities = frozenset(options.get(CONF_EXCLUDE_ENTITIES, ()))
        self._cache: dict[str, EntityInfo | None] = {}

    def get(self, entity_id: str, state: State | None) -> EntityInfo | None:
        """Return what perception may know of an entity, or None if not observed."""
        try:
            return self._cache[entity_id]
        except KeyError:
            info = self._cache[entity_id] = self._resolve(entity_id, state)
            return info

    def camera_info(self, entity_id: str) -> EntityInfo | None:
        """Return a camera's info unless the user excluded it (cameras report via the add-on)."""
        if entity_id in self._exclude_entities:
            return None
        entry = er.async_get(self._hass).async_get(entity_id)
        area_id = entry.area_id if entry else None
        if entry is not None and area_id is None and entry.device_id:
            device = dr.async_get(self._hass).async_get(entry.device_id)
            area_id = device.area_id if device else None
        if area_id in self._exclude_areas:
            return None
        area = ar.async_get(self._hass).async_get_area(area_id) if area_id else None
        return EntityInfo(entity_id, "camera", None, area_id, area.name if area else None)

    def invalidate(self) -> None:
        """Forget cached answers (registries or options changed)."""
        self._cache.clear()

    def _resolve(self, entity_id: str, state: State | None) -> EntityInfo | None:
        if entity_id in self._exclude_entities:
            return None
        domain = entity_id.partition(".")[0]
        entry = er.async_get(self._hass).async_get(entity_id)
        if entry is not None and (entry.platform == DOMAIN or entry.disabled):
            return None  # never observe ourselves
        device_class: str | None = None
        area_id: str | None = None
        if entry is not None:
            device_class = entry.device_class or entry.original_device_class
            area_id = entry.area_id
            if area_id is None and entry.device_id:
                device = dr.async_get(self._hass).async_get(entry.device_id)
                area_id = device.area_id if device else None
        if device_class is None and state is not None:
            value = state.attributes.get("device_class")
            device_class = value if isinstance(value, str) else None
        if not observable(domain, device_class):
            return None
        if entity_id not in self._include_entities:
            if domain not in self._domains:
                return None
            if self._include_areas and area_id not in self._include_areas:
                return None
            if area_id in self._exclude_areas:
                return None
        area_name: str | None = None
        if area_id is not None and (area := ar.async_get(self._hass).async_get_area(area_id)):
            area_name = area.name
        return EntityInfo(entity_id, domain, device_class, area_id, area_name)
