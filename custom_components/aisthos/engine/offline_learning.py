"""Learn skills from an exported history file, outside Home Assistant.

The same path as inside HA: Filter → Template → Spark → routine miner →
automation config. Used by scripts/learn and by the routine tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from .anonymizer import Anonymizer
from .automation_config import UnsafeSkillError, compile_automation
from .history_file import HistoryRecord, state_changes
from .perception import Perception, option_key
from .pipeline import SparkPipeline
from .routine_miner import MinerSettings, RoutineMiner
from .significance import IGNORED_STATES, SignificanceFilter
from .skill import Signature, Skill, worth_proposing
from .spark import Spark

OFFLINE_SECRET = b"aisthos-offline-learning-key-v1!"


@dataclass(slots=True)
class OfflineHome:
    """Sparks perceived from a history file, and how to name their entities."""

    sparks: list[Spark]
    entity_of_ref: dict[str, str]
    name_of_ref: dict[str, str]
    # Refs of the people zone.home counts (see RoutineMiner.run's residents).
    residents: list[str] = field(default_factory=list)
    # Group refs to their members' refs (see RoutineMiner.run's groups).
    groups: dict[str, list[str]] = field(default_factory=dict)

    def describe(self, sig: Signature) -> str:
        """Name an entity by its friendly name, else by area and kind."""
        name = self.name_of_ref.get(sig.ref)
        if name:
            return name
        place = "" if sig.area == "unknown" else sig.area.replace("_", " ") + " "
        return place + sig.object.replace("_", " ")


def perceive(records: Iterable[HistoryRecord], secret: bytes = OFFLINE_SECRET) -> OfflineHome:
    """Run history records through the Filter and Perception."""
    anonymizer = Anonymizer(secret)
    record_list = list(records)
    entity_of_ref: dict[str, str] = {}
    name_of_ref: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for record in record_list:
        ref = anonymizer.ref(record.entity_id)
        entity_of_ref[ref] = record.entity_id
        if record.friendly_name:
            name_of_ref[ref] = record.friendly_name
        if record.members:  # the last record's list: members as they are now
            groups[ref] = [anonymizer.ref(member) for member in record.members]
        if record.entity_id.startswith("input_select.") and record.state not in IGNORED_STATES:
            key = option_key(record.entity_id, record.state)
            entity_of_ref[option_ref := anonymizer.ref(key)] = key
            name_of_ref[option_ref] = f"{record.friendly_name or record.entity_id}: {record.state}"
    pipeline = SparkPipeline(Perception(anonymizer), SignificanceFilter())
    sparks = pipeline.replay(state_changes(record_list))
    # zone.home counts the people whose whereabouts are known (not "unknown").
    last_state = {r.entity_id: r.state for r in record_list if r.entity_id.startswith("person.")}
    residents = [
        anonymizer.ref(entity_id)
        for entity_id, state in last_state.items()
        if state not in ("unknown", "unavailable")
    ]
    return OfflineHome(sparks, entity_of_ref, name_of_ref, residents, groups)


def learn(
    home: OfflineHome,
    tz: tzinfo,
    today: date | None = None,
    existing: Iterable[Skill] = (),
    settings: MinerSettings | None = None,
) -> list[Skill]:
    """Mine the home's Sparks as of 'today' (default: the day after the last Spark)."""
    if today is None:
        if not home.sparks:
            return []
        today = datetime.fromtimestamp(max(s.time for s in home.sparks), tz).date() + timedelta(
            days=1
        )
    return RoutineMiner(settings).run(
        home.sparks, tz, today, existing=list(existing), describe=home.describe,
        residents=home.residents, groups=home.groups,
    )  # fmt: skip


def skills_report(home: OfflineHome, skills: Iterable[Skill]) -> dict[str, Any]:
    """Return {"skills": [...]} with each skill's native automation config."""
    out = []
    for skill in sorted(skills, key=lambda s: -s.confidence):
        try:
            automation = compile_automation(skill, home.entity_of_ref.get)
        except UnsafeSkillError:
            continue
        out.append(
            {
                "id": skill.id,
                "name": skill.name,
                "confidence": round(skill.confidence, 3),
                "proposed": worth_proposing(skill.confidence, skill.stats, skill.proposal_rate),
                "learned_from": skill.learned_from,
                "explanation": skill.explanation,
                "definition": skill.definition(home.describe),
                "automation": automation,
            }
        )
    return {"skills": out}
