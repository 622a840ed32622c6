"""The Filter: decides *when* a state change is a significant moment.

It drops attribute-only updates and availability noise, debounces flapping
entities (a change that is undone within the debounce window never happened),
applies numeric change thresholds, and rate-limits each entity with a token
bucket. Every change is held for the debounce window, then released by due().
Costs are O(1) per change (it runs for every observed change of a home).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Final

from .state_change import EntityInfo, StateChange

IGNORED_STATES: Final = frozenset({"unavailable", "unknown", ""})
# What an entity is in while HA starts or a device is away.
RESTORED_FROM: Final = frozenset({"unavailable", "unknown"})

# Smallest change of a numeric sensor that counts, by device class.
DEFAULT_THRESHOLDS: Final[Mapping[str, float]] = {
    "temperature": 0.5,
    "humidity": 5.0,
    "illuminance": 50.0,
    "power": 25.0,
    "carbon_dioxide": 100.0,
}


@dataclass(slots=True)
class FilterSettings:
    """Tuning of the Filter."""

    debounce_s: float = 1.0
    rate_per_minute: float = 12.0
    burst: float = 4.0
    numeric_thresholds: Mapping[str, float] = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    relative_threshold: float = 0.10  # for numeric sensors without a known class


@dataclass(slots=True)
class FilterStats:
    """Why changes were dropped; shown in diagnostics."""

    offered: int = 0
    passed: int = 0
    attribute_only: int = 0
    appeared: int = 0
    unavailable: int = 0
    bounced: int = 0
    below_threshold: int = 0
    rate_limited: int = 0


type _Held = tuple[str | None, str, float, bool, str | None]


class SignificanceFilter:
    """Decide which state changes are significant."""

    def __init__(self, settings: FilterSettings | None = None) -> None:
        """Create a Filter."""
        self.settings = settings or FilterSettings()
        self.stats = FilterStats()
        # entity_id -> (old, new, time, from_automation, context_id) of the change
        # held back; insertion order == age order. A plain tuple of strings and
        # numbers: the garbage collector stops tracking it at its first look,
        # so thousands held for the debounce window never reach (and trigger)
        # its full collections, as StateChange objects would.
        self._pending: dict[str, _Held] = {}
        # entity_id -> its info at the last change held (the cached object).
        self._info: dict[str, EntityInfo] = {}
        self._last_state: dict[str, str] = {}
        self._last_number: dict[str, float] = {}
        self._bucket: dict[str, tuple[float, float]] = {}  # tokens, at time

    def offer(self, change: StateChange, info: EntityInfo) -> None:
        """Consider one change; significant ones are released later by due()."""
        self.offer_values(
            change.entity_id, change.old_state, change.new_state, change.time,
            change.from_automation, change.context_id, info,
        )  # fmt: skip

    def offer_values(
        self,
        entity_id: str,
        old_state: str | None,
        new: str | None,
        at: float,
        from_automation: bool,
        context_id: str | None,
        info: EntityInfo,
    ) -> None:
        """Consider one change given as its values (the live path builds no object)."""
        stats = self.stats
        stats.offered += 1
        if new is None or new in IGNORED_STATES:
            stats.unavailable += 1
            return
        if new == old_state:
            stats.attribute_only += 1
            return
        if old_state is None and entity_id not in self._pending:
            # An entity appearing (HA start, a new device) is not a moment.
            stats.appeared += 1
            return
        if old_state in RESTORED_FROM and entity_id not in self._pending:
            # Coming back after a restart or an outage is not a moment either,
            # even where the state differs from before it.
            stats.appeared += 1
            self._last_state[entity_id] = new
            return
        pending = self._pending.pop(entity_id, None)
        reference = self._last_state.get(entity_id)
        if reference is None:
            reference = pending[0] if pending is not None else old_state
        if new == reference:
            # Back to what was last reported: a bounce (if something was
            # pending) or a repeat of a state we already reported.
            if pending is not None:
                stats.bounced += 2
                del self._info[entity_id]
            else:
                stats.attribute_only += 1
            return
        # A→B→C inside the window reports one change A→C.
        old = reference if pending is not None else old_state
        if pending is not None:
            stats.bounced += 1
        if info.domain == "sensor" and not self._numeric_significant(entity_id, new, info):
            stats.below_threshold += 1
            self._info.pop(entity_id, None)  # nothing held for it any more
            return
        self._pending[entity_id] = (old, new, at, from_automation, context_id)
        self._info[entity_id] = info

    def due(self, now: float) -> list[tuple[StateChange, EntityInfo]]:
        """Release the changes that stayed put for the debounce window."""
        released: list[tuple[StateChange, EntityInfo]] = []
        if not self._pending:
            return released
        horizon = now - self.settings.debounce_s
        pending = self._pending
        while pending:
            entity_id = next(iter(pending))
            old, new, at, from_automation, context_id = pending[entity_id]
            if at > horizon:
                break
            del pending[entity_id]
            info = self._info.pop(entity_id)
            change = StateChange(entity_id, old, new, at, from_automation, context_id)
            if not self._take_token(entity_id, change.time):
                self.stats.rate_limited += 1
                continue
            self._last_state[entity_id] = change.new_state or ""
            if info.domain == "sensor":
                with suppress(ValueError):
                    self._last_number[entity_id] = float(change.new_state or "")
            self.stats.passed += 1
            released.append((change, info))
        return released

    def has_due(self, now: float) -> bool:
        """Return whether a change is ready to be released."""
        if not self._pending:
            return False
        return next(iter(self._pending.values()))[2] <= now - self.settings.debounce_s

    def has_pending(self) -> bool:
        """Return whether a change is held back (to be released or dropped later)."""
        return bool(self._pending)

    def flush(self) -> list[tuple[StateChange, EntityInfo]]:
        """Release everything pending (shutdown, end of a history file)."""
        return self.due(float("inf"))

    def forget(self, entity_id: str) -> None:
        """Drop all memory of an entity (it was removed or excluded)."""
        for table in (self._pending, self._info, self._last_state, self._last_number, self._bucket):
            table.pop(entity_id, None)

    def _numeric_significant(self, entity_id: str, new: str, info: EntityInfo) -> bool:
        try:
            value = float(new)
        except ValueError:
            return False  # text states of sensors are never perceived
        last = self._last_number.get(entity_id)
        if last is None:
            return True
        threshold = self.settings.numeric_thresholds.get(info.device_class or "")
        if threshold is None:
            threshold = abs(last) * self.settings.relative_threshold
        return abs(value - last) >= threshold

    def _take_token(self, entity_id: str, now: float) -> bool:
        settings = self.settings
        tokens, at = self._bucket.get(entity_id, (settings.burst, now))
        tokens = min(settings.burst, tokens + max(0.0, now - at) * settings.rate_per_minute / 60.0)
        if tokens < 1.0:
            self._bucket[entity_id] = (tokens, now)
            return False
        self._bucket[entity_id] = (tokens - 1.0, now)
        return True
