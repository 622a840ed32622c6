"""The wisdom download view serves exported wisdom files, to admins, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos.wisdom_download import async_download_link
from homeassistant.components.http.auth import async_sign_path
from homeassistant.core import HomeAssistant

BASE = "/api/aisthos/wisdom/"


async def test_a_logged_in_user_gets_only_existing_wisdom_files(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, loaded_entry: MockConfigEntry
) -> None:
    config = Path(hass.config.config_dir)
    folder = config / "aisthos"
    folder.mkdir(exist_ok=True)
    (folder / "wisdom-2026-11-25.json").write_text('{"format": "aisthos.user_wisdom"}')
    (folder / "wisdom-backup-2026-11-24.json").write_text('{"backup": true}')
    # Files next to the exports, and the config folder's secrets, must stay private.
    (folder / "notes.json").write_text('{"private": 1}')
    (folder / "wisdom-2026-11-25.json.bak").write_text('{"private": 2}')
    (config / "secrets.yaml").write_text("password: hunter2\n")
    client = await hass_client()

    response = await client.get(BASE + "wisdom-2026-11-25.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="wisdom-2026-11-25.json"'
    )
    assert await response.text() == '{"format": "aisthos.user_wisdom"}'
    backup = await client.get(BASE + "wisdom-backup-2026-11-24.json")
    assert backup.status == 200
    assert await backup.json() == {"backup": True}

    for name in (
        "notes.json",
        "wisdom-2026-11-25.json.bak",
        "secrets.yaml",
        "wisdom-..json",
        "wisdom-current.json",  # a valid name, but never exported here
        "wisdom-2026-01-01.json",
    ):
        response = await client.get(BASE + name)
        assert response.status == 404, name
        assert "hunter2" not in await response.text()
        assert "private" not in await response.text()


async def test_a_folder_with_an_export_name_is_not_found(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, loaded_entry: MockConfigEntry
) -> None:
    """Reading fails with an OSError other than 'no such file': still a plain 404."""
    (Path(hass.config.config_dir) / "aisthos" / "wisdom-current.json").mkdir(parents=True)
    client = await hass_client()
    assert (await client.get(BASE + "wisdom-current.json")).status == 404


def exports(hass: HomeAssistant) -> Path:
    folder = Path(hass.config.config_dir) / "aisthos"
    folder.mkdir(exist_ok=True)
    for day in ("24", "25"):
        (folder / f"wisdom-2026-11-{day}.json").write_text('{"format": "aisthos.user_wisdom"}')
    return folder


async def test_a_user_who_is_no_admin_is_refused(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
    loaded_entry: MockConfigEntry,
) -> None:
    exports(hass)
    client = await hass_client(hass_read_only_access_token)
    assert (await client.get(BASE + "wisdom-2026-11-25.json")).status == 401


async def test_a_signed_link_needs_the_ticket_of_that_file(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_admin_user: MockUser,
    hass_access_token: str,
    loaded_entry: MockConfigEntry,
) -> None:
    folder = exports(hass)
    client = await hass_client_no_auth()
    # Signed for the read-only content user, or for the admin, but without a ticket.
    token = hass.auth.async_validate_access_token(hass_access_token)
    assert token is not None
    for signed in (
        async_sign_path(
            hass, BASE + "wisdom-2026-11-25.json", timedelta(hours=1), use_content_user=True
        ),
        async_sign_path(
            hass, BASE + "wisdom-2026-11-25.json", timedelta(hours=1), refresh_token_id=token.id
        ),
    ):
        assert (await client.get(signed)).status == 401
    # A ticket is for its own file only, and a guessed one is nothing.
    link = async_download_link(hass, folder / "wisdom-2026-11-25.json", hass_admin_user)
    assert link is not None
    ticket = link.split("ticket=", 1)[1].split("&", 1)[0]
    for path in (
        f"{BASE}wisdom-2026-11-24.json?ticket={ticket}",
        f"{BASE}wisdom-2026-11-25.json?ticket=guessed",
    ):
        forged = async_sign_path(hass, path, timedelta(hours=1), refresh_token_id=token.id)
        assert (await client.get(forged)).status == 401, path
    # The ticket signed for a user who is no admin is nothing either.
    as_content_user = async_sign_path(
        hass,
        f"{BASE}wisdom-2026-11-25.json?ticket={ticket}",
        timedelta(hours=1),
        use_content_user=True,
    )
    assert (await client.get(as_content_user)).status == 401
    # Changing the signed link's ticket breaks its signature.
    assert (await client.get(link.replace(ticket, "guessed"))).status == 401
    assert (await client.get(link)).status == 200
    # Once.
    assert (await client.get(link)).status == 401


async def test_no_link_for_a_user_without_a_session_or_rights(
    hass: HomeAssistant, hass_read_only_user: MockUser, loaded_entry: MockConfigEntry
) -> None:
    folder = exports(hass)
    admin = await hass.auth.async_create_user("Admin without a login", group_ids=["system-admin"])
    assert async_download_link(hass, folder / "wisdom-2026-11-25.json", admin) is None
    await hass.auth.async_create_refresh_token(hass_read_only_user, "https://example.com/app")
    assert async_download_link(hass, folder / "wisdom-2026-11-25.json", hass_read_only_user) is None
