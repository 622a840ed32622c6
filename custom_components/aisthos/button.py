"""The "Learn now" button: run the nightly routine miner on demand."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .entity import AisthosEntity
from .runtime import AisthosConfigEntry

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AisthosConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the button."""
    async_add_entities([LearnNowButton(entry)])


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
