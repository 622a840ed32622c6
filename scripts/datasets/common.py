"""Shared parts of the dataset converters: HA state records, sun, presence, labels.

A converter parses its dataset into `Firing`s (one sensor activation: start..end),
annotated `Span`s (activity, start, end) and absences, then calls `write_home`.
Times are timezone-aware local datetimes. Plain Python plus `astral`; no HA imports.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
import hashlib
import json
import math
from pathlib import Path
import re
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from astral import LocationInfo
from astral.sun import sunrise, sunset

ACTUATOR_DOMAINS = frozenset(
    {
        "light",
        "switch",
        "fan",
        "cover",
        "lock",
        "media_player",
        "climate",
        "input_boolean",
        "input_select",
        "scene",
        "valve",
        "humidifier",
    }
)
# Entities whose changes may explain (trigger) a routine's first action.
TRIGGER_DOMAINS = frozenset({"binary_sensor", "person"})
PERSON = "person.resident"
SUN = "sun.sun"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Label derivation parameters (README, "How labels are derived").
MIN_DAY_SHARE = 0.4  # an activity cluster / routine must happen on >= 40 % of the days
CLUSTER_MIN = 60  # time-of-day cluster: within +-60 min (circular) of its centre
TRIGGER_LOOKBACK_S = 120  # a trigger is a sensor change at most 120 s before the action
TRIGGER_SHARE = 0.75  # ... seen before >= 75 % of the occurrences
GROUP_WINDOW_S = 1.0  # firings of one declared group within 1 s share a context id

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True, slots=True)
class Entity:
    """A Home Assistant entity a dataset sensor becomes."""

    entity_id: str
    name: str
    device_class: str | None = None
    area: str | None = None

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Firing:
    """One activation of a sensor: "on" at start, "off" at end.

    Firings with the same non-empty `group` that start (or end) within 1 s of
    each other are one physical action and share the context id.
    """

    entity: Entity
    start: datetime
    end: datetime
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """One annotated activity."""

    activity: str
    start: datetime
    end: datetime


@dataclass(slots=True)
class Home:
    """Everything a converter hands to `write_home`."""

    name: str
    tz: ZoneInfo
    latitude: float
    longitude: float
    firings: list[Firing]
    spans: list[Span]
    # (leave, return) pairs; return None = still away at the end of the data.
    absences: list[tuple[datetime, datetime | None]] = field(default_factory=list)


def slug(text: str) -> str:
    """HA-style object id: lower case, runs of other characters become one '_'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Read a naive wall-clock time as local time in `tz` (fold=0 at DST changes)."""
    return naive.replace(tzinfo=tz)


def merge_firings(firings: Iterable[Firing]) -> list[Firing]:
    """One entity cannot be on twice: merge its overlapping or touching firings.

    A firing whose end is not after its start lasts 1 s (its "off" follows its "on").
    """
    by_entity: dict[str, list[Firing]] = defaultdict(list)
    for firing in firings:
        end = firing.end if firing.end > firing.start else firing.start + timedelta(seconds=1)
        by_entity[firing.entity.entity_id].append(
            Firing(firing.entity, firing.start, end, firing.group)
        )
    merged: list[Firing] = []
    for items in by_entity.values():
        items.sort(key=lambda f: f.start)
        current = items[0]
        for firing in items[1:]:
            if firing.start <= current.end:
                if firing.end > current.end:
                    current = Firing(current.entity, current.start, firing.end, current.group)
            else:
                merged.append(current)
                current = firing
        merged.append(current)
    merged.sort(key=lambda f: (f.start, f.entity.entity_id))
    return merged


class ContextIds:
    """ULID-like ids (26 Crockford base-32 characters): time in ms + 80 hashed bits.

    Deterministic for one home, so a rerun writes the same file; never repeats.
    """

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._count = 0
        self._seen: set[str] = set()

    def new(self, when: datetime) -> str:
        self._count += 1
        digest = hashlib.sha256(f"{self._seed}:{self._count}".encode()).digest()
        value = (int(when.timestamp() * 1000) << 80) | int.from_bytes(digest[:10], "big")
        text = "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))
        if text in self._seen:  # pragma: no cover - 80 random bits
            raise RuntimeError("context id collision")
        self._seen.add(text)
        return text


def state_record(entity: Entity, state: str, when: datetime, context_id: str) -> dict[str, Any]:
    """A person's state change as HA's State.as_dict() (plus the optional area)."""
    stamp = when.isoformat()
    record: dict[str, Any] = {
        "entity_id": entity.entity_id,
        "state": state,
        "attributes": {"friendly_name": entity.name, "device_class": entity.device_class},
        "last_changed": stamp,
        "last_updated": stamp,
        "context": {"id": context_id, "parent_id": None, "user_id": None},
    }
    if entity.area:
        record["area"] = entity.area
    return record


SUN_ENTITY = Entity(SUN, "Sun")
PERSON_ENTITY = Entity(PERSON, "Resident")


def sun_changes(
    latitude: float, longitude: float, tz: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, str]]:
    """sun.sun's state at `start`, then every sunrise/sunset until `end` (astral)."""
    observer = LocationInfo("home", "", str(tz), latitude, longitude).observer
    events: list[tuple[datetime, str]] = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date() + timedelta(days=1):
        for when, state in (
            (sunrise(observer, day, tzinfo=tz), "above_horizon"),
            (sunset(observer, day, tzinfo=tz), "below_horizon"),
        ):
            events.append((when.replace(microsecond=0), state))
        day += timedelta(days=1)
    events.sort()
    before = [state for when, state in events if when <= start]
    changes = [(start, before[-1] if before else "below_horizon")]
    changes += [(when, state) for when, state in events if start < when <= end]
    return changes


def build_history(home: Home) -> list[dict[str, Any]]:
    """All state records of the home, sorted by time."""
    firings = merge_firings(home.firings)
    if not firings:
        raise ValueError("no sensor firings")
    ids = ContextIds(home.name)
    start = min([firings[0].start, *(span.start for span in home.spans)])
    end = max([f.end for f in firings] + [span.end for span in home.spans])
    rows: list[tuple[datetime, int, Entity, str, str]] = []  # time, order, entity, state, ctx
    order = 0

    def add(when: datetime, entity: Entity, state: str, context_id: str) -> None:
        nonlocal order
        order += 1
        rows.append((when, order, entity, state, context_id))

    for when, state in sun_changes(home.latitude, home.longitude, home.tz, start, end):
        add(when, SUN_ENTITY, state, ids.new(when))
    add(start, PERSON_ENTITY, "home", ids.new(start))
    for leave, back in sorted(home.absences, key=lambda a: a[0]):
        add(leave, PERSON_ENTITY, "not_home", ids.new(leave))
        if back is not None:
            add(back, PERSON_ENTITY, "home", ids.new(back))
    # Edges ("on" at start, "off" at end); a declared group's edges within 1 s share one id.
    edges = [(f.start, "on", f) for f in firings] + [(f.end, "off", f) for f in firings]
    edges.sort(key=lambda e: (e[0], e[2].entity.entity_id))
    last_group_edge: dict[tuple[str, str], tuple[datetime, str]] = {}
    for when, state, firing in edges:
        context_id = None
        if firing.group:
            seen = last_group_edge.get((firing.group, state))
            if seen and (when - seen[0]).total_seconds() <= GROUP_WINDOW_S:
                context_id = seen[1]
        if context_id is None:
            context_id = ids.new(when)
        if firing.group:
            last_group_edge[firing.group, state] = (when, context_id)
        add(when, firing.entity, state, context_id)
    rows.sort(key=lambda r: (r[0], r[1]))
    return [state_record(entity, state, when, ctx) for when, _, entity, state, ctx in rows]


# ----------------------------------------------------------------------------- labels


def _minute(when: datetime) -> float:
    return when.hour * 60 + when.minute + when.second / 60


def _circ(a: float, b: float) -> float:
    """Signed circular difference a - b in minutes, in [-720, 720)."""
    return (a - b + 720) % 1440 - 720


def _hhmm(minute: float, up: bool = False) -> str:
    """HH:MM of a minute of the day, rounded down (or up), so a window holds its times."""
    exact = round(minute, 6)
    whole = (math.ceil(exact) if up else math.floor(exact)) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _window(times: Sequence[datetime]) -> list[str]:
    """[earliest, latest] time of day of `times`, read around their first time (circular)."""
    ref = _minute(times[0])
    # Centre on the circular mean of the offsets from the first time.
    offsets = [_circ(_minute(t), ref) for t in times]
    centre = ref + sum(offsets) / len(offsets)
    offsets = [_circ(_minute(t), centre) for t in times]
    return [_hhmm(centre + min(offsets)), _hhmm(centre + max(offsets), up=True)]


@dataclass(frozen=True, slots=True)
class _Change:
    when: datetime
    entity_id: str
    state: str


def _changes(history: Iterable[dict[str, Any]], domains: frozenset[str]) -> list[_Change]:
    out = []
    for record in history:
        if record["entity_id"].split(".", 1)[0] in domains and not record["context"]["parent_id"]:
            out.append(
                _Change(
                    datetime.fromisoformat(record["last_changed"]),
                    record["entity_id"],
                    record["state"],
                )
            )
    return out


def time_clusters(spans: Sequence[Span], min_days: float) -> list[list[Span]]:
    """Split one activity's spans into time-of-day clusters that cover >= min_days days.

    Repeatedly: the span whose +-60 min (circular, by start time) neighbourhood holds
    spans on the most distinct days (then the most spans, then the earliest time) is a
    centre; its neighbourhood is a cluster and is taken out. Stops when the best
    neighbourhood covers fewer than `min_days` days.
    """
    remaining = sorted(spans, key=lambda s: s.start)
    clusters = []
    while remaining:

        def around(centre: Span, pool: Sequence[Span]) -> list[Span]:
            return [
                s
                for s in pool
                if abs(_circ(_minute(s.start), _minute(centre.start))) <= CLUSTER_MIN
            ]

        def score(centre: Span, pool: Sequence[Span]) -> tuple[int, int, float]:
            near = around(centre, pool)
            return (len({s.start.date() for s in near}), len(near), -_minute(centre.start))

        best = max(remaining, key=lambda c: score(c, remaining))
        cluster = around(best, remaining)
        if len({s.start.date() for s in cluster}) < min_days:
            break
        clusters.append(cluster)
        remaining = [s for s in remaining if s not in cluster]
    return clusters


def _routine(
    activity: str,
    cluster: Sequence[Span],
    actions: Sequence[_Change],
    sensors: Sequence[_Change],
    names: dict[str, str],
    min_days: float,
) -> dict[str, Any] | None:
    # First time each (entity, state) is set by the person inside each span.
    per_span: list[dict[tuple[str, str], datetime]] = []
    for span in cluster:
        firsts: dict[tuple[str, str], datetime] = {}
        for change in actions:
            if span.start <= change.when <= span.end:
                firsts.setdefault((change.entity_id, change.state), change.when)
        per_span.append(firsts)
    counts = Counter(pair for firsts in per_span for pair in firsts)
    chosen = [pair for pair, n in counts.items() if n > len(cluster) / 2]
    if not chosen:
        return None

    def typical_offset(pair: tuple[str, str]) -> float:
        return median(
            (firsts[pair] - span.start).total_seconds()
            for span, firsts in zip(cluster, per_span, strict=True)
            if pair in firsts
        )

    chosen.sort(key=lambda pair: (typical_offset(pair), pair))
    first = chosen[0]
    occurrences = sorted(firsts[first] for firsts in per_span if first in firsts)
    if len({t.date() for t in occurrences}) < min_days:
        return None
    # A sensor change seen within 120 s before most occurrences makes it an event routine.
    before: list[dict[tuple[str, str], datetime]] = []
    for when in occurrences:
        last: dict[tuple[str, str], datetime] = {}
        for change in sensors:
            if 0 < (when - change.when).total_seconds() <= TRIGGER_LOOKBACK_S:
                last[change.entity_id, change.state] = change.when
        before.append(last)
    seen = Counter(pair for last in before for pair in last)
    triggers = sorted(
        (pair for pair, n in seen.items() if n >= TRIGGER_SHARE * len(occurrences)),
        key=lambda pair: (-seen[pair], pair),
    )
    if triggers:
        trigger_times = []
        delays = []
        for when, last in zip(occurrences, before, strict=True):
            hits = [last[pair] for pair in triggers if pair in last]
            if hits:
                trigger_times.append(max(hits))
                delays.append((when - max(hits)).total_seconds())
        kind, window, delay = "event", _window(trigger_times), round(median(delays))
    else:
        kind, window, delay = "time", _window(occurrences), 0
    weekdays = {t.weekday() for t in occurrences}
    action_text = ", ".join(f"{names.get(e, e)} {s}" for e, s in chosen)
    return {
        "name": f"{activity} ({window[0]}-{window[1]}): {action_text}",
        "kind": kind,
        "triggers": [list(pair) for pair in triggers],
        "actions": [list(pair) for pair in chosen],
        "window": window,
        "days": [WEEKDAYS[d] for d in sorted(weekdays)],
        "delay_s": delay,
        "occurrences": [t.isoformat() for t in occurrences],
    }


def derive_labels(home: Home, history: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Recurring routines from the annotations (README, "How labels are derived")."""
    names = {r["entity_id"]: r["attributes"]["friendly_name"] for r in history}
    actions = _changes(history, ACTUATOR_DOMAINS)
    sensors = _changes(history, TRIGGER_DOMAINS)
    days = sorted({f.start.astimezone(home.tz).date() for f in home.firings})
    min_days = MIN_DAY_SHARE * len(days)
    routines = []
    by_activity: dict[str, list[Span]] = defaultdict(list)
    for span in home.spans:
        by_activity[span.activity].append(span)
    for activity in sorted(by_activity):
        for cluster in time_clusters(by_activity[activity], min_days):
            routine = _routine(activity, cluster, actions, sensors, names, min_days)
            if routine:
                routines.append(routine)
    first = datetime.fromisoformat(history[0]["last_changed"]).date()
    last = datetime.fromisoformat(history[-1]["last_changed"]).date()
    return {
        "home": home.name,
        "tz": str(home.tz),
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "routines": routines,
    }


# ----------------------------------------------------------------------------- output


def summary(home: Home, history: Sequence[dict[str, Any]], labels: dict[str, Any]) -> str:
    """Human-readable figures: days, entities by kind, records, routines."""
    days: set[date] = {f.start.astimezone(home.tz).date() for f in home.firings}
    kinds: Counter[str] = Counter()
    seen: set[str] = set()
    for record in history:
        if record["entity_id"] not in seen:
            seen.add(record["entity_id"])
            domain = record["entity_id"].split(".", 1)[0]
            dc = record["attributes"].get("device_class")
            kinds[f"{domain}/{dc}" if dc else domain] += 1
    lines = [
        f"home {home.name}: {labels['first_day']} .. {labels['last_day']}, "
        f"{len(days)} days with sensor data, {len(history)} records, {len(seen)} entities",
        "entities: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        f"routines: {len(labels['routines'])}",
    ]
    for r in labels["routines"]:
        lines.append(
            f"  - {r['name']} [{r['kind']}] days={','.join(r['days'])} "
            f"window={r['window'][0]}-{r['window'][1]} occurrences={len(r['occurrences'])}"
            + (f" triggers={r['triggers']} delay_s={r['delay_s']}" if r["triggers"] else "")
        )
    return "\n".join(lines)


def absences(spans: Iterable[Span], leaving: str) -> list[tuple[datetime, datetime | None]]:
    """The resident's absences: the spans annotated with the leaving activity."""
    return [(s.start, s.end) for s in spans if s.activity == leaving]


def tl_table(path: Path, fields: int = 2) -> list[list[str]]:
    """The tab-separated rows of one file in the agnesvanbelle/TL layout."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="latin-1").splitlines(), 1):
        if line.strip():
            row = line.rstrip("\r\n").split("\t")
            if len(row) < fields:
                raise ValueError(f"{path.name} line {number}: {fields} tab-separated fields needed")
            rows.append(row)
    return rows


def tl_time(seconds: int, tz: ZoneInfo) -> datetime:
    """TL's seconds are local wall-clock time counted as if it were UTC (README)."""
    naive = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    return localize(naive, tz)


def tl_rows(path: Path, tz: ZoneInfo) -> list[tuple[datetime, datetime, str]]:
    """(start, end, id) of each row of a TL .sensors or .activities file."""
    rows = []
    for row in tl_table(path, fields=3):
        try:
            start, length = tl_time(int(row[0]), tz), int(row[1])
        except ValueError as err:
            raise ValueError(f"{path.name}: not a start and a length in seconds: {row}") from err
        rows.append((start, start + timedelta(seconds=length), row[2].strip()))
    return rows


def convert(
    argv: list[str] | None,
    description: str,
    load: Callable[[Path, str], Home],
    house: str,
    houses: Sequence[str] | None = None,
    raw_help: str = "folder with the dataset's .txt",
) -> int:
    """Run a converter's command line: --raw DIR --out DIR [--house X]."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--raw", required=True, type=Path, help=raw_help)
    parser.add_argument("--out", required=True, type=Path, help="folder for history/labels")
    parser.add_argument("--house", choices=houses, default=house, help=f"default {house}")
    args = parser.parse_args(argv)
    print(write_home(load(args.raw, args.house), args.out))
    return 0


def write_home(home: Home, out: Path) -> str:
    """Write history.jsonl and labels.json into `out`; return the summary."""
    history = build_history(home)
    labels = derive_labels(home, history)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "history.jsonl").open("w", encoding="utf-8") as handle:
        for record in history:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    (out / "labels.json").write_text(
        json.dumps(labels, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary(home, history, labels)
