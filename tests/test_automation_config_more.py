"""More skill shapes: presence triggers, service data, days, and refusals."""

from __future__ import annotations

from datetime import date

import pytest

from custom_components.aisthos.engine.automation_config import (
    UnsafeSkillError,
    compile_automation,
    undo_skill,
)
from custom_components.aisthos.engine.skill import Action, Conditions, Signature, Skill, Trigger
from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant

LIGHT = Signature("lll", "turned_on", "power", "light", "hallway")
ENTITIES = {
    "lll": "light.hall",
    "ppp": "person.resident",
    "ddd": "device_tracker.phone",
    "ccc": "climate.living",
    "vvv": "vacuum.robo",
    "mmm": "media_player.tv",
    "fff": "fan.ceiling",
}


def skill(
    trigger: Trigger,
    actions: tuple[Action, ...] = (Action(LIGHT),),
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
) -> Skill:
    return Skill("s_1", "x", trigger, Conditions(1080, 1140, days, False), actions).with_evidence(
        {"2026-11-21": 1}, date(2026, 11, 25)
    )


def on_event(ref: str, action: str, kind: str = "presence", obj: str = "person") -> Trigger:
    return Trigger(event=Signature(ref, action, kind, obj, "hallway"))


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        (on_event("ppp", "arrived"), {"entity_id": "person.resident", "to": "home"}),
        (on_event("ppp", "left"), {"entity_id": "person.resident", "from": "home"}),
        (on_event("ddd", "left"), {"entity_id": "device_tracker.phone", "from": "home"}),
        (on_event("mmm", "stopped", "media", "media_player"), {"entity_id": "media_player.tv", "to": "idle"}),
        (on_event("fff", "turned_off", "power", "fan"), {"entity_id": "fan.ceiling", "to": "off"}),
    ],
)  # fmt: skip
async def test_event_triggers_wait_for_the_right_state(
    hass: HomeAssistant, trigger: Trigger, expected: dict[str, str]
) -> None:
    config = compile_automation(skill(trigger), ENTITIES.get)
    # Coming back after a restart is never the moment (HA allows no from with not_from).
    restored = {} if "from" in expected else {"not_from": ["unavailable", "unknown"]}
    assert config["triggers"] == [{"trigger": "state", **expected, **restored}]
    # Every day of the week: no weekday list at all.
    assert "weekday" not in config["conditions"][0]
    validated = await async_validate_config_item(hass, config["id"], config)
    assert validated is not None
    assert validated.validation_status == "ok", validated.validation_error


@pytest.mark.parametrize(
    ("ref", "action", "obj"),
    [
        ("ppp", "detected", "person"),  # a person is never 'detected'
        ("ddd", "opened", "person"),
        ("lll", "playing", "light"),  # a light does not play
        ("vvv", "paused", "vacuum"),  # pausing a vacuum is an action, not a trigger
    ],
)
def test_events_without_a_matching_state_are_refused(ref: str, action: str, obj: str) -> None:
    with pytest.raises(UnsafeSkillError, match="no trigger for"):
        compile_automation(skill(on_event(ref, action, "x", obj)), ENTITIES.get)


def test_service_data_is_written_as_a_copy() -> None:
    heat = Action(Signature("ccc", "heating", "climate", "climate", "living_room"))
    pause = Action(Signature("vvv", "paused", "cleaning", "vacuum", "living_room"))
    config = compile_automation(skill(Trigger(at=1085), (heat, pause)), ENTITIES.get)
    assert config["actions"] == [
        {
            "action": "climate.set_hvac_mode",
            "target": {"entity_id": "climate.living"},
            "data": {"hvac_mode": "heat"},
        },
        {"action": "vacuum.pause", "target": {"entity_id": "vacuum.robo"}},
    ]
    # Changing one compiled automation must not change the next one.
    config["actions"][0]["data"]["hvac_mode"] = "cool"
    again = compile_automation(skill(Trigger(at=1085), (heat,)), ENTITIES.get)
    assert again["actions"][0]["data"] == {"hvac_mode": "heat"}


def test_no_service_for_an_unknown_action() -> None:
    wave = Action(Signature("lll", "waved", "gesture", "light", "hallway"))
    with pytest.raises(UnsafeSkillError, match="no action for light waved"):
        compile_automation(skill(Trigger(at=1085), (wave,)), ENTITIES.get)


@pytest.mark.parametrize("days", [("mon", "funday"), ("Mon",), ("mon", "{{ now() }}")])
def test_bad_days_are_refused(days: tuple[str, ...]) -> None:
    with pytest.raises(UnsafeSkillError, match="bad days"):
        compile_automation(skill(Trigger(at=1085), days=days), ENTITIES.get)


def test_a_skill_without_actions_is_refused() -> None:
    with pytest.raises(UnsafeSkillError, match="at least one action"):
        compile_automation(skill(Trigger(at=1085), actions=()), ENTITIES.get)


def test_undoing_reverses_each_action_last_first() -> None:
    tv = Signature("mmm", "playing", "media", "media_player", "living_room")
    fan = Signature("fff", "turned_off", "power", "fan", "living_room")
    done = skill(Trigger(at=1090), actions=(Action(LIGHT), Action(tv, 30.0), Action(fan)))
    undone = compile_automation(undo_skill(done), ENTITIES.get)
    assert [(a["action"], a["target"]["entity_id"]) for a in undone["actions"]] == [
        ("fan.turn_on", "fan.ceiling"),
        ("media_player.media_pause", "media_player.tv"),
        ("light.turn_off", "light.hall"),
    ]
    # Undo is immediate: the original delays do not apply.
    assert not any("delay" in a for a in undone["actions"])


def test_undoing_a_lock_is_never_unlocking() -> None:
    lock = Signature("kkk", "locked", "access", "lock", "hallway")
    locked = skill(Trigger(at=1090), actions=(Action(lock),))
    with pytest.raises(UnsafeSkillError, match="never automated"):
        compile_automation(undo_skill(locked), {"kkk": "lock.front"}.get)


def test_what_has_no_opposite_cannot_be_undone() -> None:
    heat = Signature("ccc", "heating", "climate", "climate", "living_room")
    with pytest.raises(UnsafeSkillError, match="cannot undo heating"):
        undo_skill(skill(Trigger(at=1090), actions=(Action(heat),)))
