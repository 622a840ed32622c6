"""A house mode (input_select) as a trigger: each option is a thing of its own, its words stay home."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from custom_components.aisthos.engine.anonymizer import Anonymizer
from custom_components.aisthos.engine.automation_config import UnsafeSkillError, compile_automation
from custom_components.aisthos.engine.history_file import read_records
from custom_components.aisthos.engine.offline_learning import learn, perceive, skills_report
from custom_components.aisthos.engine.perception import Perception, entity_and_option, option_key
from custom_components.aisthos.engine.skill import Action, Conditions, Signature, Skill, Trigger
from custom_components.aisthos.engine.spark import Spark
from custom_components.aisthos.engine.state_change import EntityInfo, StateChange
from homeassistant.core import HomeAssistant

from .test_wisdom_in_ha import add_entity, call, setup_home

TZ = ZoneInfo("Europe/Berlin")
MODE = "input_select.house_mode"


def spark(anonymizer: Anonymizer, old: str | None, new: str) -> Spark | None:
    change = StateChange(MODE, old, new, 1_790_000_000.0, False, "ctx")
    return Perception(anonymizer).spark(change, EntityInfo(MODE, "input_select", None, None, None))


def test_each_option_is_its_own_ref_and_its_words_are_not_in_the_spark() -> None:
    anonymizer = Anonymizer(b"k" * 32)
    night, home = spark(anonymizer, "Home", "Night"), spark(anonymizer, "Night", "Home")
    assert night is not None
    assert home is not None
    assert night.ref == anonymizer.ref(option_key(MODE, "Night")) != home.ref
    assert (night.kind, night.action, night.object) == ("control", "selected", "helper")
    assert "Night" not in json.dumps(night.as_dict())
    assert spark(anonymizer, "Night", "Night") is None  # an attribute update is no choice
    assert entity_and_option(option_key(MODE, "Guests = 2")) == (MODE, "Guests = 2")
    assert entity_and_option("light.hall") == ("light.hall", None)


def _skill(trigger_ref: str) -> Skill:
    target = Signature("lamp", "turned_off", "power", "light", "living_room")
    event = Signature(trigger_ref, "selected", "control", "helper", "unknown")
    return Skill(
        id="s_mode",
        name="House mode: Night selected: Lamp off",
        trigger=Trigger(event=event),
        conditions=Conditions(0, 1439),
        actions=(Action(target),),
    )


@pytest.mark.parametrize(
    ("resolved", "error"),
    [
        (option_key(MODE, "Night"), None),
        # Spelled as the household spells it; a trigger's "to" is never a template.
        (option_key(MODE, "Night  mode "), None),
        (option_key(MODE, "👨‍👩‍👧 Familie"), None),
        (option_key(MODE, "{{ states('lock.front') }}"), None),
        (option_key(MODE, "Night\nmode"), "not an option"),  # a control character
        (option_key(MODE, "x" * 256), "not an option"),
        (option_key(MODE, ""), "not an option"),
        (option_key("light.hall", "on"), "not an option"),  # only a select has options
        (MODE, "not an option"),  # a select without its option says nothing
    ],
)
def test_a_modes_option_compiles_to_a_state_trigger_or_a_clear_error(
    resolved: str, error: str | None
) -> None:
    refs = {"mode": resolved, "lamp": "light.living_room"}
    if error is None:
        config = compile_automation(_skill("mode"), refs.get)
        assert config["triggers"] == [
            {"trigger": "state", "entity_id": MODE, "to": entity_and_option(resolved)[1],
             "not_from": ["unavailable", "unknown"]}
        ]  # fmt: skip
        return
    with pytest.raises(UnsafeSkillError, match=error):
        compile_automation(_skill("mode"), refs.get)


def _history() -> list[str]:
    """Bedtime: the mode goes to Night, the living room light off 25 s later; days 28."""
    lines = []
    n = 0

    def rec(entity_id: str, state: str, when: datetime, attributes: dict[str, object]) -> None:
        nonlocal n
        n += 1
        iso = when.astimezone(UTC).isoformat()
        lines.append(json.dumps({
            "entity_id": entity_id, "state": state, "attributes": attributes,
            "last_changed": iso, "last_updated": iso,
            "context": {"id": f"01C{n:023d}", "parent_id": None, "user_id": None},
        }))  # fmt: skip

    mode = {"friendly_name": "House mode", "options": ["Home", "Night", "Away"]}
    lamp = {"friendly_name": "Living room light"}
    start = datetime(2026, 3, 2, tzinfo=TZ)
    rec(MODE, "Home", start, mode)
    rec("light.living_room", "on", start, lamp)
    for day in range(28):
        # Bedtime wanders over three hours: no clock could do it.
        bed = start + timedelta(days=day, hours=21, minutes=(day * 47) % 180)
        rec("light.living_room", "on", bed - timedelta(minutes=60 + (day * 13) % 60), lamp)
        rec(MODE, "Night", bed, mode)
        rec("light.living_room", "off", bed + timedelta(seconds=25), lamp)
        rec(MODE, "Home", start + timedelta(days=day + 1, hours=7), mode)
    return lines


def test_the_learner_learns_a_routine_that_starts_with_a_mode() -> None:
    home = perceive(read_records(_history()))
    report = skills_report(home, learn(home, TZ, today=date(2026, 3, 30)))
    by_trigger = [
        s for s in report["skills"] if s["automation"]["triggers"][0].get("entity_id") == MODE
    ]
    [skill] = by_trigger
    assert skill["proposed"]
    assert skill["automation"]["triggers"][0]["to"] == "Night"
    assert skill["automation"]["actions"] == [
        {"action": "light.turn_off", "target": {"entity_id": "light.living_room"}}
    ]
    assert "house mode: Night selected: Living room light off" in skill["name"]


async def test_home_assistant_knows_every_option_by_its_ref(hass: HomeAssistant) -> None:
    entry = await setup_home(hass)
    learner = entry.runtime_data.learner
    hass.states.async_set(
        MODE, "Home", {"friendly_name": "House mode", "options": ["Home", "Night"]}
    )
    entity_map = learner.entity_map()
    night = learner.ref_of(option_key(MODE, "Night"))
    assert entity_map[night] == option_key(MODE, "Night")
    assert entity_map[learner.ref_of(MODE)] == MODE
    describe = learner.describe(entity_map)
    assert describe(Signature(night, "selected", "control", "helper", "unknown")) == (
        "House mode: Night"
    )


async def test_a_mode_skill_travels_in_user_wisdom(hass: HomeAssistant) -> None:
    add_entity(hass, "light.hall", "Hallway", "Hall light")
    hass.states.async_set(
        MODE, "Home", {"friendly_name": "House mode", "options": ["Home", "Night"]}
    )
    entry = await setup_home(hass)
    learner = entry.runtime_data.learner
    night = learner.ref_of(option_key(MODE, "Night"))
    hall = learner.ref_of("light.hall")
    skill = Skill(
        id="s_mode000001",
        name="House mode: Night selected: Hall light off",
        trigger=Trigger(event=Signature(night, "selected", "control", "helper", "unknown")),
        conditions=Conditions(0, 1439),
        actions=(Action(Signature(hall, "turned_off", "power", "light", "hallway")),),
    )
    learner.book.skills[skill.id] = skill
    await learner.async_save()
    exported = await call(hass, "export_wisdom")
    # The option is described like an entity, so another home can find its own.
    assert exported["wisdom"]["entities"][night] == {
        "entity_id": option_key(MODE, "Night"), "domain": "input_select",
        "device_class": None, "area": None, "name": "House mode: Night",
    }  # fmt: skip
    path = Path(exported["path"])
    result = await call(hass, "import_wisdom", path=f"aisthos/{path.name}", mode="replace")
    assert (result["skills"], result["dormant"], result["unmatched_entities"]) == (1, 0, 0)
    config = entry.runtime_data.skills.automation_config("s_mode000001")
    assert config["triggers"][0] == {
        "trigger": "state", "entity_id": MODE, "to": "Night",
        "not_from": ["unavailable", "unknown"],
    }  # fmt: skip
