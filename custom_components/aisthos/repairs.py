"""Repairs: a skill proposal is approved, rejected or put off from its fix flow."""

from __future__ import annotations

from typing import Any

import probatio as vol

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir, selector

from .const import DOMAIN
from .engine.wisdom import EntityDescription
from .plain_text import plain
from .runtime import loaded_runtime
from .wisdom_service import ISSUE_UNMATCHED


class SkillProposalFlow(RepairsFlow):
    """Show the evidence, then approve, reject or 'not now'."""

    def __init__(self, skill_id: str) -> None:
        """Create the flow for one proposed skill."""
        self.skill_id = skill_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Offer the three choices; the issue's text shows the evidence."""
        runtime = loaded_runtime(self.hass)
        if runtime is None or self.skill_id not in runtime.learner.book.skills:
            return self.async_abort(reason="skill_gone")
        issue = self.issue_placeholders()
        return self.async_show_menu(
            step_id="init",
            menu_options=["approve", "reject", "later"],
            description_placeholders=issue,
        )

    def issue_placeholders(self) -> dict[str, str]:
        """Return the proposal's placeholders (name, trigger, evidence…)."""
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, f"proposal_{self.skill_id}")
        return dict(issue.translation_placeholders or {}) if issue else {}

    async def _decide(self, action: str) -> RepairsFlowResult:
        runtime = loaded_runtime(self.hass)
        if runtime is None or self.skill_id not in runtime.learner.book.skills:
            return self.async_abort(reason="skill_gone")
        manager = runtime.skills
        try:
            if action == "approve":
                await manager.async_approve(self.skill_id)
            elif action == "reject":
                await manager.async_reject(self.skill_id)
            else:
                await manager.async_snooze(self.skill_id)
        except HomeAssistantError as err:
            return self.async_abort(
                reason="cannot_apply", description_placeholders={"error": str(err)}
            )
        return self.async_create_entry(data={})

    async def async_step_approve(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Create the automation."""
        return await self._decide("approve")

    async def async_step_reject(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Do not create it, and do not ask again without much stronger evidence."""
        return await self._decide("reject")

    async def async_step_later(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Ask again in a week."""
        return await self._decide("later")


class UnmatchedEntitiesFlow(RepairsFlow):
    """Map each entity an imported skill needs to one of this home, or drop it."""

    def __init__(self) -> None:
        """Create the flow."""
        self._todo: list[tuple[str, EntityDescription]] = []
        self._chosen: dict[str, str] = {}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Start with the first unmatched entity."""
        runtime = loaded_runtime(self.hass)
        if runtime is None or not runtime.learner.dormant:
            return self.async_abort(reason="nothing_dormant")
        self._todo = sorted(runtime.learner.dormant_entities.items())
        return await self.async_step_map()

    async def async_step_map(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Ask for one entity; leaving it empty drops the skills that need it."""
        if user_input is not None:
            ref, _ = self._todo.pop(0)
            if user_input.get("entity"):
                self._chosen[ref] = str(user_input["entity"])
        if not self._todo:
            runtime = loaded_runtime(self.hass)
            if runtime is None:
                return self.async_abort(reason="nothing_dormant")
            await runtime.wisdom.async_resolve_dormant(self._chosen)
            return self.async_create_entry(data={})
        _, wanted = self._todo[0]
        return self.async_show_form(
            step_id="map",
            data_schema=vol.Schema(
                {
                    vol.Optional("entity"): selector.EntitySelector(
                        selector.EntitySelectorConfig(domain=wanted.domain)
                    )
                }
            ),
            # Everything here was read from an imported file: plain text only.
            description_placeholders={
                "name": plain(wanted.name or wanted.entity_id, 100),
                "entity_id": wanted.entity_id,  # the file's schema allows [a-z0-9_.] only
                "area": plain(wanted.area or "-", 100),
                "left": str(len(self._todo)),
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of a proposal or of dormant imported skills."""
    if issue_id == ISSUE_UNMATCHED:
        return UnmatchedEntitiesFlow()
    skill_id = str((data or {}).get("skill_id") or issue_id.removeprefix("proposal_"))
    return SkillProposalFlow(skill_id)
