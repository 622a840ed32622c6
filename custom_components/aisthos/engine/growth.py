"""Growth stages: Infant → Child → Teen → Adult, by age *and* evidence, never skipped.

Guessing before understanding erodes trust, so what AisthOS may do grows
with what it has seen: an Infant only learns from explicit teaching, a Child
proposes skills, a Teen also switches on very confident skills by itself
(announcing each with a one-step undo), an Adult also anticipates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Any, Final


class Stage(StrEnum):
    """A growth stage, in order."""

    INFANT = "infant"
    CHILD = "child"
    TEEN = "teen"
    ADULT = "adult"


ORDER: Final = (Stage.INFANT, Stage.CHILD, Stage.TEEN, Stage.ADULT)


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a stage needs: age in days, Sparks seen, skills the household approved."""

    days: int
    sparks: int
    approved: int


REQUIREMENTS: Final[Mapping[Stage, Requirement]] = {
    Stage.CHILD: Requirement(days=3, sparks=50, approved=0),
    Stage.TEEN: Requirement(days=30, sparks=1000, approved=2),
    Stage.ADULT: Requirement(days=90, sparks=5000, approved=4),
}
# A Teen switches on a skill by itself only when it is this sure.
AUTONOMY_CONFIDENCE: Final = 0.85


@dataclass(slots=True)
class Growth:
    """The stage, when it started, and the way there."""

    born: date
    stage: Stage = Stage.INFANT
    history: list[tuple[Stage, date]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Put the first stage on record when a new life starts."""
        if not self.history:
            self.history = [(self.stage, self.born)]

    def age_days(self, today: date) -> int:
        """Return the days since AisthOS was set up."""
        return max(0, (today - self.born).days)

    def next_stage(self) -> Stage | None:
        """Return the stage after this one, if any."""
        index = ORDER.index(self.stage)
        return ORDER[index + 1] if index + 1 < len(ORDER) else None

    def needs(self, today: date, sparks: int, approved: int) -> dict[str, int]:
        """Return what is still missing for the next stage (empty when ready or Adult)."""
        nxt = self.next_stage()
        if nxt is None:
            return {}
        req = REQUIREMENTS[nxt]
        missing = {
            "days": req.days - self.age_days(today),
            "sparks": req.sparks - sparks,
            "approved_skills": req.approved - approved,
        }
        return {key: value for key, value in missing.items() if value > 0}

    def advance(self, today: date, sparks: int, approved: int) -> Stage | None:
        """Move on by one stage if age and evidence allow; return the new stage."""
        nxt = self.next_stage()
        if nxt is None or self.needs(today, sparks, approved):
            return None
        self.stage = nxt
        self.history.append((nxt, today))
        return nxt

    # What each stage may do.
    @property
    def may_propose(self) -> bool:
        """Child and later: propose learned skills."""
        return ORDER.index(self.stage) >= ORDER.index(Stage.CHILD)

    @property
    def may_act_alone(self) -> bool:
        """Teen and later: switch on very confident skills by itself."""
        return ORDER.index(self.stage) >= ORDER.index(Stage.TEEN)

    @property
    def may_anticipate(self) -> bool:
        """Adult: offer a routine before its usual time, give feedback on routines."""
        return self.stage is Stage.ADULT

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "stage": self.stage.value,
            "born": self.born.isoformat(),
            "history": [{"stage": s.value, "since": d.isoformat()} for s, d in self.history],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Growth:
        """Rebuild; raises ValueError when the record breaks the rules (e.g. a skipped stage)."""
        stage = Stage(str(data["stage"]))
        born = date.fromisoformat(str(data["born"]))
        history = [
            (Stage(str(item["stage"])), date.fromisoformat(str(item["since"])))
            for item in data.get("history", [])
        ]
        if not history:
            history = [(Stage.INFANT, born)]
        stages = [s for s, _ in history]
        if stages != list(ORDER[: len(stages)]) or stages[-1] is not stage:
            raise ValueError("growth history must go through the stages in order, none skipped")
        if any(later < earlier for (_, earlier), (_, later) in pairwise(history)):
            raise ValueError("growth history goes back in time")
        return cls(born=born, stage=stage, history=history)
