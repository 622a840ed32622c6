"""Score learned skills against the simulator's planted routines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from custom_components.aisthos.engine.history_file import read_records
from custom_components.aisthos.engine.offline_learning import learn, perceive, skills_report
from custom_components.aisthos.engine.skill import PROPOSAL_THRESHOLD, Skill

from .home_simulator import START, TZ, Planted, expected, forbidden, simulate

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def matches(entry: dict[str, Any], routine: Planted) -> bool:
    """Return whether a reported skill is this planted routine, window included."""
    automation = entry["automation"]
    trigger = automation["triggers"][0]
    if trigger["trigger"] == "time":
        if ("time", "") not in routine.triggers:
            return False
        if abs(_minutes(trigger["at"]) - routine.center) > routine.spread:
            return False
    elif (trigger["entity_id"], trigger.get("to", "")) not in routine.triggers:
        return False
    actions = {
        (a["target"]["entity_id"], a["action"].split(".", 1)[1]) for a in automation["actions"]
    }
    if not actions <= routine.actions:
        return False
    window = automation["conditions"][0]
    after, before = _minutes(window["after"]), _minutes(window["before"])
    if not after <= routine.center <= before:
        return False
    if (
        after < routine.center - routine.spread - 30
        or before > routine.center + routine.spread + 30
    ):
        return False
    days = set(window.get("weekday", DAY_NAMES))
    return days == {DAY_NAMES[d] for d in routine.days}


@dataclass
class Score:
    """Precision and recall after some days."""

    days: int
    precision: float
    recall: float
    proposed: int
    false_positives: list[str]
    missed: list[str]


def score(day_count: int, report: dict[str, Any]) -> Score:
    """Score the proposals (skills at or above the proposal threshold)."""
    proposals = [s for s in report["skills"] if s["confidence"] >= PROPOSAL_THRESHOLD]
    wanted = list(expected(day_count))
    unwanted = list(forbidden(day_count))
    good = [s for s in proposals if any(matches(s, r) for r in wanted)]
    bad = [s for s in proposals if s not in good or any(matches(s, r) for r in unwanted)]
    found = [r for r in wanted if any(matches(s, r) for s in proposals)]
    return Score(
        day_count,
        len(good) / len(proposals) if proposals else 1.0,
        len(found) / len(wanted) if wanted else 1.0,
        len(proposals),
        [f"{s['name']} ({s['confidence']}) {s['explanation']}" for s in bad],
        [r.name for r in wanted if r not in found],
    )


def learning_curve(checkpoints: Iterable[int], total_days: int = 28, seed: int = 7) -> list[Score]:
    """Simulate, learn night after night (incrementally), score at checkpoints."""
    home = perceive(read_records(simulate(total_days, seed)))
    skills: list[Skill] = []
    scores = []
    marks = set(checkpoints)
    for night in range(1, total_days + 1):
        today = START + timedelta(days=night)
        skills = learn(home, TZ, today=today, existing=skills)
        if night in marks:
            scores.append(score(night, skills_report(home, skills)))
    return scores
