"""Read Home Assistant state history exported as JSON Lines.

One object per line, shaped like HA's State.as_dict(): entity_id, state,
attributes, last_changed, last_updated (ISO 8601 with offset) and context
(id, parent_id, user_id). Only the device class, a group's members (its
entity_id attribute) and, for readable skill names on this machine, the
friendly name are read from the attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
import json
import re
from typing import Any, Final

from .state_change import EntityInfo, StateChange

_ENTITY_ID: Final = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
# More members than any group a person makes; a longer list is not read.
MAX_MEMBERS: Final = 256


class HistoryFormatError(ValueError):
    """A history line is not a valid state record."""


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One parsed state record."""

    entity_id: str
    state: str
    time: float
    from_automation: bool
    device_class: str | None
    friendly_name: str | None
    area: str | None
    context_id: str | None = None
    # A group's members, as its entity_id attribute lists them.
    members: tuple[str, ...] = ()


def _parse(line_no: int, raw: Any) -> HistoryRecord:
    def fail(why: str) -> HistoryFormatError:
        return HistoryFormatError(f"line {line_no}: {why}")

    if not isinstance(raw, dict):
        raise fail("expected a JSON object")
    entity_id = raw.get("entity_id")
    if not isinstance(entity_id, str) or not _ENTITY_ID.fullmatch(entity_id):
        raise fail(f"bad entity_id {entity_id!r}")
    state = raw.get("state")
    if not isinstance(state, str) or len(state) > 255:
        raise fail("state must be a string of at most 255 characters")
    when = raw.get("last_updated", raw.get("last_changed"))
    if not isinstance(when, str):
        raise fail("last_updated must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        raise fail(f"last_updated {when!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise fail("last_updated needs a UTC offset")
    attributes = raw.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise fail("attributes must be an object")
    context = raw.get("context") or {}
    if not isinstance(context, dict):
        raise fail("context must be an object")
    device_class = attributes.get("device_class")
    name = attributes.get("friendly_name")
    area = raw.get("area")
    return HistoryRecord(
        entity_id,
        state,
        moment.timestamp(),
        context.get("parent_id") is not None,
        device_class if isinstance(device_class, str) else None,
        name if isinstance(name, str) else None,
        area if isinstance(area, str) else None,
        context_id if isinstance(context_id := context.get("id"), str) else None,
        _members(attributes.get("entity_id")),
    )


def _members(value: Any) -> tuple[str, ...]:
    """Return a group's member entity ids; nothing if the list is not one."""
    if not isinstance(value, list) or len(value) > MAX_MEMBERS:
        return ()
    if not all(isinstance(m, str) and _ENTITY_ID.fullmatch(m) for m in value):
        return ()
    return tuple(dict.fromkeys(value))


def read_records(lines: Iterable[str]) -> list[HistoryRecord]:
    """Parse all lines (blank lines are skipped), sorted by time."""
    records = []
    # One copy of each member list: a group's records all repeat it.
    member_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as err:
            raise HistoryFormatError(f"line {line_no}: not JSON ({err.msg})") from None
        record = _parse(line_no, raw)
        if record.members:
            record = replace(
                record, members=member_lists.setdefault(record.members, record.members)
            )
        records.append(record)
    records.sort(key=lambda r: r.time)
    return records


def state_changes(records: Iterable[HistoryRecord]) -> Iterator[tuple[StateChange, EntityInfo]]:
    """Turn records into state changes (each entity's previous state as old state)."""
    previous: dict[str, str] = {}
    infos: dict[str, EntityInfo] = {}
    for record in records:
        info = infos.get(record.entity_id)
        if info is None:
            info = infos[record.entity_id] = EntityInfo.from_entity_id(
                record.entity_id, record.device_class, record.area, record.area
            )
        old = previous.get(record.entity_id)
        previous[record.entity_id] = record.state
        yield (
            StateChange(
                record.entity_id,
                old,
                record.state,
                record.time,
                record.from_automation,
                record.context_id,
            ),
            info,
        )
