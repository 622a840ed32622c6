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
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Feedback, Status
from homeassistant import config as conf_util
from homeassistant.components import persistent_notification
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


async def decide(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, skill_id: str, decision: str
) -> dict[str, Any]:
    """Decide in the panel (its websocket command), as an administrator logged in now."""
    user = await hass.auth.async_get_owner() or (await hass.auth.async_get_users())[0]
    refresh = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    ws = await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))
    await ws.send_json(
        {"id": 1, "type": "aisthos/decide", "skill_id": skill_id, "decision": decision}
    )
    answer = await ws.receive_json()
    assert answer["success"], answer
    return dict(answer["result"])


def notices(hass: HomeAssistant) -> dict[str, Any]:
    return dict(persistent_notification._async_get_or_create_notifications(hass))


def only_skill(entry: MockConfigEntry) -> str:
    """The one skill proposed: the evening motion routine (others may be learned, weaker)."""
    book = entry.runtime_data.learner.book
    (skill_id,) = (sid for sid in book.skills if book.status(sid) is Status.PROPOSED)
    return skill_id


async def test_approve_creates_a_native_automation_that_runs_only_in_its_window(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_admin_user: Any,
    freezer: FrozenDateTimeFactory,
    home: dict[str, Any],
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    skill = entry.runtime_data.learner.book.skills[skill_id]
    assert skill.name == "Evening hall motion: Hall"
    assert skill.learned_from == DAYS
    assert "Fired 8 times" in skill.explanation
    # Suggestions are no problem to repair: one notification points to the panel.
    assert [i for d, i in ir.async_get(hass).issues if d == DOMAIN] == []
    notice = notices(hass)["aisthos_proposals"]
    assert "1 suggestion(s) wait in the [AisthOS panel](/aisthos)" in notice["message"]
    assert "Evening hall motion: Hall" in notice["message"]

    assert await decide(hass, hass_ws_client, skill_id, "approve") == {"status": "approved"}
    await hass.async_block_till_done()

    # None waits: the notification goes; the skill runs inside AisthOS, no file written.
    assert "aisthos_proposals" not in notices(hass)
    assert (home["config_dir"] / "automations.yaml").read_text() == home["original"]
    assert (
        er.async_get(hass).async_get_entity_id("automation", "automation", f"aisthos_{skill_id}")
        is None
    )
    assert f"aisthos_{skill_id}" in entry.runtime_data.skills.runner

    switch = hass.states.get("switch.aisthos_skill_evening_hall_motion_hall")
    assert switch is not None, [s.entity_id for s in hass.states.async_all("switch")]
    assert switch.state == "on"
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
    hass_ws_client: WebSocketGenerator,
    hass_admin_user: Any,
    freezer: FrozenDateTimeFactory,
    home: dict[str, Any],
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    assert await decide(hass, hass_ws_client, skill_id, "reject") == {"status": "rejected"}
    await hass.async_block_till_done()
    assert (home["config_dir"] / "automations.yaml").read_text() == home["original"]
    assert (
        er.async_get(hass).async_get_entity_id("automation", "automation", f"aisthos_{skill_id}")
        is None
    )
    assert entry.runtime_data.learner.book.status(skill_id) is Status.REJECTED
    await entry.runtime_data.learner.async_learn()
    assert entry.runtime_data.learner.book.status(skill_id) is Status.REJECTED
    assert "aisthos_proposals" not in notices(hass)


async def test_not_now_asks_again_after_a_week(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_admin_user: Any,
    freezer: FrozenDateTimeFactory,
    home: dict[str, Any],
) -> None:
    entry = home["entry"]
    skill_id = only_skill(entry)
    book = entry.runtime_data.learner.book
    assert await decide(hass, hass_ws_client, skill_id, "later") == {"status": "snoozed"}
    await entry.runtime_data.learner.async_learn()
    assert book.status(skill_id) is Status.SNOOZED
    freezer.tick(timedelta(days=8))
    await entry.runtime_data.learner.async_learn()
    assert book.status(skill_id) is Status.PROPOSED
    assert "aisthos_proposals" in notices(hass)


async def test_an_automation_an_earlier_version_wrote_is_adopted_never_run_twice(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, home: dict[str, Any]
) -> None:
    """Earlier versions wrote approved skills into automations.yaml: HA runs those now."""
    entry = home["entry"]
    skill_id = only_skill(entry)
    manager = entry.runtime_data.skills
    skill_config = manager.automation_config(skill_id)
    # What an earlier version left, as the household may have edited it since.
    written = [*USERS_OWN, {**skill_config, "alias": "My own name for it"}]
    text = dump(written)
    (home["config_dir"] / "automations.yaml").write_text(text)
    await hass.services.async_call("automation", "reload", blocking=True)
    entity_id = er.async_get(hass).async_get_entity_id(
        "automation", "automation", f"aisthos_{skill_id}"
    )
    assert entity_id is not None
    runs = async_capture_events(hass, "automation_triggered")

    await manager.async_approve(skill_id)
    await manager.async_after_learning()
    assert f"aisthos_{skill_id}" not in manager.runner  # HA runs the household's copy
    skill = entry.runtime_data.learner.book.skills[skill_id]
    freezer.move_to(
        home["night"].replace(hour=skill.conditions.start // 60, minute=skill.conditions.start % 60)
        + timedelta(minutes=3)
    )
    motion(hass, False)
    await hass.async_block_till_done()
    motion(hass, True)
    await hass.async_block_till_done()
    assert hass.states.get("light.hall").state == "on"
    assert [e.data["entity_id"] for e in runs] == [entity_id]  # once, by HA's automation
    # Its runs are followed as the skill's own: undoing one is feedback.
    before = entry.runtime_data.learner.book.confidence(skill_id)
    freezer.tick(timedelta(seconds=30))
    await light(hass, False)
    await hass.async_block_till_done()
    assert entry.runtime_data.learner.book.confidence(skill_id) < before
    # Never changed, never deleted by AisthOS, whatever happens to the skill.
    await manager.async_reject(skill_id)
    await entry.runtime_data.learner.async_learn()
    assert (home["config_dir"] / "automations.yaml").read_text() == text


async def test_the_nightly_refresh_leaves_a_running_skill_alone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, home: dict[str, Any]
) -> None:
    """Re-setting the same skill every night must not attach its trigger twice."""
    entry = home["entry"]
    skill_id = only_skill(entry)
    manager = entry.runtime_data.skills
    await manager.async_approve(skill_id)
    for _ in range(3):
        await manager.async_after_learning()
        await manager.async_feedback(skill_id, Feedback.HELPFUL)  # its config changes
    calls = async_capture_events(hass, "call_service")
    skill = entry.runtime_data.learner.book.skills[skill_id]
    freezer.move_to(
        home["night"].replace(hour=skill.conditions.start // 60, minute=skill.conditions.start % 60)
        + timedelta(minutes=3)
    )
    motion(hass, False)
    await hass.async_block_till_done()
    motion(hass, True)
    await hass.async_block_till_done()
    # One run: a trigger attached twice would switch the light on twice.
    assert [
        (c.data["domain"], c.data["service"]) for c in calls if c.data["domain"] == "light"
    ] == [("light", "turn_on")]
    entry_id = entry.entry_id
    assert await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done()
    await light(hass, False)
    motion(hass, False)
    await hass.async_block_till_done()
    motion(hass, True)
    await hass.async_block_till_done()
    assert hass.states.get("light.hall").state == "off"  # unloaded: nothing runs
