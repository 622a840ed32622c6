"""Growth: stages by age and evidence, never skipped, and what each stage may do."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.growth import Growth, Stage
from custom_components.aisthos.engine.skill_book import Status
from custom_components.aisthos.engine.style_bandit import Style, StyleBandit, StyleContext
from homeassistant.components.conversation import async_converse
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home
from .helpers import running
from .wisdom_samples import VALID

BORN = date(2026, 1, 1)


def test_stages_need_age_and_evidence() -> None:
    growth = Growth(born=BORN)
    assert growth.advance(BORN + timedelta(days=2), sparks=10_000, approved=10) is None
    assert growth.needs(BORN + timedelta(days=2), 10, 0) == {"days": 1, "sparks": 40}
    assert growth.advance(BORN + timedelta(days=3), sparks=49, approved=0) is None
    assert growth.advance(BORN + timedelta(days=3), sparks=50, approved=0) is Stage.CHILD


def test_stages_are_never_skipped() -> None:
    growth = Growth(born=BORN)
    late = BORN + timedelta(days=400)
    reached = [growth.advance(late, sparks=100_000, approved=50) for _ in range(5)]
    assert reached == [Stage.CHILD, Stage.TEEN, Stage.ADULT, None, None]
    assert [s for s, _ in growth.history] == [Stage.INFANT, Stage.CHILD, Stage.TEEN, Stage.ADULT]
    skipped = {"stage": "teen", "born": "2026-01-01", "history": [{"stage": "infant", "since": "2026-01-01"}, {"stage": "teen", "since": "2026-02-01"}]}  # fmt: skip
    with pytest.raises(ValueError, match="none skipped"):
        Growth.from_dict(skipped)
    assert Growth.from_dict(growth.as_dict()).as_dict() == growth.as_dict()


def test_what_each_stage_may_do() -> None:
    allowed = {}
    growth = Growth(born=BORN)
    for _ in range(4):
        allowed[growth.stage] = (growth.may_propose, growth.may_act_alone, growth.may_anticipate)
        growth.advance(BORN + timedelta(days=400), 100_000, 50)
    assert allowed == {
        Stage.INFANT: (False, False, False),
        Stage.CHILD: (True, False, False),
        Stage.TEEN: (True, True, False),
        Stage.ADULT: (True, True, True),
    }


def document(stage: str, confidence: float) -> dict[str, Any]:
    """VALID, at a given stage, with the weekend skill waiting at some confidence."""
    doc = copy.deepcopy(VALID)
    order = ["infant", "child", "teen", "adult"]
    upto = order.index(stage) + 1
    doc["growth"] = {
        "stage": stage,
        "born": "2026-06-01",
        "history": [{"stage": s, "since": f"2026-0{6 + i}-01"} for i, s in enumerate(order[:upto])],
    }
    doc["skills"][1]["confidence"] = confidence
    return doc


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automations keep a timer."""
    return True


async def grow(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stage: str,
    confidence: float,
    when: datetime,
) -> MockConfigEntry:
    freezer.move_to(when)
    return await setup_assistant_home(hass, document(stage, confidence), mode="replace")


def notifications(hass: HomeAssistant) -> dict[str, Any]:
    return dict(hass.data.get("persistent_notification", {}))


SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=dt_util.get_default_time_zone())


async def test_infant_only_learns_from_teaching(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await grow(hass, freezer, "infant", 0.9, SATURDAY_NOON)
    book = entry.runtime_data.learner.book
    assert book.status("s_9876543210") is Status.LEARNED
    assert "aisthos_proposals" not in notifications(hass)
    assert hass.states.get("sensor.aisthos_stage").state == "infant"


async def test_child_proposes_but_does_not_act(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await grow(hass, freezer, "child", 0.9, SATURDAY_NOON)
    book = entry.runtime_data.learner.book
    assert book.status("s_9876543210") is Status.PROPOSED
    assert "aisthos_proposals" in notifications(hass)
    assert [i for d, i in ir.async_get(hass).issues if d == DOMAIN] == []  # not in Repairs
    stage = hass.states.get("sensor.aisthos_stage")
    assert stage.state == "child"
    assert stage.attributes["next_stage"] == "teen"
    assert set(stage.attributes["next_stage_needs"]) >= {"sparks"}


async def test_teen_acts_alone_on_sure_skills_with_one_step_undo(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await grow(hass, freezer, "teen", 0.9, SATURDAY_NOON)
    book = entry.runtime_data.learner.book
    assert book.status("s_9876543210") is Status.APPROVED
    assert "aisthos_autonomous_s_9876543210" in notifications(hass)
    assert "aisthos_s_9876543210" in running(entry)
    # A voice without a user (a satellite) may only pause it.
    result = await async_converse(hass, "undo that", None, Context(), language="en")
    assert result.response.speech["plain"]["speech"] == (
        "Paused: Weekend routine: Kettle. An administrator can remove it for good."
    )
    assert book.status("s_9876543210") is Status.PAUSED
    # An administrator's "undo that" takes it back for good.
    book.set_status("s_9876543210", Status.APPROVED, SATURDAY_NOON.date())
    admin = await hass.auth.async_create_user("Admin", group_ids=["system-admin"])
    result = await async_converse(hass, "undo that", None, Context(user_id=admin.id), language="en")
    assert (
        result.response.speech["plain"]["speech"]
        == "Undone: I switched Weekend routine: Kettle off again."
    )
    assert book.status("s_9876543210") is Status.REJECTED
    assert "aisthos_s_9876543210" not in running(entry)


async def test_teen_proposes_what_it_is_less_sure_of(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await grow(hass, freezer, "teen", 0.6, SATURDAY_NOON)
    assert entry.runtime_data.learner.book.status("s_9876543210") is Status.PROPOSED


async def test_adult_gives_feedback_on_routines(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=dt_util.get_default_time_zone())
    await grow(hass, freezer, "adult", 0.6, sunday)
    # Sunday's run: feedback on the approved routine, which missed a day that week.
    assert "aisthos_weekly_feedback" in notifications(hass)
    assert "4 of 5 days" in notifications(hass)["aisthos_weekly_feedback"]["message"]


async def test_child_gives_no_routine_feedback(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=dt_util.get_default_time_zone())
    await grow(hass, freezer, "child", 0.6, sunday)
    assert "aisthos_weekly_feedback" not in notifications(hass)


async def test_adult_anticipates(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    tz = dt_util.get_default_time_zone()
    entry = await grow(hass, freezer, "adult", 0.6, datetime(2026, 11, 28, 8, 0, tzinfo=tz))
    # Saturday 09:05, five minutes before the kettle routine's window: an offer.
    offer_time = datetime(2026, 11, 28, 9, 5, tzinfo=tz)
    freezer.move_to(offer_time)
    async_fire_time_changed(hass, offer_time)
    await hass.async_block_till_done()
    assert "aisthos_offer" in notifications(hass)
    assert notifications(hass)["aisthos_offer"]["message"].startswith("It's 09:05, shall I do")
    assert hass.states.get("switch.kettle").state == "off"
    result = await async_converse(hass, "yes do it", None, Context(), language="en")
    assert result.response.speech["plain"]["speech"] == "Done: Weekend routine: Kettle."
    await hass.async_block_till_done()
    assert hass.states.get("switch.kettle").state == "on"
    assert entry.runtime_data.learner.growth.stage is Stage.ADULT


async def test_a_routine_that_holds_all_day_has_no_time_to_anticipate(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    tz = dt_util.get_default_time_zone()
    doc = document("adult", 0.6)
    doc["skills"][1]["conditions"] |= {"after": "00:00", "before": "23:59"}
    freezer.move_to(datetime(2026, 11, 28, 23, 50, tzinfo=tz))
    await setup_assistant_home(hass, doc, mode="replace")
    offer_time = datetime(2026, 11, 28, 23, 55, tzinfo=tz)  # five minutes before "00:00"
    freezer.move_to(offer_time)
    async_fire_time_changed(hass, offer_time)
    await hass.async_block_till_done()
    assert "aisthos_offer" not in notifications(hass)


async def test_younger_stages_do_not_anticipate(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    tz = dt_util.get_default_time_zone()
    await grow(hass, freezer, "teen", 0.6, datetime(2026, 11, 28, 8, 0, tzinfo=tz))
    offer_time = datetime(2026, 11, 28, 9, 5, tzinfo=tz)
    freezer.move_to(offer_time)
    async_fire_time_changed(hass, offer_time)
    await hass.async_block_till_done()
    assert "aisthos_offer" not in notifications(hass)


def told(doc: dict[str, Any], when: datetime, *kinds: str) -> dict[str, Any]:
    """The document, with a household that reacted to notifications like this."""
    bandit = StyleBandit()
    ctx = StyleContext(when.hour, when.weekday() >= 5, "notification")
    for kind in kinds:
        for _ in range(2):
            bandit.feedback(ctx, Style(), kind)
    doc["preferences"]["style_bandit"] = bandit.as_dict()
    return doc


async def setup_told(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stage: str, when: datetime, *kinds: str
) -> MockConfigEntry:
    freezer.move_to(when)
    doc = told(document(stage, 0.9 if stage == "teen" else 0.6), when, *kinds)
    return await setup_assistant_home(hass, doc, mode="replace")


async def test_notifications_read_as_a_detailed_list_until_told_otherwise(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await grow(hass, freezer, "child", 0.9, SATURDAY_NOON)
    message = notifications(hass)["aisthos_proposals"]["message"]
    assert message == (
        "AisthOS noticed 1 new routine(s):\n\n- Weekend routine: Kettle\n\n"
        "1 suggestion(s) wait in the [AisthOS panel](/aisthos), each with its evidence "
        "(for administrators)."
    )


async def test_a_household_that_wants_it_short_gets_short_notifications(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_told(hass, freezer, "child", SATURDAY_NOON, "shorter")
    assert notifications(hass)["aisthos_proposals"]["message"] == (
        "AisthOS noticed 1 new routine(s). 1 suggestion(s) wait in the [AisthOS panel](/aisthos), "
        "each with its evidence (for administrators)."
    )


async def test_a_brief_teen_announcement_leaves_out_the_reasons(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_told(hass, freezer, "teen", SATURDAY_NOON, "shorter")
    message = notifications(hass)["aisthos_autonomous_s_9876543210"]["message"]
    assert message.startswith("I was sure enough to start doing this on my own: **")
    assert "Seen on" not in message
    assert 'say "undo that" to Assist' in message


async def test_weekly_feedback_in_sentences_for_a_household_that_asked(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=dt_util.get_default_time_zone())
    await setup_told(hass, freezer, "adult", sunday, "as_prose")
    message = notifications(hass)["aisthos_weekly_feedback"]["message"]
    assert message.startswith("How your routines went: ")
    assert "4 of 5 days this week." in message
    assert "\n- " not in message
