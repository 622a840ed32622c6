"""The neutral input of the pipeline: one entity's state change.

Home Assistant events, recorder rows and exported history files all become a
StateChange first. Only the few things perception needs are kept; friendly
names and other attributes are never copied in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StateChange:
    """A change of one entity's state."""

    entity_id: str
    old_state: str | None
    new_state: str | None
    time: float  # epoch seconds, UTC
    # HA context: a parent_id means an automation or script caused the change.
    from_automation: bool = False
    # The context's own id: changes that share it are one act.
    context_id: str | None = None


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What perception may know about an entity. Stays inside this home."""

    entity_id: str
    domain: str
    device_class: str | None = None
    area_id: str | None = None
    area_name: str | None = None

    @classmethod
    def from_entity_id(
        cls,
        entity_id: str,
        device_class: str | None = None,
        area_id: str | None = None,
        area_name: str | None = None,
    ) -> EntityInfo:
        """Build from an entity id, taking the domain from it."""
        return cls(entity_id, entity_id.partition(".")[0], device_class, area_id, area_name)
