"""Offline learning: naming without friendly names, empty homes, unsafe skills."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from custom_components.aisthos.engine.automation_config import compile_automation
from custom_components.aisthos.engine.history_file import HistoryRecord
from custom_components.aisthos.engine.offline_learning import (
    OfflineHome,
    learn,
    perceive,
    skills_report,
)
from custom_components.aisthos.engine.skill import Action, Conditions, Signature, Skill, Trigger

TZ = ZoneInfo("Europe/Berlin")
T0 = 1_795_000_000.0


def record(entity_id: str, state: str, at: float, **extra: str | None) -> HistoryRecord:
    fields: dict[str, str | None] = {"device_class": None, "friendly_name": None, "area": None}
    fields.update(extra)
    return HistoryRecord(entity_id, state, at, False, **fields)  # type: ignore[arg-type]


def signature(home: OfflineHome, entity_id: str) -> Signature:
    ref = next(r for r, e in home.entity_of_ref.items() if e == entity_id)
    spark = next(s for s in home.sparks if s.ref == ref)
    return Signature(ref, spark.action, spark.kind, spark.object, spark.area)


def test_entities_without_a_friendly_name_are_named_by_area_and_kind() -> None:
    home = perceive(
        [
            record("binary_sensor.m1", "off", T0, device_class="motion", area="Hallway"),
            record("binary_sensor.m1", "on", T0 + 60, device_class="motion", area="Hallway"),
            record("light.l1", "off", T0, area="Living room"),
            record("light.l1", "on", T0 + 90, area="Living room"),
            record("switch.s1", "off", T0),
            record("switch.s1", "on", T0 + 120),
            record("fan.f1", "off", T0, friendly_name="Anna's fan"),
            record("fan.f1", "on", T0 + 150, friendly_name="Anna's fan"),
        ]
    )
    assert home.describe(signature(home, "binary_sensor.m1")) == "hallway motion"
    assert home.describe(signature(home, "light.l1")) == "living room light"
    assert home.describe(signature(home, "switch.s1")) == "switch"  # area unknown: kind only
    assert home.describe(signature(home, "fan.f1")) == "Anna's fan"  # stays in this home
    assert "Anna" not in str([s.as_dict() for s in home.sparks])


def test_a_home_without_sparks_learns_nothing() -> None:
    home = perceive([record("sensor.note", "a", T0), record("sensor.note", "b", T0 + 9)])
    assert home.sparks == []
    assert learn(home, TZ) == []
    assert skills_report(home, []) == {"skills": []}


def test_the_report_leaves_out_skills_that_cannot_be_automated() -> None:
    light = Signature("aaa", "turned_on", "power", "light", "hallway")
    unlock = Signature("bbb", "unlocked", "lock", "lock", "hallway")
    stranger = Signature("ccc", "turned_on", "power", "light", "hallway")  # not in this home

    def make(skill_id: str, target: Signature, hits: int) -> Skill:
        evidence = {f"2026-11-{day:02d}": int(day <= hits) for day in range(1, 15)}
        return Skill(
            skill_id, skill_id, Trigger(at=1140), Conditions(1130, 1150), (Action(target),)
        ).with_evidence(evidence, date(2026, 11, 15))

    home = OfflineHome([], {"aaa": "light.hall", "bbb": "lock.front"}, {"aaa": "Hall light"})
    skills = [make("s_a", light, 8), make("s_b", unlock, 14), make("s_c", stranger, 13)]
    assert skills[1].confidence > skills[0].confidence
    report = skills_report(home, skills)
    assert [s["id"] for s in report["skills"]] == ["s_a"]
    only = report["skills"][0]
    assert only["automation"] == compile_automation(skills[0], home.entity_of_ref.get)
    assert only["confidence"] == round(skills[0].confidence, 3)
    assert "Hall light" in str(only["definition"])
