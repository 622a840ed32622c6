"""The living room TV."""

from __future__ import annotations

from homeassistant.components.media_player import (
    MediaPlayerDeviceClass,
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeConfigEntry
from .entity import HomeEntity
from .home import THINGS


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the media players."""
    async_add_entities(SimTV(t) for t in THINGS if t.platform == Platform.MEDIA_PLAYER)


class SimTV(HomeEntity, MediaPlayerEntity):
    """A TV that can be switched on, play, pause and stop."""

    _attr_state = MediaPlayerState.OFF
    _attr_device_class = MediaPlayerDeviceClass.TV
    _attr_media_content_type = MediaType.TVSHOW
    _attr_supported_features = (
        MediaPlayerEntityFeature.TURN_ON
        | MediaPlayerEntityFeature.TURN_OFF
        | MediaPlayerEntityFeature.PLAY
        | MediaPlayerEntityFeature.PAUSE
        | MediaPlayerEntityFeature.STOP
    )

    def _set(self, state: MediaPlayerState, title: str | None = None) -> None:
        self._attr_state = state
        self._attr_media_title = title
        self.async_write_ha_state()

    async def async_turn_on(self) -> None:
        """Switch on (idle, nothing playing yet)."""
        self._set(MediaPlayerState.ON)

    async def async_turn_off(self) -> None:
        """Switch off."""
        self._set(MediaPlayerState.OFF)

    async def async_media_play(self) -> None:
        """Play."""
        self._set(MediaPlayerState.PLAYING, "Evening news")

    async def async_media_pause(self) -> None:
        """Pause."""
        self._set(MediaPlayerState.PAUSED, self._attr_media_title)

    async def async_media_stop(self) -> None:
        """Stop."""
        self._set(MediaPlayerState.IDLE)
