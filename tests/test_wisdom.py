"""User Wisdom documents: round trips, strict validation, remapping, size."""

from __future__ import annotations

import copy
from dataclasses import replace
import json
import math
from pathlib import Path
from typing import Any

import pytest

from custom_components.aisthos.engine.skill import MAX_NAME
from custom_components.aisthos.engine.style_bandit import DIMENSIONS, StyleBandit
from custom_components.aisthos.engine.wisdom import (
    SCHEMA_PATH,
    EntityDescription,
    Wisdom,
    WisdomError,
    dumps,
    from_document,
    load_document,
    match_entities,
    remap,
    to_document,
    usable_preferences,
)

from .wisdom_samples import MORNING, VALID, broken_documents, hostile_preferences, learned_bandit

REPO = Path(__file__).resolve().parents[1]


def test_the_published_schema_is_the_one_in_use() -> None:
    assert (REPO / "docs" / "user-wisdom.schema.json").read_text() == SCHEMA_PATH.read_text()
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$defs"]["skill"]["properties"]["name"]["maxLength"] == MAX_NAME


def test_a_name_longer_than_a_file_holds_is_shortened_on_export() -> None:
    wisdom = from_document(load_document(json.dumps(VALID)))
    skill = wisdom.book.skills["s_0123456789"]
    wisdom.book.skills[skill.id] = replace(skill, name="Hallway motion or " * 20 + "Hall light")
    exported = load_document(dumps(to_document(wisdom)))
    assert len(exported["skills"][0]["name"]) == MAX_NAME


def test_valid_document_round_trips() -> None:
    wisdom = from_document(load_document(json.dumps(VALID)))
    assert wisdom.growth.stage.value == "child"
    assert set(wisdom.book.skills) == {"s_0123456789", "s_9876543210"}
    assert wisdom.book.decisions["s_5555555555"].status.value == "rejected"
    skill = wisdom.book.skills["s_0123456789"]
    assert skill.evidence["2026-11-10"] == 1
    assert "2026-11-15" not in skill.evidence  # "." days are not evidence
    again = to_document(wisdom)
    assert load_document(dumps(again)) == again
    reread = from_document(again)
    assert reread.book.skills == wisdom.book.skills
    assert reread.growth.as_dict() == wisdom.growth.as_dict()


def test_at_least_fifty_broken_or_hostile_files_are_rejected_clearly() -> None:
    cases = broken_documents()
    assert len(cases) >= 50
    for label, text in cases:
        with pytest.raises(WisdomError) as err:
            from_document(load_document(text))
        message = str(err.value)
        assert message, label
        assert len(message) < 400, label


def test_unusable_preferences_are_refused_naming_the_path() -> None:
    cases = hostile_preferences()
    assert len(cases) >= 16
    for path, text in cases:
        with pytest.raises(WisdomError) as err:
            load_document(text)
        assert str(err.value).startswith(f"{path}"), (path, str(err.value))
        assert len(str(err.value)) < 400, path


def test_a_style_bandit_state_must_load() -> None:
    doc = copy.deepcopy(VALID)
    doc["preferences"]["style_bandit"] = {"version": 2, "styles": "x", "dimensions": {}}
    with pytest.raises(
        WisdomError, match=r"^preferences\.style_bandit: bad style bandit state: styles: "
    ):
        load_document(json.dumps(doc))
    doc["preferences"]["style_bandit"] = {**learned_bandit(), "version": 3}
    with pytest.raises(WisdomError, match=r"bad style bandit state: unsupported version: 3"):
        load_document(doc)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (math.inf, "preferences.other.x"),
        (-math.inf, "preferences.other.x"),
        (math.nan, "preferences.other.x"),
        (10**30, "preferences.other.x"),
        ({1: "a"}, "preferences.other.x"),
        ({"a", "b"}, "preferences.other.x"),
        ((1, 2), "preferences.other.x"),
        (b"bytes", "preferences.other.x"),
    ],
)
def test_python_values_json_cannot_hold_are_refused(value: Any, path: str) -> None:
    """A document handed over as a dict (the service's data) is checked like a file."""
    doc = copy.deepcopy(VALID)
    doc["preferences"]["other"] = {"x": value}
    with pytest.raises(WisdomError, match=f"^{path}"):
        load_document(doc)
    doc = copy.deepcopy(VALID)
    doc["preferences"]["style_bandit"]["styles"][3][2][0] = value
    with pytest.raises(WisdomError, match=r"^preferences\.style_bandit\.styles\.3\.2\.0"):
        load_document(doc)
    doc = copy.deepcopy(VALID)
    doc["observations"]["sparks"] = value
    with pytest.raises(WisdomError, match=r"^observations\.sparks"):
        load_document(doc)


def test_learned_preferences_round_trip() -> None:
    doc = copy.deepcopy(VALID)
    doc["preferences"] = {
        "style_bandit": learned_bandit(),
        "communication_style": {"length": "detailed", "form": "list"},  # a dimension may be missing
        "other": {"kept": [1, 2.5, "as is"], "big but fine": 2**53},
        "empty": None,
    }
    wisdom = from_document(load_document(json.dumps(doc)))
    assert wisdom.preferences == doc["preferences"]
    again = load_document(dumps(to_document(wisdom)))
    assert again["preferences"] == doc["preferences"]
    bandit = StyleBandit.from_dict(again["preferences"]["style_bandit"])
    assert bandit.best(MORNING).length == "detailed"


def test_the_schema_lists_every_communication_option() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    style = schema["$defs"]["communication_style"]
    assert {dim: tuple(spec["enum"]) for dim, spec in style["properties"].items()} == DIMENSIONS
    assert style["additionalProperties"] is False
    ref = {"$ref": "#/$defs/communication_style"}
    assert schema["properties"]["communication_style"] == ref
    assert schema["properties"]["preferences"]["properties"]["communication_style"] == ref


def test_usable_preferences_drop_only_what_cannot_be_used() -> None:
    kept, problems = usable_preferences(
        {
            "style_bandit": {"version": 2, "junk": None},
            "communication_style": {"length": "enormous"},
            "other": {"x": 1},
            "not an object": 3,
            "empty": None,
        }
    )
    assert kept == {"other": {"x": 1}, "empty": None}
    assert problems == [
        "preferences.style_bandit: bad style bandit state: state: expected exactly the keys "
        "['dimensions', 'styles', 'version']",
        "preferences.communication_style.length: 'enormous' is not one of brief, detailed",
        "preferences.not an object: expected an object",
    ]
    assert usable_preferences(["not", "a", "dict"]) == ({}, ["preferences: expected an object"])
    kept, _ = usable_preferences({"style_bandit": learned_bandit()})
    assert kept == {"style_bandit": learned_bandit()}


def test_newer_major_versions_are_refused_with_a_hint() -> None:
    with pytest.raises(WisdomError, match="newer than this AisthOS understands"):
        load_document({**VALID, "version": "2.0"})
    assert load_document({**VALID, "version": "1.7"})["version"] == "1.7"


HOME_B = [
    EntityDescription("binary_sensor.flur_bewegung", "binary_sensor", "motion", "Hallway", "Hall motion sensor"),
    EntityDescription("binary_sensor.kitchen_motion", "binary_sensor", "motion", "Kitchen", "Kitchen motion"),
    EntityDescription("light.flur", "light", None, "Hallway", "Hall light"),
    EntityDescription("light.kitchen", "light", None, "Kitchen", "Kitchen light"),
]  # fmt: skip


def test_entities_are_matched_by_area_domain_class_and_name() -> None:
    wisdom = from_document(load_document(VALID))
    matched = match_entities(wisdom.entities, HOME_B)
    assert matched == {"aaaaaaaaaaaa": "binary_sensor.flur_bewegung", "bbbbbbbbbbbb": "light.flur"}


def test_ambiguous_matches_are_left_to_the_household() -> None:
    wanted = {"r1": EntityDescription("light.x", "light", None, "Bedroom", None)}
    twins = [EntityDescription("light.a", "light", None, "Bedroom", None), EntityDescription("light.b", "light", None, "Bedroom", None)]  # fmt: skip
    assert match_entities(wanted, twins) == {}


def test_remap_rewrites_refs_and_puts_the_rest_to_sleep() -> None:
    wisdom = from_document(load_document(VALID))
    result = remap(wisdom, HOME_B, lambda entity_id: "h" + str(abs(hash(entity_id)))[:10])
    active = result.wisdom.book.skills
    assert list(active) == ["s_0123456789"]
    skill = active["s_0123456789"]
    assert skill.trigger.event is not None
    assert skill.trigger.event.ref.startswith("h")
    assert [s.id for s, _ in result.wisdom.dormant] == ["s_9876543210"]
    assert set(result.unmatched) == {"cccccccccccc"}
    # The household maps the kettle by hand: the dormant skill wakes up.
    home = [
        *HOME_B,
        EntityDescription("switch.wasserkocher", "switch", None, "Küche", "Wasserkocher"),
    ]
    woken = remap(
        wisdom,
        home,
        lambda e: "h" + str(abs(hash(e)))[:10],
        {"cccccccccccc": "switch.wasserkocher"},
    )
    assert set(woken.wisdom.book.skills) == {"s_0123456789", "s_9876543210"}
    assert woken.wisdom.dormant == []


def test_a_busy_year_stays_small() -> None:
    """100 skills, each with a year of evidence: compaction keeps the file small."""
    from datetime import date, timedelta

    from custom_components.aisthos.engine.growth import Growth
    from custom_components.aisthos.engine.routine_miner import _compact
    from custom_components.aisthos.engine.skill import Action, Conditions, Signature, Skill, Trigger
    from custom_components.aisthos.engine.skill_book import SkillBook
    from custom_components.aisthos.engine.wisdom import Wisdom

    today = date(2027, 11, 25)
    book = SkillBook()
    entities = {}
    for i in range(100):
        trigger_ref, action_ref = f"t{i:011d}", f"a{i:011d}"
        entities[trigger_ref] = EntityDescription(
            f"binary_sensor.motion_{i}", "binary_sensor", "motion", "Hallway", f"Motion {i}"
        )
        entities[action_ref] = EntityDescription(
            f"light.light_{i}", "light", None, "Hallway", f"Light {i}"
        )
        evidence = {(today - timedelta(days=d)).isoformat(): int(d % 3 != 0) for d in range(1, 366)}
        skill = Skill(
            f"s_{i:010d}",
            f"Evening hallway motion: Light {i}",
            Trigger(event=Signature(trigger_ref, "detected", "motion", "motion", "hallway")),
            Conditions(1100, 1160, ("mon", "tue", "wed", "thu", "fri")),
            (Action(Signature(action_ref, "turned_on", "power", "light", "hallway"), 30.0),),
            explanation="Seen on 80 of 120 weekdays between 18:20 and 19:20; Light followed within 1 min.",
        ).with_evidence(_compact(evidence, today), today)
        book.skills[skill.id] = skill
    wisdom = Wisdom(
        growth=Growth(born=today - timedelta(days=365)),
        book=book,
        entities=entities,
        created="2027-11-25T03:00:00",
    )
    text = dumps(to_document(wisdom))
    assert len(text.encode()) <= 200_000
    assert from_document(load_document(text)).book.skills.keys() == book.skills.keys()


def hall_or_stairs_motion() -> Wisdom:
    """The valid document, its hall light skill started by hall or stairs motion."""
    doc = copy.deepcopy(VALID)
    doc["entities"]["dddddddddddd"] = {
        "entity_id": "binary_sensor.stairs_motion", "domain": "binary_sensor",
        "device_class": "motion", "area": "Hallway", "name": "Stairs motion",
    }  # fmt: skip
    doc["skills"][0]["trigger"]["also"] = [
        {"ref": "dddddddddddd", "action": "detected", "kind": "motion", "object": "motion",
         "area": "hallway"}
    ]  # fmt: skip
    return from_document(load_document(json.dumps(doc)))


def test_a_trigger_of_several_entities_travels_and_wakes_only_with_all_of_them() -> None:
    wisdom = hall_or_stairs_motion()
    skill = wisdom.book.skills["s_0123456789"]
    assert [s.ref for s in skill.trigger.events] == ["aaaaaaaaaaaa", "dddddddddddd"]
    again = to_document(wisdom)
    assert "dddddddddddd" in again["entities"]
    assert from_document(load_document(dumps(again))).book.skills == wisdom.book.skills
    # A home without stairs motion: the skill sleeps until it is mapped.
    ref_of = lambda e: "h" + str(abs(hash(e)))[:10]  # noqa: E731
    assert "s_0123456789" not in remap(wisdom, HOME_B, ref_of).wisdom.book.skills
    stairs = EntityDescription(
        "binary_sensor.treppe", "binary_sensor", "motion", "Hallway", "Stairs motion"
    )
    moved = remap(wisdom, [*HOME_B, stairs], ref_of).wisdom.book.skills["s_0123456789"]
    assert [s.ref for s in moved.trigger.events] == [
        ref_of("binary_sensor.flur_bewegung"),
        ref_of("binary_sensor.treppe"),
    ]


def test_two_entities_of_a_file_that_are_one_here_start_a_skill_once() -> None:
    wisdom = hall_or_stairs_motion()
    # The household maps both sensors of the file to its one hall sensor.
    manual = {
        "aaaaaaaaaaaa": "binary_sensor.flur_bewegung",
        "dddddddddddd": "binary_sensor.flur_bewegung",
    }
    ref_of = lambda e: "h" + str(abs(hash(e)))[:10]  # noqa: E731
    moved = remap(wisdom, HOME_B, ref_of, manual).wisdom.book.skills["s_0123456789"]
    assert [s.ref for s in moved.trigger.events] == [ref_of("binary_sensor.flur_bewegung")]
