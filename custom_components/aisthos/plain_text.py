"""Names and other household text as plain text, wherever AisthOS shows them.

Repairs, notifications and flows render Markdown (and some HTML): a name
that came from an imported file, the engine's LLM or the household must not
become a link, an image or a shout there. Every such text goes through
`plain`.
"""

from __future__ import annotations

import re
from typing import Final

from .engine.automation_config import clean_text

_MARKDOWN: Final = re.compile(r"[\\`*_\[\]()<>#!|~]")
_AUTOLINK: Final = re.compile(r"(?i)(://|\bwww\.|@)")


def plain(text: str, limit: int = 200) -> str:
    """Return text with no Markdown, HTML or link in it, on one line, at most `limit` long.

    Bare addresses ("https://…", "www.…") would still be made links by the
    frontend: a zero-width space keeps them plain text.
    """
    return _AUTOLINK.sub("\\1\u200b", _MARKDOWN.sub("", clean_text(text, limit)))
