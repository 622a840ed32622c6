"""A home with Assist, a kettle and the hall, and AisthOS with imported skills."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import CONF_SECRET, DOMAIN
from homeassistant import config as conf_util
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .conftest import default_options
from .test_wisdom_in_ha import add_entity
from .wisdom_samples import VALID

CONFIGURATION = """
automation: !include automations.yaml
input_boolean:
  hall_lamp:
    name: Hall lamp
  kettle_power:
    name: Kettle power
template:
  - switch:
      - name: Kettle
        unique_id: kettle
        state: "{{ is_state('input_boolean.kettle_power', 'on') }}"
        turn_on:
          action: input_boolean.turn_on
          target:
            entity_id: input_boolean.kettle_power
        turn_off:
          action: input_boolean.turn_off
          target:
            entity_id: input_boolean.kettle_power
"""


async def setup_assistant_home(
    hass: HomeAssistant,
    document: dict[str, Any] = VALID,
    mode: str = "merge",
    before_setup: Callable[[HomeAssistant], None] | None = None,
) -> MockConfigEntry:
    """Set up Assist and the home, then AisthOS, and import the wisdom document."""
    config_dir = Path(hass.config.config_dir)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION)
    (config_dir / "automations.yaml").write_text("[]\n")
    config = await conf_util.async_hass_config_yaml(hass)
    for domain in (
        "homeassistant",
        "conversation",
        "input_boolean",
        "template",
        "automation",
        "persistent_notification",
    ):
        assert await async_setup_component(hass, domain, config)
    await hass.async_block_till_done()
    add_entity(hass, "binary_sensor.hall_motion", "Hallway", "Hall motion", "motion")
    add_entity(hass, "light.hall", "Hallway", "Hall light")
    if before_setup is not None:
        before_setup(hass)
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SECRET: "ab" * 32}, options=default_options())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        DOMAIN, "import_wisdom", {"data": document, "mode": mode}, blocking=True
    )
    await hass.async_block_till_done()
    return entry
