"""The user's text in automations.yaml stays theirs: kept as it is, or we write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.aisthos.automations_file import (
    AutomationsFile,
    AutomationWriteError,
    check_change,
    find_block,
    remove_text,
    render_block,
    upsert_text,
)
from custom_components.aisthos.const import CONF_SECRET, DOMAIN
from custom_components.aisthos.engine.skill_book import Feedback, Status
from homeassistant import config as conf_util
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import area_registry as ar, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import dump

from .conftest import default_options
from .wisdom_samples import VALID

OURS = "aisthos_s_0000000001"
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
        "id": OURS,
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
    return AutomationsFile(hass)


# ---- what follows our last block is the user's --------------------------------

AFTER_OURS = {
    "comment": "# The hall light is set up by AisthOS, the rest by me.\n",
    "dash on its own line": "-\n  id: '1700000000002'\n  alias: Dash style\n  triggers: []\n",
    "blank lines, then both": "\n\n# spaced out\n-\n  id: '3'\n  alias: Three\n",
}


@pytest.mark.parametrize("tail", AFTER_OURS.values(), ids=AFTER_OURS.keys())
def test_the_users_text_after_our_last_block_survives_replace_and_remove(tail: str) -> None:
    block = render_block(ours())
    renamed = render_block(ours(alias="Renamed"))
    text = USERS_OWN + block + tail
    assert find_block(text, OURS) == block
    replaced = upsert_text(text, OURS, renamed)
    assert replaced == USERS_OWN + renamed + tail
    removed = remove_text(text, OURS)
    assert removed == USERS_OWN + tail
    assert check_change(text, replaced, OURS, renamed) == replaced
    assert check_change(text, removed, OURS, None) == removed


def test_a_blank_line_inside_our_block_is_ours() -> None:
    block = render_block(ours(description="Seen on 9 of 10 weekdays.\n\nOnly in winter."))
    assert "\n\n" in block
    text = block + "\n  # an indented note, after a blank line\n\n# mine\n"
    assert find_block(text, OURS) == block + "\n  # an indented note, after a blank line\n"
    assert remove_text(text, OURS) == "\n# mine\n[]\n"  # still a list, with the comment


def test_our_block_replaces_an_empty_list_among_comments() -> None:
    block = render_block(ours())
    text = "# Automations\n[]\n# the end\n"
    added = upsert_text(text, OURS, block)
    assert added == "# Automations\n" + block + "# the end\n"
    assert check_change(text, added, OURS, block) == added
    assert remove_text(added, OURS) == "# Automations\n# the end\n[]\n"


async def test_a_file_with_home_assistants_tags_is_written_without_resolving_them(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    tagged = (
        "- id: '1700000000005'\n"
        "  alias: Tagged\n"
        "  triggers: !include triggers/door.yaml\n"
        "  actions:\n"
        "  - action: notify.phone\n"
        "    data:\n"
        "      message: !secret door_message\n"
        "- !include_dir_list more_automations\n"
    )
    automations.path.write_text(tagged)
    block = await automations.async_write(ours())
    assert automations.path.read_text() == tagged + block
    assert await automations.async_remove(OURS) is True
    assert automations.path.read_text() == tagged


# ---- the parsed list must change by our one item, or nothing is written -------

ANCHORED = (
    USERS_OWN
    + f"- id: {OURS}\n  alias: &hall Evening arrival\n  triggers: []\n  actions: []\n"
    + "- id: '1700000000002'\n  alias: *hall\n  triggers: []\n  actions: []\n"
)
QUOTED = (  # our id line inside the user's quoted description: text, not an item
    "- id: '1700000000001'\n"
    '  description: "Copied from the AisthOS one,\n'
    f"- id: {OURS}\n"
    '  then changed."\n'
)


async def test_removing_our_block_when_the_user_refers_to_it_writes_nothing(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    """The user's automation uses an anchor defined in ours: removing it would break theirs."""
    automations.path.write_text(ANCHORED)
    with pytest.raises(AutomationWriteError) as err:
        await automations.async_remove(OURS)
    assert err.value.translation_key == "automations_file_mismatch"
    assert err.value.translation_placeholders == {"automation_id": OURS}
    assert automations.path.read_text() == ANCHORED


async def test_our_id_inside_the_users_text_is_not_replaced(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    automations.path.write_text(QUOTED)
    with pytest.raises(AutomationWriteError) as err:
        await automations.async_write(ours())
    assert err.value.translation_key == "automations_file_mismatch"
    assert automations.path.read_text() == QUOTED


# ---- an invalid file is never written ----------------------------------------

INVALID = {
    "unclosed bracket": USERS_OWN + "- id: '2'\n  alias: [unclosed\n",
    "a mapping": "alias: not a list\ntriggers: []\n",
    "a single value": "just some words\n",
    "tab indentation": "- id: '2'\n\talias: tabbed\n",
}


@pytest.mark.parametrize("text", INVALID.values(), ids=INVALID.keys())
async def test_an_invalid_file_is_refused_and_left_byte_for_byte(
    hass: HomeAssistant, automations: AutomationsFile, text: str
) -> None:
    automations.path.write_bytes(text.encode())
    with pytest.raises(AutomationWriteError) as err:
        await automations.async_write(ours())
    assert err.value.translation_key == "automations_file_invalid"
    assert (err.value.translation_placeholders or {})["error"]
    assert automations.path.read_bytes() == text.encode()


async def test_our_block_in_an_invalid_file_is_not_removed(
    hass: HomeAssistant, automations: AutomationsFile
) -> None:
    text = render_block(ours()) + INVALID["unclosed bracket"]
    automations.path.write_text(text)
    with pytest.raises(AutomationWriteError) as err:
        await automations.async_remove(OURS)
    assert err.value.translation_key == "automations_file_invalid"
    assert automations.path.read_text() == text


# ---- in a real home: approving, importing ----------------------------------


def add_entity(hass: HomeAssistant, entity_id: str, area: str, name: str) -> None:
    area_entry = ar.async_get(hass).async_get_or_create(area)
    domain, object_id = entity_id.split(".")
    entry = er.async_get(hass).async_get_or_create(
        domain, "test", object_id, suggested_object_id=object_id, original_name=name
    )
    er.async_get(hass).async_update_entity(entry.entity_id, area_id=area_entry.id)
    hass.states.async_set(entity_id, "off", {"friendly_name": name})


@pytest.fixture
async def home(hass: HomeAssistant, hass_admin_user: MockUser) -> MockConfigEntry:
    """A home with the automation editor's file, and VALID's skills imported (one approved)."""
    add_entity(hass, "binary_sensor.hall_motion", "Hallway", "Hall motion")
    hass.states.async_set(
        "binary_sensor.hall_motion",
        "off",
        {"friendly_name": "Hall motion", "device_class": "motion"},
    )
    add_entity(hass, "light.hall", "Hallway", "Hall light")
    add_entity(hass, "switch.kettle", "Kitchen", "Kettle")
    config_dir = Path(hass.config.config_dir)
    (config_dir / "configuration.yaml").write_text("automation: !include automations.yaml\n")
    (config_dir / "automations.yaml").write_text(USERS_OWN)
    config = await conf_util.async_hass_config_yaml(hass)
    for domain in ("automation", "repairs", "persistent_notification"):
        assert await async_setup_component(hass, domain, config)
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SECRET: "ab" * 32}, options=default_options())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await import_wisdom(hass, hass_admin_user)
    return entry


async def import_wisdom(hass: HomeAssistant, admin: MockUser) -> None:
    await hass.services.async_call(
        DOMAIN,
        "import_wisdom",
        {"data": VALID, "mode": "merge"},
        blocking=True,
        return_response=True,
        context=Context(user_id=admin.id),
    )


async def test_approving_while_the_file_is_invalid_changes_nothing(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    path = Path(hass.config.config_dir) / "automations.yaml"
    broken = path.read_text() + "- id: '2'\n  alias: [unclosed\n"
    path.write_text(broken)
    with pytest.raises(HomeAssistantError) as err:
        await home.runtime_data.skills.async_approve("s_9876543210")
    assert str(err.value).startswith(
        "automations.yaml is not a valid list of automations, so AisthOS wrote nothing to it."
    )
    assert path.read_text() == broken
    assert home.runtime_data.learner.book.status("s_9876543210") is not Status.APPROVED


async def test_importing_wisdom_keeps_the_users_edit_of_an_approved_automation(
    hass: HomeAssistant, home: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    path = Path(hass.config.config_dir) / "automations.yaml"
    automation = "aisthos_s_0123456789"
    written = find_block(path.read_text(), automation)
    assert written is not None
    assert written.splitlines()[1].startswith("  alias: ")
    # The user renames it, as the automation editor would save it.
    edited = written.replace(written.splitlines()[1], "  alias: Hall light, my way", 1)
    path.write_text(path.read_text().replace(written, edited))
    await hass.services.async_call("automation", "reload", blocking=True)
    text = path.read_text()

    for _ in range(2):  # a second import neither overwrites nor counts the edit again
        await import_wisdom(hass, hass_admin_user)
        assert path.read_text() == text
        decision = home.runtime_data.learner.book.decision("s_0123456789")
        assert decision.written == "edited"
        assert decision.counts.get(Feedback.EDIT.value) == 1
