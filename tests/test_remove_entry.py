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
    skill_id = test_proposals.only_skill(entry)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"proposal_{skill_id}")
    assert issue is not None
    assert issue.is_persistent
    # A wisdom file whose entities this home lacks: a second repair of ours.
    await hass.services.async_call(DOMAIN, "import_wisdom", {"data": VALID}, blocking=True)
    assert ours(hass) >= {f"proposal_{skill_id}", "unmatched_entities"}
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
    before = ours(hass)
    assert before
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert ours(hass) == before
