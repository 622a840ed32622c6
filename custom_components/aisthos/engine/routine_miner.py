"""Track B: mine the Sparks of past days for routines and turn them into Skills.

A routine is judged the way the household will live with its automation:
replayed over the look-back, how often would it fire, and after how many of
those firings did the person really do the action within the learned delay?
A skill's confidence is the lower bound of that per-firing precision, with
the chance of the action happening in that stretch anyway taken out
(skill.firing_confidence). See docs/learning.md for the whole algorithm and
a worked example.

Kinds of routine, each evaluated by the same replay:
- event: something happens (arrival, a door, motion, a button, the TV going
  off) and the person acts within minutes;
- hold: a state has held for N minutes (the room empty, the light on) and
  the person switches something off: HA's `for:`;
- time: at a steady time of day;
- sun: relative to sunset or sunrise, which drift through the year.

Time of day is circular everywhere (23:58 and 00:06 are 8 minutes apart);
windows are the arcs of the evidence that score best, not fixed caps, and
weekday sets are chosen from how the firings went on each weekday. Changes
sharing one Home Assistant context (a group and its lights, a scene) are one
act: never trigger and action of one routine, and only one of them is the
action. Automation-caused changes are never learned as behaviour, and
actions an automation already performs are never proposed again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence, Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time as dt_time, timedelta, tzinfo
import hashlib
import math
from typing import Final

import numpy as np
import numpy.typing as npt

from .automation_config import DELAY_STEP_MIN_S
from .skill import (
    MAX_ALSO,
    MAX_NAME,
    WEEKDAYS,
    WEEKEND,
    WILSON_Z,
    WORKDAYS,
    Action,
    Conditions,
    FiringStats,
    Signature,
    Skill,
    Trigger,
    lower_bound,
    minutes_to_hhmm,
    proposal_rate,
    worth_proposing,
)
from .spark import Spark

ACTUATOR_KINDS: Final = frozenset(
    {"power", "cover", "lock", "media", "climate", "cleaning", "scene"}
)
# Moments never learned: what a skill must never perform (as
# automation_config.NEVER_AUTOMATED), and a robot vacuum docking, which it
# does itself when its run ends (an automation sending it home at a learned
# time would cut a run short; "send it home when I arrive" stays the
# household's own automation to write).
NEVER_LEARNED: Final = frozenset({("lock", "unlocked"), ("cleaning", "docked")})
# Readings drifting are context, and the sun has its own kind of routine.
NOT_TRIGGERS: Final = frozenset({"environment", "sun"})
# What may hold for minutes before an action ("empty for 5 minutes"):
# rooms going quiet, doors, media and power left as they are.
HOLD_KINDS: Final = frozenset({"motion", "opening", "presence", "signal", "media", "power"})
# ...and what holds is a quiet state: something having started is an event
# with a delay ("arrived, then the kettle 3 minutes later"). The action's own
# entity left on for N minutes counts too ("the kettle, off after 4 minutes").
HOLD_ACTIONS: Final = frozenset(
    {"cleared", "closed", "left", "turned_off", "stopped", "paused", "docked"}
)
# When two triggers explain an action equally well, prefer what a person does
# first (arriving, opening a door, pressing a button) over what follows.
TRIGGER_BONUS: Final = {
    "control": 0.05, "presence": 0.04, "opening": 0.03, "motion": 0.01,
    # Another action is a weak cause: it may itself be done by an automation.
    **dict.fromkeys(ACTUATOR_KINDS, -0.15),
}  # fmt: skip
# ...and the clock over the sun where the sun's clock time moves at most
# SUN_STILL_MIN in the look-back (the tropics, weeks around a solstice): both
# explain a routine alike there, and people mean the clock.
SUN_BONUS: Final = -0.05
SUN_STILL_MIN: Final = 20
# The sun is a routine's cause within two hours of sunrise or sunset: the
# light changes over the hour or so of dusk and dawn (a lamp an hour before
# sunset on a dark day); "sunset + 3 h 15 min" is a clock's 20:30 said in a
# stranger way, and it would drift with the seasons.
SUN_REACH_MIN: Final = 120
# A clock's and the sun's candidate for the same actions: the one the person's
# times stray clearly less from (by this factor) is the anchor they keep to;
# a spread measured on twenty days is itself this uncertain.
ANCHOR_MARGIN: Final = 0.75
# ...and a spread needs this many of the person's actions to be measured at
# all: on eight evenings a clock routine may keep to a sunset that moves 8 min.
ANCHOR_MIN_DAYS: Final = 10
EVIDENCE_DAYS_KEPT: Final = 120
# Changes with one context tag this close together are one act.
ACT_SPAN_S: Final = 2.0
# Group changes one member may cause alone: HA's light, switch, fan and cover
# groups are by default on (open) once any member is.
SWITCHED_ON: Final = frozenset({"turned_on", "opened"})
# Without a member list (the recorder keeps none), an entity is taken as the
# group of the others of its kind it changed with in the person's acts (two
# of them at least) when it changed with one of them nearly every time
# (HA's group changes only in a member's context, or switches them all: on
# its own only by a restart's chance), with some of them but not all twice at
# least (of lamps always switched together none is the others' group), and
# each of them changed with it twice at least, in most of its own acts with
# others of its kind, and on its own more often than it (or as often, in
# fewer acts, or written before it when all went off: of two equals, the
# group is written last).
GROUP_MIN_ACTS: Final = 4
GROUP_SOLO_SHARE: Final = 0.05
# An act switching more things of a kind than this (everything off at
# night) is no evidence of a group, and would cost its square to count.
GROUP_MAX_ACT: Final = 32
# A member changed with its group in most of its acts with others of its
# kind: a lamp of another room's group seen with this one now and then is not
# this one's.
GROUP_MEMBER_SHARE: Final = 0.8
# Two candidates for one action are rivals (only the better is kept) when
# the one would do at least this share of what the other does.
RIVAL_SHARE: Final = 0.5
# Kinds of moment that several entities may share as one trigger: anyone
# arriving; in one room, any of its doors or windows opening, any of its
# motion sensors, buttons or a mode's options. (Any of the lights going off
# is not a person's cue.)
ANY_OF_KINDS: Final = frozenset({"presence", "opening", "motion", "control"})
ANY_OF_ANYWHERE: Final = frozenset({"presence"})
# ...each followed by the action at least this often (anyone arriving after
# dark, a third of arrivals; a motion sensor firing all day, far fewer).
ANY_OF_SHARE: Final = 0.2
# A clock's routines per action: the kitchen light at 06:10 and at 17:30
# are two; beyond three it is chatter, not routine.
DAILY_ARCS: Final = 3
# An automation waiting for the person's usual delay acts at this share of it.
AHEAD_OF_PERSON: Final = 0.9
# The shortest span after its action a firing is judged in.
JUDGED_MIN_S: Final = 120.0
# The bound's z for a weekday set the search picked among many.
SEARCHED_Z: Final = 2.33
# A set of single weekdays is chosen over every day, workdays or weekends
# only if it scores this much better.
SINGLE_DAYS_MARGIN: Final = 0.2
# Per action and kind (event, hold), the likeliest triggers replayed: what
# precedes a light in a busy home runs into the hundreds.
REPLAYED_TRIGGERS: Final = 8
# Of those, for events, chosen first by the share the replay will see, then
# the surest few, then by days x share.
REPLAYED_LIVE: Final = 4
REPLAYED_SURE: Final = 2
# The day in this many stretches when that share is ranked (3 hours each).
RANK_BINS: Final = 8
_ARC_STARTS: Final = np.repeat(np.arange(RANK_BINS), RANK_BINS)
_ARC_ENDS: Final = _ARC_STARTS + np.tile(np.arange(1, RANK_BINS + 1), RANK_BINS)
# A held state's hold is tried at these shares of the person's times after
# it (floored to minutes): the tenth fastest fires before most of them; the
# median and the third quartile find the routine where the person often
# switches off on leaving, and leaves it on for the routine otherwise.
HOLD_QUANTILES: Final = (0.1, 0.5, 0.75)
# ...for the states of a room (nobody moving, the door shut, everyone gone).
ROOM_KINDS: Final = frozenset({"motion", "presence", "opening"})
# Triggers looked at closer (as the replay will count them) per action and kind.
RANKED_CLOSER: Final = 24
# A daily routine's chance rate is read in this many minutes either side.
BACKGROUND_MIN: Final = 120
# Actions that act only on some states (automation_config's condition for
# them, in Spark terms): pausing what plays, stopping what plays or is paused.
ACTS_ON: Final = {
    ("media", "paused"): frozenset({"playing"}),
    ("media", "stopped"): frozenset({"playing", "paused"}),
    ("media", "turned_on"): frozenset({"turned_off"}),
    ("cleaning", "paused"): frozenset({"started"}),
}
# An action that nearly always (this share) comes the same time after the
# entity's previous change, within a few seconds and 1.5 % up to a poll's
# 30 s (a 40-minute programme read by polling), is the device's own timer:
# people are never that exact. The poll is late by a fixed time, whatever
# the programme's length: a person's "off 3 h 30 after the automation's on"
# kept to a minute or two is no timer. Timers run from a minute (shorter
# is a person's quick correction) to a few hours (a dishwasher's programme);
# a day apart is a daily habit.
SELF_TIMED_SHARE: Final = 0.9
SELF_TIMED_SPREAD_S: Final = 5.0
SELF_TIMED_SHARE_OF_S: Final = 0.015
SELF_TIMED_POLL_S: Final = 30.0
SELF_TIMED_MIN_S: Final = 60.0
SELF_TIMED_MAX_S: Final = 4 * 3600.0
# ...and so is one at a second of the day it keeps, give or take 10 s (a
# smart plug's schedule); a person's "every morning at seven" never is.
SELF_TIMED_CLOCK_S: Final = 10.0
SELF_TIMED_SCHEDULES: Final = 4
SELF_TIMED_MIN_COUNT: Final = 5
# "Off again N minutes after it went on" is for what is sometimes left on.
# Where the action ended nearly every one of its entity's other states in
# good time (this share, of at least so many; see LEFT_ON_FACTOR) nothing
# is: the automation could only come first, and cut the light short on
# someone still there (a person who switches the bedroom light off 4-13 min
# after, always).
NEVER_LEFT_SHARE: Final = 0.95
NEVER_LEFT_MIN_COUNT: Final = 10
# ...and where, moreover, it ended each one this steadily, a minute or more
# in (the slowest tenth at most 1.6 times the fastest tenth), the device did:
# a kettle's thermostat ends each boil 150-230 s in (with the water in it),
# a coffee maker its half hour. What a person ends (leaving a room, a bath)
# lasts as long as they stay, and some day they forget.
SELF_ENDED_STEADY: Final = 1.6
# ...at most half as spread as its ends are over the day (see _ends_its_own_cycle).
SELF_ENDED_OVER_CLOCK: Final = 0.5
# An end this near a person's button press, before or after (a remote bound
# to the lamp: HA may write either first), is the person's.
PRESSED_NEAR_S: Final = 2.0
# A state the person ends this many times later than they usually do was
# left on (forgotten for an hour, where a visit lasts ten minutes).
LEFT_ON_FACTOR: Final = 3.0
# Where one other signature changed this shortly before this share of the
# ends at least, the person answered it (the TV off, then the lamp).
REACTION_S: Final = 60.0
REACTION_SHARE: Final = 0.5
# Minutes of day are binned this finely when windows are searched.
BIN_MIN: Final = 5
# A clock's window opens where the habit starts: done before it, over as long
# again, at least half as often as inside, the clock only sits inside a
# wider spread (see _starts_inside_a_spread).
SPREAD_BEFORE_SHARE: Final = 0.5
# A triggered routine's window leaves out two hours of the day or none: a
# notch of minutes only drops the wrong firings that fell there by chance
# ("any time but 14:09-14:40", from three wrong firings among ten at lunch).
LEFT_OUT_MIN: Final = 120
_DAY: Final = 1440
_DAY_S: Final = 86400
# A sun trigger's event, and the action of sun.sun's Spark at it.
_SUN_ACTION: Final = {"sunset": "set", "sunrise": "rose"}

type IntArray = npt.NDArray[np.int64]
type FloatArray = npt.NDArray[np.float64]
type BoolArray = npt.NDArray[np.bool_]
type Describe = Callable[[Signature], str]


@dataclass(frozen=True, slots=True)
class MinerSettings:
    """Tuning of the miner; docs/learning.md says why each value is what it is."""

    lookback_days: int = 28
    # An event routine's action follows within this (a kettle after arriving).
    max_delay_s: float = 900.0
    # An "after N minutes" routine waits at most this long.
    max_hold_s: float = 3600.0
    # Right firings on distinct days a routine needs before it is a skill.
    min_days: int = 5
    # Skills below this confidence are forgotten (unless approved).
    keep_threshold: float = 0.2
    # Window edges stand this far outside the outermost evidence.
    pad_min: int = 5
    # A clock (or the sun) does a thing at a moment: a person doing it at
    # most this long after that moment is the same routine.
    max_daily_span_min: int = 60


@dataclass(frozen=True, slots=True)
class _HoldPlan:
    """An "after N minutes of a state" trigger's firings, before it is replayed."""

    held_code: int
    hold: float
    window_s: float
    fire_times: FloatArray
    fire_minutes: IntArray
    fire_days: IntArray
    followed: tuple[float, float]  # see _followed


@dataclass(slots=True)
class _Firings:
    """A candidate's replay: when it fired and whether the person followed."""

    times: FloatArray
    right: BoolArray
    delays: FloatArray  # delay of the person's action after each right firing
    explained: int  # the person's actions a firing did
    actions: int  # all the person's actions of this signature
    base_rate: float
    z: float = WILSON_Z
    # The person's actions (rows) a firing did.
    explains: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(slots=True)
class _Candidate:
    trigger: Trigger
    action: Signature
    conditions: Conditions
    delay_s: float
    window_s: float  # how long after the firing the person's action may come
    replay: _Firings
    evidence: dict[str, int]
    confidence: float
    score: float
    members: list[_Candidate] = field(default_factory=list)


def _followed(
    data: _Data,
    action_code: int,
    actions: FloatArray,
    firings: Sequence[tuple[FloatArray, float]],
) -> list[tuple[float, float]]:
    """Score sets of firings cheaply: followed ones x their share, and that share.

    firings: (fire times, judged span) per set, all scored in one pass.
    Only firings that would do something count (the light not off already).
    """
    times = np.concatenate([f for f, _ in firings])
    spans = np.concatenate([np.full(len(f), w) for f, w in firings])
    live = data.live_firings(action_code, times)
    lo = np.searchsorted(actions, times, side="right")
    hi = np.searchsorted(actions, times + spans, side="right")
    followed_at = (hi > lo) & live
    ends = np.cumsum([len(f) for f, _ in firings])
    out = []
    for start, end in zip(np.concatenate(([0], ends[:-1])).tolist(), ends.tolist(), strict=True):
        followed = int(np.count_nonzero(followed_at[start:end]))
        share = followed / max(1, int(np.count_nonzero(live[start:end])))
        out.append((followed * share, share))
    return out


def _replayed(best: list[int], surest: list[int], rest: list[int]) -> list[int]:
    """Return the triggers to replay: the best few, the surest few, then the rest in order."""
    chosen = dict.fromkeys([*best[:REPLAYED_LIVE], *surest[:REPLAYED_SURE], *rest])
    return list(chosen)[:REPLAYED_TRIGGERS]


def _quantile(ordered: FloatArray, q: float) -> float:
    """Return the q quantile of sorted values, as numpy's default (linear) does.

    Without numpy's general machinery: thousands of calls per night.
    """
    position = (len(ordered) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return float(ordered[below] + (ordered[above] - ordered[below]) * (position - below))


def _once_within(times: FloatArray, span_s: float) -> BoolArray:
    """Mark the moments that start a new firing: not within span_s after the last one kept.

    Two residents coming home 20 s apart are one evening's arrival: the
    second run of the automation finds the light switched on by the first.
    """
    keep = np.zeros(len(times), dtype=bool)
    last = -math.inf
    for i, when in enumerate(times.tolist()):
        if when - last > span_s:
            keep[i], last = True, when
    return keep


def _typical_delay(replay: _Firings) -> float:
    """Return the median delay of the person's action after a right firing (0 if none)."""
    return float(np.median(replay.delays)) if len(replay.delays) else 0.0


def _single_runs(times: FloatArray, firing: BoolArray, run_s: float) -> BoolArray:
    """Mark the firings that start a run, where each run lasts run_s (HA's mode single).

    A firing while the run before still waits is dropped: the motion again
    during the garage door's 65 s delay opens it once. times are in order.
    """
    if run_s <= 0:
        return firing
    runs = np.zeros(len(times), dtype=bool)
    picked = np.flatnonzero(firing)
    runs[picked[_once_within(times[picked], run_s)]] = True
    return runs


def _flat_ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """Return the positions of each range [start, start + count), one range after another."""
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    return np.repeat(starts, counts) + offsets


def _micros(seconds: FloatArray) -> IntArray:
    """Return seconds as whole microseconds (exact keys for searching)."""
    return np.rint(seconds * 1e6).astype(np.int64)


# (change, moment) pairs looked at in one go (see _HoldIndex.latest_before).
LATEST_PAIRS_MAX: Final = 1 << 18


@dataclass(slots=True)
class _HoldIndex:
    """Changes that may hold, in time order (see _Data.hold_index)."""

    refs: IntArray  # the entities, by position
    t0: float
    rows: IntArray
    times: FloatArray
    position: IntArray  # of each change's entity in refs
    micros: IntArray  # since t0, exact
    next_micros: IntArray  # the entity's next change here (or never)
    codes: IntArray
    may_hold: BoolArray
    quiet: BoolArray  # may hold and is a quiet state

    def latest_before(
        self, moments: FloatArray, oldest_s: float, newest_s: float
    ) -> tuple[IntArray, IntArray]:
        """Return (change, moment) positions: each entity's latest change before each moment.

        Only changes from oldest_s to newest_s before the moment are looked at
        (a second wider either way: callers judge the age exactly); one whose
        entity changed again before the moment is not its latest.
        """
        lo = np.searchsorted(self.times, moments - oldest_s - 1.0, side="left")
        hi = np.searchsorted(self.times, moments - newest_s + 1.0, side="right")
        counts = np.maximum(hi - lo, 0)
        # Moments in slices of about LATEST_PAIRS_MAX (change, moment) pairs:
        # chatty sensors put thousands of changes in every hour.
        ends = np.cumsum(counts)
        cuts = np.searchsorted(
            ends, np.arange(LATEST_PAIRS_MAX, int(ends[-1]) if len(ends) else 0, LATEST_PAIRS_MAX)
        )
        changes, positions = [], []
        for part in np.split(np.arange(len(moments), dtype=np.int64), np.unique(cuts)):
            moment_pos = np.repeat(part, counts[part])
            change = _flat_ranges(lo[part], counts[part])
            at = _micros(moments - self.t0)[moment_pos]
            latest = (self.micros[change] < at) & (self.next_micros[change] >= at)
            changes.append(change[latest])
            positions.append(moment_pos[latest])
        return np.concatenate(changes), np.concatenate(positions)


class _Data:
    """The Sparks of the look-back period as parallel numpy arrays."""

    def __init__(
        self,
        sparks: Iterable[Spark],
        tz: tzinfo,
        first: date,
        last: date,
        residents: Iterable[str] | None = None,
        groups: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.tz = tz
        codes: dict[str, int] = {}
        self.sigs: list[Signature] = []
        rows: list[tuple[float, int, bool, int, int, int]] = []
        offsets: list[int] = []
        first_ord, last_ord = first.toordinal(), last.toordinal()
        person_codes: set[int] = set()
        offset_cache: dict[int, int] = {}
        for spark in sorted(sparks, key=lambda s: s.time):
            # Local day and minute; UTC offsets change rarely, so cache per hour.
            hour_key = int(spark.time // 3600)
            offset = offset_cache.get(hour_key)
            if offset is None:
                utcoffset = datetime.fromtimestamp(spark.time, tz).utcoffset()
                offset = offset_cache[hour_key] = int(utcoffset.total_seconds()) if utcoffset else 0
            local = spark.time + offset
            day = int(local // 86400) + 719163  # days since 0001-01-01, as date.toordinal()
            if not first_ord <= day <= last_ord:
                continue
            key = f"{spark.ref}:{spark.action}"
            code = codes.get(key)
            if code is None:
                code = codes[key] = len(self.sigs)
                self.sigs.append(
                    Signature(spark.ref, spark.action, spark.kind, spark.object, spark.area)
                )
            if spark.kind == "presence" and spark.subject.startswith("resident_"):
                person_codes.add(code)
            act = dict(spark.extra).get("act", 0)
            rows.append(
                (
                    spark.time,
                    code,
                    spark.cause == "automation",
                    int(act) if isinstance(act, (int, float)) else 0,
                    day,
                    int(local % 86400) // 60,
                )
            )
            offsets.append(offset)
        self.codes = codes
        self.first, self.last = first_ord, last_ord
        self.t: FloatArray = np.asarray([r[0] for r in rows], dtype=np.float64)
        self.c: IntArray = np.asarray([r[1] for r in rows], dtype=np.int64)
        self.auto: BoolArray = np.asarray([r[2] for r in rows], dtype=bool)
        self.act: IntArray = np.asarray([r[3] for r in rows], dtype=np.int64)
        self.day: IntArray = np.asarray([r[4] for r in rows], dtype=np.int64)
        self.minute: IntArray = np.asarray([r[5] for r in rows], dtype=np.int64)
        # Seconds of the local day (a device's own schedule repeats to the second).
        self.second: IntArray = (
            np.floor(self.t + np.asarray(offsets, dtype=np.float64)).astype(np.int64) % 86400
        )
        n_sigs = max(1, len(self.sigs))
        ref_index = {ref: i for i, ref in enumerate(dict.fromkeys(s.ref for s in self.sigs))}
        self.ref_of_sig: IntArray = np.asarray(
            [ref_index[s.ref] for s in self.sigs] or [0], dtype=np.int64
        )
        self.is_actuator: BoolArray = np.asarray(
            [s.kind in ACTUATOR_KINDS for s in self.sigs] or [False], dtype=bool
        )[:n_sigs]
        self.is_trigger: BoolArray = np.asarray(
            [s.kind not in NOT_TRIGGERS for s in self.sigs] or [False], dtype=bool
        )[:n_sigs]
        self.act_key = self._act_keys()
        self._home_times, self._home_counts = self._people_home(person_codes, residents)
        self.is_act_member = self._act_members(groups or {})
        self._by_sig: dict[int, IntArray] = {}
        self._all_by_sig: dict[int, IntArray] = {}
        self._auto_times: dict[int, FloatArray] = {}
        # Per entity: when it changed and to which signature (cached).
        self._ref_changes: dict[int, tuple[FloatArray, IntArray]] = {}
        self._open: dict[int, float] = {}
        self._sun: dict[str, dict[int, float]] = {}
        self._sun_rows: tuple[IntArray, BoolArray] | None = None
        self._changes_by_ref: dict[int, IntArray] | None = None
        self._hold_index: _HoldIndex | None = None
        self._pressed: FloatArray | None = None
        self._weekday_counts: Counter[str] | None = None
        # Per signature: may hold before an action, and is a quiet state.
        self.may_hold: BoolArray = np.asarray(
            [s.kind in HOLD_KINDS for s in self.sigs] or [False], dtype=bool
        )
        self.quiet: BoolArray = np.asarray(
            [s.action in HOLD_ACTIONS for s in self.sigs] or [False], dtype=bool
        )

    def _act_keys(self) -> IntArray:
        """Return, per row, the row that opened its act (itself if it stands alone).

        Rows sharing a context tag within ACT_SPAN_S of each other are one act.
        """
        keys = np.arange(len(self.t), dtype=np.int64)
        opened: dict[int, tuple[float, int]] = {}
        for i in np.nonzero(self.act)[0]:
            tag, when = int(self.act[i]), float(self.t[i])
            seen = opened.get(tag)
            if seen is not None and when - seen[0] <= ACT_SPAN_S:
                keys[i] = seen[1]
            else:
                opened[tag] = (when, int(i))
        return keys

    def _people_home(
        self, person_codes: set[int], residents: Iterable[str] | None
    ) -> tuple[FloatArray, IntArray]:
        """Return when the number of residents at home changed, and to what.

        From person.* arrivals and departures: before a resident's first
        Spark they were where that Spark took them from. The first entry is
        the count before any Spark. Empty when who is home is not known: no
        resident came or went, or one of the home's residents (when given:
        the people whose whereabouts Home Assistant knows, and so counts in
        zone.home) made no Spark in the period, so nobody here knows where.
        """
        rows = np.flatnonzero(np.isin(self.c, sorted(person_codes)))
        if not person_codes or not len(rows):
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        seen = {self.sigs[c].ref for c in person_codes}
        if residents is not None and not set(residents) <= seen:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        refs = self.ref_of_sig[self.c[rows]].tolist()
        arrived = [self.sigs[int(c)].action == "arrived" for c in self.c[rows]]
        at_home: dict[int, bool] = {}
        for ref, came in zip(refs, arrived, strict=True):
            at_home.setdefault(ref, not came)
        counts = [sum(at_home.values())]
        for ref, came in zip(refs, arrived, strict=True):
            at_home[ref] = came
            counts.append(sum(at_home.values()))
        return np.concatenate([[-np.inf], self.t[rows]]), np.asarray(counts, dtype=np.int64)

    def someone_home(self, times: FloatArray) -> BoolArray | None:
        """Mark the moments a resident was home (zone.home above 0); None if not known."""
        if not len(self._home_times):
            return None
        # The first entry is at -inf: every moment has a count.
        i = np.searchsorted(self._home_times, times, side="right") - 1
        result: BoolArray = self._home_counts[i] > 0
        return result

    def _act_members(self, groups: Mapping[str, Iterable[str]]) -> BoolArray:
        """Mark actuator rows that are not their act's action (a group's members).

        Where Home Assistant lists a group's members (groups), or the acts
        show them (_groups_seen), see _followers. Otherwise, of the actuator
        changes in one act, the one whose entity is part of the most acts is
        the act: a group changes whenever any of its lights does; a scene is
        chosen over the lights it sets. Between equals, the one written last
        most often when they all went off (a group always switched whole: HA
        writes it between its lamps going on, but after them going off),
        then the last one written (a template light after its helper).
        """
        member = np.zeros(len(self.t), dtype=bool)
        actuators = np.nonzero(self.is_actuator[self.c] & (self.act != 0))[0]
        if not len(actuators):
            return member
        by_act: dict[int, list[int]] = defaultdict(list)
        for i in actuators:
            by_act[int(self.act_key[i])].append(int(i))
        acts = [rows for rows in by_act.values() if len(rows) > 1]
        shared = Counter(int(self.ref_of_sig[self.c[i]]) for rows in acts for i in rows)
        # Equals are told apart by the acts that switch them all off: HA writes
        # a group going off after its last lamp (going on, after its first),
        # and a group of groups after them: each one's place in such acts, 0
        # first to 1 last, summed.
        last_off: dict[str, float] = defaultdict(float)
        for rows in acts:
            if all(self.sigs[int(self.c[i])].action == "turned_off" for i in rows):
                for k, i in enumerate(rows):
                    last_off[self.sigs[int(self.c[i])].ref] += k / (len(rows) - 1)
        members = self._members_seen(acts, {**self._groups_seen(by_act, last_off), **groups})
        for rows in acts:
            followers = self._followers(rows, members) if members else set()
            best = max(
                [i for i in rows if i not in followers] or rows,
                key=lambda i: (
                    self.sigs[int(self.c[i])].kind == "scene",
                    shared[int(self.ref_of_sig[self.c[i]])],
                    last_off[self.sigs[int(self.c[i])].ref],
                    i,
                ),
            )
            for i in rows:
                member[i] = i != best
        return member

    def _groups_seen(
        self, by_act: Mapping[int, list[int]], last_off: Mapping[str, float]
    ) -> dict[str, frozenset[str]]:
        """Return the groups the acts show, with their members (see GROUP_SOLO_SHARE)."""
        total: Counter[str] = Counter()
        alone: Counter[str] = Counter()
        partners: dict[str, Counter[str]] = defaultdict(Counter)
        acts_of: dict[str, list[set[str]]] = defaultdict(list)
        for rows in by_act.values():
            by_kind: dict[str, set[str]] = defaultdict(set)
            for i in rows:
                if not self.auto[i]:  # an automation's scene at bedtime is no group
                    sig = self.sigs[int(self.c[i])]
                    by_kind[sig.kind].add(sig.ref)
            for refs in by_kind.values():
                if len(refs) > GROUP_MAX_ACT:
                    continue
                for ref in refs:
                    total[ref] += 1
                    alone[ref] += len(refs) == 1
                    partners[ref].update(refs - {ref})
                    acts_of[ref].append(refs)

        def groupness(ref: str) -> tuple[float, int, float]:
            # Never alone, in the most acts; between equals, the one written
            # last when they all went off (HA writes a group after its lamps).
            return (-alone[ref] / total[ref], total[ref], last_off.get(ref, 0))

        found: dict[str, frozenset[str]] = {}
        for ref, seen in partners.items():
            members = frozenset(
                m
                for m, n in seen.items()
                if n >= 2
                and n >= GROUP_MEMBER_SHARE * (total[m] - alone[m])
                and groupness(m) < groupness(ref)
            )
            # ...and changed with some of them but not all, twice at least: of
            # lamps always switched together, none is the others' group.
            partly = sum(1 for refs in acts_of[ref] if 0 < len(refs & members) < len(members))
            if (
                len(members) >= 2
                and total[ref] >= GROUP_MIN_ACTS
                and alone[ref] <= GROUP_SOLO_SHARE * total[ref]
                and partly >= 2
            ):
                found[ref] = members
        # A group of groups is theirs, not their lamps' (HA lists it so); of
        # members always switched together (a plug and the light it is
        # shown as), one stands for both: else one lamp switched alone
        # changes two "members", and no rule would decide.
        reduced: dict[str, frozenset[str]] = {}
        for ref, members in found.items():
            inner = {m for sub in members & found.keys() for m in found[sub]}
            kept = sorted(members - inner, key=lambda m: (groupness(m), m), reverse=True)
            direct: list[str] = []
            for m in kept:
                if not any(
                    partners[m][k] == total[m] - alone[m] == total[k] - alone[k] for k in direct
                ):
                    direct.append(m)
            if len(direct) >= 2:
                reduced[ref] = frozenset(direct)
        return reduced

    def _members_seen(
        self, acts: list[list[int]], groups: Mapping[str, Iterable[str]]
    ) -> dict[str, frozenset[str]]:
        """Return each group's listed members (never itself) that changed in one of its acts.

        Membership is listed as it is now; a lamp never switched with the
        group in the look-back (not observed, added since, a dead bulb) is
        no evidence of what a whole-group switch changes.
        """
        seen: dict[str, set[str]] = defaultdict(set)
        for rows in acts:
            refs = {self.sigs[int(self.c[i])].ref for i in rows}
            for group in refs & groups.keys():
                seen[group] |= (refs - {group}).intersection(groups[group])
        return {group: frozenset(found) for group, found in seen.items() if found}

    def _followers(self, rows: list[int], members: Mapping[str, frozenset[str]]) -> set[int]:
        """Return the rows of one act that followed another row of it.

        A group switched on (or opened) with all its members: they followed
        the group (HA writes the group after the first of them, not the
        last). With exactly one of several: the group followed that lamp,
        for switched as a whole it would have switched them all. With some
        but not all, or switched off (its last lamp or all of it look the
        same), nothing is decided here.
        """
        rows_of: dict[str, list[int]] = defaultdict(list)
        for i in rows:
            rows_of[self.sigs[int(self.c[i])].ref].append(i)
        followers: set[int] = set()
        for i in rows:
            sig = self.sigs[int(self.c[i])]
            listed = members.get(sig.ref)
            if listed is None or sig.action not in SWITCHED_ON:
                continue
            changed = listed & rows_of.keys()
            if changed == listed:
                followers.update(r for ref in changed for r in rows_of[ref])
            elif len(changed) == 1:
                followers.add(i)
        return followers

    def live_firings(
        self, action_code: int, fire_times: FloatArray, asks: bool = True
    ) -> BoolArray:
        """Mark the firings that would do something.

        A firing while the action's entity already is as the action would
        leave it does nothing (the light is on already): neither right nor
        wrong. asks: the automation's condition applies, so an action that
        acts on some states only (ACTS_ON) runs in those alone; an
        automation that waits asks nothing, and pauses a TV that is off.
        """
        ref = int(self.ref_of_sig[action_code])
        found = self._ref_changes.get(ref)
        if found is None:
            rows = np.nonzero(self.ref_of_sig[self.c] == ref)[0]
            found = self._ref_changes[ref] = (self.t[rows], self.c[rows])
        times, codes = found
        live = np.ones(len(fire_times), dtype=bool)
        if len(times):
            # A change at the very moment counts as found: the automation
            # acting at the person's second adds nothing (as bench/replay.py).
            last = np.searchsorted(times, fire_times, side="right") - 1
            live &= ~((last >= 0) & (codes[np.maximum(last, 0)] == action_code))
            sig = self.sigs[action_code]
            if asks and (allowed := ACTS_ON.get((sig.kind, sig.action))) is not None:
                # Pausing acts on what plays, nothing else (the automation's condition).
                acts_on = [c for c in set(codes.tolist()) if self.sigs[c].action in allowed]
                # (Before its first change the state is not known: as above, it may.)
                live &= (last < 0) | np.isin(codes[np.maximum(last, 0)], acts_on)
        return live

    def self_timed(self, action_code: int, rows: IntArray) -> bool:
        """Tell whether the device does this itself, on a timer (a kettle, off after 210 s).

        Nearly every time (SELF_TIMED_SHARE), it comes the same time after the
        entity's previous change, give or take a few seconds, or at the same
        second of the day (a plug's schedule): no person is that exact, so it
        is the device's own doing and nothing to automate. So is an end of
        nearly every cycle, a steady while in (see _ends_its_own_cycle).
        """
        if len(rows) < SELF_TIMED_MIN_COUNT:
            return False
        # A schedule of its own: nearly every time at one of a few seconds of
        # the day (on at 09:00:00 and at 15:00:00), see _on_a_schedule.
        if _on_a_schedule(self.second[rows]):
            return True
        ref_changes = self.changes_by_ref()[int(self.ref_of_sig[action_code])]
        before = np.searchsorted(self.t[ref_changes], self.t[rows], side="left") - 1
        known = before >= 0
        if np.sum(known) < SELF_TIMED_SHARE * len(rows):
            return False
        since = self.t[rows[known]] - self.t[ref_changes[before[known]]]
        typical = float(np.median(since))
        if not SELF_TIMED_MIN_S <= typical <= SELF_TIMED_MAX_S:
            return False
        slack = min(SELF_TIMED_SHARE_OF_S * typical, SELF_TIMED_POLL_S)
        exact = np.abs(since - typical) <= SELF_TIMED_SPREAD_S + slack
        if np.sum(exact) >= SELF_TIMED_SHARE * len(rows):
            return True
        return self._ends_its_own_cycle(action_code, rows)

    def _cycles(
        self, action_code: int, rows: IntArray
    ) -> tuple[IntArray, BoolArray, FloatArray, BoolArray]:
        """Return how each entry of its entity's other states ended.

        Its end (the entity's very next change); whether that was one of rows
        (the person's action) in good time: within LEFT_ON_FACTOR times the
        usual while, and SELF_TIMED_MAX_S; how long it had lasted; and whether
        the end came within PRESSED_NEAR_S of a person's button press (by
        hand: a remote bound to the lamp, written just before or after it).
        """
        ref_changes = self.changes_by_ref()[int(self.ref_of_sig[action_code])]
        begun = np.flatnonzero(self.c[ref_changes] != action_code)
        begun = begun[begun + 1 < len(ref_changes)]
        ends: IntArray = ref_changes[begun + 1]
        lasted: FloatArray = self.t[ends] - self.t[ref_changes[begun]]
        ended: BoolArray = np.isin(ends, rows) & (lasted <= SELF_TIMED_MAX_S)
        if np.any(ended):
            usual = float(np.median(lasted[ended]))
            ended &= lasted <= LEFT_ON_FACTOR * usual
        pressed = np.concatenate([[-np.inf], self.pressed_times(), [np.inf]])
        after = np.searchsorted(pressed, self.t[ends], side="left")
        nearest = np.minimum(pressed[after] - self.t[ends], self.t[ends] - pressed[after - 1])
        by_hand: BoolArray = nearest <= PRESSED_NEAR_S
        return ends, ended, lasted, by_hand

    def never_left(self, action_code: int, rows: IntArray) -> bool:
        """Tell whether the action ended nearly every state of its entity (see NEVER_LEFT_*)."""
        _, ended, _, _ = self._cycles(action_code, rows)
        return len(ended) >= NEVER_LEFT_MIN_COUNT and bool(
            np.sum(ended) >= NEVER_LEFT_SHARE * len(ended)
        )

    def _ends_its_own_cycle(self, action_code: int, rows: IntArray) -> bool:
        """Tell whether the device ends each cycle itself, a steady while in (SELF_ENDED_*).

        A kettle's thermostat ends every boil 150-230 s after it began. (A
        minute at least: self_timed asks that first, of every timer.)
        """
        ends, ended, lasted, by_hand = self._cycles(action_code, rows)
        by_itself = ended & ~by_hand
        if len(ended) < NEVER_LEFT_MIN_COUNT or np.sum(by_itself) < NEVER_LEFT_SHARE * len(ended):
            return False
        spans = np.sort(lasted[by_itself])
        low, middle, high = (_quantile(spans, q) for q in (0.1, 0.5, 0.9))
        if high > SELF_ENDED_STEADY * low:
            return False
        # Steadier after its start than by the clock: a person's lamp off at
        # 22:30 after an automation's on at 19:00 is two times of day, no cycle.
        by_clock = _spread_s(self.second[ends[by_itself]].astype(np.float64))
        if float(np.mean(np.abs(spans - middle))) > SELF_ENDED_OVER_CLOCK * by_clock:
            return False
        return not self._answers_something(ends[by_itself], int(self.ref_of_sig[action_code]))

    def _answers_something(self, ends: IntArray, ref: int) -> bool:
        """Tell whether one other signature changed shortly before most of these ends.

        The TV off, then the lamp; the resident gone, then the garage door
        shut: the person answering something, however steadily (REACTION_*).
        A device's end follows only its own start.
        """
        times = self.t[ends]
        lo = np.searchsorted(self.t, times - REACTION_S, side="left")
        hi = np.searchsorted(self.t, times, side="left")
        before: Counter[int] = Counter()
        for start, stop in zip(lo.tolist(), hi.tolist(), strict=True):
            codes = self.c[start:stop]
            before.update(set(codes[self.ref_of_sig[codes] != ref].tolist()))
        return bool(before) and max(before.values()) >= REACTION_SHARE * len(ends)

    def open_minutes(self, action_code: int) -> float:
        """Return the minutes the action's entity spent not as the action leaves it."""
        found = self._open.get(action_code)
        if found is None:
            ref = int(self.ref_of_sig[action_code])
            rows = np.nonzero(self.ref_of_sig[self.c] == ref)[0]
            if len(rows) < 2:
                found = 0.0
            else:
                spans = np.diff(np.append(self.t[rows], self.t[-1]))
                found = float(np.sum(spans[self.c[rows] != action_code])) / 60.0
            self._open[action_code] = found
        return found

    def sun_times(self, action: str) -> dict[int, float]:
        """Return each day's sunset ("set") or sunrise ("rose"), from sun.sun's Sparks."""
        found = self._sun.get(action)
        if found is None:
            rows, _ = self._sun_changes()
            found = self._sun[action] = {
                int(self.day[i]): float(self.t[i])
                for i in rows
                if self.sigs[int(self.c[i])].action == action
            }
        return found

    def _sun_clock(self, event: str) -> IntArray:
        """Return the minutes of the day sunrise or sunset came at, day by day."""
        rows, is_set = self._sun_changes()
        minutes: IntArray = self.minute[rows[is_set == (event == "sunset")]]
        return minutes

    def sun_minute(self, event: str) -> int | None:
        """Return the usual clock time (minute of the day) of sunrise or sunset, if seen."""
        minutes = self._sun_clock(event)
        return int(np.median(minutes)) if len(minutes) else None

    def sun_keeps_still(self, event: str) -> bool:
        """Tell whether the clock time of sunrise or sunset moved little in the look-back.

        Near the equator, or for a few weeks around a solstice, it stays
        within SUN_STILL_MIN; a change of clocks alone moves it an hour.
        """
        minutes = self._sun_clock(event)
        if not len(minutes):
            return False
        spread = min(int(np.ptp(minutes)), int(np.ptp((minutes + _DAY // 2) % _DAY)))
        return spread <= SUN_STILL_MIN

    def _sun_changes(self) -> tuple[IntArray, BoolArray]:
        """Return sun.sun's Sparks (rows, in time order) and which were sunsets (cached)."""
        if self._sun_rows is None:
            codes = [c for c, sig in enumerate(self.sigs) if sig.kind == "sun"]
            rows = np.flatnonzero(np.isin(self.c, codes)) if codes else np.zeros(0, np.int64)
            is_set = np.asarray([self.sigs[int(c)].action == "set" for c in self.c[rows]], bool)
            self._sun_rows = (rows, is_set)
        return self._sun_rows

    def dark(self, times: FloatArray) -> BoolArray | None:
        """Mark the moments the sun was down (from sun.sun's Sparks); None without them.

        Every sunset and sunrise counts (far north, a summer day may see two
        sunsets around midnight).
        """
        rows, is_set = self._sun_changes()
        moments = self.t[rows]
        if not len(moments):
            return None
        # Far north the sun may only set (or only rise) for weeks: that is kept.
        last = np.searchsorted(moments, times, side="right") - 1
        # Before the first sunrise or sunset it was what that one ended.
        result: BoolArray = np.where(last >= 0, is_set[np.maximum(last, 0)], not is_set[0])
        return result

    def dark_share(self) -> float:
        """Return the share of the time between the first and last sun change that was dark."""
        rows, is_set = self._sun_changes()
        if len(rows) < 2:
            return 0.5
        spans = np.diff(self.t[rows])
        total = float(np.sum(spans))
        return float(np.sum(spans[is_set[:-1]])) / total if total > 0 else 0.5

    def held_for(self, code: int, entries: IntArray, hold_s: float) -> BoolArray:
        """Mark the entries into a state that stayed so for hold_s (HA's `for:`)."""
        held: BoolArray = self.held_spans(code, entries) >= hold_s
        return held

    def held_spans(self, code: int, entries: IntArray) -> FloatArray:
        """Return how long each entry's state held before the entity changed again."""
        ref_changes = self.changes_by_ref()[int(self.ref_of_sig[code])]
        after = np.searchsorted(self.t[ref_changes], self.t[entries], side="right")
        next_change = np.where(
            after < len(ref_changes),
            self.t[ref_changes[np.minimum(after, len(ref_changes) - 1)]],
            np.inf,
        )
        spans: FloatArray = next_change - self.t[entries]
        return spans

    def pressed_times(self) -> FloatArray:
        """Return when a person pressed a button or remote or chose a helper, in order."""
        if self._pressed is None:
            control = np.asarray([s.kind == "control" for s in self.sigs] or [False], dtype=bool)
            self._pressed = self.t[control[self.c] & ~self.auto]
        return self._pressed

    def changes_by_ref(self) -> dict[int, IntArray]:
        """Return each entity's rows, in time order."""
        if self._changes_by_ref is None:
            refs = self.ref_of_sig[self.c]
            order = np.argsort(refs, kind="stable")
            bounds = np.flatnonzero(np.diff(refs[order])) + 1
            self._changes_by_ref = {
                int(refs[group[0]]): group for group in np.split(order, bounds) if len(group)
            }
        return self._changes_by_ref

    def hold_index(self) -> _HoldIndex:
        """Return every change that may hold, in time order, with its entity's next change.

        Entities none of whose changes may hold are left out: most of a busy
        home's never start an "after N minutes" routine.
        """
        if self._hold_index is None:
            groups = [
                (ref, changes)
                for ref, changes in self.changes_by_ref().items()
                if np.any(self.may_hold[self.c[changes]])
            ]
            by_ref = np.concatenate([g for _, g in groups]) if groups else np.zeros(0, np.int64)
            lengths = np.asarray([len(g) for _, g in groups], dtype=np.int64)
            t0 = float(self.t.min()) if len(self.t) else 0.0
            micros = _micros(self.t[by_ref] - t0)
            # Each change's entity's next change: the next one of its group.
            following = np.append(micros[1:], 0)
            last_of_ref = np.zeros(len(by_ref), dtype=bool)
            last_of_ref[np.cumsum(lengths) - 1] = True
            next_micros = np.where(last_of_ref, np.iinfo(np.int64).max, following)
            position = np.repeat(np.arange(len(groups), dtype=np.int64), lengths)
            order = np.argsort(self.t[by_ref], kind="stable")
            rows = by_ref[order]
            codes = self.c[rows]
            self._hold_index = _HoldIndex(
                refs=np.asarray([ref for ref, _ in groups], dtype=np.int64),
                t0=t0,
                rows=rows,
                times=self.t[rows],
                position=position[order],
                micros=micros[order],
                next_micros=next_micros[order],
                codes=codes,
                may_hold=self.may_hold[codes],
                quiet=self.may_hold[codes] & self.quiet[codes],
            )
        return self._hold_index

    def local(self, day: int, minute: int) -> float:
        """Return the moment of a local time of day (minutes) on a day (ordinal).

        NaN where that time does not exist that day (skipped by a DST change):
        a clock set to it does not fire then.
        """
        wall = datetime.combine(date.fromordinal(day), dt_time(minute // 60 % 24, minute % 60))
        moment = wall.replace(tzinfo=self.tz)
        if moment.astimezone(UTC).astimezone(self.tz).replace(tzinfo=None) != wall:
            return math.nan
        return moment.timestamp()

    def all_days(self) -> list[int]:
        """Return every day of the period (a quiet day is still a day)."""
        if not len(self.t):
            return []
        return list(range(max(self.first, int(self.day.min())), self.last + 1))

    def days_on(self, weekdays: Sequence[str]) -> int:
        """Return how many days of the period fall on these weekdays."""
        if self._weekday_counts is None:
            self._weekday_counts = Counter(_weekday(d) for d in self.all_days())
        return sum(self._weekday_counts[d] for d in weekdays)

    def occurrences(self, code: int) -> IntArray:
        """Return rows of a signature, whoever caused them (HA fires on any)."""
        found = self._all_by_sig.get(code)
        if found is None:
            found = self._all_by_sig[code] = np.nonzero(self.c == code)[0]
        return found

    def automation_times(self, code: int) -> FloatArray:
        """Return when automations did this signature, in time order (cached)."""
        found = self._auto_times.get(code)
        if found is None:
            rows = self.occurrences(code)
            found = self._auto_times[code] = self.t[rows[self.auto[rows]]]
        return found

    def person_actions(self, code: int) -> IntArray:
        """Return rows where the person did this (not an automation, not a group's member)."""
        found = self._by_sig.get(code)
        if found is None:
            found = self._by_sig[code] = np.nonzero(
                (self.c == code) & ~self.auto & ~self.is_act_member
            )[0]
        return found


def _weekday(day_ordinal: int) -> str:
    # Day 1 (0001-01-01, date.toordinal) was a Monday.
    return WEEKDAYS[(day_ordinal - 1) % 7]


def _score(right: int, fired: int, base_rate: float, z: float = WILSON_Z) -> tuple[float, float]:
    """Return (confidence, score) of a replay: the score weighs how much it does."""
    bound = lower_bound(right, fired, z)
    value = max(0.0, (bound - base_rate) / (1.0 - base_rate)) if base_rate < 1 else 0.0
    return value, right * value


def _best_arc(
    hit_minutes: IntArray,
    fire_minutes: IntArray,
    base: Callable[[FloatArray], FloatArray],
    pad: int,
    max_length: int = _DAY,
    left_out: int = 0,
) -> tuple[int, int] | None:
    """Return the circular window (start, end) whose firings score best.

    Candidate windows run from one hit's minute to another's (around
    midnight too), padded; each is scored by how many firings inside it were
    right and how surely (with `base`, the chance rate for a window length).
    A window that is not the whole day leaves out `left_out` minutes at least.
    """
    if not len(hit_minutes):
        return None
    # Minutes of the day: which bins hold a hit, by a count (not a sort).
    bins = np.flatnonzero(np.bincount(hit_minutes // BIN_MIN, minlength=1)) * BIN_MIN
    k = len(bins)
    starts = bins.astype(np.float64) - pad
    ends = np.concatenate([bins, bins + _DAY]).astype(np.float64) + BIN_MIN - 1 + pad
    # Every (start i, end j) with j from i to i + k - 1: arcs up to a whole day.
    # Bins are distinct and BIN_MIN apart at least, so an arc no longer than
    # max_length ends within max_length // BIN_MIN + 1 bins of its start.
    ends_per_start = k if max_length >= _DAY else min(k, max_length // BIN_MIN + 2)
    i_idx = np.repeat(np.arange(k), ends_per_start)
    j_idx = i_idx + np.tile(np.arange(ends_per_start), k)
    arc_start, arc_end = starts[i_idx], ends[j_idx]
    length = np.minimum(arc_end - arc_start + 1, _DAY)
    allowed = (length <= max_length) & ((length <= _DAY - left_out) | (length >= _DAY - 2 * pad))
    # Minutes are whole numbers: counts inside [start, end] come from a
    # running count over a minute grid (one lookup per arc, not a search).
    # The grid covers the values shifted a day either way and every bound.
    origin = -_DAY - pad - 1
    size = 3 * _DAY + 2 * pad + BIN_MIN + 2
    upper = arc_end.astype(np.int64) - origin
    below = arc_start.astype(np.int64) - 1 - origin

    def count(values: IntArray) -> FloatArray:
        minutes = np.asarray(values, dtype=np.int64) % _DAY
        shifted = np.concatenate([minutes, minutes + _DAY, minutes - _DAY]) - origin
        running = np.cumsum(np.bincount(shifted, minlength=size))
        inside = running[upper] - running[below]
        counted: FloatArray = np.minimum(inside, len(values)).astype(np.float64)
        return counted

    right = count(hit_minutes)
    fired = np.maximum(count(fire_minutes), right)
    b = base(length)
    z2 = 1.64**2
    rate = np.where(fired > 0, right / np.maximum(fired, 1), 0.0)
    center = rate + z2 / (2 * np.maximum(fired, 1))
    margin = 1.64 * np.sqrt(
        rate * (1 - rate) / np.maximum(fired, 1) + z2 / (4 * np.maximum(fired, 1) ** 2)
    )
    bound = np.maximum(0.0, (center - margin) / (1 + z2 / np.maximum(fired, 1)))
    value = np.maximum(0.0, (bound - b) / np.maximum(1e-9, 1.0 - b))
    scores = np.where(allowed, right * value, 0.0)
    best = int(np.argmax(scores))
    if scores[best] <= 0:
        return None
    if length[best] >= _DAY - 2 * pad:
        return 0, _DAY - 1
    return int(arc_start[best]) % _DAY, int(arc_end[best]) % _DAY


def _choose_days(days_of: IntArray, right: BoolArray, base_rate: float) -> tuple[str, ...] | None:
    """Pick every day, weekdays, weekends or a set of weekdays from how firings went.

    Each set is scored like a window; a set of single weekdays must rest on
    at least two right firings on each of its days.
    """
    names = np.asarray(WEEKDAYS)[(np.asarray(days_of, dtype=np.int64) - 1) % 7]
    fired = Counter(names.tolist())
    hits = Counter(names[right].tolist()) if len(names) else Counter()

    def score(chosen: Sequence[str]) -> float:
        n_fired = sum(fired[d] for d in chosen)
        n_right = sum(hits[d] for d in chosen)
        return _score(n_right, n_fired, base_rate)[1]

    options: list[tuple[str, ...]] = [WEEKDAYS, WORKDAYS, WEEKEND]
    ranked = sorted(
        (d for d in WEEKDAYS if hits[d] >= 2),
        key=lambda d: -(hits[d] / fired[d]) if fired[d] else 0.0,
    )
    options += [tuple(d for d in WEEKDAYS if d in ranked[:n]) for n in range(1, len(ranked) + 1)]
    scored = [(score(o), i, o) for i, o in enumerate(options) if o]
    # Households live by every day, workdays or weekends far more often than
    # by a set of single weekdays, which the search picks among a hundred: such
    # a set must do clearly better than the plain ones (a Friday skipped three
    # times in four does not make a Monday-to-Thursday routine).
    plain = max(s for s, i, _ in scored if i < 3)
    scored = [(s, i, o) for s, i, o in scored if i < 3 or s >= (1.0 + SINGLE_DAYS_MARGIN) * plain]
    best_score = max(s for s, _, _ in scored)
    if best_score <= 0:
        return None
    # Of the sets within 3 % of the best, the one that keeps every weekday
    # with evidence and adds none without: a weekday routine whose trigger
    # never fired on weekends is still a weekday routine.
    with_evidence = {d for d in WEEKDAYS if hits[d] >= 2}
    near = [(i, o) for s, i, o in scored if s >= 0.97 * best_score]
    return min(near, key=lambda x: (not with_evidence <= set(x[1]), len(x[1]), x[0]))[1]


def _days_and_counts(codes: IntArray, days: IntArray) -> tuple[dict[int, int], dict[int, int]]:
    """Return, per code, on how many distinct days it appears, and how often."""
    if not len(codes):
        return {}, {}
    # A (code x day) grid of counts: codes are small and days a few weeks.
    first, n_codes = int(days.min()), int(codes.max()) + 1
    width = int(days.max()) - first + 1
    cells = np.bincount(codes * width + (days - first), minlength=n_codes * width)
    grid = cells.reshape(n_codes, width)
    counts = np.bincount(codes)
    found = np.flatnonzero(counts)
    day_counts = np.count_nonzero(grid[found], axis=1)
    return (
        dict(zip(found.tolist(), day_counts.tolist(), strict=True)),
        dict(zip(found.tolist(), counts[found].tolist(), strict=True)),
    )


def _on_a_schedule(seconds: IntArray) -> bool:
    """Tell whether nearly all these seconds of the day keep a few times to the second.

    The seconds fall into runs where each is within 2 x SELF_TIMED_CLOCK_S of
    the next; a schedule's runs are tight (no longer than that), hold three
    days at least, and are few (SELF_TIMED_SCHEDULES). A person's routine,
    however regular, spreads over minutes.
    """
    ordered = np.sort(np.asarray(seconds, dtype=np.int64))
    if not len(ordered):
        return False
    width = 2 * SELF_TIMED_CLOCK_S
    # Start at the widest gap of the circular day, so no run is cut at midnight.
    gaps = np.diff(np.concatenate([ordered, ordered[:1] + 86400]))
    start = (int(np.argmax(gaps)) + 1) % len(ordered)
    turned = np.concatenate([ordered[start:], ordered[:start] + 86400])
    breaks = np.flatnonzero(np.diff(turned) > width) + 1
    firsts = np.concatenate([[0], breaks])
    lasts = np.concatenate([breaks, [len(turned)]]) - 1
    lengths = lasts - firsts + 1
    tight = lengths[(lengths >= 3) & (turned[lasts] - turned[firsts] <= width)]
    # A few schedules a day, not a scatter that happens to bunch up.
    return len(tight) <= SELF_TIMED_SCHEDULES and int(tight.sum()) >= SELF_TIMED_SHARE * len(
        ordered
    )


def _worth_proposing(cand: _Candidate) -> bool:
    """Tell whether the candidate alone would be proposed (skill.worth_proposing)."""
    right, fired = int(cand.replay.right.sum()), len(cand.replay.times)
    rate = proposal_rate(cand.trigger, [cand.action])
    return worth_proposing(cand.confidence, FiringStats(fired, right), rate)


def _all_right(members: Sequence[_Candidate]) -> tuple[int, int]:
    """Return the firings all members saw, and those after which every one was right."""
    times = members[0].replay.times
    right = members[0].replay.right
    for member in members[1:]:
        times, here, there = np.intersect1d(times, member.replay.times, return_indices=True)
        right = right[here] & member.replay.right[there]
    return len(times), int(np.sum(right))


def _worth_proposing_together(members: Sequence[_Candidate]) -> bool:
    """Tell whether one skill of these actions would be proposed."""
    fired, right = _all_right(members)
    z = max(m.replay.z for m in members)
    base = max(m.replay.base_rate for m in members)
    rate = proposal_rate(members[0].trigger, [m.action for m in members])
    return worth_proposing(_score(right, fired, base, z)[0], FiringStats(fired, right), rate)


def _worse_while_away(right: BoolArray, keep: BoolArray, home: BoolArray) -> bool:
    """Tell whether the firings while nobody was home went worse than the others.

    Only then may a someone-home condition help, and the candidate is
    replayed again with it (read cheaply off the first replay's counts).
    """
    away, present = keep & ~home, keep & home
    if not np.any(away) or not np.any(present):
        return False
    return bool(np.mean(right[away]) < np.mean(right[present]))


def judged_window(delay_s: float) -> float:
    """Return how long after a firing the person's action still proves it right.

    The automation acts after delay_s; the person's own time may come up to
    half that wait later, and never less than two minutes later.
    """
    return delay_s + max(JUDGED_MIN_S, 0.5 * delay_s)


def _bound_z(days: Sequence[str]) -> float:
    """Return how wide a skill's bound is drawn.

    Where the learner chose among many possibilities, the evidence must be
    surer (one-sided 99 %, not 95 %): a set of single weekdays is one of
    many. (So is one of several clock arcs of one action: see _anchored.)
    """
    canonical = tuple(days) in (WEEKDAYS, WORKDAYS, WEEKEND)
    return WILSON_Z if canonical else SEARCHED_Z


def _in_days(days_of: IntArray, chosen: Sequence[str]) -> BoolArray:
    allowed = np.zeros(7, dtype=bool)
    allowed[[WEEKDAYS.index(d) for d in chosen]] = True
    result: BoolArray = allowed[(np.asarray(days_of, dtype=np.int64) - 1) % 7]
    return result


def _in_window(minutes: IntArray, start: int, end: int) -> BoolArray:
    if start <= end:
        return (minutes >= start) & (minutes <= end)
    return (minutes >= start) | (minutes <= end)


def _clock_end(at: int, window_s: float) -> int:
    """Return the last minute of a clock's window: it runs at its start, for its span."""
    return (at + round(window_s / 60) - 1) % _DAY


def _window_length(start: int, end: int) -> int:
    return (end - start) % _DAY + 1


class RoutineMiner:
    """Find routines in Sparks and keep Skills up to date night after night."""

    def __init__(self, settings: MinerSettings | None = None) -> None:
        """Create a miner."""
        self.settings = settings or MinerSettings()

    # ---- public ------------------------------------------------------------

    def run(
        self,
        sparks: Iterable[Spark],
        tz: tzinfo,
        today: date,
        existing: Sequence[Skill] = (),
        automated: Iterable[str] = (),
        keep_ids: Iterable[str] = (),
        describe: Describe | None = None,
        residents: Iterable[str] | None = None,
        rejected_ids: Iterable[str] = (),
        groups: Mapping[str, Iterable[str]] | None = None,
    ) -> list[Skill]:
        """Mine the look-back period before today and merge into existing skills.

        automated: signature keys ('ref:action') an automation already performs.
        keep_ids: skills to keep whatever their confidence (the user approved them).
        residents: refs of all the home's person entities (None: those with Sparks).
        rejected_ids: skills the household rejected (no new skill takes them in).
        groups: refs of group entities to the refs of their members, as Home
        Assistant lists them (a light group's entity_id attribute).
        """
        settings = self.settings
        first = today - timedelta(days=settings.lookback_days)
        data = _Data(sparks, tz, first, today - timedelta(days=1), residents, groups)
        blocked = set(automated)
        actions = [
            code
            for code, sig in enumerate(data.sigs)
            if sig.kind in ACTUATOR_KINDS
            and sig.key not in blocked
            and (sig.kind, sig.action) not in NEVER_LEARNED
        ]
        candidates: list[_Candidate] = []
        for code in actions:
            rows = data.person_actions(code)
            if len(np.unique(data.day[rows])) < settings.min_days or data.self_timed(code, rows):
                continue
            candidates += self._event_candidates(data, code, rows)
            candidates += self._hold_candidates(data, code, rows)
            candidates += self._daily_candidates(data, code, rows)
        candidates = [c for c in candidates if not self._done_by_an_automation(data, c)]
        best = self._best_per_action(_anchor_followed(data, candidates))
        found = self._group(_without_follow_ons(data, best))
        return self._merge(
            found, existing, data, today, set(keep_ids), describe or _words, set(rejected_ids)
        )

    # ---- replaying one candidate ---------------------------------------------

    def _replay(
        self,
        data: _Data,
        fire_times: FloatArray,
        fire_rows: IntArray | None,
        action_code: int,
        window_s: float,
        window: tuple[int, int],
        days: int,
        daily: bool = False,
        weekdays: Sequence[str] = WEEKDAYS,
        during: tuple[BoolArray, float] | None = None,
    ) -> _Firings:
        """Count right firings: the person did the action within window_s after one.

        fire_rows, where the firings are Sparks, keeps a firing from being
        "followed" by its own act. The base rate is the chance that the
        action falls into such a stretch anyway: the person's rate for it at
        the moments the routine does not explain, over that stretch.
        """
        rows = data.person_actions(action_code)
        times = data.t[rows]
        order = np.argsort(fire_times, kind="stable")
        fire_times = fire_times[order]
        lo = np.searchsorted(times, fire_times, side="right")
        hi = np.searchsorted(times, fire_times + window_s, side="right")
        right = hi > lo
        if fire_rows is not None and len(rows):
            fire_rows = fire_rows[order]
            first = rows[np.minimum(lo, len(rows) - 1)]
            same_act = data.act_key[first] == data.act_key[fire_rows]
            right &= ~(same_act & (hi - lo == 1))
        delays = np.where(right, times[np.minimum(lo, len(times) - 1)] - fire_times, 0.0)
        explained_rows = np.zeros(len(times), dtype=bool)
        if len(fire_times) and len(times):
            before = np.searchsorted(fire_times, times, side="left") - 1
            gap = times - fire_times[np.maximum(before, 0)]
            explained_rows = (before >= 0) & (gap > 0) & (gap <= window_s)
        explained = int(np.sum(explained_rows))
        # The chance that the person does it in such a stretch anyway: their
        # rate for it nearby, where the routine explains nothing. A clock's
        # window against the hours around it; an event's against the moments
        # of its window that no firing explains.
        length = _window_length(*window)
        minutes = data.minute[rows]
        on_days = _in_days(data.day[rows], weekdays)
        if daily:
            start, end = window
            near = _in_window(minutes, (start - BACKGROUND_MIN) % _DAY, (start - 1) % _DAY)
            near |= _in_window(minutes, (end + 1) % _DAY, (end + BACKGROUND_MIN) % _DAY)
            rate = int(np.sum(near & on_days)) / max(1.0, float(days) * 2 * BACKGROUND_MIN)
            stretch = float(min(length, window_s / 60.0))
        else:
            # Where the routine holds (the window; or, after dark, the
            # person's actions in the dark over the minutes of dark a day).
            inside, minutes_a_day = (
                during if during is not None else (_in_window(minutes, *window), float(length))
            )
            unexplained = inside & on_days & ~explained_rows
            rate = int(np.sum(unexplained)) / max(1.0, float(days) * minutes_a_day)
            stretch = window_s / 60.0
        # ...and the person's own pace once the entity is as the automation
        # finds it: lights left on for minutes are switched off within minutes
        # whatever happened. The surer of the two is taken.
        hazard = (len(times) - explained) / max(1.0, data.open_minutes(action_code))
        base = 1.0 - math.exp(-max(rate, hazard) * stretch)
        return _Firings(
            fire_times, right, delays[right], explained, len(times), min(base, 0.999),
            explains=rows[explained_rows],
        )  # fmt: skip

    def _finish(
        self,
        data: _Data,
        trigger: Trigger,
        action_code: int,
        fire_times: FloatArray,
        fire_rows: IntArray | None,
        fire_minutes: IntArray,
        fire_days: IntArray,
        window_s: float,
        chance: float | None = None,
        searched: bool = False,
    ) -> _Candidate | None:
        """Choose window and days for the firings, replay them and score.

        chance, for a clock or the sun: the chance of the action in its span
        anyway, read by the caller around the span itself.
        """
        settings = self.settings
        action = data.sigs[action_code]
        order = np.argsort(fire_times, kind="stable")
        times, minutes, days_of = fire_times[order], fire_minutes[order], fire_days[order]
        rows = fire_rows[order] if fire_rows is not None else None
        # Window and days are chosen on the firings that would find something
        # to do at once; the automation is then replayed as it would run. One
        # that waits asks nothing when it fires (see automation_config's
        # not-done condition): it acts on what it finds after its wait, even
        # where the action was done at the firing (the garage door open when
        # the motion came, closed again by the time it acts).
        live = data.live_firings(action_code, times)
        all_days = data.all_days()
        n_days = max(1, len(all_days))
        per_day = len(data.person_actions(action_code)) / n_days

        def base(length: FloatArray) -> FloatArray:
            # Chance of the action within window_s anyway, at its daily rate.
            stretch = np.minimum(length, window_s / 60.0)
            return 1.0 - np.exp(-per_day * stretch / _DAY)

        daily = trigger.event is None
        first = self._replay(
            data, times[live], rows[live] if rows is not None else None, action_code,
            window_s, (0, _DAY - 1), n_days, daily,
        )  # fmt: skip
        right = np.zeros(len(times), dtype=bool)
        right[live] = first.right
        chosen_days: tuple[str, ...] = WEEKDAYS
        start, end = 0, _DAY - 1
        for _ in range(2):  # window on the chosen days, days in the chosen window
            keep = _in_days(days_of, chosen_days) & live
            arc = _best_arc(
                minutes[keep & right], minutes[keep], base, settings.pad_min,
                left_out=LEFT_OUT_MIN,
            )  # fmt: skip
            if arc is None:
                return None
            start, end = arc
            inside = _in_window(minutes, start, end) & live
            days = _choose_days(days_of[inside], right[inside], float(base(np.asarray([1.0]))[0]))
            if days is None:
                return None
            if days == chosen_days:
                break  # the same days again would find the same window
            chosen_days = days
        keep = _in_window(minutes, start, end) & _in_days(days_of, chosen_days)
        if not np.any(keep & live):
            return None
        n_eligible = data.days_on(chosen_days)

        def final(
            within: float,
            delay: float,
            only: BoolArray,
            window: tuple[int, int],
            during: tuple[BoolArray, float] | None,
        ) -> _Firings:
            # What the automation would find when it acts, after its delay;
            # a firing while the run before still waits is dropped (mode single).
            acting = _single_runs(times, only, delay) & data.live_firings(
                action_code, times + delay, asks=delay < DELAY_STEP_MIN_S
            )
            return self._replay(
                data, times[acting], rows[acting] if rows is not None else None, action_code,
                within, window, n_eligible, daily, chosen_days, during,
            )  # fmt: skip

        def timed(
            only: BoolArray,
            window: tuple[int, int] = (start, end),
            during: tuple[BoolArray, float] | None = None,
        ) -> tuple[_Firings, float, float]:
            replay = final(window_s, 0.0, only, window, during)
            if chance is not None:
                replay.base_rate = max(replay.base_rate, chance)
            if daily:
                return replay, 0.0, window_s
            # The automation waits where the person waited, and is then judged
            # as the household lives with it: the person's own action must
            # come soon after the automation's (see judged_window).
            # A little before the person usually acts (their fifth-fastest of
            # twenty): later, the automation would mostly find it done, and at
            # that very moment it only races them.
            observed = _quantile(np.sort(replay.delays), 0.2) if len(replay.delays) else 0.0
            # Whole seconds, as the automation waits them.
            delay = (
                float(round(max(DELAY_STEP_MIN_S, AHEAD_OF_PERSON * observed)))
                if observed >= DELAY_STEP_MIN_S
                else 0.0
            )
            judged = judged_window(delay)
            return final(judged, delay, only, window, during), delay, judged

        z = SEARCHED_Z if searched else _bound_z(chosen_days)
        replay, delay, window_s = timed(keep)
        value, score = _score(int(replay.right.sum()), len(replay.times), replay.base_rate, z)
        # "When I come home after dark": the sun, not the clock, says when. A
        # triggered routine is kept to the hours of darkness instead of a
        # window if that scores better (the dark moves two hours with the
        # seasons and jumps one at a change of clocks; a window cannot follow).
        after_dark = False
        during: tuple[BoolArray, float] | None = None
        dark = data.dark(times) if not daily else None
        if dark is not None and np.any(dark):
            on_days = _in_days(days_of, chosen_days)
            # Its chance is the person's rate in the dark, not over the day.
            acts = data.t[data.person_actions(action_code)]
            acts_dark = data.dark(acts)
            assert acts_dark is not None
            in_the_dark = (acts_dark, data.dark_share() * _DAY)
            in_dark = timed(on_days & dark, (0, _DAY - 1), in_the_dark)
            dark_value, dark_score = _score(
                int(in_dark[0].right.sum()), len(in_dark[0].times), in_dark[0].base_rate, z
            )
            if dark_score > score:
                (replay, delay, window_s), value, score = in_dark, dark_value, dark_score
                keep, start, end, after_dark = on_days & dark, 0, _DAY - 1, True
                during = in_the_dark
        # While nobody is home, the person does nothing: a clock (or the cat
        # on a motion sensor) would fire for no one. Where residents come and
        # go, the skill asks for someone at home if its firings are then surer.
        someone_home = False
        home = data.someone_home(times)
        if home is not None and _worse_while_away(right, keep & live, home):
            at_home = timed(keep & home, (start, end), during)
            home_value, home_score = _score(
                int(at_home[0].right.sum()), len(at_home[0].times), at_home[0].base_rate, z
            )
            if home_score > score:
                (replay, delay, window_s), value, score = at_home, home_value, home_score
                someone_home = True
        replay.z = z
        fired_at = np.searchsorted(times, replay.times)
        right_days = {int(d) for d in days_of[fired_at][replay.right]}
        if len(right_days) < settings.min_days or value < settings.keep_threshold:
            return None
        fired_days = {int(d) for d in days_of[fired_at]}
        evidence = {
            date.fromordinal(d).isoformat(): int(d in right_days) for d in sorted(fired_days)
        }
        if trigger.at is not None and _starts_inside_a_spread(
            data, action_code, trigger.at, _clock_end(trigger.at, window_s), chosen_days
        ):
            return None
        bonus = TRIGGER_BONUS.get(trigger.event.kind, 0.0) if trigger.event else 0.0
        if trigger.sun is not None and data.sun_keeps_still(trigger.sun):
            bonus = SUN_BONUS
        return _Candidate(
            trigger,
            action,
            Conditions(start, end, chosen_days, someone_home, after_dark),
            delay,
            window_s,
            replay,
            evidence,
            value,
            # Between rival skills for one action, sureness weighs twice: a
            # household keeps the automation that is right, not the busiest.
            score * value * (1.0 + bonus),
        )

    # ---- kinds of routine ------------------------------------------------------

    @staticmethod
    def _done_by_an_automation(data: _Data, cand: _Candidate) -> bool:
        """Tell whether an automation already does the action after this trigger.

        Then it is not ours to propose. Only after the candidate's own firings:
        a presence simulation switching the living room light on while everyone
        is away does not make Ben's "home, then living room light" redundant.
        Twice, and on a tenth of the firings at least: one coincidence is not
        an automation.
        """
        auto_times = data.automation_times(data.codes[cand.action.key])
        fired = cand.replay.times
        if len(auto_times) < 2 or not len(fired):
            return False
        lo = np.searchsorted(auto_times, fired, side="left")
        hi = np.searchsorted(auto_times, fired + cand.window_s, side="right")
        followed = int(np.sum(hi > lo))
        return followed >= max(2, math.ceil(0.1 * len(fired)))

    def _event_candidates(self, data: _Data, code: int, rows: IntArray) -> list[_Candidate]:
        """Something happens, and the person does the action within minutes."""
        settings = self.settings
        lo = np.searchsorted(data.t, data.t[rows] - settings.max_delay_s, side="left")
        # Every (action, earlier moment within max_delay_s) pair, all at once.
        counts = rows - lo
        act = np.repeat(rows, counts)
        trig = _flat_ranges(lo, counts)
        codes = data.c[trig]
        ok = (
            data.is_trigger[codes]
            & ~data.auto[trig]
            & (data.ref_of_sig[codes] != data.ref_of_sig[code])
            & (data.act_key[trig] != data.act_key[act])
        )
        act, trig, codes = act[ok], trig[ok], codes[ok]
        # The nearest moment of each kind before each action.
        order = np.lexsort((-trig, codes, act))
        act, trig, codes = act[order], trig[order], codes[order]
        first = np.ones(len(act), dtype=bool)
        first[1:] = (act[1:] != act[:-1]) | (codes[1:] != codes[:-1])
        act, trig, codes = act[first], trig[first], codes[first]
        gaps = data.t[act] - data.t[trig]
        seen, pairs = _days_and_counts(codes, data.day[act])
        out = []

        spans: dict[int, float] = {}

        def span(trig_code: int) -> float:
            # How long after this trigger the action came (nine times in ten);
            # read once per trigger, however often a joined trigger asks.
            if trig_code not in spans:
                observed = np.sort(gaps[codes == trig_code])
                spans[trig_code] = float(
                    min(settings.max_delay_s, max(60.0, 1.25 * _quantile(observed, 0.9)))
                )
            return spans[trig_code]

        for trig_code in self._most_promising(data, seen, pairs, code):
            if (cand := self._event_candidate(
                data, [trig_code], code, span(trig_code)
            )) is not None:  # fmt: skip
                out.append(cand)
        return out + self._any_of(data, code, out, seen, pairs, span)

    def _event_candidate(
        self, data: _Data, trig_codes: Sequence[int], code: int, window_s: float
    ) -> _Candidate | None:
        """Replay a trigger of one or more entities, any of which fires it."""
        fires = np.sort(np.concatenate([data.occurrences(c) for c in trig_codes]))
        if len(trig_codes) > 1:
            fires = fires[_once_within(data.t[fires], window_s)]
        lead, *also = (data.sigs[c] for c in trig_codes)
        return self._finish(
            data, Trigger(event=lead, also=tuple(also)), code, data.t[fires], fires,
            data.minute[fires], data.day[fires], window_s,
        )  # fmt: skip

    def _any_of(
        self,
        data: _Data,
        code: int,
        found: Sequence[_Candidate],
        seen: Mapping[int, int],
        pairs: Mapping[int, int],
        span: Callable[[int], float],
    ) -> list[_Candidate]:
        """Join the same moment of several entities into one trigger.

        "Anyone arriving after dark: the entrance light": each resident's
        arrival alone is too rare to be sure of, or explains only that
        resident's share. Starting from the best candidate of a kind of moment
        (or, where none was sure enough alone, from the entity seen before the
        action on most days), the same moment of another entity is taken in
        where the joint replay scores better (or where there is no skill yet:
        evidence adds up).
        """

        def group(c: int) -> tuple[str, str, str] | None:
            sig = data.sigs[c]
            if (
                sig.kind not in ANY_OF_KINDS
                # "Any sensor cleared" while another still sees someone is no
                # one's cue; "anyone left" is not "everyone left".
                or sig.action in HOLD_ACTIONS
                or (sig.kind not in ANY_OF_ANYWHERE and sig.area == "unknown")
            ):
                return None
            return sig.kind, sig.action, "" if sig.kind in ANY_OF_ANYWHERE else sig.area

        def share(c: int) -> float:
            # Of the entity's moments, the share the action followed.
            return min(1.0, pairs[c] / max(1, len(data.occurrences(c))))

        members: dict[tuple[str, str, str], list[int]] = {}
        for c in sorted(seen, key=lambda c: -seen[c]):
            if (key := group(c)) is not None and share(c) >= ANY_OF_SHARE:
                members.setdefault(key, []).append(c)
        best: dict[tuple[str, str, str], _Candidate] = {}
        for cand in found:
            assert cand.trigger.event is not None
            key = group(data.codes[cand.trigger.event.key])
            if key is not None and (key not in best or cand.score > best[key].score):
                best[key] = cand
        out = []
        for key, codes in members.items():
            current = best.get(key)
            if len(codes) < 2 or (
                current is None and sum(seen[c] for c in codes) < self.settings.min_days
            ):
                continue
            if current is not None:
                assert current.trigger.event is not None
                lead = data.codes[current.trigger.event.key]
            else:
                lead = codes[0]
            joined = [lead]
            for other in [c for c in codes if c != lead][:MAX_ALSO]:
                trial = self._event_candidate(
                    data, [*joined, other], code, max(span(c) for c in (*joined, other))
                )
                if current is None or (trial is not None and trial.score > current.score):
                    joined, current = [*joined, other], trial
            if current is not None and len(joined) > 1:
                out.append(current)
        return out

    def _by_days_and_share(
        self, data: _Data, days: Mapping[int, int], pairs: Mapping[int, int]
    ) -> list[int]:
        """Rank triggers seen on enough days by days x share of moments before the action.

        days: per trigger, the days it came before the action; pairs: how
        often. Cheap: nothing is replayed.
        """
        eligible = [c for c, seen in days.items() if seen >= self.settings.min_days]

        def days_times_share(c: int) -> float:
            return days[c] * min(1.0, pairs[c] / max(1, len(data.occurrences(c))))

        return sorted(eligible, key=lambda c: -days_times_share(c))

    def _most_promising(
        self,
        data: _Data,
        days: Mapping[int, int],
        pairs: Mapping[int, int],
        action_code: int,
    ) -> list[int]:
        """Return the event triggers worth replaying for one action (replaying is what costs).

        A busy home has hundreds of things that happen minutes before a light
        goes on. Two rankings pick the few replayed, so that neither's blind
        spot loses the routine: the days a trigger came before the action
        times the share of its moments that did, and that share as the replay
        will see it: only moments that would do something (the light not on
        already) and in the best stretch of the day (a front door opened all
        day, the light only after dark).
        """
        plain = self._by_days_and_share(data, days, pairs)
        actions = data.t[data.person_actions(action_code)]
        # Looked at closer: the first few dozen by days x share (where the
        # right trigger was 15th of 15 in the hardest homes tried).
        closer = plain[:RANKED_CLOSER]
        as_replayed = {c: self._live_share(data, c, action_code, actions) for c in closer}
        live = sorted(closer, key=lambda c: -as_replayed[c][0])
        # ...and the surest (a button pressed on half the days, each time followed).
        sure = sorted(closer, key=lambda c: -as_replayed[c][1])
        return _replayed(live, sure, plain)

    def _live_share(
        self, data: _Data, trig_code: int, action_code: int, actions: FloatArray
    ) -> tuple[float, float]:
        """Score a trigger as the replay would see it.

        Returns its followed firings times their share in the best arc of the
        day, and that share over the whole day.
        """
        rows = data.occurrences(trig_code)
        times = data.t[rows]
        live = data.live_firings(action_code, times)
        lo = np.searchsorted(actions, times, side="right")
        hi = np.searchsorted(actions, times + self.settings.max_delay_s, side="right")
        followed = (hi > lo) & live
        bins = data.minute[rows] * RANK_BINS // _DAY
        n_live = np.bincount(bins[live], minlength=RANK_BINS).astype(np.float64)
        n_followed = np.bincount(bins[followed], minlength=RANK_BINS).astype(np.float64)
        # Every arc of bins at once (around midnight too): sums of a doubled day.
        live_c = np.concatenate(([0.0], np.cumsum(np.tile(n_live, 2))))
        followed_c = np.concatenate(([0.0], np.cumsum(np.tile(n_followed, 2))))
        live_sum = live_c[_ARC_ENDS] - live_c[_ARC_STARTS]
        followed_sum = followed_c[_ARC_ENDS] - followed_c[_ARC_STARTS]
        best = float(np.max(followed_sum**2 / np.maximum(live_sum, 1.0)))
        return best, float(n_followed.sum() / max(1.0, n_live.sum()))

    def _hold_candidates(self, data: _Data, code: int, rows: IntArray) -> list[_Candidate]:
        """Find "after N minutes of a state" routines (nobody in the room, then lights off).

        For each action, the latest change of every other entity (and of
        the action's own, back to the other state) says what had held and
        for how long; a routine is "after N minutes of that".
        """
        settings = self.settings
        index = data.hold_index()
        n_refs = len(index.refs)
        if not n_refs or not len(rows):
            return []
        action_times = data.t[rows]
        own = np.flatnonzero(index.refs == int(data.ref_of_sig[code]))
        # Each entity's latest change before each action, if recent enough.
        latest, a_pos = index.latest_before(action_times, settings.max_hold_s, 60.0)
        ref_pos = index.position[latest]
        # The action's own entity may hold in any state, for an action that
        # ends it ("the kettle, off after 4 minutes"); others only quiet ones.
        # Taking it up again is not ("paused for 2 min: play" would resume
        # what the person paused on purpose).
        is_own = ref_pos == own[0] if len(own) else np.zeros(len(ref_pos), dtype=bool)
        # "Off again after N minutes" is for what is sometimes left on (NEVER_LEFT_SHARE).
        own_may = index.may_hold[latest] & (
            data.sigs[code].action in HOLD_ACTIONS and not data.never_left(code, rows)
        )
        kinds_ok = np.where(is_own, own_may, index.quiet[latest])
        latest, a_pos = latest[kinds_ok], a_pos[kinds_ok]
        held_rows, held_codes = index.rows[latest], index.codes[latest]
        age = action_times[a_pos] - data.t[held_rows]
        keep = (
            (held_codes != code)
            & (data.act_key[held_rows] != data.act_key[rows[a_pos]])
            & (age >= 60.0)
            & (age <= settings.max_hold_s)
        )
        held_codes, age, a_pos = held_codes[keep], age[keep], a_pos[keep]
        days, ages = _days_and_counts(held_codes, data.day[rows][a_pos])
        # Each held state's firings first (cheap), then only the likeliest replayed.
        plans: list[_HoldPlan] = []
        actions = data.t[rows]
        by_code = np.argsort(held_codes, kind="stable")
        codes_sorted, ages_sorted = held_codes[by_code], age[by_code]
        for held_code in self._by_days_and_share(data, days, ages)[:RANKED_CLOSER]:
            lo, hi = np.searchsorted(codes_sorted, (held_code, held_code + 1))
            observed = np.sort(ages_sorted[lo:hi])
            entries = data.occurrences(held_code)
            spans = data.held_spans(held_code, entries)
            # Fire a little before most of the person's own times, wait for the
            # rest; where some of those times are the person's own quick
            # switching off on leaving a room gone quiet, a longer hold may be
            # the routine: the one with most followed firings x their share is kept.
            room = data.sigs[held_code].kind in ROOM_KINDS
            holds = {
                float(max(60.0, math.floor(_quantile(observed, q) / 60.0) * 60.0))
                for q in (HOLD_QUANTILES if room else HOLD_QUANTILES[:1])
            }
            options = []
            for hold in sorted(holds):
                # Switching off early cuts off what is still in use: the person's own
                # time must come soon after the firing, within half the hold.
                window_s = float(
                    min(max(120.0, _quantile(observed, 0.9) - hold + 60.0), max(120.0, hold / 2))
                )
                fires = entries[spans >= hold]
                options.append((hold, window_s, fires, data.t[fires] + hold))
            scores = _followed(data, code, actions, [(o[3], o[1]) for o in options])
            best = max(range(len(options)), key=lambda i: scores[i][0])
            hold, window_s, fires, fire_times = options[best]
            late = data.minute[fires] + int(hold // 60)
            plans.append(_HoldPlan(
                held_code, hold, window_s, fire_times, late % _DAY,
                data.day[fires] + late // _DAY, scores[best],
            ))  # fmt: skip
        # Nearly every quiet entity has been quiet for a while before any
        # action, so how often one preceded it says little; what its firings
        # would do does: ranked by followed firings x their share, then the surest.
        by_score = sorted(range(len(plans)), key=lambda i: -plans[i].followed[0])
        by_share = sorted(range(len(plans)), key=lambda i: -plans[i].followed[1])
        out = []
        for plan in (plans[i] for i in _replayed(by_score, by_share, by_score)):
            trigger = Trigger(event=data.sigs[plan.held_code], hold_s=plan.hold)
            if (cand := self._finish(
                data, trigger, code, plan.fire_times, None, plan.fire_minutes, plan.fire_days,
                plan.window_s,
            )) is not None:  # fmt: skip
                out.append(cand)
        return out

    def _daily_candidates(self, data: _Data, code: int, rows: IntArray) -> list[_Candidate]:
        """At a time of day, or relative to sunset or sunrise."""
        out = self._time_candidates(data, code, rows)
        for event, action in _SUN_ACTION.items():
            if (cand := self._sun_candidate(data, code, rows, event, action)) is not None:
                out.append(cand)
        return out

    def _anchored(
        self,
        data: _Data,
        code: int,
        rows: IntArray,
        anchors: dict[int, float],
        make: Callable[[int, int], Trigger],
        offset_of: Callable[[int], int],
        offset_limit: int | None = None,
        clock: bool = False,
        arcs: int = 1,
    ) -> list[_Candidate]:
        """Find daily routines at an anchor (midnight, the sun) plus an offset.

        Offsets of the person's actions from each day's anchor are searched
        for the densest, surest arc; the automation fires at the arc's start
        each day and the person's action may come until its end. A clock's
        offsets are local times of day, whatever the day's length (DST).
        People do one thing at several times of day (the kitchen light at
        06:10 and at 17:30): once an arc is found, the actions outside it are
        searched again (a clock: DAILY_ARCS times at most; the sun: once).
        """
        settings = self.settings
        if clock:
            offsets = data.minute[rows].astype(np.float64)
            offset_days = data.day[rows]
        else:
            anchored = rows[np.isin(data.day[rows], list(anchors))]
            offset_days = data.day[anchored]
            anchor_times = np.asarray([anchors[int(d)] for d in offset_days], dtype=np.float64)
            offsets = (data.t[anchored] - anchor_times) / 60.0
        if len(offsets) < settings.min_days:
            return []
        # Offsets as minutes of a circular day (midnight anchors wrap around).
        as_minutes = (np.floor(offsets).astype(np.int64)) % _DAY
        per_day = len(rows) / max(1, len(data.all_days()))

        def base(length: FloatArray) -> FloatArray:
            return 1.0 - np.exp(-per_day * length / _DAY)

        every = np.arange(0, _DAY, BIN_MIN, dtype=np.int64)
        found_arcs: list[tuple[int, int]] = []
        left = np.ones(len(as_minutes), dtype=bool)
        for _ in range(arcs):
            if int(np.sum(left)) < settings.min_days:
                break
            arc = _best_arc(
                as_minutes[left], every, base, settings.pad_min, settings.max_daily_span_min
            )
            if arc is None or _window_length(*arc) >= _DAY:
                break
            padded = ((arc[0] - settings.pad_min) % _DAY, (arc[1] + settings.pad_min) % _DAY)
            inside = left & _in_window(as_minutes, *arc)
            left &= ~_in_window(as_minutes, *padded)
            # Arcs rank by actions, not days: a busy one on a few party nights
            # is no routine, and what is left may still hold one.
            if len(np.unique(offset_days[inside])) >= settings.min_days:
                found_arcs.append(arc)

        def at(arc: tuple[int, int], searched: bool) -> _Candidate | None:
            return self._at_arc(
                data, code, anchors, make, offset_of, offset_limit, clock, as_minutes, arc,
                searched,
            )  # fmt: skip

        found = [(arc, cand) for arc in found_arcs if (cand := at(arc, False)) is not None]
        if len(found) < 2:
            return [cand for _, cand in found]
        # Several routines of one action were searched among each other: one
        # holding most of the action's moments is its routine (whichever ranks
        # first tonight); the others are bounded at 99 %.
        out = []
        for arc, first in found:
            most = np.sum(_in_window(as_minutes, *arc)) >= 0.5 * len(as_minutes)
            if (cand := first if most else at(arc, True)) is not None:
                out.append(cand)
        return out

    def _at_arc(
        self,
        data: _Data,
        code: int,
        anchors: dict[int, float],
        make: Callable[[int, int], Trigger],
        offset_of: Callable[[int], int],
        offset_limit: int | None,
        clock: bool,
        as_minutes: IntArray,
        arc: tuple[int, int],
        searched: bool,
    ) -> _Candidate | None:
        """Replay one daily arc: fire at its start each day, judge until its end."""
        start, end = arc
        span_s = float(_window_length(start, end) * 60)
        start_offset = offset_of(start)
        middle = start_offset + (_window_length(start, end) - 1) / 2
        if offset_limit is not None and abs(middle) > offset_limit:
            return None  # hours from the sun: a clock's routine, if any
        days_all = np.asarray(sorted(anchors), dtype=np.int64)
        fire_times = np.asarray(
            [
                data.local(int(d), start_offset) if clock else anchors[int(d)] + start_offset * 60.0
                for d in days_all
            ]
        )
        exists = np.isfinite(fire_times)  # a clock does not fire at a time DST skipped
        fire_times, days_all = fire_times[exists], days_all[exists]
        fire_minutes = np.full(len(days_all), start, dtype=np.int64)
        # The chance of the action in the span anyway: the person's rate for it
        # in the two hours either side of the span (offsets, not clock minutes:
        # for the sun, around the sun).
        span = _window_length(start, end)
        near = _in_window(as_minutes, (start - BACKGROUND_MIN) % _DAY, (start - 1) % _DAY)
        near |= _in_window(as_minutes, (end + 1) % _DAY, (end + BACKGROUND_MIN) % _DAY)
        rate = int(np.sum(near)) / max(1.0, float(len(days_all)) * 2 * BACKGROUND_MIN)
        return self._finish(
            data,
            make(start_offset, span),
            code,
            fire_times,
            None,
            fire_minutes,
            days_all,
            span_s,
            chance=1.0 - math.exp(-rate * span),
            searched=searched,
        )

    def _time_candidates(self, data: _Data, code: int, rows: IntArray) -> list[_Candidate]:
        anchors = dict.fromkeys(data.all_days(), 0.0)
        found = self._anchored(
            data,
            code,
            rows,
            anchors,
            lambda at, _span: Trigger(at=at % _DAY),
            lambda m: m,
            clock=True,
            arcs=DAILY_ARCS,
        )
        for cand in found:
            # A clock runs the routine at the start of its window; the window says when.
            cand.conditions = replace(
                cand.conditions,
                start=cand.trigger.at or 0,
                end=_clock_end(cand.trigger.at or 0, cand.window_s),
            )
        return found

    def _sun_candidate(
        self, data: _Data, code: int, rows: IntArray, event: str, sun_action: str
    ) -> _Candidate | None:
        anchors = data.sun_times(sun_action)
        if len(anchors) < self.settings.min_days:
            return None

        def offset_of(minute: int) -> int:
            return minute - _DAY if minute > _DAY // 2 else minute

        found = self._anchored(
            data,
            code,
            rows,
            anchors,
            lambda offset, span: Trigger(sun=event, offset_min=offset, span_min=min(360, span)),
            offset_of,
            SUN_REACH_MIN,
        )
        if not found:
            return None
        # The sun moves through the day: the routine holds all day long.
        return replace(found[0], conditions=replace(found[0].conditions, start=0, end=_DAY - 1))

    # ---- selection and grouping ----------------------------------------------

    @staticmethod
    def _best_per_action(candidates: list[_Candidate]) -> list[_Candidate]:
        """For each action and time of day, keep the trigger that explains it best.

        One that would be proposed goes before one that would not, whatever
        their scores: a busier rival nobody will see must not hide it. Rivals
        are candidates that would do the same actions of the person (half of
        them or more); ones that do different ones (the blinds at 19:55 every
        day, and when the TV goes on at weekends) are kept side by side.
        Between equals, the trigger the person follows closer is the cause:
        the lock seconds after the door closes, not when it opens (locking
        then would throw the bolt into an open door).
        """
        chosen: list[_Candidate] = []
        ranked = sorted(
            candidates,
            key=lambda c: (not _worth_proposing(c), -c.score, _typical_delay(c.replay)),
        )
        for cand in ranked:
            if any(
                other.action.key == cand.action.key and _rivals(other, cand) for other in chosen
            ):
                continue
            chosen.append(cand)
        return chosen

    @staticmethod
    def _group(candidates: list[_Candidate]) -> list[_Candidate]:
        """Actions that really follow one trigger together become one skill.

        Same trigger, days and overlapping window are not enough: on most
        of the firings where one of them was done, the other must be too.
        One entity is never switched both ways by one skill, and a skill
        worth proposing does not take in an action that would make it not
        (counted as it runs: right when every action was).
        """
        groups: list[_Candidate] = []
        for cand in sorted(candidates, key=lambda c: (-c.confidence, c.delay_s)):
            for group in groups:
                if (
                    _same_trigger(group.trigger, cand.trigger)
                    and group.conditions.days == cand.conditions.days
                    and group.conditions.after_dark == cand.conditions.after_dark
                    and group.conditions.someone_home == cand.conditions.someone_home
                    and _overlap(group.conditions, cand.conditions)
                    and all(m.action.ref != cand.action.ref for m in group.members)
                    and (
                        not _worth_proposing_together(group.members)
                        or _worth_proposing_together([*group.members, cand])
                    )
                    and _together(group, cand)
                ):
                    group.members.append(cand)
                    break
            else:
                cand.members = [cand]
                groups.append(cand)
        return groups

    # ---- merging night after night -------------------------------------------

    def _merge(
        self,
        found: list[_Candidate],
        existing: Sequence[Skill],
        data: _Data,
        today: date,
        keep_ids: set[str],
        describe: Describe,
        rejected_ids: AbstractSet[str] = frozenset(),
    ) -> list[Skill]:
        lookback_start = date.fromordinal(data.first).isoformat()
        result: list[Skill] = []
        matched: set[str] = set()
        settled = sorted(
            (s for s in existing if s.id in keep_ids | rejected_ids), key=lambda s: s.id
        )
        fresh: list[int] = []  # skills of tonight that continue none
        for learned in (
            s for group in found for s in self._skills_of(group, today, describe, data)
        ):
            # What the household decided stays decided: a joined trigger does
            # not take in the entities of an approved or rejected skill of the
            # same routine ("Sam arrived" approved, "Maya or Sam" is Maya's).
            found_skill: Skill | None = learned
            for old in settled:
                if found_skill is None:
                    break
                if _same_routine(old, found_skill, data.sun_minute):
                    found_skill = self._without(found_skill, old, data, today, describe)
            if found_skill is None:
                continue
            skill = found_skill
            # The old skill a new one continues: the one sharing most of its
            # trigger's entities and actions (then the lowest id), whatever
            # the order skills are listed in.
            previous = min(
                (
                    s
                    for s in existing
                    if s.id not in matched and _same_routine(s, skill, data.sun_minute)
                ),
                key=lambda s: (-_shared(s, skill), s.id),
                default=None,
            )
            if previous is not None and previous.id in keep_ids:
                # What the household approved runs as approved: a night that
                # learns it a little differently does not rewrite its automation.
                continue
            if previous is not None:
                matched.add(previous.id)
                evidence = {d: h for d, h in previous.evidence.items() if d < lookback_start}
                evidence.update(skill.evidence)
                skill = replace(
                    skill,
                    id=previous.id,
                    first_seen=previous.first_seen or skill.first_seen,
                    # A name (perhaps improved by the local LLM) stays while the
                    # routine does the same things after the same moments.
                    name=previous.name
                    if _same_actions(previous, skill)
                    and _same_trigger(previous.trigger, skill.trigger)
                    else skill.name,
                )
                skill = skill.with_evidence(_compact(evidence, today), today)
                skill = replace(skill, explanation=_explain(skill, describe))
            else:
                fresh.append(len(result))
            result.append(skill)
        self._unique_ids(result, fresh, existing)
        found_now = list(result)
        for old in existing:
            if old.id in matched:
                continue
            if old.id not in keep_ids and any(
                _same_routine(old, new, data.sun_minute) for new in found_now
            ):
                continue  # its actions are done by a skill found tonight (one merged in)
            if old.id not in keep_ids and any(
                (a.target.kind, a.target.action) in NEVER_LEARNED for a in old.actions
            ):
                continue  # learned by an earlier version, before the action was never learned
            if old.id not in keep_ids and _a_follow_on_of(old, found_now, data):
                continue  # "TV playing" beside tonight's "TV on": the player's own doing
            # Not found again: count how its automation did on these weeks.
            stats, days = self._recount(old, data)
            evidence = {d: h for d, h in old.evidence.items() if d < lookback_start}
            evidence.update(days)
            refreshed = replace(old, stats=stats).with_evidence(_compact(evidence, today), today)
            result.append(replace(refreshed, explanation=_explain(refreshed, describe)))
        return [
            s for s in result if s.confidence >= self.settings.keep_threshold or s.id in keep_ids
        ]

    @staticmethod
    def _unique_ids(result: list[Skill], fresh: Sequence[int], existing: Sequence[Skill]) -> None:
        """Give a new skill another id where its own is another skill's.

        A group split apart leaves its id with its leader, and a member's own
        id may be that very id (the group grew from it): each skill keeps a
        decision of its own, so no two may share one.
        """
        new = set(fresh)
        taken = {s.id for s in existing} | {s.id for i, s in enumerate(result) if i not in new}
        for i in fresh:
            skill, salt, new_id = result[i], 0, result[i].id
            while new_id in taken:
                salt += 1
                new_id = _skill_id(skill.trigger, skill.actions, salt)
            taken.add(new_id)
            result[i] = replace(skill, id=new_id)

    def _without(
        self, skill: Skill, settled: Skill, data: _Data, today: date, describe: Describe
    ) -> Skill | None:
        """Return the skill without the trigger entities of a settled skill of its routine.

        A skill with none but those is the settled one found again, and is
        returned as it is, to continue it. None: what is left never fired.
        """
        theirs = {s.key for s in settled.trigger.events}
        rest = tuple(s for s in skill.trigger.events if s.key not in theirs)
        if not rest or len(rest) == len(skill.trigger.events):
            return skill
        narrowed = replace(skill, trigger=replace(skill.trigger, event=rest[0], also=rest[1:]))
        stats, evidence = self._recount(narrowed, data)
        if not stats.firings:
            return None
        narrowed = replace(
            narrowed,
            id=_skill_id(narrowed.trigger, narrowed.actions),
            name=_name(narrowed.trigger, narrowed.conditions, narrowed.actions, describe),
            stats=stats,
        ).with_evidence(evidence, today)
        return replace(narrowed, explanation=_explain(narrowed, describe))

    def _recount(self, skill: Skill, data: _Data) -> tuple[FiringStats, dict[str, int]]:
        """Replay a known skill, as it is, over the look-back period."""
        cond = skill.conditions
        trig = skill.trigger
        window_s = judged_window(max((a.delay_s for a in skill.actions), default=0.0))
        fire_times: FloatArray
        fire_rows: IntArray | None = None
        if trig.event is not None:
            found = [data.codes.get(s.key) for s in trig.events]
            codes = [c for c in found if c is not None]
            if not codes:
                return FiringStats(), {}
            code = codes[0]
            fires = np.sort(np.concatenate([data.occurrences(c) for c in codes]))
            if len(codes) > 1:
                fires = fires[_once_within(data.t[fires], window_s)]
            if trig.hold_s:
                # Only the entries that held that long fire, and on the day they end.
                fires = fires[data.held_for(code, fires, trig.hold_s)]
            fire_times = data.t[fires] + trig.hold_s
            late = data.minute[fires] + int(trig.hold_s // 60)
            fire_minutes = late % _DAY
            fire_days = data.day[fires] + late // _DAY
            fire_rows = None if trig.hold_s else fires
        elif trig.sun is not None:
            window_s = float(max(1, trig.span_min) * 60)
            anchors = data.sun_times(_SUN_ACTION[trig.sun])
            fire_days = np.asarray(sorted(anchors), dtype=np.int64)
            fire_times = np.asarray([anchors[int(d)] + trig.offset_min * 60.0 for d in fire_days])
            fire_minutes = np.zeros(len(fire_days), dtype=np.int64)  # the whole day applies
        else:
            window_s = float(_window_length(cond.start, cond.end) * 60)
            fire_days = np.asarray(data.all_days(), dtype=np.int64)
            at = trig.at or 0
            fire_times = np.asarray([data.local(int(d), at) for d in fire_days])
            exists = np.isfinite(fire_times)  # a clock does not fire at a time DST skipped
            fire_times, fire_days = fire_times[exists], fire_days[exists]
            fire_minutes = np.full(len(fire_days), at, dtype=np.int64)
        keep = _in_window(fire_minutes, cond.start, cond.end) & _in_days(fire_days, cond.days)
        if cond.someone_home and (home := data.someone_home(fire_times)) is not None:
            keep &= home
        if cond.after_dark:
            # Without sun.sun the automation's condition never holds.
            dark = data.dark(fire_times)
            keep &= dark if dark is not None else False
        found_codes = [data.codes.get(a.target.key) for a in skill.actions]
        codes = [c for c in found_codes if c is not None]
        if not codes or len(codes) != len(found_codes):
            return FiringStats(), {}
        # HA waits only where a step waits a minute or more (compile_automation);
        # then the automation asks nothing when it fires, and a firing while
        # the run before still waits is dropped (mode single).
        run_s = max(a.delay_s for a in skill.actions)
        if run_s >= DELAY_STEP_MIN_S:
            keep = _single_runs(fire_times, keep, run_s)
        else:
            keep &= np.logical_or.reduce(
                [data.live_firings(c, fire_times) for c in codes]
            )  # fmt: skip
        # What the automation finds when each action is due: a step that would
        # do nothing (the light on already) is neither right nor wrong, and a
        # firing counts where some step would do something.
        lives = [
            data.live_firings(c, fire_times + a.delay_s, asks=False)
            for c, a in zip(codes, skill.actions, strict=True)
        ]
        keep &= np.logical_or.reduce(lives)
        order = np.argsort(fire_times[keep], kind="stable")
        rights: list[BoolArray] = []
        explained = actions = 0
        base = 0.0
        for code, live in zip(codes, lives, strict=True):
            replay = self._replay(
                data, fire_times[keep], fire_rows[keep] if fire_rows is not None else None,
                code, window_s, (cond.start, cond.end), len(data.all_days()),
                trig.event is None, cond.days,
            )  # fmt: skip
            rights.append(replay.right | ~live[keep][order])
            explained, actions = explained + replay.explained, actions + replay.actions
            base = max(base, replay.base_rate)
        right = np.logical_and.reduce(rights)
        days_sorted = fire_days[keep][order]
        evidence: dict[str, int] = {}
        for day, hit in zip(days_sorted, right, strict=True):
            key = date.fromordinal(int(day)).isoformat()
            evidence[key] = max(evidence.get(key, 0), int(hit))
        stats = FiringStats(
            len(right), int(right.sum()), base, actions, min(explained, actions),
            # As surely as it was learned (a clock among several of one action).
            max(_bound_z(cond.days), skill.stats.z if skill.stats is not None else WILSON_Z),
        )  # fmt: skip
        return stats, evidence

    def _skills_of(
        self, group: _Candidate, today: date, describe: Describe, data: _Data
    ) -> list[Skill]:
        """Return the group's skill; or its actions apart, where only apart they would be proposed.

        Grouping judged the actions by their own replays; the group is then
        counted as its automation runs, and may fall short where its leader
        alone would not.
        """
        skill = self._skill_from_group(group, today, describe, data)
        if (
            len(group.members) <= 1
            or not _worth_proposing(group)
            or worth_proposing(skill.confidence, skill.stats, skill.proposal_rate)
        ):
            return [skill]
        out = []
        for member in group.members:
            alone = replace(member)  # a copy: the group itself stays as it was found
            alone.members = [alone]
            out.append(self._skill_from_group(alone, today, describe, data))
        return out

    def _skill_from_group(
        self, group: _Candidate, today: date, describe: Describe, data: _Data
    ) -> Skill:
        members = sorted(group.members, key=lambda m: m.delay_s)
        # The skill is counted as its automation runs: a firing is right when
        # every action was (as a recount will count it), at the highest chance.
        days: set[str] = set().union(*(m.evidence for m in members))
        evidence = {day: int(all(m.evidence.get(day, 0) for m in members)) for day in sorted(days)}
        start = group.conditions.start
        end = group.conditions.end
        conditions = replace(group.conditions, start=start, end=end)
        actions = tuple(Action(m.action, m.delay_s) for m in members)
        trigger = group.trigger
        fired, right = _all_right(members)
        stats = FiringStats(
            fired,
            right,
            max(m.replay.base_rate for m in members),
            sum(m.replay.actions for m in members),
            sum(m.replay.explained for m in members),
            max(m.replay.z for m in members),
        )
        skill = Skill(
            id=_skill_id(trigger, actions),
            name=_name(trigger, conditions, actions, describe),
            trigger=trigger,
            conditions=conditions,
            actions=actions,
            first_seen=min(evidence) if evidence else today.isoformat(),
            stats=stats,
        )
        if len(members) > 1:
            # Members were replayed each on its own: count the skill as its
            # automation runs, with the leader's conditions and every action.
            stats, evidence = self._recount(skill, data)
            skill = replace(skill, stats=stats)
        skill = skill.with_evidence(evidence, today)
        return replace(skill, explanation=_explain(skill, describe))


# ---- helpers -------------------------------------------------------------------


def _skill_id(trigger: Trigger, actions: Sequence[Action], salt: int = 0) -> str:
    """Return the id a skill of this trigger and these actions is learned under.

    salt: another id for the same routine, where its own is another skill's.
    """
    identity = _identity(trigger, actions) + (f"#{salt}" if salt else "")
    return "s_" + hashlib.sha256(identity.encode()).hexdigest()[:10]


def _identity(trigger: Trigger, actions: Sequence[Action]) -> str:
    if trigger.event is not None:
        head = "+".join(sorted(s.key for s in trigger.events))
        head += f"|for{int(trigger.hold_s // 300)}" if trigger.hold_s else ""
    elif trigger.sun is not None:
        head = f"sun:{trigger.sun}:{trigger.offset_min // 30}"
    else:
        head = f"time:{(trigger.at or 0) // 30}"
    return head + "|" + "|".join(sorted(a.target.key for a in actions))


def _same_trigger(a: Trigger, b: Trigger, any_shared: bool = False) -> bool:
    """Tell whether two triggers fire alike.

    any_shared, night after night: triggers of several entities are the same
    if they share one (tonight's "Maya or Sam arrived" is last week's "Maya
    arrived", grown), and a hold is the same however long it grew ("empty
    for 5 min" is last week's "empty for 1 min", learned better).
    """
    if a.event is not None and b.event is not None:
        ours, theirs = {s.key for s in a.events}, {s.key for s in b.events}
        if any_shared:
            return bool(ours & theirs) and bool(a.hold_s) == bool(b.hold_s)
        return ours == theirs and abs(a.hold_s - b.hold_s) <= 120
    if a.sun is not None and b.sun is not None:
        return a.sun == b.sun and abs(a.offset_min - b.offset_min) <= 10
    if a.at is not None and b.at is not None:
        return min((a.at - b.at) % _DAY, (b.at - a.at) % _DAY) <= 10
    return False


def _together(group: _Candidate, cand: _Candidate) -> bool:
    """Whether two actions were done after the same firings, mostly.

    Both must also be live on most of them: a step found done on most runs
    is a routine of its own, not one of the other's.
    """
    a, b = group.replay, cand.replay
    common, ia, ib = np.intersect1d(a.times, b.times, return_indices=True)
    if not len(common):
        return False
    ra, rb = a.right[ia], b.right[ib]
    either = int(np.sum(ra | rb))
    both_live = len(common) >= 0.8 * len(np.union1d(a.times, b.times))
    return both_live and either > 0 and int(np.sum(ra & rb)) >= 0.8 * either


# A media player switched on starts playing by itself (the app resumes): one
# act of the person, and an automation switching it on does both. Only where
# it nearly always (FOLLOW_ON_SHARE of the times it went on) played within
# FOLLOW_ON_S: later, the person chose something to play.
FOLLOW_ONS: Final = {"playing": "turned_on"}
FOLLOW_ON_S: Final = 60.0
FOLLOW_ON_SHARE: Final = 0.8


def _follows_by_itself(data: _Data, code: int, lead_action: str) -> bool:
    """Tell whether the entity nearly always does `code` within seconds of the lead action."""
    sig = data.sigs[code]
    lead = data.codes.get(f"{sig.ref}:{lead_action}")
    if lead is None:
        return False
    lead_times = data.t[data.occurrences(lead)]
    times = data.t[data.occurrences(code)]
    if not len(lead_times) or not len(times):
        return False
    after = np.searchsorted(times, lead_times, side="left")
    gap = times[np.minimum(after, len(times) - 1)] - lead_times
    soon = (after < len(times)) & (gap <= FOLLOW_ON_S)
    return bool(np.mean(soon) >= FOLLOW_ON_SHARE)


def _lead_it_follows(data: _Data, sig: Signature) -> str | None:
    """Return the action whose follow-on its entity does itself ("playing" after "on"), if any."""
    lead_action = FOLLOW_ONS.get(sig.action)
    code = data.codes.get(sig.key)
    if lead_action is None or code is None or not _follows_by_itself(data, code, lead_action):
        return None
    return lead_action


def _a_follow_on_of(old: Skill, found: Sequence[Skill], data: _Data) -> bool:
    """Tell whether an earlier skill only does what tonight's skill's entity does itself."""
    for action in old.actions:
        if (lead_action := _lead_it_follows(data, action.target)) is None:
            return False
        if not any(
            _same_trigger(new.trigger, old.trigger)
            and _overlap(new.conditions, old.conditions)
            and any(
                a.target.ref == action.target.ref and a.target.action == lead_action
                for a in new.actions
            )
            for new in found
        ):
            return False
    return bool(old.actions)


def _without_follow_ons(data: _Data, candidates: list[_Candidate]) -> list[_Candidate]:
    """Drop a candidate whose action its entity does itself after another's.

    "18:20: TV on" and "18:20: TV playing", right on the same evenings, are
    one routine; one entity can be in one automation only once.
    """
    leads = [c for c in candidates if c.action.action in FOLLOW_ONS.values()]
    out = []
    for cand in candidates:
        lead_action = _lead_it_follows(data, cand.action)
        if lead_action is not None and any(
            lead.action.ref == cand.action.ref
            and lead.action.action == lead_action
            and _same_trigger(lead.trigger, cand.trigger)
            and _overlap(lead.conditions, cand.conditions)
            and _together(lead, cand)
            for lead in leads
        ):
            continue
        out.append(cand)
    return out


def _starts_inside_a_spread(
    data: _Data, code: int, start: int, end: int, days: Sequence[str]
) -> bool:
    """Tell whether a clock's window sits inside a habit spread wider than it.

    Before its start, over as long again, the person did it nearly as often as
    inside (a bedroom light at any time from 21:30 to 23:30): fired at 22:35
    only where it was not done yet, the clock is right by construction, and
    early by half its window on average.
    """
    rows = data.person_actions(code)
    minutes, day = data.minute[rows], data.day[rows]
    span = _window_length(start, end)
    inside = (minutes - start) % _DAY < span
    before = ((start - minutes) % _DAY >= 1) & ((start - minutes) % _DAY <= span)
    # Each action on the day of the clock it is near: 00:03 belongs to a
    # 23:50 clock of the evening before, 23:55 to a 00:10 clock of the next day.
    clock_day = day - (inside & (minutes < start)) + (before & (minutes > start))
    on_days = _in_days(clock_day, days)
    return int(np.sum(before & on_days)) >= SPREAD_BEFORE_SHARE * int(np.sum(inside & on_days))


def _spread_s(offsets: FloatArray) -> float:
    """Return how far offsets (seconds of a circular day) stray from their median."""
    turned = (offsets - offsets[0] + _DAY_S / 2) % _DAY_S
    return float(np.mean(np.abs(turned - np.median(turned))))


def _anchor_followed(data: _Data, candidates: list[_Candidate]) -> list[_Candidate]:
    """Of a clock's and the sun's candidate for the same actions, keep the one the person follows.

    Both fire once a day; the person keeps to the clock (a school run) or to
    the light (lamps at dusk), and their times of the actions either would do
    stray clearly less (ANCHOR_MARGIN) from the one they keep to. Otherwise
    the scores decide (and where the sun keeps still, the clock: SUN_BONUS).
    The one dropped must not be the only one worth proposing.
    """
    dropped: set[int] = set()
    for sun in candidates:
        if sun.trigger.sun is None:
            continue
        anchors = data.sun_times(_SUN_ACTION[sun.trigger.sun])
        for clock in candidates:
            if (
                clock.trigger.at is None
                or clock.action.key != sun.action.key
                or not _rivals(clock, sun)
            ):
                continue
            # Both anchors judged on the actions either would do: on its own
            # ones, each would look tight by the very choice of its window.
            rows = np.union1d(clock.replay.explains, sun.replay.explains)
            rows = rows[np.isin(data.day[rows], list(anchors))]
            if len(rows) < ANCHOR_MIN_DAYS:
                continue
            by_clock = _spread_s(data.second[rows].astype(np.float64))
            sun_at = np.asarray([anchors[int(d)] for d in data.day[rows]], dtype=np.float64)
            by_sun = _spread_s(data.t[rows] - sun_at)
            if by_clock < ANCHOR_MARGIN * by_sun:
                loser, winner = sun, clock
            elif by_sun < ANCHOR_MARGIN * by_clock:
                loser, winner = clock, sun
            else:
                continue
            if _worth_proposing(winner) or not _worth_proposing(loser):
                dropped.add(id(loser))
    return [c for c in candidates if id(c) not in dropped]


def _rivals(chosen: _Candidate, cand: _Candidate) -> bool:
    """Tell whether one of the two would do most of what the other does."""
    ours, theirs = chosen.replay.explains, cand.replay.explains
    if not len(ours) or not len(theirs):
        return _overlap(chosen.conditions, cand.conditions)
    shared = np.intersect1d(ours, theirs, assume_unique=True)
    return len(shared) >= RIVAL_SHARE * min(len(ours), len(theirs))


def _overlap(a: Conditions, b: Conditions) -> bool:
    return a.contains(b.start) or a.contains(b.end) or b.contains(a.start) or b.contains(a.end)


def _same_routine(
    old: Skill, new: Skill, sun_minute: Callable[[str], int | None] | None = None
) -> bool:
    """Tell whether a skill found tonight is an old one, learned again.

    sun_minute gives the sun's usual clock time in the look-back, so that
    "at sunrise - 70 min" and a clock's "at 06:10" near it are one routine
    (where the sun keeps still, tonight may learn either).
    """
    if not _same_trigger(old.trigger, new.trigger, any_shared=True):
        # A time or sun routine whose moment moved a little is still the same.
        a, b = old.trigger, new.trigger
        if a.sun is not None and b.at is not None:
            a, b = b, a
        clock_of_sun = sun_minute(b.sun) if sun_minute is not None and b.sun is not None else None
        near = (
            (a.at is not None and b.at is not None
             and min((a.at - b.at) % _DAY, (b.at - a.at) % _DAY) <= 45)
            or (a.sun is not None and a.sun == b.sun and abs(a.offset_min - b.offset_min) <= 45)
            or (a.at is not None and clock_of_sun is not None
                and min((a.at - clock_of_sun - b.offset_min) % _DAY,
                        (clock_of_sun + b.offset_min - a.at) % _DAY) <= 45)
        )  # fmt: skip
        if not near:
            return False
    shared = {a.target.key for a in old.actions} & {a.target.key for a in new.actions}
    return bool(shared) and _overlap(old.conditions, new.conditions)


def _shared(old: Skill, new: Skill) -> int:
    """Rank how alike two skills are: the same kind of trigger, then its entities, then actions."""
    a, b = old.trigger, new.trigger
    kind = (a.event is None, a.sun is None) == (b.event is None, b.sun is None)
    events = {s.key for s in a.events} & {s.key for s in b.events}
    actions = {x.target.key for x in old.actions} & {x.target.key for x in new.actions}
    return 10_000 * kind + 100 * len(events) + len(actions)


def _same_actions(old: Skill, new: Skill) -> bool:
    return {a.target.key for a in old.actions} == {a.target.key for a in new.actions}


def _compact(evidence: Mapping[str, int], today: date) -> dict[str, int]:
    """Forget evidence older than EVIDENCE_DAYS_KEPT: it weighs almost nothing."""
    cutoff = (today - timedelta(days=EVIDENCE_DAYS_KEPT)).isoformat()
    return {d: h for d, h in evidence.items() if d >= cutoff}


def _words(sig: Signature) -> str:
    place = "" if sig.area == "unknown" else sig.area.replace("_", " ") + " "
    return place + sig.object.replace("_", " ")


def _daypart(minute: int) -> str:
    hour = minute // 60
    if 5 <= hour < 11:
        return "Morning"
    if 11 <= hour < 14:
        return "Midday"
    if 14 <= hour < 18:
        return "Afternoon"
    if 18 <= hour < 22:
        return "Evening"
    return "Night"


_TRIGGER_WORDS: Final = {"arrived": "arrival", "left": "departure"}


def _lower_first(text: str) -> str:
    """Lower-case a leading capital unless it starts an acronym ('TV' stays)."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


_OFF_LIKE: Final = {
    "turned_off": "off",
    "closed": "closed",
    "locked": "locked",
    "paused": "paused",
    "stopped": "stopped",
    "docked": "docked",
    "cleared": "clear",
}


def _action_words(sig: Signature, describe: Describe, trigger: bool = False) -> str:
    text = describe(sig)
    if trigger and sig.action in ("turned_on", "opened", "pressed"):
        verb = {"turned_on": "on", "opened": "opens", "pressed": "pressed"}[sig.action]
        return f"{text} {verb}"
    suffix = _OFF_LIKE.get(sig.action)
    if suffix is None and sig.action not in (
        "turned_on", "started", "heating", "cooling", "opened", "unlocked", "activated",
    ):  # fmt: skip
        suffix = sig.action.replace("_", " ")
    elif sig.action in ("opened", "unlocked"):
        suffix = sig.action
    return f"{text} {suffix}" if suffix else text


def _name(
    trigger: Trigger, conditions: Conditions, actions: Sequence[Action], describe: Describe
) -> str:
    if trigger.sun is not None:
        head = "At sunset" if trigger.sun == "sunset" else "At sunrise"
    else:
        middle = conditions.start + ((conditions.end - conditions.start) % _DAY) // 2
        # A skill that holds all day has no part of the day to be named by.
        daypart = "" if conditions.all_day else _daypart(middle % _DAY)
        if conditions.after_dark:
            daypart = "After dark"
        event = trigger.event

        def subject(_: Signature) -> str:
            # "Hallway or stairs motion": any of a trigger's entities (two named).
            names = [describe(s) for s in trigger.events]
            if len(names) > 2:
                return f"{names[0]}, {names[1]} or {len(names) - 2} more"
            return " or ".join(names)

        if event is None:
            head = f"{daypart} routine"
        elif trigger.hold_s:
            head = f"{_action_words(event, describe)} for {round(trigger.hold_s / 60)} min"
        elif event.kind == "presence":
            head = f"{daypart} {_TRIGGER_WORDS.get(event.action, 'presence')}".strip()
        elif event.kind == "motion":
            head = f"{daypart} {_lower_first(subject(event))}".strip()
        else:
            words = _action_words(event, subject, trigger=True)
            head = f"{daypart} {_lower_first(words)}".strip() if daypart else words
    parts = [_action_words(a.target, describe) for a in actions]
    tail = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    name = f"{head}: {tail}"
    return (name[:1].upper() + name[1:])[:MAX_NAME]


def _minutes_text(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"


def _explain(skill: Skill, describe: Describe) -> str:
    """Say what the automation would have done: firings, and after how many the person acted."""
    cond = skill.conditions
    trig = skill.trigger
    stats = skill.stats
    actions = " and ".join(_action_words(a.target, describe) for a in skill.actions)
    when = cond.days_text()
    if (cond.start, cond.end) != (0, _DAY - 1):
        when += f" {minutes_to_hhmm(cond.start)}–{minutes_to_hhmm(cond.end)}"
    if cond.after_dark:
        when += " after dark"
    if stats is None or not stats.firings:
        return f"Seen on {skill.learned_from} of {skill.eligible_days} days ({when})."
    if trig.event is not None:
        after = "within " + _minutes_text(max(60.0, *(a.delay_s for a in skill.actions)))
        text = (
            f"Fired {stats.firings} times ({when}); {actions} followed {after} after {stats.right}"
        )
    elif trig.sun is not None:
        text = (
            f"At {trig.sun} {trig.offset_min:+d} min on {stats.firings} days ({when});"
            f" {actions} on {stats.right}"
        )
    else:
        text = f"On {stats.firings} days ({when}); {actions} in the window on {stats.right}"
    text += f" of them ({round(100 * stats.precision)} %)"
    if stats.actions:
        text += f", {stats.explained} of the {stats.actions} times it happened"
    return text + "."
