"""The skill book: learned skills plus what the household decided about them.

The miner says how often a routine happened; the household says whether they
want it. Both end up in one confidence: the evidence-based value, moved by
feedback (approvals, rejections, edits, pauses, undone actions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Final

from .skill import Skill, worth_proposing


class Status(StrEnum):
    """Where a skill stands with the household."""

    LEARNED = "learned"  # known, not (yet) proposed
    PROPOSED = "proposed"  # waiting in Repairs
    APPROVED = "approved"  # an automation runs it
    PAUSED = "paused"  # approved, switched off for now
    REJECTED = "rejected"
    SNOOZED = "snoozed"  # "not now": asked again later


class Feedback(StrEnum):
    """Reactions that move a skill's confidence."""

    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    DISABLE = "disable"
    ENABLE = "enable"
    UNDO = "undo"
    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"


FEEDBACK_WEIGHT: Final[Mapping[Feedback, float]] = {
    Feedback.APPROVE: 0.10,
    Feedback.REJECT: -0.30,
    Feedback.EDIT: 0.05,
    Feedback.DISABLE: -0.10,
    Feedback.ENABLE: 0.05,
    Feedback.UNDO: -0.15,
    Feedback.HELPFUL: 0.05,
    Feedback.NOT_HELPFUL: -0.10,
}
FEEDBACK_LIMIT: Final = 0.5
SNOOZE_DAYS: Final = 7
# A rejected skill comes back only on much stronger evidence.
RETRY_EVIDENCE_FACTOR: Final = 2.0
RETRY_CONFIDENCE_GAIN: Final = 0.2


@dataclass(slots=True)
class Decision:
    """The household's decisions and feedback about one skill."""

    status: Status = Status.LEARNED
    changed: str = ""  # ISO date of the last status change
    feedback: float = 0.0  # sum of feedback weights, within ±FEEDBACK_LIMIT
    counts: dict[str, int] = field(default_factory=dict)
    rejected_learned_from: int = 0
    rejected_confidence: float = 0.0
    snoozed_until: str = ""
    written: str = ""  # fingerprint of the automation we last wrote

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """Rebuild from as_dict()."""
        counts = {str(k): int(v) for k, v in dict(data.get("counts", {})).items()}
        feedback = float(data.get("feedback", 0.0))
        return cls(
            status=Status(str(data.get("status", Status.LEARNED))),
            changed=str(data.get("changed", "")),
            feedback=max(-FEEDBACK_LIMIT, min(FEEDBACK_LIMIT, feedback)),
            counts=counts,
            rejected_learned_from=int(data.get("rejected_learned_from", 0)),
            rejected_confidence=float(data.get("rejected_confidence", 0.0)),
            snoozed_until=str(data.get("snoozed_until", "")),
            written=str(data.get("written", "")),
        )


class SkillBook:
    """Skills and decisions, with the rules for proposing them."""

    def __init__(self) -> None:
        """Create an empty book."""
        self.skills: dict[str, Skill] = {}
        self.decisions: dict[str, Decision] = {}

    # ---- reading -----------------------------------------------------------

    def decision(self, skill_id: str) -> Decision:
        """Return the decision record of a skill (created on first use)."""
        return self.decisions.setdefault(skill_id, Decision())

    def status(self, skill_id: str) -> Status:
        """Return a skill's status."""
        found = self.decisions.get(skill_id)
        return found.status if found else Status.LEARNED

    def confidence(self, skill_id: str) -> float:
        """Return the confidence: evidence moved by feedback, within [0, 1]."""
        skill = self.skills.get(skill_id)
        if skill is None:
            return 0.0
        found = self.decisions.get(skill_id)
        feedback = found.feedback if found else 0.0
        return max(0.0, min(1.0, skill.confidence + feedback))

    def worth_proposing(self, skill_id: str) -> bool:
        """Tell whether the skill is sure and right enough to propose (see worth_proposing)."""
        skill = self.skills.get(skill_id)
        return skill is not None and worth_proposing(
            self.confidence(skill_id), skill.stats, skill.proposal_rate
        )

    def effective(self, skill_id: str) -> Skill:
        """Return the skill carrying its effective confidence."""
        return replace(self.skills[skill_id], confidence=self.confidence(skill_id))

    def keep_ids(self) -> set[str]:
        """Return skills the miner must keep whatever the evidence (approved ones)."""
        return {
            sid for sid, d in self.decisions.items() if d.status in (Status.APPROVED, Status.PAUSED)
        }

    def rejected_ids(self) -> set[str]:
        """Return skills the household rejected (the miner folds nothing into them)."""
        return {sid for sid, d in self.decisions.items() if d.status is Status.REJECTED}

    def proposable(self, today: date) -> list[Skill]:
        """Return skills to propose now, most confident first."""
        out = []
        for skill_id, skill in self.skills.items():
            found = self.decisions.get(skill_id)
            status = found.status if found else Status.LEARNED
            if not self.worth_proposing(skill_id):
                continue
            if self._may_propose(skill, status, found, today):
                out.append(skill)
        return sorted(out, key=lambda s: -self.confidence(s.id))

    @staticmethod
    def _may_propose(skill: Skill, status: Status, found: Decision | None, today: date) -> bool:
        if status is Status.LEARNED:
            return True
        if found is None:
            return False
        if status is Status.SNOOZED:
            return found.snoozed_until <= today.isoformat()
        if status is Status.REJECTED:
            return (
                skill.learned_from >= RETRY_EVIDENCE_FACTOR * max(1, found.rejected_learned_from)
                and skill.confidence >= found.rejected_confidence + RETRY_CONFIDENCE_GAIN
            )
        return False

    # ---- changing ----------------------------------------------------------

    def update(self, skills: Iterable[Skill], limit: int, rejected_limit: int) -> list[str]:
        """Take the miner's latest skills, at most `limit`; return ids that disappeared.

        Past the limit the approved ones stay and then the most confident.
        Rejections of skills no longer found are kept, the newest
        `rejected_limit` of them (what a wisdom file holds).
        """
        keep = self.keep_ids()
        ranked = sorted(skills, key=lambda s: (s.id not in keep, -s.confidence, s.id))
        fresh = {skill.id: skill for skill in ranked[:limit]}
        gone = [sid for sid in self.skills if sid not in fresh]
        self.skills = fresh
        for sid in gone:
            # Keep a rejection on record (so it is not proposed again); forget the rest.
            if self.status(sid) is not Status.REJECTED:
                self.decisions.pop(sid, None)
        kept = sorted(
            (d.changed, sid)
            for sid, d in self.decisions.items()
            if sid not in fresh and d.status is Status.REJECTED
        )
        for _, sid in kept[: max(0, len(kept) - rejected_limit)]:
            del self.decisions[sid]
        return gone

    def set_status(self, skill_id: str, status: Status, today: date) -> None:
        """Record a status change."""
        found = self.decision(skill_id)
        found.status = status
        found.changed = today.isoformat()
        if status is Status.SNOOZED:
            found.snoozed_until = (today + timedelta(days=SNOOZE_DAYS)).isoformat()
        if status is Status.REJECTED and (skill := self.skills.get(skill_id)) is not None:
            found.rejected_learned_from = skill.learned_from
            found.rejected_confidence = skill.confidence

    def add_feedback(self, skill_id: str, kind: Feedback) -> float:
        """Record a reaction; return the new confidence."""
        found = self.decision(skill_id)
        found.feedback = max(
            -FEEDBACK_LIMIT, min(FEEDBACK_LIMIT, found.feedback + FEEDBACK_WEIGHT[kind])
        )
        found.counts[kind.value] = found.counts.get(kind.value, 0) + 1
        return self.confidence(skill_id)

    # ---- persistence ---------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "skills": [skill.as_dict() for skill in self.skills.values()],
            "decisions": {sid: d.as_dict() for sid, d in self.decisions.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> tuple[SkillBook, list[str]]:
        """Rebuild; return the book and a list of problems with skipped entries."""
        book = cls()
        problems = []
        for raw in data.get("skills", []):
            try:
                skill = Skill.from_dict(raw)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                problems.append(f"skill: {err}")
                continue
            book.skills[skill.id] = skill
        for sid, raw in dict(data.get("decisions", {})).items():
            try:
                book.decisions[str(sid)] = Decision.from_dict(raw)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                problems.append(f"decision {sid}: {err}")
        return book, problems
