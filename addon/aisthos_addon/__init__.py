"""AisthOS add-on: camera perception, a local LLM and Track C, on the user's own hardware."""

from __future__ import annotations

__version__ = "0.1.0"
