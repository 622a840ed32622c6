"""An Adult's offers follow the learned initiative, and every reaction to one teaches it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aisthos.engine.skill import Action, Signature
from custom_components.aisthos.engine.skill_book import Status
from custom_components.aisthos.engine.style_bandit import Style, StyleBandit, StyleContext
from custom_components.aisthos.offer_desk import OFFER_NOTIFICATION_ID, Offer
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.util import dt as dt_util

from .helpers import grown_to
from .test_skill_manager_edges import KETTLE, assistant_home, notifications
from .test_voice import say

EXPLANATION = "Seen on 4 of 4 weekend days between 09:10 and 09:50."
# The kettle routine, moved to weekday evenings at 18:00: offered at 17:55, on
# a Wednesday afternoon; an answer a quarter of an hour later is in the evening.
OFFERED_IN = StyleContext(17, False, "notification")


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=dt_util.get_default_time_zone())


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


@pytest.fixture
async def adult(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """An Adult AisthOS (no style learned yet) with a kettle routine at 18:00 on weekdays."""
    entry = await assistant_home(hass, freezer)
    runtime = entry.runtime_data
    runtime.learner.growth = grown_to("adult", born_days_ago=120)
    book = runtime.learner.book
    habit = replace(
        book.skills[KETTLE].conditions,
        start=18 * 60,
        end=18 * 60 + 20,
        days=("mon", "tue", "wed", "thu", "fri"),
    )
    book.skills[KETTLE] = replace(book.skills[KETTLE], conditions=habit)
    runtime.voice.bandit = StyleBandit(seed=5)
    return entry


async def offer_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Wednesday 17:55, five minutes before the routine's usual time."""
    freezer.move_to(at(17, 55))
    async_fire_time_changed(hass, at(17, 55))
    await hass.async_block_till_done()


async def make_offer(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> tuple[Offer, dict[str, Any]]:
    """Make the 17:55 offer; return it and the style state before any answer."""
    await offer_time(hass, freezer)
    offer = adult.runtime_data.skills.open_offer()
    assert offer is not None
    return offer, adult.runtime_data.voice.bandit.as_dict()


def teach(entry: MockConfigEntry, kind: str, times: int = 3) -> None:
    """Reactions the household gave to earlier offers at this time."""
    for _ in range(times):
        entry.runtime_data.voice.bandit.feedback(OFFERED_IN, Style(), kind)


def expected_after(before: dict[str, object], kind: str, style: Style) -> dict[str, object]:
    """The bandit's state after exactly one reaction, in the context the offer was made in."""
    bandit = StyleBandit.from_dict(before)
    bandit.feedback(OFFERED_IN, style, kind)
    return bandit.as_dict()


async def test_with_no_evidence_an_adult_offers_anyway(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = adult.runtime_data.voice
    # The bandit's default initiative is quiet; unsure, the Adult explores by offering.
    assert voice.bandit.best(OFFERED_IN).initiative == "quiet"
    for seed in range(20):
        voice.bandit = StyleBandit(seed=seed)
        assert voice.offer_style(OFFERED_IN).initiative == "proactive"
    await offer_time(hass, freezer)
    assert adult.runtime_data.skills.current_offer() == KETTLE
    assert notifications(hass)[OFFER_NOTIFICATION_ID]["message"].startswith(
        "It's 17:55, shall I do **"
    )


async def test_one_dismissal_silences_offers_there_a_second_one_everywhere(
    hass: HomeAssistant, adult: MockConfigEntry
) -> None:
    voice = adult.runtime_data.voice
    weekend_morning = StyleContext(9, True, "notification")
    offered = Style(initiative="proactive")
    voice.bandit.feedback(OFFERED_IN, offered, "dismissed")
    assert voice.offer_style(OFFERED_IN).initiative == "quiet"
    assert voice.offer_style(weekend_morning).initiative == "proactive"
    voice.bandit.feedback(OFFERED_IN, offered, "dismissed")
    assert voice.offer_style(weekend_morning).initiative == "quiet"
    # Welcomed offers elsewhere bring them back there.
    for _ in range(2):
        voice.bandit.feedback(weekend_morning, offered, "approved")
    assert voice.offer_style(weekend_morning).initiative == "proactive"
    assert voice.offer_style(OFFERED_IN).initiative == "quiet"


async def test_fewer_suggestions_said_several_times_silences_offers(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(at(17, 40))
    for _ in range(3):
        assert await say(hass, "fewer suggestions please") == "Okay, fewer suggestions from me."
    voice = adult.runtime_data.voice
    assert voice.bandit.best(OFFERED_IN).initiative == "quiet"
    assert voice.bandit.confidence(OFFERED_IN)["initiative"] > 0.9
    await offer_time(hass, freezer)
    assert adult.runtime_data.skills.current_offer() is None
    assert OFFER_NOTIFICATION_ID not in notifications(hass)


async def test_a_proactive_household_gets_offers_brief_or_detailed(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(at(17, 40))
    for _ in range(3):
        assert await say(hass, "you can suggest things") == (
            "Okay, I'll suggest things when I notice them."
        )
    teach(adult, "more_detail")
    await offer_time(hass, freezer)
    offer = adult.runtime_data.skills.open_offer()
    assert offer is not None
    assert offer.style == Style("detailed", offer.style.form, "proactive")
    message = notifications(hass)[OFFER_NOTIFICATION_ID]["message"]
    assert message.startswith("It's 17:55, shall I do **")
    assert f"(Weekend routine: Kettle)? {EXPLANATION} " in message
    assert message.endswith('Say "yes, do it" to Assist.')


async def test_a_brief_offer_gives_no_reasons(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    teach(adult, "approved")
    teach(adult, "shorter")
    await offer_time(hass, freezer)
    message = notifications(hass)[OFFER_NOTIFICATION_ID]["message"]
    assert EXPLANATION not in message
    assert message.endswith('(Weekend routine: Kettle)? Say "yes, do it" to Assist.')


async def test_yes_to_an_offer_is_approved_initiative_where_it_was_offered(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = adult.runtime_data.voice
    offer, before = await make_offer(hass, adult, freezer)
    assert offer.context == OFFERED_IN
    freezer.move_to(at(18, 10))  # evening now; the offer was made in the afternoon
    assert await say(hass, "yes, do it") == "Done: Weekend routine: Kettle."
    await hass.async_block_till_done()
    assert hass.states.get("switch.kettle").state == "on"
    # Answered: its notification is taken down, which is not the household dismissing it.
    assert OFFER_NOTIFICATION_ID not in notifications(hass)
    assert voice.bandit.as_dict() == expected_after(before, "approved", offer.style)
    assert voice.bandit.best(OFFERED_IN).initiative == "proactive"
    # Saying it again runs it again, but is not a second approval.
    assert await say(hass, "yes do it") == "Done: Weekend routine: Kettle."
    assert voice.bandit.as_dict() == expected_after(before, "approved", offer.style)
    # The skill itself is still only proposed: the offer ran it once.
    assert adult.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED


async def test_no_to_an_offer_is_rejected_initiative_and_ends_the_offer(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = adult.runtime_data.voice
    manager = adult.runtime_data.skills
    offer, before = await make_offer(hass, adult, freezer)
    freezer.move_to(at(18, 10))
    assert await say(hass, "no, don't do that") == (
        "All right, I'll leave Weekend routine: Kettle for now."
    )
    await hass.async_block_till_done()
    assert voice.bandit.as_dict() == expected_after(before, "rejected", offer.style)
    assert manager.current_offer() is None
    assert OFFER_NOTIFICATION_ID not in notifications(hass)
    assert hass.states.get("switch.kettle").state == "off"
    # Not now is not never: the proposal still waits in Repairs.
    assert adult.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED


@pytest.mark.parametrize("by_service", [False, True])
async def test_dismissing_an_offer_is_dismissed_initiative(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory, by_service: bool
) -> None:
    voice = adult.runtime_data.voice
    offer, before = await make_offer(hass, adult, freezer)
    freezer.move_to(at(18, 10))
    persistent_notification.async_create(hass, "Something else", notification_id="other")
    persistent_notification.async_dismiss(hass, "other")  # not the offer: nothing learned
    await hass.async_block_till_done()
    assert voice.bandit.as_dict() == before
    if by_service:
        await hass.services.async_call(
            "persistent_notification",
            "dismiss",
            {"notification_id": OFFER_NOTIFICATION_ID},
            blocking=True,
        )
    else:
        persistent_notification.async_dismiss(hass, OFFER_NOTIFICATION_ID)
    await hass.async_block_till_done()
    assert voice.bandit.as_dict() == expected_after(before, "dismissed", offer.style)
    assert voice.bandit.best(OFFERED_IN).initiative == "quiet"
    # A "yes" after all still runs it, but the first reaction was the one learned.
    assert await say(hass, "yes do it") == "Done: Weekend routine: Kettle."
    assert voice.bandit.as_dict() == expected_after(before, "dismissed", offer.style)


async def test_dismissals_are_not_watched_after_unloading(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = adult.runtime_data.voice
    await offer_time(hass, freezer)
    assert OFFER_NOTIFICATION_ID in notifications(hass)
    before = voice.bandit.as_dict()
    assert await hass.config_entries.async_unload(adult.entry_id)
    # An offer nobody can answer any more is taken down, which teaches nothing.
    assert OFFER_NOTIFICATION_ID not in notifications(hass)
    persistent_notification.async_dismiss(hass, OFFER_NOTIFICATION_ID)
    await hass.async_block_till_done()
    assert voice.bandit.as_dict() == before


NO_QUESTION = "I haven't asked you anything just now."


async def test_no_twice_never_rejects_the_proposal(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await offer_time(hass, freezer)
    assert await say(hass, "no, don't do that") == (
        "All right, I'll leave Weekend routine: Kettle for now."
    )
    assert await say(hass, "no, don't do that") == NO_QUESTION
    # A "yes" after the "no" finds no question either: nothing runs, nothing is approved.
    assert await say(hass, "yes, do it") == NO_QUESTION
    assert hass.states.get("switch.kettle").state == "off"
    assert adult.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED


async def test_an_unanswered_offer_expires_after_half_an_hour(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = adult.runtime_data.voice
    await offer_time(hass, freezer)
    before = voice.bandit.as_dict()
    freezer.move_to(at(18, 26))
    async_fire_time_changed(hass, at(18, 26))
    await hass.async_block_till_done()
    assert OFFER_NOTIFICATION_ID not in notifications(hass)
    # Silence is not a "no": nothing learned, and a late "yes" asks nothing.
    assert voice.bandit.as_dict() == before
    assert await say(hass, "yes, do it") == NO_QUESTION
    assert hass.states.get("switch.kettle").state == "off"
    assert adult.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED


@pytest.mark.parametrize("sentence", ["undo that", "no, don't do that"])
async def test_what_an_offer_ran_can_be_undone(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory, sentence: str
) -> None:
    await offer_time(hass, freezer)
    assert await say(hass, "yes, do it") == "Done: Weekend routine: Kettle."
    assert hass.states.get("switch.kettle").state == "on"
    freezer.move_to(at(17, 58))
    assert await say(hass, sentence) == "Undone: Weekend routine: Kettle."
    await hass.async_block_till_done()
    assert hass.states.get("switch.kettle").state == "off"
    # Undone once; the proposal is untouched.
    assert await say(hass, "undo that") == "I haven't done anything on my own recently."
    assert adult.runtime_data.learner.book.status(KETTLE) is Status.PROPOSED


async def test_an_offer_run_is_not_undone_ten_minutes_later(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await offer_time(hass, freezer)
    assert await say(hass, "yes, do it") == "Done: Weekend routine: Kettle."
    freezer.move_to(at(18, 6))
    assert await say(hass, "undo that") == "I haven't done anything on my own recently."
    assert hass.states.get("switch.kettle").state == "on"


async def test_approving_the_offered_proposal_explicitly_answers_the_offer(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = adult.runtime_data.voice
    manager = adult.runtime_data.skills
    offer, before = await make_offer(hass, adult, freezer)
    assert manager.last_proposal() == KETTLE
    assert await say(hass, "approve the last suggestion") == (
        "Done. Weekend routine: Kettle will now run by itself."
    )
    assert adult.runtime_data.learner.book.status(KETTLE) is Status.APPROVED
    assert manager.current_offer() is None
    assert OFFER_NOTIFICATION_ID not in notifications(hass)
    # The offer's answer, then the proposal's approval: both teach initiative.
    expected = StyleBandit.from_dict(expected_after(before, "approved", offer.style))
    assert (
        voice.bandit.confidence(OFFERED_IN)["initiative"]
        >= expected.confidence(OFFERED_IN)["initiative"]
    )


async def test_rejecting_the_offered_proposal_explicitly_answers_the_offer(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    voice = adult.runtime_data.voice
    manager = adult.runtime_data.skills
    _offer, before = await make_offer(hass, adult, freezer)
    assert await say(hass, "reject the last suggestion") == (
        "All right, I won't do Weekend routine: Kettle."
    )
    assert adult.runtime_data.learner.book.status(KETTLE) is Status.REJECTED
    assert manager.current_offer() is None
    assert OFFER_NOTIFICATION_ID not in notifications(hass)
    # The offer's "no" was learned where it was made (the rejection on top).
    assert (
        voice.bandit.confidence(OFFERED_IN)["initiative"]
        > StyleBandit.from_dict(before).confidence(OFFERED_IN)["initiative"]
    )
    assert voice.bandit.best(OFFERED_IN).initiative == "quiet"


async def test_undoing_a_locked_door_is_refused(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    learner = adult.runtime_data.learner
    lock = Signature(learner.ref_of("lock.front"), "locked", "lock", "lock", "hallway")
    learner.book.skills[KETTLE] = replace(learner.book.skills[KETTLE], actions=(Action(lock),))
    locked: list[str] = []

    async def lock_service(call: ServiceCall) -> None:
        locked.append(str(call.data["entity_id"]))

    # This home's lock platform: only what the test needs of it.
    hass.services.async_register("lock", "lock", lock_service)
    await offer_time(hass, freezer)
    assert await say(hass, "yes, do it") == "Done: Weekend routine: Kettle."
    assert locked == ["lock.front"]
    answer = await say(hass, "undo that")
    assert answer.startswith("I can't run Weekend routine: Kettle safely: ")
    assert "never automated" in answer
    assert not hass.services.has_service("lock", "unlock")


async def test_a_routine_that_can_never_run_is_never_offered(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    learner = adult.runtime_data.learner
    unlock = Signature(learner.ref_of("lock.front"), "unlocked", "lock", "lock", "hallway")
    learner.book.skills[KETTLE] = replace(learner.book.skills[KETTLE], actions=(Action(unlock),))
    await offer_time(hass, freezer)
    assert adult.runtime_data.skills.current_offer() is None
    assert OFFER_NOTIFICATION_ID not in notifications(hass)


async def test_a_reload_does_not_offer_the_same_routine_again_that_day(
    hass: HomeAssistant, adult: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await offer_time(hass, freezer)
    assert await say(hass, "no, don't do that") == (
        "All right, I'll leave Weekend routine: Kettle for now."
    )
    assert await hass.config_entries.async_reload(adult.entry_id)
    await hass.async_block_till_done()
    runtime = adult.runtime_data
    runtime.learner.growth = grown_to("adult", born_days_ago=120)
    runtime.voice.bandit = StyleBandit(seed=5)
    async_fire_time_changed(hass, at(17, 55))
    await hass.async_block_till_done()
    assert runtime.skills.current_offer() is None
    assert OFFER_NOTIFICATION_ID not in notifications(hass)
