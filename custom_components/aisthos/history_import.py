"""Turn the recorder's existing history into Sparks, so learning starts on day one.

The recorder's history API drops each state's context, and the context is
what tells a person's action from an automation's, so this reads the
recorder's own tables (in the recorder's executor, read-only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
import time

from sqlalchemy import select

from homeassistant.components.recorder import get_instance  # type: ignore[attr-defined]
from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.components.recorder.util import (  # type: ignore[attr-defined]
    session_scope,
)
from homeassistant.core import HomeAssistant

from .engine.perception import Perception
from .engine.pipeline import SparkPipeline
from .engine.significance import SignificanceFilter
from .engine.spark import Spark
from .engine.state_change import EntityInfo, StateChange

# entity id, state, time, caused by an automation, the context's id.
type Row = tuple[str, str | None, float, bool, str | None]


def _read_rows(hass: HomeAssistant, entity_ids: list[str], start: float, end: float) -> list[Row]:
    with session_scope(hass=hass, read_only=True) as session:
        query = (
            select(
                StatesMeta.entity_id,
                States.state,
                States.last_updated_ts,
                States.context_parent_id_bin,
                States.context_id_bin,
            )
            .join(StatesMeta, States.metadata_id == StatesMeta.metadata_id)
            .where(StatesMeta.entity_id.in_(entity_ids))
            .where(States.last_updated_ts >= start)
            .where(States.last_updated_ts < end)
            .order_by(States.last_updated_ts)
        )
        return [
            (entity_id, state, float(ts), parent is not None, context.hex() if context else None)
            for entity_id, state, ts, parent, context in session.execute(query)
            if ts is not None
        ]


def rows_to_sparks(
    rows: Iterable[Row], resolve: Callable[[str], EntityInfo | None], perception: Perception
) -> list[Spark]:
    """Run recorder rows through a fresh Filter and the home's Perception."""
    previous: dict[str, str | None] = {}

    def changes() -> Iterator[tuple[StateChange, EntityInfo]]:
        for entity_id, state, ts, from_automation, context_id in rows:
            info = resolve(entity_id)
            if info is None:
                continue
            if entity_id not in previous:
                # The first row is the state at the start of the range, not a change.
                previous[entity_id] = state
                continue
            old = previous[entity_id]
            previous[entity_id] = state
            yield StateChange(entity_id, old, state, ts, from_automation, context_id), info

    return SparkPipeline(perception, SignificanceFilter()).replay(changes())


async def async_read_history(
    hass: HomeAssistant, entity_ids: list[str], start: float, end: float | None = None
) -> list[Row]:
    """Read state rows of the given entities from the recorder."""
    if not entity_ids:
        return []
    return await get_instance(hass).async_add_executor_job(
        _read_rows, hass, entity_ids, start, end if end is not None else time.time()
    )
