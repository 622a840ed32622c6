"""Track B: mine the Sparks of past days for routines and turn them into Skills.

What counts as a routine: a person-caused actuator change (light on, kettle
on, blinds down…) that follows a trigger (someone arrives, motion, the TV goes
off…) within a short delay, or happens at a steady time of day, on enough of
the days where it could have happened. Automation-caused changes are never
learned as behaviour, and actions some automation already performs are never
proposed again.

The heavy part — pairing every action with the moments just before it — is
vectorised with numpy, so 90 days of a busy home mine in seconds. Each night's
result is merged into the existing skills: ids stay stable, evidence grows,
and routines that stopped happening lose confidence and are dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
import hashlib
import math
from typing import Final

import numpy as np
import numpy.typing as npt

from .skill import (
    WEEKDAYS,
    WEEKEND,
    WORKDAYS,
    Action,
    Conditions,
    Signature,
    Skill,
    Trigger,
    confidence,
    minutes_to_hhmm,
)
from .spark import Spark

ACTUATOR_KINDS: Final = frozenset({"power", "cover", "lock", "media", "climate", "cleaning"})
# Moments a skill must never perform (see automation_config.NEVER_AUTOMATED).
NEVER_LEARNED: Final = frozenset({("lock", "unlocked")})
# When two triggers explain an action equally well, prefer what a person does
# first (arriving, opening a door) over what follows from it.
TRIGGER_BONUS: Final = {"presence": 0.06, "opening": 0.04, "motion": 0.02}
EVIDENCE_DAYS_KEPT: Final = 120

type IntArray = npt.NDArray[np.int64]
type FloatArray = npt.NDArray[np.float64]
type Describe = Callable[[Signature], str]


@dataclass(frozen=True, slots=True)
class MinerSettings:
    """Tuning of the miner."""

    max_delay_s: float = 600.0
    min_days: int = 3
    lookback_days: int = 28
    cluster_gap_min: int = 75
    max_window_min: int = 150
    # A routine "at a time" is one a clock could run: tighter than event windows.
    max_time_window_min: int = 60
    max_time_spread_min: float = 15.0
    min_rate: float = 0.5
    min_lift: float = 2.0
    keep_threshold: float = 0.2


@dataclass(slots=True)
class _Candidate:
    trigger: Trigger
    action: Signature
    conditions: Conditions
    evidence: dict[str, int]
    delay_s: float
    confidence: float
    score: float
    members: list[_Candidate] = field(default_factory=list)


class _Data:
    """The Sparks of the look-back period as parallel numpy arrays."""

    def __init__(
        self, sparks: Iterable[Spark], tz: tzinfo, first: date, last: date, revert_s: float
    ) -> None:
        codes: dict[str, int] = {}
        self.sigs: list[Signature] = []
        times: list[float] = []
        sig_codes: list[int] = []
        auto: list[bool] = []
        home: list[int] = []
        days: list[int] = []
        minutes: list[int] = []
        revert: list[bool] = []
        last_change: dict[str, tuple[float, str]] = {}
        residents: dict[str, bool] = {}
        first_ord, last_ord = first.toordinal(), last.toordinal()
        offset_cache: dict[int, int] = {}
        for spark in sparks:
            # Local day and minute; UTC offsets change rarely, so cache per hour.
            hour_key = int(spark.time // 3600)
            offset = offset_cache.get(hour_key)
            if offset is None:
                utcoffset = datetime.fromtimestamp(spark.time, tz).utcoffset()
                offset = offset_cache[hour_key] = int(utcoffset.total_seconds()) if utcoffset else 0
            local = spark.time + offset
            day = int(local // 86400) + 719163  # days since 0001-01-01, as date.toordinal()
            if spark.kind == "presence" and spark.subject.startswith("resident_"):
                residents[spark.subject] = spark.action == "arrived"
            # Undoing what was done minutes ago (the kettle switching off, the
            # bathroom light going out) ends a use; it is not a routine.
            previous = last_change.get(spark.ref)
            last_change[spark.ref] = (spark.time, spark.action)
            is_revert = (
                previous is not None
                and previous[1] != spark.action
                and spark.time - previous[0] <= revert_s
            )
            if not first_ord <= day <= last_ord:
                continue
            key = f"{spark.ref}:{spark.action}"
            code = codes.get(key)
            if code is None:
                code = codes[key] = len(self.sigs)
                self.sigs.append(
                    Signature(spark.ref, spark.action, spark.kind, spark.object, spark.area)
                )
            times.append(spark.time)
            sig_codes.append(code)
            auto.append(spark.cause == "automation")
            revert.append(is_revert)
            home.append(-1 if not residents else int(any(residents.values())))
            days.append(day)
            minutes.append(int(local % 86400) // 60)
        self.codes = codes
        self.t: FloatArray = np.asarray(times, dtype=np.float64)
        order = np.argsort(self.t, kind="stable")
        self.t = self.t[order]
        self.c: IntArray = np.asarray(sig_codes, dtype=np.int64)[order]
        self.auto = np.asarray(auto, dtype=bool)[order]
        self.revert = np.asarray(revert, dtype=bool)[order]
        self.home = np.asarray(home, dtype=np.int8)[order]
        self.day: IntArray = np.asarray(days, dtype=np.int64)[order]
        self.minute: IntArray = np.asarray(minutes, dtype=np.int64)[order]
        self.first, self.last = first_ord, last_ord
        self.refs = np.asarray([hash(sig.ref) for sig in self.sigs] or [0], dtype=np.int64)
        self.is_actuator = np.asarray(
            [sig.kind in ACTUATOR_KINDS for sig in self.sigs] or [False], dtype=bool
        )
        # Numeric readings drifting are context, not something to react to.
        self.is_trigger = np.asarray(
            [sig.kind != "environment" for sig in self.sigs] or [False], dtype=bool
        )
        self._by_sig: dict[int, IntArray] = {}

    def observed_days(self) -> list[int]:
        """Return every day of the period (a quiet day is still a day)."""
        if not len(self.t):
            return []
        return list(range(max(self.first, int(self.day.min())), self.last + 1))

    def person_occurrences(self, code: int) -> IntArray:
        """Return indices of person-caused occurrences of a signature."""
        found = self._by_sig.get(code)
        if found is None:
            found = self._by_sig[code] = np.nonzero((self.c == code) & ~self.auto)[0]
        return found


def _weekday(day_ordinal: int) -> str:
    return WEEKDAYS[date.fromordinal(day_ordinal).weekday()]


def _spread(minutes: IntArray) -> float:
    """Return a robust standard deviation (scaled median absolute deviation)."""
    values = minutes.astype(np.float64)
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def _robust_window(minutes: IntArray) -> tuple[int, int] | None:
    """Return a window around the typical minute, ignoring outliers."""
    values = np.sort(minutes.astype(np.float64))
    median = float(np.median(values))
    spread = max(4.0, _spread(minutes))
    inliers = values[np.abs(values - median) <= 2.5 * spread]
    if not len(inliers):
        return None
    return int(inliers.min()) - 5, int(inliers.max()) + 5


def _clusters(minutes: IntArray, gap: int) -> list[IntArray]:
    """Split row indices into groups of nearby minutes of the day."""
    order = np.argsort(minutes, kind="stable")
    sorted_minutes = minutes[order]
    cuts = np.nonzero(np.diff(sorted_minutes) > gap)[0] + 1
    return list(np.split(order, cuts))


def _modes(minutes: IntArray, width: int, min_count: int) -> list[IntArray]:
    """Return row groups around the densest stretches of the day, densest first.

    Gap-based clusters chain through background noise; looking for the
    densest window does not.
    """
    remaining = np.arange(len(minutes))
    found: list[IntArray] = []
    while len(remaining) >= min_count and len(found) < 4:
        values = minutes[remaining]
        order = np.argsort(values, kind="stable")
        sorted_values = values[order]
        ends = np.searchsorted(sorted_values, sorted_values + width, side="right")
        counts = ends - np.arange(len(sorted_values))
        best = int(np.argmax(counts))
        if counts[best] < min_count:
            break
        center = float(np.median(sorted_values[best : ends[best]]))
        members = np.abs(values - center) <= width
        found.append(remaining[members])
        remaining = remaining[~members]
    return found


def _choose_days(
    eligible: Mapping[int, bool], min_rate: float
) -> tuple[tuple[str, ...], dict[int, bool]]:
    """Pick every day, weekdays, weekends or specific days from hit rates."""
    by_weekday: dict[str, list[bool]] = defaultdict(list)
    for day, hit in eligible.items():
        by_weekday[_weekday(day)].append(hit)

    def rate(days: Iterable[str]) -> tuple[float, int]:
        values = [hit for d in days for hit in by_weekday.get(d, [])]
        return (sum(values) / len(values), len(values)) if values else (0.0, 0)

    all_rate, _ = rate(WEEKDAYS)
    work_rate, work_n = rate(WORKDAYS)
    end_rate, end_n = rate(WEEKEND)
    chosen: tuple[str, ...] = WEEKDAYS
    if work_n and work_rate >= min_rate and end_rate < 0.4 <= work_rate - end_rate:
        chosen = WORKDAYS
    elif end_n and end_rate >= min_rate and work_rate < 0.4 <= end_rate - work_rate:
        chosen = WEEKEND
    elif all_rate < min_rate:
        # Specific days need three weeks of them: two Thursdays prove nothing.
        chosen = tuple(
            d for d in WEEKDAYS if (r := rate([d]))[1] >= 3 and r[0] >= max(min_rate, 0.75)
        )
    kept = {day: hit for day, hit in eligible.items() if _weekday(day) in chosen}
    return chosen, kept


def _evidence(kept: Mapping[int, bool]) -> dict[str, int]:
    return {date.fromordinal(day).isoformat(): int(hit) for day, hit in sorted(kept.items())}


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
    ) -> list[Skill]:
        """Mine the look-back period before today and merge into existing skills.

        automated: signature keys ('ref:action') an automation already performs.
        keep_ids: skills to keep whatever their confidence (the user approved them).
        """
        settings = self.settings
        first = today - timedelta(days=settings.lookback_days)
        data = _Data(sparks, tz, first, today - timedelta(days=1), settings.max_delay_s)
        blocked = set(automated) | self._automated_in_data(data)
        candidates = self._event_candidates(data, blocked) + self._time_candidates(data, blocked)
        found = self._group(self._best_per_action(candidates))
        return self._merge(found, existing, data, today, set(keep_ids), describe or _words)

    # ---- candidates --------------------------------------------------------

    def _automated_in_data(self, data: _Data) -> set[str]:
        """Signatures automations performed at least twice: not for us to propose."""
        codes, counts = np.unique(data.c[data.auto], return_counts=True)
        return {data.sigs[int(c)].key for c, n in zip(codes, counts, strict=True) if n >= 2}

    def _event_candidates(self, data: _Data, blocked: set[str]) -> list[_Candidate]:
        settings = self.settings
        if not len(data.t):
            return []
        allowed = np.asarray(
            [
                sig.key not in blocked and (sig.kind, sig.action) not in NEVER_LEARNED
                for sig in data.sigs
            ],
            dtype=bool,
        )
        is_action = data.is_actuator[data.c] & ~data.auto & ~data.revert & allowed[data.c]
        actions = np.nonzero(is_action)[0]
        if not len(actions):
            return []
        lo = np.searchsorted(data.t, data.t[actions] - settings.max_delay_s, side="left")
        counts = actions - lo
        total = int(counts.sum())
        if total == 0:
            return []
        act = np.repeat(actions, counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        trig = np.repeat(lo, counts) + (np.arange(total) - starts)
        valid = (
            ~data.auto[trig]
            & data.is_trigger[data.c[trig]]
            & (data.refs[data.c[trig]] != data.refs[data.c[act]])
        )
        act, trig = act[valid], trig[valid]
        n_sigs = len(data.sigs)
        # Keep only the nearest occurrence of each trigger before each action.
        pair_key = data.c[trig] * n_sigs + data.c[act]
        order = np.lexsort((-trig, pair_key, act))
        act, trig, pair_key = act[order], trig[order], pair_key[order]
        first_of = np.ones(len(act), dtype=bool)
        first_of[1:] = (act[1:] != act[:-1]) | (pair_key[1:] != pair_key[:-1])
        act, trig, pair_key = act[first_of], trig[first_of], pair_key[first_of]
        # Candidate pairs: seen on enough distinct days.
        day_key = np.unique(pair_key * 1_000_000 + data.day[act])
        keys, day_counts = np.unique(day_key // 1_000_000, return_counts=True)
        keys = keys[day_counts >= settings.min_days]
        if not len(keys):
            return []
        order = np.argsort(pair_key, kind="stable")
        act, trig, pair_key = act[order], trig[order], pair_key[order]
        bounds_lo = np.searchsorted(pair_key, keys, side="left")
        bounds_hi = np.searchsorted(pair_key, keys, side="right")
        out: list[_Candidate] = []
        for key, b_lo, b_hi in zip(keys, bounds_lo, bounds_hi, strict=True):
            trig_code, act_code = divmod(int(key), n_sigs)
            rows_t, rows_a = trig[b_lo:b_hi], act[b_lo:b_hi]
            out.extend(self._event_candidate(data, trig_code, act_code, rows_t, rows_a))
        return out

    def _event_candidate(
        self, data: _Data, trig_code: int, act_code: int, rows_t: IntArray, rows_a: IntArray
    ) -> list[_Candidate]:
        settings = self.settings
        out = []
        trig_minutes = data.minute[rows_t]
        for cluster in _clusters(trig_minutes, settings.cluster_gap_min):
            if len(np.unique(data.day[rows_t[cluster]])) < settings.min_days:
                continue
            window = _robust_window(trig_minutes[cluster])
            if window is None or window[1] - window[0] > settings.max_window_min:
                continue
            conditions = Conditions(*window)
            delays = data.t[rows_a[cluster]] - data.t[rows_t[cluster]]
            delay_max = float(min(settings.max_delay_s, max(60.0, 1.5 * np.quantile(delays, 0.9))))
            # Eligible: days the trigger happened inside the window.
            occurrences = data.person_occurrences(trig_code)
            in_window = [int(i) for i in occurrences if conditions.contains(int(data.minute[i]))]
            eligible: dict[int, bool] = {int(data.day[i]): False for i in in_window}
            for t_idx, a_idx in zip(rows_t, rows_a, strict=True):
                if (
                    conditions.contains(int(data.minute[t_idx]))
                    and data.t[a_idx] - data.t[t_idx] <= delay_max
                ):
                    eligible[int(data.day[t_idx])] = True
            days, kept = _choose_days(eligible, settings.min_rate)
            if not days or sum(kept.values()) < settings.min_days:
                continue
            rate = sum(kept.values()) / len(kept)
            base = self._base_rate(data, act_code, conditions, delay_max, kept)
            if rate < settings.min_rate or rate < settings.min_lift * base:
                continue
            sig = data.sigs[trig_code]
            evidence = _evidence(kept)
            value = confidence(evidence, date.fromordinal(data.last + 1))
            out.append(
                _Candidate(
                    Trigger(event=sig),
                    data.sigs[act_code],
                    replace(conditions, days=days),
                    evidence,
                    float(np.median(delays)),
                    value,
                    value + TRIGGER_BONUS.get(sig.kind, 0.0),
                )
            )
        return out

    def _base_rate(
        self,
        data: _Data,
        act_code: int,
        conditions: Conditions,
        delay_s: float,
        days: Mapping[int, bool],
    ) -> float:
        """Chance that the action falls in a delay-long slice of the window anyway."""
        occurrences = data.person_occurrences(act_code)
        if not len(occurrences) or not days:
            return 0.0
        span = (conditions.end - conditions.start) % 1440 + delay_s / 60.0
        in_span = sum(
            1
            for i in occurrences
            if int(data.day[i]) in days and (int(data.minute[i]) - conditions.start) % 1440 <= span
        )
        per_day = in_span / len(days)
        return 1.0 - math.exp(-per_day * (delay_s / 60.0) / max(span, 1.0))

    def _time_candidates(self, data: _Data, blocked: set[str]) -> list[_Candidate]:
        settings = self.settings
        out: list[_Candidate] = []
        all_days = data.observed_days()
        if not all_days:
            return out
        for code, sig in enumerate(data.sigs):
            if sig.kind not in ACTUATOR_KINDS or sig.key in blocked:
                continue
            if (sig.kind, sig.action) in NEVER_LEARNED:
                continue
            rows = data.person_occurrences(code)
            rows = rows[~data.revert[rows]]
            if len(np.unique(data.day[rows])) < settings.min_days:
                continue
            minutes = data.minute[rows]
            for cluster in _modes(minutes, settings.max_time_window_min, settings.min_days):
                cluster_rows = rows[cluster]
                if len(np.unique(data.day[cluster_rows])) < settings.min_days:
                    continue
                if _spread(minutes[cluster]) > settings.max_time_spread_min:
                    continue
                window = _robust_window(minutes[cluster])
                if window is None or window[1] - window[0] > settings.max_time_window_min:
                    continue
                conditions = Conditions(*window)
                eligible = dict.fromkeys(all_days, False)
                homes: list[int] = []
                for i in cluster_rows:
                    if conditions.contains(int(data.minute[i])):
                        eligible[int(data.day[i])] = True
                        homes.append(int(data.home[i]))
                days, kept = _choose_days(eligible, settings.min_rate)
                if not days or sum(kept.values()) < settings.min_days:
                    continue
                rate = sum(kept.values()) / len(kept)
                width = (window[1] - window[0]) % 1440
                per_day = len(rows) / len(all_days)
                base = 1.0 - math.exp(-per_day * width / 1440.0)
                if rate < settings.min_rate or rate < settings.min_lift * base:
                    continue
                someone_home = bool(homes) and all(h == 1 for h in homes)
                at = int(np.median(minutes[cluster]))
                evidence = _evidence(kept)
                value = confidence(evidence, date.fromordinal(data.last + 1))
                out.append(
                    _Candidate(
                        Trigger(at=at),
                        sig,
                        replace(conditions, days=days, someone_home=someone_home),
                        evidence,
                        0.0,
                        value,
                        value,
                    )
                )
        return out

    # ---- selection and grouping ----------------------------------------------

    @staticmethod
    def _best_per_action(candidates: list[_Candidate]) -> list[_Candidate]:
        """For each action and time of day, keep the trigger that explains it best."""
        chosen: list[_Candidate] = []
        for cand in sorted(candidates, key=lambda c: -c.score):
            if any(
                other.action.key == cand.action.key and _overlap(other.conditions, cand.conditions)
                for other in chosen
            ):
                continue
            chosen.append(cand)
        return chosen

    @staticmethod
    def _group(candidates: list[_Candidate]) -> list[_Candidate]:
        """Actions sharing one trigger and time window become one skill."""
        groups: list[_Candidate] = []
        for cand in sorted(candidates, key=lambda c: (-c.confidence, c.delay_s)):
            for group in groups:
                same_trigger = (
                    group.trigger.event is not None
                    and cand.trigger.event is not None
                    and group.trigger.event.key == cand.trigger.event.key
                ) or (
                    group.trigger.at is not None
                    and cand.trigger.at is not None
                    and abs(group.trigger.at - cand.trigger.at) <= 10
                )
                if (
                    same_trigger
                    and group.conditions.days == cand.conditions.days
                    and _overlap(group.conditions, cand.conditions)
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
    ) -> list[Skill]:
        lookback_start = date.fromordinal(data.first).isoformat()
        result: list[Skill] = []
        matched: set[str] = set()
        for group in found:
            skill = self._skill_from_group(group, today, describe)
            previous = next(
                (s for s in existing if s.id not in matched and _same_routine(s, skill)), None
            )
            if previous is not None:
                matched.add(previous.id)
                evidence = {d: h for d, h in previous.evidence.items() if d < lookback_start}
                evidence.update(skill.evidence)
                skill = replace(
                    skill,
                    id=previous.id,
                    first_seen=previous.first_seen or skill.first_seen,
                    # A name (perhaps improved by the local LLM) stays while the
                    # routine does the same things.
                    name=previous.name if _same_actions(previous, skill) else skill.name,
                )
                skill = skill.with_evidence(_compact(evidence, today), today)
                skill = replace(skill, explanation=_explain(skill, describe))
            result.append(skill)
        for old in existing:
            if old.id in matched:
                continue
            evidence = {d: h for d, h in old.evidence.items() if d < lookback_start}
            evidence.update(self._evaluate(old, data))
            refreshed = old.with_evidence(_compact(evidence, today), today)
            # The last weeks no longer show it by the rules a new skill must
            # meet: halve its confidence, so it fades unless it comes back.
            refreshed = replace(
                refreshed,
                confidence=refreshed.confidence * 0.5,
                explanation=_explain(refreshed, describe),
            )
            result.append(refreshed)
        return [
            s for s in result if s.confidence >= self.settings.keep_threshold or s.id in keep_ids
        ]

    def _skill_from_group(self, group: _Candidate, today: date, describe: Describe) -> Skill:
        members = sorted(group.members, key=lambda m: m.delay_s)
        days: set[str] = set().union(*(m.evidence for m in members))
        evidence = {
            day: int(sum(m.evidence.get(day, 0) for m in members) * 2 >= len(members))
            for day in sorted(days)
        }
        start = min(m.conditions.start for m in members)
        end = max(m.conditions.end for m in members)
        conditions = replace(group.conditions, start=start, end=end)
        actions = tuple(Action(m.action, m.delay_s) for m in members)
        trigger = group.trigger
        if trigger.at is not None:
            trigger = Trigger(at=min(m.trigger.at or 0 for m in members))
        identity = (
            trigger.event.key if trigger.event else f"time:{trigger.at // 30 if trigger.at else 0}"
        )
        identity += "|" + "|".join(sorted(a.target.key for a in actions))
        skill = Skill(
            id="s_" + hashlib.sha256(identity.encode()).hexdigest()[:10],
            name=_name(trigger, conditions, actions, describe),
            trigger=trigger,
            conditions=conditions,
            actions=actions,
            first_seen=min(evidence) if evidence else today.isoformat(),
        )
        skill = skill.with_evidence(evidence, today)
        return replace(skill, explanation=_explain(skill, describe))

    def _evaluate(self, skill: Skill, data: _Data) -> dict[str, int]:
        """Re-check an existing skill on the look-back days (it may have stopped)."""
        cond = skill.conditions
        action_codes = [data.codes.get(a.target.key) for a in skill.actions]
        needed = len(action_codes) / 2
        evidence: dict[str, int] = {}
        if skill.trigger.event is not None:
            trig_code = data.codes.get(skill.trigger.event.key)
            if trig_code is None:
                return evidence
            delay = min(
                self.settings.max_delay_s, max(60.0, 2 * max(a.delay_s for a in skill.actions))
            )
            for i in data.person_occurrences(trig_code):
                day = int(data.day[i])
                if not cond.contains(int(data.minute[i])) or _weekday(day) not in cond.days:
                    continue
                key = date.fromordinal(day).isoformat()
                t0 = data.t[i]
                hits = sum(
                    1
                    for code in action_codes
                    if code is not None
                    and np.any(
                        (data.t[data.person_occurrences(code)] > t0)
                        & (data.t[data.person_occurrences(code)] <= t0 + delay)
                    )
                )
                evidence[key] = max(evidence.get(key, 0), int(hits >= needed))
            return evidence
        for day in data.observed_days():
            if _weekday(day) not in cond.days:
                continue
            hits = 0
            for code in action_codes:
                if code is None:
                    continue
                rows = data.person_occurrences(code)
                rows = rows[data.day[rows] == day]
                if any(cond.contains(int(m)) for m in data.minute[rows]):
                    hits += 1
            evidence[date.fromordinal(day).isoformat()] = int(hits >= needed)
        return evidence


# ---- helpers -------------------------------------------------------------------


def _overlap(a: Conditions, b: Conditions) -> bool:
    return a.contains(b.start) or a.contains(b.end) or b.contains(a.start) or b.contains(a.end)


def _same_routine(old: Skill, new: Skill) -> bool:
    if (old.trigger.event is None) != (new.trigger.event is None):
        return False
    if old.trigger.event is not None and new.trigger.event is not None:
        if old.trigger.event.key != new.trigger.event.key:
            return False
    elif abs((old.trigger.at or 0) - (new.trigger.at or 0)) > 45:
        return False
    shared = {a.target.key for a in old.actions} & {a.target.key for a in new.actions}
    return bool(shared) and _overlap(old.conditions, new.conditions)


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
}


def _action_words(sig: Signature, describe: Describe, trigger: bool = False) -> str:
    text = describe(sig)
    if trigger and sig.action in ("turned_on", "opened"):
        return f"{text} {'on' if sig.action == 'turned_on' else 'opens'}"
    suffix = _OFF_LIKE.get(sig.action)
    if suffix is None and sig.action not in (
        "turned_on",
        "started",
        "playing",
        "heating",
        "cooling",
        "opened",
        "unlocked",
    ):
        suffix = sig.action.replace("_", " ")
    elif sig.action in ("opened", "unlocked"):
        suffix = sig.action
    return f"{text} {suffix}" if suffix else text


def _name(
    trigger: Trigger, conditions: Conditions, actions: Sequence[Action], describe: Describe
) -> str:
    middle = conditions.start + ((conditions.end - conditions.start) % 1440) // 2
    daypart = _daypart(middle % 1440)
    if trigger.event is not None:
        event = trigger.event
        if event.kind == "presence":
            head = f"{daypart} {_TRIGGER_WORDS.get(event.action, 'presence')}"
        elif event.kind == "motion":
            head = f"{daypart} {_lower_first(describe(event))}"
        else:
            head = f"{daypart} {_lower_first(_action_words(event, describe, trigger=True))}"
    else:
        head = f"{daypart} routine"
    parts = [_action_words(a.target, describe) for a in actions]
    tail = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    name = f"{head}: {tail}"
    return name[:1].upper() + name[1:]


def _explain(skill: Skill, describe: Describe) -> str:
    cond = skill.conditions
    days = cond.days_text()
    noun = {"every day": "days", "weekdays": "weekdays", "weekends": "weekend days"}.get(
        days, "days"
    )
    text = (
        f"Seen on {skill.learned_from} of {skill.eligible_days} {noun}"
        f" between {minutes_to_hhmm(cond.start)} and {minutes_to_hhmm(cond.end)}"
    )
    if days not in ("every day", "weekdays", "weekends"):
        text += f" ({days})"
    if skill.trigger.event is not None:
        follow = ", ".join(
            f"{describe(a.target)} followed within {max(1, round(a.delay_s / 60))} min"
            for a in skill.actions
        )
        text += f"; {follow}"
    if cond.someone_home:
        text += "; always with someone home"
    return text + "."
