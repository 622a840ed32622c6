"""Turn the recorder's existing history into Sparks, so learning starts on day one.

Not through the recorder's history API (recorder.history's
get_significant_states, state_changes_during_period): the States it returns
carry no context (its LazyState is given an empty Context and its queries do
not select the context columns), and the context is what tells a person's
action from an automation's (an automation's actions carry a parent id) and
which changes one action made together. So this reads the context columns of
the recorder's `states` and `states_meta` tables, whose schema Home Assistant
documents (https://data.home-assistant.io/docs/states/), named here with
SQLAlchemy Core rather than the recorder's private ORM classes, in read-only
sessions of the public recorder helper (homeassistant.helpers.recorder), run
in the recorder's executor. Page by page: 14 days of a busy home are never in
memory at once, only their Sparks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Float, Integer, LargeBinary, String, column, or_, select, table

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.recorder import get_instance, session_scope
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

# The documented columns read, of the recorder's tables.
_STATES: Final = table(
    "states",
    column("state_id", Integer),
    column("metadata_id", Integer),
    column("state", String),
    column("last_updated_ts", Float),
    column("context_id_bin", LargeBinary),
    column("context_parent_id_bin", LargeBinary),
)
_STATES_META: Final = table(
    "states_meta", column("metadata_id", Integer), column("entity_id", String)
)
# State rows read at once: a few MB, however busy the home.
PAGE_ROWS: Final = 20_000


def _entity_ids_by_metadata_id(hass: HomeAssistant, entity_ids: list[str]) -> dict[int, str]:
    with session_scope(hass=hass, read_only=True) as session:
        query = select(_STATES_META.c.metadata_id, _STATES_META.c.entity_id).where(
            _STATES_META.c.entity_id.in_(entity_ids)
        )
        return {int(metadata_id): entity_id for metadata_id, entity_id in session.execute(query)}


def _read_page(
    hass: HomeAssistant,
    entity_ids: dict[int, str],
    after: tuple[float, int],
    end: float,
    limit: int,
) -> list[tuple[int, Row]]:
    """Return the next rows after `after` (a time and a state id), before `end`, in order."""
    states, (ts, state_id) = _STATES.c, after
    query = (
        select(
            states.state_id,
            states.metadata_id,
            states.state,
            states.last_updated_ts,
            states.context_parent_id_bin,
            states.context_id_bin,
        )
        .where(states.metadata_id.in_(list(entity_ids)))
        .where(states.last_updated_ts >= ts)
        .where(or_(states.last_updated_ts > ts, states.state_id > state_id))
        .where(states.last_updated_ts < end)
        .order_by(states.last_updated_ts, states.state_id)
        .limit(limit)
    )
    with session_scope(hass=hass, read_only=True) as session:
        return [
            (
                int(row_id),
                (
                    entity_ids[metadata_id],
                    state,
                    float(updated),
                    parent is not None,
                    bytes(context).hex() if context else None,
                ),
            )
            for row_id, metadata_id, state, updated, parent, context in session.execute(query)
        ]


async def async_read_history(
    hass: HomeAssistant,
    entity_ids: list[str],
    start: float,
    end: float | None = None,
    page_rows: int | None = None,
) -> AsyncIterator[list[Row]]:
    """Yield the state rows of the given entities from the recorder, in time order, by pages."""
    if not entity_ids:
        return
    page_rows = page_rows or PAGE_ROWS
    recorder = get_instance(hass)
    end = end if end is not None else time.time()
    known = await recorder.async_add_executor_job(_entity_ids_by_metadata_id, hass, entity_ids)
    after = (start, -1)
    while known:
        page = await recorder.async_add_executor_job(_read_page, hass, known, after, end, page_rows)
        if page:
            after = (page[-1][1][2], page[-1][0])
            yield [row for _row_id, row in page]
        if len(page) < page_rows:
            return


class HistoryReplay:
    """Recorder rows, page after page, through a fresh Filter and the home's Perception."""

    def __init__(self, resolve: Callable[[str], EntityInfo | None], perception: Perception) -> None:
        """Replay for the entities `resolve` knows."""
        self._resolve = resolve
        self._pipeline = SparkPipeline(perception, SignificanceFilter())
        self._previous: dict[str, str | None] = {}
        self._sparks: list[Spark] = []

    def _changes(self, rows: Iterable[Row]) -> Iterator[tuple[StateChange, EntityInfo]]:
        previous = self._previous
        for entity_id, state, ts, from_automation, context_id in rows:
            info = self._resolve(entity_id)
            if info is None:
                continue
            if entity_id not in previous:
                # The first row is the state at the start of the range, not a change.
                previous[entity_id] = state
                continue
            old = previous[entity_id]
            previous[entity_id] = state
            yield StateChange(entity_id, old, state, ts, from_automation, context_id), info

    def feed(self, rows: Iterable[Row]) -> None:
        """Replay the next rows (in time order, after those fed before)."""
        pipeline, sparks = self._pipeline, self._sparks
        # As SparkPipeline.replay, over pages: what settled by each change's time first.
        for change, info in self._changes(rows):
            sparks.extend(pipeline.collect(change.time))
            pipeline.offer(change, info)

    def finish(self) -> list[Spark]:
        """Return the Sparks of everything fed, in time order."""
        self._sparks.extend(self._pipeline.flush())
        sparks, self._sparks = self._sparks, []
        sparks.sort(key=lambda s: s.time)
        return sparks


def rows_to_sparks(
    rows: Iterable[Row], resolve: Callable[[str], EntityInfo | None], perception: Perception
) -> list[Spark]:
    """Run recorder rows through a fresh Filter and the home's Perception."""
    replay = HistoryReplay(resolve, perception)
    replay.feed(rows)
    return replay.finish()


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
    announced: reading the recorder and perceiving (page by page), storing.
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
        # Residents and rooms get their tokens here, on the loop, as live: the
        # replay in the worker thread below then only reads the anonymizer.
        anonymizer = runtime.anonymizer
        for entity_id, info in observed.items():
            anonymizer.area(info.area_id, info.area_name)
            if entity_id.startswith("person."):
                anonymizer.resident(entity_id)
        replay = HistoryReplay(observed.get, runtime.pipeline.perception)
        # Reading the recorder and perceiving, page by page, up to 80%.
        async for rows in async_read_history(hass, sorted(observed), start, end):
            await hass.async_add_executor_job(replay.feed, rows)
            if (percent := int(80 * (rows[-1][2] - start) / (end - start))) > progress.percent:
                step(percent)
        sparks = await hass.async_add_executor_job(replay.finish)
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
