"""Compile a Skill into the native Home Assistant automation config.

Everything that goes into the config is checked here: entity ids must match
HA's format and a known domain, services come from a fixed allowlist of
actuator domains, and every string is data (no template can be smuggled in,
since no field we write is ever rendered as a template).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
import re
from typing import Any, Final

from .perception import entity_and_option
from .skill import WEEKDAYS, Action, Signature, Skill, Trigger, minutes_to_hhmm

ENTITY_ID: Final = re.compile(r"^(?!.*__)[a-z0-9_]{1,64}\.[a-z0-9_]{1,200}$")
ACTION_DOMAINS: Final = frozenset(
    {"light", "switch", "fan", "cover", "lock", "media_player", "climate", "vacuum", "scene",
     "input_boolean", "input_button", "input_select", "input_number", "valve", "humidifier"}
)  # fmt: skip
TRIGGER_DOMAINS: Final = frozenset(
    {"person", "device_tracker", "binary_sensor", "event", *ACTION_DOMAINS} - {"input_button"}
)
# Entities whose state is the time of their last moment (a button press, a
# scene activation): every new state is the moment.
MOMENT_DOMAINS: Final = frozenset({"event", "scene"})
_NOT_A_MOMENT: Final = ["unavailable", "unknown"]
# A wait of at least this long between steps becomes a delay in the
# automation; shorter ones are the time a person takes, not a wait.
DELAY_STEP_MIN_S: Final = 60.0
WHOLE_DAY: Final = (0, 1439)

# (domain, Spark action) -> state a trigger waits for
_TRIGGER_STATE: Final = {
    ("binary_sensor", "detected"): "on",
    ("binary_sensor", "cleared"): "off",
    ("binary_sensor", "opened"): "on",
    ("binary_sensor", "closed"): "off",
    ("cover", "opened"): "open",
    ("cover", "closed"): "closed",
    ("valve", "opened"): "open",
    ("valve", "closed"): "closed",
    ("lock", "locked"): "locked",
    ("lock", "unlocked"): "unlocked",
    ("media_player", "playing"): "playing",
    ("media_player", "paused"): "paused",
    ("media_player", "stopped"): "idle",
    ("climate", "heating"): "heat",
    ("climate", "cooling"): "cool",
    ("vacuum", "started"): "cleaning",
    ("vacuum", "docked"): "docked",
}
# (domain, Spark action) -> (service, extra data)
_SERVICE: Final[dict[tuple[str, str], tuple[str, dict[str, Any]]]] = {
    ("cover", "opened"): ("open_cover", {}),
    ("cover", "closed"): ("close_cover", {}),
    ("valve", "opened"): ("open_valve", {}),
    ("valve", "closed"): ("close_valve", {}),
    ("lock", "locked"): ("lock", {}),
    ("lock", "unlocked"): ("unlock", {}),
    ("media_player", "playing"): ("media_play", {}),
    ("media_player", "paused"): ("media_pause", {}),
    ("media_player", "stopped"): ("media_stop", {}),
    ("climate", "heating"): ("set_hvac_mode", {"hvac_mode": "heat"}),
    ("climate", "cooling"): ("set_hvac_mode", {"hvac_mode": "cool"}),
    ("vacuum", "started"): ("start", {}),
    ("vacuum", "docked"): ("return_to_base", {}),
    ("vacuum", "paused"): ("pause", {}),
}
# A run that would find every target already as it leaves it (the state a
# trigger on that action waits for, _trigger_state) does nothing, so the
# automation asks first: a motion sensor chatty while the light is on fires
# it for nothing dozens of times a day, which is no firing a household counts
# as right (see _not_done). Domains whose "on" is any state but off (a TV
# turned on may be idle):
_ON_ANY: Final = frozenset({"media_player", "climate", "vacuum"})
_OFF_LIKE: Final = ["off", "standby"]
# Where the state an action leaves is not one, the states it acts on instead.
_ACTS_ON: Final[dict[tuple[str, str], list[str]]] = {
    ("media_player", "stopped"): ["playing", "paused", "buffering"],
    ("media_player", "paused"): ["playing", "buffering"],
    ("vacuum", "paused"): ["cleaning", "returning"],
}
# An input_select option as HA allows it: 1 to 255 characters, none a control one.
_OPTION: Final = re.compile(r"[^\x00-\x1f\x7f]{1,255}")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


# Never done by a learned routine, however regular: opening the home to anyone
# who happens to trigger it is not a convenience to guess at.
NEVER_AUTOMATED: Final = frozenset({("lock", "unlocked")})


# What undoes each action ("undo that" after a routine ran once). Undoing a
# lock is unlocking, which NEVER_AUTOMATED still refuses when compiled.
_UNDO: Final[dict[str, str]] = {
    "turned_on": "turned_off",
    "turned_off": "turned_on",
    "opened": "closed",
    "closed": "opened",
    "locked": "unlocked",
    "unlocked": "locked",
    "playing": "paused",
    "paused": "playing",
    "started": "docked",
}


class UnsafeSkillError(ValueError):
    """A skill cannot be turned into a safe automation."""


def undo_skill(skill: Skill) -> Skill:
    """Return the skill whose actions undo `skill`'s, last first.

    Compile it like any skill: the same allowlist applies to undoing.
    """
    actions = []
    for action in reversed(skill.actions):
        undo = _UNDO.get(action.target.action)
        if undo is None:
            raise UnsafeSkillError(f"cannot undo {action.target.action}")
        actions.append(Action(replace(action.target, action=undo)))
    return replace(skill, actions=tuple(actions))


def clean_text(text: str, limit: int) -> str:
    """Return text fit for an alias or description: one line, no template markers."""
    text = _CONTROL.sub(" ", text)
    for marker in ("{{", "}}", "{%", "%}", "{#", "#}"):
        text = text.replace(marker, marker[0] + " " + marker[1])
    return " ".join(text.split())[:limit]


def _entity(entity_id: str | None, domains: frozenset[str]) -> str:
    if entity_id is None:
        raise UnsafeSkillError("something it uses is no longer in this home")
    if not ENTITY_ID.fullmatch(entity_id):
        raise UnsafeSkillError(f"not a valid entity id: {entity_id!r}")
    if entity_id.split(".", 1)[0] not in domains:
        raise UnsafeSkillError(f"{entity_id} is not in an allowed domain")
    return entity_id


def _triggers(skill: Skill, resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Return the automation triggers of a skill: one per entity whose moment starts it."""
    trig = skill.trigger
    if trig.event is not None:
        # A resident who moved out (their person entity gone) leaves the
        # others' arrivals: only if none is left is the skill unrunnable.
        here = [e for e in trig.events if resolve(e.ref) is not None] or [trig.event]
        return [_event_trigger(trig, event, resolve) for event in here]
    if trig.sun is not None:
        sun: dict[str, Any] = {"trigger": "sun", "event": trig.sun}
        if trig.offset_min:
            sign = "-" if trig.offset_min < 0 else ""
            sun["offset"] = f"{sign}{minutes_to_hhmm(abs(trig.offset_min))}:00"
        return [sun]
    return [{"trigger": "time", "at": minutes_to_hhmm(trig.at or 0) + ":00"}]


def _event_trigger(
    trig: Trigger, event: Signature, resolve: Callable[[str], str | None]
) -> dict[str, Any]:
    """Return the state trigger of one entity's moment."""
    resolved, option = entity_and_option(resolve(event.ref) or "")
    entity_id = _entity(resolved or None, TRIGGER_DOMAINS)
    domain = entity_id.split(".", 1)[0]
    out: dict[str, Any] = {"trigger": "state", "entity_id": entity_id}
    if option is not None or domain == "input_select":
        # One option of a mode, exactly as it is spelled (a state trigger's
        # "to" is data, never rendered as a template).
        if domain != "input_select" or not _OPTION.fullmatch(option or ""):
            raise UnsafeSkillError(f"not an option of a select: {resolved!r}")
        out |= {"to": option, "not_from": list(_NOT_A_MOMENT)}
        if trig.hold_s:
            out["for"] = {"seconds": round(trig.hold_s)}
        return out
    if domain in MOMENT_DOMAINS:
        out |= {"not_from": list(_NOT_A_MOMENT), "not_to": list(_NOT_A_MOMENT)}
    else:
        out |= _trigger_state(domain, event.action)
        if "from" not in out:
            # Coming back after a restart is not the moment it waits for.
            out["not_from"] = list(_NOT_A_MOMENT)
    if trig.hold_s:
        out["for"] = {"seconds": round(trig.hold_s)}
    return out


def _window_variable(skill: Skill) -> dict[str, int]:
    """Say how long after a clock's or the sun's moment the person's own time comes."""
    trig = skill.trigger
    if trig.sun is not None:
        return {"aisthos_window_s": trig.span_min * 60}
    if trig.at is not None:
        cond = skill.conditions
        return {"aisthos_window_s": ((cond.end - cond.start) % 1440 + 1) * 60}
    return {}


def _trigger_state(domain: str, action: str) -> dict[str, str]:
    if domain in ("person", "device_tracker"):
        if action == "arrived":
            return {"to": "home"}
        if action == "left":
            return {"from": "home"}
    elif (domain, action) in _TRIGGER_STATE:
        return {"to": _TRIGGER_STATE[(domain, action)]}
    elif action in ("turned_on", "turned_off"):
        return {"to": "on" if action == "turned_on" else "off"}
    raise UnsafeSkillError(f"no trigger for {domain} {action}")


def _service(domain: str, action: str) -> tuple[str, dict[str, Any]]:
    if (domain, action) in NEVER_AUTOMATED:
        raise UnsafeSkillError(f"{domain} {action} is never automated")
    if (domain, action) in _SERVICE:
        return _SERVICE[(domain, action)]
    if action in ("turned_on", "turned_off"):
        return ("turn_on" if action == "turned_on" else "turn_off"), {}
    raise UnsafeSkillError(f"no action for {domain} {action}")


def _not_done(action: Action, domain: str, entity_id: str) -> dict[str, Any] | None:
    """Return the condition that the action would change its entity (None: always would).

    HA checks conditions when the trigger fires: a step that waits first may
    find its entity changed by then, so it asks nothing (None).
    """
    verb = action.target.action
    if domain in MOMENT_DOMAINS or domain not in ACTION_DOMAINS:
        return None
    if action.delay_s >= DELAY_STEP_MIN_S:
        return None
    if verb == "turned_on" and domain in _ON_ANY:
        return {"condition": "state", "entity_id": entity_id, "state": list(_OFF_LIKE)}
    if (domain, verb) in _ACTS_ON:
        return {"condition": "state", "entity_id": entity_id, "state": _ACTS_ON[(domain, verb)]}
    try:
        leaves = _trigger_state(domain, verb)["to"]
    except UnsafeSkillError:
        return None
    # HA calls no unavailable entity (entity_service_call): a run would do nothing.
    done_states = [leaves, "unavailable"]
    if verb == "turned_off" and domain in _ON_ANY:
        done_states = [*_OFF_LIKE, "unavailable"]  # standby is off (as perception reads it)
    done = {"condition": "state", "entity_id": entity_id, "state": done_states}
    return {"condition": "not", "conditions": [done]}


def automation_id(skill: Skill) -> str:
    """Return the stable automation id of a skill."""
    return "aisthos_" + re.sub(r"[^a-z0-9_]", "", skill.id.lower())


def compile_automation(
    skill: Skill,
    resolve: Callable[[str], str | None],
    extra_conditions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return the automation config (new-style triggers/conditions/actions keys).

    resolve maps a Spark ref to this home's entity id (None if unknown).
    """
    triggers = _triggers(skill, resolve)
    cond = skill.conditions
    time_condition: dict[str, Any] = {"condition": "time"}
    if (cond.start, cond.end) != WHOLE_DAY:
        time_condition["after"] = minutes_to_hhmm(cond.start) + ":00"
        time_condition["before"] = minutes_to_hhmm(cond.end) + ":59"
    if tuple(cond.days) != WEEKDAYS:
        if not set(cond.days) <= set(WEEKDAYS):
            raise UnsafeSkillError(f"bad days {cond.days!r}")
        time_condition["weekday"] = list(cond.days)
    conditions: list[dict[str, Any]] = [time_condition] if len(time_condition) > 1 else []
    if cond.someone_home:
        conditions.append({"condition": "numeric_state", "entity_id": "zone.home", "above": 0})
    if cond.after_dark:
        conditions.append({"condition": "state", "entity_id": "sun.sun", "state": "below_horizon"})
    conditions.extend(extra_conditions or [])
    actions: list[dict[str, Any]] = []
    waited = 0.0
    targets: set[str] = set()
    not_done: list[dict[str, Any] | None] = []
    for action in sorted(skill.actions, key=lambda a: a.delay_s):
        entity_id = _entity(resolve(action.target.ref), ACTION_DOMAINS)
        if entity_id in targets:
            # Switching one thing twice in one run (on, then off) is two routines.
            raise UnsafeSkillError(f"{entity_id} is changed twice in one automation")
        targets.add(entity_id)
        domain = entity_id.split(".", 1)[0]
        service, data = _service(domain, action.target.action)
        not_done.append(_not_done(action, domain, entity_id))
        # Wait where the person waited: a kettle minutes after coming home.
        if action.delay_s - waited >= DELAY_STEP_MIN_S:
            actions.append({"delay": {"seconds": round(action.delay_s - waited)}})
            waited = action.delay_s
        step: dict[str, Any] = {"action": f"{domain}.{service}", "target": {"entity_id": entity_id}}
        if data:
            step["data"] = dict(data)
        actions.append(step)
    if not actions:
        raise UnsafeSkillError("a skill needs at least one action")
    # Run only if some target is not yet as it would leave it (checked when
    # the trigger fires, as HA checks conditions).
    if all(c is not None for c in not_done):
        checks = [c for c in not_done if c is not None]
        conditions.append(
            checks[0] if len(checks) == 1 else {"condition": "or", "conditions": checks}
        )
    return {
        "id": automation_id(skill),
        "alias": clean_text(skill.name, 120) or automation_id(skill),
        "description": clean_text(
            f"{skill.explanation} Confidence {round(skill.confidence * 100)} %, learned from "
            f"{skill.learned_from} days. Learned by AisthOS.",
            600,
        ),
        "mode": "single",
        "variables": {
            "aisthos_skill_id": clean_text(skill.id, 40),
            "aisthos_confidence": round(skill.confidence, 3),
            **_window_variable(skill),
        },
        "triggers": triggers,
        "conditions": conditions,
        "actions": actions,
    }
