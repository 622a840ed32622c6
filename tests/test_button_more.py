"""The buttons: a failing run or export is a clear, translated error; downloads are for admins."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.setup import async_setup_component


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


async def press_download(hass: HomeAssistant, user: MockUser | None = None) -> None:
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.aisthos_export_wisdom"},
        blocking=True,
        context=Context(user_id=user.id if user else None),
    )


def notified(hass: HomeAssistant) -> str | None:
    notification = hass.data.get("persistent_notification", {}).get("aisthos_wisdom_export")
    return None if notification is None else str(notification["message"])


async def test_the_notification_says_where_the_file_is_and_carries_no_link(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    """Every user reads notifications: no link in them, signed or not."""
    assert await async_setup_component(hass, "persistent_notification", {})
    await press_download(hass, hass_admin_user)
    message = notified(hass)
    assert message is not None
    assert "/aisthos/wisdom-" in message
    for leak in ("/api/aisthos/wisdom", "authSig", "ticket", "]("):
        assert leak not in message
    files = list((Path(hass.config.config_dir) / "aisthos").glob("wisdom-*.json"))
    assert len(files) == 1
    assert json.loads(files[0].read_text())["format"] == "aisthos.user_wisdom"


@pytest.mark.parametrize("button", ["button.aisthos_export_wisdom", "button.aisthos_learn_now"])
@pytest.mark.parametrize("group", ["system-users", "system-read-only"])
async def test_a_user_who_is_no_admin_may_press_neither(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_owner_user: MockUser,  # else the user made below would be the owner
    button: str,
    group: str,
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    user = await hass.auth.async_create_user("Someone", group_ids=[group])
    learner = loaded_entry.runtime_data.learner
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "button", "press", {"entity_id": button}, blocking=True,
            context=Context(user_id=user.id),
        )  # fmt: skip
    assert notified(hass) is None
    assert not (Path(hass.config.config_dir) / "aisthos").exists()
    assert learner.last_run is None


async def test_an_export_that_cannot_be_written_is_a_translated_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    # A file where the export folder should be.
    (Path(hass.config.config_dir) / "aisthos").write_text("in the way")
    with pytest.raises(HomeAssistantError) as err:
        await press_download(hass)
    assert err.value.translation_key == "export_failed"
    assert err.value.translation_placeholders == {"error": "File exists"}
    assert str(err.value) == "The wisdom file could not be written: File exists"
    assert notified(hass) is None
