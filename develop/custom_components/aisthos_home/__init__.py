"""Development only: a simulated home whose two occupants live a compressed day.

Never shipped: scripts/develop links it into .develop/config/custom_components so
AisthOS has real entities, areas, people and automations to perceive. The
`aisthos_home:` key in configuration.yaml imports one config entry (entities need
one to get devices, and devices carry the areas Sparks are told in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
import logging
from typing import Any

import probatio

from homeassistant.config_entries import SOURCE_IMPORT, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    config_validation as cv,
    device_registry as dr,
)
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType

from .home import AREAS, DOMAIN, PLATFORMS, THINGS

_LOGGER = logging.getLogger(__name__)

CONF_DAY_MINUTES = "day_minutes"
CONF_START = "start"
CONF_SIMULATE = "simulate"

DEFAULTS: dict[str, Any] = {CONF_DAY_MINUTES: 10.0, CONF_START: time(6, 10), CONF_SIMULATE: True}

CONFIG_SCHEMA = probatio.Schema(
    {
        DOMAIN: probatio.Any(
            None,
            {
                # Real minutes one simulated day lasts: 10 shows a whole day's
                # rhythm quickly and still leaves debounce windows intact.
                probatio.Optional(CONF_DAY_MINUTES, default=10.0): probatio.All(
                    probatio.Coerce(float), probatio.Range(min=1.0)
                ),
                # Simulated time of day when Home Assistant starts.
                probatio.Optional(CONF_START, default=time(6, 10)): cv.time,
                probatio.Optional(CONF_SIMULATE, default=True): cv.boolean,
            },
        )
    },
    extra=probatio.ALLOW_EXTRA,
)


@dataclass
class HomeData:
    """Entities the simulator moves directly (sensors and phones have no services)."""

    entities: dict[str, Entity] = field(default_factory=dict)


type HomeConfigEntry = ConfigEntry[HomeData]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Import the YAML key as the single config entry."""
    if DOMAIN not in config:
        return True
    hass.data[DOMAIN] = {**DEFAULTS, **(config[DOMAIN] or {})}
    if not hass.config_entries.async_entries(DOMAIN):
        hass.async_create_task(
            hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_IMPORT}, data={})
        )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeConfigEntry) -> bool:
    """Create the rooms and devices, then start the occupants once HA runs."""
    areas = ar.async_get(hass)
    area_ids = {name: areas.async_get_or_create(name).id for name in AREAS}
    entry.runtime_data = HomeData()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    # suggested_area only applies to brand-new devices; put back any that lost theirs.
    devices = dr.async_get(hass)
    for thing in THINGS:
        device = devices.async_get_device_by_identifier((DOMAIN, thing.key), entry.entry_id)
        if thing.area and device and device.area_id is None:
            devices.async_update_device(device.id, area_id=area_ids[thing.area])

    options = hass.data.get(DOMAIN, DEFAULTS)
    if options[CONF_SIMULATE]:
        from .simulator import Occupants  # noqa: PLC0415

        occupants = Occupants(hass, entry, options[CONF_DAY_MINUTES], options[CONF_START])

        async def _start(_hass: HomeAssistant) -> None:
            # A background task of the entry: cancelled when it unloads or HA stops.
            entry.async_create_background_task(hass, occupants.run(), "aisthos_home occupants")

        entry.async_on_unload(async_at_started(hass, _start))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: HomeConfigEntry) -> bool:
    """Unload the platforms."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
