"""Config and options flows: what AisthOS observes.

The engine's URL and token are connection data, kept in the entry's data (set
up here, changed by reconfigure, reauth and the add-on's discovery); the
options are what AisthOS observes and how it behaves.
"""

from __future__ import annotations

from collections.abc import Mapping
import secrets
from typing import Any

import probatio as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.hassio import HassioServiceInfo

from .const import (
    CONF_DOMAINS,
    CONF_ENGINE_TOKEN,
    CONF_ENGINE_URL,
    CONF_EXCLUDE_AREAS,
    CONF_EXCLUDE_ENTITIES,
    CONF_INCLUDE_AREAS,
    CONF_INCLUDE_ENTITIES,
    CONF_LEARN_TIME,
    CONF_LOGBOOK,
    CONF_RETENTION_DAYS,
    CONF_REVIEW,
    CONF_SECRET,
    DEFAULT_LEARN_TIME,
    DEFAULT_RETENTION_DAYS,
    DOMAIN,
)
from .engine.perception import DEFAULT_DOMAINS, SUPPORTED_DOMAINS
from .engine_client import EngineAuthError, EngineClient, EngineError
from .runtime import AisthosConfigEntry

ENGINE_KEYS = (CONF_ENGINE_URL, CONF_ENGINE_TOKEN)


def _engine_fields(engine: Mapping[str, Any]) -> dict[vol.Optional, selector.TextSelector]:
    """Return the engine's URL and token fields, showing the current values."""
    return {
        vol.Optional(
            CONF_ENGINE_URL, description={"suggested_value": engine.get(CONF_ENGINE_URL)}
        ): selector.TextSelector(selector.TextSelectorConfig(type=selector.TextSelectorType.URL)),
        vol.Optional(
            CONF_ENGINE_TOKEN, description={"suggested_value": engine.get(CONF_ENGINE_TOKEN)}
        ): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        ),
    }


def _schema(options: Mapping[str, Any], engine: Mapping[str, Any] | None = None) -> vol.Schema:
    """Return the options' fields; with engine, the engine's too (only at setup)."""
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
            **(_engine_fields(engine) if engine is not None else {}),
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
    """Return the options from a form, without the engine's fields."""
    options = {key: value for key, value in user_input.items() if key not in ENGINE_KEYS}
    options[CONF_RETENTION_DAYS] = int(options[CONF_RETENTION_DAYS])
    return options


def _engine(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return the engine's URL and token from a form; empty without a URL (no engine)."""
    if not (url := str(user_input.get(CONF_ENGINE_URL) or "").strip()):
        return {}
    return {CONF_ENGINE_URL: url, CONF_ENGINE_TOKEN: str(user_input.get(CONF_ENGINE_TOKEN) or "")}


async def _check_engine(hass: HomeAssistant, engine: Mapping[str, Any]) -> str | None:
    """Return an error key if the engine URL and token do not work."""
    url = engine.get(CONF_ENGINE_URL)
    if not url:
        return None
    # A wrong URL typed into a form is the form's error, not an outage to log.
    client = EngineClient(
        async_get_clientsession(hass),
        str(url),
        str(engine.get(CONF_ENGINE_TOKEN, "")),
        log_availability=False,
    )
    try:
        await client.async_status()
    except EngineAuthError:
        return "invalid_auth"
    except EngineError:
        return "cannot_connect"
    return None


class AisthosConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up AisthOS, once per Home Assistant.

    A single instance, kept by the flow rather than the manifest's
    single_config_entry, which would also turn away the add-on's discovery
    when it announces a new address for the existing entry. Every flow that
    creates an entry sets the unique id DOMAIN, so a second flow started
    meanwhile is turned away; entries made before that have no unique id and
    are found by looking at the current entries.
    """

    # 2: the engine's URL and token moved from the options to the data
    # (async_migrate_entry). A major version: older code would not find them.
    # 2.2: valves and humidifiers joined the default domains (older code
    # reads the list as it is).
    VERSION = 2
    MINOR_VERSION = 2

    _engine: dict[str, str] | None = None

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to observe; the defaults suit most homes."""
        if self._async_current_entries(include_ignore=False):
            return self.async_abort(reason="single_instance_allowed")
        # Another flow that may create the entry aborts this one (already_in_progress).
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured(error="single_instance_allowed")
        errors: dict[str, str] = {}
        if user_input is not None:
            engine = _engine(user_input)
            if (error := await _check_engine(self.hass, engine)) is None:
                return self._create(engine, _clean(user_input))
            errors["base"] = error
        shown = user_input or {}
        return self.async_show_form(
            step_id="user", data_schema=_schema(shown, engine=shown), errors=errors
        )

    def _create(self, engine: dict[str, str], options: dict[str, Any]) -> ConfigFlowResult:
        return self.async_create_entry(
            title="AisthOS",
            # The secret is the key of this home's anonymous tokens; never leaves HA.
            data={CONF_SECRET: secrets.token_hex(32), **engine},
            options=options,
        )

    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> ConfigFlowResult:
        """Take the engine the AisthOS add-on announced through the Supervisor."""
        config = discovery_info.config
        host, port, token = config.get("host"), config.get("port"), config.get("token")
        if not isinstance(host, str) or not isinstance(port, int) or not isinstance(token, str):
            return self.async_abort(reason="invalid_discovery")
        self._engine = {CONF_ENGINE_URL: f"http://{host}:{port}", CONF_ENGINE_TOKEN: token}
        # An ignored entry is no entry to update: the unique id below keeps it ignored.
        if entries := self._async_current_entries(include_ignore=False):
            # Already set up: take the add-on's (new) address and token.
            entry = entries[0]
            if all(entry.data.get(key) == value for key, value in self._engine.items()):
                return self.async_abort(reason="already_configured")
            if (error := await _check_engine(self.hass, self._engine)) is not None:
                return self.async_abort(reason=error)
            return self.async_update_reload_and_abort(
                entry, data_updates=self._engine, reason="engine_updated"
            )
        await self.async_set_unique_id(DOMAIN)
        self._abort_if_unique_id_configured()
        return await self.async_step_hassio_confirm()

    async def async_step_hassio_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set AisthOS up with the add-on as its engine."""
        assert self._engine is not None
        if user_input is not None:
            if (error := await _check_engine(self.hass, self._engine)) is not None:
                return self.async_abort(reason=error)
            return self._create(self._engine, _clean(_schema({})({})))
        self._set_confirm_only()
        return self.async_show_form(step_id="hassio_confirm")

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Ask for the engine's new token after it refused the old one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take the engine's new token and check it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = {CONF_ENGINE_TOKEN: user_input[CONF_ENGINE_TOKEN]}
            if (error := await _check_engine(self.hass, {**entry.data, **token})) is None:
                return self.async_update_reload_and_abort(entry, data_updates=token)
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_ENGINE_TOKEN): selector.TextSelector(
                        selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"url": str(entry.data.get(CONF_ENGINE_URL, ""))},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the engine's URL and token (an empty URL: no engine)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            engine = _engine(user_input)
            if (error := await _check_engine(self.hass, engine)) is None:
                # The whole data, not data_updates: an empty URL removes the engine.
                data = {k: v for k, v in entry.data.items() if k not in ENGINE_KEYS}
                return self.async_update_reload_and_abort(entry, data={**data, **engine})
            errors["base"] = error
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=vol.Schema(_engine_fields(user_input or entry.data)),
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: AisthosConfigEntry) -> AisthosOptionsFlow:
        """Return the options flow."""
        return AisthosOptionsFlow()


class AisthosOptionsFlow(OptionsFlowWithReload):
    """Change what AisthOS observes; the entry reloads to apply it.

    The engine is not here: reconfigure changes it.
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the same choices as at setup."""
        if user_input is not None:
            return self.async_create_entry(data=_clean(user_input))
        shown = self.config_entry.options
        return self.async_show_form(
            step_id="init",
            # Only here, not at setup: a choice for those who want Sparks in the logbook.
            data_schema=_schema(shown).extend(
                {vol.Required(CONF_LOGBOOK, default=bool(shown.get(CONF_LOGBOOK, False))): bool}
            ),
        )
