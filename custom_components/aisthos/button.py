"""The buttons: "Learn now" runs the nightly miner, "Export wisdom" writes the file.

Both are for administrators (or Home Assistant itself, in an automation),
as the learn and export_wisdom actions are.
"""

from __future__ import annotations

from homeassistant.components import persistent_notification
from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .engine.spark_store import StoreError
from .entity import AisthosEntity
from .permissions import async_require_admin
from .runtime import AisthosConfigEntry
from .wisdom_download import EXPORT_ERRORS, export_error

NOTIFICATION_ID = "aisthos_wisdom_export"

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AisthosConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the button."""
    async_add_entities([LearnNowButton(entry), DownloadWisdomButton(entry)])


class LearnNowButton(AisthosEntity, ButtonEntity):
    """Mine the Sparks for routines now instead of tonight."""

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the button."""
        super().__init__(entry, "learn_now")

    def signals(self) -> list[str]:
        """Return no signals: a button has no state to refresh."""
        return []

    async def async_press(self) -> None:
        """Run the learner."""
        await async_require_admin(self.hass, self._context)
        try:
            await self.runtime.learner.async_learn()
        except StoreError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="learning_failed",
                translation_placeholders={"error": str(err)},
            ) from err


class DownloadWisdomButton(AisthosEntity, ButtonEntity):
    """Export the User Wisdom file and say where it is."""

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the button."""
        super().__init__(entry, "download_wisdom")

    def signals(self) -> list[str]:
        """Return no signals: a button has no state to refresh."""
        return []

    async def async_press(self) -> None:
        """Write the file and say where it is.

        Every user reads notifications: this one carries no link. The
        download link goes only to the administrator who asks for it, in
        the export_wisdom action's answer (see wisdom_download).
        """
        await async_require_admin(self.hass, self._context)
        try:
            path, _ = await self.runtime.wisdom.async_export()
        except EXPORT_ERRORS as err:
            raise export_error(err) from err
        voice = self.runtime.voice
        persistent_notification.async_create(
            self.hass,
            voice.notice("wisdom", path=path),
            title=voice.notice("wisdom_title"),
            notification_id=NOTIFICATION_ID,
        )
