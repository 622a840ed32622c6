"""Let the household download its wisdom file from the browser.

The file lives in <config>/aisthos/. A signed, short-lived link (the way Home
Assistant serves other downloads) is put into a notification, so nobody has
to open the config folder to take their profile with them.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
import re
from typing import Final

from aiohttp import web

from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import HomeAssistantView

from .wisdom_service import wisdom_folder

URL: Final = "/api/aisthos/wisdom/{filename}"
LINK_LIFETIME: Final = timedelta(hours=1)
_FILENAME: Final = re.compile(r"^wisdom-([0-9-]{4,20}|backup-[0-9-]{4,20}|current)\.json$")


@callback
def async_signed_link(hass: HomeAssistant, path: Path) -> str:
    """Return a download link for a wisdom file, valid for an hour."""
    return async_sign_path(
        hass, URL.format(filename=path.name), LINK_LIFETIME, use_content_user=True
    )


class WisdomDownloadView(HomeAssistantView):
    """Serve exported wisdom files (signed link or a logged-in user)."""

    url = URL
    name = "api:aisthos:wisdom"
    requires_auth = True

    async def get(self, request: web.Request, filename: str) -> web.StreamResponse:
        """Return one exported file, never anything else."""
        if not _FILENAME.fullmatch(filename):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        hass: HomeAssistant = request.app["hass"]
        path = wisdom_folder(hass) / filename
        try:
            body = await hass.async_add_executor_job(path.read_bytes)
        except OSError:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=body,
            content_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
