"""Announce the service to Home Assistant through Supervisor discovery."""

from __future__ import annotations

import logging
import socket
from typing import Any, Final

import aiohttp

from .ha_client import SUPERVISOR_URL

_LOGGER = logging.getLogger(__name__)

SERVICE: Final = "aisthos"
_TIMEOUT: Final = aiohttp.ClientTimeout(total=10)


async def own_hostname(
    session: aiohttp.ClientSession, supervisor_token: str, base: str = SUPERVISOR_URL
) -> str:
    """Return the add-on's hostname on the Supervisor network."""
    headers = {"Authorization": f"Bearer {supervisor_token}"}
    try:
        async with session.get(
            f"{base}/addons/self/info", headers=headers, timeout=_TIMEOUT
        ) as resp:
            if resp.status == 200:
                body: dict[str, Any] = await resp.json()
                hostname = (body.get("data") or {}).get("hostname")
                if isinstance(hostname, str) and hostname:
                    return hostname
    except (aiohttp.ClientError, TimeoutError, ValueError):
        pass
    return socket.gethostname()


async def announce(
    session: aiohttp.ClientSession,
    *,
    supervisor_token: str,
    port: int,
    token: str,
    base: str = SUPERVISOR_URL,
) -> str | None:
    """POST the service to /discovery; return the discovery uuid, or None without a Supervisor."""
    if not supervisor_token:
        _LOGGER.info(
            "Not running under the Home Assistant Supervisor: no discovery. "
            "Add the AisthOS service in the integration by hand (port %s, the API token)",
            port,
        )
        return None
    host = await own_hostname(session, supervisor_token, base)
    payload = {"service": SERVICE, "config": {"host": host, "port": port, "token": token}}
    headers = {"Authorization": f"Bearer {supervisor_token}"}
    try:
        async with session.post(
            f"{base}/discovery", json=payload, headers=headers, timeout=_TIMEOUT
        ) as resp:
            body: dict[str, Any] = await resp.json(content_type=None)
            if resp.status != 200 or body.get("result") != "ok":
                _LOGGER.warning("Supervisor discovery failed: HTTP %s", resp.status)
                return None
    except (aiohttp.ClientError, TimeoutError, ValueError) as err:
        _LOGGER.warning("Supervisor discovery failed: %s", type(err).__name__)
        return None
    uuid = (body.get("data") or {}).get("uuid")
    _LOGGER.info("Announced the aisthos service to Home Assistant at %s:%s", host, port)
    return str(uuid) if uuid else ""
