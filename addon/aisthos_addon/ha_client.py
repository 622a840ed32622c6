"""Home Assistant's REST API: camera frames into memory, Sparks out as events."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from .perception import MAX_FRAME_BYTES

_LOGGER = logging.getLogger(__name__)

SUPERVISOR_URL: Final = "http://supervisor"
# The event the AisthOS integration listens to; data = {"camera": id, "spark": Spark dict}.
SPARK_EVENT: Final = "aisthos_camera_spark"
_TIMEOUT: Final = aiohttp.ClientTimeout(total=10)


class HomeAssistantError(RuntimeError):
    """Home Assistant did not answer as expected."""


class HomeAssistantAPI:
    """A thin client: the Supervisor's Core proxy, or a URL with a long-lived token."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        """Use base_url (e.g. http://supervisor/core/api or http://ha:8123/api)."""
        self._session = session
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}

    async def camera_frame(self, entity_id: str) -> bytes:
        """Return one snapshot of a camera, read into memory only (size capped)."""
        url = f"{self._base}/camera_proxy/{quote(entity_id, safe='._')}"
        async with self._session.get(url, headers=self._headers, timeout=_TIMEOUT) as resp:
            if resp.status != 200:
                raise HomeAssistantError(f"camera {entity_id}: HTTP {resp.status}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(65536):
                size += len(chunk)
                if size > MAX_FRAME_BYTES:
                    raise HomeAssistantError(f"camera {entity_id}: frame too large")
                chunks.append(chunk)
        return b"".join(chunks)

    async def fire_event(self, event_type: str, data: Mapping[str, Any]) -> None:
        """Fire an event on Home Assistant's bus."""
        url = f"{self._base}/events/{event_type}"
        async with self._session.post(
            url, json=dict(data), headers=self._headers, timeout=_TIMEOUT
        ) as resp:
            if resp.status != 200:
                raise HomeAssistantError(f"event {event_type}: HTTP {resp.status}")
