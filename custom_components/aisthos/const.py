"""Constants of the AisthOS integration."""

from __future__ import annotations

from typing import Final

from homeassistant.util.hass_dict import HassKey

DOMAIN: Final = "aisthos"

CONF_SECRET: Final = "secret"
CONF_DOMAINS: Final = "domains"
CONF_INCLUDE_AREAS: Final = "include_areas"
CONF_EXCLUDE_AREAS: Final = "exclude_areas"
CONF_INCLUDE_ENTITIES: Final = "include_entities"
CONF_EXCLUDE_ENTITIES: Final = "exclude_entities"
CONF_REVIEW: Final = "review_sparks"
CONF_RETENTION_DAYS: Final = "retention_days"
CONF_LEARN_TIME: Final = "learn_time"
CONF_ENGINE_URL: Final = "engine_url"
CONF_ENGINE_TOKEN: Final = "engine_token"
# Off by default: a logbook event per Spark stores every change a second time
# (in HA's recorder) and shows it twice in the logbook.
CONF_LOGBOOK: Final = "logbook_sparks"
EVENT_CAMERA_SPARK: Final = "aisthos_camera_spark"

DEFAULT_RETENTION_DAYS: Final = 90
# At the first setup, this much of the recorder's history (it keeps ten days
# by default) is imported, so learning need not start from nothing.
FIRST_IMPORT_DAYS: Final = 14
DEFAULT_LEARN_TIME: Final = "03:00:00"
DB_FILENAME: Final = "aisthos.db"

# Fired for every stored Spark when CONF_LOGBOOK is on; the logbook platform renders it.
EVENT_SPARK: Final = "aisthos_spark"
SIGNAL_SPARKS_UPDATED: Final = "aisthos_sparks_updated_{}"

# Writes happen in batches at this interval: the most a crash may lose.
BATCH_INTERVAL_S: Final = 1.0
QUEUE_LIMIT: Final = 100_000
# Observed changes waiting for the perceive job; past this, new ones are
# dropped (10 s of a very busy home: only while a stuck disk holds the job).
CHANGE_BACKLOG_LIMIT: Final = 50_000
REVIEW_LIMIT: Final = 1_000

ISSUE_DB_CORRUPT: Final = "database_corrupt"
ISSUE_DB_LOCKED: Final = "database_locked"
ISSUE_DB_UNUSABLE: Final = "database_unusable"
ISSUE_DB_EMPTIED: Final = "database_emptied"
ISSUE_DB_GONE: Final = "database_gone"

# How many backups are being made right now: the Spark database is not written
# meanwhile (for the whole integration, so a reload cannot resume writing).
DATA_BACKUPS_RUNNING: HassKey[int] = HassKey(f"{DOMAIN}_backups_running")
# The offers an Adult made today, as (skill id, local date): kept across reloads.
DATA_OFFERED: HassKey[set[tuple[str, str]]] = HassKey(f"{DOMAIN}_offered")
