"""Learning and its services at their edges: damaged storage, a stuck store, merges."""

from __future__ import annotations

import copy
from datetime import date
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill import Signature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .test_runtime_edges import impatient, locked
from .test_skill_manager_edges import HALL, KETTLE, assistant_home
from .test_wisdom_in_ha import setup_home
from .wisdom_samples import VALID

STORED_SKILL = {
    "id": "s_0000000001",
    "name": "Morning: Kettle",
    "trigger": {"type": "time", "at": "07:00"},
    "conditions": {"after": "06:50", "before": "07:10", "days": ["mon"], "someone_home": False},
    "actions": [
        {"ref": "cccccccccccc", "action": "turned_on", "kind": "power", "object": "switch",
         "area": "kitchen", "delay_s": 0.0}
    ],
    "confidence": 0.6,
    "learned_from": 5,
    "explanation": "Seen on 5 of 5 Mondays.",
    "first_seen": "2026-10-05",
    "last_observed": "2026-11-02",
    "evidence": {},
}  # fmt: skip


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


def stored(data: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "minor_version": 1, "key": "aisthos_skills", "data": data}


async def test_damaged_stored_entries_are_skipped_and_the_rest_kept(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass_storage["aisthos_skills"] = stored(
        {
            "skills": [STORED_SKILL, {"id": "s_broken"}],
            "decisions": {"s_0000000001": {"status": "approved"}, "s_bad": {"status": "nope"}},
            "growth": {"stage": "teen", "born": "2026-01-01", "history": []},  # skipped stages
            "preferences": {"style_bandit": {}},
            "last_run": "2026-11-24T03:00:00+00:00",
        }
    )
    with caplog.at_level(logging.WARNING):
        entry = await setup_home(hass)
    learner = entry.runtime_data.learner
    assert list(learner.book.skills) == ["s_0000000001"]
    assert list(learner.book.decisions) == ["s_0000000001"]
    assert "Skipping a stored entry that cannot be read: skill:" in caplog.text
    assert "Skipping a stored entry that cannot be read: decision s_bad" in caplog.text
    assert "Part of the stored learning could not be read" in caplog.text
    assert learner.growth.stage.value == "infant"  # a fresh start, not a skipped stage
    assert learner.last_run is not None
    assert learner.last_run.isoformat() == "2026-11-24T03:00:00+00:00"


async def test_describe_uses_registry_names_then_the_signature(hass: HomeAssistant) -> None:
    entry = await setup_home(hass)
    learner = entry.runtime_data.learner
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "switch", "test", "pump", suggested_object_id="pump", original_name="Garden pump"
    )
    registry.async_get_or_create("switch", "test", "nameless", suggested_object_id="nameless")
    describe = learner.describe(learner.entity_map())

    def sig(entity_id: str, area: str = "unknown") -> Signature:
        return Signature(learner.ref_of(entity_id), "turned_on", "power", "wall_plug", area)

    assert describe(sig("switch.pump")) == "Garden pump"  # no state yet: the registry name
    assert describe(sig("switch.nameless", "living_room")) == "Living room wall plug"
    assert describe(sig("switch.elsewhere")) == "Wall plug"  # not in this home


async def test_a_stuck_store_fails_the_learn_service_clearly(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await assistant_home(hass, freezer)
    runtime = entry.runtime_data
    before = copy.deepcopy(runtime.learner.book.as_dict())
    await hass.async_add_executor_job(runtime.store.close)
    for service in ("learn", "list_sparks"):
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(DOMAIN, service, {}, blocking=True, return_response=True)
        assert err.value.translation_key == "store_error"
        assert "not open" in str(err.value.translation_placeholders)
    assert runtime.learner.last_error == "the Spark store is not open"
    assert runtime.learner.book.as_dict() == before  # nothing forgotten


async def test_import_history_into_a_locked_store_is_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    impatient(loaded_entry)
    store = loaded_entry.runtime_data.store
    # The first setup imported its weeks already: ask for older ones.
    before = await hass.async_add_executor_job(store.get_meta, "imported_from")
    assert before is not None
    with locked(hass), pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "import_history", {"days": 30}, blocking=True, return_response=True
        )
    assert err.value.translation_key == "store_error"
    meta = await hass.async_add_executor_job(store.get_meta, "imported_from")
    assert meta == before  # can be tried again later


async def test_import_wisdom_needs_a_source(hass: HomeAssistant) -> None:
    await setup_home(hass)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "import_wisdom", {}, blocking=True)
    assert err.value.translation_key == "wisdom_invalid"


async def test_merging_wisdom_keeps_this_homes_days(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await assistant_home(hass, freezer)
    learner = entry.runtime_data.learner
    mine = learner.book.skills[HALL]
    own = {day: hit for day, hit in mine.evidence.items() if day < "2026-11-24"}
    own["2026-11-24"] = 0  # this home saw no routine that Tuesday
    learner.book.skills[HALL] = mine.with_evidence(own, date(2026, 11, 25))
    document = copy.deepcopy(VALID)
    document["skills"][0]["evidence"] = {"from": "2026-11-24", "days": "11"}
    await hass.services.async_call(DOMAIN, "import_wisdom", {"data": document}, blocking=True)
    merged = learner.book.skills[HALL]
    assert merged.evidence["2026-11-24"] == 0  # this home's own day wins
    assert merged.evidence["2026-11-25"] == 1  # a day only the other file knew is added
    assert set(merged.evidence) == set(own) | {"2026-11-25"}
    assert merged.confidence != mine.confidence  # recomputed from the merged days


async def test_restore_and_remove(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    entry = await assistant_home(hass, freezer)
    learner = entry.runtime_data.learner
    snapshot = learner.snapshot()
    learner.book.skills.clear()
    learner.preferences["x"] = 1
    learner.restore(snapshot)
    assert set(learner.book.skills) == {HALL, KETTLE}
    assert "x" not in learner.preferences
    assert "aisthos_skills" in hass_storage
