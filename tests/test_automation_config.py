"""Skills compile to native automations that HA's own validation accepts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from custom_components.aisthos.engine.automation_config import (
    UnsafeSkillError,
    clean_text,
    compile_automation,
)
from custom_components.aisthos.engine.history_file import read_records
from custom_components.aisthos.engine.offline_learning import learn, perceive
from custom_components.aisthos.engine.skill import (
    Action,
    Conditions,
    Signature,
    Skill,
    Trigger,
)
from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant

from .home_simulator import TZ, simulate

SIG = Signature("abc", "turned_on", "power", "light", "hallway")


def skill_with(trigger: Trigger, target: Signature = SIG, name: str = "x") -> Skill:
    return Skill(
        "s_1", name, trigger, Conditions(600, 660, ("sat", "sun"), True), (Action(target),)
    ).with_evidence({"2026-11-21": 1}, date(2026, 11, 25))


def test_time_skill_compiles_to_new_style_keys() -> None:
    config = compile_automation(skill_with(Trigger(at=605)), {"abc": "light.hall"}.get)
    assert config["id"] == "aisthos_s_1"
    assert config["triggers"] == [{"trigger": "time", "at": "10:05:00"}]
    assert config["conditions"] == [
        {"condition": "time", "after": "10:00:00", "before": "11:00:59", "weekday": ["sat", "sun"]},
        {"condition": "numeric_state", "entity_id": "zone.home", "above": 0},
        {
            "condition": "not",
            "conditions": [
                {"condition": "state", "entity_id": "light.hall", "state": ["on", "unavailable"]}
            ],
        },
    ]
    assert config["actions"] == [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}]
    assert config["variables"]["aisthos_confidence"] == round(
        config["variables"]["aisthos_confidence"], 3
    )


def _skill_doing(*targets: Signature) -> Skill:
    return Skill(
        "s_1", "x", Trigger(at=605), Conditions(600, 660, ("sat", "sun"), False),
        tuple(Action(t) for t in targets),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("domain", "action", "check"),
    [
        (
            "switch",
            "turned_off",
            {"condition": "not", "conditions": [{"state": ["off", "unavailable"]}]},
        ),
        (
            "cover",
            "closed",
            {"condition": "not", "conditions": [{"state": ["closed", "unavailable"]}]},
        ),
        (
            "lock",
            "locked",
            {"condition": "not", "conditions": [{"state": ["locked", "unavailable"]}]},
        ),
        (
            "climate",
            "heating",
            {"condition": "not", "conditions": [{"state": ["heat", "unavailable"]}]},
        ),
        (
            "media_player",
            "playing",
            {"condition": "not", "conditions": [{"state": ["playing", "unavailable"]}]},
        ),
        # A TV turned on may be idle or playing: it runs while the TV is off.
        ("media_player", "turned_on", {"condition": "state", "state": ["off", "standby"]}),
        (
            "media_player",
            "stopped",
            {"condition": "state", "state": ["playing", "paused", "buffering"]},
        ),
        (
            "vacuum",
            "started",
            {"condition": "not", "conditions": [{"state": ["cleaning", "unavailable"]}]},
        ),
        # A TV on standby is off already; pausing acts only on what plays.
        (
            "media_player",
            "turned_off",
            {"condition": "not", "conditions": [{"state": ["off", "standby", "unavailable"]}]},
        ),
        ("media_player", "paused", {"condition": "state", "state": ["playing", "buffering"]}),
        ("vacuum", "paused", {"condition": "state", "state": ["cleaning", "returning"]}),
    ],
)
def test_an_automation_runs_only_if_it_would_change_something(
    domain: str, action: str, check: dict[str, object]
) -> None:
    target = Signature("t", action, "power", domain, "hall")
    config = compile_automation(_skill_doing(target), {"t": f"{domain}.thing"}.get)
    (time, last) = config["conditions"]
    assert time["condition"] == "time"
    inner = [last, *last.get("conditions", [])]
    for have, want in zip(inner, [check, *check.get("conditions", [])], strict=True):  # type: ignore[list-item]
        assert {k: have[k] for k in want if k != "conditions"} == {
            k: v for k, v in want.items() if k != "conditions"
        }
        assert have.get("entity_id", f"{domain}.thing") == f"{domain}.thing"


def test_a_step_after_a_wait_asks_nothing_at_the_trigger() -> None:
    """HA checks conditions when the trigger fires: a step 5 minutes later may find it changed."""
    lamp = Signature("a", "turned_off", "power", "light", "hall")
    now = Signature("b", "turned_on", "power", "light", "hall")
    waits = replace(_skill_doing(lamp), actions=(Action(lamp, delay_s=300.0),))
    config = compile_automation(waits, {"a": "light.a"}.get)
    assert [c["condition"] for c in config["conditions"]] == ["time"]
    assert config["actions"][0] == {"delay": {"seconds": 300}}
    # A step at once and one after a wait: the waiting one might still act.
    both = replace(_skill_doing(now), actions=(Action(now), Action(lamp, delay_s=300.0)))
    config = compile_automation(both, {"a": "light.a", "b": "light.b"}.get)
    assert [c["condition"] for c in config["conditions"]] == ["time"]


def test_several_targets_run_if_any_would_change() -> None:
    lamp = Signature("a", "turned_on", "power", "light", "hall")
    blind = Signature("b", "closed", "cover", "cover", "hall")
    config = compile_automation(_skill_doing(lamp, blind), {"a": "light.a", "b": "cover.b"}.get)
    assert config["conditions"][-1] == {
        "condition": "or",
        "conditions": [
            {
                "condition": "not",
                "conditions": [
                    {"condition": "state", "entity_id": "light.a", "state": ["on", "unavailable"]}
                ],
            },
            {
                "condition": "not",
                "conditions": [
                    {
                        "condition": "state",
                        "entity_id": "cover.b",
                        "state": ["closed", "unavailable"],
                    }
                ],
            },
        ],
    }
    # A scene always does something: with one among the targets, no check.
    scene = Signature("s", "turned_on", "scene", "scene", "hall")
    config = compile_automation(_skill_doing(lamp, scene), {"a": "light.a", "s": "scene.x"}.get)
    assert [c["condition"] for c in config["conditions"]] == ["time"]


@pytest.mark.parametrize(
    "entity_id",
    [
        None,
        "shell_command.wipe",
        "script.anything",
        "python_script.x",
        "rest_command.call",
        "automation.other",
        "light.hall; rm -rf /",
        "light.{{ states }}",
        "light.hall\nactions:",
        "light.HALL",
        "light." + "a" * 300,
        "light",
    ],
)
def test_unsafe_targets_are_refused(entity_id: str | None) -> None:
    with pytest.raises(UnsafeSkillError):
        compile_automation(skill_with(Trigger(at=605)), {"abc": entity_id}.get)


def test_hostile_names_stay_plain_text() -> None:
    name = "{{ states('lock.front') }}\n- action: lock.unlock {% raw %}\u202e" + "x" * 500
    config = compile_automation(skill_with(Trigger(at=605), name=name), {"abc": "light.hall"}.get)
    alias = config["alias"]
    assert "{{" not in alias
    assert "{%" not in alias
    assert "\n" not in alias
    assert "\u202e" not in alias
    assert len(alias) <= 120
    assert clean_text("a{#b#}c", 10) == "a{ #b# }c"


async def test_every_learned_skill_passes_ha_validation(hass: HomeAssistant) -> None:
    home = perceive(read_records(simulate(28)))
    skills = learn(home, TZ)
    assert len(skills) >= 5
    for skill in skills:
        config = compile_automation(skill, home.entity_of_ref.get)
        validated = await async_validate_config_item(hass, config["id"], config)
        assert validated is not None
        assert validated.validation_status == "ok", (config, validated.validation_error)


def test_unlocking_is_never_compiled() -> None:
    target = Signature("a", "unlocked", "lock", "lock", "hallway")
    skill = skill_with(Trigger(at=605), target=target)
    with pytest.raises(UnsafeSkillError, match="never automated"):
        compile_automation(skill, {"a": "lock.front_door"}.get)
    locking = skill_with(
        Trigger(at=605), target=Signature("a", "locked", "lock", "lock", "hallway")
    )
    config = compile_automation(locking, {"a": "lock.front_door"}.get)
    assert config["actions"] == [
        {"action": "lock.lock", "target": {"entity_id": "lock.front_door"}}
    ]


def _valve_history() -> list[str]:
    """Irrigation opened by hand on Tuesday and Saturday mornings, closed half an hour later."""
    from datetime import datetime, timedelta
    import json

    lines = []
    start = datetime(2026, 10, 5, tzinfo=TZ)  # a Monday
    n = 0

    def rec(entity_id: str, state: str, when: datetime) -> str:
        nonlocal n
        n += 1
        return json.dumps({
            "entity_id": entity_id, "state": state,
            "attributes": {"friendly_name": "Garden irrigation"},
            "last_changed": when.isoformat(), "last_updated": when.isoformat(),
            "context": {"id": f"01CTX{n:021d}", "parent_id": None, "user_id": None},
        })  # fmt: skip

    lines.append(rec("valve.garden_irrigation", "closed", start))
    for day in range(28):
        moment = start + timedelta(days=day)
        if moment.weekday() in (1, 5):
            opened = moment.replace(hour=6, minute=0) + timedelta(seconds=day * 53 % 420)
            lines.append(rec("valve.garden_irrigation", "open", opened))
            lines.append(rec("valve.garden_irrigation", "closed", opened + timedelta(minutes=30)))
    return lines


async def test_a_valve_routine_is_learned_and_ha_accepts_it(hass: HomeAssistant) -> None:
    home = perceive(read_records(_valve_history()))
    skills = [s for s in learn(home, TZ) if s.trigger.at is not None]
    (skill,) = [s for s in skills if any(a.target.action == "opened" for a in s.actions)]
    config = compile_automation(skill, home.entity_of_ref.get)
    assert config["actions"] == [
        {"action": "valve.open_valve", "target": {"entity_id": "valve.garden_irrigation"}}
    ]
    time_condition = config["conditions"][0]
    assert time_condition["weekday"] == ["tue", "sat"]
    validated = await async_validate_config_item(hass, config["id"], config)
    assert validated is not None
    assert validated.validation_status == "ok", (config, validated.validation_error)
