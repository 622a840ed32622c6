"""Skills that run inside AisthOS, with Home Assistant's own automation parts.

An approved skill or a taught phrase is a trigger, conditions and actions
(the automation config compiled from the skill). Rather than writing that
into the user's automations.yaml, AisthOS attaches the trigger with HA's
trigger helper, checks the conditions with its condition helper and runs the
actions as an HA script: the same machinery an automation uses, with no file
written. Each run has a context of its own whose parent is the trigger's, as
an automation run has, so changes it makes are told apart from the person's.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
import json
import logging
from typing import Any

import probatio as vol

from homeassistant.const import CONF_ACTIONS, CONF_CONDITIONS, CONF_TRIGGERS
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.condition import (
    async_conditions_from_config,
    async_validate_conditions_config,
)
from homeassistant.helpers.script import SCRIPT_MODE_SINGLE, Script, async_validate_actions_config
from homeassistant.helpers.trigger import async_initialize_triggers, async_validate_trigger_config

from .const import DOMAIN

_LOGGER = logging.getLogger(__package__)


@dataclass(slots=True)
class _Running:
    fingerprint: str
    detach: CALLBACK_TYPE
    script: Script
    run: Callable[..., Coroutine[Any, Any, None]]


class SkillRunner:
    """Attach, run and detach skills by key (the automation id they compile to)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the runner; nothing runs until a skill is set."""
        self.hass = hass
        self._running: dict[str, _Running] = {}
        # Told of every run before its actions start: (key, the run's context).
        self.on_run: Callable[[str, Context], None] = lambda _key, _context: None

    def __contains__(self, key: object) -> bool:
        """Return whether a skill runs under this key."""
        return key in self._running

    def keys(self) -> set[str]:
        """Return the keys of the skills that run."""
        return set(self._running)

    async def async_set(self, key: str, config: dict[str, Any]) -> None:
        """Run this config under key from now on (the same config again changes nothing).

        An invalid config raises HomeAssistantError and leaves what ran before.
        """
        # What it does, not what it says: a new description or confidence
        # must not stop a run that waits in a delay.
        fingerprint = json.dumps(
            [config.get(k) for k in (CONF_TRIGGERS, CONF_CONDITIONS, CONF_ACTIONS)],
            sort_keys=True, default=str,
        )  # fmt: skip
        running = self._running.get(key)
        if running is not None and running.fingerprint == fingerprint:
            return
        name = str(config.get("alias") or key)
        try:
            triggers = await async_validate_trigger_config(
                self.hass, cv.TRIGGER_SCHEMA(config[CONF_TRIGGERS])
            )
            # Compiled conditions are dicts, never template shorthands.
            conditions: list[dict[str, Any]] = await async_validate_conditions_config(  # type: ignore[assignment]
                self.hass, cv.CONDITIONS_SCHEMA(config.get(CONF_CONDITIONS, []))
            )
            sequence = await async_validate_actions_config(
                self.hass, cv.SCRIPT_SCHEMA(config[CONF_ACTIONS])
            )
        except (vol.Invalid, HomeAssistantError, KeyError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="skill_cannot_run",
                translation_placeholders={"name": name, "error": str(err)},
            ) from err  # fmt: skip
        checker = (
            await async_conditions_from_config(self.hass, conditions, _LOGGER, name)
            if conditions
            else None
        )
        # Single, as the compiled automations are: a trigger while the
        # actions still wait in a delay is dropped.
        script = Script(
            self.hass, sequence, name, DOMAIN, script_mode=SCRIPT_MODE_SINGLE, logger=_LOGGER,
            running_description="AisthOS skill",
        )  # fmt: skip

        async def run(
            run_variables: dict[str, Any], context: Context | None = None, check: bool = True
        ) -> None:
            if check and checker is not None and not checker(run_variables):
                return
            run_context = Context(parent_id=context.id if context is not None else None)
            self.on_run(key, run_context)
            try:
                await script.async_run(run_variables, context=run_context)
            except HomeAssistantError:
                # Logged by the script, as an automation's failed run is; the
                # next trigger runs it again.
                return

        def log(level: int, message: str, **kwargs: Any) -> None:
            _LOGGER.log(level, "%s %s", message, name, **kwargs)

        detach = await async_initialize_triggers(
            self.hass, triggers, run, DOMAIN, name, log, variables={}
        )
        if detach is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="skill_cannot_run",
                translation_placeholders={"name": name, "error": "its trigger could not be set up"},
            )  # fmt: skip
        self.async_remove(key)
        self._running[key] = _Running(fingerprint, detach, script, run)

    async def async_trigger(self, key: str) -> None:
        """Run a skill's actions now, as its trigger would, skipping its conditions.

        What HA's automation.trigger does for an automation; unknown keys do nothing.
        """
        running = self._running.get(key)
        if running is not None:
            await running.run({"trigger": {"platform": None}}, None, check=False)

    @callback
    def async_remove(self, key: str) -> None:
        """Stop running the skill under key (a run in its delay is stopped too)."""
        running = self._running.pop(key, None)
        if running is None:
            return
        running.detach()
        if running.script.is_running:
            self.hass.async_create_task(running.script.async_stop(), eager_start=True)

    @callback
    def async_stop(self) -> None:
        """Stop everything (the entry unloads)."""
        for key in list(self._running):
            self.async_remove(key)
