"""Taught phrases: "when I say <phrase>, <verb> <entity>", as data and as a config.

A teaching is kept as a few plain words and one action signature (the
entity's Spark ref, not its id, so a wisdom file carries it to another
home); it becomes an automation config with a conversation trigger only in
the home that runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
import hashlib
import re
from typing import Any, Final

from .automation_config import clean_text

# A taught phrase is a few plain words: Assist's template characters are not allowed.
PHRASE_MAX: Final = 60
_PHRASE: Final = re.compile(rf"[^\W_][\w' -]{{0,{PHRASE_MAX - 2}}}[^\W_]", re.UNICODE)
# What can be taught, per domain: verb -> service.
TEACHABLE: Final[dict[str, dict[str, str]]] = {
    "light": {"turn_on": "turn_on", "turn_off": "turn_off"},
    "switch": {"turn_on": "turn_on", "turn_off": "turn_off"},
    "fan": {"turn_on": "turn_on", "turn_off": "turn_off"},
    "media_player": {"turn_on": "turn_on", "turn_off": "turn_off"},
    "climate": {"turn_on": "turn_on", "turn_off": "turn_off"},
    "input_boolean": {"turn_on": "turn_on", "turn_off": "turn_off"},
    "cover": {"open": "open_cover", "close": "close_cover"},
    "lock": {"close": "lock"},
}
_TAUGHT_ACTION: Final = {
    "turn_on": "turned_on",
    "turn_off": "turned_off",
    "open": "opened",
    "close": "closed",
}
_TAUGHT_VERB: Final = {action: verb for verb, action in _TAUGHT_ACTION.items()}
_KIND_OBJECT: Final = {
    "light": ("power", "light"),
    "switch": ("power", "switch"),
    "fan": ("power", "fan"),
    "media_player": ("media", "media_player"),
    "climate": ("climate", "climate"),
    "cover": ("cover", "cover"),
    "lock": ("lock", "lock"),
}


def clean_phrase(phrase: str) -> str | None:
    """Return the phrase with its spaces tidied, or None when it is no plain phrase.

    Bounded before any work on it: a 15 MB "phrase" is not split.
    """
    tidy = " ".join(phrase.split()) if len(phrase) <= 4 * PHRASE_MAX else ""
    return tidy if _PHRASE.fullmatch(tidy) else None


def service_for(entity_id: str, verb: str) -> str | None:
    """Return the service a verb calls on the entity's domain (None: cannot be taught)."""
    return TEACHABLE.get(entity_id.split(".", 1)[0], {}).get(verb)


def teaching_id(phrase: str, entity_id: str, verb: str) -> str:
    """Return the teaching's id: the same phrase, entity and verb are one teaching."""
    digest = hashlib.sha256(f"{phrase.casefold()}|{entity_id}|{verb}".encode()).hexdigest()
    return "t_" + digest[:10]


def teaching_record(
    phrase: str, entity_id: str, verb: str, ref: str, today: date
) -> dict[str, Any]:
    """Return the teaching as kept (and carried in a wisdom file)."""
    kind, obj = _KIND_OBJECT.get(entity_id.split(".", 1)[0], ("power", "switch"))
    return {
        "id": teaching_id(phrase, entity_id, verb),
        "phrase": phrase,
        "created": today.isoformat(),
        "actions": [
            {"ref": ref, "action": _TAUGHT_ACTION[verb], "kind": kind, "object": obj,
             "area": "unknown"}
        ],
    }  # fmt: skip


def teaching_config(
    teaching: Mapping[str, Any], entity_of: Mapping[str, str], automation_id: str
) -> dict[str, Any]:
    """Return the automation config of a taught phrase: its sentence, then the action.

    entity_of maps Spark refs to this home's entity ids; ValueError when the
    teaching cannot be done here (its entity is not in this home).
    """
    try:
        signature = teaching["actions"][0]
        entity_id = entity_of[signature["ref"]]
        verb = _TAUGHT_VERB[signature["action"]]
        domain = entity_id.split(".", 1)[0]
        service = TEACHABLE[domain][verb]
        phrase = clean_phrase(str(teaching["phrase"]))
    except (KeyError, IndexError, TypeError) as err:
        raise ValueError(f"the taught phrase cannot be done here ({err!r})") from err
    if phrase is None:
        # From a wisdom file, perhaps: "{anything}" would answer every sentence.
        raise ValueError("the taught phrase is not a few plain words")
    return {
        "id": automation_id,
        "alias": clean_text(f"When I say “{phrase}”", 120),
        "description": "Taught to AisthOS by the household.",
        "mode": "single",
        "triggers": [{"trigger": "conversation", "command": [phrase]}],
        "conditions": [],
        "actions": [{"action": f"{domain}.{service}", "target": {"entity_id": entity_id}}],
    }
