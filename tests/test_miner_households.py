"""Miner rules for how households live: who is home, devices' own timers, weekdays, proposals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from custom_components.aisthos.engine import routine_miner
from custom_components.aisthos.engine.automation_config import compile_automation
from custom_components.aisthos.engine.history_file import read_records
from custom_components.aisthos.engine.offline_learning import learn, perceive
from custom_components.aisthos.engine.skill import (
    WEEKDAYS,
    WORKDAYS,
    Action,
    Conditions,
    FiringStats,
    Signature,
    Skill,
    Trigger,
    worth_proposing,
)
from custom_components.aisthos.engine.spark import Spark

from .routine_metrics import _module_from
from .test_routine_miner import START, TZ, arrive, at, light, light_off, mine, motion

simulate_home = _module_from(
    "aisthos_bench_homes", Path(__file__).resolve().parents[1] / "bench" / "homes.py"
).simulate_home


def kettle(t: float, action: str = "turned_on") -> Spark:
    return light(t, ref="kettle1", action=action)


def kettle_mornings_and_a_week_away() -> list[Spark]:
    """The kettle at 06:40 every morning the resident (person1) is home; a week away."""
    away = range(8, 14)  # leaves on day 7 after breakfast, back on day 13 for dinner
    sparks = [arrive(at(7, "09:00"), action="left"), arrive(at(13, "18:00"))]
    for day in range(28):
        if day not in away:
            sparks += [
                kettle(at(day, "06:40", day * 53 % 600)),
                kettle(at(day, "09:00"), "turned_off"),
            ]
    return sparks


def test_a_clock_routine_asks_for_someone_home_where_residents_come_and_go() -> None:
    # The kettle at 06:40 every morning, but the family is away for a week.
    sparks = kettle_mornings_and_a_week_away()
    [skill] = [
        s
        for s in mine(sparks, 28)
        if s.trigger.at is not None and any(a.target.key == "kettle1:turned_on" for a in s.actions)
    ]
    assert skill.conditions.someone_home
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (22, 22)
    # Where nobody is known to come or go, nothing is assumed: the week counts against it.
    nobody = [s for s in sparks if s.kind != "presence"]
    [unknown] = [
        s
        for s in mine(nobody, 28)
        if s.trigger.at is not None and any(a.target.key == "kettle1:turned_on" for a in s.actions)
    ]
    assert not unknown.conditions.someone_home
    assert unknown.stats is not None
    assert (unknown.stats.firings, unknown.stats.right) == (28, 22)


def test_the_someone_home_timeline_starts_where_the_first_spark_came_from() -> None:
    def b(t: float, action: str = "arrived") -> Spark:
        return replace(arrive(t, "resident_b", action), ref="person2")

    sparks = [
        arrive(at(0, "12:00"), action="left"),  # A was home before
        b(at(1, "12:00")),  # B was away before
        b(at(2, "12:00"), "left"),
        arrive(at(3, "12:00")),
    ]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=4))
    moments = [at(0, "08:00"), at(0, "18:00"), at(1, "18:00"), at(2, "18:00"), at(3, "18:00")]
    home = data.someone_home(np.asarray(moments))
    assert home is not None
    assert home.tolist() == [True, False, True, False, True]
    assert routine_miner._Data([], TZ, START, START).someone_home(np.asarray(moments)) is None


def test_a_polled_devices_timer_is_still_its_own() -> None:
    """A 40-minute programme read by polling every 30 s: its off comes within 30 s."""
    sparks = []
    for day in range(14):
        start = at(day, "06:30", day * 997 % 3600)
        sparks += [kettle(start), kettle(start + 2400 + day * 13 % 31, "turned_off")]
        # A person who switches the heater off "after 20 minutes" keeps to a
        # minute or two, and forgets it twice (off in the evening).
        later = 12 * 3600 if day in (4, 10) else 1200 + day * 37 % 150
        sparks += [light(start), light(start + later, action="turned_off")]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=14))
    polled = data.codes["kettle1:turned_off"]
    person = data.codes["light1:turned_off"]
    assert data.self_timed(polled, data.person_actions(polled))
    assert not data.self_timed(person, data.person_actions(person))


def test_a_devices_own_timer_is_not_a_persons_action() -> None:
    sparks = []
    for day in range(14):
        start = at(day, "07:00", day * 997 % 7200)
        # The kettle switches itself off 210 s after it was switched on...
        sparks += [kettle(start), kettle(start + 210, "turned_off")]
        # ...and a person switches the hall light off 3-9 minutes after it went on.
        sparks += [light(start), light(start + 180 + day * 29 % 360, action="turned_off")]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=14))
    kettle_off = data.codes["kettle1:turned_off"]
    light_off = data.codes["light1:turned_off"]
    assert data.self_timed(kettle_off, data.person_actions(kettle_off))
    assert not data.self_timed(light_off, data.person_actions(light_off))
    learned = mine(sparks, 14)
    assert not [s for s in learned if any(a.target.key == "kettle1:turned_off" for a in s.actions)]


def press(t: float) -> Spark:
    return Spark(t, "control", "nursery", "someone", "pressed", "button", "none", "person", "btn1")


def hallway_cleared(t: float) -> Spark:
    return replace(motion(t), action="cleared")


def test_a_kettle_ending_each_boil_itself_is_not_automated_a_left_heater_is() -> None:
    sparks = []
    for day in range(21):
        boil = at(day, "07:00", day * 997 % 5400)
        # The kettle's thermostat ends every boil 150-230 s in (as much water
        # as there was); the person has left the hallway by then.
        end = boil + 150 + day * 37 % 81
        sparks += [kettle(boil), kettle(end, "turned_off")]
        sparks += [motion(boil - 30), hallway_cleared(boil + 20)]
        if day % 4 == 0:  # an automation choosing a house mode is nobody's press
            sparks.append(replace(press(end - 1), cause="automation", ref="mode1"))
        if day % 4 == 2:  # the radio's button, pressed with the cup in hand
            sparks.append(replace(press(end + 10), ref="radio_button"))
        # A person switches the heater off 44-46 min after it went on, and
        # forgets it on four days (off the next morning); whenever it is cold.
        warm = at(day, "13:00", day * 4733 % 28800)
        sparks.append(light(warm, ref="heater1"))
        late = 8 * 3600 if day % 5 == 3 else 2640 + day * 53 % 120
        sparks.append(light(warm + late, ref="heater1", action="turned_off"))
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=21))
    kettle_off, heater_off = data.codes["kettle1:turned_off"], data.codes["heater1:turned_off"]
    assert data.self_timed(kettle_off, data.person_actions(kettle_off))
    assert not data.self_timed(heater_off, data.person_actions(heater_off))
    assert not data.never_left(heater_off, data.person_actions(heater_off))
    learned = mine(sparks, 21)
    # Neither "the kettle, off 2 min after on" nor "the hallway empty, kettle off":
    # an automation could only cut a boil short.
    assert not [s for s in learned if any(a.target.key == "kettle1:turned_off" for a in s.actions)]
    [heater] = [s for s in learned if any(a.target.key == "heater1:turned_off" for a in s.actions)]
    assert heater.trigger.event is not None
    assert heater.trigger.event.key == "heater1:turned_on"
    assert 43 * 60 <= heater.trigger.hold_s <= 44 * 60


def test_a_lamp_its_remote_switches_off_is_the_persons_doing() -> None:
    sparks = []
    for day in range(21):
        story = at(day, "19:20", day * 379 % 900)
        # The bedtime lamp, off by the bedside remote 7-9 minutes later, every night.
        done = story + 420 + day * 41 % 120
        sparks += [
            light(story, ref="lamp1"),
            press(done),
            light(done + 0.5, ref="lamp1", action="turned_off"),
        ]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=21))
    lamp_off = data.codes["lamp1:turned_off"]
    assert not data.self_timed(lamp_off, data.person_actions(lamp_off))
    [skill] = [
        s for s in mine(sparks, 21) if any(a.target.key == "lamp1:turned_off" for a in s.actions)
    ]
    assert skill.trigger.event is not None
    assert skill.trigger.event.key == "btn1:pressed"
    # HA may write the press just after the lamp it switched.
    pressed_after = [replace(s, time=s.time + 0.8) if s.kind == "control" else s for s in sparks]
    data = routine_miner._Data(pressed_after, TZ, START, START + timedelta(days=21))
    lamp_off = data.codes["lamp1:turned_off"]
    assert not data.self_timed(lamp_off, data.person_actions(lamp_off))
    # Without the remote, nothing shows a hand: as steady as a device's own cycle.
    unpressed = [s for s in sparks if s.kind != "control"]
    data = routine_miner._Data(unpressed, TZ, START, START + timedelta(days=21))
    lamp_off = data.codes["lamp1:turned_off"]
    assert data.self_timed(lamp_off, data.person_actions(lamp_off))


def test_off_after_n_minutes_is_not_tried_for_what_is_never_left_on() -> None:
    def bedroom(forgotten: set[int], days: int = 21) -> routine_miner._Data:
        sparks = []
        for day in range(days):
            on = at(day, "22:00", day * 613 % 1800)
            # Off 4-6 min later most evenings, 8-13 min on others (as long as
            # the person stays); on some evenings forgotten for an hour.
            stay = 480 + day * 97 % 300 if day % 5 in (1, 3) else 240 + day * 29 % 120
            off = on + (3600 if day in forgotten else stay)
            sparks += [light(on), light(off, action="turned_off")]
        return routine_miner._Data(sparks, TZ, START, START + timedelta(days=days))

    def own_holds(data: routine_miner._Data) -> list[routine_miner._Candidate]:
        off = data.codes["light1:turned_off"]
        return [
            c
            for c in routine_miner.RoutineMiner()._hold_candidates(
                data, off, data.person_actions(off)
            )
            if c.trigger.event is not None and c.trigger.event.key == "light1:turned_on"
        ]

    always = bedroom(set())
    off = always.codes["light1:turned_off"]
    assert always.never_left(off, always.person_actions(off))
    assert not always.self_timed(off, always.person_actions(off))  # a person's spread
    assert not own_holds(always)
    sometimes = bedroom({2, 9, 16})
    assert not sometimes.never_left(off, sometimes.person_actions(off))
    assert own_holds(sometimes)
    # Once in 21 evenings is nearly never (95 %); ten evenings are the least that tell.
    once = bedroom({9})
    assert once.never_left(off, once.person_actions(off))
    few = bedroom(set(), days=9)
    few_off = few.codes["light1:turned_off"]
    assert not few.never_left(few_off, few.person_actions(few_off))


def test_an_end_the_person_answers_or_makes_quickly_is_no_devices_cycle() -> None:
    sparks = []
    for day in range(21):
        # The lamp goes on with the TV, and off 5-15 s after the TV goes off at
        # the end of one episode (45-55 min): as steady as a programme, but an answer.
        on = at(day, "18:00", day * 4733 % 14400)
        done = on + 2700 + day * 173 % 600
        sparks += [tv(on, "turned_on"), light(on + 5, ref="lamp1")]
        sparks += [
            tv(done, "turned_off"),
            light(done + 5 + day % 11, ref="lamp1", action="turned_off"),
        ]
        # The pantry light, off 20-30 s after on every time: a person's quick
        # errand, too short for a device's cycle.
        errand = at(day, "08:00", day * 3371 % 36000)
        sparks += [
            light(errand, ref="pantry1"),
            light(errand + 20 + day % 11, ref="pantry1", action="turned_off"),
        ]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=21))
    lamp_off, pantry_off = data.codes["lamp1:turned_off"], data.codes["pantry1:turned_off"]
    assert not data.self_timed(lamp_off, data.person_actions(lamp_off))
    assert not data.self_timed(pantry_off, data.person_actions(pantry_off))
    [skill] = [
        s for s in mine(sparks, 21) if any(a.target.key == "lamp1:turned_off" for a in s.actions)
    ]
    assert skill.trigger.event is not None
    assert skill.trigger.event.key == "tv1:turned_off"


def test_an_automation_that_waits_is_counted_where_it_would_act_not_where_it_fired() -> None:
    """The garage motion, the door opened 70-90 s later; some days back for the keys."""

    def door(t: float, action: str) -> Spark:
        return Spark(t, "cover", "garage", "someone", action, "cover", "none", "person", "door1")

    def garage_motion(t: float) -> Spark:
        return replace(motion(t), area="garage", ref="motion2")

    sparks, returns = [], []
    for day in range(21):
        out = at(day, "06:00", day * 4733 % 36000)  # whenever they drive off
        sparks += [
            garage_motion(out),
            door(out + 70 + day % 21, "opened"),
            door(out + 160, "closed"),
        ]
        if day % 3 == 0:
            # Back for the keys: the door opens first, the motion comes as they
            # walk in, the door is shut again within the minute. An automation
            # fired by that motion finds the door closed when it acts, and opens it.
            back = out + 300
            sparks += [door(back, "opened"), garage_motion(back + 20), door(back + 60, "closed")]
            returns.append(datetime.fromtimestamp(back + 20, TZ))
    [skill] = [
        s
        for s in mine(sparks, 21)
        if s.trigger.event is not None
        and s.trigger.event.ref == "motion2"
        and any(a.target.key == "door1:opened" for a in s.actions)
    ]
    assert skill.actions[0].delay_s >= 60
    assert skill.stats is not None
    # The returns inside its window are firings, and wrong: the door was open
    # when the motion came, but shut again by the time the automation would act.
    inside = [t for t in returns if skill.conditions.contains(t.hour * 60 + t.minute)]
    assert len(inside) >= 3
    assert (skill.stats.firings, skill.stats.right) == (21 + len(inside), 21)


def test_a_firing_while_the_run_before_still_waits_is_dropped() -> None:
    """Two motions 10 s apart before the door opens: HA's mode single runs once."""
    sparks = []
    for day in range(21):
        out = at(day, "06:00", day * 4733 % 36000)
        sparks += [
            replace(motion(out), area="garage", ref="motion2"),
            replace(motion(out + 10), area="garage", ref="motion2"),
            Spark(out + 85 + day % 11, "cover", "garage", "someone", "opened", "cover", "none", "person", "door1"),
            Spark(out + 160, "cover", "garage", "someone", "closed", "cover", "none", "person", "door1"),
        ]  # fmt: skip
    [skill] = [
        s
        for s in mine(sparks, 21)
        if s.trigger.event is not None and s.trigger.event.ref == "motion2"
    ]
    assert skill.actions[0].delay_s >= 60
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (21, 21)
    # Recounted as it is (an approved skill, night after night), the same.
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=20))
    stats, _ = routine_miner.RoutineMiner()._recount(skill, data)
    assert (stats.firings, stats.right) == (21, 21)


def test_pausing_counts_only_what_plays_as_its_automation_asks() -> None:
    """The radio paused at about 18:45 on the evenings it plays; silent on the others."""
    sparks = []
    for day in range(21):
        if day % 3 == 2:
            continue  # not on at all: the automation's condition (playing) holds not
        sparks += [
            tv(at(day, "18:00", day * 37 % 300), "playing"),
            tv(at(day, "18:45", day * 53 % 600), "paused"),
            tv(at(day, "20:00"), "turned_off"),
        ]
    [skill] = [s for s in mine(sparks, 21) if any(a.target.key == "tv1:paused" for a in s.actions)]
    assert skill.trigger.at is not None
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (14, 14)


def test_of_two_triggers_equally_right_the_closer_one_is_the_cause() -> None:
    """The door locked 2-5 s after it closes: its opening, 5-25 s before, is no cue."""

    def door(t: float, action: str) -> Spark:
        return Spark(t, "opening", "hallway", "someone", action, "door", "none", "person", "door2")

    def lock(t: float, action: str = "locked") -> Spark:
        return Spark(t, "lock", "hallway", "someone", action, "lock", "none", "person", "lock1")

    sparks = []
    for day in range(21):
        for hhmm in ("08:00", "18:00"):
            opened = at(day, hhmm, day * 3571 % 7200)
            closed = opened + 5 + day % 21
            sparks += [lock(opened - 4, "unlocked"), door(opened, "opened"), door(closed, "closed")]
            sparks.append(lock(closed + 2 + day % 4))
    locks = [s for s in mine(sparks, 21) if any(a.target.key == "lock1:locked" for a in s.actions)]
    assert locks
    for skill in locks:
        assert skill.trigger.event is not None
        assert skill.trigger.event.key == "door2:closed", skill.name


def test_a_pause_that_waits_asks_nothing_and_is_counted_where_nothing_plays() -> None:
    """'Lamp off, 83 s later pause the TV': HA pauses on every evening, playing or not."""
    sparks = []
    for day in range(28):
        off = at(day, "21:00", day * 2311 % 9000)
        sparks += [light(at(day, "19:00", day * 131 % 1200), ref="lamp1"), light_off(off)]
        sparks[-1] = replace(sparks[-1], ref="lamp1")
        if day % 3 != 2:  # the TV plays two evenings in three, and is paused then
            sparks.append(tv(at(day, "20:00", day * 97 % 900), "playing"))
            sparks += [tv(off + 90 + day % 20, "paused"), tv(off + 1800, "turned_off")]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=27))
    sig = {s.key: s for s in data.sigs}
    skill = Skill(
        "s_pause", "pause", Trigger(event=sig["lamp1:turned_off"]), Conditions(0, 1439),
        (Action(sig["tv1:paused"], 83.0),),
    )  # fmt: skip
    auto = compile_automation(skill, {"lamp1": "light.lamp", "tv1": "media_player.tv"}.get)
    assert not auto["conditions"]  # a step that waits: nothing is asked when it fires
    stats, _ = routine_miner.RoutineMiner()._recount(skill, data)
    silent = sum(1 for day in range(28) if day % 3 == 2)
    assert (stats.firings, stats.right) == (28, 28 - silent)


def test_switching_a_tv_on_counts_only_the_evenings_it_is_off() -> None:
    """TV on at about 20:00; some evenings it has played since 19:30 (its condition: off)."""
    sparks = []
    for day in range(21):
        if day % 3 == 1:
            sparks.append(tv(at(day, "19:30", day * 41 % 300), "playing"))
        else:
            sparks.append(tv(at(day, "20:00", day * 37 % 600), "turned_on"))
        sparks.append(tv(at(day, "22:30", day * 53 % 900), "turned_off"))
    [skill] = [
        s for s in mine(sparks, 21) if any(a.target.key == "tv1:turned_on" for a in s.actions)
    ]
    assert skill.trigger.at is not None
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (14, 14)


def test_fridays_skipped_do_not_make_a_monday_to_thursday_routine() -> None:
    sparks = []
    for day in range(28):
        weekday = (START + timedelta(days=day)).weekday()
        offset = day * 37 % 300
        sparks.append(motion(at(day, "07:00", offset)))
        if weekday < 5 and day not in (4, 11, 18):  # three Fridays of four without the light
            sparks.append(light(at(day, "07:00", offset + 20)))
            sparks.append(light(at(day, "10:00", offset), action="turned_off"))
    [skill] = [s for s in mine(sparks, 28) if s.trigger.event is not None]
    assert skill.conditions.days == WORKDAYS


@pytest.mark.parametrize(
    ("value", "right", "firings", "proposed"),
    [
        (0.6, 36, 45, True),  # 80 % of its firings right
        (0.6, 30, 45, False),  # sure of "better than half", but wrong one time in three
        (0.45, 45, 45, False),  # always right, but not sure enough yet
        (0.6, 0, 0, True),  # taught, or from an older version: its confidence says
        (0.6, 0, -1, True),  # counted, but it never fired in the look-back
    ],
)
def test_worth_proposing_needs_sureness_and_right_firings(
    value: float, right: int, firings: int, proposed: bool
) -> None:
    stats = FiringStats(firings=max(0, firings), right=right) if firings else None
    assert worth_proposing(value, stats) is proposed


def test_one_action_at_two_times_of_day_is_two_clock_routines() -> None:
    # The kitchen light at 06:10 on workdays and at 17:30 every day.
    sparks = []
    for day in range(28):
        weekday = (START + timedelta(days=day)).weekday()
        if weekday < 5:
            sparks += [light(at(day, "06:10", day * 53 % 600)), light_off(at(day, "07:30"))]
        sparks += [light(at(day, "17:30", day * 71 % 600)), light_off(at(day, "23:00"))]
    clocks = sorted(
        (s for s in mine(sparks, 28) if s.trigger.at is not None and s.actions[0].target.action
         == "turned_on"),
        key=lambda s: s.trigger.at or 0,
    )  # fmt: skip
    assert [(s.trigger.at or 0) // 60 for s in clocks] == [6, 17]
    assert clocks[0].conditions.days == WORKDAYS
    assert clocks[1].conditions.days == WEEKDAYS


def _candidate(ref: str, confidence: float) -> routine_miner._Candidate:
    times = np.arange(10, dtype=np.float64) * 86400.0
    firings = routine_miner._Firings(times, np.ones(10, dtype=bool), np.full(10, 20.0), 10, 10, 0.0)
    motion_sig = Signature("motion1", "detected", "motion", "motion", "hallway")
    return routine_miner._Candidate(
        Trigger(event=motion_sig),
        Signature(ref, "turned_on", "power", "light", "hallway"),
        Conditions(18 * 60, 20 * 60),
        0.0,
        120.0,
        firings,
        {},
        confidence,
        confidence * 10,
    )


@pytest.mark.parametrize(("fan_chance", "one_skill"), [(0.1, True), (0.7, False)])
def test_a_sure_skill_does_not_take_in_an_action_that_is_not(
    fan_chance: float, one_skill: bool
) -> None:
    # Both always follow the motion together; the fan would often be switched anyway.
    fan = _candidate("fan1", 0.6)
    fan.replay.base_rate = fan_chance
    groups = routine_miner.RoutineMiner._group([_candidate("light1", 0.8), fan])
    assert len(groups) == (1 if one_skill else 2)
    assert groups[0].action.ref == "light1"


def test_rivals_are_candidates_that_would_do_the_same_actions() -> None:
    def with_explains(
        cand: routine_miner._Candidate, rows: list[int], score: float
    ) -> routine_miner._Candidate:
        cand.replay.explains = np.asarray(rows, dtype=np.int64)
        cand.score = score
        return cand

    evening = with_explains(_candidate("light1", 0.8), [1, 2, 3, 4], 8.0)
    weekend = with_explains(_candidate("light1", 0.7), [10, 11, 12], 5.0)  # other moments
    rival = with_explains(_candidate("light1", 0.7), [2, 3, 4, 20], 6.0)  # mostly the same
    kept = routine_miner.RoutineMiner._best_per_action([weekend, rival, evening])
    assert kept == [evening, weekend]
    # One that would be proposed is not hidden by a busier one that would not.
    busy = with_explains(_candidate("light1", 0.45), [1, 2, 3, 4], 20.0)
    assert routine_miner.RoutineMiner._best_per_action([busy, evening])[0] is evening


def test_party_nights_do_not_hide_the_morning_routine() -> None:
    # A busy arc on four evenings ranks first (it has the most actions), but
    # is no routine: the 06:30 light every morning must still be found.
    sparks = []
    for day in range(28):
        sparks += [light(at(day, "06:30", day * 53 % 300)), light_off(at(day, "07:40"))]
    for day in (2, 9, 16, 23):
        for k in range(12):
            sparks += [light(at(day, "20:00", k * 120)), light_off(at(day, "20:00", k * 120 + 60))]
    clocks = {
        (s.trigger.at or 0) // 60: s.actions[0].target.action
        for s in mine(sparks, 28)
        if s.trigger.at is not None
    }
    assert clocks.get(6) == "turned_on"


def test_a_recount_keeps_the_bound_the_skill_was_learned_with() -> None:
    sparks = []
    for day in range(28):
        if (START + timedelta(days=day)).weekday() < 5:
            sparks += [light(at(day, "06:10", day * 53 % 600)), light_off(at(day, "07:30"))]
        sparks += [light(at(day, "17:30", day * 71 % 600)), light_off(at(day, "23:00"))]
    learned = mine(sparks, 28)
    miner = routine_miner.RoutineMiner()
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=27))
    for skill in learned:
        assert skill.stats is not None
        stats, _days = miner._recount(skill, data)
        assert stats.z == skill.stats.z
    # The morning routine holds fewer of the light's moments: it was one of two searched.
    morning = next(s for s in learned if s.trigger.at is not None and s.trigger.at < 8 * 60)
    assert morning.stats is not None
    assert morning.stats.z == routine_miner.SEARCHED_Z


def test_a_skill_is_counted_right_only_when_all_its_actions_were() -> None:
    light_cand, fan_cand = _candidate("light1", 0.8), _candidate("fan1", 0.7)
    fan_cand.replay.right = np.asarray([True] * 7 + [False] * 3)
    fired, right = routine_miner._all_right([light_cand, fan_cand])
    assert (fired, right) == (10, 7)
    # Together they would be right 7 times in 10: the sure light does not take the fan in.
    assert len(routine_miner.RoutineMiner._group([light_cand, fan_cand])) == 2


def motion_light_and_fan(fan_off: Callable[[int], bool]) -> list[Spark]:
    """Motion at 07:00, the light and (if it is off) the fan; the fan off at night if fan_off(day)."""
    sparks, fan_on = [], False
    for day in range(28):
        t = at(day, "07:00", day * 37 % 300)
        sparks += [motion(t), light(t + 20)]
        if not fan_on:
            sparks.append(light(t + 40, ref="fan1"))
            fan_on = True
        sparks.append(light_off(at(day, "10:00", day * 7919 % 3600)))
        if fan_off(day):
            sparks.append(
                light(at(day, "22:30", day * 7919 % 3600), ref="fan1", action="turned_off")
            )
            fan_on = False
    return sparks


def test_a_skill_of_two_actions_is_counted_as_its_recount_counts_it() -> None:
    # The fan is left on overnight one day in seven.
    sparks = motion_light_and_fan(lambda day: day % 7 != 1)
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=27))
    learned = mine(sparks, 28)
    assert any(len(s.actions) == 2 for s in learned)
    for skill in learned:
        assert skill.stats is not None
        stats, _days = routine_miner.RoutineMiner()._recount(skill, data)
        assert (stats.firings, stats.right) == (skill.stats.firings, skill.stats.right)


def test_a_broader_candidate_is_a_rival_of_a_narrower_one() -> None:
    narrow, broad = _candidate("light1", 0.8), _candidate("light1", 0.7)
    narrow.replay.explains = np.asarray([1, 2, 3, 4])
    broad.replay.explains = np.asarray([1, 2, 3, 4, 10, 11, 12, 13, 14, 15])
    assert routine_miner._rivals(narrow, broad)
    assert routine_miner._rivals(broad, narrow)


def test_who_is_home_is_not_known_when_a_resident_made_no_spark() -> None:
    sparks = kettle_mornings_and_a_week_away()
    # A second resident (person2) stayed home all month: Home Assistant counts them home.
    learned = routine_miner.RoutineMiner().run(
        sorted(sparks, key=lambda s: s.time), TZ, START + timedelta(days=28),
        residents=["person1", "person2"],
    )  # fmt: skip
    [skill] = [
        s for s in learned
        if s.trigger.at is not None and s.actions[0].target.key == "kettle1:turned_on"
    ]  # fmt: skip
    assert not skill.conditions.someone_home
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (28, 22)


def test_a_devices_own_schedule_is_not_a_persons_routine() -> None:
    # An aquarium plug switches on at 09:00:00 and off at 21:00:00 by itself.
    sparks = []
    for day in range(28):
        sparks += [
            light(at(day, "09:00", day % 3), ref="plug1"),
            light(at(day, "21:00", day % 4), ref="plug1", action="turned_off"),
            # A person's lamp at seven, give or take a few minutes.
            light(at(day, "07:00", day * 53 % 600)),
            light_off(at(day, "08:30", day * 31 % 600)),
        ]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=28))
    plug_on, lamp_on = data.codes["plug1:turned_on"], data.codes["light1:turned_on"]
    assert data.self_timed(plug_on, data.person_actions(plug_on))
    assert not data.self_timed(lamp_on, data.person_actions(lamp_on))
    refs = {a.target.ref for s in mine(sparks, 28) for a in s.actions}
    assert "plug1" not in refs
    assert "light1" in refs


def sun(t: float, action: str) -> Spark:
    return Spark(t, "sun", "unknown", "nobody", action, "sun", "none", "automation", "sun1")


def test_coming_home_after_dark_follows_the_sun_not_the_clock() -> None:
    # Sunset moves from 19:00 to 17:40 over four weeks; arrivals are spread
    # from 16:00 to 22:00, and the hall light goes on only when it is dark.
    sparks = []
    for day in range(28):
        sunset = at(day, "19:00") - day * 170.0
        sparks += [sun(at(day, "07:00"), "rose"), sun(sunset, "set")]
        for k in range(3):
            t = at(day, "16:00", ((day * 7 + k * 11) % 36) * 600 + 30)
            sparks.append(arrive(t))
            sparks.append(arrive(t + 3000, action="left"))
            if t > sunset:
                sparks += [light(t + 40), light_off(t + 2400)]
    learned = mine(sparks, 28)
    [skill] = [
        s for s in learned if s.trigger.event is not None and s.trigger.event.ref == "person1"
    ]
    assert skill.conditions.after_dark
    assert (skill.conditions.start, skill.conditions.end) == (0, 1439)
    assert skill.name.startswith("After dark arrival")
    assert "after dark" in skill.explanation
    assert skill.stats is not None
    assert skill.stats.precision == 1.0
    # ...and its automation asks the sun, which the replay then counts the same.
    config = compile_automation(skill, {"person1": "person.anna", "light1": "light.hall"}.get)
    assert {"condition": "state", "entity_id": "sun.sun", "state": "below_horizon"} in config[
        "conditions"
    ]
    miner = routine_miner.RoutineMiner()
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=27))
    stats, _days = miner._recount(skill, data)
    assert (stats.firings, stats.right) == (skill.stats.firings, skill.stats.right)


@pytest.mark.parametrize(("second_person", "asks"), [("unknown", True), ("home", False)])
def test_a_person_without_whereabouts_does_not_hide_who_is_home(
    second_person: str, asks: bool
) -> None:
    # Anna's kettle at 06:40 except in her week away. Ben's person entity has no
    # tracker ("unknown": zone.home does not count him) or is home all month.
    lines: list[str] = []

    def rec(entity_id: str, state: str, when: float) -> None:
        iso = datetime.fromtimestamp(when, TZ).isoformat()
        lines.append(json.dumps({
            "entity_id": entity_id, "state": state, "attributes": {}, "last_changed": iso,
            "last_updated": iso,
            "context": {"id": f"01C{len(lines):023d}", "parent_id": None, "user_id": None},
        }))  # fmt: skip

    rec("person.ben", second_person, at(0, "00:00"))
    rec("person.anna", "home", at(0, "00:00"))
    rec("switch.kettle", "off", at(0, "00:00"))
    for day in range(28):
        if day == 7:
            rec("person.anna", "not_home", at(day, "09:00"))
        if day == 13:
            rec("person.anna", "home", at(day, "18:00"))
        if not 8 <= day <= 13:
            rec("switch.kettle", "on", at(day, "06:40", day * 53 % 600))
            rec("switch.kettle", "off", at(day, "09:00", day * 31 % 600))
    home = perceive(read_records(lines))
    [skill] = [
        s for s in learn(home, TZ, today=START + timedelta(days=28))
        if s.trigger.at is not None and s.actions[0].target.action == "turned_on"
    ]  # fmt: skip
    assert skill.conditions.someone_home is asks


def test_switching_off_what_was_left_alone_may_be_wrong_a_little_more_often() -> None:
    empty = Signature("motion1", "cleared", "motion", "motion", "kitchen")
    off = Signature("light1", "turned_off", "power", "light", "kitchen")
    on = Signature("light1", "turned_on", "power", "light", "kitchen")
    stats = FiringStats(firings=100, right=72)
    left_alone = routine_miner.proposal_rate(Trigger(event=empty, hold_s=600), [off])
    assert worth_proposing(0.6, stats, left_alone)
    # The same record switching something on, or right after the trigger, is not enough.
    assert not worth_proposing(0.6, stats, routine_miner.proposal_rate(Trigger(event=empty), [off]))
    on_rate = routine_miner.proposal_rate(Trigger(event=empty, hold_s=600), [on])
    assert not worth_proposing(0.6, stats, on_rate)


def test_darkness_far_north_and_without_the_sun() -> None:
    # Polar night: the sun sets once and stays down.
    sparks = [sun(at(0, "14:00"), "set"), light(at(3, "12:00"))]
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=5))
    dark = data.dark(np.asarray([at(0, "12:00"), at(0, "15:00"), at(4, "12:00")]))
    assert dark is not None
    assert dark.tolist() == [False, True, True]
    # Without sun.sun an after-dark automation never fires: its recount has no firings.
    nosun = routine_miner._Data([s for s in sparks if s.kind != "sun"], TZ, START, START)
    assert nosun.dark(np.asarray([at(0, "15:00")])) is None
    skill = Skill(
        id="s_dark000001",
        name="After dark motion: light",
        trigger=Trigger(event=Signature("motion1", "detected", "motion", "motion", "hallway")),
        conditions=Conditions(0, 1439, after_dark=True),
        actions=(Action(Signature("light1", "turned_on", "power", "light", "hallway")),),
    )
    motions = [motion(at(d, "20:00")) for d in range(5)] + [
        light(at(d, "20:00", 20)) for d in range(5)
    ]
    stats, _days = routine_miner.RoutineMiner()._recount(
        skill, routine_miner._Data(motions, TZ, START, START + timedelta(days=5))
    )
    assert stats.firings == 0


def anyone_arriving(residents: int = 3, days: int = 28) -> list[Spark]:
    """Each evening one resident comes home (each on too few days alone); the hall light follows."""
    sparks = []
    for day in range(days):
        person = day % residents
        who = (f"resident_{person}", f"person{person}")
        home = at(day, "18:00", day * 2741 % 10800)
        sparks += [
            replace(arrive(at(day, "08:00", day * 61 % 900), who[0], "left"), ref=who[1]),
            replace(arrive(home, who[0]), ref=who[1]),
            light(home + 40 + day * 13 % 60),
            light_off(at(day, "23:30", day * 17 % 600)),
        ]
    return sparks


def test_anyone_arriving_is_one_trigger_of_every_resident() -> None:
    # Three residents, each home on 9-10 evenings: "whoever comes home, the hall light".
    learned = mine(anyone_arriving(), 28)
    [skill] = [s for s in learned if any(a.target.key == "light1:turned_on" for a in s.actions)]
    assert {e.ref for e in skill.trigger.events} == {"person0", "person1", "person2"}
    assert skill.stats is not None
    assert (skill.stats.firings, skill.stats.right) == (28, 28)
    assert worth_proposing(skill.confidence, skill.stats, skill.proposal_rate)
    entities = {f"person{i}": f"person.p{i}" for i in range(3)} | {"light1": "light.hall"}
    automation = compile_automation(skill, entities.get)
    assert sorted(t["entity_id"] for t in automation["triggers"]) == [
        "person.p0",
        "person.p1",
        "person.p2",
    ]
    assert all(t["to"] == "home" for t in automation["triggers"])
    # Each on four evenings alone is too little for a routine; together they are one.
    few = [s for s in anyone_arriving(residents=7) if s.time < at(28, "00:00")]
    [joined] = [
        s for s in mine(few, 28) if any(a.target.key == "light1:turned_on" for a in s.actions)
    ]
    assert len(joined.trigger.events) == 7


def test_tonights_joined_trigger_continues_last_weeks_skill() -> None:
    # Last week only resident 0's arrival was a skill; tonight it is anyone's: the same skill.
    sparks = anyone_arriving()
    [joined] = [
        s for s in mine(sparks, 28) if any(a.target.key == "light1:turned_on" for a in s.actions)
    ]
    lead = next(e for e in joined.trigger.events if e.ref == "person0")
    older = replace(joined, id="s_lastweek", trigger=Trigger(event=lead))
    again = mine(sparks, 28, existing=[older])
    hall = [s for s in again if any(a.target.key == "light1:turned_on" for a in s.actions)]
    assert [s.id for s in hall] == ["s_lastweek"]
    assert len(hall[0].trigger.events) == 3


def test_only_a_persons_cues_are_joined_and_rooms_stay_apart() -> None:
    # Motion in the hallway (two sensors) and in the kitchen each come before the
    # hall light on some evenings: the hallway's two are one trigger, the kitchen's is not.
    def moved(t: float, ref: str, area: str) -> Spark:
        return replace(motion(t), ref=ref, area=area)

    sparks = []
    for day in range(28):
        t = at(day, "19:00", day * 2741 % 7200)
        ref, area = (("motion1", "hallway"), ("motion2", "hallway"), ("motion3", "kitchen"))[
            day % 3
        ]
        sparks += [moved(t, ref, area), light(t + 20), light_off(at(day, "23:30"))]
    triggers = sorted(
        sorted(e.ref for e in s.trigger.events)
        for s in mine(sparks, 28)
        if s.trigger.event is not None
        and any(a.target.key == "light1:turned_on" for a in s.actions)
    )
    assert triggers == [["motion1", "motion2"], ["motion3"]]


def two_regulars(days: int = 28) -> list[Spark]:
    """Two residents, each home every evening at their own hour; the hall light after each."""
    sparks = []
    for day in range(days):
        for n, hhmm in ((0, "17:00"), (1, "20:00")):
            who, ref = f"resident_{n}", f"person{n}"
            t = at(day, hhmm, day * 2741 % 1800)
            sparks += [
                replace(arrive(at(day, "08:00", n * 60 + day * 61 % 900), who, "left"), ref=ref),
                replace(arrive(t, who), ref=ref),
                light(t + 40 + day * 13 % 60),
                light_off(t + 3600),
            ]
    return sparks


def hall_skills(skills: list[Skill]) -> list[Skill]:
    return [s for s in skills if any(a.target.key == "light1:turned_on" for a in s.actions)]


def one_of(skill: Skill, ref: str) -> Skill:
    """The skill as if it had been learned from one resident's arrivals."""
    event = next(e for e in skill.trigger.events if e.ref == ref)
    return replace(skill, id=f"s_{ref}", trigger=Trigger(event=event))


def test_a_decided_residents_arrivals_stay_out_of_a_joined_trigger() -> None:
    sparks = two_regulars()
    [joined] = hall_skills(mine(sparks, 28))
    assert {e.ref for e in joined.trigger.events} == {"person0", "person1"}
    # Resident 0's arrival was approved: resident 1's is still proposed, on its own.
    approved = one_of(joined, "person0")
    again = hall_skills(mine(sparks, 28, existing=[approved], keep_ids={"s_person0"}))
    starts = sorted(sorted(e.ref for e in s.trigger.events) for s in again)
    assert starts == [["person0"], ["person1"]]
    [other] = [s for s in again if s.id != "s_person0"]
    assert other.stats is not None
    assert other.stats.firings == 28
    # A proposal never takes in what an approved skill already runs.
    proposed, approved = one_of(joined, "person0"), one_of(joined, "person1")
    got = hall_skills(mine(sparks, 28, existing=[proposed, approved], keep_ids={"s_person1"}))
    assert sorted((s.id, [e.ref for e in s.trigger.events]) for s in got) == [
        ("s_person0", ["person0"]),
        ("s_person1", ["person1"]),
    ]


def test_a_rejected_arrival_stays_rejected_whatever_the_order_of_skills() -> None:
    sparks = anyone_arriving()
    [joined] = hall_skills(mine(sparks, 28))
    rejected, proposed = one_of(joined, "person1"), one_of(joined, "person0")
    outcomes = []
    for existing in ([rejected, proposed], [proposed, rejected]):
        got = hall_skills(mine(sparks, 28, existing=existing, rejected_ids={"s_person1"}))
        outcomes.append(sorted((s.id, sorted(e.ref for e in s.trigger.events)) for s in got))
    assert outcomes[0] == outcomes[1]
    by_id = dict(outcomes[0])
    assert by_id["s_person1"] == ["person1"]  # kept as the household rejected it
    assert "person1" not in by_id["s_person0"]  # the proposal grew without it


def test_residents_arriving_together_are_one_firing() -> None:
    sparks = []
    for day in range(28):
        t = at(day, "18:00", day * 2741 % 3600)
        for n in range(2):  # one car: the second 20 s after the first
            who, ref = f"resident_{n}", f"person{n}"
            sparks += [
                replace(arrive(at(day, "08:00", n * 30), who, "left"), ref=ref),
                replace(arrive(t + n * 20, who), ref=ref),
            ]
        if day % 4:  # on three evenings of four
            sparks += [light(t + 60), light_off(t + 4000)]
    for skill in hall_skills(mine(sparks, 28)):
        assert skill.stats is not None
        assert skill.stats.firings <= 28, skill.trigger


def test_a_joined_trigger_is_named_by_two_of_its_entities() -> None:
    sigs = [Signature(f"m{i}", "detected", "motion", "motion", "hallway") for i in range(8)]
    trigger = Trigger(event=sigs[0], also=tuple(sigs[1:]))
    light_on = Signature("light1", "turned_on", "power", "light", "hallway")
    names = {s.ref: f"Hallway motion sensor occupancy {s.ref}" for s in sigs} | {"light1": "Lamp"}
    name = routine_miner._name(
        trigger, Conditions(18 * 60, 20 * 60), (Action(light_on),), lambda s: names[s.ref]
    )
    assert name == (
        "Evening hallway motion sensor occupancy m0, Hallway motion sensor occupancy m1"
        " or 6 more: Lamp"
    )


def bathroom_visits() -> list[Spark]:
    """Twice a day: on half the visits the light goes off on leaving, else 5 min after."""
    sparks = []
    for day in range(28):
        for visit, hhmm in enumerate(("07:30", "21:00")):
            t = at(day, hhmm, (day * 613 + visit * 977) % 1800)
            empty = t + 240
            sparks += [
                replace(motion(t), ref="motion_bath", area="bathroom"),
                light(t + 5),
                replace(motion(empty), ref="motion_bath", area="bathroom", action="cleared"),
            ]
            if (day + visit) % 2:
                sparks.append(light(empty + 60 + day * 7 % 50, action="turned_off"))
            else:
                sparks.append(light(empty + 300 + day * 11 % 40, action="turned_off"))
    return sparks


def bathroom_light_off(skills: list[Skill]) -> list[Skill]:
    return [
        s for s in skills
        if s.trigger.event is not None and s.trigger.event.key == "motion_bath:cleared"
        and any(a.target.key == "light1:turned_off" for a in s.actions)
    ]  # fmt: skip


def test_empty_for_minutes_is_the_routine_when_half_the_offs_are_on_leaving(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [skill] = bathroom_light_off(mine(bathroom_visits(), 28))
    assert skill.trigger.hold_s == 300  # five minutes empty, not one
    assert skill.stats is not None
    assert skill.stats.right == skill.stats.firings >= 27  # right on each visit left on
    # Held only as long as the fastest tenth of the person's offs, it would be
    # wrong on every visit where the light stayed on.
    monkeypatch.setattr(routine_miner, "HOLD_QUANTILES", (0.1,))
    [quick] = bathroom_light_off(mine(bathroom_visits(), 28))
    assert quick.trigger.hold_s == 60
    assert quick.stats is not None
    assert quick.stats.right <= quick.stats.firings // 2 + 1


@pytest.mark.parametrize("approved", [False, True])
def test_a_hold_learned_better_continues_last_weeks_skill(
    monkeypatch: pytest.MonkeyPatch, approved: bool
) -> None:
    # Last week (or with the previous release) the routine was "empty for 1 min".
    with monkeypatch.context() as earlier:
        earlier.setattr(routine_miner, "HOLD_QUANTILES", (0.1,))
        [old] = bathroom_light_off(mine(bathroom_visits(), 28))
    assert old.trigger.hold_s == 60
    keep = [old.id] if approved else []
    tonight = bathroom_light_off(mine(bathroom_visits(), 28, existing=[old], keep_ids=keep))
    # One skill, never two automations switching the light off: approved, it
    # stays as approved; else it grows into "empty for 5 min" under its id.
    assert [s.id for s in tonight] == [old.id]
    assert tonight[0].trigger.hold_s == (60 if approved else 300)


def test_a_wait_just_over_a_minute_stays_a_wait() -> None:
    # The coffee 62-65 s after the kitchen motion on a quarter of the mornings,
    # 100-175 s after on the others: nine tenths of a minute is no wait at all.
    sparks = []
    for day in range(28):
        t = at(day, "06:00", day * 389 % 1200)
        delay = 62 + day % 4 if day % 4 == 0 else 100 + day * 37 % 76
        sparks += [
            motion(t),
            light(t + delay, ref="coffee1"),
            light(t + 3000, ref="coffee1", action="turned_off"),
        ]
    [skill] = [
        s for s in mine(sparks, 28)
        if s.trigger.event is not None and any(a.target.key == "coffee1:turned_on" for a in s.actions)
    ]  # fmt: skip
    assert skill.actions[0].delay_s == 60.0
    assert skill.stats is not None
    assert skill.stats.right == skill.stats.firings == 28


@pytest.mark.parametrize("rejected", [False, True])
def test_a_group_split_apart_leaves_every_skill_an_id_of_its_own(rejected: bool) -> None:
    # The shift worker's early-shift kitchen light and coffee: one skill on some
    # nights, two on others. Night after night no two skills may share an id.
    lines, _ = simulate_home("shift", 28, 1)
    home = perceive(read_records(lines))
    tz = ZoneInfo("Europe/Berlin")
    first = min(datetime.fromtimestamp(s.time, tz).date() for s in home.sparks)
    skills: list[Skill] = []
    refused: set[str] = set()
    for night in range(18, 29):
        skills = routine_miner.RoutineMiner().run(
            home.sparks, tz, first + timedelta(days=night), existing=skills,
            describe=home.describe, residents=home.residents, rejected_ids=refused,
        )  # fmt: skip
        if night == 18 and not rejected:
            # The coffee's own skill had faded: only the kitchen light's was known.
            skills = [
                s for s in skills if s.name != "Night house mode: Home selected: Coffee machine"
            ]
        if rejected:
            refused |= {s.id for s in skills if len(s.actions) > 1 and "Coffee" in s.name}
        ids = [s.id for s in skills]
        assert len(ids) == len(set(ids)), (night, sorted(ids))


def test_an_automation_that_waits_acts_a_little_before_the_person(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The coffee 90-109 s after the kitchen motion, whenever the morning starts.
    waits = [90.0 + day * 7 % 20 for day in range(28)]
    sparks = []
    for day, wait in enumerate(waits):
        t = at(day, "05:00", day * 3889 % 14400)  # 05:00-09:00: no clock routine
        sparks += [
            motion(t),
            light(t + wait, ref="coffee1"),
            light(t + 3000, ref="coffee1", action="turned_off"),
        ]
    usual = float(np.quantile(waits, 0.2))  # the person's fifth-fastest of twenty

    def coffee_delay() -> float:
        [skill] = [
            s for s in mine(sparks, 28)
            if s.trigger.event is not None
            and any(a.target.key == "coffee1:turned_on" for a in s.actions)
        ]  # fmt: skip
        return skill.actions[0].delay_s

    assert coffee_delay() == pytest.approx(0.9 * usual, abs=0.5)  # not at their very second
    monkeypatch.setattr(routine_miner, "AHEAD_OF_PERSON", 1.0)
    assert coffee_delay() == pytest.approx(usual, abs=0.5)


@pytest.mark.parametrize("exact", [True, False])
def test_an_automation_acting_at_the_persons_very_second_adds_nothing(exact: bool) -> None:
    # The fan 60 s after the motion: to the second every morning, or 60-100 s
    # after. Waiting its minute, the automation would find the exact one on
    # already each time (as bench/replay.py judges it): nothing to propose.
    sparks = []
    for day in range(28):
        t = at(day, "05:00", day * 3889 % 14400)
        wait = 60.0 if exact else 60.0 + day * 7 % 40
        sparks += [
            motion(t),
            light(t + wait, ref="fan1"),
            light(t + 3000, ref="fan1", action="turned_off"),
        ]
    after_motion = [
        s for s in mine(sparks, 28)
        if s.trigger.event is not None and s.trigger.event.key == "motion1:detected"
        and any(a.target.key == "fan1:turned_on" for a in s.actions)
    ]  # fmt: skip
    assert len(after_motion) == (0 if exact else 1)


def porch_at_sunset(drift_min: int) -> list[Spark]:
    """The porch light 10 min after sunset (give or take 6); sunset moves drift_min in 4 weeks."""
    sparks = []
    for day in range(28):
        sets = at(day, "19:00", -day * drift_min * 60 / 27)
        sparks += [sun(sets - 12 * 3600, "rose"), sun(sets, "set")]
        sparks += [
            light(sets + 600 + (day * 131 % 720 - 360), ref="porch1"),
            light(sets + 4 * 3600, ref="porch1", action="turned_off"),
        ]
    return sparks


def sunsets(
    first: str, drift_min: float, daylight_h: float, acts: Callable[[int, float], list[Spark]]
) -> list[Spark]:
    """Four weeks of sunrise and sunset (moving drift_min earlier) and the acts of each day."""
    sparks: list[Spark] = []
    for day in range(28):
        sets = at(day, first, -day * drift_min * 60 / 27)
        sparks += [sun(sets - daylight_h * 3600, "rose"), sun(sets, "set"), *acts(day, sets)]
    return sparks


def porch_on(skills: list[Skill]) -> list[Skill]:
    return [s for s in skills if any(a.target.key == "porch1:turned_on" for a in s.actions)]


@pytest.mark.parametrize("drift_min", [0, 40, 80])
def test_the_sun_where_it_moves_the_clock_where_it_does_not(drift_min: int) -> None:
    # Not at all near the equator; 40 min in a month of spring, 80 in autumn.
    [skill] = porch_on(mine(porch_at_sunset(drift_min), 28))
    if drift_min:
        assert skill.trigger.sun == "sunset"
        assert abs(skill.trigger.offset_min) <= 15
    else:
        assert skill.trigger.at is not None  # people mean the clock where the sun keeps still
    assert skill.stats is not None
    assert skill.stats.right >= 26


def wake_up_by_the_clock(drift_min: int) -> list[Spark]:
    """The kitchen light at 06:30 (give or take 8 min) on school days; sunrise moves drift_min."""
    sparks = []
    for day in range(28):
        rises = at(day, "07:15", -day * drift_min * 60 / 27)
        sparks += [sun(rises, "rose"), sun(rises + 11 * 3600, "set")]
        if day % 7 < 5:
            sparks.append(light(at(day, "06:30", day * 211 % 960 - 480), ref="kitchen1"))
        else:  # a late weekend breakfast
            sparks.append(light(at(day, "08:40", day * 97 % 1800), ref="kitchen1"))
        sparks.append(light(at(day, "21:30", day * 53 % 1200), ref="kitchen1", action="turned_off"))
    return sparks


@pytest.mark.parametrize("drift_min", [-30, 30])
def test_the_clock_where_the_person_keeps_to_it_however_the_sun_moves(drift_min: int) -> None:
    # Sunrise earlier by half an hour in four weeks (late winter), or later:
    # the person's times stray far less from 06:30 than from sunrise.
    skills = [
        s for s in mine(wake_up_by_the_clock(drift_min), 28)
        if any(a.target.key == "kitchen1:turned_on" for a in s.actions)
        and s.conditions.days == ("mon", "tue", "wed", "thu", "fri")
    ]  # fmt: skip
    assert [s.trigger.sun for s in skills] == [None]
    assert skills[0].trigger.at is not None
    assert 6 * 60 <= skills[0].trigger.at <= 6 * 60 + 30


def test_the_sun_where_the_person_keeps_to_it_though_it_moves_little() -> None:
    # Sunset moves 20 min in four weeks (the clock is preferred where it moves
    # no more), but the porch light keeps to it within 4 min: the sun it is.
    sparks = sunsets("19:00", 20, 12, lambda day, sets: [
        light(sets + 600 + (day * 131 % 480 - 240), ref="porch1"),
        light(sets + 4 * 3600, ref="porch1", action="turned_off"),
    ])  # fmt: skip
    [skill] = porch_on(mine(sparks, 28))
    assert skill.trigger.sun == "sunset"


@pytest.mark.parametrize("reach", [routine_miner.SUN_REACH_MIN, 360])
def test_hours_after_sunset_is_the_clock(monkeypatch: pytest.MonkeyPatch, reach: int) -> None:
    # The washing machine at 20:30 give or take 10 min, sunset about 17:15:
    # "sunset + 3 h 15 min" would explain it as well, and mean nothing.
    monkeypatch.setattr(routine_miner, "SUN_REACH_MIN", reach)
    sparks = sunsets("17:15", 15, 10, lambda day, _: [
        light(at(day, "20:30", day * 379 % 1200 - 600), ref="washer1"),
        light(at(day, "22:30", day * 379 % 1200 - 600), ref="washer1", action="turned_off"),
    ])  # fmt: skip
    triggers = [
        s.trigger for s in mine(sparks, 28)
        if any(a.target.key == "washer1:turned_on" for a in s.actions)
    ]  # fmt: skip
    assert triggers
    if reach == routine_miner.SUN_REACH_MIN:
        assert {t.sun for t in triggers} == {None}
    else:  # what the reach keeps out
        assert {t.sun for t in triggers} == {"sunset"}


def test_a_few_days_do_not_tell_the_sun_from_the_clock() -> None:
    # Sunset moves 8 min in four weeks (the clock is preferred there); on
    # eight evenings the porch light happened to keep to it. Eight days are
    # too few to measure who follows what (ANCHOR_MIN_DAYS).
    sparks = sunsets("19:00", 8, 12, lambda day, sets: [
        light(sets + 600 + (day * 37 % 60), ref="porch1"),
        light(sets + 4 * 3600, ref="porch1", action="turned_off"),
    ] if day % 7 in (0, 3) else [])  # fmt: skip
    [skill] = porch_on(mine(sparks, 28))
    assert skill.trigger.at is not None


def test_a_clock_routine_across_midnight_is_measured_on_a_round_clock() -> None:
    # Reykjavik in July: sunset near midnight, 35 min earlier in four weeks;
    # the hall lamp at 00:05 give or take 8 min, by the clock. On a straight
    # clock 23:58 and 00:05 would be a day apart.
    sparks = sunsets("23:58", 35, 21, lambda day, _: [
        light(at(day, "00:05", 86400 + day * 211 % 960 - 480), ref="hall1"),
        light(at(day, "02:30", 86400), ref="hall1", action="turned_off"),
    ])  # fmt: skip
    triggers = [
        s.trigger for s in mine(sparks, 29)
        if any(a.target.key == "hall1:turned_on" for a in s.actions)
    ]  # fmt: skip
    assert [t.sun for t in triggers] == [None]


def test_where_the_sun_keeps_still_the_clock_continues_the_sun_skill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Learned as "at sunset + 10 min" before the clock was preferred: tonight
    # "at 19:04" is the same skill, not a second automation beside it.
    with monkeypatch.context() as before:
        before.setattr(routine_miner, "SUN_BONUS", 0.0)
        [old] = porch_on(mine(porch_at_sunset(0), 28))
    assert old.trigger.sun == "sunset"
    [now] = porch_on(mine(porch_at_sunset(0), 28, existing=[old]))
    assert now.trigger.at is not None
    assert now.id == old.id


def tv(t: float, action: str) -> Spark:
    return Spark(t, "media", "living", "someone", action, "media_player", "none", "person", "tv1")


def test_an_entity_left_on_is_switched_off_but_never_taken_up_again() -> None:
    """'The kettle, off after 4 minutes' is a routine; 'paused for 2 minutes: play' is not."""
    sparks: list[Spark] = []
    for day in range(28):
        jitter = day * 37 % 40
        # The kettle at any hour of the morning, off again 3-5 min later, or
        # left on until the evening once a week (a kettle that switches itself
        # off after every boil is the device's doing: see _ends_its_own_cycle).
        boil = at(day, "06:00", day * 7919 % 14400)
        off = 12 * 3600 if day % 7 == 5 else 180 + day * 53 % 120
        sparks += [kettle(boil), kettle(boil + off, "turned_off")]
        # Every evening the person pauses the film and takes it up again 2-3 min later.
        pause = at(day, "20:10", day * 7919 % 5400)
        sparks += [tv(at(day, "20:00", jitter), "turned_on"), tv(pause, "paused")]
        sparks += [tv(pause + 130 + jitter, "playing"), tv(at(day, "22:00"), "turned_off")]
    skills = mine(sparks, 28)
    held_own = [
        (s.trigger.event.ref, [a.target.action for a in s.actions])
        for s in skills
        if s.trigger.event is not None
        and s.trigger.hold_s
        and all(a.target.ref == s.trigger.event.ref for a in s.actions)
    ]
    assert ("kettle1", ["turned_off"]) in held_own
    assert not [h for h in held_own if h[0] == "tv1" and "playing" in h[1]], held_own


def test_actions_one_of_which_is_mostly_done_already_are_two_skills() -> None:
    """The fan is on already most mornings: 'motion: light and fan' would run for the light alone."""
    learned = mine(motion_light_and_fan(lambda day: day % 3 == 0), 28)  # off every third night
    assert not [s for s in learned if len(s.actions) == 2], [s.name for s in learned]


def vacuum_runs() -> list[Spark]:
    """A robot vacuum started at about 10:00 every day, docked by itself 50-55 min later."""

    def vacuum(t: float, action: str) -> Spark:
        return Spark(t, "cleaning", "living", "nobody", action, "vacuum", "none", "person", "vac1")

    sparks = []
    for day in range(28):
        start = at(day, "10:00", day * 37 % 600)
        sparks += [vacuum(start, "started"), vacuum(start + 3000 + day * 53 % 300, "docked")]
    return sparks


def test_a_robot_vacuum_docking_is_never_learned() -> None:
    """It docks itself when its run ends, at a time as regular as its run."""
    sparks = vacuum_runs()
    learned = mine(sparks, 28)
    assert not [s for s in learned if any(a.target.action == "docked" for a in s.actions)]
    assert [s for s in learned if any(a.target.action == "started" for a in s.actions)]


def tv_that_plays_once_on() -> list[Spark]:
    """A TV on at about 18:20 that plays 8-16 s later by itself; off in the evening."""
    sparks = []
    for day in range(28):
        on = at(day, "18:20", day * 37 % 240)
        sparks += [tv(on, "turned_on"), tv(on + 8 + day % 9, "playing")]
        sparks.append(tv(at(day, "21:00", day * 53 % 1800), "turned_off"))
    return sparks


def test_a_tv_that_plays_once_switched_on_is_one_routine() -> None:
    """On at 18:20, playing seconds later by itself: one skill, which switches it on."""
    sparks = tv_that_plays_once_on()
    learned = mine(sparks, 28)
    evening = [s for s in learned if s.trigger.at is not None and 1080 <= s.trigger.at <= 1140]
    assert [[a.target.action for a in s.actions] for s in evening] == [["turned_on"]]


def bedtime_light_anywhere_in_two_hours() -> list[Spark]:
    """The bedroom light on at any minute from 21:30 to 23:30, off in the morning."""
    sparks = []
    for day in range(28):
        sparks.append(light(at(day, "21:30", day * 4271 % 7200)))
        sparks.append(light_off(at(day + 1, "07:00", day * 37 % 600)))
    return sparks


def test_a_clock_does_not_sit_inside_a_habit_spread_wider_than_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fired at 22:35 only where the light was not on yet, a clock is right by construction."""

    def clock_starts() -> list[int]:
        learned = mine(bedtime_light_anywhere_in_two_hours(), 28)
        return [
            s.trigger.at
            for s in learned
            if s.trigger.at is not None
            and worth_proposing(s.confidence, s.stats, s.proposal_rate)
            and any(a.target.action == "turned_on" for a in s.actions)
        ]

    # No clock inside the spread is proposed (the rule drops it; it moves no window).
    assert not [start for start in clock_starts() if start > 21 * 60 + 40], clock_starts()
    monkeypatch.setattr(routine_miner, "SPREAD_BEFORE_SHARE", 100.0)
    assert any(start > 22 * 60 for start in clock_starts())


def test_a_tv_someone_chooses_to_play_minutes_later_keeps_its_play_skill() -> None:
    """Playing two to three minutes after it went on: the person chose something."""
    sparks = []
    for day in range(28):
        on = at(day, "18:20", day * 37 % 240)
        sparks += [tv(on, "turned_on"), tv(on + 120 + day % 9 * 7, "playing")]
        sparks.append(tv(at(day, "21:00", day * 53 % 1800), "turned_off"))
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=27))
    assert not routine_miner._follows_by_itself(data, data.codes["tv1:playing"], "turned_on")
    learned = mine(sparks, 28)
    assert [s for s in learned if any(a.target.action == "playing" for a in s.actions)]


def test_a_persons_off_hours_after_an_automations_on_is_no_timer() -> None:
    """The automation switches the lamp on at 19:00:00; the person off at 22:30, give or take."""
    sparks = []
    for day in range(14):
        sparks.append(light(at(day, "19:00"), cause="automation"))
        sparks.append(light(at(day, "22:28", day * 37 % 240), action="turned_off"))
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=14))
    off = data.codes["light1:turned_off"]
    assert not data.self_timed(off, data.person_actions(off))


@pytest.mark.parametrize(
    ("home", "earlier", "action"),
    [
        # Before docking was never learned, and before a device's own cycle was told.
        (
            vacuum_runs,
            {"NEVER_LEARNED": frozenset({("lock", "unlocked")}), "NEVER_LEFT_SHARE": 2.0},
            "docked",
        ),
        (tv_that_plays_once_on, {"FOLLOW_ONS": {}}, "playing"),
    ],
)
def test_a_skill_an_earlier_version_learned_is_not_kept(
    monkeypatch: pytest.MonkeyPatch,
    home: Callable[[], list[Spark]],
    earlier: dict[str, object],
    action: str,
) -> None:
    """A docking skill, a "TV playing" beside "TV on": forgotten unless approved."""
    sparks = home()
    with monkeypatch.context() as before:
        for rule, value in earlier.items():
            before.setattr(routine_miner, rule, value)
        old = [s for s in mine(sparks, 28) if any(a.target.action == action for a in s.actions)]
    assert old
    tonight = mine(sparks, 28, existing=old)
    assert not [s for s in tonight if any(a.target.action == action for a in s.actions)]
    # Approved by the household, it stays as approved.
    kept = mine(sparks, 28, existing=old, keep_ids=[old[0].id])
    assert old[0].id in {s.id for s in kept}


def test_a_friday_night_clock_after_midnight_counts_its_own_evening() -> None:
    """Light at 00:05-00:30 on Saturdays (Friday night); 23:40 on Saturday evenings is Sunday's."""
    sparks = []
    for day in range(28):
        weekday = (START + timedelta(days=day)).weekday()
        if weekday == 5:  # Saturday: after midnight, and again in the evening
            sparks.append(light(at(day, "00:05", day * 97 % 1500)))
            sparks.append(light_off(at(day, "03:00")))
            sparks.append(light(at(day, "23:40", day * 31 % 240)))
            sparks.append(light_off(at(day, "23:58")))
    data = routine_miner._Data(sparks, TZ, START, START + timedelta(days=27))
    code = data.codes["light1:turned_on"]
    # The 00:05 clock's band before is Friday evening's, when the light stays off.
    assert not routine_miner._starts_inside_a_spread(data, code, 5, 34, ("sat",))
    # A 23:50 clock on Fridays: its window's 00:05-00:30 actions are Friday night's,
    # against one Friday evening at 23:20 before it (counted by calendar day, the
    # window would hold none of them, and that one evening would drop the clock).
    saturdays = [d for d in range(1, 28) if (START + timedelta(days=d)).weekday() == 5]
    late_sparks = [light(at(saturdays[0] - 1, "23:20")), light_off(at(saturdays[0] - 1, "23:30"))]
    for day in saturdays:
        late_sparks += [light(at(day, "00:05", day * 97 % 1200)), light_off(at(day, "03:00"))]
    late = routine_miner._Data(late_sparks, TZ, START, START + timedelta(days=27))
    late_code = late.codes["light1:turned_on"]
    assert not routine_miner._starts_inside_a_spread(late, late_code, 1430, 29, ("fri",))
