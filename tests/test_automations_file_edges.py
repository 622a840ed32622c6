"""Writing automations.yaml at its edges: foreign ids, invalid configs, a busy editor."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from custom_components.aisthos.automations_file import (
    AutomationsFile,
    AutomationWriteError,
    _unwritable,
    upsert_text,
)
from custom_components.aisthos.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.file import WriteError, write_utf8_file_atomic
from homeassistant.util.yaml import dump

USERS_OWN = dump(
    [
        {
            "id": "1700000000001",
            "alias": "Mine",
            "triggers": [{"trigger": "state", "entity_id": "binary_sensor.door", "to": "on"}],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
        }
    ]
)


def ours(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "id": "aisthos_s_0000000001",
        "alias": "Evening arrival: hallway light",
        "description": "Seen on 9 of 10 weekdays.",
        "mode": "single",
        "triggers": [{"trigger": "state", "entity_id": "person.a", "to": "home"}],
        "conditions": [],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
    }
    config.update(changes)
    return config


@pytest.fixture
def automations(hass: HomeAssistant) -> AutomationsFile:
    file = AutomationsFile(hass)
    file.path.write_text(USERS_OWN)
    return file


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (ours(id="1700000000001"), "automation_foreign"),
        (ours(id="my_aisthos_s_1"), "automation_foreign"),
        (ours(variables={"aisthos_confidence": math.nan}), "automation_not_plain"),
    ],
)
async def test_refused_configs_leave_the_file_alone(
    hass: HomeAssistant, automations: AutomationsFile, config: dict[str, Any], error: str
) -> None:
    with pytest.raises(AutomationWriteError) as err:
        await automations.async_write(config)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == error
    assert automations.path.read_text() == USERS_OWN


async def test_a_config_home_assistant_rejects_is_an_automation_write_error(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    try:
        with pytest.raises(AutomationWriteError) as err:
            await automations.async_write(ours(triggers=[{"trigger": "no_such_trigger"}]))
    finally:
        assert automations.path.read_text() == USERS_OWN
    assert err.value.translation_key == "automation_rejected"
    assert "no_such_trigger" in (err.value.translation_placeholders or {})["error"]


async def test_removing_what_is_not_there_changes_nothing(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    assert await automations.async_remove("aisthos_s_0000000009") is False
    assert automations.path.read_text() == USERS_OWN
    await automations.async_write(ours())
    assert await automations.async_remove("aisthos_s_0000000001") is True
    assert automations.path.read_text() == USERS_OWN
    assert await automations.async_remove("aisthos_s_0000000001") is False


def test_an_edit_saved_meanwhile_is_kept(automations: AutomationsFile) -> None:
    block = "- id: aisthos_s_0000000001\n  alias: Ours\n"
    edited = USERS_OWN.replace("alias: Mine", "alias: Mine, edited")
    calls = 0

    def change(text: str) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:  # the editor saves between our read and our write
            automations.path.write_text(edited)
        return upsert_text(text, "aisthos_s_0000000001", block)

    automations._rewrite(change)
    assert calls == 2
    assert automations.path.read_text() == edited + block


def test_rewriting_gives_up_when_the_file_keeps_changing(automations: AutomationsFile) -> None:
    saves = 0

    def change(text: str) -> str:
        nonlocal saves
        saves += 1
        automations.path.write_text(f"{USERS_OWN}# saved {saves}\n")
        return text + "- id: aisthos_s_0000000001\n"

    with pytest.raises(AutomationWriteError) as err:
        automations._rewrite(change)
    assert err.value.translation_key == "automations_file_busy"
    assert saves == 5
    text = Path(automations.path).read_text()
    assert text == f"{USERS_OWN}# saved 5\n"  # the editor's last save, untouched
    assert "aisthos" not in text


async def test_a_missing_file_is_created_with_only_our_block(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    automations.path.unlink()
    block = await automations.async_write(ours())
    assert automations.path.read_text() == block
    assert block.startswith("- id: aisthos_s_0000000001\n")


async def test_a_file_that_cannot_be_written_is_a_translated_error(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    automations.path.unlink()
    automations.path.mkdir()  # in the way of automations.yaml
    for attempt in (automations.async_write(ours()), automations.async_remove("aisthos_s_1")):
        with pytest.raises(AutomationWriteError) as err:
            await attempt
        assert err.value.translation_key == "automations_file_unwritable"
        assert err.value.translation_placeholders == {"error": "Is a directory"}


def test_home_assistants_write_error_gives_its_reason(tmp_path: Path) -> None:
    with pytest.raises(WriteError) as raised:
        write_utf8_file_atomic(str(tmp_path / "missing" / "automations.yaml"), "[]\n")
    err = _unwritable(raised.value)
    assert err.translation_key == "automations_file_unwritable"
    assert err.translation_placeholders == {"error": "No such file or directory"}


async def test_the_message_is_the_translated_one(
    hass: HomeAssistant, loaded_entry: Any, automations: AutomationsFile
) -> None:
    """With AisthOS loaded, the error reads as strings.json says, not as its key."""
    with pytest.raises(HomeAssistantError) as err:
        await automations.async_write(ours(id="1700000000001"))
    assert str(err.value) == (
        "AisthOS writes only its own automations, and 1700000000001 is not one of them"
    )
