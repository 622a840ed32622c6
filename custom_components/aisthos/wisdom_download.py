"""Let an administrator download a wisdom file from the browser.

The file lives in <config>/aisthos/. What AisthOS learned is private, so the
view serves administrators only. A browser opening a link sends no
Authorization header, so the export_wisdom action answers the administrator
who called it with a link signed for that administrator's latest login session (the
way Home Assistant serves other downloads), never in a notification (every
user reads those). The link carries a ticket of its own: it works for one
download of that file within a few minutes; a signed request without a
valid ticket is refused.
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

from homeassistant.auth.models import TOKEN_TYPE_NORMAL, User

# KEY_HASS_USER is public in the http package (re-exported without `as`, hence
# the ignore). Signing a path has no public API (HA's own integrations that
# sign links import http.auth too): the one private import left, see
# tests/test_public_api.py.
from homeassistant.components.http import KEY_HASS_USER  # type: ignore[attr-defined]
from homeassistant.components.http.auth import SIGN_QUERY_PARAM, async_sign_path
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.file import WriteError
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .engine.spark_store import StoreError
from .engine.wisdom import WisdomError
from .wisdom_service import read_regular_file, wisdom_folder

URL: Final = "/api/aisthos/wisdom/{filename}"
# Long enough to click the link just handed out, short enough to be useless later.
LINK_LIFETIME: Final = timedelta(minutes=5)
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
    """One-download tickets of the links handed out: ticket -> file name.

    Few are ever open at once; the signature around a ticket ends its use
    after LINK_LIFETIME, and the oldest go first past a handful.
    """

    issued: dict[str, str] = field(default_factory=dict)

    def issue(self, filename: str) -> str:
        ticket = secrets.token_urlsafe(24)
        while len(self.issued) >= 8:
            del self.issued[next(iter(self.issued))]
        self.issued[ticket] = filename
        return ticket

    def redeem(self, ticket: str | None, filename: str) -> bool:
        if ticket is None or self.issued.get(ticket) != filename:
            return False
        del self.issued[ticket]
        return True


_TICKETS: Final[HassKey[_Tickets]] = HassKey(f"{DOMAIN}_wisdom_tickets")


def _session_of(user: User) -> str | None:
    """Return the user's most recently used login session (its refresh token id)."""
    tokens = [t for t in user.refresh_tokens.values() if t.token_type == TOKEN_TYPE_NORMAL]
    newest = max(tokens, key=lambda t: t.last_used_at or t.created_at, default=None)
    return newest.id if newest is not None else None


@callback
def async_download_link(hass: HomeAssistant, path: Path, user: User) -> str | None:
    """Return a link for one download of a wisdom file by this administrator.

    Signed for the administrator's latest login session: it lets a browser in as
    them, for LINK_LIFETIME; its ticket lets it have this one file, once.
    None when the administrator has no session to sign for.
    """
    if not user.is_admin or (session := _session_of(user)) is None:
        return None
    ticket = hass.data.setdefault(_TICKETS, _Tickets()).issue(path.name)
    return async_sign_path(
        hass,
        f"{URL.format(filename=path.name)}?{TICKET_PARAM}={ticket}",
        LINK_LIFETIME,
        refresh_token_id=session,
    )


class WisdomDownloadView(HomeAssistantView):
    """Serve exported wisdom files to an administrator; a signed link once."""

    url = URL
    name = "api:aisthos:wisdom"
    requires_auth = True

    async def get(self, request: web.Request, filename: str) -> web.StreamResponse:
        """Return one exported file, never anything else."""
        hass: HomeAssistant = request.app["hass"]
        if not _FILENAME.fullmatch(filename):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        if not request[KEY_HASS_USER].is_admin:
            raise Unauthorized
        if SIGN_QUERY_PARAM in request.query:
            # A link: good for one download of its own file.
            tickets = hass.data.get(_TICKETS)
            if tickets is None or not tickets.redeem(request.query.get(TICKET_PARAM), filename):
                raise Unauthorized
        path = wisdom_folder(hass) / filename
        try:
            # Our own exports only: a link, a FIFO or a device in their place is not one.
            body = await hass.async_add_executor_job(read_regular_file, path, False)
        except (OSError, WisdomError):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=body,
            content_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
