"""Every text the integration shows has an English string, and the copies agree."""

from __future__ import annotations

import json
from pathlib import Path
import re

import yaml

COMPONENT = Path(__file__).resolve().parents[1] / "custom_components" / "aisthos"
STRINGS = json.loads((COMPONENT / "strings.json").read_text())


def code() -> str:
    return "\n".join(p.read_text() for p in COMPONENT.glob("*.py"))


def test_translations_en_is_strings_json() -> None:
    assert json.loads((COMPONENT / "translations" / "en.json").read_text()) == STRINGS


def test_every_service_is_described() -> None:
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    assert set(services) == set(STRINGS["services"])
    icons = json.loads((COMPONENT / "icons.json").read_text())
    assert set(services) == set(icons["services"])
    for name, spec in services.items():
        fields = set((spec or {}).get("fields", {}) or {})
        assert fields == set(STRINGS["services"][name].get("fields", {})), name


def test_every_translation_key_in_the_code_has_a_string() -> None:
    source = code()
    exceptions = set(re.findall(r'translation_key="([a-z_]+)"', source))
    known = set(STRINGS["exceptions"]) | set(STRINGS["issues"])
    assert exceptions - {"skill"} <= known, exceptions - known
    for key in re.findall(r'super\(\).__init__\(entry, "([a-z_]+)"\)', source):
        assert any(key in STRINGS["entity"][platform] for platform in STRINGS["entity"]), key


def test_every_flow_abort_and_error_has_a_string() -> None:
    source = (COMPONENT / "config_flow.py").read_text() + (COMPONENT / "repairs.py").read_text()
    for reason in re.findall(r'async_abort\(reason="([a-z_]+)"\)', source):
        assert reason in STRINGS["config"]["abort"] or any(
            reason in issue.get("fix_flow", {}).get("abort", {})
            for issue in STRINGS["issues"].values()
        ), reason
    for error in ("cannot_connect", "invalid_auth"):
        assert error in STRINGS["config"]["error"]


def test_sentences_and_answers_exist_for_every_intent() -> None:
    sentences = yaml.safe_load((COMPONENT / "sentences" / "en.yaml").read_text())
    voice = (COMPONENT / "voice.py").read_text()
    for intent in sentences["intents"]:
        assert f'"{intent}"' in voice, intent
    for key in re.findall(r'self\.say\(\s*"([a-z_]+)"', voice):
        assert key in sentences["responses"], key


def test_every_kind_of_entity_offered_has_a_label() -> None:
    from custom_components.aisthos.engine.perception import SUPPORTED_DOMAINS

    labels = STRINGS["selector"]["domains"]["options"]
    assert set(labels) == set(SUPPORTED_DOMAINS)
