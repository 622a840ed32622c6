"""Perceiving off the event loop: a burst is stored whole, in time, and nothing is lost."""

from __future__ import annotations

import threading

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos import runtime as runtime_module
from custom_components.aisthos.engine.perception import Perception
from custom_components.aisthos.runtime import AisthosRuntime
from homeassistant.core import HomeAssistant

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
