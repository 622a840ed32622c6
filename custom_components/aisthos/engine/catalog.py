"""The built-in Templates, declared as data and checked like any other."""

from __future__ import annotations

from typing import Any, Final

from .ontology import Action, Kind, ObjectType
from .template import Template, template_from_spec


def _state_template(
    name: str, kind: Kind, actions: list[Action], objects: list[ObjectType]
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "fields": {
            "time": "time",
            "area": {"type": "enum"},
            "subject": {"type": "enum"},
            "action": {"type": "enum", "values": [a.value for a in actions]},
            "object": {"type": "enum", "values": [o.value for o in objects]},
            "band": {"type": "enum"},
            "cause": {"type": "enum"},
            # A keyed tag of the HA context: changes sharing it are one act.
            "act": {"type": "number", "min": 0, "max": 65535},
        },
    }


SPECS: Final[list[dict[str, Any]]] = [
    _state_template(
        "presence",
        Kind.PRESENCE,
        [Action.ARRIVED, Action.LEFT],
        [ObjectType.PERSON, ObjectType.PRESENCE],
    ),
    _state_template(
        "motion",
        Kind.MOTION,
        [Action.DETECTED, Action.CLEARED],
        [ObjectType.MOTION, ObjectType.OCCUPANCY, ObjectType.PRESENCE],
    ),
    _state_template(
        "opening",
        Kind.OPENING,
        [Action.OPENED, Action.CLOSED],
        [ObjectType.DOOR, ObjectType.WINDOW, ObjectType.GARAGE_DOOR, ObjectType.OPENING],
    ),
    _state_template(
        "power",
        Kind.POWER,
        [Action.TURNED_ON, Action.TURNED_OFF],
        [
            ObjectType.LIGHT,
            ObjectType.SWITCH,
            ObjectType.FAN,
            ObjectType.HELPER,
            ObjectType.HUMIDIFIER,
        ],
    ),
    _state_template("lock", Kind.LOCK, [Action.LOCKED, Action.UNLOCKED], [ObjectType.LOCK]),
    _state_template(
        "media",
        Kind.MEDIA,
        [Action.PLAYING, Action.PAUSED, Action.STOPPED, Action.TURNED_ON, Action.TURNED_OFF],
        [ObjectType.MEDIA_PLAYER],
    ),
    _state_template(
        "climate",
        Kind.CLIMATE,
        [Action.HEATING, Action.COOLING, Action.TURNED_ON, Action.TURNED_OFF],
        [ObjectType.CLIMATE],
    ),
    _state_template(
        "cover", Kind.COVER, [Action.OPENED, Action.CLOSED], [ObjectType.COVER, ObjectType.VALVE]
    ),
    _state_template(
        "signal",
        Kind.SIGNAL,
        [Action.DETECTED, Action.CLEARED],
        [
            ObjectType.MOISTURE,
            ObjectType.VIBRATION,
            ObjectType.RUNNING,
            ObjectType.PLUG,
            ObjectType.POWER,
            ObjectType.SOUND,
            ObjectType.LIGHT_LEVEL,
            ObjectType.SMOKE,
            ObjectType.GAS,
            ObjectType.CARBON_MONOXIDE,
            ObjectType.HEAT,
            ObjectType.COLD,
            ObjectType.PROBLEM,
            ObjectType.SAFETY,
            ObjectType.TAMPER,
            ObjectType.BATTERY,
            ObjectType.CONNECTIVITY,
            ObjectType.MOVING,
            ObjectType.SENSOR,
        ],
    ),
    _state_template(
        "control",
        Kind.CONTROL,
        [Action.PRESSED, Action.SELECTED],
        [ObjectType.BUTTON, ObjectType.HELPER],
    ),
    _state_template("scene", Kind.SCENE, [Action.ACTIVATED], [ObjectType.SCENE]),
    _state_template("sun", Kind.SUN, [Action.ROSE, Action.SET], [ObjectType.SUN]),
    _state_template(
        "cleaning",
        Kind.CLEANING,
        [Action.STARTED, Action.DOCKED, Action.PAUSED],
        [ObjectType.VACUUM],
    ),
    _state_template(
        "environment",
        Kind.ENVIRONMENT,
        [Action.ROSE, Action.FELL],
        [
            ObjectType.TEMPERATURE,
            ObjectType.HUMIDITY,
            ObjectType.ILLUMINANCE,
            ObjectType.POWER_METER,
            ObjectType.CO2,
        ],
    ),
    {
        "name": "gesture",
        "kind": Kind.GESTURE,
        "fields": {
            "time": "time",
            "area": {"type": "enum"},
            "subject": {"type": "enum"},
            "action": {"type": "enum", "values": [Action.RAISED_HAND.value, Action.WAVED.value]},
            "angle": {"type": "number", "min": 0, "max": 180},
            "cause": {"type": "enum"},
        },
    },
    {
        "name": "expression",
        "kind": Kind.EXPRESSION,
        "fields": {
            "time": "time",
            "area": {"type": "enum"},
            "subject": {"type": "enum"},
            "action": {"type": "enum", "values": [Action.SHOWED.value]},
            "expression": {"type": "enum"},
            "cause": {"type": "enum"},
        },
    },
]

TEMPLATES: Final[dict[str, Template]] = {spec["name"]: template_from_spec(spec) for spec in SPECS}
