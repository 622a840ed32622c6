# Copied from custom_components/aisthos/engine by scripts/sync-addon: do not edit.
"""Masking of personal details in text the household says to the companion.

Interactions are kept to fine-tune the local model (Track C); e-mail
addresses, phone numbers and web addresses in them are replaced by a marker
before anything is stored. Shared by the integration and the add-on.
"""

from __future__ import annotations

import re
from typing import Final

_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL: Final = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_PHONE: Final = re.compile(r"(?<!\w)\+?\d[\d ()./-]{6,}\d(?!\w)")


def mask_personal(text: str) -> str:
    """Return text with e-mail addresses, web addresses and phone numbers masked."""
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    return _PHONE.sub("[phone]", text)
