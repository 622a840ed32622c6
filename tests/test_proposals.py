"""From a routine to an approved, native automation, end to end in a real HA."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Feedback, Status
from homeassistant import config as conf_util
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import dump

from .helpers import advance, grown_to

DAYS = 8
CONFIGURATION = """
automation: !include automations.yaml
input_boolean:
  hall:
    name: Hall switch
template:
  - light:
      - name: Hall
        unique_id: hall_light
        state: "{{ is_state('input_boolean.hall', 'on') }}"
        turn_on:
          action: input_boolean.turn_on
          target:
            entity_id: input_boolean.hall
        turn_off:
          action: input_boolean.turn_off
          target:
            entity_id: input_boolean.hall
"""
USERS_OWN = [
    {
        "id": str(1700000000000 + i),
        "alias": f"My automation {i}",
        "description": "",
        "triggers": [{"trigger": "state", "entity_id": f"sensor.user_{i}", "to": "on"}],
        "conditions": [],
        "actions": [
            {"action": "input_boolean.toggle", "target": {"entity_id": "input_boolean.hall"}}
        ],
        "mode": "single",
    }
    for i in range(1, 6)
]


async def light(hass: HomeAssistant, on: bool) -> None:
    """A person at the wall switch (a fresh context, no parent)."""
    await hass.services.async_call(
        "light",
        "turn_on" if on else "turn_off",
        {"entity_id": "light.hall"},
        blocking=True,
        context=Context(),
    )


def motion(hass: HomeAssistant, on: bool) -> None:
    hass.states.async_set(
        "binary_sensor.hall_motion", "on" if on else "off", {"device_class": "motion"}
    )


@pytest.fixture
async def home(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> dict[str, Any]:
    """A home with the user's automations and a week of evening routine behind it."""
    config_dir = Path(hass.config.config_dir)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION)
    original = dump(USERS_OWN)
    (config_dir / "automations.yaml").write_text(original)
    tz = dt_util.get_default_time_zone()
    # Ends tomorrow night, after the test's access token was issued.
    start = datetime.now(tz).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(
        days=DAYS - 1
    )
    freezer.move_to(start)
    config = await conf_util.async_hass_config_yaml(hass)
    for domain in (
        "input_boolean",
        "template",
        "automation",
        "config",
        "repairs",
        "persistent_notification",
    ):
        assert await async_setup_component(hass, domain, config)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    # Proposals start at the Child stage (growth has its own tests).
    config_entry.runtime_data.learner.growth = grown_to("child")
    motion(hass, False)
    await advance(hass, freezer, 5)
    for day in range(DAYS):
        freezer.move_to(start + timedelta(days=day, hours=7, minutes=(day * 7) % 20))
        motion(hass, True)
        await advance(hass, freezer, 20)
        await light(hass, True)
        await advance(hass, freezer, 5)
        motion(hass, False)
        await advance(hass, freezer, 60 * (40 + day * 37 % 150))
        await light(hass, False)
        await advance(hass, freezer, 5)
    # The next night's run, at 03:00.
    night = (start + timedelta(days=DAYS)).replace(hour=3)
    freezer.move_to(night - timedelta(seconds=1))
    await advance(hass, freezer, 1)
    learner = config_entry.runtime_data.learner
    assert learner.last_run == dt_util.as_utc(night)
    return {"original": original, "config_dir": config_dir, "night": night, "entry": config_entry}


async def fresh_client(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> Any:
    """A client whose token is issued now (the frozen clock moved days since)."""
    user = await hass.auth.async_get_owner() or (await hass.auth.async_get_users())[0]
    refresh = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    return await hass_client(hass.auth.async_create_access_token(refresh))


async def start_fix(client: Any, issue_id: str) -> dict[str, Any]:
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def choose(client: Any, flow_id: str, step: str) -> dict[str, Any]:
    response = await client.post(f"/api/repairs/issues/fix/{flow_id}", json={"next_step_id": step})
    assert response.status == 200, await response.text()
    return dict(await response.json())


def only_skill(entry: MockConfigEntry) -> str:
    """The one skill proposed: the evening motion routine (others may be learned, weaker)."""
    book = entry.runtime_data.learner.book
    (skill_id,) = (sid for sid in book.skills if book.status(sid) is Status.PROPOSED)
    return skill_id


async def test_approve_creates_a_native_automation_that_runs_only_in_its_window(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: Any,
    freezer: FrozenDateTimeFactory,
    home: dict[str, Any],
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{skill_id}")
    assert issue is not None
    assert issue.is_fixable
    placeholders = issue.translation_placeholders or {}
    assert placeholders["name"] == "Evening hall motion: Hall"
    assert placeholders["actions"] == "Hall on"
    assert placeholders["learned_from"] == str(DAYS)
    assert "Fired 8 times" in placeholders["explanation"]
    assert "after 8 of them 100 %" in placeholders["explanation"]  # shown as plain text
    assert hass.states.get("persistent_notification.aisthos_proposals") is not None or any(
        n == "aisthos_proposals" for n in hass.data.get("persistent_notification", {})
    )

    client = await fresh_client(hass, hass_client)
    flow = await start_fix(client, f"proposal_{skill_id}")
    assert flow["type"] == "menu"
    assert flow["menu_options"] == ["approve", "reject", "later"]
    assert flow["description_placeholders"]["confidence"].endswith("%")
    done = await choose(client, flow["flow_id"], "approve")
    assert done["type"] == "create_entry"
    await hass.async_block_till_done()

    # The proposal is gone, the automation is a native one in automations.yaml.
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{skill_id}") is None
    text = (home["config_dir"] / "automations.yaml").read_text()
    assert text.startswith(home["original"])
    automation_id = f"aisthos_{skill_id}"
    entity_id = er.async_get(hass).async_get_entity_id("automation", "automation", automation_id)
    assert entity_id is not None
    assert hass.states.get(entity_id).state == "on"
    response = await client.get(f"/api/config/automation/config/{automation_id}")
    assert response.status == 200
    editor = await response.json()
    assert editor["alias"] == "Evening hall motion: Hall"
    assert editor["variables"]["aisthos_confidence"] > 0.5
    assert "Confidence" in editor["description"]

    switch = hass.states.get("switch.aisthos_skill_evening_hall_motion_hall")
    assert switch is not None, [s.entity_id for s in hass.states.async_all("switch")]
    assert switch.state == "on"
    assert switch.attributes["automation_id"] == automation_id
    assert switch.attributes["learned_from"] == DAYS
    assert entry.runtime_data.learner.book.status(skill_id) is Status.APPROVED

    skill = entry.runtime_data.learner.book.skills[skill_id]
    inside = home["night"].replace(
        hour=skill.conditions.start // 60, minute=skill.conditions.start % 60
    ) + timedelta(minutes=3)

    # Inside the window the motion switches the light on.
    freezer.move_to(inside)
    motion(hass, False)
    await hass.async_block_till_done()
    motion(hass, True)
    await hass.async_block_till_done()
    assert hass.states.get("light.hall").state == "on"

    # Undoing it at once is feedback: confidence drops.
    before = entry.runtime_data.learner.book.confidence(skill_id)
    freezer.tick(timedelta(seconds=30))
    await light(hass, False)
    await hass.async_block_till_done()
    assert entry.runtime_data.learner.book.confidence(skill_id) < before

    # Outside the window nothing happens.
    freezer.move_to(inside.replace(hour=13))
    motion(hass, False)
    await hass.async_block_till_done()
    motion(hass, True)
    await hass.async_block_till_done()
    assert hass.states.get("light.hall").state == "off"

    # Paused by its switch, it does not run inside the window either.
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": switch.entity_id}, blocking=True
    )
    freezer.move_to(inside + timedelta(days=1))
    motion(hass, False)
    await hass.async_block_till_done()
    motion(hass, True)
    await hass.async_block_till_done()
    assert hass.states.get("light.hall").state == "off"
    assert entry.runtime_data.learner.book.status(skill_id) is Status.PAUSED


async def test_reject_leaves_no_trace_and_is_not_proposed_again(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: Any,
    freezer: FrozenDateTimeFactory,
    home: dict[str, Any],
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    client = await fresh_client(hass, hass_client)
    flow = await start_fix(client, f"proposal_{skill_id}")
    assert (await choose(client, flow["flow_id"], "reject"))["type"] == "create_entry"
    await hass.async_block_till_done()
    assert (home["config_dir"] / "automations.yaml").read_text() == home["original"]
    assert (
        er.async_get(hass).async_get_entity_id("automation", "automation", f"aisthos_{skill_id}")
        is None
    )
    assert entry.runtime_data.learner.book.status(skill_id) is Status.REJECTED
    await entry.runtime_data.learner.async_learn()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{skill_id}") is None


async def test_not_now_asks_again_after_a_week(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: Any,
    freezer: FrozenDateTimeFactory,
    home: dict[str, Any],
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    client = await fresh_client(hass, hass_client)
    flow = await start_fix(client, f"proposal_{skill_id}")
    assert (await choose(client, flow["flow_id"], "later"))["type"] == "create_entry"
    await entry.runtime_data.learner.async_learn()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{skill_id}") is None
    freezer.tick(timedelta(days=8))
    await entry.runtime_data.learner.async_learn()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{skill_id}") is not None


async def test_an_edit_in_the_editor_is_respected(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: Any,
    freezer: FrozenDateTimeFactory,
    home: dict[str, Any],
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    manager = entry.runtime_data.skills
    await manager.async_approve(skill_id)
    client = await fresh_client(hass, hass_client)
    automation_id = f"aisthos_{skill_id}"
    editor = await (await client.get(f"/api/config/automation/config/{automation_id}")).json()
    editor["alias"] = "My own name for it"
    response = await client.post(f"/api/config/automation/config/{automation_id}", json=editor)
    assert response.status == 200
    await hass.async_block_till_done()
    await entry.runtime_data.learner.async_learn()
    text = (home["config_dir"] / "automations.yaml").read_text()
    assert "My own name for it" in text
    assert entry.runtime_data.learner.book.decision(skill_id).counts.get("edit") == 1

    # Deleting it in the editor is a "no".
    response = await client.delete(f"/api/config/automation/config/{automation_id}")
    assert response.status == 200
    await hass.async_block_till_done()
    await entry.runtime_data.learner.async_learn()
    assert entry.runtime_data.learner.book.status(skill_id) is Status.REJECTED
    assert (home["config_dir"] / "automations.yaml").read_text().startswith(home["original"][:40])


async def test_the_nightly_refresh_reloads_only_what_changed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, home: dict[str, Any]
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    manager = entry.runtime_data.skills
    await manager.async_approve(skill_id)
    reloads = async_capture_events(hass, "automation_reloaded")
    await manager.async_after_learning()
    await hass.async_block_till_done()
    assert reloads == []  # the same block: nothing to reload
    await manager.async_feedback(skill_id, Feedback.HELPFUL)  # the confidence it carries moves
    await manager.async_after_learning()
    await hass.async_block_till_done()
    assert len(reloads) == 1
