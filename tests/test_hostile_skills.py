"""Hostile names and values never make an automation do anything but the learned actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from custom_components.aisthos.engine.automation_config import UnsafeSkillError, compile_automation
from custom_components.aisthos.engine.skill import Action, Conditions, Signature, Skill, Trigger
from custom_components.aisthos.skill_runner import SkillRunner
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

HOSTILE_TEXT = [
    "{{ states('lock.front') }}",
    "{% for s in states %}{{ s }}{% endfor %}",
    "{# hidden #}",
    "{{ '{{' }}",
    "${HOME}",
    "&anchor value",
    "*anchor",
    "<<: *anchor",
    "!!python/object/apply:os.system ['touch /tmp/pwned']",
    "!secret api_password",
    "!include /etc/passwd",
    "!env_var HOME",
    "!input trigger",
    "x\n- action: lock.unlock\n  target:\n    entity_id: lock.front",
    "x\r\n  actions: []",
    "line\u2028separator",
    "\u202eevil right-to-left",
    "zero\u200bwidth",
    "nul\x00byte",
    "tab\tand\vvertical",
    "--- \n...",
    "%YAML 1.1",
    "key: value",
    "'single' \"double\" `back`",
    "\\ backslash \\n",
    "[link](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "# not a comment",
    "ⅼight.hall homoglyph",
    "emoji 🏠🔥",
    "x" * 5000,
    "",
    " ",
    "null",
    "true",
    "0x1F",
    "@at",
    "|\n  block",
    ">\n  folded",
    "? complex key",
]
HOSTILE_ENTITY_IDS = [
    None,
    "shell_command.wipe",
    "python_script.x",
    "rest_command.call",
    "script.turn_everything_off",
    "automation.other",
    "homeassistant.restart",
    "lock",
    "light.hall\n",
    "light.hall; rm -rf /",
    "light.{{x}}",
    "light.Hall",
    "light..hall",
    "light.hall/../x",
    "light.ha ll",
    "light." + "a" * 300,
    "ⅼight.hall",
    "light.hall\u200b",
    "",
    "notify.all",
]
HOSTILE_ACTIONS = [
    "exec",
    "turned_on\n",
    "{{x}}",
    "restart",
    "turn_on",
    "call_service",
    "",
    "delete",
    "unlocked\x00",
    "set",
]


def base_skill(name: str = "Evening: hall", explanation: str = "Seen on 9 of 10 days.") -> Skill:
    return Skill(
        id="s_0123456789",
        name=name,
        trigger=Trigger(event=Signature("t", "detected", "motion", "motion", "hallway")),
        conditions=Conditions(1130, 1160),
        actions=(Action(Signature("a", "turned_on", "power", "light", "hallway")),),
        explanation=explanation,
    ).with_evidence({"2026-11-20": 1, "2026-11-21": 1, "2026-11-22": 1}, date(2026, 11, 25))


GOOD = {"t": "binary_sensor.hall_motion", "a": "light.hall"}


def cases() -> list[tuple[str, Skill, dict[str, str | None]]]:
    out: list[tuple[str, Skill, dict[str, str | None]]] = []
    for text in HOSTILE_TEXT:
        out.append(("name", base_skill(name=text), GOOD))
        out.append(("explanation", base_skill(explanation=text), GOOD))
    for entity_id in HOSTILE_ENTITY_IDS:
        out.append(("action entity", base_skill(), {**GOOD, "a": entity_id}))
        out.append(("trigger entity", base_skill(), {**GOOD, "t": entity_id}))
    for action in HOSTILE_ACTIONS:
        skill = base_skill()
        target = Signature("a", action, "power", "light", "hallway")
        out.append(("action", replace(skill, actions=(Action(target),)), GOOD))
    return out


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(k) + strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def check_written(config: dict[str, Any]) -> None:
    """The automation does exactly the learned thing, with data-only strings."""
    assert config["triggers"] == [
        {
            "trigger": "state",
            "entity_id": "binary_sensor.hall_motion",
            "to": "on",
            "not_from": ["unavailable", "unknown"],
        }
    ]
    assert config["actions"] == [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}]
    time, not_done = config["conditions"]
    assert time["condition"] == "time"
    assert not_done == {
        "condition": "not",
        "conditions": [
            {"condition": "state", "entity_id": "light.hall", "state": ["on", "unavailable"]}
        ],
    }
    assert set(config) == {
        "id",
        "alias",
        "description",
        "mode",
        "variables",
        "triggers",
        "conditions",
        "actions",
    }
    for text in strings(config):
        assert "{{" not in text
        assert "{%" not in text
        assert "{#" not in text
        assert "\n" not in text
        assert "\x00" not in text


async def test_hostile_inputs_cannot_change_what_a_skill_does(hass: HomeAssistant) -> None:
    all_cases = cases()
    assert len(all_cases) >= 100
    config_dir = Path(hass.config.config_dir)
    before = sorted(p.name for p in config_dir.iterdir())
    runner = SkillRunner(hass)
    ran = refused = 0
    for kind, skill, entities in all_cases:
        try:
            config = compile_automation(skill, entities.get)
            await runner.async_set(config["id"], config)
        except (UnsafeSkillError, HomeAssistantError):
            refused += 1
            continue
        ran += 1
        check_written(config)
        assert runner.keys() == {"aisthos_s_0123456789"}, kind
    # Hostile text is neutralised and runs; hostile targets are refused.
    assert ran >= 2 * len(HOSTILE_TEXT)
    assert refused >= len(HOSTILE_ENTITY_IDS) * 2 + len(HOSTILE_ACTIONS) - 2
    runner.async_stop()
    assert runner.keys() == set()
    assert sorted(p.name for p in config_dir.iterdir()) == before  # no file written
