"""Write AisthOS automations into automations.yaml, the way the editor does.

Only our own blocks are touched, at the text level: every other byte of the
file stays as it was. Each block is a top-level list item that HA's YAML
dumper wrote, starting with "- id: aisthos_…". Writes are atomic, and a file
that changed between our read and our write (the automation editor saving at
the same moment) is read again before we write, so no edit is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
import re
import threading
from typing import Any, Final

import probatio as vol
import yaml

from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.const import CONF_ID, SERVICE_RELOAD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util.file import WriteError, write_utf8_file_atomic
from homeassistant.util.yaml import dump

from .automation_bridge import AUTOMATION_ID_PREFIX
from .const import DOMAIN

_LOGGER = logging.getLogger(__package__)
AUTOMATIONS_FILE: Final = "automations.yaml"
AUTOMATION_DOMAIN: Final = "automation"
_ITEM_START: Final = re.compile(r"^- ", re.MULTILINE)
_ID_LINE: Final = re.compile(r"^- id: '?(aisthos_[a-z0-9_]+)'?\s*$")


class AutomationWriteError(HomeAssistantError):
    """The automation could not be written safely; the message is translated.

    The key names an entry under "exceptions" in strings.json.
    """

    def __init__(self, key: str, **placeholders: str) -> None:
        """Create for a translation key and its placeholders."""
        super().__init__(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders or None,
        )


def _unwritable(err: OSError | WriteError) -> AutomationWriteError:
    # WriteError (HA's atomic writer) carries the OSError it caught.
    cause = err.__cause__ if isinstance(err, WriteError) else err
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(err)
    return AutomationWriteError("automations_file_unwritable", error=reason)


def fingerprint(block: str) -> str:
    """Return a short hash of a block, to notice edits made in the editor."""
    return hashlib.sha256(block.encode()).hexdigest()[:16]


def render_block(config: dict[str, Any]) -> str:
    """Return the YAML text of one automation as a top-level list item."""
    text: str = dump([config])
    if not text.startswith("- ") or not text.endswith("\n"):
        raise AutomationWriteError("automation_layout")
    return text


def _blocks(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of top-level list items."""
    starts = [m.start() for m in _ITEM_START.finditer(text)]
    return [(s, starts[i + 1] if i + 1 < len(starts) else len(text)) for i, s in enumerate(starts)]


def find_block(text: str, automation_id: str) -> str | None:
    """Return the current text of our automation's block, if present."""
    for start, end in _blocks(text):
        first_line = text[start:end].split("\n", 1)[0]
        match = _ID_LINE.match(first_line)
        if match and match.group(1) == automation_id:
            return text[start:end]
    return None


def upsert_text(text: str, automation_id: str, block: str) -> str:
    """Return text with our block added or replaced; nothing else changes."""
    current = find_block(text, automation_id)
    if current is not None:
        return text.replace(current, block, 1)
    if text.strip() in ("", "[]"):
        return block
    return text + ("" if text.endswith("\n") else "\n") + block


def remove_text(text: str, automation_id: str) -> str:
    """Return text without our block; an emptied file becomes '[]'."""
    current = find_block(text, automation_id)
    if current is None:
        return text
    remaining = text.replace(current, "", 1)
    return remaining if remaining.strip() else "[]\n"


class AutomationsFile:
    """Our blocks in automations.yaml."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create for this HA's config folder."""
        self.hass = hass
        self.path = Path(hass.config.path(AUTOMATIONS_FILE))
        self._lock = asyncio.Lock()
        self._file_lock = threading.Lock()

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def _rewrite(self, change: Any) -> tuple[str, str]:
        """Read, change, and write atomically unless the file moved under us."""
        with self._file_lock:
            return self._rewrite_once(change)

    def _rewrite_once(self, change: Any) -> tuple[str, str]:
        for _ in range(5):
            before = self._read()
            after = change(before)
            if after == before:
                return before, after
            if self._read() != before:
                continue  # the editor saved meanwhile: start over from its version
            write_utf8_file_atomic(str(self.path), after)
            return before, after
        raise AutomationWriteError("automations_file_busy")

    async def async_current_block(self, automation_id: str) -> str | None:
        """Return our block as it is in the file now (the user may have edited it)."""
        text = await self.hass.async_add_executor_job(self._read)
        return find_block(text, automation_id)

    async def async_write(self, config: dict[str, Any]) -> str:
        """Validate, write and load one automation; return the block written."""
        automation_id = str(config[CONF_ID])
        if not automation_id.startswith(AUTOMATION_ID_PREFIX):
            raise AutomationWriteError("automation_foreign", automation_id=automation_id)
        try:
            validated = await async_validate_config_item(self.hass, automation_id, config)
        except (vol.Invalid, HomeAssistantError) as err:
            raise AutomationWriteError("automation_rejected", error=str(err)) from err
        if validated is None or validated.validation_status != "ok":
            error = validated.validation_error if validated else "invalid"
            raise AutomationWriteError("automation_rejected", error=str(error))
        block = render_block(config)
        # Every string must come back as the same plain data: no tags, no code.
        if yaml.safe_load(block) != [config]:
            raise AutomationWriteError("automation_not_plain")
        async with self._lock:
            try:
                before, after = await self.hass.async_add_executor_job(
                    self._rewrite, lambda text: upsert_text(text, automation_id, block)
                )
            except (OSError, WriteError) as err:
                raise _unwritable(err) from err
        # The nightly refresh mostly writes what is already there: reloading it
        # then would only restart a running automation for nothing.
        loaded = er.async_get(self.hass).async_get_entity_id(
            AUTOMATION_DOMAIN, AUTOMATION_DOMAIN, automation_id
        )
        if before != after or loaded is None:
            await self._async_reload(automation_id)
        return block

    async def async_remove(self, automation_id: str) -> bool:
        """Remove our automation; return whether it was there."""
        async with self._lock:
            try:
                before, after = await self.hass.async_add_executor_job(
                    self._rewrite, lambda text: remove_text(text, automation_id)
                )
            except (OSError, WriteError) as err:
                raise _unwritable(err) from err
        if before == after:
            return False
        await self._async_reload(automation_id)
        return True

    async def _async_reload(self, automation_id: str) -> None:
        if self.hass.services.has_service(AUTOMATION_DOMAIN, SERVICE_RELOAD):
            await self.hass.services.async_call(
                AUTOMATION_DOMAIN, SERVICE_RELOAD, {CONF_ID: automation_id}, blocking=True
            )
