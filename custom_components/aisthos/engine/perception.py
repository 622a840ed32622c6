"""Perception: a significant state change becomes a Spark through its Template."""

from __future__ import annotations

from typing import Final

from .anonymizer import Anonymizer
from .catalog import TEMPLATES
from .ontology import SUBJECT_NOBODY, SUBJECT_SOMEONE, Action, Band, Cause, ObjectType
from .spark import Spark, make_spark
from .state_change import EntityInfo, StateChange
from .template import SparkValueError

# Domains perception understands, and those observed when the user says nothing.
SUPPORTED_DOMAINS: Final = (
    "person", "device_tracker", "binary_sensor", "light", "switch", "fan", "cover",
    "lock", "media_player", "climate", "vacuum", "sensor", "event", "scene", "sun",
    "input_boolean", "input_select", "valve", "humidifier",
)  # fmt: skip
DEFAULT_DOMAINS: Final = (
    "person", "binary_sensor", "light", "switch", "fan", "cover",
    "lock", "media_player", "climate", "vacuum", "event", "scene", "sun", "input_boolean",
    "input_select", "valve", "humidifier",
)  # fmt: skip
# An input_select's options are the household's own words ("Night", "Guests"):
# each option is a thing of its own, known to Sparks only by the keyed ref of
# "entity=option". The words stay in Home Assistant, like entity ids.
OPTION_SEPARATOR: Final = "="


def option_key(entity_id: str, option: str) -> str:
    """Return the key whose ref stands for one option of an input_select."""
    return f"{entity_id}{OPTION_SEPARATOR}{option}"


def select_options(options: object) -> list[str]:
    """Return the options of an input_select from its "options" attribute (none if odd)."""
    return [str(o) for o in options] if isinstance(options, (list, tuple)) else []


def entity_and_option(key: str) -> tuple[str, str | None]:
    """Split a key made by option_key (a plain entity id has no option)."""
    entity_id, separator, option = key.partition(OPTION_SEPARATOR)
    return (entity_id, option) if separator else (key, None)


_MOTION_CLASSES: Final = {
    "motion": ObjectType.MOTION,
    "occupancy": ObjectType.OCCUPANCY,
    "presence": ObjectType.PRESENCE,
}
_OPENING_CLASSES: Final = {
    "door": ObjectType.DOOR,
    "window": ObjectType.WINDOW,
    "garage_door": ObjectType.GARAGE_DOOR,
    "opening": ObjectType.OPENING,
}
# Every other binary sensor class, and none, is a signal of its own kind.
_SIGNAL_CLASSES: Final = {
    "moisture": ObjectType.MOISTURE,
    "vibration": ObjectType.VIBRATION,
    "running": ObjectType.RUNNING,
    "plug": ObjectType.PLUG,
    "power": ObjectType.POWER,
    "sound": ObjectType.SOUND,
    "light": ObjectType.LIGHT_LEVEL,
    "smoke": ObjectType.SMOKE,
    "gas": ObjectType.GAS,
    "carbon_monoxide": ObjectType.CARBON_MONOXIDE,
    "heat": ObjectType.HEAT,
    "cold": ObjectType.COLD,
    "problem": ObjectType.PROBLEM,
    "safety": ObjectType.SAFETY,
    "tamper": ObjectType.TAMPER,
    "battery": ObjectType.BATTERY,
    "connectivity": ObjectType.CONNECTIVITY,
    "moving": ObjectType.MOVING,
}
_SUN: Final = {"above_horizon": Action.ROSE, "below_horizon": Action.SET}
_PRESSED_CLASSES: Final = frozenset({"button", "doorbell"})
# device class -> (object, upper bound of LOW, upper bound of MEDIUM)
_ENVIRONMENT: Final = {
    "temperature": (ObjectType.TEMPERATURE, 18.0, 24.0),
    "humidity": (ObjectType.HUMIDITY, 35.0, 60.0),
    "illuminance": (ObjectType.ILLUMINANCE, 50.0, 500.0),
    "power": (ObjectType.POWER_METER, 50.0, 1000.0),
    "carbon_dioxide": (ObjectType.CO2, 800.0, 1200.0),
}
_POWER_OBJECTS: Final = {
    "light": ObjectType.LIGHT,
    "switch": ObjectType.SWITCH,
    "fan": ObjectType.FAN,
    "input_boolean": ObjectType.HELPER,
    "humidifier": ObjectType.HUMIDIFIER,
}
_ON_OFF: Final = {"on": Action.TURNED_ON, "off": Action.TURNED_OFF}
_MEDIA: Final = {
    "playing": Action.PLAYING,
    "paused": Action.PAUSED,
    "idle": Action.STOPPED,
    "on": Action.TURNED_ON,
    "off": Action.TURNED_OFF,
    "standby": Action.TURNED_OFF,
}
_CLIMATE: Final = {"heat": Action.HEATING, "cool": Action.COOLING, "off": Action.TURNED_OFF}
_VACUUM: Final = {"cleaning": Action.STARTED, "docked": Action.DOCKED, "paused": Action.PAUSED}


def observable(domain: str, device_class: str | None) -> bool:
    """Return whether perception can turn this kind of entity into Sparks."""
    if domain == "sensor":
        return device_class in _ENVIRONMENT
    if domain == "event":
        return device_class in _PRESSED_CLASSES
    return domain in SUPPORTED_DOMAINS


class Perception:
    """Map significant state changes to Sparks."""

    def __init__(self, anonymizer: Anonymizer) -> None:
        """Create with this home's anonymizer."""
        self.anonymizer = anonymizer

    def spark(self, change: StateChange, info: EntityInfo) -> Spark | None:
        """Return the Spark for a change, or None when it means nothing."""
        mapped = self._map(change, info)
        if mapped is None:
            return None
        template_name, action, obj, band, subject = mapped
        # Nobody makes the sun set: it is never a person's doing.
        by_automation = change.from_automation or info.domain == "sun"
        cause = Cause.AUTOMATION if by_automation else Cause.PERSON
        if subject is None:
            subject = SUBJECT_NOBODY if by_automation else SUBJECT_SOMEONE
        anonymizer = self.anonymizer
        values: dict[str, object] = {
            "time": change.time,
            "area": anonymizer.area(info.area_id, info.area_name),
            "subject": subject,
            "action": action.value,
            "object": obj.value,
            "band": band.value,
            "cause": cause.value,
        }
        template = TEMPLATES[template_name]
        if "act" in template.field_names:
            values["act"] = float(anonymizer.act(change.context_id))
        key = change.entity_id
        if info.domain == "input_select":
            key = option_key(change.entity_id, change.new_state or "")
        try:
            return make_spark(template, anonymizer.ref(key), values)
        except SparkValueError:
            return None

    def _map(
        self, change: StateChange, info: EntityInfo
    ) -> tuple[str, Action, ObjectType, Band, str | None] | None:
        new, old, domain = change.new_state, change.old_state, info.domain
        action: Action | None
        if new is None:
            return None
        match domain:
            case "person" | "device_tracker":
                # Zone names can name places (and so people): only home/away is kept.
                if new == "home" and old != "home":
                    action = Action.ARRIVED
                elif old == "home" and new != "home":
                    action = Action.LEFT
                else:
                    return None
                subject = self.anonymizer.resident(change.entity_id) if domain == "person" else None
                return "presence", action, ObjectType.PERSON, Band.NONE, subject
            case "binary_sensor":
                if new not in _ON_OFF:
                    return None
                device_class = info.device_class or ""
                if (obj := _MOTION_CLASSES.get(device_class)) is not None:
                    action = Action.DETECTED if new == "on" else Action.CLEARED
                    return "motion", action, obj, Band.NONE, None
                if (obj := _OPENING_CLASSES.get(device_class)) is not None:
                    action = Action.OPENED if new == "on" else Action.CLOSED
                    return "opening", action, obj, Band.NONE, None
                obj = _SIGNAL_CLASSES.get(device_class, ObjectType.SENSOR)
                action = Action.DETECTED if new == "on" else Action.CLEARED
                return "signal", action, obj, Band.NONE, None
            case "event":
                # The state is the time of the last press: every new one is a
                # press. Only buttons and doorbells: other event entities (a
                # backup finishing) are not something a person did.
                if info.device_class not in _PRESSED_CLASSES:
                    return None
                return "control", Action.PRESSED, ObjectType.BUTTON, Band.NONE, None
            case "scene":
                return "scene", Action.ACTIVATED, ObjectType.SCENE, Band.NONE, None
            case "input_select":
                # A mode chosen (its ref says which option): a moment to start from.
                if new == old:
                    return None
                return "control", Action.SELECTED, ObjectType.HELPER, Band.NONE, None
            case "sun":
                if (action := _SUN.get(new)) is None or old == new:
                    return None
                return "sun", action, ObjectType.SUN, Band.NONE, None
            case "light" | "switch" | "fan" | "input_boolean" | "humidifier":
                if (action := _ON_OFF.get(new)) is None:
                    return None
                return "power", action, _POWER_OBJECTS[domain], Band.NONE, None
            case "cover" | "valve":
                # A gas valve is safety, never a habit to learn or act on.
                if new not in ("open", "closed") or (domain, info.device_class) == ("valve", "gas"):
                    return None
                action = Action.OPENED if new == "open" else Action.CLOSED
                obj = ObjectType.VALVE if domain == "valve" else ObjectType.COVER
                return "cover", action, obj, Band.NONE, None
            case "lock":
                if new not in ("locked", "unlocked"):
                    return None
                action = Action.LOCKED if new == "locked" else Action.UNLOCKED
                return "lock", action, ObjectType.LOCK, Band.NONE, None
            case "media_player":
                if (action := _MEDIA.get(new)) is None:
                    return None
                return "media", action, ObjectType.MEDIA_PLAYER, Band.NONE, None
            case "climate":
                action = _CLIMATE.get(new) or Action.TURNED_ON
                return "climate", action, ObjectType.CLIMATE, Band.NONE, None
            case "vacuum":
                if (action := _VACUUM.get(new)) is None:
                    return None
                return "cleaning", action, ObjectType.VACUUM, Band.NONE, None
            case "sensor":
                env = _ENVIRONMENT.get(info.device_class or "")
                if env is None:
                    return None
                try:
                    value = float(new)
                    previous = float(old) if old is not None else value
                except ValueError:
                    return None
                obj, low, medium = env
                band = Band.LOW if value < low else Band.MEDIUM if value < medium else Band.HIGH
                action = Action.ROSE if value >= previous else Action.FELL
                return "environment", action, obj, band, None
        return None
