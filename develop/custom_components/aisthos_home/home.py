"""What the simulated home is made of: rooms, devices and the people who live there."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.const import Platform

DOMAIN = "aisthos_home"

AREAS = ("Hallway", "Kitchen", "Living room", "Bedroom", "Bathroom", "Office")


@dataclass(frozen=True, slots=True)
class Thing:
    """One simulated device with one entity; `key` is its unique id and object id."""

    key: str
    name: str
    platform: Platform
    area: str | None
    device_class: str | None = None
    model: str = "Simulated device"


THINGS: tuple[Thing, ...] = (
    # Rooms with a motion sensor and a ceiling light each.
    *(
        thing
        for room in AREAS
        for thing in (
            Thing(
                f"{room.lower().replace(' ', '_')}_motion",
                f"{room} motion",
                Platform.BINARY_SENSOR,
                room,
                "motion",
                "Simulated motion sensor",
            ),
            Thing(
                f"{room.lower().replace(' ', '_')}_light",
                f"{room} light",
                Platform.LIGHT,
                room,
                None,
                "Simulated light",
            ),
        )
    ),
    Thing("front_door", "Front door", Platform.BINARY_SENSOR, "Hallway", "door", "Door contact"),
    Thing("front_door_lock", "Front door lock", Platform.LOCK, "Hallway", None, "Smart lock"),
    Thing("kettle", "Kettle", Platform.SWITCH, "Kitchen", "outlet", "Smart plug"),
    Thing("tv", "TV", Platform.MEDIA_PLAYER, "Living room", "tv", "Simulated TV"),
    # Phones carry no area: they go where their owner goes.
    Thing("alex_phone", "Alex's phone", Platform.DEVICE_TRACKER, None, None, "Phone"),
    Thing("sam_phone", "Sam's phone", Platform.DEVICE_TRACKER, None, None, "Phone"),
    Thing("simulated_clock", "Simulated clock", Platform.SENSOR, None, None, "Occupant simulator"),
)

PLATFORMS = sorted({thing.platform for thing in THINGS})
