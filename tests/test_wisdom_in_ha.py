"""User Wisdom in a real HA: export/import, another home, backups, hostile files, download."""

from __future__ import annotations

import copy
import json
import logging
import math
from pathlib import Path
import tarfile
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.aisthos import backup
from custom_components.aisthos.const import CONF_SECRET, DOMAIN
from custom_components.aisthos.engine.wisdom import load_document
from homeassistant import config as conf_util
from homeassistant.components.backup import DATA_MANAGER
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component

from .conftest import default_options
from .helpers import running
from .wisdom_samples import (
    MORNING,
    VALID,
    broken_documents,
    hostile_preferences,
    learned_bandit,
)


def add_entity(
    hass: HomeAssistant, entity_id: str, area: str, name: str, device_class: str | None = None
) -> None:
    areas = ar.async_get(hass)
    area_entry = areas.async_get_area_by_name(area) or areas.async_create(area)
    domain, object_id = entity_id.split(".")
    entry = er.async_get(hass).async_get_or_create(
        domain, "test", object_id, suggested_object_id=object_id, original_name=name,
        original_device_class=device_class,
    )  # fmt: skip
    er.async_get(hass).async_update_entity(entry.entity_id, area_id=area_entry.id)
    attributes = {"friendly_name": name} | ({"device_class": device_class} if device_class else {})
    hass.states.async_set(entity_id, "off", attributes)


def home_a(hass: HomeAssistant) -> None:
    add_entity(hass, "binary_sensor.hall_motion", "Hallway", "Hall motion", "motion")
    add_entity(hass, "light.hall", "Hallway", "Hall light")
    add_entity(hass, "switch.kettle", "Kitchen", "Kettle")


async def setup_home(hass: HomeAssistant, secret: str = "ab" * 32) -> MockConfigEntry:
    (Path(hass.config.config_dir) / "configuration.yaml").write_text(
        "automation: !include automations.yaml\n"
    )
    (Path(hass.config.config_dir) / "automations.yaml").write_text("[]\n")
    config = await conf_util.async_hass_config_yaml(hass)
    for domain in ("automation", "repairs", "persistent_notification"):
        assert await async_setup_component(hass, domain, config)
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SECRET: secret}, options=default_options())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    return dict(response or {})


def learned(entry: MockConfigEntry) -> dict[str, Any]:
    """What must survive: skills (ids, names, evidence, decisions), stage, preferences."""
    learner = entry.runtime_data.learner
    return copy.deepcopy(
        {
            "skills": {
                sid: (s.name, dict(s.evidence), s.conditions)
                for sid, s in learner.book.skills.items()
            },
            "decisions": {sid: d.status.value for sid, d in learner.book.decisions.items()},
            "stage": learner.growth.as_dict(),
            "preferences": learner.preferences,
        }
    )


async def test_export_remove_import_brings_everything_back(hass: HomeAssistant) -> None:
    home_a(hass)
    entry = await setup_home(hass)
    result = await call(hass, "import_wisdom", data=VALID)
    assert result["skills"] == 2
    assert result["unmatched_entities"] == 0
    before = learned(entry)
    assert before["decisions"]["s_0123456789"] == "approved"
    assert "aisthos_s_0123456789" in running(entry)
    assert (Path(hass.config.config_dir) / "automations.yaml").read_text() == "[]\n"

    exported = await call(hass, "export_wisdom")
    path = Path(exported["path"])
    assert path.parent.name == "aisthos"
    assert json.loads(path.read_text()) == exported["wisdom"]

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    again = MockConfigEntry(domain=DOMAIN, data={CONF_SECRET: "cd" * 32}, options=default_options())
    again.add_to_hass(hass)
    assert await hass.config_entries.async_setup(again.entry_id)
    await hass.async_block_till_done()
    assert again.runtime_data.learner.book.skills == {}
    result = await call(hass, "import_wisdom", path=f"aisthos/{path.name}", mode="replace")
    assert result["backup"] is not None
    assert Path(result["backup"]).exists()
    after = learned(again)
    assert after == before


async def test_another_home_matches_what_it_can_and_asks_for_the_rest(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    add_entity(hass, "binary_sensor.flur_bewegung", "Hallway", "Hall motion sensor", "motion")
    add_entity(hass, "light.flur", "Hallway", "Hall light")
    add_entity(hass, "switch.wasserkocher", "Küche", "Wasserkocher")
    entry = await setup_home(hass, secret="ef" * 32)
    result = await call(hass, "import_wisdom", data=VALID, mode="replace")
    assert (result["skills"], result["dormant"]) == (1, 1)
    learner = entry.runtime_data.learner
    assert set(learner.book.skills) == {"s_0123456789"}
    # The skill runs on this home's entities.
    config = entry.runtime_data.skills.automation_config("s_0123456789")
    assert config["actions"][-1]["target"] == {"entity_id": "light.flur"}
    assert config["triggers"][0]["entity_id"] == "binary_sensor.flur_bewegung"
    assert "aisthos_s_0123456789" in running(entry)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "unmatched_entities")
    assert issue is not None
    assert issue.is_fixable

    client = await hass_client()
    flow = await (
        await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": "unmatched_entities"}
        )
    ).json()
    assert flow["step_id"] == "map"
    assert flow["description_placeholders"]["name"] == "Kettle"
    done = await (
        await client.post(
            f"/api/repairs/issues/fix/{flow['flow_id']}", json={"entity": "switch.wasserkocher"}
        )
    ).json()
    assert done["type"] == "create_entry"
    await hass.async_block_till_done()
    assert set(learner.book.skills) == {"s_0123456789", "s_9876543210"}
    assert learner.dormant == []
    assert ir.async_get(hass).async_get_issue(DOMAIN, "unmatched_entities") is None


async def test_backup_and_restore_round_trip(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    home_a(hass)
    entry = await setup_home(hass)
    await call(hass, "import_wisdom", data=VALID)
    at_backup = learned(entry)
    await backup.async_pre_backup(hass)
    config = Path(hass.config.config_dir)
    assert (config / "aisthos" / "wisdom-current.json").exists()
    assert (
        not (config / "aisthos.db-wal").exists() or (config / "aisthos.db-wal").stat().st_size == 0
    )
    saved = {p.relative_to(config): p.read_bytes() for p in config.rglob("*") if p.is_file()}
    # The test harness keeps .storage in memory: the backup holds it too.
    saved_storage = copy.deepcopy(hass_storage)
    await backup.async_post_backup(hass)

    # Life goes on: a rejection and a different preference...
    await entry.runtime_data.skills.async_reject("s_9876543210")
    entry.runtime_data.learner.preferences = {"changed": {}}
    await entry.runtime_data.learner.async_save()
    assert learned(entry) != at_backup

    # ...then the backup is restored and Home Assistant starts again.
    assert await hass.config_entries.async_unload(entry.entry_id)
    for relative, content in saved.items():
        (config / relative).write_bytes(content)
    hass_storage.clear()
    hass_storage.update(saved_storage)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert learned(entry) == at_backup


async def test_fifty_broken_or_hostile_files_change_nothing(hass: HomeAssistant) -> None:
    home_a(hass)
    entry = await setup_home(hass)
    await call(hass, "import_wisdom", data=VALID)
    before = json.dumps(entry.runtime_data.learner.snapshot(), sort_keys=True)
    config = Path(hass.config.config_dir)
    automations = (config / "automations.yaml").read_text()
    files_before = (
        sorted(p.name for p in (config / "aisthos").glob("*"))
        if (config / "aisthos").exists()
        else []
    )
    cases = broken_documents()
    assert len(cases) >= 50
    (config / "aisthos").mkdir(exist_ok=True)
    for index, (label, text) in enumerate(cases):
        name = f"broken-{index}.json"
        (config / "aisthos" / name).write_text(text, encoding="utf-8", errors="surrogateescape")
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "import_wisdom", path=f"aisthos/{name}", mode="replace")
        assert err.value.translation_key == "wisdom_invalid", label
        (config / "aisthos" / name).unlink()
    with pytest.raises(ServiceValidationError):
        await call(hass, "import_wisdom", path="../../etc/passwd")
    assert json.dumps(entry.runtime_data.learner.snapshot(), sort_keys=True) == before
    assert (config / "automations.yaml").read_text() == automations
    assert sorted(p.name for p in (config / "aisthos").glob("*")) == files_before


async def test_export_answers_the_admin_with_a_link_for_one_download(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_admin_user: MockUser,
    hass_access_token: str,
) -> None:
    home_a(hass)
    await setup_home(hass)
    await call(hass, "import_wisdom", data=VALID)
    response = await hass.services.async_call(
        DOMAIN, "export_wisdom", {}, blocking=True, return_response=True,
        context=Context(user_id=hass_admin_user.id),
    )  # fmt: skip
    assert response is not None
    link = str(response["url"])
    assert link.startswith("/api/aisthos/wisdom/wisdom-")
    assert "authSig=" in link
    # Nothing of it in a notification, where every user would read it.
    assert "aisthos_wisdom_export" not in hass.data.get("persistent_notification", {})
    client = await hass_client_no_auth()
    download = await client.get(link)
    assert download.status == 200
    document = json.loads(await download.text())
    assert document["format"] == "aisthos.user_wisdom"
    assert (await client.get(link)).status == 401  # once
    assert (await client.get(link.split("?", maxsplit=1)[0])).status == 401  # unsigned: no
    assert (await client.get("/api/aisthos/wisdom/..%2F..%2Fsecrets.yaml")).status in (
        400,
        401,
        404,
    )


# ---- preferences that cannot be used ------------------------------------------


async def real_backup(hass: HomeAssistant) -> dict[str, bytes]:
    """Take a backup with HA's own backup manager; return its files under aisthos/."""
    if DATA_MANAGER not in hass.data:
        assert await async_setup_component(hass, "backup", {})
        await hass.async_block_till_done()
    backups = Path(hass.config.config_dir) / "backups"
    before = set(backups.glob("*.tar"))
    await hass.data[DATA_MANAGER].async_create_backup(
        agent_ids=["backup.local"], include_addons=None, include_all_addons=False,
        include_database=False, include_folders=None, include_homeassistant=True,
        name="test", password=None,
    )  # fmt: skip
    (new,) = set(backups.glob("*.tar")) - before
    with tarfile.open(new) as outer:
        (name,) = [n for n in outer.getnames() if n.endswith("homeassistant.tar.gz")]
        inner = outer.extractfile(name)
        assert inner is not None
        with tarfile.open(fileobj=inner, mode="r:gz") as config:
            files: dict[str, bytes] = {}
            for member in config.getmembers():
                content = config.extractfile(member) if member.isfile() else None
                if content is not None and member.name.startswith("data/aisthos/"):
                    files[member.name.removeprefix("data/aisthos/")] = content.read()
            return files


async def learned_style(hass: HomeAssistant) -> MockConfigEntry:
    """Home A with VALID imported and a style learned: detailed in the morning."""
    home_a(hass)
    entry = await setup_home(hass)
    await call(hass, "import_wisdom", data=VALID)
    runtime = entry.runtime_data
    runtime.learner.preferences["style_bandit"] = learned_bandit()
    runtime.learner.preferences["communication_style"] = {"length": "detailed"}
    await runtime.learner.async_save()
    runtime.voice.reload_preferences()
    assert runtime.voice.bandit.best(MORNING).length == "detailed"
    return entry


@pytest.mark.parametrize("mode", ["merge", "replace"])
async def test_unusable_preferences_are_refused_and_change_nothing(
    hass: HomeAssistant, mode: str
) -> None:
    entry = await learned_style(hass)
    runtime = entry.runtime_data
    before = json.dumps(runtime.learner.snapshot(), sort_keys=True)
    at_start = learned(entry)
    config = Path(hass.config.config_dir)
    automations = (config / "automations.yaml").read_text()
    (config / "aisthos").mkdir(exist_ok=True)
    files_before = sorted(p.name for p in (config / "aisthos").glob("*"))
    cases = hostile_preferences()
    for index, (path, text) in enumerate(cases):
        name = f"hostile-{index}.json"
        (config / "aisthos" / name).write_text(text, encoding="utf-8")
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "import_wisdom", path=f"aisthos/{name}", mode=mode)
        assert err.value.translation_key == "wisdom_invalid", path
        assert err.value.translation_placeholders["error"].startswith(path), path
        (config / "aisthos" / name).unlink()
    # The same, handed over as data: Python values JSON cannot hold.
    for value in (math.inf, math.nan, 10**30, {"a", "b"}):
        document = copy.deepcopy(VALID)
        document["preferences"]["style_bandit"] = {**learned_bandit(), "version": value}
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "import_wisdom", data=document, mode=mode)
        message = err.value.translation_placeholders["error"]
        assert message.startswith("preferences.style_bandit"), message

    assert json.dumps(runtime.learner.snapshot(), sort_keys=True) == before
    assert learned(entry) == at_start
    assert runtime.voice.bandit.best(MORNING).length == "detailed"
    assert runtime.communication_style() == {"length": "detailed"}
    assert (config / "automations.yaml").read_text() == automations
    assert sorted(p.name for p in (config / "aisthos").glob("*")) == files_before  # no backup file

    # Export and backup still work and carry the learned style.
    exported = await call(hass, "export_wisdom")
    assert exported["wisdom"]["preferences"]["style_bandit"] == learned_bandit()
    saved = await real_backup(hass)
    current = load_document(saved["wisdom-current.json"])
    assert current["preferences"] == at_start["preferences"]


@pytest.mark.parametrize(
    "preferences",
    [
        {"communication_style": {"length": "enormous"}},
        {"style_bandit": {"version": 2, "junk": math.inf}},
        {"other": {"x": {1, 2}}},
    ],
)
async def test_a_backup_goes_on_when_the_wisdom_cannot_be_exported(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, preferences: dict[str, Any]
) -> None:
    """Imports and storage refuse such preferences; should any get in, backups still work."""
    entry = await learned_style(hass)
    entry.runtime_data.learner.preferences.update(preferences)
    with caplog.at_level(logging.ERROR):
        saved = await real_backup(hass)
    assert "wisdom-current.json" not in saved
    assert "The backup goes on without an up-to-date aisthos/wisdom-current.json" in caplog.text
    assert "preferences." in caplog.text
    assert not entry.runtime_data.writes_paused  # writing resumed


async def test_unusable_stored_preferences_are_dropped_at_start(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """What an older version may have stored is dropped: exports and backups keep working."""
    hass_storage["aisthos_skills"] = {
        "version": 1,
        "minor_version": 1,
        "key": "aisthos_skills",
        "data": {
            "skills": [],
            "decisions": {},
            "preferences": {
                # What an inf became in HA's storage: null.
                "style_bandit": {"version": 2, "junk": None},
                "communication_style": {"length": "enormous"},
                "other": {"kept": True},
            },
        },
    }
    home_a(hass)
    with caplog.at_level(logging.WARNING):
        entry = await setup_home(hass)
    assert entry.runtime_data.learner.preferences == {"other": {"kept": True}}
    assert (
        "Dropping a stored preference that cannot be used: preferences.style_bandit" in caplog.text
    )
    assert "preferences.communication_style.length: 'enormous'" in caplog.text
    exported = await call(hass, "export_wisdom")
    assert exported["wisdom"]["preferences"] == {"other": {"kept": True}}
    assert "wisdom-current.json" in await real_backup(hass)
