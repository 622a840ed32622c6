"""Native automations and skill runs at their edges, in a real HA.

Found by an independent hostile review of the runner and panel; each test
states what must hold.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.aisthos.engine.skill_book import Feedback, Status
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util.yaml import dump

from . import test_proposals
from .helpers import advance, running
from .test_panel import in_window, panel_for
from .test_proposals import light, only_skill

home = test_proposals.home

Home = dict[str, Any]


async def native_and_approved(panel: Any, hass: HomeAssistant, skill_id: str) -> tuple[Any, str]:
    """Save the skill as HA's own automation and approve it; return it and its entity id."""
    automation = await panel.save_native(skill_id)
    await panel.call("aisthos/decide", skill_id=skill_id, decision="approve")
    await hass.async_block_till_done(wait_background_tasks=True)
    entity_id = er.async_get(hass).async_get_entity_id("automation", "automation", automation["id"])
    assert entity_id is not None
    return automation, entity_id


async def test_moving_an_approved_skill_to_native_is_no_edit(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    home: Home,
) -> None:
    """Skills tab 'move to native' of a skill that runs in AisthOS: nobody edited anything."""
    entry = home["entry"]
    book = entry.runtime_data.learner.book
    skill_id = only_skill(entry)
    await entry.runtime_data.skills.async_approve(skill_id)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    await panel.save_native(skill_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert book.decision(skill_id).counts.get(Feedback.EDIT.value, 0) == 0, book.decision(skill_id)


async def test_not_now_is_for_suggestions_only(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    """'Later' on an approved skill would leave it 'snoozed' yet running: refused."""
    entry = home["entry"]
    skill_id = only_skill(entry)
    await entry.runtime_data.skills.async_approve(skill_id)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    error = await panel.refused("aisthos/decide", skill_id=skill_id, decision="later")
    assert "no suggestion waiting" in error["message"]
    assert entry.runtime_data.learner.book.status(skill_id) is Status.APPROVED
    await in_window(hass, freezer, home, skill_id)
    assert f"aisthos_{skill_id}" in running(entry)
    assert hass.states.get("light.hall").state == "on"


async def test_rejecting_a_native_skill_stops_its_automation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    _, entity_id = await native_and_approved(panel, hass, skill_id)
    assert await panel.call("aisthos/decide", skill_id=skill_id, decision="reject") == {
        "status": "rejected"
    }
    await hass.async_block_till_done(wait_background_tasks=True)
    await in_window(hass, freezer, home, skill_id)
    # Rejected in AisthOS, yet HA's automation of it is on and switched the light.
    assert hass.states.get(str(entity_id)).state == "off"
    assert hass.states.get("light.hall").state == "off"


async def test_a_native_automation_removed_from_its_file_leaves_the_skill_running(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    """Deleted by hand from automations.yaml (or a restored backup), then reloaded."""
    entry = home["entry"]
    book = entry.runtime_data.learner.book
    skill_id = only_skill(entry)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    await panel.save_native(skill_id)
    await panel.call("aisthos/decide", skill_id=skill_id, decision="approve")
    await hass.async_block_till_done(wait_background_tasks=True)
    (home["config_dir"] / "automations.yaml").write_text(home["original"])
    await hass.services.async_call("automation", "reload", blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    await entry.runtime_data.skills.async_sync_runs()
    await in_window(hass, freezer, home, skill_id)
    # Approved, but neither HA nor AisthOS runs it: the orphaned registry entry
    # counts as "HA runs it".
    assert book.status(skill_id) is Status.APPROVED
    assert hass.states.get("light.hall").state == "on", (
        f"runs in AisthOS: {running(entry)}; registry still has "
        f"{entry.runtime_data.skills.native_automation(skill_id)}"
    )


async def test_a_trigger_entity_that_comes_back_brings_the_skill_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    home: Home,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The motion sensor (a state without a registry entry) is gone for a while."""
    entry = home["entry"]
    manager = entry.runtime_data.skills
    skill_id = only_skill(entry)
    await manager.async_approve(skill_id)
    hass.states.async_remove("binary_sensor.hall_motion")
    with caplog.at_level(logging.WARNING):
        await manager.async_sync_runs()  # any sync: a switch toggled, a reload, a start
    assert f"aisthos_{skill_id} cannot run" in caplog.text
    assert f"aisthos_{skill_id}" not in running(entry)
    # The sensor is back; a moment later someone walks by in the window.
    skill = entry.runtime_data.learner.book.skills[skill_id]
    freezer.move_to(
        home["night"].replace(hour=skill.conditions.start // 60, minute=skill.conditions.start % 60)
        + timedelta(minutes=3)
    )
    hass.states.async_set("binary_sensor.hall_motion", "off", {"device_class": "motion"})
    await advance(hass, freezer, 5)
    assert f"aisthos_{skill_id}" in running(entry)
    await in_window(hass, freezer, home, skill_id)
    assert hass.states.get("light.hall").state == "on", "not back until the next learning run"


async def test_approve_and_reject_at_once_leave_nothing_running(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    home: Home,
) -> None:
    """Two panel tabs (or a double click then Reject): both commands run at once."""
    entry = home["entry"]
    book = entry.runtime_data.learner.book
    skill_id = only_skill(entry)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    await panel.ws.send_json(
        {"id": 1, "type": "aisthos/decide", "skill_id": skill_id, "decision": "approve"}
    )
    await panel.ws.send_json(
        {"id": 2, "type": "aisthos/decide", "skill_id": skill_id, "decision": "reject"}
    )
    answers = {m["id"]: m for m in [await panel.ws.receive_json() for _ in range(2)]}
    await hass.async_block_till_done(wait_background_tasks=True)
    assert answers[2]["result"] == {"status": "rejected"}, answers
    assert book.status(skill_id) is Status.REJECTED
    assert f"aisthos_{skill_id}" not in running(entry), "rejected, yet AisthOS runs it"


async def test_unload_while_a_skill_is_being_set_leaves_no_trigger(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, home: Home
) -> None:
    import asyncio

    entry = home["entry"]
    manager = entry.runtime_data.skills
    skill_id = only_skill(entry)
    approving = hass.async_create_task(manager.async_approve(skill_id))
    await asyncio.sleep(0)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await asyncio.gather(approving, return_exceptions=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not manager.runner.keys(), "a trigger attached after the unload"


async def test_an_automation_gated_by_an_earlier_version_is_made_independent(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    """Earlier versions wrote a condition on AisthOS's switch: it stops with AisthOS."""
    entry = home["entry"]
    manager = entry.runtime_data.skills
    skill_id = only_skill(entry)
    switch = manager.switch_entity_id(skill_id)
    config = manager.automation_config(skill_id)
    gated = {**config, "conditions": [
        *config["conditions"], {"condition": "state", "entity_id": switch, "state": "on"}
    ]}  # fmt: skip
    text = dump([*test_proposals.USERS_OWN, gated])
    (home["config_dir"] / "automations.yaml").write_text(text)
    await hass.services.async_call("automation", "reload", blocking=True)
    await manager.async_approve(skill_id)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    (mine,) = [s for s in await panel.call("aisthos/skills") if s["id"] == skill_id]
    assert mine["needs_aisthos"] is True

    # "Make it run without AisthOS": the editor's own request, the same id.
    await panel.save_native(skill_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    (mine,) = [s for s in await panel.call("aisthos/skills") if s["id"] == skill_id]
    assert mine["needs_aisthos"] is False
    assert switch not in (home["config_dir"] / "automations.yaml").read_text()
    # AisthOS gone, the household's automation still does its job.
    skill_conditions = entry.runtime_data.learner.book.skills[skill_id].conditions
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.move_to(
        home["night"].replace(hour=skill_conditions.start // 60, minute=skill_conditions.start % 60)
        + timedelta(minutes=3)
    )
    hass.states.async_set("binary_sensor.hall_motion", "off", {"device_class": "motion"})
    await hass.async_block_till_done()
    hass.states.async_set("binary_sensor.hall_motion", "on", {"device_class": "motion"})
    await hass.async_block_till_done()
    assert hass.states.get("light.hall").state == "on"


async def test_a_skill_of_several_entities_runs_on_each_in_aisthos_and_in_ha(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    """'Hall or stairs motion: the hall light': either sensor starts it, wherever it runs."""
    entry = home["entry"]
    learner = entry.runtime_data.learner
    skill_id = only_skill(entry)
    skill = learner.book.skills[skill_id]
    assert skill.trigger.event is not None
    stairs = replace(skill.trigger.event, ref=learner.ref_of("binary_sensor.stairs_motion"))
    learner.book.skills[skill_id] = replace(skill, trigger=replace(skill.trigger, also=(stairs,)))
    hass.states.async_set("binary_sensor.stairs_motion", "off", {"device_class": "motion"})
    await entry.runtime_data.skills.async_approve(skill_id)
    assert f"aisthos_{skill_id}" in running(entry)

    async def stairs_walked(days: int) -> str:
        start = skill.conditions.start
        freezer.move_to(
            home["night"].replace(hour=start // 60, minute=start % 60)
            + timedelta(days=days, minutes=3)
        )
        await light(hass, False)
        hass.states.async_set("binary_sensor.stairs_motion", "on", {"device_class": "motion"})
        await hass.async_block_till_done(wait_background_tasks=True)
        on = hass.states.get("light.hall").state
        hass.states.async_set("binary_sensor.stairs_motion", "off", {"device_class": "motion"})
        await hass.async_block_till_done()
        return on

    assert await stairs_walked(0) == "on"  # run inside AisthOS
    panel = await panel_for(hass, hass_ws_client, hass_client)
    automation = await panel.save_native(skill_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [t["entity_id"] for t in automation["config"]["triggers"]] == [
        "binary_sensor.hall_motion",
        "binary_sensor.stairs_motion",
    ]
    assert f"aisthos_{skill_id}" not in running(entry)
    assert await stairs_walked(1) == "on"  # HA's own automation now


async def test_a_native_automation_does_not_run_for_what_is_done_already(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    home: Home,
) -> None:
    """Motion while the hall light is on already: HA's own automation does not run at all."""
    entry = home["entry"]
    skill_id = only_skill(entry)
    panel = await panel_for(hass, hass_ws_client, hass_client)
    _, entity_id = await native_and_approved(panel, hass, skill_id)
    await light(hass, True)
    await in_window(hass, freezer, home, skill_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "on"
    assert state.attributes["last_triggered"] is None, "ran to switch on what was on"
    await light(hass, False)
    await in_window(hass, freezer, home, skill_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["last_triggered"] is not None
    assert hass.states.get("light.hall").state == "on"
