"""Repairs fix flows when AisthOS is gone or the automation cannot be written."""

from __future__ import annotations

import copy
from pathlib import Path
import shutil
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Status
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .test_wisdom_in_ha import add_entity, call, home_a, setup_home
from .wisdom_samples import VALID

KETTLE = "s_9876543210"


def with_kettle_proposed() -> dict[str, Any]:
    """VALID, with the kettle skill waiting for the household's decision."""
    doc = copy.deepcopy(VALID)
    doc["skills"][1]["decision"] = {
        "status": "proposed", "changed": "2026-11-24", "feedback": 0.0, "counts": {},
        "rejected_learned_from": 0, "rejected_confidence": 0.0, "snoozed_until": "",
        "written": "",
    }  # fmt: skip
    return doc


async def start_fix(client: Any, issue_id: str) -> dict[str, Any]:
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def step(client: Any, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/api/repairs/issues/fix/{flow_id}", json=data)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def proposing_home(hass: HomeAssistant) -> MockConfigEntry:
    home_a(hass)
    entry = await setup_home(hass)
    await call(hass, "import_wisdom", data=with_kettle_proposed(), mode="replace")
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{KETTLE}") is not None
    return entry


async def test_a_proposal_cannot_be_decided_while_aisthos_is_unloaded(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    entry = await proposing_home(hass)
    automations = Path(hass.config.path("automations.yaml"))
    before = automations.read_text()
    client = await hass_client()
    menu = await start_fix(client, f"proposal_{KETTLE}")
    assert menu["type"] == "menu"
    assert menu["description_placeholders"]["name"] == "Weekend routine: Kettle"

    # The integration is unloaded while the dialog is open: nothing may happen.
    assert await hass.config_entries.async_unload(entry.entry_id)
    gone = await step(client, menu["flow_id"], {"next_step_id": "approve"})
    assert (gone["type"], gone["reason"]) == ("abort", "skill_gone")
    again = await start_fix(client, f"proposal_{KETTLE}")
    assert (again["type"], again["reason"]) == ("abort", "skill_gone")
    assert automations.read_text() == before

    # Back again, the proposal still waits, as does its issue.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{KETTLE}") is not None


async def test_an_unwritable_automations_file_leaves_the_proposal_open(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    entry = await proposing_home(hass)
    automations = Path(hass.config.path("automations.yaml"))
    automations.unlink()
    automations.mkdir()  # reading or writing it now fails with an OSError
    client = await hass_client()
    menu = await start_fix(client, f"proposal_{KETTLE}")
    result = await step(client, menu["flow_id"], {"next_step_id": "approve"})
    assert (result["type"], result["reason"]) == ("abort", "cannot_apply")
    assert "automations.yaml cannot be written" in result["description_placeholders"]["error"]
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{KETTLE}") is not None

    # Once the file is fine again, approving works from the same issue.
    shutil.rmtree(automations)
    automations.write_text("[]\n")
    menu = await start_fix(client, f"proposal_{KETTLE}")
    done = await step(client, menu["flow_id"], {"next_step_id": "approve"})
    assert done["type"] == "create_entry"
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.APPROVED
    assert f"id: aisthos_{KETTLE}" in automations.read_text()
    assert hass.states.get("automation.weekend_routine_kettle").state == "on"
    # Stop its 09:30 time trigger so no timer outlives the test.
    await hass.services.async_call("automation", "turn_off", {"entity_id": "all"}, blocking=True)


async def test_mapping_entities_stops_when_aisthos_is_unloaded(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    # This home has no kettle: the kettle skill waits, dormant.
    add_entity(hass, "binary_sensor.hall_motion", "Hallway", "Hall motion", "motion")
    add_entity(hass, "light.hall", "Hallway", "Hall light")
    entry = await setup_home(hass)
    result = await call(hass, "import_wisdom", data=VALID, mode="replace")
    assert result["dormant"] == 1
    client = await hass_client()
    form = await start_fix(client, "unmatched_entities")
    assert (form["type"], form["step_id"]) == ("form", "map")
    assert form["description_placeholders"]["left"] == "1"

    assert await hass.config_entries.async_unload(entry.entry_id)
    gone = await step(client, form["flow_id"], {})
    assert (gone["type"], gone["reason"]) == ("abort", "nothing_dormant")
    again = await start_fix(client, "unmatched_entities")
    assert (again["type"], again["reason"]) == ("abort", "nothing_dormant")

    # Nothing was resolved (or dropped) behind the household's back.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert len(entry.runtime_data.learner.dormant) == 1
    assert KETTLE not in entry.runtime_data.learner.book.skills
    assert ir.async_get(hass).async_get_issue(DOMAIN, "unmatched_entities") is not None


async def test_the_mapping_issue_comes_back_after_a_restart(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    add_entity(hass, "binary_sensor.hall_motion", "Hallway", "Hall motion", "motion")
    add_entity(hass, "light.hall", "Hallway", "Hall light")
    entry = await setup_home(hass)
    assert (await call(hass, "import_wisdom", data=VALID, mode="replace"))["dormant"] == 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    # HA keeps no issue that is not persistent across a restart: as if restarted.
    ir.async_delete_issue(hass, DOMAIN, "unmatched_entities")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "unmatched_entities")
    assert issue is not None
    assert issue.translation_placeholders == {"skills": "1", "entities": "Kettle"}
