"""The AisthOS panel in HA's sidebar: a web component shipped with the integration.

Served from the integration's own folder (no CDN: it works offline and in the
companion app), for administrators only. It reads and decides through the
commands of websocket_api.py and saves native automations through HA's own
automation config API, as the automation editor does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from homeassistant.components import frontend, panel_custom
from homeassistant.components.http import StaticPathConfig  # type: ignore[attr-defined]
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN

FRONTEND_DIR: Final = Path(__file__).parent / "frontend"
STATIC_URL: Final = f"/{DOMAIN}_static"
PANEL_URL: Final = DOMAIN
WEBCOMPONENT: Final = "aisthos-panel"


async def async_register_static(hass: HomeAssistant) -> None:
    """Serve the panel's files (once per HA start: a path cannot be registered twice)."""
    await hass.http.async_register_static_paths(
        [StaticPathConfig(STATIC_URL, str(FRONTEND_DIR), cache_headers=False)]
    )


async def async_register_panel(hass: HomeAssistant, version: str) -> None:
    """Show AisthOS in the sidebar; the version makes browsers load a new file."""
    await panel_custom.async_register_panel(
        hass,
        frontend_url_path=PANEL_URL,
        webcomponent_name=WEBCOMPONENT,
        sidebar_title="AisthOS",
        sidebar_icon="mdi:creation",
        module_url=f"{STATIC_URL}/{WEBCOMPONENT}.js?v={version}",
        require_admin=True,
        config={"domain": DOMAIN},
    )


@callback
def async_remove_panel(hass: HomeAssistant) -> None:
    """Take the panel out of the sidebar (the entry unloads)."""
    frontend.async_remove_panel(hass, PANEL_URL, warn_if_unknown=False)
