"""Catch AisthOS writing a file in the config folder that is not its own.

A Python audit hook sees every file opened for writing, renamed or removed in
the process. When the path is inside the current test's config folder and
AisthOS's code is on the stack, the file must be one of AisthOS's own: its
database (aisthos.db and what SQLite and the quarantine put next to it), its
folder (aisthos/: wisdom exports), its storage (.storage/aisthos_*). Anything
else, automations.yaml, configuration.yaml or another integration's storage,
is recorded as a violation and fails the test. HA's own writes (the
automation editor saving automations.yaml, a test setting up its config) have
no AisthOS frame on their stack and are not counted.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys
from typing import Any

PACKAGE = str(Path(__file__).resolve().parents[1] / "custom_components" / "aisthos") + os.sep
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
config_dir: str | None = None
violations: list[str] = []


def _ours(path: str) -> bool:
    relative = os.path.relpath(path, config_dir)
    first = relative.split(os.sep, 1)[0]
    if first == ".storage":
        return os.path.basename(relative).startswith("aisthos")
    return first.startswith("aisthos")


def _by_aisthos() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(PACKAGE):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _check(event: str, path: Any) -> None:
    if config_dir is None or not isinstance(path, (str, bytes, os.PathLike)):
        return
    try:
        full = os.path.abspath(os.fsdecode(path))
    except (TypeError, ValueError):
        return
    if not full.startswith(config_dir + os.sep) or _ours(full):
        return
    if _by_aisthos():
        violations.append(f"{event} {os.path.relpath(full, config_dir)}")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if config_dir is None:
        return
    if event == "open":
        path, mode, flags = (*args, None, None)[:3]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writes:
            _check(event, path)
    elif event in ("os.rename", "os.replace"):
        _check(event, args[1])
        _check(event, args[0])
    elif event in ("os.remove", "os.unlink", "os.rmdir", "os.truncate", "os.mkdir"):
        _check(event, args[0])


sys.addaudithook(_hook)
