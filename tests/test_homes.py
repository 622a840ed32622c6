"""The hard simulated homes (bench/homes.py): format, ground truth, sun, DST, restarts."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import cache
import itertools
import json
from pathlib import Path
import re
from typing import Any
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import sunrise, sunset
import pytest

from bench import homes
from custom_components.aisthos.engine.history_file import read_records

PROFILES = sorted(homes.PROFILES)
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
GONE = {"unavailable", "unknown"}


@cache
def home(
    profile: str, days: int = 28, seed: int = 1
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    lines, labels = homes.simulate_home(profile, days, seed)
    return [json.loads(line) for line in lines], labels


def when(row_or_iso: dict[str, Any] | str) -> datetime:
    text = row_or_iso if isinstance(row_or_iso, str) else row_or_iso["last_changed"]
    return datetime.fromisoformat(text)


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def in_window(moment: datetime, window: list[str]) -> bool:
    """Whether a local time falls in [after, before], which may span midnight."""
    now = moment.hour * 60 + moment.minute
    after, before = minutes(window[0]), minutes(window[1])
    if after <= before:
        return after <= now <= before
    return now >= after or now <= before


def restart_windows(labels: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    return [(when(r["at"]), when(r["back_by"])) for r in labels["restarts"]]


def in_restart(moment: datetime, labels: dict[str, Any]) -> bool:
    return any(a <= moment <= b for a, b in restart_windows(labels))


@pytest.mark.parametrize("profile", PROFILES)
def test_the_same_seed_gives_the_same_home(profile: str) -> None:
    first = homes.simulate_home(profile, 10, 3)
    assert homes.simulate_home(profile, 10, 3) == first
    assert homes.simulate_home(profile, 10, 4)[0] != first[0]


@pytest.mark.parametrize("profile", PROFILES)
def test_lines_are_ha_state_records_sorted_by_time(profile: str) -> None:
    lines, labels = homes.simulate_home(profile, 28, 1)
    records = read_records(lines)  # the learner's own reader accepts every line
    assert len(records) == len(lines) > 500
    previous = None
    for line in lines:
        row = json.loads(line)
        assert set(row) <= {
            "entity_id",
            "state",
            "attributes",
            "last_changed",
            "last_updated",
            "context",
            "area",
        }
        assert ENTITY_ID.fullmatch(row["entity_id"])
        assert isinstance(row["state"], str)
        assert row["state"]
        assert isinstance(row["attributes"]["friendly_name"], str)
        assert row["last_changed"] == row["last_updated"]
        moment = when(row)
        assert moment.utcoffset() is not None
        assert previous is None or previous <= moment
        previous = moment
        context = row["context"]
        assert set(context) == {"id", "parent_id", "user_id"}
        assert ULID.fullmatch(context["id"])
        assert context["parent_id"] is None or ULID.fullmatch(context["parent_id"])
        assert context["user_id"] is None
        if row["entity_id"].startswith(("event.", "scene.")) and row["state"] not in GONE:
            fired = datetime.fromisoformat(row["state"])  # the state is the event's time
            assert fired == moment or (fired < moment and in_restart(moment, labels))
        if row["entity_id"].startswith("event.") and row["state"] not in GONE:
            assert row["attributes"]["event_type"] in row["attributes"]["event_types"]


@pytest.mark.parametrize("profile", PROFILES)
def test_context_ids_are_unique_except_the_planted_groups(profile: str) -> None:
    rows, labels = home(profile)
    groups = [set(g["entities"]) for g in labels["groups"]]
    by_context: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_context[row["context"]["id"]].append(row)
    shared = [same for same in by_context.values() if len(same) > 1]
    if profile == "family":
        assert len(shared) > 30
    for same in shared:
        entities = [r["entity_id"] for r in same]
        assert len(set(entities)) == len(entities)
        assert any(set(entities) <= group for group in groups), entities
        assert when(same[-1]) - when(same[0]) < timedelta(seconds=1)
        assert len({r["context"]["parent_id"] for r in same}) == 1
    parents = {r["context"]["parent_id"] for r in rows} - {None}
    assert not parents & set(by_context)  # a run's id is never a change's own id


@pytest.mark.parametrize("profile", PROFILES)
def test_parent_id_is_set_only_on_automation_changes(profile: str) -> None:
    rows, labels = home(profile)
    automated = {e for a in labels["automations"] for e in a["entities"]}
    caused = [r for r in rows if r["context"]["parent_id"] is not None]
    assert caused
    assert {r["entity_id"] for r in caused} == automated  # each automation acted
    assert all(r["state"] not in GONE for r in caused)
    occurrences = {
        (r["actions"][0][0], iso) for r in labels["routines"] for iso in r["occurrences"]
    }
    assert not {(r["entity_id"], r["last_changed"]) for r in caused} & occurrences


def _trigger_rows(rows: list[dict[str, Any]], trigger: list[str]) -> list[datetime]:
    entity_id, state = trigger
    if entity_id.startswith("event."):
        return [
            when(r)
            for r in rows
            if r["entity_id"] == entity_id and r["attributes"].get("event_type") == state
        ]
    return [when(r) for r in rows if r["entity_id"] == entity_id and r["state"] == state]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_occurrence_is_in_the_history_as_planted(profile: str) -> None:
    rows, labels = home(profile)
    tz = ZoneInfo(labels["tz"])
    index = {(r["entity_id"], r["last_changed"]): r for r in rows}
    assert len(labels["routines"]) >= 5
    for routine in labels["routines"]:
        name, kind = routine["name"], routine["kind"]
        assert kind in {"event", "time", "sun", "off_after", "button"}
        assert len(routine["occurrences"]) >= 2, name
        assert len(set(routine["occurrences"])) == len(routine["occurrences"])
        entity_id, state = routine["actions"][0]
        triggers = [t for trigger in routine["triggers"] for t in _trigger_rows(rows, trigger)]
        for iso in routine["occurrences"]:
            row = index.get((entity_id, iso))
            assert row is not None, (name, iso)
            assert row["state"] == state
            assert row["context"]["parent_id"] is None
            moment = when(iso)
            assert moment.utcoffset() == moment.astimezone(tz).utcoffset()
            assert homes.DAY_NAMES[moment.weekday()] in routine["days"], (name, iso)
            assert not in_restart(moment, labels)
            if "stopped_after" in routine:
                assert moment.date() <= date.fromisoformat(routine["stopped_after"])
            if kind == "time":
                assert routine["triggers"] == []
                assert in_window(moment, routine["window"]), (name, iso)
            elif kind in {"event", "button"}:
                horizon = timedelta(minutes=15 if kind == "event" else 1)
                assert any(moment - horizon <= t <= moment for t in triggers), (name, iso)
            elif kind == "sun":
                target = timedelta(minutes=routine["offset_min"])
                assert any(abs(moment - (t + target)) < timedelta(minutes=10) for t in triggers)
            else:  # off_after: the trigger state held for for_min, then the action
                sensor, held = routine["triggers"][0]
                before = [r for r in rows if r["entity_id"] == sensor and when(r) < moment]
                assert before[-1]["state"] == held, (name, iso)
                quiet = moment - when(before[-1])
                assert timedelta(minutes=routine["for_min"] - 1) < quiet, (name, iso)
                assert quiet < timedelta(minutes=routine["for_min"] + 1), (name, iso)
        # Every occurrence is in the labelled window (for time routines: the action).
        if kind != "sun":
            assert all(in_window(when(iso), routine["window"]) for iso in routine["occurrences"])


def test_the_family_has_every_kind_and_a_routine_that_stops() -> None:
    _, labels = home("family")
    assert {r["kind"] for r in labels["routines"]} == {
        "event",
        "time",
        "sun",
        "off_after",
        "button",
    }
    stopping = next(r for r in labels["routines"] if "stopped_after" in r)
    last = max(when(iso).date() for iso in stopping["occurrences"])
    assert last <= date.fromisoformat(stopping["stopped_after"])
    assert date.fromisoformat(labels["last_day"]) - last >= timedelta(days=7)
    # Nobody home for the away week: no routine happens in it.
    away_from, away_to = (when(t) for t in labels["away"])
    assert away_to - away_from > timedelta(days=5)
    for routine in labels["routines"]:
        assert not any(away_from < when(iso) < away_to for iso in routine["occurrences"])


def test_light_group_members_and_scenes_share_one_context() -> None:
    rows, labels = home("family")
    members = ["light.living_room_1", "light.living_room_2"]
    by_context: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        by_context[row["context"]["id"]].add(row["entity_id"])
    start = when(rows[0]) + timedelta(minutes=1)
    groups = [
        r
        for r in rows
        if r["entity_id"] == "light.living_room"
        and r["state"] not in GONE
        and when(r) > start
        and not in_restart(when(r), labels)
    ]
    assert len(groups) > 20
    for row in groups:
        assert by_context[row["context"]["id"]] & set(members), row
    scenes = [
        r
        for r in rows
        if r["entity_id"] == "scene.movie" and when(r) > start and not in_restart(when(r), labels)
    ]
    assert len(scenes) >= 3
    for row in scenes:
        assert "light.tv_backlight" in by_context[row["context"]["id"]]
    living = next(r for r in labels["routines"] if r["actions"] == [["light.living_room", "on"]])
    for iso in living["occurrences"]:
        row = next(r for r in rows if r["last_changed"] == iso)
        assert by_context[row["context"]["id"]] & set(members)


@pytest.mark.parametrize("profile", PROFILES)
def test_sun_changes_match_astral_for_the_location(profile: str) -> None:
    rows, labels = home(profile)
    tz = ZoneInfo(labels["tz"])
    observer = Observer(labels["location"]["latitude"], labels["location"]["longitude"])
    sun = [r for r in rows if r["entity_id"] == "sun.sun"][1:]  # after the initial state
    assert len(sun) >= 2 * 28 - 1
    for row in sun:
        moment = when(row)
        event = sunset if row["state"] == "below_horizon" else sunrise
        expected = event(observer, date=moment.astimezone(tz).date(), tzinfo=UTC)
        assert abs(moment - expected) < timedelta(seconds=1)
    states = [r["state"] for r in sun]
    assert all(a != b for a, b in itertools.pairwise(states))  # alternating


@pytest.mark.parametrize(
    ("profile", "winter", "summer", "switch"),
    [
        ("family", "+01:00", "+02:00", date(2026, 3, 29)),
        ("shift", "+01:00", "+02:00", date(2026, 3, 29)),
        ("single", "-05:00", "-04:00", date(2026, 3, 8)),
    ],
)
def test_offsets_follow_the_zone_across_dst(
    profile: str, winter: str, summer: str, switch: date
) -> None:
    rows, labels = home(profile)
    tz = ZoneInfo(labels["tz"])
    seen = set()
    for row in rows:
        moment = when(row)
        assert moment.utcoffset() == moment.astimezone(tz).utcoffset()
        assert moment.astimezone(tz).isoformat() == row["last_changed"]
        offset = row["last_changed"][-6:]
        seen.add(offset)
        if moment.date() != switch:  # the switch day has both
            assert offset == (winter if moment.date() < switch else summer)
    assert seen == {winter, summer}
    # People follow the clock: a time routine keeps its local window after the switch,
    # while the sunset jumps by about an hour.
    sunsets = [when(r) for r in rows if r["state"] == "below_horizon"]
    local = {s.date(): s.hour * 60 + s.minute for s in sunsets}
    assert local[switch] - local[switch - timedelta(days=1)] > 50


@pytest.mark.parametrize("profile", PROFILES)
def test_restarts_make_entities_unavailable_then_bring_them_back(profile: str) -> None:
    rows, labels = home(profile)
    assert labels["restarts"]
    for start, end in restart_windows(labels):
        window = [r for r in rows if start <= when(r) <= end]
        gone = [r for r in window if r["state"] in GONE]
        assert len(gone) >= 8
        assert all(r["context"]["parent_id"] is None for r in window)
        for row in gone:
            entity_id = row["entity_id"]
            before = [r for r in rows if r["entity_id"] == entity_id and when(r) < start][-1]
            later = [r for r in window if r["entity_id"] == entity_id and when(r) > when(row)]
            assert later, entity_id
            assert later[-1]["state"] not in GONE
            assert before["state"] not in GONE
            assert later[-1]["context"]["id"] != row["context"]["id"]
    outside = [r for r in rows if r["state"] in GONE and not in_restart(when(r), labels)]
    initial = when(rows[0])
    assert all(when(r) == initial for r in outside)  # only never-fired events/scenes start unknown


@pytest.mark.parametrize("profile", PROFILES)
def test_labels_describe_the_home_and_its_distractors(profile: str) -> None:
    rows, labels = home(profile)
    assert labels["home"] == profile
    assert (
        date.fromisoformat(labels["last_day"]) - date.fromisoformat(labels["first_day"])
    ).days == 27
    assert len(labels["distractors"]) >= 8
    assert {d["why"] for d in labels["distractors"]} >= {"automation", "restart"}
    names = {r["name"] for r in labels["routines"]}
    assert not names & {d["name"] for d in labels["distractors"]}
    entities = {r["entity_id"] for r in rows}
    for routine in labels["routines"]:
        assert {a[0] for a in routine["actions"]} <= entities
        assert {t[0] for t in routine["triggers"]} <= entities
    for distractor in labels["distractors"]:
        assert {a[0] for a in distractor["actions"]} <= entities
    residents = {r["entity_id"] for r in rows if r["entity_id"].startswith("person.")}
    assert set(labels["residents"]) == residents
    assert len(residents) == (3 if profile == "family" else 1)


def test_the_cli_writes_history_and_labels(tmp_path: Path) -> None:
    assert (
        homes.main(["--profile", "shift", "--days", "7", "--seed", "2", "--out", str(tmp_path)])
        == 0
    )
    lines, labels = homes.simulate_home("shift", 7, 2)
    assert (tmp_path / "history.jsonl").read_text("utf-8").splitlines() == lines
    assert json.loads((tmp_path / "labels.json").read_text("utf-8")) == labels


@pytest.mark.parametrize("days", [1, 3, 40])
def test_other_lengths_still_make_consistent_homes(days: int) -> None:
    for profile in PROFILES:
        lines, labels = homes.simulate_home(profile, days, 5)
        first = datetime.fromisoformat(json.loads(lines[0])["last_changed"])
        last = datetime.fromisoformat(json.loads(lines[-1])["last_changed"])
        assert last - first < timedelta(days=days, hours=1)
        index = {
            (json.loads(line)["entity_id"], json.loads(line)["last_changed"]) for line in lines
        }
        for routine in labels["routines"]:
            for iso in routine["occurrences"]:
                assert (routine["actions"][0][0], iso) in index
