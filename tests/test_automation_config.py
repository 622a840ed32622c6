"""Skills compile to native automations that HA's own validation accepts."""

from __future__ import annotations

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
    ]
    assert config["actions"] == [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}]
    assert config["variables"]["aisthos_confidence"] == round(
        config["variables"]["aisthos_confidence"], 3
    )


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
