"""A burst of changes is released a slice at a time, and nothing is lost."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos import runtime
from custom_components.aisthos.engine.significance import SignificanceFilter
from custom_components.aisthos.engine.state_change import EntityInfo, StateChange
from homeassistant.core import HomeAssistant

from .helpers import advance, db_rows, set_state


def test_due_releases_at_most_limit_and_says_what_is_left() -> None:
    flt = SignificanceFilter()
    infos = [EntityInfo.from_entity_id(f"light.l{i}") for i in range(5)]
    for i, info in enumerate(infos):
        flt.offer(StateChange(info.entity_id, "off", "on", 1_760_000_000.0 + i * 0.01), info)
    now = 1_760_000_010.0
    assert flt.has_due(now)
    assert [c.entity_id for c, _ in flt.due(now, limit=2)] == ["light.l0", "light.l1"]
    assert flt.has_due(now)
    assert len(flt.due(now, limit=10)) == 3
    assert not flt.has_due(now)
    assert not SignificanceFilter().has_due(now)


async def test_a_burst_larger_than_a_slice_is_stored_whole(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime, "TICK_SLICE", 3)
    for i in range(10):
        set_state(hass, f"light.l{i}", "off")
    await advance(hass, freezer, 5)
    for i in range(10):
        set_state(hass, f"light.l{i}", "on")
    await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)
    assert len(db_rows(hass)) == 10
    assert hass.states.get("sensor.aisthos_sparks_today").state == "10"
