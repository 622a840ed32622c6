"""Perceiving off the event loop: a burst is stored whole, in time, and nothing is lost."""

from __future__ import annotations

from datetime import timedelta
import threading
import time

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aisthos import runtime as runtime_module
from custom_components.aisthos.engine.perception import Perception
from custom_components.aisthos.runtime import AisthosRuntime
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .helpers import advance, db_rows, set_state


async def test_a_burst_is_stored_whole_and_counted(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    for i in range(600):
        set_state(hass, f"light.l{i}", "off")
    await advance(hass, freezer, 5)
    for i in range(600):
        set_state(hass, f"light.l{i}", "on")
    await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)
    assert len(db_rows(hass)) == 600
    assert hass.states.get("sensor.aisthos_sparks_today").state == "600"


async def test_sparks_are_made_in_a_worker_thread_not_the_loop(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[threading.Thread] = []
    original = Perception.spark

    def spark(self: Perception, *args: object) -> object:
        threads.append(threading.current_thread())
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Perception, "spark", spark)
    set_state(hass, "light.kitchen", "off")
    await advance(hass, freezer, 5)
    set_state(hass, "light.kitchen", "on")
    await advance(hass, freezer, 2)
    assert threads
    assert all(thread is not threading.main_thread() for thread in threads)
    assert len(db_rows(hass)) == 1


async def test_a_backlog_past_its_limit_drops_the_changes_that_do_not_fit(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime: AisthosRuntime = loaded_entry.runtime_data
    for i in range(5):
        set_state(hass, f"light.b{i}", "off")
    await advance(hass, freezer, 5)
    monkeypatch.setattr(runtime_module, "CHANGE_BACKLOG_LIMIT", 3)
    async with runtime._write_lock:  # a slow write holds the job back
        for i in range(5):
            set_state(hass, f"light.b{i}", "on")
        await hass.async_block_till_done()
        assert len(runtime._changes) == 3 * runtime_module.CHANGE_WIDTH
    await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)
    assert runtime.stats.changes_dropped_backlog_full == 2
    refs = {ref for (ref,) in db_rows(hass, "SELECT ref FROM sparks")}
    assert refs == {runtime.anonymizer.ref(f"light.b{i}") for i in (0, 1, 2)}


async def test_a_job_across_midnight_counts_only_the_new_days_sparks(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    runtime = loaded_entry.runtime_data
    tomorrow = dt_util.start_of_local_day() + timedelta(days=1)
    freezer.move_to(tomorrow - timedelta(seconds=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    set_state(hass, "light.porch", "off")
    await advance(hass, freezer, 5)  # 23:59:55
    set_state(hass, "light.porch", "on")  # a Spark at 23:59:55
    await advance(hass, freezer, 2)  # 23:59:57: made, stored, counted today
    base = runtime.sparks_today
    assert base >= 1
    set_state(hass, "light.porch", "off")  # 23:59:57
    entered, release = threading.Event(), threading.Event()
    original = runtime._write_batch

    def slow_write(*args):
        entered.set()
        release.wait(5)  # a busy second's job (or a slow disk)
        return original(*args)

    runtime._write_batch = slow_write
    freezer.tick(timedelta(seconds=2.5))  # 23:59:59.5: the tick's job starts
    async_fire_time_changed(hass)
    assert await hass.async_add_executor_job(entered.wait, 5)
    freezer.move_to(tomorrow)  # 00:00:00 while the job still writes
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert runtime.sparks_today == 0  # the midnight reset
    release.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    runtime._write_batch = original
    midnight = tomorrow.timestamp()
    stored_today = db_rows(hass, f"SELECT count(*) FROM sparks WHERE time >= {midnight}")[0][0]
    assert runtime.sparks_today == stored_today, (runtime.sparks_today, stored_today)


async def test_stopping_during_a_busy_job_flushes_every_held_change(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    runtime = loaded_entry.runtime_data
    for i in range(10):
        set_state(hass, f"light.b{i}", "off")
    await advance(hass, freezer, 5)
    freezer.tick(timedelta(seconds=0.5))
    significance = runtime.pipeline.significance
    original = significance.offer_values
    entered = threading.Event()

    def offer(entity_id, *args):
        if entity_id == "light.b3" and not entered.is_set():
            entered.set()
            time.sleep(0.3)  # a job mid-way through a busy second
        return original(entity_id, *args)

    significance.offer_values = offer
    for i in range(10):
        set_state(hass, f"light.b{i}", "on")
    freezer.tick(timedelta(seconds=0.5))
    async_fire_time_changed(hass)
    assert await hass.async_add_executor_job(entered.wait, 5)
    await hass.async_stop()
    assert len(db_rows(hass)) == 10, db_rows(hass, "SELECT ref FROM sparks")
