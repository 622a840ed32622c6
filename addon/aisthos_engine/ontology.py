# Copied from custom_components/aisthos/engine by scripts/sync-addon: do not edit.
"""The fixed vocabulary every Spark is written in.

A Spark may only say what this ontology can express: there is no free-text
field anywhere, which is what keeps names, addresses and other personal data
out of stored Sparks by construction.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Kind(StrEnum):
    """What sort of moment a Spark records."""

    PRESENCE = "presence"
    MOTION = "motion"
    OPENING = "opening"
    POWER = "power"
    LOCK = "lock"
    MEDIA = "media"
    CLIMATE = "climate"
    COVER = "cover"
    CLEANING = "cleaning"
    ENVIRONMENT = "environment"
    GESTURE = "gesture"
    EXPRESSION = "expression"
    SIGNAL = "signal"  # any other binary sensor: water, vibration, a running appliance…
    CONTROL = "control"  # a button, remote or doorbell pressed
    SCENE = "scene"
    SUN = "sun"


class Action(StrEnum):
    """What happened."""

    ARRIVED = "arrived"
    LEFT = "left"
    DETECTED = "detected"
    CLEARED = "cleared"
    OPENED = "opened"
    CLOSED = "closed"
    TURNED_ON = "turned_on"
    TURNED_OFF = "turned_off"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"
    HEATING = "heating"
    COOLING = "cooling"
    STARTED = "started"
    DOCKED = "docked"
    ROSE = "rose"
    FELL = "fell"
    RAISED_HAND = "raised_hand"
    WAVED = "waved"
    SHOWED = "showed"
    PRESSED = "pressed"
    SELECTED = "selected"  # an input_select's option was chosen
    ACTIVATED = "activated"
    SET = "set"  # the sun went down


class Cause(StrEnum):
    """Who caused a change, read from Home Assistant's context."""

    PERSON = "person"
    AUTOMATION = "automation"


class Band(StrEnum):
    """A coarse value band: the level, never the raw reading."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ObjectType(StrEnum):
    """The kind of thing that changed (domain, refined by device class)."""

    PERSON = "person"
    LIGHT = "light"
    SWITCH = "switch"
    FAN = "fan"
    COVER = "cover"
    LOCK = "lock"
    MEDIA_PLAYER = "media_player"
    CLIMATE = "climate"
    VACUUM = "vacuum"
    DOOR = "door"
    WINDOW = "window"
    GARAGE_DOOR = "garage_door"
    OPENING = "opening"
    MOTION = "motion"
    OCCUPANCY = "occupancy"
    PRESENCE = "presence"
    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    ILLUMINANCE = "illuminance"
    POWER_METER = "power_meter"
    CO2 = "co2"
    CAMERA = "camera"
    HELPER = "helper"  # an input_boolean or input_select
    VALVE = "valve"  # water, gas: opened and closed like a cover
    HUMIDIFIER = "humidifier"
    BUTTON = "button"
    SCENE = "scene"
    SUN = "sun"
    # Binary sensors by device class (SENSOR: one without a class).
    MOISTURE = "moisture"
    VIBRATION = "vibration"
    RUNNING = "running"
    PLUG = "plug"
    POWER = "power"
    SOUND = "sound"
    LIGHT_LEVEL = "light_level"
    SMOKE = "smoke"
    GAS = "gas"
    CARBON_MONOXIDE = "carbon_monoxide"
    HEAT = "heat"
    COLD = "cold"
    PROBLEM = "problem"
    SAFETY = "safety"
    TAMPER = "tamper"
    BATTERY = "battery"
    CONNECTIVITY = "connectivity"
    MOVING = "moving"
    SENSOR = "sensor"


class Expression(StrEnum):
    """Facial expressions the camera perception may report."""

    NEUTRAL = "neutral"
    HAPPY = "happy"
    SAD = "sad"
    SURPRISE = "surprise"
    ANGRY = "angry"


class RoomType(StrEnum):
    """Room types an area is reduced to; area names never leave the home."""

    HALLWAY = "hallway"
    KITCHEN = "kitchen"
    LIVING_ROOM = "living_room"
    DINING_ROOM = "dining_room"
    BEDROOM = "bedroom"
    BATHROOM = "bathroom"
    OFFICE = "office"
    GARAGE = "garage"
    GARDEN = "garden"
    LAUNDRY = "laundry"
    BASEMENT = "basement"
    ATTIC = "attic"
    STAIRS = "stairs"
    ROOM = "room"


# Up to this many areas of one room type get their own token ("bedroom_2").
MAX_AREAS_PER_TYPE: Final = 9
MAX_RESIDENTS: Final = 26

AREA_UNKNOWN: Final = "unknown"
SUBJECT_SOMEONE: Final = "someone"
SUBJECT_NOBODY: Final = "nobody"


def _area_tokens() -> frozenset[str]:
    tokens = {AREA_UNKNOWN}
    for room in RoomType:
        tokens.add(room.value)
        tokens.update(f"{room.value}_{n}" for n in range(2, MAX_AREAS_PER_TYPE + 1))
    return frozenset(tokens)


def _subject_tokens() -> frozenset[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"[:MAX_RESIDENTS]
    return frozenset({SUBJECT_SOMEONE, SUBJECT_NOBODY} | {f"resident_{c}" for c in letters})


# Every enum vocabulary a Template may draw from, by name.
VOCABULARIES: Final[dict[str, frozenset[str]]] = {
    "kind": frozenset(Kind),
    "action": frozenset(Action),
    "cause": frozenset(Cause),
    "band": frozenset(Band),
    "object": frozenset(ObjectType),
    "expression": frozenset(Expression),
    "area": _area_tokens(),
    "subject": _subject_tokens(),
}


def humanize(token: str) -> str:
    """Turn an ontology token into words: 'living_room_2' -> 'Living room 2'."""
    text = token.replace("_", " ")
    return text[:1].upper() + text[1:]
