"""Config and options flows: what AisthOS observes."""

from __future__ import annotations

from collections.abc import Mapping
import secrets
from typing import Any

import probatio as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.core import callback
from homeassistant.helpers import selector

from .const import (
    CONF_DOMAINS,
    CONF_EXCLUDE_AREAS,
    CONF_EXCLUDE_ENTITIES,
    CONF_INCLUDE_AREAS,
    CONF_INCLUDE_ENTITIES,
    CONF_LEARN_TIME,
    CONF_RETENTION_DAYS,
    CONF_REVIEW,
    CONF_SECRET,
    DEFAULT_LEARN_TIME,
    DEFAULT_RETENTION_DAYS,
    DOMAIN,
)
from .engine.perception import DEFAULT_DOMAINS, SUPPORTED_DOMAINS
from .runtime import AisthosConfigEntry


def _schema(options: Mapping[str, Any]) -> vol.Schema:
    multi_area = selector.AreaSelector(selector.AreaSelectorConfig(multiple=True))
    multi_entity = selector.EntitySelector(selector.EntitySelectorConfig(multiple=True))
    return vol.Schema(
        {
            vol.Required(
                CONF_DOMAINS, default=list(options.get(CONF_DOMAINS, DEFAULT_DOMAINS))
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=list(SUPPORTED_DOMAINS),
                    multiple=True,
                    translation_key=CONF_DOMAINS,
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Optional(
                CONF_INCLUDE_AREAS, default=list(options.get(CONF_INCLUDE_AREAS, []))
            ): multi_area,
            vol.Optional(
                CONF_EXCLUDE_AREAS, default=list(options.get(CONF_EXCLUDE_AREAS, []))
            ): multi_area,
            vol.Optional(
                CONF_INCLUDE_ENTITIES, default=list(options.get(CONF_INCLUDE_ENTITIES, []))
            ): multi_entity,
            vol.Optional(
                CONF_EXCLUDE_ENTITIES, default=list(options.get(CONF_EXCLUDE_ENTITIES, []))
            ): multi_entity,
            vol.Required(CONF_REVIEW, default=bool(options.get(CONF_REVIEW, False))): bool,
            vol.Required(
                CONF_LEARN_TIME, default=str(options.get(CONF_LEARN_TIME, DEFAULT_LEARN_TIME))
            ): selector.TimeSelector(),
            vol.Required(
                CONF_RETENTION_DAYS,
                default=int(options.get(CONF_RETENTION_DAYS, DEFAULT_RETENTION_DAYS)),
            ): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=1,
                    max=3650,
                    step=1,
                    mode=selector.NumberSelectorMode.BOX,
                    unit_of_measurement="d",
                )
            ),
        }
    )


def _clean(user_input: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(user_input)
    data[CONF_RETENTION_DAYS] = int(data[CONF_RETENTION_DAYS])
    return data


class AisthosConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up AisthOS (a single instance: manifest says single_config_entry)."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to observe; the defaults suit most homes."""
        if user_input is not None:
            return self.async_create_entry(
                title="AisthOS",
                # The key of this home's anonymous tokens; never leaves HA.
                data={CONF_SECRET: secrets.token_hex(32)},
                options=_clean(user_input),
            )
        return self.async_show_form(step_id="user", data_schema=_schema({}))

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: AisthosConfigEntry) -> AisthosOptionsFlow:
        """Return the options flow."""
        return AisthosOptionsFlow()


class AisthosOptionsFlow(OptionsFlowWithReload):
    """Change what AisthOS observes; the entry reloads to apply it."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the same choices as at setup."""
        if user_input is not None:
            return self.async_create_entry(data=_clean(user_input))
        return self.async_show_form(step_id="init", data_schema=_schema(self.config_entry.options))
