"""A simulated home that writes HA state history (JSON Lines) with planted routines.

The ground truth comes with it, so the routine tests can measure precision and
recall. Besides the planted routines the home has what real homes have:
jitter, skipped days, background noise, automation-caused changes, one-off
coincidences, and a routine that stops.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
import json
import random
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Berlin")
START = date(2026, 3, 2)  # a Monday; the DST switch on 29 March is inside 28 days

ENTITIES: dict[str, dict[str, Any]] = {
    "person.anna": {"friendly_name": "Anna"},
    "person.ben": {"friendly_name": "Ben"},
    "binary_sensor.front_door": {"friendly_name": "Front door", "device_class": "door"},
    "binary_sensor.hallway_motion": {"friendly_name": "Hallway motion", "device_class": "motion"},
    "binary_sensor.kitchen_motion": {"friendly_name": "Kitchen motion", "device_class": "motion"},
    "binary_sensor.bathroom_motion": {"friendly_name": "Bathroom motion", "device_class": "motion"},
    "binary_sensor.living_motion": {
        "friendly_name": "Living room motion",
        "device_class": "motion",
    },
    "light.hallway": {"friendly_name": "Hallway light"},
    "light.kitchen": {"friendly_name": "Kitchen light"},
    "light.living_room": {"friendly_name": "Living room light"},
    "light.bedroom": {"friendly_name": "Bedroom light"},
    "light.bathroom": {"friendly_name": "Bathroom light"},
    "light.office": {"friendly_name": "Office light"},
    "light.porch": {"friendly_name": "Porch light"},
    "switch.kettle": {"friendly_name": "Kettle"},
    "switch.coffee_machine": {"friendly_name": "Coffee machine"},
    "switch.fan_heater": {"friendly_name": "Fan heater"},
    "media_player.tv": {"friendly_name": "TV"},
    "cover.bedroom_blinds": {"friendly_name": "Bedroom blinds"},
}


@dataclass(frozen=True)
class Planted:
    """A routine the simulator planted: what a correct skill must say."""

    name: str
    # (entity_id, state) triggers that correctly explain it; ("time", "") for a time routine.
    triggers: frozenset[tuple[str, str]]
    actions: frozenset[tuple[str, str]]  # (entity_id, service suffix)
    center: int  # minutes after midnight
    spread: int  # minutes either side the routine really happens
    days: tuple[int, ...]  # weekday numbers
    stops_after: int | None = None  # day index after which it no longer happens
    # False for what the simulation does every time as a side of a planted
    # routine (the kettle off 4 minutes after it went on): a skill for it is
    # right, but none is demanded.
    required: bool = True


WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
EVERY_DAY = tuple(range(7))

PLANTED = [
    Planted(
        "evening arrival",
        frozenset({("person.anna", "home"), ("binary_sensor.front_door", "on"), ("binary_sensor.hallway_motion", "on")}),
        frozenset({("light.hallway", "turn_on"), ("switch.kettle", "turn_on")}),
        19 * 60, 20, WEEKDAYS,
    ),
    Planted(
        "morning blinds", frozenset({("time", "")}), frozenset({("cover.bedroom_blinds", "open_cover")}),
        6 * 60 + 50, 12, WEEKDAYS,
    ),
    Planted(
        "weekend coffee", frozenset({("time", "")}), frozenset({("switch.coffee_machine", "turn_on")}),
        9 * 60 + 30, 25, WEEKEND,
    ),
    Planted(
        "bedtime bathroom",
        frozenset({("binary_sensor.bathroom_motion", "on")}),
        frozenset({("light.bathroom", "turn_on")}),
        23 * 60, 25, EVERY_DAY,
    ),
    Planted(
        "tv off, lights off",
        frozenset({("media_player.tv", "off")}),
        frozenset({("light.living_room", "turn_off")}),
        22 * 60 + 30, 75, EVERY_DAY,
    ),
    Planted(
        "office mornings (stops)", frozenset({("time", "")}), frozenset({("light.office", "turn_on")}),
        8 * 60 + 30, 12, WEEKDAYS, stops_after=11,
    ),
    Planted(
        "bathroom light off after the visit",
        frozenset({("binary_sensor.bathroom_motion", "on"), ("binary_sensor.bathroom_motion", "off"),
                   ("light.bathroom", "on")}),
        frozenset({("light.bathroom", "turn_off")}),
        23 * 60, 25, EVERY_DAY, required=False,
    ),
    Planted(
        "kettle off after the arrival's tea",
        frozenset({("person.anna", "home"), ("binary_sensor.front_door", "on"),
                   ("binary_sensor.front_door", "off"), ("binary_sensor.hallway_motion", "on"),
                   ("switch.kettle", "on")}),
        frozenset({("switch.kettle", "turn_off")}),
        19 * 60, 20, WEEKDAYS, required=False,
    ),
]  # fmt: skip


@dataclass
class _Writer:
    rows: list[tuple[float, str]] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def set(self, when: datetime, entity_id: str, state: str, automation: bool = False) -> None:
        if self.states.get(entity_id) == state:
            return
        self.states[entity_id] = state
        self.counter += 1
        iso = when.isoformat()
        record = {
            "entity_id": entity_id,
            "state": state,
            "attributes": ENTITIES[entity_id],
            "last_changed": iso,
            "last_updated": iso,
            "context": {
                "id": f"01SIM{self.counter:021d}",
                "parent_id": f"01AUTO{self.counter:020d}" if automation else None,
                "user_id": None,
            },
        }
        self.rows.append((when.timestamp(), json.dumps(record)))


def _at(day: date, minute: float) -> datetime:
    base = datetime(day.year, day.month, day.day, tzinfo=TZ)
    return base + timedelta(minutes=minute)


def simulate(days: int, seed: int = 7) -> list[str]:
    """Return JSON Lines of state history for days, starting START."""
    rng = random.Random(seed)
    w = _Writer()
    first = _at(START, 0) - timedelta(minutes=1)
    for entity_id in ENTITIES:  # initial states: an entity appearing is no moment
        initial = {"person": "home", "media_player": "off", "cover": "closed"}.get(
            entity_id.split(".")[0], "off"
        )
        w.set(first, entity_id, initial)
    coincidence_days = set(rng.sample(range(days), min(2, days)))
    for index in range(days):
        day = START + timedelta(days=index)
        weekday = day.weekday()
        events: list[tuple[float, str, str, bool]] = []

        def add(
            minute: float,
            entity_id: str,
            state: str,
            automation: bool = False,
            events: list[tuple[float, str, str, bool]] = events,
        ) -> None:
            events.append((minute, entity_id, state, automation))

        # Anna works on weekdays: leaves ~08:00, the evening arrival routine.
        if weekday in WEEKDAYS:
            add(rng.gauss(8 * 60, 6), "person.anna", "not_home")
            if rng.random() < 0.92:
                arrive = rng.gauss(19 * 60, 7)
                if rng.random() < 0.05:
                    arrive += rng.choice([-1, 1]) * 80  # an outlier evening
                add(arrive, "person.anna", "home")
                add(arrive + 0.3, "binary_sensor.front_door", "on")
                add(arrive + 0.8, "binary_sensor.front_door", "off")
                add(arrive + 0.5, "binary_sensor.hallway_motion", "on")
                add(arrive + 3, "binary_sensor.hallway_motion", "off")
                if rng.random() < 0.95:
                    add(arrive + rng.uniform(0.8, 1.5), "light.hallway", "on")
                    add(arrive + rng.uniform(20, 200), "light.hallway", "off")
                if rng.random() < 0.9:
                    kettle = arrive + rng.uniform(3, 5)
                    add(kettle, "switch.kettle", "on")
                    add(kettle + 4, "switch.kettle", "off")
            else:
                add(rng.gauss(21 * 60, 30), "person.anna", "home")  # a late evening out
            if rng.random() < 0.9:
                blinds = rng.gauss(6 * 60 + 50, 4)
                add(blinds, "cover.bedroom_blinds", "open")
                add(rng.uniform(16 * 60, 22 * 60), "cover.bedroom_blinds", "closed")
            if index <= 11 and rng.random() < 0.9:
                office = rng.gauss(8 * 60 + 30, 4)
                add(office, "light.office", "on")
                add(office + rng.uniform(120, 300), "light.office", "off")
        else:
            if rng.random() < 0.95:
                coffee = rng.gauss(9 * 60 + 30, 7)
                add(coffee, "switch.coffee_machine", "on")
                add(coffee + rng.uniform(15, 180), "switch.coffee_machine", "off")
            if rng.random() < 0.6:  # a weekend outing
                out = rng.uniform(11 * 60, 15 * 60)
                add(out, "person.anna", "not_home")
                add(out + rng.uniform(60, 180), "person.anna", "home")
        # Bedtime: bathroom visit with the light, then the TV goes off.
        if rng.random() < 0.9:
            bath = rng.gauss(23 * 60, 8)
            add(bath, "binary_sensor.bathroom_motion", "on")
            add(bath + 0.1 + rng.uniform(0, 0.2), "light.bathroom", "on")
            add(bath + 2, "binary_sensor.bathroom_motion", "off")
            add(bath + rng.uniform(5, 10), "light.bathroom", "off")
        add(rng.uniform(18 * 60, 20 * 60), "light.living_room", "on")
        if rng.random() < 0.9:
            playing = rng.uniform(19 * 60 + 30, 21 * 60 + 30)
            add(playing, "media_player.tv", "playing")
            tv_off = max(playing + 20, rng.gauss(22 * 60 + 30, 30))
            add(tv_off, "media_player.tv", "off")
            add(tv_off + rng.uniform(0.5, 2), "light.living_room", "off")
        # An automation switches the porch light: never human behaviour.
        add(20 * 60, "light.porch", "on", automation=True)
        add(23 * 60 + 30, "light.porch", "off", automation=True)
        # Background noise: random lights, motion, the kettle at odd times.
        for _ in range(10):
            minute = rng.uniform(7 * 60, 23 * 60)
            light = rng.choice(["light.kitchen", "light.bedroom"])
            add(minute, light, "on")
            add(minute + rng.uniform(2, 40), light, "off")
        for _ in range(25):
            minute = rng.uniform(6 * 60, 24 * 60 - 1)
            sensor = rng.choice(
                [
                    "binary_sensor.kitchen_motion",
                    "binary_sensor.living_motion",
                    "binary_sensor.hallway_motion",
                ]
            )
            add(minute, sensor, "on")
            add(minute + rng.uniform(0.5, 3), sensor, "off")
        for _ in range(2):
            minute = rng.uniform(9 * 60, 17 * 60)
            add(minute, "switch.kettle", "on")
            add(minute + 4, "switch.kettle", "off")
        for _ in range(4):
            minute = rng.uniform(9 * 60, 21 * 60)
            add(minute, "binary_sensor.front_door", "on")
            add(minute + 0.5, "binary_sensor.front_door", "off")
        # A one-off coincidence: door, then the fan heater, on two days only.
        if index in coincidence_days:
            add(15 * 60, "binary_sensor.front_door", "on")
            add(15 * 60 + 0.5, "binary_sensor.front_door", "off")
            add(15 * 60 + 1, "switch.fan_heater", "on")
            add(15 * 60 + 30, "switch.fan_heater", "off")
        for minute, entity_id, state, automation in sorted(events, key=lambda e: e[0]):
            w.set(_at(day, max(0.0, min(minute, 1439.9))), entity_id, state, automation)
    w.rows.sort(key=lambda row: row[0])
    return [line for _, line in w.rows]


def expected(day_count: int) -> Iterator[Planted]:
    """Planted routines a correct miner must report after day_count days."""
    for routine in acceptable(day_count):
        if routine.required:
            yield routine


def acceptable(day_count: int) -> Iterator[Planted]:
    """Planted routines a correct miner may report after day_count days."""
    for routine in PLANTED:
        if routine.stops_after is None or day_count <= routine.stops_after + 7:
            yield routine


def forbidden(day_count: int) -> Iterator[Planted]:
    """Planted routines that stopped long enough ago to be gone."""
    for routine in PLANTED:
        if routine.stops_after is not None and day_count > routine.stops_after + 7:
            yield routine
