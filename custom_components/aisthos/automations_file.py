"""Write AisthOS automations into automations.yaml, the way the editor does.

Only our own blocks are touched, at the text level: every other byte of the
file stays as it was. Each block is a top-level list item that HA's YAML
dumper wrote, starting with "- id: aisthos_…". Writes are atomic, and a file
that changed between our read and our write (the automation editor saving at
the same moment) is read again before we write, so no edit is lost.

Before anything is written, the old and the new text are both parsed: the file
must be a list of automations, and the new list must be the old one with only
our one item added, replaced or removed. Otherwise nothing is written.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
import re
import threading
from typing import Any, Final, cast

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
# Our block's first line, as HA's dumper writes it, or as a user may leave it
# after an edit: quoted either way, with a comment after it.
_ID_LINE: Final = re.compile(
    r"""^- id: (['"]?)(aisthos_[a-z0-9_]+)\1[ \t]*(?:#.*)?$""", re.MULTILINE
)


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
    # find_block must see exactly this text again (no trailing blank line,
    # nothing at column 0 after the first line), or edits would be misread.
    if not text.startswith("- ") or not text.endswith("\n") or _block_end(text, 0) != len(text):
        raise AutomationWriteError("automation_layout")
    return text


def _block_end(text: str, start: int) -> int:
    """Return where the block whose first line starts at start ends.

    It goes on while lines are indented; blank lines count only when more
    indented lines follow. Any line at column 0 (an item, a comment, other
    text) is the user's again.
    """
    line_end = text.find("\n", start)
    end = pos = len(text) if line_end < 0 else line_end + 1
    while pos < len(text):
        line_end = text.find("\n", pos)
        next_pos = len(text) if line_end < 0 else line_end + 1
        line = text[pos:next_pos]
        if line.strip() and not line[0].isspace():
            break
        if line.strip():
            end = next_pos
        pos = next_pos
    return end


def _find(text: str, automation_id: str) -> tuple[int, int] | None:
    for match in _ID_LINE.finditer(text):
        if match.group(2) == automation_id:
            return match.start(), _block_end(text, match.start())
    return None


def find_block(text: str, automation_id: str) -> str | None:
    """Return the current text of our automation's block, if present."""
    found = _find(text, automation_id)
    return None if found is None else text[found[0] : found[1]]


def _only_comments(text: str) -> bool:
    """Return whether text has nothing but blank lines and comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def upsert_text(text: str, automation_id: str, block: str) -> str:
    """Return text with our block added or replaced; nothing else changes."""
    found = _find(text, automation_id)
    if found is not None:
        return text[: found[0]] + block + text[found[1] :]
    if text.strip() in ("", "[]"):
        return block
    lines = text.splitlines(keepends=True)
    content = [i for i, line in enumerate(lines) if not _only_comments(line)]
    if len(content) == 1 and lines[content[0]].split("#", 1)[0].strip() == "[]":
        # An empty list among the user's comments (or with one after it):
        # the block takes its place, the comment its own line.
        comment = lines[content[0]].partition("#")[2].strip()
        lines[content[0]] = (f"# {comment}\n" if comment else "") + block
        return "".join(lines)
    return text + ("" if text.endswith("\n") else "\n") + block


def remove_text(text: str, automation_id: str) -> str:
    """Return text without our block; a file left without items gets '[]'."""
    found = _find(text, automation_id)
    if found is None:
        return text
    remaining = text[: found[0]] + text[found[1] :]
    if not remaining.strip():
        return "[]\n"
    if _only_comments(remaining):  # the user's comments stay, the list stays a list
        return remaining + ("" if remaining.endswith("\n") else "\n") + "[]\n"
    return remaining


class _AnyTagLoader(yaml.SafeLoader):
    """Reads HA's tags (!include, !secret, !input…) as opaque data, resolving none."""


def _opaque(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> tuple[str, Any]:
    value: Any
    if isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # the composer makes only these three kinds of node
        value = loader.construct_scalar(cast(yaml.ScalarNode, node))
    return node.tag, value


# The empty prefix matches every tag the safe loader does not know itself.
_AnyTagLoader.add_multi_constructor("", _opaque)


def _items(text: str) -> list[Any]:
    """Return the automations in text; raise YAMLError or TypeError if it is not a list."""
    data = yaml.load(text, Loader=_AnyTagLoader)  # a SafeLoader: no code runs
    if data is None:
        return []
    if not isinstance(data, list):
        kind = "a mapping" if isinstance(data, dict) else "a single value"
        raise TypeError(f"expected a list of automations, found {kind}")
    return data


def _describe(err: yaml.YAMLError | TypeError) -> str:
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        mark = err.problem_mark
        return f"{err.problem or err} (line {mark.line + 1}, column {mark.column + 1})"
    return str(err)


def _is_ours(item: Any, automation_id: str) -> bool:
    return isinstance(item, dict) and item.get(CONF_ID) == automation_id


def check_change(before: str, after: str, automation_id: str, block: str | None) -> str:
    """Return after if it is before with only our item added/replaced (block) or removed (None).

    Comments are not in the parsed data; the text rules of find_block keep them.
    """
    if after == before:
        return after  # nothing will be written
    try:
        old = _items(before)
    except (yaml.YAMLError, TypeError) as err:
        raise AutomationWriteError("automations_file_invalid", error=_describe(err)) from err
    expected = list(old)
    index = next((i for i, item in enumerate(old) if _is_ours(item, automation_id)), None)
    if block is None:
        if index is not None:
            del expected[index]
    elif index is None:
        expected += _items(block)
    else:
        expected[index : index + 1] = _items(block)
    try:
        new: list[Any] | None = _items(after)
    except (yaml.YAMLError, TypeError):
        new = None  # our change broke the file: refused like any other damage
    if new != expected:
        raise AutomationWriteError("automations_file_mismatch", automation_id=automation_id)
    return after


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
                    self._rewrite,
                    lambda text: check_change(
                        text, upsert_text(text, automation_id, block), automation_id, block
                    ),
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
                    self._rewrite,
                    lambda text: check_change(
                        text, remove_text(text, automation_id), automation_id, None
                    ),
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
