"""Perception: readable Sparks, correct causes, stable anonymous roles."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.aisthos.engine.anonymizer import Anonymizer, room_type
from custom_components.aisthos.engine.catalog import TEMPLATES
from custom_components.aisthos.engine.ontology import RoomType
from custom_components.aisthos.engine.perception import Perception, observable
from custom_components.aisthos.engine.spark import Spark, make_spark
from custom_components.aisthos.engine.state_change import EntityInfo, StateChange

SECRET = b"0123456789abcdef0123456789abcdef"
AT_1902 = datetime(2026, 11, 20, 19, 2, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()


def perceive(info: EntityInfo, old: str | None, new: str, automation: bool = False) -> Spark | None:
    perception = Perception(Anonymizer(SECRET))
    return perception.spark(StateChange(info.entity_id, old, new, AT_1902, automation), info)


def test_someone_arrived_home_line() -> None:
    tracker = EntityInfo.from_entity_id("device_tracker.phone", None, "hall1", "Hallway")
    spark = perceive(tracker, "not_home", "home")
    assert spark is not None
    assert spark.render(ZoneInfo("Europe/Berlin")) == "Someone arrived home · Hallway · 19:02"


def test_people_become_residents_in_order_of_appearance() -> None:
    anonymizer = Anonymizer(SECRET)
    perception = Perception(anonymizer)
    alice = EntityInfo.from_entity_id("person.alice")
    bob = EntityInfo.from_entity_id("person.bob")
    seen = [
        perception.spark(StateChange(i.entity_id, "not_home", "home", AT_1902), i)
        for i in (alice, bob, alice)
    ]
    assert [s.subject for s in seen if s] == ["resident_a", "resident_b", "resident_a"]
    assert seen[0] is not None
    assert seen[0].render(UTC).startswith("Resident A arrived home")
    # The roles survive a restart through the saved state, which holds no names.
    restored = Anonymizer(SECRET, anonymizer.state())
    assert restored.resident("person.bob") == "resident_b"
    assert "bob" not in str(anonymizer.state())


def test_roles_differ_between_homes_but_not_within_one() -> None:
    home_a, home_b = Anonymizer(SECRET), Anonymizer(b"another-home-secret-32-bytes-xx!")
    assert home_a.ref("light.hall") == Anonymizer(SECRET).ref("light.hall")
    assert home_a.ref("light.hall") != home_b.ref("light.hall")


@pytest.mark.parametrize(
    ("info", "old", "new", "line"),
    [
        (EntityInfo.from_entity_id("binary_sensor.m", "motion", "k", "Kitchen"), "off", "on", "Motion detected · Kitchen"),
        (EntityInfo.from_entity_id("binary_sensor.d", "door", "h", "Front hall"), "off", "on", "Door opened · Hallway"),
        (EntityInfo.from_entity_id("binary_sensor.w", "window", None, None), "on", "off", "Window closed"),
        (EntityInfo.from_entity_id("light.x", None, "l", "Living Room"), "off", "on", "Light turned on · Living room"),
        (EntityInfo.from_entity_id("switch.kettle", None, "k", "Küche"), "off", "on", "Switch turned on · Kitchen"),
        (EntityInfo.from_entity_id("lock.front"), "locked", "unlocked", "Lock unlocked"),
        (EntityInfo.from_entity_id("media_player.tv"), "off", "playing", "Media player playing"),
        (EntityInfo.from_entity_id("climate.hall"), "off", "heat", "Climate heating"),
        (EntityInfo.from_entity_id("cover.blind"), "closed", "open", "Cover opened"),
        (EntityInfo.from_entity_id("vacuum.robo"), "docked", "cleaning", "Vacuum started"),
        (EntityInfo.from_entity_id("sensor.t", "temperature"), "21", "26.5", "Temperature rose, high"),
        (EntityInfo.from_entity_id("fan.ceiling", None, "b", "Master bedroom"), "on", "off", "Fan turned off · Bedroom"),
        (EntityInfo.from_entity_id("valve.garden", None, "g", "Garden"), "closed", "open", "Valve opened · Garden"),
        (EntityInfo.from_entity_id("humidifier.bed", None, "b", "Bedroom"), "off", "on", "Humidifier turned on · Bedroom"),
    ],
)  # fmt: skip
def test_lines(info: EntityInfo, old: str, new: str, line: str) -> None:
    spark = perceive(info, old, new)
    assert spark is not None
    assert spark.render(ZoneInfo("Europe/Berlin")) == f"{line} · 19:02"


@pytest.mark.parametrize(
    ("info", "old", "new"),
    [
        (EntityInfo.from_entity_id("person.a"), "home", "home"),
        (EntityInfo.from_entity_id("person.a"), "not_home", "Work"),
        (EntityInfo.from_entity_id("cover.blind"), "closed", "opening"),
        (EntityInfo.from_entity_id("valve.garden"), "closed", "opening"),
        (EntityInfo.from_entity_id("valve.main_gas", "gas"), "closed", "open"),
        (EntityInfo.from_entity_id("sensor.note"), "a", "b"),
        (EntityInfo.from_entity_id("sensor.t", "temperature"), "21", "warm"),
        (EntityInfo.from_entity_id("camera.door"), "idle", "recording"),
    ],
)
def test_meaningless_changes_make_no_spark(info: EntityInfo, old: str, new: str) -> None:
    assert perceive(info, old, new) is None


def test_cause_comes_from_the_context() -> None:
    light = EntityInfo.from_entity_id("light.hall")
    by_person = perceive(light, "off", "on")
    by_automation = perceive(light, "off", "on", automation=True)
    assert by_person is not None
    assert by_automation is not None
    assert (by_person.cause, by_person.subject) == ("person", "someone")
    assert (by_automation.cause, by_automation.subject) == ("automation", "nobody")
    assert by_automation.render(UTC).endswith("(by an automation)")


def test_areas_become_room_types_with_ordinals() -> None:
    anonymizer = Anonymizer(SECRET)
    assert anonymizer.area("a1", "Anna's bedroom") == "bedroom"
    assert anonymizer.area("a2", "Kids room") == "bedroom_2"
    assert anonymizer.area("a1", "renamed") == "bedroom"
    assert anonymizer.area("a3", "The Den") == "office"
    assert anonymizer.area("a4", "Garden shed of Bob") == "garden"
    assert anonymizer.area("a5", "Smith family") == "room"
    assert anonymizer.area(None, None) == "unknown"
    assert room_type("Badezimmer") is RoomType.ROOM  # 'bad' only as a whole word
    assert room_type("Bad") is RoomType.BATHROOM


def test_spark_round_trip_and_size() -> None:
    spark = make_spark(
        TEMPLATES["gesture"],
        "abc123",
        {"time": AT_1902, "area": "hallway", "subject": "someone", "action": "raised_hand", "angle": 45, "cause": "person"},
    )  # fmt: skip
    assert Spark.from_dict(spark.as_dict()) == spark
    assert (
        spark.render(ZoneInfo("Europe/Berlin")) == "Someone raised a hand to 45° · Hallway · 19:02"
    )
    import json

    assert len(json.dumps(spark.as_dict())) <= 250


def test_observable() -> None:
    assert observable("binary_sensor", "motion")
    # Every binary sensor is something in the home: water, smoke, a running machine.
    assert observable("binary_sensor", "smoke")
    assert observable("binary_sensor", None)
    assert observable("sensor", "temperature")
    assert not observable("sensor", None)
    assert not observable("camera", None)
