"""The Spark review list refuses stale ids and only a completed item keeps its Spark."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.todo import TodoItem, TodoItemStatus, TodoListEntity
from homeassistant.components.todo.const import DATA_COMPONENT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .conftest import default_options
from .helpers import advance, db_rows, set_state

LIST = "todo.aisthos_spark_review"


@pytest.fixture
def entry_options() -> dict[str, object]:
    return default_options(review_sparks=True)


async def waiting(hass: HomeAssistant, loaded_entry: MockConfigEntry,
                  freezer: FrozenDateTimeFactory, count: int) -> list[str]:  # fmt: skip
    for n in range(count):
        set_state(hass, f"light.l{n}", "off")
    await advance(hass, freezer, 5)
    for n in range(count):
        set_state(hass, f"light.l{n}", "on")
        await advance(hass, freezer, 2)
    await advance(hass, freezer, 2)
    uids = [str(pid) for pid, _ in loaded_entry.runtime_data.pending]
    assert len(uids) == count
    return uids


def review_list(hass: HomeAssistant) -> TodoListEntity:
    entity = hass.data[DATA_COMPONENT].get_entity(LIST)
    assert entity is not None
    return entity


async def test_a_stale_id_is_refused_and_nothing_is_decided(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """HA's services check ids first; direct callers of the entity get the same care."""
    uids = await waiting(hass, loaded_entry, freezer, 2)
    entity = review_list(hass)

    with pytest.raises(ServiceValidationError) as err:
        await entity.async_delete_todo_items([uids[0], "999999"])
    assert err.value.translation_key == "unknown_review_item"
    assert err.value.translation_placeholders == {"uid": "999999"}
    with pytest.raises(ServiceValidationError) as err:
        await entity.async_update_todo_item(
            TodoItem(summary="x", uid="nope", status=TodoItemStatus.COMPLETED)
        )
    assert err.value.translation_placeholders == {"uid": "nope"}

    # The known id in the refused batch was neither discarded nor kept.
    assert [str(pid) for pid, _ in loaded_entry.runtime_data.pending] == uids
    assert db_rows(hass) == []
    assert hass.states.get(LIST).state == "2"


async def test_renaming_an_item_keeps_it_waiting(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    (uid,) = await waiting(hass, loaded_entry, freezer, 1)
    await hass.services.async_call(
        "todo", "update_item", {"entity_id": LIST, "item": uid, "rename": "mine"}, blocking=True
    )
    await hass.async_block_till_done()
    assert [str(pid) for pid, _ in loaded_entry.runtime_data.pending] == [uid]
    assert db_rows(hass) == []
    # Completing it afterwards keeps it, as usual.
    await hass.services.async_call(
        "todo", "update_item", {"entity_id": LIST, "item": uid, "status": "completed"},
        blocking=True,
    )  # fmt: skip
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.pending == []
    assert len(db_rows(hass)) == 1
