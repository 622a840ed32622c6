"""Backups: a consistent copy of the Spark database and the current wisdom.

Before a backup the writer pauses, the database's write-ahead log is folded
into the main file and the current User Wisdom is written next to it; after
the backup, writing resumes. Skills, stage and preferences themselves live in
HA's .storage, which every backup contains: if the wisdom file cannot be
written, the error is logged and the backup goes on without it.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant

from .const import DATA_BACKUPS_RUNNING
from .runtime import loaded_runtime

_LOGGER = logging.getLogger(__package__)


async def async_pre_backup(hass: HomeAssistant) -> None:
    """Make the files consistent before the backup is taken."""
    # Counted whether or not AisthOS is loaded now: it may be (re)loaded
    # before the backup ends, and must then not write either.
    hass.data[DATA_BACKUPS_RUNNING] = hass.data.get(DATA_BACKUPS_RUNNING, 0) + 1
    if (runtime := loaded_runtime(hass)) is not None:
        await runtime.async_pause_writes()
        await hass.async_add_executor_job(runtime.store.checkpoint)
        await runtime.learner.async_save()
        try:
            path, _ = await runtime.wisdom.async_export(name="wisdom-current.json")
        except (ValueError, TypeError, OSError) as err:
            # Any error here would fail the whole backup (HA aborts on pre-backup
            # errors), yet the learning itself is in .storage, which it contains.
            _LOGGER.error(
                "The backup goes on without an up-to-date aisthos/wisdom-current.json: "
                "the current User Wisdom cannot be exported: %s",
                err,
            )
        else:
            _LOGGER.debug("Wrote %s for the backup", path)


async def async_post_backup(hass: HomeAssistant) -> None:
    """Resume writing after the backup (the last one, if several ran)."""
    hass.data[DATA_BACKUPS_RUNNING] = max(0, hass.data.get(DATA_BACKUPS_RUNNING, 0) - 1)
    if (runtime := loaded_runtime(hass)) is not None:
        runtime.async_resume_writes()
