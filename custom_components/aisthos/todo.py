"""The "Spark review" to-do list: new Sparks wait here when review is on.

Completing an item keeps its Spark; deleting an item discards it.
"""

from __future__ import annotations

# Public in the todo package, as HA's docs import them; it re-exports them
# without `as` (no __all__), hence the ignore under mypy's strict re-export rule.
from homeassistant.components.todo import (  # type: ignore[attr-defined]
    TodoItem,
    TodoItemStatus,
    TodoListEntity,
    TodoListEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .entity import AisthosEntity
from .runtime import AisthosConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AisthosConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the review list."""
    async_add_entities([SparkReviewList(entry)])


class SparkReviewList(AisthosEntity, TodoListEntity):
    """Sparks waiting for the user's decision."""

    _attr_supported_features = (
        TodoListEntityFeature.UPDATE_TODO_ITEM | TodoListEntityFeature.DELETE_TODO_ITEM
    )

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the list."""
        super().__init__(entry, "spark_review")

    @property
    def todo_items(self) -> list[TodoItem]:
        """Return the waiting Sparks, oldest first."""
        tz = dt_util.get_default_time_zone()
        return [
            TodoItem(summary=spark.render(tz), uid=str(pid), status=TodoItemStatus.NEEDS_ACTION)
            for pid, spark in self.runtime.pending
        ]

    def _ids(self, uids: list[str]) -> list[int]:
        known = {str(pid): pid for pid, _ in self.runtime.pending}
        try:
            return [known[uid] for uid in uids]
        except KeyError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_review_item",
                translation_placeholders={"uid": str(err.args[0])},
            ) from err

    async def async_update_todo_item(self, item: TodoItem) -> None:
        """Keep the Spark of a completed item."""
        ids = self._ids([item.uid or ""])
        if item.status == TodoItemStatus.COMPLETED:
            await self.runtime.async_resolve_review(keep=ids, discard=[])

    async def async_delete_todo_items(self, uids: list[str]) -> None:
        """Discard the Sparks of deleted items."""
        await self.runtime.async_resolve_review(keep=[], discard=self._ids(uids))
