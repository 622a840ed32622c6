"""One switch per learned skill: on lets it run, off pauses it.

Switching on a skill that was never approved approves it, which only an
administrator may; for a skill saved as an ordinary automation the switch
turns that automation on and off. Its attributes show the evidence.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .engine.skill_book import Status
from .entity import AisthosEntity
from .runtime import AisthosConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AisthosConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for every known skill, now and after each learning run."""
    manager = entry.runtime_data.skills

    @callback
    def add(skill_ids: list[str]) -> None:
        async_add_entities(SkillSwitch(entry, skill_id) for skill_id in skill_ids)

    manager.add_switches = add
    manager.async_sync_switches()


class SkillSwitch(AisthosEntity, SwitchEntity):
    """Enable or pause one skill."""

    _attr_translation_key = "skill"
    # The explanation is a sentence, and confidence and the evidence count move
    # with every learning run: the on/off history is what the recorder needs.
    _unrecorded_attributes = frozenset(
        {"explanation", "confidence", "learned_from", "last_observed"}
    )

    def __init__(self, entry: AisthosConfigEntry, skill_id: str) -> None:
        """Create the switch of one skill."""
        super().__init__(entry, f"skill_{skill_id}")
        self._attr_translation_key = "skill"
        self.skill_id = skill_id
        skill = self.runtime.learner.book.skills.get(skill_id)
        self._attr_translation_placeholders = {"name": skill.name if skill else skill_id}

    def signals(self) -> list[str]:
        """Refresh when skills change."""
        return [self.runtime.learner.signal]

    @property
    def available(self) -> bool:
        """A skill that was forgotten is no longer available."""
        return self.skill_id in self.runtime.learner.book.skills

    @property
    def is_on(self) -> bool:
        """Return whether the skill's automation may run."""
        return self.runtime.learner.book.status(self.skill_id) is Status.APPROVED

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the evidence for the skill."""
        book = self.runtime.learner.book
        skill = book.skills.get(self.skill_id)
        if skill is None:
            return {}
        return {
            "confidence": round(book.confidence(self.skill_id), 3),
            "learned_from": skill.learned_from,
            "explanation": skill.explanation,
            "last_observed": skill.last_observed or None,
            # The ordinary automation it was saved as, if any (else AisthOS runs it).
            "automation": self.runtime.skills.native_automation(self.skill_id),
            "status": book.status(self.skill_id).value,
        }

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Approve or resume the skill."""
        await self.runtime.skills.async_set_enabled(self.skill_id, True, self._context)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Pause the skill."""
        await self.runtime.skills.async_set_enabled(self.skill_id, False, self._context)
