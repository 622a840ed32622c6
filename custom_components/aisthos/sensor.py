"""Sensors: how many Sparks today, and the last one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .engine.growth import ORDER
from .entity import AisthosEntity
from .runtime import AisthosConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AisthosConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Spark sensors."""
    async_add_entities(
        [
            SparksTodaySensor(entry),
            LastSparkSensor(entry),
            SkillsSensor(entry),
            LastLearningSensor(entry),
            StageSensor(entry),
            HistoryImportSensor(entry),
        ]
    )


class HistoryImportSensor(AisthosEntity, SensorEntity):
    """How far the import of the recorder's history has come (at first setup, or asked)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_native_unit_of_measurement = PERCENTAGE
    # Counts up with every batch of an import: a recorder row each time, to no use.
    _unrecorded_attributes = frozenset({"imported"})

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the sensor."""
        super().__init__(entry, "history_import")

    @property
    def native_value(self) -> int:
        """Return the share done."""
        return self.runtime.history_import.percent

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return whether it runs and how many Sparks it brought."""
        progress = self.runtime.history_import
        return {"running": progress.running, "imported": progress.imported}


class SparksTodaySensor(AisthosEntity, SensorEntity):
    """Number of Sparks stored since local midnight."""

    _attr_state_class = SensorStateClass.TOTAL
    _attr_native_unit_of_measurement = "Sparks"

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the sensor."""
        super().__init__(entry, "sparks_today")

    @property
    def native_value(self) -> int:
        """Return today's count."""
        return self.runtime.sparks_today

    @property
    def last_reset(self) -> datetime:
        """The count restarts at local midnight."""
        return dt_util.start_of_local_day()


class LastSparkSensor(AisthosEntity, SensorEntity):
    """The most recent Spark as a readable line.

    Disabled by default: the AisthOS panel lists every Spark, and this state
    would add a recorder row (and a Logbook line) per Spark.
    """

    _attr_entity_registry_enabled_default = False
    # They change with every Spark and are in AisthOS's own database already;
    # the state (the readable line) is what the history needs.
    _unrecorded_attributes = frozenset(
        {"time", "kind", "area", "subject", "action", "object", "band", "cause", "extra"}
    )

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the sensor."""
        super().__init__(entry, "last_spark")

    @property
    def native_value(self) -> str | None:
        """Return the last Spark's line."""
        spark = self.runtime.last_spark
        return spark.render(dt_util.get_default_time_zone()) if spark else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the Spark's fields (all from the ontology, no raw data)."""
        spark = self.runtime.last_spark
        if spark is None:
            return None
        data = spark.as_dict()
        data.pop("ref")
        data["time"] = dt_util.utc_from_timestamp(spark.time).isoformat()
        return data


class SkillsSensor(AisthosEntity, SensorEntity):
    """How many skills AisthOS knows, with the time of the last learning run."""

    _attr_native_unit_of_measurement = "skills"
    _attr_state_class = SensorStateClass.MEASUREMENT
    # A table of up to ten skills, new after every learning run; last_run is the
    # Last learning sensor's state, recorded there.
    _unrecorded_attributes = frozenset({"skills", "last_run"})

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the sensor."""
        super().__init__(entry, "skills")

    def signals(self) -> list[str]:
        """Refresh after each learning run."""
        return [self.runtime.learner.signal]

    @property
    def native_value(self) -> int:
        """Return the number of known skills."""
        return len(self.runtime.learner.skills)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return when learning last ran and the best-known skills."""
        learner = self.runtime.learner
        best = sorted(learner.skills, key=lambda s: -s.confidence)[:10]
        return {
            "last_run": learner.last_run.isoformat() if learner.last_run else None,
            "skills": {skill.name: round(skill.confidence, 2) for skill in best},
        }


class LastLearningSensor(AisthosEntity, SensorEntity):
    """When the routine miner last ran."""

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the sensor."""
        super().__init__(entry, "last_learning")

    def signals(self) -> list[str]:
        """Refresh after each learning run."""
        return [self.runtime.learner.signal]

    @property
    def native_value(self) -> datetime | None:
        """Return the time of the last run."""
        return self.runtime.learner.last_run


class StageSensor(AisthosEntity, SensorEntity):
    """The growth stage, with its age and what the next stage still needs."""

    _attr_device_class = SensorDeviceClass.ENUM
    # What the next stage needs is a table refreshed at every learning run, and the
    # age changes daily; the stage itself (and since when) is what history needs.
    _unrecorded_attributes = frozenset({"next_stage_needs", "days"})

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the sensor."""
        super().__init__(entry, "stage")
        self._attr_options = [stage.value for stage in ORDER]
        self._needs: dict[str, int] = {}

    def signals(self) -> list[str]:
        """Refresh after each learning run (growth is judged then)."""
        return [self.runtime.learner.signal]

    async def async_update(self) -> None:
        """Work out what the next stage needs."""
        sparks, approved = await self.runtime.async_growth_evidence()
        self._needs = self.runtime.learner.growth.needs(dt_util.now().date(), sparks, approved)

    async def async_added_to_hass(self) -> None:
        """Compute the needs once at start."""
        await super().async_added_to_hass()
        await self.async_update()

    @callback
    def _async_updated(self) -> None:
        self.async_schedule_update_ha_state(force_refresh=True)

    @property
    def native_value(self) -> str:
        """Return the stage."""
        return self.runtime.learner.growth.stage.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the age, the next stage and what it still needs."""
        growth = self.runtime.learner.growth
        nxt = growth.next_stage()
        return {
            "days": growth.age_days(dt_util.now().date()),
            "next_stage": nxt.value if nxt else None,
            "next_stage_needs": self._needs,
            "since": growth.history[-1][1].isoformat(),
        }
