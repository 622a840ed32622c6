"""Diagnostics: how perception is doing, with identifiers redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ENGINE_TOKEN,
    CONF_ENGINE_URL,
    CONF_EXCLUDE_ENTITIES,
    CONF_INCLUDE_ENTITIES,
    CONF_SECRET,
)
from .runtime import AisthosConfigEntry

TO_REDACT = {
    CONF_SECRET,
    CONF_ENGINE_TOKEN,
    CONF_ENGINE_URL,
    CONF_INCLUDE_ENTITIES,
    CONF_EXCLUDE_ENTITIES,
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: AisthosConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for the config entry."""
    runtime = entry.runtime_data
    stored = await hass.async_add_executor_job(runtime.store.count, 0.0)
    size = await hass.async_add_executor_job(
        lambda: runtime.db_path.stat().st_size if runtime.db_path.exists() else 0
    )
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "filter": asdict(runtime.pipeline.significance.stats),
        "runtime": asdict(runtime.stats),
        "history_import": asdict(runtime.history_import),
        "sparks": {
            "stored": stored,
            "today": runtime.sparks_today,
            "pending_review": len(runtime.pending),
            "database_bytes": size,
        },
        "anonymizer": {
            "residents": len(runtime.anonymizer.state()["residents"]),
            "areas": sorted(runtime.anonymizer.state()["areas"].values()),
        },
        # Counts and the add-on's Track C report: what was said stays out.
        "companion": await runtime.async_companion_report(),
    }
