"""Let the household download its wisdom file from the browser.

The file lives in <config>/aisthos/. What AisthOS learned is private, so the
view serves administrators only. A browser opening a link sends no
Authorization header, so the "Download wisdom" button puts a signed link (the
way Home Assistant serves other downloads) into a notification. Every user
sees notifications, so the link carries a ticket of its own: it works for one
download of that file within an hour, and the notification goes once the file
was fetched. Without a valid ticket a signed request is refused unless it was
signed for an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
import re
import secrets
from typing import Final

from aiohttp import web

from homeassistant.components import persistent_notification
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.file import WriteError
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .engine.spark_store import StoreError
from .engine.wisdom import WisdomError
from .wisdom_service import wisdom_folder

URL: Final = "/api/aisthos/wisdom/{filename}"
LINK_LIFETIME: Final = timedelta(hours=1)
NOTIFICATION_ID: Final = "aisthos_wisdom_export"
TICKET_PARAM: Final = "ticket"
_FILENAME: Final = re.compile(r"^wisdom-([0-9-]{4,20}|backup-[0-9-]{4,20}|current)\.json$")
# What exporting may fail with: the folder or file (OSError, HA's WriteError),
# the Spark database's summary, the document check.
EXPORT_ERRORS: Final = (OSError, WriteError, StoreError, WisdomError)


def export_error(err: Exception) -> HomeAssistantError:
    """Return a translated error for a failed export."""
    cause = err.__cause__ if isinstance(err, WriteError) else err
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(err)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="export_failed",
        translation_placeholders={"error": reason},
    )


@dataclass(slots=True)
class _Tickets:
    """The one-download ticket of the link now in the notification: ticket -> file name.

    A new link replaces the notification, and with it the older ticket. The
    signature around the ticket ends its use after an hour.
    """

    issued: dict[str, str] = field(default_factory=dict)

    def issue(self, filename: str) -> str:
        ticket = secrets.token_urlsafe(24)
        self.issued = {ticket: filename}
        return ticket

    def redeem(self, ticket: str | None, filename: str) -> bool:
        if ticket is None or self.issued.get(ticket) != filename:
            return False
        del self.issued[ticket]
        return True


_TICKETS: Final[HassKey[_Tickets]] = HassKey(f"{DOMAIN}_wisdom_tickets")


@callback
def async_signed_link(hass: HomeAssistant, path: Path) -> str:
    """Return a link for one download of a wisdom file, valid for an hour.

    It is signed for Home Assistant's read-only content user: the signature
    lets a browser in, the ticket lets it have this one file, once.
    """
    ticket = hass.data.setdefault(_TICKETS, _Tickets()).issue(path.name)
    return async_sign_path(
        hass,
        f"{URL.format(filename=path.name)}?{TICKET_PARAM}={ticket}",
        LINK_LIFETIME,
        use_content_user=True,
    )


class WisdomDownloadView(HomeAssistantView):
    """Serve exported wisdom files to an administrator, or once per ticket."""

    url = URL
    name = "api:aisthos:wisdom"
    requires_auth = True

    async def get(self, request: web.Request, filename: str) -> web.StreamResponse:
        """Return one exported file, never anything else."""
        hass: HomeAssistant = request.app["hass"]
        ticket = request.query.get(TICKET_PARAM)
        if not _FILENAME.fullmatch(filename):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        redeemed = False
        if not request[KEY_HASS_USER].is_admin:
            tickets = hass.data.get(_TICKETS)
            if tickets is None or not tickets.redeem(ticket, filename):
                raise Unauthorized
            redeemed = True
        path = wisdom_folder(hass) / filename
        try:
            body = await hass.async_add_executor_job(path.read_bytes)
        except OSError:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        if redeemed:  # the link in the notification is used up
            persistent_notification.async_dismiss(hass, NOTIFICATION_ID)
        return web.Response(
            body=body,
            content_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
