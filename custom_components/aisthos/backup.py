"""Backups: a consistent copy of the Spark database and the current wisdom.

Before a backup the writer pauses, the database's write-ahead log is folded
into the main file and the current User Wisdom is written next to it; after
the backup, writing resumes. Skills, stage and preferences themselves live in
HA's .storage, which every backup contains.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .runtime import AisthosConfigEntry

_LOGGER = logging.getLogger(__package__)


def _entries(hass: HomeAssistant) -> list[AisthosConfigEntry]:
    return hass.config_entries.async_loaded_entries(DOMAIN)


async def async_pre_backup(hass: HomeAssistant) -> None:
    """Make the files consistent before the backup is taken."""
    for entry in _entries(hass):
        runtime = entry.runtime_data
        await runtime.async_pause_writes()
        await hass.async_add_executor_job(runtime.store.checkpoint)
        await runtime.learner.async_save()
        path, _ = await runtime.wisdom.async_export(name="wisdom-current.json")
        _LOGGER.debug("Wrote %s for the backup", path)


async def async_post_backup(hass: HomeAssistant) -> None:
    """Resume writing after the backup."""
    for entry in _entries(hass):
        entry.runtime_data.async_resume_writes()
