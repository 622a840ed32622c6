"""A valid User Wisdom document and 50+ broken or hostile variants of it."""

from __future__ import annotations

import copy
import json
from typing import Any

from custom_components.aisthos.engine.style_bandit import BUCKETS, Style, StyleBandit, StyleContext

VALID: dict[str, Any] = {
    "format": "aisthos.user_wisdom",
    "version": "1.0",
    "created": "2026-11-25T20:00:00+01:00",
    "home": {"time_zone": "Europe/Berlin"},
    "growth": {
        "stage": "child",
        "born": "2026-11-01",
        "history": [{"stage": "infant", "since": "2026-11-01"}, {"stage": "child", "since": "2026-11-04"}],
    },
    "entities": {
        "aaaaaaaaaaaa": {"entity_id": "binary_sensor.hall_motion", "domain": "binary_sensor", "device_class": "motion", "area": "Hallway", "name": "Hall motion"},
        "bbbbbbbbbbbb": {"entity_id": "light.hall", "domain": "light", "device_class": None, "area": "Hallway", "name": "Hall light"},
        "cccccccccccc": {"entity_id": "switch.kettle", "domain": "switch", "device_class": None, "area": "Kitchen", "name": "Kettle"},
    },
    "skills": [
        {
            "id": "s_0123456789",
            "name": "Evening hall motion: Hall light",
            "trigger": {"type": "event", "ref": "aaaaaaaaaaaa", "action": "detected", "kind": "motion", "object": "motion", "area": "hallway"},
            "conditions": {"after": "18:50", "before": "19:20", "days": ["mon", "tue", "wed", "thu", "fri"], "someone_home": False},
            "actions": [{"ref": "bbbbbbbbbbbb", "action": "turned_on", "kind": "power", "object": "light", "area": "hallway", "delay_s": 20.0}],
            "confidence": 0.71,
            "learned_from": 9,
            "explanation": "Seen on 9 of 10 weekdays between 18:50 and 19:20.",
            "first_seen": "2026-11-10",
            "last_observed": "2026-11-24",
            "evidence": {"from": "2026-11-10", "days": "11111..10111..1111"},
            "decision": {"status": "approved", "changed": "2026-11-20", "feedback": 0.1, "counts": {"approve": 1}, "rejected_learned_from": 0, "rejected_confidence": 0.0, "snoozed_until": "", "written": ""},
        },
        {
            "id": "s_9876543210",
            "name": "Weekend routine: Kettle",
            "trigger": {"type": "time", "at": "09:30"},
            "conditions": {"after": "09:10", "before": "09:50", "days": ["sat", "sun"], "someone_home": True},
            "actions": [{"ref": "cccccccccccc", "action": "turned_on", "kind": "power", "object": "switch", "area": "kitchen", "delay_s": 0.0}],
            "confidence": 0.55,
            "learned_from": 4,
            "explanation": "Seen on 4 of 4 weekend days between 09:10 and 09:50.",
            "first_seen": "2026-11-07",
            "last_observed": "2026-11-22",
            "evidence": {"from": "2026-11-07", "days": "11.....11"},
        },
    ],
    "dormant": [],
    "rejected": [{"id": "s_5555555555", "decision": {"status": "rejected", "changed": "2026-11-15", "feedback": -0.3, "counts": {"reject": 1}, "rejected_learned_from": 5, "rejected_confidence": 0.6, "snoozed_until": "", "written": ""}}],
    "teachings": [],
    "preferences": {"style_bandit": StyleBandit().as_dict()},  # a fresh state: nothing learned
    "communication_style": {"length": "brief", "form": "prose", "initiative": "quiet"},
    "observations": {"sparks": 1234, "first": "2026-11-01", "last": "2026-11-24", "by_kind": {"motion": 800, "power": 434}, "by_area": {"hallway": 1000, "kitchen": 234}, "by_hour": [0] * 23 + [1234]},
}  # fmt: skip


MORNING = StyleContext(9, False, "voice")


def learned_bandit() -> dict[str, Any]:
    """A style bandit's state that learned "more detail, please" in the morning."""
    bandit = StyleBandit(seed=0)
    for _ in range(5):
        bandit.feedback(MORNING, Style(), "more_detail")
    return bandit.as_dict()


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    target: Any = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return doc


_DELETE = object()

# (path, value): each makes the document invalid.
BROKEN_FIELDS: list[tuple[str, Any]] = [
    ("format", "something.else"),
    ("format", _DELETE),
    ("version", "2.0"),
    ("version", "one"),
    ("version", 1.0),
    ("created", _DELETE),
    ("growth.stage", "toddler"),
    (
        "growth.history",
        [{"stage": "infant", "since": "2026-11-01"}, {"stage": "teen", "since": "2026-11-04"}],
    ),
    ("growth.history", [{"stage": "child", "since": "2026-11-04"}]),
    ("growth.born", "yesterday"),
    ("growth.history.1.since", "2026-10-01"),
    ("entities.aaaaaaaaaaaa.entity_id", "script.turn_everything_off"),
    ("entities.aaaaaaaaaaaa.entity_id", "binary_sensor.hall\nactions:"),
    ("entities.aaaaaaaaaaaa.domain", "shell_command"),
    ("entities.aaaaaaaaaaaa.name", "x" * 5000),
    ("entities.aaaaaaaaaaaa.extra", "field"),
    ("skills.0.id", "../../etc/passwd"),
    ("skills.0.id", "s_1 {{ states }}"),
    ("skills.0.id", "S_UPPER"),
    ("skills.0.name", 42),
    ("skills.0.name", "n" * 1000),
    ("skills.0.trigger", {"type": "template", "value_template": "{{ true }}"}),
    ("skills.0.trigger.ref", "{{x}}"),
    ("skills.0.trigger.action", "turn_on\n"),
    ("skills.0.trigger.also", "aaaaaaaaaaaa"),
    (
        "skills.0.trigger.also",
        [
            {
                "ref": "aaaaaaaaaaaa",
                "action": "detected",
                "kind": "motion",
                "object": "motion",
                "area": "hallway",
            }
        ],
    ),
    (
        "skills.0.trigger.also",
        [
            {
                "ref": "zzzzzzzzzzzz",
                "action": "detected",
                "kind": "motion",
                "object": "motion",
                "area": "hallway",
            }
        ],
    ),
    (
        "skills.0.trigger.also",
        [
            {
                "ref": "bbbbbbbbbbbb",
                "action": "cleared",
                "kind": "motion",
                "object": "motion",
                "area": "hallway",
            }
        ],
    ),
    ("skills.0.conditions.after", "25:00"),
    ("skills.0.conditions.days", ["mon", "funday"]),
    ("skills.0.conditions.days", []),
    ("skills.0.actions", []),
    ("skills.0.actions.0.ref", "zzzzzzzzzzzz"),
    ("skills.0.actions.0.delay_s", -5),
    ("skills.0.actions.0.service", "shell_command.x"),
    ("skills.0.confidence", 1.5),
    ("skills.0.confidence", "high"),
    ("skills.0.learned_from", -1),
    ("skills.0.evidence.days", "11x11"),
    ("skills.0.evidence.from", "2026-13-45"),
    ("skills.0.decision.status", "owned"),
    ("skills.0.decision.feedback", 3.0),
    ("skills.1.id", "s_0123456789"),
    ("rejected.0.decision.status", "approved"),
    ("teachings", [{"id": "t_1", "phrase": "", "actions": []}]),
    ("teachings", "not a list"),
    ("preferences", {"style": "not an object"}),
    # The preferences AisthOS reads must be what it writes itself.
    ("preferences.style_bandit", {"note": "state of the bandit"}),
    ("preferences.style_bandit", {"version": 2, "styles": "x", "dimensions": {}}),
    (
        "preferences.style_bandit",
        {"version": 2, "styles": [[[1e300, 0]] * 8] * BUCKETS, "dimensions": {}},
    ),
    ("preferences.style_bandit", {"a": {"b": {"c": [1, 2, [3, [4, [5]]]]}}}),
    ("preferences.style_bandit", {**StyleBandit().as_dict(), "version": 99}),
    ("preferences.style_bandit", None),
    ("preferences.style_bandit", []),
    ("preferences.communication_style", {"length": "enormous"}),
    ("preferences.communication_style", {"volume": "loud"}),
    ("preferences.communication_style", None),
    ("communication_style.length", "rambling"),
    ("observations.by_hour", [1, 2, 3]),
    ("observations.sparks", -3),
    ("home.time_zone", "../../../etc/localtime"),
    ("unexpected", {"key": 1}),
    ("skills", [{}] * 3),
    ("entities", {"BAD REF": {"entity_id": "light.x", "domain": "light"}}),
]


def broken_documents() -> list[tuple[str, str]]:
    """Return (label, file text) pairs that must all be rejected."""
    out: list[tuple[str, str]] = []
    for path, value in BROKEN_FIELDS:
        doc = _set(copy.deepcopy(VALID), path, value)
        out.append((f"{path}={str(value)[:30]!r}", json.dumps(doc)))
    text = json.dumps(VALID)
    out += [
        ("empty", ""),
        ("truncated", text[: len(text) // 2]),
        ("truncated at the end", text[:-1]),
        ("not json", "this is not json"),
        ("a list", "[]"),
        ("a number", "42"),
        ("null", "null"),
        ("NaN", text.replace("0.71", "NaN")),
        ("Infinity", text.replace("0.71", "Infinity")),
        *((f"{path}={number[:8]}", text) for path, number, text in out_of_range_numbers()),
        ("deep nesting", "[" * 100_000 + "]" * 100_000),
        ("huge", json.dumps({**VALID, "padding": "x" * 6_000_000})),
        ("binary", "\udcff"),
        ("yaml", "format: aisthos.user_wisdom\nversion: '1.0'\n"),
        ("duplicate keys to confuse", text.replace('"format"', '"format": "evil", "format"', 1)),
    ]
    return out


# Valid JSON numbers that no reader keeps exactly: 1e400 is read as infinity.
HUGE_NUMBERS = ("1e400", "-1e400", "1" + "0" * 400, "-" + "9" * 5000)


def out_of_range_numbers() -> list[tuple[str, str, str]]:
    """Return (path, number, file text) with a huge number in a count or a preference."""
    out: list[tuple[str, str, str]] = []
    for number in HUGE_NUMBERS:
        text = json.dumps(VALID).replace('"sparks": 1234', f'"sparks": {number}')
        out.append(("observations.sparks", number, text))
        for key in ("style_bandit", "other"):
            doc = copy.deepcopy(VALID)
            doc["preferences"][key] = {"version": 2, "junk": 12345}
            text = json.dumps(doc).replace("12345", number)
            out.append((f"preferences.{key}.junk", number, text))
    return out


def hostile_preferences() -> list[tuple[str, str]]:
    """Return (path the error must begin with, file text) for each unusable preference."""
    out = [
        (path, json.dumps(_set(copy.deepcopy(VALID), path, value)))
        for path, value in BROKEN_FIELDS
        if path.startswith("preferences.")
    ]
    out += [
        (path, text) for path, _, text in out_of_range_numbers() if path != "observations.sparks"
    ]
    return out
