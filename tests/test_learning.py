"""Track B in a real HA: history in, nightly run, skills out, kept across restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.skill_book import SkillBook
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .helpers import advance, set_state

DAYS = 8


async def set_up_a_week_ago(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> datetime:
    """Set up AisthOS at noon DAYS days ago; return that moment."""
    tz = dt_util.get_default_time_zone()
    start = datetime.now(tz).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(
        days=DAYS
    )
    freezer.move_to(start)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return start


async def live_a_week(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> datetime:
    """Set up AisthOS, then every evening: hall motion and the hall light."""
    start = await set_up_a_week_ago(hass, freezer, entry)
    set_state(
        hass,
        "binary_sensor.hall_motion",
        "off",
        {"device_class": "motion", "friendly_name": "Hall motion"},
    )
    set_state(hass, "light.hall", "off", {"friendly_name": "Hall light"})
    await advance(hass, freezer, 2)
    for day in range(DAYS):
        evening = start + timedelta(days=day, hours=7, minutes=(day * 7) % 20)
        freezer.move_to(evening)
        set_state(
            hass,
            "binary_sensor.hall_motion",
            "on",
            {"device_class": "motion", "friendly_name": "Hall motion"},
        )
        await advance(hass, freezer, 20)
        set_state(hass, "light.hall", "on", {"friendly_name": "Hall light"})
        await advance(hass, freezer, 5)
        set_state(
            hass,
            "binary_sensor.hall_motion",
            "off",
            {"device_class": "motion", "friendly_name": "Hall motion"},
        )
        await advance(hass, freezer, 60 * (30 + day * 37 % 200))
        set_state(hass, "light.hall", "off", {"friendly_name": "Hall light"})
        await advance(hass, freezer, 5)
    return start


async def test_nightly_run_learns_the_routine_and_it_survives_a_restart(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await async_setup_component(hass, "automation", {})
    start = await live_a_week(hass, freezer, config_entry)
    # The nightly runs during the week already found it, with less evidence.
    learner = config_entry.runtime_data.learner
    assert [s.learned_from for s in learner.skills] == [DAYS - 1]
    first_id = learner.skills[0].id

    # 03:00 the next night: the scheduled run.
    night = (start + timedelta(days=DAYS)).replace(hour=3, minute=0, second=0)
    freezer.move_to(night)
    async_fire_time_changed(hass, night)
    await hass.async_block_till_done(wait_background_tasks=True)

    skills = learner.skills
    assert len(skills) == 1
    skill = skills[0]
    assert skill.id == first_id
    assert skill.learned_from == DAYS
    assert 0.5 < skill.confidence < 1.0
    assert skill.name == "Evening hall motion: Hall light"
    assert hass.states.get("sensor.aisthos_skills").state == "1"
    last_run = hass.states.get("sensor.aisthos_last_learning_run").state
    assert dt_util.parse_datetime(last_run) == dt_util.as_utc(night)

    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    restored = config_entry.runtime_data.learner.skills
    assert [s.as_dict() for s in restored] == [s.as_dict() for s in skills]
    assert hass.states.get("sensor.aisthos_skills").state == "1"


async def test_learn_service_returns_skills_with_automations(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await live_a_week(hass, freezer, config_entry)
    response = await hass.services.async_call(
        DOMAIN, "learn", {}, blocking=True, return_response=True
    )
    (skill,) = response["skills"]
    # Evidence counts whole days: the day in progress is not one yet.
    assert skill["learned_from"] == DAYS - 1
    # Said the way the automation would have done: per firing.
    assert skill["explanation"].startswith(f"Fired {DAYS - 1} times (every day ")
    assert f"after {DAYS - 1} of them (100 %)" in skill["explanation"]
    automation = skill["automation"]
    assert automation["triggers"] == [
        {
            "trigger": "state",
            "entity_id": "binary_sensor.hall_motion",
            "to": "on",
            "not_from": ["unavailable", "unknown"],
        }
    ]
    assert automation["actions"] == [
        {"action": "light.turn_on", "target": {"entity_id": "light.hall"}}
    ]
    assert skill["definition"]["actions"] == ["Hall light on"]


async def test_learn_now_button(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await live_a_week(hass, freezer, config_entry)
    button = er.async_get(hass).async_get_entity_id(
        "button", DOMAIN, f"{config_entry.entry_id}_learn_now"
    )
    assert button == "button.aisthos_learn_now"
    learner = config_entry.runtime_data.learner
    learner.book = SkillBook()  # forget what the nightly runs found
    before = learner.last_run
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert learner.last_run == dt_util.utcnow() != before
    assert hass.states.get("sensor.aisthos_skills").state == "1"


async def test_a_users_automation_on_the_entity_blocks_the_proposal(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "users_own",
                "triggers": [
                    {"trigger": "state", "entity_id": "binary_sensor.hall_motion", "to": "on"}
                ],
                "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
            }
        },
    )
    await live_a_week(hass, freezer, config_entry)
    response = await hass.services.async_call(
        DOMAIN, "learn", {}, blocking=True, return_response=True
    )
    assert response["skills"] == []


async def test_what_the_household_already_automated_is_not_learned(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    # The household's own automation uses the hall light (it never fires here).
    own = {
        "id": "own_hall_light",
        "alias": "Our hall light",
        "triggers": [{"trigger": "event", "event_type": "never_fired"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
    }
    assert await async_setup_component(hass, "automation", {"automation": [own]})
    await live_a_week(hass, freezer, config_entry)
    assert hass.states.get("automation.our_hall_light") is not None
    assert config_entry.runtime_data.learner.skills == []


async def test_a_lamp_of_a_light_group_is_learned_as_the_lamp(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """HA's own light group follows its lamp in the lamp's context; the lamp is the action.

    Switched as a whole, the group is the action, though a dead bulb in it
    stays unavailable.
    """
    members = ["light.floor_lamp", "light.ceiling", "light.dead_bulb"]
    for entity_id in members[:2]:
        set_state(hass, entity_id, "off", {"friendly_name": entity_id.split(".")[1]})
    set_state(hass, "light.dead_bulb", "unavailable")
    assert await async_setup_component(
        hass,
        "light",
        {"light": [{"platform": "group", "name": "Living room", "entities": members}]},
    )
    await hass.async_block_till_done()
    start = await set_up_a_week_ago(hass, freezer, config_entry)
    motion = {"device_class": "motion", "friendly_name": "Living motion"}
    door = {"device_class": "door", "friendly_name": "Patio door"}
    set_state(hass, "binary_sensor.living_motion", "off", motion)
    set_state(hass, "binary_sensor.patio_door", "off", door)
    await advance(hass, freezer, 2)
    for day in range(DAYS):
        freezer.move_to(start + timedelta(days=day, hours=7, minutes=(day * 7) % 20))
        set_state(hass, "binary_sensor.living_motion", "on", motion)
        await advance(hass, freezer, 20)
        set_state(hass, "light.floor_lamp", "on", {"friendly_name": "floor_lamp"})
        await hass.async_block_till_done()
        # The group switched on with the lamp, in the lamp's context.
        group, lamp = hass.states.get("light.living_room"), hass.states.get("light.floor_lamp")
        assert group is not None
        assert lamp is not None
        assert group.state == "on"
        assert group.context.id == lamp.context.id
        await advance(hass, freezer, 5)
        set_state(hass, "binary_sensor.living_motion", "off", motion)
        await advance(hass, freezer, 60 * (30 + day * 37 % 200))
        set_state(hass, "light.floor_lamp", "off", {"friendly_name": "floor_lamp"})
        await advance(hass, freezer, 5)
        # Later, back in from the patio: the whole group on (one context, as
        # light.turn_on on the group gives its lamps).
        freezer.move_to(start + timedelta(days=day, hours=10, minutes=(day * 11) % 20))
        set_state(hass, "binary_sensor.patio_door", "on", door)
        await advance(hass, freezer, 15)
        whole = Context()
        for entity_id in members[:2]:
            hass.states.async_set(entity_id, "on", {"friendly_name": entity_id}, context=whole)
        await advance(hass, freezer, 5)
        set_state(hass, "binary_sensor.patio_door", "off", door)
        await advance(hass, freezer, 60 * 40)
        for entity_id in members[:2]:
            set_state(hass, entity_id, "off", {"friendly_name": entity_id})
        await advance(hass, freezer, 5)
    response = await hass.services.async_call(
        DOMAIN, "learn", {}, blocking=True, return_response=True
    )
    targets = {
        skill["automation"]["triggers"][0]["entity_id"]: action["target"]["entity_id"]
        for skill in response["skills"]
        if skill["automation"]["triggers"][0].get("trigger") == "state"
        for action in skill["automation"]["actions"]
        if action.get("action") == "light.turn_on"
    }
    assert targets == {
        "binary_sensor.living_motion": "light.floor_lamp",
        "binary_sensor.patio_door": "light.living_room",
    }
