"""The evidence of a skill as a picture: per day, when its trigger and actions happened.

The panel draws it as a strip of the past weeks (one row a day, the time of
day across), with the skill's window shaded: a household sees at a glance
whether "motion in the hall, then the hall light" really happened evening
after evening, or only now and then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Final

from .skill import WEEKDAYS, Skill
from .spark import Spark

# More marks than this in one day say nothing more (a chatty motion sensor).
MARKS_PER_DAY: Final = 48


def evidence_strip(
    sparks: Iterable[Spark], skill: Skill, tz: tzinfo, today: date, days: int = 28
) -> dict[str, Any]:
    """Return, for each of the days before today, the minutes of trigger and actions.

    Actions count only when a person did them: what an automation did is not
    evidence of a habit. A clock or the sun has no marks of its own: the
    window is the trigger.
    """
    first = today - timedelta(days=days)
    starts = {(s.ref, s.action) for s in skill.trigger.events}
    wanted = {(a.target.ref, a.target.action) for a in skill.actions}
    rows: dict[date, dict[str, list[int]]] = {
        first + timedelta(days=n): {"trigger": [], "actions": []} for n in range(days)
    }
    for spark in sparks:
        local = datetime.fromtimestamp(spark.time, tz)
        row = rows.get(local.date())
        if row is None:
            continue
        minute = local.hour * 60 + local.minute
        if (spark.ref, spark.action) in starts:
            marks = row["trigger"]
        elif (spark.ref, spark.action) in wanted and spark.cause == "person":
            marks = row["actions"]
        else:
            continue
        if len(marks) < MARKS_PER_DAY:
            marks.append(minute)
    evidence = skill.evidence
    return {
        "window": [skill.conditions.start, skill.conditions.end],
        "weekdays": list(skill.conditions.days),
        "delay_s": max((a.delay_s for a in skill.actions), default=0.0),
        "days": [
            {
                "date": day.isoformat(),
                "weekday": WEEKDAYS[day.weekday()],
                "trigger": marks["trigger"],
                "actions": marks["actions"],
                "hit": evidence.get(day.isoformat()),
            }
            for day, marks in sorted(rows.items())
        ],
    }
