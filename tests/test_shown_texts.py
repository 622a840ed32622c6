"""What Home Assistant shows of AisthOS: resolved strings, plain names, its own Assist.

Translations go through HA's own translation helper (the frontend asks the
same); names from an imported file are shown as plain text in Repairs and
their fix flow; Assist sentences AisthOS does not own reach HA's intents.
"""

from __future__ import annotations

import copy
from datetime import datetime
import json
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.const import DOMAIN
from homeassistant.components.conversation import async_converse
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import issue_registry as ir, translation
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home
from .test_wisdom_in_ha import add_entity, setup_home
from .wisdom_samples import VALID

COMPONENT = Path(__file__).resolve().parents[1] / "custom_components" / "aisthos"
CATEGORIES = (
    "config",
    "options",
    "issues",
    "exceptions",
    "entity",
    "services",
    "selector",
    "title",
    "config_subentries",
)
HOSTILE = "[Fix it here](https://evil.example) <img src=x onerror=alert(1)> **URGENT**"


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings(value)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize("path", sorted((COMPONENT / "translations").glob("*.json")))
def test_no_shipped_translation_refers_to_another_key(path: Path) -> None:
    """HA resolves [%key:…%] only for its own integrations, when it builds them."""
    texts = strings(json.loads(path.read_text()))
    assert texts
    assert [text for text in texts if "[%key" in text] == []


def test_a_fixable_issue_has_no_description_of_its_own() -> None:
    """hassfest: a fixable issue's text is its fix flow's; both is an error."""
    issues = json.loads((COMPONENT / "strings.json").read_text())["issues"]
    for key, issue in issues.items():
        assert not ("fix_flow" in issue and "description" in issue), key


async def test_home_assistant_hands_the_frontend_only_real_words(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    for category in CATEGORIES:
        loaded = await translation.async_get_translations(hass, "en", category, [DOMAIN])
        assert [k for k, v in loaded.items() if "[%key" in v] == [], category
    options = await translation.async_get_translations(hass, "en", "options", [DOMAIN])
    assert options["component.aisthos.options.step.init.data.domains"] == (
        "Kinds of entities to observe"
    )


def hostile_wisdom() -> dict[str, Any]:
    """The sample, with an entity this home lacks, named to look like a call to act."""
    document = copy.deepcopy(VALID)
    document["entities"]["cccccccccccc"]["name"] = HOSTILE
    document["entities"]["cccccccccccc"]["area"] = "**Now** [here](javascript:alert(1))"
    return document


async def test_names_from_a_file_are_plain_text_in_repairs(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    add_entity(hass, "binary_sensor.hall_motion", "Hallway", "Hall motion", "motion")
    add_entity(hass, "light.hall", "Hallway", "Hall light")
    await setup_home(hass)
    await hass.services.async_call(
        DOMAIN, "import_wisdom", {"data": hostile_wisdom()}, blocking=True
    )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "unmatched_entities")
    assert issue is not None
    client = await hass_client()
    flow = await (
        await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": "unmatched_entities"}
        )
    ).json()
    shown = [*(issue.translation_placeholders or {}).values()]
    shown += flow["description_placeholders"].values()
    for text in shown:
        for markup in ("](", "<img", "**"):
            assert markup not in text, text
        assert re.search("://(?!\u200b)", text) is None, text  # no address to autolink
    assert flow["description_placeholders"]["name"].startswith("Fix it here")
    assert flow["description_placeholders"]["entity_id"] == "switch.kettle"


# ---- Assist: AisthOS answers only what is its own ---------------------------------------


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


async def say(hass: HomeAssistant, text: str) -> Any:
    result = await async_converse(hass, text, None, Context(), language="en")
    return result.response


async def test_home_assistants_own_sentences_reach_its_intents(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=dt_util.get_default_time_zone()))
    calls: list[str] = []

    def more(hass: HomeAssistant) -> None:
        add_entity(hass, "light.kitchen", "Kitchen", "Kitchen light")

    await setup_assistant_home(hass, before_setup=more)
    assert await async_setup_component(
        hass,
        "script",
        {"script": {"bedtime": {"alias": "Bedtime script", "sequence": []}}},
    )
    async_expose_entity(hass, "conversation", "script.bedtime", True)
    hass.services.async_register("light", "turn_on", lambda call: calls.append(str(call.data)))

    bedtime = await say(hass, "run the bedtime script")
    assert bedtime.response_type.value == "action_done", bedtime.speech
    assert [t.id for t in bedtime.success_results] == ["script.bedtime"]
    light = await say(hass, "turn on the kitchen light")
    assert light.response_type.value == "action_done", light.speech
    assert calls
    assert "light.kitchen" in calls[0]
    dishes = await say(hass, "do the dishes")
    assert "routine" not in dishes.speech["plain"]["speech"]
    # A routine AisthOS knows is still run by its name.
    kettle = await say(hass, "run weekend routine kettle")
    assert kettle.speech["plain"]["speech"] == "Done: Weekend routine: Kettle."
