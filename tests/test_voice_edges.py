"""Assist answers at their edges: unknown names, styles the household taught, stages."""

from __future__ import annotations

import itertools
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import CONF_SECRET, DOMAIN
from custom_components.aisthos.engine.skill_book import SkillBook, Status
from custom_components.aisthos.engine.style_bandit import (
    DIMENSIONS,
    Style,
    StyleBandit,
    StyleContext,
)
from custom_components.aisthos.language import load_language
from custom_components.aisthos.voice import BANDIT_KEY
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .conftest import default_options
from .helpers import grown_to
from .test_skill_manager_edges import LOCK, add_lock_skill, assistant_home
from .test_voice import say


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


@pytest.fixture
async def home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    return await assistant_home(hass, freezer)


def teach_style(entry: MockConfigEntry, liked: Style) -> None:
    """The household liked one style and no other, many times, as the saved preferences show."""
    now = dt_util.now()
    ctx = StyleContext(now.hour, now.weekday() >= 5, "voice")
    bandit = StyleBandit(seed=1)
    for _ in range(20):
        for style in ALL_STYLES:
            bandit.feedback(ctx, style, "helpful" if style == liked else "not_helpful")
    entry.runtime_data.learner.preferences[BANDIT_KEY] = bandit.as_dict()
    entry.runtime_data.voice.reload_preferences()


ALL_STYLES = [Style(*options) for options in itertools.product(*DIMENSIONS.values())]
BRIEF = Style("brief", "prose", "quiet")
DETAILED_LIST = Style("detailed", "list", "quiet")
DETAILED_PROSE = Style("detailed", "prose", "quiet")


async def test_brief_answers_for_a_household_that_likes_them_short(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    teach_style(home, BRIEF)
    days = home.runtime_data.learner.book.skills["s_0123456789"].learned_from
    assert await say(hass, "what have you learned") == (
        "I know 2 routines. The surest is Evening hall motion: Hall light."
    )
    assert await say(hass, "explain evening hall motion") == (
        f"Evening hall motion: Hall light, because I saw it on {days} days."
    )


async def test_detailed_answers_as_a_list_or_as_prose(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    teach_style(home, DETAILED_LIST)
    answer = await say(hass, "what have you learned")
    lines = answer.split("\n")
    assert lines[0] == "I know 2 routines:"
    assert lines[1].startswith("- Evening hall motion: Hall light, ")
    days = home.runtime_data.learner.book.skills["s_0123456789"].learned_from
    assert lines[1].endswith(f"sure, seen on {days} days")
    assert lines[2].startswith("- Weekend routine: Kettle, ")
    explained = await say(hass, "explain evening hall motion")
    assert (
        explained
        == "Evening hall motion: Hall light: Seen on 9 of 10 weekdays between 18:50 and 19:20."
    )

    teach_style(home, DETAILED_PROSE)
    answer = await say(hass, "what have you learned")
    assert answer.startswith("I know 2 routines: Evening hall motion: Hall light, ")
    assert "; Weekend routine: Kettle, " in answer
    assert answer.endswith(".")
    assert "\n" not in answer


async def test_a_reaction_is_about_the_answer_just_given(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    voice = home.runtime_data.voice
    teach_style(home, DETAILED_LIST)
    await say(hass, "what have you learned")
    assert voice.last is not None
    ctx, used = voice.last
    before = voice.bandit.confidence(ctx)["length"]
    assert await say(hass, "shorter please") == "Okay, I'll keep it short."
    # The "shorter" was about the detailed answer just given: less sure of "detailed".
    assert voice.bandit.confidence(ctx)["length"] != before
    assert used.length == "detailed"


async def test_nothing_learned_yet(hass: HomeAssistant, home: MockConfigEntry) -> None:
    home.runtime_data.learner.book = SkillBook()
    assert await say(hass, "what have you learned") == (
        "I have not learned any routines yet. I watch and learn every night."
    )


async def test_a_name_that_is_no_routine_is_left_to_home_assistant(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    """Only names of known routines are AisthOS's: the rest is HA's to answer."""
    for sentence in ("explain garden sprinkler", "run the skill garden sprinkler"):
        answer = await say(hass, sentence)
        assert answer.startswith("Sorry, I"), answer  # HA's own answer
        assert "routine" not in answer


async def test_an_unsafe_skill_is_not_run_by_voice(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    add_lock_skill(home)
    answer = await say(hass, "run morning front door")
    assert answer.startswith("I can't run Morning: Front door safely: ")
    assert hass.states.get("lock.front").state == "locked"
    assert home.runtime_data.learner.book.status(LOCK) is Status.LEARNED


async def test_approve_with_nothing_waiting(hass: HomeAssistant, home: MockConfigEntry) -> None:
    await home.runtime_data.skills.async_reject("s_9876543210")
    assert await say(hass, "approve the last suggestion") == "There is no suggestion waiting."


async def test_an_adult_is_fully_grown(hass: HomeAssistant, home: MockConfigEntry) -> None:
    home.runtime_data.learner.growth = grown_to("adult", born_days_ago=120)
    assert await say(hass, "what stage are you in") == (
        "I'm in the adult stage, 120 days old. I'm fully grown."
    )


async def test_a_detailed_child_says_what_it_still_needs(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    teach_style(home, DETAILED_PROSE)
    home.runtime_data.learner.growth = grown_to("child", born_days_ago=10)
    answer = await say(hass, "what stage are you in")
    assert answer == (
        "I'm in the child stage, 10 days old. To become teen I still need "
        "20 more days, 1000 more sparks, 1 more approved skills."
    )


async def test_teaching_an_unknown_thing_or_an_unsafe_phrase(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    assert await say(hass, "when I say movie time turn on the garden pump") == (
        "I couldn't find garden pump."
    )
    answer = await say(hass, "when I say x turn on hall lamp")
    assert answer.startswith("I can't learn that safely: ")
    assert home.runtime_data.learner.teachings == []
    text = (Path(hass.config.config_dir) / "automations.yaml").read_text()
    assert "trigger: conversation" not in text


def test_unknown_or_odd_languages_fall_back_to_english() -> None:
    english = load_language("en")
    assert english["language"] == "en"
    for language in ("xx-YY", "../../etc/passwd", "EN-gb", ""):
        assert load_language(language) == english


async def test_voice_starts_when_assist_loads_later(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SECRET: "ab" * 32}, options=default_options())
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # The language is there at once (notifications need it); the sentences wait.
    assert entry.runtime_data.voice.language["language"] == "en"
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()
    assert await say(hass, "what have you learned") == (
        "I have not learned any routines yet. I watch and learn every night."
    )
