"""The wisdom download view serves exported wisdom files and nothing else."""

from __future__ import annotations

from pathlib import Path

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

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
