"""Config and options flows."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.perception import DEFAULT_DOMAINS
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import area_registry as ar


async def test_user_flow_with_defaults(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "AisthOS"
    entry = result["result"]
    assert set(entry.options["domains"]) == set(DEFAULT_DOMAINS)
    assert entry.options["review_sparks"] is False
    assert entry.options["retention_days"] == 90
    secret = bytes.fromhex(entry.data["secret"])
    assert len(secret) == 32
    assert set(entry.data) == {"secret"}  # no engine given: none kept
    assert not entry.options.keys() & {"engine_url", "engine_token"}
    await hass.async_block_till_done()


async def test_single_instance(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


async def test_user_flow_with_choices(hass: HomeAssistant) -> None:
    kitchen = ar.async_get(hass).async_create("Kitchen")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "domains": ["light", "person"],
            "include_areas": [kitchen.id],
            "exclude_entities": ["light.secret"],
            "review_sparks": True,
            "retention_days": 30.0,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    options = result["result"].options
    assert options["domains"] == ["light", "person"]
    assert options["include_areas"] == [kitchen.id]
    assert options["review_sparks"] is True
    assert options["retention_days"] == 30
    await hass.async_block_till_done()


async def test_options_flow_reloads_with_new_choices(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    old_runtime = loaded_entry.runtime_data
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema_defaults = {
        str(key): key.default() for key in result["data_schema"].schema if callable(key.default)
    }
    assert schema_defaults["review_sparks"] is False
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"domains": ["light"], "review_sparks": True, "retention_days": 7}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options["domains"] == ["light"]
    assert loaded_entry.runtime_data is not old_runtime
    assert loaded_entry.runtime_data.review is True
    assert loaded_entry.runtime_data.retention_days == 7


async def test_options_flow_rejects_bad_input(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    with pytest.raises(InvalidData, match="domains"):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"domains": ["shell_command"], "retention_days": 7}
        )
    assert loaded_entry.options["domains"] != ["shell_command"]


async def test_a_second_user_flow_started_meanwhile_is_turned_away(hass: HomeAssistant) -> None:
    first = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    second = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"
    result = await hass.config_entries.flow.async_configure(first["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == DOMAIN
    await hass.async_block_till_done()
    third = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert third["reason"] == "single_instance_allowed"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_an_entry_made_before_unique_ids_still_is_the_only_one(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    assert config_entry.unique_id is None
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["reason"] == "single_instance_allowed"
    assert hass.config_entries.async_entries(DOMAIN) == [config_entry]


async def test_an_ignored_discovery_does_not_stop_a_manual_setup(hass: HomeAssistant) -> None:
    ignored = MockConfigEntry(
        domain=DOMAIN, source=config_entries.SOURCE_IGNORE, unique_id=DOMAIN, data={}
    )
    ignored.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # The manual entry takes the ignored one's place.
    assert [e.source for e in hass.config_entries.async_entries(DOMAIN)] == ["user"]
