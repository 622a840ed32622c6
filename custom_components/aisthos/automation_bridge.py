"""How AisthOS recognises the automations it created."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

AUTOMATION_ID_PREFIX = "aisthos_"


def is_aisthos_automation(hass: HomeAssistant, entity_id: str) -> bool:
    """Return whether an automation entity is one AisthOS generated."""
    entry = er.async_get(hass).async_get(entity_id)
    return entry is not None and entry.unique_id.startswith(AUTOMATION_ID_PREFIX)
