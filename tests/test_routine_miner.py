"""Routine miner rules on small, hand-made Spark streams."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from custom_components.aisthos.engine import routine_miner
from custom_components.aisthos.engine.routine_miner import RoutineMiner
from custom_components.aisthos.engine.spark import Spark

TZ = ZoneInfo("Europe/Berlin")
START = date(2026, 10, 5)  # a Monday


def at(day: int, hhmm: str, seconds: float = 0) -> float:
    hours, minutes = map(int, hhmm.split(":"))
    moment = datetime(START.year, START.month, START.day, hours, minutes, tzinfo=TZ)
    return (moment + timedelta(days=day, seconds=seconds)).timestamp()


def motion(t: float) -> Spark:
    return Spark(
        t, "motion", "hallway", "someone", "detected", "motion", "none", "person", "motion1"
    )


def light(t: float, cause: str = "person", ref: str = "light1", action: str = "turned_on") -> Spark:
    return Spark(
        t,
        "power",
        "hallway",
        "someone" if cause == "person" else "nobody",
        action,
        "light",
        "none",
        cause,
        ref,
    )


def light_off(t: float) -> Spark:
    """The light switched off again, hours later: the next morning finds it off."""
    return light(t, action="turned_off")


def arrive(t: float, resident: str = "resident_a", action: str = "arrived") -> Spark:
    return Spark(t, "presence", "unknown", resident, action, "person", "none", "person", "person1")


def mine(sparks: list[Spark], days: int, **kwargs: object) -> list:
    return RoutineMiner().run(
        sorted(sparks, key=lambda s: s.time), TZ, START + timedelta(days=days), **kwargs
    )  # type: ignore[arg-type]


def routine(days: int, cause: str = "person") -> list[Spark]:
    sparks = []
    for day in range(days):
        sparks += [
            motion(at(day, "07:00", day * 37 % 300)),
            light(at(day, "07:00", day * 37 % 300 + 20), cause),
            light_off(at(day, "10:00", day * 7919 % 36000)),
        ]
    return sparks


def test_a_clean_routine_is_learned_with_its_window() -> None:
    skills = mine(routine(14), 14)
    assert len(skills) == 1
    skill = skills[0]
    assert skill.trigger.event is not None
    assert skill.trigger.event.ref == "motion1"
    assert skill.learned_from == 14
    assert skill.conditions.start <= 7 * 60 <= skill.conditions.end
    assert skill.conditions.end - skill.conditions.start <= 30
    assert skill.explanation.startswith("Fired 14 times (every day 06:55–07:09)")
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (14, 14)


def test_automation_caused_changes_are_never_learned() -> None:
    assert mine(routine(14, cause="automation"), 14) == []


def test_what_an_automation_already_does_is_not_proposed_again() -> None:
    assert mine(routine(14), 14, automated=["light1:turned_on"]) == []


def test_an_automation_that_follows_the_trigger_makes_the_routine_redundant() -> None:
    # On some mornings the household's own automation was quicker than the person.
    sparks = routine(14) + [
        light(at(day, "07:00", day * 37 % 300 + 5), "automation") for day in (3, 9)
    ]
    assert mine(sparks, 14) == []


def test_an_automation_doing_the_action_at_other_times_does_not_block_the_routine() -> None:
    # A presence simulation switches the same light on and off in the evenings.
    sparks = routine(14)
    for day in range(14):
        sparks += [
            light(at(day, "21:30"), "automation"),
            light(at(day, "21:50"), "automation", action="turned_off"),
        ]
    skills = mine(sparks, 14)
    assert [s.trigger.event.ref for s in skills if s.trigger.event] == ["motion1"]


def test_one_off_coincidences_are_not_skills() -> None:
    assert mine(routine(2), 14) == []


def test_ids_are_stable_and_evidence_grows_night_after_night() -> None:
    sparks = routine(20)
    first = mine(sparks, 10)
    second = mine(sparks, 11, existing=first)
    later = mine(sparks, 20, existing=second)
    assert [s.id for s in first] == [s.id for s in second] == [s.id for s in later]
    assert first[0].learned_from < later[0].learned_from
    assert first[0].confidence < later[0].confidence
    assert later[0].first_seen == first[0].first_seen


def test_a_routine_that_stops_fades_and_is_dropped() -> None:
    sparks = routine(10)
    skills = mine(sparks, 10)
    assert skills
    confidences = []
    for night in range(11, 50):
        skills = mine(sparks, night, existing=skills)
        confidences.append(skills[0].confidence if skills else 0.0)
    assert confidences[-1] == 0.0  # dropped
    assert confidences[0] > confidences[10]


def test_an_approved_skill_is_kept_even_when_it_fades() -> None:
    sparks = routine(10)
    skills = mine(sparks, 10)
    keep = [skills[0].id]
    for night in range(11, 60):
        skills = mine(sparks, night, existing=skills, keep_ids=keep)
    assert [s.id for s in skills] == keep
    assert skills[0].confidence < 0.2


def test_a_time_routine_carries_no_condition_it_does_not_need() -> None:
    """Nobody was ever away: no someone-home condition (see test_miner_households)."""
    sparks = [arrive(at(0, "06:00"))]
    for day in range(14):
        sparks.append(light(at(day, "06:45", day * 20 % 240)))
        sparks.append(light_off(at(day, "10:00", day * 7919 % 36000)))
    skills = mine(sparks, 14)
    assert len(skills) == 1
    assert skills[0].trigger.at is not None
    assert abs(skills[0].trigger.at - (6 * 60 + 45)) <= 5
    assert not skills[0].conditions.someone_home


def test_weekday_routine_gets_a_weekday_condition() -> None:
    sparks = [s for s in routine(21) if datetime.fromtimestamp(s.time, TZ).weekday() < 5]
    skills = mine(sparks, 21)
    assert len(skills) == 1
    assert skills[0].conditions.days == ("mon", "tue", "wed", "thu", "fri")


def test_nothing_to_learn_from_nothing() -> None:
    assert mine([], 10) == []


def test_unlocking_is_never_learned_however_regular() -> None:
    sparks = []
    for day in range(14):
        t = at(day, "19:00", day * 30 % 300)
        sparks += [
            arrive(t),
            Spark(
                t + 30, "lock", "hallway", "someone", "unlocked", "lock", "none", "person", "lock1"
            ),
            arrive(t + 3600, action="left"),
        ]
    assert mine(sparks, 14) == []


def test_a_clock_does_not_fire_at_a_time_the_spring_forward_skips() -> None:
    """02:30 does not exist in Berlin on 29 March 2026: that day counts no firing."""
    start = date(2026, 3, 16)  # a Monday; the DST change falls on day 13
    sparks = []
    for day in range(21):
        when = start + timedelta(days=day)
        if when != date(2026, 3, 29):  # 02:00-03:00 does not exist that night
            wall = datetime(when.year, when.month, when.day, 2, 32, tzinfo=TZ)
            sparks.append(light(wall.timestamp() + day * 7))
        noon = datetime(when.year, when.month, when.day, 10, tzinfo=TZ)
        sparks.append(light_off(noon.timestamp() + day * 7919 % 36000))
    (skill,) = RoutineMiner().run(sparks, TZ, start + timedelta(days=21))
    assert skill.trigger.at is not None
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (20, 20)  # 21 days, one without 02:32


def _best_arc_by_search(hit, fire, base, pad, max_length=1440):  # type: ignore[no-untyped-def]
    """The best-arc search as first written: two sorted searches per arc."""
    day, width = 1440, routine_miner.BIN_MIN
    bins = np.unique(hit // width) * width
    k = len(bins)
    starts = bins.astype(np.float64) - pad
    ends = np.concatenate([bins, bins + day]).astype(np.float64) + width - 1 + pad
    i_idx = np.repeat(np.arange(k), k)
    j_idx = i_idx + np.tile(np.arange(k), k)
    arc_start, arc_end = starts[i_idx], ends[j_idx]
    length = np.minimum(arc_end - arc_start + 1, day)

    def count(values):  # type: ignore[no-untyped-def]
        doubled = np.sort(np.concatenate([values, values + day, values - day]))
        hi = np.searchsorted(doubled, arc_end, side="right")
        lo = np.searchsorted(doubled, arc_start, side="left")
        return np.minimum(hi - lo, len(values)).astype(np.float64)

    right = count(hit)
    fired = np.maximum(count(fire), right)
    n = np.maximum(fired, 1)
    z2 = 1.64**2
    rate = np.where(fired > 0, right / n, 0.0)
    margin = 1.64 * np.sqrt(rate * (1 - rate) / n + z2 / (4 * n**2))
    bound = np.maximum(0.0, (rate + z2 / (2 * n) - margin) / (1 + z2 / n))
    b = base(length)
    value = np.maximum(0.0, (bound - b) / np.maximum(1e-9, 1.0 - b))
    scores = np.where(length <= max_length, right * value, 0.0)
    best = int(np.argmax(scores))
    if scores[best] <= 0:
        return None
    if length[best] >= day - 2 * pad:
        return 0, day - 1
    return int(arc_start[best]) % day, int(arc_end[best]) % day


def test_arc_counts_match_sorted_searches_on_random_minutes() -> None:
    rng = np.random.default_rng(7)
    for _ in range(60):
        centre = int(rng.integers(0, 1440))
        spread = rng.normal(0, float(rng.uniform(5, 120)), int(rng.integers(1, 30)))
        hit = (centre + spread).astype(np.int64) % 1440
        fire = np.concatenate([hit, rng.integers(0, 1440, int(rng.integers(0, 80)))])
        pad, cap = int(rng.integers(0, 30)), int(rng.integers(60, 1441))

        def base(length):  # type: ignore[no-untyped-def]
            return np.minimum(0.9, length / 1440)

        want = _best_arc_by_search(hit, fire, base, pad, cap)
        assert routine_miner._best_arc(hit, fire, base, pad, cap) == want


@pytest.mark.parametrize("slice_pairs", [1 << 18, 7])
def test_latest_changes_before_moments_match_a_plain_search(
    monkeypatch: pytest.MonkeyPatch, slice_pairs: int
) -> None:
    """Each entity's latest change before a moment, as one would look it up by hand."""
    monkeypatch.setattr(routine_miner, "LATEST_PAIRS_MAX", slice_pairs)  # in one go, or slices
    rng = np.random.default_rng(11)
    sparks = []
    for ref in ("motion1", "motion2", "light1", "light2"):
        for n, offset in enumerate(np.sort(rng.uniform(0, 3 * 86400, 300))):
            t = at(0, "00:00", float(np.floor(offset / 30) * 30))  # some at the same second
            if ref.startswith("motion"):
                action = "detected" if n % 2 == 0 else "cleared"
                sparks.append(
                    Spark(
                        t, "motion", "hallway", "someone", action, "motion", "none", "person", ref
                    )
                )
            else:
                sparks.append(light(t, ref=ref, action="turned_on" if n % 2 == 0 else "turned_off"))
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=3))
    index = data.hold_index()
    moments = np.sort(rng.uniform(0, 3 * 86400, 200)) + at(0, "00:00")
    change, moment_pos = index.latest_before(moments, 3600.0, 60.0)
    found = set(zip(change.tolist(), moment_pos.tolist(), strict=True))
    want = set()
    for m, moment in enumerate(moments):
        before = index.micros < routine_miner._micros(moment - index.t0)
        for position in range(len(index.refs)):
            mine = np.flatnonzero((index.position == position) & before)
            if len(mine) and moment - 3601 <= index.times[mine[-1]] <= moment - 59:
                want.add((int(mine[-1]), m))
    assert found == want
    assert len(found) > 100


def test_days_and_counts_match_a_plain_count() -> None:
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 40, 2000)
    days = rng.integers(739000, 739030, 2000)
    on_days, counts = routine_miner._days_and_counts(codes, days)
    unique, times = np.unique(codes, return_counts=True)
    assert counts == dict(zip(unique.tolist(), times.tolist(), strict=True))
    assert on_days == {int(c): len(set(days[codes == c].tolist())) for c in set(codes.tolist())}
    assert routine_miner._days_and_counts(codes[:0], days[:0]) == ({}, {})


def test_a_window_leaves_out_two_hours_or_none() -> None:
    """A notch of minutes around three wrong firings at lunch is no window."""
    hit = np.asarray([m for m in range(420, 1321, 30) if m != 870], dtype=np.int64)
    fire = np.concatenate([hit, np.asarray([855, 865, 875], dtype=np.int64)])

    def base(length):  # type: ignore[no-untyped-def]
        return np.minimum(0.9, 0.05 * length / 1440)

    notched = routine_miner._best_arc(hit, fire, base, 5)
    assert notched is not None
    assert notched[0] > notched[1]  # "any time but lunch"
    assert 1440 - routine_miner._window_length(*notched) < routine_miner.LEFT_OUT_MIN
    left_out = routine_miner.LEFT_OUT_MIN
    wide = routine_miner._best_arc(hit, fire, base, 5, left_out=left_out)
    assert wide is not None
    assert wide == (0, 1439) or 1440 - routine_miner._window_length(*wide) >= left_out


def lunch_notch_home() -> list[Spark]:
    """Motion, then the light, at any hour 08:00-18:00; motion alone at 14:10-14:40."""
    sparks = []
    for day in range(28):
        for k in range(3):
            minute = 480 + (day * 211 + k * 197) % 600
            if 845 <= minute <= 885:
                minute += 60
            t = at(day, "00:00", minute * 60)
            sparks += [motion(t), light(t + 20), light_off(t + 1200)]
        if day % 3 == 0:
            sparks.append(motion(at(day, "14:10", day * 31 % 1800)))
    return sparks


def test_a_learned_window_leaves_out_two_hours_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def window() -> tuple[int, int]:
        (skill,) = [s for s in mine(lunch_notch_home(), 28) if s.trigger.event is not None]
        return skill.conditions.start, skill.conditions.end

    start, end = window()
    left = 1440 - routine_miner._window_length(start, end)
    assert (start, end) == (0, 1439) or left >= routine_miner.LEFT_OUT_MIN
    monkeypatch.setattr(routine_miner, "LEFT_OUT_MIN", 0)
    start, end = window()
    assert 0 < 1440 - routine_miner._window_length(start, end) < 120  # the notch
