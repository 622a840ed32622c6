"""Assist intents end to end through Home Assistant's conversation agent."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import Status
from homeassistant.components.conversation import async_converse
from homeassistant.core import Context, HomeAssistant
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home

SORRY = "Sorry. Should I be shorter, give more detail, use a list or full sentences?"


async def say(hass: HomeAssistant, text: str) -> str:
    """Speak to Assist as the household's administrator (a logged-in user)."""
    admin = hass.data.get("test_speaker")
    if admin is None:
        user = await hass.auth.async_create_user("Speaker", group_ids=["system-admin"])
        admin = hass.data["test_speaker"] = user.id
    result = await async_converse(hass, text, None, Context(user_id=admin), language="en")
    speech = result.response.speech.get("plain", {}).get("speech", "")
    return str(speech)


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


@pytest.fixture
async def assistant(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """A home with AisthOS (two skills imported, one approved) and Assist."""
    tz = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=tz))  # a Wednesday
    return await setup_assistant_home(hass)


async def test_what_have_you_learned(hass: HomeAssistant, assistant: MockConfigEntry) -> None:
    answer = await say(hass, "what have you learned")
    assert "2 routines" in answer
    assert "Evening hall motion" in answer or "Weekend routine" in answer


async def test_explain_a_skill(hass: HomeAssistant, assistant: MockConfigEntry) -> None:
    answer = await say(hass, "explain evening hall motion")
    assert answer.startswith("Evening hall motion: Hall light")


async def test_why_did_you_do_that(hass: HomeAssistant, assistant: MockConfigEntry) -> None:
    assert (await say(hass, "why did you do that")) == "I haven't done anything on my own recently."
    await assistant.runtime_data.skills.runner.async_trigger("aisthos_s_0123456789")
    await hass.async_block_till_done()
    assert (await say(hass, "why did you do that")).startswith("Evening hall motion")


async def test_approve_the_last_suggestion(hass: HomeAssistant, assistant: MockConfigEntry) -> None:
    book = assistant.runtime_data.learner.book
    assert book.status("s_9876543210") is Status.PROPOSED
    answer = await say(hass, "approve the last suggestion")
    assert answer == "Done. Weekend routine: Kettle will now run by itself."
    assert book.status("s_9876543210") is Status.APPROVED


async def test_reject_the_last_suggestion(hass: HomeAssistant, assistant: MockConfigEntry) -> None:
    answer = await say(hass, "reject the last suggestion")
    assert answer == "All right, I won't do Weekend routine: Kettle."
    assert assistant.runtime_data.learner.book.status("s_9876543210") is Status.REJECTED
    assert await say(hass, "reject the last suggestion") == "There is no suggestion waiting."


async def test_run_a_skill(hass: HomeAssistant, assistant: MockConfigEntry) -> None:
    assert hass.states.get("switch.kettle").state == "off"
    answer = await say(hass, "run weekend routine kettle")
    assert answer == "Done: Weekend routine: Kettle."
    await hass.async_block_till_done()
    assert hass.states.get("switch.kettle").state == "on"


async def test_what_stage_are_you(hass: HomeAssistant, assistant: MockConfigEntry) -> None:
    answer = await say(hass, "what stage are you in")
    assert answer.startswith("I'm in the child stage, 24 days old.")


async def test_style_feedback_teaches_the_bandit(
    hass: HomeAssistant, assistant: MockConfigEntry
) -> None:
    learner = assistant.runtime_data.learner
    assert await say(hass, "shorter please") == "Okay, I'll keep it short."
    assert learner.preferences["communication_style"]["length"] == "brief"
    for _ in range(6):
        assert await say(hass, "more detail please") == "Okay, I'll tell you more."
    assert learner.preferences["communication_style"]["length"] == "detailed"
    assert await say(hass, "that was helpful") == "Thanks, noted."
    assert await say(hass, "that was not helpful") == SORRY
    assert "style_bandit" in learner.preferences


async def test_teaching_by_voice_makes_the_phrase_work(
    hass: HomeAssistant, assistant: MockConfigEntry
) -> None:
    answer = await say(hass, "when I say movie time turn on hall lamp")
    assert answer == 'Got it. When you say "movie time", I\'ll do that to hall lamp.'
    await hass.async_block_till_done()
    # It runs inside AisthOS: nothing is written to automations.yaml.
    assert (Path(hass.config.config_dir) / "automations.yaml").read_text() == "[]\n"
    assert [t["phrase"] for t in assistant.runtime_data.learner.teachings] == ["movie time"]
    assert hass.states.get("input_boolean.hall_lamp").state == "off"
    await say(hass, "movie time")
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.hall_lamp").state == "on"


async def test_teach_service_refuses_unsafe_phrases(
    hass: HomeAssistant, assistant: MockConfigEntry
) -> None:
    from homeassistant.exceptions import HomeAssistantError

    for phrase in ("{{ states }}", "[optional] (a|b)", "x", "movie time\nactions: []", "a" * 80):
        with pytest.raises(HomeAssistantError):
            await hass.services.async_call(
                DOMAIN, "teach",
                {"phrase": phrase, "entity_id": "input_boolean.hall_lamp", "action": "turn_on"},
                blocking=True,
            )  # fmt: skip
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN,
            "teach",
            {"phrase": "wipe", "entity_id": "automation.anything", "action": "turn_on"},
            blocking=True,
        )
    response = await hass.services.async_call(
        DOMAIN, "teach",
        {"phrase": "good night", "entity_id": "input_boolean.hall_lamp", "action": "turn_off"},
        blocking=True, return_response=True,
    )  # fmt: skip
    assert response["automation_id"].startswith("aisthos_t_")


async def test_helpful_right_after_a_skill_acted_is_feedback_for_it(
    hass: HomeAssistant, assistant: MockConfigEntry
) -> None:
    book = assistant.runtime_data.learner.book
    before = book.confidence("s_0123456789")
    assert await say(hass, "that was not helpful") == SORRY
    assert book.confidence("s_0123456789") == before  # nothing acted: only the style learns
    await assistant.runtime_data.skills.runner.async_trigger("aisthos_s_0123456789")
    await hass.async_block_till_done()
    assert await say(hass, "that was not helpful") == SORRY
    assert book.confidence("s_0123456789") < before
    assert book.decision("s_0123456789").counts["not_helpful"] == 1
