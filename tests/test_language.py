"""AisthOS's own words come from sentences/<language>.yaml, English where missing."""

from __future__ import annotations

import copy

from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.aisthos.language import ENGLISH, joined, phrase
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .test_button_more import press_download


def test_a_missing_text_falls_back_to_english() -> None:
    partial = {"notifications": {"growth": "AisthOS ist gewachsen: {stage}."}}
    assert phrase(partial, "notifications", "growth", stage="Kind") == (
        "AisthOS ist gewachsen: Kind."
    )
    assert phrase(partial, "notifications", "growth_title") == "AisthOS is growing"
    assert phrase({}, "responses", "thanks") == "Thanks, noted."


def test_a_half_done_translation_falls_back_to_english() -> None:
    for language in (
        {"notifications": None},
        {"notifications": []},
        {"notifications": {"growth": None}},
        {"notifications": {"growth": ["a list"]}},
    ):
        assert phrase(language, "notifications", "growth", stage="Child") == (
            "AisthOS grew into a new stage: Child."
        )


def test_names_are_not_read_as_templates() -> None:
    # A skill or entity name with braces is put in as it is, never expanded.
    assert phrase(ENGLISH, "notifications", "autonomous", name="{name} {0} {x.__class__}") == (
        "I was sure enough to start doing this on my own: **{name} {0} {x.__class__}**."
    )


def test_lists_are_joined_in_the_language() -> None:
    german = {"notifications": {"and": " und "}}
    assert joined(german, ["Licht", "Kessel", "Rollo"]) == "Licht, Kessel und Rollo"
    assert joined(ENGLISH, ["Lamp", "Kettle"]) == "Lamp and Kettle"
    assert joined(ENGLISH, ["Lamp"]) == "Lamp"


def test_every_notification_text_fills_in() -> None:
    values = {
        "stage": "Child", "count": 2, "name": "Kettle", "switch": "switch.x", "hits": 3,
        "days": 5, "time": "07:55", "things": "kettle on", "path": "/config/x", "link": "/y",
        "waiting": 1,
    }  # fmt: skip
    for key, text in ENGLISH["notifications"].items():
        if isinstance(text, str):
            assert "{" not in phrase(ENGLISH, "notifications", key, **values), key


async def test_notifications_speak_the_households_language(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    voice = loaded_entry.runtime_data.voice
    # What a translation file (sentences/de.yaml) would give.
    german = copy.deepcopy(ENGLISH)
    german["notifications"]["wisdom_title"] = "AisthOS-Weisheit exportiert"
    voice.language = german
    await press_download(hass, hass_admin_user)
    notification = hass.data["persistent_notification"]["aisthos_wisdom_export"]
    assert notification["title"] == "AisthOS-Weisheit exportiert"
    assert notification["message"].startswith("Your AisthOS profile was saved as `")


def test_every_stage_has_a_name() -> None:
    from custom_components.aisthos.engine.growth import Stage

    assert [phrase(ENGLISH, "notifications", f"stage_{s.value}") for s in Stage] == [
        "Infant",
        "Child",
        "Teen",
        "Adult",
    ]
