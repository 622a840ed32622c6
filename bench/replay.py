"""Replay Home Assistant automation configs over a recorded state history.

Plain Python (no Home Assistant): the history is the JSON Lines of
`State.as_dict()` that scripts/learn reads, and an automation is the config
dict `compile_automation` writes (or the broader forms of
.develop/spec/evaluation.md). For every firing of an automation each action
step is scored against what the person really did:

- RIGHT: the person (parent_id null, not a restart) set the step's entity to
  the step's target state within [firing, due + max(120 s, 0.5 * (due - firing))];
  a clock's or the sun's routine declares (variable aisthos_window_s) how long
  after its moment the person's own time comes, and is judged within that span
  (at most two hours: a routine "at a time" is no wider);
- NO-OP: not right, and the entity already was in the target state at the due time
  (or the person's change was in the very context of the triggering change: one tap
  switching a group and its member is one action, the automation adds nothing);
- SKIPPED: the step's entity was unavailable when the step ran. HA's
  entity_service_call leaves unavailable entities out, so the step did
  nothing in the home: neither right nor wrong, counted on its own (and
  `firing_precision_skipped_as_wrong` gives the stricter reading);
- WRONG: anything else.

`firing_precision_every_step` counts no-op and skipped steps as not right too:
how a count of "runs, and runs the person's own action followed" reads them.

Person changes are real state changes (not attribute-only updates, not the first
record of an entity) with no parent context, where neither the old nor the new
state is unavailable/unknown (a restart writes those, then the real state again).

Times are POSIX seconds; local times (time triggers and conditions) come from
the zone given to `History`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
import json
import re
from typing import Any, Final

UNAVAILABLE: Final = frozenset({"unavailable", "unknown"})
ACTUATOR_DOMAINS: Final = frozenset(
    {"light", "switch", "fan", "cover", "lock", "media_player", "climate", "input_boolean",
     "input_select", "scene", "valve", "humidifier"}
)  # fmt: skip
WEEKDAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOLERANCE_S: Final = 120.0
DECLARED_MAX_S: Final = 7200.0
OCCURRENCE_S: Final = 120.0
COVERED_SHARE: Final = 0.5
# A routine is recurring when it happened on this many days at least (once a
# week over four weeks); rarer ones, and routines that stopped, are listed
# but not counted among the routines to cover.
RECURRING_DAYS: Final = 4
# The AisthOS gate switch of a skill: on while the skill is enabled, taken as always on.
_GATE_SWITCH: Final = re.compile(r"^switch\..*_skill_.*$")
_DURATION: Final = re.compile(r"^([+-])?(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$")


class HistoryError(ValueError):
    """A history or labels file is not in the expected format."""


class UnsupportedError(ValueError):
    """Part of an automation config this replay does not model."""


# ---------------------------------------------------------------- history


@dataclass(frozen=True, slots=True)
class Record:
    """One state record of the history."""

    entity_id: str
    state: str
    time: float
    attributes: Mapping[str, Any]
    context_id: str | None
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class PersonChange:
    """A state change the person made (no parent context, not a restart)."""

    index: int  # position in History.person_changes
    entity_id: str
    old_state: str
    state: str
    time: float
    context_id: str | None

    @property
    def domain(self) -> str:
        """Return the entity's domain."""
        return self.entity_id.split(".", 1)[0]


def _parse_line(line_no: int, raw: Any) -> Record:
    def fail(why: str) -> HistoryError:
        return HistoryError(f"line {line_no}: {why}")

    if not isinstance(raw, dict):
        raise fail("expected a JSON object")
    entity_id = raw.get("entity_id")
    if not isinstance(entity_id, str) or "." not in entity_id:
        raise fail(f"bad entity_id {entity_id!r}")
    state = raw.get("state")
    if not isinstance(state, str):
        raise fail("state must be a string")
    when = raw.get("last_updated") or raw.get("last_changed")
    if not isinstance(when, str):
        raise fail("last_updated must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        raise fail(f"last_updated {when!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise fail("last_updated needs a UTC offset")
    attributes = raw.get("attributes") or {}
    context = raw.get("context") or {}
    if not isinstance(attributes, dict) or not isinstance(context, dict):
        raise fail("attributes and context must be objects")
    context_id = context.get("id")
    parent_id = context.get("parent_id")
    return Record(
        entity_id,
        state,
        moment.timestamp(),
        attributes,
        context_id if isinstance(context_id, str) else None,
        parent_id if isinstance(parent_id, str) else None,
    )


def read_history(lines: Iterable[str]) -> list[Record]:
    """Parse JSON Lines of `State.as_dict()` (blank lines skipped), sorted by time."""
    records = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as err:
            raise HistoryError(f"line {line_no}: not JSON ({err.msg})") from None
        records.append(_parse_line(line_no, raw))
    records.sort(key=lambda r: r.time)  # stable: equal times keep the file's order
    return records


class Timeline:
    """One entity's records, in time order, searchable by time."""

    __slots__ = ("attributes", "contexts", "next_change", "states", "times")

    def __init__(self, records: Sequence[Record]) -> None:
        """Index the records of one entity (already in time order)."""
        self.times = [r.time for r in records]
        self.states = [r.state for r in records]
        self.attributes = [r.attributes for r in records]
        self.contexts = [r.context_id for r in records]
        # next_change[i]: index of the first later record with another state (len if none)
        count = len(records)
        self.next_change = [count] * count
        for i in range(count - 2, -1, -1):
            same = self.states[i + 1] == self.states[i]
            self.next_change[i] = self.next_change[i + 1] if same else i + 1

    def index_at(self, when: float) -> int:
        """Return the index of the record in force at `when` (-1 before the first)."""
        return bisect_right(self.times, when) - 1

    def state_at(self, when: float) -> str | None:
        """Return the state at `when` (a record at exactly `when` counts)."""
        i = self.index_at(when)
        return self.states[i] if i >= 0 else None


class History:
    """A history indexed for replay: per entity, person changes, people at home, the sun."""

    def __init__(self, records: Sequence[Record], tz: tzinfo) -> None:
        """Index `records` (sorted by time, as read_history returns them)."""
        self.tz = tz
        self.record_count = len(records)
        self.start = records[0].time if records else 0.0
        self.end = records[-1].time if records else 0.0
        by_entity: dict[str, list[Record]] = {}
        for record in records:
            by_entity.setdefault(record.entity_id, []).append(record)
        self.timelines = {entity: Timeline(rows) for entity, rows in by_entity.items()}
        self.person_changes: list[PersonChange] = []
        self.automation_changes = 0
        self.restart_records = 0
        previous: dict[str, str] = {}
        people: dict[str, str] = {}
        self._home_times: list[float] = []
        self._home_counts: list[int] = []
        self.sunrises: list[float] = []
        self.sunsets: list[float] = []
        for record in records:
            old = previous.get(record.entity_id)
            previous[record.entity_id] = record.state
            if record.entity_id.startswith("person."):
                people[record.entity_id] = record.state
                self._home_times.append(record.time)
                self._home_counts.append(sum(1 for s in people.values() if s == "home"))
            if old is None or old == record.state:
                continue  # an entity appearing, or an attribute-only update
            if record.entity_id == "sun.sun":
                if (old, record.state) == ("above_horizon", "below_horizon"):
                    self.sunsets.append(record.time)
                elif (old, record.state) == ("below_horizon", "above_horizon"):
                    self.sunrises.append(record.time)
            if record.state in UNAVAILABLE or old in UNAVAILABLE:
                self.restart_records += 1
                continue
            if record.parent_id is not None:
                self.automation_changes += 1
                continue
            self.person_changes.append(
                PersonChange(
                    len(self.person_changes),
                    record.entity_id,
                    old,
                    record.state,
                    record.time,
                    record.context_id,
                )
            )
        self._person_by_entity: dict[str, tuple[list[float], list[PersonChange]]] = {}
        for change in self.person_changes:
            times, changes = self._person_by_entity.setdefault(change.entity_id, ([], []))
            times.append(change.time)
            changes.append(change)

    def local(self, when: float) -> datetime:
        """Return `when` as a local time."""
        return datetime.fromtimestamp(when, self.tz)

    def state_at(self, entity_id: str, when: float) -> str | None:
        """Return the entity's state at `when`, None before its first record."""
        timeline = self.timelines.get(entity_id)
        return timeline.state_at(when) if timeline else None

    def attribute_at(self, entity_id: str, attribute: str, when: float) -> Any:
        """Return an attribute of the entity at `when` (None if unknown)."""
        timeline = self.timelines.get(entity_id)
        if timeline is None:
            return None
        i = timeline.index_at(when)
        return timeline.attributes[i].get(attribute) if i >= 0 else None

    def people_home(self, when: float) -> int:
        """Return how many person.* entities are "home" at `when` (zone.home's state)."""
        i = bisect_right(self._home_times, when) - 1
        return self._home_counts[i] if i >= 0 else 0

    def person_changes_between(
        self, entity_id: str, start: float, end: float
    ) -> list[PersonChange]:
        """Return the person's changes of one entity within [start, end]."""
        found = self._person_by_entity.get(entity_id)
        if found is None:
            return []
        times, changes = found
        return changes[bisect_left(times, start) : bisect_right(times, end)]

    def local_days(self) -> list[date]:
        """Return every local date the history touches."""
        if self.record_count == 0:
            return []
        first, last = self.local(self.start).date(), self.local(self.end).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# ---------------------------------------------------------------- parsing helpers


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _opt_states(value: Any) -> frozenset[str] | None:
    """Return the states of a to/from field (None: not given, matches anything)."""
    if value is None:
        return None
    return frozenset(str(v) for v in _as_list(value))


def duration_s(value: Any) -> float:
    """Return seconds of a HA duration: {"hours", ...}, "[+-]HH:MM[:SS]" or a number."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        raise UnsupportedError(f"bad duration {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        units = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "milliseconds": 0.001}
        unknown = set(value) - set(units)
        if unknown:
            raise UnsupportedError(f"bad duration keys {sorted(unknown)}")
        return float(sum(float(value[k]) * units[k] for k in value))
    if isinstance(value, str):
        text = value.strip()
        match = _DURATION.fullmatch(text)
        if match:
            sign, hours, minutes, seconds = match.groups()
            total = int(hours) * 3600 + int(minutes) * 60 + float(seconds or 0)
            return -total if sign == "-" else total
        try:
            return float(text)
        except ValueError:
            pass
    raise UnsupportedError(f"bad duration {value!r}")


def time_of_day_s(value: Any) -> float:
    """Return seconds after midnight of "HH:MM[:SS]"."""
    if not isinstance(value, str) or not _DURATION.fullmatch(value.strip()) or "-" in value:
        raise UnsupportedError(f"bad time of day {value!r}")
    seconds = duration_s(value)
    if not 0 <= seconds < 86400:
        raise UnsupportedError(f"bad time of day {value!r}")
    return seconds


def _seconds_of_day(moment: datetime) -> float:
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def _kind(config: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        if isinstance(config.get(key), str):
            return str(config[key])
    raise UnsupportedError(f"no {keys[0]} type in {dict(config)!r}")


def _section(automation: Mapping[str, Any], new: str, old: str) -> list[Any]:
    value = automation.get(new, automation.get(old))
    return _as_list(value)


# ---------------------------------------------------------------- triggers


# When a trigger fired, and the context of the change that fired it (None: a timer).
Moment = tuple[float, str | None]


def _state_trigger(config: Mapping[str, Any], history: History) -> list[Moment]:
    to = _opt_states(config.get("to"))
    from_ = _opt_states(config.get("from"))
    not_to = _opt_states(config.get("not_to")) or frozenset()
    not_from = _opt_states(config.get("not_from")) or frozenset()
    attribute = config.get("attribute")
    hold = duration_s(config.get("for"))
    plain = to is None and from_ is None and not config.get("not_to") and not config.get("not_from")
    times: list[Moment] = []
    for entity_id in _as_list(config.get("entity_id")):
        timeline = history.timelines.get(str(entity_id))
        if timeline is None:
            continue
        values: list[Any] = (
            timeline.states
            if attribute is None
            else [a.get(attribute) for a in timeline.attributes]
        )
        for i in range(1, len(values)):
            old, new = values[i - 1], values[i]
            if old == new:
                continue  # HA: a state trigger with a to/from ignores attribute-only updates
            if plain and {timeline.states[i], timeline.states[i - 1]} & UNAVAILABLE:
                continue  # "every new event": not an entity going away and coming back
            if to is not None and str(new) not in to:
                continue
            if from_ is not None and str(old) not in from_:
                continue
            if str(new) in not_to or str(old) in not_from:
                continue
            when, context = timeline.times[i], timeline.contexts[i]
            if hold > 0:
                due = when + hold
                end = len(values)
                later = (
                    timeline.next_change[i]
                    if attribute is None
                    else next((j for j in range(i + 1, end) if values[j] != new), end)
                )
                if later < end and timeline.times[later] < due:
                    continue  # changed before the hold was over
                if due > history.end:
                    continue  # the history ends before we could know
                when, context = due, None  # the person had time to act on their own
            times.append((when, context))
    return times


def _time_trigger(config: Mapping[str, Any], history: History) -> list[Moment]:
    times: list[Moment] = []
    ats = [time_of_day_s(at) for at in _as_list(config.get("at"))]
    if not ats:
        raise UnsupportedError("time trigger without at")
    for day in history.local_days():
        for at in ats:
            whole = int(at)
            wall = datetime(day.year, day.month, day.day, tzinfo=history.tz) + timedelta(
                hours=whole // 3600, minutes=whole % 3600 // 60, seconds=whole % 60 + at - whole
            )
            when = wall.timestamp()
            # A wall time the DST switch skips does not exist: HA does not fire that day.
            if history.local(when).replace(tzinfo=None) != wall.replace(tzinfo=None):
                continue
            if history.start <= when <= history.end:
                times.append((when, None))
    return times


def _sun_trigger(config: Mapping[str, Any], history: History) -> list[Moment]:
    event = config.get("event")
    if event not in ("sunrise", "sunset"):
        raise UnsupportedError(f"sun trigger event {event!r}")
    offset = duration_s(config.get("offset"))
    base = history.sunsets if event == "sunset" else history.sunrises
    return [(t + offset, None) for t in base if history.start <= t + offset <= history.end]


_TRIGGERS: Final[dict[str, Callable[[Mapping[str, Any], History], list[Moment]]]] = {
    "state": _state_trigger,
    "time": _time_trigger,
    "sun": _sun_trigger,
}


def trigger_times(config: Mapping[str, Any], history: History) -> list[Moment]:
    """Return every time one trigger fires over the history, with the change's context."""
    kind = _kind(config, "trigger", "platform")
    if kind not in _TRIGGERS:
        raise UnsupportedError(f"trigger {kind!r}")
    return _TRIGGERS[kind](config, history)


# ---------------------------------------------------------------- conditions

Condition = Callable[[float], bool]


def _time_condition(config: Mapping[str, Any], history: History) -> Condition:
    after = time_of_day_s(config["after"]) if config.get("after") is not None else None
    before = time_of_day_s(config["before"]) if config.get("before") is not None else None
    days = _as_list(config.get("weekday"))
    unknown = {str(d) for d in days} - set(WEEKDAY_NAMES)
    if unknown:
        raise UnsupportedError(f"weekday {sorted(unknown)}")
    weekdays = frozenset(WEEKDAY_NAMES.index(str(d)) for d in days)

    def check(when: float) -> bool:
        local = history.local(when)
        now = _seconds_of_day(local)
        # HA: after <= now < before; after > before spans midnight.
        if after is not None and before is not None:
            inside = after <= now < before if after < before else not before <= now < after
        elif after is not None:
            inside = now >= after
        elif before is not None:
            inside = now < before
        else:
            inside = True
        # HA checks the weekday of the moment itself, also after midnight.
        return inside and (not weekdays or local.weekday() in weekdays)

    return check


def _numeric_state_condition(config: Mapping[str, Any], history: History) -> Condition:
    entities = [str(e) for e in _as_list(config.get("entity_id"))]
    if not entities or "value_template" in config or "attribute" in config:
        raise UnsupportedError("numeric_state condition beyond entity above/below")
    above = config.get("above")
    below = config.get("below")

    def value(entity_id: str, when: float) -> float | None:
        if entity_id == "zone.home":
            return float(history.people_home(when))
        state = history.state_at(entity_id, when)
        try:
            return float(state) if state is not None else None
        except ValueError:
            return None

    def check(when: float) -> bool:
        for entity_id in entities:
            number = value(entity_id, when)
            if number is None:
                return False
            if above is not None and not number > float(above):
                return False
            if below is not None and not number < float(below):
                return False
        return True

    return check


def _state_condition(config: Mapping[str, Any], history: History) -> Condition:
    entities = [str(e) for e in _as_list(config.get("entity_id"))]
    wanted = frozenset(str(s) for s in _as_list(config.get("state")))
    attribute = config.get("attribute")
    hold = duration_s(config.get("for"))
    if not entities or not wanted:
        raise UnsupportedError("state condition without entity_id and state")
    entities = [e for e in entities if not _GATE_SWITCH.fullmatch(e)]  # AisthOS gate: on

    def holds(entity_id: str, when: float) -> bool:
        if attribute is not None:
            return str(history.attribute_at(entity_id, str(attribute), when)) in wanted
        timeline = history.timelines.get(entity_id)
        if timeline is None:
            return False
        i = timeline.index_at(when)
        if i < 0 or timeline.states[i] not in wanted:
            return False
        if hold > 0:  # in a wanted state since at least `hold` ago
            j = i
            while j > 0 and timeline.states[j - 1] in wanted:
                j -= 1
            return when - timeline.times[j] >= hold
        return True

    return lambda when: all(holds(e, when) for e in entities)


def compile_condition(config: Any, history: History) -> Condition:
    """Return a check of one condition at a given time."""
    if not isinstance(config, Mapping):
        raise UnsupportedError(f"condition {config!r}")
    kind = _kind(config, "condition")
    if kind == "time":
        return _time_condition(config, history)
    if kind == "numeric_state":
        return _numeric_state_condition(config, history)
    if kind == "state":
        return _state_condition(config, history)
    if kind in ("and", "or", "not"):
        parts = [compile_condition(c, history) for c in _as_list(config.get("conditions"))]
        if kind == "and":
            return lambda when: all(p(when) for p in parts)
        if kind == "or":
            return lambda when: any(p(when) for p in parts)
        return lambda when: not any(p(when) for p in parts)
    raise UnsupportedError(f"condition {kind!r}")


# ---------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class Target:
    """What state an action sets: a fixed state, any of a set, or a new activation."""

    label: str
    states: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()  # "anything but": e.g. a media player turned on
    activation: bool = False  # scenes, buttons: every activation is a new state
    toggle: bool = False

    def accepts(self, state: str) -> bool:
        """Return whether the entity being in `state` is what the action sets."""
        if self.activation:
            return True
        if self.exclude:
            return state not in self.exclude and state not in UNAVAILABLE
        return state in self.states


def _exact(state: str) -> Target:
    return Target(state, frozenset({state}))


_OFF_LIKE: Final = frozenset({"off", "standby"})
_SERVICES: Final[dict[str, Target]] = {
    "turn_on": _exact("on"),
    "turn_off": _exact("off"),
    "open_cover": _exact("open"),
    "close_cover": _exact("closed"),
    "open_valve": _exact("open"),
    "close_valve": _exact("closed"),
    "lock": _exact("locked"),
    "unlock": _exact("unlocked"),
    "open": _exact("open"),
    "media_play": _exact("playing"),
    "media_pause": _exact("paused"),
    "media_stop": Target("stopped", exclude=frozenset({"playing", "paused", "buffering"})),
    "start": _exact("cleaning"),
    "return_to_base": Target("docked", frozenset({"docked", "returning"})),
    "pause": _exact("paused"),
    "toggle": Target("toggle", toggle=True),
}
# Domains whose "on" is whatever is not off (a media player turned on may be idle).
_ON_ANY: Final = frozenset({"media_player", "climate", "vacuum", "water_heater"})
_ACTIVATED: Final = frozenset({"scene", "input_button", "button", "script"})


def action_target(domain: str, service: str, data: Mapping[str, Any]) -> Target:
    """Return the state `domain.service` sets (UnsupportedError if unknown)."""
    if domain in _ACTIVATED and service in ("turn_on", "press"):
        return Target("activated", activation=True)
    if service == "turn_on" and domain in _ON_ANY:
        return Target("on", exclude=_OFF_LIKE)
    if service == "set_hvac_mode" and "hvac_mode" in data:
        return _exact(str(data["hvac_mode"]))
    if service == "select_option" and "option" in data:
        return _exact(str(data["option"]))
    if service == "set_value" and "value" in data:
        return _exact(str(data["value"]))
    if service in _SERVICES:
        return _SERVICES[service]
    raise UnsupportedError(f"service {domain}.{service}")


@dataclass(frozen=True, slots=True)
class Step:
    """One scored action: an entity and the state it should reach, after a delay."""

    index: int  # position in the automation's actions
    entity_id: str
    service: str
    target: Target | None  # None: a service we cannot score
    offset: float  # seconds after the firing (the delays before it)


def compile_actions(actions: Sequence[Any]) -> tuple[list[Step], float, list[str]]:
    """Return the scored steps, the run's total length and what could not be scored."""
    steps: list[Step] = []
    notes: list[str] = []
    offset = 0.0
    for index, action in enumerate(actions):
        if not isinstance(action, Mapping):
            raise UnsupportedError(f"action {action!r}")
        if "delay" in action:
            offset += max(0.0, duration_s(action["delay"]))
            continue
        service = action.get("action", action.get("service"))
        if not isinstance(service, str) or "." not in service:
            raise UnsupportedError(f"action step {dict(action)!r}")
        domain, name = service.split(".", 1)
        data: Mapping[str, Any] = action.get("data") or {}
        target: Mapping[str, Any] = action.get("target") or {}
        entities = _as_list(target.get("entity_id", data.get("entity_id", action.get("entity_id"))))
        if not entities:
            notes.append(f"step {index} {service}: no entity_id")
            continue
        try:
            wanted: Target | None = action_target(domain, name, data)
        except UnsupportedError as err:
            notes.append(f"step {index}: {err} is not scored")
            wanted = None
        steps.extend(Step(index, str(e), service, wanted, offset) for e in entities)
    return steps, offset, notes


# ---------------------------------------------------------------- replay


@dataclass(slots=True)
class StepResult:
    """How one action step of one firing went."""

    step: Step
    due: float
    outcome: str  # "right" | "wrong" | "noop" | "skipped" | "unscored" | "cancelled"
    target: str = ""  # the state it set (for a toggle: the one at the due time, flipped)
    matched: list[PersonChange] = field(default_factory=list)  # the person's changes it got right


@dataclass(slots=True)
class Firing:
    """One run of the automation: trigger fired while the conditions held."""

    time: float
    steps: list[StepResult]


@dataclass(slots=True)
class Replay:
    """What one automation did over the history."""

    triggered: int = 0  # trigger events
    blocked: int = 0  # conditions false
    dropped: int = 0  # conditions true, but mode single and still running
    firings: list[Firing] = field(default_factory=list)
    unsupported: str | None = None  # set: not replayed at all
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """Return how many action steps of all firings had this outcome."""
        return sum(1 for f in self.firings for s in f.steps if s.outcome == outcome)

    @property
    def precision(self) -> float | None:
        """Return right / (right + wrong), None without either."""
        right, wrong = self.count("right"), self.count("wrong")
        return right / (right + wrong) if right + wrong else None


_FLIP: Final = {"on": "off", "off": "on", "open": "closed", "closed": "open",
                "locked": "unlocked", "unlocked": "locked", "playing": "paused",
                "paused": "playing"}  # fmt: skip


def _score(
    step: Step, fired: float, context: str | None, history: History, declared_s: float = 0.0
) -> StepResult:
    due = fired + step.offset
    wanted = step.target
    if wanted is None:
        return StepResult(step, due, "unscored")
    state = history.state_at(step.entity_id, due)
    # HA calls no entity that is unavailable (entity_service_call filters on
    # `available`): the step does nothing at all. "unknown" is available.
    if state == "unavailable":
        return StepResult(step, due, "skipped")
    if wanted.toggle:
        if state not in _FLIP:
            return StepResult(step, due, "unscored")
        wanted = _exact(_FLIP[state])
    # A clock's or the sun's routine says how long after its moment the
    # person's own time comes (at most DECLARED_MAX_S): judged within that.
    end = due + max(TOLERANCE_S, 0.5 * (due - fired), min(declared_s, DECLARED_MAX_S))
    changes = [
        c
        for c in history.person_changes_between(step.entity_id, fired, end)
        if wanted.accepts(c.state)
    ]
    # Found done already when it acts (by the person before its delay ended,
    # or long before): the automation adds nothing, whatever follows.
    if not wanted.activation and state is not None and wanted.accepts(state):
        return StepResult(step, due, "noop", wanted.label)
    # A change in the trigger's own context is the same action of the person's (one tap, a
    # group, a scene): the automation adds nothing to it.
    matched = [c for c in changes if context is None or c.context_id != context]
    if matched:
        return StepResult(step, due, "right", wanted.label, matched)
    if changes:
        return StepResult(step, due, "noop", wanted.label)
    return StepResult(step, due, "wrong", wanted.label)


def replay(automation: Mapping[str, Any], history: History) -> Replay:
    """Replay one automation config over the history (HA's semantics, see the module)."""
    result = Replay()
    triggers = _section(automation, "triggers", "trigger")
    if not triggers:
        result.unsupported = "no triggers"
        return result
    try:
        conditions = [
            compile_condition(c, history) for c in _section(automation, "conditions", "condition")
        ]
        steps, length, result.notes = compile_actions(_section(automation, "actions", "action"))
        times = sorted(
            (m for trig in triggers for m in trigger_times(trig, history)), key=lambda m: m[0]
        )
    except (UnsupportedError, KeyError, TypeError, ValueError) as err:
        result.unsupported = str(err) if isinstance(err, UnsupportedError) else repr(err)
        return result
    mode = automation.get("mode", "single")
    if mode not in ("single", "parallel", "restart", "queued"):
        result.unsupported = f"mode {mode!r}"
        return result
    result.triggered = len(times)
    variables = automation.get("variables")
    declared = 0.0
    if isinstance(variables, Mapping) and isinstance(
        variables.get("aisthos_window_s"), (int, float)
    ):
        declared = float(variables["aisthos_window_s"])
    busy_until: float | None = None  # the current run's end (mode single/queued/restart)
    for when, context in times:
        if not all(check(when) for check in conditions):
            result.blocked += 1
            continue
        start = when
        if busy_until is not None and when <= busy_until:
            if mode == "single":
                result.dropped += 1
                continue
            if mode == "queued":
                start = busy_until
            elif mode == "restart":
                for step in result.firings[-1].steps:
                    if step.due > when:
                        step.outcome = "cancelled"
        scored = [_score(s, start, context, history, declared) for s in steps]
        result.firings.append(Firing(start, scored))
        busy_until = start + length
    return result


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class Routine:
    """A labelled routine of the home (ground truth)."""

    name: str
    kind: str
    actions: tuple[tuple[str, str], ...]
    occurrences: tuple[float, ...]
    stopped_after: str | None = None  # the household stopped doing it after this day
    window: tuple[int, int] | None = None  # minutes of the day (may wrap midnight)
    days: tuple[str, ...] = ()
    offset_min: int | None = None  # a sun routine's offset from sunset or sunrise
    delay_s: float = 0.0  # an event routine's typical trigger -> action delay


def read_labels(text: str) -> list[Routine]:
    """Parse a labels file (.develop/spec/evaluation.md) into its routines."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise HistoryError(f"labels: not JSON ({err.msg})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("routines"), list):
        raise HistoryError('labels: expected an object with a "routines" list')
    routines = []
    for number, item in enumerate(raw["routines"], start=1):
        try:
            actions = tuple((str(e), str(s)) for e, s in item["actions"])
            occurrences = tuple(
                datetime.fromisoformat(str(o)).timestamp() for o in item.get("occurrences", [])
            )
            kind = str(item.get("kind", ""))
            stopped = item.get("stopped_after")
            stopped_after = str(stopped) if stopped is not None else None
            window = item.get("window")
            offset = item.get("offset_min")
            routines.append(
                Routine(
                    str(item["name"]), kind, actions, occurrences, stopped_after,
                    (_minute_of(window[0]), _minute_of(window[1])) if window else None,
                    tuple(str(d) for d in item.get("days", ())),
                    int(offset) if offset is not None else None,
                    float(item.get("delay_s") or 0.0),
                )
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as err:
            raise HistoryError(f"labels: routine {number}: {err!r}") from None
    return routines


def _minute_of(hhmm: object) -> int:
    hours, minutes = str(hhmm).split(":")[:2]
    return (int(hours) * 60 + int(minutes)) % 1440


@dataclass(frozen=True, slots=True)
class Proposed:
    """A proposed skill to replay."""

    name: str
    confidence: float
    automation: Mapping[str, Any]
    id: str = ""


def _routine_shares(
    routine: Routine, skills: Sequence[Proposed], replays: Sequence[Replay]
) -> list[dict[str, Any]]:
    """Return, per skill, the best share of the routine's occurrences it got right (one action)."""
    out = []
    for skill, result in zip(skills, replays, strict=True):
        best: dict[str, Any] = {"share": 0.0, "matched": 0, "skill": None, "action": None}
        for entity_id, state in routine.actions:
            spans = sorted(
                (f.time - OCCURRENCE_S, max(c.time for c in s.matched) + OCCURRENCE_S)
                for f in result.firings
                for s in f.steps
                if s.outcome == "right"
                and s.step.entity_id == entity_id
                and s.step.target is not None
                and any(c.state == state or s.step.target.activation for c in s.matched)
            )
            if not spans:
                continue
            starts = [a for a, _ in spans]
            matched = 0
            for occurrence in routine.occurrences:
                i = bisect_right(starts, occurrence)
                if any(spans[j][1] >= occurrence for j in range(i)):
                    matched += 1
            share = matched / len(routine.occurrences)
            if share > best["share"]:
                best = {"share": share, "matched": matched, "skill": skill.name,
                        "action": [entity_id, state]}  # fmt: skip
        out.append(best)
    return out


ALL_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A learned sun routine's offset is right within this many minutes of the label's.
SUN_OFFSET_SLACK_MIN: Final = 20
# A learned window is right when it holds this share of the routine's occurrences.
WINDOW_HELD: Final = 0.8


def _timing(automation: Mapping[str, Any]) -> tuple[set[str], tuple[int, int] | None, int | None]:
    """Return a compiled skill's weekdays, its window (minutes) and a sun trigger's offset."""
    days, window = set(ALL_DAYS), None
    for condition in automation.get("conditions") or ():
        if isinstance(condition, Mapping) and condition.get("condition") == "time":
            if condition.get("weekday"):
                days = {str(d) for d in condition["weekday"]}
            if condition.get("after") and condition.get("before"):
                window = (_minute_of(condition["after"]), _minute_of(condition["before"]))
    trigger = (automation.get("triggers") or [{}])[0]
    offset = None
    if trigger.get("trigger") == "sun":
        text = str(trigger.get("offset", "0:00:00"))
        sign = -1 if text.startswith("-") else 1
        hours, minutes = text.lstrip("+-").split(":")[:2]
        offset, window = sign * (int(hours) * 60 + int(minutes)), None
    elif trigger.get("trigger") == "time":
        start = _minute_of(trigger.get("at", "00:00"))
        span = (automation.get("variables") or {}).get("aisthos_window_s", 60)
        window = (start, (start + max(1, round(float(span) / 60)) - 1) % 1440)
    return days, window, offset


def _delay_s(automation: Mapping[str, Any]) -> float:
    """Return how long a compiled skill waits in all before its last action."""
    total = 0.0
    for step in automation.get("actions") or ():
        delay = step.get("delay") if isinstance(step, Mapping) else None
        if isinstance(delay, Mapping):
            total += float(delay.get("seconds", 0)) + 60 * float(delay.get("minutes", 0))
    return total


def _minutes_in(window: tuple[int, int]) -> set[int]:
    start, end = window
    return {(start + i) % 1440 for i in range((end - start) % 1440 + 1)}


def _timing_right(
    routine: Routine, automation: Mapping[str, Any], history: History
) -> tuple[bool, bool]:
    """Tell whether a skill serving a routine has its weekdays and its window right.

    Weekdays: the same set as labelled (for a triggered routine, at least
    those). Window: for a sun routine, the offset
    within SUN_OFFSET_SLACK_MIN of the label's. Otherwise the learned window
    (the whole day if none) holds WINDOW_HELD of the occurrences (for an
    event, give or take the labelled delay and 5 minutes); a clock's, whose
    window is its trigger, is also at most twice the labelled one plus half
    an hour.
    """
    days, window, offset = _timing(automation)
    # A clock or the sun fires every allowed day: the days are the routine.
    # Anything else fires when its trigger happens: its days must allow the
    # labelled ones (what the trigger does on other days its precision shows).
    trigger = (automation.get("triggers") or [{}])[0].get("trigger")
    if trigger in ("time", "sun"):
        days_right = not routine.days or days == set(routine.days)
    else:
        days_right = days >= set(routine.days)
    if offset is not None:
        # A sun skill's moment moves with the sun: right only for a sun routine.
        near = (
            routine.offset_min is not None
            and abs(offset - routine.offset_min) <= SUN_OFFSET_SLACK_MIN
        )
        return days_right, near
    if window is None or not routine.occurrences:
        return days_right, True
    learned = _minutes_in(window)
    # Occurrences are the action's times; an event's trigger came about its delay before.
    waited = max(routine.delay_s, _delay_s(automation))
    before, after = (0, 0) if trigger == "time" else (5 + round(waited / 60), 5)
    held = 0
    for occurrence in routine.occurrences:
        local = history.local(occurrence)
        minute = local.hour * 60 + local.minute
        held += any((minute + d) % 1440 in learned for d in range(-before, after + 1))
    window_right = held >= WINDOW_HELD * len(routine.occurrences)
    if trigger == "time" and routine.window is not None:
        window_right &= len(learned) <= 2 * len(_minutes_in(routine.window)) + 30
    return days_right, window_right


def _iso(when: float, history: History) -> str:
    return history.local(when).isoformat(timespec="seconds")


def _firing_log(firing: Firing, history: History) -> dict[str, Any]:
    steps = [
        {
            "entity_id": s.step.entity_id,
            "service": s.step.service,
            "due": _iso(s.due, history),
            "outcome": s.outcome,
        }
        for s in firing.steps
    ]
    return {"time": _iso(firing.time, history), "steps": steps}


def evaluate(
    skills: Sequence[Proposed],
    history: History,
    routines: Sequence[Routine] | None = None,
    detail: bool = True,
) -> dict[str, Any]:
    """Replay every skill; return per-skill figures, totals, coverage and routines covered."""
    replays = [replay(skill.automation, history) for skill in skills]
    rows = []
    for skill, result in zip(skills, replays, strict=True):
        row: dict[str, Any] = {
            "id": skill.id,
            "name": skill.name,
            "confidence": skill.confidence,
            "triggered": result.triggered,
            "blocked_by_conditions": result.blocked,
            "dropped_while_running": result.dropped,
            "firings": len(result.firings),
            "right": result.count("right"),
            "wrong": result.count("wrong"),
            "noop": result.count("noop"),
            "skipped": result.count("skipped"),
            "unscored": result.count("unscored"),
            "cancelled": result.count("cancelled"),
            "precision": result.precision,
            "unsupported": result.unsupported,
            "notes": result.notes,
        }
        if detail:
            row["firing_log"] = [_firing_log(f, history) for f in result.firings]
        rows.append(row)
    right = sum(r["right"] for r in rows)
    wrong = sum(r["wrong"] for r in rows)
    skipped = sum(r["skipped"] for r in rows)
    noop = sum(r["noop"] for r in rows)
    actuator = [c for c in history.person_changes if c.domain in ACTUATOR_DOMAINS]
    covered_ids = {
        c.index
        for result in replays
        for f in result.firings
        for s in f.steps
        if s.outcome == "right"
        for c in s.matched
    }
    covered = sum(1 for c in actuator if c.index in covered_ids)
    totals: dict[str, Any] = {
        "proposed_skills": len(skills),
        "replayed_skills": sum(1 for r in replays if r.unsupported is None),
        "firings": sum(r["firings"] for r in rows),
        "right": right,
        "wrong": wrong,
        "noop": noop,
        "skipped": skipped,
        "unscored": sum(r["unscored"] for r in rows),
        "firing_precision": right / (right + wrong) if right + wrong else None,
        "firing_precision_skipped_as_wrong": (
            right / (right + wrong + skipped) if right + wrong + skipped else None
        ),
        "firing_precision_every_step": (
            right / (right + wrong + skipped + noop) if right + wrong + skipped + noop else None
        ),
        "person_actions": len(actuator),
        "person_actions_covered": covered,
        "coverage": covered / len(actuator) if actuator else None,
    }
    out: dict[str, Any] = {
        "history": {
            "records": history.record_count,
            "first": _iso(history.start, history) if history.record_count else None,
            "last": _iso(history.end, history) if history.record_count else None,
            "person_changes": len(history.person_changes),
            "automation_changes": history.automation_changes,
            "restart_records": history.restart_records,
            "sunsets": len(history.sunsets),
            "sunrises": len(history.sunrises),
        },
        "skills": rows,
        "totals": totals,
    }
    if routines is not None:
        listed = []
        for routine in routines:
            entry: dict[str, Any] = {
                "name": routine.name,
                "kind": routine.kind,
                "occurrences": len(routine.occurrences),
            }
            days = {history.local(o).date() for o in routine.occurrences}
            if routine.stopped_after is not None:
                entry["not_counted"] = f"stopped after {routine.stopped_after}"
            elif len(days) < RECURRING_DAYS:
                entry["not_counted"] = f"seen on {len(days)} day{'s' if len(days) != 1 else ''}"
            if routine.occurrences:
                shares = _routine_shares(routine, skills, replays)
                best = max(shares, key=lambda x: x["share"], default=None)
                if best is None or best["share"] == 0:
                    best = {"share": 0.0, "matched": 0, "skill": None, "action": None}
                entry.update(best, covered=best["share"] >= COVERED_SHARE)
                for row, share, skill in zip(rows, shares, skills, strict=True):
                    if share["share"] >= COVERED_SHARE and share["share"] > row.get("_share", 0):
                        days_right, window_right = _timing_right(routine, skill.automation, history)
                        row.update(
                            routine=routine.name, _share=share["share"],
                            days_right=days_right, window_right=window_right,
                        )  # fmt: skip
            else:
                entry.update(share=None, matched=0, skill=None, action=None, covered=None)
            listed.append(entry)
        scored = [r for r in listed if r["covered"] is not None]
        recurring = [r for r in scored if "not_counted" not in r]
        totals["routines_covered"] = sum(1 for r in recurring if r["covered"])
        totals["routines"] = len(recurring)
        totals["labelled_routines_covered"] = sum(1 for r in scored if r["covered"])
        totals["labelled_routines"] = len(scored)
        # As a planted-routine finder: how many proposals are a labelled
        # routine (precision), and of those, how many with weekdays and window right.
        serving = [r for r in rows if r.pop("_share", None) is not None]
        totals["skills_serving_routines"] = len(serving)
        totals["routine_precision"] = len(serving) / len(rows) if rows else None
        totals["routine_recall"] = (
            totals["routines_covered"] / totals["routines"] if totals["routines"] else None
        )
        totals["serving_with_days_and_window_right"] = sum(
            1 for r in serving if r["days_right"] and r["window_right"]
        )
        out["routines"] = listed
    return out
