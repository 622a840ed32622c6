"""Repairs: entities an imported skill needs, mapped to this home's.

Repairs is for real problems only; suggestions are decided in the panel.
"""

from __future__ import annotations

from typing import Any

import probatio as vol

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector

from .engine.wisdom import EntityDescription
from .plain_text import plain
from .runtime import loaded_runtime


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
    """Create the fix flow of dormant imported skills (the one fixable issue)."""
    return UnmatchedEntitiesFlow()
