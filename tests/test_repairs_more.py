"""Deciding when AisthOS is gone or a skill cannot run; the entity-mapping repair."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Status
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir

from .test_wisdom_in_ha import add_entity, call, home_a, setup_home
from .wisdom_samples import VALID

KETTLE = "s_9876543210"
IDS = itertools.count(1)


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


async def decide(ws: Any, decision: str = "approve") -> dict[str, Any]:
    """Decide on the kettle proposal in the panel (its websocket command)."""
    await ws.send_json(
        {"id": next(IDS), "type": "aisthos/decide", "skill_id": KETTLE, "decision": decision}
    )
    return dict(await ws.receive_json())


async def proposing_home(hass: HomeAssistant) -> MockConfigEntry:
    home_a(hass)
    entry = await setup_home(hass)
    await call(hass, "import_wisdom", data=with_kettle_proposed(), mode="replace")
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED
    return entry


async def test_a_proposal_cannot_be_decided_while_aisthos_is_unloaded(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    entry = await proposing_home(hass)
    ws = await hass_ws_client(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    answer = await decide(ws)
    assert answer["success"] is False
    assert answer["error"]["message"].startswith("AisthOS is not loaded.")

    # Back again, the proposal still waits.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED
    assert [i for d, i in ir.async_get(hass).issues if d == DOMAIN] == []  # not a repair


async def test_a_skill_that_cannot_run_here_leaves_the_proposal_open(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    entry = await proposing_home(hass)
    ws = await hass_ws_client(hass)
    # The kettle left Home Assistant while its proposal waited.
    er.async_get(hass).async_remove("switch.kettle")
    hass.states.async_remove("switch.kettle")
    answer = await decide(ws)
    assert answer["success"] is False
    assert "no longer in this home" in answer["error"]["message"]
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED

    # Back again, approving works, and the skill runs.
    add_entity(hass, "switch.kettle", "Kitchen", "Kettle")
    answer = await decide(ws)
    assert answer["success"] is True, answer
    assert entry.runtime_data.learner.book.status(KETTLE) is Status.APPROVED
    assert f"aisthos_{KETTLE}" in entry.runtime_data.skills.runner
    assert Path(hass.config.path("automations.yaml")).read_text() == "[]\n"
    # Stop its 09:30 time trigger so no timer outlives the test.
    assert await hass.config_entries.async_unload(entry.entry_id)


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
