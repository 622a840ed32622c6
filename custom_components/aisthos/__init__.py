"""AisthOS: a local, private, self-learning layer for Home Assistant."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, issue_registry as ir, llm
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType
from homeassistant.loader import async_get_integration

from .const import CONF_DOMAINS, CONF_ENGINE_TOKEN, CONF_ENGINE_URL, DB_FILENAME, DOMAIN
from .engine.perception import DEFAULT_DOMAINS
from .engine_client import EngineClient, EngineError
from .interactions import InteractionLog
from .learning import STORAGE_KEY, STORAGE_VERSION
from .llm_api import API_ID as LLM_API_ID, AisthosAPI
from .panel import async_register_panel, async_register_static, async_remove_panel
from .runtime import AisthosConfigEntry, AisthosRuntime
from .services import async_register_services
from .websocket_api import async_register_commands
from .wisdom_download import WisdomDownloadView

PLATFORMS: list[Platform] = [
    Platform.BUTTON,
    Platform.CONVERSATION,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TODO,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the services once, whether or not an entry is loaded."""
    async_register_services(hass)
    hass.http.register_view(WisdomDownloadView())
    llm.async_register_api(hass, AisthosAPI(hass=hass, id=LLM_API_ID, name="AisthOS"))
    async_register_commands(hass)
    await async_register_static(hass)
    return True


# Domains observed by default since 2.2: an entry still on the earlier
# defaults gets them; one whose household chose its own list keeps it.
OBSERVED_SINCE_2_2 = ("valve", "humidifier")


async def async_migrate_entry(hass: HomeAssistant, entry: AisthosConfigEntry) -> bool:
    """Bring an entry made by an earlier version up to date.

    1 -> 2.1: the engine's URL and token move from the options to the data.
    2.1 -> 2.2: valves and humidifiers join the default domains.
    """
    if entry.version == 1:
        engine_keys = (CONF_ENGINE_URL, CONF_ENGINE_TOKEN)
        data = {**entry.data}
        data.update({k: v for k, v in entry.options.items() if k in engine_keys})
        options = {k: v for k, v in entry.options.items() if k not in engine_keys}
        hass.config_entries.async_update_entry(
            entry, data=data, options=options, version=2, minor_version=1
        )
    if entry.version == 2 and entry.minor_version < 2:
        options = {**entry.options}
        earlier = set(DEFAULT_DOMAINS) - set(OBSERVED_SINCE_2_2)
        domains = options.get(CONF_DOMAINS)
        if isinstance(domains, list) and set(domains) == earlier:
            options[CONF_DOMAINS] = [*domains, *OBSERVED_SINCE_2_2]
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AisthosConfigEntry) -> bool:
    """Start perceiving."""
    runtime = AisthosRuntime(hass, entry)
    await runtime.async_start()
    entry.runtime_data = runtime
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    integration = await async_get_integration(hass, DOMAIN)
    await async_register_panel(hass, str(integration.version))
    return True


async def async_remove_entry(hass: HomeAssistant, entry: AisthosConfigEntry) -> None:
    """Forget what was learned when AisthOS is removed (export the wisdom first to keep it)."""
    # Repairs of ours (proposals, imported skills, the database) would
    # otherwise outlive the entry: proposals are persistent issues.
    issues = ir.async_get(hass)
    for domain, issue_id in list(issues.issues):
        if domain == DOMAIN:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
    await Store[dict[str, object]](hass, STORAGE_VERSION, STORAGE_KEY).async_remove()
    log = InteractionLog(hass)
    await log.async_clear()
    if url := entry.data.get(CONF_ENGINE_URL):
        # The add-on's copy of the companion's exchanges goes too (if it answers).
        engine = EngineClient(
            async_get_clientsession(hass), str(url), str(entry.data.get(CONF_ENGINE_TOKEN, ""))
        )
        with suppress(EngineError):
            await engine.async_send_interactions(log.export())

    def remove_database() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(hass.config.path(DB_FILENAME + suffix)).unlink(missing_ok=True)

    await hass.async_add_executor_job(remove_database)


async def async_unload_entry(hass: HomeAssistant, entry: AisthosConfigEntry) -> bool:
    """Stop perceiving, writing everything still in memory first."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        async_remove_panel(hass)
        await entry.runtime_data.async_stop()
    return unloaded
