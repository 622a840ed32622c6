"""AisthOS tools for LLM conversation agents, through HA's LLM API."""

from __future__ import annotations

from typing import Any

import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from custom_components.aisthos.engine.style_bandit import StyleBandit
from custom_components.aisthos.llm_api import _STYLE_PROMPT, StyleFeedbackTool
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm

from .test_wisdom_in_ha import home_a, setup_home
from .wisdom_samples import VALID


async def test_tools_list_explain_and_summarise(hass: HomeAssistant) -> None:
    home_a(hass)
    entry: MockConfigEntry = await setup_home(hass)
    await hass.services.async_call(DOMAIN, "import_wisdom", {"data": VALID}, blocking=True)
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    api = await llm.async_get_api(hass, "aisthos", context)
    assert {tool.name for tool in api.tools} == {
        "aisthos_list_skills",
        "aisthos_explain_skill",
        "aisthos_summarise_learning",
        "aisthos_style_feedback",
    }
    readers = [tool for tool in api.tools if tool.name != "aisthos_style_feedback"]
    assert all(tool.annotations.read_only for tool in readers)

    listed = await api.async_call_tool(llm.ToolInput("aisthos_list_skills", {}))
    assert [s["id"] for s in listed.data["skills"]] == ["s_0123456789", "s_9876543210"]

    explained = await api.async_call_tool(
        llm.ToolInput("aisthos_explain_skill", {"skill": "weekend kettle"})
    )
    assert explained.data["id"] == "s_9876543210"
    assert explained.data["definition"]["actions"] == ["Kettle on"]
    missing = await api.async_call_tool(
        llm.ToolInput("aisthos_explain_skill", {"skill": "teleport"})
    )
    assert missing.error

    summary = await api.async_call_tool(llm.ToolInput("aisthos_summarise_learning", {}))
    assert summary.data["stage"] == "child"
    assert summary.data["skills"] == 2
    assert summary.data["approved_skills"] == 1
    assert entry.runtime_data.learner.book.skills


def chat_context() -> llm.LLMContext:
    return llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )


async def test_the_chat_is_told_the_style_and_reports_reactions(hass: HomeAssistant) -> None:
    home_a(hass)
    entry: MockConfigEntry = await setup_home(hass)
    voice = entry.runtime_data.voice
    voice.bandit = StyleBandit(seed=1)
    api = await llm.async_get_api(hass, "aisthos", chat_context())
    # The style for this turn was chosen on the chat channel and remembered.
    assert voice.last is not None
    ctx, chosen = voice.last
    assert ctx.channel == "chat"
    assert "How this household likes answers now: " in api.api_prompt
    assert _STYLE_PROMPT[chosen.length] in api.api_prompt
    tool = next(t for t in api.tools if t.name == "aisthos_style_feedback")
    assert not tool.annotations.read_only
    assert not tool.annotations.destructive

    for _ in range(2):
        result = await api.async_call_tool(
            llm.ToolInput("aisthos_style_feedback", {"reaction": "as_list"})
        )
    assert result.data["recorded"] == "as_list"
    assert voice.bandit.best(ctx).form == "list"
    assert _STYLE_PROMPT["list"] in result.data["style_now"]
    # Saved with what was learned (and so in User Wisdom).
    assert entry.runtime_data.learner.preferences["style_bandit"] == voice.bandit.as_dict()
    # The next turn's prompt follows it.
    again = await llm.async_get_api(hass, "aisthos", chat_context())
    assert _STYLE_PROMPT["list"] in again.api_prompt


@pytest.mark.parametrize(
    "args",
    [
        {"reaction": "approved"},
        {"reaction": "dismissed"},
        {"reaction": "louder"},
        {"reaction": ""},
        {"reaction": ["shorter"]},
        {"reaction": {"kind": "shorter"}},
        {"reaction": None},
        {},
        {"reaction": "shorter\u0000; drop table"},
    ],
)
async def test_the_chat_cannot_report_anything_else(
    hass: HomeAssistant, args: dict[str, Any]
) -> None:
    home_a(hass)
    entry: MockConfigEntry = await setup_home(hass)
    before = entry.runtime_data.voice.bandit.as_dict()
    api = await llm.async_get_api(hass, "aisthos", chat_context())
    with pytest.raises(vol.Invalid):
        StyleFeedbackTool.parameters(args)
    result = await api.async_call_tool(llm.ToolInput("aisthos_style_feedback", args))
    assert result.error
    assert "reaction must be one of: helpful, not_helpful, shorter" in result.data["error"]
    assert entry.runtime_data.voice.bandit.as_dict() == before


async def test_without_a_loaded_entry_the_prompt_has_no_style(hass: HomeAssistant) -> None:
    home_a(hass)
    entry: MockConfigEntry = await setup_home(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    api = await llm.async_get_api(hass, "aisthos", chat_context())
    assert "likes answers" not in api.api_prompt
    with pytest.raises(HomeAssistantError, match="not loaded"):
        await api.async_call_tool(llm.ToolInput("aisthos_style_feedback", {"reaction": "shorter"}))


async def test_a_chat_reaction_is_about_the_answer_it_follows(hass: HomeAssistant) -> None:
    home_a(hass)
    entry: MockConfigEntry = await setup_home(hass)
    voice = entry.runtime_data.voice
    voice.bandit = StyleBandit(seed=0)
    answered = await llm.async_get_api(hass, "aisthos", chat_context())
    assert voice.last is not None
    ctx, style = voice.last
    # HA builds the API again for the turn in which the user reacts; an Assist
    # answer in between (another channel) does not change what the chat used.
    for _ in range(5):
        again = await llm.async_get_api(hass, "aisthos", chat_context())
        assert again.api_prompt == answered.api_prompt
    voice.style("voice")  # what an Assist answer does
    assert voice.last[0].channel == "voice"
    before = voice.bandit.as_dict()
    await again.async_call_tool(
        llm.ToolInput("aisthos_style_feedback", {"reaction": "not_helpful"})
    )
    replay = StyleBandit.from_dict(before)
    replay.feedback(ctx, style, "not_helpful")
    assert voice.bandit.as_dict() == replay.as_dict()


async def test_a_spoken_correction_changes_the_next_chat_turn(hass: HomeAssistant) -> None:
    home_a(hass)
    entry: MockConfigEntry = await setup_home(hass)
    voice = entry.runtime_data.voice
    voice.bandit = StyleBandit(seed=2)
    await llm.async_get_api(hass, "aisthos", chat_context())
    assert voice.last is not None
    ctx, style = voice.last
    wanted = "brief" if style.length == "detailed" else "detailed"
    # Said through Assist (a sentence trigger), about the chat's last answer.
    for _ in range(3):
        await voice.async_record("shorter" if wanted == "brief" else "more_detail")
    again = await llm.async_get_api(hass, "aisthos", chat_context())
    assert voice.bandit.best(ctx).length == wanted
    assert _STYLE_PROMPT[wanted] in again.api_prompt


@pytest.mark.parametrize("args", [{}, {"skill": None}, {"skill": ["kettle"]}, {"skill": 7}])
async def test_explaining_needs_a_skill_named(hass: HomeAssistant, args: dict[str, Any]) -> None:
    home_a(hass)
    await setup_home(hass)
    api = await llm.async_get_api(hass, "aisthos", chat_context())
    result = await api.async_call_tool(llm.ToolInput("aisthos_explain_skill", args))
    assert result.error
    assert result.data == {"error": "give the skill's id or (part of) its name as `skill`"}
