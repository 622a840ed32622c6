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
from functools import lru_cache
import re
from typing import Final
import unicodedata

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
# A name's word with an ending of up to this many letters is the name too
# ("Annas Lampe", "z Jonasem"), two fewer than the name has ("Li" takes
# none): masking a longer word loses a word, it keeps no name.
NAME_ENDING_MAX: Final = 3
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer,
# Chinese, Japanese kana), and Korean, whose particles join the name
# ("민지의"): a name there is masked wherever it stands.
_UNSPACED: Final = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
# The markers this module sets (names are not looked for inside them).
_MARKER: Final = re.compile(r"(\[(?:email|link|phone|name)\])")
# What separates a name's words (not \W: Devanagari's vowel signs are no \w).
_NAME_SEPARATORS: Final = re.compile(r"[\s.,;:!?()\[\]{}<>\"'`/\\|@#&*+=~^_-]+")


def mask_personal(text: str, names: Iterable[str] = (), not_names: Iterable[str] = ()) -> str:
    """Return text with e-mail and web addresses, phone numbers and the given names masked.

    names: the household's ("Anna Weber"); each word of one is masked in any
    case, with a short ending ("anna's lamp" -> "[name]'s lamp"). A name that
    is also a word ("Will") masks that word too: a sentence loses a word, no
    name is kept. not_names: words never taken for a name (the home's rooms:
    a wall panel's user "Kitchen Tablet" must not mask every kitchen).
    """
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)  # before the spelled-out form: "it at example.com/x"
    text = _SPELLED_EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    pattern = _names_pattern(tuple(names), tuple(not_names))
    if pattern is None:
        return text
    # Never inside a marker already set (a person called Link, and "[link]").
    pieces = _MARKER.split(text)
    return "".join(p if i % 2 else pattern.sub("[name]", p) for i, p in enumerate(pieces))


@lru_cache(maxsize=8)
def _names_pattern(names: tuple[str, ...], not_names: tuple[str, ...]) -> re.Pattern[str] | None:
    """Return what matches the names' words (built once: an export masks hundreds of texts)."""
    keep = {w.casefold() for n in not_names for w in _name_words(n)}
    words = {w for n in names for w in _name_words(n) if w.casefold() not in keep}
    if not words:
        return None
    # Longest first. The shorter the name, the shorter its ending ("Li" is no "light").
    ordered = sorted(words, key=lambda w: (-len(w), w))
    spaced = [
        rf"{re.escape(w)}\w{{0,{min(NAME_ENDING_MAX, max(0, len(w) - 2))}}}"
        for w in ordered
        if not _UNSPACED.search(w)
    ]
    unspaced = [re.escape(w) for w in ordered if _UNSPACED.search(w)]
    parts = [rf"(?<!\w)(?:{'|'.join(spaced)})(?!\w)"] if spaced else []
    return re.compile("|".join(parts + unspaced), re.IGNORECASE)


def _name_words(name: str) -> list[str]:
    """Return a name's words worth masking (NFC, as the text is)."""
    words = _NAME_SEPARATORS.split(unicodedata.normalize("NFC", name))
    return [w for w in words if len(w) >= NAME_WORD_MIN]
