"""Native automations made of skills, followed by their id.

A skill moved to a native automation (from the panel, through HA's own
automation config API) is the household's from then on: HA writes and runs
it, and it keeps running without AisthOS. AisthOS only follows it by its id
(`aisthos_<skill id>`), with public APIs: the entity registry says when it
appears or is deleted, its state when it is turned off or on, and
`entities_in_automation` with its name what it does, so an edit is seen.
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
from typing import Any

from homeassistant.components.automation import EVENT_AUTOMATION_RELOADED, entities_in_automation
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event

from .automation_bridge import AUTOMATION_ID_PREFIX

AUTOMATION: str = "automation"


class NativeAutomations:
    """Tell the skills what happens to their native automations."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create; nothing is followed until async_start."""
        self.hass = hass
        # Set by the skill manager: a native automation of this skill id
        # appeared, was deleted, was reloaded (perhaps edited), was turned off/on.
        self.on_appeared: Callable[[str], None] = lambda _skill_id: None
        self.on_deleted: Callable[[str], None] = lambda _skill_id: None
        self.on_reloaded: Callable[[str], None] = lambda _skill_id: None
        self.on_switched: Callable[[str, bool], None] = lambda _skill_id, _on: None
        self._unsubs: list[CALLBACK_TYPE] = []
        self._unsub_states: CALLBACK_TYPE | None = None
        # Entity id -> skill id, as last seen: a removed entry is no longer
        # in the registry when its removal is announced.
        self._followed: dict[str, str] = {}

    def entity_id(self, skill_id: str) -> str | None:
        """Return the entity id of the skill's native automation, if there is one."""
        return er.async_get(self.hass).async_get_entity_id(
            AUTOMATION, AUTOMATION, AUTOMATION_ID_PREFIX + skill_id
        )

    def fingerprint(self, skill_id: str) -> str | None:
        """Return a short digest of what the automation does and is called (None: none)."""
        entity_id = self.entity_id(skill_id)
        if entity_id is None:
            return None
        state = self.hass.states.get(entity_id)
        if state is None:
            # Announced by the registry before HA loaded it: nothing to tell yet.
            return None
        name = state.name
        entities = sorted(entities_in_automation(self.hass, entity_id))
        return hashlib.sha256("\n".join([name, *entities]).encode()).hexdigest()[:16]

    @callback
    def async_start(self) -> None:
        """Follow the registry, reloads and the automations' states."""
        self._unsubs = [
            self.hass.bus.async_listen(
                er.EVENT_ENTITY_REGISTRY_UPDATED, self._async_registry_updated
            ),
            self.hass.bus.async_listen(EVENT_AUTOMATION_RELOADED, self._async_reloaded),
        ]
        self._async_follow_states()

    @callback
    def async_stop(self) -> None:
        """Stop following."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._unsub_states is not None:
            self._unsub_states()
            self._unsub_states = None

    def _ours(self) -> dict[str, str]:
        """Return entity id -> skill id of every automation with one of our ids."""
        registry = er.async_get(self.hass)
        return {
            entry.entity_id: entry.unique_id.removeprefix(AUTOMATION_ID_PREFIX)
            for entry in registry.entities.values()
            if entry.domain == AUTOMATION
            and entry.platform == AUTOMATION
            and entry.unique_id.startswith(AUTOMATION_ID_PREFIX)
        }

    @callback
    def _async_follow_states(self) -> None:
        # Only our automations' own state changes, not every change in the home.
        if self._unsub_states is not None:
            self._unsub_states()
            self._unsub_states = None
        ours = self._followed = self._ours()
        if ours:
            self._unsub_states = async_track_state_change_event(
                self.hass, list(ours), self._async_state_changed
            )

    @callback
    def _async_registry_updated(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        data: dict[str, Any] = dict(event.data)
        entity_id = str(data.get("entity_id", ""))
        if not entity_id.startswith(f"{AUTOMATION}."):
            return
        action = data.get("action")
        if action == "remove":
            # The removed entry is gone from the registry: its id was in our list.
            skill_id = self._followed.pop(entity_id, None)
            if skill_id is not None:
                self.on_deleted(skill_id)
        elif action in ("create", "update"):
            entry = er.async_get(self.hass).async_get(entity_id)
            if (
                entry is not None
                and entry.platform == AUTOMATION
                and entry.unique_id.startswith(AUTOMATION_ID_PREFIX)
            ):
                self.on_appeared(entry.unique_id.removeprefix(AUTOMATION_ID_PREFIX))
        self._async_follow_states()

    @callback
    def _async_reloaded(self, _event: Event[Any]) -> None:
        for skill_id in list(self._followed.values()):
            self.on_reloaded(skill_id)

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        if old is None or new is None or old.state == new.state:
            return
        if {old.state, new.state} != {STATE_ON, STATE_OFF}:
            return
        skill_id = self._followed.get(event.data["entity_id"])
        if skill_id is not None:
            self.on_switched(skill_id, new.state == STATE_ON)
