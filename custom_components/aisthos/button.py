"""The "Learn now" button: run the nightly routine miner on demand."""

from __future__ import annotations

from homeassistant.components import persistent_notification
from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .entity import AisthosEntity
from .runtime import AisthosConfigEntry
from .wisdom_download import async_signed_link

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
        try:
            await self.runtime.learner.async_learn()
        except Exception as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="learning_failed",
                translation_placeholders={"error": str(err)},
            ) from err


class DownloadWisdomButton(AisthosEntity, ButtonEntity):
    """Export the User Wisdom file and offer it for download."""

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the button."""
        super().__init__(entry, "download_wisdom")

    def signals(self) -> list[str]:
        """Return no signals: a button has no state to refresh."""
        return []

    async def async_press(self) -> None:
        """Write the file and point to it in a notification."""
        path, _ = await self.runtime.wisdom.async_export()
        link = async_signed_link(self.hass, path)
        persistent_notification.async_create(
            self.hass,
            f"Your AisthOS profile was saved as `{path}`.\n\n"
            f"[Download it]({link}) (the link works for an hour). Keep it to move what "
            "AisthOS learned to another Home Assistant: there, use the "
            '"Import wisdom" action.',
            title="AisthOS wisdom exported",
            notification_id="aisthos_wisdom_export",
        )
