"""Spoken corrections for every style dimension, end to end through Assist."""

from __future__ import annotations

from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.engine.style_bandit import StyleBandit, StyleContext
from homeassistant.components.conversation import ConversationInput
from homeassistant.components.conversation.agent_manager import get_agent_manager
from homeassistant.core import Context, HomeAssistant
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home
from .test_voice import SORRY, say

AS_LIST = "Okay, I'll use lists."
AS_PROSE = "Okay, I'll use full sentences."
QUIETER = "Okay, fewer suggestions from me."
MORE_PROACTIVE = "Okay, I'll suggest things when I notice them."
SHORTER = "Okay, I'll keep it short."
MORE_DETAIL = "Okay, I'll tell you more."

# What the household may say, and the answer of the one intent it must reach.
CORRECTIONS = [
    ("as a list", AS_LIST),
    ("in a list please", AS_LIST),
    ("use a list", AS_LIST),
    ("use bullet points please", AS_LIST),
    ("list them", AS_LIST),
    ("in full sentences please", AS_PROSE),
    ("use sentences", AS_PROSE),
    ("no lists please", AS_PROSE),
    ("no bullet points", AS_PROSE),
    ("just tell me", AS_PROSE),
    ("fewer suggestions please", QUIETER),
    ("less suggestions", QUIETER),
    ("stop suggesting things", QUIETER),
    ("don't keep suggesting things", QUIETER),
    ("be quieter", QUIETER),
    ("more suggestions please", MORE_PROACTIVE),
    ("you can suggest things", MORE_PROACTIVE),
    ("feel free to suggest things", MORE_PROACTIVE),
    ("feel free to offer things", MORE_PROACTIVE),
    ("tell me when you notice something", MORE_PROACTIVE),
    ("tell me if you spot something", MORE_PROACTIVE),
    # The older ones still reach only their own intent.
    ("tell me more", MORE_DETAIL),
    ("tell me more details please", MORE_DETAIL),
    ("more details please", MORE_DETAIL),
    ("shorter please", SHORTER),
    ("keep it brief", SHORTER),
    ("that was not helpful", SORRY),
]


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


@pytest.fixture
async def assistant(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """The Assist home of test_voice, with a style bandit that knows nothing yet."""
    freezer.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=dt_util.get_default_time_zone()))
    entry = await setup_assistant_home(hass)
    entry.runtime_data.voice.bandit = StyleBandit(seed=3)
    return entry


def now_context(channel: str) -> StyleContext:
    now = dt_util.now()
    return StyleContext(now.hour, now.weekday() >= 5, channel)


@pytest.mark.parametrize(("sentence", "answer"), CORRECTIONS)
async def test_each_correction_reaches_exactly_its_intent(
    hass: HomeAssistant, assistant: MockConfigEntry, sentence: str, answer: str
) -> None:
    agent = get_agent_manager(hass).default_agent
    assert agent is not None
    spoken = ConversationInput(sentence, Context(), None, None, None, "en", "")
    matched = await agent.async_recognize_sentence_trigger(spoken)
    assert matched is not None
    # Every matching trigger would run: one sentence, one reaction.
    assert len(matched.matched_triggers) == 1, matched.matched_triggers
    assert await say(hass, sentence) == answer


async def test_form_corrections_move_the_form_of_the_last_answer(
    hass: HomeAssistant, assistant: MockConfigEntry
) -> None:
    voice = assistant.runtime_data.voice
    learner = assistant.runtime_data.learner
    await say(hass, "what have you learned")
    assert voice.last is not None
    ctx = voice.last[0]
    assert voice.bandit.confidence(ctx)["form"] == 0.5
    assert await say(hass, "as a list please") == AS_LIST
    assert voice.bandit.best(ctx).form == "list"
    assert voice.bandit.confidence(ctx)["form"] > 0.6
    assert learner.preferences["communication_style"]["form"] == "list"
    # Only the form was asked about.
    assert voice.bandit.confidence(ctx)["length"] == 0.5
    assert voice.bandit.confidence(ctx)["initiative"] == 0.5
    for _ in range(2):
        assert await say(hass, "in full sentences please") == AS_PROSE
    assert voice.bandit.best(ctx).form == "prose"
    assert learner.preferences["communication_style"]["form"] == "prose"


async def test_initiative_corrections_move_the_initiative_of_suggestions(
    hass: HomeAssistant, assistant: MockConfigEntry
) -> None:
    voice = assistant.runtime_data.voice
    offers = now_context("notification")
    assert await say(hass, "fewer suggestions please") == QUIETER
    assert voice.bandit.best(offers).initiative == "quiet"
    assert voice.bandit.confidence(offers)["initiative"] > 0.6
    assert voice.bandit.confidence(offers)["length"] == 0.5
    assert voice.bandit.confidence(offers)["form"] == 0.5
    for _ in range(2):
        assert await say(hass, "feel free to suggest things") == MORE_PROACTIVE
    assert voice.bandit.best(offers).initiative == "proactive"
    assert voice.bandit.confidence(offers)["initiative"] > 0.6
    prefs = assistant.runtime_data.learner.preferences
    assert prefs["communication_style"]["initiative"] == "proactive"


async def test_a_correction_after_not_helpful_is_about_the_same_answer(
    hass: HomeAssistant, assistant: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = assistant.runtime_data.voice
    freezer.move_to(datetime(2026, 11, 25, 11, 59, tzinfo=dt_util.get_default_time_zone()))
    await say(hass, "what have you learned")  # a morning answer
    assert voice.last is not None
    answered = voice.last
    expected = StyleBandit.from_dict(voice.bandit.as_dict())
    freezer.move_to(datetime(2026, 11, 25, 12, 1, tzinfo=dt_util.get_default_time_zone()))
    # The household answers in the afternoon: the question says what can change.
    assert await say(hass, "that wasn't helpful") == SORRY
    assert await say(hass, "use bullet points") == AS_LIST
    assert voice.last == answered
    ctx, style = answered
    assert ctx.hour == 11
    expected.feedback(ctx, style, "not_helpful")
    expected.feedback(ctx, style, "as_list")
    # Both reactions landed on the morning answer's context and style, nothing else.
    assert voice.bandit.as_dict() == expected.as_dict()
    assert voice.bandit.best(ctx).form == "list"


async def test_explain_more_asks_for_detail_not_for_a_skill_called_more(
    hass: HomeAssistant, assistant: MockConfigEntry
) -> None:
    voice = assistant.runtime_data.voice
    await say(hass, "what have you learned")
    assert voice.last is not None
    ctx = voice.last[0]
    # Both "explain {skill}" and "explain more" match; only the detail answers.
    for sentence in ("explain more", "explain more please", "explain more details"):
        assert await say(hass, sentence) == MORE_DETAIL
    assert voice.bandit.best(ctx).length == "detailed"
    assert await say(hass, "explain the skill moonwalk") == "Sorry, I couldn't understand that"
