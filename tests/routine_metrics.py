"""Score learned skills against the simulator's planted routines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType
from typing import Any

from custom_components.aisthos.engine.history_file import read_records
from custom_components.aisthos.engine.offline_learning import learn, perceive, skills_report
from custom_components.aisthos.engine.skill import Skill

from .home_simulator import START, TZ, Planted, acceptable, expected, forbidden, simulate

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _module_from(name: str, path: Path) -> ModuleType:
    """Load a module of bench/ or scripts/ by its file (bench/__init__ needs HA's test harness)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


# bench/replay.py, the module scripts/evaluate uses.
REPLAY = _module_from(
    "aisthos_bench_replay", Path(__file__).resolve().parents[1] / "bench" / "replay.py"
)


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
        # A clock fires at the start of the window, before the person's earliest time.
        at = _minutes(trigger["at"])
        if not routine.center - routine.spread - 15 <= at <= routine.center + routine.spread:
            return False
    elif any(
        (t["entity_id"], t.get("to", "")) not in routine.triggers for t in automation["triggers"]
    ):
        return False  # every entity that starts it must be one of the routine's
    actions = {
        (a["target"]["entity_id"], a["action"].split(".", 1)[1])
        for a in automation["actions"]
        if "action" in a  # not a delay
    }
    if not actions <= routine.actions:
        return False
    window = next((c for c in automation["conditions"] if c["condition"] == "time"), {})
    after, before = _minutes(window.get("after", "00:00")), _minutes(window.get("before", "23:59"))
    inside = (
        (after <= routine.center <= before)
        if after <= before
        else not (before < routine.center < after)
    )
    if not inside:
        return False
    # A clock's window is the routine's own spread; an event's may be wider
    # (arriving early one evening is still arriving), which its replayed
    # precision judges, not this test.
    if trigger["trigger"] == "time" and (
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
    precision: float  # of the proposals, those that are a planted routine
    recall: float
    proposed: int
    false_positives: list[str]
    missed: list[str]
    # Of the proposals' firings replayed over the same days, those the person
    # followed (bench/replay.py, as scripts/evaluate counts them).
    firing_precision: float = 1.0


def firing_precision(proposals: list[dict[str, Any]], lines: list[str]) -> float:
    """Replay the proposals' automations over the history; return right / (right + wrong)."""
    history = REPLAY.History(REPLAY.read_history(lines), TZ)
    right = wrong = 0
    for entry in proposals:
        result = REPLAY.replay(entry["automation"], history)
        right, wrong = right + result.count("right"), wrong + result.count("wrong")
    return right / (right + wrong) if right + wrong else 1.0


def score(day_count: int, report: dict[str, Any], lines: list[str] | None = None) -> Score:
    """Score the proposals (the skills the report says are proposed)."""
    proposals = [s for s in report["skills"] if s["proposed"]]
    wanted = list(expected(day_count))
    allowed = list(acceptable(day_count))
    unwanted = list(forbidden(day_count))
    good = [s for s in proposals if any(matches(s, r) for r in allowed)]
    bad = [s for s in proposals if s not in good or any(matches(s, r) for r in unwanted)]
    found = [r for r in wanted if any(matches(s, r) for s in proposals)]
    return Score(
        day_count,
        len(good) / len(proposals) if proposals else 1.0,
        len(found) / len(wanted) if wanted else 1.0,
        len(proposals),
        [f"{s['name']} ({s['confidence']}) {s['explanation']}" for s in bad],
        [r.name for r in wanted if r not in found],
        firing_precision(proposals, lines) if lines is not None else 1.0,
    )


def learning_curve(checkpoints: Iterable[int], total_days: int = 28, seed: int = 7) -> list[Score]:
    """Simulate, learn night after night (incrementally), score at checkpoints."""
    lines = simulate(total_days, seed)
    home = perceive(read_records(lines))
    skills: list[Skill] = []
    scores = []
    marks = set(checkpoints)
    for night in range(1, total_days + 1):
        today = START + timedelta(days=night)
        skills = learn(home, TZ, today=today, existing=skills)
        if night in marks:
            midnight = datetime.combine(today, time(), TZ).isoformat()
            seen = [line for line in lines if json.loads(line)["last_updated"] < midnight]
            scores.append(score(night, skills_report(home, skills), seen))
    return scores
