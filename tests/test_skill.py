"""Skills: calibrated confidence, readable definitions, safe round trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from custom_components.aisthos.engine.skill import (
    Action,
    Conditions,
    FiringStats,
    Signature,
    Skill,
    Trigger,
    confidence,
    hhmm_to_minutes,
    lower_bound,
    minutes_to_hhmm,
)

TODAY = date(2026, 11, 25)
ARRIVAL = Signature("a1b2c3d4e5f6", "arrived", "presence", "person", "hallway")
LIGHT = Signature("0f1e2d3c4b5a", "turned_on", "power", "light", "hallway")
SECOND_ARRIVAL = Signature("f6e5d4c3b2a1", "arrived", "presence", "person", "hallway")


def evidence(hits: int, days: int, end: date = TODAY) -> dict[str, int]:
    """hits of days, spread evenly, ending yesterday."""
    out = {}
    for i in range(days):
        day = end - timedelta(days=days - i)
        out[day.isoformat()] = int(i * hits // days != (i + 1) * hits // days)
    assert sum(out.values()) == hits
    return out


def test_more_evidence_means_more_confidence() -> None:
    assert confidence(evidence(9, 10), TODAY) > confidence(evidence(3, 10), TODAY)
    assert confidence(evidence(28, 28), TODAY) > confidence(evidence(9, 10), TODAY)
    assert confidence(evidence(3, 10), TODAY) < 0.25


def test_few_observations_never_give_high_confidence() -> None:
    for n in (1, 2, 3):
        assert confidence(evidence(n, n), TODAY) <= 0.55
    assert confidence({}, TODAY) == 0.0
    assert confidence(evidence(0, 10), TODAY) == 0.0


def test_confidence_stays_in_range() -> None:
    for hits in range(0, 41, 5):
        assert 0.0 <= confidence(evidence(hits, 40), TODAY) <= 1.0


def test_a_routine_that_stopped_fades() -> None:
    old = evidence(20, 20, end=TODAY - timedelta(days=30))
    assert confidence(old, TODAY) < 0.3 * confidence(old, TODAY - timedelta(days=30))


def make_skill(**changes: object) -> Skill:
    skill = Skill(
        id="s_0123456789",
        name="Evening arrival: hallway light",
        trigger=Trigger(event=ARRIVAL),
        conditions=Conditions(18 * 60 + 52, 19 * 60 + 17, ("mon", "tue", "wed", "thu", "fri")),
        actions=(Action(LIGHT, 60.0),),
    ).with_evidence(evidence(9, 10), TODAY)
    return Skill.from_dict({**skill.as_dict(), **changes})


def test_round_trip_and_definition() -> None:
    skill = make_skill()
    assert Skill.from_dict(skill.as_dict()) == skill
    assert skill.learned_from == 9
    assert skill.definition() == {
        "name": "Evening arrival: hallway light",
        "trigger": "hallway person arrived AND time 18:52–19:17 AND weekdays",
        "actions": ["hallway light on"],
        "confidence": round(skill.confidence, 2),
        "learned_from": "9 days observed",
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"actions": []},
        {"confidence": 1.5},
        {"conditions": {"after": "25:00", "before": "10:00"}},
        {"conditions": {"after": "10:00", "before": "11:00", "days": ["someday"]}},
        {"evidence": {"not-a-date": 1}},
        {"trigger": {"type": "time", "at": "7pm"}},
    ],
)
def test_bad_skill_data_is_rejected(bad: dict[str, object]) -> None:
    with pytest.raises((KeyError, ValueError, TypeError)):
        make_skill(**bad)


def test_trigger_is_event_or_time() -> None:
    with pytest.raises(ValueError, match="exactly one of an event, a time or the sun"):
        Trigger()
    with pytest.raises(ValueError, match="exactly one of an event, a time or the sun"):
        Trigger(event=ARRIVAL, at=10)


def test_time_helpers_and_windows() -> None:
    assert minutes_to_hhmm(hhmm_to_minutes("06:05")) == "06:05"
    assert hhmm_to_minutes("23:59:59") == 1439
    overnight = Conditions(23 * 60, 60)
    assert overnight.contains(23 * 60 + 30)
    assert overnight.contains(30)
    assert not overnight.contains(12 * 60)
    assert Conditions(0, 1, ("sat", "sun")).days_text() == "weekends"
    assert Conditions(0, 1, ("mon", "wed")).days_text() == "Mon, Wed"


@pytest.mark.parametrize(
    "trigger",
    [
        Trigger(sun="sunset", offset_min=-15, span_min=40),
        Trigger(
            event=Signature("b2c3d4e5f6a1", "cleared", "motion", "motion", "bathroom"), hold_s=300
        ),
        Trigger(event=ARRIVAL, also=(SECOND_ARRIVAL,)),
    ],
)
def test_new_kinds_of_trigger_and_firing_counts_round_trip(trigger: Trigger) -> None:
    stats = FiringStats(firings=20, right=18, base_rate=0.02, actions=30, explained=18, z=2.33)
    skill = replace(make_skill(), trigger=trigger, stats=stats).with_evidence(
        evidence(9, 10), TODAY
    )
    again = Skill.from_dict(skill.as_dict())
    assert again.as_dict() == skill.as_dict()
    assert (again.trigger, again.stats) == (trigger, stats)
    # Confidence is the firings' lower bound with chance taken out, not the days'.
    assert skill.confidence == pytest.approx(
        (lower_bound(18, 20, 2.33) - 0.02) / (1 - 0.02), rel=1e-6
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"firings": 3, "right": 4},
        {"firings": 3, "right": 2, "base_rate": 1.0},
        {"firings": 3, "right": 2, "z": 9},
        {"firings": 3, "right": 2, "actions": 1, "explained": 2},
    ],
)
def test_inconsistent_firing_counts_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"inconsistent|within"):
        FiringStats.from_dict(bad)


def test_a_sun_offset_and_a_hold_stay_in_their_bounds() -> None:
    for bad in (
        {"sun": "noon"},
        {"sun": "sunset", "offset_min": 400},
        {"at": 60, "offset_min": 5},
        {"at": 60, "hold_s": 30.0},
        {"event": ARRIVAL, "hold_s": 100_000.0},
    ):
        with pytest.raises(ValueError, match=r"sun|hold|span|exactly one"):
            Trigger(**bad)  # type: ignore[arg-type]


def test_a_trigger_of_several_entities_is_one_moment_of_each() -> None:
    both = Trigger(event=ARRIVAL, also=(SECOND_ARRIVAL,))
    assert both.events == (ARRIVAL, SECOND_ARRIVAL)
    assert Trigger(at=60).events == ()
    skill = replace(make_skill(), trigger=both)
    assert skill.definition(lambda s: f"<{s.ref}>")["trigger"].startswith(
        "<a1b2c3d4e5f6> arrived OR <f6e5d4c3b2a1> arrived AND"
    )
    for bad in (
        {"at": 60, "also": (SECOND_ARRIVAL,)},  # a clock has no entities
        {"event": ARRIVAL, "also": (ARRIVAL,)},  # one entity twice
        {"event": ARRIVAL, "also": (replace(SECOND_ARRIVAL, action="left"),)},  # another moment
        {"event": ARRIVAL, "also": (SECOND_ARRIVAL,), "hold_s": 60.0},
        {"event": ARRIVAL, "also": tuple(replace(SECOND_ARRIVAL, ref=f"r{i}") for i in range(8))},
    ):
        with pytest.raises(ValueError, match="more entities of a trigger"):
            Trigger(**bad)  # type: ignore[arg-type]


def test_the_evidence_strip_marks_every_entity_of_the_trigger() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from custom_components.aisthos.engine.evidence_strip import evidence_strip
    from custom_components.aisthos.engine.spark import Spark

    tz = ZoneInfo("Europe/Berlin")
    skill = replace(make_skill(), trigger=Trigger(event=ARRIVAL, also=(SECOND_ARRIVAL,)))
    day = TODAY - timedelta(days=1)

    def spark(hhmm: str, sig: Signature, cause: str = "person") -> Spark:
        moment = datetime(day.year, day.month, day.day, *map(int, hhmm.split(":")), tzinfo=tz)
        return Spark(
            moment.timestamp(), sig.kind, sig.area, "someone", sig.action, sig.object, "none",
            cause, sig.ref,
        )  # fmt: skip

    sparks = [spark("18:55", ARRIVAL), spark("19:05", SECOND_ARRIVAL), spark("19:06", LIGHT)]
    sparks.append(spark("20:00", replace(SECOND_ARRIVAL, action="left")))
    strip = evidence_strip(sparks, skill, tz, TODAY, days=2)
    [row] = [d for d in strip["days"] if d["date"] == day.isoformat()]
    assert (row["trigger"], row["actions"]) == ([18 * 60 + 55, 19 * 60 + 5], [19 * 60 + 6])


def test_a_resident_who_moved_out_leaves_the_others_arrivals() -> None:
    from custom_components.aisthos.engine.automation_config import (
        UnsafeSkillError,
        compile_automation,
    )

    skill = replace(make_skill(), trigger=Trigger(event=ARRIVAL, also=(SECOND_ARRIVAL,)))
    both = {ARRIVAL.ref: "person.maya", SECOND_ARRIVAL.ref: "person.sam", LIGHT.ref: "light.hall"}
    config = compile_automation(skill, both.get)
    assert [t["entity_id"] for t in config["triggers"]] == ["person.maya", "person.sam"]
    del both[SECOND_ARRIVAL.ref]
    config = compile_automation(skill, both.get)
    assert [t["entity_id"] for t in config["triggers"]] == ["person.maya"]
    del both[ARRIVAL.ref]
    with pytest.raises(UnsafeSkillError, match="no longer in this home"):
        compile_automation(skill, both.get)
