"""The occupants: Alex (works away) and Sam (works from home) live a compressed day.

A simulated day lasts `day_minutes` real minutes (10 by default, so one simulated
minute is 0.42 s). Each step of DAY starts at its simulated time and runs its
actions a couple of real seconds apart, so AisthOS' one-second debounce sees
each as a separate moment. Everything an occupant does is a service call or a
state write with a fresh Context (no parent): AisthOS reads that as caused by a
person. The automations in automations.yaml (hallway light, kettle) answer
with changes whose Context has a parent: caused by an automation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import time
import logging
import random
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later

if TYPE_CHECKING:
    from . import HomeConfigEntry
    from .binary_sensor import SimBinarySensor
    from .device_tracker import SimPhone
    from .sensor import SimClock

_LOGGER = logging.getLogger(__package__)

# Real seconds a motion sensor stays on after the last movement it saw.
MOTION_HOLD_S = 12.0
# Real seconds between two actions of one step (must exceed AisthOS' debounce).
ACTION_GAP_S = (1.5, 3.0)

# (simulated time, what happens, actions). Actions: "motion ROOM", "light_on ROOM",
# "light_off ROOM", "kettle", "tv_on", "tv_play", "tv_pause", "tv_off",
# "leave PERSON", "arrive PERSON". ROOM is an area's object id (living_room).
DAY: tuple[tuple[str, str, str], ...] = (
    ("06:10", "Alex wakes up", "motion bedroom, light_on bedroom"),
    (
        "06:14",
        "Alex goes to the bathroom",
        "motion hallway, light_on hallway, motion bathroom, light_on bathroom",
    ),
    (
        "06:30",
        "Alex makes tea",
        "light_off bathroom, motion hallway, motion kitchen, light_on kitchen, kettle",
    ),
    ("06:45", "Sam wakes up", "motion bedroom"),
    (
        "06:55",
        "Sam takes a shower",
        "light_off bedroom, motion hallway, motion bathroom, light_on bathroom",
    ),
    ("07:10", "Breakfast", "light_off bathroom, motion kitchen, kettle"),
    ("07:35", "Alex leaves for work", "light_off kitchen, leave alex"),
    ("07:50", "Sam starts work in the office", "motion hallway, motion office, light_on office"),
    ("09:15", "Sam gets a coffee", "motion hallway, motion kitchen, kettle, motion office"),
    ("10:40", "Sam is at the desk", "motion office"),
    (
        "12:30",
        "Sam has lunch",
        "light_off office, motion kitchen, light_on kitchen, kettle, motion living_room",
    ),
    ("13:10", "Sam is back at work", "light_off kitchen, motion office, light_on office"),
    ("15:30", "Tea break", "motion kitchen, kettle, motion office"),
    ("17:30", "Sam stops working", "light_off office, motion living_room"),
    ("18:00", "Sam goes shopping", "leave sam"),
    ("18:40", "Sam comes back", "arrive sam, motion kitchen, light_on kitchen"),
    ("19:00", "Alex comes home", "arrive alex, motion kitchen, kettle"),
    ("19:45", "Dinner", "motion kitchen, motion living_room"),
    (
        "20:15",
        "TV in the living room",
        "light_off kitchen, motion living_room, light_on living_room, tv_on, tv_play",
    ),
    (
        "21:30",
        "A break from the TV",
        "tv_pause, motion kitchen, kettle, motion living_room, tv_play",
    ),
    (
        "22:45",
        "Off to bed",
        "tv_off, light_off living_room, motion hallway, light_on hallway, motion bathroom, "
        "light_on bathroom",
    ),
    (
        "23:05",
        "Lights out",
        "light_off bathroom, motion bedroom, light_on bedroom, light_off bedroom",
    ),
    (
        "03:20",
        "Sam's night-time trip",
        "motion hallway, motion bathroom, light_on bathroom, light_off bathroom, motion bedroom",
    ),
)


def _minutes(clock: str | time) -> int:
    if isinstance(clock, time):
        return clock.hour * 60 + clock.minute
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Occupants:
    """Run DAY forever, starting at the simulated time `start`."""

    def __init__(
        self, hass: HomeAssistant, entry: HomeConfigEntry, day_minutes: float, start: time
    ) -> None:
        """Prepare; run() is the background task."""
        self.hass = hass
        self.entities = entry.runtime_data.entities
        self.real_s_per_sim_min = day_minutes * 60.0 / 1440.0
        self.start = _minutes(start)
        self._clear_motion: dict[str, CALLBACK_TYPE] = {}
        self._actions: dict[str, Callable[[str], Any]] = {
            "motion": self._motion,
            "light_on": lambda room: self._call("light", "turn_on", f"light.{room}_light"),
            "light_off": lambda room: self._call("light", "turn_off", f"light.{room}_light"),
            "kettle": lambda _: self._call("switch", "turn_on", "switch.kettle"),
            "tv_on": lambda _: self._call("media_player", "turn_on", "media_player.tv"),
            "tv_play": lambda _: self._call("media_player", "media_play", "media_player.tv"),
            "tv_pause": lambda _: self._call("media_player", "media_pause", "media_player.tv"),
            "tv_off": lambda _: self._call("media_player", "turn_off", "media_player.tv"),
            "leave": self._leave,
            "arrive": self._arrive,
        }
        # Steps in the order they come after `start`, as simulated minutes from it.
        self.steps = sorted(
            ((_minutes(at) - self.start) % 1440, at, what, actions) for at, what, actions in DAY
        )

    async def run(self) -> None:
        """Live one simulated day after another."""
        loop = self.hass.loop
        began = loop.time()
        _LOGGER.info(
            "Occupant simulator started: one day every %.1f real minutes",
            self.real_s_per_sim_min * 1440 / 60,
        )
        day = 0
        try:
            while True:
                for offset, at, what, actions in self.steps:
                    due = (day * 1440 + offset) * self.real_s_per_sim_min
                    if (delay := began + due - loop.time()) > 0:
                        await asyncio.sleep(delay)
                    _LOGGER.info("%s %s", at, what)
                    clock: SimClock = self.entities["simulated_clock"]  # type: ignore[assignment]
                    clock.show(at, what)
                    for action in actions.split(","):
                        verb, _, arg = action.strip().partition(" ")
                        try:
                            await self._actions[verb](arg)
                        except HomeAssistantError as err:  # keep living; report it
                            _LOGGER.warning("%s: %s failed: %s", what, action.strip(), err)
                        await asyncio.sleep(random.uniform(*ACTION_GAP_S))
                day += 1
        finally:
            for cancel in self._clear_motion.values():
                cancel()

    async def _call(self, domain: str, service: str, entity_id: str) -> None:
        # No parent Context: to AisthOS this is a person pressing a button.
        await self.hass.services.async_call(
            domain, service, {"entity_id": entity_id}, blocking=True, context=Context()
        )

    async def _motion(self, room: str) -> None:
        key = f"{room}_motion"
        sensor: SimBinarySensor = self.entities[key]  # type: ignore[assignment]
        sensor.set(True)
        if (cancel := self._clear_motion.pop(key, None)) is not None:
            cancel()  # movement again: the sensor stays on longer

        @callback
        def _clear(_now: Any) -> None:
            self._clear_motion.pop(key, None)
            sensor.set(False)

        self._clear_motion[key] = async_call_later(
            self.hass, MOTION_HOLD_S + random.uniform(0, 4), _clear
        )

    async def _door(self, person: str, leaving: bool) -> None:
        door: SimBinarySensor = self.entities["front_door"]  # type: ignore[assignment]
        phone: SimPhone = self.entities[f"{person}_phone"]  # type: ignore[assignment]
        gap = ACTION_GAP_S[1]
        if not leaving:
            phone.set_home(True)  # the phone reaches home Wi-Fi before the door opens
            await asyncio.sleep(gap)
        await self._call("lock", "unlock", "lock.front_door_lock")
        await asyncio.sleep(gap)
        door.set(True)
        await self._motion("hallway")
        await asyncio.sleep(gap)
        if not leaving:
            await self._call("light", "turn_on", "light.hallway_light")
            await asyncio.sleep(gap)
        door.set(False)
        await asyncio.sleep(gap)
        await self._call("lock", "lock", "lock.front_door_lock")
        if leaving:
            await asyncio.sleep(gap)
            phone.set_home(False)

    async def _leave(self, person: str) -> None:
        await self._door(person, leaving=True)

    async def _arrive(self, person: str) -> None:
        await self._door(person, leaving=False)
