"""The "learned routine" blueprint is valid and works when used by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
import shutil

from freezegun.api import FrozenDateTimeFactory

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml

from .helpers import set_state

SOURCE = (
    Path(__file__).resolve().parents[1]
    / "blueprints"
    / "automation"
    / "aisthos"
    / "learned_routine.yaml"
)


def test_blueprint_is_valid_and_importable() -> None:
    blueprint = Blueprint(
        load_yaml(SOURCE), expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
    )
    assert blueprint.name == "Learned routine"
    assert set(blueprint.inputs) == {
        "routine_trigger", "window_start", "window_end", "weekdays", "routine_actions", "confidence",
    }  # fmt: skip
    source_url = blueprint.metadata["source_url"]
    assert source_url.startswith("https://github.com/")
    assert source_url.endswith("blueprints/automation/aisthos/learned_routine.yaml")


async def test_blueprint_runs_inside_its_window_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    target = Path(hass.config.path("blueprints/automation/aisthos"))
    target.mkdir(parents=True)
    shutil.copy(SOURCE, target / "learned_routine.yaml")
    tz = dt_util.get_default_time_zone()
    freezer.move_to(datetime.now(tz).replace(hour=18, minute=0) + timedelta(days=1))
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"kettle": {}}})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "by_hand",
                "alias": "Evening arrival: kettle",
                "use_blueprint": {
                    "path": "aisthos/learned_routine.yaml",
                    "input": {
                        "routine_trigger": [
                            {"trigger": "state", "entity_id": "person.anna", "to": "home"}
                        ],
                        "window_start": "18:30:00",
                        "window_end": "19:30:00",
                        "routine_actions": [
                            {
                                "action": "input_boolean.turn_on",
                                "target": {"entity_id": "input_boolean.kettle"},
                            }
                        ],
                        "confidence": 0.8,
                    },
                },
            }
        },
    )
    set_state(hass, "person.anna", "not_home")
    await hass.async_block_till_done()
    set_state(hass, "person.anna", "home")  # 18:00: outside the window
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.kettle").state == "off"
    freezer.tick(timedelta(minutes=45))
    set_state(hass, "person.anna", "not_home")
    await hass.async_block_till_done()
    set_state(hass, "person.anna", "home")
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.kettle").state == "on"
