"""Actions that read or write what was learned are for administrators, on allowed paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.aisthos.const import DOMAIN
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized

from .wisdom_samples import VALID


async def call(
    hass: HomeAssistant, service: str, user: MockUser | None = None, **data: Any
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        return_response=True,
        context=Context(user_id=user.id if user else None),
    )
    return dict(response or {})


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("export_wisdom", {}),
        ("import_wisdom", {"data": VALID}),
        ("import_history", {"days": 1}),
    ],
)
async def test_only_an_admin_may(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_read_only_user: MockUser,
    hass_admin_user: MockUser,
    service: str,
    data: dict[str, Any],
) -> None:
    before = loaded_entry.runtime_data.learner.snapshot()
    with pytest.raises(Unauthorized):
        await call(hass, service, hass_read_only_user, **data)
    assert loaded_entry.runtime_data.learner.snapshot() == before
    assert not (Path(hass.config.config_dir) / "aisthos").exists()
    await call(hass, service, hass_admin_user, **data)


async def test_anyone_may_list_sparks(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_read_only_user: MockUser
) -> None:
    assert await call(hass, "list_sparks", hass_read_only_user) == {"sparks": []}


async def test_a_wisdom_file_is_read_only_from_an_allowed_place(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    config = Path(hass.config.config_dir)
    (config / "secrets.yaml").write_text("password: hunter2\n")
    (config / "aisthos").mkdir()
    (config / "aisthos" / "wisdom-2026-11-25.json").write_text(json.dumps(VALID))
    shared = config / "shared"
    shared.mkdir()
    (shared / "from-the-other-home.json").write_text(json.dumps(VALID))
    for path in (
        "secrets.yaml",
        str(config / "secrets.yaml"),
        "aisthos/../secrets.yaml",
        "../../etc/passwd",
        "shared/from-the-other-home.json",  # not in allowlist_external_dirs (yet)
        "aisthos/\x00.json",
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "import_wisdom", path=path)
        assert err.value.translation_key == "path_not_allowed", path
        assert err.value.translation_placeholders == {"path": path}
        assert "hunter2" not in str(err.value)
    assert loaded_entry.runtime_data.learner.book.skills == {}

    # No entities here: the skills wait, dormant, for entities of this home.
    result = await call(
        hass, "import_wisdom", path="aisthos/wisdom-2026-11-25.json", mode="replace"
    )
    assert result["skills"] + result["dormant"] == 2
    hass.config.allowlist_external_dirs = {str(shared)}
    result = await call(
        hass, "import_wisdom", path="shared/from-the-other-home.json", mode="replace"
    )
    assert result["skills"] + result["dormant"] == 2
    # An allowed folder outside the config folder, too.
    outside = config.parent / "exchange"
    outside.mkdir()
    (outside / "wisdom.json").write_text(json.dumps(VALID))
    hass.config.allowlist_external_dirs = {str(outside)}
    result = await call(hass, "import_wisdom", path=str(outside / "wisdom.json"), mode="merge")
    assert result["skills"] + result["dormant"] == 2


async def test_an_export_that_cannot_be_written_is_a_translated_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    (Path(hass.config.config_dir) / "aisthos").write_text("in the way")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "export_wisdom")
    assert err.value.translation_key == "export_failed"
    assert str(err.value) == "The wisdom file could not be written: File exists"
