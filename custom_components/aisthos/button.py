"""The buttons: "Learn now" runs the nightly miner, "Download wisdom" exports."""

from __future__ import annotations

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.components import persistent_notification
from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .engine.spark_store import StoreError
from .entity import AisthosEntity
from .runtime import AisthosConfigEntry
from .wisdom_download import EXPORT_ERRORS, NOTIFICATION_ID, async_signed_link, export_error

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
        except StoreError as err:
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
        """Write the file and point to it in a notification.

        Every user sees notifications, so only an administrator (or Home
        Assistant itself, in an automation) may ask for a link, and the link
        works for one download (see wisdom_download).
        """
        if (user_id := self._context.user_id if self._context else None) is not None:
            user = await self.hass.auth.async_get_user(user_id)
            if user is None or not user.is_admin:
                raise Unauthorized(
                    context=self._context, entity_id=self.entity_id, permission=POLICY_CONTROL
                )
        try:
            path, _ = await self.runtime.wisdom.async_export()
        except EXPORT_ERRORS as err:
            raise export_error(err) from err
        link = async_signed_link(self.hass, path)
        voice = self.runtime.voice
        persistent_notification.async_create(
            self.hass,
            voice.notice("wisdom", path=path, link=link),
            title=voice.notice("wisdom_title"),
            notification_id=NOTIFICATION_ID,
        )
