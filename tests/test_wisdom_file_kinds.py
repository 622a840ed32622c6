"""import_wisdom reads regular files only: a FIFO, a device or a folder is refused, at once."""

from __future__ import annotations

import asyncio
from contextlib import suppress
import os
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.aisthos.const import DOMAIN
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError


async def import_path(hass: HomeAssistant, admin: MockUser, path: str) -> ServiceValidationError:
    """Import from a path as an admin; return the refusal (a hang fails the test, not the run)."""
    with pytest.raises(ServiceValidationError) as err:
        await asyncio.wait_for(
            hass.services.async_call(
                DOMAIN,
                "import_wisdom",
                {"path": path},
                blocking=True,
                return_response=True,
                context=Context(user_id=admin.id),
            ),
            timeout=10,
        )
    return err.value


async def test_a_fifo_is_refused_without_waiting_for_a_writer(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    folder = Path(hass.config.config_dir) / "aisthos"
    folder.mkdir()
    fifo = folder / "wisdom.json"
    os.mkfifo(fifo)
    try:
        err = await import_path(hass, hass_admin_user, "aisthos/wisdom.json")
    finally:
        # Should a read still wait on the FIFO, give it an end so no thread stays stuck.
        with suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert err.translation_key == "wisdom_invalid"
    assert err.translation_placeholders == {"error": "wisdom.json is not a regular file"}
    assert loaded_entry.runtime_data.learner.book.skills == {}


async def test_a_folder_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    (Path(hass.config.config_dir) / "aisthos" / "wisdom.json").mkdir(parents=True)
    err = await import_path(hass, hass_admin_user, "aisthos/wisdom.json")
    assert err.translation_placeholders == {"error": "wisdom.json is not a regular file"}


async def test_a_device_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_admin_user: MockUser
) -> None:
    # /dev/null reads as empty; /dev/zero or a serial port would never end.
    hass.config.allowlist_external_dirs = {"/dev"}
    err = await import_path(hass, hass_admin_user, "/dev/null")
    assert err.translation_placeholders == {"error": "null is not a regular file"}
