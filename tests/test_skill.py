"""Skills: calibrated confidence, readable definitions, safe round trips."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custom_components.aisthos.engine.skill import (
    Action,
    Conditions,
    Signature,
    Skill,
    Trigger,
    confidence,
    hhmm_to_minutes,
    minutes_to_hhmm,
)

TODAY = date(2026, 11, 25)
ARRIVAL = Signature("a1b2c3d4e5f6", "arrived", "presence", "person", "hallway")
LIGHT = Signature("0f1e2d3c4b5a", "turned_on", "power", "light", "hallway")


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
