"""Masking of personal details in text the household says to the companion.

Interactions are kept to fine-tune the local model (Track C); e-mail
addresses (also spelled out, "ann (at) example (dot) com"), phone numbers and
web addresses in them are replaced by a marker before anything is stored.
Names and street addresses are not recognised: that would take a language
model of its own. Shared by the integration and the add-on.
"""

from __future__ import annotations

import re
from typing import Final

_TLD: Final = r"(?:com|org|net|de|io|uk|eu|fr|nl|ch|at|info|app|dev|local|lan)"
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Spelled out: "ann (at) example (dot) com", "ann at example.com".
_SPELLED_EMAIL: Final = re.compile(
    r"\b[\w.+-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[a-z][\w-]*"
    r"(?:\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*[a-z][\w-]*)*?"
    rf"\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*{_TLD}\b",
    re.IGNORECASE,
)
# With a scheme, www., or a host name ending in a common top-level domain.
_URL: Final = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+"
    rf"|\b(?:[\w-]+\.)+{_TLD}\b\S*",
    re.IGNORECASE,
)
_PHONE: Final = re.compile(r"(?<!\w)\+?\d[\d ()./-]{6,}\d(?!\w)")


def mask_personal(text: str) -> str:
    """Return text with e-mail addresses, web addresses and phone numbers masked."""
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)  # before the spelled-out form: "it at example.com/x"
    text = _SPELLED_EMAIL.sub("[email]", text)
    return _PHONE.sub("[phone]", text)
