"""The running integration: perceive state changes, store Sparks, serve them.

The event loop does O(1) per state change: the listener resolves the entity
(cached) and appends the change's values to a queue. A one second tick hands
that queue to an executor job, which runs the Filter, makes the Sparks and
writes them to SQLite in one batch; back in the loop, the sensors learn what
changed and the logbook events are fired (only with the logbook option).
Like the recorder, the work per change happens off the loop, and the Sparks
of a batch live only while it is written: nothing per change lasts long
enough to reach (and trigger) the garbage collector's full collections.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, time as dt_time, timedelta
from functools import partial
import logging
from pathlib import Path
import threading
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, EVENT_STATE_CHANGED
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_change, async_track_time_interval
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .const import (
    BATCH_INTERVAL_S,
    CHANGE_BACKLOG_LIMIT,
    CONF_ENGINE_TOKEN,
    CONF_ENGINE_URL,
    CONF_LEARN_TIME,
    CONF_LOGBOOK,
    CONF_RETENTION_DAYS,
    CONF_REVIEW,
    CONF_SECRET,
    DATA_BACKUPS_RUNNING,
    DB_FILENAME,
    DEFAULT_LEARN_TIME,
    DEFAULT_RETENTION_DAYS,
    DOMAIN,
    EVENT_CAMERA_SPARK,
    EVENT_SPARK,
    FIRST_IMPORT_DAYS,
    QUEUE_LIMIT,
    REVIEW_LIMIT,
    SIGNAL_SPARKS_UPDATED,
)
from .database_repairs import DatabaseRepairs
from .engine.anonymizer import Anonymizer
from .engine.camera_spark import CameraSparkError, check_camera_spark
from .engine.perception import Perception
from .engine.pipeline import SparkPipeline
from .engine.significance import SignificanceFilter
from .engine.spark import Spark
from .engine.spark_store import (
    ROW_WIDTH,
    SparkStore,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    flat_rows,
    row_spark,
    spark_row,
)
from .engine_client import EngineAuthError, EngineClient, EngineError
from .history_import import ImportProgress, async_import_recent_history
from .interactions import InteractionLog
from .learning import SkillLearner
from .observed_entities import ObservedEntities
from .skill_manager import SkillManager
from .voice import Voice
from .wisdom_service import WisdomService

_LOGGER = logging.getLogger(__package__)

# Store meta key: the first import of the recorder's history has not finished.
FIRST_IMPORT_PENDING = "first_import_pending"

type AisthosConfigEntry = ConfigEntry[AisthosRuntime]
# The listener hands each observed change on as CHANGE_WIDTH values appended
# to one flat list: entity id, old and new state, time, caused by an
# automation, context id, the entity's (cached) info. Strings and numbers,
# no object per change: at thousands of changes a second, every object that
# lives until the next job would bring the garbage collector's (long) full
# collections nearer.
CHANGE_WIDTH = 7
# The perceive job offers the GIL every this many values (about 100 changes, 1 ms).
YIELD_EVERY = 100 * CHANGE_WIDTH


@dataclass(slots=True)
class RuntimeStats:
    """Counters shown in diagnostics."""

    sparks_stored: int = 0
    sparks_dropped_queue_full: int = 0
    sparks_dropped_review_full: int = 0
    camera_sparks_refused: int = 0
    changes_dropped_backlog_full: int = 0
    write_errors: int = 0
    last_write_error: str | None = None
    batches: int = 0


class AisthosRuntime:
    """State of one loaded AisthOS config entry (entry.runtime_data)."""

    def __init__(self, hass: HomeAssistant, entry: AisthosConfigEntry) -> None:
        """Create; async_start() brings it to life."""
        self.hass = hass
        self.entry = entry
        self.db_path = Path(hass.config.path(DB_FILENAME))
        self.store = SparkStore(self.db_path)
        self.repairs = DatabaseRepairs(hass, self.db_path)
        self.review = bool(entry.options.get(CONF_REVIEW, False))
        self.logbook = bool(entry.options.get(CONF_LOGBOOK, False))
        self.retention_days = int(entry.options.get(CONF_RETENTION_DAYS, DEFAULT_RETENTION_DAYS))
        self.observed = ObservedEntities(hass, entry.options)
        self.anonymizer = Anonymizer(bytes.fromhex(entry.data[CONF_SECRET]))
        self.pipeline = SparkPipeline(Perception(self.anonymizer), SignificanceFilter())
        self.stats = RuntimeStats()
        self.sparks_today = 0
        self.last_spark: Spark | None = None
        self.pending: list[tuple[int, Spark]] = []
        # Filled by the listener; handed whole to the next perceive job.
        self._changes: list[Any] = []
        # Camera Sparks checked in the loop, stored by the next perceive job.
        self._camera_sparks: deque[Spark] = deque()
        # Sparks not yet written (a write failed or a backup holds writes),
        # as the values of their rows, ROW_WIDTH each: no object per Spark.
        # Touched only by the perceive job and under the write lock.
        self._unwritten: list[Any] = []
        self._review_queue: deque[Spark] = deque()
        # Held while anything writes to the Spark database; a backup takes it
        # to know that nothing is half-way through a write.
        self._write_lock = asyncio.Lock()
        # Set when the perceive job's thread is done with it. HA cancels its
        # tasks and their executor futures as it stops, but a thread runs on:
        # whoever writes next waits for this first (see _async_writing).
        self._job_ended = threading.Event()
        self._job_ended.set()
        # Serialises history imports (two at once would import a range twice).
        self.import_lock = asyncio.Lock()
        self.history_import = ImportProgress()
        # Set when this start found no database: the recorder's weeks are imported.
        self.first_start = False
        self.first_import_pending = False
        # Review decisions taken while a backup held writes: (keep, discard,
        # the Sparks kept).
        self._deferred_reviews: list[tuple[list[int], list[int], list[Spark]]] = []
        self._reopen = False  # the store was closed after damage and must open again
        self._unsubs: list[CALLBACK_TYPE] = []
        self._unsub_stop: CALLBACK_TYPE | None = None
        self.signal = SIGNAL_SPARKS_UPDATED.format(entry.entry_id)
        self.learner = SkillLearner(hass, entry.entry_id, self.store, self.anonymizer.ref)
        self.interactions = InteractionLog(hass)
        self.skills = SkillManager(hass, entry.entry_id, self.learner)
        self.wisdom = WisdomService(hass, self)
        self.voice = Voice(hass, self)
        self.engine: EngineClient | None = None
        if url := entry.data.get(CONF_ENGINE_URL):
            self.engine = EngineClient(
                async_get_clientsession(hass),
                str(url),
                str(entry.data.get(CONF_ENGINE_TOKEN, "")),
            )
        self.skills.engine = self.engine
        self.skills.on_decision = self.voice.async_record_decision
        self.skills.offer_style = self.voice.offer_style
        self.skills.notice_style = self.voice.notice_style
        self.skills.language = lambda: self.voice.language
        self.skills.offers.on_reaction = self.voice.async_offer_reaction

    # ---- life cycle -------------------------------------------------------

    async def async_start(self) -> None:
        """Open the store and start listening; on failure, leave nothing running."""
        try:
            await self._async_start()
        except BaseException:
            self._release_listeners()
            await self.hass.async_add_executor_job(self.store.close)
            raise

    async def _async_start(self) -> None:
        await self.hass.async_add_executor_job(
            self._open_and_read, dt_util.start_of_local_day().timestamp()
        )
        await self.learner.async_load()
        await self.interactions.async_load()
        await self._async_check_database_kept()
        # Not persistent in HA's issue registry: raised anew at every start.
        self.wisdom.async_update_unmatched_issue()
        self.skills.async_start()
        await self.skills.async_sync_runs()
        await self.voice.async_start()
        if self.engine is not None:
            self.entry.async_create_background_task(
                self.hass, self._async_check_engine(self.engine), "aisthos engine check"
            )
        if self.first_import_pending:
            # Day one (or a restart that cut it short): learn from what the
            # recorder already holds, in the background.
            self.entry.async_create_background_task(
                self.hass, self._async_first_import(), "aisthos first history import"
            )
        learn_at = dt_util.parse_time(
            str(self.entry.options.get(CONF_LEARN_TIME, DEFAULT_LEARN_TIME))
        ) or dt_time(3, 0)

        hass = self.hass
        self._unsubs += [
            hass.bus.async_listen(EVENT_STATE_CHANGED, self._async_state_changed),
            async_track_time_interval(
                hass, self._async_tick, timedelta(seconds=BATCH_INTERVAL_S), cancel_on_shutdown=True
            ),
            async_track_time_change(hass, self._async_midnight, hour=0, minute=0, second=0),
            async_track_time_change(hass, self._async_retention, hour=4, minute=17, second=0),
            # Before the add-on's weekly fine-tune (03:00 by default).
            async_track_time_change(
                hass, self._async_send_interactions, hour=2, minute=30, second=0
            ),
            hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, self._async_registry_changed),
            hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, self._async_registry_changed),
            hass.bus.async_listen(ar.EVENT_AREA_REGISTRY_UPDATED, self._async_registry_changed),
            hass.bus.async_listen(EVENT_CAMERA_SPARK, self._async_camera_spark),
            self.learner.async_schedule(learn_at),
        ]
        self._unsub_stop = hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_on_stop)

    async def _async_check_engine(self, engine: EngineClient) -> None:
        """Ask for a new token if the engine refuses this one; an unreachable one may come later."""
        try:
            await engine.async_status()
        except EngineAuthError:
            self.entry.async_start_reauth(self.hass)
        except EngineError as err:
            # The client itself warns once while the engine stays away.
            _LOGGER.debug("The AisthOS engine is not reachable yet: %s", err)

    async def _async_check_database_kept(self) -> None:
        """Say so when a database that held Sparks is gone; remember that this one holds some."""
        learner = self.learner
        if self.first_start and learner.sparks_stored:
            self.repairs.gone()
        elif self.last_spark is not None and not learner.sparks_stored:
            learner.sparks_stored = True
            await learner.async_save()

    async def _async_first_import(self) -> None:
        """Import the recorder's last weeks once, at the first setup."""
        # Its tables exist only once the recorder is ready (a fresh install
        # creates them, an upgrade may migrate them first).
        if not await get_instance(self.hass).async_db_ready:
            _LOGGER.warning("The recorder is not available: its history is not imported")
            return
        async with self.import_lock:
            try:
                done = await async_import_recent_history(self.hass, self, FIRST_IMPORT_DAYS)
                # Done only once the store says so (it may close meanwhile:
                # an unload, a database gone); else it runs at the next start.
                await self.hass.async_add_executor_job(
                    self.store.set_meta, FIRST_IMPORT_PENDING, False
                )
            except (StoreError, HomeAssistantError, SQLAlchemyError) as err:
                _LOGGER.warning("The recorder's history could not be imported: %s", err)
                return
            except RuntimeError as err:
                # The recorder's executor refuses work once it shuts down (HA
                # stops): the import stays pending and runs at the next start.
                _LOGGER.log(
                    logging.WARNING if self.hass.is_running else logging.DEBUG,
                    "The first history import stopped (%s); it runs again at the next start",
                    err,
                )
                return
            self.first_import_pending = False
        _LOGGER.info("Imported %d Sparks from the recorder's history", done["imported"])

    async def async_stop(self) -> None:
        """Stop listening, write everything pending and close the store."""
        self._release_listeners()
        await self.interactions.async_flush()
        await self._async_catch_up(final=True)
        await self.hass.async_add_executor_job(self.store.close)

    @callback
    def _release_listeners(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        self.skills.async_stop()
        self.voice.async_stop()
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None

    async def _async_on_stop(self, _event: Event) -> None:
        # HA does not unload entries on stop: write what is still in memory.
        self._unsub_stop = None
        await self._async_catch_up(final=True)
        await self.hass.async_add_executor_job(self.store.checkpoint)

    def _open_and_read(self, start_of_day: float) -> None:
        """Open the store and read what the running integration starts from (one trip)."""
        try:
            self._open_store()
            try:
                self._read_start(start_of_day)
            except StoreCorruptError as err:
                # Sound pages, a damaged row: moved aside like any damage.
                self.store.close()
                self.repairs.set_aside(err)
                self.store.open()
                self._read_start(start_of_day)
        except StoreError as err:
            # A read-only file opens and fails at its first write: the same repair.
            self.repairs.unusable(err)
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="setup_store_locked"
                if isinstance(err, StoreLockedError)
                else "setup_store_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.repairs.works()

    def _read_start(self, start_of_day: float) -> None:
        """Read what the running integration starts from."""
        if saved := self.store.get_meta("anonymizer"):
            self.anonymizer.load(saved)
        if self.store.get_meta("observing_since") is None:
            self.store.set_meta("observing_since", time.time())
            self.store.set_meta(FIRST_IMPORT_PENDING, True)
            self.first_start = True
        self.first_import_pending = bool(self.store.get_meta(FIRST_IMPORT_PENDING))
        self.sparks_today = self.store.count(start_of_day)
        recent = self.store.recent(1)
        self.last_spark = recent[0] if recent else None
        if self.review:
            self.pending = self.store.pending(REVIEW_LIMIT)

    def _open_store(self) -> None:
        """Open the database; move a damaged or emptied one aside and start afresh."""
        try:
            self.store.open()
        except StoreCorruptError as err:
            self.repairs.set_aside(err)
            self.store.open()

    # ---- perceiving (event loop, hot path) ---------------------------------

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        data = event.data
        new_state = data["new_state"]
        if new_state is None:
            return  # removed; not a moment in the home
        entity_id = data["entity_id"]
        info = self.observed.get(entity_id, new_state)
        if info is None:
            return
        changes = self._changes
        if len(changes) >= CHANGE_BACKLOG_LIMIT * CHANGE_WIDTH:
            # The perceive job cannot run (a stuck disk holds the write lock):
            # changes are dropped until it catches up.
            self.stats.changes_dropped_backlog_full += 1
            return
        old_state = data["old_state"]
        context = event.context
        changes.extend(
            (
                entity_id,
                old_state.state if old_state is not None else None,
                new_state.state,
                new_state.last_updated_timestamp,
                context.parent_id is not None,
                context.id,
                info,
            )
        )

    @callback
    def _async_camera_spark(self, event: Event[Any]) -> None:
        """Check a Spark from the add-on's cameras, then keep it like any other."""
        camera = event.data.get("camera")
        if (
            not isinstance(camera, str)
            or not camera.startswith("camera.")
            or (self.hass.states.get(camera) is None)
        ):
            self.stats.camera_sparks_refused += 1
            return
        info = self.observed.camera_info(camera)
        if info is None:
            self.stats.camera_sparks_refused += 1
            return
        try:
            spark = check_camera_spark(
                event.data.get("spark"),
                self.anonymizer.ref(camera),
                self.anonymizer.area(info.area_id, info.area_name),
                time.time(),
            )
        except CameraSparkError as err:
            self.stats.camera_sparks_refused += 1
            _LOGGER.debug("Refused a camera Spark from %s: %s", camera, err)
            return
        self._camera_sparks.append(spark)

    @callback
    def _async_registry_changed(self, _event: Event[Any]) -> None:
        self.observed.invalidate()

    @callback
    def _async_tick(self, now: datetime) -> None:
        if self._writing:
            return  # the job under way (or a slow write) goes on; the next tick follows
        if (
            self._changes
            or self._camera_sparks
            or self.pipeline.significance.has_pending()
            or self._unwritten
            or self._review_queue
            or self.anonymizer.changed
        ):
            self.entry.async_create_background_task(
                self.hass, self._async_perceive(now.timestamp()), "aisthos perceive"
            )

    async def _async_perceive(
        self, now: float | None = None, *, final: bool = False, flush: bool = False
    ) -> None:
        """Run one perceive job (Filter, Sparks, write) and tell the loop what it made.

        final: wait for a job under way, then write even while a backup holds
        writes (one begins, or HA stops). flush: release every change the
        Filter still holds (HA stops).
        """
        if self._writing and not final:
            return
        async with self._async_writing():
            changes, self._changes = self._changes, []
            today = dt_util.start_of_local_day()
            tomorrow = dt_util.start_of_local_day(today.date() + timedelta(days=1))
            self._job_ended = ended = threading.Event()
            job = self.hass.async_add_executor_job(
                self._run_job,
                ended,
                changes,
                time.time() if now is None else now,
                (today.timestamp(), tomorrow.timestamp()),
                flush,
                self.writes_paused and not final,
            )
            job.add_done_callback(partial(self._job_done, final))
            # Shielded: a task cancelled as HA stops leaves the job to end (and
            # be counted); the final flush waits for its thread (_async_writing).
            await asyncio.shield(job)

    @property
    def _writing(self) -> bool:
        """Return whether something writes (or a perceive job's thread still runs)."""
        return self._write_lock.locked() or not self._job_ended.is_set()

    @asynccontextmanager
    async def _async_writing(self) -> AsyncIterator[None]:
        """Hold the write lock, once a perceive job left by a cancelled task has ended."""
        async with self._write_lock:
            if not self._job_ended.is_set():
                await self.hass.async_add_executor_job(self._job_ended.wait)
            yield

    def _run_job(self, ended: threading.Event, *args: Any) -> PerceivedBatch:
        """Executor: one perceive job; says when its thread is done with it."""
        try:
            return self._perceive_and_write(*args)
        finally:
            ended.set()

    @callback
    def _job_done(self, final: bool, job: asyncio.Future[PerceivedBatch]) -> None:
        if job.cancelled() or job.exception() is not None:
            return  # the task that awaited it raises it (or HA stops)
        self._account(job.result(), final)

    @callback
    def _account(self, batch: PerceivedBatch, final: bool) -> None:
        """Count and announce what a perceive job did."""
        stats = self.stats
        stats.sparks_stored += batch.stored
        stats.sparks_dropped_queue_full += batch.dropped_queue_full
        stats.sparks_dropped_review_full += batch.dropped_review_full
        if batch.stored or batch.pending:
            stats.batches += 1
        if batch.error is not None:
            stats.write_errors += 1
            stats.last_write_error = str(batch.error)
            if stats.write_errors == 1 or final:
                _LOGGER.warning(
                    "Could not store %d Sparks, will retry: %s", batch.unwritten, batch.error
                )
        if batch.pending:
            self.pending.extend(batch.pending)
        if batch.last is not None:
            # Midnight may have passed while the job ran: count what is of the new day.
            crossed = dt_util.start_of_local_day().timestamp() >= batch.days[1]
            self._announce(batch.logged, batch.tomorrow if crossed else batch.today, batch.last)
        elif batch.pending:
            async_dispatcher_send(self.hass, self.signal)

    def _perceive_and_write(
        self,
        changes: list[Any],
        now: float,
        days: tuple[float, float],
        flush: bool,
        paused: bool,
    ) -> PerceivedBatch:
        """Executor: the Filter and Template for the changes handed over, then one write.

        The only code that touches the Filter, the write queues and (but for
        lookups) the anonymizer, one job at a time under the write lock.
        """
        batch = PerceivedBatch(days=days, logbook=self.logbook)
        pipeline = self.pipeline
        significance = pipeline.significance
        offer = significance.offer_values
        for i in range(0, len(changes), CHANGE_WIDTH):
            if i % YIELD_EVERY == 0:
                # Let the event loop have the GIL if it waits for it, instead
                # of after Python's 5 ms switch interval.
                time.sleep(0)
            entity_id, old, new, at, from_automation, context_id, info = changes[
                i : i + CHANGE_WIDTH
            ]
            # What settled before this change is released first, as a replay
            # of history does: the debounce window is exact, and each Spark
            # is made, kept as its row's values and freed while changes come.
            if significance.has_due(at):
                self._keep(pipeline.collect(at), batch)
            offer(entity_id, old, new, at, from_automation, context_id, info)
        del changes
        self._keep(pipeline.flush() if flush else pipeline.collect(now), batch)
        camera = self._camera_sparks
        self._keep([camera.popleft() for _ in range(len(camera))], batch)
        unwritten = self._unwritten
        if (overflow := len(unwritten) // ROW_WIDTH - QUEUE_LIMIT) > 0:
            # Keep the newest: old moments matter least when the disk is stuck.
            del unwritten[: overflow * ROW_WIDTH]
            batch.dropped_queue_full += overflow
        if paused or not (unwritten or self._review_queue or self.anonymizer.changed):
            return batch
        review = list(self._review_queue)
        self._review_queue.clear()
        anonymizer_state = self.anonymizer.take_changes()
        try:
            batch.pending = self._write_batch(unwritten, review, anonymizer_state)
        except BaseException as err:
            # Kept for the next job: a failed batch is retried whole.
            self._review_queue.extendleft(reversed(review))
            if anonymizer_state is not None:
                self.anonymizer.changed = True
            if not isinstance(err, StoreError):
                raise
            batch.error, batch.unwritten = err, len(unwritten) // ROW_WIDTH
            return batch
        batch.stored = len(unwritten) // ROW_WIDTH
        unwritten.clear()
        return batch

    def _keep(self, sparks: list[Spark], batch: PerceivedBatch) -> None:
        """Executor: queue fresh Sparks for writing, or for review (bounded)."""
        if not sparks:
            return
        if self.review:
            room = REVIEW_LIMIT - len(self.pending) - len(self._review_queue)
            if room < len(sparks):
                batch.dropped_review_full += len(sparks) - max(room, 0)
                sparks = sparks[: max(room, 0)]
            self._review_queue.extend(sparks)
            return
        extend = self._unwritten.extend
        for spark in sparks:
            extend(spark_row(spark))
            batch.count(spark)

    @callback
    def _announce(self, sparks: list[Spark], today: int, last: Spark | None) -> None:
        """Logbook events and sensor updates for Sparks that are kept."""
        if self.logbook and sparks:
            fire = self.hass.bus.async_fire
            # One context per batch: a batch is one perception step, and a context
            # per Spark would cost an id each at thousands of Sparks a second.
            context = Context()
            for spark in sparks:
                fire(EVENT_SPARK, spark.as_dict(), context=context)
        self.sparks_today += today
        if last is not None and (self.last_spark is None or last.time >= self.last_spark.time):
            self.last_spark = last
        async_dispatcher_send(self.hass, self.signal)

    # ---- writing (executor) ------------------------------------------------

    def _write_batch(
        self, batch: list[Any], review: list[Spark], anonymizer_state: dict[str, Any] | None
    ) -> list[tuple[int, Spark]]:
        try:
            if self._reopen:
                # A damaged database was moved aside, but no new one could be opened.
                self._open_store()
                self._reopen = False
            try:
                return self._write_batch_once(batch, review, anonymizer_state)
            except StoreCorruptError as err:
                _LOGGER.error("The Spark database became damaged (%s); starting a new one", err)
                self.store.close()
                self._reopen = True
                self._open_store()
                self._reopen = False
                return self._write_batch_once(batch, review, anonymizer_state)
        except StoreError as err:
            self.repairs.unusable(err)
            raise

    def _write_batch_once(
        self, batch: list[Any], review: list[Spark], anonymizer_state: dict[str, Any] | None
    ) -> list[tuple[int, Spark]]:
        # One transaction: a failed batch is retried whole, never stored twice.
        meta = {"anonymizer": anonymizer_state} if anonymizer_state is not None else None
        ids = self.store.write_batch((), review, meta, flat=batch)
        added = list(zip(ids, review, strict=True))
        if self.stats.write_errors:
            self.repairs.works()
            self.stats.write_errors = 0
        return added

    # ---- review ------------------------------------------------------------

    async def async_resolve_review(self, keep: list[int], discard: list[int]) -> None:
        """Keep or discard Sparks waiting for review (stored after a backup, if one runs)."""
        kept = [spark for pid, spark in self.pending if pid in set(keep)]
        async with self._async_writing():
            if self.writes_paused:
                self._deferred_reviews.append((keep, discard, kept))
            else:
                await self.hass.async_add_executor_job(self.store.resolve_pending, keep, discard)
        done = set(keep) | set(discard)
        self.pending = [(pid, s) for pid, s in self.pending if pid not in done]
        self.stats.sparks_stored += len(kept)
        if kept:
            midnight = dt_util.start_of_local_day().timestamp()
            today = sum(1 for spark in kept if spark.time >= midnight)
            self._announce(kept, today, max(kept, key=lambda spark: spark.time))
        else:
            async_dispatcher_send(self.hass, self.signal)

    # ---- housekeeping ------------------------------------------------------

    @callback
    def _async_midnight(self, _now: datetime) -> None:
        self.sparks_today = 0
        async_dispatcher_send(self.hass, self.signal)

    async def _async_retention(self, _now: datetime) -> None:
        if self.writes_paused:
            return  # a backup is being made; old Sparks go the next night
        cutoff = time.time() - self.retention_days * 86400
        async with self._async_writing():
            removed = await self.hass.async_add_executor_job(self.store.purge_older_than, cutoff)
        if removed:
            _LOGGER.debug(
                "Retention removed %d Sparks older than %d days", removed, self.retention_days
            )

    async def async_recent(self, limit: int, since: float | None, kind: str | None) -> list[Spark]:
        """Return the newest stored Sparks (written ones and those still queued)."""
        await self._async_perceive()
        stored = await self.hass.async_add_executor_job(self.store.recent, limit, since, kind)
        # During a backup the queue and the Sparks kept in review are not
        # written: read them from memory (under the lock: the job changes them).
        async with self._async_writing():
            unwritten = list(self._unwritten)
            deferred = [s for *_, kept in self._deferred_reviews for s in kept]
        waiting = [
            *await self.hass.async_add_executor_job(
                lambda: list(map(row_spark, flat_rows(unwritten)))
            ),
            *deferred,
        ]
        queued = [
            spark
            for spark in waiting
            if (since is None or spark.time >= since) and (kind is None or spark.kind == kind)
        ]
        return sorted([*stored, *queued], key=lambda spark: -spark.time)[:limit]

    @property
    def writes_paused(self) -> bool:
        """Return whether a backup holds writes to the Spark database.

        Kept for the whole integration, not this entry: a reload during a
        backup must not start writing again.
        """
        return self.hass.data.get(DATA_BACKUPS_RUNNING, 0) > 0

    async def async_store_import(self, sparks: list[Spark], imported_from: float) -> None:
        """Store imported Sparks, unless a backup holds writes (then a clear error)."""
        async with self._async_writing():
            if self.writes_paused:
                raise HomeAssistantError(
                    translation_domain=DOMAIN, translation_key="backup_running"
                )
            await self.hass.async_add_executor_job(self.store.add, sparks)
            await self.hass.async_add_executor_job(
                self.store.set_meta, "imported_from", imported_from
            )

    async def async_pause_writes(self) -> None:
        """Write what is queued, once writes under way end (a backup begins next)."""
        await self._async_perceive(final=True)

    @callback
    def async_resume_writes(self) -> None:
        """Write again (the last backup ended), starting with what waited."""
        if not self.writes_paused:
            self.entry.async_create_background_task(
                self.hass, self._async_catch_up(), "aisthos write after backup"
            )

    async def _async_catch_up(self, final: bool = False) -> None:
        """Store the review decisions and Sparks that waited for a backup."""
        while self._deferred_reviews and (final or not self.writes_paused):
            keep, discard, _kept = self._deferred_reviews.pop(0)
            async with self._async_writing():
                await self.hass.async_add_executor_job(self.store.resolve_pending, keep, discard)
        await self._async_perceive(final=final, flush=final)

    async def _async_send_interactions(self, _now: datetime | None = None) -> None:
        """Hand the companion's kept exchanges to the add-on for its fine-tune (nightly).

        Also when there are none: after they were forgotten, the add-on's copy
        must be emptied too.
        """
        if self.engine is None:
            return
        try:
            result = await self.engine.async_send_interactions(
                self.interactions.export(
                    self.communication_style(), await self.interactions.async_names()
                )
            )
        except EngineError as err:
            _LOGGER.warning("The companion's interactions did not reach the add-on: %s", err)
            return
        _LOGGER.debug("The add-on took the interactions: %s", result)

    async def async_forget_interactions(self) -> int:
        """Delete the companion's kept exchanges here and the add-on's copy of them."""
        count = await self.interactions.async_clear()
        await self._async_send_interactions()
        return count

    async def async_companion_report(self) -> dict[str, Any]:
        """Return the companion's kept exchanges (counts) and the add-on's Track C report."""
        training: dict[str, Any] | None = None
        if self.engine is not None:
            try:
                status = await self.engine.async_finetune_status()
            except EngineError:
                status = None
            if status is not None:
                report = status.get("last_report")
                keys = (
                    "status", "reason", "examples_train", "iterations", "first_train_loss",
                    "train_loss", "val_loss", "adapter_bytes", "seconds", "finished",
                    "preferred_logprob_before", "preferred_logprob_after",
                )  # fmt: skip
                training = {
                    "available": bool(status.get("available")),
                    "status": str(status.get("status", "")),
                    "next_run": status.get("next_run"),
                    "last_report": (
                        {k: report.get(k) for k in keys} if isinstance(report, dict) else None
                    ),
                }
        return {
            "connected": self.engine is not None,
            "interactions": self.interactions.counts(),
            "training": training,
        }

    async def async_growth_evidence(self) -> tuple[int, int]:
        """Return what growth is judged on: Sparks seen and skills approved."""
        sparks = await self.hass.async_add_executor_job(self.store.count, 0.0)
        return sparks, len(self.learner.book.keep_ids())

    def communication_style(self) -> dict[str, str]:
        """Return how AisthOS currently prefers to talk (from learned preferences)."""
        style = self.learner.preferences.get("communication_style")
        return dict(style) if isinstance(style, dict) else {}


@dataclass(slots=True)
class PerceivedBatch:
    """What one perceive job did, for the event loop to count and announce."""

    days: tuple[float, float]  # start of today and of tomorrow (local), for today's count
    logbook: bool  # keep the new Sparks for logbook events
    logged: list[Spark] = field(default_factory=list)  # new Sparks kept, with logbook on
    today: int = 0  # new Sparks kept (not in review) of today
    tomorrow: int = 0  # of them, those of tomorrow (midnight passed while the job ran)
    last: Spark | None = None  # the newest of them
    pending: list[tuple[int, Spark]] = field(default_factory=list)  # stored for review
    stored: int = 0
    unwritten: int = 0
    dropped_queue_full: int = 0
    dropped_review_full: int = 0
    error: StoreError | None = None

    def count(self, spark: Spark) -> None:
        """Count a new Spark kept for writing."""
        if spark.time >= self.days[0]:
            self.today += 1
        if spark.time >= self.days[1]:
            self.tomorrow += 1
        if self.last is None or spark.time >= self.last.time:
            self.last = spark
        if self.logbook:
            self.logged.append(spark)


@callback
def loaded_runtime(hass: HomeAssistant) -> AisthosRuntime | None:
    """Return the runtime of the loaded AisthOS entry (there is at most one)."""
    entries: list[AisthosConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    return entries[0].runtime_data if entries else None
