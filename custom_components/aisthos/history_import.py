"""Turn the recorder's existing history into Sparks, so learning starts on day one.

The recorder's history API drops each state's context, and the context is
what tells a person's action from an automation's, so this reads the
recorder's own tables (in the recorder's executor, read-only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from homeassistant.components.recorder import get_instance  # type: ignore[attr-defined]
from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.components.recorder.util import (  # type: ignore[attr-defined]
    session_scope,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .engine.perception import Perception
from .engine.pipeline import SparkPipeline
from .engine.significance import SignificanceFilter
from .engine.spark import Spark
from .engine.state_change import EntityInfo, StateChange

if TYPE_CHECKING:
    from .runtime import AisthosRuntime

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


@dataclass(slots=True)
class ImportProgress:
    """How far the import of the recorder's history has come (shown by a sensor)."""

    percent: int = 0
    imported: int = 0
    running: bool = False


async def async_import_recent_history(
    hass: HomeAssistant, runtime: AisthosRuntime, days: int
) -> dict[str, Any]:
    """Turn the recorder's last days into Sparks (only a stretch not imported yet).

    Callers hold runtime.import_lock. Progress is kept on the runtime and
    announced: reading the recorder, perceiving, storing.
    """
    progress = runtime.history_import
    store = runtime.store

    def step(percent: int, running: bool = True) -> None:
        progress.percent, progress.running = percent, running
        async_dispatcher_send(hass, runtime.signal)

    now = time.time()
    start = now - days * 86400
    # Never import a stretch twice, nor one that was perceived live.
    end = await hass.async_add_executor_job(store.get_meta, "observing_since") or now
    imported_from = await hass.async_add_executor_job(store.get_meta, "imported_from")
    if imported_from is not None:
        end = min(end, imported_from)
    if start >= end:
        return {"imported": 0, "from": None, "to": None}
    step(0)
    try:
        candidates = set(hass.states.async_entity_ids()) | set(er.async_get(hass).entities)
        observed = {
            eid: info
            for eid in candidates
            if (info := runtime.observed.get(eid, hass.states.get(eid))) is not None
        }
        rows = await async_read_history(hass, sorted(observed), start, end)
        step(40)
        # Residents and rooms get their tokens here, on the loop, as live: the
        # replay in the worker thread below then only reads the anonymizer.
        anonymizer = runtime.anonymizer
        for entity_id, info in observed.items():
            anonymizer.area(info.area_id, info.area_name)
            if entity_id.startswith("person."):
                anonymizer.resident(entity_id)

        def replay() -> list[Spark]:
            sparks = rows_to_sparks(rows, observed.get, runtime.pipeline.perception)
            sparks.sort(key=lambda s: s.time)
            return sparks

        sparks = await hass.async_add_executor_job(replay)
        step(80)
        await runtime.async_store_import(sparks, start)
        progress.imported += len(sparks)
    finally:
        step(100, running=False)
    return {
        "imported": len(sparks),
        "from": dt_util.utc_from_timestamp(start).isoformat(),
        "to": dt_util.utc_from_timestamp(end).isoformat(),
    }
