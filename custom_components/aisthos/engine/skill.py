"""Skills: routines the home has learned, with their evidence.

A Skill says: when <trigger> (inside <conditions>), do <actions>. It keeps the
per-day evidence it was learned from, so its confidence can be recomputed
every night, grow with new observations and decay when a routine stops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
import math
import re
from typing import Any, Final

from .ontology import humanize

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS: Final = WEEKDAYS[:5]
WEEKEND: Final = WEEKDAYS[5:]

# Evidence older than this weighs half as much: routines change with seasons.
HALF_LIFE_DAYS: Final = 21.0
# One-sided 95 % Wilson bound: few observations cannot give high confidence.
WILSON_Z: Final = 1.64
_SKILL_ID: Final = re.compile(r"^[a-z0-9_]{1,40}$")
# Skills at or above this confidence are proposed to the user...
PROPOSAL_THRESHOLD: Final = 0.5
# ...if at least this share of their firings so far were right: a bound of
# 0.5 over dozens of firings allows an automation wrong one time in three,
# which no household keeps.
PROPOSAL_RATE: Final = 0.75
# Switching off what has been left alone for minutes ("the kitchen empty for
# 10 minutes: the light off") is wrong only where the person would have left
# it on longer; such a firing costs little and "undo" brings it back.
LEFT_ALONE_RATE: Final = 0.7
# What switching off is, for LEFT_ALONE_RATE.
OFF_ACTIONS: Final = frozenset({"turned_off", "closed", "paused", "stopped", "docked"})


@dataclass(frozen=True, slots=True)
class Signature:
    """One kind of moment of one entity: its ref and what it did."""

    ref: str
    action: str
    kind: str
    object: str
    area: str

    @property
    def key(self) -> str:
        """Return a compact identity, e.g. '3fa9c0d1e2b4:turned_on'."""
        return f"{self.ref}:{self.action}"

    def words(self) -> str:
        """Return the moment in words without names: 'hallway light on'."""
        place = "" if self.area == "unknown" else humanize(self.area).lower() + " "
        thing = humanize(self.object).lower()
        verb = humanize(self.action).lower().removeprefix("turned ")
        return f"{place}{thing} {verb}"

    def as_dict(self) -> dict[str, str]:
        """Return a JSON-ready dict."""
        return {
            "ref": self.ref,
            "action": self.action,
            "kind": self.kind,
            "object": self.object,
            "area": self.area,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        """Rebuild from as_dict()."""
        return cls(
            str(data["ref"]),
            str(data["action"]),
            str(data["kind"]),
            str(data["object"]),
            str(data["area"]),
        )


SUN_EVENTS: Final = ("sunrise", "sunset")
# A sun trigger's offset stays within this many minutes of the sun event.
MAX_SUN_OFFSET_MIN: Final = 360
# The longest a state must hold for an "after N minutes" trigger (a day).
MAX_HOLD_S: Final = 86400.0
# A trigger's further entities: the residents of a large household.
MAX_ALSO: Final = 7
# A skill's name is at most this long (what a User Wisdom file holds).
MAX_NAME: Final = 200


@dataclass(frozen=True, slots=True)
class Trigger:
    """What starts a skill: exactly one of an event, a time of day or the sun.

    - event: a Signature (something changed); with hold_s > 0, once it has
      stayed so for that long ("the room has been empty for 5 minutes").
    - at: minutes after local midnight.
    - sun: "sunrise" or "sunset", offset_min minutes after it (before if < 0).
    """

    event: Signature | None = None
    at: int | None = None
    sun: str | None = None
    offset_min: int = 0
    hold_s: float = 0.0
    # For the sun: the person's own time comes within this long after it.
    span_min: int = 0
    # The same moment of other entities, any of which starts the skill as the
    # event does ("Maya, Sam or Leo arrived").
    also: tuple[Signature, ...] = ()

    def __post_init__(self) -> None:
        """Exactly one of event, at and sun, each with its own bounds."""
        if sum(x is not None for x in (self.event, self.at, self.sun)) != 1:
            raise ValueError("a trigger is exactly one of an event, a time or the sun")
        if self.also and (
            self.event is None
            or self.hold_s
            or len({s.ref for s in self.events}) != len(self.events)
            or any((s.kind, s.action) != (self.event.kind, self.event.action) for s in self.also)
            or len(self.also) > MAX_ALSO
        ):
            raise ValueError(
                "more entities of a trigger do the same as its event, each once, without a hold"
            )
        if self.sun is not None and self.sun not in SUN_EVENTS:
            raise ValueError(f"the sun trigger is sunrise or sunset, not {self.sun!r}")
        if abs(self.offset_min) > MAX_SUN_OFFSET_MIN or (self.sun is None and self.offset_min):
            raise ValueError("a sun offset is within six hours, and only for the sun")
        if not 0.0 <= self.hold_s <= MAX_HOLD_S or (self.event is None and self.hold_s):
            raise ValueError("a hold is within a day, and only for an event")
        if not 0 <= self.span_min <= MAX_SUN_OFFSET_MIN or (self.sun is None and self.span_min):
            raise ValueError("a span is within six hours, and only for the sun")

    @property
    def events(self) -> tuple[Signature, ...]:
        """Return every moment that starts the skill (none for a clock or the sun)."""
        return (self.event, *self.also) if self.event is not None else ()

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        if self.event is not None:
            data: dict[str, Any] = {"type": "event", **self.event.as_dict()}
            if self.hold_s:
                data["hold_s"] = round(self.hold_s, 1)
            if self.also:
                data["also"] = [s.as_dict() for s in self.also]
            return data
        if self.sun is not None:
            return {
                "type": "sun",
                "event": self.sun,
                "offset_min": self.offset_min,
                "span_min": self.span_min,
            }
        return {"type": "time", "at": minutes_to_hhmm(self.at or 0)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trigger:
        """Rebuild from as_dict()."""
        if data.get("type") == "time":
            return cls(at=hhmm_to_minutes(str(data["at"])))
        if data.get("type") == "sun":
            return cls(
                sun=str(data["event"]),
                offset_min=int(data.get("offset_min", 0)),
                span_min=int(data.get("span_min", 0)),
            )
        return cls(
            event=Signature.from_dict(data),
            hold_s=float(data.get("hold_s", 0.0)),
            also=tuple(Signature.from_dict(s) for s in data.get("also", ())),
        )


@dataclass(frozen=True, slots=True)
class Action:
    """An action of a skill, with the delay people usually left before it."""

    target: Signature
    delay_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {**self.target.as_dict(), "delay_s": round(self.delay_s, 1)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        """Rebuild from as_dict()."""
        return cls(Signature.from_dict(data), float(data.get("delay_s", 0.0)))


@dataclass(frozen=True, slots=True)
class Conditions:
    """When the skill applies: a time window, days, presence and darkness."""

    start: int  # minutes after local midnight
    end: int  # may be < start when the window spans midnight
    days: tuple[str, ...] = WEEKDAYS
    someone_home: bool = False
    # Only while the sun is down (sunset to sunrise), wherever the clock is.
    after_dark: bool = False

    def window_text(self) -> str:
        """Return '18:52–19:17'."""
        return f"{minutes_to_hhmm(self.start)}–{minutes_to_hhmm(self.end)}"

    def days_text(self) -> str:
        """Return 'weekdays', 'weekends', 'every day' or 'Mon, Wed'."""
        days = tuple(self.days)
        if days == WEEKDAYS:
            return "every day"
        if days == WORKDAYS:
            return "weekdays"
        if days == WEEKEND:
            return "weekends"
        return ", ".join(d.capitalize() for d in days)

    @property
    def all_day(self) -> bool:
        """Return whether the window is the whole day."""
        return (self.end - self.start) % 1440 == 1439

    def contains(self, minute: int) -> bool:
        """Return whether a minute of the day is inside the window."""
        if self.start <= self.end:
            return self.start <= minute <= self.end
        return minute >= self.start or minute <= self.end

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "after": minutes_to_hhmm(self.start),
            "before": minutes_to_hhmm(self.end),
            "days": list(self.days),
            "someone_home": self.someone_home,
            "after_dark": self.after_dark,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conditions:
        """Rebuild from as_dict()."""
        days = tuple(str(d) for d in data.get("days", WEEKDAYS))
        if not set(days) <= set(WEEKDAYS) or not days:
            raise ValueError(f"bad days {days!r}")
        return cls(
            hhmm_to_minutes(str(data["after"])),
            hhmm_to_minutes(str(data["before"])),
            days,
            bool(data.get("someone_home", False)),
            bool(data.get("after_dark", False)),
        )


@dataclass(frozen=True, slots=True)
class FiringStats:
    """How the skill's automation did over the look-back, counted per firing.

    firings: times its trigger fired inside its window and days; right: those
    the person followed with the action within the delay; base_rate: the
    chance of that action in such a stretch of time anyway; actions: the
    person's own actions of this kind in the period; explained: those a
    firing would have done (the skill's recall is explained / actions).
    """

    firings: int = 0
    right: int = 0
    base_rate: float = 0.0
    actions: int = 0
    explained: int = 0
    # How wide the precision's bound is drawn: wider where the learner chose
    # among many possibilities (a set of single weekdays).
    z: float = WILSON_Z

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "firings": self.firings,
            "right": self.right,
            "base_rate": round(self.base_rate, 4),
            "actions": self.actions,
            "explained": self.explained,
            "z": round(self.z, 2),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FiringStats:
        """Rebuild from as_dict(); counts must be consistent."""
        stats = cls(
            int(data["firings"]),
            int(data["right"]),
            float(data.get("base_rate", 0.0)),
            int(data.get("actions", 0)),
            int(data.get("explained", 0)),
            float(data.get("z", WILSON_Z)),
        )
        if not (0 <= stats.right <= stats.firings and 0 <= stats.explained <= stats.actions):
            raise ValueError("firing counts are inconsistent")
        if not 0.0 <= stats.base_rate < 1.0:
            raise ValueError("a base rate is within [0, 1)")
        if not 1.0 <= stats.z <= 4.0:
            raise ValueError("a bound's width is within [1, 4]")
        return stats

    @property
    def precision(self) -> float:
        """Return the share of firings the person followed."""
        return self.right / self.firings if self.firings else 0.0

    @property
    def recall(self) -> float:
        """Return the share of the person's actions a firing would have done."""
        return self.explained / self.actions if self.actions else 0.0


@dataclass(frozen=True, slots=True)
class Skill:
    """A learned routine and the evidence behind it."""

    id: str
    name: str
    trigger: Trigger
    conditions: Conditions
    actions: tuple[Action, ...]
    # ISO date -> 1 (the routine happened on an eligible day) or 0 (it did not).
    evidence: Mapping[str, int] = field(default_factory=dict)
    first_seen: str = ""
    last_observed: str = ""
    explanation: str = ""
    confidence: float = 0.0
    # Per-firing counts of the last learning run; None for skills learned by
    # day counts (an older version) until the next night recounts them.
    stats: FiringStats | None = None

    @property
    def proposal_rate(self) -> float:
        """Return the share of right firings this skill needs to be proposed."""
        return proposal_rate(self.trigger, [a.target for a in self.actions])

    @property
    def learned_from(self) -> int:
        """Return the number of distinct days the routine was observed."""
        return sum(1 for hit in self.evidence.values() if hit)

    @property
    def eligible_days(self) -> int:
        """Return the number of days the routine could have happened."""
        return len(self.evidence)

    def with_evidence(self, evidence: Mapping[str, int], today: date) -> Skill:
        """Return a copy with new evidence, and confidence recomputed for today."""
        hits = sorted(day for day, hit in evidence.items() if hit)
        last = hits[-1] if hits else self.last_observed
        value = (
            firing_confidence(self.stats, last, today)
            if self.stats is not None
            else confidence(evidence, today)
        )
        return replace(
            self,
            evidence=dict(sorted(evidence.items())),
            last_observed=last,
            confidence=value,
        )

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the persisted and exported form)."""
        return {
            "id": self.id,
            "name": self.name,
            "trigger": self.trigger.as_dict(),
            "conditions": self.conditions.as_dict(),
            "actions": [a.as_dict() for a in self.actions],
            "confidence": round(self.confidence, 3),
            "learned_from": self.learned_from,
            "eligible_days": self.eligible_days,
            "explanation": self.explanation,
            "first_seen": self.first_seen,
            "last_observed": self.last_observed,
            "evidence": dict(self.evidence),
            **({"stats": self.stats.as_dict()} if self.stats is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Skill:
        """Rebuild from as_dict(); raises KeyError/ValueError/TypeError on bad data."""
        evidence = {str(k): 1 if v else 0 for k, v in dict(data.get("evidence", {})).items()}
        for day in evidence:
            date.fromisoformat(day)
        actions = tuple(Action.from_dict(a) for a in data["actions"])
        if not actions:
            raise ValueError("a skill needs at least one action")
        if not isinstance(data["id"], str) or not _SKILL_ID.fullmatch(data["id"]):
            raise ValueError("a skill id is a short lowercase identifier")
        value = float(data.get("confidence", 0.0))
        if not 0.0 <= value <= 1.0:
            raise ValueError("confidence must be within [0, 1]")
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            trigger=Trigger.from_dict(data["trigger"]),
            conditions=Conditions.from_dict(data["conditions"]),
            actions=actions,
            evidence=evidence,
            first_seen=str(data.get("first_seen", "")),
            last_observed=str(data.get("last_observed", "")),
            explanation=str(data.get("explanation", "")),
            confidence=value,
            stats=FiringStats.from_dict(data["stats"]) if data.get("stats") else None,
        )

    def definition(self, describe: Callable[[Signature], str] | None = None) -> dict[str, Any]:
        """Return the short, readable definition (name, trigger, actions, ...).

        describe names an entity (e.g. by its friendly name, on this home only).
        """

        def words(sig: Signature) -> str:
            if describe is None:
                return sig.words()
            verb = humanize(sig.action).lower().removeprefix("turned ")
            return f"{describe(sig)} {verb}"

        trig = self.trigger
        if trig.event is not None:
            trigger = " OR ".join(words(s) for s in trig.events)
            if trig.hold_s:
                trigger += f" for {max(1, round(trig.hold_s / 60))} min"
        elif trig.sun is not None:
            trigger = f"{trig.sun} {'+' if trig.offset_min >= 0 else '-'}{abs(trig.offset_min)} min"
        else:
            trigger = f"time {minutes_to_hhmm(trig.at or 0)}"
        trigger += f" AND time {self.conditions.window_text()}"
        if self.conditions.days != WEEKDAYS:
            trigger += f" AND {self.conditions.days_text()}"
        if self.conditions.someone_home:
            trigger += " AND someone home"
        if self.conditions.after_dark:
            trigger += " AND after dark"
        return {
            "name": self.name,
            "trigger": trigger,
            "actions": [words(a.target) for a in self.actions],
            "confidence": round(self.confidence, 2),
            "learned_from": f"{self.learned_from} days observed",
        }


def confidence(evidence: Mapping[str, int], today: date) -> float:
    """Return a calibrated confidence in [0, 1] from per-day evidence.

    Recent days weigh more (half-life HALF_LIFE_DAYS), and the Wilson lower
    bound of the weighted success rate keeps a handful of observations from
    scoring high: 3 of 3 days scores about 0.5, 9 of 10 about 0.65, 28 of 28
    about 0.9, while 3 of 10 stays near 0.1. A routine not seen for a while
    also fades, even if its trigger stopped happening too.
    """
    if not evidence:
        return 0.0
    weights = hits = 0.0
    last_hit: date | None = None
    for day_text, hit in evidence.items():
        day = date.fromisoformat(day_text)
        age = max(0, (today - day).days)
        weight = math.pow(0.5, age / HALF_LIFE_DAYS)
        weights += weight
        if hit:
            hits += weight
            if last_hit is None or day > last_hit:
                last_hit = day
    if last_hit is None:
        return 0.0
    bound = lower_bound(hits, weights)
    # A week of silence is normal (holidays); after that, fade week by week.
    silent_days = max(0, (today - last_hit).days - 8)
    return bound * math.pow(0.5, silent_days / 7.0)


def lower_bound(successes: float, trials: float, z: float = WILSON_Z) -> float:
    """Return the one-sided Wilson lower bound of a success rate (0 without trials)."""
    if trials <= 0:
        return 0.0
    rate = min(1.0, successes / trials)
    z2 = z * z
    center = rate + z2 / (2 * trials)
    margin = z * math.sqrt(rate * (1 - rate) / trials + z2 / (4 * trials * trials))
    return max(0.0, (center - margin) / (1 + z2 / trials))


def firing_confidence(stats: FiringStats, last_observed: str, today: date) -> float:
    """Return the confidence of a skill from how its firings went.

    The lower bound of its precision, with the chance that the person does
    the action in that stretch anyway taken out: an automation that is
    right only as often as chance is worth nothing. It fades like day-based
    confidence once the routine has not been seen for over a week.
    """
    bound = lower_bound(stats.right, stats.firings, stats.z)
    value = max(0.0, (bound - stats.base_rate) / (1.0 - stats.base_rate))
    if not last_observed:
        return value
    silent_days = max(0, (today - date.fromisoformat(last_observed)).days - 8)
    return value * math.pow(0.5, silent_days / 7.0)


def worth_proposing(
    confidence_value: float, stats: FiringStats | None, rate: float = PROPOSAL_RATE
) -> bool:
    """Tell whether a skill of this confidence and these firings is proposed.

    Sure enough (PROPOSAL_THRESHOLD), and right on `rate` of its firings
    counted so far (Skill.proposal_rate); a skill without firing counts
    (taught, or from an older version until it is recounted) is judged by
    its confidence alone.
    """
    if confidence_value < PROPOSAL_THRESHOLD:
        return False
    if stats is None or stats.firings == 0:
        return True
    return stats.right >= rate * stats.firings


def proposal_rate(trigger: Trigger, actions: Sequence[Signature]) -> float:
    """Return the share of right firings a skill needs: lower for switching off what was left."""
    left_alone = trigger.hold_s > 0 and all(a.action in OFF_ACTIONS for a in actions)
    return LEFT_ALONE_RATE if left_alone else PROPOSAL_RATE


def minutes_to_hhmm(minutes: int) -> str:
    """Return 'HH:MM' for minutes after midnight."""
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hhmm_to_minutes(text: str) -> int:
    """Return minutes after midnight for 'HH:MM' (or 'HH:MM:SS')."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a time of day: {text!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"not a time of day: {text!r}")
    return hours * 60 + minutes
