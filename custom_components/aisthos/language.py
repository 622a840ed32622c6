"""What AisthOS says, per language: Assist sentences and answers, notifications.

Everything lives in sentences/<language>.yaml (English ships; a translation is
one more file). Home Assistant's own translations (strings.json) cover the UI
and errors; these files cover AisthOS's own words, which HA has no category for.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
import re
from typing import Any, Final

import yaml

SENTENCES: Final = Path(__file__).with_name("sentences")


def load_language(language: str) -> dict[str, Any]:
    """Return the sentences and answers of a language (English when missing)."""
    base = language.split("-", maxsplit=1)[0].lower()
    path = SENTENCES / f"{base}.yaml"
    if not re.fullmatch(r"[a-z]{2,3}", base) or not path.exists():
        path = SENTENCES / "en.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


# Read once when the integration is imported (Home Assistant imports it in a
# worker thread): the words to fall back on before a language is loaded.
ENGLISH: Final = load_language("en")


def phrase(language: Mapping[str, Any], section: str, key: str, **values: Any) -> str:
    """Return a text of a language file, filled in; English where it has none."""
    texts = language.get(section)
    text = texts.get(key) if isinstance(texts, Mapping) else None
    if not isinstance(text, str):  # missing, or a translation left half done
        text = ENGLISH[section][key]
    return str(text).format(**values)


def joined(language: Mapping[str, Any], items: list[str]) -> str:
    """Return 'a, b and c' in the language."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + phrase(language, "notifications", "and") + items[-1]
