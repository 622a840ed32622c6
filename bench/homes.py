"""Hard simulated homes: HA state history (JSON Lines) with exact ground truth.

`simulate_home(profile, days, seed)` returns the history lines (the format of
.develop/spec/evaluation.md) and a labels dict: every planted routine with
the exact times the person really did its first action, the things that look
like routines but are not ("distractors"), the same-context groups, the
automations (the only rows with a parent_id) and the HA restarts.

    python bench/homes.py --profile family --days 28 --seed 1 --out DIR

writes DIR/history.jsonl and DIR/labels.json. Stdlib and `astral` only.

Profiles, and what makes each hard:

family (Europe/Berlin, from Mon 2026-03-09; DST on Sun 2026-03-29)
    Three residents (Anna, Ben, Mia) with their own weekday schedules (work,
    school, Mia's late Wednesdays) and weekend lie-ins and outings. Motion
    sensors in the kitchen, hallway, living room and bedroom doorway fire
    dozens of times a day; a cat fires them when nobody is home. Planted:
    a weekday kettle at 06:40 +-20 min and a toaster at 07:05 +-35 min (time
    routines with wide jitter); the porch light at sunset + 10 min (the sunset
    drifts ~2 min a day and jumps an hour at DST, so a clock-time rule fails);
    the hall button pressed (event.hall_button, event_type "pressed") a few
    seconds before the hall light on evening arrivals (random presses with no
    light follow too); Ben coming home lights the light group light.living_room
    (members light.living_room_1/_2 in the same context); Friday/Saturday
    movie night: TV playing then scene.movie (one context switching the
    backlight on and the living room off); the bathroom light on entering and
    off 5 min after the room is empty (off_after; the motion sensor flickers
    during a visit); Mia's fairy lights at 19:30, a routine she stops after
    day 17. Also: a week with nobody home (only the cat, the neighbour who
    feeds it and a presence-simulation automation), Good Friday looking like a
    weekend, three HA restarts (one in the kettle window, one in Ben's arrival
    window), automations (garden lights at sunset, hallway night light on
    motion, hall light auto-off, climate schedule) that must never be learned,
    a one-off coincidence (the fan heater right after the door, twice) and
    devices that switch themselves off (kettle, toaster).

single (America/New_York, from Mon 2026-02-23; DST on Sun 2026-03-08)
    One person (Sam) with a late rhythm and sparse sensors (one motion sensor,
    the front door). Planted: the bedroom light off at 23:58 +-8 min every
    night (half the occurrences fall on the next calendar day: time is
    circular); Friday/Saturday nights out coming home around 00:20 +-30 min,
    then the hall light (a routine whose window crosses midnight; the keypad
    unlock comes before the door, GPS presence lags or leads it); weekday
    coffee at 10:30 +-15; the living room blinds closed 15 min before sunset
    (the sunset jumps from ~17:56 to ~19:57 at DST); TV off, then the floor
    lamp off. Also a one-off party, two restarts (one at 23:55, inside the
    lights-out window), an automation locking the door at night and when Sam
    leaves, a thermostat schedule, and random desk and kitchen lights.

shift (Europe/Berlin, from Mon 2026-03-09; DST on Sun 2026-03-29)
    A shift worker (Kai): early shifts on Mon/Wed/Fri only (kitchen light at
    04:30, coffee ~11 min later), late shifts on Tue/Thu (coffee at 10:00,
    home at 22:40 and locking the door himself, while on other nights an
    automation locks it at 23:00: the same action at nearly the same time,
    learnable only on Tue/Thu), a week off at home days 21-25 that looks like
    weekends. An input_select house mode (Home/Away/Night: "Night" is followed
    by the living room off and the blinds closed, at a bedtime that depends on
    the next day's shift) and an input_boolean guest mode on two weekends
    (guest room heating follows it: a rare routine with two occurrences; the
    guests add random activity). Three restarts: 03:05, 04:41 (in the early
    coffee window) and 03:30 on the DST night.

Everything is deterministic by (profile, days, seed, start).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
import heapq
import json
from pathlib import Path
import random
from typing import Any
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import sunrise, sunset

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = 1_000_000  # times are integer microseconds since the epoch: exact ISO round trips
MINUTE = 60 * SECOND
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = list(DAY_NAMES)
WEEKDAYS = list(DAY_NAMES[:5])
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Domains whose entities HA shows "unavailable"/"unknown" while it restarts.
# Persons, input helpers and sun.sun are restored at once, so they stay put.
RESTART_DOMAINS = frozenset(
    {"light", "switch", "binary_sensor", "media_player", "cover", "climate", "fan", "lock"}
    | {"event", "scene"}
)
# German public holidays that fall in or near the default ranges.
DE_HOLIDAYS = frozenset({date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14)})


def hm(minutes: float) -> str:
    """Format minutes after midnight as HH:MM, wrapping around midnight."""
    whole = round(minutes) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _ulid(ms: int, rng: random.Random) -> str:
    """Return a ULID-like id: 48 bits of milliseconds, 80 random bits, Crockford base32."""
    number = (ms << 80) | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[number & 31])
        number >>= 5
    return "".join(reversed(chars))


@dataclass
class Home:
    """A home being simulated: entities, a plan of changes, then the history.

    Profiles add planned changes in any order (absolute times); history()
    replays them in time order, dropping changes to the state an entity
    already has (HA writes no row for those) and applying restarts. Labels
    are made from what was really written, so they never claim an occurrence
    the history does not hold.
    """

    name: str
    tz: ZoneInfo
    latitude: float
    longitude: float
    start: date
    days: int
    seed: int
    rng: random.Random = field(init=False)
    observer: Observer = field(init=False)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    areas: dict[str, str] = field(default_factory=dict)
    initial: dict[str, str] = field(default_factory=dict)
    routines: list[dict[str, Any]] = field(default_factory=list)
    distractors: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    automations: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    _plan: list[tuple[int, int, str, tuple[Any, ...]]] = field(default_factory=list)
    _presence: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _restarts: list[tuple[int, int]] = field(default_factory=list)
    _context_keys: int = 0

    def __post_init__(self) -> None:
        """Seed from the profile and seed only (a str seed is hashed stably)."""
        self.rng = random.Random(f"{self.name}:{self.seed}:{self.start}:{self.days}")
        self.observer = Observer(self.latitude, self.longitude)

    # --- time -----------------------------------------------------------------

    def day(self, index: int) -> date:
        """Return the date of day index (0 = start)."""
        return self.start + timedelta(days=index)

    def at(self, index: int, minutes: float) -> int:
        """Return local wall-clock minutes after midnight of day index (may exceed a day).

        Wall-clock arithmetic on purpose: people follow the clock, so 06:40
        stays 06:40 across a DST change (and its UTC time moves an hour).
        """
        midnight = datetime.combine(self.day(index), datetime.min.time(), tzinfo=self.tz)
        wall = midnight + timedelta(minutes=minutes)
        return self._us(wall.astimezone(UTC))

    @staticmethod
    def _us(moment: datetime) -> int:
        return (moment - EPOCH) // timedelta(microseconds=1)

    def local(self, us: int) -> datetime:
        """Return the local time of a moment."""
        return (EPOCH + timedelta(microseconds=us)).astimezone(self.tz)

    def iso(self, us: int) -> str:
        """Return ISO 8601 with the local offset, as in last_changed."""
        return self.local(us).isoformat()

    def sunset(self, index: int) -> int:
        """Return the sunset of day index (astral, like the sun.sun rows)."""
        return self._us(sunset(self.observer, date=self.day(index), tzinfo=UTC))

    def jitter(self, spread: float) -> float:
        """Draw a normal deviation, sd spread/2, truncated to +-spread (minutes or seconds).

        Redrawn rather than clipped, so no occurrence sits exactly on a window's edge.
        """
        while True:
            value = self.rng.gauss(0, spread / 2)
            if abs(value) < spread:
                return value

    def weekday(self, index: int) -> int:
        """Return the weekday of day index (0 = Monday)."""
        return self.day(index).weekday()

    # --- entities and planned changes ---------------------------------------------

    def entity(
        self,
        entity_id: str,
        name: str,
        /,
        initial: str = "off",
        area: str | None = None,
        device_class: str | None = None,
        **attributes: Any,
    ) -> None:
        """Declare an entity with its first state (written just before the first day)."""
        attrs: dict[str, Any] = {"friendly_name": name}
        if device_class:
            attrs["device_class"] = device_class
        attrs.update(attributes)
        self.entities[entity_id] = attrs
        self.initial[entity_id] = initial
        if area:
            self.areas[entity_id] = area
        if entity_id.startswith("person."):
            self._presence[entity_id] = [(self.at(0, 0) - MINUTE, initial)]

    def context(self) -> int:
        """Return a new context key: every change planned with it shares one context.id."""
        self._context_keys += 1
        return self._context_keys

    def set(
        self,
        us: float,
        entity_id: str,
        state: str,
        *,
        context: int | None = None,
        automation: bool = False,
        tag: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """Plan a change. tag names the routine whose occurrence this is."""
        if entity_id not in self.entities:
            raise KeyError(entity_id)
        key = context if context is not None else self.context()
        payload = (entity_id, state, key, automation, tag, attributes)
        self._plan.append((int(us), len(self._plan), "set", payload))

    def together(
        self,
        us: float,
        changes: list[tuple[str, str]],
        *,
        automation: bool = False,
        tag: tuple[str, str] | None = None,
    ) -> None:
        """One physical action changing several entities: one context, within a second."""
        key = self.context()
        when = int(us)
        for entity_id, state in changes:
            label = tag[0] if tag and tag[1] == entity_id else None
            self.set(when, entity_id, state, context=key, automation=automation, tag=label)
            when += self.rng.randint(20_000, 250_000)  # members report a few ms apart

    def light_group(
        self,
        us: float,
        group: str,
        members: list[str],
        state: str,
        *,
        automation: bool = False,
        tag: str | None = None,
    ) -> None:
        """Switch a light group: the members change first, then the group, one context."""
        changes = [(m, state) for m in members] + [(group, state)]
        self.together(us, changes, automation=automation, tag=(tag, group) if tag else None)

    def press(self, us: float, button: str, event_type: str = "pressed") -> None:
        """Fire an event entity: its state is the event's ISO time (UTC, ms)."""
        us = int(us) // 1000 * 1000  # the row's own time is that same millisecond
        stamp = (EPOCH + timedelta(microseconds=int(us))).isoformat(timespec="milliseconds")
        self.set(us, button, stamp, attributes={"event_type": event_type})

    def scene(
        self, us: float, scene_id: str, changes: list[tuple[str, str]], tag: tuple[str, str]
    ) -> None:
        """Activate a scene: its state (ISO time) and its entities change in one context."""
        key = self.context()
        us = int(us) // 1000 * 1000
        stamp = (EPOCH + timedelta(microseconds=int(us))).isoformat(timespec="milliseconds")
        self.set(us, scene_id, stamp, context=key)
        when = int(us)
        for entity_id, state in changes:
            when += self.rng.randint(20_000, 200_000)
            self.set(
                when, entity_id, state, context=key, tag=tag[0] if tag[1] == entity_id else None
            )

    def move(self, us: float, person: str, state: str) -> None:
        """Move a person home or away (device tracker: a fresh context, no parent)."""
        self.set(us, person, state)
        self._presence[person].append((int(us), state))
        self._presence[person].sort()

    def is_home(self, person: str, us: float) -> bool:
        """Return whether the person is home at that time (as planned)."""
        state = "not_home"
        for when, new in self._presence[person]:
            if when > us:
                break
            state = new
        return state == "home"

    def anyone_home(self, us: float) -> bool:
        """Return whether any resident is home."""
        return any(self.is_home(person, us) for person in self._presence)

    def restart(self, index: int, minutes: float, down_s: float) -> None:
        """Plan an HA restart on day index: entities go unavailable, then come back."""
        if index < self.days:
            us = self.at(index, minutes)
            self._restarts.append((us, int(down_s * SECOND)))
            self._plan.append((us, len(self._plan), "restart", (int(down_s * SECOND),)))

    def near_restart(self, us: float, margin_min: float = 10) -> bool:
        """Return whether a restart is within margin_min minutes of us."""
        return any(abs(us - when) < margin_min * MINUTE + down for when, down in self._restarts)

    def chatter(
        self,
        sensor: str,
        index: int,
        begin_min: float,
        end_min: float,
        per_hour: float,
        *,
        who: Callable[[float], bool] | None = None,
        on_motion: Callable[[int], None] | None = None,
    ) -> None:
        """Random motion bursts (Poisson) in a daily window while who(t) holds."""
        begin, end = self.at(index, begin_min), self.at(index, end_min)
        t = float(begin)
        while True:
            t += self.rng.expovariate(per_hour) * 3600 * SECOND
            if t >= end:
                return
            if who is not None and not who(t):
                continue
            self.set(t, sensor, "on")
            self.set(t + self.rng.uniform(30, 150) * SECOND, sensor, "off")
            if on_motion is not None:
                on_motion(int(t))

    # --- labels ---------------------------------------------------------------

    def routine(
        self,
        name: str,
        kind: str,
        triggers: list[list[str]],
        actions: list[list[str]],
        window: tuple[str, str],
        days: list[str],
        delay_s: float,
        **extra: Any,
    ) -> str:
        """Declare a planted routine; returns the tag to put on its first action."""
        self.routines.append(
            {
                "name": name,
                "kind": kind,
                "triggers": triggers,
                "actions": actions,
                "window": list(window),
                "days": days,
                "delay_s": round(delay_s),
                **extra,
                "occurrences": [],
            }
        )
        return name

    def distractor(self, name: str, actions: list[list[str]], why: str) -> None:
        """Declare something that looks like a routine but is not one."""
        self.distractors.append({"name": name, "actions": actions, "why": why})

    def automation(self, name: str, entities: list[str]) -> None:
        """Declare an automation: its changes carry a parent_id and must never be learned."""
        self.automations.append({"name": name, "entities": entities})

    def group(self, name: str, entities: list[str]) -> None:
        """Declare entities that may change in one context (a group, a scene, one tap)."""
        self.groups.append({"name": name, "entities": entities})

    # --- the history --------------------------------------------------------------

    def add_sun(self) -> None:
        """sun.sun changes at every astral sunrise and sunset (HA's own context)."""
        for index in range(-1, self.days + 1):
            day = self.day(index)
            for event, state in ((sunrise, "above_horizon"), (sunset, "below_horizon")):
                self.set(self._us(event(self.observer, date=day, tzinfo=UTC)), "sun.sun", state)

    def history(self) -> tuple[list[str], dict[str, Any]]:
        """Replay the plan: the JSON Lines and the labels."""
        ids = random.Random(f"{self.name}:{self.seed}:ids")
        outage = random.Random(f"{self.name}:{self.seed}:restarts")
        begin, end = self.at(0, 0), self.at(self.days, 0)
        first = begin - MINUTE
        for entity_id, state in self.initial.items():
            self.set(first, entity_id, state)
        heap = list(self._plan)
        heapq.heapify(heap)
        seq = len(heap)
        last_attributes: dict[str, dict[str, Any] | None] = {}  # event_type of the last event
        real: dict[str, str] = {}  # the state the device has (differs while HA is down)
        down: set[str] = set()
        context_ids: dict[int, str] = {}
        parents: dict[int, str] = {}
        rows: list[tuple[int, int, str]] = []
        occurrences: dict[str, list[str]] = defaultdict(list)

        def write(
            us: int,
            entity_id: str,
            state: str,
            key: int | None,
            automation: bool,
            tag: str | None = None,
            attributes: dict[str, Any] | None = None,
        ) -> None:
            if key is None or key not in context_ids:
                context_id = _ulid(us // 1000, ids)
                if key is not None:
                    context_ids[key] = context_id
            else:
                context_id = context_ids[key]
            parent = None
            if automation:
                if key not in parents:
                    parents[key] = _ulid(us // 1000 - 1, ids)  # the run started just before
                parent = parents[key]
            iso = self.iso(us)
            record: dict[str, Any] = {
                "entity_id": entity_id,
                "state": state,
                "attributes": {**self.entities[entity_id], **(attributes or {})},
                "last_changed": iso,
                "last_updated": iso,
                "context": {"id": context_id, "parent_id": parent, "user_id": None},
            }
            if entity_id in self.areas:
                record["area"] = self.areas[entity_id]
            if state not in {"unavailable", "unknown"}:
                last_attributes[entity_id] = attributes
            rows.append((us, len(rows), json.dumps(record)))
            if tag is not None:
                occurrences[tag].append(iso)

        while heap:
            us, _, kind, payload = heapq.heappop(heap)
            if us >= end:
                break
            if us < first:
                continue
            if kind == "set":
                entity_id, state, key, automation, tag, attributes = payload
                if real.get(entity_id) == state:
                    continue  # HA writes no row for a state the entity already has
                real[entity_id] = state
                if entity_id not in down:
                    write(us, entity_id, state, key, automation, tag, attributes)
            elif kind == "restart":
                (down_us,) = payload
                when = us
                for entity_id in sorted(self.entities):
                    domain = entity_id.split(".")[0]
                    if domain not in RESTART_DOMAINS or entity_id in down:
                        continue
                    if real[entity_id] in {"unavailable", "unknown"}:
                        continue  # an event or scene that never fired: nothing to restore
                    gone = "unknown" if domain in {"event", "scene"} else "unavailable"
                    if domain == "binary_sensor" and outage.random() < 0.3:
                        gone = "unknown"  # template sensors report unknown first
                    when += outage.randint(1_000, 40_000)
                    write(when, entity_id, gone, None, False)
                    down.add(entity_id)
                    back = us + down_us + outage.randint(0, 30 * SECOND)
                    heapq.heappush(heap, (back, seq, "back", (entity_id,)))
                    seq += 1
            else:  # back after a restart: the real state, a new context, no parent
                (entity_id,) = payload
                down.discard(entity_id)
                write(
                    us,
                    entity_id,
                    real[entity_id],
                    None,
                    False,
                    None,
                    last_attributes.get(entity_id),
                )
        rows.sort()
        for routine in self.routines:
            routine["occurrences"] = occurrences.get(routine["name"], [])
        labels = {
            "home": self.name,
            "profile": self.name,
            "seed": self.seed,
            "tz": self.tz.key,
            "location": {"latitude": self.latitude, "longitude": self.longitude},
            "first_day": self.start.isoformat(),
            "last_day": self.day(self.days - 1).isoformat(),
            "residents": sorted(self._presence),
            "routines": self.routines,
            "distractors": self.distractors,
            "groups": self.groups,
            "automations": self.automations,
            "restarts": [
                {"at": self.iso(us), "back_by": self.iso(us + down_us + 31 * SECOND)}
                for us, down_us in self._restarts
                if us < end
            ],
            **self.extra,
        }
        return [line for _, _, line in rows], labels


# --- family -------------------------------------------------------------------


def _family(h: Home) -> None:
    anna, ben, mia = "person.anna", "person.ben", "person.mia"
    for person, name in ((anna, "Anna"), (ben, "Ben"), (mia, "Mia")):
        h.entity(person, name, "home")
    h.entity("sun.sun", "Sun", "below_horizon")
    sensors = {
        "binary_sensor.front_door": ("Front door", "Hallway", "door"),
        "binary_sensor.hallway_motion": ("Hallway motion", "Hallway", "motion"),
        "binary_sensor.kitchen_motion": ("Kitchen motion", "Kitchen", "motion"),
        "binary_sensor.living_room_motion": ("Living room motion", "Living room", "motion"),
        "binary_sensor.bedroom_door_motion": ("Bedroom doorway motion", "Bedroom", "motion"),
        "binary_sensor.bathroom_motion": ("Bathroom motion", "Bathroom", "occupancy"),
    }
    for entity_id, (name, area, device_class) in sensors.items():
        h.entity(entity_id, name, area=area, device_class=device_class)
    members = ["light.living_room_1", "light.living_room_2"]
    lights = {
        "light.living_room": ("Living room lights", "Living room"),
        "light.living_room_1": ("Living room ceiling", "Living room"),
        "light.living_room_2": ("Living room floor lamp", "Living room"),
        "light.tv_backlight": ("TV backlight", "Living room"),
        "light.reading_lamp": ("Reading lamp", "Living room"),
        "light.hall": ("Hall light", "Hallway"),
        "light.hallway_night": ("Hallway night light", "Hallway"),
        "light.kitchen": ("Kitchen light", "Kitchen"),
        "light.bathroom": ("Bathroom light", "Bathroom"),
        "light.bedroom": ("Bedroom light", "Bedroom"),
        "light.porch": ("Porch light", "Outside"),
        "light.garden": ("Garden lights", "Outside"),
    }
    for entity_id, (name, area) in lights.items():
        extra = {"entity_id": members} if entity_id == "light.living_room" else {}
        h.entity(entity_id, name, area=area, **extra)
    for entity_id, name, area in (
        ("switch.kettle", "Kettle", "Kitchen"),
        ("switch.toaster", "Toaster", "Kitchen"),
        ("switch.fairy_lights", "Mia's fairy lights", "Mia's room"),
        ("switch.fan_heater", "Fan heater", "Office"),
    ):
        h.entity(entity_id, name, area=area)
    h.entity("media_player.tv", "TV", "off", area="Living room")
    h.entity("climate.living_room", "Living room heating", "off", area="Living room")
    h.entity(
        "event.hall_button",
        "Hall button",
        "unknown",
        area="Hallway",
        device_class="button",
        event_types=["pressed", "double_press", "long_press"],
    )
    scene_members = ["light.tv_backlight", *members, "light.living_room"]
    h.entity("scene.movie", "Movie", "unknown", entity_id=scene_members)
    bedtime_tap = [*members, "light.living_room", "light.tv_backlight"]
    h.group("living room light group", ["light.living_room", *members])
    h.group("scene.movie", ["scene.movie", *scene_members])
    h.group("bedtime tap: living room and TV backlight off", bedtime_tap)

    # The away week: everyone leaves on day 6 and comes back on day 12.
    away_from, away_to = (6, 12) if h.days >= 14 else (h.days + 1, h.days + 1)
    holidays = {h.day(i) for i in range(h.days)} & DE_HOLIDAYS

    def workday(i: int) -> bool:
        return h.weekday(i) < 5 and h.day(i) not in holidays and not away_from <= i <= away_to

    def all_away(i: int) -> bool:
        return away_from < i < away_to

    h.extra["away"] = (
        [h.iso(h.at(away_from, 9 * 60 + 30)), h.iso(h.at(away_to, 17 * 60))]
        if away_to < h.days
        else None
    )
    h.extra["holidays"] = sorted(d.isoformat() for d in holidays)

    # Restarts first: the off_after routine keeps clear of them (see below).
    h.restart(3, 3 * 60 + 12, 70)  # a nightly update
    h.restart(15, 18 * 60 + 47, 90)  # a crash during Ben's arrival window
    h.restart(22, 6 * 60 + 41, 50)  # in the kettle window

    kettle = h.routine(
        "weekday kettle", "time", [], [["switch.kettle", "on"]], ("06:20", "07:00"), WEEKDAYS, 0
    )
    toaster = h.routine(
        "weekday toaster", "time", [], [["switch.toaster", "on"]], ("06:30", "07:40"), WEEKDAYS, 0
    )
    sunsets = [h.local(h.sunset(i)) for i in range(h.days)]
    first_sunset = min(s.hour * 60 + s.minute for s in sunsets)
    last_sunset = max(s.hour * 60 + s.minute for s in sunsets)
    porch = h.routine(
        "sunset porch light",
        "sun",
        [["sun.sun", "below_horizon"]],
        [["light.porch", "on"]],
        (hm(first_sunset), hm(last_sunset)),
        ALL_DAYS,
        600,
        offset_min=10,
    )
    hall = h.routine(
        "hall button, then the hall light",
        "button",
        [["event.hall_button", "pressed"]],
        [["light.hall", "on"]],
        ("17:00", "21:00"),
        ALL_DAYS,
        4,
        note="trigger state is the event_type attribute of event.hall_button",
    )
    living = h.routine(
        "Ben home: living room lights",
        "event",
        [["person.ben", "home"], ["binary_sensor.front_door", "on"]],
        [["light.living_room", "on"]],
        ("18:30", "19:00"),
        WEEKDAYS,
        100,
        members=members,
    )
    movie = h.routine(
        "movie night scene",
        "event",
        [["media_player.tv", "playing"]],
        [["light.tv_backlight", "on"], ["light.living_room", "off"]],
        ("19:45", "20:45"),
        ["fri", "sat"],
        25,
        via_scene="scene.movie",
    )
    bath_on = h.routine(
        "bathroom light on entering",
        "event",
        [["binary_sensor.bathroom_motion", "on"]],
        [["light.bathroom", "on"]],
        ("00:00", "23:59"),
        ALL_DAYS,
        4,
    )
    bath_off = h.routine(
        "bathroom light off 5 min after it is empty",
        "off_after",
        [["binary_sensor.bathroom_motion", "off"]],
        [["light.bathroom", "off"]],
        ("00:00", "23:59"),
        ALL_DAYS,
        300,
        for_min=5,
    )
    stop = min(17, h.days - 1)
    fairy = h.routine(
        "Mia's fairy lights (stops)",
        "time",
        [],
        [["switch.fairy_lights", "on"]],
        ("19:20", "19:40"),
        ALL_DAYS,
        0,
        stopped_after=h.day(stop).isoformat(),
    )

    h.automation("garden lights at sunset, off at 23:00", ["light.garden"])
    h.automation("hallway night light on motion 23:00-06:00", ["light.hallway_night"])
    h.automation("hall light off after 10 min", ["light.hall"])
    h.automation("presence simulation while away", ["light.living_room", *members])
    h.automation("heating schedule", ["climate.living_room"])

    def arrive(us: float, people: list[str]) -> None:
        """Door, hallway, then maybe the button and the hall light."""
        for person in people:
            h.move(us, person, "home")
        door = us + h.rng.uniform(20, 60) * SECOND
        h.set(door, "binary_sensor.front_door", "on")
        h.set(door + h.rng.uniform(4, 12) * SECOND, "binary_sensor.front_door", "off")
        h.set(door + 3 * SECOND, "binary_sensor.hallway_motion", "on")
        h.set(door + 100 * SECOND, "binary_sensor.hallway_motion", "off")
        minute = h.local(int(door)).hour * 60 + h.local(int(door)).minute
        if 17 * 60 <= minute < 21 * 60 and h.rng.random() < 0.85:
            press = door + h.rng.uniform(3, 10) * SECOND
            h.press(press, "event.hall_button")
            light = press + h.rng.uniform(2, 6) * SECOND
            h.set(light, "light.hall", "on", tag=hall)
            h.set(light + 10 * MINUTE, "light.hall", "off", automation=True)
        if ben in people and workday(day_of(us)) and h.rng.random() < 0.8:
            h.light_group(
                door + h.rng.uniform(60, 150) * SECOND,
                "light.living_room",
                members,
                "on",
                tag=living,
            )

    def leave(us: float, people: list[str]) -> None:
        h.set(us, "binary_sensor.front_door", "on")
        h.set(us + h.rng.uniform(4, 12) * SECOND, "binary_sensor.front_door", "off")
        for person in people:
            h.move(us + h.rng.uniform(60, 180) * SECOND, person, "not_home")

    def day_of(us: float) -> int:
        return (h.local(int(us)).date() - h.start).days

    # Phase 1: who is where (routines below ask is_home).
    wake: dict[int, tuple[float, float]] = {}
    for i in range(h.days):
        if all_away(i):
            continue
        if i == away_from:
            leave(h.at(i, 9 * 60 + 30), [anna, ben, mia])
            wake[i] = (7 * 60 + 30, 9 * 60 + 30)
            continue
        if i == away_to:
            arrive(h.at(i, 17 * 60), [anna, ben, mia])
            wake[i] = (17 * 60, 23 * 60 + 30)
            continue
        if workday(i):
            leave(h.at(i, 7 * 60 + 45 + h.jitter(10)), [anna])
            leave(h.at(i, 8 * 60 + 20 + h.jitter(10)), [ben])
            leave(h.at(i, 7 * 60 + 35 + h.jitter(5)), [mia])
            arrive(h.at(i, 17 * 60 + 30 + h.jitter(20)), [anna])
            arrive(h.at(i, 18 * 60 + 45 + h.jitter(15)), [ben])
            school = 15 * 60 + 30 if h.weekday(i) == 2 else 13 * 60 + 45
            arrive(h.at(i, school + h.jitter(20)), [mia])
            wake[i] = (6 * 60 + 10, 23 * 60)
        else:  # weekends and holidays: lie-ins, outings, sometimes together
            together = h.rng.random() < 0.4
            outings = [[anna, ben, mia]] if together else [[p] for p in (anna, ben, mia)]
            for people in outings:
                if h.rng.random() < 0.6:
                    out = h.rng.uniform(10 * 60, 15 * 60)
                    leave(h.at(i, out), people)
                    arrive(h.at(i, out + h.rng.uniform(60, 240)), people)
            wake[i] = (7 * 60 + 30 + h.rng.uniform(0, 90), 23 * 60 + 45)

    # Phase 2: what happens at home.
    def home_now(us: float) -> bool:
        return h.anyone_home(us)

    def cat(us: float) -> bool:
        return not h.anyone_home(us)

    def night_light(us: int) -> None:
        minute = h.local(us).hour * 60 + h.local(us).minute
        if minute >= 23 * 60 or minute < 6 * 60:
            h.set(us + SECOND, "light.hallway_night", "on", automation=True)
            h.set(us + 2 * MINUTE, "light.hallway_night", "off", automation=True)

    chatty = {
        "binary_sensor.kitchen_motion": 3.0,
        "binary_sensor.hallway_motion": 4.0,
        "binary_sensor.living_room_motion": 2.5,
        "binary_sensor.bedroom_door_motion": 1.5,
    }
    at_home = [i for i in range(h.days) if not all_away(i)]
    coincidences = set(h.rng.sample(at_home, min(2, len(at_home))))
    for i in range(h.days):
        up, bed = wake.get(i, (0.0, 0.0))
        for sensor, rate in chatty.items():
            hook = night_light if sensor == "binary_sensor.hallway_motion" else None
            if up < bed:
                h.chatter(sensor, i, up, bed, rate, who=home_now, on_motion=hook)
            h.chatter(sensor, i, 0, 24 * 60, 0.25, who=cat, on_motion=hook)  # the cat
            h.chatter(sensor, i, 0, 6 * 60, 0.15, who=home_now, on_motion=hook)  # night walks
        # Automations, every day.
        sundown = h.sunset(i)
        h.set(sundown + SECOND, "light.garden", "on", automation=True)
        h.set(h.at(i, 23 * 60), "light.garden", "off", automation=True)
        h.set(
            h.at(i, (6 * 60) if workday(i) else 7 * 60 + 30),
            "climate.living_room",
            "heat",
            automation=True,
        )
        h.set(h.at(i, 22 * 60 + 30), "climate.living_room", "off", automation=True)
        if all_away(i):
            # Presence simulation, and the neighbour who feeds the cat.
            h.light_group(
                h.at(i, 19 * 60 + 30 + h.jitter(20)),
                "light.living_room",
                members,
                "on",
                automation=True,
            )
            h.light_group(
                h.at(i, 22 * 60 + 45 + h.jitter(20)),
                "light.living_room",
                members,
                "off",
                automation=True,
            )
            visit = h.at(i, 18 * 60 + h.jitter(30))
            h.set(visit, "binary_sensor.front_door", "on")
            h.set(visit + 8 * SECOND, "binary_sensor.front_door", "off")
            h.set(visit + 40 * SECOND, "light.kitchen", "on")
            h.set(visit + 9 * MINUTE, "light.kitchen", "off")
            h.set(visit + 10 * MINUTE, "binary_sensor.front_door", "on")
            h.set(visit + 10 * MINUTE + 6 * SECOND, "binary_sensor.front_door", "off")
            continue
        if up >= bed:
            continue
        work = workday(i)
        # Kettle and toaster: Anna's weekday breakfast. The devices switch themselves off.
        if work:
            boil = h.at(i, 6 * 60 + 40 + h.jitter(20))
            if h.rng.random() < 0.9 and h.is_home(anna, boil):
                h.set(boil, "switch.kettle", "on", tag=kettle)
                h.set(boil + 210 * SECOND, "switch.kettle", "off")
            toast = h.at(i, 7 * 60 + 5 + h.jitter(35))
            if h.rng.random() < 0.85 and home_now(toast):
                h.set(toast, "switch.toaster", "on", tag=toaster)
                h.set(toast + 150 * SECOND, "switch.toaster", "off")
        else:
            boil = h.at(i, up + h.rng.uniform(5, 120))
            if h.rng.random() < 0.7:
                h.set(boil, "switch.kettle", "on")
                h.set(boil + 210 * SECOND, "switch.kettle", "off")
            toast = h.at(i, h.rng.uniform(8 * 60, 12 * 60))
            if h.rng.random() < 0.5 and home_now(toast):
                h.set(toast, "switch.toaster", "on")
                h.set(toast + 150 * SECOND, "switch.toaster", "off")
        if h.rng.random() < 0.7:  # afternoon tea, any day
            tea = h.at(i, h.rng.uniform(14 * 60, 18 * 60))
            if home_now(tea):
                h.set(tea, "switch.kettle", "on")
                h.set(tea + 210 * SECOND, "switch.kettle", "off")
        # The porch light: sunset + 10 min, whoever is home.
        lit = h.sunset(i) + (10 + h.jitter(4)) * MINUTE
        if home_now(lit) and h.rng.random() < 0.9:
            h.set(lit, "light.porch", "on", tag=porch)
        h.set(h.at(i, h.rng.uniform(22 * 60, 24 * 60 + 30)), "light.porch", "off")
        # Mia's fairy lights until she loses interest.
        glow = h.at(i, 19 * 60 + 30 + h.jitter(10))
        if i <= stop and h.is_home(mia, glow) and h.rng.random() < 0.88:
            h.set(glow, "switch.fairy_lights", "on", tag=fairy)
        h.set(h.at(i, h.rng.uniform(20 * 60 + 30, 22 * 60 + 30)), "switch.fairy_lights", "off")
        # Movie night on Fridays and Saturdays, TV at random on other days.
        if h.weekday(i) in (4, 5) and h.rng.random() < 0.85:
            play = h.at(i, 20 * 60 + 15 + h.jitter(30))
            h.set(play, "media_player.tv", "playing")
            changes = [
                ("light.tv_backlight", "on"),
                *((m, "off") for m in members),
                ("light.living_room", "off"),
            ]
            h.scene(
                play + h.rng.uniform(10, 40) * SECOND,
                "scene.movie",
                changes,
                (movie, "light.tv_backlight"),
            )
            h.set(h.at(i, h.rng.uniform(22 * 60 + 15, 23 * 60 + 45)), "media_player.tv", "off")
        elif h.rng.random() < 0.5:
            h.set(h.at(i, h.rng.uniform(18 * 60, 21 * 60 + 30)), "media_player.tv", "playing")
            h.set(h.at(i, h.rng.uniform(21 * 60 + 30, 23 * 60 + 30)), "media_player.tv", "off")
        # Bedtime: one tap switches the living room and the backlight off (any time 22:00-00:15).
        bedtime = h.at(i, h.rng.uniform(22 * 60, 24 * 60 + 15))
        h.together(
            bedtime,
            [(m, "off") for m in members]
            + [("light.living_room", "off"), ("light.tv_backlight", "off")],
        )
        if not work and h.rng.random() < 0.6:  # weekend afternoons in the living room
            h.light_group(
                h.at(i, h.rng.uniform(15 * 60, 20 * 60)), "light.living_room", members, "on"
            )
        # Random lights: frequent, but at no particular time.
        for entity_id, count in (
            ("light.kitchen", 7),
            ("light.bedroom", 3),
            ("light.reading_lamp", 2),
        ):
            for _ in range(count):
                on = h.at(i, h.rng.uniform(up, bed))
                if home_now(on):
                    h.set(on, entity_id, "on")
                    h.set(on + h.rng.uniform(2, 40) * MINUTE, entity_id, "off")
        # The hall button, pressed by a child now and then with nothing following.
        if h.rng.random() < 0.3:
            h.press(
                h.at(i, h.rng.uniform(up, bed)),
                "event.hall_button",
                h.rng.choice(["pressed", "double_press"]),
            )
        # Bathroom visits: morning and evening for each resident, plus a few at random.
        visits = []
        for _resident in (anna, ben, mia):
            visits.append(up + h.rng.uniform(0, 40))
            visits.append(bed - h.rng.uniform(10, 60))
        visits += [h.rng.uniform(up, bed) for _ in range(h.rng.randint(2, 5))]
        free_from = 0.0
        for minute in sorted(visits):
            start = h.at(i, minute)
            if start < free_from or not home_now(start):
                continue
            free_from = _bathroom(h, start, bath_on, bath_off)
        # A one-off coincidence: the door, then the fan heater (twice in the month).
        if i in coincidences and home_now(h.at(i, 15 * 60 + 10)):
            door = h.at(i, 15 * 60 + 10)
            h.set(door, "binary_sensor.front_door", "on")
            h.set(door + 6 * SECOND, "binary_sensor.front_door", "off")
            h.set(door + 40 * SECOND, "switch.fan_heater", "on")
            h.set(door + 30 * MINUTE, "switch.fan_heater", "off")

    for name, actions, why in (
        ("kitchen light", [["light.kitchen", "on"], ["light.kitchen", "off"]], "random, ~7 a day"),
        ("bedroom light", [["light.bedroom", "on"], ["light.bedroom", "off"]], "random, ~3 a day"),
        ("reading lamp", [["light.reading_lamp", "on"]], "random, ~2 a day"),
        (
            "weekend and afternoon kettle",
            [["switch.kettle", "on"]],
            "after a lie-in or for tea: hours of spread",
        ),
        ("weekend toaster", [["switch.toaster", "on"]], "random 08:00-12:00, half the days"),
        (
            "kettle and toaster off",
            [["switch.kettle", "off"], ["switch.toaster", "off"]],
            "the devices switch themselves off",
        ),
        ("porch light off", [["light.porch", "off"]], "uniform 22:00-00:30"),
        (
            "bedtime tap",
            [["light.living_room", "off"], ["light.tv_backlight", "off"]],
            "uniform 22:00-00:15",
        ),
        ("fairy lights off", [["switch.fairy_lights", "off"]], "uniform 20:30-22:30"),
        (
            "TV on other days",
            [["media_player.tv", "playing"], ["media_player.tv", "off"]],
            "random evenings",
        ),
        ("weekend living room", [["light.living_room", "on"]], "random weekend afternoons"),
        (
            "button presses with nothing after",
            [["event.hall_button", "pressed"]],
            "a child playing",
        ),
        ("fan heater after the door", [["switch.fan_heater", "on"]], "coincidence, twice"),
        (
            "the neighbour feeds the cat",
            [["light.kitchen", "on"]],
            "a visitor while the family is away",
        ),
        ("garden lights", [["light.garden", "on"], ["light.garden", "off"]], "automation"),
        ("hallway night light", [["light.hallway_night", "on"]], "automation"),
        ("hall light off", [["light.hall", "off"]], "automation"),
        ("presence simulation", [["light.living_room", "on"]], "automation"),
        ("heating schedule", [["climate.living_room", "heat"]], "automation"),
        ("back after a restart", [], "restart"),
    ):
        h.distractor(name, actions, why)


def _bathroom(h: Home, start: int, light_on: str, light_off: str) -> int:
    """One bathroom visit; returns when the room is free for the next one.

    The occupancy sensor flickers during a visit (someone behind the shower
    curtain) and goes off ~90 s after the person left. Usually the light is
    left on and switched off 5 min after the room went quiet (the off_after
    routine); sometimes the person switches it off on the way out.
    """
    local = h.local(start)
    minute = local.hour * 60 + local.minute
    dark = minute < 8 * 60 or start > h.sunset((local.date() - h.start).days) - 30 * MINUTE
    length = h.rng.uniform(3, 12) * MINUTE
    h.set(start, "binary_sensor.bathroom_motion", "on")
    t = start
    for _ in range(h.rng.randint(0, 2)):
        t += int(h.rng.uniform(0.2, 0.4) * length)
        h.set(t, "binary_sensor.bathroom_motion", "off")
        t += int(h.rng.uniform(20, 50) * SECOND)
        h.set(t, "binary_sensor.bathroom_motion", "on")
    leave = max(t + 30 * SECOND, start + int(length))
    quiet = leave + 90 * SECOND
    h.set(quiet, "binary_sensor.bathroom_motion", "off")
    if h.rng.random() >= (0.9 if dark else 0.35):
        return quiet + MINUTE
    h.set(start + h.rng.uniform(2, 6) * SECOND, "light.bathroom", "on", tag=light_on)
    if h.rng.random() < 0.35 or h.near_restart(start, 15):
        h.set(leave - h.rng.uniform(2, 5) * SECOND, "light.bathroom", "off")
        return quiet + MINUTE
    off = quiet + 5 * MINUTE + int(h.jitter(30) * SECOND)
    h.set(off, "light.bathroom", "off", tag=light_off)
    return off + 2 * MINUTE


# --- single ---------------------------------------------------------------------


def _single(h: Home) -> None:
    sam = "person.sam"
    h.entity(sam, "Sam", "home")
    h.entity("sun.sun", "Sun", "below_horizon")
    h.entity("binary_sensor.front_door", "Front door", area="Entrance", device_class="door")
    h.entity(
        "binary_sensor.living_motion",
        "Living room motion",
        area="Living room",
        device_class="motion",
    )
    h.entity("lock.front_door", "Front door lock", "locked", area="Entrance")
    for entity_id, name, area in (
        ("light.hall", "Hall light", "Entrance"),
        ("light.bedroom", "Bedroom light", "Bedroom"),
        ("light.floor_lamp", "Floor lamp", "Living room"),
        ("light.desk", "Desk lamp", "Living room"),
        ("light.kitchen", "Kitchen light", "Kitchen"),
    ):
        h.entity(entity_id, name, area=area)
    h.entity("switch.coffee_machine", "Coffee machine", area="Kitchen")
    h.entity("media_player.tv", "TV", "off", area="Living room")
    h.entity(
        "cover.living_room_blinds",
        "Living room blinds",
        "closed",
        area="Living room",
        device_class="blind",
    )
    h.entity("climate.thermostat", "Thermostat", "off")

    h.restart(5, 4 * 60 + 10, 60)
    h.restart(16, 23 * 60 + 55, 80)  # inside the lights-out window

    lights_out = h.routine(
        "lights out at 23:58",
        "time",
        [],
        [["light.bedroom", "off"]],
        ("23:50", "00:06"),
        ALL_DAYS,
        0,
        note="circular time: about half the occurrences are after midnight",
    )
    night_out = h.routine(
        "home from a night out: hall light",
        "event",
        [
            ["binary_sensor.front_door", "on"],
            ["person.sam", "home"],
            ["lock.front_door", "unlocked"],
        ],
        [["light.hall", "on"]],
        ("23:50", "00:50"),
        ["fri", "sat", "sun"],
        30,
        nights=["fri", "sat"],
        note="the window crosses midnight; days are the trigger's calendar days",
    )
    coffee = h.routine(
        "weekday coffee",
        "time",
        [],
        [["switch.coffee_machine", "on"]],
        ("10:15", "10:45"),
        WEEKDAYS,
        0,
    )
    sunsets = [h.local(h.sunset(i)) for i in range(h.days)]
    lo = min(s.hour * 60 + s.minute for s in sunsets)
    hi = max(s.hour * 60 + s.minute for s in sunsets)
    blinds = h.routine(
        "blinds closed before sunset",
        "sun",
        [["sun.sun", "below_horizon"]],
        [["cover.living_room_blinds", "closed"]],
        (hm(lo), hm(hi)),
        ALL_DAYS,
        -900,
        offset_min=-15,
    )
    lamp = h.routine(
        "TV off, then the floor lamp off",
        "event",
        [["media_player.tv", "off"]],
        [["light.floor_lamp", "off"]],
        ("22:30", "23:45"),
        ALL_DAYS,
        12,
    )
    h.automation("lock the door at 01:30 and when Sam leaves", ["lock.front_door"])
    h.automation("thermostat schedule", ["climate.thermostat"])

    def arrive(us: float, tag: str | None) -> None:
        h.set(us - h.rng.uniform(5, 15) * SECOND, "lock.front_door", "unlocked")
        h.set(us, "binary_sensor.front_door", "on")
        h.set(us + h.rng.uniform(5, 10) * SECOND, "binary_sensor.front_door", "off")
        h.move(us + h.rng.uniform(-40, 40) * SECOND, sam, "home")  # GPS leads or lags the door
        if tag is not None and h.rng.random() < 0.9:
            light = us + h.rng.uniform(15, 45) * SECOND
            h.set(light, "light.hall", "on", tag=tag)
            h.set(light + h.rng.uniform(5, 30) * MINUTE, "light.hall", "off")

    def leave(us: float) -> None:
        h.set(us - 10 * SECOND, "lock.front_door", "unlocked")
        h.set(us, "binary_sensor.front_door", "on")
        h.set(us + 6 * SECOND, "binary_sensor.front_door", "off")
        gone = us + h.rng.uniform(60, 120) * SECOND
        h.move(gone, sam, "not_home")
        h.set(gone + 2 * MINUTE, "lock.front_door", "locked", automation=True)

    party = next((i for i in range(h.days) if i >= 10 and h.weekday(i) == 5), None)
    wake: dict[int, float] = {}
    nights_out: set[int] = set()
    for i in range(h.days):
        weekday = h.weekday(i)
        if weekday < 5:
            brew = 10 * 60 + 30 + h.jitter(15)
            wake[i] = brew - h.rng.uniform(5, 25)
            if h.rng.random() < 0.9:
                h.set(h.at(i, brew), "switch.coffee_machine", "on", tag=coffee)
                h.set(h.at(i, brew + 30), "switch.coffee_machine", "off")
        else:
            wake[i] = 11 * 60 + 30 + h.jitter(40)
            brew = wake[i] + h.rng.uniform(5, 30)
            h.set(h.at(i, brew), "switch.coffee_machine", "on")
            h.set(h.at(i, brew + 30), "switch.coffee_machine", "off")
        if h.rng.random() < 0.6:  # errands in the afternoon
            out = h.rng.uniform(14 * 60, 16 * 60 + 30)
            leave(h.at(i, out))
            arrive(h.at(i, out + h.rng.uniform(60, 120)), None)
        if weekday in (4, 5) and i != party and h.rng.random() < 0.8:
            nights_out.add(i)
            leave(h.at(i, 21 * 60 + 30 + h.jitter(30)))
            arrive(h.at(i, 24 * 60 + 20 + h.jitter(30)), night_out)

    for i in range(h.days):
        up = wake[i]
        h.chatter("binary_sensor.living_motion", i, up, 24 * 60, 0.6, who=h.anyone_home)
        h.set(h.at(i, 7 * 60), "climate.thermostat", "heat", automation=True)
        h.set(h.at(i, 23 * 60 + 30), "climate.thermostat", "off", automation=True)
        h.set(h.at(i, 25 * 60 + 30), "lock.front_door", "locked", automation=True)
        h.set(h.at(i, up + h.rng.uniform(10, 90)), "cover.living_room_blinds", "open")
        close = h.sunset(i) + (-15 + h.jitter(5)) * MINUTE
        if h.anyone_home(close) and h.rng.random() < 0.9:
            h.set(close, "cover.living_room_blinds", "closed", tag=blinds)
        for _ in range(h.rng.randint(3, 6) if h.weekday(i) < 5 else 1):
            on = h.at(i, h.rng.uniform(11 * 60, 19 * 60))
            if h.anyone_home(on):
                h.set(on, "light.desk", "on")
                h.set(on + h.rng.uniform(10, 90) * MINUTE, "light.desk", "off")
        for _ in range(2):
            on = h.at(i, h.rng.uniform(up, 23 * 60))
            if h.anyone_home(on):
                h.set(on, "light.kitchen", "on")
                h.set(on + h.rng.uniform(3, 25) * MINUTE, "light.kitchen", "off")
        if i == party:  # a one-off: every light on within a minute, friends over
            for k, entity_id in enumerate(
                ("light.hall", "light.kitchen", "light.floor_lamp", "light.desk", "light.bedroom")
            ):
                h.set(h.at(i, 20 * 60) + k * 12 * SECOND, entity_id, "on")
                h.set(h.at(i, 26 * 60) + k * 20 * SECOND, entity_id, "off")
            h.set(h.at(i, 20 * 60 + 5), "media_player.tv", "playing")
            h.set(h.at(i, 25 * 60 + 50), "media_player.tv", "off")
            continue
        if i in nights_out:
            back = h.at(i, 24 * 60 + 20)
            h.set(back + h.rng.uniform(10, 30) * MINUTE, "light.bedroom", "on")
            h.set(back + h.rng.uniform(40, 70) * MINUTE, "light.bedroom", "off")
            continue
        lamp_on = h.at(i, h.rng.uniform(18 * 60 + 30, 21 * 60))
        if h.anyone_home(lamp_on):
            h.set(lamp_on, "light.floor_lamp", "on")
        play = h.at(i, h.rng.uniform(19 * 60 + 30, 22 * 60))
        if h.anyone_home(play):
            h.set(play, "media_player.tv", "playing")
            tv_off = h.at(i, h.rng.uniform(22 * 60 + 30, 23 * 60 + 45))
            h.set(tv_off, "media_player.tv", "off")
            if h.rng.random() < 0.85:
                h.set(tv_off + h.rng.uniform(4, 20) * SECOND, "light.floor_lamp", "off", tag=lamp)
        h.set(h.at(i, 24 * 60 + 30), "light.floor_lamp", "off")  # forgotten: off before sleep
        h.set(h.at(i, h.rng.uniform(21 * 60 + 30, 23 * 60 + 30)), "light.bedroom", "on")
        if h.rng.random() < 0.92:
            h.set(h.at(i, 23 * 60 + 58 + h.jitter(8)), "light.bedroom", "off", tag=lights_out)

    for name, actions, why in (
        ("desk lamp", [["light.desk", "on"], ["light.desk", "off"]], "random, 3-6 a weekday"),
        ("kitchen light", [["light.kitchen", "on"]], "random, twice a day"),
        ("weekend coffee", [["switch.coffee_machine", "on"]], "after a lie-in of +-40 min"),
        ("coffee machine off", [["switch.coffee_machine", "off"]], "the machine switches off"),
        ("blinds open", [["cover.living_room_blinds", "open"]], "10-90 min after waking"),
        ("bedroom light on", [["light.bedroom", "on"]], "uniform 21:30-23:30"),
        ("floor lamp on", [["light.floor_lamp", "on"]], "uniform 18:30-21:00"),
        (
            "floor lamp off at 00:30",
            [["light.floor_lamp", "off"]],
            "a no-op on most nights (already off)",
        ),
        (
            "the keypad unlock",
            [["lock.front_door", "unlocked"]],
            "comes before the door opens: a cause, not an effect",
        ),
        (
            "the party",
            [["light.hall", "on"], ["light.kitchen", "on"], ["light.desk", "on"]],
            "a one-off",
        ),
        ("door lock", [["lock.front_door", "locked"]], "automation"),
        (
            "thermostat",
            [["climate.thermostat", "heat"], ["climate.thermostat", "off"]],
            "automation",
        ),
        ("back after a restart", [], "restart"),
    ):
        h.distractor(name, actions, why)


# --- shift ----------------------------------------------------------------------


def _shift(h: Home) -> None:
    kai = "person.kai"
    h.entity(kai, "Kai", "home")
    h.entity("sun.sun", "Sun", "below_horizon")
    h.entity("binary_sensor.front_door", "Front door", area="Hallway", device_class="door")
    h.entity(
        "binary_sensor.hallway_motion", "Hallway motion", area="Hallway", device_class="motion"
    )
    h.entity(
        "binary_sensor.kitchen_motion", "Kitchen motion", area="Kitchen", device_class="motion"
    )
    h.entity("lock.front_door", "Front door lock", "locked", area="Hallway")
    for entity_id, name, area in (
        ("light.hall", "Hall light", "Hallway"),
        ("light.kitchen", "Kitchen light", "Kitchen"),
        ("light.living_room", "Living room light", "Living room"),
        ("light.bedroom", "Bedroom light", "Bedroom"),
        ("light.guest_room", "Guest room light", "Guest room"),
        ("light.porch", "Porch light", "Outside"),
    ):
        h.entity(entity_id, name, area=area)
    h.entity("switch.coffee_machine", "Coffee machine", area="Kitchen")
    h.entity("switch.fan", "Kitchen fan", area="Kitchen")
    h.entity("media_player.radio", "Radio", "off", area="Kitchen")
    h.entity(
        "cover.bedroom_blinds", "Bedroom blinds", "closed", area="Bedroom", device_class="blind"
    )
    h.entity("climate.guest_room", "Guest room heating", "off", area="Guest room")
    h.entity("input_boolean.guest_mode", "Guest mode", "off")
    h.entity("input_select.house_mode", "House mode", "Night", options=["Home", "Away", "Night"])

    h.restart(1, 3 * 60 + 5, 60)
    h.restart(7, 4 * 60 + 41, 90)  # in the early-shift coffee window
    h.restart(20, 3 * 60 + 30, 60)  # the DST night (2026-03-29 with the default start)

    week_off = set(range(21, 26))
    guests = [(4, 6), (18, 20)]  # Friday to Sunday, twice
    h.extra["week_off"] = [h.day(i).isoformat() for i in sorted(week_off) if i < h.days]

    def shift(i: int) -> str:
        if i in week_off or h.weekday(i) >= 5:
            return "off"
        return "early" if h.weekday(i) in (0, 2, 4) else "late"

    early_days, late_days = ["mon", "wed", "fri"], ["tue", "thu"]
    kitchen = h.routine(
        "early shift: kitchen light",
        "time",
        [],
        [["light.kitchen", "on"]],
        ("04:20", "04:42"),
        early_days,
        0,
    )
    early_coffee = h.routine(
        "early shift: coffee",
        "time",
        [],
        [["switch.coffee_machine", "on"]],
        ("04:29", "04:57"),
        early_days,
        0,
    )
    late_coffee = h.routine(
        "late shift: coffee",
        "time",
        [],
        [["switch.coffee_machine", "on"]],
        ("09:40", "10:20"),
        late_days,
        0,
    )
    night = h.routine(
        "night mode: living room off, blinds closed",
        "event",
        [["input_select.house_mode", "Night"]],
        [["light.living_room", "off"], ["cover.bedroom_blinds", "closed"]],
        ("20:45", "00:15"),
        ALL_DAYS,
        25,
    )
    lock = h.routine(
        "home from a late shift: lock the door",
        "event",
        [
            ["person.kai", "home"],
            ["binary_sensor.front_door", "off"],
            ["lock.front_door", "unlocked"],
        ],
        [["lock.front_door", "locked"]],
        ("22:25", "22:55"),
        late_days,
        60,
    )
    heat = h.routine(
        "guest mode on: heat the guest room",
        "event",
        [["input_boolean.guest_mode", "on"]],
        [["climate.guest_room", "heat"]],
        ("18:00", "19:00"),
        ["fri"],
        120,
    )
    cool = h.routine(
        "guest mode off: guest room heating off",
        "event",
        [["input_boolean.guest_mode", "off"]],
        [["climate.guest_room", "off"]],
        ("14:00", "16:00"),
        ["sun"],
        120,
    )
    h.automation("porch light at sunset, off at 23:30", ["light.porch"])
    h.automation("lock at 23:00 and when Kai leaves", ["lock.front_door"])

    def leave(us: float) -> None:
        h.set(us - h.rng.uniform(20, 60) * SECOND, "input_select.house_mode", "Away")
        h.set(us - 10 * SECOND, "lock.front_door", "unlocked")
        h.set(us, "binary_sensor.front_door", "on")
        h.set(us + 6 * SECOND, "binary_sensor.front_door", "off")
        gone = us + h.rng.uniform(60, 120) * SECOND
        h.move(gone, kai, "not_home")
        h.set(gone + 2 * MINUTE, "lock.front_door", "locked", automation=True)

    def arrive(us: float, locks: bool) -> None:
        h.move(us - h.rng.uniform(0, 60) * SECOND, kai, "home")
        h.set(us - h.rng.uniform(5, 15) * SECOND, "lock.front_door", "unlocked")
        h.set(us, "binary_sensor.front_door", "on")
        shut = us + h.rng.uniform(5, 10) * SECOND
        h.set(shut, "binary_sensor.front_door", "off")
        h.set(us + 3 * SECOND, "binary_sensor.hallway_motion", "on")
        h.set(us + 90 * SECOND, "binary_sensor.hallway_motion", "off")
        h.set(us + h.rng.uniform(30, 120) * SECOND, "input_select.house_mode", "Home")
        if locks:  # home at night from a late shift: lock up, then the living room
            if h.rng.random() < 0.9:
                h.set(shut + h.rng.uniform(20, 90) * SECOND, "lock.front_door", "locked", tag=lock)
            h.set(shut + h.rng.uniform(2, 5) * MINUTE, "light.living_room", "on")

    awake: dict[int, tuple[float, float]] = {}
    for i in range(h.days):
        kind, following = shift(i), shift(i + 1)
        bedtime = {"early": 21 * 60, "late": 22 * 60 + 30}.get(following, 23 * 60 + 45)
        if kind == "late":
            bedtime = max(bedtime, 23 * 60 + 30)  # home at 22:40 first
        bedtime += h.jitter(30 if following == "off" else 15)
        if kind == "early":
            up = 4 * 60 + 30 + h.jitter(10)
            leave(h.at(i, 5 * 60 + 20 + h.jitter(5)))
            arrive(h.at(i, 14 * 60 + 15 + h.jitter(20)), False)
        elif kind == "late":
            up = 9 * 60 + 20 + h.jitter(20)
            leave(h.at(i, 13 * 60 + 15 + h.jitter(10)))
            arrive(h.at(i, 22 * 60 + 40 + h.jitter(15)), True)
        else:
            up = 9 * 60 + 30 + h.jitter(60)
            if h.rng.random() < 0.5:
                out = h.rng.uniform(13 * 60, 17 * 60)
                leave(h.at(i, out))
                arrive(h.at(i, out + h.rng.uniform(60, 240)), False)
        awake[i] = (up, bedtime)

    home_now = h.anyone_home
    for i in range(h.days):
        up, bedtime = awake[i]
        kind = shift(i)
        guest = any(a <= i <= b for a, b in guests)
        boost = 1.8 if guest else 1.0
        h.chatter("binary_sensor.hallway_motion", i, up, bedtime, 2.0 * boost, who=home_now)
        h.chatter("binary_sensor.kitchen_motion", i, up, bedtime, 2.5 * boost, who=home_now)
        h.set(h.sunset(i) + SECOND, "light.porch", "on", automation=True)
        h.set(h.at(i, 23 * 60 + 30), "light.porch", "off", automation=True)
        h.set(h.at(i, 23 * 60), "lock.front_door", "locked", automation=True)
        # Morning: mode Home, then the shift's own routine.
        h.set(h.at(i, up), "input_select.house_mode", "Home")
        h.set(h.at(i, up + h.rng.uniform(10, 40)), "cover.bedroom_blinds", "open")
        if kind == "early":
            light = up + h.rng.uniform(0, 2)
            if h.rng.random() < 0.9:
                h.set(h.at(i, light), "light.kitchen", "on", tag=kitchen)
            if h.rng.random() < 0.9:
                h.set(
                    h.at(i, light + h.rng.uniform(9, 15)),
                    "switch.coffee_machine",
                    "on",
                    tag=early_coffee,
                )
            h.set(h.at(i, 5 * 60 + 15), "light.kitchen", "off")
        elif kind == "late":
            if h.rng.random() < 0.9:
                h.set(
                    h.at(i, 10 * 60 + h.jitter(20)), "switch.coffee_machine", "on", tag=late_coffee
                )
        else:
            h.set(h.at(i, up + h.rng.uniform(5, 60)), "switch.coffee_machine", "on")
        h.set(h.at(i, up + 120), "switch.coffee_machine", "off")
        if h.rng.random() < 0.5:
            radio = h.at(i, up + h.rng.uniform(0, 60))
            h.set(radio, "media_player.radio", "playing")
            h.set(radio + h.rng.uniform(10, 50) * MINUTE, "media_player.radio", "off")
        # Evening: the living room on some time around dusk while home.
        dusk = h.sunset(i) + h.rng.uniform(-30, 60) * MINUTE
        if home_now(dusk):
            h.set(dusk, "light.living_room", "on")
        # Bedtime: mode Night, then the living room off and the blinds closed.
        sleep = h.at(i, bedtime)
        if home_now(sleep):
            h.set(sleep, "input_select.house_mode", "Night")
            if h.rng.random() < 0.9:
                off = sleep + h.rng.uniform(15, 40) * SECOND
                h.set(off, "light.living_room", "off", tag=night)
                h.set(off + h.rng.uniform(20, 60) * SECOND, "cover.bedroom_blinds", "closed")
        for _ in range(3):
            on = h.at(i, h.rng.uniform(up, bedtime))
            if home_now(on):
                h.set(on, "light.bedroom", "on")
                h.set(on + h.rng.uniform(2, 30) * MINUTE, "light.bedroom", "off")
        if h.rng.random() < 0.15:  # a rare coincidence: kitchen motion, then the fan
            cook = h.at(i, h.rng.uniform(17 * 60, 20 * 60))
            if home_now(cook):
                h.set(cook, "binary_sensor.kitchen_motion", "on")
                h.set(cook + 30 * SECOND, "switch.fan", "on")
                h.set(cook + 20 * MINUTE, "switch.fan", "off")
        # Guests: guest mode on Friday evening, off Sunday afternoon; they add random activity.
        for first, last in guests:
            if i == first:
                on = h.at(i, 18 * 60 + 30 + h.jitter(30))
                h.set(on, "input_boolean.guest_mode", "on")
                h.set(on + h.rng.uniform(60, 180) * SECOND, "climate.guest_room", "heat", tag=heat)
            if i == last:
                off = h.at(i, 15 * 60 + h.jitter(60))
                h.set(off, "input_boolean.guest_mode", "off")
                h.set(off + h.rng.uniform(60, 180) * SECOND, "climate.guest_room", "off", tag=cool)
        if guest:
            for _ in range(5):
                on = h.at(i, h.rng.uniform(8 * 60, 23 * 60))
                h.set(on, "light.guest_room", "on")
                h.set(on + h.rng.uniform(5, 60) * MINUTE, "light.guest_room", "off")
            brew = h.at(i, h.rng.uniform(8 * 60, 16 * 60))
            h.set(brew, "switch.coffee_machine", "on")
            h.set(brew + 30 * MINUTE, "switch.coffee_machine", "off")

    for name, actions, why in (
        ("coffee on days off", [["switch.coffee_machine", "on"]], "after a lie-in of +-60 min"),
        (
            "guests' coffee and lights",
            [["switch.coffee_machine", "on"], ["light.guest_room", "on"]],
            "random, guests",
        ),
        ("blinds open", [["cover.bedroom_blinds", "open"]], "10-40 min after waking, any shift"),
        (
            "house mode Home",
            [["input_select.house_mode", "Home"]],
            "on waking and on coming home: its time follows the shift",
        ),
        ("living room on around dusk", [["light.living_room", "on"]], "sunset -30..+60 min"),
        ("bedroom light", [["light.bedroom", "on"]], "random, 3 a day"),
        ("radio", [["media_player.radio", "playing"]], "half the mornings, random"),
        ("kitchen fan after motion", [["switch.fan", "on"]], "coincidence, rare"),
        (
            "kitchen light off at 05:15",
            [["light.kitchen", "off"]],
            "when Kai leaves on early days; a weak companion of the routine",
        ),
        ("porch light", [["light.porch", "on"], ["light.porch", "off"]], "automation"),
        ("door lock at 23:00 and on leaving", [["lock.front_door", "locked"]], "automation"),
        ("back after a restart", [], "restart"),
    ):
        h.distractor(name, actions, why)


@dataclass(frozen=True)
class Profile:
    """A household: where it is, when it starts, and how to fill it."""

    build: Callable[[Home], None]
    tz: str
    latitude: float
    longitude: float
    start: date


PROFILES: dict[str, Profile] = {
    "family": Profile(_family, "Europe/Berlin", 52.52, 13.405, date(2026, 3, 9)),
    "single": Profile(_single, "America/New_York", 40.7128, -74.006, date(2026, 2, 23)),
    "shift": Profile(_shift, "Europe/Berlin", 52.52, 13.405, date(2026, 3, 9)),
}


def simulate_home(
    profile: str, days: int = 28, seed: int = 1, start: date | None = None
) -> tuple[list[str], dict[str, Any]]:
    """Return (history JSON Lines, labels) of a simulated home."""
    spec = PROFILES[profile]
    if days < 1:
        raise ValueError("days must be at least 1")
    home = Home(
        profile, ZoneInfo(spec.tz), spec.latitude, spec.longitude, start or spec.start, days, seed
    )
    spec.build(home)
    home.add_sun()  # last, so that no profile can disturb it
    return home.history()


def main(argv: list[str] | None = None) -> int:
    """Write DIR/history.jsonl and DIR/labels.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), required=True)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    lines, labels = simulate_home(args.profile, args.days, args.seed, args.start)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "history.jsonl").write_text("".join(line + "\n" for line in lines), "utf-8")
    (args.out / "labels.json").write_text(json.dumps(labels, indent=2) + "\n", "utf-8")
    found = sum(len(r["occurrences"]) for r in labels["routines"])
    print(
        f"{args.profile}: {len(lines)} rows, {len(labels['routines'])} routines, "
        f"{found} occurrences -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
