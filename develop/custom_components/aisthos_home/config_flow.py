"""Config flow: imported from YAML, or added by hand from the UI."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .home import DOMAIN


class HomeConfigFlow(ConfigFlow, domain=DOMAIN):
    """One simulated home (single_config_entry in the manifest)."""

    VERSION = 1

    async def async_step_import(self, import_data: dict[str, Any]) -> ConfigFlowResult:
        """Create the entry for the `aisthos_home:` YAML key."""
        return self.async_create_entry(title="Simulated home", data={})

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm, then create the entry."""
        if user_input is None:
            return self.async_show_form(step_id="user")
        return self.async_create_entry(title="Simulated home", data={})
