"""Show Sparks in the Logbook as readable lines.

Spark events are fired only with the logbook option (CONF_LOGBOOK); the
description stays registered regardless, so events recorded while it was on
still read well after it is turned off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Public in the logbook package (core's logbook platforms import them from
# it); it re-exports them without `as` (no __all__), hence the ignore.
from homeassistant.components.logbook import (  # type: ignore[attr-defined]
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
    LazyEventPartialState,
)
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN, EVENT_SPARK
from .engine.ontology import AREA_UNKNOWN, VOCABULARIES, humanize
from .engine.spark import Spark


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[
        [str, str, Callable[[LazyEventPartialState], dict[str, Any]]], None
    ],
) -> None:
    """Describe Spark events."""

    @callback
    def async_describe_spark(event: LazyEventPartialState) -> dict[str, Any]:
        try:
            message = Spark.from_dict(event.data).describe()
        except (KeyError, TypeError, ValueError):
            message = "recorded a Spark"
        area = event.data.get("area")
        if isinstance(area, str) and area in VOCABULARIES["area"] and area != AREA_UNKNOWN:
            message += f" · {humanize(area)}"
        return {
            LOGBOOK_ENTRY_NAME: "AisthOS",
            LOGBOOK_ENTRY_MESSAGE: message,
            LOGBOOK_ENTRY_ICON: "mdi:creation",
        }

    async_describe_event(DOMAIN, EVENT_SPARK, async_describe_spark)
