"""Removing AisthOS takes its repairs with it; other integrations' repairs stay."""

from __future__ import annotations

from typing import Any

from custom_components.aisthos.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from . import test_proposals
from .wisdom_samples import VALID

# A week of evening routine behind a real HA, learned into a proposal.
home = test_proposals.home


def ours(hass: HomeAssistant) -> set[str]:
    return {issue_id for domain, issue_id in ir.async_get(hass).issues if domain == DOMAIN}


async def test_removing_the_entry_deletes_its_repairs(
    hass: HomeAssistant, home: dict[str, Any]
) -> None:
    entry = home["entry"]
    # A wisdom file whose entities this home lacks: a repair of ours.
    await hass.services.async_call(DOMAIN, "import_wisdom", {"data": VALID}, blocking=True)
    assert ours(hass) >= {"unmatched_entities"}
    ir.async_create_issue(
        hass, "other", "keep_me", is_fixable=False, severity=ir.IssueSeverity.WARNING,
        translation_key="keep_me", is_persistent=True,
    )  # fmt: skip

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert ours(hass) == set()
    assert ir.async_get(hass).async_get_issue("other", "keep_me") is not None


async def test_unloading_keeps_the_repairs(hass: HomeAssistant, home: dict[str, Any]) -> None:
    entry = home["entry"]
    await hass.services.async_call(DOMAIN, "import_wisdom", {"data": VALID}, blocking=True)
    before = ours(hass)
    assert before == {"unmatched_entities"}
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert ours(hass) == before


async def test_proposals_an_earlier_version_put_in_repairs_go_at_start(
    hass: HomeAssistant, home: dict[str, Any]
) -> None:
    entry = home["entry"]
    ir.async_create_issue(
        hass, DOMAIN, "proposal_s_0000000001", is_fixable=True, is_persistent=True,
        severity=ir.IssueSeverity.WARNING, translation_key="skill_proposal",
    )  # fmt: skip
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert "proposal_s_0000000001" not in ours(hass)
