"""The skill manager at its edges: undo window, unsafe skills, switches, growth, failures."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill import Action, Signature, Skill
from custom_components.aisthos.engine.skill_book import Decision, Feedback, Status
from homeassistant.components import persistent_notification
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home
from .helpers import grown_to, running
from .test_wisdom_in_ha import add_entity
from .wisdom_samples import VALID

HALL = "s_0123456789"  # approved on import
KETTLE = "s_9876543210"  # proposed on import
LOCK = "s_1111111111"  # a routine that unlocks the front door: never automated


async def assistant_home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """A home with Assist, a kettle and a front door, and AisthOS with two imported skills."""
    freezer.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=dt_util.get_default_time_zone()))

    def front_door(hass: HomeAssistant) -> None:
        add_entity(hass, "lock.front", "Hallway", "Front door")
        hass.states.async_set("lock.front", "locked", {"friendly_name": "Front door"})

    return await setup_assistant_home(hass, before_setup=front_door)


def add_lock_skill(entry: MockConfigEntry, confidence: float = 0.9) -> Skill:
    """A learned routine whose action is unlocking the front door."""
    learner = entry.runtime_data.learner
    target = Signature(learner.ref_of("lock.front"), "unlocked", "lock", "lock", "hallway")
    skill = replace(
        learner.book.skills[KETTLE],
        id=LOCK,
        name="Morning: Front door",
        actions=(Action(target),),
        confidence=confidence,
    )
    learner.book.skills[LOCK] = skill
    # As after a learning run: entities and Assist's routine names follow.
    async_dispatcher_send(entry.runtime_data.hass, learner.signal)
    return skill


def notifications(hass: HomeAssistant) -> dict[str, Any]:
    return dict(persistent_notification._async_get_or_create_notifications(hass))


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's own time-triggered automation (the imported 09:30 skill) keeps a timer."""
    return True


@pytest.fixture
async def home(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    return await assistant_home(hass, freezer)


async def kettle(hass: HomeAssistant, on: bool, context: Context | None = None) -> None:
    await hass.services.async_call(
        "switch", "turn_on" if on else "turn_off", {"entity_id": "switch.kettle"},
        blocking=True, context=context or Context(),
    )  # fmt: skip
    await hass.async_block_till_done()


async def run_automation(hass: HomeAssistant, skill_id: str) -> None:
    """Run an approved skill as its trigger would (HA's automation.trigger, for a skill)."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert f"aisthos_{skill_id}" in running(entry)
    await entry.runtime_data.skills.runner.async_trigger(f"aisthos_{skill_id}")
    await hass.async_block_till_done()


async def test_switch_approves_pauses_and_resumes_with_feedback(
    hass: HomeAssistant, home: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    manager = home.runtime_data.skills
    book = home.runtime_data.learner.book
    switch = manager.switch_entity_id(KETTLE)
    assert switch is not None
    assert hass.states.get(switch).state == "off"
    assert book.status(KETTLE) is Status.PROPOSED
    assert "Weekend routine: Kettle" in notifications(hass)["aisthos_proposals"]["message"]

    async def turn(on: bool) -> None:
        await hass.services.async_call(
            "switch", "turn_on" if on else "turn_off", {"entity_id": switch}, blocking=True
        )
        await hass.async_block_till_done()

    await turn(True)  # switching on a proposal approves it
    assert book.status(KETTLE) is Status.APPROVED
    assert f"aisthos_{KETTLE}" in running(home)
    assert "aisthos_proposals" not in notifications(hass)  # none waits any more
    assert hass.states.get(switch).state == "on"
    await turn(False)
    await turn(False)  # already paused: no second "disable"
    assert book.status(KETTLE) is Status.PAUSED
    assert hass.states.get(switch).state == "off"
    await turn(True)
    assert book.status(KETTLE) is Status.APPROVED
    assert book.decision(KETTLE).counts == {"approve": 1, "disable": 1, "enable": 1}
    assert book.confidence(KETTLE) == pytest.approx(0.55 + 0.10 - 0.10 + 0.05)
    assert hass_storage["aisthos_skills"]["data"]["decisions"][KETTLE]["counts"]["enable"] == 1


async def test_undo_only_counts_inside_the_undo_window(
    hass: HomeAssistant, home: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    manager = home.runtime_data.skills
    book = home.runtime_data.learner.book
    await manager.async_approve(KETTLE)
    await hass.async_block_till_done()

    await run_automation(hass, KETTLE)
    assert hass.states.get("switch.kettle").state == "on"
    assert manager.last_run_skill == KETTLE
    freezer.tick(timedelta(seconds=30))
    await kettle(hass, False)  # a person switches it back off at once: an undo
    undone = book.decision(KETTLE).counts.get("undo", 0)
    assert undone >= 1

    await run_automation(hass, KETTLE)
    freezer.tick(timedelta(minutes=3))
    await kettle(hass, False)  # much later: just life, not an undo
    assert book.decision(KETTLE).counts.get("undo", 0) == undone

    await run_automation(hass, KETTLE)
    freezer.tick(timedelta(seconds=10))
    await kettle(hass, True)  # the same state again is no undo either
    await kettle(hass, False, Context(parent_id="01JSOMEAUTOMATION00000000"))  # not a person
    assert book.decision(KETTLE).counts.get("undo", 0) == undone


async def test_one_reversal_by_a_person_is_one_undo(
    hass: HomeAssistant, home: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    manager = home.runtime_data.skills
    await manager.async_approve(KETTLE)
    await run_automation(hass, KETTLE)
    freezer.tick(timedelta(seconds=30))
    await kettle(hass, False)
    assert manager.book.decision(KETTLE).counts.get("undo") == 1
    assert manager.book.confidence(KETTLE) == pytest.approx(0.55 + 0.10 - 0.15)


async def test_unsafe_skill_is_neither_run_nor_approved(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    manager = home.runtime_data.skills
    add_lock_skill(home)
    for attempt in (partial(manager.async_run_once, context=None), manager.async_approve):
        with pytest.raises(HomeAssistantError) as err:
            await attempt(LOCK)
        assert err.value.translation_key == "unsafe_skill"
        assert "never automated" in str(err.value.translation_placeholders)
    assert hass.states.get("lock.front").state == "locked"
    assert manager.book.status(LOCK) is Status.LEARNED
    assert f"aisthos_{LOCK}" not in running(home)


async def test_unknown_skill_and_feedback(
    hass: HomeAssistant, home: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    manager = home.runtime_data.skills
    for attempt in (
        lambda: manager.async_feedback("s_nope", Feedback.HELPFUL),
        lambda: manager.async_snooze("s_nope"),
        lambda: manager.async_reject("s_nope"),
    ):
        # The caller's mistake, not a failure of HA: a validation error.
        with pytest.raises(ServiceValidationError) as err:
            await attempt()
        assert err.value.translation_key == "unknown_skill"
    assert "s_nope" not in manager.book.decisions
    assert await manager.async_feedback(KETTLE, Feedback.HELPFUL) == pytest.approx(0.60)
    assert await manager.async_feedback(KETTLE, Feedback.NOT_HELPFUL) == pytest.approx(0.50)
    assert manager.book.decision(KETTLE).counts == {"helpful": 1, "not_helpful": 1}
    stored = hass_storage["aisthos_skills"]["data"]["decisions"][KETTLE]
    assert stored["counts"] == {"helpful": 1, "not_helpful": 1}


async def test_teach_refuses_unknown_entities_and_verbs(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    manager = home.runtime_data.skills
    for entity_id, verb in (
        ("switch.missing", "turn_on"),  # not in this home
        ("lock.front", "open"),  # a lock is only ever closed
        ("binary_sensor.hall_motion", "turn_on"),  # not something to act on
    ):
        with pytest.raises(ServiceValidationError) as err:
            await manager.async_teach("movie time", entity_id, verb)
        assert err.value.translation_key == "cannot_teach"
    assert home.runtime_data.learner.teachings == []
    assert not [key for key in running(home) if key.startswith("aisthos_t_")]
    teaching_id = await manager.async_teach("good  night", "lock.front", "close")
    assert f"aisthos_{teaching_id}" in running(home)
    (teaching,) = home.runtime_data.learner.teachings
    config = manager.teaching_config(teaching)
    assert config["triggers"] == [{"trigger": "conversation", "command": ["good night"]}]
    assert config["actions"] == [{"action": "lock.lock", "target": {"entity_id": "lock.front"}}]


async def test_find_entity_needs_half_the_words(hass: HomeAssistant, home: MockConfigEntry) -> None:
    manager = home.runtime_data.skills
    hass.states.async_set("sensor.hall_light_level", "3", {"friendly_name": "Hall light"})
    assert manager.find_entity("hall light") == "light.hall"  # the sensor is not actionable
    assert manager.find_entity("the hall light please") == "light.hall"  # 2 of 4 words
    assert manager.find_entity("Hall-Lamp!") == "input_boolean.hall_lamp"
    assert manager.find_entity("kitchen light") is None  # 1 of 3 words
    assert manager.find_entity("a") is None  # no word long enough
    assert manager.find_entity("") is None


async def test_last_proposal_is_the_newest_then_the_surest(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    manager = home.runtime_data.skills
    book = manager.book
    add_lock_skill(home, confidence=0.6)
    assert manager.last_proposal() == KETTLE
    book.set_status(LOCK, Status.PROPOSED, date(2026, 11, 26))
    assert manager.last_proposal() == LOCK  # proposed later
    book.set_status(KETTLE, Status.PROPOSED, date(2026, 11, 26))
    assert manager.last_proposal() == LOCK  # the same day: the surer one (0.6 > 0.55)
    book.decisions["s_forgotten"] = Decision(status=Status.PROPOSED, changed="2026-12-31")
    assert manager.last_proposal() == LOCK  # a decision without its skill is not offered
    await manager.async_snooze(LOCK)
    await manager.async_reject(KETTLE)
    assert manager.last_proposal() is None


async def test_a_proposal_whose_confidence_fell_is_withdrawn(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    manager = home.runtime_data.skills
    await manager.async_feedback(KETTLE, Feedback.NOT_HELPFUL)  # 0.55 -> 0.45
    await manager.async_after_learning()
    assert manager.book.status(KETTLE) is Status.LEARNED
    assert "aisthos_proposals" not in notifications(hass)  # none waits now


async def test_forgotten_skill_loses_its_switch(hass: HomeAssistant, home: MockConfigEntry) -> None:
    manager = home.runtime_data.skills
    switch = manager.switch_entity_id(KETTLE)
    assert switch is not None
    book = manager.book
    book.update([book.skills[HALL]], 500, 2000)  # the miner no longer finds the kettle routine
    await manager.async_after_learning()
    await hass.async_block_till_done()
    assert manager.switch_entity_id(KETTLE) is None
    assert hass.states.get(switch) is None
    assert manager.switch_entity_id(HALL) is not None


async def test_growing_up_is_announced(hass: HomeAssistant, home: MockConfigEntry) -> None:
    runtime = home.runtime_data
    runtime.learner.growth = grown_to("infant", born_days_ago=5)
    assert "aisthos_growth" not in notifications(hass)
    await runtime.skills.async_after_learning()
    assert runtime.learner.growth.stage.value == "infant"  # old enough, but too few Sparks
    assert "aisthos_growth" not in notifications(hass)
    from custom_components.aisthos.engine.spark import Spark

    sparks = [
        Spark(1.7e9 + i, "power", "kitchen", "someone", "turned_on", "switch", "none", "person")
        for i in range(50)
    ]
    await hass.async_add_executor_job(runtime.store.add, sparks)
    await runtime.skills.async_after_learning()
    assert runtime.learner.growth.stage.value == "child"
    assert "Child" in notifications(hass)["aisthos_growth"]["message"]


async def test_replaced_approved_skill_loses_its_automation(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    assert f"aisthos_{HALL}" in running(home)
    document = copy.deepcopy(VALID)
    document["skills"] = [s for s in document["skills"] if s["id"] != HALL]
    await hass.services.async_call(
        DOMAIN, "import_wisdom", {"data": document, "mode": "replace"}, blocking=True
    )
    await hass.async_block_till_done()
    assert f"aisthos_{HALL}" not in running(home)
    assert HALL not in home.runtime_data.learner.book.skills


async def test_approved_skill_that_cannot_run_is_logged(
    hass: HomeAssistant, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    manager = home.runtime_data.skills
    add_lock_skill(home)
    manager.book.set_status(LOCK, Status.APPROVED, date(2026, 11, 25))
    with caplog.at_level(logging.WARNING):
        await manager.async_after_import()
    assert f"aisthos_{LOCK} cannot run" in caplog.text
    assert f"aisthos_{LOCK}" not in running(home)
    assert f"aisthos_{HALL}" in running(home)  # the others still run


async def test_teen_does_not_act_alone_on_an_unsafe_skill(
    hass: HomeAssistant, home: MockConfigEntry
) -> None:
    runtime = home.runtime_data
    runtime.learner.growth = grown_to("teen")
    add_lock_skill(home, confidence=0.95)
    await runtime.skills.async_after_learning()
    assert runtime.learner.book.status(LOCK) is not Status.APPROVED
    assert f"aisthos_autonomous_{LOCK}" not in notifications(hass)
    assert runtime.skills.last_autonomous() is None
    assert f"aisthos_{LOCK}" not in running(home)


async def test_adult_offers_only_confident_routines_before_their_time(
    hass: HomeAssistant, home: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    from pytest_homeassistant_custom_component.common import async_fire_time_changed

    runtime = home.runtime_data
    manager = runtime.skills
    book = runtime.learner.book
    runtime.learner.growth = grown_to("adult", born_days_ago=120)
    # The kettle routine moved to Wednesdays at 12:10; a weak twin has the same habit.
    habit = replace(
        book.skills[KETTLE].conditions, start=12 * 60 + 10, end=12 * 60 + 30, days=("wed",)
    )
    book.skills[KETTLE] = replace(book.skills[KETTLE], conditions=habit)
    weak = replace(book.skills[KETTLE], id="s_2222222222", name="Weak: Kettle", confidence=0.2)
    book.skills[weak.id] = weak
    tz = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 11, 25, 12, 4, 59, tzinfo=tz))  # a Wednesday
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert manager.current_offer() is None
    freezer.tick(timedelta(seconds=1))  # 12:05, five minutes before 12:10
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert manager.current_offer() == KETTLE
    message = notifications(hass)["aisthos_offer"]["message"]
    assert "Weekend routine" in message
    assert "Weak" not in message
    freezer.tick(timedelta(minutes=31))
    assert manager.current_offer() is None  # an offer lasts half an hour


async def test_unreachable_engine_keeps_the_template_name(
    hass: HomeAssistant, home: MockConfigEntry, socket_enabled: None
) -> None:
    hass.config_entries.async_update_entry(
        home, data={**home.data, "engine_url": "http://127.0.0.1:9", "engine_token": "t"}
    )
    assert await hass.config_entries.async_reload(home.entry_id)
    await hass.async_block_till_done()
    runtime = home.runtime_data
    assert runtime.engine is not None
    book = runtime.learner.book
    book.set_status(KETTLE, Status.LEARNED, date(2026, 11, 1))
    await runtime.skills.async_after_learning()
    assert book.status(KETTLE) is Status.PROPOSED
    assert book.skills[KETTLE].name == "Weekend routine: Kettle"
    assert "Weekend routine: Kettle" in notifications(hass)["aisthos_proposals"]["message"]


def test_names_in_notifications_are_plain_text() -> None:
    from custom_components.aisthos.plain_text import plain

    text = plain(
        "Kettle [click](https://evil.example/login) https://evil.example www.evil.org a@b.c"
    )
    # No Markdown link, and no bare address the frontend would turn into one.
    assert "](" not in text
    assert "https://evil" not in text
    assert "www.evil" not in text
    assert "a@b" not in text
    assert text.replace("\u200b", "") == (
        "Kettle clickhttps://evil.example/login https://evil.example www.evil.org a@b.c"
    )
