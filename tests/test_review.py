"""Review before storing: Sparks wait in the to-do list until the user decides."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos import backup
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .conftest import default_options
from .helpers import advance, db_rows, set_state
from .test_backup_pause import database


@pytest.fixture
def entry_options() -> dict[str, object]:
    return default_options(review_sparks=True)


async def items(hass: HomeAssistant) -> list[dict[str, str]]:
    response = await hass.services.async_call(
        "todo",
        "get_items",
        {"entity_id": "todo.aisthos_spark_review"},
        blocking=True,
        return_response=True,
    )
    return response["todo.aisthos_spark_review"]["items"]


async def test_complete_keeps_and_delete_discards(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    for entity_id in ("light.a", "light.b", "light.c"):
        set_state(hass, entity_id, "off")
    await advance(hass, freezer, 5)
    for entity_id in ("light.a", "light.b", "light.c"):
        set_state(hass, entity_id, "on")
        await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)

    waiting = await items(hass)
    assert len(waiting) == 3
    assert all(item["summary"].startswith("Light turned on · ") for item in waiting)
    assert hass.states.get("todo.aisthos_spark_review").state == "3"
    assert db_rows(hass) == []  # nothing stored before review
    assert hass.states.get("sensor.aisthos_sparks_today").state == "0"

    await hass.services.async_call(
        "todo", "update_item",
        {"entity_id": "todo.aisthos_spark_review", "item": waiting[0]["uid"], "status": "completed"},
        blocking=True,
    )  # fmt: skip
    await hass.services.async_call(
        "todo", "remove_item",
        {"entity_id": "todo.aisthos_spark_review", "item": [waiting[1]["uid"]]},
        blocking=True,
    )  # fmt: skip
    await hass.async_block_till_done()
    assert len(db_rows(hass)) == 1
    assert [i["uid"] for i in await items(hass)] == [waiting[2]["uid"]]
    assert hass.states.get("sensor.aisthos_sparks_today").state == "1"

    # The waiting Spark survives a restart of the integration.
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert [i["uid"] for i in await items(hass)] == [waiting[2]["uid"]]


async def test_unknown_item_is_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "todo", "remove_item",
            {"entity_id": "todo.aisthos_spark_review", "item": ["nope"]},
            blocking=True,
        )  # fmt: skip


async def test_review_decisions_during_a_backup_are_stored_after_it(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    for entity_id in ("light.a", "light.b"):
        set_state(hass, entity_id, "off")
    await advance(hass, freezer, 5)
    for entity_id in ("light.a", "light.b"):
        set_state(hass, entity_id, "on")
        await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)
    waiting = await items(hass)
    assert len(waiting) == 2
    await backup.async_pre_backup(hass)
    copied = database(hass)
    await hass.services.async_call(
        "todo", "update_item",
        {"entity_id": "todo.aisthos_spark_review", "item": waiting[0]["uid"], "status": "completed"},
        blocking=True,
    )  # fmt: skip
    await hass.async_block_till_done()
    # Decided at once in the list, stored only once the backup is done; the
    # Spark kept is listed meanwhile.
    assert [item["uid"] for item in await items(hass)] == [waiting[1]["uid"]]
    listed = await hass.services.async_call(
        "aisthos", "list_sparks", {"limit": 10}, blocking=True, return_response=True
    )
    assert [spark["line"] for spark in listed["sparks"]] == [waiting[0]["summary"]]
    assert database(hass) == copied
    await backup.async_post_backup(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(db_rows(hass)) == 1
    # And it stays decided after a restart of the integration.
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert [item["uid"] for item in await items(hass)] == [waiting[1]["uid"]]
