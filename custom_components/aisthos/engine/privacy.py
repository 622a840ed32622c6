"""Masking of personal details in text the household says to the companion.

Interactions are kept to fine-tune the local model (Track C); e-mail
addresses (also spelled out, "ann (at) example (dot) com"), phone numbers,
web addresses and the household's own names (its people and users, as Home
Assistant knows them) are replaced by a marker before anything is stored.
Other names and street addresses are not recognised: that would take a
language model of its own. Shared by the integration and the add-on.
"""

from __future__ import annotations

from collections.abc import Iterable
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


# A name's single letters (initials) are not masked: they would mask "a" and "I".
NAME_WORD_MIN: Final = 2


def mask_personal(text: str, names: Iterable[str] = ()) -> str:
    """Return text with e-mail and web addresses, phone numbers and the given names masked.

    names: the household's ("Anna Weber"); each word of one is masked as a
    whole word in any case ("anna's lamp" -> "[name]'s lamp"). A name that is
    also a word ("Will") masks that word too: a sentence loses a word, no
    name is kept.
    """
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)  # before the spelled-out form: "it at example.com/x"
    text = _SPELLED_EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    words = {w for name in names for w in re.findall(r"\w+", name) if len(w) >= NAME_WORD_MIN}
    if not words:
        return text
    # Longest first, so "Annabel" is masked whole where "Anna" is a name too.
    pattern = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", "[name]", text, flags=re.IGNORECASE)
