"""bench/replay.py: HA automations replayed over a state history; scripts/evaluate end to end."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
import itertools
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .home_simulator import PLANTED, START, TZ as SIM_TZ, simulate
from .routine_metrics import _module_from

REPO = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 2)  # a Monday


# The same module object scripts/evaluate.py uses (bench/__init__ is not needed).
replay = _module_from("aisthos_bench_replay", REPO / "bench" / "replay.py")
_ids = itertools.count(1)


def at(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    """Return a local (Europe/Berlin) wall time."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)


def rec(
    entity_id: str,
    state: str,
    when: datetime,
    parent: bool = False,
    attributes: dict[str, Any] | None = None,
) -> str:
    """Return one history line, as HA's State.as_dict()."""
    n = next(_ids)
    iso = when.isoformat()
    return json.dumps(
        {
            "entity_id": entity_id,
            "state": state,
            "attributes": attributes or {"friendly_name": entity_id},
            "last_changed": iso,
            "last_updated": iso,
            "context": {
                "id": f"01CTX{n:021d}",
                "parent_id": f"01RUN{n:021d}" if parent else None,
                "user_id": None,
            },
        }
    )


def history(lines: Iterable[str]) -> Any:
    return replay.History(replay.read_history(list(lines)), TZ)


def automation(
    triggers: list[dict[str, Any]],
    actions: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    mode: str = "single",
) -> dict[str, Any]:
    return {
        "id": "aisthos_test",
        "alias": "test",
        "mode": mode,
        "triggers": triggers,
        "conditions": conditions or [],
        "actions": actions or [on("light.hall")],
    }


def on(entity_id: str) -> dict[str, Any]:
    domain = entity_id.split(".", 1)[0]
    return {"action": f"{domain}.turn_on", "target": {"entity_id": entity_id}}


def state_trigger(entity_id: str, **extra: Any) -> dict[str, Any]:
    return {"trigger": "state", "entity_id": entity_id, **extra}


def times(result: Any) -> list[datetime]:
    return [datetime.fromtimestamp(f.time, TZ) for f in result.firings]


def outcomes(result: Any) -> list[str]:
    return [s.outcome for f in result.firings for s in f.steps]


def base(day: date = DAY, days: int = 1) -> list[str]:
    """Initial states at midnight and one record at the end, so the history spans the days."""
    lines = [
        rec("light.hall", "off", at(day, 0, 0)),
        rec("switch.kettle", "off", at(day, 0, 0)),
        rec("binary_sensor.motion", "off", at(day, 0, 0)),
        rec("person.anna", "home", at(day, 0, 0)),
    ]
    end = day + timedelta(days=days - 1)
    return [*lines, rec("sensor.clock", "x", at(end, 23, 59, 59))]


# ---------------------------------------------------------------- triggers


def test_state_trigger_with_to_fires_once_per_change() -> None:
    lines = [
        *base(),
        rec("binary_sensor.motion", "on", at(DAY, 10, 0)),
        # an attribute-only update of the same state is no change
        rec("binary_sensor.motion", "on", at(DAY, 10, 0, 20), attributes={"x": 1}),
        rec("light.hall", "on", at(DAY, 10, 0, 30)),
        rec("binary_sensor.motion", "off", at(DAY, 10, 2)),
        rec("binary_sensor.motion", "on", at(DAY, 12, 0)),
        rec("binary_sensor.motion", "off", at(DAY, 12, 1)),
    ]
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")]), history(lines)
    )
    assert times(result) == [at(DAY, 10, 0), at(DAY, 12, 0)]
    # the light was on already at 12:00 (nobody turned it off): a no-op
    assert outcomes(result) == ["right", "noop"]
    from_only = replay.replay(
        automation([state_trigger("binary_sensor.motion", **{"from": "on"})]), history(lines)
    )
    assert times(from_only) == [at(DAY, 10, 2), at(DAY, 12, 1)]


def test_for_fires_after_the_hold_and_not_if_changed_back() -> None:
    lines = [
        *base(),
        rec("binary_sensor.motion", "on", at(DAY, 9, 55)),
        rec("binary_sensor.motion", "off", at(DAY, 10, 0)),  # held: fires 10:05
        rec("binary_sensor.motion", "on", at(DAY, 11, 0)),
        rec("binary_sensor.motion", "off", at(DAY, 11, 1)),  # back on at 11:03: no firing
        rec("binary_sensor.motion", "on", at(DAY, 11, 3)),
        rec("binary_sensor.motion", "off", at(DAY, 23, 58)),  # history ends before the hold
    ]
    hist = history(lines)
    for hold in ({"minutes": 5}, "00:05:00", {"hours": 0, "minutes": 4, "seconds": 60}):
        trig = state_trigger("binary_sensor.motion", to="off", **{"for": hold})
        result = replay.replay(automation([trig], [on("light.hall")]), hist)
        assert times(result) == [at(DAY, 10, 5)], hold


def test_time_trigger_fires_daily_at_local_time_across_dst() -> None:
    first = date(2026, 3, 27)
    hist = history(base(first, days=5))
    result = replay.replay(automation([{"trigger": "time", "at": "07:00:00"}]), hist)
    fired = times(result)
    assert [(f.date().isoformat(), f.hour, f.minute) for f in fired] == [
        (f"2026-03-{d}", 7, 0) for d in (27, 28, 29, 30, 31)
    ]
    assert [f.utcoffset() for f in fired] == [timedelta(hours=1)] * 2 + [timedelta(hours=2)] * 3
    # 23 hours between 07:00 on the 28th and 07:00 on the 29th (the clocks go forward)
    assert result.firings[2].time - result.firings[1].time == 23 * 3600
    # 02:30 does not exist on 29 March: HA skips that day
    skipped = replay.replay(automation([{"trigger": "time", "at": "02:30:00"}]), hist)
    assert [f.day for f in times(skipped)] == [27, 28, 30, 31]


def test_sun_trigger_with_negative_offset_uses_sun_sun_records() -> None:
    day2 = DAY + timedelta(days=1)
    lines = [
        *base(days=2),
        rec("sun.sun", "above_horizon", at(DAY, 6, 50)),
        rec("sun.sun", "below_horizon", at(DAY, 18, 45)),
        # a restart: unavailable, then the real state again, is no sunset
        rec("sun.sun", "unavailable", at(DAY, 21, 0)),
        rec("sun.sun", "below_horizon", at(DAY, 21, 1)),
        rec("sun.sun", "above_horizon", at(day2, 6, 48)),
        rec("sun.sun", "below_horizon", at(day2, 18, 47)),
    ]
    hist = history(lines)
    trig = {"trigger": "sun", "event": "sunset", "offset": "-00:30:00"}
    assert times(replay.replay(automation([trig]), hist)) == [at(DAY, 18, 15), at(day2, 18, 17)]
    rise = {"trigger": "sun", "event": "sunrise", "offset": "+00:10:00"}
    assert times(replay.replay(automation([rise]), hist)) == [at(day2, 6, 58)]


def test_event_entity_trigger_every_new_event_filtered_by_event_type() -> None:
    def press(when: datetime, kind: str) -> str:
        return rec("event.button", when.isoformat(), when, attributes={"event_type": kind})

    lines = [
        *base(),
        press(at(DAY, 0, 0), "pressed"),  # the entity appearing: no event
        press(at(DAY, 9, 0), "pressed"),
        press(at(DAY, 10, 0), "double_press"),
        rec("event.button", "unavailable", at(DAY, 11, 0)),  # a restart
        rec(
            "event.button",
            at(DAY, 10, 0).isoformat(),
            at(DAY, 11, 1),
            attributes={"event_type": "double_press"},
        ),
        press(at(DAY, 12, 0), "pressed"),
    ]
    hist = history(lines)
    every = replay.replay(automation([state_trigger("event.button")]), hist)
    assert times(every) == [at(DAY, 9, 0), at(DAY, 10, 0), at(DAY, 12, 0)]
    only_pressed = replay.replay(
        automation(
            [state_trigger("event.button")],
            conditions=[
                {
                    "condition": "state",
                    "entity_id": "event.button",
                    "attribute": "event_type",
                    "state": "pressed",
                }
            ],
        ),
        hist,
    )
    assert times(only_pressed) == [at(DAY, 9, 0), at(DAY, 12, 0)]


# ---------------------------------------------------------------- conditions


def _hourly(day: date, days: int, minutes: Sequence[tuple[int, int]]) -> list[str]:
    lines = base(day, days)
    for n in range(days):
        for hh, mm in minutes:
            lines.append(rec("binary_sensor.motion", "on", at(day + timedelta(days=n), hh, mm)))
            lines.append(
                rec("binary_sensor.motion", "off", at(day + timedelta(days=n), hh, mm + 1))
            )
    return lines


def test_time_window_spanning_midnight() -> None:
    hist = history(_hourly(DAY, 1, [(22, 30), (23, 30), (0, 30), (1, 30)]))
    window = {"condition": "time", "after": "23:00:00", "before": "01:00:59"}
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], conditions=[window]), hist
    )
    assert times(result) == [at(DAY, 0, 30), at(DAY, 23, 30)]
    assert result.blocked == 2


def test_weekday_condition_uses_the_day_of_the_moment() -> None:
    friday = date(2026, 3, 6)
    hist = history(_hourly(friday, 3, [(0, 30), (10, 0)]))  # Fri, Sat, Sun
    weekend = {
        "condition": "time",
        "after": "00:00:00",
        "before": "23:59:59",
        "weekday": ["sat", "sun"],
    }
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], conditions=[weekend]), hist
    )
    assert [(f.strftime("%a"), f.hour) for f in times(result)] == [
        ("Sat", 0), ("Sat", 10), ("Sun", 0), ("Sun", 10),
    ]  # fmt: skip
    # a window spanning midnight with weekdays: 00:30 on Saturday is Saturday (HA)
    night = {"condition": "time", "after": "23:00:00", "before": "01:00:00", "weekday": "fri"}
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], conditions=[night]), hist
    )
    assert times(result) == [at(friday, 0, 30)]


def test_zone_home_condition_is_anyone_at_home() -> None:
    lines = [
        *base(),
        rec("person.ben", "not_home", at(DAY, 0, 0)),
        rec("person.anna", "not_home", at(DAY, 8, 0)),  # nobody home 08:00 - 12:00
        rec("binary_sensor.motion", "on", at(DAY, 9, 0)),  # the cat
        rec("binary_sensor.motion", "off", at(DAY, 9, 1)),
        rec("person.ben", "home", at(DAY, 12, 0)),
        rec("binary_sensor.motion", "on", at(DAY, 12, 0, 30)),
        rec("binary_sensor.motion", "off", at(DAY, 12, 2)),
        rec("person.ben", "not_home", at(DAY, 14, 0)),
        rec("person.anna", "home", at(DAY, 18, 0)),
        rec("binary_sensor.motion", "on", at(DAY, 18, 0, 30)),
    ]
    home = {"condition": "numeric_state", "entity_id": "zone.home", "above": 0}
    gate = {"condition": "state", "entity_id": "switch.aisthos_skill_abc", "state": "on"}
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], conditions=[home, gate]),
        history(lines),
    )
    assert times(result) == [at(DAY, 12, 0, 30), at(DAY, 18, 0, 30)]
    anna_home = {"condition": "state", "entity_id": "person.anna", "state": "home"}
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], conditions=[anna_home]),
        history(lines),
    )
    assert times(result) == [at(DAY, 18, 0, 30)]


# ---------------------------------------------------------------- runs and scoring


def test_mode_single_drops_a_firing_while_the_run_waits_in_a_delay() -> None:
    hist = history(_hourly(DAY, 1, [(10, 0), (10, 2), (10, 6)]))
    actions = [{"delay": {"minutes": 5}}, on("light.hall")]
    single = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], actions), hist
    )
    assert times(single) == [at(DAY, 10, 0), at(DAY, 10, 6)]
    assert single.dropped == 1
    parallel = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], actions, mode="parallel"),
        hist,
    )
    assert len(parallel.firings) == 3
    assert parallel.dropped == 0


def test_right_wrong_and_noop() -> None:
    day2, day3, day4 = (DAY + timedelta(days=n) for n in (1, 2, 3))
    lines = [
        *_hourly(DAY, 4, [(19, 0)]),
        rec("light.hall", "on", at(DAY, 19, 1)),  # within 120 s: right
        rec("light.hall", "off", at(DAY, 22, 0)),
        rec("light.hall", "on", at(day2, 18, 0)),  # on before the firing, left on: no-op
        rec("light.hall", "off", at(day2, 23, 0)),
        rec("light.hall", "on", at(day3, 19, 3)),  # too late (180 s): wrong
        rec("light.hall", "off", at(day3, 23, 0)),
        # day 4: nobody turns it on: wrong
    ]
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], [on("light.hall")]),
        history(lines),
    )
    assert [f.date() for f in times(result)] == [DAY, day2, day3, day4]
    assert outcomes(result) == ["right", "noop", "wrong", "wrong"]
    assert (result.count("right"), result.count("wrong"), result.count("noop")) == (1, 2, 1)
    assert result.precision == pytest.approx(1 / 3)
    skill = replay.Proposed(
        "motion: hall light", 0.9, automation([state_trigger("binary_sensor.motion", to="on")])
    )
    totals = replay.evaluate([skill], history(lines))["totals"]
    assert totals["firing_precision_every_step"] == pytest.approx(1 / 4)


def test_a_step_on_an_unavailable_entity_is_skipped_not_judged() -> None:
    """HA's entity_service_call leaves unavailable entities out: the step did nothing."""
    day2, day3, day4 = (DAY + timedelta(days=n) for n in (1, 2, 3))
    lines = [
        *_hourly(DAY, 4, [(19, 0)]),
        rec("light.hall", "unavailable", at(DAY, 18, 0)),  # a power cut over the firing
        rec("light.hall", "off", at(DAY, 20, 0)),
        rec("light.hall", "on", at(DAY, 20, 1)),  # the person, once power is back: not its doing
        rec("light.hall", "off", at(DAY, 23, 0)),
        rec("light.hall", "unknown", at(day2, 18, 0)),  # unknown is available: judged
        rec("light.hall", "unavailable", at(day3, 19, 0, 30)),  # gone only after the step ran
        rec("light.hall", "off", at(day3, 21, 0)),
        rec("light.hall", "unavailable", at(day4, 18, 0)),
    ]
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], [on("light.hall")]),
        history(lines),
    )
    assert outcomes(result) == ["skipped", "wrong", "wrong", "skipped"]
    assert (result.count("skipped"), result.precision) == (2, 0.0)


def test_skipped_steps_lower_only_the_strict_precision() -> None:
    day2 = DAY + timedelta(days=1)
    lines = [
        *_hourly(DAY, 2, [(19, 0)]),
        rec("light.hall", "on", at(DAY, 19, 1)),  # right
        rec("light.hall", "off", at(DAY, 22, 0)),
        rec("light.hall", "unavailable", at(day2, 18, 0)),  # skipped
    ]
    skill = replay.Proposed(
        "motion: hall light", 0.9, automation([state_trigger("binary_sensor.motion", to="on")])
    )
    totals = replay.evaluate([skill], history(lines))["totals"]
    assert (totals["right"], totals["wrong"], totals["skipped"]) == (1, 0, 1)
    assert totals["firing_precision"] == 1.0
    assert totals["firing_precision_skipped_as_wrong"] == 0.5
    assert totals["firing_precision_every_step"] == 0.5


def test_delay_steps_move_the_due_time_and_widen_the_window() -> None:
    day2 = DAY + timedelta(days=1)
    actions = [on("switch.kettle"), {"delay": {"minutes": 10}}, on("light.hall")]
    lines = [
        *_hourly(DAY, 2, [(19, 0)]),
        rec("switch.kettle", "on", at(DAY, 19, 0, 20)),
        # due 19:10, window up to 19:10 + max(120 s, 300 s) = 19:15
        rec("light.hall", "on", at(DAY, 19, 14)),
        rec("switch.kettle", "off", at(DAY, 20, 0)),
        rec("light.hall", "off", at(DAY, 20, 0)),
        rec("light.hall", "on", at(day2, 19, 16)),  # after 19:15: wrong
    ]
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], actions), history(lines)
    )
    first, second = result.firings
    assert [s.step.entity_id for s in first.steps] == ["switch.kettle", "light.hall"]
    assert first.steps[1].due - first.time == 600
    assert [s.outcome for s in first.steps] == ["right", "right"]
    assert [s.outcome for s in second.steps] == ["wrong", "wrong"]


def test_changes_by_automations_or_restarts_are_never_the_persons() -> None:
    lines = [
        *_hourly(DAY, 3, [(19, 0)]),
        rec("light.hall", "on", at(DAY, 19, 0, 30), parent=True),  # an automation did it
        rec("light.hall", "off", at(DAY, 22, 0), parent=True),
        rec("light.hall", "unavailable", at(DAY + timedelta(days=1), 19, 0, 10)),  # HA restarts
        rec("light.hall", "on", at(DAY + timedelta(days=1), 19, 0, 40)),
        rec("light.hall", "off", at(DAY + timedelta(days=2), 10, 0)),  # the person
    ]
    hist = history(lines)
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], [on("light.hall")]), hist
    )
    # 1st: the automation's change is not the person's; 2nd: the restart's neither
    assert outcomes(result) == ["wrong", "wrong", "wrong"]
    assert [(c.entity_id, c.state) for c in hist.person_changes if c.domain == "light"] == [
        ("light.hall", "off")
    ]
    assert hist.automation_changes == 2
    assert hist.restart_records == 2


def test_a_change_in_the_triggers_own_context_is_the_same_action_not_right() -> None:
    one_tap = {"id": "01TAP", "parent_id": None, "user_id": None}
    lines = [
        *base(),
        rec("light.group", "off", at(DAY, 0, 0)),
        rec("light.hall", "off", at(DAY, 0, 0)),
    ]
    for when, entity_id in ((at(DAY, 10, 0), "light.group"), (at(DAY, 10, 0, 1), "light.hall")):
        raw = json.loads(rec(entity_id, "on", when))
        lines.append(json.dumps({**raw, "context": one_tap}))
    result = replay.replay(
        automation([state_trigger("light.group", to="on")], [on("light.hall")]), history(lines)
    )
    assert outcomes(result) == ["noop"]


def test_compiled_automation_shape_and_other_services() -> None:
    """The dict compile_automation writes: time window to :59, mode single, variables."""
    lines = [
        *_hourly(DAY, 1, [(6, 50), (8, 0)]),
        rec("cover.blinds", "closed", at(DAY, 0, 0)),
        rec("cover.blinds", "open", at(DAY, 6, 50, 40)),
        rec("media_player.tv", "off", at(DAY, 0, 0)),
        rec("media_player.tv", "idle", at(DAY, 6, 51)),
    ]
    compiled = {
        "id": "aisthos_abc",
        "alias": "Morning blinds",
        "description": "Learned by AisthOS.",
        "mode": "single",
        "variables": {"aisthos_skill_id": "abc", "aisthos_confidence": 0.8},
        "triggers": [{"trigger": "state", "entity_id": "binary_sensor.motion", "to": "on"}],
        "conditions": [
            {"condition": "time", "after": "06:30:00", "before": "07:10:59", "weekday": ["mon"]},
            {"condition": "numeric_state", "entity_id": "zone.home", "above": 0},
        ],
        "actions": [
            {"action": "cover.open_cover", "target": {"entity_id": "cover.blinds"}},
            {"action": "media_player.turn_on", "target": {"entity_id": "media_player.tv"}},
            {"action": "light.toggle", "target": {"entity_id": "light.hall"}},
            {
                "action": "climate.set_temperature",
                "target": {"entity_id": "climate.x"},
                "data": {"temperature": 20},
            },
        ],
    }
    result = replay.replay(compiled, history(lines))
    assert times(result) == [at(DAY, 6, 50)]
    assert outcomes(result) == ["right", "right", "wrong", "unscored"]
    assert result.notes  # the unscored service is named


# ---------------------------------------------------------------- totals, coverage, routines


def _labelled_home() -> tuple[Any, list[Any]]:
    days = [DAY + timedelta(days=n) for n in range(4)]
    lines = _hourly(DAY, 4, [(19, 0)])
    occurrences = []
    for n, day in enumerate(days):
        if n < 2:  # the skill gets the first two right
            lines.append(rec("light.hall", "on", at(day, 19, 1)))
            occurrences.append(at(day, 19, 1))
        else:  # the person is late: 19:05
            lines.append(rec("light.hall", "on", at(day, 19, 5)))
            occurrences.append(at(day, 19, 5))
        lines.append(rec("light.hall", "off", at(day, 21, 0)))
        lines.append(rec("switch.kettle", "on", at(day, 7, 0)))  # never automated
        lines.append(rec("switch.kettle", "off", at(day, 7, 5), parent=True))  # not the person's
    labels = {
        "home": "test",
        "tz": "Europe/Berlin",
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "routines": [
            {
                "name": "evening light",
                "kind": "event",
                "triggers": [["binary_sensor.motion", "on"]],
                "actions": [["light.hall", "on"]],
                "window": ["18:50", "19:10"],
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "delay_s": 60,
                "occurrences": [o.isoformat() for o in occurrences],
            },
            {
                "name": "morning kettle",
                "kind": "time",
                "triggers": [],
                "actions": [["switch.kettle", "on"]],
                "window": ["06:50", "07:10"],
                "days": ["mon"],
                "delay_s": 0,
                "occurrences": [at(DAY, 7, 0).isoformat()],
            },
            {
                "name": "given up",
                "kind": "event",
                "triggers": [["binary_sensor.motion", "on"]],
                "actions": [["light.hall", "on"]],
                "occurrences": [o.isoformat() for o in occurrences],
                "stopped_after": "2026-03-20",
            },
            {
                "name": "never seen",
                "kind": "time",
                "triggers": [],
                "actions": [["light.x", "on"]],
                "occurrences": [],
            },
        ],
    }
    return history(lines), replay.read_labels(json.dumps(labels))


def test_coverage_and_routines_covered_from_labels() -> None:
    hist, routines = _labelled_home()
    skill = replay.Proposed(
        "motion: hall light", 0.9, automation([state_trigger("binary_sensor.motion", to="on")])
    )
    out = replay.evaluate([skill], hist, routines)
    totals = out["totals"]
    assert (totals["firings"], totals["right"], totals["wrong"]) == (4, 2, 2)
    assert totals["firing_precision"] == 0.5
    # person actuator changes: 4 light on, 4 light off, 4 kettle on (kettle off: automation)
    assert totals["person_actions"] == 12
    assert totals["person_actions_covered"] == 2
    assert totals["coverage"] == pytest.approx(2 / 12)
    by_name = {r["name"]: r for r in out["routines"]}
    assert by_name["evening light"]["matched"] == 2
    assert by_name["evening light"]["covered"] is True  # 2 of 4 = 50 %
    assert by_name["morning kettle"]["covered"] is False
    assert by_name["never seen"]["covered"] is None  # no occurrences: not counted
    # Seen on one day: listed, not a recurring routine; one that stopped neither.
    assert by_name["morning kettle"]["not_counted"] == "seen on 1 day"
    assert by_name["given up"]["not_counted"] == "stopped after 2026-03-20"
    assert "not_counted" not in by_name["evening light"]
    assert (totals["routines_covered"], totals["routines"]) == (1, 1)
    assert (totals["labelled_routines_covered"], totals["labelled_routines"]) == (2, 3)
    # 1 of 4 right is not enough
    strict = replay.Proposed(
        "motion: hall light",
        0.9,
        automation(
            [state_trigger("binary_sensor.motion", to="on")],
            conditions=[{"condition": "time", "weekday": ["mon"]}],
        ),
    )
    out = replay.evaluate([strict], hist, routines)
    assert out["totals"]["routines_covered"] == 0


def test_proposals_as_planted_routines_with_their_weekdays_and_window() -> None:
    hist, routines = _labelled_home()
    motion = [state_trigger("binary_sensor.motion", to="on")]
    evening = {"condition": "time", "after": "18:55:00", "before": "19:10:59"}
    right = replay.Proposed("right", 0.9, automation(motion, conditions=[evening]))
    # Right on the first two evenings too, but only on Mondays and Tuesdays.
    some_days = replay.Proposed(
        "weekdays wrong",
        0.9,
        automation(motion, conditions=[{**evening, "weekday": ["mon", "tue"]}]),
    )
    unrelated = replay.Proposed(
        "unrelated", 0.9, automation([state_trigger("switch.kettle", to="on")], [on("light.porch")])
    )
    out = replay.evaluate([right, some_days, unrelated], hist, routines)
    rows = {r["name"]: r for r in out["skills"]}
    assert rows["right"]["routine"] == "evening light"
    assert (rows["right"]["days_right"], rows["right"]["window_right"]) == (True, True)
    assert (rows["weekdays wrong"]["days_right"], rows["weekdays wrong"]["window_right"]) == (
        False,
        True,
    )
    assert "routine" not in rows["unrelated"]
    totals = out["totals"]
    assert totals["skills_serving_routines"] == 2
    assert totals["routine_precision"] == pytest.approx(2 / 3)
    assert totals["routine_recall"] == 1.0
    assert totals["serving_with_days_and_window_right"] == 1


def test_a_clocks_weekdays_must_be_the_routines_own() -> None:
    hist, routines = _labelled_home()
    kettle = next(r for r in routines if r.name == "morning kettle")
    clock = automation([{"trigger": "time", "at": "06:55:00"}], [on("switch.kettle")])
    clock["variables"] = {"aisthos_window_s": 900}
    assert replay._timing_right(kettle, clock, hist) == (False, True)  # every day, not Mondays
    clock["conditions"] = [{"condition": "time", "weekday": ["mon"]}]
    assert replay._timing_right(kettle, clock, hist) == (True, True)
    clock["variables"] = {"aisthos_window_s": 3 * 3600}  # 3 hours for a 20-minute routine
    assert replay._timing_right(kettle, clock, hist) == (True, False)
    clock["triggers"] = [{"trigger": "time", "at": "07:01:00"}]  # after the kettle
    clock["variables"] = {"aisthos_window_s": 900}
    assert replay._timing_right(kettle, clock, hist) == (True, False)


def test_a_changes_actions_of_a_second_skill_are_counted_once_in_coverage() -> None:
    hist, _routines = _labelled_home()
    skill = replay.Proposed("a", 0.9, automation([state_trigger("binary_sensor.motion", to="on")]))
    out = replay.evaluate([skill, skill], hist)
    assert out["totals"]["right"] == 4
    assert out["totals"]["person_actions_covered"] == 2
    assert "routines" not in out


def test_unsupported_parts_are_reported_not_guessed() -> None:
    hist = history(base())
    result = replay.replay(
        automation([{"trigger": "template", "value_template": "{{ true }}"}]), hist
    )
    assert result.unsupported is not None
    assert result.firings == []


def test_history_reader_errors_name_the_line() -> None:
    with pytest.raises(replay.HistoryError, match="line 2"):
        replay.read_history([rec("light.a", "on", at(DAY, 1, 0)), "{not json"])
    with pytest.raises(replay.HistoryError, match="offset"):
        replay.read_history(
            ['{"entity_id": "light.a", "state": "on", "last_updated": "2026-03-02T10:00:00"}']
        )


# ---------------------------------------------------------------- scripts/evaluate end to end

_STATE_OF_SERVICE = {
    "turn_on": "on",
    "turn_off": "off",
    "open_cover": "open",
    "close_cover": "closed",
}
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hhmm(minute: float) -> str:
    minute = int(minute) % 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def planted_labels(lines: Sequence[str], days: int) -> dict[str, Any]:
    """Turn the simulator's PLANTED ground truth into the labels format.

    An occurrence is the person's first change, that day, to one of the routine's
    action states within 1.5 x the routine's spread of its centre.
    """
    person: list[tuple[datetime, str, str]] = []
    previous: dict[str, str] = {}
    for line in lines:
        raw = json.loads(line)
        old = previous.get(raw["entity_id"])
        previous[raw["entity_id"]] = raw["state"]
        if old is not None and old != raw["state"] and raw["context"]["parent_id"] is None:
            when = datetime.fromisoformat(raw["last_updated"]).astimezone(SIM_TZ)
            person.append((when, raw["entity_id"], raw["state"]))
    routines = []
    for routine in PLANTED:
        actions = sorted((e, _STATE_OF_SERVICE[s]) for e, s in routine.actions)
        is_time = ("time", "") in routine.triggers
        low, high = routine.center - 1.5 * routine.spread, routine.center + 1.5 * routine.spread
        occurrences = []
        for index in range(days):
            day = START + timedelta(days=index)
            if day.weekday() not in routine.days:
                continue
            if routine.stops_after is not None and index > routine.stops_after:
                continue
            hits = [
                when
                for when, entity_id, state in person
                if when.date() == day
                and (entity_id, state) in actions
                and low <= when.hour * 60 + when.minute + when.second / 60 <= high
            ]
            if hits:
                occurrences.append(min(hits).isoformat())
        routines.append(
            {
                "name": routine.name,
                "kind": "time" if is_time else "event",
                "triggers": [] if is_time else sorted(list(t) for t in routine.triggers),
                "actions": [list(a) for a in actions],
                "window": [
                    _hhmm(routine.center - routine.spread),
                    _hhmm(routine.center + routine.spread),
                ],
                "days": [_DAY_NAMES[d] for d in routine.days],
                "delay_s": 0 if is_time else 60,
                "occurrences": occurrences,
            }
        )
    return {
        "home": "simulator",
        "tz": str(SIM_TZ),
        "first_day": START.isoformat(),
        "last_day": (START + timedelta(days=days - 1)).isoformat(),
        "routines": routines,
    }


def test_evaluate_end_to_end_on_the_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    days = 28
    lines = simulate(days)
    history_file = tmp_path / "sim.jsonl"
    history_file.write_text("\n".join(lines) + "\n")
    labels = planted_labels(lines, days)
    assert all(r["occurrences"] for r in labels["routines"])
    labels_file = tmp_path / "labels.json"
    labels_file.write_text(json.dumps(labels))
    out_file = tmp_path / "out.json"
    evaluate = _module_from("aisthos_scripts_evaluate", REPO / "scripts" / "evaluate.py")
    code = evaluate.main(
        ["--history", str(history_file), "--labels", str(labels_file), "--tz", "Europe/Berlin",
         "--json", str(out_file), "--miner", "new"]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    out = json.loads(out_file.read_text())
    totals = out["totals"]
    # every proposed skill is listed, in the table too
    engine = evaluate.load_engine("new")
    proposed, learned = evaluate.learn_proposals(engine, history_file, SIM_TZ, None)
    assert [r["name"] for r in out["skills"]] == [p["name"] for p in proposed]
    assert totals["proposed_skills"] == len(out["skills"]) <= out["skills_learned"] == learned
    assert all(r["name"][:40] in printed for r in out["skills"])
    assert f"proposed skills: {totals['proposed_skills']}" in printed
    # totals are the sums of the rows, and of the firing log
    for key in ("firings", "right", "wrong", "noop"):
        assert totals[key] == sum(r[key] for r in out["skills"])
    for row in out["skills"]:
        assert row["firings"] == len(row["firing_log"])
        steps = [s["outcome"] for f in row["firing_log"] for s in f["steps"]]
        assert (steps.count("right"), steps.count("wrong"), steps.count("noop")) == (
            row["right"], row["wrong"], row["noop"],
        )  # fmt: skip
        assert row["automation"]["triggers"]
    if totals["right"] + totals["wrong"]:
        assert totals["firing_precision"] == pytest.approx(
            totals["right"] / (totals["right"] + totals["wrong"])
        )
    assert 0 <= totals["person_actions_covered"] <= totals["person_actions"]
    assert totals["person_actions"] > 0
    # routines: every labelled one listed, covered ones name the skill that covers them
    assert [r["name"] for r in out["routines"]] == [r.name for r in PLANTED]
    assert totals["routines"] == len(PLANTED)
    assert totals["routines_covered"] == sum(1 for r in out["routines"] if r["covered"])
    assert all(
        r["skill"] in {s["name"] for s in out["skills"]} for r in out["routines"] if r["covered"]
    )
    assert f"routines covered: {totals['routines_covered']} of {totals['routines']}" in printed


def test_evaluate_old_miner_missing_commit_is_a_clear_error() -> None:
    evaluate = _module_from("aisthos_scripts_evaluate", REPO / "scripts" / "evaluate.py")
    with pytest.raises(evaluate.EngineError, match="not in this clone"):
        evaluate.load_engine("old", commit="0123456789abcdef0123456789abcdef01234567")


def test_a_valve_opened_is_judged_by_its_open_state() -> None:
    lines = [
        *_hourly(DAY, 2, [(6, 0)]),
        rec("valve.garden", "closed", at(DAY, 0, 0)),
        rec("valve.garden", "open", at(DAY, 6, 1)),  # right
        rec("valve.garden", "closed", at(DAY, 6, 30)),
        # day 2: nobody opens it: wrong
    ]
    opens = {"action": "valve.open_valve", "target": {"entity_id": "valve.garden"}}
    result = replay.replay(
        automation([state_trigger("binary_sensor.motion", to="on")], [opens]), history(lines)
    )
    assert outcomes(result) == ["right", "wrong"]
    assert replay.action_target("valve", "close_valve", {}).accepts("closed")
