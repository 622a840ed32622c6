"""What happens to an unusable Spark database, told in Repairs and the log.

A damaged or emptied database is moved aside (never deleted: the user may
still recover it) and a new one started; a locked or unusable one (a folder
in its place, read-only, a full disk) and one that held Sparks and is gone
are said so. Called from the event loop and from the writer's executor thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import (
    DOMAIN,
    ISSUE_DB_CORRUPT,
    ISSUE_DB_EMPTIED,
    ISSUE_DB_GONE,
    ISSUE_DB_LOCKED,
    ISSUE_DB_UNUSABLE,
)
from .engine.spark_store import (
    StoreCorruptError,
    StoreEmptiedError,
    StoreError,
    StoreLockedError,
    quarantine,
)

_LOGGER = logging.getLogger(__package__)


class DatabaseRepairs:
    """Move a damaged database aside and raise (or clear) the repairs of one database."""

    def __init__(self, hass: HomeAssistant, db_path: Path) -> None:
        """Create for the database at db_path."""
        self.hass = hass
        self.db_path = db_path

    def set_aside(self, err: StoreCorruptError) -> None:
        """Move a damaged or emptied database aside, with a word in the log and a repair."""
        moved = quarantine(self.db_path)
        placeholders = {"path": str(self.db_path), "moved": str(moved)}
        if isinstance(err, StoreEmptiedError):
            _LOGGER.error(
                "The Spark database %s was found empty (0 bytes): it was cut off and the "
                "Sparks it held are lost. It was moved to %s and a new one started",
                self.db_path, moved,
            )  # fmt: skip
            self._create(ISSUE_DB_EMPTIED, placeholders)
        else:
            _LOGGER.error(
                "The Spark database %s is damaged (%s); it was moved to %s and a new one "
                "started",
                self.db_path, err, moved,
            )  # fmt: skip
            self._create(ISSUE_DB_CORRUPT, placeholders)

    def unusable(self, err: StoreError) -> None:
        """Raise the repair for a database that cannot be used (damage is moved aside instead)."""
        if isinstance(err, StoreLockedError):
            self._create(ISSUE_DB_LOCKED, {"path": str(self.db_path)})
        elif not isinstance(err, StoreCorruptError):
            # A folder in its place, a read-only file or folder, a full disk...
            self._create(ISSUE_DB_UNUSABLE, {"path": str(self.db_path), "error": str(err)})

    def gone(self) -> None:
        """Say that a database which held Sparks is gone (deleted or replaced while stopped)."""
        _LOGGER.error(
            "The Spark database %s held Sparks and is gone (deleted or replaced): they are "
            "lost. A new one was started",
            self.db_path,
        )
        self._create(ISSUE_DB_GONE, {"path": str(self.db_path)})

    def works(self) -> None:
        """Clear the lock and unusable repairs: the database works again."""
        for issue_id in (ISSUE_DB_LOCKED, ISSUE_DB_UNUSABLE):
            self.hass.loop.call_soon_threadsafe(ir.async_delete_issue, self.hass, DOMAIN, issue_id)

    def _create(self, issue_id: str, placeholders: dict[str, str]) -> None:
        # Called from executor threads too, so hop onto the loop.
        self.hass.loop.call_soon_threadsafe(
            lambda: ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=issue_id,
                translation_placeholders=placeholders,
            )
        )
