"""Notice when a person undoes what a skill just did.

Switching the light back off a minute after a skill switched it on is the
clearest "no" a household gives; it lowers the skill's confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

UNDO_WINDOW_S: Final = 120.0
# A state an action leaves on its way, and the one the device reaches by
# itself later (in a context of its own): a valve opening, then open, is the
# skill's action finishing, not a person undoing it.
_COMPLETES: Final = {
    "opening": "open",
    "closing": "closed",
    "locking": "locked",
    "unlocking": "unlocked",
    "returning": "docked",
}


@dataclass(frozen=True, slots=True)
class _Done:
    state: str
    skill_id: str
    at: float


class UndoTracker:
    """Remember recent skill actions per entity; report a person reverting one."""

    def __init__(self, window_s: float = UNDO_WINDOW_S) -> None:
        """Create a tracker."""
        self.window_s = window_s
        self._done: dict[str, _Done] = {}

    def acted(self, entity_id: str, state: str, skill_id: str, at: float) -> None:
        """Remember that a skill's automation set entity_id to state at time at."""
        self._done[entity_id] = _Done(state, skill_id, at)

    def observe(self, entity_id: str, state: str, by_person: bool, at: float) -> str | None:
        """Return the skill id if this change by a person undoes a skill's action."""
        done = self._done.get(entity_id)
        if done is None:
            return None
        if at - done.at > self.window_s:
            del self._done[entity_id]
            return None
        if _COMPLETES.get(done.state) == state:
            self._done[entity_id] = replace(done, state=state)
            return None
        if by_person and state != done.state:
            # One run, one undo: forget everything else that run changed, as
            # undoing a light may also switch back what drives it.
            for other, item in list(self._done.items()):
                if item.skill_id == done.skill_id and abs(item.at - done.at) <= self.window_s:
                    del self._done[other]
            return done.skill_id
        return None

    def __len__(self) -> int:
        """Return how many actions are being watched."""
        return len(self._done)
