"""The buttons: a failing run or export is a clear, translated error; downloads are for admins."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

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
        {"entity_id": "button.aisthos_download_wisdom"},
        blocking=True,
        context=Context(user_id=user.id if user else None),
    )


def notified_link(hass: HomeAssistant) -> str | None:
    notification = hass.data.get("persistent_notification", {}).get("aisthos_wisdom_export")
    if notification is None:
        return None
    return str(notification["message"].split("](", 1)[1].split(")", 1)[0])


async def test_an_admin_gets_a_link_that_works_once(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_admin_user: MockUser,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    await press_download(hass, hass_admin_user)
    link = notified_link(hass)
    assert link is not None
    assert "ticket=" in link
    assert "authSig=" in link
    client = await hass_client_no_auth()
    response = await client.get(link)
    assert response.status == 200
    assert json.loads(await response.text())["format"] == "aisthos.user_wisdom"
    # Used up: the notification (seen by every user) is gone, the link refused.
    assert notified_link(hass) is None
    assert (await client.get(link)).status == 401


async def test_a_newer_link_replaces_the_older_one(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_admin_user: MockUser,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    await press_download(hass, hass_admin_user)
    older = notified_link(hass)
    await press_download(hass)  # an automation, say
    newer = notified_link(hass)
    assert older is not None
    assert newer is not None
    assert older != newer
    client = await hass_client_no_auth()
    assert (await client.get(older)).status == 401
    assert (await client.get(newer)).status == 200


async def test_a_user_who_is_no_admin_gets_no_link(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_read_only_user: MockUser
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    folder = Path(hass.config.config_dir) / "aisthos"
    with pytest.raises(Unauthorized):
        await press_download(hass, hass_read_only_user)
    assert notified_link(hass) is None
    assert not folder.exists() or list(folder.iterdir()) == []


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
    assert notified_link(hass) is None
