"""The "Learn now" button: a failing run is a clear, translated error."""

from __future__ import annotations

import copy

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError


async def press(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.aisthos_learn_now"}, blocking=True
    )


async def test_learn_now_runs_the_learner(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    learner = loaded_entry.runtime_data.learner
    assert learner.last_run is None
    await press(hass)
    assert learner.last_run is not None
    assert learner.last_error is None


async def test_learn_now_with_a_closed_store_fails_clearly(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    runtime = loaded_entry.runtime_data
    before = copy.deepcopy(runtime.learner.book.as_dict())
    await hass.async_add_executor_job(runtime.store.close)
    with pytest.raises(HomeAssistantError) as err:
        await press(hass)
    assert err.value.translation_key == "learning_failed"
    assert err.value.translation_placeholders == {"error": "the Spark store is not open"}
    assert str(err.value) == "Learning from the Sparks failed: the Spark store is not open"
    assert runtime.learner.last_run is None
    assert runtime.learner.last_error == "the Spark store is not open"
    assert runtime.learner.book.as_dict() == before
